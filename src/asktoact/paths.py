"""Where asktoact keeps downloaded data and converted models (override with ASKTOACT_HOME)."""

from __future__ import annotations

import os
from pathlib import Path


def home() -> Path:
    p = Path(os.environ.get("ASKTOACT_HOME") or Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "asktoact")
    p.mkdir(parents=True, exist_ok=True)
    return p
