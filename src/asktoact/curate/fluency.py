"""Fluency filter: does the rewritten query read as English as well as the original?

A small causal LM (the embedded SmolLM2-135M by default; any local HF folder or hub id)
scores the mean per-token negative log-likelihood of both sentences. A rewrite that broke
the sentence ("I'a specific units curious", "3x^that x value") costs the model clearly more
per token than the original did; a clean abstraction or removal costs about the same.
The record is rejected when ``loss(rewritten) - loss(original)`` exceeds the threshold.
How the default threshold was chosen is in docs/results.md ("Curation quality").
"""

from __future__ import annotations

import os
from typing import Any, Sequence

from ..schema import ICRecord

# chosen by measurement on external text (bench/fluency_threshold.py, docs/results.md): the
# lowest delta that rejects at most 10% of clean edits of human-written queries (tuning half)
DEFAULT_THRESHOLD = 1.15
DEFAULT_FLUENCY_MODEL = "embedded"


class FluencyScorer:
    """Mean token NLL per sentence, batched; one model load per stage; cached per text."""

    def __init__(self, spec: str = DEFAULT_FLUENCY_MODEL, batch_size: int = 32, device: str = "cpu"):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        from ..models.spec import resolve_model_path

        path = resolve_model_path(spec)
        self.tok = AutoTokenizer.from_pretrained(path)
        if self.tok.pad_token is None:
            self.tok.pad_token = self.tok.eos_token
        self.model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32).to(device).eval()
        self.device = device
        self.batch_size = batch_size
        self._cache: dict[str, float] = {}
        self._torch = torch

    def losses(self, texts: Sequence[str]) -> list[float]:
        torch = self._torch
        todo = [t for t in dict.fromkeys(texts) if t not in self._cache]
        todo.sort(key=len)  # similar lengths per batch: less padding
        bos = self.tok.bos_token or self.tok.eos_token
        for i in range(0, len(todo), self.batch_size):
            chunk = todo[i:i + self.batch_size]
            enc = self.tok([bos + t for t in chunk], return_tensors="pt", padding=True, truncation=True, max_length=256)
            enc = {k: v.to(self.device) for k, v in enc.items()}
            with torch.inference_mode():
                logits = self.model(**enc).logits[:, :-1].float()
            target = enc["input_ids"][:, 1:]
            mask = enc["attention_mask"][:, 1:].float()
            nll = torch.nn.functional.cross_entropy(logits.transpose(1, 2), target, reduction="none")
            per = (nll * mask).sum(1) / mask.sum(1).clamp(min=1)
            for t, v in zip(chunk, per.tolist()):
                self._cache[t] = float(v)
        return [self._cache[t] for t in texts]


def fluency_deltas(records: Sequence[ICRecord], scorer: Any) -> dict[int, float]:
    """Index -> loss(rewritten) - loss(original) for records whose query was rewritten."""
    idx = [i for i, r in enumerate(records) if r.unspecified_query != r.original_query]
    if not idx:
        return {}
    texts = [records[i].unspecified_query for i in idx] + [records[i].original_query for i in idx]
    ls = scorer.losses(texts)
    n = len(idx)
    return {i: ls[k] - ls[n + k] for k, i in enumerate(idx)}


def apply_fluency(records: Sequence[ICRecord], scorer: Any, threshold: float = DEFAULT_THRESHOLD) -> None:
    """Record the delta in ``metadata.fluency_delta``; fail records above the threshold."""
    for i, d in fluency_deltas(records, scorer).items():
        r = records[i]
        r.metadata["fluency_delta"] = round(d, 3)
        if d > threshold:
            r.quality.reasons.append(f"fluency: the rewrite reads worse than the original (loss +{d:.2f} > {threshold})")
            r.quality.passed = False
