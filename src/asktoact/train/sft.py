"""Selective-masking SFT (LoRA or full) on pre-tokenised rows, with TRL's SFTTrainer.

Data preparation (``tokenize.py``) is separate and inspectable; the trainer only sees
``input_ids``/``labels``. Batches are padded dynamically and grouped by length, and rows
with nothing to learn never reach the GPU.
"""

from __future__ import annotations

import json
import math
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any, Callable

from ..io import RejectSink, read_jsonl
from ..models.spec import resolve_model_path
from ..schema import Dialogue
from .config import TrainConfig
from .tokenize import IGNORE, PrepStats, TokenizedRow, balance_first_moves, prepare_rows


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
    rows = prepare_rows(tok, load_dialogues(cfg, rejects), cfg.max_len, chat_template_of(cfg), st, rejects, cfg.tool_style,
                        cfg.format)
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


def masked_lm_loss(model, batch: dict[str, Any], num_items_in_batch=None):
    """Next-token loss over supervised positions, projecting onto the vocabulary only there.

    Most tokens of a clarification dialogue are prompt (system prompt, tool lists) and are
    masked; computing the (vocabulary-sized) logits for them is wasted time and memory. The
    positions any row of the batch learns from are passed as ``logits_to_keep``; models
    without that argument fall back to full logits. (TRL's fused LM head scores only the
    supervised positions on Triton devices, but every position elsewhere, CPUs included.)

    With ``num_items_in_batch`` (the supervised tokens of the whole accumulated batch, from
    the Trainer) the loss is the sum over this micro-batch divided by it, so every learned
    token weighs the same under gradient accumulation; without it, the mean.
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
    flat, t = logits.float().reshape(-1, logits.shape[-1]), tgt.reshape(-1)
    if num_items_in_batch is None:
        return torch.nn.functional.cross_entropy(flat, t, ignore_index=IGNORE)
    total = torch.nn.functional.cross_entropy(flat, t, ignore_index=IGNORE, reduction="sum")
    return total / torch.as_tensor(num_items_in_batch, device=total.device).clamp(min=1)


def warmup_schedule(kind: str, warmup: int, total: int) -> Callable[[int], float]:
    """LR factor per optimizer step (0-based). Warm-up rises from 1/(w+1), so the first step
    learns (the stock schedules give step 1 a learning rate of 0.0), then cosine, linear or
    constant over the remaining steps."""
    import math

    if kind not in ("cosine", "linear", "constant"):
        raise ValueError(f"lr_scheduler {kind!r}: cosine, linear or constant")

    def f(step: int) -> float:
        if step < warmup:
            return (step + 1) / (warmup + 1)
        if kind == "constant":
            return 1.0
        progress = (step - warmup) / max(1, total - warmup)
        return 0.5 * (1 + math.cos(math.pi * progress)) if kind == "cosine" else max(0.0, 1 - progress)

    return f


def _trainer_class():
    import torch
    from trl import SFTTrainer

    class MaskedSFTTrainer(SFTTrainer):
        """TRL's SFTTrainer on our pre-tokenised rows (``skip_prepare_dataset``), with a loss
        that projects only supervised positions and is token-weighted across accumulation."""

        def __init__(self, *a, warmup_steps_for: Callable[[int], int] | None = None, schedule: str = "cosine", **kw):
            super().__init__(*a, **kw)
            self._schedule = schedule
            self.model_accepts_loss_kwargs = True  # the Trainer counts num_items_in_batch and leaves GA to the loss
            self._warmup_for = warmup_steps_for

        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            loss = masked_lm_loss(model, inputs, num_items_in_batch)
            if self.args.average_tokens_across_devices and num_items_in_batch is not None:
                loss = loss * self.accelerator.num_processes  # DDP averages gradients; the count is global
            return (loss, None) if return_outputs else loss

        def create_scheduler(self, num_training_steps: int, optimizer=None):
            if self.lr_scheduler is None:
                w = self._warmup_for(num_training_steps) if self._warmup_for else 0
                self.lr_scheduler = torch.optim.lr_scheduler.LambdaLR(
                    optimizer or self.optimizer, warmup_schedule(self._schedule, w, num_training_steps))
            return self.lr_scheduler

    return MaskedSFTTrainer


def _precision(cfg: TrainConfig) -> dict[str, bool]:
    import torch

    if cfg.precision == "fp32":
        return {"bf16": False, "fp16": False}
    if cfg.precision == "bf16":
        return {"bf16": True, "fp16": False}
    if cfg.precision == "fp16":
        return {"bf16": False, "fp16": True}
    gpu_bf16 = torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    return {"bf16": gpu_bf16, "fp16": False}  # CPUs here lack fast bf16: fp32 (SFTConfig's own default is bf16)


def _has_cuda() -> bool:
    import torch

    return torch.cuda.is_available()


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


def sft_config(cfg: TrainConfig, world_size: int = 1, has_eval: bool = False):
    """Our YAML as TRL's ``SFTConfig``: a thin layer; anything else goes through ``sft:``."""
    import dataclasses

    from trl import SFTConfig

    fields = {f.name for f in dataclasses.fields(SFTConfig)}
    report = cfg.report_to if isinstance(cfg.report_to, list) else [cfg.report_to]
    kw: dict[str, Any] = dict(
        output_dir=cfg.output_dir, per_device_train_batch_size=cfg.per_device_batch_size,
        per_device_eval_batch_size=cfg.per_device_batch_size,
        gradient_accumulation_steps=cfg.grad_accum(world_size), learning_rate=cfg.lr, num_train_epochs=cfg.num_epochs,
        max_steps=cfg.max_steps, lr_scheduler_type="constant",  # ours replaces it (create_scheduler)
        logging_steps=cfg.logging_steps, save_steps=cfg.save_steps, save_total_limit=cfg.save_total_limit,
        seed=cfg.seed, data_seed=cfg.seed, report_to=[r for r in report if r and r != "none"] or "none",
        remove_unused_columns=False, dataloader_num_workers=cfg.dataloader_workers, deepspeed=cfg.deepspeed,
        dataset_kwargs={"skip_prepare_dataset": True}, max_length=cfg.max_len, packing=False,
        gradient_checkpointing=cfg.gradient_checkpointing, dataloader_pin_memory=_has_cuda(), **_precision(cfg))
    if has_eval:
        kw.update(eval_strategy="steps", eval_steps=cfg.eval_steps or cfg.logging_steps)
    if cfg.group_by_length:
        if "train_sampling_strategy" in fields:
            kw["train_sampling_strategy"] = "group_by_length"
        else:
            kw["group_by_length"] = True
    kw.update(cfg.sft)
    unknown = sorted(k for k in kw if k not in fields)
    if unknown:
        raise ValueError(f"unknown SFTConfig settings: {unknown}")
    return SFTConfig(**kw)


