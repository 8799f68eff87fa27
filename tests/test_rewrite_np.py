"""Whole-constituent rewrites and implied values on real records the blind grading failed (issue 11).

Each case parses a real query from ../shared/data with spaCy, hides chosen parameters the
way ``curate_sample`` does, and checks the rewritten text and the record: the replacement
is a whole noun phrase (no "radius of 4 the unit"), the value is gone, kept values stay,
and ``current_value`` is exactly the text that now stands in the query."""

import json
import re
import random
from collections import Counter

import pytest

from asktoact.curate.build import analyse, curate_sample, in_code
from asktoact.curate.ground import USER, ground, implied
from asktoact.curate.locate import Span, find_scalar
from asktoact.curate.rewrite import EditPlan, hidden_noun, rewrite_query

from conftest import corpus


def _bfcl(sid):
    return corpus("bfcl", "bfcl")[sid]


def _hide(sample, parser, keys, seed=0):
    """Hide exactly ``keys`` ((call, param) pairs) as curate_sample would; return (query, results, issues)."""
    views = analyse(sample, hide_parts=True)  # the keys are chosen: lists and objects too
    plans = []
    for row in views:
        for a in row:
            if (a.call, a.name) in keys:
                assert a.eligible, (a.name, a.why_not)
                tool = sample.tool(sample.calls[a.call].name)
                plans.append(EditPlan(key=(a.call, a.name), value=a.value, schema=a.schema, location=a.location,
                                      required=tool.is_required(a.name), force_abstraction=False))
    protected = [(sp.start, sp.end) for row in views for a in row
                 if a.location.found and (a.call, a.name) not in keys for sp in a.location.spans]
    issues: list[str] = []
    q, res = rewrite_query(sample.query, plans, random.Random(seed), doc=parser(sample.query), protected=protected,
                           issues=issues)
    return q, res, issues


def test_unit_hidden_after_a_kept_number_is_dropped(parser):
    s = _bfcl("simple_python_7")  # "What is the circumference of a circle with a radius of 4 inches?"
    q, res, issues = _hide(s, parser, {(0, "unit")})
    assert q == "What is the circumference of a circle with a radius of 4?"
    assert res[(0, "unit")].method == "removal" and res[(0, "unit")].current_value == ""
    assert not issues


@pytest.mark.parametrize("seed", range(6))
def test_value_modifying_a_noun_goes_with_its_phrase(parser, seed):
    s = _bfcl("multiple_68")  # "... at the New York public library?"
    q, res, _ = _hide(s, parser, {(0, "location")}, seed)
    assert q == "Can I find a historical fiction book at the public library?"
    assert res[(0, "location")].current_value == "the public library"


@pytest.mark.parametrize("seed", range(6))
def test_number_with_unit_becomes_the_quantity(parser, seed):
    s = _bfcl("simple_python_46")  # "... 20 kg of water at 30 degree Celsius is mixed with 15 kg of water at 60 degree Celsius."
    q, res, issues = _hide(s, parser, {(0, "temperature1"), (0, "mass2")}, seed)
    assert "Celsius" not in q.split("mixed")[0] and "30" not in q and "15 kg" not in q
    assert q.startswith("Calculate the final temperature when 20 kg of water at ")
    assert q.endswith("of water at 60 degree Celsius.")
    for k in ((0, "temperature1"), (0, "mass2")):
        cv = res[k].current_value
        assert cv and cv in q and cv.split()[-1] in ("temperature", "mass"), cv
    assert not issues


def test_measure_named_before_its_number(parser):
    s = _bfcl("multiple_145")  # "... travels 12,000 miles per year with fuel efficiency 20 mpg?"
    q, res, _ = _hide(s, parser, {(0, "fuel_efficiency"), (0, "distance")})
    assert "mpg" not in q and "20" not in q and "12,000" not in q
    assert q.endswith("distance per year with " + res[(0, "fuel_efficiency")].current_value + "?")
    assert res[(0, "fuel_efficiency")].current_value.endswith("fuel efficiency")


