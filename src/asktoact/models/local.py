"""A local transformers model (folder or hub id), optional PEFT adapter, batched generation."""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass

from .base import ChatModel, ChatResult, GenParams, Messages

PROBE_TOKENS = 32  # a probed value is a short JSON value; one that does not close by then is not read
PROBE_FLOOR = -0.35  # least log-probability a probed value's tokens may have (set on the dev split: bench/probe_precision.py)


@dataclass(eq=False)
class _Req:
    messages: list[dict[str, str]]
    params: GenParams
    fut: asyncio.Future
    loop: asyncio.AbstractEventLoop
    tools: list[dict] | None = None


def batch_key(p: GenParams) -> GenParams:
    """Requests that may share one ``generate``: greedy decoding ignores the seed, so the
    per-dialogue seeds of an evaluation no longer split every batch into single rows."""
    return p.model_copy(update={"seed": None}) if p.temperature <= 0 else p


class LocalModel(ChatModel):
    """Requests that arrive together with the same parameters are generated as one batch
    (greedy requests regardless of their seeds). With ``tools`` the prompt is rendered by the
    model's own tool template (ours for ChatML templates without one), and calls written in
    the reply are read back as ``tool_calls``."""

    def __init__(self, path: str, adapter: str | None = None, dtype: str = "auto", device: str | None = None,
                 batch_size: int = 8, spec: str | None = None, model=None, tokenizer=None, ground: bool = False,
                 loop_guard: int = 0, probe: bool = False, act_bias: float = 0.0):
        super().__init__()
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.path, self.adapter = path, adapter
        self.spec = spec or f"hf:{path}" + (f"?adapter={adapter}" if adapter else "")
        self.batch_size = batch_size
        self.ground, self.ground_fixes = ground, 0  # check stated values (models.grounding); replies redone
        self.loop_guard = loop_guard  # tokens one short pattern may repeat before its next copy is banned (0: off)
        self.probe, self.probe_fills = probe, 0  # with ground: ask the model to fill a name it calls missing; values read
        self.act_bias = act_bias  # logit added to " nothing" after "Missing:" (0: off); with ground, guesses still ask
        self.concurrency = batch_size * 2
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        if tokenizer is None:
            from pathlib import Path

            # a trained adapter carries the tokenizer (and chat template) it was trained with
            src = adapter if adapter and (Path(adapter) / "tokenizer_config.json").exists() else path
            tokenizer = AutoTokenizer.from_pretrained(src)
        if model is None:
            td = {"auto": (torch.bfloat16 if self.device == "cuda" else torch.float32), "float32": torch.float32,
                  "bfloat16": torch.bfloat16, "float16": torch.float16}[dtype]
            model = AutoModelForCausalLM.from_pretrained(path, dtype=td)
            if adapter:
                from peft import PeftModel

                model = PeftModel.from_pretrained(model, adapter)
                if hasattr(model, "merge_and_unload"):  # inference only: merged LoRA weights decode faster
                    model = model.merge_and_unload()
            model.to(self.device)
        model.eval()
        self.model, self.tok = model, tokenizer
        if self.tok.pad_token is None:
            self.tok.pad_token = self.tok.eos_token
        self.tok.padding_side = "left"
        self._queue: list[_Req] = []
        self._lock = threading.Lock()
        self._gen_lock = threading.Lock()
        self._tool_template: str | None | bool = False  # not looked up yet
        self.batches: list[int] = []  # rows per generate call (for inspection and the benches)

    @property
    def cache_id(self) -> str:
        """The spec plus a fingerprint of the weight and adapter files: a retrained adapter
        saved under the same path never gets the replies of the old one."""
        if getattr(self, "_cache_id", None) is None:
            from ..fingerprint import files_fingerprint

            parts = [files_fingerprint(self.path), files_fingerprint(self.adapter)]
            if getattr(self, "ground", False):
                from .grounding import VERSION

                parts.append(f"ground-v{VERSION}")
            if getattr(self, "loop_guard", 0):
                parts.append(f"loop-guard-{self.loop_guard}")
            if getattr(self, "ground", False) and getattr(self, "probe", False):
                parts.append("probe")
            if getattr(self, "act_bias", 0.0):
                parts.append(f"act-bias-{self.act_bias:g}")
            self._cache_id = self.spec + "#" + ",".join(p or "-" for p in parts)
        return self._cache_id

    def render(self, messages: Messages, tools: list[dict] | None = None) -> str:
        if tools is None:
            return self.tok.apply_chat_template(list(messages), tokenize=False, add_generation_prompt=True)
        if self._tool_template is False:
            from ..native import native_chat_template

            self._tool_template = native_chat_template(self.tok)
        kw = {"chat_template": self._tool_template} if self._tool_template else {}
        return self.tok.apply_chat_template(list(messages), tools=tools, tokenize=False, add_generation_prompt=True, **kw)

    async def _achat(self, messages: Messages, params: GenParams, tools: list[dict] | None = None) -> ChatResult:
        loop = asyncio.get_running_loop()
        fut = loop.create_future()
        own = _Req(list(messages), params, fut, loop, tools)
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
            key = batch_key(own.params)
            others = [r for r in self._queue if r is not own and batch_key(r.params) == key][: self.batch_size - 1]
            batch = [own] + others
            for r in batch:
                self._queue.remove(r)
        return batch

    def _decode(self, prompts: list[str], p: GenParams, native: list[bool],
                no_calls: bool = False, scores: list | None = None) -> tuple[list[tuple[str, int, int]], float]:
        """One ``generate`` over ``prompts`` -> (text, generated tokens, prompt tokens) per row and
        the seconds it took; a ``native`` row keeps the markers its template writes calls with.
        ``no_calls``: the markers that open a call cannot be written (the row must ask).
        ``scores``: a list that receives, per row, (generated token ids, their log-probabilities)."""
        import torch

        enc = self.tok(prompts, return_tensors="pt", padding=True, add_special_tokens=False).to(self.device)
        kw = dict(max_new_tokens=p.max_tokens, pad_token_id=self.tok.pad_token_id)
        procs = []
        if no_calls:
            kw["bad_words_ids"] = self._call_openers()
            procs.append(_first_token_ban(enc["input_ids"].shape[1], self._markup_starts()))
        if getattr(self, "loop_guard", 0):
            procs.append(_loop_guard_processor(enc["input_ids"].shape[1], self.loop_guard))
        if getattr(self, "act_bias", 0.0):
            procs.append(_act_bias_processor(enc["input_ids"].shape[1], *self._missing_tokens(), self.act_bias))
        if procs:
            kw["logits_processor"] = procs
        if p.temperature > 0:
            kw.update(do_sample=True, temperature=p.temperature, top_p=p.top_p)
        else:
            kw.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        if p.stop:
            kw.update(stop_strings=list(p.stop), tokenizer=self.tok)
        kw["stopping_criteria"] = [loop_stop(enc["input_ids"].shape[1])]
        t0 = time.perf_counter()
        with self._gen_lock, torch.no_grad():
            if p.seed is not None and p.temperature > 0:
                torch.manual_seed(p.seed)
            if scores is not None:
                kw.update(output_scores=True, return_dict_in_generate=True)
            out = self.model.generate(**enc, **kw)
            if scores is not None:
                logp = self.model.compute_transition_scores(out.sequences, out.scores, normalize_logits=True)
                out = out.sequences
        dt = time.perf_counter() - t0
        self.batches.append(len(prompts))
        n_in = enc["input_ids"].shape[1]
        rows = []
        for i in range(len(prompts)):
            gen = out[i, n_in:]
            text = self.tok.decode(gen, skip_special_tokens=not native[i])
            if native[i]:  # keep the markers a template writes calls with ([TOOL_CALLS], <|python_tag|>)
                text = _strip_specials(text, self.tok)
            rows.append((text, int((gen != self.tok.pad_token_id).sum()), int(enc["attention_mask"][i].sum())))
            if scores is not None:
                scores.append((gen.tolist(), logp[i].tolist()))
        return rows, dt

    def _generate(self, batch: list[_Req]) -> None:
        p = batch[0].params
        try:
            prompts = [self.render(r.messages, r.tools) for r in batch]
            rows, dt = self._decode(prompts, p, [r.tools is not None for r in batch])
            if self.ground:
                rows, dt = self._ground(batch, prompts, rows, dt, p)
            for r, (text, n_gen, n_prompt) in zip(batch, rows):
                calls = None
                if r.tools is not None:
                    calls, text = _calls_in(text)
                res = ChatResult(text=text, prompt_tokens=n_prompt, completion_tokens=n_gen, latency_s=dt,
                                 tool_calls=calls)
                r.loop.call_soon_threadsafe(_set, r.fut, res, None)
        except Exception as e:  # deliver the failure to every waiter
            for r in batch:
                r.loop.call_soon_threadsafe(_set, r.fut, None, e)

    def _ground(self, batch: list[_Req], prompts: list[str], rows: list, dt: float, p: GenParams):
        """``ground=1``: a reply whose ``Known:`` line or calls state a value nothing in the
        conversation supports, or that calls although its line names something missing, is
        generated again from the corrected line, without a call (``models.grounding.review``).
        A line corrected to ``Missing: nothing.`` (the model listed as missing what the user did
        say) is continued with calls allowed: that is where the model learned to call."""
        from .grounding import review

        probed, dt = self._probe(batch, prompts, rows, dt, p) if getattr(self, "probe", False) else ({}, dt)
        redo = []
        for i, (r, (text, _, _)) in enumerate(zip(batch, rows)):
            fixed = review(text, r.messages, r.tools, probed.get(i)) if r.tools is not None else None
            if fixed is not None:
                redo.append((i, fixed))
        if not redo:
            return rows, dt
        self.ground_fixes += len(redo)
        rows = list(rows)
        for may_call in (False, True):  # two decodes: a banned call opener applies to a whole batch
            part = [(i, prefix) for i, prefix in redo if prefix.endswith("Missing: nothing.") == may_call]
            if not part:
                continue
            used = max(len(self.tok(prefix, add_special_tokens=False)["input_ids"]) for _, prefix in part)
            rest = p.model_copy(update={"max_tokens": max(1, p.max_tokens - used)})  # the line counts against the limit
            again, dt2 = self._decode([prompts[i] + prefix for i, prefix in part], rest,
                                      [batch[i].tools is not None for i, _ in part], no_calls=not may_call)
            dt += dt2
            for (i, prefix), (text, n_gen, _) in zip(part, again):
                rows[i] = (prefix + text, rows[i][1] + n_gen, rows[i][2])
        return rows, dt

    def _probe(self, batch: list[_Req], prompts: list[str], rows: list, dt: float, p: GenParams):
        """``probe=1``: for each name a reply's line calls missing (``grounding.probe_targets``),
        continue the line's known part with ``name = `` and read the value the model writes
        (greedy, a few tokens). The values go to ``review``, which keeps only those the user's
        words support: a model that lists ``Missing: alpha`` for "alpha equals to 0.05" usually
        knows the value when asked for it, and a value nobody gave fails the same check as
        before. Returns {row: {name: value}} and the seconds spent."""
        from .grounding import parse_line, probe_prefix, probe_span, probe_targets

        jobs = []
        for i, (r, (text, _, _)) in enumerate(zip(batch, rows)):
            line = parse_line(text) if r.tools is not None else None
            for n in probe_targets(line, r.tools) if line else []:
                jobs.append((i, n, probe_prefix(line, n)))
        out: dict[int, dict] = {}
        short = GenParams(max_tokens=PROBE_TOKENS)  # greedy, no stop strings: the value is read as JSON
        for k in range(0, len(jobs), self.batch_size):
            part = jobs[k: k + self.batch_size]
            sc: list = []
            got, dt2 = self._decode([prompts[i] + prefix for i, _, prefix in part], short,
                                    [batch[i].tools is not None for i, _, _ in part], scores=sc)  # a value may open with [ or {
            dt += dt2
            for (i, n, _), (text, _, _), (ids, logps) in zip(part, got, sc):
                span = probe_span(text)
                if span is not None and value_confidence(self.tok, ids, logps, span[1]) >= PROBE_FLOOR:
                    out.setdefault(i, {})[n] = span[0]
        self.probe_fills += sum(len(v) for v in out.values())
        return out, dt

    def _missing_tokens(self) -> tuple[list[list[int]], int]:
        """The token sequences of ``Missing:`` (after a space or not) and the token of `` nothing``."""
        enc = lambda t: self.tok(t, add_special_tokens=False)["input_ids"]  # noqa: E731
        after = [enc("Missing:"), enc(". Missing:")[len(enc(".")):]]
        return [list(x) for x in {tuple(a) for a in after if a}], enc(" nothing")[0]

    def _markup_starts(self) -> list[int]:
        """Tokens a reply cannot start its text with after the corrected line: markup (``<``,
        ``[``, ``{``), a line break (where the calls of a template begin) or nothing but space."""
        if getattr(self, "_markup", None) is None:
            bad = []
            for i in range(len(self.tok)):
                t = self.tok.decode([i])
                if "\n" in t or not t.strip() or t.lstrip(" ")[:1] in ("<", "[", "{"):
                    bad.append(i)
            self._markup = bad
        return self._markup

    def _call_openers(self) -> list[list[int]]:
        """Token sequences that open a call in any template we read (``<tool_call>`` ...), as
        written after a space, a newline or nothing; their first two tokens too, so that a
        banned marker is not written half and left unreadable."""
        seqs = set()
        for m in ("<tool_call>", "<tools>", "[TOOL_CALLS]", "<|python_tag|>"):
            for lead in ("", " ", "\n"):
                ids = self.tok(lead + m, add_special_tokens=False)["input_ids"]
                if lead and ids[: len(self.tok(lead, add_special_tokens=False)["input_ids"])] == \
                        self.tok(lead, add_special_tokens=False)["input_ids"]:
                    ids = ids[len(self.tok(lead, add_special_tokens=False)["input_ids"]):] or ids
                seqs.update({tuple(ids), tuple(ids[:2])})
        return [list(x) for x in seqs if x]


