"""Error-correction data as in the paper (§2.2.1, App. D): type first, records that allow it,
questions in the user's words, varied wording; and the audit that measures all of it."""

import json
import random
import re

import pytest
from typer.testing import CliRunner

from asktoact.augment.inject import PAPER_MIX, feasible_types, normalise_mix, plan_types, quotas
from asktoact.augment.stage import run_augment
from asktoact.cli import app
from asktoact.curate.stage import BuildConfig, run_build
from asktoact.dialogues.assemble import slots_of
from asktoact.dialogues.check import check_dialogue
from asktoact.dialogues.content import (CANNOT_ANSWER, IRRELEVANT_TEMPLATES, QUESTION_TEMPLATES, TONES,
                                        VAGUE_TEMPLATES, activity, irrelevant_question)
from asktoact.dialogues.stage import run_dialogues
from asktoact.io import read_jsonl
from asktoact.report.audit import collect_texts, leak_figures, load_runs, run_audit, template_figures
from asktoact.schema import Dialogue, ErrorType, ICRecord

T = ErrorType


# ------------------------------------------------------------------ plan (pure)


def _cands(n_level0=600, n_one=250, n_multi=150):
    """Synthetic population: level-0 records allow types 1 and 3; records with something to
    ask allow all five (type 1 only when a value is also stated)."""
    out = [(f"z{i}", [T.clearly_stated, T.irrelevant]) for i in range(n_level0)]
    out += [(f"o{i}", [T.imprecise, T.irrelevant, T.redundant, T.incomplete]) for i in range(n_one)]
    out += [(f"m{i}", list(T)) for i in range(n_multi)]
    return out


def test_quotas_follow_the_paper_mix():
    q = quotas(1000, normalise_mix(None))
    assert sum(q.values()) == 1000
    total = sum(PAPER_MIX.values())
    for t, v in PAPER_MIX.items():
        assert abs(q[t] - 1000 * v / total) < 1
    assert normalise_mix({T.redundant: 1})[T.redundant] == 1.0 and normalise_mix({T.redundant: 1})[T.imprecise] == 0.0
    with pytest.raises(ValueError):
        normalise_mix({T.redundant: 0})


def test_type_first_then_a_record_that_allows_it():
    cands = _cands()
    allowed = dict(cands)
    plan = plan_types(cands, 300, seed=0)
    assert len(plan.assigned) == 300 and not plan.unplaced
    for rid, t in plan.assigned.items():
        assert t in allowed[rid]
    got = {t: sum(1 for x in plan.assigned.values() if x == t) for t in T}
    for t, share in normalise_mix(None).items():
        assert abs(100 * got[t] / 300 - 100 * share) <= 1
    # structural types never land on records with nothing to ask; level-0 records get only
    # their fair part of types 1 and 3 (uniform draw among the records that allow a type)
    lvl0 = [rid for rid, t in plan.assigned.items() if rid.startswith("z")]
    assert all(plan.assigned[r] in (T.clearly_stated, T.irrelevant) for r in lvl0)
    assert len(lvl0) < 0.3 * 300
    irr = [rid for rid, t in plan.assigned.items() if t == T.irrelevant]
    assert plan.strategy == "interleaved" and 0.4 < sum(r.startswith("z") for r in irr) / len(irr) < 0.8  # population: 0.6


def test_plan_is_seeded_and_independent_of_input_order():
    cands = _cands()
    a = plan_types(cands, 200, seed=4).assigned
    shuffled = cands[:]
    random.Random(9).shuffle(shuffled)
    assert plan_types(shuffled, 200, seed=4).assigned == a
    assert plan_types(cands, 200, seed=5).assigned != a


def test_no_substitution_when_a_type_cannot_be_placed():
    cands = _cands(n_level0=500, n_one=20, n_multi=0)  # almost nothing to ask
    plan = plan_types(cands, 400, seed=0)
    assert plan.unplaced and plan.strategy == "scarcest-first, reduced"  # counted ...
    got = {t: sum(1 for x in plan.assigned.values() if x == t) for t in T}
    assert sum(plan.unplaced.values()) + len(plan.assigned) == 400
    n = len(plan.assigned)
    for t, share in normalise_mix(None).items():  # ... and the written mix is still the configured one
        assert abs(100 * got[t] / n - 100 * share) <= 3
    only = plan_types(cands, 50, seed=0, weights={T.redundant: 1})
    assert set(only.assigned.values()) == {T.redundant} and len(only.assigned) == 20 and only.unplaced == {"redundant": 30}


# ------------------------------------------------------------ on real builds


