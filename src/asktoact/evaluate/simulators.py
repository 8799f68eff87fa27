"""Simulated users: an LLM simulator (prompt after F.2, our words) and an oracle that needs no LLM.

Both know only the original, fully specified request. Both report which unspecified
intents each reply clarified and judge the question's error type, using one matcher that
scores a question against every parameter of the record.
"""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

from ..curate.locate import find_scalar, leaves
from ..models import ChatModel, GenParams
from ..schema import ErrorType, ICRecord
from .personas import Persona
from .questions import PAIRS, Param, QuestionReader, name_parts, value_words

Matcher = QuestionReader  # the name older callers use


def record_params(rec: ICRecord) -> list[Param]:
    """Every user-facing argument of the record (dependencies on earlier calls are not the user's)."""
    out = []
    tools = {t.name: t for t in rec.tools}
    for ci, call in enumerate(rec.key_info):
        tool = tools.get(call.name)
        for p, a in call.arguments.items():
            if a.reference is not None:
                continue
            out.append(Param.make(f"{ci}.{p}", ci, p, call.name, a.value, tool.param(p) if tool else {},
                                  a.removed, a.linked_to))
    return out


def tools_text(rec: ICRecord) -> str:
    return " ".join(f"{t.name} {t.description}" for t in rec.tools)


@dataclass
class Judgement:
    targets: list[Param]  # parameters the question asks for
    best: Param | None
    best_score: float
    clarified: list[str]  # removed keys newly clarified
    error: ErrorType | None


@dataclass
class SimState:
    record: ICRecord
    persona: Persona
    rng: random.Random
    params: list[Param] = field(default_factory=list)
    clarified: set[str] = field(default_factory=set)
    tools_text: str = ""

    def __post_init__(self) -> None:
        if not self.params:
            self.params = record_params(self.record)
        if not self.tools_text:
            self.tools_text = tools_text(self.record)


def judge(question: str, state: SimState, reader: QuestionReader) -> Judgement:
    """Which values the question asks for, which of them it newly clarifies, and its error type.

    A value asked for is answered once: asking again is redundant; asking for a value the
    user stated is clearly-stated; a question that asks for nothing of the record is
    irrelevant, or imprecise when it comes near an open parameter without naming it.
    """
    params = state.params
    if not params:
        return Judgement([], None, 0.0, [], ErrorType.irrelevant)
    r = reader.read(question, params, state.tools_text)
    targets = [params[i] for i in r.targets]
    if not targets and r.calls:
        targets = _call_level(r.calls, params, state.clarified)
    # one name in several calls: one question asks for one of them, the first still open
    chosen: list[Param] = []
    for name in dict.fromkeys(p.name for p in targets):
        group = sorted((x for x in targets if x.name == name), key=lambda x: x.call)
        open_ = [x for x in group if x.removed and x.key not in state.clarified]
        chosen.append(open_[0] if open_ else group[0])
    clarified: list[str] = []
    for p in chosen:
        if p.removed:
            group = [p.key] + [x.key for x in params if x.linked_to == p.key or (p.linked_to and x.key == p.linked_to)]
            for k in group:
                if k not in state.clarified and k not in clarified and any(x.key == k and x.removed for x in params):
                    clarified.append(k)
    best = params[r.best] if r.best is not None else None
    error = None
    if not chosen:
        near = best is not None and r.best_score >= 0.5 * reader.min_score and best.removed and best.key not in state.clarified
        error = ErrorType.imprecise if near else ErrorType.irrelevant
    elif not clarified:
        error = ErrorType.redundant if any(p.removed for p in chosen) else ErrorType.clearly_stated
    return Judgement(chosen, best, r.best_score, clarified, error)


def _call_level(calls: set[str], params: list[Param], clarified: set[str]) -> list[Param]:
    """A question that names a call but none of its values ("What number should I use for
    capacitance_calculator.calculate?") asks for the one value of that call still open; when
    several are open it is vague, unless they are one pair a person gives together (a username
    and its password)."""
    open_ = [p for p in params if p.api in calls and p.removed and p.key not in clarified and not p.linked_to]
    if len(open_) == 1:
        return open_
    if len(open_) == 2 and len({p.call for p in open_}) == 1:
        a, b = (p.name_words for p in open_)
        if any(x in a - b and y in b - a for pair in PAIRS for x in pair for y in pair - {x}):
            return open_
    return []


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

    def __init__(self, embedder: Any = None, reader: QuestionReader | None = None):
        self.matcher = reader or QuestionReader(embedder)
        self.spec = "oracle" + ("+embed" if embedder is not None else "")

    async def reply(self, state: SimState, question: str, history: list[dict[str, str]]) -> SimReply:
        j = judge(question, state, self.matcher)
        p = state.persona
        if not j.targets:
            return SimReply(state.rng.choice(p.decline_templates), [], j.error)
        # answer what was asked, each value once; several values are named so they can be told apart
        open_ = [t for t in j.targets if t.key in j.clarified] or j.targets
        if len(open_) == 1:
            v = value_words(open_[0].value)
        else:
            v = "; ".join(f"{' '.join(name_parts(t.name))} {value_words(t.value)}" for t in open_)
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