def test_later_item_of_a_list_is_another_one(parser):
    s = _bfcl("parallel_80")  # "John chose the numbers 36 and 48, ..."
    key = next((c, p) for c, call in enumerate(s.calls) for p, v in call.arguments.items() if v == 48)
    q, res, _ = _hide(s, parser, {key})
    assert "John chose the numbers 36 and another number, while Mary" in q
    assert res[key].current_value == "another number"


def test_value_after_its_naming_noun(parser):
    s = _bfcl("simple_javascript_30")  # "... starting from position 5 and covering ..."
    q, res, _ = _hide(s, parser, {(0, "start")})
    cv = res[(0, "start")].current_value
    assert cv.endswith(" position") and f"starting from {cv} and covering the next 7 characters" in q


def test_values_in_code_or_brackets_are_not_removable():
    s = _bfcl("multiple_15")  # "... with coordinates [43.653225, -79.383186] in December ..."
    views = analyse(s)
    coords = next(a for row in views for a in row if a.name == "coordinates")
    assert not coords.eligible and "code" in coords.why_not
    t = '{"F1": 0.8, "recall": 0.7}'
    assert in_code(t, find_scalar(t, 0.8)[0])
    t = "Find the factorial of 5, 10 and 15."
    assert not in_code(t, find_scalar(t, 10)[0])  # a list in words can be rewritten


def test_hidden_noun_reads_as_a_person_would_say_it():
    assert hidden_noun("crop_type", {}, "wheat") == ("type of crop", True)
    assert hidden_noun("imageCount", {}, 10) == ("number of images", True)
    assert hidden_noun("option", {}, "fuel")[1] is False
    assert hidden_noun("source", {}, "summary_draft.docx") == ("file", True)


def test_implied_numbers_are_grounded():
    assert implied("speed", 2, "Can we condense this by doubling its playback speed?")
    assert implied("initial_velocity", 0, "the final speed of an object dropped from 100 m")
    assert not implied("initial_velocity", 0, "the final speed of a car going 100 m")
    assert not implied("speed", 3, "doubling its playback speed")
    s = _bfcl("simple_python_32")  # "... an object dropped from 100 m without air resistance."
    assert ground("initial_velocity", 0, {}, s.query) == USER
    for seed in range(8):
        r = curate_sample(s, seed)
        iv = r.key_info[0].arguments["initial_velocity"]
        assert not iv.removed and iv.grounded == USER, iv


def test_unstated_world_knowledge_numbers_reject_the_record():
    s = _bfcl("multiple_179")  # "What is the probability of getting a full house in poker?" (deck 52, hand 5)
    r = curate_sample(s, 0)
    assert not r.quality.passed
    assert any("never wrote" in u for u in r.metadata["ungrounded"]), r.metadata


def test_date_in_day_month_year_digits_is_located():
    s = _bfcl("simple_python_168")  # start_date '01-01-2021', said "after January 1, 2021"
    assert [x.text for x in find_scalar(s.query, "01-01-2021")] == ["January 1, 2021"]


def test_current_value_always_stands_in_the_query(parser):
    """Over real records: what key_info says stands in the text does; the runs are deterministic."""
    samples = list(corpus("bfcl", "bfcl").values())[:300]
    docs = [parser(s.query) for s in samples]
    methods = Counter()
    for s, d in zip(samples, docs):
        r = curate_sample(s, 3, doc=d)
        assert r.model_dump_json() == curate_sample(s, 3, doc=d).model_dump_json()
        for c in r.key_info:
            for a in c.arguments.values():
                if a.removed and a.method.value != "absent":
                    methods[a.method.value] += 1
                    for part in (a.current_value or "").split("; "):
                        assert part in r.unspecified_query, (s.id, a.current_value, r.unspecified_query)
                    assert not any(f" {x} {y} " in r.unspecified_query.lower() and f" {x} {y} " not in r.original_query.lower()
                                   for x in ("the", "a", "an", "some") for y in ("the", "a", "an", "some")), r.unspecified_query
    assert methods["abstraction"] > 20 and methods["removal"] > 10


# --- session 5: determiners that mark nothing, and the R1 patterns of the second grading ---

def _ace(sid):
    return corpus("acebench", "acebench")[sid]


