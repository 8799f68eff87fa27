import os
from functools import lru_cache
from pathlib import Path

import pytest

# ../shared/data beside the checkout (a git worktree may sit one folder deeper: the nearest one up)
SHARED = next((p / "shared" / "data" for p in Path(__file__).resolve().parents[1:] if (p / "shared" / "data").is_dir()),
              Path(__file__).resolve().parents[1].parent / "shared" / "data")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def need_shared(*parts: str) -> Path:
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"shared data not found: {p}")
    return p


@pytest.fixture
def shared():
    return need_shared


@pytest.fixture(scope="session")
def parser():
    """spaCy's English pipeline (load_parser), or skip where it is not installed."""
    pytest.importorskip("spacy")
    from asktoact.curate.parse import load_parser

    try:
        return load_parser()
    except RuntimeError:
        pytest.skip("no English spaCy pipeline")


@lru_cache(maxsize=8)
def corpus(src: str, *path: str) -> dict:
    """A shared-data source loaded once per test session: sample id -> sample."""
    from asktoact.sources import load

    return {s.id: s for s in load(src, need_shared(*path))}
