"""Loaders on the real corpora in ../shared/data, and on xLAM/OpenAI fixtures we write."""

import json

import pytest

from asktoact.io import RejectSink, iter_json_array
from asktoact.sources import LoadStats, load


def _load(src, path):
    rj, st = RejectSink(), LoadStats(src)
    out = {s.id: s for s in load(src, path, rj, st)}
    assert st.adds_up()
    return out, rj, st


def test_bfcl_simple_python_0(shared):
    recs, rj, st = _load("bfcl", shared("bfcl", "BFCL_v4_simple_python.json"))
    s = recs["simple_python_0"]
    assert s.query == "Find the area of a triangle with a base of 10 units and height of 5 units."
    assert [c.name for c in s.calls] == ["calculate_triangle_area"]
    assert s.calls[0].arguments == {"base": 10, "height": 5}  # unit accepts "" -> optional, left out
    t = s.tool("calculate_triangle_area")
    assert t.parameters["type"] == "object" and t.param("base")["type"] == "integer"
    assert t.parameters["required"] == ["base", "height"]
    assert st.samples == 400 and st.rejected == 0


def test_bfcl_omittable_parameter_that_tells_parallel_calls_apart_is_kept(shared):
    # "'Open', 'Close', 'High', and 'Low' stock prices for Microsoft and Apple": data_type may be left
    # out (BFCL accepts ""), but left out the eight calls are four equal pairs and the words say nothing
    recs, _, _ = _load("bfcl", shared("bfcl", "BFCL_v4_parallel.json"))
    calls = recs["parallel_180"].calls
    assert [c.arguments.get("data_type") for c in calls] == ["Open", "Close", "High", "Low"] * 2
    assert len({json.dumps(c.arguments, sort_keys=True) for c in calls}) == 8
    # calls already told apart keep BFCL's reading: resistivity "copper" may be left out (the default)
    assert [c.arguments.get("resistivity") for c in recs["parallel_2"].calls] == [None, "aluminum"]


def test_bfcl_parallel_multiple_and_lists(shared):
    recs, _, _ = _load("bfcl", shared("bfcl", "BFCL_v4_parallel_multiple.json"))
    s = recs["parallel_multiple_0"]
    assert [(c.name, c.arguments) for c in s.calls] == [
        ("math_toolkit.sum_of_multiples", {"lower_limit": 1, "upper_limit": 1000, "multiples": [3, 5]}),
        ("math_toolkit.product_of_primes", {"count": 5})]


def test_bfcl_multi_turn_turns_parsed_without_eval(shared):
    recs, rj, st = _load("bfcl", shared("bfcl", "BFCL_v4_multi_turn_base.json"))
    s = recs["multi_turn_base_0/turn_0"]
    assert [c.name for c in s.calls] == ["cd", "mkdir", "mv"]
    assert s.calls[2].arguments == {"source": "final_report.pdf", "destination": "temp"}
    # positional argument mapped onto the schema's first parameter
    s2 = recs["multi_turn_base_0/turn_2"]
    assert s2.calls[0].name == "sort" and s2.calls[0].arguments == {"file_name": "final_report.pdf"}
    assert "cd" in {t.name for t in s.tools} and s.metadata["turn"] == 0


def test_bfcl_folder_counts_add_up_and_marks_empty_turns(shared):
    recs, rj, st = _load("bfcl", shared("bfcl"))
    assert st.units_in == st.samples + st.rejected
    assert all(r.field.startswith("ground_truth[") for r in rj.items)
    # the turn where the model must ask is kept (joined with the answer), the answer turn is not a task
    assert recs["multi_turn_miss_param_0/turn_3"].metadata["absent"]
    assert "multi_turn_miss_param_0/turn_4" not in recs


def test_acebench_nested_values(shared):
    recs, rj, st = _load("acebench", shared("acebench"))
    s = recs["normal_atom_object_deep_0"]
    assert s.query.startswith("I'm working on evaluating") and "TP-12345" in s.query
    assert "system:" not in s.query  # the assistant's question is not part of what the user said
    assert s.calls[0].arguments["evaluation_criteria"] == {"metrics": ["time savings", "cost reduction"],
                                                            "time_frame": "Last Quarter"}
    assert st.samples == 600


def test_sealtools_and_toolalpaca(shared):
    recs, _, st = _load("sealtools", shared("toolbench_style", "sealtool.json"))
    assert recs["sealtools_5"].calls[0].name == "getVehicleBatteryLevel"
    assert recs["sealtools_5"].calls[0].arguments == {"vehicle_id": "hXQ7qFFt"}
    assert st.samples == 294
    recs, rj, st = _load("toolalpaca", shared("toolbench_style", "toolalpaca.json"))
    assert recs["toolalpaca_0"].calls[0].arguments == {"countryCode": "CN"}
    assert recs["toolalpaca_0"].tool("PublicHolidayIsTodayPublicHoliday").parameters["required"] == ["countryCode"]
    # answers naming a tool that the record does not offer are rejected with the field
    assert st.rejected == 6 and all(r.field.endswith(".name") and "not among the tools" in r.reason for r in rj.items)