def test_a_quoted_message_goes_with_its_verb_of_saying(parser):
    s = _bfcl("multi_turn_base_149/turn_2")  # "... user ID USR003 stating, 'I've decided to drop ...' My user id ..."
    views = analyse(s)
    key = next((a.call, a.name) for row in views for a in row if a.name == "message")
    q, res, issues = _hide(s, parser, {key})
    assert "stating" not in q and "I've decided" not in q and "a message" not in q
    assert "Please send a note to my friend's user ID USR003." in q and "USR002" in q
    assert res[key].method == "removal" and not issues


def test_a_sentence_that_only_states_the_value_goes_whole(parser):
    s = _ace("normal_atom_number_36")  # "... attack vector. The firewall endpoint is https://firewall.example.com."
    views = analyse(s)
    key = next((a.call, a.name) for row in views for a in row if a.value == "https://firewall.example.com")
    q, res, issues = _hide(s, parser, {key})
    assert q == "I want to test the web application firewall using the SQL Injection attack vector."
    assert res[key].method == "removal" and res[key].current_value == "" and not issues


def test_a_copula_number_inside_a_clause_is_rejected_not_pasted(parser):
    s = _bfcl("parallel_4")  # "for a person who is 6 feet tall and weighs 80 kg"
    r = curate_sample(s, 0, doc=parser(s.query))
    assert "one tall" not in r.unspecified_query or not r.quality.passed
    for seed in range(8):  # "is 6 feet tall" is "is of a certain height" now (tests/test_rewrite_r1.py, seed 22)
        q, res, issues = _hide(s, parser, {(0, "height")}, seed)
        assert any("'is' states" in i for i in issues) or (
            re.search(r"who is of (?:a certain|a specific|a particular|a given) height and weighs", q) and not issues), (q, issues)


def test_a_unit_is_never_the_name_of_a_hidden_number(parser):
    s = _bfcl("multiple_43")  # "the energy produced by 5 mol of glucose (C6H12O6)"
    for seed in range(6):
        q, res, issues = _hide(s, parser, {(0, "mols")}, seed)
        assert not re.search(r"\b(?:a|some|certain|specific|particular) mols?\b", q), q
        assert "5 mol" not in q


def test_a_year_is_never_a_bare_indefinite(parser):
    s = _ace("normal_atom_number_41")  # "... for TechCorp in 2022? TechCorp is located in San Francisco."
    views = analyse(s)
    key = next((a.call, a.name) for row in views for a in row if a.value in (2022, "2022"))
    for seed in range(12):
        q, res, _ = _hide(s, parser, {key}, seed)
        assert "2022" not in q and " in a year" not in q, q


def test_a_phrase_repeating_the_noun_just_said_is_rejected(parser):
    s = _ace("normal_single_turn_single_function_35")  # "with verification checks for credit score, ..."
    seen = 0
    for seed in range(8):
        q, res, issues = _hide(s, parser, {(0, "verificationChecks")}, seed)
        if re.search(r"checks for (?:an?|some|the|my|certain|specific|particular)\b", q):
            assert any("repeats a word" in i for i in issues), q
        seen += "checks for credit score" in q  # a list's first item is never the one hidden (seed-21 grade)
    assert seen == 8


def test_determiner_follows_the_users_own_sentence():
    """Where the user never writes "a", "a"-forms are rare; the user's own things take "my"/"our";
    the draw is seeded (same seed, same phrase)."""
    from asktoact.curate.rewrite import noun_phrase_form

    no_a = "Get the weather for Paris tomorrow"
    with_a = "Find a hotel in Paris for a week"
    draws = lambda text, noun: Counter(noun_phrase_form(random.Random(i), noun, False, text).split()[0] for i in range(400))
    assert draws(no_a, "city")["a"] < 0.4 * 400 and draws(with_a, "city")["a"] > 0.6 * 400
    assert draws(no_a, "budget")["my"] > 0.3 * 400
    assert draws("Can we book it for our trip", "budget")["our"] > 0.3 * 400
    assert all(noun_phrase_form(random.Random(i), "year", False, with_a) != "a year" for i in range(400))  # "in a year" = "a year from now"
    assert noun_phrase_form(random.Random(5), "city", False, no_a) == noun_phrase_form(random.Random(5), "city", False, no_a)
    assert noun_phrase_form(random.Random(1), "customer ID", False, no_a, own_det="my") == "my customer ID"
