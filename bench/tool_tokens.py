"""Tokens per dialogue with the tool list as full JSON vs the compact rendering (#14).

Most tokens of a clarification dialogue are the tool schemas in the first user turn; a
135M model with a short context window drowns in them. Builds each source in
../shared/data with the default pipeline (seed 0), renders every dialogue's first user turn
both ways with the SmolLM2 tokenizer, and reports median / p90 / max tokens of the whole
dialogue and the share that fits 1,024 and 2,048 tokens.

    python bench/tool_tokens.py [--out bench/results/tool_tokens.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path

SOURCES = [("bfcl", "bfcl"), ("acebench", "acebench"), ("sealtools", "toolbench_style/sealtool.json"),
           ("toolalpaca", "toolbench_style/toolalpaca.json")]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "tool_tokens.json"))
    a = ap.parse_args()
    from transformers import AutoTokenizer

    from asktoact.curate.stage import BuildConfig, run_build
    from asktoact.dialogues.stage import run_dialogues
    from asktoact.io import read_jsonl
    from asktoact.models.embedded import embedded_model_dir
    from asktoact.protocol import task_message
    from asktoact.schema import Dialogue, ICRecord

    tok = AutoTokenizer.from_pretrained(str(embedded_model_dir()))
    out: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, rel in SOURCES:
            b = run_build(BuildConfig(source=name, path=str(Path(a.shared) / rel), out=f"{tmp}/{name}/ic", similarity=False,
                                      exclude_eval_only=True))
            run_dialogues(b.records, Path(f"{tmp}/{name}/dlg"))
            recs = {r.id: r for r in read_jsonl(Path(f"{tmp}/{name}/dlg/records.jsonl"), ICRecord)}
            rows = {"json": [], "compact": []}
            for d in read_jsonl(Path(f"{tmp}/{name}/dlg/dialogues.jsonl"), Dialogue):
                r = recs[d.record_id]
                msgs = [{"role": m.role, "content": m.content} for m in d.messages]
                for style in rows:
                    first = next(i for i, m in enumerate(msgs) if m["role"] == "user")
                    msgs[first] = {"role": "user", "content": task_message(r.unspecified_query, r.tools, r.context, style)}
                    rows[style].append(len(tok(tok.apply_chat_template(msgs, tokenize=False), add_special_tokens=False)["input_ids"]))
            out[name] = {}
            for style, xs in rows.items():
                xs.sort()
                out[name][style] = {"dialogues": len(xs), "median": statistics.median(xs),
                                    "p90": xs[int(0.9 * (len(xs) - 1))], "max": xs[-1],
                                    "fit_1024": round(sum(x <= 1024 for x in xs) / len(xs), 3),
                                    "fit_2048": round(sum(x <= 2048 for x in xs) / len(xs), 3)}
            j, c = out[name]["json"], out[name]["compact"]
            print(f"{name:11s} n={j['dialogues']:5d}  median {j['median']:6.0f} -> {c['median']:6.0f}  "
                  f"p90 {j['p90']:6d} -> {c['p90']:6d}  fit@1024 {j['fit_1024']:.3f} -> {c['fit_1024']:.3f}  "
                  f"fit@2048 {j['fit_2048']:.3f} -> {c['fit_2048']:.3f}")
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
