"""`asktoact split`: seeded, by group, stratified, recorded, stable."""

import json

from typer.testing import CliRunner

from asktoact.cli import app
from asktoact.curate.split import assign, group_of
from asktoact.io import read_jsonl
from asktoact.schema import ICRecord


def test_split_keeps_conversations_together_and_is_stable(tmp_path, shared):
    ic = tmp_path / "ic"
    r = CliRunner().invoke(app, ["build", "bfcl", str(shared("bfcl", "BFCL_v4_multi_turn_base.json")), "-o", str(ic),
                                 "--no-similarity", "--limit", "150"])
    assert r.exit_code == 0, r.output
    recs = list(read_jsonl(ic / "ic_records.jsonl", ICRecord))
    side = assign(recs, share=0.2, seed=1)
    by_group: dict[str, set[str]] = {}
    for x in recs:
        by_group.setdefault(group_of(x), set()).add(side[x.id])
    assert len(by_group) < len(recs)  # multi-turn turns do share groups
    assert all(len(v) == 1 for v in by_group.values())  # one conversation, one side
    held = sum(v == "heldout" for v in side.values())
    assert 0.1 * len(recs) <= held <= 0.35 * len(recs)
    assert assign(list(reversed(recs)), share=0.2, seed=1) == side  # order does not matter
    assert assign(recs, share=0.2, seed=2) != side


def test_split_command_writes_both_sides_and_records_ids(tmp_path, shared):
    ic = tmp_path / "ic"
    CliRunner().invoke(app, ["build", "sealtools", str(shared("toolbench_style", "sealtool.json")), "-o", str(ic),
                             "--no-similarity", "--limit", "120"])
    r = CliRunner().invoke(app, ["split", str(ic / "ic_records.jsonl"), "-o", str(tmp_path / "s"), "--holdout", "0.25"])
    assert r.exit_code == 0, r.output
    train = [x.id for x in read_jsonl(tmp_path / "s" / "train.jsonl", ICRecord)]
    held = [x.id for x in read_jsonl(tmp_path / "s" / "heldout.jsonl", ICRecord)]
    meta = json.loads((tmp_path / "s" / "heldout.jsonl.meta.json").read_text())
    assert sorted(held) == meta["counts"]["heldout_ids"] and not set(train) & set(held)
    kept = len((ic / "ic_records.jsonl").read_text().splitlines())  # 120 built, minus QC rejects (ungrounded, unaskable)
    assert len(train) + len(held) == meta["counts"]["records_in"] == kept > 90
    kinds = {k.split("/")[1] for k, v in meta["counts"]["by_stratum"].items() if v.get("heldout")}
    assert kinds == {"ask", "act"}  # both kinds of query are held out
    r2 = CliRunner().invoke(app, ["split", str(ic / "ic_records.jsonl"), "-o", str(tmp_path / "s2"), "--holdout", "0.25"])
    assert r2.exit_code == 0, r2.output
    assert (tmp_path / "s2" / "heldout.jsonl").read_bytes() == (tmp_path / "s" / "heldout.jsonl").read_bytes()
