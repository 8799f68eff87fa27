"""One small chat-model interface for every LLM-backed step.

Messages in, text out, async. Implementations: any OpenAI-compatible endpoint, a local
transformers model (optionally with a PEFT adapter), the embedded SmolLM2, and in-process
agents. Every model counts its tokens, latency, retries and cache hits.
"""

from __future__ import annotations

import asyncio
import threading
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Sequence

from pydantic import BaseModel, ConfigDict, Field

Messages = Sequence[dict[str, str]]


class GenParams(BaseModel):
    """Generation parameters; part of the cache key."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    temperature: float = 0.0
    top_p: float = 1.0
    max_tokens: int = Field(512, ge=1)
    seed: int | None = None
    stop: tuple[str, ...] = ()


@dataclass
class ChatResult:
    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    cached: bool = False
    finish_reason: str | None = None
    tool_calls: list[Any] | None = None  # native format: the reply's calls (schema.ToolCall), when it made any


_MESSAGE_KEYS = ("role", "content", "tool_calls", "tool_call_id", "name")


def plain_messages(messages: Messages) -> list[dict[str, Any]]:
    """Messages as the cache and the models take them: role and content, plus the native
    format's ``tool_calls`` / ``tool_call_id`` / ``name`` where a message has them."""
    out = []
    for m in messages:
        d = {"role": m["role"], "content": m.get("content") or ""}
        for k in _MESSAGE_KEYS[2:]:
            if m.get(k) is not None:
                d[k] = m[k]
        out.append(d)
    return out


@dataclass
class Usage:
    """Per-model accounting, summarised at the end of a run."""

    requests: int = 0
    cached: int = 0
    errors: int = 0
    retries: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, r: ChatResult) -> None:
        with self._lock:
            self.requests += 1
            self.cached += int(r.cached)
            self.prompt_tokens += r.prompt_tokens
            self.completion_tokens += r.completion_tokens
            self.latency_s += r.latency_s

    def as_dict(self) -> dict[str, Any]:
        live = self.requests - self.cached
        return {"requests": self.requests, "cached": self.cached, "errors": self.errors, "retries": self.retries,
                "prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens,
                "mean_latency_s": round(self.latency_s / live, 4) if live else 0.0}


class ModelError(RuntimeError):
    """A request failed for good (after retries)."""


class ChatModel(ABC):
    """Subclasses implement ``_achat``; callers use ``achat``/``chat``/``achat_many``."""

    spec: str = ""
    concurrency: int = 8

    def __init__(self) -> None:
        self.usage = Usage()
        self.cache = None  # set by models.load_model

    @property
    def cache_id(self) -> str:
        """What identifies this model in cache keys (never a secret)."""
        return self.spec

    @abstractmethod
    async def _achat(self, messages: Messages, params: GenParams) -> ChatResult: ...

    async def achat(self, messages: Messages, params: GenParams | None = None, use_cache: bool = True,
                    tools: Sequence[dict[str, Any]] | None = None) -> ChatResult:
        """``tools`` (OpenAI ``tools=`` entries) turns on the native format: the model sees the
        tools beside the messages and may answer with ``tool_calls``."""
        params = params or GenParams()
        msgs = plain_messages(messages)
        tools = list(tools) if tools is not None else None
        if self.cache is not None and use_cache:
            hit = self.cache.get(self.cache_id, msgs, params, tools)
            if hit is not None:
                res = ChatResult(text=hit["text"], prompt_tokens=hit.get("prompt_tokens", 0),
                                 completion_tokens=hit.get("completion_tokens", 0), cached=True,
                                 tool_calls=hit.get("tool_calls"))
                self.usage.add(res)
                return res
        t0 = time.perf_counter()
        try:
            res = await (self._achat(msgs, params, tools=tools) if tools is not None else self._achat(msgs, params))
        except Exception:
            self.usage.errors += 1
            raise
        res.latency_s = res.latency_s or (time.perf_counter() - t0)
        res.text = apply_stop(res.text, params.stop)
        if self.cache is not None:
            self.cache.put(self.cache_id, msgs, params, res, tools)
        self.usage.add(res)
        return res

    async def achat_many(self, batch: Sequence[Messages], params: GenParams | None = None) -> list[ChatResult]:
        sem = asyncio.Semaphore(max(1, self.concurrency))

        async def one(m: Messages) -> ChatResult:
            async with sem:
                return await self.achat(m, params)

        return list(await asyncio.gather(*(one(m) for m in batch)))

    def chat(self, messages: Messages, params: GenParams | None = None) -> ChatResult:
        return run_sync(self.achat(messages, params))

    def close(self) -> None:
        pass

    async def aclose(self) -> None:
        """Release what is bound to the running event loop (HTTP pools)."""


def apply_stop(text: str, stop: Sequence[str]) -> str:
    cut = len(text)
    for s in stop:
        i = text.find(s)
        if i != -1:
            cut = min(cut, i)
    return text[:cut]


def run_sync(coro: Any) -> Any:
    """Run a coroutine from sync code, also when an event loop is already running."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    out: dict[str, Any] = {}

    def target() -> None:
        try:
            out["v"] = asyncio.run(coro)
        except BaseException as e:  # pragma: no cover - re-raised below
            out["e"] = e

    t = threading.Thread(target=target)
    t.start()
    t.join()
    if "e" in out:
        raise out["e"]
    return out["v"]
