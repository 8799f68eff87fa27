"""LLM rewrite of the query (optional): our own prompt for the rules of Appendix C.1.2.

Algorithm 1 still decides what is hidden; the model only writes the sentence. Its JSON is
validated, checked for leaks, and retried with the problem stated; when it still fails the
deterministic rewrite stays and the record says why.
"""

from __future__ import annotations

import asyncio
import json
from typing import Sequence

from pydantic import BaseModel, Field

from ..models import GenParams, load_model
from ..models.structured import ExtractError, ask_structured
from ..schema import ICRecord, RewriteInfo
from .quality import leak_check

SYSTEM = """You rewrite user requests so that some details are no longer given.

You receive the original request, the tools that would serve it, and a list of parameters.
Parameters marked "hide": true must no longer be recoverable from the request; all others
must stay exactly as written.

How to hide a value:
- Drop it together with the words that carry it when the sentence still reads well without
  it, but never drop a value of an optional parameter and never drop values when the same
  tool is used more than once: generalise those instead.
- Otherwise generalise it: replace the value with a vaguer expression of the same kind
  ("a certain city", "a specific date", "one of my accounts").
- When a list value is spelled out item by item, hide just one item and keep the others.
Keep the rest of the request word for word. The result must be fluent and must not say
that anything is missing, unknown or unspecified.

Answer with JSON only:
{"unspecified_query": "...",
 "changes": [{"call": <index>, "parameter": "<name>", "original_value": "<words replaced, as in the request>",
              "current_value": "<words that replaced them, or empty if dropped>"}]}"""


class Change(BaseModel):
    call: int
    parameter: str
    original_value: str = ""
    current_value: str = ""


class RewriteOut(BaseModel):
    unspecified_query: str = Field(min_length=1)
    changes: list[Change] = Field(default_factory=list)


def build_prompt(rec: ICRecord) -> list[dict[str, str]]:
    params = []
    for i, call in enumerate(rec.key_info):
        for p, a in call.arguments.items():
            if a.linked_to:
                continue
            params.append({"call": i, "tool": call.name, "parameter": p, "value": a.value, "hide": a.removed})
    user = json.dumps({"original_request": rec.original_query,
                       "tools": [t.compact() for t in rec.tools if t.name in {c.name for c in rec.calls}],
                       "parameters": params}, ensure_ascii=False, indent=1)
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]


class LLMRewriter:
    def __init__(self, model, max_attempts: int = 3, params: GenParams | None = None):
        self.model = model
        self.max_attempts = max_attempts
        self.params = params or GenParams(temperature=0.0, max_tokens=768)

    @classmethod
    def from_spec(cls, spec: str) -> "LLMRewriter":
        return cls(load_model(spec))

    def close(self) -> None:
        self.model.close()

    async def arewrite(self, rec: ICRecord) -> ICRecord:
        if rec.level == 0:
            return rec
        msgs = build_prompt(rec)
        problem = "no attempt"
        attempts = 0
        for _ in range(self.max_attempts):
            try:
                out, n = await ask_structured(self.model, msgs, RewriteOut, self.params, max_reasks=1, want="object")
                attempts += n
            except ExtractError as e:
                attempts += 2
                problem = f"invalid output: {e}"
                continue
            except Exception as e:  # model failure: keep the deterministic rewrite
                problem = f"model error: {type(e).__name__}: {str(e)[:200]}"
                break
            cand = rec.model_copy(deep=True)
            cand.unspecified_query = out.unspecified_query.strip()
            for ch in out.changes:
                if 0 <= ch.call < len(cand.key_info) and ch.parameter in cand.key_info[ch.call].arguments:
                    a = cand.key_info[ch.call].arguments[ch.parameter]
                    if a.removed:
                        a.original_value, a.current_value = ch.original_value or a.original_value, ch.current_value
            q = leak_check(cand)
            if q.passed:
                cand.rewrite = RewriteInfo(method=self.model.spec, attempts=attempts)
                return cand
            problem = "; ".join(q.reasons + q.leaks + q.kept_missing)[:300]
            msgs = msgs + [{"role": "assistant", "content": out.model_dump_json()},
                           {"role": "user", "content": f"That rewrite has a problem: {problem}. Fix it and answer with JSON only."}]
        rec.rewrite = RewriteInfo(method="deterministic", fallback_reason=f"{self.model.spec}: {problem}", attempts=attempts)
        return rec

    def rewrite_many(self, recs: Sequence[ICRecord]) -> list[ICRecord]:
        from ..models.base import run_sync

        async def go() -> list[ICRecord]:
            sem = asyncio.Semaphore(max(1, getattr(self.model, "concurrency", 8)))

            async def one(r: ICRecord) -> ICRecord:
                async with sem:
                    return await self.arewrite(r)

            try:
                return list(await asyncio.gather(*(one(r) for r in recs)))
            finally:
                await self.model.aclose()

        return run_sync(go())
