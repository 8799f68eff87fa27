"""External suites nobody here wrote: API-Bank dialogues and BFCL multi-turn miss_param as
IC records, the oracle on real API-Bank questions, and the scoring fixes (alternatives,
schemas, ask/act decisions) on real records."""

import ast
import random
from pathlib import Path

import pytest

from asktoact.evaluate.metrics import aggregate, argument_errors, prs, score_transcript
from asktoact.evaluate.personas import PERSONAS
from asktoact.evaluate.simulators import Matcher, SimState, judge, record_params
from asktoact.io import RejectSink
from asktoact.schema import ErrorType, ToolCall, Transcript, TerminationReason, Turn, TurnKind
from asktoact.sources import LoadStats, load
from asktoact.sources.asks import external_record

SRC = Path(__file__).resolve().parents[1] / "src" / "asktoact"


def _load(src, path):
    rj, st = RejectSink(), LoadStats(src)
    out = {s.id: s for s in load(src, path, rj, st)}
    assert st.adds_up()
    return out, rj, st


@pytest.fixture(scope="module")
def apibank():
    from conftest import need_shared

    recs, rj, st = _load("apibank", need_shared("apibank"))
    return recs, rj, st


def _state(rec, missing):
    params = record_params(rec)
    for p in params:
        p.removed = p.key in missing
    return SimState(rec, next(iter(PERSONAS.values())), random.Random(0), params=params)


