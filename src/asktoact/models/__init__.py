"""Chat models behind one interface; see ``spec`` for the strings users type."""

from .base import ChatModel, ChatResult, GenParams, ModelError, Usage
from .spec import load_model, parse_spec, register_model, resolve_model_path

__all__ = ["ChatModel", "ChatResult", "GenParams", "ModelError", "Usage", "load_model", "parse_spec",
           "register_model", "resolve_model_path"]
