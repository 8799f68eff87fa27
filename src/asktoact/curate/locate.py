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
    ys = f" {y}"
    out += [f.replace(ys, f",{y}") for f in out if f.endswith(ys) and not f.endswith(f", {y}")]  # "15th October,2023"
    out += [f.replace(f", {y}", f",{y}") for f in out if f.endswith(f", {y}")]
    out += [f"{mon}.{d}, {y}", f"{mab}.{d}, {y}"]  # "March.11, 2022" (BFCL simple_python_142)
    return out


_SCALE_WORDS = ((1_000_000_000_000, "trillion"), (1_000_000_000, "billion"), (1_000_000, "million"), (1000, "thousand"))


def number_forms(v: int | float) -> list[str]:
    out: list[str] = []
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
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
        if 1 <= v <= 100:
            out.append(_ordinal(v))  # "the 51st floor"
        for scale, word in _SCALE_WORDS:  # "100 million", "1.5 billion"
            if abs(v) >= scale and v % (scale // 10) == 0:
                out.append(f"{v / scale:g} {word}")
                break
    else:
        if v != 0 and (abs(v) < 1e-3 or abs(v) >= 1e6):
            m, _, e = f"{v:e}".partition("e")
            m = m.rstrip("0").rstrip(".")
            out += [f"{m}e{int(e)}", f"{m}e{int(e):+d}", f"{m}e{e}"]  # 1e-9, 1e-09
        if abs(v) < 1e6 and round(v, 2) == v:
            out.append(f"{v:.2f}")  # "$48.70"
        out += [repr(v), f"{v:g}", f"{v:,}" if abs(v) >= 1000 else repr(v)]
        if 0 < abs(v) < 1:
            pct = v * 100
            if abs(pct - round(pct)) < 1e-9:
                out.append(f"{int(round(pct))}%")
        s = repr(v)
        if s.startswith("0."):
            out.append(s[1:])  # .5
    return list(dict.fromkeys(out))


# short unit codes APIs take, as people write them ("in meters", "metric units" for 'm')
_UNIT_WORDS = {"m": ["meters", "metres", "meter", "metre", "metric"], "km": ["kilometers", "kilometres", "kilometer"],
               "cm": ["centimeters", "centimetres"], "mm": ["millimeters", "millimetres"], "kg": ["kilograms", "kilogram"],
               "mi": ["miles", "mile"], "ft": ["feet", "foot"], "f": ["fahrenheit"], "c": ["celsius"],
               "lb": ["pounds", "pound"], "lbs": ["pounds"], "s": ["scientific"]}


# short forms people expand when they talk ("the temporary directory" for 'tmp')
_ABBREVIATIONS = {"tmp": ["temporary", "temp"], "temp": ["temporary"], "docs": ["documents"], "pics": ["pictures"],
                  "women": ["woman"], "men": ["man"], "woman": ["women"], "man": ["men"]}
_DURATION_UNITS = {"h": "hour", "hr": "hour", "hrs": "hour", "hour": "hour", "hours": "hour", "d": "day", "day": "day",
                   "days": "day", "w": "week", "wk": "week", "week": "week", "weeks": "week", "mo": "month",
                   "month": "month", "months": "month", "y": "year", "yr": "year", "year": "year", "years": "year",
                   "min": "minute", "mins": "minute", "minutes": "minute"}
_DURATION = re.compile(r"(\d+)\s*([A-Za-z]+)")


def duration_forms(s: str) -> list[str]:
    """'48h' -> "48 hours", "48-hour"; '1w' -> "a week", "the last week" (said in words)."""
    m = _DURATION.fullmatch(s)
    if not m or m.group(2).lower() not in _DURATION_UNITS:
        return []
    n, unit = int(m.group(1)), _DURATION_UNITS[m.group(2).lower()]
    forms = [f"{n} {unit}s" if n != 1 else f"1 {unit}", f"{n}-{unit}", f"{n} {unit}"]
    if n <= 20:
        forms += [f"{_NUM_WORDS[n]} {unit}s" if n != 1 else f"one {unit}", f"{_NUM_WORDS[n]}-{unit}"]
    if n == 1:
        art = "an" if unit == "hour" else "a"
        forms += [f"{art} {unit}", f"last {unit}", f"past {unit}", f"next {unit}"]
    return forms


def time_forms(hh: int, mm: int) -> list[str]:
    """'14:47' -> "2:47 p.m.", "2:47pm" (a 12-hour clock)."""
    if not (0 <= hh < 24 and 0 <= mm < 60):
        return []
    h12, ap = (hh % 12 or 12), ("am" if hh < 12 else "pm")
    base = [f"{h12}:{mm:02d}"] + ([f"{h12}"] if mm == 0 else [])
    return [f"{b}{sep}{x}" for b in base for sep in (" ", "") for x in (ap, f"{ap[0]}.m.")]


def string_forms(s: str) -> list[str]:
    s = s.strip()
    if not s:
        return []
    out = [s]
    out += _ABBREVIATIONS.get(s.lower(), [])
    out += duration_forms(s)
    m = re.fullmatch(r"(\d{1,2}):(\d{2})", s)
    if m:
        out += time_forms(int(m.group(1)), int(m.group(2)))
    m = re.fullmatch(r"([A-G])([#b])", s)  # a musical key: "C#" is "C sharp"
    if m:
        out.append(f"{m.group(1)} {'sharp' if m.group(2) == '#' else 'flat'}")
    m = re.fullmatch(r"(\d{1,2})[-/](\d{4})|(\d{4})-(\d{1,2})", s)  # a month: '04-2022', '2022-04'
    if m:
        mo, y = (int(m.group(1)), int(m.group(2))) if m.group(1) else (int(m.group(4)), int(m.group(3)))
        if 1 <= mo <= 12:
            out += [f"{_MONTHS[mo - 1]} {y}", f"{_MONTHS[mo - 1][:3]} {y}"]
    if s in _UNIT_WORDS or s.lower() in ("metric", "imperial"):
        out = list(_UNIT_WORDS.get(s, [])) + ([s] if len(s) > 1 else [])  # a bare "m" or "f" is never matched alone
    m = re.fullmatch(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})", s)  # "01-01-2021": either day-month or month-day order
    if m:
        a, b, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
        out += date_forms(y, a, b) + (date_forms(y, b, a) if a != b else [])
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
    if "**" in s:  # a formula written the way people write it: 3x**2 -> 3x^2
        out.append(s.replace("**", "^"))
        out.append(re.sub(r"(?<=\d)\*(?=[A-Za-z(])", "", s).replace("**", "^"))
    if re.fullmatch(r"[A-Za-z][a-z]+(?: [A-Za-z][a-z]+){0,3}", s) and len(s) > 3:  # plural of a name: "manta rays"
        out.append(s + ("es" if s.endswith(("s", "x", "ch", "sh")) else "s"))
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


