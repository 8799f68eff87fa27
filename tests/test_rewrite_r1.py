"""R1 ("reads as something a person would write") on real records the blind grade failed (issue 11).

A stand-in pasted where the words around it already hold a determiner, a noun or a unit
("the keyword a certain pattern", "an area state", "a m.") is repaired by replacing the whole
noun phrase, or the record is rejected with a reason; a removal leaves nothing hanging
("with a rating.", "with that text?"). Each case is a real query from ../shared/data."""

import random
import re

import pytest

from asktoact.curate.build import analyse
from asktoact.curate.rewrite import EditPlan, _singular, rewrite_query

from conftest import corpus

STAND_IN = r"(?:an?|the|some|a certain|a specific|a particular|a given|one particular|one specific|the desired|the required|the chosen)"


def _sample(src, sid):
    path = {"bfcl": ("bfcl",), "acebench": ("acebench",), "sealtools": ("toolbench_style", "sealtool.json"),
            "toolalpaca": ("toolbench_style", "toolalpaca.json")}[src]
    return corpus(src, *path)[sid]


def _hide(sample, parser, keys, seed=0):
    """Hide exactly ``keys`` ((call, param) pairs) as curate_sample does; (query, results, issues)."""
    views = analyse(sample, hide_parts=True)  # the keys are chosen: lists and objects too
    plans = []
    for row in views:
        for a in row:
            if (a.call, a.name) in keys:
                assert a.eligible, (a.name, a.why_not)
                tool = sample.tool(sample.calls[a.call].name)
                plans.append(EditPlan(key=(a.call, a.name), value=a.value, schema=a.schema, location=a.location,
                                      required=tool.is_required(a.name), force_abstraction=False))
    assert len(plans) == len(keys)
    protected = [(sp.start, sp.end) for row in views for a in row
                 if a.location.found and (a.call, a.name) not in keys for sp in a.location.spans]
    issues: list[str] = []
    q, res = rewrite_query(sample.query, plans, random.Random(seed), doc=parser(sample.query), protected=protected,
                           issues=issues)
    return q, res, issues


@pytest.mark.parametrize("seed", range(4))
def test_quoted_value_after_its_noun_becomes_one_phrase(parser, seed):
    # "... for the occurrence of the keyword 'Error'." was "the keyword a certain pattern"
    s = _sample("bfcl", "multi_turn_base_1/turn_2")
    q, res, issues = _hide(s, parser, {(1, "pattern")}, seed)
    assert "Error" not in q and not issues
    assert re.search(rf"for the occurrence of (?:{STAND_IN} keyword|the keyword I(?: have in mind| need|'m thinking of))\.$", q), q
    assert re.search(r"keyword(?: I have in mind| I need| I'm thinking of)?$", res[(1, "pattern")].current_value)


@pytest.mark.parametrize("seed", range(4))
def test_quoted_argument_after_its_noun(parser, seed):
    # "passing an argument 'resultData' to the target coroutine" was "passing an argument an arg object"
    s = _sample("bfcl", "simple_java_71")
    q, res, issues = _hide(s, parser, {(0, "arg_object")}, seed)
    assert "resultData" not in q and not issues
    assert re.search(rf"passing {STAND_IN} argument to the target coroutine", q), q


@pytest.mark.parametrize("sid,key,why", [
    # simple_python_136 ("compounded monthly") now reads "compounded at a certain frequency": test_seed23_wording_fixes
    ("parallel_8", (2, "area"), "modified behind ('state')"),      # "for Alaska state" -> "for an area state"
    ("multiple_163", (0, "number"), "determiner"),                 # "top 5 popular artworks" -> "top some number ..."
    # simple_python_95 ("height 3m." -> "height a m.") is repaired now: tests/test_rewrite_standin.py
    ("simple_python_172", (0, "case_id"), "modified behind"),      # "the 'R vs Adams' legal case" -> "a case ID legal case"
])
def test_colliding_stand_in_is_rejected_with_a_reason(parser, sid, key, why):
    s = _sample("bfcl", sid)
    _, _, issues = _hide(s, parser, {key})
    assert any(why in i for i in issues), issues


def test_stand_in_repeating_the_noun_just_said_is_rejected(parser):
    s = _sample("acebench", "normal_atom_list_40")  # "I need to set an alarm for 07:30 ..."
    q, _, issues = _hide(s, parser, {(0, "alarmTime")})
    assert any("repeats a word just said" in i for i in issues), (q, issues)


def test_item_of_a_modifier_list_is_rejected_and_singular_is_english(parser):
    s = _sample("acebench", "normal_atom_list_11")  # "I am interested in role-playing and action games."
    q, _, issues = _hide(s, parser, {(0, "interestCategories")})
    assert "categorie " not in q
    assert any("modified behind ('games')" in i for i in issues), (q, issues)
    assert _singular("interest categories") == "interest category"
    assert _singular("boxes") == "box" and _singular("caches") == "cache" and _singular("series") == "series"


def test_removal_takes_the_naming_noun_with_it(parser):
    s = _sample("bfcl", "multiple_177")  # "Find the top chess players in New York with a rating above 2300."
    q, res, issues = _hide(s, parser, {(0, "location"), (0, "minimum_rating")})
    assert "2300" not in q and "New York" not in q
    assert not q.endswith("with a rating."), q
    assert q == "Find the top chess players."


def test_no_removal_when_a_later_phrase_points_back(parser):
    # "... a cat picture that says 'Happy Birthday!' Can you find a random cat image with that text?"
    s = _sample("toolalpaca", "toolalpaca_93")
    q, res, issues = _hide(s, parser, {(0, "text")})
    assert "Happy Birthday" not in q
    assert res[(0, "text")].method != "removal" or "that text" not in q


@pytest.mark.parametrize("seed", range(6))
def test_named_noun_does_not_hang(parser, seed):
    # "at an altitude of 77 and a speed of 26." was "... and a speed."
    s = _sample("sealtools", "sealtools_195")
    q, res, issues = _hide(s, parser, {(0, "speed")}, seed)
    cv = res[(0, "speed")].current_value
    assert "26" not in q and cv.endswith("speed") and cv not in ("a speed", "some speed"), cv
    assert q.endswith(f"at an altitude of 77 and {cv}.")


