"""The paper's metrics (Appendix F.3), as pure functions over transcripts.

Per query: C (clarified unspecified intents), U (unspecified intents), T (clarification
rounds: questions the model asked), valid (a readable solution naming offered APIs),
TSS (F1 over API names), PRS (F1 over (API, parameter, value) triples, values normalised:
65 = 65.0 = "65"; strings compared case- and whitespace-insensitively).
Aggregates: ICR = C/U, CE = C/T, CPS = harmonic mean, IR = T/N, SCR, TSS, PRS (means).
"""

from __future__ import annotations

import json
import math
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from ..schema import ErrorType, ToolCall, Transcript, TurnKind

COLUMNS = ("ICR", "CE", "CPS", "IR", "SCR", "TSS", "PRS")


def norm_value(v: Any) -> Any:
    """Type-normalised value for comparison."""
    if isinstance(v, bool):
        return ("b", v)
    if isinstance(v, (int, float)):
        f = float(v)
        return ("n", int(f) if f.is_integer() else round(f, 9))
    if isinstance(v, str):
        s = re.sub(r"\s+", " ", v.strip()).lower()
        if re.fullmatch(r"[-+]?\d+(\.\d+)?", s):
            f = float(s)
            return ("n", int(f) if f.is_integer() else round(f, 9))
        if s in ("true", "false"):
            return ("b", s == "true")
        return ("s", s)
    if isinstance(v, (list, tuple)):
        return ("l", tuple(norm_value(x) for x in v))
    if isinstance(v, dict):
        return ("d", tuple(sorted((str(k), norm_value(x)) for k, x in v.items())))
    if v is None:
        return ("z",)
    return ("s", str(v).lower())


def f1(pred: Iterable, gold: Iterable) -> float:
    p, g = set(pred), set(gold)
    if not p and not g:
        return 1.0
    tp = len(p & g)
    if tp == 0:
        return 0.0
    prec, rec = tp / len(p), tp / len(g)
    return 2 * prec * rec / (prec + rec)


def triples(calls: Sequence[ToolCall]) -> set:
    return {(c.name, k, norm_value(v)) for c in calls for k, v in c.arguments.items()}


@dataclass
class QueryScore:
    record_id: str
    trial: int
    C: int
    U: int
    T: int
    valid: bool
    TSS: float
    PRS: float
    n_calls: int
    errors: Counter = field(default_factory=Counter)
    termination: str = ""


def score_transcript(t: Transcript, offered: set[str] | None = None) -> QueryScore:
    clarified = {k for turn in t.turns for k in turn.clarified}
    C = len(clarified & set(t.unspecified)) if t.unspecified else len(clarified)
    T = sum(1 for turn in t.turns if turn.kind == TurnKind.question)
    sol = t.solution
    valid = sol is not None and len(sol) > 0 and (offered is None or all(c.name in offered for c in sol))
    gold = t.ground_truth
    tss = f1({c.name for c in sol}, {c.name for c in gold}) if sol is not None else 0.0
    prs = f1(triples(sol), triples(gold)) if sol is not None else 0.0
    errs = Counter(turn.judged_error.value for turn in t.turns if turn.judged_error is not None)
    return QueryScore(t.record_id, t.trial, C, t.n_unspecified, T, valid, tss, prs, t.n_calls, errs, t.termination.value)


def aggregate(scores: Sequence[QueryScore]) -> dict[str, float]:
    """Percentages for all but IR (rounds per query)."""
    N = len(scores)
    if N == 0:
        return {c: float("nan") for c in COLUMNS}
    C = sum(s.C for s in scores)
    U = sum(s.U for s in scores)
    T = sum(s.T for s in scores)
    icr = C / U if U else float("nan")
    ce = C / T if T else 0.0  # no question asked: no effective clarification
    if icr != icr:
        cps = float("nan")
    else:
        cps = 2 * icr * ce / (icr + ce) if icr + ce > 0 else 0.0
    return {"ICR": 100 * icr, "CE": 100 * ce, "CPS": 100 * cps, "IR": T / N,
            "SCR": 100 * sum(s.valid for s in scores) / N, "TSS": 100 * sum(s.TSS for s in scores) / N,
            "PRS": 100 * sum(s.PRS for s in scores) / N}


def error_rates(scores: Sequence[QueryScore]) -> dict[str, float]:
    """Table 6: per-turn rates of four error types; incomplete = share of queries not fully clarified."""
    T = sum(s.T for s in scores)
    counts = Counter()
    for s in scores:
        counts.update(s.errors)
    out = {e.value: (100 * counts[e.value] / T if T else 0.0) for e in
           (ErrorType.clearly_stated, ErrorType.imprecise, ErrorType.irrelevant, ErrorType.redundant)}
    withU = [s for s in scores if s.U > 0]
    out[ErrorType.incomplete.value] = 100 * sum(s.C < s.U for s in withU) / len(withU) if withU else 0.0
    return out


def breakdown(scores: Sequence[QueryScore], by: str) -> dict[str, dict[str, float]]:
    """Figure 3: CPS and PRS by number of unspecified intents (``by='U'``) or calls (``'n_calls'``)."""
    groups: dict[int, list[QueryScore]] = defaultdict(list)
    for s in scores:
        groups[getattr(s, by)].append(s)
    return {str(k): {**{m: aggregate(v)[m] for m in ("CPS", "PRS")}, "n": len(v)} for k, v in sorted(groups.items())}


def summarise(scores: Sequence[QueryScore]) -> dict[str, Any]:
    """Metrics per trial, then mean and std across trials."""
    trials = sorted({s.trial for s in scores})
    per = {t: aggregate([s for s in scores if s.trial == t]) for t in trials}
    mean = {c: _nanmean([per[t][c] for t in trials]) for c in COLUMNS}
    std = {c: (statistics.pstdev([per[t][c] for t in trials]) if len(trials) > 1 and all(per[t][c] == per[t][c] for t in trials) else 0.0)
           for c in COLUMNS}
    return {"n_queries": len({s.record_id for s in scores}), "trials": len(trials), "mean": mean, "std": std,
            "per_trial": {str(t): per[t] for t in trials}, "error_rates": error_rates(scores),
            "by_unspecified": breakdown(scores, "U"), "by_calls": breakdown(scores, "n_calls"),
            "terminations": dict(Counter(s.termination for s in scores))}


def _nanmean(xs: list[float]) -> float:
    xs = [x for x in xs if x == x]
    return sum(xs) / len(xs) if xs else float("nan")


def fmt(v: float) -> str:
    if v != v or math.isinf(v):
        return "n/a"
    return f"{v:.2f}"


def table_markdown(rows: dict[str, dict[str, Any]]) -> str:
    """Runs side by side in the paper's column order (Table 3)."""
    head = "| model | " + " | ".join(COLUMNS) + " |\n|---|" + "---:|" * len(COLUMNS) + "\n"
    lines = []
    for name, summ in rows.items():
        cells = []
        for c in COLUMNS:
            m, s = summ["mean"][c], summ["std"][c]
            cells.append(fmt(m) + (f" ± {s:.2f}" if summ.get("trials", 1) > 1 else ""))
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return head + "\n".join(lines) + "\n"


def table_csv(rows: dict[str, dict[str, Any]]) -> str:
    out = ["model," + ",".join(f"{c},{c}_std" for c in COLUMNS)]
    for name, summ in rows.items():
        out.append(json.dumps(name) + "," + ",".join(f"{summ['mean'][c]:.4f},{summ['std'][c]:.4f}" for c in COLUMNS))
    return "\n".join(out) + "\n"
