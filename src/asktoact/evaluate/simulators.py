"""Simulated users: an LLM simulator (prompt after F.2, our words) and an oracle that needs no LLM.

Both know only the original, fully specified request. Both report which unspecified
intents each reply clarified and judge the question's error type, using one matcher that
scores a question against every parameter of the record.
"""

from __future__ import annotations

import random
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

from ..curate.locate import find_scalar, leaves
from ..curate.rewrite import ABBREV, name_words, param_noun
from ..dialogues.content import value_text
from ..models import ChatModel, GenParams
from ..schema import ErrorType, ICRecord
from .personas import Persona

# Thresholds on the matcher's score (0..~1.3); calibrated with bench/calibrate_oracle.py, see docs/benchmarks.md
ANSWER_THRESHOLD = 0.9
RELATED_THRESHOLD = 0.25

_STOP = {"the", "a", "an", "of", "for", "to", "in", "on", "is", "what", "which", "who", "do", "you", "your", "me",
         "should", "i", "use", "would", "like", "could", "tell", "please", "let", "know", "this", "that", "with",
         "want", "have", "mind", "request", "be", "it", "are", "can", "there", "any", "and", "or", "my", "we",
         "need", "needs", "api", "using", "from", "about", "give", "provide", "specify",
         "particular", "specific", "certain", "exactly", "more", "bit", "details", "detail", "some", "does", "did",
         "will", "by", "at", "as", "if", "so", "just", "also"}
_WORD = re.compile(r"[a-z0-9]+")


def _stem(w: str) -> str:
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
        return w[:-1]
    return w


def _tokens(text: str) -> set[str]:
    return {_stem(w) for w in _WORD.findall(text.lower()) if w not in _STOP}


@dataclass
class ParamInfo:
    key: str  # "call.param"
    call: int
    name: str
    api: str
    removed: bool
    value: Any
    linked_to: str | None
    name_tokens: set[str]  # words of the name and of its noun phrase
    desc_tokens: set[str]
    kind: str  # date / number / email / place / other
    profile: str  # text for embedding
    alt_sets: tuple = ()  # the name's words and the noun's words, each a way to ask for it


def _kind(p: str, schema: dict, value: Any) -> str:
    n = " ".join(name_words(p))
    if schema.get("format") in ("date", "date-time") or re.search(r"\b(date|day|time|when|year|month)\b", n):
        return "date"
    if isinstance(value, (int, float)) and not isinstance(value, bool) or schema.get("type") in ("integer", "number"):
        return "number"
    if "email" in n:
        return "email"
    if re.search(r"\b(city|location|place|country|address|region|destination|origin|from|to)\b", n):
        return "place"
    return "other"


_CUES = {"date": r"\b(when|date|day|time|year|month)\b", "number": r"\b(how many|how much|number|count|amount|quantity)\b",
         "email": r"\bemail\b", "place": r"\b(where|city|location|place|country|address)\b"}


def record_params(rec: ICRecord) -> list[ParamInfo]:
    out = []
    tools = {t.name: t for t in rec.tools}
    for ci, call in enumerate(rec.key_info):
        tool = tools.get(call.name)
        for p, a in call.arguments.items():
            if a.reference is not None:
                continue
            schema = tool.param(p) if tool else {}
            noun = param_noun(p, schema, a.value)
            words = _tokens(" ".join(ABBREV.get(w, w) for w in name_words(p)))
            raw = _tokens(" ".join(name_words(p)))
            ntoks = words | raw | _tokens(noun)
            desc = str(schema.get("description") or "")
            dtoks = set(list(_tokens(desc))[:12]) - ntoks
            alts = tuple(x for x in (words, raw, _tokens(noun)) if x)
            out.append(ParamInfo(f"{ci}.{p}", ci, p, call.name, a.removed, a.value, a.linked_to, ntoks, dtoks,
                                 _kind(p, schema, a.value), f"{noun}: {desc}".strip(), alts))
    return out


