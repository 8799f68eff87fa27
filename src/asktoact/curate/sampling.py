"""Algorithm 1 (Appendix C.1.1): choose a complexity level and the parameters to hide.

Pure function over the *eligible* view of a solution: for every call, the parameters whose
values the user stated (located in the query and not fed by an earlier call). Calls with no
eligible parameter take no part, exactly as a call with no parameters would in the paper.

Two cases the paper's pseudo-code leaves open are made explicit:
* level 2 needs one call with at least two eligible parameters; when no call has them
  (possible only with several calls), level 2 is not offered;
* level 2 with several calls draws ``t`` among the calls that can hold it.
Both only remove choices that would make the algorithm fail; every other draw is uniform.
"""

from __future__ import annotations

import random
from typing import Sequence

LEVEL_NAMES = {0: "fully specified", 1: "single-API single-parameter",
               2: "single-API multi-parameter", 3: "multi-API multi-parameter"}


def rng_for(seed: int, sample_id: str) -> random.Random:
    """Per-sample generator: order and parallelism never change a sample's draws."""
    return random.Random(f"asktoact:{seed}:{sample_id}")


def allowed_levels(param_counts: Sequence[int]) -> list[int]:
    """The levels Algorithm 1 may draw for these per-call eligible-parameter counts."""
    counts = [c for c in param_counts if c > 0]
    total_tools, total_params = len(counts), sum(counts)
    if total_params == 0:
        return [0]
    if total_tools == 1 and total_params == 1:
        return [0, 1]
    if total_tools == 1:
        return [0, 1, 2]
    levels = [0, 1, 3]
    if any(c >= 2 for c in counts):
        levels.insert(2, 2)
    return levels


def choose_level(levels: list[int], rng: random.Random, weights: dict[int, float] | None = None) -> int:
    if weights is None:
        return rng.choice(levels)
    w = [max(0.0, float(weights.get(lv, 0.0))) for lv in levels]
    if sum(w) <= 0:
        return rng.choice(levels)
    return rng.choices(levels, weights=w, k=1)[0]


def sample_removals(params: Sequence[Sequence[str]], rng: random.Random,
                    level_weights: dict[int, float] | None = None) -> tuple[int, set[tuple[int, str]]]:
    """Run Algorithm 1.

    ``params[i]`` lists call i's eligible parameter names (order matters for determinism).
    Returns (level, {(call index, parameter name)}) of parameters to remove.
    """
    T = [i for i, ps in enumerate(params) if ps]
    counts = [len(params[i]) for i in range(len(params))]
    level = choose_level(allowed_levels(counts), rng, level_weights)
    removed: set[tuple[int, str]] = set()
    if level == 1:
        t = rng.choice(T)
        p = rng.choice(list(params[t]))
        removed.add((t, p))
    elif level == 2:
        candidates = [t for t in T if counts[t] >= 2]
        t = rng.choice(candidates)
        n = rng.randint(2, counts[t])
        for p in rng.sample(list(params[t]), n):
            removed.add((t, p))
    elif level == 3:
        k = rng.randint(2, len(T))
        for t in sorted(rng.sample(T, k)):
            n = rng.randint(1, counts[t])
            for p in rng.sample(list(params[t]), n):
                removed.add((t, p))
    return level, removed


def check_level(level: int, removed: set[tuple[int, str]], params: Sequence[Sequence[str]]) -> list[str]:
    """Violations of Algorithm 1's level rules (empty when the draw is valid)."""
    errs = []
    calls = {t for t, _ in removed}
    for t, p in removed:
        if p not in params[t]:
            errs.append(f"removed {t}.{p} is not eligible")
    counts = [len(ps) for ps in params]
    if level not in allowed_levels(counts):
        errs.append(f"level {level} not allowed for counts {counts}")
    if level == 0 and removed:
        errs.append("level 0 removes nothing")
    if level == 1 and len(removed) != 1:
        errs.append("level 1 removes exactly one parameter")
    if level == 2 and (len(calls) != 1 or len(removed) < 2):
        errs.append("level 2 removes >= 2 parameters of one call")
    if level == 3 and len(calls) < 2:
        errs.append("level 3 removes parameters of >= 2 calls")
    return errs
