"""Evaluation runner: its own overhead per turn, and speed-up with concurrency.

* Overhead: an in-process agent that answers instantly (no HTTP, no model), against the
  oracle simulator; wall time / turns is what the runner and simulator cost per turn.
* Concurrency: a loopback OpenAI-compatible server with fixed latency; throughput at 1, 8
  and 64 dialogues in flight, relative to 1.
Run:  python bench/runner_overhead.py [--latency 0.5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def records(n: int):
    from asktoact.curate.stage import BuildConfig, run_build
    from asktoact.evaluate.runner import load_records

    out = Path(tempfile.mkdtemp(prefix="asktoact-runner-"))
    res = run_build(BuildConfig(source="sealtools", path=str(SHARED / "toolbench_style" / "sealtool.json"),
                                out=str(out), seed=0, similarity=False, level_weights={0: 0, 1: 1, 2: 1, 3: 1}))
    recs = load_records(res.records)
    return (recs * (n // len(recs) + 1))[:n]


def overhead(recs) -> dict:
    from asktoact.evaluate.agents import AgentFactory
    from asktoact.evaluate.runner import EvalConfig, run_batch
    from asktoact.evaluate.simulators import OracleSimulator

    recs = [r.model_copy(update={"id": f"{r.id}#{i}"}) for i, r in enumerate(recs)]
    out = Path(tempfile.mkdtemp()) / "t.jsonl"
    t0 = time.perf_counter()
    asyncio.run(run_batch(recs, AgentFactory("script:perfect"), OracleSimulator(), EvalConfig(concurrency=1), out))
    dt = time.perf_counter() - t0
    turns = sum(len(json.loads(l)["turns"]) for l in out.read_text().splitlines())
    return {"dialogues": len(recs), "turns": turns, "seconds": round(dt, 3), "ms_per_turn": round(1000 * dt / turns, 3)}


def concurrency(recs, latency: float, levels=(1, 8, 64)) -> dict:
    from asktoact.evaluate.agents import AgentFactory
    from asktoact.evaluate.runner import EvalConfig, run_batch
    from asktoact.evaluate.simulators import OracleSimulator
    from asktoact.models import load_model
    from asktoact.testing.fake_server import FakeOpenAI

    def reply(msgs, body):
        n_q = sum(1 for m in msgs if m["role"] == "assistant")
        return "[QUESTION] What vehicle ID should I use?" if n_q == 0 else '[SUMMARY] [{"task": "f", "arguments": []}]'

    out = {}
    with FakeOpenAI(reply, latency=latency) as srv:
        for c in levels:
            batch = [r.model_copy(update={"id": f"{r.id}#{c}#{i}"}) for i, r in enumerate(recs[: max(c * 4, 8)])]
            model = load_model(f"openai:fake@{srv.url}?concurrency={c}", cache=False)
            path = Path(tempfile.mkdtemp()) / "t.jsonl"
            t0 = time.perf_counter()
            asyncio.run(run_batch(batch, AgentFactory("x", model=model), OracleSimulator(), EvalConfig(concurrency=c), path))
            dt = time.perf_counter() - t0
            turns = sum(len(json.loads(l)["turns"]) for l in path.read_text().splitlines())
            out[str(c)] = {"dialogues": len(batch), "turns": turns, "seconds": round(dt, 3),
                           "turns_per_s": round(turns / dt, 2)}
    base = out[str(levels[0])]["turns_per_s"]
    for c in levels:
        out[str(c)]["speedup"] = round(out[str(c)]["turns_per_s"] / base, 2)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--latency", type=float, default=0.5)
    ap.add_argument("--out", default="bench/results/runner.json")
    a = ap.parse_args()
    recs = records(2000)
    res = {"overhead": overhead(recs), "latency_s": a.latency, "concurrency": concurrency(recs, a.latency)}
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(res, indent=2) + "\n")
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
