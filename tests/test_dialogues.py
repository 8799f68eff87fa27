"""Dialogue assembly, the five error types (Appendix D.4 structures), invariants, determinism."""

import json
import random
import re

import pytest

from asktoact.augment.inject import kept_params, plan_injection
from asktoact.augment.stage import run_augment
from asktoact.curate.build import curate_sample
from asktoact.curate.stage import BuildConfig, run_build
from asktoact.dialogues.assemble import Injection, assemble, slots_of
from asktoact.dialogues.check import check_dialogue
from asktoact.dialogues.content import CORRECTIONS
from asktoact.dialogues.stage import make_dialogues, run_dialogues
from asktoact.io import read_jsonl
from asktoact.protocol import parse_turn, strip_markers
from asktoact.schema import Dialogue, ErrorType
from asktoact.sources import load


def _rec(shared, src, path, sid, level):
    s = next(s for s in load(src, shared(*path)) if s.id == sid)
    r = curate_sample(s, 0, {level: 1})
    assert r.level == level and r.quality.passed
    return r


def _clean(rec):
    (er, d, v), = make_dialogues([rec], 0)
    assert v == []
    return er, d


def _aug(er, d, inj):
    a = assemble(er, er.tool_steps, d.questions, random.Random(1), tone="neutral", injection=inj)
    assert check_dialogue(a) == [], check_dialogue(a)
    return a


def _assistant(d):
    return [m.content for m in d.messages if m.role == "assistant"]


def test_clean_dialogue_protocol(shared):
    rec = _rec(shared, "bfcl", ("bfcl", "BFCL_v4_simple_python.json"), "simple_python_0", 2)
    er, d = _clean(rec)
    assert d.messages[0].role == "system" and d.messages[1].content.startswith("The task is: " + rec.unspecified_query)
    first = _assistant(d)[0]
    assert first.startswith("[TASK DECOMPOSITION] The task breaks down into 1 step. Step 1:")
    assert "[PARAMETER EVALUATION]" in first and first.count("has no clear value yet") == 2
    assert first.rstrip().endswith("?") and "[QUESTION]" in first
    users = [m.content for m in d.messages if m.role == "user"][1:]
    assert len(users) == 2 and any("10" in u for u in users) and any("5" in u for u in users)
    assert "Now I know that parameter" in _assistant(d)[1]
    last = parse_turn(_assistant(d)[-1])
    assert last.solution is not None and last.solution[0].arguments == {"base": 10, "height": 5}


def test_level0_goes_straight_to_summary(shared):
    rec = _rec(shared, "sealtools", ("toolbench_style", "sealtool.json"), "sealtools_5", 0)
    er, d = _clean(rec)
    assert len(_assistant(d)) == 1 and "[SUMMARY]" in _assistant(d)[0] and "[QUESTION]" not in _assistant(d)[0]


def test_example1_clearly_stated(shared):
    rec = _rec(shared, "sealtools", ("toolbench_style", "sealtool.json"), "sealtools_5", 0)
    er, d = _clean(rec)
    key = kept_params(er)[0]
    a = _aug(er, d, Injection(ErrorType.clearly_stated, 0, question="What is the vehicle ID?", target=key))
    msg = _assistant(a)[0]
    assert re.search(r"\[PARAMETER EVALUATION\].*<SOE> \[QUESTION\] What is the vehicle ID\? <EOE> .*hXQ7qFFt.*\[SUMMARY\]", msg)
    assert len(_assistant(a)) == 1  # no user turn: the correction follows at once, as in Example 1


def test_example2_imprecise(shared):
    rec = _rec(shared, "bfcl", ("bfcl", "BFCL_v4_simple_python.json"), "simple_python_53", 1)
    er, d = _clean(rec)
    a = _aug(er, d, plan_injection(er, slots_of(er, d.questions), ErrorType.imprecise, random.Random(0)))
    m = a.messages
    assert m[2].content.endswith("<EOE>") and "<SOE> [QUESTION]" in m[2].content
    assert m[3].role == "user" and "<" not in m[3].content
    assert "[QUESTION] " + d.questions["0.DNA_id"] in m[4].content
    assert any(m[4].content.startswith(c) for c in CORRECTIONS["imprecise"])
    assert "DNA123" in m[5].content and "[SUMMARY]" in m[6].content


def test_example3_irrelevant_after_a_confirmation(shared):
    rec = _rec(shared, "bfcl", ("bfcl", "BFCL_v4_simple_python.json"), "simple_python_0", 2)
    er, d = _clean(rec)
    a = _aug(er, d, Injection(ErrorType.irrelevant, 1, question="Would you like the results sorted alphabetically?"))
    asst = _assistant(a)
    assert re.match(r"\[PARAMETER EVALUATION\] Now I know .* <SOE> \[QUESTION\] Would you like the results sorted alphabetically\? <EOE>$", asst[1])
    assert asst[2].startswith("I made a mistake") or asst[2].startswith("Sorry")
    assert "[QUESTION]" in asst[2]