def value_confidence(tok, ids: list[int], logps: list[float], end: int) -> float:
    """The lowest log-probability among the tokens that spell a probed value (the decoded text
    up to ``end`` characters): a value copied from the prompt is written with every token sure;
    one made up has a token the model hesitated on."""
    low = 0.0
    for k in range(1, len(ids) + 1):
        low = min(low, logps[k - 1])
        if len(tok.decode(ids[:k], skip_special_tokens=True)) >= end:
            break
    return low


def _act_bias_processor(n_prompt: int, after: list[list[int]], nothing: int, bias: float):
    """A logits processor that adds ``bias`` to the token ``nothing`` where the generated text
    has just written one of the ``after`` sequences (``Missing:``): the model leans to call, and
    what a call would guess is then caught by the grounding check, which asks instead."""
    from transformers import LogitsProcessor

    class ActBias(LogitsProcessor):
        def __call__(self, input_ids, scores):
            gen = input_ids[:, n_prompt:]
            for seq in after:
                k = len(seq)
                if gen.shape[1] < k:
                    continue
                tail = gen[:, -k:]
                hit = (tail == tail.new_tensor(seq)).all(dim=1)
                if hit.any():
                    scores[hit, nothing] += bias
            return scores

    return ActBias()


def _first_token_ban(n_prompt: int, banned: list[int]):
    """A logits processor that forbids ``banned`` as the first generated token only."""
    import torch
    from transformers import LogitsProcessor

    idx = torch.tensor(banned, dtype=torch.long)

    class FirstTokenBan(LogitsProcessor):
        def __call__(self, input_ids, scores):
            if input_ids.shape[1] == n_prompt:
                scores[:, idx.to(scores.device)] = float("-inf")
            return scores

    return FirstTokenBan()


