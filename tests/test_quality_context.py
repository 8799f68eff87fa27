"""Values the conversation or the user's words already give (issue 11, session-7 grading):

* R2: a value the earlier turns of a BFCL multi-turn conversation state (an earlier user
  turn or call argument) is not missing, so it is never hidden (multi_turn_base_19/turn_1,
  19/turn_2, 25/turn_3, 2/turn_4);
* R2/R3/R5: values marked ``absent`` that the user does state in other words: a code the
  description spells ("'w' for words", multi_turn_base_12/turn_2), an empty value said as
  "empty" (multi_turn_base_23/turn_2), a fixed choice the user describes ("decently
  hydrated", normal_similar_api_6), a language code whose language is named ("this French
  sentence", normal_similar_api_23).

The records are read from the shared corpus (skipped where it is absent)."""

import json

from conftest import corpus

from asktoact.curate.build import curate_sample
from asktoact.curate.ground import USER, described_choice, ground, language_named, said_before
from asktoact.curate.quality import options_of, unaskable
from asktoact.schema import ArgInfo, RemovalMethod

MULTI = ("bfcl", "bfcl", "BFCL_v4_multi_turn_base.json")
SEEDS = range(6)


def _record(sample, parser, seed=0):
    return curate_sample(sample, seed, doc=parser(sample.query) if parser else None)


def _earlier_values(sample):
    """Every argument value of the earlier calls, and the earlier user turns' text (read
    here without the code under test)."""
    vals, turns = set(), []
    for m in sample.context:
        if m.role == "user":
            turns.append(m.content or "")
        for c in m.tool_calls or []:
            vals |= {json.dumps(v) for v in c.arguments.values()}
    return vals, "\n".join(turns)


def _schema(sample, tool, param):
    return sample.tool(tool).param(param)


def test_a_value_the_conversation_already_states_is_never_hidden(parser):
    """The graded records hid a file name said in an earlier turn; across seeds no value
    an earlier call used (or an earlier user turn quoted) is hidden, and such a value is
    kept as the user's words."""
    samples = corpus(*MULTI)
    for sid in ("multi_turn_base_19/turn_1", "multi_turn_base_19/turn_2", "multi_turn_base_25/turn_3",
                "multi_turn_base_2/turn_4"):
        s = samples[sid]
        vals, turns = _earlier_values(s)
        earlier = [(c.name, p, v) for c in s.calls for p, v in c.arguments.items()
                   if json.dumps(v) in vals or (isinstance(v, str) and f"'{v}'" in turns)]
        assert earlier, sid  # the case the grading saw
        for seed in SEEDS:
            r = _record(s, parser, seed)
            for c in r.key_info:
                for p, a in c.arguments.items():
                    if (c.name, p, a.value) in earlier:
                        assert not a.removed, (sid, seed, p, r.unspecified_query)
                        assert a.grounded == USER and a.current_value and a.current_value in r.unspecified_query
            assert r.quality.passed or not any("earlier conversation" in x for x in r.quality.reasons)


def test_a_value_first_said_in_this_turn_can_still_be_hidden(parser):
    """No false reject: multi_turn_base_19/turn_1 names 'final_document.txt' for the first
    time, so it stays a value to hide (and is hidden for some seed)."""
    s = corpus(*MULTI)["multi_turn_base_19/turn_1"]
    hidden = []
    for seed in range(12):
        r = _record(s, parser, seed)
        a = r.key_info[2].arguments["destination"]
        assert "earlier conversation" not in str(r.metadata.get("not_removable", {}).get("2.destination", ""))
        if a.removed:
            hidden.append(seed)
            assert "final_document.txt" not in r.unspecified_query
    assert hidden


def test_said_before_reads_path_forms_and_skips_chance_matches():
    """A file is the same file written as a path or a bare name; a short number said in
    an earlier turn for something else is not the value."""
    s = corpus(*MULTI)["multi_turn_base_19/turn_2"]  # earlier: cp/mv with test_document.txt, archives
    assert said_before("archives/final_document.txt", s.context)
    assert said_before("final_document.txt", s.context)
    assert said_before("notes_2024.txt", s.context) is None
    assert said_before("final_document.txt", []) is None
    # multi_turn_base_56/turn_1: "my fuel stops" earlier does not state the option 'fuel'
    s = corpus(*MULTI)["multi_turn_base_56/turn_1"]
    assert "fuel" in s.context[0].content and s.calls[0].arguments["option"] == "fuel"
    assert said_before("fuel", s.context, "option") is None
    assert said_before("San Francisco", s.context, "city")  # a name said earlier (and an earlier call's city)