def test_value_whose_stand_in_collides_is_kept_and_the_rest_hidden(parser):
    # parallel_8 (seed 0) draws Los Angeles, Alaska and USA; "Los Angeles, CA" and "for Alaska
    # state" have no stand-in ("another area, CA", "an area state"), so both stay as written
    # and USA alone is hidden
    from asktoact.curate.build import curate_sample

    s = _sample("bfcl", "parallel_8")
    rec = curate_sample(s, 0, doc=parser(s.query))
    assert rec.metadata.get("kept_for_grammar") == ["1.area", "2.area"]  # "another area, CA" too
    assert "for Alaska state and another area" in rec.unspecified_query
    assert "Los Angeles, CA" in rec.unspecified_query and "an area state" not in rec.unspecified_query
    assert not rec.key_info[2].arguments["area"].removed and rec.key_info[3].arguments["area"].removed
    assert rec.level == 2 and not rec.metadata.get("rewrite_issues") and rec.quality.passed


@pytest.mark.parametrize("seed", range(4))
def test_a_hyphenated_word_kept_in_the_stand_in_keeps_its_spelling(parser, seed):
    # normal_atom_bool_2: "the emerging e-commerce trends" with trend_type hidden read
    # "the e - commerce trends" (the noun phrase was rebuilt from tokens joined by spaces)
    q, res, issues = _hide(_sample("acebench", "normal_atom_bool_2"), parser, {(0, "trend_type")}, seed)
    assert "emerging" not in q and " - " not in q, q
    if not issues:
        assert "e-commerce" in q, q


# session 11 (graded R1 fails of seed 18): each query is hidden as the grader saw it
@pytest.mark.parametrize("seed", range(4))
def test_a_name_after_a_naming_verb_goes_with_the_verb(parser, seed):
    # "a new menu item named "Chana Masala"" was "a new menu item with some name"
    s = _sample("acebench", "normal_preference_34")
    q, res, issues = _hide(s, parser, {(0, "MenuItem")}, seed)
    assert q == "Can you add a new menu item to the Indian restaurant according to my dietary and allergic preferences?"
    assert not issues and res[(0, "MenuItem")].method == "removal"


@pytest.mark.parametrize("seed", range(4))
def test_a_stand_in_never_sits_inside_the_values_quotes(parser, seed):
    # 'notifications to "Push Notification."' was 'to "the preferred notification method I have in mind."'
    import copy

    # (the profile also states it, so a build keeps it visible: test_seed23_value_in_the_profile_is_not_hidden;
    # the wording is checked on the query alone)
    s = copy.copy(_sample("acebench", "normal_preference_45"))
    s.context = []
    q, _, _ = _hide(s, parser, {(0, "preferredNotificationMethod")}, seed)
    tail = q.split("notifications to ")[1]
    assert "Push" not in q and '"' not in tail and tail.endswith("."), q  # the sentence's mark stays, the quotes go


@pytest.mark.parametrize("seed", range(4))
def test_a_year_with_its_era_is_named_as_a_year(parser, seed):
    # "from 100 A.D to 1500 A.D." was "from 100 A.D to an A.D."
    s = _sample("bfcl", "parallel_34")
    keys = {(0, "end_year")}  # the second call's equal value is hidden with it (linked)
    q, _, _ = _hide(s, parser, keys, seed)
    assert "1500" not in q and " an A.D" not in q and re.search(r"to (?:a|the) [a-z ]*year\.$", q), q


@pytest.mark.parametrize("seed", range(4))
def test_a_city_and_a_count_read_as_people_say_them(parser, seed):
    # "in Seattle, WA for my group of 10 friends" was "in the location I need for my group of some number of friends"
    s = _sample("bfcl", "parallel_multiple_125")
    keys = {(0, p) for p in ("location", "group_size") if p in s.calls[0].arguments}  # later equal values are linked
    q, _, _ = _hide(s, parser, keys, seed)
    assert "Seattle" not in q and "10" not in q and "some number of" not in q and "location" not in q, q
    assert re.search(r"\bcity\b", q) and re.search(r"group of (?:a few|several|some|a certain number of|a number of|a specific number of) friends", q), q


def test_a_bare_noun_is_not_left_without_its_article(parser):
    # "stats for player 'LeBron James' from last game" was "stats for player from last game"
    s = _sample("bfcl", "simple_python_304")
    q, _, _ = _hide(s, parser, {(0, "player_name")}, 0)
    assert "LeBron" not in q and not re.search(r"\bfor player\b(?! name)", q), q


@pytest.mark.parametrize("seed", range(4))
def test_a_count_left_open_keeps_which_end_is_meant(parser, seed):
    # "show the last 20 lines the file" was "show several lines the file" (head or tail? graded R3 fail)
    s = _sample("bfcl", "multi_turn_base_1/turn_3")
    key = next((c, p) for c, call in enumerate(s.calls) for p, v in call.arguments.items() if v == 20)
    q, _, _ = _hide(s, parser, {key}, seed)
    assert "20" not in q and re.search(r"the last (?:few|several) lines", q), q


def test_a_kept_list_is_recorded_item_by_item(parser):
    """R5: key_info's original_value for a kept list names every item as written, not the
    first alone (parallel_189 "a Tennis Court and a Picnic Area")."""
    from asktoact.curate.build import curate_sample

    s = _sample("bfcl", "parallel_189")
    r = curate_sample(s, 0, doc=parser(s.query))
    kept = [a for c in r.key_info for p, a in c.arguments.items() if p == "amenities"]
    assert [a.original_value for a in kept] == ["Tennis Court; Picnic Area", "Playground; Running Track",
                                                "Tennis Court; Playground"]
    assert all(not a.removed and a.current_value == a.original_value for a in kept)


@pytest.mark.parametrize("seed", range(4))
def test_the_last_number_of_a_list_is_one_more(parser, seed):
    # "my kids aged 4, 7, and 9" was "4, 7, and another children age" (seed 19, graded R1 fail)
    s = _sample("acebench", "normal_atom_list_33")
    q, res, issues = _hide(s, parser, {(0, "childrenAges")}, seed)
    if "9" in q:  # an earlier age hidden: "4, another age, and 9" reads wrong, so the record is rejected
        assert any("before others in a list" in i for i in issues), (q, issues)
    else:
        assert "aged 4, 7, and one more." in q and "children age" not in q and not issues, q


@pytest.mark.parametrize("seed", range(6))
def test_my_is_for_what_the_user_has(parser, seed):
    # "a triangle with a base of 10 units and height of 5 units" was "... and my height"; a
    # synapse's "weight 0.5" was "my weight" (seed 19, graded R1 fails)
    for sid, key in (("simple_python_0", (0, "height")), ("simple_python_220", (0, "weight"))):
        q, _, _ = _hide(_sample("bfcl", sid), parser, {key}, seed)
        assert not re.search(r"\bmy (?:height|weight)\b", q), q


