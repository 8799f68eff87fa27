"""Invariants every written dialogue must satisfy (also ``asktoact check``)."""

from __future__ import annotations

import json
import re
from typing import Any

from ..curate.ground import _EMPTY, PROFILE_PREFIX, _leaf_in, _stated_otherwise, implied, meaning_said, stated_leaves, stems
from ..protocol import EOE, PARAMETER_EVALUATION, QUESTION, SOE, SUMMARY, outside_spans, parse_turn, solution_json, \
    strip_markers
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


_STATES = re.compile(r'parameter "([^"]+)" of API "([^"]+)" (?:is|are both) ')
_ORIGIN = re.compile(r"\s*\((from the user's profile|the API's default|from the output of an earlier call)\)")
_DECODER = json.JSONDecoder()


def _split_task(content: str) -> tuple[dict[str, list[str]], list[dict]]:
    """The paper task message -> (texts by origin: user / profile / output) and the tools."""
    texts: dict[str, list[str]] = {"user": [], "profile": [], "output": []}
    tools: list[dict] = []
    head, sep, rest = content.partition("The task is: ")
    if not sep:
        texts["user"].append(content)
        return texts, tools
    query, _, tools_part = rest.partition("Available APIs:")
    texts["user"].append(query)
    kind = "user"
    for line in head.removeprefix("Earlier in this conversation:").splitlines():
        if line.startswith("User: "):
            kind = "user"
        elif line.startswith("Assistant called ") or " returned: " in line:
            kind = "output"
        elif line.startswith(PROFILE_PREFIX):
            kind = "profile"
        elif line.startswith("Assistant: "):
            kind = "assistant"
            continue
        if kind in texts:
            texts[kind].append(line)
    try:
        tools = json.loads(tools_part.strip())
    except ValueError:
        tools = []
    return texts, tools if isinstance(tools, list) else []


def _spec(tools: list[Any], api: str, param: str) -> dict[str, Any] | None:
    for t in tools:
        t = t.compact() if hasattr(t, "compact") else t
        if isinstance(t, dict) and t.get("name") == api:
            return ((t.get("parameters") or {}).get("properties") or {}).get(param) or {}
    return None


def _default(tools: list[Any], api: str, param: str) -> tuple[bool, Any]:
    spec = _spec(tools, api, param)
    return (False, None) if spec is None else (("default" in spec), spec.get("default"))


def grounding_violations(d: Dialogue) -> list[str]:
    """Values stated as known in ``[PARAMETER EVALUATION]`` must be grounded: in the user's words
    so far, or said to come from the user's profile, the API's default or an earlier call's
    output and found there (see curate.ground). Flags and nulls cannot be quoted and are not
    checked."""
    v: list[str] = []
    texts: dict[str, list[str]] = {"user": [], "profile": [], "output": []}
    tools: list[Any] = list(d.tools)
    first_user = True
    for i, m in enumerate(d.messages):
        if m.role == "user":
            if first_user and d.format == "paper":
                t, tl = _split_task(m.content)
                for k in texts:
                    texts[k] += t[k]
                tools = tools or tl
            else:
                texts["user"].append(m.content)
            first_user = False
            continue
        if m.role == "tool":
            texts["output"].append(m.content)
            continue
        if m.role == "system":
            if i > 0:
                texts["profile"].append(m.content)
            continue
        if m.role != "assistant":
            continue
        for c in m.tool_calls or []:
            texts["output"].append(json.dumps(c.arguments, ensure_ascii=False))
        clean = outside_spans(m.content)
        if PARAMETER_EVALUATION not in clean:
            continue
        said = {k: "\n".join(x) for k, x in texts.items()}
        said_stems = stems(said["user"])
        for mt in _STATES.finditer(clean):
            param, api = mt.group(1), mt.group(2)
            try:
                value, end = _DECODER.raw_decode(clean, mt.end())
            except ValueError:
                v.append(f"message {i}: unreadable value stated for {api}.{param}")
                continue
            om = _ORIGIN.match(clean, end)
            origin = om.group(1) if om else None
            what = f"message {i}: {api}.{param}={json.dumps(value, ensure_ascii=False)[:60]}"
            if origin == "the API's default":
                has, dv = _default(tools, api, param)
                if tools and (not has or dv != value):
                    v.append(f"{what} said to be the API's default but is not (ungrounded)")
                continue
            where = {"from the user's profile": "profile", "from the output of an earlier call": "output"}.get(origin or "", "user")
            if where == "user" and value in ("", [], {}) and _EMPTY.search(said["user"]):
                continue  # an empty value the user asked for ("leave it empty")
            spec = _spec(tools, api, param) or {}
            missing = [x for x in stated_leaves(value)
                       if not _leaf_in(said[where], x, said_stems if where == "user" else None, enum=True)
                       and not (where == "user" and (implied(param, x, said[where]) or meaning_said(x, spec, said_stems)))]
            if missing and where == "user" and _stated_otherwise(param, value, said[where]):
                missing = []  # an expression whose every literal the user wrote (curate.ground)
            if missing:
                v.append(f"{what} stated as known but not in the {'user' + chr(39) + 's words so far' if where == 'user' else where} (ungrounded)")
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
    v += grounding_violations(d)
    return v
