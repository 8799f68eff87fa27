"""Corpus loaders, one module per format, registered by name."""

from . import acebench, apibank, bfcl, openai_jsonl, taskbench, toolbench, xlam  # noqa: F401  (registration)
from .base import REGISTRY, FieldError, LoadStats, Source, get_source, load

__all__ = ["REGISTRY", "FieldError", "LoadStats", "Source", "get_source", "load"]
