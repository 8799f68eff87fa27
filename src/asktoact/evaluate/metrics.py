"""The paper's metrics (Appendix F.3), as pure functions over transcripts.

Per query: C (clarified unspecified intents), U (unspecified intents), T (clarification
rounds: questions the model asked), valid (a readable solution naming offered APIs),
TSS (F1 over API names), PRS (F1 over (API, parameter, value) triples, values normalised:
65 = 65.0 = "65"; strings compared case- and whitespace-insensitively).
Aggregates: ICR = C/U, CE = C/T, CPS = harmonic mean, IR = T/N, SCR, TSS, PRS (means).

Fully specified queries (U = 0) add nothing to C, U or T, exactly as in F.3: acting at once
on them costs nothing, and a question asked on them adds to T (lowering CE). Where a set has
nothing to clarify (U = 0) ICR and CPS are undefined (n/a), and CE is n/a when no question
was asked either; when intents were missing and no question was asked, CE is 0 (nothing
was clarified), never n/a.

Ask-or-act decisions, beside the paper's columns: ASK = share of queries with something
missing where the model's first move is a question (asks before any call: text with a question
mark, or one the user answered; prose that asks nothing does not count); ACT = share of
fully specified queries where its first move is a call (no question at all). Both are n/a
on sets without such queries.

PRS accepts, per argument, any value the benchmark accepts (``ToolCall.accepted``), and an
argument the benchmark lets be omitted may be left out. SCR counts a solution as valid only
when it names offered tools and its arguments fit each tool's JSON Schema (types, enums).
"""

from __future__ import annotations

import json
import math
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from ..schema import ErrorType, ToolCall, Transcript, Turn, TurnKind

COLUMNS = ("ICR", "CE", "CPS", "IR", "SCR", "TSS", "PRS")
DECISIONS = ("ASK", "ACT")  # ask-or-act decision columns, shown after the paper's


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


def prs(pred: Sequence[ToolCall], gold: Sequence[ToolCall]) -> float:
    """F1 over (API, parameter, value) triples, where a predicted value matches if it is any
    of the ground truth's acceptable values, and optional arguments the gold omits may be
    given with an acceptable value (or left out) at no cost.

    Gold calls are matched to predicted calls of the same name one to one, in order of best
    agreement, so an alternative accepted in one call is never credited to another.
    """
    n_pred = sum(len(c.arguments) for c in pred)
    n_gold = sum(len(c.arguments) for c in gold)
    if n_pred == 0 and n_gold == 0:
        return 1.0  # no triples on either side, as F1 over two empty sets
    tp = 0
    used: set[int] = set()
    for g in gold:
        best, best_i, best_extra = -1, None, 0
        for i, p in enumerate(pred):
            if i in used or p.name != g.name:
                continue
            hit, extra = _agree(p, g)
            if hit > best:
                best, best_i, best_extra = hit, i, extra
        if best_i is not None:
            used.add(best_i)
            tp += best
            n_pred -= best_extra  # optional arguments given with an accepted value: neither right nor wrong
    if tp == 0:
        return 0.0
    prec, rec = tp / max(1, n_pred), tp / max(1, n_gold)
    return 2 * prec * rec / (prec + rec)


def _agree(p: ToolCall, g: ToolCall) -> tuple[int, int]:
    hit, extra = 0, 0
    for k, v in p.arguments.items():
        nv = norm_value(v)
        ok = {norm_value(x) for x in g.accepted.get(k, [])}
        if k in g.arguments:
            ok.add(norm_value(g.arguments[k]))
            hit += nv in ok
        elif k in g.accepted and nv in ok:
            extra += 1
    return hit, extra