@pytest.mark.parametrize("seed", range(4))
def test_another_only_after_a_value_of_its_kind(parser, seed):
    # "board games for 2 players and strategy" was "2 players and another category" (graded R1 fail)
    s = _sample("bfcl", "multiple_86")
    q, _, _ = _hide(s, parser, {(0, "category")}, seed)
    assert "strategy" not in q and "another category" not in q, q


@pytest.mark.parametrize("sid,key,why", [
    ("sealtools_51", (0, "data"), "repeats a word just said"),             # "using data on a dataset"
    ("normal_atom_number_34", (0, "integrationNeeds"), "repeats a word"),  # "integrates well with some integration needs"
    ("simple_python_366", (0, "from_unit"), "follows a number"),           # "in 2 the unit I'm thinking of"
])
def test_stand_in_that_repeats_its_verb_or_follows_a_number_is_rejected(parser, sid, key, why):
    src = "acebench" if sid.startswith("normal") else "sealtools" if sid.startswith("sealtools") else "bfcl"
    for seed in range(4):
        _, _, issues = _hide(_sample(src, sid), parser, {key}, seed)
        assert any(why in i for i in issues), (seed, issues)


def test_tidy_keeps_the_of_of_thinking_of():
    from asktoact.curate.rewrite import tidy

    assert tidy("Find the area with a base of 10 and the height I'm thinking of.") == \
        "Find the area with a base of 10 and the height I'm thinking of."
    assert tidy("Send it to.") == "Send it."  # a preposition left hanging still goes


@pytest.mark.parametrize("sid,key,why", [
    ("normal_single_turn_parallel_function_66", (1, "monitoringInterval"), "unit without its number"),  # "a minutes interval"
    ("sealtools_116", (0, "species"), "names a kind"),  # "a 23-year-old dog" -> "a 23-year-old species"
])
def test_stand_in_that_drops_a_number_or_names_a_kind_is_rejected(parser, sid, key, why):
    src = "sealtools" if sid.startswith("sealtools") else "acebench"
    for seed in range(4):
        q, _, issues = _hide(_sample(src, sid), parser, {key}, seed)
        assert any(why in i for i in issues), (seed, q, issues)


def test_a_preference_is_named_by_what_is_preferred():
    from asktoact.curate.rewrite import param_noun

    assert param_noun("sourcePreference", {}, "CDC") == "source"  # "using a source preference" (graded R1 fail)
    assert param_noun("diet_preferences", {}, ["vegan"]) == "diet"
    assert param_noun("preference", {}, "x") == "preference"  # nothing else to name it by


@pytest.mark.parametrize("seed", range(6))
def test_a_named_value_is_one_meant_not_a_form_field(parser, seed):
    # "with case ID of 1234" was "with the desired case ID"; "width of 7 units and length of 10
    # units" was "a given width and the required length" (seed 20, graded R1 fails)
    for sid, keys in (("simple_python_184", {(0, "case_id")}), ("multiple_31", {(0, "width"), (0, "length")})):
        q, _, issues = _hide(_sample("bfcl", sid), parser, keys, seed)
        assert not re.search(r"\bthe (?:desired|required|chosen)\b", q), q
        if not issues:  # else rejected ("width of the width I have in mind" repeats a word)
            assert re.search(r"\b(?:a (?:certain|specific|particular|given)|one (?:particular|specific)) (?:case ID|width)\b"
                             r"|\bthe (?:case ID|width) I(?: have in mind| need|'m thinking of)", q), q


@pytest.mark.parametrize("seed", range(4))
def test_a_count_keeps_what_it_counts(parser, seed):
    # "under 500 calories" was "under an amount", "lose 500 calories" was "lose some calorie"
    for sid, key, before in (("multiple_89", (0, "calories"), "under"),
                             ("parallel_multiple_17", (0, "calorie"), "lose")):
        q, _, _ = _hide(_sample("bfcl", sid), parser, {key}, seed)
        assert "500" not in q and re.search(rf"{before} a (?:certain|specific|given) number of calories\b", q), q


def test_naming_a_copy_and_someone_elses_address(parser):
    # "name it ultimate_draft.docx" was "name it another file"; "cc it to my assistant at
    # assistant@example.com" was "my assistant at my email address" (graded R1/R3 fails)
    q, _, _ = _hide(_sample("bfcl", "multi_turn_base_45/turn_1"), parser, {(1, "source"), (1, "destination")})
    assert "give it a new name and put it in ResearchDocs" in q and "another file" not in q, q
    s = _sample("bfcl", "parallel_193")
    q, _, _ = _hide(s, parser, {(1, "cc")})
    assert "carbon copy it to my assistant's email address and" in q and "assistant@" not in q, q


@pytest.mark.parametrize("seed", range(4))
def test_my_not_for_a_way_or_for_a_things_location(parser, seed):
    # "We would prefer alerts via my contact method"; a camera "at my location" (graded R1 fails)
    q, _, _ = _hide(_sample("acebench", "normal_atom_enum_40"), parser, {(0, "contactMethod")}, seed)
    assert "SMS" not in q and "my contact method" not in q, q
    q, _, _ = _hide(_sample("sealtools", "sealtools_248"), parser, {(0, "location")}, seed)
    assert "gO1KoCXZeX" not in q and "my location" not in q, q


def test_that_x_needs_a_first_mention_left_open(parser):
    # "the emerging e-commerce trends ... interested in emerging trends" became "the e-commerce
    # trends ... interested in that trend": nothing left open for "that" to point at
    q, _, issues = _hide(_sample("acebench", "normal_atom_bool_2"), parser, {(0, "trend_type")})
    # (a kind named by trend_type stays open now: "the e-commerce trends of a certain type ... that type of trend")
    assert any("point back at a first mention" in i for i in issues) or (
        re.search(rf"e-commerce trends of {STAND_IN} type, .* interested in that type of trend\.", q) and not issues), (q, issues)


def test_an_objects_name_is_the_person_it_names(parser):
    # applicant_details {name, address}: "For some applicant details at an address" (graded R1 fail)
    s = _sample("acebench", "normal_single_turn_parallel_function_70")
    q, _, _ = _hide(s, parser, {(4, "applicant_details")})
    assert "Michael Brown" not in q and "910 Birch Rd" not in q and "applicant details" not in q, q
    assert re.search(r"5\. For (?:an|some|a certain|a specific|a particular|a given) applicant at [^,]*\baddress\b[^,]*, a Restaurant", q), q


