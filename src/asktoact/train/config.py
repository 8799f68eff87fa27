"""One config object for training (YAML file + ``--set key=value`` overrides)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator


class TrainConfig(BaseModel):
    """Defaults follow the paper's Appendix E (LoRA rank 8 on all linear layers, lr 1e-4,
    warm-up 0.1, cosine, 3 epochs, effective batch 64); full fine-tuning uses lr 1.41e-5."""

    model_config = ConfigDict(extra="forbid")

    model: str = "embedded"  # model spec or folder: embedded | hf:ID | /path
    data: list[str] = Field(default_factory=list)  # dialogue JSONL files (train.jsonl from `asktoact augment`)
    output_dir: str = "runs/train"
    chat_template: str | None = None  # a Jinja string or a file holding one (default: the tokenizer's)
    max_len: int = 2048
    method: Literal["lora", "full"] = "lora"
    lora_r: int = 8
    lora_alpha: int = 16
    lora_dropout: float = 0.05
    lora_target: str | list[str] = "all-linear"
    learning_rate: float | None = None  # None: 1e-4 for LoRA, 1.41e-5 for full
    num_epochs: float = 3.0
    max_steps: int = -1
    warmup_ratio: float = 0.1
    lr_scheduler: str = "cosine"
    per_device_batch_size: int = 4
    effective_batch_size: int = 64  # gradient accumulation is derived from it
    precision: Literal["auto", "fp32", "bf16", "fp16"] = "auto"  # auto: bf16 on GPUs that have it, fp32 on CPU
    gradient_checkpointing: bool = False
    group_by_length: bool = True
    seed: int = 0
    logging_steps: int = 10
    save_steps: int = 500
    save_total_limit: int | None = 2
    deepspeed: str | None = None  # e.g. configs/deepspeed_zero3.json (with `accelerate launch`)
    limit: int | None = None  # train on the first N dialogues only
    dataloader_workers: int = 0
    format: Literal["paper", "native"] | None = None  # None: each dialogue as written; set: others are rejected
    tool_style: Literal["json", "compact"] = "json"  # native dialogues: full schemas or compact ones in tools=
    act_share: float | None = Field(None, gt=0.0, lt=1.0)  # balance rows by first move: this share teach a call at once
    eval_share: float = Field(0.0, ge=0.0, lt=1.0)  # seeded eval split by record (0: none)
    eval_data: list[str] = Field(default_factory=list)  # dialogue JSONL files evaluated beside the split
    eval_steps: int | None = None  # default: logging_steps
    report_to: str | list[str] = "none"  # tensorboard, wandb, trackio, ... (TRL/transformers integrations)
    resume: bool | str = "auto"  # auto: from the last checkpoint in output_dir; false: start over; or a checkpoint path
    sft: dict[str, Any] = Field(default_factory=dict)  # any other SFTConfig setting, passed through as is

    @field_validator("data", "eval_data", mode="before")
    @classmethod
    def _listify(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v

    @property
    def lr(self) -> float:
        if self.learning_rate is not None:
            return self.learning_rate
        return 1e-4 if self.method == "lora" else 1.41e-5

    def grad_accum(self, world_size: int = 1) -> int:
        per_step = self.per_device_batch_size * max(1, world_size)
        return max(1, -(-self.effective_batch_size // per_step))


def parse_override(s: str) -> tuple[str, Any]:
    if "=" not in s:
        raise ValueError(f"override {s!r} is not KEY=VALUE")
    k, v = s.split("=", 1)
    return k.strip(), yaml.safe_load(v)


def load_config(path: str | Path | None, overrides: list[str] | None = None) -> TrainConfig:
    data: dict[str, Any] = {}
    if path:
        p = Path(path)
        data = yaml.safe_load(p.read_text()) or {}
        if not isinstance(data, dict):
            raise ValueError(f"{p}: expected a mapping of settings")
        base = p.parent
        # relative data paths are relative to the config file
        if "data" in data:
            items = data["data"] if isinstance(data["data"], list) else [data["data"]]
            data["data"] = [str((base / d)) if not Path(d).is_absolute() and (base / d).exists() else d for d in items]
    for o in overrides or []:
        k, v = parse_override(o)
        data[k] = v
    return TrainConfig.model_validate(data)
