"""``asktoact eval``: generate transcripts, then score them; every output in one run folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

from ..io import read_jsonl, write_sidecar
from ..models.base import run_sync
from ..schema import Transcript
from .agents import AgentFactory
from .metrics import score_transcript, source_table, summarise, table_csv, table_markdown
from .runner import EvalConfig, load_records, run_batch
from .simulators import make_simulator


def score_run(run_dir: Path, name: str | None = None) -> dict[str, Any]:
    """Scoring phase alone: transcripts.jsonl -> summary.json, table.md/csv, breakdown.png."""
    run_dir = Path(run_dir)
    trs = list(read_jsonl(run_dir / "transcripts.jsonl", Transcript))
    scores = [score_transcript(t, set(t.offered_tools) or None) for t in trs]
    summ = summarise(scores)
    name = name or (trs[0].model if trs else run_dir.name)
    summ["model"] = name
    summ["simulator"] = trs[0].simulator if trs else None
    (run_dir / "scores.jsonl").write_text("".join(json.dumps({**s.__dict__, "errors": dict(s.errors)}) + "\n" for s in scores))
    (run_dir / "summary.json").write_text(json.dumps(summ, indent=2, sort_keys=True, default=str) + "\n")
    (run_dir / "table.md").write_text(table_markdown({name: summ}))
    (run_dir / "table.csv").write_text(table_csv({name: summ}))
    (run_dir / "sources.md").write_text(source_table(summ))
    try:
        from ..report.plots import plot_breakdowns

        plot_breakdowns({name: summ}, run_dir / "breakdown.png")
    except ImportError:  # matplotlib is in the [ml] extra
        pass
    return summ


def run_eval(records_path: Path, model: str, simulator: str, out: Path, cfg: EvalConfig,
             on_done: Callable | None = None, cache: bool = True, embedder: Any = None) -> dict[str, Any]:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    records = load_records(records_path, cfg.limit)
    factory = AgentFactory(model, cache=cache)
    sim = make_simulator(simulator, embedder)
    try:
        written = run_sync(run_batch(records, factory, sim, cfg, out / "transcripts.jsonl", on_done))
    finally:
        factory.close()
        sim.close()
    cfg_d = {**cfg.__dict__, "records": str(records_path), "model": model, "simulator": simulator}
    cfg_d.pop("system_prompt", None)
    write_sidecar(out / "transcripts.jsonl", "eval", cfg_d, {"records": len(records), "written_this_run": written,
                                                             "usage": factory.usage})
    summ = score_run(out)
    summ["usage"] = factory.usage
    return summ