def test_values_the_assistant_picks_are_not_asked_for(parser):
    """R3: "find fruits in season" called getFruitByName('apple'), ('banana'): nobody said a fruit,
    and the user cannot be asked which (toolalpaca_89): rejected, not marked missing."""
    from asktoact.curate.build import curate_sample

    s = _sample("toolalpaca", "toolalpaca_89")
    r = curate_sample(s, 0, doc=parser(s.query))
    assert any("the assistant's own picks" in u for u in r.metadata.get("ungrounded", [])), r.metadata
    assert not r.quality.passed


def test_a_month_glued_to_its_day_is_located():
    from asktoact.curate.locate import locate

    q = "Find the NASDAQ stock price for the company Amazon at closing March.11, 2022."  # simple_python_142
    loc = locate(q, "2022-03-11")
    assert loc.found and q[loc.spans[0].start:loc.spans[0].end] == "March.11, 2022"


def test_session13_reading_fixes(parser):
    """Patterns found reading a tuning sample (seed 101, never a grading seed) of runs/v14."""
    cases = [
        # a count keeps the words between number and noun ("top 10 landmark cases")
        ("bfcl", "simple_python_174", {(0, "top_number")}, r"the top (?:few|several) landmark cases"),
        # the unit stays when an amount is hidden ("an additional 30 gallons" was "a fuel amount")
        ("bfcl", "multi_turn_base_75/turn_0", {(0, "fuelAmount")}, r"a (?:certain|specific|given) number of gallons"),
        # no article before a name ("a player Lebron James")
        ("bfcl", "simple_python_311", {(0, "sport")}, r"profile of player Lebron James"),
        # a kind named by what it is ("a particular concert" lost the genre)
        ("bfcl", "simple_python_287", {(0, "genre")}, r"a concert of (?:a certain|a specific|a particular|a given) genre"),
        # "referred to as 'emailForm'" goes with its value ("referred to as an email form element")
        ("bfcl", "simple_javascript_8", {(0, "formElem")}, r"if an email form element includes an input"),
    ]
    for src, sid, keys, want in cases:
        q, _, issues = _hide(_sample(src, sid), parser, keys)
        assert re.search(want, q) and not issues, (sid, q, issues)
    # two cities hidden, one possessive: "some city and another city's", not "some city and some city's"
    q, _, _ = _hide(_sample("bfcl", "parallel_42"), parser, {(0, "city"), (1, "city")})
    assert re.search(r"another city's music stores", q) and not re.search(r"(\w+ city) and \1's", q), q
    # "apples, oranges, and bananas" as "some name, oranges, and another name" is rejected
    _, _, issues = _hide(_sample("toolalpaca", "toolalpaca_90"), parser, {(0, "name")})
    assert any("named only as a 'name'" in i for i in issues), issues


def test_tidy_keeps_the_stand_in_after_its():
    from asktoact.curate.rewrite import tidy

    # "It's game ID 129632" was "It's game ID," (normal_atom_object_short_16): "It's" is no possessive
    assert tidy("Can you help? It's a certain game ID, and the event", "Can you help? It's game ID 129632, and the event") \
        == "Can you help? It's a certain game ID, and the event"
    assert tidy("Show Jordan's the stat.", "Show Jordan's points.") == "Show Jordan's stat."


def test_session13_second_reading_fixes(parser):
    """Patterns found reading a second tuning sample (seed 102) of runs/v15."""
    cases = [
        # "from the uptown location" -> "from the location" pointed at one already known
        ("bfcl", "parallel_54", {(1, "location")}, r"same items(?: from (?:a certain|a specific|a particular|a given|my) location)?\.$"),
        # "in Miami, Florida": "the location I'm thinking of, Florida" -> a city in Florida
        ("bfcl", "simple_python_188", {(0, "location")}, r"humidity level in (?:a|a certain|a specific|a particular|some|the city I have in mind) city in Florida\b"),
        # "in the upcoming 7 days" keeps which days ("the number of days I need" read as a form)
        ("bfcl", "multiple_142", {(0, "days")}, r"in the upcoming (?:few|several) days\?"),
        # "by 10%" is a percentage, not "some sales units increase percentage"
        ("bfcl", "multiple_13", {(0, "sales_units_increase_percentage")}, r"product A by (?:a|some|a certain|a specific|a particular|a given) percentage"),
        # "a high level of media interest" -> "a certain level of media interest", not "a level of"
        ("acebench", "normal_atom_enum_44", {(0, "mediaInterest")}, r"expect (?:a certain|a specific|a particular|a given) level of media interest"),
        # a date's own comma goes with it ("from a date, to another date")
        ("acebench", "normal_single_turn_single_function_64", {(0, "date_range")}, r"from (?:a|a certain|a specific|a particular|some) date to another date\."),
    ]
    for src, sid, keys, want in cases:
        s = _sample(src, sid)
        q, _, issues = _hide(s, parser, keys)
        assert re.search(want, q) and not issues, (sid, q, issues)
    # "case IDs 'A1234'" as "case IDs case ID" repeats the noun: flagged, the value is kept
    _, _, issues = _hide(_sample("acebench", "normal_single_turn_parallel_function_99"), parser, {(0, "caseId")})
    assert any("repeats the noun just before it" in i or "follows a noun already there" in i for i in issues), issues


def test_seed21_grade_fixes(parser):
    """Failures two blind graders found in the seed-21 sample (docs/grading/README.md)."""
    any_form = r"(?:a certain|a specific|a particular|a given|one particular|one specific|the \w+(?: \w+)? I(?: have in mind|'m thinking of))"
    cases = [
        ("bfcl", "simple_python_147", {(0, "duration")}, r"for the last (?:few|several) weeks\.$"),           # "the last duration"
        ("bfcl", "simple_python_348", {(0, "starting_level")}, rf"set the starting level to {any_form}"),       # "to the starting level I want"
        ("bfcl", "parallel_1", {(0, "b_field")}, rf"force for {any_form} magnetic field, area"),        # "a magnetic field of a Tesla"
        ("bfcl", "parallel_165", {(1, "alpha")}, r"once with a different significance level\.\"$"),            # "a significance level of an alpha"
        ("acebench", "normal_preference_14", {(0, "UserHomeLocation")}, r"update my home location to a new location and"),
        ("acebench", "normal_atom_enum_46", {(0, "rating")}, r"any with a rating of a certain level\?$"),       # "any with a rating"
        ("acebench", "normal_atom_bool_44", {(0, "lecture_date")}, r"happening on (?:a certain|a specific|a particular|some) date\."),  # "on a date"
    ]
    for src, sid, keys, want in cases:
        q, _, issues = _hide(_sample(src, sid), parser, keys)
        assert re.search(want, q) and not issues, (sid, q, issues)
    # "with the argument 'HelloWorld'": removing the value left "with the argument using ..."
    q, _, _ = _hide(_sample("bfcl", "simple_java_95"), parser, {(0, "argument")})
    assert "with the argument using" not in q and "HelloWorld" not in q, q
    for src, sid, keys, why in (
            ("bfcl", "multiple_110", {(0, "snp_id")}, "follows a parenthesis"),                  # "SNP (...) a particular ID"
            ("acebench", "normal_similar_api_24", {(0, "interactive_elements")}, "said again right after it"),
            ("acebench", "normal_single_turn_parallel_function_77", {(0, "garden_size")}, "said again right after it")):
        _, _, issues = _hide(_sample(src, sid), parser, keys)
        assert any(why in i for i in issues), (sid, issues)