training_arguments = sft_config  # the old name


def rows_digest(rows: list[TokenizedRow]) -> str:
    """What a checkpoint was trained on: a resumed run must see the same rows."""
    import hashlib

    h = hashlib.sha256()
    for r in rows:
        h.update(json.dumps([r.input_ids, r.labels]).encode())
    return h.hexdigest()[:16]


def split_rows(rows: list[TokenizedRow], share: float, seed: int) -> tuple[list[TokenizedRow], list[TokenizedRow]]:
    """A seeded eval split by dialogue record (a record's clean and augmented rows stay together)."""
    import hashlib

    if share <= 0:
        return rows, []

    def held(r: TokenizedRow) -> bool:
        rec = r.id.split("#", 1)[0]
        return int(hashlib.sha256(f"asktoact:eval-split:{seed}:{rec}".encode()).hexdigest()[:8], 16) / 2**32 < share

    return [r for r in rows if not held(r)], [r for r in rows if held(r)]


def last_checkpoint(out: Path) -> Path | None:
    from transformers.trainer_utils import get_last_checkpoint

    return Path(c) if out.is_dir() and (c := get_last_checkpoint(str(out))) else None


class _Summary:
    """``asktoact_train.json``, rewritten as the run goes: a stopped run keeps what it did."""

    def __init__(self, path: Path, base: dict[str, Any]):
        self.path, self.data = path, {**base, "status": "running", "history": []}

    def write(self, **kw: Any) -> None:
        self.data.update(kw)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(self.data, indent=2, default=str) + "\n")
        tmp.replace(self.path)


