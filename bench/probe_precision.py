"""How often a probe (``?ground=1&probe=1``) fills in a value, and whether it should have.

For each record, a compact line is built from its gold calls (every other kept value of the
call known, one parameter listed as missing), the model is asked to continue ``name = `` from
it, and the value it writes goes through the same acceptance as at decode time
(``grounding._probed``). A hidden parameter (the user never said it) must stay missing; a
kept one that is filled should get its gold value. Run it on records nobody tuned on: the
held-out split and API-Bank (human-written, external).

Run:  python bench/probe_precision.py 'embedded?adapter=runs/r20/lora&batch=16' RECORDS.jsonl [--limit N]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("records")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--texts", help="a JSON file of the probes' continuations: written after decoding, read instead "
                                    "of decoding when it exists (to score changed acceptance rules on the same text)")
    a = ap.parse_args()

    from asktoact import formats
    from asktoact.io import read_jsonl
    from asktoact.models import load_model
    from asktoact.models.grounding import CompactLine, KnownItem, _probed, _same_key, probe_prefix, probe_span
    from asktoact.models.local import PROBE_TOKENS, value_confidence
    from asktoact.models.base import GenParams
    from asktoact.schema import ICRecord

    lm = load_model(a.model)
    jobs = []  # (record id, param, hidden?, gold, messages, tools, line, prompt)
    for n, rec in enumerate(read_jsonl(a.records, ICRecord)):
        if a.limit and n >= a.limit:
            break
        msgs, tools = formats.opening("native", rec.unspecified_query, rec.tools, rec.context, "compact")
        prompt = lm.render(msgs, tools)
        c = rec.key_info[0] if rec.key_info else None
        for p, arg in (c.arguments.items() if c else []):
            if arg.linked_to:
                continue
            known = [KnownItem(q, f"{q} = {json.dumps(b.value)}", b.value) for q, b in c.arguments.items()
                     if q != p and not b.removed and not b.linked_to]
            line = CompactLine(known, [p], 0)
            jobs.append((rec.id, p, arg.removed, arg.value, msgs, tools, line, prompt + probe_prefix(line, p)))
    t0 = time.perf_counter()
    short = GenParams(max_tokens=PROBE_TOKENS)
    got = []
    if a.texts and Path(a.texts).exists():
        got = json.loads(Path(a.texts).read_text())
        assert len(got) == len(jobs), "texts are from other records"
    else:
        for k in range(0, len(jobs), lm.batch_size):
            part = jobs[k: k + lm.batch_size]
            sc: list = []
            rows, _ = lm._decode([j[-1] for j in part], short, [True] * len(part), scores=sc)
            for (text, _, _), (ids, logps) in zip(rows, sc):
                span = probe_span(text)
                got.append([text, value_confidence(lm.tok, ids, logps, span[1]) if span else None])
    dt = time.perf_counter() - t0
    counts = {"hidden": 0, "hidden_filled": 0, "kept": 0, "kept_filled": 0, "kept_right": 0}
    wrong, confs = [], []
    for (rid, p, hidden, gold, msgs, tools, line, _), (text, conf) in zip(jobs, got):
        span = probe_span(text)
        v = span[0] if span else None
        filled = p in _probed(line, {p: v}, {}, msgs, tools) if v is not None else False
        if filled:
            confs.append((conf, "hidden" if hidden else ("right" if _same_key(v) == _same_key(gold) else "wrong")))
        if hidden:
            counts["hidden"] += 1
            counts["hidden_filled"] += filled
            if filled:
                wrong.append(f"hidden {rid}.{p}: filled {v!r} (gold {gold!r})")
        else:
            counts["kept"] += 1
            counts["kept_filled"] += filled
            right = filled and _same_key(v) == _same_key(gold)
            counts["kept_right"] += right
            if filled and not right:
                wrong.append(f"kept {rid}.{p}: filled {v!r}, gold {gold!r}")
    print(json.dumps({"records": a.records, "model": a.model, "probes": len(jobs), "seconds": round(dt, 1), **counts}))
    for w in wrong:
        print("  " + w)
    # how a floor on the value's least sure token would sort the accepted fills
    for floor in (-0.05, -0.1, -0.2, -0.35, -0.5, -0.75, -1.0, -1.5, -2.0, -3.0):
        kept = [k for c, k in confs if c >= floor]
        print(f"  floor {floor:5}: hidden {kept.count('hidden'):3}  right {kept.count('right'):3}  wrong {kept.count('wrong'):3}")
    if a.texts and not Path(a.texts).exists():
        Path(a.texts).write_text(json.dumps(got))


if __name__ == "__main__":
    main()
