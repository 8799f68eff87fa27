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


def grounded_tiny_lm():
    """(tokenizer, a grounded LocalModel over the tiny random Llama, a fresh event loop)."""
    import asyncio

    pytest.importorskip("torch")
    from asktoact.models.local import LocalModel

    tok, m = tiny_lm()
    return tok, LocalModel("tiny", model=m, tokenizer=tok, batch_size=4, ground=True), asyncio.new_event_loop()


def test_the_model_continues_from_the_corrected_line():
    from asktoact.models import GenParams
    from asktoact.models.local import _Req

    tok, lm, loop = grounded_tiny_lm()
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


SIZE_TOOLS = [{"type": "function", "function": {"name": "sample_size", "parameters": {
    "type": "object", "required": ["alpha", "power", "years"], "properties": {
        "alpha": {"type": "number"}, "power": {"type": "number"}, "years": {"type": "integer"},
        "file_name": {"type": "string"}, "population": {"type": "integer"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}}}}}]


@pytest.mark.parametrize("name,said,want", [
    ("alpha", "a test where alpha equals to 0.05 and a power of 0.8", 0.05),
    ("power", "a test where alpha equals to 0.05 and a power of 0.8", 0.8),
    ("years", "the interest for 1 year at 5%", 1),
    ("file_name", "open the file 'a.txt' please", "a.txt"),
    ("population", "a population of 2,000", 2000),
    ("unit", "report it in unit celsius", "celsius"),
    ("population", "the population is 2 million", None),  # the value is not the digits
    ("alpha", "the sample size for a significance test", None),  # not stated at all
    ("power", "a power of 0.8 or a power of 0.9", None),  # two readings: none
    ("years", "for 1.5 years", None),  # not an integer
])
def test_a_stated_value_is_read_next_to_the_parameter_name(name, said, want):
    from asktoact.models.grounding import stated_value

    schema = SIZE_TOOLS[0]["function"]["parameters"]["properties"][name]
    assert stated_value(name, schema, said) == want


def test_what_the_line_calls_missing_but_the_user_said_moves_to_known():
    asked = [{"role": "system", "content": "You call tools."},
             {"role": "user", "content": "Sample size with alpha equals to 0.05 and a power of 0.8 over 1 year?"}]
    # everything resolved: the line to continue from (with calls allowed) ends "Missing: nothing."
    assert review("Known: power = 0.8. Missing: alpha, years. What alpha?", asked, SIZE_TOOLS) == \
        "Known: power = 0.8, alpha = 0.05, years = 1. Missing: nothing."
    # only part resolved: ask for the rest
    partly = [asked[0], {"role": "user", "content": "Sample size with a power of 0.8 and alpha 0.05?"}]
    assert review("Known: nothing. Missing: alpha, power, years. Which?", partly, SIZE_TOOLS) == \
        "Known: alpha = 0.05, power = 0.8. Missing: years."
    # nothing the user said: the question stands
    unsaid = [asked[0], {"role": "user", "content": "Sample size with a power of 0.8 over 1 year?"}]
    assert review("Known: power = 0.8, years = 1. Missing: alpha. What alpha?", unsaid, SIZE_TOOLS) is None
    # words before the last tool result are an earlier task's: they do not resolve this one
    earlier = [asked[0], {"role": "user", "content": "Use alpha equals to 0.01 for the first study."},
               {"role": "assistant", "content": "", "tool_calls": [{"id": "c1", "type": "function", "function": {
                   "name": "sample_size", "arguments": "{}"}}]},
               {"role": "tool", "tool_call_id": "c1", "content": "120"},
               {"role": "user", "content": "Now one with a power of 0.8 over 1 year."}]
    assert review("Known: power = 0.8, years = 1. Missing: alpha. What alpha?", earlier, SIZE_TOOLS) is None


@pytest.mark.parametrize("source,path", [("acebench", ("acebench",)), ("sealtools", ("toolbench_style", "sealtool.json"))])
def test_hidden_values_are_not_resolved_and_stated_ones_resolve_to_the_gold_value(tmp_path, shared, source, path):
    # a line listing one parameter as missing, every other gold value known: a hidden parameter
    # must stay missing (the user never said it), a kept one that resolves must get its gold value
    from asktoact import formats
    from asktoact.curate.stage import BuildConfig, run_build
    from asktoact.io import read_jsonl
    from asktoact.models.grounding import CompactLine, KnownItem, _same_key, resolved
    from asktoact.schema import ICRecord

    res = run_build(BuildConfig(source=source, path=str(shared(*path)), out=str(tmp_path / "b"), seed=0,
                                similarity=False, limit=80))
    hidden = hidden_wrong = kept = kept_right = kept_wrong = 0
    for rec in read_jsonl(res.records, ICRecord):
        msgs, tools = formats.opening("native", rec.unspecified_query, rec.tools, rec.context, "compact")
        for c in rec.key_info:
            for p, a in c.arguments.items():
                if a.linked_to:
                    continue
                known = [KnownItem(q, f"{q} = {json.dumps(b.value)}", b.value) for q, b in c.arguments.items()
                         if q != p and not b.removed and not b.linked_to]
                got = resolved(CompactLine(known, [p], 0), msgs, tools)
                if a.removed:
                    hidden += 1
                    hidden_wrong += p in got
                else:
                    kept += 1
                    if p in got:  # sources write numbers as strings too ("28.9")
                        same = _same_key(got[p]) == _same_key(a.value)
                        kept_right += same
                        kept_wrong += not same
    assert hidden >= 20 and kept >= 20, (hidden, kept)
    assert hidden_wrong <= 0.02 * hidden, (hidden_wrong, hidden)
    assert kept_wrong <= 0.1 * max(1, kept_right + kept_wrong), (kept_wrong, kept_right)


