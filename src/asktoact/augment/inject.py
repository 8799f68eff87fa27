"""Choose which error goes where (§2.2.1, Appendix D.1, Algorithms 2 and 3) and what it says.

Type first, then a record that allows it: ``plan_types`` fixes how many dialogues get each
type from the configured mix (paper Table 2 by default) and draws, per type, records that
allow it, uniformly and without replacement. A type that finds too few records is reported
as unplaced, never swapped for another. ``plan_injection`` then picks the position inside
the record. Pure functions; content comes from template banks or an LLM (``dialogues.llm``).
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

from ..dialogues.assemble import Injection
from ..dialogues.content import Slot, irrelevant_question, template_question, vague_question
from ..schema import ErrorType, ICRecord

# Paper Table 2: augmented dialogues per error type (15,156 in all).
PAPER_MIX: dict[ErrorType, float] = {
    ErrorType.clearly_stated: 2481, ErrorType.imprecise: 2298, ErrorType.irrelevant: 2251,
    ErrorType.redundant: 3126, ErrorType.incomplete: 5000,
}


def kept_params(rec: ICRecord) -> list[tuple[int, str]]:
    """Parameters whose value the (unspecified) query states: targets for type 1."""
    return [(ci, p) for ci, c in enumerate(rec.key_info) for p, a in c.arguments.items()
            if not a.removed and a.located and a.reference is None and a.current_value]


def feasible_types(rec: ICRecord, slots: list[Slot]) -> list[ErrorType]:
    """The types a record allows (Appendix D.1):

    * clearly stated: a parameter whose value the query states (``removed`` false);
    * imprecise: a parameter that is asked for (``removed`` true);
    * irrelevant: any record (the question is about the task, never about a parameter);
    * redundant (Algorithm 2): an earlier question already answered, i.e. at least one
      clarification before the position where the question is repeated;
    * incomplete (Algorithm 3): at least one clarification still to come, so the premature
      solution has an ``<unknown_*>`` value.
    """
    out = []
    if kept_params(rec):
        out.append(ErrorType.clearly_stated)
    if slots:
        out.append(ErrorType.imprecise)
    out.append(ErrorType.irrelevant)
    if slots:
        out.append(ErrorType.redundant)
        out.append(ErrorType.incomplete)
    return out


def normalise_mix(weights: Mapping[ErrorType, float] | None) -> dict[ErrorType, float]:
    """Shares summing to 1, in ``ErrorType`` order; unlisted types get 0."""
    w = {t: max(0.0, float((weights or PAPER_MIX).get(t, 0.0))) for t in ErrorType}
    total = sum(w.values())
    if total <= 0:
        raise ValueError("error-type weights must have a positive sum")
    return {t: v / total for t, v in w.items()}


def quotas(n: int, mix: Mapping[ErrorType, float]) -> dict[ErrorType, int]:
    """Largest-remainder split of ``n`` by the mix: the counts match the shares as closely
    as whole numbers can (ties go to the earlier type, so the split is deterministic)."""
    raw = {t: n * mix.get(t, 0.0) for t in ErrorType}
    out = {t: int(v) for t, v in raw.items()}
    rest = n - sum(out.values())
    for t in sorted(ErrorType, key=lambda t: (-(raw[t] - out[t]), list(ErrorType).index(t)))[:rest]:
        out[t] += 1
    return out


def _draw_key(seed: int, kind: ErrorType, rid: str) -> str:
    return hashlib.sha256(f"asktoact:augment-pick:{seed}:{kind.value}:{rid}".encode()).hexdigest()


@dataclass
class TypePlan:
    """Which record gets which type, and what could not be placed."""

    assigned: dict[str, ErrorType] = field(default_factory=dict)
    wanted: dict[ErrorType, int] = field(default_factory=dict)
    eligible: Counter = field(default_factory=Counter)
    unplaced: Counter = field(default_factory=Counter)
    strategy: str = ""  # "interleaved" | "scarcest-first" | "scarcest-first, reduced"


def _interleaved(pools: dict[ErrorType, list[str]], wanted: dict[ErrorType, int], seed: int) -> tuple[dict[str, ErrorType], Counter]:
    """Types in a seeded random order, each taking the next free record of its own seeded
    hash order: every type draws uniformly from the records that allow it, so no type is
    pushed onto level-0 records by the others."""
    seq = [t for t in ErrorType for _ in range(wanted[t])]
    random.Random(f"asktoact:augment-types:{seed}").shuffle(seq)
    order = {t: sorted(pools[t], key=lambda rid: _draw_key(seed, t, rid)) for t in ErrorType}
    at = dict.fromkeys(ErrorType, 0)
    assigned: dict[str, ErrorType] = {}
    short: Counter = Counter()
    for t in seq:
        pool = order[t]
        while at[t] < len(pool) and pool[at[t]] in assigned:
            at[t] += 1
        if at[t] < len(pool):
            assigned[pool[at[t]]] = t
        else:
            short[t.value] += 1
    return assigned, short


def _scarcest_first(pools: dict[ErrorType, list[str]], wanted: dict[ErrorType, int], seed: int) -> tuple[dict[str, ErrorType], Counter]:
    """Scarcest type first (fewest eligible records per wanted dialogue): places the most when
    records are tight, at the price of leaving the types level-0 records allow to them."""
    assigned: dict[str, ErrorType] = {}
    short: Counter = Counter()
    order = sorted((t for t in ErrorType if wanted[t] > 0),
                   key=lambda t: (len(pools[t]) / wanted[t], list(ErrorType).index(t)))
    for t in order:
        pool = sorted((rid for rid in pools[t] if rid not in assigned), key=lambda rid: _draw_key(seed, t, rid))
        take = pool[:wanted[t]]
        for rid in take:
            assigned[rid] = t
        if len(take) < wanted[t]:
            short[t.value] = wanted[t] - len(take)
    return assigned, short


def plan_types(candidates: Iterable[tuple[str, Sequence[ErrorType]]], n: int, seed: int,
               weights: Mapping[ErrorType, float] | None = None) -> TypePlan:
    """Type first (§2.2.1), then a record that allows it.

    ``candidates``: (record id, the types it allows). ``n`` dialogues are wanted in all, split
    by the mix (``quotas``), and placed by ``_interleaved`` (each type uniform over the
    records that allow it). When that leaves some unplaced (a large share), the scarcest
    type goes first instead; when even that cannot carry ``n``, the largest total that fits
    is placed, still split by the mix, and the rest is counted per type in ``unplaced``: no
    type is swapped for another and the mix of what is written stays the configured one.
    """
    mix = normalise_mix(weights)
    plan = TypePlan(wanted=quotas(n, mix))
    pools: dict[ErrorType, list[str]] = {t: [] for t in ErrorType}
    for rid, types in candidates:
        for t in types:
            pools[t].append(rid)
            plan.eligible[t.value] += 1
    assigned, short = _interleaved(pools, plan.wanted, seed)
    plan.strategy = "interleaved"
    if short:
        assigned, short = _scarcest_first(pools, plan.wanted, seed)
        plan.strategy = "scarcest-first"
    if short:
        lo, hi = 0, n  # largest total whose split fits (monotone in practice: fewer wanted, fewer conflicts)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if _scarcest_first(pools, quotas(mid, mix), seed)[1]:
                hi = mid - 1
            else:
                lo = mid
        assigned, _ = _scarcest_first(pools, quotas(lo, mix), seed)
        placed = Counter(t.value for t in assigned.values())
        short = Counter({t.value: plan.wanted[t] - placed[t.value] for t in ErrorType
                         if plan.wanted[t] > placed[t.value]})
        plan.strategy = "scarcest-first, reduced"
    plan.assigned, plan.unplaced = assigned, short
    return plan


def redundant_position(slots: list[Slot], rng: random.Random) -> tuple[int, int]:
    """Algorithm 2: a target position > 0 (before a later slot, or before the summary) and an
    earlier, already answered slot whose question is repeated there."""
    target = rng.randrange(1, len(slots) + 1)
    prev = rng.randrange(0, target)
    return target, prev


def incomplete_position(slots: list[Slot], rng: random.Random) -> int:
    """Algorithm 3: k uniform in [0, |slots|); slots before k are known, the rest become <unknown_*>."""
    return rng.randrange(0, len(slots))


def plan_injection(rec: ICRecord, slots: list[Slot], kind: ErrorType, rng: random.Random,
                   llm_question: str | None = None, llm_key: tuple[int, str] | None = None) -> Injection:
    """Where and what. ``llm_question`` (if given) replaces the template text for semantic types."""
    if kind not in feasible_types(rec, slots):
        raise ValueError(f"record {rec.id} does not allow a {kind.value} error")
    asked = {s.question for s in slots}
    if kind == ErrorType.clearly_stated:
        key = llm_key or rng.choice(kept_params(rec))
        pos = rng.randrange(0, len(slots) + 1)
        question = llm_question or template_question(rec, key, rng)
        for _ in range(20):
            if question not in asked:
                break
            question = template_question(rec, key, rng)
        return Injection(kind, pos, question=question, target=key)
    if kind == ErrorType.imprecise:
        pos = rng.randrange(0, len(slots))
        question = llm_question or vague_question(rec, slots[pos].key, rng)
        for _ in range(20):
            if question not in asked:
                break
            question = vague_question(rec, slots[pos].key, rng)
        return Injection(kind, pos, question=question, target=slots[pos].key)
    if kind == ErrorType.irrelevant:
        pos = rng.randrange(0, len(slots) + 1)
        # about the step being clarified at that point (or any step, before the summary)
        ci = slots[pos].key[0] if pos < len(slots) else None
        question = llm_question or irrelevant_question(rec, rng, ci)
        for _ in range(20):
            if question not in asked:
                break
            question = irrelevant_question(rec, rng)
        return Injection(kind, pos, question=question)
    if kind == ErrorType.redundant:
        target, prev = redundant_position(slots, rng)
        return Injection(kind, target, target=prev)
    if kind == ErrorType.incomplete:
        return Injection(kind, incomplete_position(slots, rng))
    raise ValueError(kind)
