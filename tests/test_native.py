"""The native twin of the protocol: opening messages, reply parsing, the ChatML tool template."""

import pytest

from asktoact import formats
from asktoact.native import (CHATML_TOOLS_TEMPLATE, message_dicts, native_chat_template, parse_reply,
                             parse_tool_call_text, template_renders_tools)
from asktoact.schema import Message, ToolCall, TurnKind
from asktoact.tooldefs import parse_tool

TOOL = parse_tool({"name": "weather", "description": "Forecast.", "parameters": {"city": {"type": "str"}}})


@pytest.mark.parametrize("text,calls", [
    ('<tool_call>\n{"name": "weather", "arguments": {"city": "Paris"}}\n</tool_call>', [("weather", {"city": "Paris"})]),
    ('[TOOL_CALLS] [{"name": "weather", "arguments": {"city": "Rome"}}]', [("weather", {"city": "Rome"})]),
    ('<|python_tag|>{"name": "weather", "parameters": {"city": "Oslo"}}', [("weather", {"city": "Oslo"})]),
    ('[{"name": "a", "arguments": {}}, {"name": "b", "arguments": "{\\"x\\": 1}"}]', [("a", {}), ("b", {"x": 1})]),
])
def test_calls_written_as_text_in_common_styles(text, calls):
    p = parse_reply(text)
    assert p.kind == TurnKind.solution
    assert [(c.name, c.arguments) for c in p.solution] == calls


def test_text_is_a_question_and_broken_calls_are_invalid():
    assert parse_reply("Which city should I check?").kind == TurnKind.question
    assert parse_reply("  ").kind == TurnKind.invalid
    assert parse_reply('<tool_call>\n{"name": "weather", "argu').kind == TurnKind.invalid
    assert parse_tool_call_text('{"note": "not a call"}') is None
    assert parse_reply("", [ToolCall(name="weather", arguments={"city": "Lima"})]).solution[0].arguments == {"city": "Lima"}


def test_tool_outputs_are_tied_to_their_calls():
    d = message_dicts([Message(role="assistant", tool_calls=[ToolCall(name="a"), ToolCall(name="b")]),
                       Message(role="tool", content="1"), Message(role="tool", content="2"),
                       Message(role="assistant", tool_calls=[ToolCall(name="c")]), Message(role="tool", content="3")])
    assert [m["tool_calls"][0]["id"] for m in d if m.get("tool_calls")] == ["call00000", "call00002"]
    assert [m["tool_call_id"] for m in d if m["role"] == "tool"] == ["call00000", "call00001", "call00002"]
    assert all(len(m["tool_calls"][0]["id"]) == 9 for m in d if m.get("tool_calls"))


def test_smollm2_gets_our_chatml_tool_template_and_round_trips():
    from transformers import AutoTokenizer

    from asktoact.models.embedded import embedded_model_dir

    tok = AutoTokenizer.from_pretrained(str(embedded_model_dir()))
    assert not template_renders_tools(tok)  # SmolLM2's own template drops tools
    tmpl = native_chat_template(tok)
    assert tmpl == CHATML_TOOLS_TEMPLATE and template_renders_tools(tok, tmpl)
    msgs, tools = formats.opening("native", "Weather please", [TOOL])
    call = message_dicts([Message(role="assistant", tool_calls=[ToolCall(name="weather", arguments={"city": "Paris"})])])
    prompt = tok.apply_chat_template(msgs, tools=tools, tokenize=False, add_generation_prompt=True, chat_template=tmpl)
    full = tok.apply_chat_template(msgs + call, tools=tools, tokenize=False, chat_template=tmpl)
    assert full.startswith(prompt) and '"name": "weather"' in prompt  # the prompt is a prefix: train = inference
    reply = full[len(prompt):].removesuffix("<|im_end|>\n")
    assert parse_reply(reply).solution == [ToolCall(name="weather", arguments={"city": "Paris"})]


def test_paper_opening_with_context_and_compact_tools():
    ctx = [Message(role="user", content="List my files."),
           Message(role="assistant", tool_calls=[ToolCall(name="ls", arguments={"a": True})]),
           Message(role="tool", content="notes.txt", name="ls")]
    msgs, tools = formats.opening("paper", "Open the notes.", [TOOL], ctx, tool_style="compact")
    assert tools is None and msgs[0]["role"] == "system"
    text = msgs[1]["content"]
    assert "User: List my files." in text and 'Assistant called ls with {"a": true}' in text
    assert "ls returned: notes.txt" in text and "weather: Forecast." in text and "city (string, required)" in text
    with pytest.raises(ValueError):
        formats.opening("xml", "q", [TOOL])


