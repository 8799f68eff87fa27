"""The embedded SmolLM2-135M, for real: conversion, chat template, a few generated tokens."""

import asyncio

import pytest

pytest.importorskip("transformers")


@pytest.fixture(scope="module")
def embedded():
    from asktoact.models import load_model

    return load_model("embedded", cache=False)


@pytest.mark.slow
def test_embedded_generates_with_chat_template(embedded):
    from asktoact.models import GenParams

    msgs = [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Say hello."}]
    rendered = embedded.render(msgs)
    assert rendered.startswith("<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nSay hello.<|im_end|>")
    assert rendered.endswith("<|im_start|>assistant\n")
    res = embedded.chat(msgs, GenParams(max_tokens=6))
    assert 1 <= res.completion_tokens <= 6 and res.text.strip()
    assert res.prompt_tokens == len(embedded.tok(rendered, add_special_tokens=False)["input_ids"])
    # greedy decoding is deterministic, and a batch gives the same answers as single calls
    batch = asyncio.run(embedded.achat_many([msgs, [{"role": "user", "content": "Name a colour."}]], GenParams(max_tokens=6)))
    assert batch[0].text == res.text
    single = embedded.chat([{"role": "user", "content": "Name a colour."}], GenParams(max_tokens=6))
    assert batch[1].text == single.text
