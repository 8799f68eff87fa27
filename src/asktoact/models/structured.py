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
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from .base import ChatModel, GenParams, Messages

T = TypeVar("T")
_FENCE = re.compile(r"```(?:json|python|JSON)?\s*\n?(.*?)```", re.S)


class ExtractError(ValueError):
    pass


MAX_DEPTH = 100  # deeper nesting is refused unparsed: no recursion in json/ast, no stack blow-up
MAX_ATTEMPTS = 64  # parse attempts per text: bounded work whatever the reply holds


@dataclass
class _Span:
    start: int
    end: int
    depth: int  # deepest nesting inside, this span counted as 1
    children: list["_Span"]


def balanced_spans(text: str) -> list[_Span]:
    """The well-formed bracketed spans of ``text``, outermost first, in one linear scan.

    A bracket stack replaces the old scan-from-every-opener (quadratic: 40k ``[`` took
    minutes). Quotes count only inside brackets (prose apostrophes stay prose). A span that
    never closes or closes with the wrong bracket is broken, and so is everything inside it:
    a fragment of a broken structure is never offered as the answer. When a quote opened
    inside brackets runs to the end of the text (an apostrophe taken for a string), scanning
    restarts just after it, a bounded number of times.
    """
    top: list[_Span] = []
    pos, restarts, budget = 0, 0, 4 * len(text) + 1024
    while pos < len(text) and restarts <= 16 and budget > 0:
        stack: list[list] = []  # [start, opener, children, depth, broken]
        quote, quote_at, i, n = None, -1, pos, len(text)
        while i < n:
            ch = text[i]
            if quote:
                if ch == "\\":
                    i += 2
                    continue
                if ch == quote:
                    quote = None
            elif ch in "{[":
                stack.append([i, ch, [], 1, False])
            elif ch in "}]":
                if stack:
                    start, op, kids, depth, broken = stack.pop()
                    if (op == "{") != (ch == "}"):
                        broken = True  # wrong closer: this span and the ones around it are broken
                    if stack:
                        parent = stack[-1]
                        parent[4] = parent[4] or broken
                        parent[3] = max(parent[3], depth + 1)
                        if not parent[4]:
                            parent[2].append(_Span(start, i + 1, depth, kids))
                    elif not broken:
                        top.append(_Span(start, i + 1, depth, kids))
            elif ch in "\"'" and stack:
                quote, quote_at = ch, i
            i += 1
        budget -= i - pos
        if quote is None:
            break
        pos, restarts = quote_at + 1, restarts + 1  # an unclosed quote: look again after it
    return top


def _jsonable(v: Any) -> Any:
    """A python literal as the JSON value it stands for: tuples and sets become lists (sets in
    a fixed order), so a model writing ``{"a", "b"}`` gives a list, not a value no transcript
    can store. Bytes, complex numbers and the like are not JSON: an extraction error."""
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, (set, frozenset)):
        return sorted((_jsonable(x) for x in v), key=lambda x: json.dumps(x, sort_keys=True))
    if isinstance(v, dict):
        return {k if isinstance(k, str) else json.dumps(_jsonable(k)): _jsonable(x) for k, x in v.items()}
    raise ExtractError(f"a python {type(v).__name__} is not a JSON value")


def parse_literal(s: str) -> Any:
    s = s.strip()
    try:
        return json.loads(s)
    except json.JSONDecodeError:
        pass
    try:
        return _jsonable(ast.literal_eval(s))
    except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
        pass
    # JSON with python constants, or python with JSON constants
    alt = re.sub(r"\btrue\b", "True", re.sub(r"\bfalse\b", "False", re.sub(r"\bnull\b", "None", s)))
    try:
        return _jsonable(ast.literal_eval(alt))
    except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
        raise ExtractError("not JSON or a python literal") from None


def extract_json(text: str, want: str = "any") -> Any:
    """The first JSON/python-literal object (``want='object'``), array (``'array'``) or either in text.

    Linear in the text and bounded: outermost well-formed spans are tried first; a span that
    does not parse (a ``// comment``, a missing comma) is skipped with everything inside it,
    so a broken list of calls is unreadable rather than read as one of its arguments; the
    inside of a span is searched only when the span parses but is of the wrong kind; nesting
    deeper than ``MAX_DEPTH`` is refused.
    """
    kinds = {"object": (dict,), "array": (list,), "any": (dict, list)}[want]
    candidates = [m.group(1) for m in _FENCE.finditer(text)] + [text]
    attempts, why = 0, "no JSON found in the model output"
    for cand in candidates:
        todo = list(reversed(balanced_spans(cand)))
        while todo and attempts < MAX_ATTEMPTS:
            sp = todo.pop()
            if sp.depth > MAX_DEPTH:
                why = f"JSON nested deeper than {MAX_DEPTH} levels"
                continue
            attempts += 1
            try:
                obj = parse_literal(cand[sp.start:sp.end])
            except ExtractError:
                why = "unreadable JSON in the model output (not JSON or a python literal)"
                continue
            if isinstance(obj, kinds):
                return obj
            todo.extend(reversed(sp.children))
    raise ExtractError(why)


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
