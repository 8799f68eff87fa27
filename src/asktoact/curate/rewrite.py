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
    "radians", "radian",
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
# How an abstracted value is introduced. A fixed favourite ("a certain X", or plain "a X"
# everywhere) becomes a word that marks rewritten queries (curate.shortcut measures it), so
# the form is drawn per record from several a person would use, weighted towards words the
# user's own sentence already has: "a"/"a certain" where the query already uses "a", "my"/
# "our" for the user's own things, "some", and "the X I have in mind" only sparingly (graders
# read a bare "the X" for a never-mentioned thing as a pointer to something already known).
# "{a}" is "a" or "an" as the noun needs. Weights from the session-14 grades (297 records): a bare
# "a"/"an" X passed 52-57%, "a given X" 92% (a bare "a X" swapped for it adds no "a": the shortcut top word);
# at 0.8 "a given" went into 21% of BFCL's level 1-3 queries (tests/test_shortcut.py), so 0.4. Session 15:
# the bare form 2.6 -> 0.3 (it read as "any X": "I prefer a layout", "in a language"; seed-27 grade);
# the marker gaps barely moved (max 19.6 -> 18.9: docs/results.md).
_INDEF_FORMS = (("{a} {n}", 0.3), ("a certain {n}", 0.45), ("a specific {n}", 0.6), ("a particular {n}", 0.55),
                ("a given {n}", 0.4))
# ("the event I need?", "the starting location I want to Los Angeles": "I need"/"I want" after a
# noun read as the user's wish, not as which one is meant; graded R1 fails, seed 23)
_OTHER_FORMS = (("some {n}", 0.65), ("the {n} I have in mind", 0.17), ("the {n} I'm thinking of", 0.11))
_PLURAL_FORMS = (("some {n}", 1.5), ("certain {n}", 0.5), ("specific {n}", 0.5), ("the {n} I have in mind", 0.16))
# the user's own noun that carried a value ("a speed of 26", "fuel efficiency 20 mpg"): the form
# must say that one value is meant, without "I" (a number's "the X I need" marks the rewrite)
_NAMED_FORMS = (("a certain {n}", 0.4), ("a specific {n}", 0.5), ("a particular {n}", 0.5), ("a given {n}", 0.35))
# ... and where the user's sentence has no "a" (a new "a" marks the rewrite: curate.shortcut), a
# clause says which one ("the case ID I have in mind"; graders passed these, not "the desired X")
# ("one specific decay rate", "I have one specific amount", "What's one specific rating": graded R1 fails, seed 23)
_NAMED_NO_A_FORMS = (("the {n} I have in mind", 0.5), ("the {n} I'm thinking of", 0.2))
# ("the desired/required/chosen X" read as form-filling to graders: "chosen by whom?", seed 20)
_MY_NOUNS = {"account", "email", "email address", "username", "user name", "password", "address", "phone",
             "phone number", "user ID", "file", "budget", "order", "booking", "reservation"}
# heads of things a user owns or is: "my budget", "my customer ID", "our destination"
_OWN_HEADS = {"account", "email", "username", "password", "address", "phone", "budget", "order", "booking",
              "reservation", "destination", "age", "weight", "height", "income", "salary", "birthday", "birth",
              "card", "token", "file", "folder", "directory", "playlist", "portfolio", "location", "home",
              "car", "vehicle", "pet", "dog", "ticket", "wallet", "subscription", "itinerary", "profile", "nickname",
              "handle", "website", "project", "repository", "repo", "hometown", "savings", "loan", "mortgage",
              "investment", "deposit", "diet", "schedule", "calendar", "appointment", "trip"}
_OWN_FIRST = {"user", "customer", "account", "client", "member", "employee", "patient", "student", "my", "personal",
              "home", "access", "api", "login", "billing", "shipping", "delivery", "contact", "phone",
              "email", "credit", "debit", "bank", "birth", "departure", "travel", "check-in", "checkout",
              "check-out"}


# nouns whose bare indefinite reads as a length of time ("in a year" = "a year from now")
_SPAN_NOUNS = {"year", "month", "week", "day", "hour", "minute", "second", "decade", "century", "season", "time", "date",
               "night", "moment", "period", "while", "quarter", "semester", "term"}
# nouns naming a whole class: a bare "a X" reads as "any X at all" ("in a unit", "in a habitat",
# "What was an event about?", graded R1 fails), so the stand-in says one is meant ("a certain unit")
_CLASS_NOUNS = {"city", "country", "state", "town", "county", "province", "unit", "event", "habitat", "location", "place", "area", "region", "type", "kind", "category", "item",
                "thing", "entity", "object", "element", "topic", "subject", "field", "genre", "style", "sector",
                "industry", "domain", "species", "particle", "substance", "material", "method", "technique",
                "measurement", "quantity", "metric", "format", "mode", "option", "setting", "feature", "attribute"}


_FIRST_PERSON = {"i", "my", "me", "mine", "myself", "we", "our", "us", "ours"}
_THIRD_PARTY = {"customer", "customers", "client", "clients", "patient", "patients", "employee", "employees", "student",
                "students", "person", "people", "someone", "another", "their", "his", "her"}
_MASS_NOUNS = {"data", "information", "info", "advice", "equipment", "software", "hardware", "research", "feedback",
               "content", "music", "evidence", "knowledge", "news", "traffic", "weather", "furniture", "luggage", "baggage"}
# what a triangle, a dog, a camera or a synapse has as well as a person: "my" only where the user
# speaks of themselves ("the camera ... at my location", graded R1 fail)
_SHARED_HEADS = {"age", "weight", "height", "location", "directory", "folder", "file"}
# a way or a kind of something, not a thing owned: "We would prefer alerts via my contact method" (graded R1 fail)
_NOT_OWNED_LAST = {"method", "type", "mode", "option", "preference", "format", "kind", "style", "channel", "frequency"}


def _owned(noun: str) -> bool:
    """Is this a thing of the user's own ("my budget", "my user ID"), said naturally with "my"?"""
    ws = noun.split()
    if not ws:
        return False
    if noun in _MY_NOUNS:
        return True
    head = _stem1(ws[-1].lower()) if not ws[-1].isupper() else ws[-1]
    if head in _NOT_OWNED_LAST:
        return False
    if len(ws) >= 2 and ws[0].lower() in _OWN_FIRST:  # lower-case words
        return True
    return len(ws) == 1 and head in _OWN_HEADS


def noun_phrase_form(rng: random.Random, noun: str, plural: bool, text: str = "", own_det: str | None = None,
                     suffix_ok: bool = True, named: bool = False) -> str:
    """A phrase that names a hidden value by ``noun`` without giving it.

    The draw is seeded by the caller and weighted by the sentence ``text`` it goes into: "a"
    forms where the user already writes "a", "my"/"our" for the user's own things (the
    user's own possessive ``own_det`` is kept), "some", sparing "the X I have in mind";
    ``suffix_ok`` False where a trailing clause cannot go (before "'s"); ``named`` where the
    noun is the user's own word that carried the value ("a speed of 26"): a bare "a speed" or
    "some speed" then reads as a phrase left hanging, so the form says a value is meant."""
    ws = {w.lower() for w in _WORD.findall(text)}
    if own_det and own_det.lower() in ("my", "our", "your", "his", "her", "their"):
        return f"{own_det} {noun}"
    has_a = bool(ws & {"a", "an"}) or not text
    mine = "our" if ws & {"our", "we", "us"} and "my" not in ws else "my"
    forms: list[tuple[str, float]]
    if plural:
        forms = list(_PLURAL_FORMS)
    else:
        forms = [(f, w * (1.0 if has_a else 0.1)) for f, w in _INDEF_FORMS] + list(_OTHER_FORMS)
        if noun.lower() in _SPAN_NOUNS or noun.lower() in _CLASS_NOUNS or re.match(r"(?:type|kind|sort) of ", noun.lower()):
            # "filed in a year" reads as "within a year"; "for a type of property" as any type (seed 103)
            forms = [(f, w) for f, w in forms if not f.startswith("{a}")]
        if noun.split() and noun.split()[-1].lower() in _PURE_NAMES:  # "an ID" says nothing: "a certain ID"
            forms = [(f, w) for f, w in forms if not f.startswith("{a}")] + [("a certain {n}", 0.25 if has_a else 0.1), ("a given {n}", 0.15 if has_a else 0.05)]
    if own_det == "the":  # the user's own "the": a clause after it says which one is meant
        forms += [("the {n} I have in mind", 0.45), ("the {n} I'm thinking of", 0.15)]
    if not plural and noun.split() and noun.split()[-1].lower() in _MASS_NOUNS:
        # "collecting a specific data" (graded R1 fail, seed 103): a mass noun takes no "a"
        forms = [(f, w) for f, w in forms if not f.startswith(("{a}", "a ", "one "))] + [("certain {n}", 0.5), ("specific {n}", 0.4)]
    body = noun.split()[-1].lower() in _SHARED_HEADS if noun.split() else False
    # "update ... a customer with my user ID" (graded R1 fail, seed 23): where the request is about
    # someone else and the user never speaks of themselves, the thing is not the user's
    third = bool(ws & _THIRD_PARTY) and not ws & _FIRST_PERSON
    if _owned(noun) and (not body or ws & _FIRST_PERSON) and not third:  # "a triangle with ... my height": not the user's
        forms.append((mine + " {n}", 3.0 if (mine in ws or not has_a) else 1.5))
    if named and not plural:  # "at an altitude of 77 and a speed." reads cut off (graded R1 fail)
        # (where the user's words have no "a", a new one marks the rewrite: curate.shortcut)
        forms = ([(f, w) for f, w in forms if f.startswith("my ") or f.startswith("our ")]
                 + [(f, w * (1.0 if has_a else 0.3)) for f, w in _NAMED_FORMS] + ([] if has_a else list(_NAMED_NO_A_FORMS)))
    if not suffix_ok:
        forms = [(f, w) for f, w in forms if not f.endswith(("mind", "need", "want", " of"))]
    f = rng.choices([f for f, _ in forms], weights=[w for _, w in forms], k=1)[0]
    return f.format(a=_article(noun), n=noun)