def test_a_line_resolved_to_nothing_missing_is_continued_with_calls_allowed():
    from asktoact.models import GenParams
    from asktoact.models.local import _Req

    tok, lm, loop = grounded_tiny_lm()
    p = GenParams(max_tokens=30)
    told = [BMI_ASKED[0], {"role": "user", "content": "I weigh 85 kg and my height is 1.8 metres. What is my BMI?"}]
    batch = [_Req(told, p, loop.create_future(), loop, BMI_TOOLS), _Req(BMI_ASKED, p, loop.create_future(), loop, BMI_TOOLS)]
    prompts = [lm.render(r.messages, r.tools) for r in batch]
    first = [("Known: weight = 85. Missing: height. How tall are you?", 12, 50),  # it was told: call
             ("Known: weight = 85, height = 1.0. Missing: nothing.", 14, 50)]  # a guess: ask
    passes, real = [], lm._decode

    def spy(prompts_, p_, native, no_calls=False):  # the real decode, and which rule each pass ran under
        passes.append((len(prompts_), no_calls, prompts_[0][-60:]))
        return real(prompts_, p_, native, no_calls=no_calls)

    lm._decode = spy
    rows, _ = lm._ground(batch, prompts, first, 0.0, p)
    lm._decode = real
    assert [(n, nc) for n, nc, _ in passes] == [(1, True), (1, False)]
    assert passes[0][2].endswith("Missing: height.") and passes[1][2].endswith("Missing: nothing.")
    resolved_line, asked_line = "Known: weight = 85, height = 1.8. Missing: nothing.", "Known: weight = 85. Missing: height."
    assert rows[0][0].startswith(resolved_line) and rows[1][0].startswith(asked_line)
    for i, prefix, may_call in ((0, resolved_line, True), (1, asked_line, False)):
        alone, _ = lm._decode([prompts[i] + prefix], GenParams(max_tokens=30 - len(tok(prefix)["input_ids"])), [True],
                              no_calls=not may_call)
        assert rows[i][0] == prefix + alone[0][0], i  # each decoded under its own rule, in its own pass
    assert lm.ground_fixes == 2
    loop.close()


TOLD_TALL = [BMI_ASKED[0], {"role": "user", "content": "I'm 1.8 m tall and weigh 85 kg. What is my BMI?"}]


def test_a_probed_value_moves_to_known_only_when_the_user_gave_it():
    from asktoact.models.grounding import probe_prefix, probe_targets, read_probe

    reply = "Known: weight = 85. Missing: height. How tall are you?"
    assert review(reply, TOLD_TALL, BMI_TOOLS) is None  # "tall" is not the parameter's name: the words alone miss it
    assert review(reply, TOLD_TALL, BMI_TOOLS, {"height": 1.8}) == "Known: weight = 85, height = 1.8. Missing: nothing."
    assert review(reply, TOLD_TALL, BMI_TOOLS, {"height": 1.75}) is None  # a guess: the question stands
    assert review(reply, BMI_ASKED, BMI_TOOLS, {"height": 1.8}) is None  # not said in this conversation
    assert review(reply, TOLD_TALL, BMI_TOOLS, {"height": 85}) is None  # the weight's value, already taken
    assert review(reply, TOLD_TALL, BMI_TOOLS, {"unit": "metric"}) is None  # a name the line did not call missing
    line = parse_line("Known: weight = 85, weight = 90. Missing: weight, height, colour, height.")
    assert probe_targets(line, BMI_TOOLS) == []  # a parallel call's name, an unknown one, one listed twice
    line = parse_line("Known: weight = 85. Missing: height, colour.")
    assert probe_targets(line, BMI_TOOLS) == ["height"]
    assert probe_prefix(line, "height") == "Known: weight = 85, height = "
    assert probe_prefix(parse_line("Known: nothing. Missing: height."), "height") == "Known: height = "
    for text, want in ((" 1.8, unit = 2", 1.8), ('"tall". Missing: nothing.', "tall"), ("[1, 2] (default)", [1, 2]),
                       ("1.8", 1.8), ("output of step 1", None), ("the tall one", None), ('"1.8', None),
                       ("85 kg", None), ("", None)):
        assert read_probe(text) == want, text


