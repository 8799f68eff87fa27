"""A local transformers model (folder or hub id), optional PEFT adapter, batched generation."""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass

from .base import ChatModel, ChatResult, GenParams, Messages


@dataclass(eq=False)
class _Req:
    messages: list[dict[str, str]]
    params: GenParams
    fut: asyncio.Future
    loop: asyncio.AbstractEventLoop


class LocalModel(ChatModel):
    """Requests that arrive together with the same parameters are generated as one batch."""

    def __init__(self, path: str, adapter: str | None = None, dtype: str = "auto", device: str | None = None,
                 batch_size: int = 8, spec: str | None = None, model=None, tokenizer=None):
        super().__init__()
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.path, self.adapter = path, adapter
        self.spec = spec or f"hf:{path}" + (f"?adapter={adapter}" if adapter else "")
        self.batch_size = batch_size
        self.concurrency = batch_size * 2
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        if tokenizer is None:
            tokenizer = AutoTokenizer.from_pretrained(path)
        if model is None:
            td = {"auto": (torch.bfloat16 if self.device == "cuda" else torch.float32), "float32": torch.float32,
                  "bfloat16": torch.bfloat16, "float16": torch.float16}[dtype]
            model = AutoModelForCausalLM.from_pretrained(path, dtype=td)
            if adapter:
                from peft import PeftModel

                model = PeftModel.from_pretrained(model, adapter)
            model.to(self.device)
        model.eval()
        self.model, self.tok = model, tokenizer
        if self.tok.pad_token is None:
            self.tok.pad_token = self.tok.eos_token
        self.tok.padding_side = "left"
        self._queue: list[_Req] = []
        self._lock = threading.Lock()
        self._gen_lock = threading.Lock()

    @property
    def cache_id(self) -> str:
        """The spec plus a fingerprint of the weight and adapter files: a retrained adapter
        saved under the same path never gets the replies of the old one."""
        if getattr(self, "_cache_id", None) is None:
            from ..fingerprint import files_fingerprint

            parts = [files_fingerprint(self.path), files_fingerprint(self.adapter)]
            self._cache_id = self.spec + "#" + ",".join(p or "-" for p in parts)
        return self._cache_id

    def render(self, messages: Messages) -> str:
        return self.tok.apply_chat_template(list(messages), tokenize=False, add_generation_prompt=True)

    async def _achat(self, messages: Messages, params: GenParams) -> ChatResult:
        loop = asyncio.get_running_loop()
        fut = loop.create_future()
        own = _Req(list(messages), params, fut, loop)
        with self._lock:
            self._queue.append(own)
        await asyncio.sleep(0.005)  # let concurrent requests join the batch
        batch = self._take(own)
        if batch:
            await asyncio.to_thread(self._generate, batch)
        return await fut  # generated in our batch or in the one that took our request

    def _take(self, own: _Req) -> list[_Req]:
        """Our request (if nobody took it yet) plus others with the same parameters."""
        with self._lock:
            if own not in self._queue:
                return []
            others = [r for r in self._queue if r is not own and r.params == own.params][: self.batch_size - 1]
            batch = [own] + others
            for r in batch:
                self._queue.remove(r)
        return batch

    def _generate(self, batch: list[_Req]) -> None:
        import torch

        p = batch[0].params
        try:
            prompts = [self.render(r.messages) for r in batch]
            enc = self.tok(prompts, return_tensors="pt", padding=True, add_special_tokens=False).to(self.device)
            kw = dict(max_new_tokens=p.max_tokens, pad_token_id=self.tok.pad_token_id)
            if p.temperature > 0:
                kw.update(do_sample=True, temperature=p.temperature, top_p=p.top_p)
            else:
                kw.update(do_sample=False, temperature=None, top_p=None, top_k=None)
            if p.stop:
                kw.update(stop_strings=list(p.stop), tokenizer=self.tok)
            t0 = time.perf_counter()
            with self._gen_lock, torch.no_grad():
                if p.seed is not None:
                    torch.manual_seed(p.seed)
                out = self.model.generate(**enc, **kw)
            dt = time.perf_counter() - t0
            n_in = enc["input_ids"].shape[1]
            for i, r in enumerate(batch):
                gen = out[i, n_in:]
                n_gen = int((gen != self.tok.pad_token_id).sum())
                text = self.tok.decode(gen, skip_special_tokens=True)
                res = ChatResult(text=text, prompt_tokens=int(enc["attention_mask"][i].sum()), completion_tokens=n_gen,
                                 latency_s=dt)
                r.loop.call_soon_threadsafe(_set, r.fut, res, None)
        except Exception as e:  # deliver the failure to every waiter
            for r in batch:
                r.loop.call_soon_threadsafe(_set, r.fut, None, e)


def _set(fut: asyncio.Future, res, exc) -> None:
    if fut.done():
        return
    if exc is not None:
        fut.set_exception(exc)
    else:
        fut.set_result(res)
