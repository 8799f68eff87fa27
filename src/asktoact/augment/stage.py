"""``asktoact augment``: replace a share of clean dialogues by error-correction dialogues."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..dialogues.assemble import assemble, slots_of
from ..dialogues.check import check_dialogue
from ..dialogues.native import assembler, text_view
from ..dialogues.llm import llm_error_question
from ..dialogues.stage import dialogue_rng
from ..io import AtomicOutputs, RejectSink, dump_line, read_jsonl
from ..models import ChatModel
from ..models.base import run_sync
from ..schema import Dialogue, ErrorType, ICRecord
from .inject import feasible_types, kept_params, normalise_mix, plan_injection, plan_types

SEMANTIC = (ErrorType.clearly_stated, ErrorType.imprecise, ErrorType.irrelevant)


@dataclass
class AugmentStats:
    dialogues_in: int = 0
    augmented: int = 0
    clean: int = 0
    rejected: int = 0
    by_type: Counter = field(default_factory=Counter)
    llm_fallbacks: int = 0
    wanted: dict = field(default_factory=dict)  # type -> dialogues the mix asks for
    eligible: Counter = field(default_factory=Counter)  # type -> records that allow it
    unplaced: Counter = field(default_factory=Counter)  # type -> wanted but no record allows it
    mix: dict = field(default_factory=dict)  # configured shares (sum 1)
    strategy: str = ""  # how the plan placed the types (see ``plan_types``)
    unreadable_records: int = 0  # lines of records.jsonl that were not records (rejected with file and line)

    def measured_mix(self) -> dict[str, float]:
        n = sum(self.by_type.values())
        return {t.value: (self.by_type.get(t.value, 0) / n if n else 0.0) for t in ErrorType}


def augment_one(rec: ICRecord, clean: Dialogue, seed: int, model: ChatModel | None = None,
                kind: ErrorType | None = None, weights: dict[ErrorType, float] | None = None,
                reasoning: bool | str = False) -> tuple[Dialogue, list[str]]:
    """One error-correction dialogue of type ``kind`` (must be one the record allows; when
    None, drawn from ``weights`` among the allowed ones, for single-dialogue use), written in
    the clean dialogue's format."""
    rng = dialogue_rng(seed, rec.id, "augment-content")
    slots = slots_of(rec, clean.questions)
    if kind is None:
        types = feasible_types(rec, slots)
        mix = normalise_mix(weights)
        w = [mix[t] for t in types]
        kind = rng.choices(types, weights=w, k=1)[0] if sum(w) > 0 else rng.choice(types)
    llm_q, key, notes = None, None, []
    if model is not None and kind in SEMANTIC:
        if kind == ErrorType.clearly_stated:
            key = rng.choice(kept_params(rec))
        async def ask() -> str | None:
            try:
                return await llm_error_question(model, kind.value, rec, key)
            finally:
                await model.aclose()

        llm_q = run_sync(ask())
        if llm_q is None:
            notes.append(f"{kind.value}: model output unusable, template used")
    inj = plan_injection(rec, slots, kind, rng, llm_question=llm_q, llm_key=key)
    # own stream: the clean dialogue's first draw chose its tone, so reusing that stream with
    # the tone given would tie the first reply's wording to the tone
    build = assemble if clean.format == "paper" else assembler(clean.format, reasoning)
    d = build(rec, rec.tool_steps, clean.questions, dialogue_rng(seed, rec.id, "augment-dialogue"), tone=clean.tone,
              injection=inj, dialogue_id=f"{rec.id}#aug")
    d.notes = clean.notes + notes
    return d, check_dialogue(d)


def _candidates(dialogue_dir: Path, records: dict[str, ICRecord]) -> tuple[list[tuple[str, list[ErrorType]]], int]:
    """(dialogue id, allowed types) for every dialogue with a record, and how many lack one."""
    class _Skip:  # bad lines are rejected (with file and line) by the writing pass
        def add(self, *a, **k) -> None:
            pass

    out, missing = [], 0
    for d in read_jsonl(dialogue_dir / "dialogues.jsonl", Dialogue, rejects=_Skip()):
        rec = records.get(d.record_id)
        if rec is None:
            missing += 1
            continue
        out.append((d.id, feasible_types(rec, slots_of(rec, d.questions))))
    return out, missing


