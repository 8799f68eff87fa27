"""End to end with the oracle simulator: reference agents, resume, failures, a real small model."""

import json

import pytest

from asktoact.curate.stage import BuildConfig, run_build
from asktoact.evaluate.runner import EvalConfig, load_records
from asktoact.evaluate.simulators import Matcher, SimState, judge
from asktoact.evaluate.personas import PERSONAS
from asktoact.evaluate.stage import run_eval
from asktoact.schema import ErrorType


@pytest.fixture(scope="module")
def records(tmp_path_factory):
    from conftest import need_shared

    out = tmp_path_factory.mktemp("ic")
    run_build(BuildConfig(source="sealtools", path=str(need_shared("toolbench_style", "sealtool.json")), out=str(out),
                          seed=0, similarity=False, level_weights={0: 0, 1: 1, 2: 1, 3: 1}))
    return out / "ic_records.jsonl"


def _run(records, tmp_path, model, name, **kw):
    cfg = EvalConfig(**{"concurrency": 8, **kw})
    return run_eval(records, model, "oracle", tmp_path / name, cfg, cache=False)


def test_reference_agents(records, tmp_path):
    perfect = _run(records, tmp_path, "script:perfect", "p")
    for c in ("ICR", "CE", "CPS", "SCR", "TSS", "PRS"):
        assert perfect["mean"][c] == 100.0, (c, perfect["mean"])
    guess = _run(records, tmp_path, "script:guess", "g")
    assert guess["mean"]["ICR"] == 0.0 and guess["mean"]["IR"] == 0.0 and guess["mean"]["PRS"] < 100
    repeat = _run(records, tmp_path, "script:repeat", "r", max_rounds=40)
    assert repeat["mean"]["ICR"] == 100.0 and repeat["mean"]["CE"] == pytest.approx(50.0, abs=1.0)
    assert repeat["error_rates"]["redundant"] == pytest.approx(50.0, abs=1.0)
    for d in ("p", "g", "r"):
        for f in ("transcripts.jsonl", "summary.json", "table.md", "table.csv", "breakdown.png"):
            assert (tmp_path / d / f).exists()


def test_resume_is_by_record_and_trial(records, tmp_path):
    s1 = _run(records, tmp_path, "script:perfect", "x", limit=30, trials=2)
    path = tmp_path / "x" / "transcripts.jsonl"
    lines = path.read_text().splitlines()
    assert len(lines) == 60
    # interrupt: drop 10 transcripts and tear the last line
    path.write_text("\n".join(lines[:50]) + "\n" + lines[50][:40])
    s2 = _run(records, tmp_path, "script:perfect", "x", limit=30, trials=2)
    keys = [(json.loads(l)["record_id"], json.loads(l)["trial"]) for l in path.read_text().splitlines()]
    assert len(keys) == len(set(keys)) == 60
    assert s2["mean"] == s1["mean"]


def test_trial_seeds_reach_the_simulator(records, tmp_path):
    _run(records, tmp_path, "script:perfect", "t", limit=40, trials=2)
    rows = [json.loads(l) for l in (tmp_path / "t" / "transcripts.jsonl").read_text().splitlines()]
    by = {(r["record_id"], r["trial"]): r for r in rows}
    assert any(by[(rid, 0)]["persona"] != by[(rid, 1)]["persona"] for rid, _ in by if (rid, 1) in by)
    assert len({r["persona"] for r in rows}) == 6


def test_model_errors_end_one_dialogue_only(records, tmp_path):
    from asktoact.testing.fake_server import FakeOpenAI

    def reply(msgs, body):
        return "[QUESTION] Which one?"

    with FakeOpenAI(reply) as srv:
        cfg = EvalConfig(limit=6, max_rounds=2, concurrency=3)
        summ = run_eval(records, f"openai:m@{srv.url}?retries=0&backoff=0.01", "oracle", tmp_path / "e", cfg, cache=False)
    assert summ["terminations"] == {"max_rounds": 6}
    with FakeOpenAI(lambda m, b: "") as srv:
        srv.fail_all = 503
        cfg = EvalConfig(limit=4, max_rounds=2)
        summ = run_eval(records, f"openai:m@{srv.url}?retries=1&backoff=0.01", "oracle",
                        tmp_path / "f", cfg, cache=False)
    # failures are not results: counted apart, never scored as 0 (issue #15)
    assert summ["failed"] == 4 and summ["failed_by"] == {"model_error": 4} and summ["n"] == 0
    assert summ["terminations"] == {} and summ["mean"]["SCR"] != summ["mean"]["SCR"]  # nan: nothing scored


def test_oracle_judgements(records):
    recs = load_records(records, 200)
    rec = next(r for r in recs if r.n_unspecified >= 1 and any(not a.removed and a.located for c in r.key_info for a in c.arguments.values()))
    import random

    state = SimState(rec, PERSONAS["cold"], random.Random(0))
    removed = next(p for p in state.params if p.removed)
    kept = next(p for p in state.params if not p.removed)
    m = Matcher()
    j = judge(f"What {removed.name.replace('_', ' ')} do you want?", state, m)
    assert j.clarified == [removed.key] and j.error is None
    state.clarified.update(j.clarified)
    assert judge(f"What {removed.name.replace('_', ' ')} do you want?", state, m).error == ErrorType.redundant
    assert judge(f"What {kept.name.replace('_', ' ')} do you want?", state, m).error == ErrorType.clearly_stated
    assert judge("Would you like me to remind you about this tomorrow?", state, m).error == ErrorType.irrelevant


@pytest.mark.slow
def test_embedded_model_against_oracle(records, tmp_path):
    pytest.importorskip("transformers")
    summ = run_eval(records, "embedded", "oracle", tmp_path / "emb",
                    EvalConfig(limit=4, max_rounds=2, max_tokens=40, concurrency=4), cache=False)
    assert summ["n_queries"] == 4 and sum(summ["terminations"].values()) == 4
    assert (tmp_path / "emb" / "table.md").read_text().startswith("| model |")
