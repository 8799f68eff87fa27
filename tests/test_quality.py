"""QC on the records a blind grade flagged (issue 11, session 7): hidden values the rest of
the query still gives away (R2), values a user cannot give (R3), and what key_info says (R5)."""

import pytest

from asktoact.curate.build import curate_sample
from asktoact.curate.quality import _code_for, _implied_option, options_of, still_implied, unaskable
from asktoact.sources import load


def _sample(src, path, sid):
    for s in load(src, path):
        if s.id == sid:
            return s
    raise KeyError(sid)


def _record(sample, parser, seed=0, hide_parts=False):
    return curate_sample(sample, seed, doc=parser(sample.query) if parser else None, hide_parts=hide_parts)


def _hidden(r, p):
    return [a for c in r.key_info for q, a in c.arguments.items() if q == p and a.removed]


def test_a_hidden_choice_named_by_its_words_is_a_giveaway(shared, parser):
    """normal_atom_enum_20: loanPurpose=HomePurchase hidden, "purchasing a new home" stays."""
    s = _sample("acebench", shared("acebench"), "normal_atom_enum_20")
    seen = 0
    for seed in range(8):
        r = _record(s, parser, seed)
        if _hidden(r, "loanPurpose") and "purchasing a new home" in r.unspecified_query:
            seen += 1
            assert not r.quality.passed
            assert any(x.startswith("giveaway: ") and "HomePurchase" in x for x in r.quality.reasons), r.quality.reasons
    assert seen
    opts = ["HomePurchase", "CarPurchase", "Education", "Personal"]
    assert _implied_option("HomePurchase", opts, "offers for purchasing a new home")
    assert not _implied_option("HomePurchase", opts, "offers for a particular loan purpose")
    # "events" is not the choice "evening" (normal_single_turn_parallel_function_36)
    assert not _implied_option("evening", ["morning", "afternoon", "evening"], "I'm planning two events")
    assert options_of({"description": "Type of the order (Buy/Sell)."}) == ["Buy", "Sell"]


def test_a_hidden_code_whose_name_stays_is_a_giveaway(shared, parser):
    """toolalpaca_25: the airport code AVL hidden while "Asheville Regional Airport" stays."""
    s = _sample("toolalpaca", shared("toolbench_style", "toolalpaca.json"), "toolalpaca_25")
    r = _record(s, parser)
    assert _hidden(r, "apt") and "Asheville" in r.unspecified_query
    assert not r.quality.passed and any("'AVL'" in x and x.startswith("giveaway") for x in r.quality.reasons)
    assert _code_for("AVL", s.query.replace("AVL", "")) == "Asheville"
    assert _code_for("NY", "the population of New York") == "New York"
    assert _code_for("AVL", "a trip to Denver") is None
    assert _code_for("Avl", "Asheville") is None  # not a code


def test_a_value_from_an_earlier_lookup_is_not_asked_of_the_user(shared, parser):
    """multi_turn_base_68/turn_3: the destination is the address find_nearest_tire_shop
    returned; BFCL carries no outputs, so asking the user for it is wrong: rejected."""
    for sid, p in (("multi_turn_base_68/turn_3", "destination"), ("multi_turn_base_118/turn_1", "symbol")):
        s = _sample("bfcl", shared("bfcl", "BFCL_v4_multi_turn_base.json"), sid)
        r = _record(s, parser)
        assert [a.method.value for a in _hidden(r, p)] == ["absent"]
        why = [x for x in r.quality.reasons if x.startswith("unaskable: ")]
        assert not r.quality.passed and why and "earlier lookup" in why[0], r.quality.reasons
    # a value the user did say in an earlier turn is no lookup's (multi_turn_base_116/turn_5's symbol)
    s = _sample("bfcl", shared("bfcl", "BFCL_v4_multi_turn_base.json"), "multi_turn_base_116/turn_5")
    assert not any("symbol" in x for x in unaskable(_record(s, parser)))