@pytest.fixture(scope="module")
def bfcl_run(tmp_path_factory):
    from conftest import need_shared

    root = tmp_path_factory.mktemp("bfcl")
    res = run_build(BuildConfig(source="bfcl", path=str(need_shared("bfcl")), out=str(root / "b"), seed=0,
                                similarity=False, exclude_eval_only=True))
    run_dialogues(res.records, root / "d", seed=0)
    st = run_augment(root / "d", root / "a", share=0.3, seed=0)
    return root, st


def test_bfcl_mix_within_three_points_and_placement(bfcl_run):
    root, st = bfcl_run
    assert st.rejected == 0 and not st.unplaced
    measured = st.measured_mix()
    for t, share in normalise_mix(None).items():
        assert abs(100 * measured[t.value] - 100 * share) <= 3, (t, measured)
    recs = {r.id: r for r in read_jsonl(root / "d" / "records.jsonl", ICRecord)}
    clean = {d.id: d for d in read_jsonl(root / "d" / "dialogues.jsonl", Dialogue)}
    n0 = 0
    for a in read_jsonl(root / "a" / "augmented.jsonl", Dialogue):
        r = recs[a.record_id]
        assert a.error_type in feasible_types(r, slots_of(r, clean[a.record_id].questions))
        assert check_dialogue(a) == []
        n0 += r.level == 0
        if a.error_type in (T.imprecise, T.redundant, T.incomplete):
            assert r.level > 0
    assert n0 / st.augmented < 0.31  # at most types 1 and 3 sit on level-0 records (was 50%)


def test_questions_in_the_users_words(bfcl_run):
    root, _ = bfcl_run
    data = load_runs([root / "d", root / "a"])
    texts = collect_texts(data.dialogues.values())
    lk = leak_figures(texts, data.records)
    assert lk["api_name_leaks"] == 0 and lk["raw_param_name_leaks"] == 0 and lk["quoted_param_names"] == 0, lk["examples"]
    tf = template_figures(texts)
    for kind in ("question", "reply"):
        # enough texts for the shares to mean something (786 questions from BFCL's level 1-3
        # records since session 14 stopped hiding lists and objects), and none outside the bank
        assert tf[kind]["n"] > 700 and tf[kind]["not_from_bank"] == 0
        assert tf[kind]["max_template_share_pct"] <= 10, tf[kind]["top_templates"]
    irr = tf["irrelevant_diversity"]
    assert irr["distinct_pct"] >= 80  # not a fixed list: built from each record's own steps


def test_irrelevant_questions_come_from_the_records_domain(tmp_path, shared):
    res = run_build(BuildConfig(source="sealtools", path=str(shared("toolbench_style", "sealtool.json")),
                                out=str(tmp_path), seed=0, similarity=False, limit=60))
    recs = {r.id: r for r in read_jsonl(res.records, ICRecord)}
    seen = set()
    for r in recs.values():
        q = irrelevant_question(r, random.Random(r.id), 0)
        act = activity(next(t for t in r.tools if t.name == r.calls[0].name))
        assert act in q or act[:1].upper() + act[1:] in q
        for t in r.tools:  # no code-like tool name ("getWeather", "get_weather"); plain words may occur
            assert not (re.search(r"[_A-Z0-9.]", t.name) and t.name in q), (t.name, q)
        seen.add(q)
    assert len(seen) > 0.8 * len(recs)


def test_banks_are_wide_enough():
    # with >= 11 wordings chosen uniformly, no wording can expect a tenth of its kind
    for bank in (QUESTION_TEMPLATES, VAGUE_TEMPLATES, CANNOT_ANSWER, [t for t, _ in IRRELEVANT_TEMPLATES],
                 [t for v in TONES.values() for t in v]):
        assert len(bank) >= 11 and len(set(bank)) == len(bank)
    assert not any("{api}" in t for t in QUESTION_TEMPLATES)


def test_check_rejects_a_redundant_question_never_asked(bfcl_run):
    root, _ = bfcl_run
    a = next(d for d in read_jsonl(root / "a" / "augmented.jsonl", Dialogue) if d.error_type == T.redundant)
    bad = a.model_copy(deep=True)
    i = next(s.message for s in bad.error_spans)
    span = bad.error_spans[0]
    m = bad.messages[i].content
    q = re.search(r"<SOE> \[QUESTION\] (.*?) <EOE>", m).group(1)
    new = m.replace(q, "What colour is the sky?")
    bad.messages[i].content = new
    bad.error_spans[0] = span.model_copy(update={"end": span.end + len("What colour is the sky?") - len(q)})
    assert any("was not asked before" in v for v in check_dialogue(bad))


