"""Any OpenAI-compatible chat-completions endpoint (OpenAI, vLLM, SGLang, Ollama, llama.cpp)."""

from __future__ import annotations

import asyncio
import json
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

    async def _achat(self, messages: Messages, params: GenParams, tools: list[dict] | None = None) -> ChatResult:
        kwargs = dict(model=self.model, messages=api_messages(messages), temperature=params.temperature,
                      top_p=params.top_p, max_tokens=params.max_tokens)
        if tools is not None:
            kwargs["tools"] = tools
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
                calls, text = reply_calls(getattr(ch.message, "tool_calls", None), text)
                u = resp.usage
                return ChatResult(text=text, prompt_tokens=getattr(u, "prompt_tokens", 0) or 0,
                                  completion_tokens=getattr(u, "completion_tokens", 0) or 0,
                                  latency_s=time.perf_counter() - t0, finish_reason=ch.finish_reason,
                                  tool_calls=calls)
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


def api_messages(messages: Messages) -> list[dict]:
    """The OpenAI wire form: a call's ``arguments`` is a JSON string, not an object."""
    out = []
    for m in messages:
        m = dict(m)
        if m.get("tool_calls"):
            m["tool_calls"] = [{**c, "function": {**c["function"], "arguments": c["function"]["arguments"]
                                                  if isinstance(c["function"]["arguments"], str)
                                                  else json.dumps(c["function"]["arguments"], ensure_ascii=False)}}
                               for c in m["tool_calls"]]
        out.append(m)
    return out


def reply_calls(raw_calls, text: str):
    """``message.tool_calls`` of a reply -> ToolCalls. A call whose arguments are not a JSON
    object is the model's mistake, not the server's: it is handed on as a ``<tool_call>``
    block in the text, which the native parser reports as an invalid turn."""
    from ..schema import ToolCall

    if not raw_calls:
        return None, text
    calls, bad = [], []
    for c in raw_calls:
        fn = getattr(c, "function", None)
        name, args = getattr(fn, "name", None), getattr(fn, "arguments", None)
        try:
            parsed = json.loads(args) if isinstance(args, str) and args.strip() else (args or {})
            if not isinstance(parsed, dict) or not name:
                raise ValueError
            calls.append(ToolCall(name=name, arguments=parsed))
        except (ValueError, TypeError):
            bad.append(f"<tool_call>\n{{\"name\": {json.dumps(name)}, \"arguments\": {args}\n</tool_call>")
    if bad:
        return None, (text + "\n" if text else "") + "\n".join(bad)
    return calls, text


def _short(e: object) -> str:
    from ..redact import redact

    return redact(str(e))[:300]
