"""Files at the edges: streaming JSON/JSONL readers, record writers, rejects, sidecars."""

from __future__ import annotations

import itertools
import json
import os

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
            too_deep = False
            while True:
                try:
                    obj, end = dec.raw_decode(buf, pos)
                    # a number at the very end of a chunk may be cut; make sure a delimiter follows
                    if end >= len(buf) and not eof:
                        raise json.JSONDecodeError("need more", buf, end)
                    break
                except RecursionError:
                    # nested deeper than Python parses: skip this element only (a linear scan to its end)
                    end = _element_end(buf, pos)
                    if end is None and not eof:
                        more = f.read(chunk_size)
                        if not more:
                            eof = True
                        buf, pos = buf[pos:] + more, 0
                        continue
                    if end is None:
                        raise BadLine(idx, "unexpected end of file inside a deeply nested element") from None
                    too_deep = True
                    break
                except json.JSONDecodeError as e:
                    if eof:
                        raise BadLine(idx, f"invalid JSON: {e.msg}") from None
                    more = f.read(chunk_size)
                    if not more:
                        eof = True
                    buf, pos = buf[pos:] + more, 0
            yield idx, (BadLine(idx, "nested too deeply to read (element skipped)") if too_deep else obj)
            idx += 1
            pos = end


def _element_end(buf: str, pos: int) -> int | None:
    """Index after the JSON value that starts at ``buf[pos]`` (an array or object), by bracket
    depth and JSON strings only; None when the buffer ends first."""
    depth, i, n, in_str = 0, pos, len(buf), False
    while i < n:
        ch = buf[i]
        if in_str:
            if ch == "\\":
                i += 1
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return None