def test_a_lists_first_item_is_not_the_one_hidden(parser):
    # "include a particular interactive element and maps", "between some time period and 2021-Present"
    from asktoact.curate.build import curate_sample

    s = _sample("acebench", "normal_similar_api_24")
    for seed in range(6):
        r = curate_sample(s, seed, doc=parser(s.query), hide_parts=True)
        assert "include search and" in r.unspecified_query, (seed, r.unspecified_query)


def test_an_ip_address_recorded_for_another_kind_of_value_is_not_asked_for(parser):
    # Seal-Tools gold: a concert's genre "192.168.142.177" (sealtools_215, graded R5 fail)
    from asktoact.curate.build import curate_sample

    s = _sample("sealtools", "sealtools_215")
    r = curate_sample(s, 0, doc=parser(s.query))
    assert not r.quality.passed and any("an IP address" in u for u in r.metadata["ungrounded"])


def test_tidy_keeps_a_lines_indentation():
    from asktoact.curate.rewrite import tidy

    t = "Use these:\n- Random Forest:\n  - Epochs: 50\nand  a stand-in"
    assert tidy(t, t) == "Use these:\n- Random Forest:\n  - Epochs: 50\nand a stand-in"


def test_seed22_grade_fixes(parser):
    """Splices two blind graders found in the seed-22 sample (docs/grading/README.md)."""
    q, res, _ = _hide(_sample("bfcl", "parallel_multiple_136"), parser, {(3, "initial_velocity")})
    assert "0 m/" not in q and " s. The" not in q and "initial velocity. The gravitational" in q, q  # "dropped s."
    q, _, _ = _hide(_sample("bfcl", "parallel_163"), parser, {(1, "prob_success")})
    assert "drops to a probability" not in q and re.search(r"drops to (?:a|some|a certain|a specific|a particular|a given) percentage", q), q
    q, _, _ = _hide(_sample("bfcl", "simple_python_79"), parser, {(0, "bins")})
    assert q.endswith("set bin range to a certain number of bins."), q  # "a particular bins"


def test_seed22_stand_ins_people_would_write(parser):
    """Seed-22 R1 fails (docs/grading/README.md), each on its real record, every seed the same way."""
    cases = [
        # "the top three plants" was "the top several plants"; "a hill slope" was "some slope"
        ("bfcl", "simple_python_194", {(0, "num_results")}, r"What are the top few plants"),
        ("bfcl", "simple_python_194", {(0, "slope_type")}, rf"for {STAND_IN} type of slope in terms"),
        # "2GB of DDR3 memory" was "2GB of a particular memory"
        ("sealtools", "sealtools_73", {(0, "memory_type")}, rf"with 2GB of {STAND_IN} type of memory running"),
        # "patent lawsuits" was "some lawsuits": the kind stays open
        ("bfcl", "multiple_139", {(0, "case_type")}, rf"Find details of lawsuits of {STAND_IN} type involving"),
        # "weighs 80 kilograms and is 175 centimeters tall" was "weighs a few kilograms" / "is a particular one tall"
        ("bfcl", "parallel_154", {(2, "weight")}, r"the third person weighs (?:a certain|a specific|a given) amount and is 175"),
        ("bfcl", "parallel_154", {(2, "height")}, rf"weighs 80 kilograms and is of {STAND_IN} height, and the fourth"),
        # "makes exactly 7 shots" was "makes a few shots": one number is meant
        ("bfcl", "parallel_161", {(0, "number_of_successes")}, r"the player makes (?:a certain|a specific|a given) number of shots\?"),
        # "a 60% chance" was "a chance", asking for nothing
        ("bfcl", "parallel_161", {(0, "probability_of_success")}, rf"a player has {STAND_IN} chance of making"),
        # "number of estimators as 100" was "number of specific estimators"
        ("bfcl", "simple_python_106", {(0, "n_estimators")}, r"and (?:a certain|a specific|a given|a particular) number of estimators\.$"),
        # "within 5 km radius" was "within a certain number of radius" ("radius" is no plural)
        ("bfcl", "simple_python_396", {(0, "radius")}, rf"within {STAND_IN} radius around"),
        # "Add David to the team" was "Add a specific name to the team"
        ("sealtools", "sealtools_75", {(0, "name")}, r"^Add (?:someone|a certain person) to the team as a developer\."),
        # "for the artist Jack Robinson known for his ..." lost the artist "his" points at
        ("acebench", "normal_atom_bool_20", {(0, "artist_name")}, rf"contact information for {STAND_IN} artist known for his"),
        # "the given plant model, which is a state-space model" was "..., which is a specific plant model"
        ("sealtools", "sealtools_104", {(0, "plant_model")}, r"^Analyze the step response of the given plant model\.$"),
        # "the Walmart in San Jose, CA" was "the Walmart in a store location"
        ("bfcl", "parallel_multiple_165", {(2, "store_location")}, rf"at the Walmart in (?:{STAND_IN} city|the city I have in mind)\?"),
    ]
    for seed in range(3):
        for src, sid, keys, want in cases:
            q, _, issues = _hide(_sample(src, sid), parser, keys, seed)
            assert re.search(want, q) and not issues, (sid, seed, q, issues)


