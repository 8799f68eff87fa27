"""LLM-written dialogue content (optional): steps, questions, semantic errors. Our prompts.

Each function returns ``None`` when the model's output is unusable after the bounded
re-asks; callers then use the template banks and note why.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, Field

from ..models import ChatModel, GenParams
from ..models.structured import ExtractError, ask_structured
from ..schema import ICRecord

PARAMS = GenParams(temperature=0.0, max_tokens=512)

STEPS_SYSTEM = """You split a user's task into steps, one per API call.
You get the task and the API calls that solve it, in the order they run. Write exactly one
short step per call, in that order, each naming its API, like
"Step 1: <what this step does> using <API name>."
Answer with JSON only: {"tool_steps": ["Step 1: ...", ...]}"""

QUESTIONS_SYSTEM = """You write clarification questions for details missing from a user's request.
You get the request as the user wrote it, the APIs it needs, and the parameters whose values
are missing. Write one question per missing parameter: specific, friendly, asking only for
that value, and never revealing or suggesting the value. When the same value is needed by
several calls, one question covers them all (they are listed together).
Answer with JSON only: {"questions": {"<key>": "<question>", ...}} using the keys given."""

ERROR_SYSTEMS = {
    "clearly_stated": """You write a clarification question that asks for a detail the user already gave.
You get the request and one parameter whose value is stated in it. Write a natural question
whose answer would be exactly that value. Answer with JSON only: {"question": "..."}""",
    "imprecise": """You write a vague clarification question.
You get the request and one parameter whose value is missing, with a precise question for it.
Write a question that seems related to the task but is too vague for the user to know what
to answer (it must not name the parameter or ask for its value directly).
Answer with JSON only: {"question": "..."}""",
    "irrelevant": """You write a clarification question that is beside the point.
You get the request and the APIs that serve it. Write a question that sounds related to the
task but whose answer none of the APIs' parameters needs. Answer with JSON only: {"question": "..."}""",
}


class Steps(BaseModel):
    tool_steps: list[str] = Field(min_length=1)


class Questions(BaseModel):
    questions: dict[str, str]


class OneQuestion(BaseModel):
    question: str = Field(min_length=5)


def _calls_view(rec: ICRecord) -> list[dict[str, Any]]:
    return [{"api": c.name, "description": next((t.description for t in rec.tools if t.name == c.name), "")}
            for c in rec.calls]


async def llm_steps(model: ChatModel, rec: ICRecord) -> list[str] | None:
    msgs = [{"role": "system", "content": STEPS_SYSTEM},
            {"role": "user", "content": json.dumps({"task": rec.unspecified_query, "calls": _calls_view(rec)}, ensure_ascii=False)}]
    try:
        out, _ = await ask_structured(model, msgs, Steps, PARAMS, want="object")
    except (ExtractError, Exception):
        return None
    steps = [s.strip() for s in out.tool_steps]
    if len(steps) != len(rec.calls) or any(c.name not in s for c, s in zip(rec.calls, steps)):
        return None
    return steps


async def llm_questions(model: ChatModel, rec: ICRecord, keys: dict[str, list[str]]) -> dict[str, str] | None:
    """``keys``: primary "call.param" -> the APIs needing it."""
    missing = []
    for k, apis in keys.items():
        ci, p = k.split(".", 1)
        tool = next(t for t in rec.tools if t.name == rec.calls[int(ci)].name)
        missing.append({"key": k, "parameter": p, "apis": apis, "schema": tool.param(p)})
    msgs = [{"role": "system", "content": QUESTIONS_SYSTEM},
            {"role": "user", "content": json.dumps({"request": rec.unspecified_query, "missing": missing}, ensure_ascii=False)}]
    try:
        out, _ = await ask_structured(model, msgs, Questions, PARAMS, want="object")
    except (ExtractError, Exception):
        return None
    if set(out.questions) != set(keys) or any(not q.strip() for q in out.questions.values()):
        return None
    if len(set(out.questions.values())) != len(out.questions):
        return None  # identical questions would make the dialogue ambiguous
    return {k: q.strip() for k, q in out.questions.items()}


async def llm_error_question(model: ChatModel, kind: str, rec: ICRecord, key: tuple[int, str] | None,
                             precise: str | None = None) -> str | None:
    payload: dict[str, Any] = {"request": rec.unspecified_query, "apis": _calls_view(rec)}
    if key is not None:
        ci, p = key
        payload["parameter"] = {"api": rec.calls[ci].name, "name": p}
        if kind == "clearly_stated":
            payload["parameter"]["value"] = rec.key_info[ci].arguments[p].value
    if precise:
        payload["precise_question"] = precise
    msgs = [{"role": "system", "content": ERROR_SYSTEMS[kind]},
            {"role": "user", "content": json.dumps(payload, ensure_ascii=False, default=str)}]
    try:
        out, _ = await ask_structured(model, msgs, OneQuestion, GenParams(temperature=0.7, max_tokens=128, seed=rec.seed),
                                      want="object")
    except (ExtractError, Exception):
        return None
    qtext = out.question.strip()
    if "[" in qtext or "<" in qtext:
        return None  # never let tags or markers in through content
    if kind == "irrelevant":
        names = {p.lower() for t in rec.tools for p in t.param_names if len(p) > 3}
        if any(n in qtext.lower() for n in names):
            return None
    return qtext
