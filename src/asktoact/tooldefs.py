"""Tool definitions in every common shape, read into one ``Tool``.

Corpora and agent stacks spell a tool in several ways:

* OpenAI / vLLM / Ollama: ``{"type": "function", "function": {name, description, parameters}}``
* MCP: ``{name, description, inputSchema}`` (Anthropic: ``input_schema``; some ACEBench files: ``arguments``)
* JSON Schema parameters (BFCL writes ``"type": "dict"``): ``{name, description, parameters: {type, properties, required}}``
* xLAM / API-Bank / Hammer lists: ``{name, description, parameters: {p: {type, description, default}}, required?}``
  with python-ish type strings (``str, optional``, ``List[int]``)

An unknown shape is an error naming the field, never a tool with an empty schema: a tool
whose parameters were silently lost would make every later stage wrong without a sign.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .schema import Tool
from .types import parse_type

# keys that may sit beside a tool's name without saying anything about its parameters
_INERT = {"name", "description", "type", "strict", "return", "returns", "response", "output", "outputSchema",
          "output_schema", "annotations", "title", "required", "examples", "category", "api_name", "tool_name"}
_SCHEMA_KEYS = ("parameters", "inputSchema", "input_schema", "arguments")  # ACEBench writes "arguments"


class ToolShapeError(ValueError):
    """A tool definition that cannot be read; ``field`` names the part at fault."""

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def python_params_to_schema(params: Any, where: str) -> dict[str, Any]:
    """``{name: {type, description, default}}`` (xLAM style) to a JSON Schema object."""
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise ToolShapeError(where, f"expected an object of parameters, got {type(params).__name__}")
    props: dict[str, Any] = {}
    required: list[str] = []
    explicit = any(isinstance(sp, dict) and isinstance(sp.get("required"), bool) for sp in params.values())
    for pname, spec in params.items():
        if not isinstance(spec, dict):
            raise ToolShapeError(f"{where}.{pname}", f"expected an object, got {type(spec).__name__}")
        t = spec.get("type", "")
        if not isinstance(t, str):
            raise ToolShapeError(f"{where}.{pname}.type", f"expected a string, got {type(t).__name__}")
        schema, optional = parse_type(t)
        if spec.get("description") is not None:
            schema["description"] = str(spec["description"])
        for k in ("default", "format", "items", "properties", "minimum", "maximum", "examples"):
            if k in spec:
                schema[k] = spec[k]
        if isinstance(spec.get("enum"), list):
            schema["enum"] = spec["enum"]
        props[pname] = schema
        req_flag = spec.get("required")
        if req_flag is True or (not explicit and not optional):
            required.append(pname)
    return {"type": "object", "properties": props, "required": required}


def _is_json_schema(params: dict[str, Any]) -> bool:
    return "properties" in params or params.get("type") in ("object", "dict") or params == {}


def _fn_body(obj: dict[str, Any], where: str) -> tuple[dict[str, Any], str]:
    """Unwrap the OpenAI ``{type: function, function: {...}}`` envelope."""
    fn = obj.get("function")
    if isinstance(fn, dict):
        if obj.get("type", "function") != "function":
            raise ToolShapeError(f"{where}.type", f"unsupported tool type {obj.get('type')!r}")
        return fn, f"{where}.function"
    if "function" in obj:
        raise ToolShapeError(f"{where}.function", f"expected an object, got {type(fn).__name__}")
    return obj, where


def tool_schema(obj: dict[str, Any], where: str = "tool") -> dict[str, Any]:
    """The JSON Schema of a tool's parameters, whatever the shape."""
    keys = [k for k in _SCHEMA_KEYS if k in obj]
    if len(keys) > 1:
        raise ToolShapeError(where, f"both {keys[0]!r} and {keys[1]!r} given; which holds the parameters?")
    if not keys:
        unknown = sorted(k for k in obj if k not in _INERT)
        if unknown:
            raise ToolShapeError(where, f"unknown tool shape: no 'parameters'/'inputSchema', and keys {unknown} "
                                        "are not understood")
        return {"type": "object", "properties": {}, "required": []}  # a tool that takes nothing
    key = keys[0]
    params = obj[key]
    if params is None:
        return {"type": "object", "properties": {}, "required": []}
    if not isinstance(params, dict):
        raise ToolShapeError(f"{where}.{key}", f"expected an object, got {type(params).__name__}")
    if _is_json_schema(params):
        schema = dict(params)
        if isinstance(obj.get("required"), list) and "required" not in schema:
            schema["required"] = [r for r in obj["required"] if isinstance(r, str)]
        return schema
    if key not in ("parameters",):
        raise ToolShapeError(f"{where}.{key}", "expected a JSON Schema object (type/properties)")
    schema = python_params_to_schema(params, f"{where}.{key}")
    if isinstance(obj.get("required"), list):  # a top-level list (Hammer's lists) wins over per-type guesses
        schema["required"] = [r for r in obj["required"] if isinstance(r, str) and r in schema["properties"]]
    return schema


