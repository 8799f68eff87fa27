"""``asktoact dialogues``: IC records -> clean clarification dialogues (+ enriched records)."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..curate.twins import full_twin
from ..io import AtomicOutputs, RejectSink, chunks, dump_line, read_jsonl
from ..models import ChatModel
from ..models.base import run_sync
from ..schema import Dialogue, ICRecord
from .native import assembler, text_view
from .check import check_dialogue
from .content import template_question, template_steps
from .llm import llm_questions, llm_steps


@dataclass
class DialogueStats:
    records_in: int = 0
    written: int = 0
    rejected: int = 0
    skipped_qc: int = 0
    unreadable: int = 0  # input lines that were not records (torn, not JSON): rejected with file and line
    by_level: Counter = field(default_factory=Counter)
    tones: Counter = field(default_factory=Counter)
    llm_fallbacks: Counter = field(default_factory=Counter)
    twins: int = 0  # fully specified twins added (``twins=True``; curate.twins)


def primary_keys(rec: ICRecord) -> dict[str, list[str]]:
    """Removed parameters that get their own question -> APIs that need the value."""
    keys: dict[str, list[str]] = {}
    for ci, call in enumerate(rec.key_info):
        for p, a in call.arguments.items():
            if a.removed and not a.linked_to:
                keys[f"{ci}.{p}"] = [call.name]
    for ci, call in enumerate(rec.key_info):
        for p, a in call.arguments.items():
            if a.removed and a.linked_to in keys:
                keys[a.linked_to].append(call.name)
    return keys


def dialogue_rng(seed: int, rec_id: str, what: str = "dialogue") -> random.Random:
    return random.Random(f"asktoact:{what}:{seed}:{rec_id}")


async def _content(rec: ICRecord, seed: int, model: ChatModel | None) -> tuple[list[str], dict[str, str], list[str]]:
    rng = dialogue_rng(seed, rec.id, "content")
    keys = primary_keys(rec)
    notes: list[str] = []
    steps = rec.tool_steps or None
    questions = None
    if model is not None:
        if steps is None:
            steps = await llm_steps(model, rec)
            if steps is None:
                notes.append("steps: model output unusable, template used")
        if keys:
            questions = await llm_questions(model, rec, keys)
            if questions is None:
                notes.append("questions: model output unusable, templates used")
    steps = steps or template_steps(rec)
    if questions is None:
        questions = {}
        for k in keys:
            ci, p = k.split(".", 1)
            linked = [(c, q) for c, call in enumerate(rec.key_info) for q, a in call.arguments.items() if a.linked_to == k]
            questions[k] = template_question(rec, (int(ci), p), rng, linked)
        # two slots must never share a question text (the checks count questions by text)
        seen: set[str] = set()
        for k in list(questions):
            ci, p = k.split(".", 1)
            for _ in range(20):  # redraw the wording; never fall back to internal names
                if questions[k] not in seen:
                    break
                questions[k] = template_question(rec, (int(ci), p), rng)
            while questions[k] in seen:
                questions[k] = questions[k].rstrip("?") + f" (the {len(seen) + 1}. one)?"
            seen.add(questions[k])
    return steps, questions, notes


def enrich(rec: ICRecord, steps: list[str], questions: dict[str, str]) -> ICRecord:
    r = rec.model_copy(deep=True)
    r.tool_steps = steps
    for ci, call in enumerate(r.key_info):
        for p, a in call.arguments.items():
            k = f"{ci}.{p}"
            if a.removed:
                a.question = questions.get(k) or questions.get(a.linked_to or "")
    return r


def make_dialogues(records: list[ICRecord], seed: int, model: ChatModel | None = None,
                   tone: str | None = None, fmt: str = "paper",
                   reasoning: bool | str = False) -> list[tuple[ICRecord, Dialogue, list[str]]]:
    async def go():
        sem = asyncio.Semaphore(max(1, getattr(model, "concurrency", 8)) if model else 64)

        async def one(r):
            async with sem:
                try:
                    return await _content(r, seed, model)
                except Exception as e:  # noqa: BLE001 - one record's failure is that record's reject
                    return e

        try:
            return await asyncio.gather(*(one(r) for r in records))
        finally:
            if model is not None:
                await model.aclose()

    contents = run_sync(go())
    out = []
    for rec, content in zip(records, contents):
        try:
            if isinstance(content, BaseException):
                raise content
            steps, questions, notes = content
            er = enrich(rec, steps, questions)
            d = assembler(fmt, reasoning)(er, steps, questions, dialogue_rng(seed, rec.id), tone=tone)
            d.notes = notes
            out.append((er, d, check_dialogue(d)))
        except (ValueError, TypeError, KeyError, IndexError, RecursionError) as e:
            # e.g. an unbalanced <SOE> inside a value: this record is rejected, the others go on
            out.append((rec, None, [f"unprocessable record: {type(e).__name__}: {str(e)[:200]}"]))
    return out


def run_dialogues(records_path: Path, out: Path, seed: int = 0, model: ChatModel | None = None,
                  tone: str | None = None, progress=None, fmt: str = "paper", reasoning: bool | str = False,
                  twins: bool = False) -> DialogueStats:
    """``twins``: after each record with hidden stated values, also its fully specified twin
    (the original query, answered at once; ``curate.twins``), so that training sees both."""
    from .content import TONES

    if tone is not None and tone not in TONES:
        raise ValueError(f"unknown tone {tone!r}; known: {', '.join(TONES)}")
    out.mkdir(parents=True, exist_ok=True)
    st = DialogueStats()
    # all outputs are put in place together when complete (io.AtomicOutputs); a bad input line
    # is a reject with its file, line and field, and the rest goes on
    with AtomicOutputs(out) as ao, RejectSink(out / "rejects.jsonl", "dialogues", handle=ao.open("rejects.jsonl")) as rj:
        fd, ft, fr = ao.open("dialogues.jsonl"), ao.open("dialogues.txt"), ao.open("records.jsonl")
        for chunk in chunks(read_jsonl(Path(records_path), ICRecord, rejects=rj), 256):
            keep = []
            for r in chunk:
                st.records_in += 1
                if not r.quality.passed:
                    st.skipped_qc += 1
                    rj.add(r.source, r.id, "quality", "skipped: record failed quality control")
                    continue
                if r.metadata.get("eval_only"):
                    st.skipped_qc += 1
                    rj.add(r.source, r.id, "metadata.eval_only", "skipped: evaluation-only split is never trained on")
                    continue
                keep.append(r)
                if twins and (t := full_twin(r)) is not None:
                    keep.append(t)
                    st.twins += 1
            for er, d, violations in make_dialogues(keep, seed, model, tone, fmt, reasoning):
                if d is None:
                    st.rejected += 1
                    rj.add(er.source, er.id, "record", "; ".join(violations))
                    continue
                if violations:
                    st.rejected += 1
                    rj.add(er.source, er.id, "dialogue", "invariant: " + "; ".join(violations))
                    continue
                st.written += 1
                st.by_level[er.level] += 1
                st.tones[d.tone] += 1
                for n in d.notes:
                    st.llm_fallbacks[n.split(":")[0]] += 1
                fd.write(dump_line(d))
                ft.write(text_view(d) + "\n")
                fr.write(dump_line(er))
            if progress:
                progress(len(chunk))
        st.unreadable = rj.count - st.rejected - st.skipped_qc  # bad input lines, rejected as read
        st.records_in += st.unreadable
        ao.commit("dialogues", {"records": str(records_path), "seed": seed, "model": getattr(model, "spec", None),
                                "tone": tone, "format": fmt, "reasoning": reasoning, "twins": twins},
                  {"records_in": st.records_in, "written": st.written, "rejected": st.rejected,
                   "unreadable": st.unreadable, "skipped_qc": st.skipped_qc, "twins": st.twins, "tones": dict(st.tones),
                   "llm_fallbacks": dict(st.llm_fallbacks)})
    return st