def train(cfg: TrainConfig, model=None, tokenizer=None, on_log: Callable[[dict], None] | None = None) -> dict[str, Any]:
    """Prepare, train (resuming from the last checkpoint), save the adapter (or the full model)
    and tokenizer; return a summary, also kept up to date in ``asktoact_train.json``."""
    from datasets import Dataset
    from transformers import TrainerCallback

    out = Path(cfg.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    tok = tokenizer or load_tokenizer(cfg)
    with RejectSink(out / "rejects.jsonl", "train") as rj:
        rows, st = prepare(cfg, tok, rj)
    if not rows:
        raise ValueError("no trainable rows: every dialogue was rejected or had nothing to learn (see rejects.jsonl)")
    native_tmpl = _native_template(cfg, tok, rows)
    train_rows, eval_rows = split_rows(rows, cfg.eval_share, cfg.seed)
    balance = None
    if cfg.act_share is not None:
        train_rows, balance = balance_first_moves(train_rows, cfg.act_share, cfg.seed)
    if cfg.eval_data:
        eval_rows += prepare_rows(tok, [d for f in cfg.eval_data for d in read_jsonl(Path(f), Dialogue)], cfg.max_len,
                                  chat_template_of(cfg), None, None, cfg.tool_style, cfg.format)
    digest = rows_digest(train_rows)
    ckpt = None
    if cfg.resume is not False:
        ckpt = Path(cfg.resume) if isinstance(cfg.resume, str) and cfg.resume != "auto" else last_checkpoint(out)
    summary = _Summary(out / "asktoact_train.json", {"prep": asdict(st), "rows_digest": digest, "method": cfg.method,
                                                      "train_rows": len(train_rows), "eval_rows": len(eval_rows),
                                                      "first_moves": balance or dict(Counter(r.first_move for r in train_rows)),
                                                      "config": cfg.model_dump()})
    old = out / "asktoact_train.json"
    if ckpt is not None and old.exists():
        prev = json.loads(old.read_text())
        if prev.get("rows_digest") not in (None, digest):
            raise ValueError(f"{ckpt}: the checkpoint was trained on other rows (data or settings changed); "
                             f"use a new output_dir or --set resume=false to start over")
        step = json.loads((ckpt / "trainer_state.json").read_text()).get("global_step", 0)
        summary.data["history"] = [h for h in prev.get("history", []) if h.get("step", 0) <= step]
        summary.data["resumed_from"] = str(ckpt)
    summary.write()
    feats = lambda rs: Dataset.from_list([{"input_ids": r.input_ids, "labels": r.labels} for r in rs])  # noqa: E731
    m = build_model(cfg, model)
    args = sft_config(cfg, has_eval=bool(eval_rows))

    class Log(TrainerCallback):
        def on_log(self, a, state, control, logs=None, **kw):
            if logs:
                summary.data["history"].append({"step": state.global_step, **logs})
                summary.write(global_steps=state.global_step, max_steps=state.max_steps)
                if on_log:
                    on_log(logs)

        def on_save(self, a, state, control, **kw):
            summary.write(last_checkpoint=f"checkpoint-{state.global_step}")

    collator = PadCollator(tok.pad_token_id)
    trainer = _trainer_class()(model=m, args=args, train_dataset=feats(train_rows),
                               eval_dataset=feats(eval_rows) if eval_rows else None, data_collator=collator,
                               processing_class=tok, callbacks=[Log()],
                               warmup_steps_for=lambda total: int(math.ceil(cfg.warmup_ratio * total)),
                               schedule=cfg.lr_scheduler)
    t0 = time.perf_counter()
    prev_term = _term_as_interrupt()
    try:
        result = trainer.train(resume_from_checkpoint=str(ckpt) if ckpt else None)
    except KeyboardInterrupt:
        summary.write(status="interrupted", train_runtime_s=round(time.perf_counter() - t0, 2))
        raise
    except Exception as e:
        summary.write(status="failed", error=f"{type(e).__name__}: {e}"[:500])
        raise
    finally:
        _restore_term(prev_term)
    dt = time.perf_counter() - t0
    if native_tmpl:
        tok.chat_template = native_tmpl  # saved with the model: servers render tools as it was trained
    trainer.save_model(str(out))
    tok.save_pretrained(str(out))
    extra = {}
    if eval_rows:
        extra["eval"] = trainer.evaluate()
    summary.write(status="done", train_runtime_s=round(dt, 2), global_steps=result.global_step,
                  train_loss=result.training_loss, train_runtime_hf_s=result.metrics.get("train_runtime"),
                  real_tokens=collator.real_tokens, padded_tokens=collator.batch_tokens,
                  tokens_per_s=round(collator.real_tokens / dt, 1) if dt else None, **extra)
    return summary.data


def _term_as_interrupt():
    """SIGTERM (a scheduler stopping the job) ends training like Ctrl-C: the summary says
    'interrupted' and the last checkpoint is where a rerun resumes."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return None

    def handler(signum, frame):
        raise KeyboardInterrupt

    return signal.signal(signal.SIGTERM, handler)


def _restore_term(prev) -> None:
    import signal

    if prev is not None:
        signal.signal(signal.SIGTERM, prev)


def _native_template(cfg: TrainConfig, tok, rows: list[TokenizedRow]) -> str | None:
    """The tool template native rows were rendered with, when it is not the tokenizer's own."""
    if not any(r.native for r in rows):
        return None
    from ..native import native_chat_template

    t = native_chat_template(tok, chat_template_of(cfg))
    return t if t and t != tok.chat_template else None


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
