"""Metrics per Appendix F.3 with hand-computed values, including the paper's own dialogues."""

import pytest

from asktoact.evaluate.metrics import aggregate, error_rates, f1, norm_value, score_transcript, summarise
from asktoact.protocol import parse_turn
from asktoact.schema import ErrorType, TerminationReason, ToolCall, Transcript, Turn, TurnKind


def tr(rid, unspecified, turns, solution, gold, trial=0, n_calls=None):
    return Transcript(record_id=rid, trial=trial, model="m", simulator="s", n_unspecified=len(unspecified),
                      n_calls=n_calls or len(gold), turns=turns, termination=TerminationReason.solution,
                      solution=solution, ground_truth=gold, unspecified=unspecified)


def q(clarified=(), err=None):
    return Turn(assistant="[QUESTION] x?", kind=TurnKind.question, question="x?", clarified=list(clarified), judged_error=err)


SOL = Turn(assistant="[SUMMARY] []", kind=TurnKind.solution)


def test_value_normalisation():
    assert norm_value(65) == norm_value(65.0) == norm_value("65") == norm_value(" 65 ")
    assert norm_value("New  York") == norm_value("new york")
    assert norm_value(True) == norm_value("true") != norm_value(1)
    assert norm_value([1, "2"]) == norm_value([1.0, 2])
    assert norm_value({"a": "X"}) == norm_value({"a": "x"})
    assert norm_value(65.5) != norm_value(65)


def test_f1():
    assert f1({"a", "b"}, {"a"}) == pytest.approx(2 * 0.5 * 1 / 1.5)
    assert f1(set(), set()) == 1.0 and f1({"a"}, set()) == 0.0


def test_hand_computed_aggregate():
    gold1 = [ToolCall(name="f", arguments={"x": 1, "y": "a"}), ToolCall(name="g", arguments={"z": 2})]
    gold2 = [ToolCall(name="h", arguments={"w": "q"})]
    # query 1: U=2, asks 3 times (one redundant), clarifies both; solution gets f right, g wrong value
    t1 = tr("1", ["0.x", "1.z"], [q(["0.x"]), q([], ErrorType.redundant), q(["1.z"]), SOL],
            [ToolCall(name="f", arguments={"x": 1.0, "y": "A"}), ToolCall(name="g", arguments={"z": 3})], gold1)
    # query 2: U=1, never asks, no solution (invalid)
    t2 = Transcript(record_id="2", model="m", simulator="s", n_unspecified=1, n_calls=1, turns=[],
                    termination=TerminationReason.invalid_output, ground_truth=gold2, unspecified=["0.w"])
    s1, s2 = score_transcript(t1), score_transcript(t2)
    assert (s1.C, s1.U, s1.T, s1.valid) == (2, 2, 3, True)
    assert s1.TSS == 1.0
    # triples: pred {(f,x,1),(f,y,a),(g,z,3)} gold {(f,x,1),(f,y,a),(g,z,2)} -> P=R=2/3
    assert s1.PRS == pytest.approx(2 / 3)
    assert (s2.C, s2.T, s2.valid, s2.TSS, s2.PRS) == (0, 0, False, 0.0, 0.0)
    m = aggregate([s1, s2])
    icr, ce = 2 / 3, 2 / 3
    assert m["ICR"] == pytest.approx(100 * icr) and m["CE"] == pytest.approx(100 * ce)
    assert m["CPS"] == pytest.approx(100 * 2 * icr * ce / (icr + ce))
    assert m["IR"] == pytest.approx(1.5) and m["SCR"] == pytest.approx(50.0)
    assert m["TSS"] == pytest.approx(50.0) and m["PRS"] == pytest.approx(100 * (2 / 3) / 2)
    er = error_rates([s1, s2])
    assert er["redundant"] == pytest.approx(100 / 3) and er["incomplete"] == pytest.approx(50.0)


def test_trials_mean_std_and_breakdowns():
    gold = [ToolCall(name="f", arguments={"x": 1})]
    a = score_transcript(tr("1", ["0.x"], [q(["0.x"]), SOL], gold, gold, trial=0))
    b = score_transcript(tr("1", ["0.x"], [q([]), SOL], [ToolCall(name="f", arguments={"x": 2})], gold, trial=1))
    s = summarise([a, b])
    assert s["per_trial"]["0"]["ICR"] == 100 and s["per_trial"]["1"]["ICR"] == 0
    assert s["mean"]["ICR"] == 50 and s["std"]["ICR"] == 50
    assert s["by_unspecified"]["1"]["n"] == 2 and s["by_calls"]["1"]["PRS"] == pytest.approx(50.0)