def loop_length(ids: list[int], max_period: int = 8, min_span: int = 48) -> int:
    """How many trailing tokens are one short pattern (period <= ``max_period``) repeated over at
    least ``min_span`` tokens (0 if none): the degenerate loop small models fall into
    (`"weight", "weight", ...`). A value copied once or a short list never reaches it."""
    n = len(ids)
    for per in range(1, max_period + 1):
        if n < min_span or n < 2 * per:
            break
        k = per
        while k < n and ids[n - 1 - k] == ids[n - 1 - (k % per)]:
            k += 1
        if k >= min_span:
            return k
    return 0


def repeating_period(ids: list[int], span: int, max_period: int = 16) -> int:
    """The period of the pattern the trailing tokens repeat, when one (period <= ``max_period``)
    already covers at least ``span`` tokens and two whole copies; else 0. Its next copy would
    begin with ``ids[-period]``."""
    n = len(ids)
    for per in range(1, max_period + 1):
        if n < 2 * per:
            break
        k = per
        while k < n and ids[n - 1 - k] == ids[n - 1 - (k % per)]:
            k += 1
        if k >= max(span, 2 * per):
            return per
    return 0


def _loop_guard_processor(n_prompt: int, span: int):
    """A logits processor that forbids the token continuing a pattern once it has repeated over
    ``span`` tokens (`", 91, 91, 91` -> the next `,` is banned and the list must close). Where
    ``loop_stop`` ends a looping row (an unreadable turn), this keeps the row readable: a 135M
    model caught in `"Food History", "Food History", ...` inside a ``Known:`` line otherwise
    spends the whole turn on it (9 of r19's 104 held-out transcripts, session 12)."""
    from transformers import LogitsProcessor

    class LoopGuard(LogitsProcessor):
        def __call__(self, input_ids, scores):
            if input_ids.shape[1] - n_prompt < span:
                return scores
            for row, ids in enumerate(input_ids[:, max(n_prompt, input_ids.shape[1] - 64):].tolist()):
                per = repeating_period(ids, span)
                if per:
                    scores[row, ids[-per]] = float("-inf")
            return scores

    return LoopGuard()