def run_augment(dialogue_dir: Path, out: Path, share: float = 0.3, seed: int = 0, model: ChatModel | None = None,
                weights: dict[ErrorType, float] | None = None, progress=None, fmt: str | None = None,
                reasoning: bool | str | None = None) -> AugmentStats:
    """Replace ``round(share * dialogues)`` dialogues by error-correction ones: the type mix is
    fixed first (``plan_types``), then each type goes to records that allow it. ``fmt``: the
    format the input must be in (None: as written); ``reasoning`` for native dialogues: None
    takes the setting ``asktoact dialogues`` recorded in its sidecar."""
    dialogue_dir, out = Path(dialogue_dir), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if not dialogue_dir.is_dir():
        raise NotADirectoryError(20, "Not a folder written by `asktoact dialogues`", str(dialogue_dir))
    if reasoning is None:
        import json

        side = dialogue_dir / "dialogues.jsonl.meta.json"
        reasoning = (json.loads(side.read_text()).get("config", {}).get("reasoning") or False) if side.exists() else False
    st = AugmentStats()
    # outputs are put in place together when complete (io.AtomicOutputs); bad input lines and
    # records that cannot be augmented are rejects with file, line and reason; the rest goes on
    with AtomicOutputs(out) as ao, RejectSink(out / "rejects.jsonl", "augment", handle=ao.open("rejects.jsonl")) as rj:
        records = {r.id: r for r in read_jsonl(dialogue_dir / "records.jsonl", ICRecord, rejects=rj)}
        rj_records = rj.count
        cands, _ = _candidates(dialogue_dir, records)
        mix = normalise_mix(weights)
        plan = plan_types(cands, round(share * len(cands)), seed, mix)
        st.wanted, st.eligible, st.unplaced = {t.value: n for t, n in plan.wanted.items()}, plan.eligible, plan.unplaced
        st.mix, st.strategy = {t.value: round(v, 6) for t, v in mix.items()}, plan.strategy
        ftrain, faug, ftxt = ao.open("train.jsonl"), ao.open("augmented.jsonl"), ao.open("augmented.txt")
        for d in read_jsonl(dialogue_dir / "dialogues.jsonl", Dialogue, rejects=rj):
            st.dialogues_in += 1
            rec = records.get(d.record_id)
            if rec is None:
                rj.add(d.source, d.id, "record_id", "no enriched record for this dialogue")
                st.rejected += 1
                continue
            if fmt is not None and d.format != fmt:
                rj.add(d.source, d.id, "format", f"dialogue is in the {d.format} format, not {fmt}")
                st.rejected += 1
                continue
            kind = plan.assigned.get(d.id)
            if kind is not None:
                try:
                    a, violations = augment_one(rec, d, seed, model, kind, reasoning=reasoning)
                except (ValueError, TypeError, KeyError, IndexError, RecursionError) as e:
                    rj.add(d.source, d.id, "dialogue", f"unprocessable: {type(e).__name__}: {str(e)[:200]}")
                    st.rejected += 1
                    continue
                if violations:
                    rj.add(d.source, a.id, "dialogue", f"invariant ({kind.value}): " + "; ".join(violations))
                    st.rejected += 1
                    continue
                st.augmented += 1
                st.by_type[a.error_type.value] += 1
                st.llm_fallbacks += sum(1 for n in a.notes if "template used" in n)
                ftrain.write(dump_line(a))
                faug.write(dump_line(a))
                ftxt.write(text_view(a) + "\n")
            else:
                st.clean += 1
                ftrain.write(dump_line(d))
            if progress:
                progress(1)
        unreadable = rj.count - rj_records - st.rejected  # dialogue lines that were not dialogues
        st.dialogues_in += unreadable
        st.rejected += unreadable
        st.unreadable_records = rj_records
        ao.commit("augment", {"dialogues": str(dialogue_dir), "share": share, "seed": seed,
                              "model": getattr(model, "spec", None),
                              "weights": {k.value: v for k, v in (weights or {}).items()}},
                  {"dialogues_in": st.dialogues_in, "clean": st.clean, "augmented": st.augmented,
                   "rejected": st.rejected, "unreadable_records": rj_records, "by_type": dict(st.by_type),
                   "configured_mix": st.mix, "measured_mix": {k: round(v, 6) for k, v in st.measured_mix().items()},
                   "wanted": st.wanted, "eligible": dict(st.eligible), "unplaced": dict(st.unplaced),
                   "placement": st.strategy})
    return st
