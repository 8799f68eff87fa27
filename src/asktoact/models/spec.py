"""Model spec strings: what users type on the command line and in configs.

  embedded                         SmolLM2-135M-Instruct, offline (fetched once from PyPI)
  hf:PATH_OR_ID                    a local transformers model (folder or hub id)
  hf:PATH?adapter=DIR&dtype=bfloat16&batch=8    ... with a PEFT adapter and options
  embedded?adapter=DIR             the embedded model with your adapter
  embedded:asktoact                the embedded model with the adapter shipped in the package
  ...?ground=1                     check the values a compact-reasoning model says it knows (models/grounding.py)
  ...?ground=1&probe=1             and ask the model for each value it calls missing; keep those the user gave
  ...?ground=1&act_bias=2          lean to "Missing: nothing." (a logit bias); a guessed call still asks
  ...?loop_guard=12                a short pattern may repeat over 12 tokens, then its next copy is banned
  openai:gpt-4o                    OpenAI (key from $OPENAI_API_KEY)
  openai:MODEL@http://host:8000/v1 any OpenAI-compatible server (vLLM, SGLang, llama.cpp ...)
  vllm:MODEL  sglang:MODEL  ollama:MODEL  llamacpp:MODEL   same, default local URLs
  options for endpoints: ?key_env=VAR&concurrency=16&timeout=60&retries=5
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import parse_qsl

from ..paths import home
from .base import ChatModel

LOCAL_URLS = {"vllm": "http://localhost:8000/v1", "sglang": "http://localhost:30000/v1",
              "ollama": "http://localhost:11434/v1", "llamacpp": "http://localhost:8080/v1"}


# Names a kind takes after ``kind:``; anything else is an error, never silently the base model.
# A shipped trained model registers its name here (``register_variant("embedded", "asktoact", ...)``).
VARIANTS: dict[str, dict[str, str]] = {"embedded": {
    "": "SmolLM2-135M-Instruct, the base model",
    "asktoact": "the base model with the adapter asktoact ships (trained to ask before it acts; native format)",
}}

# Options (``?name=value``) each family of kinds reads, with a check of the value.
_DTYPES = ("auto", "float32", "bfloat16", "float16")


def _int(v: str) -> bool:
    return v.isdigit() and int(v) >= 1


def _num(v: str) -> bool:
    try:
        return float(v) >= 0
    except ValueError:
        return False


_ENDPOINT_OPTS = {"key_env": lambda v: bool(v), "concurrency": _int, "timeout": _num, "retries": lambda v: v.isdigit(),
                  "backoff": _num}
_BOOLS = {"1": True, "true": True, "on": True, "0": False, "false": False, "off": False}
_LOCAL_OPTS = {"adapter": lambda v: bool(v), "dtype": lambda v: v in _DTYPES, "device": lambda v: bool(v), "batch": _int,
               "ground": lambda v: v.lower() in _BOOLS, "loop_guard": lambda v: v.isdigit(),
               "probe": lambda v: v.lower() in _BOOLS, "act_bias": _num}
OPTIONS: dict[str, dict[str, Callable[[str], bool]]] = {
    "openai": _ENDPOINT_OPTS, "vllm": _ENDPOINT_OPTS, "sglang": _ENDPOINT_OPTS, "ollama": _ENDPOINT_OPTS,
    "llamacpp": _ENDPOINT_OPTS, "hf": _LOCAL_OPTS, "embedded": _LOCAL_OPTS,
}
_HINTS = {"dtype": f"one of {', '.join(_DTYPES)}", "concurrency": "a whole number >= 1", "batch": "a whole number >= 1",
          "retries": "a whole number >= 0", "timeout": "seconds >= 0", "backoff": "seconds >= 0",
          "ground": "1 or 0 (true/false, on/off)", "probe": "1 or 0 (true/false, on/off)",
          "act_bias": "a logit >= 0 (0: off)", "loop_guard": "a whole number of tokens >= 0 (0: off)"}


def register_variant(kind: str, name: str, description: str) -> None:
    """Make ``kind:name`` a valid spec (e.g. a trained model shipped with the package)."""
    VARIANTS.setdefault(kind, {})[name] = description


@dataclass
class ModelSpec:
    kind: str
    target: str = ""
    url: str | None = None
    options: dict[str, str] = field(default_factory=dict)
    raw: str = ""


def parse_spec(spec: str) -> ModelSpec:
    s = spec.strip()
    if not s:
        raise ValueError("empty model spec")
    s_main, _, query = s.partition("?")
    opts = dict(parse_qsl(query, keep_blank_values=True)) if query else {}
    kind, sep, rest = s_main.partition(":")
    if not sep:
        kind, rest = s_main, ""
    kind = kind.lower()
    if kind in ("http", "https"):
        raise ValueError(f"{spec!r}: write endpoints as openai:MODEL@{s_main}")
    url = None
    if kind in ("openai",) + tuple(LOCAL_URLS):
        if "@" in rest and "://" in rest.rsplit("@", 1)[1]:
            rest, url = rest.rsplit("@", 1)
        elif kind in LOCAL_URLS:
            url = LOCAL_URLS[kind]
        if not rest:
            raise ValueError(f"{spec!r}: name the model, e.g. {kind}:MODEL_NAME")
    elif kind == "hf":
        if not rest:
            raise ValueError(f"{spec!r}: give a folder or hub id, e.g. hf:Qwen/Qwen2.5-7B-Instruct")
    elif kind not in REGISTRY:
        raise ValueError(f"unknown model kind {kind!r} in {spec!r}; known: {', '.join(sorted(REGISTRY))}")
    if kind in VARIANTS and rest not in VARIANTS[kind]:
        known = ", ".join(kind + (f":{v}" if v else "") for v in sorted(VARIANTS[kind]))
        raise ValueError(f"unknown {kind} variant {rest!r} in {spec!r}; known: {known}")
    for name, value in opts.items():
        checks = OPTIONS.get(kind)
        if checks is None:
            break  # a kind registered elsewhere reads its own options
        if name not in checks:
            raise ValueError(f"unknown option {name!r} in {spec!r}; {kind} takes: {', '.join(sorted(checks))}")
        if not checks[name](value):
            raise ValueError(f"bad value {value!r} for {name} in {spec!r}: {_HINTS.get(name, 'a value')}")
    return ModelSpec(kind=kind, target=rest, url=url, options=opts, raw=s)


def _endpoint(ms: ModelSpec) -> ChatModel:
    from .endpoint import EndpointModel

    o = ms.options
    return EndpointModel(ms.target, base_url=ms.url, key_env=o.get("key_env", "OPENAI_API_KEY"),
                         concurrency=int(o.get("concurrency", 8)), timeout=float(o.get("timeout", 60)),
                         max_retries=int(o.get("retries", 5)), backoff=float(o.get("backoff", 0.5)), spec=ms.raw)


def _check_paths(ms: ModelSpec) -> None:
    """Missing local folders are one clear error, not a transformers traceback."""
    if "adapter" in ms.options and not Path(ms.options["adapter"]).expanduser().is_dir():
        raise ValueError(f"no such adapter folder: {ms.options['adapter']} (in {ms.raw!r})")
    t = ms.target
    if ms.kind == "hf" and (t.startswith(("/", "./", "../", "~")) or Path(t).exists()) and not Path(t).expanduser().is_dir():
        raise ValueError(f"no such model folder: {t} (in {ms.raw!r}); give an existing folder or a hub id")


def _hf(ms: ModelSpec) -> ChatModel:
    from .local import LocalModel

    _check_paths(ms)
    o = ms.options
    return LocalModel(ms.target, adapter=o.get("adapter"), dtype=o.get("dtype", "auto"), device=o.get("device"),
                      batch_size=int(o.get("batch", 8)), spec=ms.raw, **_decode_opts(o, o.get("adapter")))


def _decoding(adapter: str | None) -> dict:
    """The decoding settings an adapter was shipped with (its ``decoding.json``), {} if none."""
    f = Path(adapter).expanduser() / "decoding.json" if adapter else None
    if f is None or not f.is_file():
        return {}
    import json

    try:
        d = json.loads(f.read_text())
        if not isinstance(d, dict):
            raise ValueError("not an object")
        return d
    except ValueError as e:
        raise ValueError(f"{f}: not a decoding settings file ({e})") from None


def _decode_opts(o: dict[str, str], adapter: str | None) -> dict:
    """The decoding options of a local model: the spec's, else its adapter's ``decoding.json``."""
    return {"ground": _ground(o, adapter), "loop_guard": _loop_guard(o, adapter), "probe": _flag(o, adapter, "probe"),
            "act_bias": _act_bias(o, adapter)}


def _ground(o: dict[str, str], adapter: str | None) -> bool:
    """``?ground=`` when given, else what the adapter's ``decoding.json`` says it was trained for."""
    return _flag(o, adapter, "ground")


