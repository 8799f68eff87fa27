"""Selective masking on the real SmolLM2 tokenizer, for ChatML, Llama-3 and Mistral templates."""

import copy

import pytest

transformers = pytest.importorskip("transformers")

from asktoact.protocol import strip_markers  # noqa: E402
from asktoact.train.tokenize import IGNORE, tokenize_dialogue  # noqa: E402

LLAMA3 = ("{{ bos_token }}{% for message in messages %}{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'"
          " + message['content'] | trim + '<|eot_id|>' }}{% endfor %}")
MISTRAL = ("{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
           "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token }}{% endif %}{% endfor %}")


@pytest.fixture(scope="module")
def tok():
    from transformers import AutoTokenizer

    from asktoact.models.embedded import embedded_model_dir

    return AutoTokenizer.from_pretrained(str(embedded_model_dir()))


@pytest.fixture(scope="module")
def llama_tok(tok):
    t = copy.deepcopy(tok)
    t.add_special_tokens({"additional_special_tokens": ["<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"]})
    return t


def dialogue(n_errors):
    err1 = "<SOE> [QUESTION] What is the player ID for the media lookup? <EOE> "
    err2 = "<SOE> [SUMMARY] plan: [{\"task\": \"f\", \"arguments\": [{\"name\": \"x\", \"value\": \"<unknown_x>\"}]}] <EOE> "
    first = "[TASK DECOMPOSITION] One step. [PARAMETER EVALUATION] x has no clear value yet. " + (err1 if n_errors >= 1 else "") + \
            ("Sorry, I made a mistake: that was already stated. " if n_errors >= 1 else "") + "[QUESTION] What x should I use?"
    second = "[PARAMETER EVALUATION] Now I know that x is 7. " + (err2 if n_errors >= 2 else "") + \
             ("Sorry, some values were still missing. " if n_errors >= 2 else "") + "[SUMMARY] [{\"task\": \"f\"}]"
    return [{"role": "system", "content": "You help with APIs."},
            {"role": "user", "content": "The task is: do f with some x."},
            {"role": "assistant", "content": first},
            {"role": "user", "content": "It's 7."},
            {"role": "assistant", "content": second}]


def expected(messages, eot):
    """What must be learned: assistant text outside error spans, each turn closed by its end token."""
    learned, errors = [], []
    for m in messages:
        if m["role"] != "assistant":
            continue
        clean, spans = strip_markers(m["content"])
        pos = 0
        for s, e in spans:
            learned.append(clean[pos:s])
            errors.append(clean[s:e])
            pos = e
        learned.append(clean[pos:] + eot)
    return learned, errors


def supervised(tok, row):
    return tok.decode([t for t, l in zip(row.input_ids, row.labels) if l != IGNORE])


@pytest.mark.parametrize("n_errors", [0, 1, 2])
@pytest.mark.parametrize("template", ["chatml", "llama3", "mistral"])
def test_labels_exact(tok, llama_tok, n_errors, template):
    t, tpl, eot = {"chatml": (tok, None, "<|im_end|>"), "llama3": (llama_tok, LLAMA3, "<|eot_id|>"),
                   "mistral": (tok, MISTRAL, tok.eos_token)}[template]
    msgs = dialogue(n_errors)
    row = tokenize_dialogue(t, msgs, chat_template=tpl)
    assert "<SOE>" not in row.text and "<EOE>" not in row.text  # the model never sees markers
    assert row.n_error_spans == n_errors
    got = supervised(t, row)
    learned, errors = expected(msgs, eot)
    if n_errors == 0:
        assert got == "".join(learned)
    # every learned piece is supervised (up to the space that merges into a masked edge token)
    for piece in learned:
        assert piece.strip() in got
    for e in errors:
        assert e.strip() not in got
    assert "media lookup" not in got and "unknown_x" not in got  # words only the errors contain
    # nothing from system or user turns is learned
    for m in msgs:
        if m["role"] != "assistant":
            assert m["content"] not in got
    # token-level: a supervised token lies inside an assistant turn and touches no error span
    for (s, e), lab in zip(row.offsets, row.labels):
        inside = any(a <= s and e <= b for a, b in row.learn_ranges)
        hits_error = any(s < b and e > a for a, b in row.error_ranges)
        assert (lab != IGNORE) == (inside and not hits_error and e > s)


def test_truncation_never_splits_a_turn_or_span(tok):
    msgs = dialogue(2)
    full = tokenize_dialogue(tok, msgs)
    first_turn_end = next(i for i, (s, e) in enumerate(full.offsets) if s >= full.learn_ranges[0][1])
    for max_len in range(first_turn_end - 5, len(full.input_ids)):
        row = tokenize_dialogue(tok, msgs, max_len=max_len)
        assert len(row.input_ids) <= max_len
        if max_len < first_turn_end:  # the first turn does not fit: nothing is learned, never half a turn
            assert row.too_long and row.n_supervised == 0 and row.first_turn_tokens == first_turn_end
            continue
        assert not row.too_long
        assert row.labels == full.labels[: len(row.labels)] and row.input_ids == full.input_ids[: len(row.input_ids)]
        n = len(row.input_ids)
        for a, b in full.error_ranges:  # each error span is wholly in or wholly out
            toks = [i for i, (s, e) in enumerate(full.offsets) if s < b and e > a]
            assert all(i < n for i in toks) or all(i >= n for i in toks)
        if max_len >= first_turn_end:
            assert n in {next((i for i, (s, e) in enumerate(full.offsets) if s >= r[1]), len(full.offsets))
                         for r in full.learn_ranges}


def test_markers_outside_assistant_are_an_error(tok):
    from asktoact.train.tokenize import MaskingError

    msgs = dialogue(0)
    msgs[1]["content"] += " <SOE> x <EOE>"
    with pytest.raises(MaskingError):
        tokenize_dialogue(tok, msgs)
