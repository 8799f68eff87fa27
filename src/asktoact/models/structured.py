"""Get JSON out of model text, robustly and safely.

Models wrap JSON in code fences, add prose around it, or answer with python-dict syntax
(single quotes, True/None). We find the first balanced object or array, try JSON, then
``ast.literal_eval`` (a literal parser, never ``eval``), validate with pydantic, and re-ask
a bounded number of times with the error.
"""

from __future__ import annotations

import ast
import json
import re
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from .base import ChatModel, GenParams, Messages

T = TypeVar("T")
_FENCE = re.compile(r"```(?:json|python|JSON)?\s*\n?(.*?)```", re.S)


class ExtractError(ValueError):
    pass


def _balanced(text: str, start: int) -> int | None:
    """Index after the bracket that closes ``text[start]``, respecting strings."""
    open_ch = text[start]
    close_ch = "}" if open_ch == "{" else "]"
    depth, i, quote = 0, start, None
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
            if depth == 0:
                return i + 1 if ch == close_ch else None
        i += 1
    return None


def parse_literal(s: str) -> Any:
    s = s.strip()
    try:
        return json.loads(s)
    except json.JSONDecodeError:
        pass
    try:
        return ast.literal_eval(s)
    except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
        pass
    # JSON with python constants, or python with JSON constants
    alt = re.sub(r"\btrue\b", "True", re.sub(r"\bfalse\b", "False", re.sub(r"\bnull\b", "None", s)))
    try:
        return ast.literal_eval(alt)
    except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
        raise ExtractError("not JSON or a python literal") from None


def extract_json(text: str, want: str = "any") -> Any:
    """The first JSON/python-literal object (``want='object'``), array (``'array'``) or either in text."""
    candidates = [m.group(1) for m in _FENCE.finditer(text)] + [text]
    openers = {"object": "{", "array": "[", "any": "{["}[want]
    for cand in candidates:
        for i, ch in enumerate(cand):
            if ch not in openers:
                continue
            end = _balanced(cand, i)
            if end is None:
                continue
            try:
                return parse_literal(cand[i:end])
            except ExtractError:
                continue
    raise ExtractError("no JSON found in the model output")


def validate(obj: Any, schema: type[T] | Any) -> T:
    if isinstance(schema, type) and issubclass(schema, BaseModel):
        return schema.model_validate(obj)
    return TypeAdapter(schema).validate_python(obj)


async def ask_structured(model: ChatModel, messages: Messages, schema: Any, params: GenParams | None = None,
                         max_reasks: int = 2, want: str = "any") -> tuple[Any, int]:
    """Ask, extract, validate; on failure re-ask with the error. Returns (value, attempts)."""
    msgs = list(messages)
    last_err = ""
    for attempt in range(max_reasks + 1):
        res = await model.achat(msgs, params, use_cache=attempt == 0)
        try:
            return validate(extract_json(res.text, want), schema), attempt + 1
        except (ExtractError, ValidationError) as e:
            last_err = str(e).splitlines()[0] if str(e) else type(e).__name__
            msgs = list(messages) + [{"role": "assistant", "content": res.text},
                                     {"role": "user", "content": f"That output could not be used ({last_err}). "
                                                                 "Reply again with only the JSON, nothing else."}]
    raise ExtractError(f"no valid output after {max_reasks + 1} attempts: {last_err}")
