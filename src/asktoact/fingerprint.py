"""Fingerprints of what a result depends on: weight and adapter files, input files, settings.

A run folder and the reply cache must know when what produced them has changed: a
retrained adapter saved under the same path, another model, another seed. Files up to
``FULL_HASH_BYTES`` are hashed whole (adapters, configs, tokenizers); bigger ones (base
weights) by size, modification time and their first and last MiB, so a 15 GB model costs
milliseconds and a rewritten one still changes the fingerprint.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

FULL_HASH_BYTES = 64 << 20
_EDGE = 1 << 20


def file_fingerprint(path: Path) -> str:
    path = Path(path)
    st = path.stat()
    h = hashlib.sha256()
    with open(path, "rb") as f:
        if st.st_size <= FULL_HASH_BYTES:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        else:
            h.update(f"{st.st_size}:{st.st_mtime_ns}".encode())
            h.update(f.read(_EDGE))
            f.seek(st.st_size - _EDGE)
            h.update(f.read(_EDGE))
    return f"{st.st_size}:{h.hexdigest()[:16]}"


def files_fingerprint(path: str | Path | None) -> str | None:
    """A folder's (top-level, non-hidden files) or a file's fingerprint; None when ``path`` is not
    on this disk (a hub id: identified by its name)."""
    if not path:
        return None
    p = Path(str(path)).expanduser()
    if p.is_file():
        return file_fingerprint(p)
    if not p.is_dir():
        return None
    parts = [f"{f.name}={file_fingerprint(f)}" for f in sorted(p.iterdir()) if f.is_file() and not f.name.startswith(".")]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def spec_files(spec: str) -> dict[str, str | None]:
    """The local files a model spec reads, fingerprinted: ``{"weights": ..., "adapter": ...}``
    (empty for endpoints and scripted agents, which are identified by their spec alone)."""
    from .models.spec import parse_spec

    if spec.startswith("llm:"):  # a simulator spec wraps a model spec
        return spec_files(spec[4:])
    if spec.startswith("script:") or spec in ("oracle", "oracle+embed"):
        return {}
    ms = parse_spec(spec)
    out: dict[str, str | None] = {}
    if ms.kind == "hf":
        out["weights"] = files_fingerprint(ms.target)
    elif ms.kind == "embedded":
        from .models.embedded import embedded_model_dir

        out["weights"] = files_fingerprint(embedded_model_dir())
    if ms.options.get("adapter"):
        out["adapter"] = files_fingerprint(ms.options["adapter"])
    return out


def settings_fingerprint(settings: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode()).hexdigest()[:16]