def _flag(o: dict[str, str], adapter: str | None, key: str) -> bool:
    """An on/off option: the spec's when given, else the adapter's ``decoding.json``, else off."""
    if key in o:
        return _BOOLS[o[key].lower()]
    return bool(_decoding(adapter).get(key, False))


def _loop_guard(o: dict[str, str], adapter: str | None) -> int:
    """``?loop_guard=`` when given, else the adapter's ``decoding.json``, else 0 (off)."""
    if "loop_guard" in o:
        return int(o["loop_guard"])
    v = _decoding(adapter).get("loop_guard", 0)
    return v if isinstance(v, int) and v >= 0 else 0


def _act_bias(o: dict[str, str], adapter: str | None) -> float:
    """``?act_bias=`` when given, else the adapter's ``decoding.json``, else 0 (off)."""
    if "act_bias" in o:
        return float(o["act_bias"])
    v = _decoding(adapter).get("act_bias", 0.0)
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0 else 0.0


def _embedded(ms: ModelSpec) -> ChatModel:
    from .embedded import embedded_model_dir
    from .local import LocalModel

    _check_paths(ms)
    o = ms.options
    adapter = o.get("adapter")
    if ms.target:  # a shipped variant: its adapter is part of the package
        from .embedded import shipped_adapter_dir

        if adapter:
            raise ValueError(f"{ms.raw!r}: embedded:{ms.target} already is an adapter; use embedded?adapter=DIR for yours")
        adapter = str(shipped_adapter_dir(ms.target))
    return LocalModel(str(embedded_model_dir()), adapter=adapter, dtype=o.get("dtype", "float32"),
                      device=o.get("device"), batch_size=int(o.get("batch", 8)), spec=ms.raw, **_decode_opts(o, adapter))