class Matcher:
    """Score how well a question asks for each parameter (names, descriptions, type cues, embeddings)."""

    def __init__(self, embedder: Any = None):
        self.embedder = embedder

    def scores(self, question: str, params: list[ParamInfo]) -> list[float]:
        ql = question.lower()
        # API names say which call is meant, not which parameter: score them apart
        text = ql
        for api in sorted({p.api.lower() for p in params}, key=len, reverse=True):
            text = text.replace(api, " ")
        q = _tokens(text)
        emb = None
        if self.embedder is not None and params:
            emb = self.embedder.similarity([question] * len(params), [p.profile for p in params])
        out = []
        for i, p in enumerate(params):
            hit = len(q & p.name_tokens)
            # asked by its name or by its noun: the better of the two counts
            recall = max((len(q & a) / len(a) for a in p.alt_sets), default=0.0)
            precision = hit / max(1, len(q)) if q else 0.0
            name = 0.75 * recall + 0.25 * precision if hit else 0.0
            desc = len(q & p.desc_tokens) / max(1, min(4, len(p.desc_tokens))) if p.desc_tokens else 0.0
            s = max(name, 0.6 * min(1.0, desc))
            if emb is not None:
                s = max(s, (emb[i] - 0.2) / 0.6)  # cosine 0.2..0.8 mapped onto 0..1
            if re.search(_CUES.get(p.kind, r"$^"), ql):
                s += 0.15
            if p.api.lower() in ql:
                s += 0.1
            if not p.name.isalpha() or not p.name.islower():
                if re.search(r"(?<![\w])" + re.escape(p.name.lower()) + r"(?![\w])", ql):
                    s += 0.3  # an identifier-like parameter named verbatim
            out.append(round(min(s, 1.3), 4))
        return out


@dataclass
class Judgement:
    targets: list[ParamInfo]  # parameters the question asks for (score >= answer threshold)
    best: ParamInfo | None
    best_score: float
    clarified: list[str]  # removed keys newly clarified
    error: ErrorType | None


@dataclass
class SimState:
    record: ICRecord
    persona: Persona
    rng: random.Random
    params: list[ParamInfo] = field(default_factory=list)
    clarified: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        if not self.params:
            self.params = record_params(self.record)


def judge(question: str, state: SimState, matcher: Matcher, hi: float = ANSWER_THRESHOLD,
          lo: float = RELATED_THRESHOLD) -> Judgement:
    params = state.params
    sc = matcher.scores(question, params)
    if not params:
        return Judgement([], None, 0.0, [], ErrorType.irrelevant)
    order = sorted(range(len(params)), key=lambda i: -sc[i])
    best = order[0]
    targets = [params[i] for i in order if sc[i] >= hi and sc[i] >= sc[best] - 0.15]
    # a parameter name shared by several APIs: the API the question names wins
    top_by_name: dict[str, float] = {}
    for i in order:
        if params[i] in targets:
            top_by_name[params[i].name] = max(top_by_name.get(params[i].name, 0.0), sc[i])
    targets = [params[i] for i in order if params[i] in targets and sc[i] >= top_by_name[params[i].name]]
    # the same parameter of a repeated tool: one question asks for one of them, the first still open
    by_name: dict[tuple[str, str], list[ParamInfo]] = {}
    for p in targets:
        by_name.setdefault((p.api, p.name), []).append(p)
    chosen = []
    for group_ in by_name.values():
        open_ = [p for p in sorted(group_, key=lambda x: x.call) if p.removed and p.key not in state.clarified]
        chosen.append(open_[0] if open_ else group_[0])
    targets = [p for p in targets if p in chosen]
    clarified: list[str] = []
    for p in targets:
        if p.removed:
            group = [p.key] + [x.key for x in params if x.linked_to == p.key or (p.linked_to and x.key == p.linked_to)]
            for k in group:
                if k not in state.clarified and k not in clarified and any(x.key == k and x.removed for x in params):
                    clarified.append(k)
    error = None
    if not targets:
        cand = params[best]
        error = ErrorType.imprecise if sc[best] >= lo and cand.removed and cand.key not in state.clarified else ErrorType.irrelevant
    elif not clarified:
        error = ErrorType.redundant if any(p.removed for p in targets) else ErrorType.clearly_stated
    return Judgement(targets, params[best], sc[best], clarified, error)