def test_judge_does_not_borrow_the_generators_vocabulary():
    for f in ("simulators.py", "questions.py", "metrics.py"):
        tree = ast.parse((SRC / "evaluate" / f).read_text())
        mods = {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        mods |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        assert not any(m.endswith(("curate.rewrite", "dialogues.content")) or m in ("rewrite", "content")
                       for m in mods), (f, mods)


def test_apibank_dialogue_becomes_an_absent_intent_record(apibank):
    recs, rj, st = apibank
    s = recs["apibank:level1:0"]
    assert s.query.startswith("Can you please modify my appointment")
    assert s.context == [] and s.metadata["absent"] == ["0.appointment_id"]  # date and doctor were said
    assert s.metadata["eval_only"]  # the oracle is validated on these questions: never trained on
    assert s.metadata["followup"][0].startswith("The appointment ID is 34567890")
    ask = s.metadata["asks"][0]
    assert ask["question"].startswith("Sure, I can help you with that. Please provide me with the appointment ID")
    assert ask["asked"] == ["0.appointment_id"]
    r = external_record(s)
    assert r.level == 1 and r.key_info[0].arguments["appointment_id"].removed
    assert r.key_info[0].arguments["appointment_id"].method.value == "absent"
    assert not r.key_info[0].arguments["new_appointment_doctor"].removed
    # a later request of the same conversation carries the earlier turns, calls included
    s2 = recs["apibank:level1:1"]
    assert s2.query == "Can you also check my health data for the past week?"
    assert any(m.role == "assistant" and m.tool_calls and m.tool_calls[0].name == "ModifyRegistration" for m in s2.context)
    assert st.rejected == len(rj.items) and all(r.reason for r in rj.items)


@pytest.mark.parametrize("rid,question,missing,expect", [
    # several values in one question, each answered once
    ("apibank:level1:0", "Sure, I can help you with that. Please provide me with the appointment ID and the new "
     "appointment date and doctor's name.", ["0.appointment_id", "0.new_appointment_date", "0.new_appointment_doctor"],
     ["0.appointment_id", "0.new_appointment_date", "0.new_appointment_doctor"]),
    # the same question when only the ID is missing: only the ID is answered
    ("apibank:level1:0", "Sure, I can help you with that. Please provide me with the appointment ID and the new "
     "appointment date and doctor's name.", ["0.appointment_id"], ["0.appointment_id"]),
    ("apibank:level1:1", "Of course. To do that, I'll need your user ID and the start and end time of the time span "
     "you want to check.", ["0.user_id", "0.start_time", "0.end_time"], ["0.end_time", "0.start_time", "0.user_id"]),
    ("apibank:level1:1", "Of course. To do that, I'll need your user ID and the start and end time of the time span "
     "you want to check.", ["0.start_time", "0.end_time"], ["0.end_time", "0.start_time"]),
])
def test_oracle_answers_real_apibank_questions(apibank, rid, question, missing, expect):
    rec = external_record(apibank[0][rid])
    j = judge(question, _state(rec, missing), Matcher())
    assert sorted(j.clarified) == sorted(expect)


# real API-Bank questions from the calibration half (bench/oracle_external.py, seed 12) that the
# oracle misread before: values named by what they do, not by their parameter's words
@pytest.mark.parametrize("rid,question,missing,expect", [
    # "reschedule ... to" asks for the new date; "who ... instead" for the new doctor (clauses of one
    # question ask for different values, so the tie on "appointment" breaks to the date)
    ("apibank:level1:70", "Got it. What would you like to reschedule your appointment to, and who would you like "
     "to see instead of Dr. Smith?", ["0.new_appointment_date", "0.new_appointment_doctor"],
     ["0.new_appointment_date", "0.new_appointment_doctor"]),
    # "name" as a verb: the account's name, not the person's
    ("apibank:level1:216", "Sure, I can help with that. To open a bank account, I'll just need some information from "
     "you. What would you like to name the account?", ["0.account", "0.name", "0.password"], ["0.account"]),
    # "your account" asks for the login: both values of the pair
    ("apibank:level1:49", "Sure, I can help with that. Do you have an account with us?", ["0.password", "0.username"],
     ["0.password", "0.username"]),
    ("apibank:level1:203", "Sure, I need your authentication token to proceed. Can you please provide me with your "
     "account information?", ["0.password", "0.username"], ["0.password", "0.username"]),
    # a side of the span named explicitly: the span does not add the other side
    ("apibank:level1:233", "And what is the end time of the time span you're interested in? Please provide the time "
     "in the format: %Y-%m-%d %H:%M:%S", ["0.start_time", "0.end_time"], ["0.end_time"]),
    # a leading purpose clause is why, not what: the token is not the login ("none" in the set)
    ("apibank:level1:168", "Sure, I can help you with that. To delete your account, I need your authentication token. "
     "Do you have it?", ["0.password", "0.username"], []),
])
def test_oracle_reads_values_named_by_context(apibank, rid, question, missing, expect):
    rec = external_record(apibank[0][rid])
    assert {p.key for p in record_params(rec)} >= set(missing)
    j = judge(question, _state(rec, missing), Matcher())
    assert sorted(j.clarified) == sorted(expect)


# session 5: a real calibration-half question, and paraphrases of our own on real records of the
# calibration half (all of the record's values open), one general principle each
@pytest.mark.parametrize("rid,question,expect", [
    # a login by email: "your email" asks for the username when the call has no email parameter
    ("apibank:level1:197", "Sure, I can help you with that. I just need some information to authenticate your "
     "account. Can you please provide me with your email and current password?", ["0.password", "0.username"]),
    # ... but with an email parameter, "email" is that one (ForgotPassword(username, email))
    ("apibank:level1:35", "Sure, I can definitely help you. I need your username and email to get started.",
     ["0.email", "0.username"]),
    # a bare question word asks for the one value of its kind
    ("apibank:level1:101", "When is it?", ["0.time"]),
    ("apibank:level1:101", "And where?", ["0.location"]),
    # "checking in" is check_in; a hotel is where one stays; arrive and leave are check-in and -out
    ("apibank:level1:258", "When will you be checking in?", ["0.check_in_time"]),
    ("apibank:level1:258", "Where would you like to stay?", ["0.hotel_name"]),
    ("apibank:level1:258", "When would you like to arrive and leave?", ["0.check_in_time", "0.check_out_time"]),
    # a verb of doing ("book") does not make the question foreign to the record
    ("apibank:level1:10", "When would you like to book it?", ["0.date"]),
    # the sides of a change or span named by "to" / "from"
    ("apibank:level1:88", "What time would you like the alarm moved to?", ["0.to_time"]),
    ("apibank:level1:162", "From when to when?", ["0.end_time", "0.start_time"]),
    ("apibank:level1:162", "Over what period?", ["0.end_time", "0.start_time"]),
])
def test_oracle_reads_paraphrases_on_real_records(apibank, rid, question, expect):
    rec = external_record(apibank[0][rid])
    every = [p.key for p in record_params(rec)]
    assert set(expect) <= set(every)
    assert sorted(judge(question, _state(rec, every), Matcher()).clarified) == expect


def test_oracle_still_declines_bare_and_generic_words(apibank):
    m = Matcher()
    rec = external_record(apibank[0]["apibank:level1:258"])  # BookHotel: three counts, two dates
    every = [p.key for p in record_params(rec)]
    # "how many" fits three counts, "when" two dates, "which one" and "would you like" no kind alone
    for q in ("How many?", "When?", "Which one?", "What would you like me to do?"):
        assert judge(q, _state(rec, every), m).clarified == [], q


def test_question_naming_the_tool_asks_for_its_one_open_value(shared):
    """BFCL multiple_6: "What number should I use for capacitance_calculator.calculate?" names the
    call, not a value. With only `d` open it asks for `d`; with `A` and `d` open it is vague."""
    recs, _, _ = _load("bfcl", shared("bfcl", "BFCL_v4_multiple.json"))
    s = recs["multiple_6"]
    s.metadata.update({"absent": ["0.d"], "followup": ["0.01 meters"]})
    rec = external_record(s)
    q = "What number should I use for capacitance_calculator.calculate?"
    m = Matcher()
    assert judge(q, _state(rec, ["0.d"]), m).clarified == ["0.d"]
    j = judge(q, _state(rec, ["0.A", "0.d"]), m)
    assert j.clarified == [] and j.error == ErrorType.imprecise
    # naming the call and something it does not take is not asking for its open value
    assert judge("What colour should I use for capacitance_calculator.calculate?", _state(rec, ["0.d"]), m).clarified == []
    # naming another call does not count: nothing of this record is asked
    assert judge("What number should I use for area_calculator.rectangle?", _state(rec, ["0.d"]), m).clarified == []
    # multiple_41: the pronoun "I" is not the parameter `I` (the current); the radial distance is `r`
    s = recs["multiple_41"]
    s.metadata.update({"absent": ["0.r"], "followup": ["0.01 meter"]})
    rec = external_record(s)
    j = judge("What radial distance should I use for magnetic_field.calculate?", _state(rec, ["0.r"]), m)
    assert j.clarified == ["0.r"] and j.error is None


def test_oracle_declines_vague_irrelevant_and_stated(apibank):
    rec = external_record(apibank[0]["apibank:level1:0"])
    every = ["0.appointment_id", "0.new_appointment_date", "0.new_appointment_doctor"]
    m = Matcher()
    for q in ("Could you give me a bit more detail?", "Can you be more specific?", "Anything else?"):
        assert judge(q, _state(rec, every), m).clarified == []
    # a question from another API's dialogue
    j = judge("What is your username and password?", _state(rec, every), m)
    assert j.clarified == [] and j.error == ErrorType.irrelevant
    # asked again once everything was given: stated, nothing new
    j = judge("Please provide me with the appointment ID and the new appointment date and doctor's name.",
              _state(rec, []), m)
    assert j.clarified == [] and j.error == ErrorType.clearly_stated


def test_bfcl_miss_param_ask_turn_with_context(shared):
    recs, rj, st = _load("bfcl", shared("bfcl", "BFCL_v4_multi_turn_miss_param.json"))
    s = recs["multi_turn_miss_param_0/turn_3"]
    assert s.metadata["absent"] == ["1.source", "3.file_name2"] and s.metadata["answer_turn"] == 4
    assert s.metadata["followup"] == ["The specific file is previous_report.pdf."]
    assert [c.name for c in s.calls] == ["cd", "mv", "cd", "diff"]
    users = [m.content for m in s.context if m.role == "user"]
    assert len(users) == 3 and users[0].startswith("Move 'final_report.pdf'")
    assert [c.name for m in s.context if m.tool_calls for c in m.tool_calls][:3] == ["cd", "mkdir", "mv"]
    assert "multi_turn_miss_param_0/turn_4" not in recs  # the user's answer is not a task of its own
    r = external_record(s)
    assert r.level == 1 and r.key_info[3].arguments["file_name2"].linked_to == "1.source"  # one value, one intent
    # the other turns are fully specified: the right move there is to act at once
    assert recs["multi_turn_miss_param_0/turn_0"].metadata["absent"] == []
    # the later turns see the ask turn and its answer in their context
    later = [m.content for m in recs["multi_turn_miss_param_1/turn_1"].context if m.role == "user"]
    assert later and st.samples > 600


def test_bfcl_alternatives_are_carried_and_accepted_by_prs(shared):
    recs, _, _ = _load("bfcl", shared("bfcl", "BFCL_v4_simple_python.json"))
    c = recs["simple_python_156"].calls[0]
    assert c.arguments["county"] == "San Diego" and c.accepted["county"] == ["San Diego County"]
    n_alt = sum(len(c.accepted) > 0 for s in recs.values() for c in s.calls)
    assert n_alt > 200
    gold = recs["simple_python_156"].calls
    alt = [ToolCall(name=c.name, arguments={**c.arguments, "county": "San Diego County"})]
    wrong = [ToolCall(name=c.name, arguments={**c.arguments, "county": "Los Angeles"})]
    assert prs(gold, gold) == 1.0 and prs(alt, gold) == 1.0 and prs(wrong, gold) < 1.0
    # an optional argument ("" accepted) may be left out, or given with an accepted value
    g = recs["simple_python_197"].calls
    assert g[0].arguments["time"] == "12pm" and g[0].accepted["time"] == ["12:00"]
    s0 = recs["simple_python_0"].calls[0]
    assert "unit" not in s0.arguments and "unit" in s0.accepted
    given = [ToolCall(name=s0.name, arguments={**s0.arguments, "unit": s0.accepted["unit"][0]})] if s0.accepted["unit"] else None
    if given:
        assert prs(given, [s0]) == 1.0


def test_acebench_alternative_answers(shared):
    recs, _, _ = _load("acebench", shared("acebench"))
    s = recs["normal_atom_bool_11"]
    assert len(s.calls) == 1  # a list of ground truths is alternatives, not two calls
    assert s.calls[0].accepted["noise_level"] == ["loud rattling nosiy"]


def test_scr_checks_types_and_enums(shared):
    recs, _, _ = _load("bfcl", shared("bfcl", "BFCL_v4_simple_python.json"))
    s = recs["simple_python_0"]
    assert argument_errors(s.calls, s.tools) == []
    assert argument_errors([ToolCall(name=s.calls[0].name, arguments={"base": "10", "height": 5})], s.tools) == []
    bad = argument_errors([ToolCall(name=s.calls[0].name, arguments={"base": "ten", "height": 5})], s.tools)
    assert bad and "base" in bad[0]
    assert argument_errors([ToolCall(name=s.calls[0].name, arguments={"side": 3})], s.tools)
    enum_tool = next((t for x in recs.values() for t in x.tools for p in t.param_names if "enum" in t.param(p)), None)
    if enum_tool is not None:
        p = next(p for p in enum_tool.param_names if "enum" in enum_tool.param(p))
        assert argument_errors([ToolCall(name=enum_tool.name, arguments={p: "not-an-option-xyz"})], [enum_tool])


def _tr(rid, kinds, U, clarified=()):
    turns = [Turn(assistant="", kind=k, clarified=list(clarified) if k == TurnKind.question else []) for k in kinds]
    gold = [ToolCall(name="f", arguments={"a": 1})]
    return Transcript(record_id=rid, model="m", simulator="oracle", n_unspecified=U, turns=turns,
                      termination=TerminationReason.solution, solution=gold, ground_truth=gold,
                      unspecified=[f"0.p{i}" for i in range(U)], source="s")


def test_ask_act_and_fully_specified_queries():
    Q, S = TurnKind.question, TurnKind.solution
    # acting at once on fully specified queries is right: no CE of 0, ACT 100
    m = aggregate([score_transcript(_tr(f"f{i}", [S], 0)) for i in range(40)])
    assert m["ACT"] == 100 and m["CE"] != m["CE"] and m["ICR"] != m["ICR"] and m["SCR"] == 100
    # over-asking on a fully specified query is a failure of ACT and costs CE through T
    mix = [score_transcript(_tr("a", [Q, S], 1, ["0.p0"])), score_transcript(_tr("b", [Q, S], 0))]
    m = aggregate(mix)
    assert m["ASK"] == 100 and m["ACT"] == 0 and m["CE"] == 50 and m["ICR"] == 100
    # never asking where something is missing: ASK 0, CE 0 (not n/a)
    m = aggregate([score_transcript(_tr("c", [S], 2))])
    assert m["ASK"] == 0 and m["CE"] == 0 and m["ICR"] == 0


@pytest.mark.parametrize("src,parts", [("apibank", ("apibank",)), ("bfcl", ("bfcl", "BFCL_v4_multi_turn_miss_param.json"))])
def test_eval_on_external_suites_with_reference_agents(tmp_path, shared, src, parts):
    from asktoact.curate.stage import BuildConfig, run_build
    from asktoact.evaluate.runner import EvalConfig
    from asktoact.evaluate.stage import run_eval

    res = run_build(BuildConfig(source=src, path=str(shared(*parts)), out=str(tmp_path / "ic"), similarity=False, limit=80))
    assert res.adds_up()
    cfg = EvalConfig(concurrency=8, limit=80)
    perfect = run_eval(res.records, "script:perfect", "oracle", tmp_path / "p", cfg, cache=False)
    guess = run_eval(res.records, "script:guess", "oracle", tmp_path / "g", cfg, cache=False)
    by = perfect["by_source"][src]
    assert by["n_missing"] > 5 and by["n_full"] > 5
    for c in ("ICR", "CE", "CPS", "ASK", "ACT"):
        assert perfect["mean"][c] >= 98, (c, perfect["mean"])
    for c in ("ICR", "CE", "CPS", "ASK"):
        assert guess["mean"][c] == 0, (c, guess["mean"])
    assert "| ASK | ACT |" in (tmp_path / "p" / "table.md").read_text()
    assert (tmp_path / "p" / "sources.md").read_text().count(f"| {src} |") == 1


def test_unreadable_first_turn_is_neither_ask_nor_act():
    m = aggregate([score_transcript(_tr("x", [TurnKind.invalid], 0)), score_transcript(_tr("y", [TurnKind.invalid], 1))])
    assert m["ACT"] == 0 and m["ASK"] == 0