def _coerce(v: Any, schema: dict) -> Any:
    """Numeric and boolean strings as the numbers/booleans a schema asks for (recursively)."""
    t = schema.get("type")
    types = t if isinstance(t, list) else [t]
    if isinstance(v, str) and "string" not in types:
        n = norm_value(v)
        if n[0] == "n" and ("number" in types or "integer" in types and float(n[1]).is_integer()):
            return n[1]
        if n[0] == "b" and "boolean" in types:
            return n[1]
    if isinstance(v, list) and isinstance(schema.get("items"), dict):
        return [_coerce(x, schema["items"]) for x in v]
    if isinstance(v, dict) and isinstance(schema.get("properties"), dict):
        return {k: _coerce(x, schema["properties"].get(k, {})) for k, x in v.items()}
    return v


def argument_errors(calls: Sequence[Any], tools: Sequence[Any]) -> list[str]:
    """Each call's arguments against its tool's JSON Schema: unknown parameters, types, enums.

    Required parameters are not demanded here (benchmarks' ground truth leaves some out).
    A number written as a string ("21" for an integer) is read as the number, as PRS does and
    as the corpora's own ground truth writes them; a value of the wrong kind ("abc" for an
    integer, a list for a string) or outside an enum makes the solution invalid for SCR.
    """
    from jsonschema import Draft202012Validator

    by_name = {t.name: t for t in tools}
    errs: list[str] = []
    for i, c in enumerate(calls):
        tool = by_name.get(c.name)
        if tool is None:
            errs.append(f"calls[{i}]: {c.name!r} is not an offered tool")
            continue
        props = tool.parameters.get("properties", {})
        for k, v in c.arguments.items():
            if k not in props:
                errs.append(f"calls[{i}].{c.name}.{k}: no such parameter")
                continue
            sch = {x: y for x, y in props[k].items() if x not in ("default", "required")}
            for e in Draft202012Validator(sch).iter_errors(_coerce(v, sch)):
                errs.append(f"calls[{i}].{c.name}.{k}: {e.message[:120]}")
                break
    return errs


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
    source: str = ""
    asked_first: bool = False  # the first move was a question, before any call
    acted_first: bool = False  # the first move was a solution (calls), with no question


def asks(turn: Turn) -> bool:
    """A text turn that really asks: it has a question mark, or the user answered a value from
    it. Prose that only announces or explains (what an untrained model writes) is not asking."""
    return bool(turn.clarified) or "?" in (turn.question or turn.assistant or "")


def score_transcript(t: Transcript, offered: set[str] | None = None) -> QueryScore:
    clarified = {k for turn in t.turns for k in turn.clarified}
    C = len(clarified & set(t.unspecified)) if t.unspecified else len(clarified)
    T = sum(1 for turn in t.turns if turn.kind == TurnKind.question)
    sol = t.solution
    valid = (sol is not None and len(sol) > 0 and (offered is None or all(c.name in offered for c in sol))
             and not t.argument_errors)
    gold = t.ground_truth
    tss = f1({c.name for c in sol}, {c.name for c in gold}) if sol is not None else 0.0
    prs_ = prs(sol, gold) if sol is not None else 0.0
    errs = Counter(turn.judged_error.value for turn in t.turns if turn.judged_error is not None)
    asked_first = bool(t.turns) and t.turns[0].kind == TurnKind.question and asks(t.turns[0])
    acted_first = bool(t.turns) and t.turns[0].kind == TurnKind.solution
    return QueryScore(t.record_id, t.trial, C, t.n_unspecified, T, valid, tss, prs_, t.n_calls, errs,
                      t.termination.value, t.source, asked_first, acted_first)


