"""Curation throughput and memory: the deterministic path over >= 10,000 records, one core.

Real BFCL records (all non-live categories) are repeated with fresh ids into a JSONL file,
then streamed through load -> curate -> write. Peak RSS is measured for two input sizes in
separate processes to show memory stays flat (streaming).
Run:  python bench/curate_speed.py [--records 10000] [--records-large 40000]
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


def child(path: str, out: str) -> None:
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    from asktoact.curate.stage import BuildConfig, run_build

    t0 = time.perf_counter()
    res = run_build(BuildConfig(source="openai", path=path, out=out, seed=0, similarity=False))
    dt = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"samples": res.curate.samples_in, "seconds": round(dt, 3),
                      "samples_per_s": round(res.curate.samples_in / dt, 1), "peak_rss_mb": round(peak_mb, 1)}))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=10000)
    ap.add_argument("--records-large", type=int, default=40000)
    ap.add_argument("--out", default="bench/results/curate_speed.json")
    ap.add_argument("--child", nargs=2)
    a = ap.parse_args()
    if a.child:
        return child(*a.child)
    work = Path(tempfile.mkdtemp(prefix="asktoact-curate-"))
    results = {}
    for n in (a.records, a.records_large):
        inp = work / f"in_{n}.jsonl"
        make_input(n, inp)
        r = subprocess.run([sys.executable, __file__, "--child", str(inp), str(work / f"out_{n}")],
                           capture_output=True, text=True, check=True)
        results[str(n)] = json.loads(r.stdout.strip().splitlines()[-1])
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
