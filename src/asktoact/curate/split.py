"""``asktoact split``: a seeded train / held-out split of IC records, recorded.

Held-out numbers mean something only if nothing held out was trained on, so the split is
made once, by record group, and written down:

* the turns of one conversation (BFCL multi-turn turns, API-Bank items cut from one
  dialogue) form one group and stay on one side;
* groups are drawn per stratum (source x "something to ask" vs "fully specified"), so the
  held-out part has both kinds of query from every source;
* evaluation-only records (BFCL ``live_*``) always go to the held-out side;
* the draw is a hash of (seed, group), so the same inputs and seed give the same split
  whatever the order of the files, and adding records never moves existing ones.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

from ..io import AtomicOutputs, RejectSink, dump_line, read_jsonl
from ..schema import ICRecord


def group_of(rec: ICRecord) -> str:
    """Records cut from one conversation share a group."""
    m = rec.metadata
    for k in ("conversation", "record", "dialogue"):
        if isinstance(m.get(k), (str, int)):
            return f"{rec.source}:{m[k]}"
    return f"{rec.source}:{rec.id}"


def stratum_of(rec: ICRecord) -> str:
    return f"{rec.source}/{'ask' if rec.n_unspecified > 0 else 'act'}"


def _rank(seed: int, group: str) -> str:
    return hashlib.sha256(f"asktoact:split:{seed}:{group}".encode()).hexdigest()


def assign(records: Sequence[ICRecord], share: float | None = None, n: int | None = None,
           seed: int = 0) -> dict[str, str]:
    """Record id -> "train" | "heldout". ``share`` of each stratum's groups, or about ``n``
    records in all (spread over strata by size)."""
    if (share is None) == (n is None):
        raise ValueError("give either a held-out share or a held-out count")
    if share is not None and not 0 < share < 1:
        raise ValueError(f"held-out share must be between 0 and 1, got {share}")
    groups: dict[str, list[ICRecord]] = defaultdict(list)
    for r in records:
        groups[group_of(r)].append(r)
    strata: dict[str, list[str]] = defaultdict(list)
    for g, rs in groups.items():
        strata[stratum_of(min(rs, key=lambda r: r.id))].append(g)  # order-free: the lowest id decides
    total = len(records)
    target_share = share if share is not None else min(1.0, n / max(1, total))
    side: dict[str, str] = {}
    for st, gs in sorted(strata.items()):
        gs.sort(key=lambda g: _rank(seed, g))
        want = sum(len(groups[g]) for g in gs) * target_share
        taken = 0
        for g in gs:
            held = taken < want and (taken + len(groups[g]) <= math.ceil(want) or taken == 0)
            for r in groups[g]:
                side[r.id] = "heldout" if held or r.metadata.get("eval_only") else "train"
            if held:
                taken += len(groups[g])
    for g, rs in groups.items():  # one group, one side (eval-only records pull their group out)
        if any(side[r.id] == "heldout" for r in rs):
            for r in rs:
                side[r.id] = "heldout"
    return side


@dataclass
class SplitStats:
    records_in: int = 0
    train: int = 0
    heldout: int = 0
    rejected: int = 0
    by_stratum: dict[str, Counter] = field(default_factory=dict)


def run_split(inputs: Iterable[Path], out: Path, share: float | None = None, n: int | None = None,
              seed: int = 0) -> SplitStats:
    out = Path(out)
    st = SplitStats()
    with RejectSink(out / "rejects.jsonl", "split") as rj:
        recs: list[ICRecord] = []
        seen: set[str] = set()
        for p in inputs:
            for r in read_jsonl(Path(p), ICRecord, rejects=rj):
                st.records_in += 1
                if r.id in seen:
                    rj.add(r.source, r.id, "id", "duplicate record id: kept the first")
                    continue
                seen.add(r.id)
                recs.append(r)
        st.rejected = rj.count
        side = assign(recs, share, n, seed)
        with AtomicOutputs(out) as ao:
            ft, fh = ao.open("train.jsonl"), ao.open("heldout.jsonl")
            for r in recs:
                (fh if side[r.id] == "heldout" else ft).write(dump_line(r))
                st.by_stratum.setdefault(stratum_of(r), Counter())[side[r.id]] += 1
            st.train = sum(1 for v in side.values() if v == "train")
            st.heldout = len(side) - st.train
            ao.commit("split",
                      {"inputs": [str(p) for p in inputs], "share": share, "n": n, "seed": seed},
                      {"records_in": st.records_in, "train": st.train, "heldout": st.heldout, "rejected": st.rejected,
                       "by_stratum": {k: dict(v) for k, v in sorted(st.by_stratum.items())},
                       "heldout_ids": sorted(k for k, v in side.items() if v == "heldout")})
    return st
