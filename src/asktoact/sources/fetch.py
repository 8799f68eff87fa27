"""``asktoact data get``: real data from a package registry, cached, with no other network.

BFCL ships its data inside the ``bfcl-eval`` wheel on PyPI. We download that one wheel
without its dependencies and unpack only ``bfcl_eval/data``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from ..paths import home

PACKAGES = {"bfcl": ("bfcl-eval", "2026.3.23", "bfcl_eval/data/")}


def fetch(name: str, dest: Path | None = None, force: bool = False, version: str | None = None) -> Path:
    if name not in PACKAGES:
        raise KeyError(f"no downloadable data named {name!r}; known: {', '.join(PACKAGES)}")
    pkg, default_version, prefix = PACKAGES[name]
    version = version or default_version
    dest = Path(dest) if dest else home() / "data" / name
    marker = dest / ".complete"
    if marker.exists() and not force:
        return dest
    wheels = home() / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    found = sorted(wheels.glob(f"{pkg.replace('-', '_')}-{version}-*.whl"))
    if not found:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-q",
               "-d", str(wheels), f"{pkg}=={version}"]
        res = subprocess.run(cmd, capture_output=True, text=True)
        found = sorted(wheels.glob(f"{pkg.replace('-', '_')}-{version}-*.whl"))
        if res.returncode != 0 or not found:
            raise RuntimeError(f"could not download {pkg}=={version} from the package index:\n{res.stderr.strip()[-800:]}")
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    n = 0
    with zipfile.ZipFile(found[0]) as z:
        for info in z.infolist():
            if not info.filename.startswith(prefix) or info.is_dir():
                continue
            rel = info.filename[len(prefix):]
            if ".." in Path(rel).parts:
                continue
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            with z.open(info) as src, open(target, "wb") as out:
                shutil.copyfileobj(src, out)
            n += 1
    marker.write_text(f"{pkg}=={version} {n} files\n")
    return dest
