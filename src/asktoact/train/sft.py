"""Selective-masking SFT (LoRA or full) on pre-tokenised rows, with transformers' Trainer.

Data preparation (``tokenize.py``) is separate and inspectable; the trainer only sees
``input_ids``/``labels``. Batches are padded dynamically and grouped by length, and rows
with nothing to learn never reach the GPU.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any, Callable

from ..io import RejectSink, read_jsonl
from ..models.spec import resolve_model_path
from ..schema import Dialogue
from .config import TrainConfig
from .tokenize import IGNORE, PrepStats, TokenizedRow, prepare_rows


def load_tokenizer(cfg: TrainConfig):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(resolve_model_path(cfg.model))
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    return tok


def chat_template_of(cfg: TrainConfig) -> str | None:
    if not cfg.chat_template:
        return None
    p = Path(cfg.chat_template)
    return p.read_text() if len(cfg.chat_template) < 4096 and p.exists() else cfg.chat_template


def load_dialogues(cfg: TrainConfig, rejects: RejectSink | None = None) -> list[Dialogue]:
    """With ``rejects``, a torn or invalid line is a reject (file, line, field) and reading goes on."""
    out: list[Dialogue] = []
    for f in cfg.data:
        for d in read_jsonl(Path(f), Dialogue, rejects=rejects):
            out.append(d)
            if cfg.limit is not None and len(out) >= cfg.limit:
                return out
    return out


def prepare(cfg: TrainConfig, tokenizer=None, rejects: RejectSink | None = None) -> tuple[list[TokenizedRow], PrepStats]:
    tok = tokenizer or load_tokenizer(cfg)
    st = PrepStats()
    rows = prepare_rows(tok, load_dialogues(cfg, rejects), cfg.max_len, chat_template_of(cfg), st, rejects)
    return rows, st


class PadCollator:
    """Dynamic padding to the longest row in the batch (labels padded with -100)."""

    def __init__(self, pad_id: int, multiple_of: int | None = None):
        self.pad_id, self.multiple_of = pad_id, multiple_of
        self.real_tokens = 0  # tokens of the rows themselves
        self.batch_tokens = 0  # including padding: what the model computed on

    def __call__(self, feats: list[dict[str, Any]]) -> dict[str, Any]:
        import torch

        n = max(len(f["input_ids"]) for f in feats)
        if self.multiple_of:
            n = -(-n // self.multiple_of) * self.multiple_of
        ids = torch.full((len(feats), n), self.pad_id, dtype=torch.long)
        lab = torch.full((len(feats), n), IGNORE, dtype=torch.long)
        att = torch.zeros((len(feats), n), dtype=torch.long)
        self.batch_tokens += len(feats) * n
        self.real_tokens += sum(len(f["input_ids"]) for f in feats)
        for i, f in enumerate(feats):
            k = len(f["input_ids"])
            ids[i, :k] = torch.tensor(f["input_ids"])
            lab[i, :k] = torch.tensor(f["labels"])
            att[i, :k] = 1
        return {"input_ids": ids, "labels": lab, "attention_mask": att}


def masked_lm_loss(model, batch: dict[str, Any]):
    """Mean next-token loss over supervised positions, projecting onto the vocabulary only there.

    Most tokens of a clarification dialogue are prompt (system prompt, tool lists) and are
    masked; computing the (vocabulary-sized) logits for them is wasted time and memory. The
    positions any row of the batch learns from are passed as ``logits_to_keep``; models
    without that argument fall back to full logits. Same value as the model's own loss.
    """
    import torch

    labels = batch["labels"]
    targets = labels[:, 1:]
    keep = (targets != IGNORE).any(dim=0).nonzero().flatten()
    if keep.numel() == 0:
        return (model(input_ids=batch["input_ids"][:, :1]).logits.sum() * 0.0)
    try:
        out = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], logits_to_keep=keep)
        logits, tgt = out.logits, targets[:, keep]
        if logits.shape[1] != keep.numel():  # the model ignored logits_to_keep
            raise TypeError
    except TypeError:
        out = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
        logits, tgt = out.logits[:, :-1], targets
    return torch.nn.functional.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), tgt.reshape(-1),
                                             ignore_index=IGNORE)


def _trainer_class():
    from transformers import Trainer

    class MaskedLossTrainer(Trainer):
        """Trainer whose loss only projects supervised positions onto the vocabulary."""

        loss_is_scaled_for_ga = False  # a per-batch mean: the Trainer divides by accumulation steps

        def __init__(self, *a, **kw):
            super().__init__(*a, **kw)
            self.model_accepts_loss_kwargs = False  # same contract on older transformers releases

        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            loss = masked_lm_loss(model, inputs)
            return (loss, None) if return_outputs else loss

    return MaskedLossTrainer


def _precision(cfg: TrainConfig) -> dict[str, bool]:
    import torch

    if cfg.precision == "fp32":
        return {"bf16": False, "fp16": False}
    if cfg.precision == "bf16":
        return {"bf16": True, "fp16": False}
    if cfg.precision == "fp16":
        return {"bf16": False, "fp16": True}
    gpu_bf16 = torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    return {"bf16": gpu_bf16, "fp16": False}  # CPUs here lack fast bf16: fp32


def build_model(cfg: TrainConfig, model=None):
    import torch
    from transformers import AutoModelForCausalLM

    if model is None:
        prec = _precision(cfg)
        dtype = torch.bfloat16 if prec["bf16"] else torch.float32
        model = AutoModelForCausalLM.from_pretrained(resolve_model_path(cfg.model), dtype=dtype)
    if cfg.gradient_checkpointing:
        model.gradient_checkpointing_enable()
        if hasattr(model, "enable_input_require_grads"):
            model.enable_input_require_grads()
    if cfg.method == "lora":
        from peft import LoraConfig, get_peft_model

        lcfg = LoraConfig(r=cfg.lora_r, lora_alpha=cfg.lora_alpha, lora_dropout=cfg.lora_dropout,
                          target_modules=cfg.lora_target, task_type="CAUSAL_LM")
        model = get_peft_model(model, lcfg)
    return model


def training_arguments(cfg: TrainConfig, world_size: int = 1):
    import dataclasses

    from transformers import TrainingArguments

    fields = {f.name for f in dataclasses.fields(TrainingArguments)}
    kw: dict[str, Any] = dict(
        output_dir=cfg.output_dir, per_device_train_batch_size=cfg.per_device_batch_size,
        gradient_accumulation_steps=cfg.grad_accum(world_size), learning_rate=cfg.lr, num_train_epochs=cfg.num_epochs,
        max_steps=cfg.max_steps, warmup_ratio=cfg.warmup_ratio, lr_scheduler_type=cfg.lr_scheduler,
        logging_steps=cfg.logging_steps, save_steps=cfg.save_steps, save_total_limit=cfg.save_total_limit,
        seed=cfg.seed, report_to=[], remove_unused_columns=False, dataloader_num_workers=cfg.dataloader_workers,
        deepspeed=cfg.deepspeed, **_precision(cfg))
    if cfg.group_by_length:
        if "train_sampling_strategy" in fields:
            kw["train_sampling_strategy"] = "group_by_length"
        else:
            kw["group_by_length"] = True
    if "warmup_ratio" not in fields:  # newer releases take warm-up as a share through warmup_steps
        kw["warmup_steps"] = kw.pop("warmup_ratio")
    return TrainingArguments(**{k: v for k, v in kw.items() if k in fields})


def train(cfg: TrainConfig, model=None, tokenizer=None, on_log: Callable[[dict], None] | None = None) -> dict[str, Any]:
    """Prepare, train, save the adapter (or the full model) and tokenizer; return a summary."""
    from datasets import Dataset
    from transformers import TrainerCallback

    out = Path(cfg.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    tok = tokenizer or load_tokenizer(cfg)
    with RejectSink(out / "rejects.jsonl", "train") as rj:
        rows, st = prepare(cfg, tok, rj)
    if not rows:
        raise ValueError("no trainable rows: every dialogue was rejected or had nothing to learn (see rejects.jsonl)")
    ds = Dataset.from_list([{"input_ids": r.input_ids, "labels": r.labels} for r in rows])
    m = build_model(cfg, model)
    args = training_arguments(cfg)
    history: list[dict] = []

    class Log(TrainerCallback):
        def on_log(self, a, state, control, logs=None, **kw):
            if logs:
                history.append({"step": state.global_step, **logs})
                if on_log:
                    on_log(logs)

    collator = PadCollator(tok.pad_token_id)
    trainer = _trainer_class()(model=m, args=args, train_dataset=ds, data_collator=collator, callbacks=[Log()])
    t0 = time.perf_counter()
    result = trainer.train()
    dt = time.perf_counter() - t0
    trainer.save_model(str(out))
    tok.save_pretrained(str(out))
    summary = {"prep": asdict(st), "train_runtime_s": round(dt, 2), "global_steps": result.global_step,
               "train_loss": result.training_loss,
               "train_runtime_hf_s": result.metrics.get("train_runtime"),
               "real_tokens": collator.real_tokens, "padded_tokens": collator.batch_tokens,
               "tokens_per_s": round(collator.real_tokens / dt, 1),
               "method": cfg.method, "history": history, "config": cfg.model_dump()}
    (out / "asktoact_train.json").write_text(json.dumps(summary, indent=2, default=str) + "\n")
    return summary


def merge_adapter(adapter: str | Path, out: str | Path, base: str | None = None) -> Path:
    """Merge a LoRA adapter into its base model and save a plain model folder."""
    import torch
    from peft import PeftConfig, PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    pc = PeftConfig.from_pretrained(str(adapter))
    base_path = resolve_model_path(base or pc.base_model_name_or_path)
    model = AutoModelForCausalLM.from_pretrained(base_path, dtype=torch.float32)
    merged = PeftModel.from_pretrained(model, str(adapter)).merge_and_unload()
    merged.save_pretrained(str(out))
    src = adapter if (Path(adapter) / "tokenizer_config.json").exists() else base_path
    AutoTokenizer.from_pretrained(str(src)).save_pretrained(str(out))
    return Path(out)


def supervised_text(tokenizer, row: TokenizedRow) -> str:
    return tokenizer.decode([t for t, l in zip(row.input_ids, row.labels) if l != IGNORE])
