"""xLAM function-calling-60k: ``tools`` and ``answers`` are JSON strings; types are python-ish."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

from ..io import iter_json_records
from ..schema import Tool, ToolCall, ToolSample
from ..types import parse_type
from .base import FieldError, RawItem, Source, need, register


def _maybe_json(v: Any, field: str) -> Any:
    if isinstance(v, str):
        try:
            return json.loads(v)
        except json.JSONDecodeError as e:
            raise FieldError(field, f"not valid JSON: {e.msg}") from None
    return v


def python_params_to_schema(params: Any, where: str) -> dict[str, Any]:
    """``{name: {type, description, default}}`` (xLAM style) to a JSON Schema object."""
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise FieldError(where, f"expected an object of parameters, got {type(params).__name__}")
    if params.get("type") in ("object", "dict") and isinstance(params.get("properties"), dict):
        return params  # already JSON Schema
    props: dict[str, Any] = {}
    required: list[str] = []
    explicit = any(isinstance(sp, dict) and isinstance(sp.get("required"), bool) for sp in params.values())
    for pname, spec in params.items():
        if not isinstance(spec, dict):
            raise FieldError(f"{where}.{pname}", f"expected an object, got {type(spec).__name__}")
        t = spec.get("type", "")
        if not isinstance(t, str):
            raise FieldError(f"{where}.{pname}.type", f"expected a string, got {type(t).__name__}")
        schema, optional = parse_type(t)
        if spec.get("description") is not None:
            schema["description"] = str(spec["description"])
        if "default" in spec:
            schema["default"] = spec["default"]
        if "enum" in spec and isinstance(spec["enum"], list):
            schema["enum"] = spec["enum"]
        props[pname] = schema
        req_flag = spec.get("required")
        if req_flag is True or (not explicit and not optional):
            required.append(pname)
    return {"type": "object", "properties": props, "required": required}


def build_tools(raw_tools: Any, field: str = "tools") -> list[Tool]:
    if not isinstance(raw_tools, list):
        raise FieldError(field, f"expected a list, got {type(raw_tools).__name__}")
    tools = []
    for i, t in enumerate(raw_tools):
        w = f"{field}[{i}]."
        name = need(t, "name", str, w)
        desc = t.get("description") or ""
        if not isinstance(desc, str):
            raise FieldError(f"{w}description", "expected a string")
        schema = python_params_to_schema(t.get("parameters"), f"{w}parameters")
        if isinstance(t.get("required"), list) and t["required"]:
            schema["required"] = [r for r in t["required"] if isinstance(r, str)]
        try:
            tools.append(Tool(name=name, description=desc, parameters=schema))
        except ValueError as e:
            raise FieldError(f"{w}parameters", str(e).splitlines()[-1]) from None
    return tools


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
