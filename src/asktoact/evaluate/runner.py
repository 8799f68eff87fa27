"""The evaluation runner: one dialogue -> a batch with bounded concurrency, resume, trials.

Generation and scoring are separate phases over JSONL files (as in BFCL): transcripts are
appended as each dialogue ends, a rerun skips every (record id, trial) already written
with a result, and ``metrics`` turns transcripts into scores. A dialogue that failed (the
endpoint, the simulator or our own code) is not a result: it is written so the failure is
visible, retried by the next run, and never scored.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from ..io import dump_line, read_jsonl
from ..redact import redact
from ..models import GenParams
from ..protocol import SYSTEM_PROMPT, ParsedTurn, parse_turn, task_message
from ..schema import FAILED_TERMINATIONS, ICRecord, TerminationReason, Transcript, Turn, TurnKind
from .agents import AgentFactory
from .personas import draw_persona
from .simulators import SimState, Simulator


@dataclass
class EvalConfig:
    max_rounds: int = 10
    concurrency: int = 8
    trials: int = 1
    seed: int = 0
    limit: int | None = None
    persona: str | None = None
    temperature: float = 0.0
    max_tokens: int = 512
    system_prompt: str = SYSTEM_PROMPT


def trial_seed(seed: int, record_id: str, trial: int) -> int:
    return random.Random(f"asktoact:eval:{seed}:{record_id}:{trial}").randrange(2**31)


async def run_dialogue(rec: ICRecord, agent: Any, sim: Simulator, cfg: EvalConfig, trial: int, model_spec: str) -> Transcript:
    seed = trial_seed(cfg.seed, rec.id, trial)
    rng = random.Random(seed)
    persona = draw_persona(rng, cfg.persona)
    state = SimState(rec, persona, random.Random(rng.random()))
    messages = [{"role": "system", "content": cfg.system_prompt},
                {"role": "user", "content": task_message(rec.unspecified_query, rec.tools)}]
    params = GenParams(temperature=cfg.temperature, max_tokens=cfg.max_tokens, seed=seed)
    turns: list[Turn] = []
    termination, solution, error = TerminationReason.max_rounds, None, None
    t0 = time.perf_counter()
    for _ in range(cfg.max_rounds + 1):
        try:
            res = await agent.achat(messages, params)
        except Exception as e:  # noqa: BLE001 - any failure of the model (ModelError included) ends this dialogue only
            termination, error = TerminationReason.model_error, _error_text(e)
            break
        try:
            parsed = parse_turn(res.text)
        except Exception as e:  # noqa: BLE001 - whatever a reply holds, it is one invalid turn at worst
            parsed = ParsedTurn(TurnKind.invalid, error=f"unreadable reply ({type(e).__name__})")
        if parsed.kind == TurnKind.solution:
            turns.append(Turn(assistant=res.text, kind=TurnKind.solution))
            termination, solution = TerminationReason.solution, parsed.solution
            break
        if parsed.kind == TurnKind.invalid:
            turns.append(Turn(assistant=res.text, kind=TurnKind.invalid))
            termination, error = TerminationReason.invalid_output, parsed.error
            break
        if sum(t.kind == TurnKind.question for t in turns) >= cfg.max_rounds:
            termination = TerminationReason.max_rounds
            break
        messages.append({"role": "assistant", "content": res.text})
        try:
            sr = await sim.reply(state, parsed.question, messages[2:])
        except Exception as e:  # noqa: BLE001
            turns.append(Turn(assistant=res.text, kind=TurnKind.question, question=parsed.question))
            termination, error = TerminationReason.simulator_error, _error_text(e)
            break
        turns.append(Turn(assistant=res.text, kind=TurnKind.question, question=parsed.question, user=sr.text,
                          clarified=sr.clarified, judged_error=sr.error))
        messages.append({"role": "user", "content": sr.text})
    # one intent per hidden value: parameters hidden together with another (linked) are not counted twice
    unspecified = [f"{ci}.{p}" for ci, c in enumerate(rec.key_info) for p, a in c.arguments.items()
                   if a.removed and not a.linked_to]
    return Transcript(record_id=rec.id, trial=trial, seed=seed, model=model_spec, simulator=sim.spec, persona=persona.name,
                      n_unspecified=len(unspecified), n_calls=len(rec.calls), turns=turns, termination=termination,
                      solution=solution, error=error, ground_truth=rec.calls, unspecified=unspecified,
                      offered_tools=[t.name for t in rec.tools], latency_s=round(time.perf_counter() - t0, 4))


def _error_text(e: BaseException) -> str:
    return redact(f"{type(e).__name__}: {str(e)[:300]}")


FAILED = {t.value for t in FAILED_TERMINATIONS}


def latest_lines(path: Path) -> dict[tuple[str, int], dict[str, Any]]:
    """The last transcript written for each (record id, trial): a retry supersedes its failure.
    Lines that are not transcripts (torn, edited) are ignored here and refused by scoring."""
    out: dict[tuple[str, int], dict[str, Any]] = {}
    if not path.exists():
        return out
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            try:
                d = json.loads(line)
                out[(str(d["record_id"]), int(d["trial"]))] = d
            except (json.JSONDecodeError, KeyError, ValueError, TypeError):
                continue
    return out


def done_keys(path: Path) -> set[tuple[str, int]]:
    """(record id, trial) pairs that already have a result; failed dialogues are not done."""
    return {k for k, d in latest_lines(path).items() if d.get("termination") not in FAILED}


def compact(path: Path, order: Sequence[tuple[str, int]]) -> None:
    """Rewrite the transcripts with the latest line per key, in record order (trial, then
    record), so a resumed run ends with the same file layout as an uninterrupted one.
    Written to a temporary name and renamed: a kill leaves the old file whole."""
    import os

    latest = latest_lines(path)
    if not latest:
        return
    rank = {k: i for i, k in enumerate(order)}
    keys = sorted(latest, key=lambda k: (rank.get(k, len(rank)), k))
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "w", encoding="utf-8") as f:
        for k in keys:
            f.write(dump_line(latest[k]))
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _failed_transcript(rec: ICRecord, trial: int, seed: int, model_spec: str, sim: Simulator, e: BaseException) -> Transcript:
    return Transcript(record_id=rec.id, trial=trial, seed=seed, model=model_spec, simulator=sim.spec,
                      termination=TerminationReason.harness_error, error=_error_text(e), ground_truth=rec.calls,
                      n_calls=len(rec.calls), offered_tools=[t.name for t in rec.tools])


def _repair(path: Path) -> None:
    """Drop a partial last line left by an interrupted run, so appends stay valid JSONL."""
    if not path.exists():
        return
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        path.write_bytes(data[: data.rfind(b"\n") + 1])


async def run_batch(records: Sequence[ICRecord], factory: AgentFactory, sim: Simulator, cfg: EvalConfig,
                    out: Path, on_done: Callable[[Transcript], None] | None = None,
                    on_start: Callable[[int, int], None] | None = None) -> int:
    """Run every (record, trial) without a result yet; returns how many transcripts were written.
    ``on_start(todo, already_done)`` is called once the work is known (for progress bars)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    _repair(out)
    skip = done_keys(out)
    order = [(r.id, t) for t in range(cfg.trials) for r in records]
    todo = [(r, t) for t in range(cfg.trials) for r in records if (r.id, t) not in skip]
    if on_start:
        on_start(len(todo), len(order) - len(todo))
    sem = asyncio.Semaphore(max(1, cfg.concurrency))
    lock = asyncio.Lock()
    written = 0
    with open(out, "a", encoding="utf-8") as fh:
        async def one(rec: ICRecord, trial: int) -> None:
            nonlocal written
            async with sem:
                try:
                    tr = await run_dialogue(rec, factory.for_record(rec), sim, cfg, trial, factory.spec)
                except Exception as e:  # noqa: BLE001 - one dialogue's failure ends that dialogue only
                    tr = _failed_transcript(rec, trial, trial_seed(cfg.seed, rec.id, trial), factory.spec, sim, e)
            async with lock:
                fh.write(dump_line(tr))
                fh.flush()
                written += 1
            if on_done:
                on_done(tr)

        try:
            await asyncio.gather(*(one(r, t) for r, t in todo))
        finally:
            for m in {id(x): x for x in (factory.model, getattr(sim, "model", None)) if x is not None}.values():
                await m.aclose()
    if written:
        compact(out, order)
    return written


def load_records(path: Path, limit: int | None = None, rejects: Any = None) -> list[ICRecord]:
    """Records that passed quality control; with ``rejects``, unreadable lines go there and the rest is read."""
    out = []
    for r in read_jsonl(path, ICRecord, rejects=rejects):
        if not r.quality.passed:
            continue
        out.append(r)
        if limit is not None and len(out) >= limit:
            break
    return out