def test_the_qc_rejects_a_hidden_value_the_conversation_states(parser):
    """Another rewriter (the LLM path) may still hide such a value: QC rejects the record
    as unaskable, naming where the conversation states it."""
    s = corpus(*MULTI)["multi_turn_base_19/turn_2"]
    r = _record(s, parser)
    r.key_info[0].arguments["file_name"] = ArgInfo(
        value="final_document.txt", original_value="'final_document.txt'", current_value="a specific file",
        removed=True, located=True, method=RemovalMethod.abstraction, removed_value="final_document.txt")
    why = [x for x in unaskable(r) if "final_document.txt" in x]
    assert why and "earlier conversation" in why[0]


def test_a_code_whose_meaning_the_user_says_is_stated(parser):
    """multi_turn_base_12/turn_2: "tallying up the words" is wc mode 'w' of "('l' for
    lines, 'w' for words, 'c' for characters)": stated, not asked for."""
    s = corpus(*MULTI)["multi_turn_base_12/turn_2"]
    for seed in SEEDS:
        r = _record(s, parser, seed)
        mode = r.key_info[0].arguments["mode"]
        assert not mode.removed and mode.grounded == USER, (seed, mode)
    schema = _schema(s, "wc", "mode")
    assert ground("mode", "w", schema, "Mind tallying up the words in it?") == USER
    assert ground("mode", "c", schema, "Mind tallying up the words in it?") is None
    assert ground("mode", "w", schema, "Count the lines and the words.") is None  # two codes said: no choice
    assert ground("mode", "w", schema, "How big is this file?") is None


def test_an_empty_value_said_as_empty_is_stated(parser):
    """multi_turn_base_23/turn_2: "Leave it empty for resolve description" gives
    resolution=''; it is the user's word, not a question."""
    s = corpus(*MULTI)["multi_turn_base_23/turn_2"]
    assert s.calls[0].arguments["resolution"] == ""
    for seed in SEEDS:
        r = _record(s, parser, seed)
        a = r.key_info[0].arguments["resolution"]
        assert not a.removed and a.grounded == USER, (seed, a)
    assert ground("resolution", "", _schema(s, "resolve_ticket", "resolution"), "Resolve ticket 7423.") is None


def test_a_fixed_choice_the_user_describes_is_not_asked(parser):
    """normal_similar_api_6: hydration_level of ('low', 'medium', 'high'); the user says
    "I think I'm decently hydrated". Asking repeats the request and picking 'medium' would
    be a guess: rejected with the reason. A query that never speaks of it stays askable."""
    s = corpus("acebench", "acebench")["normal_similar_api_6"]
    schema = _schema(s, "Headache_Relief_b", "hydration_level")
    assert options_of(schema) == ["low", "medium", "high"]
    r = _record(s, parser)
    assert not r.quality.passed
    why = [x for x in r.quality.reasons if x.startswith("ungrounded: ") and "hydration_level" in x]
    assert why and "hydrated" in why[0], r.quality.reasons
    assert described_choice("hydration_level", "medium", schema, "I have a headache after the park.") is None
    assert described_choice("hydration_level", "extreme", schema, "I'm decently hydrated") is None  # no choice


def test_a_language_code_whose_language_is_named_is_not_asked(parser):
    """normal_similar_api_23: "this French sentence" gives language='fr' (a code for a
    named language, like the other codes inferred from the user's words): rejected."""
    s = corpus("acebench", "acebench")["normal_similar_api_23"]
    r = _record(s, parser)
    assert not r.quality.passed
    assert any(x.startswith("ungrounded: ") and "'French'" in x for x in r.quality.reasons), r.quality.reasons
    schema = _schema(s, "syntax_parsing_a", "language")
    assert language_named("language", "fr", schema, "check this French sentence") == "French"
    assert language_named("language", "fr", schema, "check this sentence") is None
    assert language_named("language", "de", schema, "check this French sentence") is None


def test_the_qc_flags_a_hidden_code_whose_meaning_stays(parser):
    """If a rewriter hid wc mode 'w' while "tallying up the words" stays, the query still
    says it: a giveaway."""
    from asktoact.curate.quality import still_implied

    s = corpus(*MULTI)["multi_turn_base_12/turn_2"]
    r = _record(s, parser)
    r.key_info[0].arguments["mode"] = ArgInfo(value="w", original_value="w", current_value="some mode",
                                              removed=True, located=True, method=RemovalMethod.abstraction,
                                              removed_value="w")
    assert any("'w'" in x and "words" in x for x in still_implied(r)), still_implied(r)
