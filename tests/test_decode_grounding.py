"""Decode-time grounding (``?ground=1``): a compact-reasoning model's stated values are checked
against the conversation; unsupported ones become missing and the model continues from there."""

import json

import pytest
from conftest import tiny_lm

from asktoact.models.grounding import grounded_line, parse_line, review

BMI_TOOLS = [{"type": "function", "function": {"name": "bmi", "parameters": {"type": "object", "properties": {
    "weight": {"type": "number"}, "height": {"type": "number"}, "unit": {"type": "string", "default": "metric"}}}}}]
BMI_ASKED = [{"role": "system", "content": "You call tools."},
             {"role": "user", "content": "I weigh 85 kg. What is my BMI for my height?"}]


def test_the_line_is_read_with_json_values_tags_and_references():
    line = parse_line('  Known: weight = 85, city = "New York, NY", unit = "metric" (default), x = output of step 1. '
                      'Missing: height, age. What is your height?')
    assert [(k.name, k.value, k.reference) for k in line.known] == [
        ("weight", 85, False), ("city", "New York, NY", False), ("unit", "metric", False), ("x", None, True)]
    assert line.missing == ["height", "age"]
    assert line.end == len('  Known: weight = 85, city = "New York, NY", unit = "metric" (default), x = output of step 1. '
                           'Missing: height, age.')
    assert parse_line("Known: nothing. Missing: nothing.").known == []
    for text in ("What is your height?", "Known: weight 85. Missing: nothing.", "Known: weight = 85 Missing: x."):
        assert parse_line(text) is None  # not a line: the reply is left as it is


def test_an_unsupported_value_moves_to_missing_and_supported_ones_stay():
    fixed = grounded_line('Known: weight = 85, height = 1.0, unit = "metric" (default). Missing: nothing. <tool_call>',
                          BMI_ASKED, BMI_TOOLS)
    assert fixed == 'Known: weight = 85, unit = "metric" (default). Missing: height.'
    # a default the tool does not document is not a default
    assert grounded_line('Known: weight = 85, unit = "imperial" (default). Missing: height.', BMI_ASKED, BMI_TOOLS) == \
        "Known: weight = 85. Missing: height, unit."
    # everything stated is in the user's words (85.0 for "85"), or is a planned call's output
    assert grounded_line("Known: weight = 85.0, x = output of step 1. Missing: height.", BMI_ASKED, BMI_TOOLS) is None
    # the answer to an earlier question grounds the value
    answered = BMI_ASKED + [{"role": "assistant", "content": "What is your height in metres?"},
                            {"role": "user", "content": "1.8"}]
    assert grounded_line("Known: weight = 85, height = 1.8. Missing: nothing.", answered, BMI_TOOLS) is None
    # a value from the system prompt or the tool list is not the user's
    assert grounded_line('Known: weight = 85, height = "You". Missing: nothing.', BMI_ASKED, BMI_TOOLS) is not None


def call(**args):
    return "\n<tool_call>\n" + json.dumps({"name": "bmi", "arguments": args}) + "\n</tool_call>"


def test_a_reply_that_calls_is_held_to_the_same_rule():
    line = "Known: weight = 85. Missing: nothing."
    assert review(line + call(weight=85), BMI_ASKED, BMI_TOOLS) is None  # grounded and nothing required left out
    # an argument the line never mentioned and nobody gave
    assert review(line + call(weight=85, height=1.75), BMI_ASKED, BMI_TOOLS) == "Known: weight = 85. Missing: height."
    # the line says something is missing, the reply calls anyway: it must ask
    assert review("Known: weight = 85. Missing: height." + call(weight=85, height=1.8), BMI_ASKED, BMI_TOOLS) == \
        "Known: weight = 85. Missing: height."
    # a question after a line naming what is missing stands
    assert review("Known: weight = 85. Missing: height. How tall are you?", BMI_ASKED, BMI_TOOLS) is None
    # a required argument left out, without a documented default
    req = [{"type": "function", "function": {"name": "bmi", "parameters": {
        "type": "object", "required": ["weight", "height"], "properties": {
            "weight": {"type": "number"}, "height": {"type": "number"}, "unit": {"type": "string", "default": "metric"}}}}}]
    assert review(line + call(weight=85), BMI_ASKED, req) == "Known: weight = 85. Missing: height."
    req[0]["function"]["parameters"]["required"].append("unit")
    assert review(line + call(weight=85, height=85), BMI_ASKED, req) is None  # 85 is in the words; unit has a default


