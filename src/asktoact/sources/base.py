"""The loader contract and registry.

A source turns raw corpus records into validated ``ToolSample``s. Loaders stream: they
yield raw items one at a time, convert each, and every failure becomes a ``Reject`` naming
the record and field. ``load`` wraps a source with that bookkeeping so counts add up.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import orjson
from pathlib import Path
from typing import Any, Callable, Iterator

from pydantic import ValidationError

from ..io import BadLine, RejectSink
from ..schema import ToolSample


class FieldError(ValueError):
    """A record is unusable because of one field."""

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass
class RawItem:
    """One raw record as found on disk, before conversion."""

    record_id: str | None
    data: Any
    line: int | None = None
    path: str | None = None
    context: dict[str, Any] = field(default_factory=dict)


class Source:
    """Subclasses implement ``iter_raw`` and ``convert``; ``convert`` may yield several samples."""

    name: str = ""
    description: str = ""

    def iter_raw(self, path: Path) -> Iterator[RawItem]:
        raise NotImplementedError

    def convert(self, item: RawItem) -> list[ToolSample]:
        raise NotImplementedError


REGISTRY: dict[str, type[Source]] = {}


def register(cls: type[Source]) -> type[Source]:
    REGISTRY[cls.name] = cls
    return cls


def get_source(name: str) -> Source:
    try:
        return REGISTRY[name]()
    except KeyError:
        raise KeyError(f"unknown source {name!r}; known: {', '.join(sorted(REGISTRY))}") from None


@dataclass
class LoadStats:
    source: str
    records_in: int = 0  # raw records read
    samples: int = 0  # samples yielded
    rejected: int = 0  # raw records (or expanded units) rejected
    units_in: int = 0  # units considered (records, or turns for multi-turn sources)

    def adds_up(self) -> bool:
        return self.units_in == self.samples + self.rejected


def _validation_field(e: ValidationError) -> tuple[str, str]:
    err = e.errors()[0]
    loc = ".".join(str(x) for x in err.get("loc", ())) or "record"
    return loc, err.get("msg", str(e))


def load(source: str | Source, path: str | Path, rejects: RejectSink | None = None,
         stats: LoadStats | None = None, limit: int | None = None) -> Iterator[ToolSample]:
    """Stream validated samples from ``path``; failures go to ``rejects``."""
    src = get_source(source) if isinstance(source, str) else source
    rejects = rejects if rejects is not None else RejectSink()
    stats = stats if stats is not None else LoadStats(src.name)
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{src.name}: no such file or folder: {path}")
    for item in src.iter_raw(path):
        if limit is not None and stats.samples >= limit:
            return
        stats.records_in += 1
        if isinstance(item.data, BadLine):
            stats.units_in += 1
            stats.rejected += 1
            rejects.add(src.name, item.record_id, "record", item.data.reason, line=item.line)
            continue
        try:
            produced = src.convert(item)
        except FieldError as e:
            stats.units_in += 1
            stats.rejected += 1
            rejects.add(src.name, item.record_id, e.field, e.reason, line=item.line)
            continue
        except ValidationError as e:
            stats.units_in += 1
            stats.rejected += 1
            f, msg = _validation_field(e)
            rejects.add(src.name, item.record_id, f, f"invalid: {msg}", line=item.line)
            continue
        except (TypeError, ValueError, KeyError, AttributeError, IndexError) as e:
            stats.units_in += 1
            stats.rejected += 1
            rejects.add(src.name, item.record_id, "record", f"malformed: {type(e).__name__}: {e}",
                        line=item.line)
            continue
        for s in produced:
            if isinstance(s, _Skip):
                stats.units_in += 1
                stats.rejected += 1
                rejects.add(src.name, s.record_id, s.field, s.reason, line=item.line)
                continue
            stats.units_in += 1
            stats.samples += 1
            yield s


@dataclass
class _Skip:
    """A unit inside a multi-sample record that could not be used (e.g. one turn)."""

    record_id: str
    field: str
    reason: str


def skip(record_id: str, field: str, reason: str) -> Any:
    return _Skip(record_id, field, reason)


def need(d: Any, key: str, typ: type | tuple[type, ...], where: str = "") -> Any:
    """Fetch ``d[key]`` and check its type, raising a FieldError naming the field."""
    name = f"{where}{key}"
    if not isinstance(d, dict):
        raise FieldError(where.rstrip(".") or "record", f"expected an object, got {type(d).__name__}")
    if key not in d:
        raise FieldError(name, "missing")
    v = d[key]
    if not isinstance(v, typ):
        tn = typ.__name__ if isinstance(typ, type) else "/".join(t.__name__ for t in typ)
        raise FieldError(name, f"expected {tn}, got {type(v).__name__}")
    return v


_TOOL_CACHE: dict[bytes, Any] = {}


def schema_tools(raw: Any, field: str) -> list:
    """Tools in any shape ``tooldefs`` reads, each validated with its index.

    Corpora repeat the same tool definitions across many records; a validated Tool is reused
    for identical definitions (Tools are never mutated after loading).
    """
    from ..tooldefs import ToolShapeError, parse_tool

    if not isinstance(raw, list):
        raise FieldError(field, f"expected a list, got {type(raw).__name__}")
    out = []
    for i, f in enumerate(raw):
        try:
            key = orjson.dumps(f, option=orjson.OPT_SORT_KEYS)
        except TypeError:
            key = None
        tool = _TOOL_CACHE.get(key) if key else None
        if tool is None:
            try:
                tool = parse_tool(f, f"{field}[{i}]")
            except ToolShapeError as e:
                raise FieldError(e.field, e.reason) from None
            if key:
                if len(_TOOL_CACHE) > 50000:
                    _TOOL_CACHE.clear()
                _TOOL_CACHE[key] = tool
        out.append(tool)
    return out


Converter = Callable[[RawItem], list[ToolSample]]
