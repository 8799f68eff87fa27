"""Exports for users of other trainers: LLaMA-Factory, Axolotl, plain HF datasets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

from ..protocol import strip_markers
from ..schema import Dialogue

ROLE_SHAREGPT = {"user": "human", "assistant": "gpt", "system": "system"}


def to_sharegpt(d: Dialogue, keep_markers: bool = True) -> dict:
    system = next((m.content for m in d.messages if m.role == "system"), "")
    conv = []
    for m in d.messages:
        if m.role == "system":
            continue
        text = m.content if keep_markers else strip_markers(m.content)[0]
        conv.append({"from": ROLE_SHAREGPT[m.role], "value": text})
    return {"id": d.id, "system": system, "conversations": conv}


def export_llamafactory(dialogues: Sequence[Dialogue], out: Path, name: str = "asktoact", tokenized_rows=None) -> Path:
    """sharegpt JSON (markers kept, for the paper's fork) + dataset_info entry; with
    ``tokenized_rows`` also a saved dataset for stock LLaMA-Factory's ``tokenized_path``
    that carries our labels (error spans already masked)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps([to_sharegpt(d) for d in dialogues], ensure_ascii=False, indent=1))
    info = {name: {"file_name": f"{name}.json", "formatting": "sharegpt",
                   "columns": {"messages": "conversations", "system": "system"},
                   "tags": {"role_tag": "from", "content_tag": "value", "user_tag": "human", "assistant_tag": "gpt",
                            "system_tag": "system"}}}
    (out / "dataset_info.json").write_text(json.dumps(info, indent=2) + "\n")
    if tokenized_rows is not None:
        from datasets import Dataset

        ds = Dataset.from_dict({"input_ids": [r.input_ids for r in tokenized_rows],
                                "attention_mask": [r.attention_mask for r in tokenized_rows],
                                "labels": [r.labels for r in tokenized_rows]})
        ds.save_to_disk(str(out / f"{name}_tokenized"))
    return out


def to_axolotl(d: Dialogue) -> dict:
    """chat_template format: assistant turns carry ``train_detail`` segments (inclusive
    end offsets), with ``train: false`` on error spans; other turns ``train: false``."""
    msgs = []
    for m in d.messages:
        text, spans = strip_markers(m.content)
        entry = {"role": m.role, "content": text, "train": m.role == "assistant"}
        if m.role == "assistant" and spans:
            detail, pos = [], 0
            for s, e in spans:
                if s > pos:
                    detail.append({"begin_offset": pos, "end_offset": s - 1, "train": True})
                detail.append({"begin_offset": s, "end_offset": e - 1, "train": False})
                pos = e
            if pos < len(text):
                detail.append({"begin_offset": pos, "end_offset": len(text) - 1, "train": True})
            entry["train_detail"] = detail
        msgs.append(entry)
    return {"id": d.id, "messages": msgs}


AXOLOTL_YAML = """# Axolotl dataset entry for {file}
datasets:
  - path: {file}
    type: chat_template
    field_messages: messages
    message_field_training: train
    message_field_training_detail: train_detail
    roles_to_train: []
    train_on_eos: turn
"""


def export_axolotl(dialogues: Sequence[Dialogue], out: Path, name: str = "asktoact") -> Path:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    f = out / f"{name}_axolotl.jsonl"
    with open(f, "w", encoding="utf-8") as fh:
        for d in dialogues:
            fh.write(json.dumps(to_axolotl(d), ensure_ascii=False) + "\n")
    (out / f"{name}_axolotl.yaml").write_text(AXOLOTL_YAML.format(file=f.name))
    return f


def export_hf(dialogues: Sequence[Dialogue], out: Path, tokenized_rows=None) -> Path:
    """``datasets`` folders: the dialogues (clean messages + error spans), and the tokenised rows."""
    from datasets import Dataset

    out = Path(out)
    rows = []
    for d in dialogues:
        msgs, spans = [], []
        for i, m in enumerate(d.messages):
            text, sp = strip_markers(m.content)
            msgs.append({"role": m.role, "content": text})
            spans += [{"message": i, "start": s, "end": e} for s, e in sp]
        rows.append({"id": d.id, "messages": msgs, "error_spans": spans,
                     "error_type": d.error_type.value if d.error_type else None})
    Dataset.from_list(rows).save_to_disk(str(out / "dialogues"))
    if tokenized_rows is not None:
        Dataset.from_dict({"input_ids": [r.input_ids for r in tokenized_rows],
                           "attention_mask": [r.attention_mask for r in tokenized_rows],
                           "labels": [r.labels for r in tokenized_rows]}).save_to_disk(str(out / "tokenized"))
    return out
