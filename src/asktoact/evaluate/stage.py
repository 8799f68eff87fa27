"""``asktoact eval``: generate transcripts, then score them; every output in one run folder.

A run folder knows what made it (``run.json``: model spec and a fingerprint of its weight
and adapter files, simulator, records, seed, limit, persona, format, code version): a rerun
with other settings is refused instead of mixing two runs in one file; ``force_new`` puts
the new run in a fresh sibling folder and touches nothing of the old. A lock file keeps a
second writer out while a run is going.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Any, Callable

from ..io import file_digest, read_jsonl, write_sidecar
from ..models.base import run_sync
from ..schema import FAILED_TERMINATIONS, Transcript
from .agents import AgentFactory
from .metrics import score_transcript, summarise, table_csv, table_markdown
from .runner import EvalConfig, compact, latest_lines, load_records, run_batch
from .simulators import make_simulator

RUN_FILE = "run.json"
LOCK_FILE = ".asktoact.lock"
_NOT_SETTINGS = ("concurrency", "trials")  # how fast, and how many trials: a rerun may change these


class RunConflict(ValueError):
    """A run folder made with other settings, or one another process is writing to."""


def run_settings(records_path: Path, model: str, simulator: str, cfg: EvalConfig) -> dict[str, Any]:
    """Everything a transcript depends on; two runs with equal settings may share a folder."""
    from .. import __version__
    from ..fingerprint import spec_files

    conf = {k: v for k, v in cfg.__dict__.items() if k not in _NOT_SETTINGS}
    conf["system_prompt"] = file_digest_text(conf.get("system_prompt") or "")
    return {"model": model, "model_files": spec_files(model), "simulator": simulator,
            "simulator_files": spec_files(simulator), "records": file_digest(Path(records_path))["sha256"][:16],
            "config": conf, "code": __version__}


def file_digest_text(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _differences(old: dict[str, Any], new: dict[str, Any], prefix: str = "") -> list[str]:
    out = []
    for k in sorted(set(old) | set(new)):
        a, b = old.get(k), new.get(k)
        if isinstance(a, dict) and isinstance(b, dict):
            out += _differences(a, b, f"{prefix}{k}.")
        elif a != b:
            out.append(f"{prefix}{k} {a!r} -> {b!r}")
    return out


def check_run_folder(out: Path, settings: dict[str, Any]) -> None:
    """Refuse a folder whose transcripts were made with other settings (one line naming them)."""
    from ..fingerprint import settings_fingerprint

    rf = out / RUN_FILE
    if rf.exists():
        try:
            old = json.loads(rf.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise RunConflict(f"{rf}: unreadable; use another --out or --force-new") from None
        if old.get("fingerprint") != settings_fingerprint(settings):
            diff = _differences(old.get("settings", {}), settings)
            raise RunConflict(f"{out} holds a run with other settings ({'; '.join(diff[:4]) or 'fingerprint differs'}); "
                              "use another --out, or --force-new for a fresh folder beside it")
        return
    # a folder from before run.json: its transcripts say which model and simulator made them
    for d in latest_lines(out / "transcripts.jsonl").values():
        if d.get("model") != settings["model"] or d.get("simulator") != settings["simulator"]:
            raise RunConflict(f"{out} holds transcripts of {d.get('model')!r} vs {d.get('simulator')!r}; "
                              "use another --out, or --force-new for a fresh folder beside it")
        break


def fresh_folder(out: Path) -> Path:
    """``out`` itself when it holds nothing, else the first free ``out.2``, ``out.3`` ... beside it."""
    if not out.exists() or not any(out.iterdir()):
        return out
    n = 2
    while True:
        cand = out.with_name(f"{out.name}.{n}")
        if not cand.exists():
            return cand
        n += 1


class RunLock:
    """An exclusive lock on a run folder (``filelock``: a real OS lock, released when the process
    dies, so a killed run never leaves the folder locked)."""

    def __init__(self, out: Path):
        from filelock import FileLock

        self.path = out / LOCK_FILE
        self._lock = FileLock(str(self.path))

    def __enter__(self) -> "RunLock":
        from filelock import Timeout

        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            raise RunConflict(f"another asktoact eval is writing to {self.path.parent}; wait for it or use "
                              "another --out") from None
        return self

    def __exit__(self, *exc: Any) -> None:
        self._lock.release()


def score_run(run_dir: Path, name: str | None = None) -> dict[str, Any]:
    """Scoring phase alone: transcripts.jsonl -> summary.json, table.md/csv, breakdown.png.

    The latest transcript of each (record, trial) counts; failed dialogues (model, simulator or
    harness errors) are not results: they are counted apart as ``failed`` and kept out of
    every metric. Scores are written in (trial, record id) order: a resumed run scores to the
    same bytes as an uninterrupted one."""
    from ..report.tables import with_run_columns

    run_dir = Path(run_dir)
    from ..io import RejectSink

    latest: dict[tuple[str, int], Transcript] = {}
    rj = RejectSink(stage="score")  # transcripts are a journal: a kill may tear its last line
    for t in read_jsonl(run_dir / "transcripts.jsonl", Transcript, rejects=rj, verify=False):
        latest[(t.record_id, t.trial)] = t
    trs = [latest[k] for k in sorted(latest, key=lambda k: (k[1], k[0]))]
    failed = [t for t in trs if t.termination in FAILED_TERMINATIONS]
    ok = [t for t in trs if t.termination not in FAILED_TERMINATIONS]
    scores = [score_transcript(t, set(t.offered_tools) or None) for t in ok]
    summ = summarise(scores)
    name = name or (trs[0].model if trs else run_dir.name)
    summ["model"] = name
    summ["simulator"] = trs[0].simulator if trs else None
    summ["run"] = run_dir.name
    summ["n"] = len(ok)
    summ["failed"] = len(failed)
    summ["failed_by"] = dict(Counter(t.termination.value for t in failed))
    summ["failed_ids"] = [f"{t.record_id}#{t.trial}" for t in failed][:50]
    summ["unreadable_lines"] = rj.count
    (run_dir / "scores.jsonl").write_text("".join(json.dumps({**s.__dict__, "errors": dict(s.errors)}) + "\n" for s in scores))
    (run_dir / "summary.json").write_text(json.dumps(summ, indent=2, sort_keys=True, default=str) + "\n")
    md, csv = with_run_columns(table_markdown({name: summ}), table_csv({name: summ}), {name: summ})
    (run_dir / "table.md").write_text(md + failed_note(summ))
    (run_dir / "table.csv").write_text(csv)
    try:
        from ..report.plots import plot_breakdowns

        plot_breakdowns({name: summ}, run_dir / "breakdown.png")
    except ImportError:  # matplotlib is in the [ml] extra
        pass
    return summ


def failed_note(summ: dict[str, Any]) -> str:
    if not summ.get("failed"):
        return ""
    by = ", ".join(f"{k} {v}" for k, v in sorted(summ.get("failed_by", {}).items()))
    return f"\nfailed: {summ['failed']} ({by}): not scored; rerun the same command to retry them\n"


def run_eval(records_path: Path, model: str, simulator: str, out: Path, cfg: EvalConfig,
             on_done: Callable | None = None, cache: bool = True, embedder: Any = None,
             force_new: bool = False, on_start: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Generate (resuming) and score one run. Raises ``RunConflict`` for a folder of another run
    or one that is being written; with ``force_new`` a fresh folder beside it is used instead
    (``summary["run_dir"]`` says where)."""
    from ..fingerprint import settings_fingerprint

    from .personas import draw_persona
    import random

    out = Path(out)
    if cfg.persona:
        draw_persona(random.Random(0), cfg.persona)  # an unknown persona is an error now, not N failed dialogues
    settings = run_settings(records_path, model, simulator, cfg)
    try:
        check_run_folder(out, settings)
    except RunConflict:
        if not force_new:
            raise
        out = fresh_folder(out)
    from ..io import RejectSink

    unreadable = RejectSink(stage="eval")
    records = load_records(records_path, cfg.limit, unreadable)  # bad specs fail before the folder is touched
    if not records and unreadable.count:  # not one line was a record: the file is wrong, not a line of it
        r = unreadable.items[0]
        raise ValueError(f"{records_path}: line {r.line}: {r.field}: {r.reason}"
                         + (f" (and {unreadable.count - 1} more unreadable lines)" if unreadable.count > 1 else ""))
    if not records:
        raise ValueError(f"{records_path}: no records to evaluate (none that passed quality control)")
    factory = AgentFactory(model, cache=cache)
    try:
        sim = make_simulator(simulator, embedder)
    except BaseException:
        factory.close()
        raise
    out.mkdir(parents=True, exist_ok=True)
    try:
        with RunLock(out):
            check_run_folder(out, settings)  # again, now that no one else can write
            run_file = out / RUN_FILE
            if not run_file.exists():
                tmp = out / f".{RUN_FILE}.tmp-{os.getpid()}"
                tmp.write_text(json.dumps({"fingerprint": settings_fingerprint(settings), "settings": settings},
                                          indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8")
                os.replace(tmp, run_file)
            written = run_sync(run_batch(records, factory, sim, cfg, out / "transcripts.jsonl", on_done, on_start))
            if not written and (out / "transcripts.jsonl").exists():
                compact(out / "transcripts.jsonl", [(r.id, t) for t in range(cfg.trials) for r in records])
            cfg_d = {**cfg.__dict__, "records": str(records_path), "model": model, "simulator": simulator}
            cfg_d.pop("system_prompt", None)
            write_sidecar(out / "transcripts.jsonl", "eval", cfg_d, {"records": len(records), "written_this_run": written,
                                                                     "usage": factory.usage})
            summ = score_run(out)
    finally:
        factory.close()
        sim.close()
    summ["usage"] = factory.usage
    summ["run_dir"] = str(out)
    summ["unreadable_records"] = [f"{r.source}: line {r.line}: {r.field}: {r.reason}" for r in unreadable.items]
    return summ
