"""Training throughput: asktoact's trainer vs plain TRL (and LLaMA-Factory) on the same model,
rows, batch and CPU, one after the other in one run.

ours: ``asktoact train`` (TRL's SFTTrainer on our pre-tokenised rows, length-grouped batches,
a loss that projects only supervised positions). plain TRL: ``SFTTrainer`` on the same rows
(``skip_prepare_dataset``) with its own collator and loss (its fused LM head), no length
grouping: what a TRL user gets by default.

Needs LLaMA-Factory in a venv of its own (it pins torch/torchvision/torchaudio):
    python -m venv /tmp/lfvenv
    /tmp/lfvenv/bin/pip install torch==2.9.1 torchvision==0.24.1
    /tmp/lfvenv/bin/pip install torch==2.9.1 'torchaudio==2.9.*' llamafactory==0.9.5
Run:  python bench/train_speed.py --lf-python /tmp/lfvenv/bin/python [--rows 64] [--batch 4]
Both trainers see every row exactly once (one epoch), LoRA r=8 on all linear layers, fp32,
the same tokenised rows (LLaMA-Factory reads ours through ``tokenized_path``); a second
LLaMA-Factory pass tokenises the clean dialogues itself to compare label masks.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
FMT = ["paper"]


def make_data(work: Path, rows: int) -> tuple[Path, Path]:
    from asktoact.augment.stage import run_augment
    from asktoact.curate.stage import BuildConfig, run_build
    from asktoact.dialogues.stage import run_dialogues

    res = run_build(BuildConfig(source="bfcl", path=str(SHARED / "bfcl" / "BFCL_v4_simple_python.json"),
                                out=str(work / "ic"), seed=0, similarity=False))
    run_dialogues(res.records, work / "dlg", seed=0, fmt=FMT[0])
    run_augment(work / "dlg", work / "aug", share=0.3, seed=0)
    lines = (work / "aug" / "train.jsonl").read_text().splitlines()
    random.Random(0).shuffle(lines)
    (work / "train.jsonl").write_text("\n".join(lines[:rows]) + "\n")
    clean = (work / "dlg" / "dialogues.jsonl").read_text().splitlines()[:rows]
    (work / "clean.jsonl").write_text("\n".join(clean) + "\n")
    return work / "train.jsonl", work / "clean.jsonl"


def run_ours(data: Path, out: Path, batch: int, max_len: int) -> dict:
    from asktoact.io import read_jsonl
    from asktoact.schema import Dialogue
    from asktoact.train.config import TrainConfig
    from asktoact.train.sft import train

    n = sum(1 for _ in read_jsonl(data, Dialogue))
    cfg = TrainConfig(model="embedded", data=[str(data)], output_dir=str(out), max_steps=-(-n // batch), num_epochs=1,
                      per_device_batch_size=batch, effective_batch_size=batch, max_len=max_len, precision="fp32",
                      logging_steps=1000, save_steps=100000, learning_rate=1e-4)
    s = train(cfg)
    return {"runtime_s": s["train_runtime_hf_s"], "real_tokens": s["real_tokens"], "padded_tokens": s["padded_tokens"],
            "rows": s["prep"]["rows"]}


def run_plain_trl(data: Path, out: Path, batch: int, max_len: int, rows) -> dict:
    """Stock SFTTrainer on the same rows and labels."""
    import time as _t

    import torch
    from datasets import Dataset
    from peft import LoraConfig
    from transformers import AutoModelForCausalLM
    from trl import SFTConfig, SFTTrainer

    from asktoact.models.embedded import embedded_model_dir
    from asktoact.train.config import TrainConfig
    from asktoact.train.sft import load_tokenizer

    tok = load_tokenizer(TrainConfig(model="embedded"))
    model = AutoModelForCausalLM.from_pretrained(str(embedded_model_dir()), dtype=torch.float32)
    ds = Dataset.from_list([{"input_ids": r.input_ids, "labels": r.labels} for r in rows])
    args = SFTConfig(output_dir=str(out), per_device_train_batch_size=batch, gradient_accumulation_steps=1,
                     max_steps=-(-len(rows) // batch), learning_rate=1e-4, lr_scheduler_type="cosine",
                     warmup_steps=-(-len(rows) // batch // 10) or 1,  # 10%, as ours and LLaMA-Factory's (no warmup_ratio in TRL >= 1)
                     logging_steps=1000, save_steps=100000, report_to="none", bf16=False, max_length=max_len,
                     dataset_kwargs={"skip_prepare_dataset": True}, gradient_checkpointing=False,
                     dataloader_pin_memory=False, seed=0)
    tr = SFTTrainer(model=model, args=args, train_dataset=ds, processing_class=tok,
                    peft_config=LoraConfig(r=8, lora_alpha=16, lora_dropout=0.05, target_modules="all-linear",
                                           task_type="CAUSAL_LM"))
    t0 = _t.perf_counter()
    res = tr.train()
    return {"runtime_s": res.metrics.get("train_runtime"), "wall_s": round(_t.perf_counter() - t0, 1)}


def lf_yaml(path: Path, model: str, dataset_dir: Path, out: Path, tokenized: Path, batch: int, steps: int, max_len: int):
    path.write_text("\n".join([
        f"model_name_or_path: {model}", "stage: sft", "do_train: true", "finetuning_type: lora", "lora_rank: 8",
        "lora_alpha: 16", "lora_dropout: 0.05", "lora_target: all", f"dataset_dir: {dataset_dir}", "dataset: asktoact",
        "template: chatml", f"cutoff_len: {max_len}", f"tokenized_path: {tokenized}", f"output_dir: {out}",
        "overwrite_output_dir: true", f"per_device_train_batch_size: {batch}", "gradient_accumulation_steps: 1",
        f"max_steps: {steps}", "learning_rate: 1.0e-4", "lr_scheduler_type: cosine", "warmup_ratio: 0.1",
        "bf16: false", "fp16: false", "logging_steps: 1000", "save_steps: 100000", "report_to: none",
        "preprocessing_num_workers: 1", "dataloader_num_workers: 0", "plot_loss: false", "trust_remote_code: true", ""]))


def run_lf(lf_python: str, cfg: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DISABLE_VERSION_CHECK": "1", "CUDA_VISIBLE_DEVICES": "", "HF_HUB_OFFLINE": "1"}
    cli = str(Path(lf_python).parent / "llamafactory-cli")
    return subprocess.run([cli, "train", str(cfg)], capture_output=True, text=True, env=env)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lf-python", default="/tmp/lfvenv/bin/python")
    ap.add_argument("--rows", type=int, default=64)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--max-len", type=int, default=1024)
    ap.add_argument("--out", default="bench/results/train_speed.json")
    ap.add_argument("--format", default="paper", choices=["paper", "native"])
    a = ap.parse_args()


    from asktoact.io import read_jsonl
    from asktoact.models.embedded import embedded_model_dir
    from asktoact.schema import Dialogue
    from asktoact.train import export as ex
    from asktoact.train.config import TrainConfig
    from asktoact.train.sft import load_tokenizer
    from asktoact.train.tokenize import prepare_rows

    FMT[0] = a.format
    work = Path(tempfile.mkdtemp(prefix="asktoact-bench-"))
    train_f, clean_f = make_data(work, a.rows)
    model_dir = str(embedded_model_dir())
    tok = load_tokenizer(TrainConfig(model="embedded"))
    dialogues = list(read_jsonl(train_f, Dialogue))
    rows = prepare_rows(tok, dialogues, a.max_len)
    real = sum(len(x.input_ids) for x in rows)
    steps = -(-len(rows) // a.batch)
    t0 = time.time()
    ours = run_ours(train_f, work / "ours_out", a.batch, a.max_len)
    plain = run_plain_trl(train_f, work / "trl_out", a.batch, a.max_len, rows)
    out = {"format": a.format, "rows": len(rows), "batch": a.batch, "steps": steps, "max_len": a.max_len,
           "real_tokens": real,
           "ours": {**ours, "tokens_per_s": round(ours["real_tokens"] / ours["runtime_s"], 1),
                    "padding_share": round(1 - ours["real_tokens"] / ours["padded_tokens"], 3)},
           "plain_trl": {**plain, "tokens_per_s": round(real / plain["runtime_s"], 1)}}
    out["speedup_vs_trl"] = round(out["ours"]["tokens_per_s"] / out["plain_trl"]["tokens_per_s"], 2)
    if Path(a.lf_python).exists() and a.format == "paper":
        ex.export_llamafactory(dialogues, work / "lf_ours", "asktoact", rows)
        lf_yaml(work / "speed.yaml", model_dir, work / "lf_ours", work / "lf_out", work / "lf_ours" / "asktoact_tokenized",
                a.batch, steps, a.max_len)
        r2 = run_lf(a.lf_python, work / "speed.yaml")
        res_f = work / "lf_out" / "train_results.json"
        if res_f.exists():
            lf_res = json.loads(res_f.read_text())
            out["llamafactory"] = {"runtime_s": lf_res["train_runtime"], "tokens_per_s": round(real / lf_res["train_runtime"], 1)}
            out["speedup_vs_llamafactory"] = round(out["ours"]["tokens_per_s"] / out["llamafactory"]["tokens_per_s"], 2)
        else:
            print(r2.stdout[-2000:], r2.stderr[-2000:], file=sys.stderr)
            out["llamafactory"] = "run failed"
    else:
        out["llamafactory"] = f"not run: no LLaMA-Factory venv at {a.lf_python}"
    out["wall_s"] = round(time.time() - t0, 1)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
