"""The clarification protocol every stage speaks: tags, messages, solution format, parser.

Training dialogues are written in it, the model under test is prompted with it, and its
replies are parsed by it, so the three can never drift apart. Tags and the solution shape
(``[{"task": API, "arguments": [{"name": p, "value": v}]}]``) follow the paper exactly; the
wording of the prompt is ours.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Sequence

from .models.structured import ExtractError, extract_json
from .schema import Tool, ToolCall, TurnKind

TASK_DECOMPOSITION = "[TASK DECOMPOSITION]"
PARAMETER_EVALUATION = "[PARAMETER EVALUATION]"
QUESTION = "[QUESTION]"
SUMMARY = "[SUMMARY]"
SOE, EOE = "<SOE>", "<EOE>"
TAGS = (TASK_DECOMPOSITION, PARAMETER_EVALUATION, QUESTION, SUMMARY)

SYSTEM_PROMPT = """You help users get tasks done with APIs. Each task comes with a list of APIs that may solve it,
but the task may leave out details the APIs need. Never invent or guess a missing value:
ask the user for it.

Work in this order:
1. Split the task into sub-tasks, one API call each, in the order they must run.
   Write: [TASK DECOMPOSITION] followed by the numbered steps.
2. For every API in that order, check each parameter: is its value stated in the task, or
   is it missing? Write: [PARAMETER EVALUATION] followed by what you know and what is missing.
3. Ask for one missing value at a time, politely and precisely. Write: [QUESTION] followed by
   the question, then wait for the reply. If the user cannot answer, do not fill the value
   in yourself. Repeat until nothing required is missing.
4. When everything is known, write [SUMMARY], one sentence of what the user wants, then the
   calls as JSON, in order, without running them:
   [{"task": "API name", "arguments": [{"name": "parameter name", "value": "parameter value"}]}]"""


def context_text(context: Sequence[Any]) -> str:
    """Earlier turns of a conversation as plain text, for the paper format's single task turn."""
    lines = []
    for m in context:
        role, content = (m.role, m.content) if hasattr(m, "role") else (m["role"], m.get("content", ""))
        calls = m.tool_calls if hasattr(m, "tool_calls") else m.get("tool_calls")
        if role == "user":
            lines.append(f"User: {content}")
        elif role == "system":  # what the platform tells the assistant (e.g. the user's profile)
            lines.append(content)
        elif role == "assistant":
            if content:
                lines.append(f"Assistant: {content}")
            for c in calls or []:
                name, args = (c.name, c.arguments) if isinstance(c, ToolCall) else (c["name"], c.get("arguments", {}))
                lines.append(f"Assistant called {name} with {json.dumps(args, ensure_ascii=False)}")
        elif role == "tool":
            who = (m.name if hasattr(m, "name") else m.get("name")) or "the tool"
            lines.append(f"{who} returned: {content}")
    return "\n".join(lines)


def task_message(query: str, tools: Sequence[Tool], context: Sequence[Any] = (), tool_style: str = "json") -> str:
    """The first user turn: earlier conversation (if any), the task, and the tools offered
    (distractors included), as full JSON or in the compact style (``tooldefs.tools_text``)."""
    from .tooldefs import tools_text

    head = f"Earlier in this conversation:\n{context_text(context)}\n\n" if context else ""
    sep = "\n" if tool_style == "compact" else " "
    return f"{head}The task is: {query}\nAvailable APIs:{sep}{tools_text(list(tools), tool_style)}"


