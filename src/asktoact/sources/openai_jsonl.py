"""Plain OpenAI chat format: ``messages`` + ``tools``; ground truth is the first assistant tool_calls."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

from ..io import iter_json_records
from ..schema import ToolCall, ToolSample
from .base import FieldError, RawItem, Source, need, register, schema_tools
from .xlam import check_args_known


@register
class OpenAISource(Source):
    name = "openai"
    description = "OpenAI-format JSONL (messages + tools + assistant tool_calls)"

    def iter_raw(self, path: Path) -> Iterator[RawItem]:
        for n, obj in iter_json_records(path):
            rid = obj.get("id") if isinstance(obj, dict) else None
            yield RawItem(str(rid) if rid is not None else f"openai_{n}", obj, line=n, path=str(path))

    def convert(self, item: RawItem) -> list[ToolSample]:
        d = item.data
        msgs = need(d, "messages", list)
        tools = schema_tools(need(d, "tools", list), "tools")
        user_parts: list[str] = []
        calls: list[ToolCall] = []
        for i, m in enumerate(msgs):
            if not isinstance(m, dict):
                raise FieldError(f"messages[{i}]", "expected an object")
            role = m.get("role")
            if role == "user":
                c = m.get("content")
                if isinstance(c, list):  # content parts
                    c = " ".join(p.get("text", "") for p in c if isinstance(p, dict))
                if not isinstance(c, str):
                    raise FieldError(f"messages[{i}].content", "expected text")
                user_parts.append(c)
            elif role == "assistant" and m.get("tool_calls"):
                tcs = m["tool_calls"]
                if not isinstance(tcs, list):
                    raise FieldError(f"messages[{i}].tool_calls", "expected a list")
                for j, tc in enumerate(tcs):
                    fn = tc.get("function") if isinstance(tc, dict) else None
                    w = f"messages[{i}].tool_calls[{j}].function"
                    if not isinstance(fn, dict):
                        raise FieldError(w, "missing")
                    name = need(fn, "name", str, w + ".")
                    args = fn.get("arguments", {})
                    if isinstance(args, str):
                        try:
                            args = json.loads(args) if args.strip() else {}
                        except json.JSONDecodeError as e:
                            raise FieldError(w + ".arguments", f"not valid JSON: {e.msg}") from None
                    if not isinstance(args, dict):
                        raise FieldError(w + ".arguments", "expected an object")
                    calls.append(ToolCall(name=name, arguments=args))
                break
        if not user_parts:
            raise FieldError("messages", "no user message before the tool calls")
        if not calls:
            raise FieldError("messages", "no assistant message with tool_calls")
        check_args_known(tools, calls, "tool_calls")
        return [ToolSample(id=item.record_id, source=self.name, query="\n".join(user_parts).strip(),
                           tools=tools, calls=calls)]
