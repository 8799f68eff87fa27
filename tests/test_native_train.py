"""Native training rows: rendered by each family's own tool template, learned exactly as a served
model writes its turns, error spans and premature calls masked; equal to TRL's tokenisation."""

import copy
import json

import pytest

pytest.importorskip("transformers")

from asktoact.native import CHATML_TOOLS_TEMPLATE, message_dicts, openai_tools, parse_reply  # noqa: E402
from asktoact.schema import Dialogue, ErrorSpan, Message, ToolCall, TurnKind  # noqa: E402
from asktoact.tooldefs import parse_tool  # noqa: E402
from asktoact.train.tokenize import (IGNORE, MaskingError, PrepStats, native_messages, native_rows,  # noqa: E402
                                     prepare_rows, render_native)

from tool_templates import LLAMA31_TOOLS, MISTRAL_V3_TOOLS, QWEN25_TOOLS  # noqa: E402

WEATHER = parse_tool({"type": "function", "function": {
    "name": "weather", "description": "Forecast for a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
                   "required": ["city"]}}})
FAMILIES = {  # template, the special tokens that close its turns
    "qwen2.5": (QWEN25_TOOLS, ["<|im_end|>"]),
    "llama3.1": (LLAMA31_TOOLS, ["<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"]),
    "mistral": (MISTRAL_V3_TOOLS, ["[INST]", "[/INST]", "[TOOL_CALLS]", "[AVAILABLE_TOOLS]", "[/AVAILABLE_TOOLS]",
                                   "[TOOL_RESULTS]", "[/TOOL_RESULTS]"]),
    "smollm2": (None, []),  # its own template cannot render tools: ours (CHATML_TOOLS_TEMPLATE) is used
}


@pytest.fixture(scope="module")
def base_tok():
    from transformers import AutoTokenizer

    from asktoact.models.embedded import embedded_model_dir

    return AutoTokenizer.from_pretrained(str(embedded_model_dir()))


def family_tok(base_tok, name):
    tmpl, specials = FAMILIES[name]
    t = copy.deepcopy(base_tok)
    if specials:
        t.add_special_tokens({"additional_special_tokens": specials})
    return t, tmpl


def dialogue() -> Dialogue:
    """Premature call (masked as a whole turn), its tool output, a correction with a wrong
    question inside <SOE>…<EOE>, the user's answer, and the final call."""
    early = [ToolCall(name="weather", arguments={"city": "<unknown_city>"})]
    final = [ToolCall(name="weather", arguments={"city": "Paris", "days": 3})]
    msgs = [Message(role="system", content="You call tools."),
            Message(role="user", content="Three days of weather, please."),
            Message(role="assistant", content="", tool_calls=early),
            Message(role="tool", content='{"error": "not executed"}', name="weather"),
            Message(role="assistant", content="<SOE> Which country is it? <EOE> I still need the city. Which city?"),
            Message(role="user", content="Paris."),
            Message(role="assistant", content="", tool_calls=final)]
    d = Dialogue(id="d0", record_id="r0", format="native", tools=[WEATHER], messages=msgs,
                 error_spans=[ErrorSpan(message=2, start=0, end=0, type="incomplete"),
                              ErrorSpan(message=4, start=0, end=20, type="irrelevant")])
    return d


def learned_pieces(tok, row):
    """Supervised tokens as contiguous decoded pieces."""
    out, cur = [], []
    for t, l in zip(row.input_ids, row.labels):
        if l != IGNORE:
            cur.append(t)
        elif cur:
            out.append(tok.decode(cur))
            cur = []
    if cur:
        out.append(tok.decode(cur))
    return out


@pytest.mark.parametrize("family", list(FAMILIES))
def test_rows_equal_inference_prompt_plus_reply(base_tok, family):
    tok, tmpl = family_tok(base_tok, family)
    d = dialogue()
    rows = native_rows(tok, d, chat_template=tmpl)
    msgs = native_messages(d)[0]  # markers out; the wrong question stays in the text (masked, but seen)
    assert msgs[4]["content"] == "Which country is it? I still need the city. Which city?"
    tools = openai_tools(d.tools)
    t = tmpl or CHATML_TOOLS_TEMPLATE
    turns = [i for i, m in enumerate(msgs) if m["role"] == "assistant"]
    assert len(rows) == (len(turns) if family == "mistral" else 1)  # Mistral moves tools to the last user turn
    replies, moved = [], False
    for k, i in enumerate(turns):
        row = rows[k] if len(rows) > 1 else rows[0]
        start, end = row.learn_ranges[k if len(rows) == 1 else 0]
        # the text before the turn is exactly the prompt a server renders (generation prompt included)
        prompt = render_native(tok, msgs[:i], tools, t, generation_prompt=True)
        assert row.text[:start] == prompt, family
        reply = row.text[start:end]
        # ... and the learned turn is what the template writes for it, closed by its end token
        full = render_native(tok, msgs[: i + 1], tools, t).rstrip()
        if family == "mistral":  # the system prompt and tools move to the last user turn as the dialogue grows
            assert full.endswith(reply) and end == len(row.text)
            moved = moved or full != prompt + reply
        else:
            assert full == prompt + reply
        replies.append(reply)
    assert moved == (family == "mistral")
    # the premature call (whole turn) and the wrong question are never learned
    learned = "".join(p for r in rows for p in learned_pieces(tok, r))
    assert "unknown_city" not in learned and "country" not in learned
    assert "I still need the city. Which city?" in learned and "Paris" in learned
    all_ids = [(tid, lab) for r in rows for tid, lab in zip(r.input_ids, r.labels)]
    assert sum(1 for _, lab in all_ids if lab != IGNORE) == sum(r.n_supervised for r in rows)
    # what a served model writes for the last turn parses back to the ground-truth call
    last = replies[-1]
    for end_tok in ("<|im_end|>", "<|eot_id|>", tok.eos_token):
        last = last.removesuffix(end_tok)
    parsed = parse_reply(last)
    assert parsed.kind == TurnKind.solution
    assert parsed.solution == [ToolCall(name="weather", arguments={"city": "Paris", "days": 3})]