def solution_json(calls: Sequence[ToolCall] | Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for c in calls:
        name, args = (c.name, c.arguments) if isinstance(c, ToolCall) else (c["name"], c["arguments"])
        out.append({"task": name, "arguments": [{"name": k, "value": v} for k, v in args.items()]})
    return out


def format_solution(calls: Sequence[ToolCall] | Sequence[dict[str, Any]]) -> str:
    return json.dumps(solution_json(calls), ensure_ascii=False)


def strip_markers(text: str) -> tuple[str, list[tuple[int, int]]]:
    """Remove ``<SOE>``/``<EOE>``; return the clean text and the error spans in it.

    "A <SOE> B <EOE> C" becomes "A B C" with the span covering "B": one space next to each
    marker goes with it, so the text the model sees reads as if the markers never were.
    Raises ValueError on unbalanced or nested markers.
    """
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    pos, start, n = 0, None, 0
    for m in re.finditer(r"<SOE>|<EOE>", text):
        seg = text[pos : m.start()]
        end = m.end()
        if m.group(0) == SOE:
            if start is not None:
                raise ValueError("nested <SOE>")
            if text[end : end + 1] == " ":
                end += 1  # "<SOE> " goes as one
            out.append(seg)
            n += len(seg)
            start = n
        else:
            if start is None:
                raise ValueError("<EOE> without <SOE>")
            if seg.endswith(" "):
                seg = seg[:-1]  # " <EOE>" goes as one
            out.append(seg)
            n += len(seg)
            spans.append((start, n))
            start = None
        pos = end
    if start is not None:
        raise ValueError("<SOE> without <EOE>")
    out.append(text[pos:])
    return "".join(out), spans


def outside_spans(text: str) -> str:
    """The text with error spans (marked) cut out; an unpaired marker stays as text.

    One pass over the markers (``re.sub(r"<SOE>.*?<EOE>")`` rescanned to the end from every
    unclosed ``<SOE>``: quadratic on hostile replies)."""
    out, pos, open_at = [], 0, None
    for m in re.finditer(r"<SOE>|<EOE>", text):
        if m.group(0) == SOE and open_at is None:
            open_at = m.start()
        elif m.group(0) == EOE and open_at is not None:
            out.append(text[pos:open_at] + " ")
            pos, open_at = m.end(), None
    out.append(text[pos:])
    return "".join(out)


@dataclass
class ParsedTurn:
    kind: TurnKind
    question: str | None = None
    solution: list[ToolCall] | None = None
    error: str | None = None
    sections: dict[str, str] = field(default_factory=dict)


def _sections(text: str) -> dict[str, str]:
    idx = sorted((m.start(), m.group(0)) for m in re.finditer("|".join(re.escape(t) for t in TAGS), text))
    out: dict[str, str] = {}
    for k, (pos, tag) in enumerate(idx):
        end = idx[k + 1][0] if k + 1 < len(idx) else len(text)
        out[tag] = text[pos + len(tag) : end].strip()  # the last occurrence of a tag wins
    return out


def parse_solution(obj: Any) -> list[ToolCall]:
    """Accept the protocol's list, a single call, or common variants ({name, arguments: {}})."""
    if isinstance(obj, dict):
        obj = obj.get("solution", obj.get("calls", [obj])) if not ("task" in obj or "name" in obj) else [obj]
    if not isinstance(obj, list):
        raise ValueError("solution is not a list of calls")
    calls = []
    for c in obj:
        if not isinstance(c, dict):
            raise ValueError("a call is not an object")
        name = c.get("task", c.get("name", c.get("api")))
        if not isinstance(name, str) or not name:
            raise ValueError("a call has no API name")
        args = c.get("arguments", c.get("parameters", {}))
        if isinstance(args, str):
            args = extract_json(args, "object")
        if isinstance(args, list):
            d = {}
            for a in args:
                if not isinstance(a, dict) or "name" not in a:
                    raise ValueError("an argument is not {name, value}")
                d[str(a["name"])] = a.get("value")
            args = d
        if not isinstance(args, dict):
            raise ValueError("arguments are not an object or list")
        calls.append(ToolCall(name=name, arguments=args))
    return calls


def parse_turn(text: str) -> ParsedTurn:
    """Classify an assistant turn as a question, a solution or invalid (tolerant of real output).

    Linear in the reply and never raises: whatever a reply holds, it is one invalid turn at worst."""
    try:
        return _parse_turn(text)
    except (RecursionError, MemoryError, ValueError, TypeError) as e:
        return ParsedTurn(TurnKind.invalid, error=f"unreadable reply ({type(e).__name__})")


def _parse_turn(text: str) -> ParsedTurn:
    clean = outside_spans(text)
    secs = _sections(clean)
    summary_pos = clean.rfind(SUMMARY)
    question_pos = clean.rfind(QUESTION)
    if summary_pos != -1 and summary_pos > question_pos:
        try:
            sol = parse_solution(extract_json(clean[summary_pos + len(SUMMARY):], "any"))
            return ParsedTurn(TurnKind.solution, solution=sol, sections=secs)
        except (ExtractError, ValueError) as e:
            return ParsedTurn(TurnKind.invalid, error=f"unreadable solution: {e}", sections=secs)
    if question_pos != -1:
        q = secs.get(QUESTION, "").strip()
        if q:
            return ParsedTurn(TurnKind.question, question=q, sections=secs)
        return ParsedTurn(TurnKind.invalid, error="empty question", sections=secs)
    # no tags: a bare JSON list of calls is a solution; a sentence ending in '?' is a question
    stripped = clean.strip()
    if stripped.startswith("[") or stripped.startswith("```"):
        try:
            return ParsedTurn(TurnKind.solution, solution=parse_solution(extract_json(stripped)), sections=secs)
        except (ExtractError, ValueError):
            pass
    if stripped.endswith("?"):
        return ParsedTurn(TurnKind.question, question=stripped.splitlines()[-1].strip(), sections=secs)
    return ParsedTurn(TurnKind.invalid, error="no [QUESTION] or [SUMMARY]", sections=secs)