def parse_tool(obj: Any, where: str = "tool") -> Tool:
    """Any supported shape -> ``Tool``; ``ToolShapeError`` naming the field otherwise."""
    if not isinstance(obj, dict):
        raise ToolShapeError(where, f"expected an object, got {type(obj).__name__}")
    body, w = _fn_body(obj, where)
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ToolShapeError(f"{w}.name", "missing or not a string")
    desc = body.get("description") or ""
    if not isinstance(desc, str):
        raise ToolShapeError(f"{w}.description", "expected a string")
    schema = tool_schema(body, w)
    try:
        return Tool(name=name, description=desc, parameters=schema)
    except ValueError as e:
        raise ToolShapeError(f"{w}.parameters", str(e).splitlines()[-1].strip()) from None


def parse_tools(raw: Any, where: str = "tools") -> list[Tool]:
    if isinstance(raw, dict) and isinstance(raw.get("tools"), list):  # MCP tools/list result, {"tools": [...]}
        raw = raw["tools"]
    if not isinstance(raw, list):
        raise ToolShapeError(where, f"expected a list of tools, got {type(raw).__name__}")
    return [parse_tool(t, f"{where}[{i}]") for i, t in enumerate(raw)]


def to_openai(tool: Tool) -> dict[str, Any]:
    """The OpenAI ``tools=`` entry for a tool (what endpoints and chat templates take)."""
    return {"type": "function", "function": tool.compact()}


def _first_sentence(text: str, limit: int) -> str:
    t = " ".join(str(text or "").split())
    m = re.match(r"(.+?[.!?])(\s|$)", t)
    t = m.group(1) if m else t
    return t if len(t) <= limit else t[: limit - 1].rstrip() + "…"


def _short_type(schema: dict[str, Any]) -> str:
    if "enum" in schema:
        return "|".join(json.dumps(v, ensure_ascii=False) for v in schema["enum"][:12])
    t = schema.get("type")
    if isinstance(t, list):
        t = "|".join(str(x) for x in t)
    if t == "array" and isinstance(schema.get("items"), dict):
        return f"list of {_short_type(schema['items'])}"
    if "anyOf" in schema:
        return "|".join(_short_type(x) for x in schema["anyOf"] if isinstance(x, dict))
    return str(t or schema.get("format") or "any")


def compact_tool(tool: Tool, desc_limit: int = 160, param_limit: int = 80) -> Tool:
    """A smaller schema for small context windows: one-sentence descriptions, parameter
    types, enums, defaults and the required list kept; everything else dropped."""
    props = {}
    for p, sch in tool.parameters.get("properties", {}).items():
        c: dict[str, Any] = {}
        for k in ("type", "enum", "default", "format"):
            if k in sch:
                c[k] = sch[k]
        if isinstance(sch.get("items"), dict) and "type" in sch["items"]:
            c["items"] = {"type": sch["items"]["type"]}
        if sch.get("description"):
            c["description"] = _first_sentence(sch["description"], param_limit)
        props[p] = c
    return Tool(name=tool.name, description=_first_sentence(tool.description, desc_limit),
                parameters={"type": "object", "properties": props, "required": list(tool.parameters.get("required", []))})


def tools_text(tools: list[Tool], style: str = "json") -> str:
    """Tools as text for a prompt. ``json``: the full definitions; ``compact``: one block per
    tool, a line per parameter (name, type, required or default, short description)."""
    if style == "json":
        return json.dumps([t.compact() for t in tools], ensure_ascii=False)
    if style != "compact":
        raise ValueError(f"unknown tool style {style!r}: json or compact")
    blocks = []
    for t in tools:
        c = compact_tool(t)
        lines = [f"- {c.name}: {c.description}".rstrip(": ")]
        for p, sch in c.parameters["properties"].items():
            bits = [_short_type(sch)]
            if c.is_required(p):
                bits.append("required")
            elif "default" in sch:
                bits.append(f"default {json.dumps(sch['default'], ensure_ascii=False)}")
            else:
                bits.append("optional")
            desc = f": {sch['description']}" if sch.get("description") else ""
            lines.append(f"    {p} ({', '.join(bits)}){desc}")
        blocks.append("\n".join(lines))
    return "\n".join(blocks)