def test_template_refusals_are_masking_rejects(base_tok):
    """Llama-3.1 takes one call per turn: a parallel-call dialogue is rejected with the reason."""
    tok, tmpl = family_tok(base_tok, "llama3.1")
    d = dialogue()
    d.messages[-1] = Message(role="assistant", tool_calls=[ToolCall(name="weather", arguments={"city": "Paris"}),
                                                           ToolCall(name="weather", arguments={"city": "Rome"})])
    with pytest.raises(MaskingError, match="single tool-calls"):
        native_rows(tok, d, chat_template=tmpl)
    st = PrepStats()
    assert prepare_rows(tok, [d, dialogue()], None, tmpl, st) and st.errors == 1 and st.rows == 1


def test_too_long_first_turn_is_dropped_and_counted(base_tok):
    tok, _ = family_tok(base_tok, "smollm2")
    st = PrepStats()
    full = native_rows(tok, dialogue())[0]
    first_end = next(i for i, (s, e) in enumerate(full.offsets) if s >= full.learn_ranges[0][1])
    rows = prepare_rows(tok, [dialogue()], first_end - 1, None, st)
    assert rows == [] and st.dropped_too_long == 1 and st.dropped_no_labels == 0
    second_end = next(i for i, (s, e) in enumerate(full.offsets) if s >= full.learn_ranges[1][1])
    rows = prepare_rows(tok, [dialogue()], second_end + 3, None, PrepStats())
    assert len(rows[0].input_ids) == second_end  # cut after the last complete turn, never inside one


def tiny_model(tok, path):
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    cfg = LlamaConfig(vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                      num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=2048,
                      pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id)
    return LlamaForCausalLM(cfg)


def trl_row(tok, tmpl, d, tmp_path):
    """TRL's own tokenisation of a one-turn native dialogue (conversational prompt-completion with tools)."""
    from datasets import Dataset
    from trl import SFTConfig, SFTTrainer

    msgs = message_dicts(d.messages)
    ds = Dataset.from_list([{"prompt": msgs[:2], "completion": msgs[2:], "tools": json.dumps(openai_tools(d.tools))}])
    args = SFTConfig(output_dir=str(tmp_path), bf16=False, report_to="none", max_length=None,
                     completion_only_loss=True, dataset_num_proc=None)
    t = copy.deepcopy(tok)
    t.chat_template = tmpl
    trainer = SFTTrainer(model=tiny_model(t, tmp_path), args=args, train_dataset=ds, processing_class=t)
    row = trainer.train_dataset[0]
    return list(row["input_ids"]), list(row["labels"])


def one_turn() -> Dialogue:
    call = [ToolCall(name="weather", arguments={"city": "Paris", "days": 3})]
    return Dialogue(id="one", record_id="one", format="native", tools=[WEATHER],
                    messages=[Message(role="system", content="You call tools."),
                              Message(role="user", content="Weather in Paris for 3 days."),
                              Message(role="assistant", tool_calls=call)])


def test_ids_and_labels_equal_trl_prompt_completion(base_tok, tmp_path):
    """Where TRL can tokenise a native dialogue itself (one assistant turn, no error spans:
    conversational prompt-completion with tools; Qwen2.5's template), it gets our ids and our
    labels. TRL also learns the newline ChatML writes after ``<|im_end|>``; we stop at the end
    token (where generation stops), so that one label is the only difference."""
    tok, tmpl = family_tok(base_tok, "qwen2.5")
    ours = native_rows(tok, one_turn(), chat_template=tmpl)[0]
    ids, labels = trl_row(tok, tmpl, one_turn(), tmp_path)
    assert ids == ours.input_ids
    assert labels[:-1] == ours.labels[:-1]
    assert tok.decode(ids[-1:]) == "\n" and labels[-1] != IGNORE and ours.labels[-1] == IGNORE