@pytest.mark.parametrize("seed", range(3))
def test_seed22_a_removed_name_leaves_its_noun_meant(parser, seed):
    # "Tell me the information about the journal." after removing "Journal of Neuroscience" (graded R1 fail):
    # "the journal" pointed at nothing, "a beginner-level yoga pose" asked for any pose (R3 fail)
    meant = r"(?:a certain|a specific|a particular) {n}|the {n} I have in mind"
    for src, sid, key, noun, tail in (
            ("sealtools", "sealtools_181", (0, "journal_name"), "journal", r"\.$"),
            ("sealtools", "sealtools_210", (0, "animation_title"), "animation", r"\.$"),
            ("sealtools", "sealtools_139", (0, "pose_name"), "beginner-level yoga pose", r"\.$"),
            ("bfcl", "multiple_139", (0, "company_name"), "company", r" from the year 2010\.$")):
        q, res, issues = _hide(_sample(src, sid), parser, {key}, seed)
        assert re.search("(?:" + meant.format(n=noun) + ")" + tail, q) and not issues, (sid, q, issues)
        assert res[key].current_value and res[key].current_value in q


def test_seed22_what_cannot_be_said_is_rejected_or_kept(parser):
    for src, sid, keys, why in (
            # "Kindly create a 'Urgent Flight Issue'" was "Kindly create a certain title"
            ("bfcl", "multi_turn_base_156/turn_3", {(1, "title")}, "stands for the thing it names"),
            # brain_region 'All' ("a rat's all part of the brain") was "a rat's a certain brain region part of the brain"
            ("bfcl", "simple_python_219", {(0, "brain_region")}, "quantifier word"),
            # "two charges of 5C and 7C" was "5C and another charge"; "sides of 7 units, 10 units, and 5 units"
            # was "some lengths, 10 units, and some side"; "'Climate Change' and 'AI'" "the topic I have in mind and 'AI'"
            ("bfcl", "simple_python_41", {(0, "charge2")}, "one item of a coordination"),
            ("bfcl", "parallel_multiple_59", {(0, "side3")}, "one item of a coordination"),
            ("bfcl", "parallel_192", {(0, "topic")}, "one item of a coordination"),
            # "filed in California after January 1, 2020, can you" was "that was filed, can you"
            ("bfcl", "parallel_multiple_165", {(1, "location"), (1, "start_date")}, "leaves the verb 'filed'")):
        _, _, issues = _hide(_sample(src, sid), parser, keys)
        assert any(why in i for i in issues), (sid, issues)
    from asktoact.curate.build import curate_sample  # the value that cannot go stays; the others are hidden

    s = _sample("bfcl", "parallel_multiple_165")
    for seed in range(6):
        r = curate_sample(s, seed, doc=parser(s.query))
        assert "that was filed," not in r.unspecified_query, (seed, r.unspecified_query)


def test_seed22_lists_and_objects_are_not_hidden_by_default(parser):
    # a list item or a part of an object passed 28% of grades (n = 18): "tagging some mentions",
    # "for that cheese, enhance certain characteristics", "trait B a value of another trait"
    from asktoact.curate.build import PARTS_NOT_HIDDEN, analyse, curate_sample

    for src, sid, key in (("bfcl", "multi_turn_base_52/turn_2", (0, "mentions")),
                          ("acebench", "normal_atom_object_deep_41", (0, "cheese")),
                          ("bfcl", "simple_python_72", (0, "trait_values"))):
        s = _sample(src, sid)
        views = {(a.call, a.name): a for row in analyse(s) for a in row}
        assert not views[key].eligible and views[key].why_not == PARTS_NOT_HIDDEN, (sid, views[key])
        assert {(a.call, a.name): a for row in analyse(s, hide_parts=True) for a in row}[key].eligible
        for seed in range(4):
            r = curate_sample(s, seed, doc=parser(s.query))
            assert not r.key_info[key[0]].arguments[key[1]].removed, (sid, seed)


def test_seed22_a_kept_objects_record_names_every_part(parser):
    # R5: temperatureSettings {'fridgeTemp': 3, 'freezerTemp': -18} was recorded as "3" alone
    from asktoact.curate.build import curate_sample

    s = _sample("acebench", "normal_single_turn_parallel_function_54")
    r = curate_sample(s, 0, doc=parser(s.query))
    a = next(c.arguments["temperatureSettings"] for c in r.key_info if "temperatureSettings" in c.arguments)
    assert not a.removed and a.original_value.split("; ") == ["3", "-18"], a.original_value


def test_seed22_coordinates_of_a_named_place_are_not_asked_for(parser):
    # "a detailed forecast for Paris, France": location {latitude, longitude} marked absent and asked (R3/R5 fail)
    from asktoact.curate.build import curate_sample

    s = _sample("acebench", "normal_single_turn_single_function_18")
    r = curate_sample(s, 0, doc=parser(s.query))
    assert not r.quality.passed and any("coordinates of a place" in u for u in r.metadata["ungrounded"])


def test_seed103_tuning_fixes(parser):
    """Patterns read in the seed-103 tuning sample (runs/v19), each on its real record."""
    cases = [
        # "a villa" was "a type of property" (any type): the kind is one meant
        ("bfcl", "parallel_multiple_65", {(1, "propertyType")}, rf"value for (?:{STAND_IN} type of property|the type of property I(?: need| have in mind|'m thinking of)) in Los Angeles"),
        # "in the upcoming 7 days" was "in the upcoming several days"
        ("bfcl", "multiple_142", {(0, "days")}, r"in the upcoming few days\?$"),
        # "in excellent condition" was "in a condition"
        ("bfcl", "simple_python_283", {(0, "condition")}, rf"guitar in {STAND_IN} condition in the Chicago area"),
        # "Italian restaurants" was "some restaurants": the cuisine is the thing asked
        ("bfcl", "simple_python_361", {(0, "cuisine")}, rf"^Find restaurants of {STAND_IN} cuisine near New York city"),
        # "doesn't require more than 5 ingredients" lost its bound
        ("bfcl", "parallel_multiple_126", {(0, "ingredientLimit")}, r"doesn't require more than (?:a certain|a specific|a given) number of ingredients\?"),
        # removing "For the circle, the radius is 3 units." left "this triangle.You want"
        ("bfcl", "parallel_multiple_58", {(1, "radius")}, r"internal angles of this triangle\. You want to calculate the area and circumference"),
    ]
    for seed in range(3):
        for src, sid, keys, want in cases:
            q, _, issues = _hide(_sample(src, sid), parser, keys, seed)
            assert re.search(want, q) and not issues, (sid, seed, q, issues)


def _curated(src, sid, parser):
    from asktoact.curate.build import curate_sample

    s = _sample(src, sid)
    return curate_sample(s, 0, doc=parser(s.query))


def _assert_kept_as(cases, parser):
    """Each (source, id, pattern): the record passes QC and its rewritten query matches the pattern."""
    out = []
    for src, sid, want in cases:
        r = _curated(src, sid, parser)
        assert r.quality.passed and re.search(want, r.unspecified_query), (sid, r.unspecified_query, r.quality.reasons)
        out.append(r)
    return out


