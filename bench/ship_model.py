"""Package a trained adapter as the model asktoact ships (``embedded:asktoact``).

Copies the adapter's config, its weights in float16 (half the bytes; they load into the fp32
base as usual), the ids of every record the training set drew on and of the held-out split,
and writes the model card (data, sources and licences, config, seed, commit, loss curve and
the figures of the evaluation runs given).

    python bench/ship_model.py --adapter runs/r14/lora512 --split runs/r14/split \\
        --eval runs/r14/eval/heldout_base runs/r14/eval/heldout_trained ... \\
        [--out src/asktoact/resources/asktoact-smollm2]
"""

from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import Path

# as ../shared/data/README.md states them (the LICENSE file in each folder)
LICENCES = {"bfcl": "Apache-2.0 (Berkeley Function Calling Leaderboard v4, PyPI bfcl-eval)",
            "acebench": "MIT (ACEBench, normal_* categories)",
            "sealtools": "Apache-2.0 (Seal-Tools test set, as normalised in the Hammer repository)",
            "toolalpaca": "Apache-2.0 (ToolAlpaca test set, as normalised in the Hammer repository)",
            "taskbench": "MIT (TaskBench)", "apibank": "Apache-2.0 (Hammer); upstream API-Bank MIT"}
COLS = ("n", "ICR", "CE", "CPS", "IR", "SCR", "TSS", "PRS", "ASK", "ACT")


def _row(run: Path) -> dict:
    s = json.loads((run / "summary.json").read_text())
    m = s.get("mean", {})
    return {"run": run.name, "model": s.get("model", run.name), "n": s.get("n_queries"),
            **{k: m.get(k) for k in COLS[1:]}, "failed": s.get("failed", 0)}