def test_where_trl_merges_across_the_prompt_boundary_ours_keeps_inference_tokens(base_tok, tmp_path):
    """Llama-3.1's prompt ends in "\n\n" and the reply starts with '{"': tokenised as one text
    (TRL) they merge, so TRL trains on a context inference never sees (it warns so itself).
    Ours tokenises the prompt as a server does; the reply's tokens and labels agree after it."""
    tok, tmpl = family_tok(base_tok, "llama3.1")
    d = one_turn()
    ours = native_rows(tok, d, chat_template=tmpl)[0]
    ids, labels = trl_row(tok, tmpl, d, tmp_path)
    prompt = render_native(tok, message_dicts(d.messages[:2]), openai_tools(d.tools), tmpl, generation_prompt=True)
    served = tok(prompt, add_special_tokens=False)["input_ids"]
    n = len(served)
    assert ours.input_ids[:n] == served and all(l == IGNORE for l in ours.labels[:n]) and ours.labels[n] != IGNORE
    assert ids[:n] != served  # TRL's context differs from the served prompt at the boundary
    assert tok.decode(ids) == tok.decode(ours.input_ids)  # same text
    k = next(i for i in range(1, len(ids)) if ids[-i:] != ours.input_ids[-i:]) - 1  # the shared tail
    assert k > 10 and labels[-k:] == ours.labels[-k:]


def test_native_exports(tmp_path):
    import pyarrow.parquet as pq

    from asktoact.train import export as ex

    d = dialogue()
    both = d.model_copy(deep=True, update={"id": "d1"})
    both.messages[-1] = Message(role="assistant", tool_calls=[ToolCall(name="weather", arguments={"city": "Paris"}),
                                                              ToolCall(name="weather", arguments={"city": "Rome"})])
    mixed = d.model_copy(deep=True, update={"id": "d2"})
    mixed.messages[-1] = mixed.messages[-1].model_copy(update={"content": "Here goes."})
    left: list = []
    ex.export_llamafactory([d, both, mixed], tmp_path / "lf", "ask", rejects=left)
    info = json.loads((tmp_path / "lf" / "dataset_info.json").read_text())["ask"]
    assert info["columns"]["tools"] == "tools" and info["tags"]["function_tag"] == "function_call"
    sg = json.loads((tmp_path / "lf" / "ask.json").read_text())
    assert [x["id"] for x in sg] == ["d0", "d1"] and left[0][0] == "d2"  # text + calls in one turn: left out, said why
    roles = [t["from"] for t in sg[0]["conversations"]]
    assert roles == ["human", "function_call", "observation", "gpt", "human", "function_call"]
    assert json.loads(sg[0]["conversations"][-1]["value"]) == {"name": "weather", "arguments": {"city": "Paris", "days": 3}}
    assert [c["arguments"]["city"] for c in json.loads(sg[1]["conversations"][-1]["value"])] == ["Paris", "Rome"]
    assert json.loads(sg[0]["tools"])[0]["function"]["name"] == "weather"
    rec = ex.to_axolotl(d)
    assert rec["tools"][0]["function"]["name"] == "weather"
    assert rec["messages"][2]["train"] is False and rec["messages"][2]["tool_calls"][0]["function"]["name"] == "weather"
    assert rec["messages"][3]["role"] == "tool" and rec["messages"][3]["tool_call_id"] == "call00000"
    assert [x["train"] for x in rec["messages"][4]["train_detail"]] == [False, True]
    assert rec["messages"][6]["train"] is True
    ex.export_axolotl([d], tmp_path / "ax")
    assert "field_tools: tools" in (tmp_path / "ax" / "asktoact_axolotl.yaml").read_text()
    ex.export_hf([d, both], tmp_path / "hf")
    hf = pq.read_table(tmp_path / "hf" / "dialogues.parquet").to_pylist()
    assert hf[0]["format"] == "native" and json.loads(hf[0]["tools"])[0]["type"] == "function"
    assert {"message": 2, "start": 0, "end": 0} in hf[0]["error_spans"]
    assert json.loads(hf[0]["messages"][-1]["tool_calls"])[0]["function"]["arguments"] == {"city": "Paris", "days": 3}
    card = (tmp_path / "hf" / "README.md").read_text()
    assert "dialogues: 2" in card and "formats: native 2" in card


def test_earlier_conversation_is_prompt_not_learned(base_tok):
    tok, _ = family_tok(base_tok, "smollm2")
    d = dialogue()
    ctx = [Message(role="user", content="List my files."),
           Message(role="assistant", tool_calls=[ToolCall(name="weather", arguments={"city": "Zanzibar"})]),
           Message(role="tool", content="notes.txt", name="weather")]
    d2 = d.model_copy(deep=True, update={"messages": d.messages[:1] + ctx + d.messages[1:], "prompt_messages": 5,
                                         "error_spans": [e.model_copy(update={"message": e.message + 3})
                                                         for e in d.error_spans]})
    row = native_rows(tok, d2)[0]
    learned = "".join(learned_pieces(tok, row))
    assert "Zanzibar" in row.text and "Zanzibar" not in learned and "Paris" in learned
    assert len(row.learn_ranges) == 3  # only the turns after the query