def test_paper_g4_concise_dialogue():
    """Appendix G.4, 'Concise & Task-oriented': two questions, both intents clarified, right solution."""
    final = ('[PARAMETER EVALUATION] Now I know that the parameter "email" for API "check_email" has a value of '
             '"user@example.com". [SUMMARY] I have all the information needed and can now call the relevant APIs to '
             'solve the task. The solution path is as follows: [{"task": "regions", "arguments": [{"name": "language", '
             '"value": "en"}]}, {"task": "check_email", "arguments": [{"name": "email", "value": "user@example.com"}]}]')
    parsed = parse_turn(final)
    assert parsed.kind == TurnKind.solution
    gold = [ToolCall(name="regions", arguments={"language": "en"}), ToolCall(name="check_email", arguments={"email": "user@example.com"})]
    t = tr("g4", ["0.language", "1.email"], [q(["0.language"]), q(["1.email"]), SOL], parsed.solution, gold)
    m = aggregate([score_transcript(t)])
    assert (m["ICR"], m["CE"], m["CPS"], m["IR"], m["SCR"], m["TSS"], m["PRS"]) == (100, 100, 100, 2, 100, 100, 100)


def test_paper_d4_redundant_dialogue_python_style_solution():
    """Appendix D.4 Example 4: four questions (one redundant) for three intents; the solution is
    written with python quotes, and 'limit' is 10 where the user said "10"."""
    final = ("[SUMMARY] I have all the information needed and can now call the relevant APIs to solve the task. "
             "The solution path is as follows: [{'task': 'fetch_by_type_and_region', 'arguments': [{'name': 'type', "
             "'value': 'tech'}, {'name': 'limit', 'value': 10}, {'name': 'region', 'value': 'Silicon Valley'}] }, "
             "{'task': 'query_for_city_boundary_by_city_name', 'arguments': [{'name': 'name', 'value': 'Montreal'}] }]")
    parsed = parse_turn(final)
    gold = [ToolCall(name="fetch_by_type_and_region", arguments={"type": "tech", "limit": "10", "region": "Silicon Valley"}),
            ToolCall(name="query_for_city_boundary_by_city_name", arguments={"name": "Montreal"})]
    t = tr("d4", ["0.limit", "0.region", "1.name"],
           [q(["0.limit"]), q(["0.region"]), q([], ErrorType.redundant), q(["1.name"]), SOL], parsed.solution, gold)
    s = score_transcript(t)
    m = aggregate([s])
    assert m["ICR"] == 100 and m["CE"] == pytest.approx(75.0) and m["CPS"] == pytest.approx(100 * 2 * .75 / 1.75)
    assert m["IR"] == 4 and m["PRS"] == 100 and error_rates([s])["redundant"] == 25.0


def test_parser_tolerance():
    assert parse_turn("Sure. [QUESTION] Which city?").question == "Which city?"
    p = parse_turn('```json\n[{"task": "f", "arguments": {"x": 1}}]\n```')
    assert p.kind == TurnKind.solution and p.solution[0].arguments == {"x": 1}
    assert parse_turn("[SUMMARY] here: [{'name': 'f', 'arguments': {'a': True}}]").solution[0].arguments == {"a": True}
    assert parse_turn("What is the city you mean?").kind == TurnKind.question
    assert parse_turn("I will now call the API.").kind == TurnKind.invalid
    assert parse_turn("[SUMMARY] oops [{broken").kind == TurnKind.invalid
    # a question after an (erroneous) summary: the later tag decides
    assert parse_turn("[SUMMARY] [] Sorry, I still need more. [QUESTION] Which year?").kind == TurnKind.question


def test_prose_that_asks_nothing_is_not_asking():
    """An untrained model's first move is often prose (it explains what it would call): a text
    turn, but not a question, so ASK must not count it."""
    from asktoact.evaluate.metrics import aggregate, score_transcript
    from asktoact.schema import TerminationReason, ToolCall, Transcript, Turn, TurnKind

    gold = [ToolCall(name="f", arguments={"gene": "BRCA1"})]
    prose = Turn(assistant="To find the protein sequence I will use the gene tool with the gene name.",
                 kind=TurnKind.question, question="To find the protein sequence I will use the gene tool.")
    asked = Turn(assistant="Which gene do you mean?", kind=TurnKind.question, question="Which gene do you mean?")
    told = Turn(assistant="Please give me the gene name.", kind=TurnKind.question, question="Please give me the gene name.",
                clarified=["0.gene"])
    for turn, want in ((prose, 0), (asked, 100), (told, 100)):
        t = Transcript(record_id="g", model="m", simulator="oracle", n_unspecified=1, unspecified=["0.gene"],
                       turns=[turn, Turn(assistant="", kind=TurnKind.solution)], termination=TerminationReason.solution,
                       solution=gold, ground_truth=gold, source="s")
        assert aggregate([score_transcript(t)])["ASK"] == want, turn.assistant
