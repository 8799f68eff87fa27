"""The two ways a dialogue is written, behind one seam: ``paper`` and ``native``.

``paper`` is the ASKToACT bracket protocol (``protocol.py``): tools inside the first user
turn, ``[QUESTION]`` / ``[SUMMARY]`` + JSON in the text. ``native`` is what agents and
servers speak (``native.py``): ``tools=`` beside the messages, questions as plain text, the
solution as assistant ``tool_calls``. Training, evaluation and chat all open a dialogue and
read a reply through these two functions, so the three can never drift apart.
"""

from __future__ import annotations

from typing import Any, Sequence

from . import native, protocol
from .schema import Message, Tool, ToolCall

FORMATS = ("paper", "native")
TOOL_STYLES = ("json", "compact")


def check(fmt: str, tool_style: str = "json") -> None:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: paper or native")
    if tool_style not in TOOL_STYLES:
        raise ValueError(f"unknown tool style {tool_style!r}: json or compact")


def opening(fmt: str, query: str, tools: Sequence[Tool], context: Sequence[Message] = (), tool_style: str = "json",
            system: str | None = None) -> tuple[list[dict[str, Any]], list[dict[str, Any]] | None]:
    """Messages before the model's first turn, and the ``tools=`` to pass (None for paper)."""
    check(fmt, tool_style)
    if fmt == "native":
        return native.opening(query, tools, context, tool_style, system or native.NATIVE_SYSTEM_PROMPT)
    return ([{"role": "system", "content": system or protocol.SYSTEM_PROMPT},
             {"role": "user", "content": protocol.task_message(query, tools, context, tool_style)}], None)


def parse(fmt: str, text: str, tool_calls: Sequence[ToolCall] | None = None) -> protocol.ParsedTurn:
    """Classify a model's reply as question, solution or invalid."""
    check(fmt)
    if fmt == "native":
        return native.parse_reply(text, tool_calls)
    return protocol.parse_turn(text)


def calls_text(text: str, calls: Sequence[ToolCall]) -> str:
    """A tool_calls reply as one readable string for transcripts: its text, then the calls."""
    import json

    body = json.dumps([{"name": c.name, "arguments": c.arguments} for c in calls], ensure_ascii=False)
    return f"{text}\n[tool_calls] {body}".strip() if text else f"[tool_calls] {body}"