def test_python_set_in_a_call_is_a_list_not_a_harness_error():
    """SmolLM2 writes python sets inside calls (ACEBench normal_atom_object_deep_32 failed as a
    harness error: a set is not JSON); read as the list it stands for, and store it."""
    import json

    from asktoact.native import parse_reply

    r = parse_reply('<tool_call>\n{"name": "f", "arguments": {"tags": {"b", "a"}, "pt": (1, 2)}}\n</tool_call>')
    assert r.solution and r.solution[0].arguments == {"tags": ["a", "b"], "pt": [1, 2]}
    json.dumps([c.model_dump() for c in r.solution])
    bad = parse_reply('<tool_call>\n{"name": "f", "arguments": {"x": b"raw"}}\n</tool_call>')
    assert not bad.solution


def test_reasoning_dialogues_survive_error_injection(tmp_path, shared):
    # --reasoning keeps the parameter evaluation as text before each move; an error turn is that
    # text, then the wrong question inside its span: the invariant check must accept it
    from asktoact.augment.stage import run_augment
    from asktoact.curate.stage import BuildConfig, run_build
    from asktoact.dialogues.native import check_native
    from asktoact.dialogues.stage import run_dialogues
    from asktoact.io import read_jsonl
    from asktoact.schema import Dialogue

    res = run_build(BuildConfig(source="acebench", path=str(shared("acebench")), out=str(tmp_path / "b"), seed=0,
                                similarity=False, limit=80))
    st = run_dialogues(res.records, tmp_path / "d", seed=0, fmt="native", reasoning=True)
    assert st.written and st.rejected == 0
    ast = run_augment(tmp_path / "d", tmp_path / "a", share=1.0, seed=0)
    assert ast.rejected == 0 and ast.by_type.get("irrelevant") and ast.by_type.get("imprecise")
    for d in read_jsonl(tmp_path / "a" / "augmented.jsonl", Dialogue):
        first = next(m for m in d.messages[d.prompt_messages:] if m.role == "assistant")
        # (an incomplete-error dialogue may open with the premature call itself, a whole-turn error)
        assert first.content.startswith("The task breaks down into") or first.tool_calls and d.error_type == "incomplete", d.id
        assert check_native(d) == []


@pytest.mark.parametrize("style", ["compact", "cited"])
def test_compact_reasoning_says_what_is_known_and_what_is_missing(tmp_path, shared, style):
    # --reasoning-style compact: one line before each move; the record's hidden values are the
    # "Missing" list, its kept values the "Known" one, a fully specified twin says "Missing: nothing"
    import json

    from asktoact.augment.stage import run_augment
    from asktoact.curate.stage import BuildConfig, run_build
    from asktoact.dialogues.native import check_native
    from asktoact.dialogues.stage import run_dialogues
    from asktoact.io import read_jsonl
    from asktoact.schema import Dialogue, ICRecord

    res = run_build(BuildConfig(source="acebench", path=str(shared("acebench")), out=str(tmp_path / "b"), seed=0,
                                similarity=False, limit=80))
    st = run_dialogues(res.records, tmp_path / "d", seed=0, fmt="native", reasoning=style, twins=True)
    assert st.written and st.rejected == 0 and st.twins
    meta = json.loads((tmp_path / "d" / "dialogues.jsonl.meta.json").read_text())
    assert meta["config"]["reasoning"] == style
    opens = "Known: " if style == "compact" else ""
    recs = {r.id: r for r in read_jsonl(tmp_path / "d" / "records.jsonl", ICRecord)}
    asked = full = 0
    for d in read_jsonl(tmp_path / "d" / "dialogues.jsonl", Dialogue):
        rec = recs[d.record_id]
        first = next(m for m in d.messages[d.prompt_messages:] if m.role == "assistant")
        line = first.content.split(". Missing: ")
        assert first.content.startswith(opens) and len(line) == 2, d.id
        missing = [a for c in rec.key_info for p, a in c.arguments.items() if a.removed and not a.linked_to]
        if missing:
            asked += 1
            assert not first.tool_calls and not line[1].startswith("nothing"), d.id
            for c in rec.key_info:  # every missing parameter is named before the question
                for p, a in c.arguments.items():
                    if a.removed and not a.linked_to:
                        assert p in line[1], (d.id, p)
                        if style == "cited":  # said where it stands, not given a value
                            assert f"{p}: missing" in line[0] and f"{p} = " not in line[0], (d.id, p)
                    elif style == "cited" and a.current_value and a.grounded not in ("default", "profile", "output"):
                        assert f'(from {json.dumps(a.current_value, ensure_ascii=False)})' in line[0], (d.id, p)
        else:
            full += 1
            assert first.tool_calls and line[1] == "nothing.", d.id
        assert len(first.content) < 900  # a line, not the paper's full evaluation
    assert asked and full
    # the format survives error injection (augment takes the style from the sidecar)
    ast = run_augment(tmp_path / "d", tmp_path / "a", share=1.0, seed=0)
    assert ast.rejected == 0 and ast.by_type.get("irrelevant")
    for d in read_jsonl(tmp_path / "a" / "augmented.jsonl", Dialogue):
        assert check_native(d) == [], d.id
        first = next(m for m in d.messages[d.prompt_messages:] if m.role == "assistant")
        assert first.content.startswith(opens) or first.tool_calls and d.error_type == "incomplete", d.id
