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

from ..curate.rewrite import param_noun
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

QUESTION_TEMPLATES = (
    "What {noun} should I use for {api}?",
    "Which {noun} do you have in mind?",
    "Could you tell me the {noun} you want me to use?",
    "What is the {noun} for this request?",
    "Could you let me know the {noun} to use with {api}?",
    "Which {noun} would you like for {api}?",
)
COMBINED_TEMPLATES = (
    "What {noun} should I use? Both {apis} need it.",
    "Which {noun} do you have in mind? I need it for {apis}.",
)


def _fix(q: str) -> str:
    q = q.strip()
    return q if q.endswith("?") else q.rstrip(".") + "?"


def distinct_noun(rec: ICRecord, ci: int, p: str) -> str:
    """The parameter's noun, plus its name when another parameter of the record reads the same."""
    def noun_of(c: int, q: str) -> str:
        call = rec.calls[c]
        tool = next(t for t in rec.tools if t.name == call.name)
        return param_noun(q, tool.param(q), call.arguments.get(q))

    noun = noun_of(ci, p)
    clash = any(q != p and noun_of(c, q) == noun for c, call in enumerate(rec.calls) for q in call.arguments)
    return f'{noun} ("{p}")' if clash else noun


def template_question(rec: ICRecord, key: tuple[int, str], rng: random.Random, linked: list[tuple[int, str]] = ()) -> str:
    ci, p = key
    call = rec.calls[ci]
    noun = distinct_noun(rec, ci, p)
    if linked:
        apis = sorted({rec.calls[c].name for c, _ in [key, *linked]})
        api_text = " and ".join(apis) if len(apis) > 1 else f"both calls to {apis[0]}"
        return _fix(rng.choice(COMBINED_TEMPLATES).format(noun=noun, apis=api_text))
    return _fix(rng.choice(QUESTION_TEMPLATES).format(noun=noun, api=call.name))


# ---------------------------------------------------------------------- user tone

TONES: dict[str, tuple[str, ...]] = {
    "neutral": (
        "{value}",
        "It's {value}.",
        "Use {value}.",
        "That would be {value}.",
        "The value is {value}.",
    ),
    "friendly": (
        "Of course! It's {value}. Happy to help.",
        "Sure thing, please use {value}!",
        "Good question! Go with {value}, thanks for checking.",
        "Glad you asked. It should be {value}.",
    ),
    "dismissive": (
        "Fine, it's {value}. Not sure why it matters.",
        "{value}. Can we get on with it?",
        "If you must know, {value}.",
        "Whatever, just use {value}.",
    ),
    "irritated": (
        "Seriously? It's {value}. Let's move on.",
        "How many questions are there going to be? {value}!",
        "Ugh. {value}. Please hurry up.",
        "I really don't have time for this. It's {value}, okay?",
    ),
}
CANNOT_ANSWER = (
    "I'm not sure what you mean by that. Could you ask more specifically?",
    "Sorry, I can't really answer that.",
    "I don't know, that isn't something I thought about.",
    "No idea. Is that even needed for this?",
    "Hmm, I can't help with that one. Ask me something else.",
)


def value_text(v: Any) -> str:
    """A value as the user would say it: simple words bare, longer text quoted, the rest as JSON."""
    if isinstance(v, str):
        if re.search(r"\s", v) or v[-1:] in ".,!?;:" or not v:
            return json.dumps(v, ensure_ascii=False)
        return v
    return json.dumps(v, ensure_ascii=False)


def user_reply(value: Any, tone: str, rng: random.Random) -> str:
    return rng.choice(TONES[tone]).format(value=value_text(value))


# ------------------------------------------------------------------- corrections

CORRECTIONS = {
    "clearly_stated": (
        "I made a mistake: the task already says that parameter \"{param}\" of API \"{api}\" is {value}, so I should not ask about it.",
        "My mistake. Parameter \"{param}\" of API \"{api}\" was given in the task as {value}; there is no need to ask for it.",
    ),
    "imprecise": (
        "I made a mistake: my question was too vague. Let me ask more precisely.",
        "Sorry, that question was unclear. Here is a more precise one.",
    ),
    "irrelevant": (
        "I made a mistake: that question does not help with calling the APIs for this task, so I will ask something that does.",
        "Sorry, that was beside the point; none of the APIs needs it. Let me ask what they do need.",
    ),
    "redundant": (
        "I made a mistake: I already know that parameter \"{param}\" of API \"{api}\" is {value}, because I asked about it before, so there is no need to ask again.",
        "My mistake. Parameter \"{param}\" of API \"{api}\" was already answered ({value}); asking again is unnecessary.",
    ),
    "irrelevant_end": (
        "I made a mistake: that question does not matter for calling the APIs, and nothing else is missing.",
        "Sorry, none of the APIs needs that, and I already have every value they do need.",
    ),
    "incomplete": (
        "I made a mistake: some required values are still missing, so I need to ask more questions first.",
        "Sorry, I concluded too early. A few values are still unknown, so let me keep asking.",
    ),
}


def correction(kind: str, rng: random.Random, **kw: Any) -> str:
    return rng.choice(CORRECTIONS[kind]).format(**kw)


# ------------------------------------------------------------- semantic error content

VAGUE_TEMPLATES = (
    "Could you tell me a bit more about what you have in mind?",
    "Is there anything in particular you want for this?",
    "Do you have any preferences regarding {topic}?",
    "What exactly are you looking for with {topic}?",
    "Can you give me more details about {topic}?",
)
IRRELEVANT_TEMPLATES = (
    ("Would you like the results sorted alphabetically?", {"sort", "order", "sort_by", "orderby"}),
    ("Should I also email you a copy of the results?", {"email", "mail", "recipient"}),
    ("Do you prefer the answer as a table or as plain text?", {"format", "output_format", "response_format"}),
    ("Would you like me to remind you about this tomorrow?", {"reminder", "remind", "time", "date"}),
    ("Is this request for personal use or for work?", {"purpose", "usage", "use_case"}),
    ("Would you like me to explain how these APIs work?", {"explain", "verbose"}),
    ("What language would you like my final answer in?", {"language", "lang", "locale"}),
    ("Should I save this conversation for later?", {"save", "store"}),
)


def vague_question(rec: ICRecord, key: tuple[int, str], rng: random.Random) -> str:
    call = rec.calls[key[0]]
    tool = next(t for t in rec.tools if t.name == call.name)
    topic = re.sub(r"^(get|fetch|retrieve|find|calculate|search|check|create|list|compute)\s+", "", purpose(tool))
    words = topic.split()[:4]
    while words and words[-1].lower() in {"of", "a", "an", "the", "for", "to", "in", "on", "with", "and", "or", "by", "from"}:
        words.pop()
    topic = " ".join(words) or "this task"
    return rng.choice(VAGUE_TEMPLATES).format(topic=topic)


def irrelevant_question(rec: ICRecord, rng: random.Random) -> str:
    names = {p.lower() for t in rec.tools for p in t.param_names}
    usable = [q for q, kws in IRRELEVANT_TEMPLATES if not (kws & names)]
    return rng.choice(usable or [IRRELEVANT_TEMPLATES[-1][0]])


@dataclass
class Slot:
    """One clarification: a removed parameter (plus linked ones hidden with it)."""

    key: tuple[int, str]
    value: Any
    question: str
    linked: list[tuple[int, str]] = field(default_factory=list)
