"""Models under test. Any chat model spec works; ``script:*`` agents are reference behaviours.

Scripted agents know the record (they are yardsticks, not models): ``script:perfect`` asks
exactly the removed parameters, one each, then gives the right solution; ``script:guess``
never asks and fills gaps with the tools' defaults; ``script:repeat`` asks every question
twice. They pin the metrics' ends: perfect scores 100, guessing clarifies nothing,
repeating halves efficiency.
"""

from __future__ import annotations

from typing import Any, Callable

from ..models import ChatModel, ChatResult, GenParams, load_model
from ..models.base import Messages
from ..protocol import PARAMETER_EVALUATION, QUESTION, SUMMARY, TASK_DECOMPOSITION, format_solution
from ..dialogues.content import distinct_noun
from ..schema import ICRecord, ToolCall


class ScriptedAgent:
    spec = "script"

    def __init__(self, record: ICRecord):
        self.rec = record
        self.asked = 0
        removed = [(ci, p) for ci, c in enumerate(record.key_info) for p, a in c.arguments.items()
                   if a.removed and not a.linked_to]
        self.plan = self.questions(removed)

    def question_for(self, ci: int, p: str) -> str:
        return f"What {distinct_noun(self.rec, ci, p)} should I use for {self.rec.calls[ci].name}?"

    def questions(self, removed: list[tuple[int, str]]) -> list[str]:
        return [self.question_for(ci, p) for ci, p in removed]

    def solution(self) -> list:
        return self.rec.calls

    async def achat(self, messages: Messages, params: GenParams | None = None, use_cache: bool = True,
                    tools: list | None = None) -> ChatResult:
        if tools is not None:  # native format: a plain question, or the calls as tool_calls
            if self.asked < len(self.plan):
                self.asked += 1
                return ChatResult(text=self.plan[self.asked - 1])
            return ChatResult(text="", tool_calls=[c if isinstance(c, ToolCall) else ToolCall(**c) for c in self.solution()])
        head = f"{TASK_DECOMPOSITION} {len(self.rec.calls)} steps. {PARAMETER_EVALUATION} checked. " if self.asked == 0 else ""
        if self.asked < len(self.plan):
            q = self.plan[self.asked]
            self.asked += 1
            return ChatResult(text=f"{head}{QUESTION} {q}")
        return ChatResult(text=f"{head}{SUMMARY} Done. {format_solution(self.solution())}")


class PerfectAgent(ScriptedAgent):
    spec = "script:perfect"


class RepeatAgent(ScriptedAgent):
    spec = "script:repeat"

    def questions(self, removed):
        return [q for ci, p in removed for q in (self.question_for(ci, p),) * 2]


class GuessAgent(ScriptedAgent):
    spec = "script:guess"

    def questions(self, removed):
        return []

    def solution(self) -> list:
        out = []
        for ci, call in enumerate(self.rec.calls):
            tool = next(t for t in self.rec.tools if t.name == call.name)
            args = {}
            for p, v in call.arguments.items():
                a = self.rec.key_info[ci].arguments[p]
                args[p] = tool.param(p).get("default", "unknown") if a.removed else v
            out.append({"name": call.name, "arguments": args})
        return out


SCRIPTED: dict[str, type[ScriptedAgent]] = {"perfect": PerfectAgent, "repeat": RepeatAgent, "guess": GuessAgent}


class AgentFactory:
    """Gives the runner an agent per dialogue: the shared model, or a fresh scripted agent."""

    def __init__(self, spec: str, cache: bool | str = True, model: ChatModel | None = None):
        self.spec = spec
        self.model: ChatModel | None = None
        self._scripted: Callable[[ICRecord], Any] | None = None
        if spec.startswith("script:"):
            name = spec.split(":", 1)[1]
            if name not in SCRIPTED:
                raise ValueError(f"unknown scripted agent {name!r}; known: {', '.join(SCRIPTED)}")
            self._scripted = SCRIPTED[name]
        else:
            self.model = model or load_model(spec, cache=cache)

    def for_record(self, rec: ICRecord) -> Any:
        return self._scripted(rec) if self._scripted else self.model

    @property
    def usage(self) -> dict[str, Any]:
        return self.model.usage.as_dict() if self.model else {}

    def close(self) -> None:
        if self.model:
            self.model.close()
