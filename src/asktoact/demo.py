"""``asktoact demo``: the whole pipeline offline, on real data, in minutes on a CPU.

BFCL (fetched once from the package index) -> IC records -> dialogues -> augmented
dialogues -> masks of one dialogue -> the embedded model against the oracle simulator on a
held-out slice (next to the scripted perfect asker as a yardstick) -> the metrics table.
Then the base embedded model and the trained one asktoact ships (``embedded:asktoact``) are
evaluated side by side in the native format they were trained in, on held-out records the
shipped model never saw. ``--train`` adds a short LoRA run of the embedded model and
evaluates it again.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console

from .io import dump_line, read_jsonl
from .schema import Dialogue, ICRecord

DEMO_CATEGORIES = ("BFCL_v4_simple_python.json", "BFCL_v4_multiple.json", "BFCL_v4_parallel.json",
                   "BFCL_v4_parallel_multiple.json")


@dataclass
class DemoConfig:
    out: Path
    data_dir: Path | None = None  # a BFCL folder; default: `asktoact data get bfcl`
    records: int = 300  # samples to curate
    eval_size: int = 12  # held-out records for evaluation
    model: str = "embedded"
    seed: int = 0
    max_tokens: int = 96
    max_rounds: int = 6
    similarity: bool = True
    train: bool = False
    train_steps: int = 20
    shipped: bool = True  # also evaluate the base model and embedded:asktoact side by side (native format)
    share: float = 0.3
    timings: dict[str, float] = field(default_factory=dict)


def _stage(console: Console, cfg: DemoConfig, name: str, t0: float) -> None:
    cfg.timings[name] = round(time.perf_counter() - t0, 1)
    console.print(f"[green]done[/green] {name} ({cfg.timings[name]} s)")


def shipped_trained_ids() -> set[str]:
    """Samples the shipped model was trained on (its card folder lists them)."""
    from .models.embedded import shipped_adapter_dir

    return set((shipped_adapter_dir() / "trained_ids.txt").read_text().split())


def split_records(path: Path, eval_size: int, seed: int, exclude: set[str] = frozenset()) -> tuple[list[ICRecord], list[ICRecord]]:
    """Held-out evaluation slice (records with something to clarify, none in ``exclude``) and
    the training rest."""
    recs = list(read_jsonl(path, ICRecord))
    cands = [r for r in recs if r.level > 0 and r.id not in exclude]
    held = set(r.id for r in random.Random(f"asktoact:split:{seed}").sample(cands, min(eval_size, len(cands))))
    return [r for r in recs if r.id in held], [r for r in recs if r.id not in held]


def run_demo(cfg: DemoConfig, console: Console | None = None) -> dict[str, Any]:
    from .augment.stage import run_augment
    from .curate.stage import BuildConfig, run_build
    from .dialogues.stage import run_dialogues
    from .evaluate.runner import EvalConfig
    from .evaluate.stage import run_eval

    console = console or Console()
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    if cfg.data_dir is None:
        from .sources.fetch import fetch

        console.print("fetching BFCL from the package index (cached after the first time)...")
        cfg.data_dir = fetch("bfcl")
    src_dir = out / "bfcl_subset"
    src_dir.mkdir(exist_ok=True)
    (src_dir / "possible_answer").mkdir(exist_ok=True)
    for name in DEMO_CATEGORIES:  # evaluation-only live_* categories are never part of the demo
        for sub in ("", "possible_answer/"):
            s, d = Path(cfg.data_dir) / f"{sub}{name}", src_dir / f"{sub}{name}"
            if s.exists() and not d.exists():
                d.symlink_to(s.resolve())
    _stage(console, cfg, "data", t0)

    t0 = time.perf_counter()
    res = run_build(BuildConfig(source="bfcl", path=str(src_dir), out=str(out / "ic"), seed=cfg.seed,
                                similarity=cfg.similarity, limit=cfg.records, exclude_eval_only=True))
    _stage(console, cfg, "curate", t0)
    held, train_recs = split_records(res.records, cfg.eval_size, cfg.seed, shipped_trained_ids() if cfg.shipped else set())
    with open(out / "ic" / "eval.jsonl", "w") as f:
        f.writelines(dump_line(r) for r in held)
    with open(out / "ic" / "train.jsonl", "w") as f:
        f.writelines(dump_line(r) for r in train_recs)

    t0 = time.perf_counter()
    dst = run_dialogues(out / "ic" / "train.jsonl", out / "dialogues", seed=cfg.seed)
    ast = run_augment(out / "dialogues", out / "augmented", share=cfg.share, seed=cfg.seed)
    _stage(console, cfg, "dialogues", t0)
    show_masks(out / "augmented" / "augmented.jsonl", cfg.model if cfg.model.startswith("hf:") else "embedded", console)

    runs: dict[str, Any] = {}
    ecfg = EvalConfig(max_rounds=cfg.max_rounds, max_tokens=cfg.max_tokens, concurrency=8, seed=cfg.seed)
    t0 = time.perf_counter()
    # a rerun of the demo with other settings (model, data, a retrained adapter) gets fresh run folders
    # beside the old ones (eval/model.2 ...) instead of mixing with them; nothing old is deleted
    runs["script:perfect"] = run_eval(out / "ic" / "eval.jsonl", "script:perfect", "oracle", out / "eval" / "perfect", ecfg,
                                      force_new=True)
    runs[cfg.model] = run_eval(out / "ic" / "eval.jsonl", cfg.model, "oracle", out / "eval" / "model", ecfg, cache=False,
                               force_new=True)
    _stage(console, cfg, "evaluate", t0)

    if cfg.shipped:  # the claim, shown: the same base model before and after asktoact's training
        t0 = time.perf_counter()
        ncfg = EvalConfig(max_rounds=cfg.max_rounds, max_tokens=cfg.max_tokens, concurrency=8, seed=cfg.seed,
                          format="native", tool_style="compact")
        for spec, sub in (("embedded", "base_native"), ("embedded:asktoact", "asktoact_native")):
            runs[spec + " (native)"] = run_eval(out / "ic" / "eval.jsonl", spec, "oracle", out / "eval" / sub, ncfg,
                                                cache=False, force_new=True)
        _stage(console, cfg, "evaluate base vs embedded:asktoact", t0)

    if cfg.train:
        from .train.config import TrainConfig
        from .train.sft import train

        t0 = time.perf_counter()
        tcfg = TrainConfig(model="embedded", data=[str(out / "augmented" / "train.jsonl")], output_dir=str(out / "lora"),
                           max_steps=cfg.train_steps, per_device_batch_size=4, effective_batch_size=4, max_len=768,
                           learning_rate=5e-4, precision="fp32", logging_steps=5, save_steps=100000,
                           gradient_checkpointing=True)  # halves peak memory on CPU (~5.5 GB) for ~15% time
        tsum = train(tcfg)
        _stage(console, cfg, "train", t0)
        t0 = time.perf_counter()
        spec = f"embedded?adapter={out / 'lora'}"
        runs["embedded+lora"] = run_eval(out / "ic" / "eval.jsonl", spec, "oracle", out / "eval" / "lora", ecfg, cache=False,
                                         force_new=True)
        _stage(console, cfg, "evaluate trained", t0)
        runs["embedded+lora"]["train"] = {k: tsum[k] for k in ("global_steps", "train_loss", "tokens_per_s")}

    from .report.tables import compare

    dirs = [Path(r["run_dir"]) for r in runs.values()]
    md, csv, rows = compare(dirs)
    (out / "report.md").write_text(md)
    from .report.plots import plot_breakdowns

    plot_breakdowns(rows, out / "breakdown.png")
    return {"runs": runs, "table": md, "counts": {"ic_kept": res.curate.kept, "dialogues": dst.written,
                                                  "augmented": ast.augmented, "eval": len(held)},
            "files": {"ic_records": str(res.records), "dialogues": str(out / "dialogues" / "dialogues.jsonl"),
                      "training_set": str(out / "augmented" / "train.jsonl"), "eval_runs": str(out / "eval"),
                      "report": str(out / "report.md"), "plot": str(out / "breakdown.png")},
            "timings": cfg.timings}


def show_masks(path: Path, model: str, console: Console) -> None:
    """Print one short augmented dialogue with what training learns highlighted."""
    from rich.text import Text

    ds = sorted(read_jsonl(path, Dialogue), key=lambda d: sum(len(m.content) for m in d.messages))
    ds = [d for d in ds if d.error_spans]
    if not ds:
        return
    d = ds[0]
    try:
        from .train.config import TrainConfig
        from .train.sft import load_tokenizer
        from .train.tokenize import IGNORE, dialogue_messages, tokenize_dialogue

        tok = load_tokenizer(TrainConfig(model=model))
    except ImportError:
        return
    row = tokenize_dialogue(tok, dialogue_messages(d))
    text = Text()
    start = row.text.find("<|im_start|>assistant") if "<|im_start|>assistant" in row.text else 0
    for lab, (s, e) in zip(row.labels, row.offsets):
        if e <= start:
            continue
        in_err = any(s < b and e > a for a, b in row.error_ranges)
        text.append(row.text[s:e], style="bold green" if lab != IGNORE else ("red strike" if in_err else "dim"))
    console.rule(f"one augmented dialogue ({d.error_type.value if d.error_type else ''}): "
                 "[bold green]learned[/bold green] / [dim]masked[/dim] / [red strike]error span, masked[/red strike]")
    console.print(text)
    console.rule()