def aggregate(scores: Sequence[QueryScore]) -> dict[str, float]:
    """Percentages for all but IR (rounds per query)."""
    N = len(scores)
    nan = float("nan")
    if N == 0:
        return {c: nan for c in COLUMNS + DECISIONS}
    C = sum(s.C for s in scores)
    U = sum(s.U for s in scores)
    T = sum(s.T for s in scores)
    icr = C / U if U else nan
    # C/T; with no question asked: 0 if something needed asking, undefined if nothing did
    ce = C / T if T else (0.0 if U else nan)
    if icr != icr or ce != ce:
        cps = nan
    else:
        cps = 2 * icr * ce / (icr + ce) if icr + ce > 0 else 0.0
    need = [s for s in scores if s.U > 0]
    full = [s for s in scores if s.U == 0]
    return {"ICR": 100 * icr, "CE": 100 * ce, "CPS": 100 * cps, "IR": T / N,
            "SCR": 100 * sum(s.valid for s in scores) / N, "TSS": 100 * sum(s.TSS for s in scores) / N,
            "PRS": 100 * sum(s.PRS for s in scores) / N,
            "ASK": 100 * sum(s.asked_first for s in need) / len(need) if need else nan,
            "ACT": 100 * sum(s.acted_first for s in full) / len(full) if full else nan}


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
    cols = COLUMNS + DECISIONS
    mean = {c: _nanmean([per[t][c] for t in trials]) for c in cols}
    std = {c: (statistics.pstdev([per[t][c] for t in trials]) if len(trials) > 1 and all(per[t][c] == per[t][c] for t in trials) else 0.0)
           for c in cols}
    sources = sorted({s.source for s in scores})
    by_source = {src: {**aggregate([s for s in scores if s.source == src]),
                       "n": len({s.record_id for s in scores if s.source == src}),
                       "n_missing": len({s.record_id for s in scores if s.source == src and s.U > 0}),
                       "n_full": len({s.record_id for s in scores if s.source == src and s.U == 0})}
                 for src in sources}
    return {"n_queries": len({s.record_id for s in scores}), "trials": len(trials), "mean": mean, "std": std,
            "per_trial": {str(t): per[t] for t in trials}, "error_rates": error_rates(scores),
            "by_unspecified": breakdown(scores, "U"), "by_calls": breakdown(scores, "n_calls"),
            "terminations": dict(Counter(s.termination for s in scores)), "by_source": by_source}


def _nanmean(xs: list[float]) -> float:
    xs = [x for x in xs if x == x]
    return sum(xs) / len(xs) if xs else float("nan")


def fmt(v: float) -> str:
    if v != v or math.isinf(v):
        return "n/a"
    return f"{v:.2f}"


def table_markdown(rows: dict[str, dict[str, Any]]) -> str:
    """Runs side by side in the paper's column order (Table 3)."""
    cols = COLUMNS + DECISIONS
    head = "| model | " + " | ".join(cols) + " |\n|---|" + "---:|" * len(cols) + "\n"
    lines = []
    for name, summ in rows.items():
        cells = []
        for c in cols:
            m, s = summ["mean"].get(c, float("nan")), summ["std"].get(c, 0.0)
            cells.append(fmt(m) + (f" ± {s:.2f}" if summ.get("trials", 1) > 1 else ""))
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return head + "\n".join(lines) + "\n"


def table_csv(rows: dict[str, dict[str, Any]]) -> str:
    cols = COLUMNS + DECISIONS
    out = ["model," + ",".join(f"{c},{c}_std" for c in cols)]
    for name, summ in rows.items():
        out.append(json.dumps(name) + "," + ",".join(f"{summ['mean'].get(c, float('nan')):.4f},{summ['std'].get(c, 0.0):.4f}"
                                                     for c in cols))
    return "\n".join(out) + "\n"


def source_table(summ: dict[str, Any]) -> str:
    """One run per source: the paper's columns and the ask/act decisions, with query counts."""
    cols = COLUMNS + DECISIONS
    head = "| source | queries | missing | full | " + " | ".join(cols) + " |\n|---|---:|---:|---:|" + "---:|" * len(cols) + "\n"
    rows = [f"| {src or '-'} | {a['n']} | {a['n_missing']} | {a['n_full']} | " + " | ".join(fmt(a[c]) for c in cols) + " |"
            for src, a in summ.get("by_source", {}).items()]
    return head + "\n".join(rows) + "\n"
