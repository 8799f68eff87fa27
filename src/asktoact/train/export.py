"""Exports for users of other trainers: LLaMA-Factory, Axolotl, plain HF datasets.

Native dialogues export natively: LLaMA-Factory sharegpt with ``tools`` / ``function_call`` /
``observation`` turns, Axolotl ``chat_template`` rows with ``tools`` and ``tool_calls`` (a
premature call is a ``train: false`` message), and parquet files with a dataset card.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

from ..protocol import strip_markers
from ..schema import Dialogue

ROLE_SHAREGPT = {"user": "human", "assistant": "gpt", "system": "system", "tool": "observation"}

# licences of the corpora our loaders read (the source field of a dialogue)
LICENCES = {"bfcl": "Apache-2.0", "acebench": "MIT", "sealtools": "Apache-2.0", "toolalpaca": "Apache-2.0",
            "apibank": "Apache-2.0 (Hammer); MIT (API-Bank)", "taskbench": "MIT", "xlam": "CC-BY-4.0",
            "toolbench": "Apache-2.0", "openai_jsonl": "as the input file"}


class ExportReject(ValueError):
    """A dialogue the target format cannot express faithfully (it is left out, with the reason)."""


def _calls_value(calls) -> str:
    items = [{"name": c.name, "arguments": c.arguments} for c in calls]
    return json.dumps(items[0] if len(items) == 1 else items, ensure_ascii=False)


def to_sharegpt_native(d: Dialogue, keep_markers: bool = True) -> dict:
    """LLaMA-Factory's sharegpt with tools: calls are ``function_call`` turns (a list for
    parallel calls), tool outputs ``observation`` turns, the tools a JSON string beside them."""
    from ..native import openai_tools

    system = next((m.content for m in d.messages if m.role == "system"), "")
    conv = []
    for i, m in enumerate(d.messages):
        if m.role == "system":
            continue
        text = m.content if keep_markers else strip_markers(m.content)[0]
        if m.tool_calls:
            if text.strip():
                raise ExportReject(f"message {i}: text and calls in one turn; sharegpt has no such turn")
            conv.append({"from": "function_call", "value": _calls_value(m.tool_calls)})
        else:
            conv.append({"from": ROLE_SHAREGPT[m.role], "value": text})
    return {"id": d.id, "system": system, "tools": json.dumps(openai_tools(d.tools), ensure_ascii=False),
            "conversations": conv}


def to_sharegpt(d: Dialogue, keep_markers: bool = True) -> dict:
    system = next((m.content for m in d.messages if m.role == "system"), "")
    conv = []
    for m in d.messages:
        if m.role == "system":
            continue
        text = m.content if keep_markers else strip_markers(m.content)[0]
        conv.append({"from": ROLE_SHAREGPT[m.role], "value": text})
    return {"id": d.id, "system": system, "conversations": conv}


def export_llamafactory(dialogues: Sequence[Dialogue], out: Path, name: str = "asktoact", tokenized_rows=None,
                        rejects: list | None = None) -> Path:
    """sharegpt JSON (markers kept, for the paper's fork) + dataset_info entry; with
    ``tokenized_rows`` also a saved dataset for stock LLaMA-Factory's ``tokenized_path``
    that carries our labels (error spans already masked). Native dialogues get ``tools``,
    ``function_call`` and ``observation``; those sharegpt cannot hold go to ``rejects``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    items, native = [], any(d.format == "native" for d in dialogues)
    for d in dialogues:
        try:
            items.append(to_sharegpt_native(d) if d.format == "native" else to_sharegpt(d))
        except ExportReject as e:
            if rejects is not None:
                rejects.append((d.id, str(e)))
    (out / f"{name}.json").write_text(json.dumps(items, ensure_ascii=False, indent=1))
    columns = {"messages": "conversations", "system": "system", **({"tools": "tools"} if native else {})}
    tags = {"role_tag": "from", "content_tag": "value", "user_tag": "human", "assistant_tag": "gpt", "system_tag": "system",
            **({"observation_tag": "observation", "function_tag": "function_call"} if native else {})}
    info = {name: {"file_name": f"{name}.json", "formatting": "sharegpt", "columns": columns, "tags": tags}}
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
    end offsets), with ``train: false`` on error spans; other turns ``train: false``. Native
    dialogues keep ``tool_calls`` / tool messages and the ``tools`` beside them; a premature
    call (an error span over a whole ``tool_calls`` turn) is ``train: false``."""
    from ..native import message_dicts, openai_tools

    whole = {e.message for e in d.error_spans if e.start == e.end == 0 and d.messages[e.message].tool_calls}
    native = message_dicts(d.messages) if d.format == "native" else None
    msgs = []
    for i, m in enumerate(d.messages):
        text, spans = strip_markers(m.content)
        entry = {"role": m.role, "content": text, "train": m.role == "assistant" and i not in whole}
        if native is not None:
            entry.update({k: v for k, v in native[i].items() if k not in ("role", "content")})
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
    out = {"id": d.id, "messages": msgs}
    if d.format == "native":
        out["tools"] = openai_tools(d.tools)
    return out


AXOLOTL_YAML = """# Axolotl dataset entry for {file}
datasets:
  - path: {file}
    type: chat_template
    field_messages: messages
    message_field_training: train
    message_field_training_detail: train_detail
    roles_to_train: []
    train_on_eos: turn
{tools}"""


def export_axolotl(dialogues: Sequence[Dialogue], out: Path, name: str = "asktoact") -> Path:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    f = out / f"{name}_axolotl.jsonl"
    with open(f, "w", encoding="utf-8") as fh:
        for d in dialogues:
            fh.write(json.dumps(to_axolotl(d), ensure_ascii=False) + "\n")
    tools = "    field_tools: tools\n" if any(d.format == "native" for d in dialogues) else ""
    (out / f"{name}_axolotl.yaml").write_text(AXOLOTL_YAML.format(file=f.name, tools=tools))
    return f


def hf_rows(dialogues: Sequence[Dialogue]) -> list[dict]:
    """Clean messages (markers out), error spans by message and offsets, tools (JSON) beside them."""
    from ..native import message_dicts, openai_tools

    rows = []
    for d in dialogues:
        spans = []
        clean = []
        for i, m in enumerate(d.messages):
            text, sp = strip_markers(m.content)
            clean.append(m.model_copy(update={"content": text}))
            spans += [{"message": i, "start": s, "end": e} for s, e in sp]
        spans += [{"message": e.message, "start": 0, "end": 0} for e in d.error_spans
                  if e.start == e.end == 0 and d.messages[e.message].tool_calls]
        msgs = [{"role": m["role"], "content": m["content"],
                 "tool_calls": json.dumps(m["tool_calls"], ensure_ascii=False) if m.get("tool_calls") else None}
                for m in message_dicts(clean)]
        rows.append({"id": d.id, "record_id": d.record_id, "source": d.source, "format": d.format,
                     "tools": json.dumps(openai_tools(d.tools), ensure_ascii=False) if d.tools else None,
                     "messages": msgs, "error_spans": spans,
                     "error_type": d.error_type.value if d.error_type else None, "seed": d.seed})
    return rows


def dataset_card(dialogues: Sequence[Dialogue], source_file: str | None, config: dict | None) -> str:
    """README.md for the Hub: sources with their licences, seed, counts, files, and the
    meaning of the error spans."""
    from collections import Counter

    sources = Counter(d.source for d in dialogues)
    formats = Counter(d.format for d in dialogues)
    errors = Counter(d.error_type.value if d.error_type else "none" for d in dialogues)
    seeds = sorted({d.seed for d in dialogues})
    lic = sorted({LICENCES.get(s.split("_")[0], "see the source") for s in sources})
    front = ["---", "license: other", "license_details: " + json.dumps("; ".join(lic)), "tags: [tool-calling, clarification, asktoact]",
             "configs:", "  - config_name: default", "    data_files:", "      - split: train", "        path: dialogues.parquet",
             "---", ""]
    lines = ["# ASKToACT clarification dialogues", "",
             "Dialogues in which an assistant asks the user for the values a tool call needs before it calls, "
             "made by asktoact from public tool-calling corpora.", "",
             "## Sources and licences", "", "| source | dialogues | licence |", "|---|---:|---|"]
    lines += [f"| {s} | {n} | {LICENCES.get(s.split('_')[0], 'see the source')} |" for s, n in sorted(sources.items())]
    lines += ["", "Every dialogue inherits the licence of the corpus its record came from.", "",
              "## How it was made", "", f"- input: `{source_file}`" if source_file else "- input: (not recorded)",
              f"- seed: {config.get('seed') if config and 'seed' in config else ', '.join(map(str, seeds[:5]))}",
              f"- stage settings: `{json.dumps(config, sort_keys=True, default=str)}`" if config else "",
              "", "## Counts", "", f"- dialogues: {len(dialogues)}",
              "- formats: " + ", ".join(f"{k} {v}" for k, v in sorted(formats.items())),
              "- error types: " + ", ".join(f"{k} {v}" for k, v in sorted(errors.items())), "",
              "## Fields", "",
              "- `messages`: role, content, `tool_calls` (JSON, native format); `tools`: the OpenAI `tools=` list (native).",
              "- `error_spans`: `{message, start, end}` character offsets in a message's content that must not be "
              "learned (the injected error; its correction is learned). `start = end = 0` on a `tool_calls` message: the "
              "whole turn is the error (a premature call).",
              "- `tokenized.parquet` (if present): `input_ids` / `labels` with those spans masked (-100)."]
    return "\n".join(front + [x for x in lines if x is not None]) + "\n"


def export_hf(dialogues: Sequence[Dialogue], out: Path, tokenized_rows=None, source: str | None = None) -> Path:
    """Parquet files (the dialogues, and the tokenised rows with our labels) and a dataset
    card, ready for ``datasets.load_dataset(out)`` or a Hub upload."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(hf_rows(dialogues)), out / "dialogues.parquet")
    if tokenized_rows is not None:
        pq.write_table(pa.Table.from_pylist([{"id": r.id, "input_ids": r.input_ids, "attention_mask": r.attention_mask,
                                              "labels": r.labels} for r in tokenized_rows]), out / "tokenized.parquet")
    config = None
    if source:
        side = Path(str(source) + ".meta.json")
        if side.exists():
            config = json.loads(side.read_text()).get("config")
    (out / "README.md").write_text(dataset_card(dialogues, source, config))
    return out