def _assert_rejected(cases, parser):
    """Each (source, id, reason): the record fails QC with a reason that says why."""
    for src, sid, why in cases:
        r = _curated(src, sid, parser)
        assert not r.quality.passed and any(why in u for u in r.quality.reasons), (sid, r.unspecified_query, r.quality.reasons)


def test_seed23_wording_fixes(parser):
    """Patterns the seed-23 blind grade (runs/v19) and the seed-103 tuning read failed, each on its real record."""
    cases = [
        # "the signing of the event I need?": "I need"/"I want" forms are gone
        ("bfcl", "simple_python_235", r"^When was the signing of (?!the event I need)"),
        # "from the starting location I want to Los Angeles": no clause form before "to"
        ("bfcl", "parallel_190", r"distance from (?:an?|some|a certain|a specific|a particular|a given) starting location to Los Angeles"),
        # "the weight I have in mind and one specific decay rate": no clause form before "and", no "one specific"
        ("bfcl", "simple_python_220", r"^(?!.*(?:I have in mind and|one specific|one particular)).*decay rate"),
        # "at the Walmart in a city?": a city is one meant
        ("bfcl", "parallel_multiple_165", r"at the Walmart in (?:a certain|a specific|a particular|a given|some) city\?"),
        # "an English level of a certain level"
        ("acebench", "normal_similar_api_42", r"suited for (?:a certain|a specific|a particular|a given) English level\.$"),
        # "Please use an encryption."
        ("acebench", "normal_atom_enum_49", r"Please use (?:a certain|a specific|a particular|a given) encryption method\."),
        # "some work title published by some author"
        ("bfcl", "simple_python_244", r"^What year was (?:a|some|a certain|a specific|a particular|a given) work published by"),
        # "What's one specific rating for the Weapon"
        ("bfcl", "simple_python_344", r"^(?!.*one specific)What's .*rating.* for the Weapon"),
        # "a preference for a class seat" after "business" went
        ("bfcl", "multi_turn_base_182/turn_0", r"with a preference for a seat of (?:a certain|a specific|a particular|a given) class\.$"),
        # "a customer with my user ID": another person's ID is not the user's
        ("bfcl", "parallel_142", r"of a customer with (?!my )\w+ \w* ?user ID in the 'CustomerInfo'"),
        # "a given fuel efficiency per gallon": the whole unit goes
        ("bfcl", "parallel_multiple_172", r"has (?:a certain|a specific|a particular|a given) fuel efficiency, for"),
        # "in another platform" for a library
        ("bfcl", "parallel_multiple_112", r"in (?:the|a certain|a specific|a particular|a given|some|another) library"),
        # "take a given route" / "a given structural analysis": the choice stays asked
        ("bfcl", "parallel_multiple_75", r"I want to take a (?:certain|particular) (?:kind|type) of route\."),
        ("bfcl", "multiple_162", r"^What is a (?:certain|particular) (?:kind|type) of structural analysis of the building"),
        # "a starting location, and Washington"
        ("bfcl", "simple_python_85", r"between (?:a|a certain|a specific|a particular|a given|some) starting location and Washington"),
        # "collecting a specific data" for a frequency 'weekly'
        ("acebench", "normal_single_turn_single_function_20", r"collecting data at a (?:certain|particular) frequency|collecting data at a set interval"),
        # "in some analysis time" for 'morning'
        ("acebench", "normal_single_turn_parallel_function_44", r"performed at a (?:certain|particular) time of day with"),
        # "compounded monthly" was "compounded a compounding freq" (rejected): how often, left open
        ("bfcl", "simple_python_136", r"compounded at (?:a certain frequency|a particular frequency|a set interval) for 5 years"),
    ]
    _assert_kept_as(cases, parser)


def test_seed23_what_cannot_be_said_is_rejected(parser):
    cases = [
        ("bfcl", "multiple_169", "names a bare noun"),            # "associated with some major"
        ("bfcl", "simple_python_299", "names a bare noun"),       # "a particular major"
        ("bfcl", "multiple_19", "names a bare noun"),             # "three great Schism in some history"
        ("bfcl", "simple_python_89", "everyday word"),            # "records for some table studying Science"
        ("bfcl", "parallel_177", "unit after 'per'"),             # "price per some measure of gold"
        ("acebench", "normal_single_turn_parallel_function_2", "single unit after"),  # "next 1 month" -> "next few months"
        ("acebench", "normal_single_turn_parallel_function_74", "relative day"),      # analysisDate said as "today"
    ]
    _assert_rejected(cases, parser)


def test_seed23_party_said_again_and_between_range(parser):
    # "where a specific party is a party": the stand-in's noun is the predicate's
    q, _, issues = _hide(_sample("bfcl", "parallel_multiple_30"), parser, {(0, "party_name")})
    assert any("said again right after" in i for i in issues), (q, issues)
    # "released between the time period I have in mind and another time period"
    from asktoact.curate.rewrite import rewrite_query as _rq  # noqa: F401
    r = _curated("acebench", "normal_single_turn_parallel_function_14", parser)
    assert "between" not in r.unspecified_query or not r.quality.passed or not re.search(
        rf"between {STAND_IN} time period", r.unspecified_query), r.unspecified_query


def test_seed23_value_in_the_profile_is_not_hidden(parser):
    # "using my express delivery preference" with the profile's "chose express delivery" (R2 fail)
    r = _curated("acebench", "normal_preference_12", parser)
    arg = r.key_info[0].arguments["PreferredShippingMethod"]
    assert not arg.removed and "express delivery" in r.unspecified_query


def test_seed24_wording_fixes(parser):
    """Patterns the seed-24 blind grade (runs/v20) and the seed-104 tuning read failed, each on its real record."""
    cases = [
        # "for a particular specific file": one word says one is meant
        ("bfcl", "simple_java_20", r"for (?:a specific|a certain|a particular|a given) file with a new configuration"),
        # "update the new status to a new status"
        ("bfcl", "simple_java_22", r"update the new status to (?:a certain|a particular|a specific) value for"),
        # "false 50 times" -> "false a few times": an exact count stays one number meant
        ("bfcl", "simple_java_98", r"false (?:a certain|a specific|a given) number of times\?$"),
        # "on a basis of a certain frequency"
        ("bfcl", "parallel_multiple_99", r"at a (?:certain|particular) frequency, then the same data"),
        # "a phase shift of a specific radian"
        ("bfcl", "parallel_146", r"a phase shift of (?:a certain|a specific|a given) number of radians\."),
        # "the Latin American literature written with a specific title": "written" keeps its "by"
        ("sealtools", "sealtools_293", r"literature written by "),
    ]
    _assert_kept_as(cases, parser)
    # "total amounting, taking into account": the amount stays, the order is hidden
    r = _curated("acebench", "normal_preference_39", parser)
    assert "amounting," not in r.unspecified_query, r.unspecified_query