def iter_json_records(path: Path) -> Iterator[tuple[int, Any]]:
    """Yield (line-or-index, parsed object) from a JSONL file or a JSON array file.

    A JSONL line that is not valid JSON yields ``(line, BadLine)`` so callers can reject it
    and go on.
    """
    path = Path(path)
    with open(path, "rb") as fb:
        head = fb.read(4096).lstrip(b" \t\r\n\xef\xbb\xbf")[:1].decode("latin-1")
    if head == "[":
        try:
            yield from iter_json_array(path)
        except UnicodeDecodeError as e:  # an array cannot be read past a bad byte: name the file
            raise BadInput(path, None, "file", f"not UTF-8 text ({e.reason})") from None
        return
    with open(path, "rb") as f:
        for n, raw in enumerate(f, 1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as e:  # one line in another encoding is one bad line
                yield n, BadLine(n, f"not UTF-8 text ({e.reason})")
                continue
            if not line.strip():
                continue
            try:
                obj = orjson.loads(line)
            except orjson.JSONDecodeError:
                try:  # orjson is strict (e.g. NaN); fall back before calling the line bad
                    obj = json.loads(line)
                except json.JSONDecodeError as e:
                    obj = BadLine(n, f"invalid JSON: {e.msg}")
                except RecursionError:
                    obj = BadLine(n, "nested too deeply to read")
            yield n, obj


class BadInput(ValueError):
    """A record that cannot be read, named by file, line and field (one `error:` line at the CLI)."""

    def __init__(self, path: Path | str, line: int | None, field: str, reason: str, record_id: str | None = None):
        where = f"{path}" + (f": line {line}" if line is not None else "") + (f" ({record_id})" if record_id else "")
        super().__init__(f"{where}: {field}: {reason}")
        self.path, self.line, self.field, self.reason, self.record_id = str(path), line, field, reason, record_id


def _line_error(path: Path, n: int, raw: bytes, model: type[BaseModel], e: Exception) -> BadInput:
    from pydantic import ValidationError

    rid = None
    try:
        obj = orjson.loads(raw)
        rid = str(obj.get("id")) if isinstance(obj, dict) and obj.get("id") is not None else None
    except (orjson.JSONDecodeError, TypeError):
        pass
    if isinstance(e, UnicodeDecodeError):
        return BadInput(path, n, "line", f"not UTF-8 text ({e.reason})", rid)
    if isinstance(e, ValidationError):
        err = e.errors()[0]
        loc = ".".join(str(x) for x in err.get("loc", ())) or "record"
        if err.get("type") == "json_invalid":
            return BadInput(path, n, "line", f"not valid JSON ({err.get('msg')}); a torn or edited line?", rid)
        return BadInput(path, n, loc, f"invalid {model.__name__}: {err.get('msg')}", rid)
    return BadInput(path, n, "line", f"{type(e).__name__}: {e}", rid)


def read_jsonl(path: Path, model: type[T], rejects: "RejectSink | None" = None, verify: bool = True) -> Iterator[T]:
    """Validated records from a JSONL file.

    A stage output is first checked against its sidecar (``check_input``): a torn or stale
    file is refused instead of read as if complete. A bad line (not UTF-8, not JSON, not a
    valid record) raises ``BadInput`` naming the file, line and field; with ``rejects`` it is
    recorded there instead and reading goes on.
    """
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(21, "Is a directory, expected a JSONL file", str(path))
    if verify:
        check_input(path)
    with open(path, "rb") as f:
        for n, raw in enumerate(f, 1):
            if not raw.strip():
                continue
            try:
                yield model.model_validate_json(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as e:
                bad = _line_error(path, n, raw, model, e)
                if rejects is None:
                    raise bad from None
                rejects.add(path.name, bad.record_id, bad.field, bad.reason, line=n, stage="read")


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


def file_digest(path: Path) -> dict[str, Any]:
    """Size and sha256 of a file: what a sidecar vouches for."""
    import hashlib

    h = hashlib.sha256()
    n = 0
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
            n += len(block)
    return {"bytes": n, "sha256": h.hexdigest()}


def write_sidecar(path: Path, stage: str, config: dict[str, Any], counts: dict[str, Any],
                  files: Iterable[Path] = ()) -> Path:
    """Every output file gets ``<file>.meta.json``: the stage, its config and seed, counts, and
    the size and hash of each file it vouches for (the output itself plus ``files``). Written
    to a temporary name and renamed, so a sidecar is never half there."""
    from . import __version__

    path = Path(path)
    side = Path(str(path) + ".meta.json")
    digests = {p.name: file_digest(p) for p in [path, *map(Path, files)] if p.exists()}
    tmp = side.with_name(side.name + f".tmp-{os.getpid()}")
    tmp.write_text(
        json.dumps({"stage": stage, "version": __version__, "config": config, "counts": counts, "files": digests},
                   indent=2, sort_keys=True, default=str) + "\n",
        encoding="utf-8",
    )
    os.replace(tmp, side)
    return side


class IncompleteInput(ValueError):
    """A stage output that its sidecar does not vouch for (torn, half-written or edited)."""


def check_input(path: Path) -> dict[str, Any] | None:
    """Refuse a stage output whose sidecar disagrees with it; returns the sidecar (None when the
    file has none: a user's own file is taken as it is)."""
    path = Path(path)
    side = Path(str(path) + ".meta.json")
    if not side.exists():
        if path.name in _pending_commit(path.parent):
            raise IncompleteInput(f"{path}: its stage was stopped while putting its outputs in place; rerun the "
                                  "stage that writes it")
        return None
    try:
        meta = json.loads(side.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise IncompleteInput(f"{side}: unreadable sidecar; rerun the stage that wrote {path.name}") from None
    pending = _pending_commit(path.parent)
    if path.name in pending:
        raise IncompleteInput(f"{path}: its stage was stopped while putting its outputs in place; rerun the stage "
                              "that writes it")
    want = (meta.get("files") or {}).get(path.name)
    if want is None:
        return meta  # written before sidecars carried digests
    if not path.exists():
        raise IncompleteInput(f"{path}: missing although {side.name} lists it; rerun the stage that writes it")
    got = file_digest(path)
    if got != want:
        raise IncompleteInput(f"{path}: does not match its sidecar ({got['bytes']} bytes, sidecar says "
                              f"{want['bytes']}): an interrupted or edited output; rerun the stage that writes it")
    return meta


COMMIT_MARKER = ".asktoact-commit.json"


class OutputBusy(ValueError):
    """Another process is writing this output folder."""


def _pending_commit(folder: Path) -> set[str]:
    """Names a stage was putting in place when it stopped (its marker is removed when done)."""
    m = Path(folder) / COMMIT_MARKER
    if not m.exists():
        return set()
    try:
        return set(json.loads(m.read_text(encoding="utf-8")).get("files", []))
    except (json.JSONDecodeError, UnicodeDecodeError, OSError, AttributeError):
        return {"*"}


class AtomicOutputs:
    """A stage's output files, written under temporary names and put in place together.

    ``open(name)`` gives a handle to ``<name>.tmp-PID``. ``commit(...)`` removes the old
    sidecars first (so old files are no longer vouched for), renames every file into place,
    then writes the new sidecars last: after a kill at any point either the previous complete
    output (with its sidecar) or the new one is what a later stage accepts, never a mix. On an
    exception nothing is renamed and the temporaries are removed: the previous output stays.
    """

    def __init__(self, out_dir: Path):
        from filelock import FileLock, Timeout

        self.dir = Path(out_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self._handles: dict[str, Any] = {}
        self._tmp: dict[str, Path] = {}
        # one writer per folder (an OS lock, gone with its process): two stages into one folder
        # would otherwise race on the commit marker
        self._lock = FileLock(str(self.dir / ".asktoact-stage.lock"))
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            raise OutputBusy(f"another asktoact stage is writing to {self.dir}; wait for it or use another --out") from None
        self._sweep()

    def _sweep(self) -> None:
        """Remove temporaries that a killed stage left (our own ``.NAME.tmp-PID`` names, PID gone);
        nothing else in the folder is touched."""
        import re

        for p in self.dir.glob("*.tmp-*"):
            m = re.fullmatch(r"\..+\.tmp-(\d+)|.+\.meta\.json\.tmp-(\d+)", p.name)
            if not m or not p.is_file():
                continue
            try:
                os.kill(int(m.group(1) or m.group(2)), 0)
            except ProcessLookupError:
                p.unlink(missing_ok=True)
            except (PermissionError, OverflowError):
                pass

    def open(self, name: str, mode: str = "w"):
        tmp = self.dir / f".{name}.tmp-{os.getpid()}"
        fh = open(tmp, mode, encoding="utf-8") if "b" not in mode else open(tmp, mode)
        self._handles[name], self._tmp[name] = fh, tmp
        return fh

    def commit(self, stage: str, config: dict[str, Any], counts: dict[str, Any]) -> None:
        """Put every file in place, each with its own sidecar written last."""
        for fh in self._handles.values():
            fh.flush()
            os.fsync(fh.fileno())
            fh.close()
        names = list(self._tmp)
        marker = self.dir / COMMIT_MARKER  # while it exists, these files are refused as inputs
        tmp_marker = self.dir / f".{COMMIT_MARKER}.tmp-{os.getpid()}"
        tmp_marker.write_text(json.dumps({"files": names, "pid": os.getpid()}), encoding="utf-8")
        os.replace(tmp_marker, marker)
        for name in names:
            Path(str(self.dir / name) + ".meta.json").unlink(missing_ok=True)
        for name, tmp in self._tmp.items():
            os.replace(tmp, self.dir / name)
        self._tmp.clear()
        for name in names:
            write_sidecar(self.dir / name, stage, config, counts)
        marker.unlink()

    def abort(self) -> None:
        for fh in self._handles.values():
            if not fh.closed:
                fh.close()
        for tmp in self._tmp.values():
            tmp.unlink(missing_ok=True)
        self._tmp.clear()

    def __enter__(self) -> "AtomicOutputs":
        return self

    def __exit__(self, exc_type, *exc: Any) -> None:
        try:
            if exc_type is not None or self._tmp:
                self.abort()
        finally:
            self._lock.release()


class RejectSink:
    """Collects rejects (optionally streaming them to a JSONL file) and counts reasons."""

    def __init__(self, path: Path | None = None, stage: str = "load", handle: Any = None):
        """``handle``: write to this open file instead (e.g. one of ``AtomicOutputs``; not closed here)."""
        self.path = Path(path) if path else None
        self.stage = stage
        self.count = 0
        self.reasons: Counter[str] = Counter()
        self.items: list[Reject] = []
        self._fh = handle
        self._own = handle is None
        if self.path and handle is None:
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
        if self._fh and self._own:
            self._fh.close()
        self._fh = None

    def __enter__(self) -> "RejectSink":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _reason_key(reason: str) -> str:
    """Group reasons for summaries: the text before the first colon."""
    return reason.split(":", 1)[0].strip()