def card(adapter: Path, split: Path, evals: list[Path], commit: str, weights_mb: float, ground: bool = False,
         decoding: dict | None = None, max_prompt: int = 1024) -> str:
    summ = json.loads((adapter / "asktoact_train.json").read_text())
    c = summ["config"]
    meta = json.loads((split / "train.jsonl.meta.json").read_text())
    sources = sorted({Path(p).parts[-3] for p in meta["config"]["inputs"]})
    hist = [h for h in summ.get("history", []) if "loss" in h]
    lines = [
        "# asktoact-smollm2: SmolLM2-135M-Instruct that asks before it acts",
        "",
        "A LoRA adapter of the embedded base model (SmolLM2-135M-Instruct), trained by asktoact on its own",
        "curated clarification dialogues in the native tool-calling format (`tools=` + assistant",
        "`tool_calls`; a clarifying question is plain assistant text). Load it with the spec",
        "`embedded:asktoact`; `embedded` stays the base model. Evaluate it with `--format native",
        "--tool-style compact`, the format it was trained in.",
        *(["",
           "It writes one line before each move (`Known: weight = 85. Missing: height.`, dialogues built with",
           "`--reasoning --reasoning-style compact`). `decoding.json` turns on decode-time grounding: a value the",
           "line states that nothing in the conversation supports (the user's words, a profile, a documented",
           "default, an earlier output) is moved to `Missing` and the model continues from the corrected line",
           "(`asktoact.models.grounding`). `embedded:asktoact?ground=0` decodes without it.",
           *([f"Shipped decoding settings: `{json.dumps(decoding, sort_keys=True)}` (`probe`: each value the line calls"
              " missing is asked of the model and kept only if the user's words hold it; `loop_guard`: a pattern"
              " repeated over that many tokens is cut). Any of them can be overridden in the spec"
              " (`embedded:asktoact?probe=0`)."] if decoding else [])] if ground else []),
        "",
        "## Training",
        f"- Recipe: `asktoact train configs/smollm2-asktoact-cpu.yaml` (method {c['method']}, rank {c['lora_r']},"
        f" alpha {c['lora_alpha']}, {c['lora_target']}, lr {c['learning_rate']}, {c['lr_scheduler']}, warm-up"
        f" {c['warmup_ratio']}, {c['max_steps']} steps of {c['effective_batch_size']} rows, max length"
        f" {c['max_len']}, tool style {c['tool_style']}, {c['precision']} on CPU).",
        f"- Seed: {c['seed']} (curation, split, dialogues, augmentation and training all use seed 0).",
        f"- Commit: {commit}.",
        f"- Rows: {summ['prep']['rows']} of {summ['prep']['dialogues']} dialogues fit {c['max_len']} tokens"
        f" ({summ['prep']['dropped_too_long']} longer ones were left out, counted); {summ.get('global_steps', '?')}"
        f" steps drew {c['max_steps'] * c['effective_batch_size']} rows. Wall time"
        f" {summ.get('train_runtime_s', summ.get('runtime_s', '?'))} s.",
        *([f"- Balanced by first move (act_share {fm['act_share']}): of {fm['ask_before']} rows that ask first and"
           f" {fm['act_before']} that call at once, {fm['ask']} and {fm['act']} were kept ({fm['dropped']} dropped, seeded)."]
          if isinstance(fm := summ.get("first_moves"), dict) and "act_share" in fm else []),
        "- Loss (step: loss): " + ", ".join(f"{h['step']}: {h['loss']:.3f}" for h in hist),
        f"- Weights: {weights_mb:.1f} MB (float16).",
        "",
        "## Data, sources and licences",
        "Built from the corpora in `../shared/data` with `asktoact build` (Algorithm 1 + rewrite + QC),",
        f"split by `asktoact split --holdout-n {meta['config']['n']} --seed {meta['config']['seed']}`"
        " (a conversation's turns stay together), then `dialogues --format native` and `augment --format native`"
        " (30% with one of the five error types, errors masked from the loss). BFCL `live_*` and",
        "`multi_turn_miss_param` and all of API-Bank are evaluation-only and never trained on.",
        "",
        "| source | licence |", "|---|---|",
        *[f"| {s} | {LICENCES.get(s, 'see the source')} |" for s in sources],
        "",
        "`trained_ids.txt` lists every record of the training split; `heldout_ids.txt` the held-out records"
        " (never trained on). Licence of this adapter: Apache-2.0, like the base model.",
        "",
        "## Figures",
        "Oracle simulator, native format, compact tools, at most 5 questions, greedy",
        f"decoding. In-domain: the held-out records whose opening prompt fits {max_prompt:,} tokens; API-Bank: a seeded",
        "sample (see docs/results.md).",
        "ASK: share of queries with something missing where the model asks before any call; ACT: share of",
        "fully specified queries where it calls at once.",
        "",
        "| run | model | " + " | ".join(COLS) + " | failed |",
        "|---|---|" + "---:|" * (len(COLS) + 1),
    ]
    for r in map(_row, evals):
        vals = [r[k] for k in COLS] + [r["failed"]]
        lines.append(f"| {r['run']} | {r['model']} | " + " | ".join("" if v is None else (f"{v:.1f}" if isinstance(v, float) else str(v)) for v in vals) + " |")
    lines += ["", "Details, failure modes and what would close the gap: `docs/results.md` of the asktoact repository."]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--adapter", required=True, type=Path)
    ap.add_argument("--split", required=True, type=Path)
    ap.add_argument("--eval", nargs="*", type=Path, default=[])
    ap.add_argument("--commit", default=None, help="the commit the adapter was trained at (default: HEAD)")
    ap.add_argument("--ground", action="store_true", help="decode with the stated values checked (writes decoding.json)")
    ap.add_argument("--probe", action="store_true", help="with --ground: probe each value called missing (decoding.json)")
    ap.add_argument("--loop-guard", type=int, default=0, help="tokens a short pattern may repeat over (decoding.json; 0: off)")
    ap.add_argument("--max-prompt", type=int, default=1024, help="the prompt-length cut of the in-domain evaluation (card text)")
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "src/asktoact/resources/asktoact-smollm2")
    a = ap.parse_args()
    from safetensors.torch import load_file, save_file

    a.out.mkdir(parents=True, exist_ok=True)
    cfg = json.loads((a.adapter / "adapter_config.json").read_text())
    cfg["base_model_name_or_path"] = "embedded"  # resolved by asktoact, not a hub id
    (a.out / "adapter_config.json").write_text(json.dumps(cfg, indent=2, sort_keys=True) + "\n")
    w = {k: v.half().contiguous() for k, v in load_file(str(a.adapter / "adapter_model.safetensors")).items()}
    save_file(w, str(a.out / "adapter_model.safetensors"))
    ids = lambda f: sorted(json.loads(x)["id"] for x in (a.split / f).read_text().splitlines() if x.strip())  # noqa: E731
    (a.out / "trained_ids.txt").write_text("\n".join(ids("train.jsonl")) + "\n")
    (a.out / "heldout_ids.txt").write_text("\n".join(ids("heldout.jsonl")) + "\n")
    commit = a.commit or subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=Path(__file__).parent).stdout.strip() or "unknown"
    mb = (a.out / "adapter_model.safetensors").stat().st_size / 2**20
    dec = {"ground": a.ground, **({"probe": True} if a.probe else {}), **({"loop_guard": a.loop_guard} if a.loop_guard else {})}
    (a.out / "decoding.json").write_text(json.dumps(dec) + "\n")
    (a.out / "README.md").write_text(card(a.adapter, a.split, a.eval, commit, mb, a.ground, dec, a.max_prompt))
    print(f"wrote {a.out} ({mb:.1f} MB of weights)")


if __name__ == "__main__":
    main()