@pytest.mark.parametrize("source,path", [("acebench", ("acebench",)), ("sealtools", ("toolbench_style", "sealtool.json"))])
def test_gold_lines_pass_and_hidden_values_stated_as_known_are_caught(tmp_path, shared, source, path):
    # the lines (and calls) training teaches are never changed (no false alarm), and a line that
    # states a record's hidden value (what a model that guesses writes) gets it moved to Missing
    from asktoact.curate.stage import BuildConfig, run_build
    from asktoact.dialogues.stage import run_dialogues
    from asktoact.io import read_jsonl
    from asktoact.models.base import plain_messages
    from asktoact.native import openai_tools
    from asktoact.schema import Dialogue, ICRecord

    res = run_build(BuildConfig(source=source, path=str(shared(*path)), out=str(tmp_path / "b"), seed=0,
                                similarity=False, limit=80))
    run_dialogues(res.records, tmp_path / "d", seed=0, fmt="native", reasoning="compact", twins=True)
    recs = {r.id: r for r in read_jsonl(tmp_path / "d" / "records.jsonl", ICRecord)}
    lines = hidden = caught = flagged = 0
    for d in read_jsonl(tmp_path / "d" / "dialogues.jsonl", Dialogue):
        rec = recs[d.record_id]
        msgs = plain_messages([m.model_dump(exclude_none=True) for m in d.messages[:d.prompt_messages]])
        tools = openai_tools(d.tools, "compact")
        first = next(m for m in d.messages[d.prompt_messages:] if m.role == "assistant")
        assert parse_line(first.content) is not None, d.id
        lines += 1
        assert grounded_line(first.content, msgs, tools) is None, (d.id, first.content[:200])
        written = first.content + "".join("\n<tool_call>\n" + json.dumps({"name": c.name, "arguments": c.arguments})
                                          + "\n</tool_call>" for c in first.tool_calls or [])
        flagged += review(written, msgs, tools) is not None
        for c in rec.key_info:
            for p, a in c.arguments.items():
                if a.removed and not a.linked_to:
                    hidden += 1
                    fixed = grounded_line(f"Known: {p} = {json.dumps(a.value)}. Missing: nothing.", msgs, tools)
                    caught += fixed is not None and p in fixed.split("Missing: ")[1]
    assert lines >= 40 and hidden >= 20
    assert caught >= 0.9 * hidden, (caught, hidden)
    assert flagged <= 0.02 * lines, flagged  # source calls that leave a required argument out (BFCL has 6 in 1,633)


def test_the_model_continues_from_the_corrected_line():
    import asyncio

    pytest.importorskip("torch")
    from asktoact.models import GenParams
    from asktoact.models.local import LocalModel, _Req

    tok, m = tiny_lm()
    lm = LocalModel("tiny", model=m, tokenizer=tok, batch_size=4, ground=True)
    loop = asyncio.new_event_loop()
    p = GenParams(max_tokens=30)
    batch = [_Req(BMI_ASKED, p, loop.create_future(), loop, BMI_TOOLS) for _ in range(2)]
    prompts = [lm.render(r.messages, r.tools) for r in batch]
    first = [("Known: weight = 85, height = 1.0. Missing: nothing." + call(weight=85, height=1.0), 20, 50),
             ("What is your height?", 6, 50)]
    rows, _ = lm._ground(batch, prompts, first, 0.0, p)
    prefix = "Known: weight = 85. Missing: height."
    assert rows[0][0].startswith(prefix) and len(rows[0][0]) > len(prefix)  # the model wrote on from the line
    rest = rows[0][0][len(prefix):]
    assert "<tool_call>" not in rest and rest.strip() and rest.lstrip(" ")[0] not in "<[{\n"  # text, not markup
    alone, _ = lm._decode([prompts[0] + prefix], GenParams(max_tokens=30 - len(tok(prefix)["input_ids"])), [True],
                          no_calls=True)
    assert rows[0][0] == prefix + alone[0][0]  # exactly what it writes after that prefix
    assert rows[0][1] == 20 + alone[0][1]  # both passes counted
    assert rows[1] == first[1] and lm.ground_fixes == 1  # a reply without the line is left alone
    loop.close()


def test_ground_option_is_checked_and_an_adapter_can_ask_for_it(tmp_path):
    from asktoact.models.spec import _ground, parse_spec

    with pytest.raises(ValueError, match="ground"):
        parse_spec("embedded?ground=maybe")
    assert parse_spec("embedded?ground=on").options["ground"] == "on"
    (tmp_path / "decoding.json").write_text(json.dumps({"ground": True}))
    assert _ground({}, str(tmp_path)) is True
    assert _ground({"ground": "0"}, str(tmp_path)) is False  # the spec wins
    assert _ground({}, None) is False
    (tmp_path / "decoding.json").write_text("[")
    with pytest.raises(ValueError, match="decoding.json"):
        _ground({}, str(tmp_path))


def test_one_mention_grounds_one_parameter_of_a_call():
    tools = [{"type": "function", "function": {"name": "check_access", "parameters": {"type": "object", "properties": {
        "database_name": {"type": "string"}, "user_name": {"type": "string"}, "password": {"type": "string"}}}}}]
    said = [{"role": "user", "content": 'Check access to the database with some name using the username "admin" '
                                        'and password "12345".'}]
    assert grounded_line('Known: database_name = "admin", user_name = "admin", password = "12345". Missing: nothing.',
                         said, tools) == 'Known: user_name = "admin", password = "12345". Missing: database_name.'
    # said twice, it may ground two parameters
    twice = [{"role": "user", "content": 'Log in as "admin" to the database "admin".'}]
    assert grounded_line('Known: database_name = "admin", user_name = "admin". Missing: nothing.', twice, tools) is None
    # parallel calls of one tool swap their values ("from A to B, then from B to A"): not a shared mention
    route = [{"type": "function", "function": {"name": "route", "parameters": {"type": "object", "properties": {
        "start": {"type": "string"}, "end": {"type": "string"}}}}}]
    trip = [{"role": "user", "content": "Directions from Palo Alto to Oakland, and back from Oakland to Palo Alto."}]
    assert grounded_line('Known: route.start = "Palo Alto", route.end = "Oakland", route.start = "Oakland", '
                         'route.end = "Palo Alto". Missing: nothing.', trip, route) is None
