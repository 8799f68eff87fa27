"""Any OpenAI-compatible chat-completions endpoint (OpenAI, vLLM, SGLang, Ollama, llama.cpp)."""

from __future__ import annotations

import asyncio
import os
import random
import time

from .base import ChatModel, ChatResult, GenParams, Messages, ModelError

RETRY_STATUS = {408, 409, 429, 500, 502, 503, 504}


class EndpointModel(ChatModel):
    def __init__(self, model: str, base_url: str | None = None, key_env: str = "OPENAI_API_KEY",
                 concurrency: int = 8, timeout: float = 60.0, max_retries: int = 5, backoff: float = 0.5,
                 spec: str | None = None):
        super().__init__()
        import openai

        self.model = model
        self.base_url = base_url
        self.key_env = key_env
        self.concurrency = concurrency
        self.max_retries = max_retries
        self.backoff = backoff
        self.spec = spec or (f"openai:{model}@{base_url}" if base_url else f"openai:{model}")
        key = os.environ.get(key_env) or ("EMPTY" if base_url else None)
        if key is None:
            raise ModelError(f"{self.spec}: set the API key in ${key_env} (or point at a local endpoint with @URL)")
        from ..redact import register_secret

        register_secret(key)  # whatever variable it came from, it is redacted from every message
        self._key, self._timeout = key, timeout
        self._clients: dict[int, object] = {}  # one HTTP pool per event loop
        self._openai = openai

    def _client(self):
        loop = asyncio.get_running_loop()
        c = self._clients.get(id(loop))
        if c is None:
            # our own retry loop counts retries and backs off with jitter; the SDK's is off
            c = self._openai.AsyncOpenAI(api_key=self._key, base_url=self.base_url, timeout=self._timeout, max_retries=0)
            self._clients = {id(loop): c}  # clients of finished loops are dropped
        return c

    async def _achat(self, messages: Messages, params: GenParams) -> ChatResult:
        kwargs = dict(model=self.model, messages=list(messages), temperature=params.temperature,
                      top_p=params.top_p, max_tokens=params.max_tokens)
        if params.seed is not None:
            kwargs["seed"] = params.seed
        if params.stop:
            kwargs["stop"] = list(params.stop)[:4]
        err: Exception | None = None
        for attempt in range(self.max_retries + 1):
            t0 = time.perf_counter()
            try:
                resp = await self._client().chat.completions.create(**kwargs)
                if not resp.choices:
                    raise ModelError("the endpoint returned no choices")
                ch = resp.choices[0]
                text = ch.message.content or ""
                u = resp.usage
                return ChatResult(text=text, prompt_tokens=getattr(u, "prompt_tokens", 0) or 0,
                                  completion_tokens=getattr(u, "completion_tokens", 0) or 0,
                                  latency_s=time.perf_counter() - t0, finish_reason=ch.finish_reason)
            except self._openai.APIStatusError as e:
                err = e
                if e.status_code not in RETRY_STATUS:
                    raise ModelError(f"{self.spec}: HTTP {e.status_code}: {_short(e)}") from None
            except (self._openai.APITimeoutError, self._openai.APIConnectionError) as e:
                err = e
            except ValueError as e:  # malformed JSON from the server
                err = e
            if attempt < self.max_retries:
                self.usage.retries += 1
                await asyncio.sleep(self.backoff * (2 ** attempt) * (0.5 + random.random()))
        raise ModelError(f"{self.spec}: gave up after {self.max_retries + 1} attempts: {type(err).__name__}: {_short(err)}")

    async def aclose(self) -> None:
        c = self._clients.pop(id(asyncio.get_running_loop()), None)
        if c is not None:
            await c.close()

    def close(self) -> None:
        self._clients = {}


def _short(e: object) -> str:
    from ..redact import redact

    return redact(str(e))[:300]
