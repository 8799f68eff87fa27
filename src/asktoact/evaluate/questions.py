"""What does a clarifying question ask for? The judge's own reading of questions.

People ask for several values at once ("the appointment ID and the new date and doctor's
name"), in their own words ("how many adult tickets", "where", "which one"), and wrap the
question in chatter ("Sure, I can help with that."). So a question is read as:

1. sentences that request something (a question mark or a request verb), minus
   confirmations ("..., correct?");
2. each sentence split into clauses at coordinations ("and", commas, "as well as");
3. each clause scored against *every* parameter of the record, stated or not: word overlap
   weighted by how specific a word is within this record (``appointment`` shared by two
   parameters says less than ``doctor``), synonyms and kind cues (``when`` -> dates,
   ``where`` -> places, ``how many`` -> counts), optionally a sentence-embedding similarity,
   and a penalty for content words that belong to none of the record's tools (a question
   about another API);
4. a clause targets its best parameter when that score is high enough and clearly ahead of
   the runner-up (relative scoring across the record's parameters).

The vocabulary here is the judge's own: nothing is shared with the code that writes
questions (curate.rewrite, dialogues.content), so the simulator cannot reward its echo.
Thresholds are calibrated on the calibration part of real API-Bank questions
(bench/oracle_external.py); the held-out part is never used for tuning.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Sequence

# ------------------------------------------------------------------ vocabulary (ours)

STOP = frozenset("""
a an the of for to in on at by with from about into as is are was were be been being am do does did done
i me my mine we us our you your yours he she it its they them their this that these those there here
what which who whom whose when where why how please could would can will shall should may might must
let know tell give provide share specify confirm enter send need needs want wants like mind have has
had get got also just so and or but if then than any some all each every more most other such only own
same too very s t just now sure okay ok great thanks thank alright right help happy glad course certainly
kindly go ahead again well yes no not able make sure that's it's i'm i'll i'd you'd you're
particular specific exact exactly detail details information info bit little something anything
would like interested looking want wish prefer planning plan going re ll ve d m ask asking asked need see
mean meant use using used over between during within
""".split())
# verbs of doing that name no value ("when would you like to book it?"): they do not make a
# clause foreign to the record, yet match a parameter that is named by them ("book")
NEUTRAL = frozenset("book booked reserve reserved arrange happen occur held hold take put write note down".split())

# parameter-name abbreviations, spelled out
ABBREVIATIONS = {
    "num": "number", "no": "number", "nbr": "number", "qty": "quantity", "amt": "amount", "addr": "address",
    "dob": "birth date", "desc": "description", "tz": "timezone", "lat": "latitude", "lon": "longitude",
    "lng": "longitude", "dept": "department", "org": "organization", "msg": "message", "pwd": "password",
    "passwd": "password", "img": "image", "src": "source", "dst": "destination", "dest": "destination",
    "cnt": "count", "temp": "temperature", "loc": "location", "usr": "user", "uname": "username",
    "tel": "phone", "ph": "phone", "cat": "category", "max": "maximum", "min": "minimum", "avg": "average",
    "freq": "frequency", "dur": "duration", "ts": "timestamp", "dt": "date", "yr": "year", "mo": "month",
    "hr": "hour", "hrs": "hours", "sec": "second", "secs": "seconds", "pct": "percent", "lang": "language",
    "ccy": "currency", "curr": "currency", "acct": "account", "pos": "position", "ref": "reference",
    "doc": "document", "dir": "directory", "cfg": "configuration", "config": "configuration", "db": "database",
    "str": "string", "int": "integer", "btn": "button", "pic": "picture", "vid": "video", "kw": "keyword",
    "kws": "keywords", "info": "information", "mgr": "manager", "emp": "employee", "prod": "product",
    "pkg": "package", "ver": "version", "env": "environment", "param": "parameter", "req": "request",
}

# words a person may use for a word in a parameter's name (both directions are added)
SYNONYMS = [
    ("start", "begin", "beginning", "from", "since", "starting", "departure", "depart"),
    ("end", "finish", "until", "till", "ending", "stop", "to"),
    ("time", "hour", "clock", "timing"),
    ("date", "day", "dated"),
    ("location", "place", "venue", "address", "city", "where", "located", "area", "spot"),
    ("destination", "arrival", "arrive", "going", "headed"),
    ("origin", "departure", "leaving"),
    ("phone", "telephone", "mobile", "cell"),
    ("email", "mail"),
    ("quantity", "number", "count", "amount", "many", "much", "total"),
    ("user", "username", "login"),
    ("password", "passcode", "passphrase"),
    ("doctor", "physician", "dr", "doc"),
    ("name", "called", "title"),
    ("content", "text", "message", "body", "description", "say", "about", "topic", "subject"),
    ("price", "cost", "fee", "rate", "budget", "spend"),
    ("size", "big", "large", "dimension"),
    ("type", "kind", "sort", "category", "variety", "genre"),
    ("id", "identifier", "code", "reference"),
    ("url", "link", "website", "site", "webpage", "web", "address", "uri"),
    ("symptom", "symptoms", "feeling", "experiencing", "ailment", "problem", "issue", "wrong", "complaint"),
    ("formula", "calculation", "calculate", "expression", "equation", "compute", "math", "sum"),
    ("start", "span", "range", "period", "interval", "window"),
    ("end", "span", "range", "period", "interval", "window"),
    ("user", "username", "credential", "credentials", "login"),
    ("password", "credential", "credentials", "login"),
    # a value to change to: "reschedule it to", "who instead", "what do you want to change it to"
    ("new", "change", "changed", "reschedule", "instead", "update", "updated", "modify", "replace", "switch"),
    ("source", "text", "translate", "original"),
    ("target", "translate", "into"),
    ("keyword", "keywords", "search", "query", "term"),
    ("duration", "long", "length"),
    ("language", "lang"),
    ("currency", "money"),
    ("person", "people", "who", "whom"),
    ("adult", "grown"),
    ("child", "kid", "children", "kids"),
    ("movie", "film"),
    ("data", "reading", "readings", "measurement", "record", "recorded"),
    ("from", "current", "currently", "existing", "old"),  # in a change, the value it has now
    ("hotel", "stay", "accommodation", "lodging", "motel", "inn"),
    ("checkin", "arrive", "arrival", "arriving"),
    ("checkout", "leave", "leaving", "depart", "departure"),
    ("song", "track", "music"),
    ("weight", "heavy", "weigh"),
    ("distance", "far", "kilometer", "mile", "km"),
    ("temperature", "degree", "hot", "cold", "warm"),
    ("age", "old"),
    ("year", "years", "annual"),
    ("limit", "maximum", "cap", "most"),
    ("token", "authentication", "auth"),
    ("meeting", "agenda", "schedule", "appointment"),
    ("reminder", "remind"),
    ("alarm", "wake"),
    ("balance", "funds"),
    ("recipient", "receiver", "to", "send"),
    ("sender", "from"),
]

# one way only: words a person uses for a parameter that do not name the parameter's namesakes
# ("your account" asks for the login, but a parameter called ``account`` is no username). A login
# is often an email address. (Asked for a token, real users say they have none: not credentials.)
ALSO_MEANS = {"username": ("account", "sign", "email"), "password": ("account", "sign")}

# question words and phrases that point at a kind of value
KIND_CUES = {
    "date": re.compile(r"\b(when|what day|which day|what date|which date|how soon|how long ago|reschedul\w*|postpon\w*)\b"),
    "time": re.compile(r"\b(when|what time|which time|what hour|how late|how early|reschedul\w*|postpon\w*)\b"),
    "number": re.compile(r"\b(how many|how much|how long|how far|how old|how big|how often|what number|number of|what percentage)\b"),
    "place": re.compile(r"\b(where|which city|what city|which place|what place|which country|what address)\b"),
    "person": re.compile(r"\b(who|whom|whose)\b"),
    "choice": re.compile(r"\b(which one|which of|what kind|what type|which kind|which type|what sort)\b"),
    "flag": re.compile(r"\b(whether|do you want|should i|would you like)\b"),
    "ip": re.compile(r"\b(ip address|ipv4|ipv6|ip)\b"),
    "email": re.compile(r"\b(e-?mail address|e-?mail)\b"),
    "url": re.compile(r"\b(url|link|web ?site|web ?page)\b"),
}
# what a value looks like says what it is, whatever the parameter is called
_SHAPES = {"date": re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?)?$"),
           "ip": re.compile(r"^\d{1,3}(\.\d{1,3}){3}$"), "email": re.compile(r"^[^@\s]+@[^@\s]+\.\w+$"),
           "url": re.compile(r"^(https?://|www\.)\S+$")}

_PLACE_WORDS = {"city", "location", "place", "country", "address", "region", "destination", "origin", "venue", "hotel",
                "state", "area", "where", "airport", "station", "street", "zip", "postal", "town", "route"}
_PERSON_WORDS = {"name", "person", "doctor", "user", "username", "attendee", "recipient", "sender", "author",
                 "artist", "owner", "patient", "contact", "guest", "player", "customer", "participant", "who"}
_DATE_WORDS = {"date", "day", "year", "month", "birthday", "week", "deadline", "when", "dob"}
_TIME_WORDS = {"time", "hour", "minute", "timestamp", "clock", "when", "datetime"}
_NUMBER_WORDS = {"number", "count", "amount", "quantity", "total", "size", "limit", "age", "price", "duration",
                 "length", "weight", "height", "distance", "rate", "level", "score", "percent", "percentage",
                 "many", "much", "nights", "days", "people", "guests", "adults", "children", "rooms"}

# values that come in pairs: one question often asks for both ("the time span", "your credentials")
PAIRS = [{"start", "end"}, {"from", "to"}, {"begin", "end"}, {"minimum", "maximum"}, {"in", "out"},
         {"user", "password"}, {"username", "password"}, {"email", "password"}, {"check", "out"}, {"origin", "destination"},
         {"departure", "arrival"}, {"latitude", "longitude"}, {"width", "height"}, {"length", "width"}]
# words that name no value by themselves ("the name", "the number", "the details")
GENERIC = {"name", "number", "value", "type", "kind", "thing", "one", "option", "choice", "amount", "data"}
# words that say what kind of value, not which (carried by cues such as "how many")
KIND_WORDS = {"count", "number", "amount", "total", "quantity", "num"}
# words that ask for both values of a pair at once ("the time span", "your credentials")
BOTH_WORDS = {"span", "range", "period", "interval", "window", "credential", "login", "account"}
# words naming the person asked ("your name" is the patient's, not the doctor's)
SELF_WORDS = {"user", "username", "patient", "customer", "my", "own", "applicant", "member", "holder", "sender",
              "account", "caller", "client", "owner", "self", "personal", "contact"}

_WORD = re.compile(r"[a-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")

# sentences that only confirm, never ask for a value
_CONFIRM = re.compile(r"(\b(correct|right|is that ok(ay)?|is that it|shall i proceed|should i proceed|go ahead|"
                      r"is this correct|am i right|did i get that right)\s*\?\s*$)|^\s*(just )?to (confirm|verify|clarify)\b|"
                      r"^\s*(so )?you want (me )?to\b|^\s*do you want me to\b|^\s*would you like me to\b|^\s*shall i\b", re.I)
_REQUEST = re.compile(r"\?|\b(please|tell me|let me know|provide|give me|share|specify|i need|i'll need|i will need|"
                      r"i'd need|need to know|what|which|when|where|who|how|could you|can you|would you|may i have|"
                      r"enter|type in|send me|confirm your)\b", re.I)
_SENT = re.compile(r"(?<=[.?!])\s+|\n+")
_CLAUSE = re.compile(r",|;|\band\b|\bas well as\b|\balong with\b|\bplus\b|\btogether with\b|\bin addition to\b|\bor\b", re.I)


def stem(w: str) -> str:
    """A light stemmer: plural and verb endings, enough to match 'tickets' with 'ticket'."""
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 5 and w.endswith("ing"):
        return w[:-3]
    if len(w) > 4 and w.endswith("es") and w[-3] in "sxz":
        return w[:-2]
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


def words(text: str) -> list[str]:
    text = re.sub(r"%[a-zA-Z]", " ", text)  # format strings ("%Y-%m-%d") are not words
    text = _CAMEL.sub(" ", text)  # an API named in the question: its words
    return _WORD.findall(text.lower().replace("'s ", " ").replace("’s ", " "))


KEEP = frozenset({"from", "to", "in", "out", "on", "off", "new", "current", "start", "end"})  # meaningful in names


def content(text: str) -> list[str]:
    ws = words(text)
    return [stem(w) for w in ws if w not in STOP] + [stem(a) + b for a, b in zip(ws, ws[1:]) if a not in STOP and (
        b in _PARTICLES or len(b) == 1 and b not in "ai" and len(a) > 1)]


_PARTICLES = {"in", "out", "up", "off", "on", "down"}  # "check in" -> "checkin", as in check_in_time


def name_parts(name: str) -> list[str]:
    """``newAppointmentDate`` / ``new_appointment_date`` -> [new, appointment, date], abbreviations spelled out."""
    out: list[str] = []
    for part in re.split(r"[_\-\s./]+", _CAMEL.sub(" ", name)):
        for w in words(part):
            out.extend(ABBREVIATIONS.get(w, w).split())
    return out


_SYN: dict[str, set[str]] = {}
for _group in SYNONYMS:
    _g = {stem(w) for w in _group}
    for _w in _g:
        _SYN.setdefault(_w, set()).update(_g - {_w})


# ------------------------------------------------------------------------ parameters


@dataclass
class Param:
    """One argument of one call, as the judge sees it."""

    key: str  # "call.param"
    call: int
    name: str
    api: str
    value: Any
    removed: bool = False
    linked_to: str | None = None
    name_words: set[str] = field(default_factory=set)
    syn_words: set[str] = field(default_factory=set)
    desc_words: set[str] = field(default_factory=set)
    kinds: set[str] = field(default_factory=set)
    profile: str = ""  # text for the sentence encoder
    unigrams: set[str] = field(default_factory=set)
    loose_words: set[str] = field(default_factory=set)  # ALSO_MEANS: weaker than a true synonym

    @classmethod
    def make(cls, key: str, call: int, name: str, api: str, value: Any, schema: dict, removed: bool = False,
             linked_to: str | None = None) -> "Param":
        parts = name_parts(name)
        nw = {stem(w) for w in parts if w not in STOP or w in KEEP} or {stem(w) for w in parts}
        nw |= {a + b for a, b in zip(parts, parts[1:])}  # compounds: check_in -> "checkin"
        syn = set().union(*(_SYN.get(w, set()) for w in nw)) - nw if nw else set()
        loose = {stem(x) for w in nw for x in ALSO_MEANS.get(w, ())} - nw - syn
        syn |= loose
        desc = str(schema.get("description") or "")
        dw = set(content(desc)[:16]) - nw
        enum = schema.get("enum")
        kinds = _kinds(nw, schema, value)
        if enum:
            kinds.add("choice")
        prof = " ".join(parts) + (f": {desc}" if desc else "")
        uni = {stem(w) for w in parts}
        return cls(key, call, name, api, value, removed, linked_to, nw, syn, dw, kinds, prof, uni, loose)


def _kinds(nw: set[str], schema: dict, value: Any) -> set[str]:
    k: set[str] = set()
    t = schema.get("type")
    fmt = str(schema.get("format") or "")
    if nw & _DATE_WORDS or "date" in fmt:
        k.add("date")
    if nw & _TIME_WORDS or "time" in fmt:
        k.add("time")
    if t in ("integer", "number") or (isinstance(value, (int, float)) and not isinstance(value, bool)) or nw & _NUMBER_WORDS:
        k.add("number")
    if nw & _PLACE_WORDS:
        k.add("place")
    if nw & _PERSON_WORDS:
        k.add("person")
    if t == "boolean" or isinstance(value, bool):
        k.add("flag")
    if isinstance(value, str):
        k |= {kind for kind, rx in _SHAPES.items() if rx.match(value.strip())}
    if "email" in nw:
        k.add("email")
    if nw & {"url", "link", "website", "uri"}:
        k.add("url")
    return k


# ------------------------------------------------------------------------- scoring

# calibrated on the calibration part of the API-Bank question set (bench/oracle_external.py)
MIN_SCORE = 0.5  # a clause's best parameter must reach this
MARGIN = 0.05  # ... and lead the runner-up by this much (relative scoring)
MIN_PRECISION = 0.0  # share of the clause's content words the record knows


@dataclass
class Reading:
    """What one question asks for: target parameter indices, and the best score seen.

    ``calls`` are the APIs the question names, when it names nothing the record does not know
    ("What number should I use for capacitance_calculator.calculate?"): if no value was read,
    the judge decides from what is still open whether that asks for one value.
    """

    targets: list[int]
    best: int | None
    best_score: float
    clause_scores: list[list[float]] = field(default_factory=list)
    calls: set[str] = field(default_factory=set)


_TITLED = re.compile(r"\b(Dr|Mr|Mrs|Ms|Prof|St)\.?\s+[A-Z][\w-]*")
# dates and quoted phrases the question states; a quoted single word may name a parameter ("file_name2")
_VALUES = re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?\b|\"[^\"]*\s[^\"]*\"|“[^”]*\s[^”]*”")


def request_sentences(question: str) -> list[str]:
    """Sentences that ask for something. Values the question itself states ("with Dr. John
    on 2023-10-15") are what it already knows, not what it asks for: they are blanked."""
    question = _VALUES.sub(" that ", _TITLED.sub(" them ", question))
    sents = [s.strip() for s in _SENT.split(question.strip()) if s.strip()]
    asking = [s for s in sents if _REQUEST.search(s) and not _CONFIRM.search(s)]
    return asking


# a leading purpose clause says why, not what: "To delete your account, I need your token."
_PURPOSE = re.compile(r"^\s*(?:in order |so as )?to\b[^,]*,\s*", re.I)


# "to"/"from" name the side of a change only where they end a question or follow a change verb
_CHANGE = r"\b(?:chang|mov|switch|shift|updat|modif|reschedul|push|set|adjust)\w*\s+(?:\w+\s+){0,3}?"
_DIRECTION = {w: re.compile(rf"\b{w}\b(?=\s*(?:[?.!]|$|when\b|what\b|which\b))|{_CHANGE}{w}\b(?!\s+(?:be|do|have|make|get)\b)")
              for w in ("to", "from")}


def clauses(sentence: str) -> list[str]:
    parts = [p.strip() for p in _CLAUSE.split(_PURPOSE.sub("", sentence))]
    return [p for p in parts if p and (content(p) or bare_cues(p))]


# kinds a bare question word asks for by itself ("When is it?", "and where?"); "which one" or
# "would you like" alone say nothing of what is wanted
BARE_KINDS = ("date", "time", "place", "person", "number")


def bare_cues(text: str) -> set[str]:
    low = text.lower()
    return {k for k in BARE_KINDS if KIND_CUES[k].search(low)}


class QuestionReader:
    """Scores questions against a record's parameters; ``embedder`` (sentence-transformers) is optional."""

    def __init__(self, embedder: Any = None, min_score: float = MIN_SCORE, margin: float = MARGIN,
                 min_precision: float = MIN_PRECISION, embed_weight: float = 0.6):
        self.embedder = embedder
        self.min_score, self.margin, self.min_precision = min_score, margin, min_precision
        self.embed_weight = embed_weight

    # ---- parts
    @staticmethod
    def idf(params: Sequence[Param]) -> dict[str, float]:
        df: dict[str, int] = {}
        for p in {(p.api, p.name): p for p in params}.values():
            for w in p.name_words:
                df[w] = df.get(w, 0) + 1
        n = max(1, len({(p.api, p.name) for p in params}))
        return {w: math.log(1 + n / c) / math.log(1 + n) for w, c in df.items()}

    @staticmethod
    def domain(params: Sequence[Param], tools_text: str) -> set[str]:
        d = set(content(tools_text))
        for p in params:
            d |= p.name_words | p.syn_words | p.desc_words
            d |= set(content(p.api and " ".join(name_parts(p.api))))
        return d

    def clause_scores(self, clause: str, params: Sequence[Param], idf: dict[str, float], domain: set[str],
                      emb: Sequence[float] | None) -> tuple[list[float], float]:
        low = _CAMEL.sub(" ", clause).lower()
        # "name" as a verb ("what would you like to name the account?") asks for the object's name
        low = re.sub(r"\bname (?=(?:the|your|this|that|it|its|his|her|their|my|our)\b)", "", low)
        # the head of the phrase comes before "of/for/with/about": "the ID of your living room light"
        head, tail = low, ""
        for m in re.finditer(r"\b(?:of|for|with|about|regarding)\b", low):
            if content(low[:m.start()]) and content(low[m.end():]):  # a preposition after the first content word
                # ends the head (a trailing one, "what is it about?", is part of it)
                head, tail = low[:m.start()], low[m.end():]
                break
        weight = {w: 1.0 for w in content(head)}
        named = set().union(*(p.name_words | p.syn_words for p in params))
        for w, rx in _DIRECTION.items():  # "moved to?", "changed from", "from when to when"
            if w in named and rx.search(low):
                weight[w] = 1.0
        for w in content(tail or ""):
            weight.setdefault(w, 0.5)
        api_words = set().union(*(set(content(" ".join(name_parts(p.api)))) for p in params)) if params else set()
        q = {w for w in weight if w not in api_words or w in named} or set(weight)
        ws = words(head)
        pairs = {a + b for a, b in zip(ws, ws[1:])} & named  # "travel to" -> travel_to, "first name"
        own = bool(re.search(r"\byour\b", low))
        cue_words = {stem(w) for k, rx in KIND_CUES.items() for m in rx.finditer(low) for w in words(m.group(0))}
        judged = {w for w in q if (w not in GENERIC and w not in NEUTRAL or w in named) and w not in cue_words}
        known = {w for w in judged if w in domain or w in _SYN and _SYN[w] & domain}
        precision = len(known) / len(judged) if judged else (1.0 if q or bare_cues(low) else 0.0)
        cue_kinds = {k for k, rx in KIND_CUES.items() if rx.search(low)}
        cue_owned = any(cue_kinds & p.kinds for p in params)  # a parameter of that kind takes the cue's words
        out = []
        for i, p in enumerate(params):
            uni = [w for w in p.unigrams if w in p.name_words and w not in KIND_WORDS]
            # normalised by the words only this parameter has: its distinctive part must be asked for
            norm = max(1.0, sum(idf.get(w, 1.0) for w in uni if idf.get(w, 1.0) >= 0.999)) ** 0.5
            hit = q & p.name_words
            s = sum(idf.get(w, 1.0) * weight[w] for w in hit) / norm
            s += 0.5 * len((pairs - hit) & p.name_words)
            # a cue word counts once: as a kind cue when the record has that kind, else as a synonym
            # ("your email" asks for a login that has no email parameter)
            syn = (q - hit - (cue_words if cue_owned or cue_kinds & p.kinds else set())) & p.syn_words
            s += sum((0.6 if w in p.loose_words else 0.9) * weight[w] for w in syn) / max(1, len(uni)) ** 0.5
            s += 0.25 * min(2.0, sum(weight[w] for w in (q - hit - syn) & p.desc_words))
            if cue_kinds & p.kinds:
                s += 0.5 * max(precision, 0.5 if not q else precision)
            # only when the clause names the parameter: a word of its description alone is not enough
            if (hit or syn or cue_kinds & p.kinds) and (p.name_words | p.desc_words) & SELF_WORDS:
                if own:
                    s += 0.3  # "your name": the person asked
                elif "person" in cue_kinds:
                    s -= 0.2  # "who do you want to see": someone else
            if emb is not None:
                s += self.embed_weight * max(0.0, emb[i] - 0.15)
            # an identifier-like parameter name written verbatim ("user_id", "accountType"); a name
            # in capitals is matched as written, and never as the pronoun "I" or the article "A"
            if ("_" in p.name or not p.name.islower()) and p.name not in ("I", "A", "a") and re.search(
                    r"(?<!\w)" + re.escape(p.name) + r"(?!\w)", clause, flags=re.I if p.name.islower() else 0):
                s += 0.6
            out.append(round(s * (0.5 + 0.5 * precision), 4))
        return out, precision

    def read(self, question: str, params: Sequence[Param], tools_text: str = "") -> Reading:
        if not params:
            return Reading([], None, 0.0)
        idf = self.idf(params)
        dom = self.domain(params, tools_text)
        # an API named in the question says which call is meant, not which of its values
        named_apis = set()
        for api in sorted({p.api for p in params}, key=len, reverse=True):
            rx = r"(?<![\w.])" + re.escape(api) + r"(?![\w])"
            if re.search(rx, question, flags=re.I):
                named_apis.add(api)
                question = re.sub(rx, "it", question, flags=re.I)
        sents = [clauses(s) for s in request_sentences(question)]
        cls = [c for cs in sents for c in cs]
        sent_of = [si for si, cs in enumerate(sents) for _ in cs]
        calls = set(named_apis)
        embs = None
        if self.embedder is not None and cls:
            embs = self._embed(cls, params)
        targets: list[int] = []
        best, best_score, all_scores = None, 0.0, []
        names = set().union(*(p.name_words for p in params))
        said = names | set().union(*(p.syn_words for p in params))
        foreign = False  # some clause names something the record does not know
        ties: list[tuple[int, list[int]]] = []  # (sentence, parameters too close to call)
        took: list[tuple[int, int]] = []  # (sentence, parameter) targeted
        for ci, c in enumerate(cls):
            sc, prec = self.clause_scores(c, params, idf, dom, embs[ci] if embs is not None else None)
            if named_apis:
                sc = [x + 0.25 if x > 0 and params[i].api in named_apis else x for i, x in enumerate(sc)]
            all_scores.append(sc)
            foreign = foreign or prec < 1.0
            n_before = len(targets)
            order = sorted(range(len(params)), key=lambda i: -sc[i])
            top = order[0]
            if sc[top] > best_score:
                best, best_score = top, sc[top]
            if prec < self.min_precision or sc[top] < self.min_score:
                continue
            cw = set(content(c)) | {w for w, rx in _DIRECTION.items() if w in said and rx.search(c.lower())}
            # the same parameter of a repeated tool (or of another API) ties by construction: not a
            # rival; which one is meant is settled by the judge (named API, then first open)
            rivals = [i for i in order[1:] if params[i].name != params[top].name]
            second = sc[rivals[0]] if rivals else 0.0
            if sc[top] - second >= self.margin:
                for i in order:
                    if sc[i] >= sc[top] - 1e-9 and params[i].name == params[top].name and i not in targets:
                        targets.append(i)
            elif second >= self.min_score and sc[top] - second < self.margin:
                # two parameters named by one clause ("the start and end time" split badly): take both
                # only when the clause names both of them by their own words
                a, b = params[top], params[rivals[0]]
                da, db = (a.name_words - b.name_words) & cw, (b.name_words - a.name_words) & cw
                # ... or by words meaning each side ("from when to when" for a start and an end)
                sa, sb = a.name_words | a.syn_words, b.name_words | b.syn_words
                ea, eb = (sa - sb) & cw, (sb - sa) & cw
                if any(x in da and y in db or x in db and y in da for pair in PAIRS for x in pair for y in pair - {x}) or (
                        ea and eb and any(x in ea and y in eb for pair in PAIRS for x in pair for y in pair - {x})):
                    targets.extend(i for i in (top, rivals[0]) if i not in targets)
                else:
                    ties.append((sent_of[ci], [i for i in order if sc[i] >= self.min_score and sc[top] - sc[i] < self.margin]))
            both = cw & BOTH_WORDS - names  # "account" of OpenBankAccount(account, ...) is that parameter
            if both and any(sc[i] >= self.min_score for i in range(len(params))):
                sides = [i for i, p in enumerate(params) if p.syn_words & both and sc[i] >= 0.5 * self.min_score]
                # "the start time of the time span" names its side: the span does not add the other
                common = set.intersection(*(params[i].name_words for i in sides)) if sides else set()
                named = [i for i in sides if (params[i].name_words - common) & cw]
                for i in named or sides:
                    if i not in targets:
                        targets.append(i)
            took.extend((sent_of[ci], i) for i in targets[n_before:])
        # clauses of one sentence ask for different values: a tie one of whose sides another
        # clause of it took ("reschedule it to when, and who instead of Dr. Smith?") is the other side
        for si, tie in ties:
            taken = {params[t].name for s2, t in took if s2 == si}
            left = {params[i].name for i in tie} - taken
            if len(left) == 1 and taken & {params[i].name for i in tie}:
                targets.extend(i for i in tie if params[i].name in left and i not in targets)
        return Reading(targets, best, best_score, all_scores, calls if cls and not foreign else set())

    def _embed(self, cls: list[str], params: Sequence[Param]) -> list[list[float]]:
        import numpy as np

        a = self.embedder.encode(list(cls))
        b = self.embedder.encode([p.profile for p in params])
        return (np.asarray(a) @ np.asarray(b).T).tolist()


def value_words(v: Any) -> str:
    """A value as a person would say it."""
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (list, tuple)):
        items = [value_words(x) for x in v]
        return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else "none"
    if isinstance(v, dict):
        return ", ".join(f"{' '.join(name_parts(str(k)))} {value_words(x)}" for k, x in v.items())
    return str(v)