def test_source_defects_are_rejected(shared, parser):
    """sealtools_152 ("for a city" as the location) and sealtools_277 ("04:02" as a time
    period of literature): values no user gives; a real place or a real clock time stays."""
    path = shared("toolbench_style", "sealtool.json")
    for sid, words in (("sealtools_152", "'a city'"), ("sealtools_277", "clock time")):
        r = _record(_sample("sealtools", path, sid), parser)
        assert not r.quality.passed
        assert any(x.startswith("unaskable: ") and words in x for x in r.quality.reasons), r.quality.reasons
    # sealtools_11: "at 2:47 p.m." for a time whose example is hh:mm: a fine value
    r = _record(_sample("sealtools", path, "sealtools_11"), parser)
    assert not any(x.startswith("unaskable") for x in r.quality.reasons), r.quality.reasons


def test_key_info_says_what_the_text_says(shared, parser):
    """R5: simple_java_39 kept event=logEvent as "LogEvent" (a different word, found
    case-blind); normal_single_turn_single_function_18 recorded a time range as its first
    date. original_value holds the exact text, one part per stated part of an object."""
    s = _sample("bfcl", shared("bfcl", "BFCL_v4_simple_java.json"), "simple_java_39")
    for seed in range(4):
        r = _record(s, parser, seed)
        ev = r.key_info[0].arguments["event"]
        if not ev.removed:
            assert ev.original_value == "logEvent" and ev.current_value == "logEvent"
    s = _sample("acebench", shared("acebench"), "normal_single_turn_single_function_18")
    seen = 0
    for seed in range(8):
        r = _record(s, parser, seed, hide_parts=True)  # the time range, an object, is hidden only so
        t = r.key_info[0].arguments["time"]
        for c in r.key_info:
            for a in c.arguments.values():
                for part in (a.original_value or "").split("; "):
                    assert part in s.query, (seed, a)
        if t.removed and t.method.value == "abstraction":
            seen += 1
            assert "May 28, 2023" in t.original_value and "May 29, 2023" in t.original_value, t.original_value
    assert seen


def test_no_new_giveaway_on_plain_records(shared, parser):
    """The checks stay quiet where nothing is implied: normal_single_turn_parallel_function_36
    ("events" near a hidden "evening") and parallel_89."""
    for src, path, sid in (("acebench", shared("acebench"), "normal_single_turn_parallel_function_36"),
                           ("bfcl", shared("bfcl", "BFCL_v4_parallel.json"), "parallel_89")):
        for seed in range(4):
            r = _record(_sample(src, path, sid), parser, seed)
            assert still_implied(r) == [] and unaskable(r) == [], (sid, seed)


def test_a_choice_said_in_other_words_is_found_by_meaning(shared, parser):
    """multi_turn_base_116/turn_5: order_type=Buy of (Buy/Sell) is asked for while the user
    says "execute a purchase"; the MiniLM check (run with the similarity filter) rejects it.
    normal_atom_enum_40 (a rain alert; "bad weather" stays) is no such case."""
    pytest.importorskip("sentence_transformers")
    from asktoact.curate.quality import Embedder, apply_similarity, implied_by_meaning

    try:
        emb = Embedder()
    except Exception as e:  # pragma: no cover - the offline model is an extra
        pytest.skip(f"no embedder: {e}")
    s = _sample("bfcl", shared("bfcl", "BFCL_v4_multi_turn_base.json"), "multi_turn_base_116/turn_5")
    r = _record(s, parser)
    assert [a.method.value for a in _hidden(r, "order_type")] == ["absent"]
    apply_similarity([r], emb)
    assert not r.quality.passed and any("'Buy'" in x and x.startswith("giveaway") for x in r.quality.reasons)
    for seed in range(4):
        r = _record(_sample("acebench", shared("acebench"), "normal_atom_enum_40"), parser, seed)
        assert implied_by_meaning(r, emb) == [], seed


def test_a_place_named_by_its_adjective_is_not_asked_for(shared, parser):
    """simple_python_231: country=Germany is asked for (absent) though the user wrote
    "German history": the value is said, asking is wrong; rejected with a reason."""
    from asktoact.curate.quality import _demonym_for

    s = _sample("bfcl", shared("bfcl", "BFCL_v4_simple_python.json"), "simple_python_231")
    r = _record(s, parser)
    assert _hidden(r, "country") and "German history" in r.unspecified_query
    assert not r.quality.passed and any("'German'" in x and x.startswith("giveaway") for x in r.quality.reasons)
    assert _demonym_for("Italy", "local Italian pasta dishes") == "Italian"
    assert _demonym_for("Austin", "an Australian band") is None