def test_taskbench_named_positional_and_references(shared):
    recs, rj, st = _load("taskbench", shared("taskbench"))
    s = recs["taskbench_dailylifeapis_77532649"]
    assert s.calls[0].name == "play_movie_by_title" and s.calls[0].arguments == {"title": "Inception"}
    m = recs["taskbench_multimedia_11197277"]
    assert m.calls[0].arguments == {"video": "example.mp4", "audio": "example.wav"}
    chain = recs["taskbench_multimedia_31416321"]
    assert chain.calls[1].references == {"image": 0}  # a dependency, not a user value
    assert chain.metadata["repaired_references"]
    # an argument name that does not match the schema is reported, naming the field
    bad = [r for r in rj.items if r.record_id == "38563456"]
    assert bad and "transfer_insstruction" in bad[0].reason and bad[0].field.endswith(".name")


def test_taskbench_new_field_names(tmp_path, shared):
    import shutil

    shutil.copytree(shared("taskbench", "data_dailylifeapis"), tmp_path / "data_dailylifeapis")
    rec = {"id": "n1", "user_request": "Play the movie 'Up' please.",
           "tool_nodes": [{"task": "play_movie_by_title", "arguments": [{"name": "title", "value": "Up"}]}],
           "tool_steps": ["Step 1: play"]}
    (tmp_path / "data_dailylifeapis" / "data.jsonl").write_text(json.dumps(rec) + "\n")
    recs, rj, st = _load("taskbench", tmp_path)
    assert recs["taskbench_dailylifeapis_n1"].calls[0].arguments == {"title": "Up"}


XLAM = [
    {"id": 1, "query": "Where can I find live giveaways for beta access and games?",
     "tools": json.dumps([{"name": "live_giveaways_by_type", "description": "Retrieve live giveaways.",
                           "parameters": {"type": {"description": "The type of giveaways.", "type": "str", "default": "game"}}}]),
     "answers": json.dumps([{"name": "live_giveaways_by_type", "arguments": {"type": "beta"}},
                            {"name": "live_giveaways_by_type", "arguments": {"type": "game"}}])},
    {"id": 2, "query": "Sum of [1, 2] with limit 5", "tools": json.dumps([{"name": "f", "description": "d", "parameters": {
        "nums": {"description": "numbers", "type": "List[int]"}, "limit": {"description": "max", "type": "int, optional", "default": 10}}}]),
     "answers": json.dumps([{"name": "f", "arguments": {"nums": [1, 2], "limit": 5}}])},
    {"id": 3, "query": "broken", "tools": "[not json", "answers": "[]"},
    {"id": 4, "query": "x", "tools": "[]", "answers": json.dumps([{"name": "g", "arguments": {}}])},
]


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_xlam_fixture(tmp_path, fmt):
    p = tmp_path / f"xlam.{fmt}"
    p.write_text(json.dumps(XLAM) if fmt == "json" else "\n".join(json.dumps(r) for r in XLAM))
    recs, rj, st = _load("xlam", p)
    assert set(recs) == {"xlam_1", "xlam_2"}
    assert [c.arguments for c in recs["xlam_1"].calls] == [{"type": "beta"}, {"type": "game"}]
    f = recs["xlam_2"].tool("f")
    assert f.param("nums") == {"type": "array", "items": {"type": "integer"}, "description": "numbers"}
    assert f.parameters["required"] == ["nums"] and f.param("limit")["default"] == 10
    reasons = {r.record_id: (r.field, r.reason) for r in rj.items}
    assert reasons["3"][0] == "tools" and "not valid JSON" in reasons["3"][1]
    assert reasons["4"][0] == "answers[0].name"
    assert st.units_in == 4


def test_openai_jsonl(tmp_path):
    rec = {"id": "o1", "messages": [{"role": "system", "content": "be nice"},
                                    {"role": "user", "content": "Weather in Paris?"},
                                    {"role": "assistant", "tool_calls": [{"type": "function", "function": {
                                        "name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]}],
           "tools": [{"type": "function", "function": {"name": "get_weather", "description": "w",
                                                        "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                                                                       "required": ["city"]}}}]}
    p = tmp_path / "o.jsonl"
    p.write_text(json.dumps(rec) + "\n{bad json\n")
    recs, rj, st = _load("openai", p)
    assert recs["o1"].query == "Weather in Paris?" and recs["o1"].calls[0].arguments == {"city": "Paris"}
    assert rj.items[0].line == 2 and "invalid JSON" in rj.items[0].reason


def test_streaming_json_array_matches_json_load(tmp_path):
    data = [{"i": i, "s": "x" * (i % 7), "n": [1.5, i]} for i in range(300)] + [12345, "tail"]
    p = tmp_path / "a.json"
    p.write_text(json.dumps(data, indent=1))
    assert [o for _, o in iter_json_array(p, chunk_size=7)] == data