@dataclass
class SimReply:
    text: str
    clarified: list[str]
    error: ErrorType | None


class Simulator(ABC):
    spec: str = ""

    @abstractmethod
    async def reply(self, state: SimState, question: str, history: list[dict[str, str]]) -> SimReply: ...

    def close(self) -> None:
        pass


class OracleSimulator(Simulator):
    """No LLM: answers the ground-truth value in the persona's tone, or declines."""

    def __init__(self, embedder: Any = None, hi: float = ANSWER_THRESHOLD, lo: float = RELATED_THRESHOLD):
        self.matcher = Matcher(embedder)
        self.hi, self.lo = hi, lo
        self.spec = "oracle" + ("+embed" if embedder is not None else "")

    async def reply(self, state: SimState, question: str, history: list[dict[str, str]]) -> SimReply:
        j = judge(question, state, self.matcher, self.hi, self.lo)
        p = state.persona
        if not j.targets:
            return SimReply(state.rng.choice(p.decline_templates), [], j.error)
        if len(j.targets) == 1:
            v = value_text(j.targets[0].value)
        else:
            v = ", ".join(f"{t.name} {value_text(t.value)}" for t in j.targets)
        tmpl = p.repeat_templates if j.error == ErrorType.redundant else p.answer_templates
        state.clarified.update(j.clarified)
        return SimReply(state.rng.choice(tmpl).format(value=v), j.clarified, j.error)


SIM_SYSTEM = """You are role-playing a person who asked an assistant for help. Stay in character.

Who you are: {traits}. You speak in a {tone} way. For example, asked "{example_question}",
you might say: "{example_reply}"

What you know: only your own request, in full: "{task}"
You know nothing beyond it.

The assistant may ask you questions. For each one, reply in character and pick exactly one:
1. If your request does not contain the answer, say you do not know, and reveal nothing else.
2. Otherwise answer just what was asked, from your point of view, with no extra details.
If the assistant's message contains other text, answer only its question (after [QUESTION])."""


class LLMSimulator(Simulator):
    def __init__(self, model: ChatModel, embedder: Any = None, max_tokens: int = 128):
        self.model = model
        self.matcher = Matcher(embedder)
        self.max_tokens = max_tokens
        self.spec = f"llm:{model.spec}"

    def system(self, state: SimState) -> str:
        p = state.persona
        return SIM_SYSTEM.format(traits=p.traits, tone=p.tone, example_question=p.example_question,
                                 example_reply=p.example_reply, task=state.record.original_query)

    async def reply(self, state: SimState, question: str, history: list[dict[str, str]]) -> SimReply:
        msgs = [{"role": "system", "content": self.system(state)}]
        # the simulator sees the conversation from its side: assistant turns are "user" input to it
        for m in history:
            msgs.append({"role": "user" if m["role"] == "assistant" else "assistant", "content": m["content"]})
        res = await self.model.achat(msgs, GenParams(temperature=0.7, max_tokens=self.max_tokens,
                                                     seed=state.rng.randrange(2**31)))
        text = res.text.strip()
        j = judge(question, state, self.matcher)
        clarified = []
        for p in state.params:
            if p.removed and p.key not in state.clarified and all(find_scalar(text, x) for x in leaves(p.value)):
                clarified.append(p.key)
        state.clarified.update(clarified)
        err = j.error
        if clarified:
            err = None
        elif err is None:
            err = ErrorType.redundant if any(p.removed for p in j.targets) else ErrorType.clearly_stated
        return SimReply(text, clarified, err)

    def close(self) -> None:
        self.model.close()


def make_simulator(spec: str, embedder: Any = None) -> Simulator:
    """``oracle`` | ``oracle+embed`` | ``llm:MODEL_SPEC`` (any model spec)."""
    if spec in ("oracle", "oracle+embed"):
        if spec == "oracle+embed" and embedder is None:
            from ..curate.quality import Embedder

            embedder = Embedder()
        return OracleSimulator(embedder)
    if spec.startswith("llm:"):
        from ..models import load_model

        return LLMSimulator(load_model(spec[4:]), embedder)
    raise ValueError(f"unknown simulator {spec!r}: use oracle, oracle+embed or llm:MODEL_SPEC")
