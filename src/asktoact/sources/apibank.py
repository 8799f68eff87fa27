"""API-Bank level-1/level-2 dialogues (Hammer's normalised JSON: ``{query, tools, answers}``).

``query`` is a conversation (``user`` / ``agent`` text turns, ``assistant`` calls as a JSON
list in backticks, ``tool`` outputs) ending where the ground-truth call is due. The request
being answered starts at the first user turn after the last call; everything before it is
``context``. Values of the call that the user had not said by then but says later (when the
agent asks) are absent intents; the agent's questions in between, with the values each one
drew out, are kept in ``metadata["asks"]`` (real, human-written clarifying questions).
Samples are marked evaluation-only: the user simulator is validated on these questions.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any, Iterator

from ..io import iter_json_records
from ..schema import Message, ToolCall, ToolSample
from .asks import ABSENT, FOLLOWUP, stated_in
from .base import FieldError, RawItem, Source, need, register, schema_tools

_TAIL = re.compile(r"\s*Generate API Request:?\s*$", re.I)
_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.S)


def _text(m: dict, field: str) -> str:
    c = m.get("content")
    if not isinstance(c, str):
        raise FieldError(field, "expected text content")
    return _TAIL.sub("", c).strip()


def _calls(text: str) -> list[ToolCall] | None:
    m = _FENCE.match(text)
    try:
        data = json.loads(m.group(1) if m else text)
    except (json.JSONDecodeError, TypeError):
        return None
    if not isinstance(data, list) or not all(isinstance(c, dict) and isinstance(c.get("name"), str) for c in data):
        return None
    return [ToolCall(name=c["name"], arguments=c.get("arguments") or {}) for c in data]


def _message(m: dict, field: str) -> Message:
    role = m.get("role")
    text = _text(m, field)
    if role == "user":
        return Message(role="user", content=text)
    if role == "agent":
        return Message(role="assistant", content=text)
    if role == "assistant":
        calls = _calls(text)
        return Message(role="assistant", tool_calls=calls) if calls else Message(role="assistant", content=text)
    if role == "tool":
        return Message(role="tool", content=text)
    raise FieldError(f"{field}.role", f"unknown role {role!r}")


@register
class APIBankSource(Source):
    name = "apibank"
    description = "API-Bank level-1/2 dialogues (JSON list of {query, tools, answers}; file or folder)"

    def iter_raw(self, path: Path) -> Iterator[RawItem]:
        files = [path] if path.is_file() else sorted(path.glob("level*.json"))
        for f in files:
            for n, obj in iter_json_records(f):
                yield RawItem(f"apibank:{f.stem}:{n}", obj, line=n, path=str(f), context={"file": f.stem})

    def convert(self, item: RawItem) -> list[ToolSample]:
        d = item.data
        turns = need(d, "query", list)
        tools = schema_tools(need(d, "tools", list), "tools")
        answers = need(d, "answers", list)
        if not answers:
            raise FieldError("answers", "no ground-truth call")
        calls = []
        for i, a in enumerate(answers):
            if not isinstance(a, dict) or not isinstance(a.get("name"), str):
                raise FieldError(f"answers[{i}]", "expected {name, arguments}")
            args = a.get("arguments") or {}
            if not isinstance(args, dict):
                raise FieldError(f"answers[{i}].arguments", "expected an object")
            tool = next((t for t in tools if t.name == a["name"]), None)
            if tool is not None:
                args = _fit(args, tool, f"answers[{i}].arguments")
            calls.append(ToolCall(name=a["name"], arguments=args))
        for i, m in enumerate(turns):
            if not isinstance(m, dict):
                raise FieldError(f"query[{i}]", "expected a message object")
        last_call = max((i for i, m in enumerate(turns) if m.get("role") in ("assistant", "tool")), default=-1)
        first = next((i for i in range(last_call + 1, len(turns)) if turns[i].get("role") == "user"), None)
        if first is None:
            raise FieldError("query", "no user turn since the last call (a continuation, not a request)")
        query = _text(turns[first], f"query[{first}]")
        if not query:
            raise FieldError(f"query[{first}]", "empty user turn")
        context = [_message(m, f"query[{i}]") for i, m in enumerate(turns[:first])]
        known = [query] + [m.content for m in context if m.role == "user"]
        later = [(i, turns[i].get("role"), _text(turns[i], f"query[{i}]")) for i in range(first + 1, len(turns))]
        followup = [t for _, r, t in later if r == "user" and t]
        absent = [f"{ci}.{p}" for ci, c in enumerate(calls) for p, v in c.arguments.items()
                  if not stated_in(known, v) and stated_in(followup, v)]
        # each agent question of the request, with the values its answer stated for the first time
        asks: list[dict[str, Any]] = []
        said = list(known)
        for j, (i, role, text) in enumerate(later):
            if role != "agent" or j + 1 >= len(later) or later[j + 1][1] != "user":
                if role == "user":
                    said.append(text)
                continue
            reply = later[j + 1][2]
            asked = [k for k in absent if not stated_in(said, _value(calls, k)) and stated_in([reply], _value(calls, k))]
            given = [f"{ci}.{p}" for ci, c in enumerate(calls) for p, v in c.arguments.items() if stated_in(said, v)]
            asks.append({"turn": i, "question": text, "reply": reply, "asked": asked, "given": given})
        # the oracle is validated on these questions (bench/oracle_external.py): never trained on
        meta = {"file": item.context.get("file"), ABSENT: absent, FOLLOWUP: followup, "asks": asks, "eval_only": True}
        return [ToolSample(id=item.record_id, source=self.name, query=query, tools=tools, calls=calls,
                           context=context, metadata=meta)]


def _fit(args: dict, tool: Any, field: str) -> dict:
    """The ground truth as its tool declares it: a list written as a Python literal string
    (API-Bank writes ``health_data`` so) is read as the list; an argument the tool does not
    declare makes the record unusable (no solution could be both right and valid)."""
    out = {}
    for k, v in args.items():
        sch = tool.param(k)
        if k not in tool.param_names:
            raise FieldError(f"{field}.{k}", f"not a parameter of {tool.name}")
        if sch.get("type") == "array" and isinstance(v, str) and v.strip().startswith("["):
            try:
                lit = ast.literal_eval(v.strip())
            except (ValueError, SyntaxError):
                lit = None
            if isinstance(lit, list):
                v = lit
        out[k] = v
    return out


def _value(calls: list[ToolCall], key: str) -> Any:
    ci, p = key.split(".", 1)
    return calls[int(ci)].arguments[p]
