"""The records every stage reads and writes.

One module, so the loaders, curation, dialogues, training and evaluation all agree on
what a tool, a call, a sample and a transformation record are. Records are pydantic
models serialised as one JSON object per line.
"""

from __future__ import annotations

import enum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_serializer, model_validator

from .types import normalize_schema

JSON = Any


class Record(BaseModel):
    """Base for all records: strict fields, stable JSON."""

    model_config = ConfigDict(extra="forbid")


# --------------------------------------------------------------------------- tools


class Tool(Record):
    """A callable API. ``parameters`` is a JSON Schema object (normalised on the way in)."""

    name: str = Field(min_length=1)
    description: str = ""
    parameters: dict[str, Any] = Field(default_factory=lambda: {"type": "object", "properties": {}})

    @field_validator("parameters", mode="before")
    @classmethod
    def _normalise(cls, v: Any) -> dict[str, Any]:
        if v is None:
            return {"type": "object", "properties": {}, "required": []}
        if not isinstance(v, dict):
            raise ValueError(f"parameters must be an object, got {type(v).__name__}")
        schema = normalize_schema(v if "properties" in v or v.get("type") in ("object", "dict") else
                                  {"type": "object", "properties": v})
        if schema.get("type") != "object":
            raise ValueError("parameters must be a JSON Schema of type object")
        props = schema.setdefault("properties", {})
        if not isinstance(props, dict):
            raise ValueError("parameters.properties must be an object")
        req = schema.setdefault("required", [])
        if not isinstance(req, list) or not all(isinstance(r, str) for r in req):
            raise ValueError("parameters.required must be a list of names")
        missing = [r for r in req if r not in props]
        if missing:
            raise ValueError(f"parameters.required names unknown parameters: {missing}")
        return schema

    @property
    def param_names(self) -> list[str]:
        return list(self.parameters.get("properties", {}))

    def param(self, name: str) -> dict[str, Any]:
        return self.parameters.get("properties", {}).get(name, {})

    def is_required(self, name: str) -> bool:
        return name in self.parameters.get("required", [])

    def compact(self) -> dict[str, Any]:
        """The tool as shown to models: name, description, parameters."""
        return {"name": self.name, "description": self.description, "parameters": self.parameters}


class ToolCall(Record):
    """One ground-truth API call.

    ``references`` maps an argument to the index of an earlier call whose output feeds it
    (TaskBench's ``<node-j>``): such arguments are dependencies, never user-stated values.
    ``accepted`` lists, per argument, the other values a benchmark also accepts (BFCL's and
    ACEBench's lists of acceptable answers). An argument that is in ``accepted`` but not in
    ``arguments`` may be left out; if given, its value must be one of those listed.
    """

    name: str = Field(min_length=1)
    arguments: dict[str, JSON] = Field(default_factory=dict)
    references: dict[str, int] = Field(default_factory=dict)
    accepted: dict[str, list[JSON]] = Field(default_factory=dict)


class ToolSample(Record):
    """A fully specified query with its tools and ground-truth calls.

    ``context`` is the conversation before ``query`` (earlier user turns, the assistant's
    calls and the tools' outputs, in native message form) for samples cut from multi-turn
    conversations (BFCL multi-turn, API-Bank): values stated there are known to the user.
    """

    id: str = Field(min_length=1)
    source: str
    query: str = Field(min_length=1)
    tools: list[Tool] = Field(min_length=1)
    calls: list[ToolCall] = Field(min_length=1)
    context: list["Message"] = Field(default_factory=list)
    metadata: dict[str, JSON] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _calls_use_known_tools(self) -> "ToolSample":
        names = {t.name for t in self.tools}
        for i, c in enumerate(self.calls):
            if c.name not in names:
                raise ValueError(f"calls[{i}].name {c.name!r} is not among the sample's tools")
            for arg, j in c.references.items():
                if not 0 <= j < i:
                    raise ValueError(f"calls[{i}].references[{arg!r}] points at call {j}, not an earlier one")
        return self

    def tool(self, name: str) -> Tool:
        for t in self.tools:
            if t.name == name:
                return t
        raise KeyError(name)


# ---------------------------------------------------------------- IC record (App. C.1.3)


class RemovalMethod(str, enum.Enum):
    removal = "removal"  # value dropped with its carrier phrase
    abstraction = "abstraction"  # value replaced by an abstract phrase
    partial = "partial"  # one element of a list abstracted, others kept
    absent = "absent"  # never in the user's words (a real under-specified query): asked for, nothing rewritten


class ArgInfo(Record):
    """Per-argument entry of ``key_info`` (the paper's transformation record, plus provenance)."""

    value: JSON = None  # ground-truth value
    original_value: str | None = None  # expression as written in the original query
    current_value: str | None = None  # expression in the unspecified query ("" when removed)
    removed: bool = False
    located: bool = False  # the value was found in the original query
    method: RemovalMethod | None = None
    removed_value: JSON = None  # for partial obfuscation: the element that was hidden
    question: str | None = None
    reference: int | None = None  # index of the earlier call whose output feeds this argument
    linked_to: str | None = None  # "call.param" stating the same value (one intent, hidden together)
    grounded: str | None = None  # kept value's origin: user / profile / default / output (curate.ground)


class CallInfo(Record):
    name: str
    arguments: dict[str, ArgInfo] = Field(default_factory=dict)


class RewriteInfo(Record):
    method: str = "deterministic"  # "deterministic" or a model spec
    fallback_reason: str | None = None
    attempts: int = 0


