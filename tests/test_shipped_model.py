"""The trained model asktoact ships (``embedded:asktoact``): small, documented, never trained
on its held-out records, and it asks for a missing value instead of guessing (a real generation)."""

import json
from pathlib import Path

import pytest

pytest.importorskip("transformers")
pytest.importorskip("peft")


def test_shipped_adapter_is_small_documented_and_kept_apart_from_its_held_out_records():
    from asktoact.models.embedded import shipped_adapter_dir

    d = shipped_adapter_dir()
    assert sum(f.stat().st_size for f in d.iterdir()) <= 15 * 2**20
    cfg = json.loads((d / "adapter_config.json").read_text())
    assert cfg["peft_type"] == "LORA" and cfg["r"] == 16
    card = (d / "README.md").read_text()
    for must in ("configs/smollm2-asktoact-cpu.yaml", "Seed", "Commit", "Licence", "held-out", "ASK", "ACT", "CPS", "PRS"):
        assert must in card, must
    trained = set((d / "trained_ids.txt").read_text().split())
    held = set((d / "heldout_ids.txt").read_text().split())
    assert len(held) >= 100 and len(trained) > 1000 and not trained & held


def test_shipped_variant_specs():
    from asktoact.models import load_model
    from asktoact.models.spec import parse_spec

    assert parse_spec("embedded:asktoact").target == "asktoact"
    with pytest.raises(ValueError, match="unknown embedded variant"):
        parse_spec("embedded:asktoact2")
    with pytest.raises(ValueError, match="already is an adapter"):
        load_model(f"embedded:asktoact?adapter={Path(__file__).parent}", cache=False)


@pytest.mark.slow
def test_shipped_model_asks_on_a_held_out_record(tmp_path, shared):
    """simple_python_54 is the first held-out simple_python record with something missing."""
    from asktoact.curate.stage import BuildConfig, run_build
    from asktoact.evaluate.runner import EvalConfig
    from asktoact.evaluate.stage import run_eval
    from asktoact.io import dump_line, read_jsonl
    from asktoact.models.embedded import shipped_adapter_dir
    from asktoact.schema import ICRecord

    rid = "simple_python_54"
    assert rid in (shipped_adapter_dir() / "heldout_ids.txt").read_text().split()
    src = tmp_path / "bfcl"
    (src / "possible_answer").mkdir(parents=True)
    for sub in ("", "possible_answer/"):
        (src / f"{sub}BFCL_v4_simple_python.json").symlink_to(shared("bfcl", f"{sub}BFCL_v4_simple_python.json"))
    res = run_build(BuildConfig(source="bfcl", path=str(src), out=str(tmp_path / "ic"), seed=0, similarity=False,
                                limit=60))
    rec = next(r for r in read_jsonl(res.records, ICRecord) if r.id == rid)
    assert rec.level > 0
    (tmp_path / "one.jsonl").write_text(dump_line(rec))
    cfg = EvalConfig(max_rounds=1, max_tokens=40, format="native", tool_style="compact", seed=0)
    summ = run_eval(tmp_path / "one.jsonl", "embedded:asktoact", "oracle", tmp_path / "eval", cfg, cache=False)
    assert summ["failed"] == 0
    t = json.loads((tmp_path / "eval" / "transcripts.jsonl").read_text().splitlines()[0])
    first = t["turns"][0]
    assert first["kind"] == "question", first  # it asks before any call
    assert "?" in first["assistant"] and "<tool_call>" not in first["assistant"]