_WORD = re.compile(r"[A-Za-z][A-Za-z0-9\-]*|\d+|[=:#]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.I)
_URL = re.compile(r"^(https?://|www\.)", re.I)
_IP = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")
_FILE = re.compile(r"^[\w\-. /]+\.[A-Za-z0-9]{1,5}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _stem1(w: str) -> str:
    return w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w


def _unplural(w: str) -> str:
    """Lower case without a plural "s", short words too: "IDs" and "ID" meet (``_stem1`` keeps them apart)."""
    w = w.lower()
    return w[:-1] if len(w) > 2 and w.endswith("s") and not w.endswith("ss") else w


def _stem2(w: str) -> str:
    """A word without its inflection, so "interested" and "interest", "hands" and "hand" meet."""
    w = _stem1(w)
    m = re.match(r"^(.{4,}?)(?:ed|ing)$", w)
    return m.group(1) if m else w


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
    new = "new " if name_words(pname)[:1] == ["new"] else ""  # "update my email to a new email address"
    if fmt in ("date", "date-time") or (sv and _DATE.match(sv)):
        return new + "date"
    if fmt == "email" or (sv and _EMAIL.match(sv)):
        return new + "email address"
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
    spelled = _spelled_out(words, str(schema.get("description") or ""))
    if spelled:
        return spelled
    out = " ".join(ABBREV.get(w, w) for w in words)
    if (out in ("location", "place", "area", "locale", "region") or out.split()[-1] in ("location", "place")) \
            and sv and _CITY_STATE.fullmatch(sv):
        return "city"  # "Seattle, WA" is a city: "a day out in a city", not "in the location I need"
    if out in _CODER_NOUNS:  # "a particular query" is a programmer's word for what a user searches by
        return _CODER_NOUNS[out]
    if sv and _FILE.match(sv) and "file" not in out and "name" in out:
        return "file"
    if out.endswith(" name") and out[:-5] in GENERIC_NOUNS:  # "file name" -> "file", "city name" -> "city"
        return out[:-5]
    ws = out.split()
    if len(ws) >= 2 and ws[-1] in ("preference", "preferences", "choice", "selection"):
        return " ".join(ws[:-1])  # the value of sourcePreference is a source: "using a certain source"
    return out


_CITY_STATE = re.compile(r"[A-Z][A-Za-z.'\- ]+, (?:[A-Z]{2}|[A-Z][a-z]+(?: [A-Z][a-z]+)?)")
# a programmer's noun for what a person names otherwise
_CODER_NOUNS = {"query": "search term", "search query": "search term", "search string": "search term",
                "query string": "search term", "search text": "search term"}


def _spelled_out(words: list[str], desc: str) -> str | None:
    """The description's own noun for a name cut short ("prob_success" -> "probability", as
    "Probability of the event ..." says it): a short name word that the description never
    says but spells out ("prob" -> "probability") is no word a person says. The description's
    leading noun is used when it holds that spelled-out word; None when no word is cut short."""
    dws = [w.lower() for w in re.findall(r"[A-Za-z]+", desc)]
    if not dws:
        return None
    full: dict[str, str] = {}
    for w in words:
        if w in ABBREV or len(w) < 3 or len(w) > 5 or w in dws:
            continue
        longer = [d for d in dws if d.startswith(w) and len(d) >= len(w) + 3]
        if longer:
            full[w] = longer[0]
    if not full:
        return None
    m = re.match(r"\s*(?:the|a|an)?\s*([A-Za-z][\w\- ]{2,40}?)(?:\s+(?:of|for|to|in|on|that|which|used|from)\b|[.,;(]|$)",
                 desc, re.I)
    lead = m.group(1).strip().lower() if m else ""
    if lead and len(lead.split()) <= 3 and set(full.values()) & set(lead.split()):
        return lead
    return " ".join(ABBREV.get(w, full.get(w, w)) for w in words)


# names that say nothing a person would say about a value ("the option", "some source",
# "the should contain"): a rewrite built on them reads like a form, not a request
VAGUE_NOUNS = {"option", "options", "value", "values", "text", "data", "source", "destination", "target", "input",
               "output", "content", "param", "parameter", "arg", "args", "argument", "arguments", "item", "key",
               "mode", "flag", "status", "type", "kind", "string", "info", "information", "object", "element",
               "entry", "field", "result", "val", "obj", "params", "config", "setting", "settings", "payload",
               "body", "request", "response", "format", "method", "action", "operation", "criteria", "spec",
               "specs", "details", "detail", "array", "list", "dict", "map", "node", "expression", "args array",
               "left", "right", "lhs", "rhs", "i", "q", "s", "input text", "url-encoded input"}
# the user's own nouns that say nothing once their modifier goes ("a content", "some options")
_MASS_VAGUE = {"content", "data", "information", "info", "text", "options", "values", "settings", "details", "input",
               "output", "payload", "body", "results", "items", "types", "elements", "entries"}
# heads no person puts on a thing of theirs ("the update info I'm thinking of", "some search params")
_CODER_HEADS = {"info", "params", "param", "args", "arg", "obj", "config", "payload", "spec", "specs", "dict", "json",
                "kwargs", "opts", "attrs"}
_NOT_NOUN_WORDS = {"should", "contain", "contains", "not", "is", "are", "has", "have", "get", "set", "do", "does",
                   "can", "will", "must", "may", "include", "includes", "enable", "disable", "use", "allow", "return",
                   "show", "only", "all", "new", "old", "first", "last", "next", "prev", "default", "custom", "each",
                   "per", "by", "to", "from", "in", "on", "at", "of", "for", "with", "and", "or", "if", "x", "y", "z"}


_PLACE_HEADS = {"library", "museum", "university", "college", "school", "hospital", "park", "airport", "station",
                "hotel", "restaurant", "stadium", "arena", "theater", "theatre", "gallery", "zoo", "mall", "cathedral",
                "church", "bridge", "lake", "river", "mountain", "island", "beach", "street", "avenue", "square", "tower"}


def hidden_noun(pname: str, schema: dict[str, Any], value: Any) -> tuple[str, bool]:
    """The noun phrase a rewrite names a hidden value by, and whether a person would say it.

    ``crop_type`` -> "type of crop", ``image_count`` -> "number of images", ``theme_keywords``
    -> "theme"; a name that says nothing ("option", "source", "should contain") falls back
    to the value's kind (a file, a date), and is reported as not natural otherwise."""
    n = param_noun(pname, schema, value)
    said_badly = (n.lower() in VAGUE_NOUNS or any(w in _NOT_NOUN_WORDS for w in n.lower().split()) or len(n) <= 2
                  or (n.split()[-1].lower() in _CODER_HEADS if n.split() else False))
    ws = n.split()
    if len(ws) >= 2 and ws[-1] in ("type", "kind", "category") and ws[-2] not in ("data", "file", "content", "mime"):
        n = f"type of {' '.join(ws[:-1])}"
    elif len(ws) >= 2 and ws[-1] in ("count", "num") and ws[0] not in ("phone", "account", "id"):
        head = " ".join(ws[:-1])
        n = f"number of {head if head.endswith('s') else head + 's'}"
    elif len(ws) >= 2 and ws[-1] in ("keyword", "keywords", "list", "name", "names", "value", "values", "string", "text", "str"):
        n = " ".join(ws[:-1]) + ("s" if ws[-1].endswith("s") and not ws[-2].endswith("s") else "")
    elif len(ws) >= 2 and ws[-1] == "title" and ws[-2].lower() not in ("job", "page", "section", "email", "subject", "meeting"):
        n = " ".join(ws[:-1])  # "What year was some work title published" (graded R1 fail, seed 23): the work itself
    sv = value if isinstance(value, str) else None
    head = sv.split()[-1].lower() if sv and len(sv.split()) >= 2 and sv.split()[-1][:1].isupper() else ""
    if head in _PLACE_HEADS and n.split() and _stem1(n.split()[-1].lower()) != head:
        # 'New York Public Library' for a platform: "in another platform" (graded R1 fail, seed 103); the
        # value's own last word says what kind of place it is ("a certain library")
        return head, True
    if said_badly or n.lower() in VAGUE_NOUNS:
        if sv and _FILE.match(sv) and " " not in sv:
            return "file", True
        if sv and re.fullmatch(r"[\w./\-~]+/[\w./\-~]*", sv):
            return "path", True
        return n, False
    return n, True


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
    shown: bool = False  # the first occurrence of a value (or of one part of an object): its record's current_value


def _words_before(text: str, pos: int, n: int = 6) -> list[tuple[int, int, str]]:
    """Up to ``n`` (start, end, word) tokens that end before ``pos``, nearest first."""
    out = []
    for m in _WORD.finditer(text, max(0, pos - 80), pos):
        out.append((m.start(), m.end(), m.group(0)))
    return list(reversed(out))[:n]


def _only_space_between(text: str, a: int, b: int) -> bool:
    return text[a:b].strip(" ,'\"`") == "" if a <= b else False


def _expand_quotes(text: str, s: int, e: int) -> tuple[int, int]:
    """The value with its quotes, also where the sentence's own mark sits inside them
    ('"Push Notification."'): a stand-in inside quotes reads as the value itself."""
    if s > 0 and e < len(text) and text[s - 1] in QUOTES and text[e] == QUOTES[text[s - 1]]:
        return s - 1, e + 1
    if s > 0 and e + 1 < len(text) and text[s - 1] in QUOTES and text[e] in ".!?," \
            and text[e + 1] == QUOTES[text[s - 1]] and (e + 2 == len(text) or not text[e + 2].isalnum()):
        return s - 1, e + 2
    return s, e


def _next_word(text: str, pos: int) -> tuple[int, int, str] | None:
    m = re.compile(r"\s*([A-Za-z%][A-Za-z\-]*|%)").match(text, pos)
    if not m:
        return None
    return m.start(1), m.end(1), m.group(1)


_FIELD_WORDS = {"function", "tag", "flag", "field", "parameter", "param", "attribute", "enum"}  # after another word
_MORE_PREPS = {"via", "near", "inside", "outside", "within", "during", "across", "around", "towards", "toward",
               "regarding", "concerning", "including", "excluding", "past", "beyond", "amid", "among", "along", "per"}
_RANGE_PREPS = {"from", "to", "until", "till", "through", "between"}
def _bare_noun(tok: Any) -> bool:
    """A common noun said with no determiner, possessive or count ("place items", "in area")."""
    return tok.tag_ in ("NN", "NNS") and not any(c.dep_ in ("det", "poss", "nummod") for c in tok.children)


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
    if not (prep.is_stop or prep.lower_ in REMOVAL_PREPS or prep.lower_ in _MORE_PREPS):
        return None  # "the distance in milesfrom the Earth" lost "miles" with the glued word (graded R1 fail, seed 28)
    head = prep.head
    inner = None
    if head.pos_ == "NOUN" and (head.lower_ in naming or _stem1(head.lower_) in naming) and head.i < prep.i:
        # "with a rating above 2300": without its value the naming noun hangs ("with a rating."),
        # so the phrase that carries the noun goes with it, or nothing is removed
        # (only where that noun is itself in a phrase: "the smart lock with ID 5" keeps its lock)
        if head.dep_ == "pobj" and head.head.dep_ in ("prep", "agent") \
                and head.head.lower_ not in ("of", "than", "as", "like", "between", "about"):
            inner, prep = prep, head.head
            head = prep.head
            if head.pos_ not in ("VERB", "NOUN", "PROPN", "AUX"):
                return None
    if head.pos_ in ("VERB", "AUX") and not any(c.dep_ in _COMPLEMENTS and c.i != prep.i for c in head.children):
        return None
    if prep.lower_ in _RANGE_PREPS and any(c.dep_ == "prep" and c.i != prep.i and c.lower_ in _RANGE_PREPS
                                           for c in head.children):
        return None  # "GDP data from 1960 to 2000" was "GDP data to 2000" (graded R1 fail, seed 27): a range keeps both ends
    if _bare_noun(head) and head.dep_ != "compound" and not any(c.dep_ == "quantmod" for c in head.children):
        # "place items with a status of 'urgent'" was "place items" (every item), "suitable in area with
        # postal code 90210" was "suitable in area?" (graded R1 fails, seed 27): a bare noun's phrase
        # is what says which ones; without it the request reads as a different, complete one
        return None
    if (prep.dep_ == "agent" or prep.lower_ == "by") and head.tag_ == "VBN":
        return None  # "the literature written by Isabel Allende with the title ..." -> "written with" (graded R1 fail, seed 24)
    after = prep.right_edge.i + 1
    if (head.pos_ in ("VERB", "AUX") or head.tag_ in ("VBG", "VBN")) and head.i == prep.i - 1 \
            and (after >= len(doc) or doc[after].is_punct):  # "total amounting to $25," (seed 104)
        return None  # "sold at $25, with ...": the verb would be left hanging ("sold, with")
    if after < len(doc) and doc[after].tag_ in ("VBG", "VBN") and prep.lower_ == "with":
        return None  # "a game with John having a hand of ...": "a game having a hand" loses who has it
    sub = list(prep.subtree)
    a, b = sub[0].idx, sub[-1].idx + len(sub[-1])
    if not (a <= start and end <= b):
        return None
    for t in sub:  # nothing but the carrier words around the value
        inside = t.idx >= start and t.idx + len(t) <= end
        if inside or t.i == prep.i or (inner is not None and t.i == inner.i) or t.dep_ in ("det", "punct", "poss") \
                or t.lower_ in naming or _stem1(t.lower_) in naming:
            continue
        if t.lower_ in FILLERS or t.lower_ in QUOTES or t.text in "'\"`":
            continue
        return None
    if any(ps < b and a < pe for ps, pe in protected):
        return None
    if any(t.ent_type_ == "PERSON" or t.pos_ == "PROPN" for t in sub) and re.search(r"\b(?:he|him|his|she|her|hers)\b", text[b:], re.I):
        return None  # "for the artist Jack Robinson known for his artworks": "his" would point at nobody
    if re.match(r"\s*(?:and|or)\b", text[b:]) and not re.search(r",\s*$", text[:a]):
        return None  # "a rectangle with length 7 and breadth 3": the other half would hang
    kept = text[:a] + text[b:]
    if len(_WORD.findall(kept)) < 4:
        return None
    return a, b


_NAMING_VERBS = {"titled", "called", "named", "entitled", "labeled", "labelled", "numbered"}
_PURE_NAMES = {"name", "title", "id", "number", "code", "key", "value", "password", "username", "label", "tag", "word",
               "text", "string", "phrase", "keyword", "term", "query", "pin", "token", "version"}


def _appositive(doc: Any, text: str, s: int, e: int, span: Span) -> tuple[int, int] | None:
    """[start, end) to delete when the value is an appositive of a noun that stays."""
    m = re.search(r"(\w+)([\s,(]*)$", text[:s])
    if not m:
        return None
    word = m.group(1)
    tail = text[e:]
    if word.lower() in _NAMING_VERBS and not re.search(r"(?:,|\band|\bor)\s*$", text[:s]):
        close = re.match(r"\)?", tail).end()
        return m.start(1) - (1 if m.start(1) > 0 and text[m.start(1) - 1] == " " else 0), e + close
    if re.match(r"\s*(?:,|and\b|or\b|&)", tail) or re.search(r"(?:,|\band|\bor)\s*$", text[:s]):
        return None  # one of a coordination ("two numbers, 36 and 48"): removing it breaks the list
    quoted = (s > 0 and text[s - 1] in "'\"`(\u201c\u2018") or text[s:s + 1] in "'\"`" or "(" in m.group(2) or "," in m.group(2)
    if not quoted or word.lower() in _PURE_NAMES or word.lower() in VAGUE_NOUNS:
        return None  # "breadth 3", "the name 'X'", "the argument 'HelloWorld'": without the value the noun says nothing
    if doc is None:
        return None
    prev = [t for t in doc if t.idx == m.start(1)]
    if not prev or prev[0].pos_ not in ("NOUN", "PROPN") or prev[0].lower_ in ("is", "of"):
        return None
    pv = prev[0]
    if pv.i > 0 and doc[pv.i - 1].lower_ in ("and", "or", ","):
        return None  # "... and color 'Red'": without the value the last item hangs ("and color.")
    toks = [t for t in doc if t.idx < span.end and t.idx + len(t) > span.start]
    if not toks or not any(t.head.i == pv.i or pv.head.i == t.i for t in toks):
        return None
    if pv.i > 0 and doc[pv.i - 1].lower_ in ("with", "using", "by") and pv.lower_ in ("id", "number", "code", "name"):
        return None  # "with ID 5" has no noun left to name it: the abstraction handles it
    if pv.pos_ == "NOUN" and (pv.tag_ == "NN" or pv.tag_ == "NNS" and pv.i > 0 and doc[pv.i - 1].lower_ in ("with", "of")) \
            and not any(c.dep_ in ("det", "poss", "nummod", "amod") for c in pv.lefts) \
            and (pv.i == 0 or doc[pv.i - 1].pos_ in ("ADP", "VERB", "CCONJ")):
        # ("a package with dimensions using ...": a bare plural after "with" says nothing once the value goes)
        return None  # "stats for player 'LeBron James'": "for player" alone lacks its article
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


# units of measure: a number in one is named by the quantity ("a certain radius"), a number
# of anything else is a count ("a number of nights")
MEASURES = {"km", "kilometers", "kilometres", "kilometer", "miles", "mile", "meters", "metres", "meter", "metre", "m",
            "cm", "mm", "kg", "g", "grams", "gram", "pounds", "pound", "lbs", "lb", "feet", "foot", "ft", "inches", "inch",
            "degrees", "degree", "celsius", "fahrenheit", "kelvin", "mph", "kmh", "mpg", "percent", "%", "dollars",
            "dollar", "usd", "eur", "euros", "euro", "liters", "litres", "liter", "litre", "ml", "gallons", "gallon",
            "newtons", "joules", "watts", "volts", "tesla", "teslas", "newton", "joule", "watt", "volt", "coulomb",
            "coulombs", "amperes", "ampere", "amps", "ohms", "hz", "khz", "mhz", "ghz",
            "pascals", "pa", "kpa", "atm", "sq", "square", "cubic", "mg", "oz", "ounces", "tons", "tonnes", "acres",
            "hectares", "yards", "yard", "k", "c", "f", "j", "n", "w", "v", "a", "s", "ms", "sec", "seconds", "second",
            "m/s", "km/h", "g/cm^3", "cm^3", "m^2", "m^3", "kwh", "btu", "calories", "kcal", "bytes", "gb", "mb", "kb",
            "tb", "db", "ev", "mol", "mols", "moles", "pixels", "px", "bpm", "rpm", "knots", "psi", "units", "unit",
            "kilograms", "kilogram", "centimeters", "centimetres", "centimeter", "centimetre", "millimeters",
            "millimetres", "millimeter", "millimetre", "milligrams", "milligram", "micrograms", "kilometer", "kilometre",
            "milliliters", "millilitres", "kilowatts", "megawatts", "hertz", "decibels", "lux", "metres", "grams"}
_DISCOURSE_ADVS = {"then", "also", "too", "again", "next", "finally", "first", "later", "now", "just", "only", "even",
                   "still", "afterwards", "lastly", "secondly", "thirdly"}
_NP_LEFT = {"det", "amod", "compound", "nmod", "advmod", "quantmod", "predet", "nummod", "poss", "case", "punct"}


def _toks(doc: Any, s: int, e: int) -> list[Any]:
    return [t for t in doc if t.idx < e and t.idx + len(t) > s]


def _np_text(doc: Any, head: Any, skip: set[int], stop: int) -> str:
    """The words of ``head``'s noun phrase up to ``head`` (determiners and skipped tokens left out)."""
    toks = [t for t in doc[_np_left(doc, head, stop):head.i + 1] if t.i not in skip and t.dep_ not in ("det", "poss", "predet")
            and not (t.dep_ == "punct" and t.text in "'\"`")]
    out = ""
    for j, t in enumerate(toks):
        w = t.text
        w = w if (w.isupper() and len(w) > 1) or w[:1].isupper() and not doc[0].text == w else w.lower()
        # the user's own spacing between kept neighbours ("e-commerce" stays one word), else a space
        gap = "" if not out else (doc[t.i - 1].whitespace_ if toks[j - 1].i == t.i - 1 else " ")
        out += gap + w
    return out


def _np_left(doc: Any, head: Any, stop: int = 0) -> int:
    """Index of the first token of ``head``'s pre-modifiers (not before ``stop``)."""
    left = head.i
    for c in head.lefts:
        if c.dep_ == "advmod" and c.lower_ in _DISCOURSE_ADVS:
            continue  # "and then a scenic route" was "a specific type of then route" (graded R1 fail, seed 30)
        if c.dep_ in _NP_LEFT and c.i >= stop:
            left = min(left, c.left_edge.i if c.left_edge.i >= stop else c.i)
    return left


def _pick_np(rng: random.Random, noun: str, plural: bool, text: str, suffix_ok: bool = True, after: str = "",
             named: bool = False) -> str:
    return noun_phrase_form(rng, noun, plural, text, suffix_ok=suffix_ok and _clause_ends(after), named=named)


# (not "to", "and", "or": "the starting location I want to Los Angeles", "the weight I have in mind and
# one specific decay rate" read as one clause running on; graded R1 fails, seed 23)
_CLAUSE_NEXT = {"but", "so", "then", "for", "in", "on", "at", "with", "from", "using", "before",
                "after", "please", "if", "when", "while", "because", "as"}


def _clause_ends(after: str) -> bool:
    """May "the X I have in mind" go here: the phrase ends before punctuation or a new clause/phrase."""
    m = re.match(r"\s*([A-Za-z]+)", after)
    return not after.strip() or after.lstrip()[:1] in ".,;:?!)\"'" or bool(m and m.group(1).lower() in _CLAUSE_NEXT)


def _is_unit(noun: str) -> bool:
    w = noun.lower().split()
    return len(w) == 1 and (w[0] in MEASURES | UNITS or _stem1(w[0]) in MEASURES | UNITS)


def _count_phrase(rng: random.Random, unit: str, text: str, value: Any = None) -> str:
    """A count left open as people leave one ("a few nights", "several friends", "a certain number
    of days"); "my group of some number of friends" and "the number of days I need" read as a form
    (graded R1 fails), so those are rare."""
    has_a = bool({w.lower() for w in _WORD.findall(text)} & {"a", "an"})
    if _stem1(unit.split()[-1].lower()) not in _LOOSE_COUNTS or _large_count(value):
        # "false 50 times" -> "false a few times", "the next 72 hours" -> "the next few hours" say a loose
        # small count where one exact number was meant (graded R3 fails, seed 24)
        # an exact count of shots, articles or kilograms: "makes a few shots", "weighs a few kilograms",
        # "the top several plants" change what is asked (graded R1 fails, seed 22): one number is meant
        forms = [("a certain number of {u}", 0.6), ("a specific number of {u}", 0.6), ("a given number of {u}", 0.5)]
    else:
        forms = [("a certain number of {u}", 1.0), ("a number of {u}", 0.8), ("a specific number of {u}", 0.5)] if has_a else []
        forms += [("several {u}", 1.0), ("a few {u}", 1.0), ("some {u}", 0.5)]
    f = rng.choices([f for f, _ in forms], weights=[w for _, w in forms], k=1)[0]
    return f.format(u=unit)


def _large_count(value: Any) -> bool:
    """A count too large to be left open as "a few" or "several" (people say "a few nights" for 3)."""
    try:
        return float(value) > 12
    except (TypeError, ValueError):
        return False


# what people leave open as "a few" ("a few nights", "several friends"); other counts are one number meant
_LOOSE_COUNTS = {"night", "day", "week", "month", "year", "hour", "minute", "second", "decade", "friend", "people",
                 "person", "guest", "adult", "child", "children", "kid", "passenger", "traveler", "traveller", "room",
                 "time", "ticket", "seat", "member", "visitor", "attendee", "participant"}


_COMPARATIVES = {"more", "less", "fewer", "than", "at", "least", "most", "up", "to", "over", "under", "no", "below", "above"}
_ORDER_WORDS = {"last", "next", "first", "past", "top", "previous", "final", "latest", "coming", "following", "bottom",
                "upcoming", "forthcoming", "recent"}
_ERAS = {"a.d", "ad", "b.c", "bc", "bce", "ce", "b.c.e", "c.e"}


def _is_plural(tok: Any) -> bool:
    return tok.tag_ in ("NNS", "NNPS")


_NUMERAL = re.compile(r"\d[\d.,]*")  # a number as written: "36", "1,000", "2.5"


# bare singular nouns a value may name and leave standing ("Apple stock" -> "some stock")
_BARE_OK = GENERIC_NOUNS | {"platform", "app", "service", "network", "site", "game", "database", "model", "method",
                            "format", "software", "system", "device", "tool", "library", "framework", "engine", "browser",
                            "server", "cloud", "data", "music", "cuisine", "food", "weather", "time", "zone"}


def _one_word_root(a: str, b: str) -> bool:
    """Stems of one word root: equal, or long enough and sharing five letters or one inside the
    other ("integrates" / "integration", "data" / "dataset")."""
    if a == b:
        return True
    if len(a) < 4 or len(b) < 4:
        return False
    return a[:5] == b[:5] or a.startswith(b) or b.startswith(a)


def _same_kind(top: Any, h: Any, plan: EditPlan) -> bool:
    """Is the conjunct before a hidden value another value of its kind ("36 and 48", "Monza and
    Silverstone"), so that "another X" reads right? "for 2 players and strategy" joins a count and
    a category: "2 players and another category" names a contrast nobody made (graded R1 fail)."""
    def numeric(t: Any) -> bool:
        return t.pos_ == "NUM" or t.like_num or bool(_NUMERAL.fullmatch(t.text))

    if isinstance(plan.value, (list, tuple)):
        return True
    counted = lambda t: numeric(t) or any(c.dep_ == "nummod" for c in t.children)  # "36", "2 players"
    return counted(top) == counted(h)


def _np_rewrite(doc: Any, text: str, s: int, e: int, plan: EditPlan, noun: str, good: bool, nwords: set[str],
                rng: random.Random, protected: list[tuple[int, int]], only_list: bool = False,
                issues: list[str] | None = None) -> tuple[int, int, str] | None:
    """Rewrite the whole noun phrase that carries the value [s, e), read from the parse:

    * a number with its unit: "a radius of 4 inches" -> "a certain radius", "at 30 degree
      Celsius" -> "at a specific temperature", "the next 20 years" -> "a number of years";
    * a unit hidden after a kept number: "4 inches" -> "4";
    * a value naming a noun that stays: "the upcoming Eminem concert" -> "an upcoming concert",
      "position 5" -> "a certain position", "Eminem's concert" -> "an artist's concert";
    * the later item of a list: "36 and 48" -> "36 and another number".
    None when the parse shows none of these (the caller falls back to the value alone)."""
    if doc is None:
        return None
    V = _toks(doc, s, e)
    if not V:
        return None
    ids = {t.i for t in V}
    first, last = V[0], V[-1]
    tops = [t for t in V if t.head.i not in ids or t.head is t]
    if len(tops) > 1 and len({t.head.i for t in tops}) == 1 and tops[0].head.i > V[-1].i \
            and all(t.dep_ in ("compound", "amod", "nmod") for t in tops):
        tops = tops[-1:]  # "a Yamaha P125 piano": both words name the one piano
    if len(tops) != 1:
        return None
    top = tops[0]
    is_num = isinstance(plan.value, (int, float)) and not isinstance(plan.value, bool) or top.pos_ == "NUM" and len(V) == 1

    def free(a: int, b: int) -> bool:
        return not any(ps < b and a < pe for ps, pe in protected if not (s <= ps and pe <= e))

    def span_of(i: int, j: int) -> tuple[int, int]:
        return doc[i].idx, doc[j].idx + len(doc[j])

    # the later item of a list: "36 and 48" -> "36 and another number"
    if top.dep_ == "conj" and top.head.i < first.i and doc[first.i - 1].lower_ in ("and", "or", ",", "&") \
            and _same_kind(top, top.head, plan):
        h = top.head
        while h.dep_ == "conj":
            h = h.head
        if h.dep_ in ("compound", "amod", "nmod") and h.head.i > last.i and h.head.pos_ in ("NOUN", "PROPN"):
            if issues is not None:  # "Monza and Silverstone tracks": "another track tracks" is no English
                issues.append(f"one of coordinated modifiers ({plan.key[1]!r}): no natural way to hide it in place")
            return None
        n = noun
        if h.dep_ in ("nummod", "appos", "npadvmod") and h.head.pos_ == "NOUN" and h.head.i < h.i \
                and (_is_plural(h.head) or not good):  # "the numbers 36 and 48"; "a hand of 8, 10" names the whole
            n = _singular(h.head.lower_)
        elif _NUMERAL.fullmatch(text[s:e].strip()):  # "my kids aged 4, 7, and one more", not "another children age"
            return s, e, "one more"
        elif not good:
            return None
        return s, e, f"another {_singular(n)}"
    if only_list:
        return None
    if is_num and issues is not None and (any(c.dep_ == "conj" for c in top.children)
                                          or re.match(r"\s*(?:,\s*|\s(?:and|or)\s+)[-$]?\d", text[e:])):
        issues.append(f"first of a list of numbers ({plan.key[1]!r}): no natural way to hide it in place")
    # a unit after a kept number: "a radius of 4 inches" with the unit hidden -> "a radius of 4"
    if not is_num and len(V) == 1 and top.pos_ in ("NOUN", "PROPN", "X") and top.lower_ in MEASURES | UNITS:
        nums = [c for c in top.lefts if c.dep_ == "nummod" and c.i == top.i - 1]
        if nums:
            return doc[top.i - 1].idx + len(doc[top.i - 1]), e, ""
    if is_num:
        # the noun the number counts or measures, to its right ("20 years", "30 degree Celsius", "5.2 g/cm^3")
        if top.i in ids and not top.like_num and top.lower_ in MEASURES:
            h = top  # the unit is part of the value's text ("5%")
        else:
            h = top.head if top.dep_ in ("nummod", "quantmod", "compound", "amod", "npadvmod", "nmod") else None
            if h is None or h.i <= last.i or (h.pos_ not in ("NOUN", "PROPN", "X", "SYM") and h.text[:1].isalnum()):
                return _named_left(doc, text, s, e, top, first, last, plan, noun, good, rng, free)
        while h.dep_ in ("compound", "nmod") and h.head.i > h.i and all(doc[k].pos_ in ("NOUN", "PROPN", "PUNCT", "SYM", "X") for k in range(h.i + 1, h.head.i + 1)):
            h = h.head
        if any(doc[k].pos_ not in ("NOUN", "PROPN", "PUNCT", "SYM", "X", "NUM") for k in range(last.i + 1, h.i + 1)):
            return None
        unit_words = [doc[k].lower_ for k in range(last.i + 1, h.i + 1) if doc[k].pos_ != "PUNCT"]
        measure = any(w in MEASURES for w in unit_words) or h.lower_ in MEASURES
        left = _np_left(doc, h)
        left = min(left, first.i)
        if any(doc[k].dep_ not in _NP_LEFT and k not in ids for k in range(left, first.i)):
            left = first.i
        a, b = span_of(left, h.i)
        k = h.i + 1  # the rest of a unit: "sq ft", "g/cm^3", "ft." before a lower-case word
        while k < len(doc) and (doc[k].lower_.rstrip(".") in MEASURES or doc[k].idx == b and doc[k].text[:1] in "/^°"
                                or doc[k].lower_ == "per" and k + 1 < len(doc) and doc[k + 1].lower_.rstrip(".") in MEASURES):
            # "25 miles per gallon": the whole unit goes ("a given fuel efficiency per gallon", graded R1 fail, seed
            # 103); "12,000 miles per year" keeps its rate ("a given distance per year")
            k += 1 if doc[k].lower_ != "per" else 2
            b = doc[k - 1].idx + len(doc[k - 1])
        if text[b:b + 1] == "." and re.match(r"\.\s+[a-z]", text[b:]):
            b += 1
        if not free(a, b):
            return None
        if measure:
            # "a radius of 4 inches", "fuel efficiency 20 mpg": the quantity's own noun names it
            n = h.head if (h.dep_ == "pobj" and h.head.lower_ == "of" and h.head.head.pos_ == "NOUN") else None
            if n is not None:
                n = n.head
            elif h.dep_ in ("appos", "npadvmod", "nmod") and h.head.pos_ == "NOUN" and h.head.i < first.i:
                n = h.head
            if n is not None and n.i < first.i and n.i >= first.i - 3:
                nl = _np_left(doc, n)
                na, _ = span_of(nl, n.i)
                if free(na, b):
                    phrase = _np_text(doc, n, set(), nl)
                    if not phrase:
                        return None
                    return na, b, _pick_np(rng, phrase, _is_plural(n), text, after=text[b:], named=True)
            if (h.lower_.isalpha() and len(h.lower_) >= 4 and _is_plural(h) and b == h.idx + len(h)
                    and (_is_unit(noun) or _stem1(noun.split()[-1].lower()) == _stem1(h.lower_)
                         or noun.split()[-1].lower() in ("amount", "quantity", "volume", "number", "count", "total"))):
                # "under 500 calories": "under an amount" loses what is counted, "lose some calorie" is no English
                return a, b, rng.choices(("a certain number of {u}", "a specific number of {u}", "a given number of {u}"), (1, 1, 0.6))[0].format(u=h.lower_)
            if not good:
                return None
            if _is_unit(noun):  # "5 mol of glucose" (mols=5): "some mols" is no English, the quantity is an amount
                noun = "amount"
            # "within 5 km radius" -> "within a certain radius": a bare "a radius" reads as any radius
            return a, b, _pick_np(rng, noun, False, text, after=text[b:], named=True)
        if isinstance(plan.value, float) and not float(plan.value).is_integer() or not _is_plural(h) and h.lower_ not in UNITS:
            words = " ".join(doc[k].text for k in range(last.i + 1, h.i + 1) if doc[k].pos_ != "PUNCT")
            if h.lower_.rstrip(".") in _ERAS:  # "1500 A.D" is a year: "an A.D." is no English
                mark = "." if text[a:b].endswith(".") and (not text[b:].strip() or text[b:].strip()[:1].isupper()) else ""
                return a, b, _pick_np(rng, "year" if not good or "year" not in noun else noun, False, text,
                                      after=text[b:], named=True) + mark
            if all(w.lower() in MEASURES | UNITS for w in words.split()):  # "a certain m", "a mols": a unit is no name
                if not good or _is_unit(noun):
                    if issues is not None:
                        issues.append(f"no natural phrase for the hidden {plan.key[1]!r} (would be a unit, {words!r})")
                    return None
                words = noun
            # "a 60% chance" -> "a certain chance": a bare "a chance" no longer asks for one (graded R1/R3)
            return a, b, _pick_np(rng, words, False, text, after=text[b:], named=True)
        unit = h.text if h.text[:1].islower() else h.lower_
        if not _is_plural(h) and not unit.endswith("s"):
            unit = unit + "s"
        mods = [doc[k].text for k in range(last.i + 1, h.i) if doc[k].pos_ != "PUNCT" and k not in ids]
        if mods:  # "the top 10 landmark cases": "the top few landmark cases", not "the top few cases"
            unit = " ".join(mods + [unit])
        keep = left  # "more than 5 ingredients": the bound stays ("more than a certain number of ...", seed 103)
        while keep < first.i and doc[keep].lower_ in _COMPARATIVES:
            keep += 1
        if keep > left and doc[keep - 1].lower_ in ("than", "least", "most", "to", "over", "under", "below", "above"):
            left, a = keep, doc[keep].idx
        lead = [doc[k] for k in range(left, first.i)]
        if len(lead) == 2 and lead[0].lower_ in ("the", "my", "our", "your") and lead[1].lower_ in _ORDER_WORDS \
                and _large_count(plan.value) and issues is not None:
            # "the next 72 hours" -> "the next few hours" changes what is asked (graded R3 fail, seed 24);
            # "the next a certain number of hours" is no English
            issues.append(f"the hidden {plan.key[1]!r} is a large count after {lead[1].text!r} ({text[a:b]!r}): no natural open phrase")
        if len(lead) == 2 and lead[0].lower_ in ("the", "my", "our", "your") and lead[1].lower_ in _ORDER_WORDS:
            # "the last 20 lines": which end is meant stays ("the last few lines"), only the count goes
            # not "the top several plants", "the upcoming several days" (graded R1 fail, seed 22; seed 103)
            few = rng.choice(("few", "several")) if lead[1].lower_ in ("next", "last", "past", "first") else "few"
            return a, b, f"{lead[0].text} {lead[1].text} {few} {unit}"
        return a, b, _count_phrase(rng, unit, text, plan.value)
    # the value stands before the noun it names ("the Eminem concert", "the New York public library")
    if top.dep_ in ("compound", "nmod", "amod") and top.head.i > last.i and top.head.pos_ == "NOUN":
        if any(c.dep_ == "conj" for c in top.children):
            if issues is not None:
                issues.append(f"one of coordinated modifiers ({plan.key[1]!r}): no natural way to hide it in place")
            return None
        h = top.head
        while h.dep_ == "compound" and h.head.i > h.i and h.head.pos_ == "NOUN":
            h = h.head
        if any(k not in ids and doc[k].dep_ not in _NP_LEFT for k in range(last.i + 1, h.i)):
            return None
        mid = top.head
        if mid.i != h.i and mid.dep_ == "compound" and mid.i == last.i + 1 and mid.head.i == h.i == mid.i + 1 \
                and h.pos_ == "NOUN" and mid.pos_ == "NOUN":
            # "a business class seat" -> "a class seat" says nothing (graded R1 fail, seed 23): the word the value
            # named stays as what is open ("a seat of a certain class")
            left0 = _np_left(doc, h)
            a0, b0 = span_of(left0, h.i)
            if free(a0, b0) and not any(doc[k].pos_ == "PROPN" and k not in ids for k in range(left0, h.i + 1)):
                dets = [c for c in h.lefts if c.dep_ in ("det", "poss") and c.i not in ids and c.i >= left0]
                own = dets[0].text if dets and dets[0].lower_ in ("the", "my", "our", "your") else _article(h.text)
                return a0, b0, f"{own} {h.text} of {noun_phrase_form(rng, mid.lower_, False, text, suffix_ok=False, named=True)}"
        left = _np_left(doc, h)
        a, b = span_of(left, h.i)
        if not free(a, b) or any(k not in ids and doc[k].pos_ == "PROPN" for k in range(left, h.i + 1)):
            return None
        rest = _np_text(doc, h, ids, left)
        det = [c for c in h.lefts if c.dep_ in ("det", "poss") and c.i not in ids and c.i >= left]
        vague = rest.lower() in VAGUE_NOUNS
        if not rest or h.dep_ == "poss" or vague and (
                det and det[0].lower_ in ("the", "this", "that") or rest.lower() in _MASS_VAGUE
                or all(t.pos_ == "ADJ" for t in V if not t.is_punct)):
            # "setupStageFunction precedes" (a verb read as a possessive noun) leaves nothing to say;
            # "the filter method" -> "the method" points at nothing ("Let's go with the method."),
            # "video content" -> "a content", "vegan options" -> "some options" say nothing
            if issues is not None:
                issues.append(f"the hidden {plan.key[1]!r} names a noun that says nothing without it ({rest!r})")
            return None
        if vague:  # "in PDF format" -> "in a certain format": the user's own noun, said as one meant
            return a, b, _pick_np(rng, rest, _is_plural(h), text, after=text[b:], named=True)
        if good and re.match(r"(?:type|kind|category) of ", noun) and len(rest.split()) <= 2:
            # the value names a kind of the noun ("a hill slope", "2GB of DDR3 memory", "patent lawsuits"):
            # "some slope", "a particular memory" drop what was asked (graded R1 fails); the kind stays open
            kind = noun.split(" of ")[0]
            if _is_plural(h):
                own = f"{det[0].text} " if det and det[0].lower_ in ("the", "my", "our", "your") else ""
                return a, b, f"{own}{rest} of {noun_phrase_form(rng, kind, False, text, suffix_ok=False, named=True)}"
            return a, b, noun_phrase_form(rng, f"{kind} of {rest}", False, text, suffix_ok=False, named=True)
        adjective = (all(t.pos_ == "ADJ" for t in V if not t.is_punct) and top.dep_ == "amod"
                     and _stem1((noun.split() or [""])[-1].lower()) != _stem1(h.lower_))  # "a vibrant blue color" keeps "a vibrant color"
        if not adjective and all(t.pos_ == "ADJ" for t in V if not t.is_punct) and top.dep_ == "amod" \
                and not _is_plural(h) and (not det or det[0].lower_ in ("a", "an")):  # "in excellent condition" -> "in a condition"
            # "any with a high rating" -> "any with a rating" no longer asks for one (graded R3 fail)
            if h.lower_ in ("rating", "priority", "level", "risk", "quality", "importance", "intensity", "difficulty",
                            "security", "urgency", "severity", "sensitivity", "volume", "speed"):
                if h.lower_ == "level":  # "an English level of a certain level" (graded R1 fail, seed 23)
                    return a, b, _pick_np(rng, rest, False, text, after=text[b:], named=True)
                return a, b, f"{_article(rest)} {rest} of a certain level"
            return a, b, _pick_np(rng, rest, False, text, after=text[b:], named=True)
        if adjective:
            # "the shortest route" -> "the route" reads as a route already known, "a large bird" -> "a
            # bird" drops what was asked: the kind stays open in words ("a bird of a certain size")
            if good and " " not in noun and noun.lower() not in VAGUE_NOUNS \
                    and _stem1(noun.lower()) not in {_stem1(w.lower()) for w in rest.split()}:  # not "a noise level of a certain noise"
                own = det[0].lower_ if det and det[0].lower_ in ("the", "my", "your", "our", "his", "her", "their") else _article(rest)
                if _is_plural(h):  # "Italian restaurants" was "some restaurants" (the kind lost, seed 103)
                    own = det[0].text if det and det[0].lower_ in ("the", "my", "your", "our", "his", "her", "their") else ""
                return a, b, f"{own} {rest} of {noun_phrase_form(rng, noun, False, text, suffix_ok=False, named=True)}".strip()
            # "the route" alone would point at a known one; "a high level of media interest" -> "a level of
            # media interest" says nothing: the form says one is meant ("a certain level of media interest")
            the = bool(det and det[0].lower_ in ("the", "this", "that", "a", "an"))
            if det and det[0].lower_ == "the" and not _is_plural(h) and len(rest.split()) <= 2 \
                    and rest.lower() not in VAGUE_NOUNS | _MASS_VAGUE:
                # "take the shortest route" -> "take a given route", "the structural dynamic analysis" -> "a given
                # structural analysis" drop that a choice of route or analysis is asked (graded R3 fails, seed 103)
                kind = rng.choices(("a certain kind of", "a particular kind of", "a certain type of"), (1, 1, 0.6))[0]
                return a, b, f"{kind} {rest}"
            return a, b, _pick_np(rng, rest, _is_plural(h), text, after=text[b:], named=the)
        if det and det[0].lower_ in ("the", "this", "that") and len(rest.split()) == 1 and not _is_plural(h):
            # "from the uptown location" -> "from the location" points at one already known (graded R3
            # fails): one is meant, not named ("from a certain location")
            return a, b, _pick_np(rng, rest, False, text, after=text[b:], named=True)
        if det and det[0].lower_ in ("the", "my", "your", "our", "his", "her", "their", "this", "that"):
            # "at the New York public library" -> "at the public library": the value goes, the phrase stays
            return a, b, f"{det[0].text} {rest}"
        if not det and h.i + 1 < len(doc) and doc[h.i + 1].pos_ == "PROPN" and h.i + 1 not in ids:
            # "basketball player Lebron James" -> "player Lebron James": "a player Lebron James" is no English
            return a, b, rest
        if not det and not _is_plural(h) and " " not in rest.strip() and rest.lower() not in _BARE_OK:
            # a bare singular noun the value named ("C sharp major", "Christianity history", "AES encryption"):
            # "some major", "in some history", "use an encryption" leave a stray noun (graded R1 fails, seed 23)
            pn, pgood = hidden_noun(plan.key[1], plan.schema, plan.value)
            nw = pn.lower().split()
            if pgood and len(nw) >= 2 and _stem1(nw[-2]) == _stem1(rest.lower()):
                return a, b, _pick_np(rng, pn, False, text, after=text[b:], named=True)  # "a certain encryption method"
            if issues is not None:
                issues.append(f"the hidden {plan.key[1]!r} names a bare noun ({rest!r}) that would stand alone as a stray word")
            return None
        return a, b, _pick_np(rng, rest, _is_plural(h), text, after=text[b:])
    # a possessor: "Eminem's concert" -> "a certain artist's concert"
    if top.dep_ == "poss" and good and re.match(r"['\u2019]s?\b", text[e:]):
        left = _np_left(doc, top)
        a, _ = span_of(left, first.i)
        m = re.match(r"['\u2019]s?", text[e:])
        return a, e + m.end(), _pick_np(rng, noun, False, text, suffix_ok=False) + m.group(0)
    return _named_left(doc, text, s, e, top, first, last, plan, noun, good, rng, free)


def _named_left(doc: Any, text: str, s: int, e: int, top: Any, first: Any, last: Any, plan: EditPlan, noun: str,
                good: bool, rng: random.Random, free: Any) -> tuple[int, int, str] | None:
    """The value right after the noun naming it ("from position 5", "with player ID 170085"):
    the noun phrase becomes "a certain position"."""
    h = top.head
    if top.dep_ not in ("appos", "nummod", "npadvmod", "compound", "nmod", "attr") or h.i >= first.i or h.pos_ not in ("NOUN", "PROPN"):
        return None
    if text[doc[h.i].idx + len(doc[h.i]):s].strip(" '\"`:") != "":
        return None
    if any(c.dep_ in ("conj", "cc") for c in top.children) or h.tag_ in ("NNS", "NNPS"):
        return None  # "the numbers 36 and 48": the noun names the list, not this value
    left = _np_left(doc, h)
    a = doc[left].idx
    if not free(a, e):
        return None
    phrase = _np_text(doc, h, set(), left)
    if not phrase or phrase.lower() in VAGUE_NOUNS:
        return None
    end_q = e + (1 if e < len(text) and text[e] in "'\"`" and text[s - 1:s] in "'\"`" else 0)
    return a, end_q, _pick_np(rng, phrase, False, text, after=text[end_q:], named=True)


_ANAPHOR = re.compile(r"\b(?:that|this|these|those|the same|such)\s+([A-Za-z]+)\b", re.I)


def _plan_span(text: str, span: Span, plan: EditPlan, first: bool, rng: random.Random,
               allow_removal: bool, partial: bool, doc: Any = None,
               protected: list[tuple[int, int]] | None = None,
               issues: list[str] | None = None, single: bool = True) -> tuple[int, int, str, str]:
    """Return (start, end, replacement, method) for one occurrence; what could not be
    written naturally is added to ``issues`` (the record is then rejected)."""
    a, b, rep, method = _plan_one(text, span, plan, first, rng, allow_removal, partial, doc, protected, issues, single)
    e = span.end
    if e + 1 < len(text) and text[e] in ".!?," and text[e + 1] in QUOTES.values() and a <= span.start and b >= e + 2 \
            and not rep.endswith(text[e]):
        rep += text[e]  # the sentence's mark was inside the quotes that went with the value
    return a, b, rep, method


def _idiom_rewrite(text: str, s: int, e: int, plan: EditPlan, noun: str, doc: Any, rng: random.Random,
                   protected: list[tuple[int, int]], issues: list[str] | None = None) -> tuple[int, int, str, str] | None:
    """Phrasings where the words around a first-mentioned value say how to hide it, tried before
    the general rules (each from a graded R1 fail): someone else's address, a duration, "name it
    X", "update X to ...", a number after its own noun ("a significance level of 0.01"), a city
    before its region ("Miami, Florida"). None where none applies."""
    owner = re.search(r"\b((?:my|our|his|her|their|the)\s+(?:[a-z]+\s+)?[a-z]+)\s+at\s+$", text[:s])
    if owner and isinstance(plan.value, str) and _EMAIL.match(plan.value) \
            and owner.group(1).split()[-1] not in ("home", "work", "office", "least"):
        # "cc my assistant at assistant@example.com": "my assistant at my email address" is the user's own
        # address (graded R1/R3 fail); the address is the assistant's
        return owner.start(), e, f"{owner.group(1)}'s email address", "abstraction"
    dur = re.fullmatch(r"(\d+)\s*(second|minute|hour|day|week|month|year|decade)s?", text[s:e].strip(), re.I)
    if dur and isinstance(plan.value, str):
        # "for the last 2 weeks" was "for the last duration", "the next 1 month" "the next forecast period"
        unit = dur.group(2).lower() + "s"
        order = re.search(r"\b(?:the\s+)?(?:last|next|past|coming|upcoming|previous|following|first|recent)\s+$", text[:s], re.I)
        if order and _large_count(dur.group(1)) and issues is not None:
            # "the next 72 hours" -> "the next few hours" changes what is asked (graded R3 fail, seed 24)
            issues.append(f"the hidden {plan.key[1]!r} is a large count after 'next/last' ({text[s:e]!r}): no natural open phrase")
        if order and dur.group(1) == "1" and issues is not None:
            # "the next 1 month" -> "the next few months" says more than one (graded R3 fail, seed 103)
            issues.append(f"the hidden {plan.key[1]!r} is a single unit after 'next/last' ({text[s:e]!r}): no natural phrase")
        return s, e, (f"{rng.choice(('few', 'several'))} {unit}" if order else _count_phrase(rng, unit, text, dur.group(1))), "abstraction"
    sv = plan.value.lower() if isinstance(plan.value, str) else ""
    if sv in _FREQ_WORDS and text[s:e].strip("'\"").lower() == sv and (
            doc is None or any(t.idx == s and (t.pos_ == "ADV" or t.dep_ in ("advmod", "npadvmod")) for t in doc)
            or re.match(r"\s*(?:[.,;!?]|$|and\b|or\b)", text[e:])):
        # "collecting data weekly" was "collecting a specific data" (graded R1 fail, seed 103): how often, left open
        return s, e, rng.choices(("at a certain frequency", "at a set interval", "at a particular frequency"), (1, 0.6, 0.6))[0], "abstraction"
    basis = re.search(r"\b(?:on|at)\s+an?\s+$", text[:s], re.I)
    basis_after = re.match(r"\s+basis\b", text[e:])
    if sv in _FREQ_WORDS and basis and basis_after:
        # "on a quarterly basis" was "on a basis of a certain frequency" (graded R1 fail, seed 104)
        return basis.start(), e + basis_after.end(), rng.choices(("at a certain frequency", "at a particular frequency"), (1, 1))[0], "abstraction"
    day = re.search(r"\b(?:in|during)\s+the\s+$|\b(?:at|by)\s+$", text[:s], re.I)
    if sv in _DAY_PARTS and day and text[s:e].strip("'\"").lower() == sv:
        # "performed in the morning" was "performed in some analysis time" (graded R1 fail, seed 103)
        return day.start(), e, rng.choices(("at a certain time of day", "at a particular time of day"), (1, 1))[0], "abstraction"
    num = isinstance(plan.value, (int, float)) and not isinstance(plan.value, bool)
    dim = re.match(r"\s*([A-Za-z]+)\s+(tall|high|long|wide|deep|thick|old|heavy)\b", text[e:])
    if num and dim and dim.group(1).lower() in MEASURES | UNITS and re.search(r"\b(?:is|are|was|were|be|been|being)\s+$", text[:s]):
        # "is 175 centimeters tall": "is a particular one tall", "is a certain height tall" are no English
        pick = rng.choices([f for f, _ in _NAMED_FORMS], weights=[w for _, w in _NAMED_FORMS], k=1)[0]
        return s, e + dim.end(), "of " + pick.format(n=_DIMENSIONS[dim.group(2)]), "abstraction"
    verb = re.search(r"\b(?:weigh|weighs|weighed|weighing|cost|costs|costing)\s+(?:about\s+|around\s+|exactly\s+)?$", text[:s], re.I)
    if num and verb:
        # "weighs 80 kilograms" was "weighs a few kilograms" (graded R1 fail); "weighs a certain weight" repeats itself
        unit_m = re.match(r"\s*([A-Za-z$\u20ac\u00a3]+)\b", text[e:])
        end = e + (unit_m.end() if unit_m and unit_m.group(1).lower() in MEASURES | UNITS else 0)
        return verb.end(), end, rng.choices(("a certain amount", "a specific amount", "a given amount"), (1, 1, 1))[0], "abstraction"
    called = re.search(r"\b(?:re)?(?:name|call)\s+it\s+(?:to\s+|as\s+)?$", text[:s], re.I)
    if called and isinstance(plan.value, str):
        # "name it ultimate_draft.docx": "name it another file" is garbled (graded R1 fail)
        return called.start(), e, ("G" if text[called.start()].isupper() else "g") + "ive it a new name", "abstraction"
    upd = re.search(r"\b(update|change|switch|move|modify|reset|set)\b((?:\s+[\w'-]+){1,5}?)\s+to\s*$", text[:s], re.I)
    upd_words = {_stem1(w.lower()) for w in upd.group(2).split()} if upd else set()
    field = [w for w in noun.split()[-1:] + name_words(plan.key[1])[::-1] if _stem1(w.lower()) in upd_words]
    if upd and noun.split() and field:
        # "update my home location to the user home location I'm thinking of" echoes the field (graded R1 fail)
        head = field[0]
        if re.search(rf"\bnew\s+{re.escape(head)}\b", upd.group(2), re.I):
            # "update the new status to 2" -> "update the new status to a new status" (graded R1 fail, seed 24)
            return s, e, rng.choices(("a certain value", "a particular value", "a specific value"), (1, 1, 0.8))[0], "abstraction"
        return s, e, (f"a new {head}" if upd.group(1).lower() != "set" else
                      noun_phrase_form(rng, head, False, text, suffix_ok=False, named=True)), "abstraction"
    of_np = re.search(r"\b(a|an|the)\s+((?:[a-z]+\s+){0,2}[a-z]+)\s+of\s+$", text[:s])
    if of_np and doc is not None and isinstance(plan.value, (int, float)) \
            and not isinstance(plan.value, bool) and not re.match(r"\s*[A-Za-z%\u00b0]", text[e:]) \
            and any(t.idx == of_np.start(2) + len(of_np.group(2)) - len(of_np.group(2).split()[-1]) and t.pos_ == "NOUN"
                    for t in doc) and of_np.group(2).split()[-1] not in UNITS | MEASURES:
        # "once with a significance level of 0.05 and once with a significance level of 0.01": "of an
        # alpha" names the parameter, not the thing (graded R1 fail); the user's noun names it
        np_ = of_np.group(2)
        said = re.search(rf"\b{re.escape(np_)}\b", text[:of_np.start()], re.I)
        return of_np.start(), e, (f"a different {np_}" if said else
                                  noun_phrase_form(rng, np_, False, text, suffix_ok=_clause_ends(text[e:]), named=True)), "abstraction"
    region = re.match(r",\s+([A-Z][a-z]+(?:\s[A-Z][a-z]+)?)\b", text[e:])
    if region and doc is not None and isinstance(plan.value, str) \
            and noun.lower() in ("location", "city", "place", "area", "town") \
            and any(t.idx == e + region.start(1) and t.pos_ == "PROPN" for t in doc) \
            and not any(ps < e + region.end() and e < pe for ps, pe in protected):
        # "in Miami, Florida" -> "in a certain city in Florida", not "the location I'm thinking of, Florida"
        return s, e + region.end(), f"{noun_phrase_form(rng, 'city', False, text, suffix_ok=False)} in {region.group(1)}", "abstraction"
    return None


_STORE_NOUNS = {"table", "collection", "column", "field", "index", "database", "dataset", "sheet", "bucket", "schema"}
_FREQ_WORDS = {"hourly", "daily", "weekly", "biweekly", "fortnightly", "monthly", "quarterly", "yearly", "annually", "nightly"}
_DAY_PARTS = {"morning", "afternoon", "evening", "night", "noon", "midday", "dawn", "dusk"}


def _plan_one(text: str, span: Span, plan: EditPlan, first: bool, rng: random.Random,
              allow_removal: bool, partial: bool, doc: Any, protected: list[tuple[int, int]] | None,
              issues: list[str] | None, single: bool) -> tuple[int, int, str, str]:
    s, e = _expand_quotes(text, span.start, span.end)
    if s > 0 and text[s - 1] in "$\u20ac\u00a3\u00a5":  # "$1000": the currency sign goes with the value
        s -= 1
    glued = re.match(r"[A-Za-z\u00b0%][A-Za-z\u00b0%/^]*\b", text[e:]) if text[e - 1:e].isdigit() else None
    if glued and isinstance(plan.value, (int, float)) and not isinstance(plan.value, bool):
        e += glued.end()  # "7C", "5kg": a unit written onto the number goes with it ("another chargeC" otherwise)
    s0, e0 = s, e
    noun, good = hidden_noun(plan.key[1], plan.schema, plan.value)
    if first and issues is not None and isinstance(plan.value, str) and text[s:e].strip("'\"`").lower() in _QUANTIFIERS:
        # brain_region 'All' from "a rat's all part of the brain": a word like "all" is no value a user holds
        issues.append(f"the hidden {plan.key[1]!r} is a quantifier word ({text[s:e]!r}): nothing to ask for")
    if first and issues is not None and re.search(r"\bper\s+$", text[:s]):
        # "the current price per some measure of gold" (graded R1 fail, seed 23): "per" takes a unit, not a phrase
        issues.append(f"the hidden {plan.key[1]!r} is the unit after 'per': no natural phrase")
    if first and issues is not None and isinstance(plan.value, str) and re.fullmatch(r"[a-z]+(?: [a-z]+)?", text[s:e]) \
            and noun.split() and noun.split()[-1].lower() in _STORE_NOUNS and _stem1(text[s:e].split()[-1]) != _stem1(noun.split()[-1].lower()):
        # table 'students' from "records for students studying Science": "records for some table studying Science"
        # (graded R1/R3 fail, seed 23); the user's everyday word is the thing, the store's name is not theirs to give
        issues.append(f"the hidden {plan.key[1]!r} is the user's everyday word ({text[s:e]!r}) for what a {noun.split()[-1]} holds")
    idiom = _idiom_rewrite(text, s, e, plan, noun, doc, rng, protected or [], issues) if first and not partial else None
    if idiom is not None:
        return idiom
    mchance = re.match(r"\s*%?\s*(chance|probability|likelihood|risk|possibility|decrease|increase|reduction|discount|"
                       r"drop|rise|growth|decline|cut|raise|markup|tip|fee|commission|return|gain|loss)\b", text[e:]) \
        if isinstance(plan.value, (int, float)) and (text[s:e].endswith("%") or text[e:e + 1] == "%") else None
    if mchance and first and not partial:
        # "less than 20% chance of rain" was "a specific percentage of rain", "a 2% decrease in fuel
        # efficiency" was "a specific percentage in fuel efficiency" (graded R1 fails, seed 27): the
        # comparison and the noun the percentage measures stay, the number goes ("a certain decrease")
        mdet = re.search(r"\b(?:an?|the)\s+$", text[:s])
        a = mdet.start() if mdet else s
        return a, e + mchance.end(), abstract_phrase(mchance.group(1), rng, text, suffix_ok=False, named=True), "abstraction"
    if (text[s:e].endswith("%") or text[e:e + 1] == "%") and isinstance(plan.value, (int, float)):
        noun, good = "percentage", True  # "by 10%": "by some sales units increase percentage" (a parameter's name)
    mco = re.match(r"\s+([A-Za-z]+s)\b", text[e:])
    if (first and issues is not None and mco and _stem1(mco.group(1).lower()) in {_stem1(w) for w in name_words(plan.key[1])}
            and (re.search(r"(?:,|\band|\bor)\s*$", text[:s]) or re.match(r"\s*(?:,|and\b|or\b)", text[e:]) is None
                 and re.search(r"\b(?:and|or)\s+\w+\s*$", text[:s]))):
        issues.append(f"one of coordinated modifiers ({plan.key[1]!r}): no natural way to hide it in place")
    if issues is not None and noun.lower() in ("name", "value", "item", "text", "title") and (
            re.search(r"(?:,|\band|\bor)\s*$", text[:s]) or re.match(r"\s*(?:,|and\b|or\b)", text[e:])):
        # "where apples, oranges, and bananas come from" -> "where some name, oranges, and another name"
        issues.append(f"one of a list of things named only as a {noun.lower()!r} ({plan.key[1]!r}): says nothing of what it is")
    if text[s:s + 1] in "$\u20ac\u00a3\u00a5" and text[s:s + 1] and not good:  # "$10,000": an amount of money
        noun, good = "amount", True
    nwords = (set(name_words(plan.key[1])) | set(noun.lower().split())) - REMOVAL_PREPS - DETERMINERS - {"and", "or", "is"}
    nstems = {_stem1(w) for w in nwords}
    if allow_removal and any(_stem1(m.group(1).lower()) in nstems for m in _ANAPHOR.finditer(text, e)):
        allow_removal = False  # "... with that text?" would point at nothing once the value is gone
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
        kind_of = re.match(r"(?:type|kind|category) of ", noun) and _stem1(noun.split()[-1].lower()) == _stem1(nxt[2].lower())
        if not kind_of:  # "DDR3 memory" for memory_type: still a type of memory
            noun = nxt[2] if isinstance(plan.value, (list, tuple)) else _stem1(nxt[2])
            good = noun.lower() not in VAGUE_NOUNS
        e = nxt[1]
    # the name said after the value ("34.05 for latitude"): it goes with it
    for m_after in (re.match(r"\s+(?:for|as)\s+(?:the\s+)?([A-Za-z]+\s[A-Za-z]+)\b", text[e:]),
                    re.match(r"\s+(?:for|as)\s+(?:the\s+)?([A-Za-z]+)\b", text[e:])):
        if m_after and all(w.lower() in nwords or _stem1(w.lower()) in nstems for w in m_after.group(1).split()):
            e += m_after.end()
            break
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
        mnum = re.search(r"\b(number|count|amount|quantity)\s+of\s+$", text[:last_start], re.I)
        if mnum and is_num_value(plan.value) and mnum.group(1).lower() not in nwords:
            # "number of estimators as 100" was "number of specific estimators": the count's own words go too
            named.append((mnum.start(1), mnum.end(0) - 1, f"{mnum.group(1)} of"))
            consumed.append((mnum.start(1), mnum.end(0) - 1, mnum.group(1)))
            last_start = mnum.start(1)
    else:
        last_start = s
    det = None
    prev = _words_before(text, last_start, 1)
    if prev and prev[0][2].lower() in DETERMINERS and _only_space_between(text, prev[0][1], last_start):
        det = prev[0]
    start = det[0] if det and not partial else last_start
    # a determiner or adjective of the same phrase stays in front ("my established client id
    # 'c_520'", "an exciting concert"): the replacement then takes no article of its own
    bare = False
    if doc is not None and not det and not partial:
        inner = _toks(doc, start, e)
        lefts = [c for t in inner for c in t.lefts if c.idx < start] if inner else []
        bare = (any(c.dep_ in ("det", "poss", "amod") and c.i == inner[0].i - 1 for c in lefts)
                and any(c.dep_ in ("det", "poss") for c in lefts)
                and not (inner[0].i > 0 and doc[inner[0].i - 1].pos_ in ("NOUN", "PROPN")))
        if not bare and any(c.dep_ == "amod" and c.i == inner[0].i - 1 for c in lefts) and issues is not None:
            issues.append(f"an adjective without article before the hidden {plan.key[1]!r}: no natural phrase")
    copula = False
    if not named and before and before[0][2].lower() in ("is", "=", ":", "was", "equals", "are", "were", "been", "be") and _only_space_between(text, before[0][1], s):
        noun = "number" if is_num and not unit else "value"
        copula = before[0][2].lower() in ("is", "was", "are", "were", "been", "be")
    unit_phrase = None
    if is_num and not unit:  # "5 N/C", "3 m/s": a unit written with a slash
        mu = re.match(r"\s*([A-Za-z\u00b0%][\w\u00b0^]*(?:/[\w^]+)+)", text[e:])
        if mu:
            e += mu.end()
    if unit:
        mslash = re.match(r"(?:/[\w^\u00b2\u00b3]+)+", text[e:])
        if mslash:  # "0 m/s": the unit is "m/s", not "m" with "/s" left behind ("The object was dropped s.")
            e += mslash.end()
            unit += mslash.group(0)
        unit_phrase = "percentage" if unit.lower() in ("%", "percent") else f"number of {unit}"
    # a measured quantity keeps its own name ("a certain temperature", "a radius"); only a bare
    # number or a count named like its unit ("10 days" for days) becomes "a number of <unit>"
    measured = unit and noun not in ("value", "number") and _stem1(noun.split()[-1].lower()) != _stem1(unit.lower())
    if named:
        shown = " ".join(w for _, _, w in sorted(named))
        noun_phrase = shown if (measured or not unit) else (unit_phrase or shown)
    else:
        noun_phrase = noun if measured else (unit_phrase or noun)
    item = re.search(r"\b(?:list|array|set|collection|sequence) of (?:the )?(?:[a-z]+ ){0,2}?([a-z]+s)\b", str(plan.schema.get("description") or ""), re.I)
    if partial and item and not named and _stem1(item.group(1).lower()) != _stem1((noun_phrase.split() or [""])[-1].lower()) \
            and item.group(1).lower() not in VAGUE_NOUNS | {"strings", "items", "values", "numbers", "integers", "elements"}:
        noun_phrase = noun = item.group(1).lower()  # "a hand of 8, 10, another hand": an item of a hand is a card
    if partial and first and doc is not None:
        npr = _np_rewrite(doc, text, s0, e0, plan, noun, good, nwords, rng, protected or [], only_list=True)
        if npr is not None:
            return npr[0], npr[1], npr[2], "partial"
    if partial:
        if isinstance(plan.value, (list, tuple)) and any(isinstance(x, (list, tuple, dict)) for x in plan.value):
            noun_phrase = "number" if is_num else "value"  # an element of a matrix: name the element, not the whole
        if not named and issues is not None and (noun_phrase == "value" or not good and noun_phrase == noun):
            issues.append(f"no natural phrase for an item of {plan.key[1]!r} (would be {noun_phrase!r})")
        if is_num and issues is not None and re.match(r"\s*,?\s*(?:and|or)?\s*\d", text[e:]):
            # "aged a certain children age, 7, and 9", "4, another age, and 9": only the last number reads
            issues.append(f"a number before others in a list ({plan.key[1]!r}): no natural phrase for it")
        if plan.location.spans and span.start <= plan.location.spans[0].start:  # the first of the list
            return s, e, abstract_phrase(_singular(noun_phrase), rng, text, suffix_ok=False), "partial"
        if is_num and re.search(r"\d[\d.]*\s*,?\s*(?:and|or)\s*$", text[:s]):
            return s, e, "one more", "partial"  # "my kids aged 4, 7, and one more", not "another children age"
        return s, e, f"another {_singular(noun_phrase)}", "partial"
    nv = _words_before(text, s, 1)
    if nv and nv[0][2].lower() in _NAMING_VERBS and _only_space_between(text, nv[0][1], s):
        # "a directory named 'test'" said again later: "a directory with a certain name ... that name"
        label = {"titled": "title", "entitled": "title", "numbered": "number"}.get(nv[0][2].lower(), "name")
        if not first:
            return s, e, f"that {label}", "abstraction"
        owner = [t for t in doc if t.idx + len(t) <= nv[0][0]][-1:] if doc is not None else []
        bare_owner = bool(owner) and _bare_noun(owner[0])
        if allow_removal and single and not partial and not bare_owner:  # "this movie", not "this movie with a specific name"
            # (not after a bare noun: "details about lawsuit case numbered 'X'" was "details about lawsuit case.",
            # graded R1 fail, seed 27)
            close = re.match(r"\)?", text[e:]).end()
            ra = nv[0][0] - (1 if nv[0][0] > 0 and text[nv[0][0] - 1] == " " else 0)
            meant = _meant_det(doc, text, ra, e + close, rng, protected or [])
            if meant is not None:
                return meant[0], meant[1], meant[2], "abstraction"
            return ra, e + close, "", "removal"
        return nv[0][0], e, f"with {noun_phrase_form(rng, label, False, text, suffix_ok=False)}", "abstraction"
    known = re.search(r"\s*,?\s+(?:referred to|known|identified|designated)\s+as\s*$", text[:s], re.I)
    if known and first and not partial:
        # "an email form element referred to as 'emailForm'": "referred to as an email form element" repeats itself
        close = re.match(r"\)?", text[e:]).end()
        if allow_removal and single:
            return known.start(), e + close, "", "removal"
        return known.start(), e, f" with {noun_phrase_form(rng, 'name', False, text, suffix_ok=False)}", "abstraction"
    rel = re.search(r",\s*(?:which|that|who)\s+(?:is|are|was|were)\s+(?:an?\s+|the\s+)?$", text[:s], re.I)
    if rel and first and not partial and single and re.match(r"\s*(?:[.!?;]|$)", text[e:]):
        # "the given plant model, which is a state-space model" was "..., which is a specific plant model":
        # a clause that only states the value goes with it
        if allow_removal:
            return rel.start(), e, "", "removal"
        if issues is not None:
            issues.append(f"the hidden {plan.key[1]!r} is what a relative clause states: no natural phrase")
    paren = _parenthetical(text, s, e)
    if paren is not None and not partial and single:
        return paren[0], paren[1], "", "removal"
    if not first:
        return start, e, f"that {noun_phrase}", "abstraction"
    # the value stands beside the noun that names it ("a document titled 'x.txt'", "the term
    # 'Anomaly'", "an audio file (a.wav)", "its FAA identifier, AVL"): the value alone goes
    app = _appositive(doc, text, s, e, span) if not partial and first and single else None
    if app is not None:
        meant = _meant_det(doc, text, app[0], app[1], rng, protected or [])
        if meant is not None:
            return meant[0], meant[1], meant[2], "abstraction"
        return app[0], app[1], "", "removal"
    # a quoted message after a verb of saying ("send a note stating, 'I've decided ...'"): "stating,
    # a message" is no English; the saying goes with it, or the record is rejected
    say = re.search(r"(?:,\s*|\s+)(?:stating|saying|that says|which says|that reads|which reads|reading|as follows)\s*[:,]?\s*$", text[:s])
    if say and text[s:s + 1] in QUOTES and single:
        if allow_removal:  # the message's own full stop ends the sentence that stays
            mark = text[e - 2] if e >= 2 and text[e - 2] in ".!?" and text[e - 1] in "'\"\u201d\u2019" else ""
            return say.start(), e, mark, "removal"
        if issues is not None:
            issues.append(f"the hidden {plan.key[1]!r} is a quoted message after a verb of saying: no natural phrase")
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
    if doc is not None and not copula and not named and not partial and noun.split() \
            and noun.split()[-1].lower() in ("name", "title"):
        itself = _name_as_thing(doc, text, start, span, str(plan.schema.get("description") or ""))
        if itself == "person":  # "Add David to the team" was "Add a specific name to the team" (graded R1 fail)
            return start, e, rng.choices(("someone", "a certain person"), weights=(2, 1), k=1)[0] + end_mark, "abstraction"
        if itself and issues is not None:  # "Kindly create a 'Urgent Flight Issue'" was "create a certain title"
            issues.append(f"the hidden {plan.key[1]!r} stands for the thing it names ({itself}): 'a certain {noun.split()[-1]}' would be that thing")
    if doc is not None and not copula:
        npr = _np_rewrite(doc, text, s0, e0, plan, noun, good, nwords, rng, protected or [], issues=issues)
        if npr is not None:
            a = npr[0]
            if named and start < a <= s0 and npr[2].endswith(noun):  # "humidity of 65%" -> "a certain humidity"
                a = start
                npr = (a, npr[1], abstract_phrase(noun, rng, text, det[2] if det else None, named=True))
            return a, npr[1], npr[2] + (end_mark if npr[2] else ""), "abstraction" if npr[2] else "removal"
    if doc is not None and not copula and not named and not partial:
        nb = _quoted_after_noun(doc, text, s0, e0, protected or [])
        if nb is not None:  # "the keyword 'Error'" -> "a certain keyword", not "the keyword a certain pattern"
            return nb[0], e, _pick_np(rng, nb[1], nb[2], text, after=text[e:], named=True) + end_mark, "abstraction"
    if not good and not named and issues is not None:
        issues.append(f"no natural phrase for the hidden {plan.key[1]!r} (would be {noun_phrase!r})")
    if copula:
        # "access token is abc123xyz" / "The firewall endpoint is X.": a sentence that only states
        # the value goes whole; "is a specific one" reads broken (graded R1 fail), so elsewhere the
        # record is rejected
        sent = _stating_sentence(text, start, e, protected or [])
        if allow_removal and sent is not None:
            return sent[0], sent[1], "", "removal"
        if issues is not None:
            issues.append(f"the hidden {plan.key[1]!r} is what 'is' states: no natural phrase ('is a specific one')")
        return start, e, rng.choice(ONE_FORMS) + end_mark, "abstraction"
    if bare:  # "case IDs case ID" is caught in rewrite_query with every other bare stand-in
        return start, e, noun_phrase + end_mark, "abstraction"
    return start, e, abstract_phrase(noun_phrase, rng, text, det[2] if det else None, suffix_ok=_clause_ends(text[e:]),
                                     named=bool(named)) + end_mark, "abstraction"


ONE_FORMS = ("a specific one", "a particular one", "a certain one")
_QUANTIFIERS = {"all", "any", "every", "each", "none", "both", "either", "neither"}
# "is 175 centimeters tall": the dimension the adjective names ("is of a certain height")
_DIMENSIONS = {"tall": "height", "high": "height", "long": "length", "wide": "width", "deep": "depth",
               "thick": "thickness", "old": "age", "heavy": "weight"}
_CREATE_VERBS = {"create", "add", "make", "build", "open", "start", "set", "register", "write", "draft", "generate",
                 "schedule", "book", "plan", "design", "compose", "post", "upload", "save", "name", "rename", "launch",
                 "establish", "found", "form", "organize", "organise", "host", "publish", "record", "produce", "insert"}
_POINTING_ADJ = {"new", "given", "same", "following", "above", "aforementioned", "said", "latter", "former", "mentioned", "other"}


def _meant_det(doc: Any, text: str, a: int, b: int, rng: random.Random,
               protected: list[tuple[int, int]]) -> tuple[int, int, str] | None:
    """Once the name after a noun is removed ("the journal 'Journal of Neuroscience'", "the animation
    titled 'Frozen'", "a yoga pose called 'Downward Dog'"), "the journal" points at one never
    mentioned and "a yoga pose" asks for any (graded R1/R3 fails, seed 22): the noun's own
    determiner says one is meant ("a certain journal", "the journal I have in mind").
    (start, end, replacement) from that determiner over the removed span [a, b), or None."""
    if doc is None:
        return None
    before = [t for t in doc if t.idx + len(t) <= a]
    if not before:
        return None
    n = before[-1]
    if n.pos_ not in ("NOUN", "PROPN") or text[n.idx + len(n):a].strip(" ,'\"`(") != "":
        return None
    dets = [c for c in n.lefts if c.dep_ == "det" and c.lower_ in ("the", "a", "an")]
    if not dets:
        return None
    d = dets[0]
    if any(doc[k].lower_ in _POINTING_ADJ for k in range(d.i + 1, n.i)) or any(ps < a and d.idx < pe for ps, pe in protected):
        return None
    v = n.head if n.dep_ in ("dobj", "dative", "nsubjpass") else n.head.head if n.dep_ == "pobj" else None
    if v is not None and v.lemma_.lower() in _CREATE_VERBS:
        return None  # "add a new menu item named X", "create a folder called docs": the name is what is asked

    if d.lower_ == "the" and re.search(rf"\b{re.escape(_stem1(n.lower_))}", text[:d.idx], re.I):
        return None  # said before: "the" points back at it
    words = text[d.idx + len(d):a].rstrip(" ,(")
    has_a = bool({w.lower() for w in _WORD.findall(text)} & {"a", "an"})
    if has_a or not _clause_ends(text[b:]):
        form = rng.choices(("a certain", "a specific", "a particular"), weights=(0.45, 0.55, 0.55), k=1)[0] + words
    else:  # no "a" in the user's words (a new one marks the rewrite: curate.shortcut)
        form = "the" + words + " I have in mind"  # ("I'm thinking of?" ends on a preposition)
    if d.text[:1].isupper():
        form = form[0].upper() + form[1:]
    return d.idx, b, form


_PERSON_WORDS = {"person", "member", "user", "employee", "customer", "client", "student", "patient", "friend", "contact",
                 "attendee", "guest", "participant", "candidate", "applicant", "author", "artist", "player", "person's",
                 "recipient", "sender", "individual", "developer", "teacher", "doctor", "manager", "owner"}
_NAME_VERBS = {"search", "find", "look", "check", "use", "enter", "type", "spell", "choose", "pick", "select", "name",
               "call", "title", "rename", "label", "say", "write", "put", "give", "set", "change", "update"}


def _name_as_thing(doc: Any, text: str, start: int, span: Span, desc: str = "") -> str | None:
    """Does the value (a name or title) stand for the thing itself, with no noun naming it ("Add
    David to the team", "create a 'Urgent Flight Issue'")? "person" when it is a person's name,
    the verb it is the object of otherwise, None when a noun or a naming verb carries it."""
    V = _toks(doc, span.start, span.end)
    if not V:
        return None
    ids = {t.i for t in V}
    tops = [t for t in V if t.head.i not in ids or t.head is t]
    if len(tops) != 1:
        return None
    top = tops[0]
    prev = [t for t in doc if t.idx + len(t) <= start and not t.is_punct]
    if prev and (prev[-1].pos_ in ("NOUN", "PROPN") or prev[-1].lower_ in _NAMING_VERBS):
        return None
    person = any(t.ent_type_ == "PERSON" for t in V) or all(t.pos_ == "PROPN" for t in V) and len(V) <= 3 and (
        re.search(r"\b(?:he|him|his|she|her|hers)\b", text, re.I) or set(_WORD.findall(desc.lower())) & _PERSON_WORDS)
    if top.dep_ in ("dobj", "dative", "nsubj", "nsubjpass", "pobj") and person:
        return "person"
    if top.dep_ in ("dobj", "dative") and top.head.pos_ == "VERB" and top.head.lemma_.lower() not in _NAME_VERBS:
        return f"the object of {top.head.text!r}"
    return None


def is_num_value(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _parenthetical(text: str, s: int, e: int) -> tuple[int, int] | None:
    """[a, b) of a parenthesis that holds only the value and restates what stands before it
    ("next month (April 2022)"): a stand-in there ("next month (a date)") reads as a form
    field, so the parenthesis goes whole."""
    m = re.search(r"(\w+)(\s*)\(\s*$", text[:s])
    c = re.match(r"\s*\)", text[e:])
    if not m or not c or m.group(1).lower() in _PURE_NAMES | REMOVAL_PREPS | FILLERS | DETERMINERS:
        return None  # "with ID (12345)": without the value the noun says nothing
    return m.end(1), e + c.end()


def _quoted_after_noun(doc: Any, text: str, s: int, e: int,
                       protected: list[tuple[int, int]]) -> tuple[int, str, bool] | None:
    """(start, noun, plural) of the noun phrase just before a quoted value that the user named it
    by ("the keyword 'Error'", "an argument 'resultData'", "the same movie "Inception""): the
    whole phrase becomes one stand-in for the noun ("a certain keyword"), where the value's own
    stand-in after it would collide ("the keyword a certain pattern")."""
    if not (text[s:s + 1] in QUOTES or (s > 0 and text[s - 1] in QUOTES)):
        return None
    before = [t for t in doc if t.idx + len(t) <= s]
    if not before:
        return None
    pt = before[-1]
    if pt.pos_ != "NOUN" or len(pt.text) <= 2 or text[pt.idx + len(pt):s].strip(" '\"`:") != "" or pt.lower_ in MEASURES:
        return None
    left, words = pt.i, [pt]
    k = pt.i - 1
    while k >= 0 and doc[k].dep_ in ("det", "amod", "compound", "poss", "predet") and doc[k].head.i == pt.i:
        left = k
        if doc[k].dep_ == "compound" and doc[k].pos_ == "NOUN":
            words.insert(0, doc[k])
        k -= 1
    if not any(doc[j].dep_ in ("det", "poss") for j in range(left, pt.i)):
        return None  # "Search keyword 'X'" has no phrase of its own to replace
    a = doc[left].idx
    if any(ps < e and a < pe for ps, pe in protected if not (s <= ps and pe <= e)):
        return None
    noun = " ".join(w.text if w.text.isupper() else w.lower_ for w in words)
    return a, noun, _is_plural(pt)


def _stating_sentence(text: str, start: int, end: int, protected: list[tuple[int, int]]) -> tuple[int, int] | None:
    """[a, b) of a short sentence that ends with the value ("access token is abc123xyz"), when
    the rest of the query still holds a request (at least 4 words) and no kept value is in it."""
    m = re.match(r"\s*[.!?]?['\"]?(?:\s+|$)", text[end:])
    if not m or (end + m.end() < len(text) and not re.match(r"\s*[.!?]", text[end:])):
        return None
    left = max(text.rfind(". ", 0, start), text.rfind("! ", 0, start), text.rfind("? ", 0, start), text.rfind("\n", 0, start))
    a = left + 2 if left >= 0 else 0
    b = end + m.end()
    if len(_WORD.findall(text[a:start])) > 6 or any(ps < b and a < pe for ps, pe in protected):
        return None
    if len(_WORD.findall(text[:a] + text[b:])) < 4:
        return None
    if a == 0 and b < len(text):
        return a, b
    # one space stays between the sentences around it ("this triangle.You want", seed 103)
    return (a - 1 if a > 0 and text[a - 1] == " " and not text[b - 1:b].isspace() else a), b


def _article(noun: str) -> str:
    w = noun.split()[0] if noun.split() else noun
    if w.isupper() and len(w) <= 5:  # initialisms: "an ID", "a URL"
        return "an" if w[0] in "AEFHILMNORSX" else "a"
    lw = w.lower()
    if lw[:1] == "u":  # "an upcoming", "an update", but "a unit", "a user"
        return "a" if lw.startswith(("uni", "use", "usu", "uti", "ura", "uro", "ubi")) or len(lw) < 3 else "an"
    return "an" if lw[:1] in "aeio" or lw.startswith("hour") else "a"


def abstract_phrase(noun: str, rng: random.Random, text: str = "", own_det: str | None = None,
                    suffix_ok: bool = True, named: bool = False) -> str:
    """One way to name a value without giving it ("a city", "my budget", "some results")."""
    head = noun.split(" of ")[0].split()[-1:] or [""]
    plural = head[0].endswith("s") and not head[0].endswith(("ss", "us", "is", "species", "series")) and len(head[0]) > 3
    return noun_phrase_form(rng, noun, plural, text, own_det, suffix_ok, named=named)


def _singular(noun: str) -> str:
    w = noun.split()
    if w and w[-1].lower() in ("ids", "id"):  # "another ids" (graded R1 fail): one ID
        return " ".join(w[:-1] + ["ID"])
    if w and w[-1].endswith("s") and not w[-1].endswith(("ss", "series", "species")) and len(w[-1]) > 3:
        # "categories" -> "category" (not "categorie"), "boxes"/"matches" -> "box"/"match"
        if w[-1].endswith("ies") and len(w[-1]) > 4:
            w[-1] = w[-1][:-3] + "y"
        elif w[-1].endswith(("xes", "ches", "shes", "sses")) and not w[-1].endswith(("aches", "iches")):
            w[-1] = w[-1][:-2]
        else:
            w[-1] = w[-1][:-1]
    return " ".join(w)


_GENERIC_KEYS = {"name", "value", "type", "id", "text", "data", "item", "content", "title"}


def _object_edits(query: str, plan: EditPlan, rng: random.Random, doc: Any,
                  protected: list[tuple[int, int]], issues: list[str] | None = None) -> tuple[list[_Edit], EditResult]:
    """A nested object is one intent: every stated part goes, each named by its own field
    ("for a cheese, enhance a characteristic"), all recorded under the one parameter."""
    from .ground import keyed_leaves

    keys = [k for k, _ in keyed_leaves(plan.value, plan.key[1])]
    edits: list[_Edit] = []
    shown: list[str] = []
    origs: list[str] = []  # every stated text replaced (a range is both its dates), not the first alone
    for (key, (leaf, spans)) in zip(keys, plan.location.parts):
        name = plan.key[1] if key.lower() in _GENERIC_KEYS else key
        if name == plan.key[1] and key.lower() == "name" and len(name_words(name)) > 1 \
                and name_words(name)[-1] in ("details", "detail", "info", "information", "data", "profile"):
            name = "_".join(name_words(name)[:-1])  # applicant_details.name "Michael Brown": "an applicant", not "some applicant details"
        if name != key and not hidden_noun(name, {}, plan.value)[1] and hidden_noun(key, {}, leaf)[1]:
            name = key  # "update_info.name": "my name to a certain name", not "to the update info I'm thinking of"
        sub = EditPlan(key=(plan.key[0], name), value=leaf, schema={}, location=Location(True, spans, [(leaf, spans)]),
                       required=False, force_abstraction=True)
        for k, sp in enumerate(spans):
            s, e, rep, _ = _plan_span(query, sp, sub, first=(k == 0), rng=rng, allow_removal=False, partial=False,
                                      doc=doc, protected=protected, issues=issues, single=len(spans) == 1)
            s, e = _clamp(s, e, sp.start, sp.end, protected)
            origs.append(query[s:e].strip())
            if k == 0:
                shown.append(rep)
            edits.append(_Edit(s, e, rep, plan.key, shown=k == 0))
    res = EditResult(original_value="; ".join(dict.fromkeys(o for o in origs if o)), current_value="; ".join(shown), method="abstraction", removed_value=plan.value)
    return edits, res


_NUMBER_WORDS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}


def _plural(noun: str) -> str:
    w = noun.split()
    last = w[-1]
    if last.isupper():
        last += "s"  # "IDs"
    elif re.search(r"[^aeiou]y$", last):
        last = last[:-1] + "ies"
    elif last.endswith(("s", "x", "ch", "sh")):
        last += "es"
    else:
        last += "s"
    return " ".join(w[:-1] + [last])


def _merge_others(query: str, edits: list[_Edit]) -> None:
    """Items of one list hidden side by side ("for another location and another location",
    "A123, another ID, another ID, and another ID") read as a stammer: they become one
    phrase ("two other locations"), each item's record pointing at it. In place."""
    ordered = sorted((ed for ed in edits if ed.text), key=lambda x: x.start)
    i = 0
    while i < len(ordered):
        m = re.fullmatch(r"another (.+)", ordered[i].text)
        j = i
        if m:
            while j + 1 < len(ordered) and ordered[j + 1].text == ordered[i].text and ordered[j + 1].key != ordered[j].key \
                    and re.fullmatch(r"\s*(?:,|,?\s*(?:and|or))\s*", query[ordered[j].end:ordered[j + 1].start]):
                j += 1
        run = ordered[i:j + 1]
        if len(run) >= 2 and len(run) in _NUMBER_WORDS:
            first, last = run[0], run[-1]
            joins = [query[a.end:b.start] for a, b in zip(run, run[1:])]
            first.text = f"{_NUMBER_WORDS[len(run)]} other {_plural(m.group(1))}"
            first.end = last.end
            for ed in run[1:]:
                ed.text = first.text  # inside the first edit now: its value goes with it
            lead = re.search(r",\s*$", query[:first.start])
            if lead and re.search(r"\b(?:and|or)\b", joins[-1]):  # "A123, B456, and C789" -> "A123 and two other IDs"
                word = re.search(r"\b(and|or)\b", joins[-1]).group(1)
                edits.append(_Edit(lead.start(), lead.end(), f" {word} ", first.key, shown=False))
        i = j + 1


_CO_GAP = re.compile(r"['\"`\u201d]?\s*(?P<u>[A-Za-z%\u00b0/]+)?\s*(?:,\s*(?:(?:and|or)\s+)?|(?:and|or|&)\s+)['\"`\u201c]?")


def _beside_kept(query: str, sp: Span, protected: list[tuple[int, int]], value: Any, name: str = "",
                 kept_names: dict[tuple[int, int], str] | None = None) -> bool:
    """Is the value one item of a coordination ("5C and 7C", "'Climate Change' and 'AI'") whose
    neighbour is a kept value of the same kind (both numbers, or both not) and, where
    ``kept_names`` says, of the same parameter ("charge1"/"charge2", not "Alaska state and USA")?"""
    num = is_num_value(value) or bool(_NUMERAL.fullmatch(sp.text.strip()))
    base = lambda n: re.sub(r"[_\-]?\d+$", "", n).lower()
    for ps, pe in protected:
        if kept_names is not None and base(kept_names.get((ps, pe), "")) != base(name):
            continue
        if pe <= sp.start and sp.start - pe <= 25:
            gap = query[pe:sp.start]
        elif ps >= sp.end and ps - sp.end <= 25:
            gap = query[sp.end:ps]
        else:
            continue
        m = _CO_GAP.fullmatch(gap)
        if not m or bool(_NUMERAL.fullmatch(query[ps:pe].strip())) != num:
            continue
        u = m.group("u")
        if u and not (num and u.lower() in MEASURES | UNITS):
            continue
        return True
    return False


def _hanging_verbs(query: str, doc: Any, edits: list[_Edit], issues: list[str], collided: set | None) -> None:
    """Removals that together leave a verb with nothing after it ("a lawsuit that was filed in
    California after January 1, 2020, can you ..." -> "that was filed, can you"; each removal alone
    kept the other complement): the last of them stays (``collided``), or the record is rejected."""
    rem = sorted((ed for ed in edits if ed.text == ""), key=lambda x: x.start)
    for i, ed in enumerate(rem):
        prev = [t for t in doc if t.idx + len(t) <= ed.start]
        if not prev or prev[-1].pos_ != "VERB" or query[prev[-1].idx + len(prev[-1]):ed.start].strip():
            continue
        v = prev[-1]
        chain = [ed]
        for nx in rem[i + 1:]:
            if query[chain[-1].end:nx.start].strip(" ,") != "":
                break
            chain.append(nx)
        if not re.match(r"\s*(?:[,.;:?!]|$)", query[chain[-1].end:]):
            continue
        if any(c.dep_ in _COMPLEMENTS and not any(x.start <= c.idx < x.end for x in chain) for c in v.children):
            continue
        issues.append(f"removing the hidden {chain[-1].key[1]!r} leaves the verb {v.text!r} with nothing after it")
        if collided is not None and len({x.key for x in chain}) > 1:
            collided.add(chain[-1].key)


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
                  protected: list[tuple[int, int]] = (),
                  issues: list[str] | None = None,
                  collided: set[tuple[int, str]] | None = None,
                  kept_names: dict[tuple[int, int], str] | None = None) -> tuple[str, dict[tuple[int, str], EditResult]]:
    """Hide every planned value. Returns the new query and what happened per parameter.

    ``doc`` is the query's spaCy parse (removal of whole constituents); ``protected`` are
    the character spans of kept values, which no edit may touch; what could not be written
    naturally is appended to ``issues``, and the parameters whose stand-in collides with the
    words around it (or repeats them) are added to ``collided``; ``kept_names`` names the parameter of
    each protected span (a coordination counts only between values of one parameter). Each result's ``current_value`` is the exact text
    that now stands where the value was ("" when it was removed)."""
    edits: list[_Edit] = []
    results: dict[tuple[int, str], EditResult] = {}

    def flag(key: tuple[int, str], why: str) -> None:
        """A wording no person would write: said in ``issues``, and the parameter marked as collided."""
        issues.append(why)
        if collided is not None:
            collided.add(key)

    protected = list(protected)
    for plan in plans:
        loc = plan.location
        if isinstance(plan.value, dict) or (isinstance(plan.value, list) and any(isinstance(x, dict) for x in plan.value)):
            eds, res = _object_edits(query, plan, rng, doc, protected, issues)
            edits += eds
            results[plan.key] = res
            continue
        elems = [(v, ss) for v, ss in loc.parts if ss]
        is_list = isinstance(plan.value, (list, tuple)) and len(elems) >= 2
        if is_list:
            # never the first item: "between some time period and 2021-Present", "include a particular
            # interactive element and maps" read as template fills (graded R1 fails, seed 21)
            head = min(min(sp.start for sp in ss) for _, ss in elems)
            later = [x for x in elems if min(sp.start for sp in x[1]) != head] or elems
            v, ss = later[rng.randrange(len(later))]
            targets, partial, removed_value = ss, True, v
        else:
            targets, partial, removed_value = loc.spans, False, plan.value
        allow_removal = plan.required and not plan.force_abstraction and not partial
        if issues is not None and not partial and targets and _beside_kept(query, targets[0], protected, plan.value,
                                                                           plan.key[1], kept_names):
            # "two charges of 5C and 7C" -> "5C and another charge" (a third charge?), "the topic of 'Climate
            # Change' and 'AI'" -> "the topic I have in mind and 'AI'", "sides of 7 units, 10 units, and 5
            # units" -> "some lengths, 10 units, and some side" (graded R1 fails, seed 22): one item of a
            # list the user wrote is not hidden while the others stay, as with list values (build --hide-parts)
            flag(plan.key, f"one item of a coordination whose other items stay ({plan.key[1]!r}): no natural way to hide it")
        orig, cur, method = None, None, None
        for k, sp in enumerate(targets):
            s, e, rep, m = _plan_span(query, sp, plan, first=(k == 0), rng=rng,
                                      allow_removal=allow_removal and k == 0 and len(targets) == 1, partial=partial,
                                      doc=doc, protected=protected, issues=issues, single=len(targets) == 1)
            s, e = _clamp(s, e, sp.start, sp.end, protected)
            if rep and isinstance(plan.value, str) and "," in plan.value and re.match(r",\s+(?:and|or)\s", query[e:]) \
                    and re.search(r"\bbetween\s+$", query[:s]):
                e += 1  # "between Boston, MA, and Washington": the comma went with the state ("a starting location, and")
            many = re.fullmatch(r"(?:a certain|a specific|a particular|a given|one particular|one specific|some|an?) (?!certain |specific |particular |given |few |number |couple |lot |several |bit )((?:[\w-]+ )*[a-z]{2,}[^siu]s)", rep)
            if many and isinstance(plan.value, int) and not isinstance(plan.value, bool):
                rep = f"a certain number of {many.group(1)}"  # bins=5: "set bin range to a particular bins" is no English
            # "for a specific file named 'x.yml'" -> "for a particular specific file" (graded R1 fail, seed 24)
            rep = re.sub(r"^(?:a certain|a specific|a particular|a given) (certain|specific|particular|given) ", r"a \1 ", rep)
            if rep and not rep.endswith((".", "!", "?")) and query[e - 1:e] == "." and re.match(r"\s+[A-Z]", query[e:]):
                rep += "."  # the sentence's full stop went with the value ("... of 0 m/s. The ...")
            if k == 0:
                orig, cur, method = query[s:e].strip(), rep, m
            elif rep.startswith("that ") and issues is not None and not re.search(
                    r"\b(?:an?|certain|specific|particular|given|some|another|several|few)\b|\bI (?:have in mind|need|want)\b", cur or ""):
                # "the e-commerce trends ... interested in that trend": the first mention names no value
                # left open (it went, or only its word went), so "that" points at nothing
                issues.append(f"a later mention of the hidden {plan.key[1]!r} would point back at a first mention that leaves no value open")
            edits.append(_Edit(s, e, rep, plan.key, shown=k == 0))
        results[plan.key] = EditResult(original_value=orig or "", current_value=cur or "", method=method or "abstraction",
                                       removed_value=removed_value)
    # two different values abstracted to the same phrase read better as "a certain X ... another X"
    seen_phrases: set[str] = set()
    for ed in sorted(edits, key=lambda x: x.start):
        m = re.match(r"^(a certain|a specific|a particular|a given|one particular|one specific|the desired|the required|the chosen|an?|the|some|my|our) (.+?)(?: I have in mind| I need| I want| I'm thinking of)?$", ed.text)
        if not m:
            continue
        head, poss = m.group(2), ""
        if head.endswith(("'s", "\u2019s")):  # "in some city and some city's music stores"
            head, poss = head[:-2], head[-2:]
        if head in seen_phrases and not head.endswith("s"):
            # "for some time ... for another time" reads as "some other time" (graded R1 fail)
            ed.text = "a different length of time" if head == "time" and not poss else f"another {head}{poss}"
            res = results.get(ed.key)
            if res is not None and res.current_value == m.group(0):
                res.current_value = ed.text
        seen_phrases.add(head)
    # "at a certain latitude and the longitude I have in mind" (graded R1 fail, seed 27): two values
    # joined by "and" share the first one's words ("at a certain latitude and longitude")
    by_start = sorted((ed for ed in edits if ed.text), key=lambda x: x.start)
    for a, b in zip(by_start, by_start[1:]):
        ma = re.match(r"^(a certain|a specific|a particular|a given) ([a-z][\w -]*)$", a.text)
        mb = _STAND_IN.match(b.text)
        if ma and mb and a.key != b.key and re.fullmatch(r"\s*(?:and|or)\s+", query[a.end:b.start]) \
                and not re.search(r"[^siu]s$", mb.group(1)) and mb.group(1) != ma.group(2) and " " not in mb.group(1):
            res = results.get(b.key)
            if res is not None and res.current_value == b.text:
                res.current_value = mb.group(1)
            b.text = mb.group(1)
    _merge_others(query, edits)
    if issues is not None and doc is not None:
        _hanging_verbs(query, doc, edits, issues, collided)
    # "a directory with a specific name ... files with that folder in their names" (graded R1 fail,
    # seed 27): a value first said as a name (title, number) is that name when said again
    firsts = {ed.key: ed.text for ed in sorted(edits, key=lambda x: x.start) if ed.shown}
    for ed in edits:
        mlabel = re.search(r"^with .*\b(name|title|number)$", firsts.get(ed.key, ""))
        if not ed.shown and mlabel and ed.text.startswith("that "):
            ed.text = f"that {mlabel.group(1)}"
    # a later mention of a value first called "another X" is "the other X", not a second "that X"
    first_phrase: dict[tuple, str] = {}
    for ed in sorted(edits, key=lambda x: x.start):
        m = re.match(r"^that (.+)$", ed.text)
        if m:
            if first_phrase.get((ed.key, m.group(1)), "").startswith("another "):
                ed.text = f"the other {m.group(1)}"
            continue
        m2 = re.match(r"^(?:another|a certain|a specific|a particular|a given|one particular|one specific|the desired|the required|the chosen|an?|the|some|my|our) (.+?)(?: I have in mind| I need| I want| I'm thinking of)?$", ed.text)
        if m2:
            first_phrase.setdefault((ed.key, m2.group(1)), ed.text)
    # "verification checks for a certain verification check": the phrase repeats a noun said
    # just before it, as no person would
    if issues is not None:
        for ed in edits:
            m3 = re.match(r"^(?:a certain|a specific|a particular|a given|one particular|one specific|the desired|the required|the chosen|an?|the|some|my|our|certain|specific|another) (.+?)(?: I have in mind| I need| I want| I'm thinking of)?$", ed.text)
            if not m3:
                continue
            # "interested in an interest", "a Hand of 8, 10, another hand": the word's stem said just before
            near = [_stem2(w.lower()) for _, _, w in _words_before(query, ed.start, 4)]  # nearest first
            # "checks for a check", "metrics like a metric", "set an alarm for an alarm time" are
            # robotic; "set the level to a specific level", "two numbers, say some number" are how people talk
            ws = [_stem2(w.lower()) for w in m3.group(1).split()]
            for k, head in enumerate(reversed(ws)):
                # a modifier said again is natural before a pure name ("the lock with a certain
                # lock ID"), and only counts when just said ("an alarm for an alarm time")
                if k > 0 and (ws[-1] in _PURE_NAMES or not any(_one_word_root(w, head) for w in near[:3])):
                    continue
                at = next((i for i, w in enumerate(near) if _one_word_root(w, head)), None)
                between = near[:at] if at is not None else []
                # ("the calorie limit to be under a particular calorie limit": graded R1 fail, seed 28; only the
                # nearest word makes the repeat natural)
                if len(head) > 3 and at is not None and not (set(between[:1]) & {"to", "say", "is", "are", "e.g", "be"} and ed.text.startswith(("a ", "an "))
                                                          or set(between) & {"and", "or"}):
                    # ("increase our outstanding shares to specific outstanding shares": graded R1 fail, seed 29)
                    flag(ed.key, f"the phrase for the hidden {ed.key[1]!r} repeats a word just said ({m3.group(1)!r})")
                    break
    if issues is not None:
        for ed in edits:
            ws = ed.text.split()
            if ws and not _STAND_IN.match(ed.text.strip()) and ws[-1][:1].isalpha() and _unplural(ws[-1]) in {
                    _unplural(w) for _, _, w in _words_before(query, ed.start, 2)}:
                # "timelines for case IDs case ID and 'B5678'": a bare noun right after the same noun
                flag(ed.key, f"the phrase for the hidden {ed.key[1]!r} repeats the noun just before it ({ed.text!r})")
        for ed in edits:
            if ed.text and _STAND_IN.match(ed.text.strip()) and re.search(r"\bcurrently\s+$", query[:ed.start], re.I):
                # "my order status that is currently a certain order status", "an order that's currently an
                # order status" (graded R1 fails, seed 24 and 104): a state said as a stand-in noun
                flag(ed.key, f"the phrase for the hidden {ed.key[1]!r} ({ed.text!r}) stands as a state after 'currently'")
            if ed.text and query[ed.start - 1:ed.start] == "(" and query[ed.end:ed.end + 1] == ")":
                # "Rivermist (a particular zip)" (graded R1 fail, seed 104): a stand-in alone in parentheses
                flag(ed.key, f"the phrase for the hidden {ed.key[1]!r} ({ed.text!r}) stands alone in parentheses")
            num = next((p.value for p in plans if p.key == ed.key), None)
            if ed.text and isinstance(num, (int, float)) and not isinstance(num, bool) \
                    and _NUMERAL.fullmatch(query[ed.start:ed.end].strip()) and (
                    re.search(r"\d\s*(?:,|\band\b|\bor\b)\s*$", query[:ed.start])
                    or re.match(r"\s*(?:,|\band\b|\bor\b)\s*\d", query[ed.end:])):
                # "side lengths: 3 and 4, 5 and 12" -> "3 and 4, one more and 12" (graded R1 fail, seed 104):
                # one number of a list of bare numbers is not hidden while the others stay
                flag(ed.key, f"the hidden {ed.key[1]!r} is one of a list of bare numbers whose others stay")
        for ed in edits:
            st = _STAND_IN.match(ed.text.strip())
            if st and re.search(r"(?:^|[.!?]['\"]?\s+)$", query[:ed.start]) and re.match(r"\s*[.!?]\s*(?:$|['\"A-Z])", query[ed.end:]):
                # "Can you also verify ...? A specific suspicion level." (graded R1 fail, seed 28): a stand-in alone
                # as a sentence says nothing
                flag(ed.key, f"the phrase for the hidden {ed.key[1]!r} ({ed.text!r}) stands alone as a sentence")
            if st and re.match(r",\s+[A-Z][A-Za-z.]*(?:\s+[A-Z][A-Za-z.]*)?(?:\s+(?:with|in|at|for|and|on|to)\b|\s*[,.?!]|\s*$)",
                               query[ed.end:]):
                # (and "in the museum I'm thinking of, New York", graded R1 fail, seed 29)
                # "hotels in Paris, France and another location, USA" (graded R1 fail, seed 28): the place a
                # stand-in is in stays behind it
                flag(ed.key, f"the phrase for the hidden {ed.key[1]!r} ({ed.text!r}) stands before the place it is in")
            if st and re.search(r"\bwho\s+(?:is|was|are|were)\s+$", query[:ed.start], re.I) \
                    and not re.search(r"\b(?:person|people|one|someone|player|artist|author|actor|president|leader)$", st.group(1)):
                # "Who was some type of information in the case docket ..." for info_type 'victim' (graded R1 fail,
                # seed 29): what a "who" question asks is a person
                flag(ed.key, f"the phrase for the hidden {ed.key[1]!r} ({ed.text!r}) stands as the person a 'who' question asks for")
            if st and len(st.group(1).split()) >= 2 and st.group(1).split()[-1].lower() in _FIELD_WORDS \
                    and st.group(1).lower() not in query.lower():
                # "involved in a certain activity tag", "redesigning my room function" (graded R1 fails, seed 28/29):
                # the parameter's field name, not the user's word
                flag(ed.key, f"the phrase for the hidden {ed.key[1]!r} ({ed.text!r}) names the tool's field, not the user's thing")
        for ed in edits:  # "total amounting to $25, taking ..." -> "total amounting, taking" (graded R1 fail, seed 104)
            if ed.text == "" and re.search(r"\b(?:amounting|totaling|totalling|costing|priced|valued|worth|is|are|was|were|be|been)\s*$", query[:ed.start], re.I) \
                    and re.match(r"\s*(?:[,.;:?!]|$)", query[ed.end:]):
                flag(ed.key, f"removing the hidden {ed.key[1]!r} leaves {query[:ed.start].split()[-1]!r} with nothing after it")
        for ed in edits:  # "SNP (Single Nucleotide Polymorphism) a particular ID": an article inside a noun phrase
            if re.match(r"(?:an?|some|the|one)\s", ed.text) and re.search(r"\w\)\s+$", query[:ed.start]):
                issues.append(f"the phrase for the hidden {ed.key[1]!r} ({ed.text!r}) follows a parenthesis inside its noun phrase")
        for ed in edits:  # "measures a length in length", "another interactive element as interactive elements"
            m4 = _STAND_IN.match(ed.text.strip())
            after = (re.match(r"\s+(?:in|of|as|for)\s+((?:[A-Za-z-]+\s+){0,2}[A-Za-z-]+)\b", query[ed.end:])
                     or re.match(r"\s+(?:is|was|are|were)\s+(?:an?|the|one)\s+((?:[A-Za-z-]+\s+){0,2}[A-Za-z-]+)\b", query[ed.end:]))
            # ("where a specific party is a party": graded R1 fail, seed 23)
            if m4 and after and _stem1(m4.group(1).split()[-1].lower()) in {_stem1(w.lower()) for w in after.group(1).split()}:
                flag(ed.key, f"the phrase for the hidden {ed.key[1]!r} ({ed.text!r}) is said again right after it")
        for ed in edits:
            why = _collision(query, doc, ed.start, ed.end, ed.text)
            if why:
                flag(ed.key, f"the phrase for the hidden {ed.key[1]!r} ({ed.text.strip()!r}) {why}")
        by_pos = sorted((ed for ed in edits if ed.text.strip()), key=lambda x: (x.start, x.end))
        for a, b in zip(by_pos, by_pos[1:]):  # "released between the time period I have in mind and another time period"
            if re.search(r"\bbetween\s+$", query[:a.start]) and re.fullmatch(r"\s*,?\s*and\s+", query[a.end:b.start]) \
                    and _STAND_IN.match(a.text.strip()) and _STAND_IN.match(b.text.strip()):
                flag(b.key, f"both ends of a 'between' range are hidden ({a.key[1]!r}, {b.key[1]!r}): reads as a form to fill")
        for a, b in zip(by_pos, by_pos[1:]):  # "bound to a specific node a certain library"
            if a.end <= b.start and query[a.end:b.start].strip(" '\"`") == "" and a.key != b.key \
                    and _STAND_IN.match(b.text.strip()) and _STAND_IN.match(a.text.strip()):
                flag(b.key, f"the phrases for the hidden {a.key[1]!r} and {b.key[1]!r} stand side by side")
    for ed in edits:  # a stand-in that now begins a sentence ("... tax evasion? A suspicion level of 6.")
        if ed.text[:1].islower() and query[ed.start:ed.start + 1].isupper() and re.search(r"[.?!]['\"]?\s+$", query[:ed.start]):
            ed.text = ed.text[0].upper() + ed.text[1:]
    # apply right to left; an edit overlapping an applied one shrinks to what is free
    made = list(edits)
    edits.sort(key=lambda x: (x.start, x.end))
    merged: list[_Edit] = []
    standing: dict[int, str] = {}  # id of an edit -> the text that now stands for it
    for ed in edits:
        if merged and ed.start < merged[-1].end:
            prev = merged[-1]
            if ed.end <= prev.end:
                standing[id(ed)] = prev.text
                continue  # fully inside: its value disappears with the other edit
            standing[id(ed)] = ed.text
            ed = _Edit(prev.end, ed.end, ed.text, ed.key, ed.shown)
        merged.append(ed)
    out = query
    for ed in reversed(merged):
        out = out[: ed.start] + ed.text + out[ed.end :]
    out = tidy(out, query)
    for key, res in results.items():  # what the record says stands there is what stands there
        parts = []
        for ed in made:
            if ed.key == key and ed.shown:
                t = _standing_text(out, standing.get(id(ed), ed.text))
                if t and t not in parts:
                    parts.append(t)
        res.current_value = "; ".join(parts)
    return out, results


_STAND_IN = re.compile(r"^(?:a certain|a specific|a particular|a given|one particular|one specific|the desired|the required|the chosen|an?|the|some|my|our|another|certain|specific)\s+(.+?)"
                       r"(?: I have in mind| I need| I want| I'm thinking of)?[.!?]?$")
# words before which a noun phrase cannot start; "a"/"the"/"my"/"some" merge with the phrase (tidy)
_BEFORE_NP = (DETERMINERS - {"a", "an", "the", "my", "your", "our", "some"}) | {"another", "top", "every", "each", "no",
                                                                             "any", "which", "what", "whose"}
_MODIFIER_DEPS = {"compound", "amod", "nmod", "nummod", "quantmod"}
_KIND_NOUNS = {"species", "type", "kind", "category", "genre", "breed", "class", "sort", "variety"}


def _collision(query: str, doc: Any, s: int, e: int, text: str) -> str | None:
    """Why the noun phrase ``text`` put in place of query[s:e) collides with the words around it,
    or None: a determiner or a noun already there ("the keyword a certain pattern", "top some
    number"), a noun the value modified left behind ("an area state", "a specific case ID
    legal case"), a unit as the name ("a m.", "another sq.ft"), a value said as an adverb or
    adjective ("compounded a compounding freq", "eat a certain diet preference")."""
    if text.strip().lower() in _KIND_NOUNS:
        return "names a kind in place of one thing"  # "a 23-year-old dog" -> "a 23-year-old species"
    m = _STAND_IN.match(text.strip()) or re.match(r"^(?:that|the other)\s+(.+?)$", text.strip())
    if not m:
        return None
    core = m.group(1)
    cw = [w.lower().strip(".,") for w in core.split()]
    if any(w in UNITS and w not in ("unit", "units", "items") for w in cw[:-1]) and not any(re.search(r"\d", w) for w in cw):
        return "keeps a unit without its number"  # "a 30 minutes interval" -> "a minutes interval"
    if re.fullmatch(r"(?:certain|specific|particular|given|desired|required|chosen|other|I have in mind|I need|I want)?", core.strip()):
        return "has no noun"  # "features like a specific, online ordering"
    if re.match(r"[A-Za-z0-9]", query[e:e + 1]) or (s > 0 and re.match(r"[A-Za-z0-9]", query[s - 1])):
        return "runs into the word next to it"  # "another chargeC"
    head = core.split()[-1].lower().strip(".,") if core.split() else ""
    if " of " not in f" {core} " and (head in MEASURES - {"units", "unit"} or head.startswith("sq.") or head in ("sq", "ft")):
        return "is a unit, not a name"
    after = query[e:]
    if re.match(r",\s*[A-Z]{2}\b(?![a-z'])", after):
        return "leaves the place's state or country behind"  # "another area, CA"
    if re.match(r"\s?[:/]?\d", after):
        return "runs into a number after it"  # "the ratio I want:1"
    mu = re.match(r"\s+([A-Za-z\u00b0%][\w\u00b0^/.]*)", after)
    if mu and len(mu.group(1).rstrip(".")) > 1 and (mu.group(1).rstrip(".") in MEASURES or mu.group(1).lower().rstrip(".") in
                                                       MEASURES - {"a", "s", "m", "g", "k", "c", "f", "j", "n", "w", "v", "in"}):
        if " of " not in f" {core} ":
            return f"leaves a unit behind ({mu.group(1)!r})"  # "a specific threshold dB"
    prev = _words_before(query, s, 1)
    if prev and prev[0][2].lower() in _BEFORE_NP and _only_space_between(query, prev[0][1], s):
        return "follows a determiner already there"
    if prev and (prev[0][2].isdigit() or prev[0][2].lower() in _NUMBER_WORDS.values()) and _only_space_between(query, prev[0][1], s):
        return "follows a number already there"  # "in 2 the unit I'm thinking of"
    if doc is None:
        return None
    V = [t for t in doc if t.idx < e and t.idx + len(t) > s]
    before = [t for t in doc if t.idx + len(t) <= s]
    # "play the game a number of times", "strength a certain distance away"
    adverbial = any(t.dep_ == "npadvmod" and t.lower_ in MEASURES | UNITS | {"times"} or t.head.pos_ == "ADV" for t in V)
    if before:
        pt = before[-1]
        gap = query[pt.idx + len(pt):s]
        if not adverbial and pt.pos_ == "NOUN" and pt.dep_ != "dative" and gap.strip(" '\"`") == "" and pt.lower_ not in MEASURES:
            return f"follows a noun already there ({pt.text!r})"
        if pt.pos_ == "PROPN" and pt.dep_ not in ("dative", "nsubj") and gap.strip() == "" and (
                pt.head.i in {t.i for t in V} or any(t.head.i == pt.i for t in V)):
            return f"follows a name already there ({pt.text!r})"  # "the air quality index in London a certain date"
        if pt.dep_ in ("compound", "amod", "nmod") and pt.head.idx >= s and pt.head.idx < e and gap.strip(" '\"`") == "":
            return f"follows a word of its own noun phrase ({pt.text!r})"  # "a specific node the desired library"
    if not V:
        return None
    ids = {t.i for t in V}
    possessive = re.search(r"['\u2019]s?$", core) is not None  # "a certain artist's concert" keeps its noun
    for t in V:
        r = t
        while r.dep_ == "conj" and r.head.i not in ids and r.head.i < r.i:  # "role-playing and action games"
            r = r.head
        if r.head.i in ids or r.head is r:
            continue
        if (r.dep_ in _MODIFIER_DEPS or r.dep_ == "poss" and not possessive) and r.head.idx >= e:
            return f"leaves the noun it modified behind ({r.head.text!r})"
    tops = [t for t in V if t.head.i not in ids or t.head.i == t.i]  # (spaCy makes a new Token per access: no "is")
    if tops and all(t.pos_ in ("ADV", "ADJ") for t in V if not t.is_punct) and tops[0].dep_ in ("advmod", "acomp", "oprd", "xcomp", "npadvmod"):
        return "stands for an adverb or adjective"
    if tops and all(t.pos_ in ("VERB", "AUX") for t in V if not t.is_punct) and tops[0].dep_ in ("ROOT", "acomp", "xcomp", "ccomp", "conj", "relcl", "advcl"):
        return "stands for a verb"  # "I'm currently employed" -> "I'm currently the employment status I'm thinking of"
    return None


def _standing_text(out: str, text: str) -> str:
    """``text`` as it now reads in ``out`` (tidy may capitalise it); "" when it is gone."""
    text = text.strip()
    if not text or text in out:
        return text
    i = out.lower().find(text.lower())
    return out[i:i + len(text)] if i >= 0 else ""


_DANGLING = re.compile(r"(?<!thinking )\b(?:with|for|from|in|at|on|to|by|of|the|a|an|and|or|using)\s*([.?!,;])", re.I)


def tidy(text: str, original: str | None = None) -> str:
    """Make the edited text read naturally; what the user wrote that way ("I'm stuck on.") stays."""
    t = re.sub(r"(['\"`])\s*\1", "", text)  # empty quotes
    t = re.sub(r"\(\s*\)", "", t)
    t = re.sub(r"(?<=\S)[ \t]{2,}", " ", t)  # spaces an edit left; a line's own indentation stays
    t = re.sub(r"\s+([.,?!;:])", r"\1", t)
    t = re.sub(r",\s*([.?!])", r"\1", t)
    t = re.sub(r",\s*,", ",", t)
    # "from January 1, 2023, to ..." -> "from a date, to another date": the comma was the date's
    t = re.sub(r"\b((?:a|another|a certain|a specific|a particular|some|that) date), (to|and|until|through)\b",
               lambda m: m.group(0) if original and m.group(0) in original else f"{m.group(1)} {m.group(2)}", t)
    t = re.sub(r"\b(?:a|an|the|my|your|our|some) (a certain|a specific|a particular|a given|another|an?|the|some|my|our)\b(?= \w)", r"\1", t, flags=re.I)
    t = re.sub(r"\b(?!(?:It|That|What|Here|There|He|She|Who|Let|Where|How|This)'s\b)([A-Z]\w*(?:'s|s')) (?:a certain|a specific|a particular|a given|the|some|my) (?=\w)",  # "Jordan's the stat"
               lambda m: m.group(0) if original and m.group(0) in original else m.group(1) + " ", t)
    prev = None
    keep = {m.group(0).lower() for m in _DANGLING.finditer(original)} if original else set()
    while prev != t:
        prev = t
        t = _DANGLING.sub(lambda m: m.group(0) if m.group(0).lower() in keep else m.group(1), t)
    t = re.sub(r"\s+([.,?!;:])", r"\1", t)  # "Send it ." once "to" has gone
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
    if re.search(r"(?<!thinking )\b(with|for|from|in|at|on|to|by|of)\s*[.?!]", text, re.I):
        issues.append("dangling preposition")  # ("the event I'm thinking of?" ends as people end it)
    if not text.strip():
        issues.append("empty query")
    return issues
