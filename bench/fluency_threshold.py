"""Choose the fluency filter's threshold on text we did not write (docs/results.md, "Curation quality").

Sentences: the first user turn of every API-Bank level-1/2 dialogue and every BFCL
``multi_turn_miss_param`` user turn (written by people, not by our rewriter). Each one gets
two edits of the same size at a seeded position:

* clean: one number or capitalised word (not the first) replaced, on token boundaries, by an
  abstract phrase ("a number", "a name") - what a correct rewrite does;
* broken: the same phrase spliced inside a word, or the word's neighbour dropped with it
  ("I'a specific units curious", "3x^that x value") - what the audited rewrites did.

The sentences are split (seed 0) into a tuning half and a held-out half. The threshold on
``loss(edit) - loss(original)`` that maximises (broken caught - clean rejected) on the tuning
half is reported with both rates on the held-out half, which tuning never saw.

    PYTHONPATH=src python bench/fluency_threshold.py [--model embedded] [--limit 400]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
DATA = ROOT.parent / "shared" / "data"


def sentences(limit: int) -> list[str]:
    out = []
    for f in ("level1.json", "level2.json"):
        for d in json.load(open(DATA / "apibank" / f)):
            turns = [t["content"] for t in d["query"] if t["role"] == "user"]
            if turns:
                out.append(turns[0])
    for line in open(DATA / "bfcl" / "BFCL_v4_multi_turn_miss_param.json"):
        d = json.loads(line)
        for turn in d["question"]:
            for m in turn:
                if m.get("role") == "user" and m.get("content"):
                    out.append(m["content"])
    out = [s.strip() for s in dict.fromkeys(out) if 6 <= len(s.split()) <= 60]
    random.Random(0).shuffle(out)
    return out[:limit]


_TARGET = re.compile(r"(?<=[a-z,] )(\d[\d,.:]*|[A-Z][a-z]+)(?=[\s,.?!])")  # not a sentence's first word


def edits(s: str, rng: random.Random) -> tuple[str, str] | None:
    targets = list(_TARGET.finditer(s))
    if not targets:
        return None
    m = rng.choice(targets)
    phrase = "a number" if m.group(1)[0].isdigit() else "a name"
    clean = s[: m.start()] + phrase + s[m.end():]
    words = [w for w in re.finditer(r"[A-Za-z]{4,}", s) if w.start() != m.start()]
    if rng.random() < 0.5 and words:  # spliced inside a word
        w = rng.choice(words)
        cut = w.start() + rng.randint(1, len(w.group(0)) - 2)
        broken = s[:cut] + phrase + s[w.end() - 1:]
    else:  # the value and the word before it dropped, phrase glued on
        pre = s[: m.start()].rstrip().rsplit(" ", 1)[0]
        broken = pre + phrase + s[m.end():]
    return clean, broken


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="embedded")
    ap.add_argument("--limit", type=int, default=400)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "fluency_threshold.json"))
    ap.add_argument("--records", nargs="*", default=[], help="ic_records.jsonl files: score a seeded sample of real rewrites too")
    ap.add_argument("--n-records", type=int, default=150)
    a = ap.parse_args()
    from asktoact.curate.fluency import FluencyScorer

    rng = random.Random(0)
    rows = []
    for s in sentences(a.limit):
        e = edits(s, rng)
        if e:
            rows.append((s, *e))
    t0 = time.perf_counter()
    sc = FluencyScorer(a.model)
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    texts = [x for r in rows for x in r]
    ls = sc.losses(texts)
    score_s = time.perf_counter() - t0
    d_clean = [ls[3 * i + 1] - ls[3 * i] for i in range(len(rows))]
    d_broken = [ls[3 * i + 2] - ls[3 * i] for i in range(len(rows))]
    half = len(rows) // 2
    tune = range(half)
    held = range(half, len(rows))

    def rates(th, idx):
        caught = sum(d_broken[i] > th for i in idx) / len(idx)
        false = sum(d_clean[i] > th for i in idx) / len(idx)
        return caught, false

    grid = [x / 20 for x in range(0, 81)]
    # the lowest threshold that rejects at most 10% of clean edits on the tuning half:
    # a filter that throws away good rewrites costs data and biases what is kept
    ok = [th for th in grid if rates(th, tune)[1] <= 0.10]
    best = min(ok) if ok else max(grid)
    c_t, f_t = rates(best, tune)
    c_h, f_h = rates(best, held)
    res = {"model": a.model, "sentences": len(rows), "tuning": half, "held_out": len(rows) - half,
           "threshold": best, "tuning_broken_caught": round(c_t, 3), "tuning_clean_rejected": round(f_t, 3),
           "held_out_broken_caught": round(c_h, 3), "held_out_clean_rejected": round(f_h, 3),
           "curve_held_out": {str(th): [round(x, 3) for x in rates(th, held)] for th in (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)},
           "median_delta_clean": round(sorted(d_clean)[len(d_clean) // 2], 3),
           "median_delta_broken": round(sorted(d_broken)[len(d_broken) // 2], 3),
           "load_s": round(load_s, 2), "texts_scored": len(texts), "score_s": round(score_s, 2),
           "ms_per_text": round(1000 * score_s / len(texts), 1),
           "examples": [{"original": r[0], "clean": r[1], "broken": r[2], "d_clean": round(d_clean[i], 3),
                         "d_broken": round(d_broken[i], 3)} for i, r in list(enumerate(rows))[half:half + 5]]}
    if a.records:  # our real rewrites: how many would the threshold reject, and which
        recs = []
        for f in a.records:
            recs += [json.loads(x) for x in open(f)]
        recs = sorted((r for r in recs if r["unspecified_query"] != r["original_query"]), key=lambda r: r["id"])
        recs = random.Random(1).sample(recs, min(a.n_records, len(recs)))
        t0 = time.perf_counter()
        lr = sc.losses([r["unspecified_query"] for r in recs] + [r["original_query"] for r in recs])
        n = len(recs)
        deltas = sorted(((lr[i] - lr[n + i], recs[i]) for i in range(n)), key=lambda x: -x[0])
        res["real_rewrites"] = {"n": n, "rejected_at_threshold": sum(d > best for d, _ in deltas),
                                "median_delta": round(deltas[n // 2][0], 3), "score_s": round(time.perf_counter() - t0, 1),
                                "worst": [{"id": r["id"], "delta": round(d, 3), "original": r["original_query"],
                                           "unspecified": r["unspecified_query"]} for d, r in deltas[:12]]}
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(res, indent=2) + "\n")
    print(json.dumps({k: v for k, v in res.items() if k != "examples"}, indent=2))


if __name__ == "__main__":
    main()
