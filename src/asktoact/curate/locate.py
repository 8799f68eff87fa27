"""Find where an argument value is written in the query text.

Only values the user actually stated can be hidden later, so everything starts here:
exact and case-insensitive matches, quoted forms, number formats (``1000``/``1,000``/
``5.0``/``five``), common date formats, and the elements of lists and nested objects.
Pure functions, no I/O.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

_NUM_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
              "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
              "eighteen", "nineteen", "twenty"]
_TENS = {30: "thirty", 40: "forty", 50: "fifty", 60: "sixty", 70: "seventy", 80: "eighty", 90: "ninety",
         100: "hundred", 1000: "thousand"}
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"]
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$")


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str


@dataclass
class Location:
    """Where a (possibly composite) value sits in the text."""

    found: bool  # every scalar part was found
    spans: list[Span] = field(default_factory=list)  # all occurrences of all parts
    parts: list[tuple[Any, list[Span]]] = field(default_factory=list)  # scalar part -> its spans

    @property
    def partial(self) -> bool:
        return not self.found and any(s for _, s in self.parts)


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 11 <= n % 100 <= 13 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def date_forms(y: int, m: int, d: int) -> list[str]:
    try:
        _dt.date(y, m, d)
    except ValueError:
        return []
    mon, mab = _MONTHS[m - 1], _MONTHS[m - 1][:3]
    out = [f"{y:04d}-{m:02d}-{d:02d}", f"{mon} {d}, {y}", f"{mon} {_ordinal(d)}, {y}", f"{d} {mon} {y}",
           f"{_ordinal(d)} {mon} {y}", f"{_ordinal(d)} of {mon} {y}", f"{mab} {d}, {y}", f"{d} {mab} {y}",
           f"{mab}. {d}, {y}", f"{m:02d}/{d:02d}/{y}", f"{m}/{d}/{y}", f"{d:02d}/{m:02d}/{y}", f"{d}/{m}/{y}",
           f"{y}/{m:02d}/{d:02d}", f"{d}.{m}.{y}", f"{d:02d}.{m:02d}.{y}", f"{mon} {d} {y}", f"{mon} {_ordinal(d)} {y}", f"{mab} {d} {y}", f"{mab} {_ordinal(d)}, {y}",
           f"{mon} {d}", f"{mon} {_ordinal(d)}", f"{d} {mon}", f"{_ordinal(d)} of {mon}", f"{mab} {d}"]
    return out


def number_forms(v: int | float) -> list[str]:
    out: list[str] = []
    if isinstance(v, float) and v.is_integer():
        iv = int(v)
        out += [repr(v), f"{iv}"]
        v = iv
    if isinstance(v, int):
        out.append(str(v))
        if abs(v) >= 1000:
            out.append(f"{v:,}")
        if 0 <= v <= 20:
            out.append(_NUM_WORDS[v])
        elif v in _TENS:
            out.append(_TENS[v])
    else:
        out += [repr(v), f"{v:g}", f"{v:,}" if abs(v) >= 1000 else repr(v)]
        if 0 < abs(v) < 1:
            pct = v * 100
            if abs(pct - round(pct)) < 1e-9:
                out.append(f"{int(round(pct))}%")
        s = repr(v)
        if s.startswith("0."):
            out.append(s[1:])  # .5
    return list(dict.fromkeys(out))


def string_forms(s: str) -> list[str]:
    s = s.strip()
    if not s:
        return []
    out = [s]
    m = _ISO_DATE.match(s)
    if m:
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
        out += date_forms(y, mo, d)
        if m.group(4):
            hh, mm = int(m.group(4)), int(m.group(5))
            out.append(f"{hh:02d}:{mm:02d}")
    if re.fullmatch(r"-?\d+(\.\d+)?", s):
        try:
            out += number_forms(int(s) if "." not in s else float(s))
        except ValueError:
            pass
    if "_" in s and not re.search(r"\s", s):
        out.append(s.replace("_", " "))
    return list(dict.fromkeys(out))


def scalar_forms(v: Any) -> list[str]:
    """Every way a scalar might be written; longest first so the widest match wins."""
    if isinstance(v, bool) or v is None or not isinstance(v, (int, float, str)):
        return []
    return list(_scalar_forms(type(v).__name__, v))


@lru_cache(maxsize=65536)
def _scalar_forms(kind: str, v: Any) -> tuple[str, ...]:
    return tuple(_scalar_forms_uncached(v))


def _scalar_forms_uncached(v: Any) -> list[str]:
    if isinstance(v, bool) or v is None:
        return []
    if isinstance(v, (int, float)):
        forms = number_forms(v)
    elif isinstance(v, str):
        forms = string_forms(v)
    else:
        return []
    return sorted(set(forms), key=lambda f: (-len(f), f))


@lru_cache(maxsize=65536)
def _pattern(form: str, exact_case: bool = False) -> re.Pattern[str]:
    esc = re.escape(form)
    left = r"(?<![\w])" if form[:1].isalnum() or form[:1] == "_" else ""
    right = r"(?![\w])" if form[-1:].isalnum() or form[-1:] == "_" else ""
    if re.fullmatch(r"[\d.,%-]+", form):  # a number: not part of a longer number
        left = r"(?<![\w.,])(?<!\d[.,])" if form[:1].isdigit() else left
        right = r"(?![\w])(?![.,]\d)"
    return re.compile(left + esc + right, 0 if exact_case else re.IGNORECASE)


def find_scalar(text: str, v: Any) -> list[Span]:
    """All non-overlapping occurrences of any surface form of ``v`` (widest first)."""
    taken: list[Span] = []
    low = text.lower()
    # an all-caps constant ("START", "BUY") is a value only when written so; "start the engine" is a verb
    exact = isinstance(v, str) and len(v) > 1 and v.isalpha() and v.isupper()
    for form in scalar_forms(v):
        if form.lower() not in low:  # cheap filter before the boundary-aware regex
            continue
        for m in _pattern(form, exact and form == v).finditer(text):
            s, e = m.start(), m.end()
            if any(s < t.end and t.start < e for t in taken):
                continue
            taken.append(Span(s, e, text[s:e]))
    return sorted(taken, key=lambda x: x.start)


def leaves(v: Any) -> list[Any]:
    """Scalar parts of a value: list elements and nested object values, depth first."""
    if isinstance(v, dict):
        return [x for val in v.values() for x in leaves(val)]
    if isinstance(v, (list, tuple)):
        return [x for val in v for x in leaves(val)]
    return [v]


def locate(text: str, value: Any) -> Location:
    parts = []
    spans: list[Span] = []
    for leaf in leaves(value):
        ss = find_scalar(text, leaf)
        parts.append((leaf, ss))
        spans.extend(ss)
    found = bool(parts) and all(ss for _, ss in parts)
    uniq = sorted({(s.start, s.end): s for s in spans}.values(), key=lambda x: x.start)
    return Location(found=found, spans=uniq, parts=parts)
