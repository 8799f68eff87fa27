"""Turn the many ways corpora spell parameter types into JSON Schema.

xLAM writes python-ish strings (``str``, ``int, optional``, ``List[int]``), BFCL writes
``dict``/``float``/``tuple``/``any``, TaskBench writes ``date``. Everything downstream
reads plain JSON Schema, so the translation happens once, here.
"""

from __future__ import annotations

import copy
import re
from functools import lru_cache
from typing import Any

_SCALARS = {
    "str": "string", "string": "string", "text": "string", "char": "string",
    "int": "integer", "integer": "integer", "long": "integer", "short": "integer",
    "float": "number", "double": "number", "number": "number", "decimal": "number",
    "bool": "boolean", "boolean": "boolean",
    "list": "array", "array": "array", "tuple": "array", "set": "array", "sequence": "array",
    "dict": "object", "object": "object", "mapping": "object", "hashmap": "object", "map": "object",
    "null": "null", "none": "null", "nonetype": "null",
}
_FORMATS = {"date": "date", "datetime": "date-time", "time": "time", "url": "uri", "email": "email"}
_ANY = {"any", "object?", "", "mixed", "unknown"}


def _split_top(s: str, sep: str = ",") -> list[str]:
    """Split on ``sep`` outside brackets."""
    out, depth, cur = [], 0, []
    for ch in s:
        if ch in "[(<{":
            depth += 1
        elif ch in "])>}":
            depth -= 1
        if ch == sep and depth == 0:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur))
    return [p.strip() for p in out]


_RE_OPTIONAL = re.compile(r"optional\s*\[(.*)\]", re.S)
_RE_LIST = re.compile(r"(list|tuple|set|sequence|array|iterable)\s*\[(.*)\]", re.S)
_RE_DICT = re.compile(r"(dict|mapping)\s*\[(.*)\]", re.S)
_RE_UNION = re.compile(r"union\s*\[(.*)\]", re.S)
_RE_LITERAL = re.compile(r"literal\s*\[(.*)\]", re.S)


def parse_type(spec: str) -> tuple[dict[str, Any], bool]:
    """Parse a python-ish type string. Returns (JSON Schema, optional?)."""
    schema, optional = _parse_type_cached(spec)
    return copy.deepcopy(schema), optional


@lru_cache(maxsize=4096)
def _parse_type_cached(spec: str) -> tuple[dict[str, Any], bool]:
    s = spec.strip()
    optional = False
    parts = _split_top(s)
    if len(parts) > 1:
        rest = [p for p in parts[1:] if p]
        if any(p.lower().startswith("optional") for p in rest):
            optional = True
        s = parts[0]
    low = s.lower().replace("typing.", "")
    m = _RE_OPTIONAL.fullmatch(low)
    if m:
        inner, _ = parse_type(s[s.index("[") + 1 : s.rindex("]")])
        return inner, True
    m = _RE_LIST.fullmatch(low)
    if m:
        inner_s = s[s.index("[") + 1 : s.rindex("]")]
        items = _split_top(inner_s)
        items = [i for i in items if i and i != "..."]
        if len(items) == 1:
            return {"type": "array", "items": parse_type(items[0])[0]}, optional
        if items:
            return {"type": "array", "prefixItems": [parse_type(i)[0] for i in items]}, optional
        return {"type": "array"}, optional
    m = _RE_DICT.fullmatch(low)
    if m:
        inner = _split_top(s[s.index("[") + 1 : s.rindex("]")])
        schema: dict[str, Any] = {"type": "object"}
        if len(inner) == 2:
            schema["additionalProperties"] = parse_type(inner[1])[0]
        return schema, optional
    m = _RE_UNION.fullmatch(low)
    if m:
        members = [parse_type(x)[0] for x in _split_top(s[s.index("[") + 1 : s.rindex("]")])]
        nulls = [x for x in members if x.get("type") == "null"]
        rest = [x for x in members if x.get("type") != "null"]
        if len(rest) == 1:
            return rest[0], optional or bool(nulls)
        return {"anyOf": rest}, optional or bool(nulls)
    m = _RE_LITERAL.fullmatch(low)
    if m:
        vals = []
        for x in _split_top(s[s.index("[") + 1 : s.rindex("]")]):
            x = x.strip()
            if len(x) >= 2 and x[0] == x[-1] and x[0] in "'\"":
                vals.append(x[1:-1])
            else:
                try:
                    vals.append(int(x))
                except ValueError:
                    try:
                        vals.append(float(x))
                    except ValueError:
                        vals.append(x)
        return {"enum": vals}, optional
    if "|" in low:
        members = [parse_type(x)[0] for x in s.split("|")]
        rest = [x for x in members if x.get("type") != "null"]
        opt = len(rest) < len(members)
        return (rest[0] if len(rest) == 1 else {"anyOf": rest}), optional or opt
    if low in _SCALARS:
        return {"type": _SCALARS[low]}, optional
    if low in _FORMATS:
        return {"type": "string", "format": _FORMATS[low]}, optional
    if low in _ANY:
        return {}, optional
    # Something we do not know (a class name, say, in BFCL java): keep it visible, no type.
    return {"x-source-type": spec.strip()}, optional


def normalize_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Return a JSON Schema copy with every ``type`` translated, recursively."""
    out: dict[str, Any] = {}
    optional = False
    for k, v in schema.items():
        if k == "type":
            if isinstance(v, str):
                parsed, optional = parse_type(v)
                out.update({kk: vv for kk, vv in parsed.items() if kk not in out})
                if "type" not in parsed:
                    continue
                continue
            if isinstance(v, list):
                types = [parse_type(t)[0].get("type") for t in v if isinstance(t, str)]
                types = [t for t in types if t]
                out["type"] = types if len(types) > 1 else (types[0] if types else None)
                if out["type"] is None:
                    del out["type"]
                continue
            out[k] = v
        elif k == "properties" and isinstance(v, dict):
            props = {}
            for pname, pschema in v.items():
                props[pname] = normalize_schema(pschema) if isinstance(pschema, dict) else {}
            out[k] = props
        elif k == "items" and isinstance(v, dict):
            out[k] = normalize_schema(v)
        elif k in ("anyOf", "oneOf", "allOf", "prefixItems") and isinstance(v, list):
            out[k] = [normalize_schema(x) if isinstance(x, dict) else x for x in v]
        elif k == "additionalProperties" and isinstance(v, dict):
            out[k] = normalize_schema(v)
        else:
            out[k] = v
    if optional:
        out.setdefault("x-optional", True)
    # per-property "required": true (ToolAlpaca style) lifts to the parent's list
    if isinstance(out.get("properties"), dict):
        req = list(out.get("required", [])) if isinstance(out.get("required", []), list) else out.get("required")
        for pname, p in out["properties"].items():
            flag = p.pop("required", None) if isinstance(p.get("required"), bool) else None
            if flag and isinstance(req, list) and pname not in req:
                req.append(pname)
        if isinstance(req, list) and (req or "required" in out):
            out["required"] = req
    return out


def json_type_of(schema: dict[str, Any]) -> str | None:
    t = schema.get("type")
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), None)
    if t is None and "enum" in schema:
        return "enum"
    return t
