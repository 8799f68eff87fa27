"""xLAM function-calling-60k: ``tools`` and ``answers`` are JSON strings; types are python-ish."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

from ..io import iter_json_records
from ..schema import Tool, ToolCall, ToolSample
from .base import FieldError, RawItem, Source, need, register, schema_tools


def _maybe_json(v: Any, field: str) -> Any:
    if isinstance(v, str):
        try:
            return json.loads(v)
        except json.JSONDecodeError as e:
            raise FieldError(field, f"not valid JSON: {e.msg}") from None
    return v


def build_tools(raw_tools: Any, field: str = "tools") -> list[Tool]:
    return schema_tools(raw_tools, field)


def build_calls(raw_calls: Any, field: str = "answers", name_keys=("name", "tool"),
                arg_keys=("arguments", "parameters")) -> list[ToolCall]:
    if not isinstance(raw_calls, list):
        raise FieldError(field, f"expected a list, got {type(raw_calls).__name__}")
    calls = []
    for i, c in enumerate(raw_calls):
        w = f"{field}[{i}]"
        if not isinstance(c, dict):
            raise FieldError(w, f"expected an object, got {type(c).__name__}")
        name = next((c[k] for k in name_keys if k in c), None)
        if not isinstance(name, str) or not name:
            raise FieldError(f"{w}.name", "missing or not a string")
        args = next((c[k] for k in arg_keys if k in c), {})
        args = _maybe_json(args, f"{w}.arguments")
        if args is None:
            args = {}
        if not isinstance(args, dict):
            raise FieldError(f"{w}.arguments", f"expected an object, got {type(args).__name__}")
        calls.append(ToolCall(name=name, arguments=args))
    return calls


def check_args_known(tools: list[Tool], calls: list[ToolCall], field: str = "answers") -> None:
    by = {t.name: t for t in tools}
    for i, c in enumerate(calls):
        t = by.get(c.name)
        if t is None:
            raise FieldError(f"{field}[{i}].name", f"{c.name!r} is not among the tools")
        unknown = [a for a in c.arguments if a not in t.param_names]
        if unknown and t.param_names:
            raise FieldError(f"{field}[{i}].arguments", f"arguments not in the tool schema: {unknown}")


@register
class XlamSource(Source):
    name = "xlam"
    description = "xLAM function-calling-60k (JSON array or JSONL; tools/answers as JSON strings)"

    def iter_raw(self, path: Path) -> Iterator[RawItem]:
        files = sorted(p for p in path.rglob("*") if p.suffix in (".json", ".jsonl")) if path.is_dir() else [path]
        for f in files:
            for n, obj in iter_json_records(f):
                rid = str(obj.get("id")) if isinstance(obj, dict) and obj.get("id") is not None else f"{f.stem}:{n}"
                yield RawItem(rid, obj, line=n, path=str(f))

    def convert(self, item: RawItem) -> list[ToolSample]:
        d = item.data
        query = need(d, "query", str)
        tools = build_tools(_maybe_json(need(d, "tools", (str, list)), "tools"))
        calls = build_calls(_maybe_json(need(d, "answers", (str, list)), "answers"))
        check_args_known(tools, calls)
        return [ToolSample(id=f"xlam_{item.record_id}" if not str(item.record_id).startswith("xlam") else str(item.record_id),
                           source=self.name, query=query, tools=tools, calls=calls)]
