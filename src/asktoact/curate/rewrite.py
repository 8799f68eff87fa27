"""Deterministic query rewrite: hide chosen values by removal, abstraction or partial obfuscation.

The rules are those of Appendix C.1.2, applied with string surgery instead of an LLM:
* complete removal drops a value with its carrier phrase ("with player ID 170085") when
  that phrase closes a clause and the parameter is required;
* semantic abstraction swaps the value (and the words naming it) for a phrase built from
  the parameter's name, description and type ("a certain player ID", "a specific date");
* partial obfuscation hides one element of a list value and keeps the others;
* when one tool is called more than once, values are abstracted, never removed.
The output is then tidied so it reads naturally (no doubled spaces, empty quotes or
dangling prepositions). Pure functions; randomness comes from the caller's generator.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any

from .locate import Location, Span

REMOVAL_PREPS = {"with", "for", "from", "in", "at", "on", "to", "by", "using", "named", "called", "titled", "of", "via"}
DETERMINERS = {"the", "a", "an", "this", "that", "my", "your", "our", "its", "his", "her", "their", "some"}
FILLERS = {"of", "is", "=", ":", "as", "number", "no.", "#", "named", "called", "titled"}
QUOTES = {"'": "'", '"': '"', "`": "`", "\u201c": "\u201d", "\u2018": "\u2019"}
UNITS = {
    "units", "unit", "km", "kilometers", "kilometres", "miles", "mile", "meters", "metres", "m", "cm", "mm",
    "kg", "g", "grams", "pounds", "lbs", "lb", "years", "year", "months", "month", "days", "day", "hours",
    "hour", "minutes", "minute", "seconds", "second", "percent", "%", "dollars", "usd", "eur", "euros",
    "times", "items", "people", "persons", "passengers", "guests", "nights", "weeks", "week", "feet", "ft",
    "inches", "degrees", "degree", "celsius", "fahrenheit", "mph", "kmh", "results", "records", "pages", "points",
}
GENERIC_NOUNS = {
    "file", "files", "directory", "folder", "city", "country", "user", "account", "company", "team", "player",
    "movie", "song", "book", "album", "artist", "stock", "ticker", "symbol", "product", "category", "item",
    "language", "region", "keyword", "term", "query", "address", "email", "url", "website", "domain", "code",
    "id", "number", "name", "username", "location", "channel", "playlist", "video", "image", "document",
    "currency", "hashtag", "tag", "topic", "restaurant", "hotel", "airport", "station", "store", "brand",
}
ABBREV = {"id": "ID", "ids": "IDs", "num": "number", "no": "number", "qty": "quantity", "addr": "address",
          "dt": "date", "tz": "time zone", "lang": "language", "url": "URL", "ip": "IP", "uri": "URI",
          "img": "image", "msg": "message", "pwd": "password", "desc": "description", "amt": "amount",
          "lat": "latitude", "lon": "longitude", "lng": "longitude", "dob": "date of birth", "api": "API",
          "isbn": "ISBN", "sku": "SKU", "zip": "ZIP", "zipcode": "ZIP code", "asin": "ASIN", "uid": "user ID",
          "cnt": "count", "max": "maximum", "min": "minimum", "src": "source", "dst": "destination",
          "dest": "destination", "ctry": "country", "iso": "ISO", "utc": "UTC", "str": "text", "apt": "airport code"}
DET_CHOICES = ("a certain", "a specific", "a particular")
# how an abstracted value is introduced, with weights: mostly the plain article a person
# would use ("a city", "the file"), so that no marker phrase sets rewritten queries apart
# (curate.shortcut measures it); "{a}" is "a" or "an" as the noun needs
ABSTRACT_FORMS = (("the {n}", 4), ("some {n}", 2), ("{a} {n}", 1), ("a specific {n}", 1), ("a certain {n}", 0.5),
                  ("a particular {n}", 0.5), ("the {n} I have in mind", 1), ("my {n}", 1))
_MY_NOUNS = {"account", "email", "email address", "username", "user name", "password", "address", "phone",
             "phone number", "user ID", "file", "budget", "order", "booking", "reservation"}
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9\-]*|\d+|[=:#]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.I)
_URL = re.compile(r"^(https?://|www\.)", re.I)
_IP = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")
_FILE = re.compile(r"^[\w\-. /]+\.[A-Za-z0-9]{1,5}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _stem1(w: str) -> str:
    return w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w


def name_words(pname: str) -> list[str]:
    """``player_id`` -> [player, id]; ``maxResults`` -> [max, results]."""
    s = re.sub(r"([a-z])([A-Z])", r"\1 \2", pname)
    s = re.sub(r"[_\-.]+", " ", s)
    s = re.sub(r"(?<=[A-Za-z])\d+\b", "", s)  # num1 -> num, file_name2 -> file name
    return [w.lower() for w in s.split() if w and not w.isdigit()]


def param_noun(pname: str, schema: dict[str, Any], value: Any) -> str:
    """A short noun phrase for what the parameter holds, used in abstract expressions."""
    sv = value if isinstance(value, str) else None
    fmt = schema.get("format")
    if fmt in ("date", "date-time") or (sv and _DATE.match(sv)):
        return "date"
    if fmt == "email" or (sv and _EMAIL.match(sv)):
        return "email address"
    if fmt == "uri" or (sv and _URL.match(sv)):
        return "link"
    if sv and _IP.match(sv):
        return "IP address"
    words = name_words(pname)
    if all(len(w) <= 2 and w not in ABBREV for w in words) or not words:
        desc = str(schema.get("description") or "")
        m = re.match(r"\s*(?:the|a|an)?\s*([A-Za-z][\w\- ]{2,40}?)(?:\s+(?:of|for|to|in|that|which|used|from)\b|[.,;(]|$)", desc, re.I)
        if m and len(m.group(1).split()) <= 4:
            return m.group(1).strip().lower()
        return "value" if not isinstance(value, (int, float)) else "number"
    while len(words) > 1 and words[0] in ("is", "get", "include", "use", "enable", "has", "to", "from", "in", "for", "of", "by", "with"):
        words = words[1:]
    out = " ".join(ABBREV.get(w, w) for w in words)
    if sv and _FILE.match(sv) and "file" not in out and "name" in out:
        return "file"
    if out.endswith(" name") and out[:-5] in GENERIC_NOUNS:  # "file name" -> "file", "city name" -> "city"
        return out[:-5]
    return out


@dataclass
class EditPlan:
    """What to hide for one parameter."""

    key: tuple[int, str]  # (call index, parameter)
    value: Any
    schema: dict[str, Any]
    location: Location
    required: bool
    force_abstraction: bool  # same tool called more than once


@dataclass
class EditResult:
    original_value: str
    current_value: str
    method: str  # removal / abstraction / partial
    removed_value: Any


@dataclass
class _Edit:
    start: int
    end: int
    text: str
    key: tuple[int, str]


def _words_before(text: str, pos: int, n: int = 6) -> list[tuple[int, int, str]]:
    """Up to ``n`` (start, end, word) tokens that end before ``pos``, nearest first."""
    out = []
    for m in _WORD.finditer(text, max(0, pos - 80), pos):
        out.append((m.start(), m.end(), m.group(0)))
    return list(reversed(out))[:n]


def _only_space_between(text: str, a: int, b: int) -> bool:
    return text[a:b].strip(" ,'\"`") == "" if a <= b else False


def _expand_quotes(text: str, s: int, e: int) -> tuple[int, int]:
    if s > 0 and e < len(text) and text[s - 1] in QUOTES and text[e] == QUOTES[text[s - 1]]:
        return s - 1, e + 1
    return s, e


def _next_word(text: str, pos: int) -> tuple[int, int, str] | None:
    m = re.compile(r"\s*([A-Za-z%][A-Za-z\-]*|%)").match(text, pos)
    if not m:
        return None
    return m.start(1), m.end(1), m.group(1)


_COMPLEMENTS = {"dobj", "attr", "acomp", "xcomp", "ccomp", "dative", "oprd", "prep", "advmod", "npadvmod"}


def _pp_removal(doc: Any, text: str, start: int, end: int, protected: list[tuple[int, int]],
                naming: set[str] = frozenset()) -> tuple[int, int] | None:
    """The prepositional phrase that carries [start, end) ("in Tokyo", "with light ID 63"),
    found in the dependency parse, when removing it leaves a whole sentence: the phrase
    holds only the preposition, determiners, the words naming the value and the value; it
    hangs on a noun, or on a verb that keeps another complement (not "my preferences lean
    towards X", not "papers related to X"); it is not an "of"-complement ("the factorial of
    5" keeps its number); and it holds no kept value."""
    if doc is None:
        return None
    toks = [t for t in doc if t.idx < end and t.idx + len(t) > start]
    if not toks:
        return None
    ids = {t.i for t in toks}
    tops = [t for t in toks if t.head.i not in ids or t.head is t]
    if not tops:
        return None
    node = tops[0]
    for _ in range(4):  # up through the words that name the value ("light ID 63", "the file 'a.txt'")
        if node.dep_ == "pobj" or node.head is node:
            break
        if node.dep_ not in ("compound", "appos", "nummod", "nmod", "amod", "npadvmod", "quantmod", "dobj", "acl", "oprd"):
            break
        node = node.head
    if node.dep_ != "pobj" or node.head.dep_ not in ("prep", "agent", "dative"):
        return None
    prep = node.head
    if prep.lower_ in ("of", "than", "as", "like", "between", "about") or prep.head.pos_ not in ("VERB", "NOUN", "PROPN", "AUX"):
        return None
    head = prep.head
    if head.pos_ in ("VERB", "AUX") and not any(c.dep_ in _COMPLEMENTS and c.i != prep.i for c in head.children):
        return None
    sub = list(prep.subtree)
    a, b = sub[0].idx, sub[-1].idx + len(sub[-1])
    if not (a <= start and end <= b):
        return None
    for t in sub:  # nothing but the carrier words around the value
        inside = t.idx >= start and t.idx + len(t) <= end
        if inside or t.i == prep.i or t.dep_ in ("det", "punct", "poss") or t.lower_ in naming or _stem1(t.lower_) in naming:
            continue
        if t.lower_ in FILLERS or t.lower_ in QUOTES or t.text in "'\"`":
            continue
        return None
    if any(ps < b and a < pe for ps, pe in protected):
        return None
    kept = text[:a] + text[b:]
    if len(_WORD.findall(kept)) < 4:
        return None
    return a, b


_NAMING_VERBS = {"titled", "called", "named", "entitled", "labeled", "labelled"}


def _appositive(doc: Any, text: str, s: int, e: int, span: Span) -> tuple[int, int] | None:
    """[start, end) to delete when the value is an appositive of a noun that stays."""
    m = re.search(r"(\w+)([\s,(]*)$", text[:s])
    if not m:
        return None
    word = m.group(1)
    tail = text[e:]
    if re.match(r"\s*(?:,|and\b|or\b|&)", tail) or re.search(r"(?:,|\band|\bor)\s*$", text[:s]):
        return None  # one of a coordination ("two numbers, 36 and 48"): removing it breaks the list
    if word.lower() in _NAMING_VERBS:
        close = re.match(r"\)?", tail).end()
        return m.start(1) - (1 if m.start(1) > 0 and text[m.start(1) - 1] == " " else 0), e + close
    if doc is None:
        return None
    prev = [t for t in doc if t.idx == m.start(1)]
    if not prev or prev[0].pos_ not in ("NOUN", "PROPN") or prev[0].lower_ in ("is", "of"):
        return None
    pv = prev[0]
    toks = [t for t in doc if t.idx < span.end and t.idx + len(t) > span.start]
    if not toks or not any(t.head.i == pv.i or pv.head.i == t.i for t in toks):
        return None
    if pv.i > 0 and doc[pv.i - 1].lower_ in ("with", "using", "by") and pv.lower_ in ("id", "number", "code", "name"):
        return None  # "with ID 5" has no noun left to name it: the abstraction handles it
    open_ = m.group(2)
    close = re.match(r"\)", tail) if "(" in open_ else None
    return m.end(1), e + (close.end() if close else 0)


def _left_modifiers(doc: Any, start: int, end: int) -> int:
    """Adjectives and compounds in front of the consumed words go with them ("high priority
    of 4" -> "a priority", not "high a priority")."""
    if doc is None:
        return start
    toks = [t for t in doc if t.idx < end and t.idx + len(t) > start]
    best = start
    for t in toks:
        for c in t.lefts:
            if c.dep_ in ("amod", "compound", "det", "nummod", "poss") and c.idx < best and c.pos_ != "PRON":
                best = c.idx
    return best


def _plan_span(text: str, span: Span, plan: EditPlan, first: bool, rng: random.Random,
               allow_removal: bool, partial: bool, doc: Any = None,
               protected: list[tuple[int, int]] | None = None) -> tuple[int, int, str, str]:
    """Return (start, end, replacement, method) for one occurrence."""
    s, e = _expand_quotes(text, span.start, span.end)
    if s > 0 and text[s - 1] in "$\u20ac\u00a3\u00a5":  # "$1000": the currency sign goes with the value
        s -= 1
    noun = param_noun(plan.key[1], plan.schema, plan.value)
    nwords = (set(name_words(plan.key[1])) | set(noun.lower().split())) - REMOVAL_PREPS - DETERMINERS - {"and", "or", "is"}
    nstems = {_stem1(w) for w in nwords}
    is_num = isinstance(plan.value, (int, float)) or bool(re.fullmatch(r"[\d.,]+", span.text))
    unit = None
    nxt = _next_word(text, e)
    if nxt and is_num and nxt[2].lower() in UNITS:
        unit = nxt[2]
        e = nxt[1]
    elif nxt and is_num and _stem1(nxt[2].lower()) in nstems:  # "166 liters" for liter=166
        unit = nxt[2]
        e = nxt[1]
    elif nxt and not partial and (nxt[2].lower() in (nwords | GENERIC_NOUNS) or _stem1(nxt[2].lower()) in nstems):
        # "the 'temp' directory": the noun after the value names it (one value: "Brie cheeses" -> "cheese")
        noun = nxt[2] if isinstance(plan.value, (list, tuple)) else _stem1(nxt[2])
        e = nxt[1]
    # words naming the parameter just before the value ("player ID 170085", "a base of 10")
    before = _words_before(text, s)
    consumed: list[tuple[int, int, str]] = []
    named: list[tuple[int, int, str]] = []
    last_start = s
    for ws, we, w in before:
        if not _only_space_between(text, we, last_start):
            break
        lw = w.lower()
        if lw in ("is", "=", ":", "was", "equals") and not consumed:
            break  # "rate is 3%": keep the naming words, hide only the value
        if lw in nwords or (ABBREV.get(lw, lw).lower() in nwords):
            consumed.append((ws, we, w))
            named.append((ws, we, w))
            last_start = ws
        elif lw in FILLERS and len(consumed) < 4:
            consumed.append((ws, we, w))
            last_start = ws
        else:
            break
        if len(consumed) >= 5:
            break
    # fillers are only taken when a naming word precedes them
    while consumed and consumed[-1] not in named:
        consumed.pop()
    if consumed:
        last_start = consumed[-1][0]
    else:
        last_start = s
    det = None
    prev = _words_before(text, last_start, 1)
    if prev and prev[0][2].lower() in DETERMINERS and _only_space_between(text, prev[0][1], last_start):
        det = prev[0]
    start = det[0] if det and not partial else last_start
    copula = False
    if not named and before and before[0][2].lower() in ("is", "=", ":", "was", "equals") and _only_space_between(text, before[0][1], s):
        noun = "number" if is_num and not unit else "value"
        copula = before[0][2].lower() in ("is", "was") and not is_num
    unit_phrase = None
    if unit:
        unit_phrase = "percentage" if unit.lower() in ("%", "percent") else f"number of {unit}"
    # a measured quantity keeps its own name ("a certain temperature", "a radius"); only a bare
    # number or a count named like its unit ("10 days" for days) becomes "a number of <unit>"
    measured = unit and noun not in ("value", "number") and _stem1(noun.split()[-1].lower()) != _stem1(unit.lower())
    if named:
        shown = " ".join(w for _, _, w in sorted(named))
        noun_phrase = shown if (measured or not unit) else (unit_phrase or shown)
    else:
        noun_phrase = noun if measured else (unit_phrase or noun)
    if partial:
        if isinstance(plan.value, (list, tuple)) and any(isinstance(x, (list, tuple, dict)) for x in plan.value):
            noun_phrase = "number" if is_num else "value"  # an element of a matrix: name the element, not the whole
        if plan.location.spans and span.start <= plan.location.spans[0].start:  # the first of the list
            return s, e, abstract_phrase(_singular(noun_phrase), rng), "partial"
        return s, e, f"another {_singular(noun_phrase)}", "partial"
    if not first:
        return start, e, f"that {noun_phrase}", "abstraction"
    # the value stands beside the noun that names it ("a document titled 'x.txt'", "the term
    # 'Anomaly'", "an audio file (a.wav)", "its FAA identifier, AVL"): the value alone goes
    app = _appositive(doc, text, s, e, span) if not partial and first else None
    if app is not None:
        return app[0], app[1], "", "removal"
    # complete removal of the whole constituent carrying the value, where the sentence survives
    if allow_removal and doc is not None:
        pp = _pp_removal(doc, text, start, e, protected or [], nwords | nstems)
        if pp is not None:
            return pp[0], pp[1], "", "removal"
    elif allow_removal:
        head = _words_before(text, start, 1)
        tail = text[e:]
        closes = re.match(r"\s*([.?!]|$|,\s)", tail) is not None
        if head and head[0][2].lower() in REMOVAL_PREPS and closes and _only_space_between(text, head[0][1], start):
            kept = text[: head[0][0]] + text[e:]
            if len(_WORD.findall(kept)) >= 4:
                return head[0][0], e, "", "removal"
    end_mark = span.text[-1] if span.text[-1:] in "!?." and re.match(r"['\"`\u201d\u2019]?\s+[A-Z]", text[span.end:]) else ""
    if copula:  # "my customer ID is C12345" -> "my customer ID is a specific one"
        return start, e, rng.choice(ONE_FORMS) + end_mark, "abstraction"
    return start, e, abstract_phrase(noun_phrase, rng) + end_mark, "abstraction"


ONE_FORMS = ("a specific one", "a particular one", "one I have", "the one on file", "the usual one")


def _article(noun: str) -> str:
    w = noun.split()[0] if noun.split() else noun
    if w.isupper() and len(w) <= 5:  # initialisms: "an ID", "a URL"
        return "an" if w[0] in "AEFHILMNORSX" else "a"
    return "an" if w[:1].lower() in "aeio" or w.lower().startswith(("hour", "un")) and not w.lower().startswith("uni") else "a"


def abstract_phrase(noun: str, rng: random.Random) -> str:
    """One way to name a value without giving it ("a city", "the file", "a specific date")."""
    forms = [(f, w) for f, w in ABSTRACT_FORMS if f != "my {n}" or noun in _MY_NOUNS]
    head = noun.split(" of ")[0].split()[-1:] or [""]
    plural = head[0].endswith("s") and not head[0].endswith(("ss", "us", "is")) and len(head[0]) > 3
    if plural:  # "some results", "the results", "certain keywords"
        forms = [("some {n}", 2), ("the {n}", 3), ("certain {n}", 1), ("specific {n}", 1)]
    f = rng.choices([f for f, _ in forms], weights=[w for _, w in forms], k=1)[0]
    return f.format(a=_article(noun), n=noun)


def _singular(noun: str) -> str:
    w = noun.split()
    if w and w[-1].endswith("s") and not w[-1].endswith("ss") and len(w[-1]) > 3:
        w[-1] = w[-1][:-1]
    return " ".join(w)


_GENERIC_KEYS = {"name", "value", "type", "id", "text", "data", "item", "content", "title"}


def _object_edits(query: str, plan: EditPlan, rng: random.Random, doc: Any,
                  protected: list[tuple[int, int]]) -> tuple[list[_Edit], EditResult]:
    """A nested object is one intent: every stated part goes, each named by its own field
    ("for a cheese, enhance a characteristic"), all recorded under the one parameter."""
    from .ground import keyed_leaves

    keys = [k for k, _ in keyed_leaves(plan.value, plan.key[1])]
    edits: list[_Edit] = []
    shown: list[str] = []
    orig = None
    for (key, (leaf, spans)) in zip(keys, plan.location.parts):
        name = plan.key[1] if key.lower() in _GENERIC_KEYS else key
        sub = EditPlan(key=(plan.key[0], name), value=leaf, schema={}, location=Location(True, spans, [(leaf, spans)]),
                       required=False, force_abstraction=True)
        for k, sp in enumerate(spans):
            s, e, rep, _ = _plan_span(query, sp, sub, first=(k == 0), rng=rng, allow_removal=False, partial=False,
                                      doc=doc, protected=protected)
            s, e = _clamp(s, e, sp.start, sp.end, protected)
            if orig is None:
                orig = query[s:e].strip()
            if k == 0:
                shown.append(rep)
            edits.append(_Edit(s, e, rep, plan.key))
    res = EditResult(original_value=orig or "", current_value="; ".join(shown), method="abstraction", removed_value=plan.value)
    return edits, res


def _clamp(s: int, e: int, vs: int, ve: int, protected: list[tuple[int, int]]) -> tuple[int, int]:
    """Never edit inside a kept value: words taken around the value [vs, ve) stop at one."""
    for ps, pe in protected:
        if ps < e and s < pe:
            if pe <= vs:
                s = max(s, pe)
            elif ps >= ve:
                e = min(e, ps)
    return s, e


def rewrite_query(query: str, plans: list[EditPlan], rng: random.Random, doc: Any = None,
                  protected: list[tuple[int, int]] = ()) -> tuple[str, dict[tuple[int, str], EditResult]]:
    """Hide every planned value. Returns the new query and what happened per parameter.

    ``doc`` is the query's spaCy parse (removal of whole constituents); ``protected`` are
    the character spans of kept values, which no edit may touch."""
    edits: list[_Edit] = []
    results: dict[tuple[int, str], EditResult] = {}
    protected = list(protected)
    for plan in plans:
        loc = plan.location
        if isinstance(plan.value, dict) or (isinstance(plan.value, list) and any(isinstance(x, dict) for x in plan.value)):
            eds, res = _object_edits(query, plan, rng, doc, protected)
            edits += eds
            results[plan.key] = res
            continue
        elems = [(v, ss) for v, ss in loc.parts if ss]
        is_list = isinstance(plan.value, (list, tuple)) and len(elems) >= 2
        if is_list:
            v, ss = elems[rng.randrange(len(elems))]
            targets, partial, removed_value = ss, True, v
        else:
            targets, partial, removed_value = loc.spans, False, plan.value
        allow_removal = plan.required and not plan.force_abstraction and not partial
        orig, cur, method = None, None, None
        for k, sp in enumerate(targets):
            s, e, rep, m = _plan_span(query, sp, plan, first=(k == 0), rng=rng,
                                      allow_removal=allow_removal and k == 0 and len(targets) == 1, partial=partial,
                                      doc=doc, protected=protected)
            s, e = _clamp(s, e, sp.start, sp.end, protected)
            if k == 0:
                orig, cur, method = query[s:e].strip(), rep, m
            edits.append(_Edit(s, e, rep, plan.key))
        results[plan.key] = EditResult(original_value=orig or "", current_value=cur or "", method=method or "abstraction",
                                       removed_value=removed_value)
    # two different values abstracted to the same phrase read better as "a certain X ... another X"
    seen_phrases: set[str] = set()
    for ed in sorted(edits, key=lambda x: x.start):
        m = re.match(r"^(a certain|a specific|a particular|an?|the|some|my) (.+?)(?: I have in mind)?$", ed.text)
        if not m:
            continue
        if m.group(2) in seen_phrases and not m.group(2).endswith("s"):
            ed.text = f"another {m.group(2)}"
            res = results.get(ed.key)
            if res is not None and res.current_value == m.group(0):
                res.current_value = ed.text
        seen_phrases.add(m.group(2))
    # a later mention of a value first called "another X" is "the other X", not a second "that X"
    first_phrase: dict[tuple, str] = {}
    for ed in sorted(edits, key=lambda x: x.start):
        m = re.match(r"^that (.+)$", ed.text)
        if m:
            if first_phrase.get((ed.key, m.group(1)), "").startswith("another "):
                ed.text = f"the other {m.group(1)}"
            continue
        m2 = re.match(r"^(?:another|an?|the|some|my|a certain|a specific|a particular) (.+?)(?: I have in mind)?$", ed.text)
        if m2:
            first_phrase.setdefault((ed.key, m2.group(1)), ed.text)
    # apply right to left; an edit overlapping an applied one shrinks to what is free
    edits.sort(key=lambda x: (x.start, x.end))
    merged: list[_Edit] = []
    for ed in edits:
        if merged and ed.start < merged[-1].end:
            prev = merged[-1]
            if ed.end <= prev.end:
                continue  # fully inside: its value disappears with the other edit
            ed = _Edit(prev.end, ed.end, ed.text, ed.key)
        merged.append(ed)
    out = query
    for ed in reversed(merged):
        out = out[: ed.start] + ed.text + out[ed.end :]
    return tidy(out, query), results


_DANGLING = re.compile(r"\b(?:with|for|from|in|at|on|to|by|of|the|a|an|and|or|using)\s*([.?!,;])", re.I)


def tidy(text: str, original: str | None = None) -> str:
    """Make the edited text read naturally; what the user wrote that way ("I'm stuck on.") stays."""
    t = re.sub(r"(['\"`])\s*\1", "", text)  # empty quotes
    t = re.sub(r"\(\s*\)", "", t)
    t = re.sub(r"[ \t]{2,}", " ", t)
    t = re.sub(r"\s+([.,?!;:])", r"\1", t)
    t = re.sub(r",\s*([.?!])", r"\1", t)
    t = re.sub(r",\s*,", ",", t)
    t = re.sub(r"\b(?:a|an|the|my|your|some) (a certain|a specific|a particular|another|an?|the|some|my)\b(?= \w)", r"\1", t, flags=re.I)
    t = re.sub(r"(\w(?:'s|s')) (?:a certain|a specific|a particular|an?|the|some|my) (?=\w)", r"\1 ", t)  # "Jordan's the stat"
    prev = None
    keep = {m.group(0).lower() for m in _DANGLING.finditer(original)} if original else set()
    while prev != t:
        prev = t
        t = _DANGLING.sub(lambda m: m.group(0) if m.group(0).lower() in keep else m.group(1), t)
    t = t.strip()
    if t and t[0].islower():
        t = t[0].upper() + t[1:]
    return t


STYLE_BANNED = re.compile(r"\b(unspecified|unknown|ambiguous|\[removed\]|<unknown)", re.I)


def style_issues(text: str) -> list[str]:
    """Naturalness problems a rewrite must not have."""
    issues = []
    if STYLE_BANNED.search(text):
        issues.append("mentions that something is unspecified")
    if "  " in text:
        issues.append("doubled space")
    if re.search(r"(['\"])\s*\1", text):
        issues.append("empty quotes")
    if re.search(r"\b(with|for|from|in|at|on|to|by|of)\s*[.?!]", text, re.I):
        issues.append("dangling preposition")
    if not text.strip():
        issues.append("empty query")
    return issues