REGISTRY: dict[str, Callable[[ModelSpec], ChatModel]] = {
    "openai": _endpoint, "vllm": _endpoint, "sglang": _endpoint, "ollama": _endpoint, "llamacpp": _endpoint,
    "hf": _hf, "embedded": _embedded,
}


def register_model(kind: str, factory: Callable[[ModelSpec], ChatModel]) -> None:
    """Add a model kind (agents under test, simulators) usable from any spec string."""
    REGISTRY[kind] = factory


def load_model(spec: str, cache: bool | str | Path = True) -> ChatModel:
    """Build a model from its spec, with the reply cache unless ``cache=False``."""
    ms = parse_spec(spec)
    model = REGISTRY[ms.kind](ms)
    if cache:
        from .cache import ReplyCache

        model.cache = ReplyCache(Path(cache) if isinstance(cache, (str, Path)) else home() / "cache" / "replies.sqlite")
    return model


def resolve_model_path(spec_or_path: str) -> str:
    """For training and tokenising: ``embedded`` / ``hf:X`` / a plain folder -> a loadable path."""
    if spec_or_path.split("?")[0] == "embedded":
        from .embedded import embedded_model_dir

        return str(embedded_model_dir())
    if spec_or_path.startswith("hf:"):
        return spec_or_path[3:].split("?")[0]
    return spec_or_path
