"""Curation throughput and memory: the deterministic path over >= 10,000 records, one core.

Real BFCL records (all non-live categories) are repeated with fresh ids into a JSONL file,
then streamed through load -> curate -> write. Peak RSS is measured for two input sizes in
separate processes to show memory stays flat (streaming).
The parser (spaCy constituent removal) and the fluency check (embedded LM) are timed apart,
each in its own process on the same input, and reported as seconds per 1,000 records:
``rules`` (string rules only), ``parser`` (rules + spaCy), ``fluency`` (parser + fluency on
the first ``--fluency-records``; the LM is the slow part, so it runs on fewer records).
Run:  python bench/curate_speed.py [--records 10000] [--records-large 40000] [--fluency-records 200]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def make_input(n: int, path: Path) -> None:
    from asktoact.sources import load

    base = [s for s in load("bfcl", SHARED / "bfcl")]
    with open(path, "w") as f:
        for i in range(n):
            s = base[i % len(base)]
            tools = [{"type": "function", "function": t.compact()} for t in s.tools]
            msgs = [{"role": "user", "content": s.query},
                    {"role": "assistant", "tool_calls": [{"type": "function", "function": {
                        "name": c.name, "arguments": json.dumps(c.arguments)}} for c in s.calls]}]
            f.write(json.dumps({"id": f"r{i}", "messages": msgs, "tools": tools}) + "\n")


def child(path: str, out: str, mode: str = "parser", limit: int | None = None) -> None:
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    from asktoact.curate.fluency import DEFAULT_THRESHOLD, FluencyScorer
    from asktoact.curate.parse import load_parser
    from asktoact.curate.stage import BuildConfig, run_build

    t_load = time.perf_counter()
    nlp = load_parser() if mode in ("parser", "fluency") else None
    scorer = FluencyScorer("embedded") if mode == "fluency" else None
    load_s = time.perf_counter() - t_load
    t0 = time.perf_counter()
    res = run_build(BuildConfig(source="openai", path=path, out=out, seed=0, similarity=False, limit=limit,
                                parser="en_core_web_sm" if nlp else None, fluency="embedded" if scorer else None,
                                fluency_threshold=DEFAULT_THRESHOLD), nlp=nlp, scorer=scorer)
    dt = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"mode": mode, "samples": res.curate.samples_in, "seconds": round(dt, 3), "model_load_s": round(load_s, 2),
                      "samples_per_s": round(res.curate.samples_in / dt, 1),
                      "s_per_1000": round(1000 * dt / res.curate.samples_in, 2), "peak_rss_mb": round(peak_mb, 1)}))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=10000)
    ap.add_argument("--records-large", type=int, default=40000)
    ap.add_argument("--out", default="bench/results/curate_speed.json")
    ap.add_argument("--fluency-records", type=int, default=200)
    ap.add_argument("--child", nargs=4)
    a = ap.parse_args()
    if a.child:
        return child(a.child[0], a.child[1], a.child[2], int(a.child[3]) or None)
    work = Path(tempfile.mkdtemp(prefix="asktoact-curate-"))
    results = {}
    def run(inp: Path, tag: str, mode: str, limit: int = 0) -> dict:
        r = subprocess.run([sys.executable, __file__, "--child", str(inp), str(work / f"out_{tag}_{mode}"), mode, str(limit)],
                           capture_output=True, text=True, check=True)
        return json.loads(r.stdout.strip().splitlines()[-1])

    for n in (a.records, a.records_large):
        inp = work / f"in_{n}.jsonl"
        make_input(n, inp)
        results[str(n)] = run(inp, str(n), "parser")
    inp = work / f"in_{a.records}.jsonl"
    stages = {m: run(inp, "stages", m, a.records if m != "fluency" else a.fluency_records) for m in ("rules", "parser", "fluency")}
    results["stages"] = stages
    r, p, f = (stages[m]["s_per_1000"] for m in ("rules", "parser", "fluency"))
    results["cost_per_1000_records_s"] = {"rules": r, "parser_extra": round(p - r, 2), "fluency_extra": round(f - p, 2)}
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