def loop_stop(n_prompt: int):
    """A stopping criterion that ends each row of a batch once it loops (see ``loop_length``);
    what it wrote stays as it is (an unfinished call is then an invalid turn, as it would be at
    the token limit), and the batch no longer decodes to the limit for it."""
    import torch
    from transformers import StoppingCriteria

    class LoopStop(StoppingCriteria):
        def __call__(self, input_ids, scores, **kwargs):
            tail = input_ids[:, max(n_prompt, input_ids.shape[1] - 64):].tolist()  # only the window it reads
            return torch.tensor([loop_length(g) > 0 for g in tail], device=input_ids.device)

    return LoopStop()


_CALL_MARKERS = ("[TOOL_CALLS]", "<|python_tag|>", "<tool_call>", "</tool_call>")


def _strip_specials(text: str, tok) -> str:
    for sp in sorted(set(getattr(tok, "all_special_tokens", []) or []), key=len, reverse=True):
        if sp and sp not in _CALL_MARKERS:
            text = text.replace(sp, "")
    return text


def _calls_in(text: str):
    """Calls the model wrote in its template's syntax -> (calls, text before them); a reply
    whose calls cannot be read stays text, for the parser to report as invalid."""
    from ..native import parse_tool_call_text

    try:
        found = parse_tool_call_text(text)
    except ValueError:
        return None, text
    if found is None or not found[1]:
        return None, text
    return found[1], found[0]


def _set(fut: asyncio.Future, res, exc) -> None:
    if fut.done():
        return
    if exc is not None:
        fut.set_exception(exc)
    else:
        fut.set_result(res)
