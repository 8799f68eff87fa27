"""Choose where an error goes (Algorithms 2 and 3 for the structural types) and what it says.

Pure functions over the record's clarification slots; content comes from template banks or
an LLM (see ``dialogues.llm``). The result is an ``Injection`` for the assembler.
"""

from __future__ import annotations

import random

from ..dialogues.assemble import Injection
from ..dialogues.content import Slot, template_question, vague_question, irrelevant_question
from ..schema import ErrorType, ICRecord

def kept_params(rec: ICRecord) -> list[tuple[int, str]]:
    """Parameters whose value the (unspecified) query states: targets for type 1."""
    return [(ci, p) for ci, c in enumerate(rec.key_info) for p, a in c.arguments.items()
            if not a.removed and a.located and a.reference is None and a.current_value]


def feasible_types(rec: ICRecord, slots: list[Slot]) -> list[ErrorType]:
    out = []
    if kept_params(rec):
        out.append(ErrorType.clearly_stated)
    if slots:
        out.append(ErrorType.imprecise)
    out.append(ErrorType.irrelevant)
    if len(slots) >= 2:
        out.append(ErrorType.redundant)
    if slots:
        out.append(ErrorType.incomplete)
    return out


def choose_type(rec: ICRecord, slots: list[Slot], rng: random.Random,
                weights: dict[ErrorType, float] | None = None) -> ErrorType:
    types = feasible_types(rec, slots)
    if weights:
        w = [max(0.0, weights.get(t, 0.0)) for t in types]
        if sum(w) > 0:
            return rng.choices(types, weights=w, k=1)[0]
    return rng.choice(types)


def redundant_position(slots: list[Slot], rng: random.Random) -> tuple[int, int]:
    """Algorithm 2: a target slot with position > 0, and an earlier removed slot to repeat."""
    target = rng.randrange(1, len(slots))
    prev = rng.randrange(0, target)
    return target, prev


def incomplete_position(slots: list[Slot], rng: random.Random) -> int:
    """Algorithm 3: k uniform in [0, |slots|); slots before k are known, the rest become <unknown_*>."""
    return rng.randrange(0, len(slots))


def plan_injection(rec: ICRecord, slots: list[Slot], kind: ErrorType, rng: random.Random,
                   llm_question: str | None = None, llm_key: tuple[int, str] | None = None) -> Injection:
    """Where and what. ``llm_question`` (if given) replaces the template text for semantic types."""
    if kind == ErrorType.clearly_stated:
        key = llm_key or rng.choice(kept_params(rec))
        pos = rng.randrange(0, len(slots) + 1)
        question = llm_question or template_question(rec, key, rng)
        return Injection(kind, pos, question=question, target=key)
    if kind == ErrorType.imprecise:
        pos = rng.randrange(0, len(slots))
        question = llm_question or vague_question(rec, slots[pos].key, rng)
        if question == slots[pos].question:
            question = vague_question(rec, slots[pos].key, rng)
        return Injection(kind, pos, question=question, target=slots[pos].key)
    if kind == ErrorType.irrelevant:
        pos = rng.randrange(0, len(slots) + 1)
        return Injection(kind, pos, question=llm_question or irrelevant_question(rec, rng))
    if kind == ErrorType.redundant:
        target, prev = redundant_position(slots, rng)
        return Injection(kind, target, target=prev)
    if kind == ErrorType.incomplete:
        return Injection(kind, incomplete_position(slots, rng))
    raise ValueError(kind)