def test_example4_redundant_algorithm2(shared):
    rec = _rec(shared, "bfcl", ("bfcl", "BFCL_v4_simple_python.json"), "simple_python_0", 2)
    er, d = _clean(rec)
    slots = slots_of(er, d.questions)
    inj = plan_injection(er, slots, ErrorType.redundant, random.Random(0))
    assert inj.position >= 1 and inj.target < inj.position  # Algorithm 2: an earlier removed parameter
    a = _aug(er, d, inj)
    msg = _assistant(a)[inj.position]
    repeated = slots[inj.target].question
    after = r"\[QUESTION\] " if inj.position < len(slots) else r"\[SUMMARY\] "  # Algorithm 2 allows the last position
    assert re.search(r"Now I know .* <SOE> \[QUESTION\] " + re.escape(repeated) + r" <EOE> .*" + after, msg)
    clean, spans = strip_markers(msg)
    assert clean[spans[0][0]:spans[0][1]].strip() == "[QUESTION] " + repeated


def test_example5_incomplete_algorithm3(shared):
    rec = _rec(shared, "bfcl", ("bfcl", "BFCL_v4_simple_python.json"), "simple_python_0", 2)
    er, d = _clean(rec)
    a = _aug(er, d, Injection(ErrorType.incomplete, 1))
    msg = _assistant(a)[1]
    span = re.search(r"<SOE> (.*?) <EOE>", msg).group(1)
    assert span.startswith("[SUMMARY]")
    sol = json.loads(span[span.index("[{"):])
    vals = {x["name"]: x["value"] for x in sol[0]["arguments"]}
    unknown = [k for k, v in vals.items() if isinstance(v, str) and v.startswith("<unknown_")]
    assert len(unknown) == 1 and vals[unknown[0]] == f"<unknown_{unknown[0]}>"
    assert msg.rstrip().endswith("?")


def test_check_catches_violations(shared):
    rec = _rec(shared, "bfcl", ("bfcl", "BFCL_v4_simple_python.json"), "simple_python_0", 2)
    er, d = _clean(rec)
    bad = d.model_copy(deep=True)
    bad.messages[-1].content = bad.messages[-1].content.replace('"value": 10', '"value": 11')
    assert any("differs from the ground-truth" in v for v in check_dialogue(bad))
    bad = d.model_copy(deep=True)
    bad.messages[-1].content = bad.messages[-1].content.replace("[SUMMARY]", "[QUESTION] " + list(d.questions.values())[0] + " [SUMMARY]")
    assert any("asked 2 times" in v for v in check_dialogue(bad))
    bad = d.model_copy(deep=True)
    bad.messages[3].content += " <SOE>"
    assert any("contains error markers" in v for v in check_dialogue(bad))
    bad = d.model_copy(deep=True)
    bad.messages[2].content = bad.messages[2].content.replace("[QUESTION]", "<SOE> [QUESTION]")
    assert any("without <EOE>" in v for v in check_dialogue(bad))
    bad = d.model_copy(deep=True)
    bad.messages[2].content = bad.messages[2].content.replace(list(d.questions.values())[0], "What is the unit?")
    v = check_dialogue(bad)
    assert any("asks no removed parameter" in x for x in v) and any("asked 0 times" in x for x in v)


SOURCES = [("bfcl", ("bfcl",)), ("acebench", ("acebench",)), ("sealtools", ("toolbench_style", "sealtool.json")),
           ("toolalpaca", ("toolbench_style", "toolalpaca.json")), ("taskbench", ("taskbench",))]


@pytest.mark.parametrize("src,path", SOURCES)
def test_full_builds_have_zero_violations(tmp_path, shared, src, path):
    res = run_build(BuildConfig(source=src, path=str(shared(*path)), out=str(tmp_path / "b"), seed=3, similarity=False))
    st = run_dialogues(res.records, tmp_path / "d", seed=3)
    # evaluation-only records (BFCL multi_turn_miss_param) are skipped, counted, never trained on
    assert st.rejected == 0 and st.written + st.skipped_qc == res.curate.kept
    ast = run_augment(tmp_path / "d", tmp_path / "a", share=1.0, seed=3)
    # the paper mix cannot put every dialogue under a type it allows: the rest stays clean, counted as unplaced
    assert ast.rejected == 0 and ast.augmented + sum(ast.unplaced.values()) == st.written
    assert ast.clean + ast.augmented == st.written
    for f in ("d/dialogues.jsonl", "a/train.jsonl"):
        for d in read_jsonl(tmp_path / f, Dialogue):
            assert check_dialogue(d) == []
    if src == "bfcl":
        assert set(ast.by_type) == {e.value for e in ErrorType}


