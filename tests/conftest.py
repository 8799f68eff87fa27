import os
from functools import lru_cache
from pathlib import Path

import pytest

# the shared corpus beside the checkout; ASKTOACT_SHARED_DATA points a worktree elsewhere at it
SHARED = Path(os.environ.get("ASKTOACT_SHARED_DATA") or Path(__file__).resolve().parents[1].parent / "shared" / "data")
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


def tiny_lm():
    """(SmolLM2's real tokenizer, a 1-layer random Llama over its vocabulary), seeded: decoding
    mechanics without the 135M weights."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    from asktoact.models.embedded import embedded_model_dir

    tok = AutoTokenizer.from_pretrained(str(embedded_model_dir()))
    torch.manual_seed(0)
    m = LlamaForCausalLM(LlamaConfig(vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                                     num_attention_heads=2, num_key_value_heads=1, pad_token_id=tok.pad_token_id))
    return tok, m