def test_the_model_is_asked_for_each_missing_value_and_the_line_continues_from_what_is_supported():
    from asktoact.models import GenParams
    from asktoact.models.local import PROBE_FLOOR, _Req

    tok, lm, loop = grounded_tiny_lm()
    lm.probe = True
    p = GenParams(max_tokens=30)
    # told and sure, told but hesitant, never told: only the first may move to Known
    batch = [_Req(m, p, loop.create_future(), loop, BMI_TOOLS) for m in (TOLD_TALL, TOLD_TALL, BMI_ASKED)]
    prompts = [lm.render(r.messages, r.tools) for r in batch]
    first = [("Known: weight = 85. Missing: height. How tall are you?", 12, 50)] * 3
    passes, real = [], lm._decode
    answer = ' 1.8, unit = "metric".'
    ids = tok(answer, add_special_tokens=False)["input_ids"]
    sureness = [-0.01, PROBE_FLOOR - 1.0, -0.01]

    def model(prompts_, p_, native, no_calls=False, scores=None):  # writes 1.8 for a probe, else decodes for real
        passes.append([q[-40:] for q in prompts_])
        if prompts_[0].endswith("height = "):
            scores.extend((ids, [s] + [-0.01] * (len(ids) - 1)) for s in sureness)
            return [(answer, len(ids), 60) for _ in prompts_], 0.0
        return real(prompts_, p_, native, no_calls=no_calls)

    lm._decode = model
    rows, _ = lm._ground(batch, prompts, first, 0.0, p)
    assert [len(x) for x in passes] == [3, 1]  # all probed in one pass; only the first redone
    assert all(q.endswith("Known: weight = 85, height = ") for q in passes[0])
    assert rows[0][0].startswith("Known: weight = 85, height = 1.8. Missing: nothing.")
    assert rows[1] == first[1] and rows[2] == first[2]  # unsure, or never said: the question stands
    assert lm.probe_fills == 2 and lm.ground_fixes == 1
    assert "probe" in lm.cache_id
    loop.close()


def test_a_values_sureness_is_its_least_sure_token():
    from asktoact.models.local import value_confidence

    tok, _, loop = grounded_tiny_lm()
    loop.close()
    ids = tok(' "Paris", unit', add_special_tokens=False)["input_ids"]
    end = len(' "Paris"')
    n = next(k for k in range(1, len(ids) + 1) if len(tok.decode(ids[:k])) >= end)  # tokens that spell the value
    logps = [-0.1] * len(ids)
    logps[n - 1] = -2.0
    assert value_confidence(tok, ids, logps, end) == -2.0
    logps[n - 1], logps[-1] = -0.1, -5.0  # after the value: not its concern
    assert n < len(ids) and value_confidence(tok, ids, logps, end) == -0.1


def test_probe_option_is_checked_and_an_adapter_can_ask_for_it(tmp_path):
    from asktoact.models.spec import _flag, parse_spec

    with pytest.raises(ValueError, match="probe"):
        parse_spec("embedded?ground=1&probe=maybe")
    (tmp_path / "decoding.json").write_text(json.dumps({"ground": True, "probe": True}))
    assert _flag({}, str(tmp_path), "probe") is True and _flag({"probe": "off"}, str(tmp_path), "probe") is False
    assert _flag({}, None, "probe") is False


def test_act_bias_lifts_nothing_only_right_after_missing():
    import torch

    from asktoact.models.local import _act_bias_processor

    tok, lm, loop = grounded_tiny_lm()
    loop.close()
    after, nothing = lm._missing_tokens()
    enc = lambda t: tok(t, add_special_tokens=False)["input_ids"]  # noqa: E731
    assert [nothing] == enc(" nothing") and enc("Known: a = 1. Missing:")[-len(after[0]):] in after
    prompt = enc("<|im_start|>assistant\n")
    rows = [prompt + enc("Known: a = 1. Missing:"), prompt + enc("Known: a = 1. Known")]
    width = max(map(len, rows))
    ids = torch.tensor([[tok.pad_token_id] * (width - len(r)) + r for r in rows])  # left-padded, as generate pads
    proc = _act_bias_processor(len(prompt) + width - max(map(len, rows)), after, nothing, 2.5)
    scores = torch.zeros(2, len(tok))
    out = proc(ids, scores.clone())
    assert out[0, nothing] == 2.5 and out[1, nothing] == 0  # only the row that just wrote "Missing:"
    assert out[0].sum() == 2.5  # nothing else moves
    short = torch.tensor([prompt])  # nothing generated yet: the prompt's own words are not looked at
    assert _act_bias_processor(len(prompt), after, nothing, 2.5)(short, torch.zeros(1, len(tok)))[0, nothing] == 0


def test_act_bias_option_is_checked_and_an_adapter_can_ask_for_it(tmp_path):
    from asktoact.models.spec import _act_bias, parse_spec

    with pytest.raises(ValueError, match="act_bias"):
        parse_spec("embedded?ground=1&act_bias=-1")
    assert parse_spec("embedded?act_bias=2.5").options["act_bias"] == "2.5"
    (tmp_path / "decoding.json").write_text(json.dumps({"act_bias": 3}))
    assert _act_bias({}, str(tmp_path)) == 3.0 and _act_bias({"act_bias": "0"}, str(tmp_path)) == 0.0
    assert _act_bias({}, None) == 0.0