# units a number may be glued to ("300K", "5J/K", "10km"); anything else after a digit
# ("2x", "x^2") makes it part of a formula or a word, not a value
_GLUED_UNITS = r"(?:K|J|J/K|C|F|km|kg|g|mg|m|cm|mm|s|ms|h|hr|hrs|min|Hz|kHz|MHz|GHz|dB|GB|MB|KB|TB|kW|W|V|A|mph|kmh|L|ml|mL|lbs?|ft|in|oz|N|Pa|kPa|eV|mol)(?![A-Za-z0-9^])"


@lru_cache(maxsize=65536)
def _pattern(form: str, exact_case: bool = False) -> re.Pattern[str]:
    """Token boundaries: a value is never matched inside a word ("m" in "I'm"), a number, a
    formula ("2" in "x^2") or, for values without letters or digits (".", "/"), anywhere but
    between spaces or quotes (not the full stop of a sentence)."""
    esc = re.escape(form)
    if not re.search(r"\w", form):
        return re.compile(r"(?:(?<=^)|(?<=[\s'\"`]))" + esc + r"(?=$|[\s'\"`])")
    # a hyphen joins words into one token ("priority-2", "4-star"): no value starts or ends inside one
    left = r"(?<![\w])(?<![A-Za-z]['\u2019])(?<!\w-)" if form[:1].isalnum() or form[:1] == "_" else ""
    right = r"(?![\w])(?!['\u2019](?:t|m|re|ve|ll|d)\b)(?!-\w)" if form[-1:].isalnum() or form[-1:] == "_" else ""
    if re.fullmatch(r"[\d.,%-]+", form) or re.fullmatch(r"\d+(?:\.\d+)?e[+-]?\d+", form):  # a number
        left = (r"(?<![\w.,^*/])(?<!\d[.,])" if form[:1].isdigit() else r"(?<![\w^*/])") + r"(?<![A-Za-z]-)"
        right = r"(?:(?=" + _GLUED_UNITS + r")|(?![\w^])(?![.,]\d)(?!-[A-Za-z]))"
    return re.compile(left + esc + right, 0 if exact_case else re.IGNORECASE)


_NOT_A_NUMBER_ONE = re.compile(r"(?:\b(?:the|this|that|which|each|any|every|no|first|second|third|last|next|another|other|single|little|only)\s+$)", re.I)


def find_scalar(text: str, v: Any) -> list[Span]:
    """All non-overlapping occurrences of any surface form of ``v`` (widest first)."""
    taken: list[Span] = []
    low = text.lower()
    # an all-caps constant ("START", "BUY") is a value only when written so; "start the engine" is a verb
    exact = isinstance(v, str) and len(v) > 1 and v.isalpha() and v.isupper()
    words = set(_NUM_WORDS) | set(_TENS.values())
    for form in scalar_forms(v):
        if form.lower() not in low:  # cheap filter before the boundary-aware regex
            continue
        for m in _pattern(form, exact and form == v).finditer(text):
            s, e = m.start(), m.end()
            if any(s < t.end and t.start < e for t in taken):
                continue
            if form.lower() == "one" and (_NOT_A_NUMBER_ONE.search(text[max(0, s - 12):s])
                                          or re.match(r"\s+(?:of|by|another)\b", text[e:])):
                continue  # "the first one", "one of them": a pronoun, not the number 1
            taken.append(Span(s, e, text[s:e]))
    # a number written in digits somewhere is the value; the same number as a word elsewhere
    # ("I have two problems ... at x = 2") is something else
    if isinstance(v, (int, float)) and not isinstance(v, bool) and any(t.text[:1].isdigit() for t in taken):
        taken = [t for t in taken if not t.text.lower() in words]
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
