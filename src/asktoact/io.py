"""Files at the edges: streaming JSON/JSONL readers, record writers, rejects, sidecars."""

from __future__ import annotations

import itertools
import json

import orjson
from collections import Counter
from pathlib import Path
from typing import Any, Iterable, Iterator, TypeVar

from pydantic import BaseModel

from .schema import Reject

T = TypeVar("T", bound=BaseModel)

_WS = " \t\r\n"


class BadLine(Exception):
    def __init__(self, line: int, reason: str):
        super().__init__(reason)
        self.line = line
        self.reason = reason


def iter_json_array(path: Path, chunk_size: int = 1 << 20) -> Iterator[tuple[int, Any]]:
    """Stream the elements of a top-level JSON array without loading the whole file.

    Yields (index, element). Elements that fail to parse raise ``BadLine`` with the index;
    after a bad element the stream cannot be resynchronised, so it stops there.
    """
    dec = json.JSONDecoder()
    buf = ""
    idx = 0
    with open(path, encoding="utf-8") as f:
        buf = f.read(chunk_size)
        pos = 0
        while pos < len(buf) and buf[pos] in _WS:
            pos += 1
        if pos >= len(buf) or buf[pos] != "[":
            raise BadLine(0, "file is not a JSON array")
        pos += 1
        eof = False
        while True:
            while True:
                while pos < len(buf) and buf[pos] in _WS + ",":
                    pos += 1
                if pos < len(buf) or eof:
                    break
                more = f.read(chunk_size)
                if not more:
                    eof = True
                buf, pos = buf[pos:] + more, 0
            if pos >= len(buf):
                raise BadLine(idx, "unexpected end of file inside the JSON array")
            if buf[pos] == "]":
                return
            while True:
                try:
                    obj, end = dec.raw_decode(buf, pos)
                    # a number at the very end of a chunk may be cut; make sure a delimiter follows
                    if end >= len(buf) and not eof:
                        raise json.JSONDecodeError("need more", buf, end)
                    break
                except json.JSONDecodeError as e:
                    if eof:
                        raise BadLine(idx, f"invalid JSON: {e.msg}") from None
                    more = f.read(chunk_size)
                    if not more:
                        eof = True
                    buf, pos = buf[pos:] + more, 0
            yield idx, obj
            idx += 1
            pos = end


def iter_json_records(path: Path) -> Iterator[tuple[int, Any]]:
    """Yield (line-or-index, parsed object) from a JSONL file or a JSON array file.

    A JSONL line that is not valid JSON yields ``(line, BadLine)`` so callers can reject it
    and go on.
    """
    path = Path(path)
    with open(path, encoding="utf-8") as f:
        head = ""
        while True:
            ch = f.read(1)
            if not ch:
                break
            if ch not in _WS:
                head = ch
                break
    if head == "[":
        yield from iter_json_array(path)
        return
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                yield n, orjson.loads(line)
            except orjson.JSONDecodeError:
                try:  # orjson is strict (e.g. NaN); fall back before calling the line bad
                    yield n, json.loads(line)
                except json.JSONDecodeError as e:
                    yield n, BadLine(n, f"invalid JSON: {e.msg}")


def read_jsonl(path: Path, model: type[T]) -> Iterator[T]:
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield model.model_validate_json(line)


def chunks(items: Iterable[T], n: int) -> Iterator[list[T]]:
    """Consecutive lists of up to ``n`` items: stages stream records in batches."""
    it = iter(items)
    while True:
        block = list(itertools.islice(it, n))
        if not block:
            return
        yield block


def dump_line(r: BaseModel | dict) -> str:
    """One JSON line (UTF-8, keys in model order); orjson for speed, json for what it refuses."""
    obj = r.model_dump(mode="json") if isinstance(r, BaseModel) else r
    try:
        return orjson.dumps(obj, option=orjson.OPT_APPEND_NEWLINE).decode("utf-8")
    except TypeError:
        return json.dumps(obj, ensure_ascii=False) + "\n"


def write_sidecar(path: Path, stage: str, config: dict[str, Any], counts: dict[str, Any]) -> Path:
    """Every output file gets ``<file>.meta.json``: the stage, its config and seed, counts."""
    from . import __version__

    side = Path(str(path) + ".meta.json")
    side.write_text(
        json.dumps({"stage": stage, "version": __version__, "config": config, "counts": counts},
                   indent=2, sort_keys=True, default=str) + "\n",
        encoding="utf-8",
    )
    return side


class RejectSink:
    """Collects rejects (optionally streaming them to a JSONL file) and counts reasons."""

    def __init__(self, path: Path | None = None, stage: str = "load"):
        self.path = Path(path) if path else None
        self.stage = stage
        self.count = 0
        self.reasons: Counter[str] = Counter()
        self.items: list[Reject] = []
        self._fh = None
        if self.path:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = open(self.path, "w", encoding="utf-8")

    def add(self, source: str, record_id: str | None, field: str | None, reason: str,
            line: int | None = None, stage: str | None = None) -> Reject:
        r = Reject(stage=stage or self.stage, source=source, record_id=record_id, field=field,
                   reason=reason, line=line)
        self.count += 1
        self.reasons[_reason_key(reason)] += 1
        if self._fh:
            self._fh.write(dump_line(r))
        else:
            self.items.append(r)
        return r

    def close(self) -> None:
        if self._fh:
            self._fh.close()
            self._fh = None

    def __enter__(self) -> "RejectSink":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _reason_key(reason: str) -> str:
    """Group reasons for summaries: the text before the first colon."""
    return reason.split(":", 1)[0].strip()