class QualityInfo(Record):
    leak_ok: bool = True
    leaks: list[str] = Field(default_factory=list)
    kept_missing: list[str] = Field(default_factory=list)
    similarity: float | None = None  # max cosine between original and transformed expressions
    passed: bool = True
    reasons: list[str] = Field(default_factory=list)


class ICRecord(Record):
    """Intent-clarification record: an unspecified query and how it was made (ground truth)."""

    id: str
    source: str
    level: int = Field(ge=0, le=3)
    seed: int
    original_query: str
    unspecified_query: str
    tools: list[Tool]
    calls: list[ToolCall]
    key_info: list[CallInfo]
    context: list["Message"] = Field(default_factory=list)  # conversation before the query (see ToolSample)
    tool_steps: list[str] = Field(default_factory=list)
    rewrite: RewriteInfo = Field(default_factory=RewriteInfo)
    quality: QualityInfo = Field(default_factory=QualityInfo)
    metadata: dict[str, JSON] = Field(default_factory=dict)

    def removed_params(self) -> list[tuple[int, str]]:
        return [(i, p) for i, c in enumerate(self.key_info) for p, a in c.arguments.items() if a.removed]

    @property
    def n_unspecified(self) -> int:
        return len(self.removed_params())


# ------------------------------------------------------------------------ dialogues


class ErrorType(str, enum.Enum):
    """The five error types of §2.2 (numbered as in the paper's Table 9)."""

    clearly_stated = "clearly_stated"  # type 1
    imprecise = "imprecise"  # type 2
    irrelevant = "irrelevant"  # type 3
    redundant = "redundant"  # type 4
    incomplete = "incomplete"  # type 5


class Message(Record):
    """A chat message. ``tool_calls`` (assistant) and ``tool`` messages carry the native
    tool-calling format; the paper format uses text only. ``None`` fields are not written."""

    role: Literal["system", "user", "assistant", "tool"]
    content: str = ""
    tool_calls: list[ToolCall] | None = None
    tool_call_id: str | None = None  # role "tool": the call this output answers
    name: str | None = None  # role "tool": the tool that produced the output

    @model_validator(mode="after")
    def _shape(self) -> "Message":
        if self.tool_calls is not None and self.role != "assistant":
            raise ValueError("only assistant messages carry tool_calls")
        if self.role == "tool" and self.tool_calls:
            raise ValueError("a tool message carries an output, not calls")
        return self

    @model_serializer(mode="wrap")
    def _drop_none(self, handler: Any) -> dict[str, Any]:
        return {k: v for k, v in handler(self).items() if v is not None}


class ErrorSpan(Record):
    """An erroneous span inside one assistant message (character offsets, end exclusive)."""

    message: int
    start: int
    end: int
    type: ErrorType


DialogueFormat = Literal["paper", "native"]


class Dialogue(Record):
    """A training dialogue. ``format`` says how it is written: ``paper`` (bracket protocol,
    tools inside the first user turn) or ``native`` (``tools`` beside the messages, the
    final step an assistant ``tool_calls`` message)."""

    id: str
    record_id: str
    source: str = ""
    format: DialogueFormat = "paper"
    tools: list[Tool] = Field(default_factory=list)  # native format: offered with tools=
    messages: list[Message]
    error_spans: list[ErrorSpan] = Field(default_factory=list)
    error_type: ErrorType | None = None
    tone: str | None = None
    solution: list[dict[str, JSON]] = Field(default_factory=list)  # ground truth, protocol format
    questions: dict[str, str] = Field(default_factory=dict)  # "call.param" -> the clarification question
    seed: int = 0
    notes: list[str] = Field(default_factory=list)  # e.g. LLM fallbacks
    prompt_messages: int = 0  # native: messages before this index (system, earlier conversation) are never learned


# ----------------------------------------------------------------------- evaluation


class TerminationReason(str, enum.Enum):
    solution = "solution"
    max_rounds = "max_rounds"
    invalid_output = "invalid_output"
    model_error = "model_error"
    simulator_error = "simulator_error"
    harness_error = "harness_error"  # our own code failed on this dialogue: retried like the two above


FAILED_TERMINATIONS = frozenset({TerminationReason.model_error, TerminationReason.simulator_error,
                                 TerminationReason.harness_error})  # not a result: retried on resume, never scored


class TurnKind(str, enum.Enum):
    question = "question"
    solution = "solution"
    invalid = "invalid"


class Turn(Record):
    assistant: str
    kind: TurnKind
    question: str | None = None
    user: str | None = None
    clarified: list[str] = Field(default_factory=list)  # "call_index.param" keys
    judged_error: ErrorType | None = None


class Transcript(Record):
    record_id: str
    trial: int = 0
    seed: int = 0
    model: str
    simulator: str
    persona: str | None = None
    n_unspecified: int = 0
    n_calls: int = 0
    turns: list[Turn] = Field(default_factory=list)
    termination: TerminationReason
    solution: list[ToolCall] | None = None
    error: str | None = None
    ground_truth: list[ToolCall] = Field(default_factory=list)
    unspecified: list[str] = Field(default_factory=list)  # "call_index.param" keys
    offered_tools: list[str] = Field(default_factory=list)
    latency_s: float = 0.0
    source: str = ""  # the record's source, for per-source figures
    argument_errors: list[str] = Field(default_factory=list)  # solution arguments that break the tools' schemas


class Reject(Record):
    """Why a record was not kept. Every stage writes these instead of dropping silently."""

    stage: str
    source: str
    record_id: str | None
    field: str | None
    reason: str
    line: int | None = None


ToolSample.model_rebuild()
ICRecord.model_rebuild()
