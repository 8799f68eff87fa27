"""What a dialogue says: task steps, clarification questions, user replies, corrections.

Deterministic template banks (our own words) over the record's tools and parameters; the
LLM path (``llm.py``) can replace steps, questions and semantic errors. Every choice takes
the caller's seeded generator.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass, field
from typing import Any

from ..curate.rewrite import ABBREV, name_words, param_noun
from ..schema import ICRecord, Tool

# ------------------------------------------------------------------ task decomposition

_PREFIX = re.compile(r"^.*?tool description:\s*", re.I | re.S)


def purpose(tool: Tool) -> str:
    """First sentence of a tool description as a verb phrase ("fetch the latest media ...")."""
    d = _PREFIX.sub("", tool.description or "").strip()
    d = re.split(r"(?<=[.!?])\s", d, maxsplit=1)[0].rstrip(" .")
    if not d:
        return f"call {tool.name}"
    d = re.sub(r"^(this (api|tool|function|endpoint) )", "", d, flags=re.I)
    d = re.sub(r"^(returns|retrieves|fetches|gets|calculates|computes|finds|creates|checks|searches|generates|"
               r"converts|sends|lists|provides|updates|deletes|adds|sets|validates|verifies|analyzes|analyses|"
               r"estimates|predicts|books|plays|translates)\b",
               lambda m: _base_verb(m.group(1)), d, flags=re.I)
    w = d.split(" ", 2)
    if len(w) > 1 and re.fullmatch(r"[A-Za-z]+s", w[0]) and not w[0].lower().endswith(("ss", "us", "is")) and (
            _base_verb(w[0]) in _VERBS or w[1].lower() in _DETS):
        d = " ".join([_base_verb(w[0])] + w[1:])  # "Fills the fuel tank" -> "fill the fuel tank"
    return d[0].lower() + d[1:]


def _base_verb(v: str) -> str:
    v = v.lower()
    special = {"analyses": "analyse", "analyzes": "analyze", "does": "do", "goes": "go"}
    if v in special:
        return special[v]
    if v.endswith("ches") or v.endswith("shes") or v.endswith("sses") or v.endswith("xes"):
        return v[:-2]
    if v.endswith("ies"):
        return v[:-3] + "y"
    return v[:-1] if v.endswith("s") else v


def template_steps(rec: ICRecord) -> list[str]:
    tools = {t.name: t for t in rec.tools}
    steps = []
    for i, call in enumerate(rec.calls):
        t = tools[call.name]
        steps.append(f"Step {i + 1}: {purpose(t)[0].upper() + purpose(t)[1:]} using {call.name}.")
    return steps


# --------------------------------------------------------------------- questions
#
# Questions speak the user's language: a noun phrase for what the parameter holds, never the
# API's name or the parameter's raw name (unless the user wrote that word). Every bank has at
# least eleven entries so that no wording marks a tenth of its kind (``audit`` measures it).

QUESTION_TEMPLATES = (
    "What {noun} should I use?",
    "Which {noun} do you have in mind?",
    "Could you tell me the {noun} you want?",
    "What is the {noun} for this?",
    "Which {noun} would you like me to go with?",
    "What {noun} are you thinking of?",
    "Can you give me the {noun}?",
    "What should the {noun} be?",
    "Could you share the {noun} you'd like to use?",
    "Which {noun} is it?",
    "What would you like the {noun} to be?",
    "Before I go on, what is the {noun}?",
    "I still need the {noun}. What is it?",
    "Do you know which {noun} you need?",
    "What {noun} did you mean?",
    "Could you let me know the {noun}?",
    "What {noun} do you want?",
    "Which {noun} should it be?",
    "Would you tell me the {noun}, please?",
    "What's the {noun} you have in mind?",
    "One more detail: what is the {noun}?",
    "Sorry to ask, but which {noun} do you mean?",
    "To get this right, what {noun} should I take?",
    "Can you tell me which {noun} to use?",
)
# Appended to a question when one answer serves several steps (linked parameters).
SHARED_SUFFIXES = (
    " I'll use it for {steps}.",
    " It is needed for {steps}.",
    " The same one goes into {steps}.",
    " That covers {steps}.",
)


def _fix(q: str) -> str:
    q = q.strip()
    return q if q.endswith("?") else q.rstrip(".") + "?"


def _tool(rec: ICRecord, ci: int) -> Tool:
    call = rec.calls[ci]
    return next(t for t in rec.tools if t.name == call.name)


def distinct_noun(rec: ICRecord, ci: int, p: str) -> str:
    """The parameter's noun, plus its name when another parameter of the record reads the same
    (kept for the evaluation's scripted agents; dialogues use ``question_noun``)."""
    def noun_of(c: int, q: str) -> str:
        call = rec.calls[c]
        tool = next(t for t in rec.tools if t.name == call.name)
        return param_noun(q, tool.param(q), call.arguments.get(q))

    noun = noun_of(ci, p)
    clash = any(q != p and noun_of(c, q) == noun for c, call in enumerate(rec.calls) for q in call.arguments)
    return f'{noun} ("{p}")' if clash else noun


_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")
_DESC_NP = re.compile(r"\s*(?:the|a|an)\s+([a-z][a-z0-9\- ]{2,60}?)\s*(?:[.,;:(]|\bto be\b|\bthat\b|\bwhich\b|\bused\b|$)", re.I)


def _desc_noun(schema: dict[str, Any]) -> str | None:
    m = _DESC_NP.match(str(schema.get("description") or ""))
    if not m or len(m.group(1).split()) > 6:
        return None
    return m.group(1).strip().lower()


_UNITS = {"kg", "m", "cm", "mm", "km", "g", "lb", "lbs", "ms", "mb", "gb", "kb", "usd", "eur", "hz", "kw", "kwh",
          "mph", "kmh", "sec", "ft", "mi", "c", "f", "l", "ml"}


def _with_unit(noun: str) -> str:
    """ "weight kg" -> "weight in kg" (a unit suffix of a parameter name is not part of the noun)."""
    w = noun.split()
    if len(w) >= 2 and w[-1].lower() in _UNITS:
        return " ".join(w[:-1]) + " in " + w[-1]
    return noun


def question_noun(rec: ICRecord, ci: int, p: str) -> str:
    """What to call parameter ``p`` of call ``ci`` in a question: its noun; when another
    parameter reads the same, the description's noun phrase or an ordinal ("second file
    name"); when another call needs the same kind of value, "... for step N"."""
    call = rec.calls[ci]

    def base(c: int, q: str) -> str:
        n = param_noun(q, _tool(rec, c).param(q), rec.calls[c].arguments.get(q))
        if n in ("date", "link", "email address", "IP address", "file"):  # "date_of_birth": say "date of birth"
            words = [ABBREV.get(w, w) for w in name_words(q)]
            if len(words) > 1 and n.split()[0].lower() in " ".join(words).lower() and all(len(w) > 1 for w in words):
                n = " ".join(words)
        return re.sub(r"(\S) [a-z]$", r"\1", n)  # "city b" -> "city" (told apart below, in words)

    noun = _with_unit(base(ci, p))
    same_call = [q for q in call.arguments if _with_unit(base(ci, q)) == noun]
    other_calls = any(c != ci and _with_unit(base(c, q)) == noun for c, cl in enumerate(rec.calls) for q in cl.arguments)
    if len(same_call) > 1:
        descs = {q: _desc_noun(_tool(rec, ci).param(q)) for q in same_call}
        if descs[p] and list(descs.values()).count(descs[p]) == 1:
            noun = descs[p]
        else:
            noun = f"{_ORDINALS[min(same_call.index(p), len(_ORDINALS) - 1)]} {noun}"
    if other_calls:
        noun = f"{noun} for step {ci + 1}"
    for tok in set(re.findall(r"[A-Z]{2,}", p)):  # "DNA_id" -> "DNA ID", not "dna ID"
        noun = re.sub(rf"\b{tok.lower()}\b", tok, noun)
    return noun


def _steps_text(steps: list[int]) -> str:
    s = [str(i + 1) for i in sorted(set(steps))]
    return "steps " + ", ".join(s[:-1]) + " and " + s[-1]


def _plural(noun: str) -> bool:
    w = re.sub(r" (for step \d+|in \w+)$", "", noun).split()[-1] if noun.split() else ""
    return len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is", "ics", "ous", "news"))


def plural_form(q: str) -> str:
    for a, b in ((" is the ", " are the "), ("What is the ", "What are the "), ("What's the ", "What are the "),
                 (" is it?", " are they?"), ("What is it?", "What are they?")):
        q = q.replace(a, b)
    return q


def without_for_this(q: str) -> str:
    return q.replace(" for this?", "?")


def surface_forms(template: str) -> set[str]:
    """Every shape a question template takes in text (for measuring template shares)."""
    return {template, plural_form(template), without_for_this(template), plural_form(without_for_this(template))}


def _word(template: str, noun: str) -> str:
    """Fill a template, with verb agreement for plural nouns; "for step N" goes to the end
    ("Could you share the city you'd like to use for step 1?")."""
    m = re.fullmatch(r"(.*) (for step \d+)", noun)
    core, step = (m.group(1), m.group(2)) if m else (noun, "")
    t = without_for_this(template) if step else template
    q = _fix((plural_form(t) if _plural(core) else t).format(noun=core))
    return q[:-1] + f" {step}?" if step else q


def template_question(rec: ICRecord, key: tuple[int, str], rng: random.Random, linked: list[tuple[int, str]] = ()) -> str:
    ci, p = key
    noun = question_noun(rec, ci, p)
    if not linked:
        return _word(rng.choice(QUESTION_TEMPLATES), noun)
    noun = re.sub(r" for step \d+$", "", noun)
    q = _word(rng.choice(QUESTION_TEMPLATES), noun)
    steps = sorted({ci, *(c for c, _ in linked)})
    if len(steps) == 1:
        return q + f" It goes into more than one place in step {ci + 1}."
    return q + rng.choice(SHARED_SUFFIXES).format(steps=_steps_text(steps))


# ---------------------------------------------------------------------- user tone

TONES: dict[str, tuple[str, ...]] = {
    "neutral": (
        "{value}",
        "It's {value}.",
        "Use {value}.",
        "That would be {value}.",
        "Let's go with {value}.",
        "{value}, please.",
        "I'd like {value}.",
    ),
    "friendly": (
        "Of course! It's {value}. Happy to help.",
        "Sure thing, please use {value}!",
        "Good question! Go with {value}, thanks for checking.",
        "Glad you asked. It should be {value}.",
        "Oh, right, I forgot to say: {value}. Thanks!",
        "Happy to clarify, it's {value}.",
    ),
    "dismissive": (
        "Fine, it's {value}. Not sure why it matters.",
        "{value}. Can we get on with it?",
        "If you must know, {value}.",
        "Whatever, just use {value}.",
        "{value}, obviously.",
        "Just put {value} and carry on.",
    ),
    "irritated": (
        "Seriously? It's {value}. Let's move on.",
        "How many questions are there going to be? {value}!",
        "Ugh. {value}. Please hurry up.",
        "I really don't have time for this. It's {value}, okay?",
        "{value}! I thought that was clear.",
        "Again with the questions... it's {value}.",
    ),
}
CANNOT_ANSWER = (
    "I'm not sure what you mean by that. Could you ask more specifically?",
    "Sorry, I can't really answer that.",
    "I don't know, that isn't something I thought about.",
    "No idea. Is that even needed for this?",
    "Hmm, I can't help with that one. Ask me something else.",
    "That's a bit vague for me. What exactly do you need?",
    "I have no answer to that, sorry.",
    "Not sure how to answer that one.",
    "I don't think that matters for what I asked.",
    "Could you be clearer? I don't know what you're after.",
    "I'd rather not get into that. Is there something else you need?",
    "I can't say. What do you actually need from me?",
    "Hmm, what do you mean exactly?",
    "That's not something I can answer.",
    "Why would that matter? I'm not sure.",
    "I'm lost. Can you ask that differently?",
    "Honestly, I have no idea.",
    "You've lost me there. What are you asking for?",
    "I don't have an answer for that.",
    "No clue, sorry. Maybe ask me something more concrete?",
)


def value_text(v: Any) -> str:
    """A value as the user would say it: simple words bare, longer text quoted, the rest as JSON."""
    if isinstance(v, str):
        if re.search(r"\s", v) or v[-1:] in ".,!?;:" or not v:
            return json.dumps(v, ensure_ascii=False)
        return v
    return json.dumps(v, ensure_ascii=False)


def _plain(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) or isinstance(x, str) and bool(x) and not re.search(r"[,\"]", x)


def spoken_value(v: Any) -> str:
    """``value_text``, but a short list of plain words or numbers reads as "a, b and c", and a
    small flat object as "start date 2023-01-01 and end date 2023-01-31"."""
    if isinstance(v, dict) and 1 < len(v) <= 4 and all(_plain(x) for x in v.values()) and all(name_words(k) for k in v):
        items = [f"{' '.join(ABBREV.get(w, w) for w in name_words(k))} {value_text(x)}" for k, x in v.items()]
        return ", ".join(items[:-1]) + " and " + items[-1]
    if isinstance(v, list) and 1 < len(v) <= 6 and all(
            isinstance(x, (int, float)) and not isinstance(x, bool) or isinstance(x, str) and x and not re.search(r"[\s,\"]", x)
            for x in v):
        items = [value_text(x) for x in v]
        return ", ".join(items[:-1]) + " and " + items[-1]
    return value_text(v)


def user_reply(value: Any, tone: str, rng: random.Random) -> str:
    return rng.choice(TONES[tone]).format(value=spoken_value(value))


# ------------------------------------------------------------------- corrections

CORRECTIONS = {
    "clearly_stated": (
        "I made a mistake: the task already says that parameter \"{param}\" of API \"{api}\" is {value}, so I should not ask about it.",
        "My mistake. Parameter \"{param}\" of API \"{api}\" was given in the task as {value}; there is no need to ask for it.",
        "Sorry, that was unnecessary: the user already stated {value} for parameter \"{param}\" of API \"{api}\".",
        "I should not have asked that. The task gives parameter \"{param}\" of API \"{api}\" as {value}.",
        "That question was not needed: the task already has {value} for parameter \"{param}\" of API \"{api}\".",
        "I asked for something the user already gave; parameter \"{param}\" of API \"{api}\" is {value}.",
    ),
    "imprecise": (
        "I made a mistake: my question was too vague. Let me ask more precisely.",
        "Sorry, that question was unclear. Here is a more precise one.",
        "My mistake, that was too vague to answer. Let me be specific.",
        "I asked that badly; it was not clear what I needed. Let me rephrase.",
        "Sorry, that was too general. Let me ask exactly what I need.",
        "My question was unclear, so let me put it more precisely.",
    ),
    "irrelevant": (
        "I made a mistake: that question does not help with calling the APIs for this task, so I will ask something that does.",
        "Sorry, that was beside the point; none of the APIs needs it. Let me ask what they do need.",
        "My mistake, that has nothing to do with the calls I need to make. Back to what matters.",
        "That question was off topic for this task. Let me ask about what the APIs need.",
        "Sorry, that question does not matter for these API calls. Let me ask what they need.",
        "I got side-tracked; that is not needed for the task. Here is what I do need.",
    ),
    "redundant": (
        "I made a mistake: I already know that parameter \"{param}\" of API \"{api}\" is {value}, because I asked about it before, so there is no need to ask again.",
        "My mistake. Parameter \"{param}\" of API \"{api}\" was already answered ({value}); asking again is unnecessary.",
        "Sorry, I asked that already: parameter \"{param}\" of API \"{api}\" is {value}.",
        "No need to repeat myself; the user already told me {value} for parameter \"{param}\" of API \"{api}\".",
        "I already asked that: parameter \"{param}\" of API \"{api}\" is {value}, so I will not ask again.",
        "Sorry, that was answered earlier ({value} for parameter \"{param}\" of API \"{api}\").",
    ),
    "irrelevant_end": (
        "I made a mistake: that question does not matter for calling the APIs, and nothing else is missing.",
        "Sorry, none of the APIs needs that, and I already have every value they do need.",
        "My mistake, that was off topic, and nothing the APIs need is missing any more.",
        "That question was beside the point; I already have everything the calls need.",
        "Sorry, that does not matter for the calls, and nothing else is missing.",
        "I got side-tracked; the APIs do not need that, and I already have all they need.",
    ),
    "incomplete": (
        "I made a mistake: some required values are still missing, so I need to ask more questions first.",
        "Sorry, I concluded too early. A few values are still unknown, so let me keep asking.",
        "My mistake, I cannot call the APIs yet: some values are still unknown.",
        "That plan was premature; I still lack some key information, so I need to ask further.",
        "Sorry, I jumped ahead: some values the APIs need are still missing.",
        "I cannot give the solution yet, as some values are still unknown. Let me ask.",
    ),
}


def correction(kind: str, rng: random.Random, **kw: Any) -> str:
    return rng.choice(CORRECTIONS[kind]).format(**kw)


# ------------------------------------------------------------- semantic error content
#
# Vague and irrelevant questions are built from the record's own tools: the step's purpose
# as an activity ("calculating the area of a triangle"), so each reads as about this task.

_VERBS = {
    "get", "fetch", "retrieve", "find", "calculate", "compute", "search", "check", "create", "list", "compare",
    "write", "move", "copy", "delete", "remove", "add", "update", "send", "book", "play", "translate", "convert",
    "generate", "validate", "verify", "analyze", "analyse", "estimate", "predict", "return", "provide", "set",
    "display", "show", "make", "open", "close", "read", "post", "start", "stop", "run", "schedule", "cancel",
    "look", "track", "buy", "sell", "order", "register", "upload", "download", "sort", "filter", "count",
    "determine", "evaluate", "measure", "identify", "extract", "detect", "summarize", "summarise", "recommend",
    "query", "scan", "compress", "rename", "change", "print", "query", "edit", "save", "load", "plan", "reserve",
    "transfer", "pay", "apply", "assess", "simulate", "solve", "draw", "plot", "format", "split", "merge", "join",
    "mark", "record", "log", "submit", "search", "crop", "resize", "rotate", "enhance", "classify", "answer",
    "describe", "explain", "monitor", "manage", "control", "turn", "adjust", "lock", "unlock", "notify", "call",
    "request", "build", "establish", "diagnose", "perform", "attach", "switch", "execute", "submit", "advise",
    "design", "test", "suggest", "fix", "help", "keep", "assign", "share", "invite", "follow", "review", "rate",
    "claim", "reset", "initialize", "install", "deploy", "connect", "disconnect", "enroll", "subscribe", "publish",
    "withdraw", "contact", "purchase", "acquire", "transform", "take", "solve", "configure", "explore", "place",
    "store", "grant", "consult", "mix", "process", "allow", "offer", "link", "handle", "invoke", "pick", "select",
    "choose", "reply", "respond", "assist", "discover", "gather", "compose", "deposit", "withdraw", "encrypt",
    "decrypt", "encode", "decode", "parse", "render", "resolve", "match", "insert", "fill", "clear", "mute", "pause",
}
_DOUBLE = {"get", "set", "put", "run", "stop", "plan", "log", "shop", "chat", "map", "cut", "scan", "drop", "plot",
           "submit", "commit", "admit", "permit", "omit", "begin", "forget", "refer", "transfer", "prefer", "swap",
           "reset", "upset"}
_CUT = {"using", "given", "based", "via", "that", "which", "according", "if", "when", "where", "with", "by", "from",
        "at", "in", "on", "for", "to", "within", "under", "into", "through", "including", "as", "or", "and", "who",
        "whose", "while", "so", "such", "between", "against", "across", "over", "about", "without", "than"}
_TRAIL = {"of", "a", "an", "the", "for", "to", "in", "on", "with", "and", "or", "by", "from", "its", "their", "your",
          "his", "her", "any", "all", "some", "two", "one", "whether", "if", "both", "each", "every", "my", "our"}


def gerund(verb: str) -> str:
    v = verb.lower()
    if v in _DOUBLE:
        return v + v[-1] + "ing"
    if v.endswith("ie"):
        return v[:-2] + "ying"
    if v.endswith("e") and not v.endswith("ee") and len(v) > 2:
        return v[:-1] + "ing"
    return v + "ing"


_DETS = {"the", "a", "an", "all", "any", "some", "each", "every", "your", "their", "its", "his", "her", "multiple",
         "new", "specific", "given", "one", "two", "detailed", "current", "user", "users", "whether", "if", "up"}


_VERB_ENDINGS = ("ize", "ise", "ate", "ify", "yze", "ect", "ch")


def _trim(words: list[str], start: int) -> list[str]:
    out = words[:start]
    for i, w in enumerate(words[start:7], start=start):
        if (i >= 2 and w.lower() in _CUT) or (i >= 1 and w.lower() in ("and", "or", "who", "which", "that")):
            break
        out.append(w)
    while len(out) > 1 and out[-1].lower() in _TRAIL:
        out.pop()
    return out


def activity(tool: Tool) -> str:
    """The tool's purpose as a short gerund phrase, e.g. "calculating the area of a triangle"."""
    text = purpose(tool)
    if tool.name.lower() in text.lower():
        return "working on this request"
    words = re.sub(r"[^\w' \-]", " ", text).split()
    if not words:
        return "working on this request"
    while len(words) > 1 and (words[0].lower() in ("this", "it", "is", "for", "to", "will", "can", "also", "function",
                                                   "method", "api", "tool", "endpoint", "service", "helper",
                                                   "asynchronous", "attempts", "attempt", "tries", "used")
                              or words[0].lower().endswith("ly")):
        words = words[1:]  # "is for generating ...", "asynchronously stores ..."
    first = words[0].lower()
    nxt = words[1].lower() if len(words) > 1 else ""
    base = _base_verb(first) if first.endswith("s") and not first.endswith(("ss", "us", "is")) else first
    verb = (base in _VERBS or base.endswith(_VERB_ENDINGS)
            or (base != first and nxt not in ("of", "for", "and", "to", "in", "on", "with", "or", "from", ""))
            or (nxt in _DETS and first not in _DETS and not first.endswith(("ed", "ly", "al", "ic", "ous", "ive", "tion"))))
    if verb:
        words = [base] + words[1:]
    if not verb and first.endswith("ed"):
        return "working on this request"
    if not verb and len(words) > 1 and first not in _DETS and nxt not in _CUT | {"of"} and not first.endswith(
            ("ance", "ence", "ion", "ing", "ment", "ity", "ness", "ics", "ic", "al", "ous", "ive", "ax", "ee", "ary")):
        verb = True  # a description that opens on a bare word and an object: an imperative ("transcribe speech")
        words = [base] + words[1:]
    if not verb:
        np = [w for w in _trim(words, 0) if w.lower() not in ("api", "tool", "function", "endpoint")][:5]
        while np and np[-1].lower() in _TRAIL:
            np.pop()
        if not np or (len(np) == 1 and np[0].lower() in _TRAIL):
            return "working on this request"
        return "looking into " + " ".join(np).lower()
    out = _trim(words, 1)
    return " ".join([gerund(words[0])] + out[1:])


VAGUE_TEMPLATES = (
    "Could you tell me a bit more about what you have in mind?",
    "Is there anything in particular you want for this?",
    "Do you have any preferences about {activity}?",
    "What exactly are you after with {activity}?",
    "Can you give me more details about {activity}?",
    "Anything specific I should know before {activity}?",
    "How would you like me to go about {activity}?",
    "What did you have in mind for {activity}?",
    "Could you say a little more about what you need?",
    "Is there anything else I should know about this?",
    "Any particular requirements for {activity}?",
    "What matters most to you when it comes to {activity}?",
    "Could you tell me more about your needs here?",
    "What are your expectations for {activity}?",
    "Is there a particular way you'd like {activity} handled?",
    "Any details you'd like to add about {activity}?",
    "Could you clarify what you want out of this?",
    "What sort of thing are you looking for here?",
    "How should I approach {activity}?",
    "Anything I should keep in mind?",
    "What would be ideal for you with {activity}?",
    "Are there any specifics about {activity} I should know?",
    "Could you describe what you need a little better?",
    "What else can you tell me about {activity}?",
)
# (template, parameter-name words that would make the question relevant after all)
IRRELEVANT_TEMPLATES = (
    ("Is {activity} for work or for something personal?", {"purpose", "usage", "use", "personal", "work"}),
    ("Have you tried {activity} before?", {"history", "previous", "before"}),
    ("Shall I set a reminder about {activity} for tomorrow?", {"reminder", "remind", "time", "date", "schedule"}),
    ("Should I let anyone else know once I'm done {activity}?", {"notify", "recipient", "email", "contact", "to"}),
    ("What got you interested in {activity}?", {"interest", "reason"}),
    ("Do you want an explanation of how {activity} works afterwards?", {"explain", "verbose", "explanation"}),
    ("Should I keep a note of {activity} for next time?", {"save", "store", "note", "notes"}),
    ("Is {activity} part of a bigger project you're working on?", {"project"}),
    ("How often do you find yourself {activity}?", {"frequency", "interval", "often", "repeat"}),
    ("Are you {activity} for yourself or for someone else?", {"user", "owner", "person", "name", "for"}),
    ("Would you like the results of {activity} as a table?", {"format", "output", "table", "response"}),
    ("What language should I reply in after {activity}?", {"language", "lang", "locale"}),
    ("Should I email you a copy once {activity} is done?", {"email", "mail", "recipient"}),
    ("Do you want me to share my reasoning while {activity}?", {"reasoning", "verbose", "explain"}),
    ("Is there a budget you have in mind for {activity}?", {"budget", "price", "cost", "amount", "max", "min"}),
    ("Are you interested in tips on {activity} for the future?", {"tips", "advice"}),
    ("Did someone recommend {activity} to you?", {"recommend", "referral"}),
    ("Should I check the weather too while {activity}?", {"weather", "forecast", "location", "city"}),
    ("Is {activity} something you do every week?", {"frequency", "interval", "week", "weekly"}),
    ("Do you want a short joke while I'm {activity}?", {"joke"}),
    ("Should I bookmark this conversation about {activity}?", {"bookmark", "save"}),
    ("Would you rate your experience with {activity} so far?", {"rating", "rate", "score"}),
    ("Anything else on your mind besides {activity}?", {"other"}),
    ("Is anyone helping you with {activity}?", {"helper", "assistant", "user"}),
    ("Do you have a favourite app for {activity}?", {"app", "application"}),
    ("Do you want the results of {activity} read aloud?", {"audio", "voice", "speech", "read"}),
    ("Is {activity} urgent, or can it wait until next month?", {"priority", "urgent", "date", "deadline"}),
)


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def vague_question(rec: ICRecord, key: tuple[int, str], rng: random.Random) -> str:
    t = rng.choice(VAGUE_TEMPLATES)
    return t.format(activity=activity(_tool(rec, key[0])))


def _param_words(rec: ICRecord) -> set[str]:
    from ..curate.rewrite import name_words

    out: set[str] = set()
    for t in rec.tools:
        for p in t.param_names:
            out.add(p.lower())
            out.update(name_words(p))
    return out


def irrelevant_question(rec: ICRecord, rng: random.Random, ci: int | None = None) -> str:
    """A question about one of the record's own steps whose answer no parameter takes."""
    ci = rng.randrange(len(rec.calls)) if ci is None and rec.calls else (ci or 0)
    act = activity(_tool(rec, ci)) if rec.calls else "working on this request"
    names = _param_words(rec)
    usable = [t for t, kws in IRRELEVANT_TEMPLATES if not (kws & names)] or [IRRELEVANT_TEMPLATES[1][0]]
    t = rng.choice(usable)
    q = t.format(activity=act)
    return _cap(q) if t.startswith("{") else q


@dataclass
class Slot:
    """One clarification: a removed parameter (plus linked ones hidden with it)."""

    key: tuple[int, str]
    value: Any
    question: str
    linked: list[tuple[int, str]] = field(default_factory=list)
