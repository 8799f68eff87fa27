"""Invariants every written dialogue must satisfy (also ``asktoact check``)."""

from __future__ import annotations

import re

from ..protocol import EOE, QUESTION, SOE, SUMMARY, outside_spans, parse_turn, solution_json, strip_markers
from ..schema import Dialogue, ErrorType


def _normal(sol: list[dict]) -> list[tuple]:
    return [(c["task"], tuple((a["name"], repr(a["value"])) for a in c["arguments"])) for c in sol]


def _placement(d: Dialogue, i: int, segs: list[str], asked_before: list[str]) -> list[str]:
    """Error spans where Appendix D puts them: a redundant question repeats one already asked
    and answered (Algorithm 2); an incomplete solution has an <unknown_*> value (Algorithm 3);
    other erroneous questions never coincide with a real clarification question."""
    v = []
    for seg in segs:
        q = seg[len(QUESTION):].strip() if seg.startswith(QUESTION) else None
        if d.error_type == ErrorType.redundant and q not in asked_before:
            v.append(f"message {i}: redundant question {q!r} was not asked before")
        elif d.error_type == ErrorType.incomplete and "<unknown_" not in seg:
            v.append(f"message {i}: incomplete solution without an <unknown_*> value")
        elif d.error_type in (ErrorType.clearly_stated, ErrorType.imprecise, ErrorType.irrelevant) and q in d.questions.values():
            v.append(f"message {i}: {d.error_type.value} error repeats a clarification question")
    return v


def check_dialogue(d: Dialogue) -> list[str]:
    """Return violations (empty list = fine)."""
    if d.format == "native":  # the native twin has its own invariants
        from .native import check_native

        return check_native(d)
    v: list[str] = []
    if not d.messages or d.messages[-1].role != "assistant":
        v.append("the dialogue does not end with an assistant turn")
        return v
    asked: list[str] = []
    for i, m in enumerate(d.messages):
        if m.role != "assistant":
            if SOE in m.content or EOE in m.content:
                v.append(f"message {i} ({m.role}) contains error markers")
            continue
        try:
            clean, spans = strip_markers(m.content)
        except ValueError as e:
            v.append(f"message {i}: {e}")
            continue
        mine = [(s.start, s.end) for s in d.error_spans if s.message == i]
        if mine != spans:
            v.append(f"message {i}: error_spans {mine} do not match the markers {spans}")
        v += _placement(d, i, [clean[s:e].strip() for s, e in spans], asked)
        outside = outside_spans(m.content)
        for seg in re.findall(re.escape(QUESTION) + r"\s*(.*?)(?=\[[A-Z ]+\]|$)", outside, flags=re.S):
            asked.append(seg.strip())
    for key, question in d.questions.items():
        n = asked.count(question)
        if n != 1:
            v.append(f"parameter {key} asked {n} times outside error spans")
    expected = set(d.questions.values())
    for a in asked:
        if a not in expected:
            v.append(f"question outside error spans that asks no removed parameter: {a!r}")
    last = parse_turn(d.messages[-1].content)
    if last.solution is None:
        v.append("the last turn has no readable [SUMMARY] solution")
    elif _normal(solution_json(last.solution)) != _normal(d.solution):
        v.append("the final summary differs from the ground-truth calls")
    if SUMMARY in outside_spans(" ".join(m.content for m in d.messages[:-1] if m.role == "assistant")):
        v.append("a [SUMMARY] outside error spans before the last turn")
    return v
