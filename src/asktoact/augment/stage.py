"""``asktoact augment``: replace a share of clean dialogues by error-correction dialogues."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..dialogues.assemble import assemble, plain_text, slots_of
from ..dialogues.check import check_dialogue
from ..dialogues.llm import llm_error_question
from ..dialogues.stage import dialogue_rng
from ..io import AtomicOutputs, RejectSink, dump_line, read_jsonl
from ..models import ChatModel
from ..models.base import run_sync
from ..schema import Dialogue, ErrorType, ICRecord
from .inject import choose_type, kept_params, plan_injection

SEMANTIC = (ErrorType.clearly_stated, ErrorType.imprecise, ErrorType.irrelevant)


@dataclass
class AugmentStats:
    dialogues_in: int = 0
    augmented: int = 0
    clean: int = 0
    rejected: int = 0
    by_type: Counter = field(default_factory=Counter)
    llm_fallbacks: int = 0
    unreadable_records: int = 0  # lines of records.jsonl that were not records (rejected with file and line)


def augment_one(rec: ICRecord, clean: Dialogue, seed: int, model: ChatModel | None = None,
                weights: dict[ErrorType, float] | None = None) -> tuple[Dialogue, list[str]]:
    rng = dialogue_rng(seed, rec.id, "augment-content")
    slots = slots_of(rec, clean.questions)
    kind = choose_type(rec, slots, rng, weights)
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
    d = assemble(rec, rec.tool_steps, clean.questions, dialogue_rng(seed, rec.id), tone=clean.tone, injection=inj,
                 dialogue_id=f"{rec.id}#aug")
    d.notes = clean.notes + notes
    return d, check_dialogue(d)


def is_augmented(seed: int, rec_id: str, share: float) -> bool:
    return dialogue_rng(seed, rec_id, "augment-pick").random() < share


def run_augment(dialogue_dir: Path, out: Path, share: float = 0.3, seed: int = 0, model: ChatModel | None = None,
                weights: dict[ErrorType, float] | None = None, progress=None) -> AugmentStats:
    dialogue_dir, out = Path(dialogue_dir), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if not dialogue_dir.is_dir():
        raise NotADirectoryError(20, "Not a folder written by `asktoact dialogues`", str(dialogue_dir))
    st = AugmentStats()
    # outputs are put in place together when complete (io.AtomicOutputs); bad input lines and
    # records that cannot be augmented are rejects with file, line and reason; the rest goes on
    with AtomicOutputs(out) as ao, RejectSink(out / "rejects.jsonl", "augment", handle=ao.open("rejects.jsonl")) as rj:
        records = {r.id: r for r in read_jsonl(dialogue_dir / "records.jsonl", ICRecord, rejects=rj)}
        rj_records = rj.count
        ftrain, faug, ftxt = ao.open("train.jsonl"), ao.open("augmented.jsonl"), ao.open("augmented.txt")
        for d in read_jsonl(dialogue_dir / "dialogues.jsonl", Dialogue, rejects=rj):
            st.dialogues_in += 1
            rec = records.get(d.record_id)
            if rec is None:
                rj.add(d.source, d.id, "record_id", "no enriched record for this dialogue")
                st.rejected += 1
                continue
            if is_augmented(seed, rec.id, share):
                try:
                    a, violations = augment_one(rec, d, seed, model, weights)
                except (ValueError, TypeError, KeyError, IndexError, RecursionError) as e:
                    rj.add(d.source, d.id, "dialogue", f"unprocessable: {type(e).__name__}: {str(e)[:200]}")
                    st.rejected += 1
                    continue
                if violations:
                    rj.add(d.source, a.id, "dialogue", "invariant: " + "; ".join(violations))
                    st.rejected += 1
                    continue
                st.augmented += 1
                st.by_type[a.error_type.value] += 1
                st.llm_fallbacks += sum(1 for n in a.notes if "template used" in n)
                ftrain.write(dump_line(a))
                faug.write(dump_line(a))
                ftxt.write(plain_text(a) + "\n")
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
                   "rejected": st.rejected, "unreadable_records": rj_records, "by_type": dict(st.by_type)})
    return st