# ---------------------------------------------------------------------- audit


def test_audit_on_a_small_real_build(tmp_path, shared):
    b = tmp_path / "b"
    for src, path in (("sealtools", ("toolbench_style", "sealtool.json")), ("toolalpaca", ("toolbench_style", "toolalpaca.json"))):
        res = run_build(BuildConfig(source=src, path=str(shared(*path)), out=str(b / src), seed=0, similarity=False))
        run_dialogues(res.records, tmp_path / "d" / src, seed=0)
    # one dialogues folder over both sources, as a researcher would merge them
    (tmp_path / "all").mkdir()
    with open(tmp_path / "all" / "ic_records.jsonl", "w") as f:
        for src in ("sealtools", "toolalpaca"):
            f.write((b / src / "ic_records.jsonl").read_text())
    run_dialogues(tmp_path / "all" / "ic_records.jsonl", tmp_path / "ad", seed=0)
    run_augment(tmp_path / "ad", tmp_path / "aa", share=0.5, seed=0)
    runs = [b / "sealtools", b / "toolalpaca", tmp_path / "ad", tmp_path / "aa"]
    r = CliRunner().invoke(app, ["audit", *map(str, runs), "--out", str(tmp_path / "audit"), "--n", "30"])
    assert r.exit_code == 0, r.output
    figs = json.loads((tmp_path / "audit" / "figures.json").read_text())
    rows = [json.loads(x) for x in (tmp_path / "audit" / "grading.jsonl").read_text().splitlines()]
    assert len(rows) == 30
    assert all(row[k] is None for row in rows for k in ("R1", "R2", "R3", "R4", "R5"))
    assert all(row["level"] >= 1 and row["key_info"] and row["original_query"] for row in rows)
    strata = {(row["source"], row["level"]) for row in rows}
    recs = [x for x in load_runs(runs).records.values() if x.level >= 1]
    assert strata == {(x.source, x.level) for x in recs}  # every (source, level) stratum is in the sample
    md = (tmp_path / "audit" / "audit.md").read_text()
    assert all(f"### {row['id']}" in md for row in rows) and "Now I know" in md
    em = figs["error_mix"]
    assert em["augmented"] > 0 and em["max_gap_points"] <= 3
    assert set(figs["records"]["level_mix_by_source"]) == {"sealtools", "toolalpaca"}
    assert "max_gap_points" in figs["shortcut"] and figs["leaks"]["api_name_leaks"] == 0
    assert figs["templates"]["question"]["n"] > 0
    # same inputs and seed: the same sheet
    run_audit(runs, tmp_path / "audit2", n=30, seed=0)
    assert (tmp_path / "audit2" / "grading.jsonl").read_bytes() == (tmp_path / "audit" / "grading.jsonl").read_bytes()
    run_audit(runs, tmp_path / "audit3", n=30, seed=1)
    assert (tmp_path / "audit3" / "grading.jsonl").read_bytes() != (tmp_path / "audit" / "grading.jsonl").read_bytes()


def test_audit_bad_input_is_one_error_line(tmp_path):
    r = CliRunner().invoke(app, ["audit", str(tmp_path / "nope"), "--out", str(tmp_path / "o")])
    assert r.exit_code != 0 and "error:" in r.output and "Traceback" not in r.output


def test_native_replies_leave_out_the_earlier_conversation(bfcl_run, tmp_path):
    # native BFCL multi-turn dialogues carry the user's earlier turns as prompt messages; the
    # template shares count only what the user says after the query (replies to questions)
    root, _ = bfcl_run
    st = run_dialogues(root / "b" / "ic_records.jsonl", tmp_path / "n", seed=0, fmt="native")
    ds = list(read_jsonl(tmp_path / "n" / "dialogues.jsonl", Dialogue))
    with_context = [d for d in ds if any(m.role == "user" for m in d.messages[:d.prompt_messages - 1])]
    assert st.written and len(with_context) >= 20
    texts = collect_texts(ds)
    replies = [t for k in ("reply", "cannot_answer_reply") for t, _ in texts.by_kind.get(k, [])]
    after = [m.content for d in ds for m in d.messages[d.prompt_messages:] if m.role == "user"]
    assert sorted(replies) == sorted(after)
    earlier = {m.content for d in with_context for m in d.messages[:d.prompt_messages] if m.role == "user"}
    assert not earlier & set(replies)
    tf = template_figures(texts)
    assert tf["reply"]["not_from_bank"] == 0 and tf["reply"]["max_template_share_pct"] <= 10, tf["reply"]["top_templates"]
