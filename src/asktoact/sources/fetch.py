"""``asktoact data get``: real data from a package registry, cached, with no other network.

BFCL ships its data inside the ``bfcl-eval`` wheel on PyPI. We download that one wheel
without its dependencies and unpack only ``bfcl_eval/data``.

A user's folder is never touched unless it is ours: the wheel is unpacked into a fresh
folder beside the destination and moved into place only when complete; an existing
destination is replaced only when it carries our marker (an earlier ``data get``), and a
non-empty folder without it is refused. Archive members with absolute paths or ``..`` are
rejected, so nothing is written outside the destination.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from ..paths import home

PACKAGES = {"bfcl": ("bfcl-eval", "2026.3.23", "bfcl_eval/data/")}
MARKER = ".asktoact-data"


class FetchError(RuntimeError):
    pass


def safe_member(name: str, prefix: str) -> PurePosixPath | None:
    """The member's path below ``prefix``, or None when it is not a plain relative path there."""
    if not name.startswith(prefix) or name.endswith("/"):
        return None
    rel = name[len(prefix):]
    p = PurePosixPath(rel)
    if not rel or rel.startswith("/") or "\\" in rel or p.is_absolute() or ".." in p.parts or \
            any(part in ("", ".") for part in rel.split("/")) or (len(rel) > 1 and rel[1] == ":"):
        raise FetchError(f"refusing archive member {name!r}: not a plain relative path")
    return p


def _ours(dest: Path) -> bool:
    return (dest / MARKER).is_file() or (dest / ".complete").is_file()  # .complete: marker of older releases


def _wheel(pkg: str, version: str) -> Path:
    wheels = home() / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    pattern = f"{pkg.replace('-', '_')}-{version}-*.whl"
    found = sorted(wheels.glob(pattern))
    if not found:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-q",
               "-d", str(wheels), f"{pkg}=={version}"]
        res = subprocess.run(cmd, capture_output=True, text=True)
        found = sorted(wheels.glob(pattern))
        if res.returncode != 0 or not found:
            raise FetchError(f"could not download {pkg}=={version} from the package index: "
                             f"{res.stderr.strip().splitlines()[-1] if res.stderr.strip() else 'no wheel'}")
    return found[0]


def unpack(wheel: Path, prefix: str, dest: Path, label: str) -> int:
    """Unpack members under ``prefix`` into ``dest`` atomically; returns the file count."""
    dest = Path(dest)
    if dest.exists() and not dest.is_dir():
        raise FetchError(f"{dest} exists and is not a folder")
    if dest.exists() and any(dest.iterdir()) and not _ours(dest):
        raise FetchError(f"{dest} is not empty and was not made by `asktoact data get`; "
                         "choose an empty or new folder (nothing was changed)")
    dest.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    try:
        n = 0
        with zipfile.ZipFile(wheel) as z:
            members = [(i, safe_member(i.filename, prefix)) for i in z.infolist()]  # all checked before writing
            for info, rel in members:
                if rel is None:
                    continue
                target = work.joinpath(*rel.parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                with z.open(info) as src, open(target, "wb") as out:
                    shutil.copyfileobj(src, out)
                n += 1
        if n == 0:
            raise FetchError(f"{wheel.name} has no files under {prefix}")
        (work / MARKER).write_text(f"{label} {n} files\n")
        old = None
        if dest.exists():  # empty, or ours: swap, then remove the old copy
            old = dest.with_name(f".{dest.name}.old-{os.getpid()}")
            dest.rename(old)
        work.rename(dest)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        return n
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)


def fetch(name: str, dest: Path | None = None, force: bool = False, version: str | None = None) -> Path:
    if name not in PACKAGES:
        raise KeyError(f"no downloadable data named {name!r}; known: {', '.join(PACKAGES)}")
    pkg, default_version, prefix = PACKAGES[name]
    version = version or default_version
    dest = Path(dest) if dest else home() / "data" / name
    if _ours(dest) and not force:
        return dest
    unpack(_wheel(pkg, version), prefix, dest, f"{pkg}=={version}")
    return dest