def test_same_seed_byte_identical(tmp_path, shared):
    res = run_build(BuildConfig(source="acebench", path=str(shared("acebench")), out=str(tmp_path / "b"), seed=0, similarity=False))
    outs = []
    for k in ("x", "y"):
        run_dialogues(res.records, tmp_path / k / "d", seed=5)
        run_augment(tmp_path / k / "d", tmp_path / k / "a", 0.3, 5)
        outs.append(((tmp_path / k / "d" / "dialogues.jsonl").read_bytes(), (tmp_path / k / "a" / "train.jsonl").read_bytes()))
    assert outs[0] == outs[1]
    run_augment(tmp_path / "x" / "d", tmp_path / "z", 0.3, 6)
    assert (tmp_path / "z" / "train.jsonl").read_bytes() != outs[0][1]


def test_llm_content_with_fallback(tmp_path, shared):
    from asktoact.models import load_model
    from asktoact.testing.fake_server import FakeOpenAI

    rec = _rec(shared, "bfcl", ("bfcl", "BFCL_v4_simple_python.json"), "simple_python_0", 2)

    def reply(msgs, body):
        sysm = msgs[0]["content"]
        if "split a user's task" in sysm:
            return json.dumps({"tool_steps": ["Step 1: Work out the triangle's area using calculate_triangle_area."]})
        if "clarification questions" in sysm:
            return "not json at all"
        return "{}"

    with FakeOpenAI(reply) as srv:
        m = load_model(f"openai:m@{srv.url}?backoff=0.01", cache=tmp_path / "c.sqlite")
        (er, d, v), = make_dialogues([rec], 0, m)
    assert v == []
    assert er.tool_steps == ["Step 1: Work out the triangle's area using calculate_triangle_area."]
    assert "Work out the triangle's area" in d.messages[2].content
    assert any(n.startswith("questions:") for n in d.notes)  # fell back to templates, and said so


def test_twins_pair_each_hidden_record_with_its_fully_specified_query(tmp_path, shared):
    from asktoact.curate.twins import TWIN_SUFFIX, full_twin
    from asktoact.schema import ICRecord

    res = run_build(BuildConfig(source="bfcl", path=str(shared("bfcl", "BFCL_v4_simple_python.json")),
                                out=str(tmp_path / "b"), seed=0, similarity=False, limit=60))
    recs = list(read_jsonl(res.records, ICRecord))
    plain = run_dialogues(res.records, tmp_path / "p", seed=0, fmt="native")
    st = run_dialogues(res.records, tmp_path / "t", seed=0, fmt="native", twins=True)
    trainable = [r for r in recs if r.quality.passed and not r.metadata.get("eval_only")]
    expect = [r for r in trainable if r.level > 0 and not any(a.method == "absent" for c in r.key_info for a in c.arguments.values() if a.removed)]
    assert len(expect) >= 10
    assert st.twins == len(expect) and st.written == plain.written + st.twins and st.rejected == 0
    ds = {d.id: d for d in read_jsonl(tmp_path / "t" / "dialogues.jsonl", Dialogue)}
    for r in expect:
        d, t = ds[r.id], ds[r.id + TWIN_SUFFIX]
        assert check_dialogue(t) == []
        # the twin asks with the original query, and its first assistant move is the full call
        q = next(i for i, m in enumerate(t.messages) if m.role == "user" and m.content == r.original_query)
        assert r.original_query != r.unspecified_query and r.unspecified_query not in [m.content for m in t.messages]
        first = next(m for m in t.messages[q:] if m.role == "assistant")
        assert first.tool_calls and [(c.name, c.arguments) for c in first.tool_calls][:1] == [(r.calls[0].name, r.calls[0].arguments)]
        assert t.questions == {} and d.questions
    # the plain dialogues are unchanged by the option, and the output is deterministic
    plain_lines = (tmp_path / "p" / "dialogues.jsonl").read_text().splitlines()
    twin_lines = [l for l in (tmp_path / "t" / "dialogues.jsonl").read_text().splitlines()
                  if not json.loads(l)["id"].endswith(TWIN_SUFFIX)]
    assert twin_lines == plain_lines
    run_dialogues(res.records, tmp_path / "t2", seed=0, fmt="native", twins=True)
    assert (tmp_path / "t2" / "dialogues.jsonl").read_bytes() == (tmp_path / "t" / "dialogues.jsonl").read_bytes()
    assert full_twin(next(r for r in recs if r.level == 0)) is None
    # a value the user never stated (method absent) is missing from the original query too: no twin
    r = expect[0].model_copy(deep=True)
    next(a for c in r.key_info for a in c.arguments.values() if a.removed).method = "absent"
    assert full_twin(r) is None