def test_seed24_what_cannot_be_said_is_rejected(parser):
    cases = [
        ("bfcl", "simple_python_185", "large count after"),           # "the next 72 hours" -> "the next few hours"
        ("bfcl", "parallel_10", "list of bare numbers"),              # "3 and 4, one more and 12"
        ("acebench", "normal_preference_36", "after 'currently'"),    # "currently a certain order status"
        ("acebench", "normal_preference_27", "after 'currently'"),    # "currently an order status"
        ("bfcl", "multi_turn_base_92/turn_0", "alone in parentheses"),  # "Rivermist (a particular zip)"
    ]
    _assert_rejected(cases, parser)


def test_seed24_stated_values_are_not_absent(parser):
    # standardize=True from "Also apply standardization", activate=True for "adjust the cruise control to
    # 65 mph", sa = new InetSocketAddress("192.168.1.10", 8080) from the IP and port written in full
    for src, sid, call, name in (("bfcl", "multiple_122", 0, "standardize"),
                                 ("bfcl", "multi_turn_base_79/turn_2", 0, "activate"),
                                 ("bfcl", "simple_java_48", 0, "sa")):
        r = _curated(src, sid, parser)
        calls = [c for c in r.key_info if name in c.arguments]
        arg = calls[0].arguments[name]
        assert not arg.removed and arg.grounded == "user", (sid, arg)


def test_seed27_wording_fixes(parser):
    """Patterns the seed-27 blind grade (runs/v23) failed on R1, each on its real record."""
    si = r"(?:a certain|a specific|a particular|a given|some|an?)"
    cases = [
        # "Get historical GDP data to 2000": one end of a range is not removed alone
        ("bfcl", "simple_python_237", r"^Get historical GDP data for .+ from .+ to 2000\.$"),
        # "place items at the top" (which items?): a bare noun's phrase is what says which ones
        ("bfcl", "simple_javascript_11", rf"place items with {si} status at the top"),
        # "Find details about lawsuit case.": the number a bare noun was named by stays asked for
        ("bfcl", "simple_python_178", r"^Find details about lawsuit case with (?:a certain|a specific|a particular|a given) number"),
        # "suitable in area?" and "a specific percentage of rain" (lost "less than ... chance")
        ("acebench", "normal_atom_number_38", rf"suitable in area with {si} postal code\?.*and less than {si} chance of rain\.$"),
        # "consider a specific percentage in fuel efficiency per year" (lost "decrease")
        ("bfcl", "parallel_multiple_172", rf"consider {si} decrease in fuel efficiency per year"),
        # "at a certain latitude and the longitude I have in mind": two joined values share their words
        ("acebench", "normal_atom_number_0", r"at (?:a certain|a specific|a particular|a given) latitude and longitude\.$"),
        # "files with that folder in their names": a value first said as a name is "that name" again
        ("bfcl", "multi_turn_base_48/turn_0", r"a directory with \w+ \w+ name, .* files with that name in their names"),
    ]
    for r in _assert_kept_as(cases, parser):
        for call in r.key_info:  # what the record says stands in the query stands there
            for a in call.arguments.values():
                assert not a.removed or not a.current_value or a.current_value in r.unspecified_query, (r.id, a)


def test_seed28_grade_fixes(parser):
    """What the seed-28 blind grade (runs/v24) failed on R1, each on its real record: repaired or rejected."""
    # "in milesfrom the Earth" (a glued word in the source) lost "miles" with the removal
    r = _curated("bfcl", "simple_python_102", parser)
    assert "distance in to" not in r.unspecified_query, r.unspecified_query
    # "where some function variable is the function variable": the stand-in's noun is the predicate's
    r = _curated("bfcl", "parallel_multiple_132", parser)
    assert "some function variable is the function variable" not in r.unspecified_query, r.unspecified_query
    # "... tax evasion? A specific suspicion level.": no stand-in stands alone as a sentence
    r = _curated("acebench", "normal_similar_api_33", parser)
    assert not re.search(rf"\? {STAND_IN.replace('(?:an?|', '(?:An?|A certain|A specific|A particular|A given|')} suspicion level\.$",
                         r.unspecified_query), r.unspecified_query
    # "the calorie limit to be under a particular calorie limit": a repeat after "under" is no English
    r = _curated("acebench", "normal_atom_enum_15", parser)
    assert not re.search(r"calorie limit to be under \w+ \w+ calorie limit", r.unspecified_query), r.unspecified_query
    # "hotels in Paris, France and another location, USA": rejected with its reason
    r = _curated("bfcl", "parallel_multiple_57", parser)
    assert not r.quality.passed and any("before the place it is in" in u for u in r.quality.reasons), r.quality.reasons


def test_seed29_grade_fixes(parser):
    """What the seed-29 blind grade (runs/v24) failed, each on its real record: repaired or rejected with a reason."""
    rejected = [
        ("bfcl", "simple_python_286", "still gives the hidden date"),      # "next month (April 2022)" -> "next month"
        ("bfcl", "parallel_168", "repeats a word just said"),             # "shares to specific outstanding shares"
        ("bfcl", "multiple_79", "before the place it is in"),             # "the museum I'm thinking of, New York"
        ("acebench", "normal_atom_bool_7", "names the tool's field"),     # "redesigning my room function"
    ]
    _assert_rejected(rejected, parser)
    # "Who was some type of information in the case docket": a "who" question asks for a person
    for sid in ("multiple_135", "simple_python_160"):
        r = _curated("bfcl", sid, parser)
        assert not re.search(rf"^Who was {STAND_IN} (?:type|kind)", r.unspecified_query), r.unspecified_query


def test_seed30_grade_fixes(parser):
    # "assuming the instrumentation object is named `appInstrumentation`?" was "... object is?" (graded R1 fail, seed 30)
    _assert_rejected([("bfcl", "simple_java_93", "leaves 'is' with nothing after it")], parser)
    # "and then a scenic route" was "and a specific type of then route": an adverb of the clause stays outside
    _assert_kept_as([("bfcl", "parallel_89", r"Palo Alto and then (?:a certain|a specific|a particular|a given) "
                                             r"(?:type|kind) of route from Palo Alto")], parser)
