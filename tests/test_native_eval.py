"""Native evaluation: tools= to the endpoint, tool_calls back, the same scores as the paper format."""

import json

import pytest
from conftest import tiny_lm

from asktoact.curate.stage import BuildConfig, run_build
from asktoact.evaluate.agents import SCRIPTED
from asktoact.evaluate.runner import EvalConfig, load_records
from asktoact.evaluate.stage import run_eval
from asktoact.testing.fake_server import FakeOpenAI

SCORE_KEYS = ("mean", "terminations", "error_rates", "n_queries")


@pytest.fixture(scope="module")
def records(tmp_path_factory):
    from conftest import need_shared

    out = tmp_path_factory.mktemp("ic")
    run_build(BuildConfig(source="bfcl", path=str(need_shared("bfcl", "BFCL_v4_parallel_multiple.json")), out=str(out),
                          seed=0, similarity=False, limit=40))
    return out / "ic_records.jsonl"


def scripted_server_reply(records_path, name):
    """The scripted agent ``name`` behind an OpenAI-compatible server, speaking native: it
    finds its record by the query, asks in plain text, and answers with tool_calls."""
    by_query = {r.unspecified_query: r for r in load_records(records_path)}
    seen_tools: list[list[str]] = []

    def reply(messages, body):
        assert body.get("tools"), "native eval must send tools="
        seen_tools.append([t["function"]["name"] for t in body["tools"]])
        rec = by_query[next(m["content"] for m in messages if m["role"] == "user")]
        agent = SCRIPTED[name](rec)
        agent.asked = sum(1 for m in messages if m["role"] == "assistant")
        if agent.asked < len(agent.plan):
            return agent.plan[agent.asked]
        calls = [c if isinstance(c, dict) else {"name": c.name, "arguments": c.arguments} for c in agent.solution()]
        return {"content": None, "tool_calls": [{"name": c["name"], "arguments": c["arguments"]} for c in calls]}

    return reply, seen_tools


@pytest.mark.parametrize("name", ["perfect", "guess", "repeat"])
def test_native_over_http_scores_like_paper(records, tmp_path, name):
    cfg = dict(concurrency=8, max_rounds=40)
    paper = run_eval(records, f"script:{name}", "oracle", tmp_path / "paper", EvalConfig(**cfg), cache=False)
    native_local = run_eval(records, f"script:{name}", "oracle", tmp_path / "native_local",
                            EvalConfig(**cfg, format="native"), cache=False)
    reply, seen = scripted_server_reply(records, name)
    with FakeOpenAI(reply) as srv:
        native = run_eval(records, f"openai:fake@{srv.url}", "oracle", tmp_path / "native",
                          EvalConfig(**cfg, format="native"), cache=False)
        assert all("tools" in b and b["messages"][0]["role"] == "system" for b in srv.requests)
        # the request carries no bracket protocol: questions were plain text, tools beside the messages
        assert not any("[QUESTION]" in json.dumps(b["messages"]) for b in srv.requests)
    assert seen and all(seen)
    for k in SCORE_KEYS:
        assert native[k] == paper[k] == native_local[k], k
    assert native["terminations"].get("solution", 0) == paper["n_queries"]


def test_cache_key_holds_tools_and_replies_keep_their_calls(records, tmp_path):
    from asktoact.models import GenParams
    from asktoact.models.cache import ReplyCache, cache_key
    from asktoact.models.spec import load_model

    msgs = [{"role": "user", "content": "hi"}]
    p = GenParams()
    assert cache_key("m", msgs, p) != cache_key("m", msgs, p, [{"type": "function", "function": {"name": "a"}}])
    calls = {"content": "", "tool_calls": [{"name": "weather", "arguments": {"city": "Oslo"}}]}
    with FakeOpenAI(lambda m, b: calls if b.get("tools") else "plain") as srv:
        model = load_model(f"openai:fake@{srv.url}", cache=tmp_path / "c.sqlite")
        tools = [{"type": "function", "function": {"name": "weather", "parameters": {"type": "object", "properties": {}}}}]
        from asktoact.models.base import run_sync

        r1 = run_sync(model.achat(msgs, p, tools=tools))
        r2 = run_sync(model.achat(msgs, p, tools=tools))
        r3 = run_sync(model.achat(msgs, p))
        assert len(srv.requests) == 2  # the second native request came from the cache
    assert r1.tool_calls[0].arguments == {"city": "Oslo"} and r2.cached and r2.tool_calls == r1.tool_calls
    assert r3.text == "plain" and r3.tool_calls is None
    assert isinstance(ReplyCache(tmp_path / "c.sqlite").get(model.cache_id, msgs, p, tools)["tool_calls"], list)


def test_unreadable_call_arguments_are_an_invalid_turn(records, tmp_path):
    bad = {"content": "", "tool_calls": [{"name": "x", "arguments": "{not json"}]}
    with FakeOpenAI(lambda m, b: bad) as srv:
        s = run_eval(records, f"openai:fake@{srv.url}", "oracle", tmp_path / "bad",
                     EvalConfig(format="native", limit=3), cache=False)
    assert s["terminations"] == {"invalid_output": 3}


def test_local_model_batches_greedy_requests_across_seeds_and_renders_tools(tmp_path):
    import asyncio

    pytest.importorskip("torch")
    from asktoact.models import GenParams
    from asktoact.models.local import LocalModel, batch_key

    tok, m = tiny_lm()
    lm = LocalModel("tiny", model=m, tokenizer=tok, batch_size=8)
    tools = [{"type": "function", "function": {"name": "zz_weather", "parameters": {"type": "object", "properties": {}}}}]
    assert "zz_weather" in lm.render([{"role": "user", "content": "hi"}], tools)  # ours: SmolLM2's drops tools

    async def go(ts):
        return await asyncio.gather(*(lm.achat([{"role": "user", "content": f"q{i}"}],
                                               GenParams(max_tokens=3, seed=100 + i), tools=ts) for i in range(6)))

    res = asyncio.run(go(tools))
    assert lm.batches == [6]  # one generate call, although every dialogue has its own seed
    assert batch_key(GenParams(seed=1)) == batch_key(GenParams(seed=2))
    assert batch_key(GenParams(seed=1, temperature=0.7)) != batch_key(GenParams(seed=2, temperature=0.7))
    # greedy rows decode the same alone as in the batch
    alone = asyncio.run(lm.achat([{"role": "user", "content": "q3"}], GenParams(max_tokens=3, seed=7), tools=tools))
    assert alone.text == res[3].text


def test_degenerate_loops_stop_early_and_nothing_else_does():
    from asktoact.models.local import loop_length

    assert loop_length([11, 12, 13] * 20) == 60  # a 3-token pattern over 60 tokens
    assert loop_length(list(range(30)) + [9] * 50) == 50
    assert loop_length(list(range(200))) == 0
    assert loop_length([1, 2] * 10 + [3]) == 0  # a short repeated list, then something else
    assert loop_length([7] * 47) == 0  # below the span


def test_local_model_stops_a_looping_row_before_the_token_limit():
    torch = pytest.importorskip("torch")
    from asktoact.models import GenParams
    from asktoact.models.local import LocalModel

    tok, m = tiny_lm()
    with torch.no_grad():  # a model that always writes the same token: the purest loop
        m.lm_head.weight.zero_()
        m.lm_head.weight[tok.convert_tokens_to_ids("x")] = 1.0
        m.model.norm.weight.fill_(1.0)
    lm = LocalModel("tiny", model=m, tokenizer=tok, batch_size=2)
    res = lm.chat([{"role": "user", "content": "hi"}], GenParams(max_tokens=200))
    assert set(res.text) <= {"x", " "} and 48 <= res.completion_tokens < 200


def test_repeating_period_finds_the_pattern_only_once_it_spans_enough():
    from asktoact.models.local import repeating_period

    assert repeating_period([5, 6] + [1, 2, 3] * 4, span=12) == 3  # ", 91" x4: its next copy starts with 1
    assert repeating_period([5, 6] + [1, 2, 3] * 3, span=12) == 0  # 9 tokens: not yet
    assert repeating_period(list(range(40)), span=12) == 0
    assert repeating_period([9] * 12, span=12) == 1
    assert repeating_period(list(range(10)) * 2, span=12) == 10  # two whole copies of a 10-token item
    assert repeating_period(list(range(10)) + list(range(9)), span=12) == 0  # the second copy unfinished


def test_loop_guard_bans_the_next_copy_and_the_row_stays_readable():
    torch = pytest.importorskip("torch")
    from asktoact.models import GenParams
    from asktoact.models.local import LocalModel

    tok, m = tiny_lm()
    x, y = tok.convert_tokens_to_ids("x"), tok.convert_tokens_to_ids("y")
    with torch.no_grad():  # always "x", "y" the runner-up
        m.lm_head.weight.zero_()
        m.lm_head.weight[x] = 1.0
        m.lm_head.weight[y] = 0.5
        m.model.norm.weight.fill_(1.0)
    free = LocalModel("tiny", model=m, tokenizer=tok, batch_size=2)
    guarded = LocalModel("tiny", model=m, tokenizer=tok, batch_size=2, loop_guard=12)
    msgs = [{"role": "user", "content": "hi"}]
    a = free.chat(msgs, GenParams(max_tokens=60))
    b = guarded.chat(msgs, GenParams(max_tokens=60))
    assert set(a.text) <= {"x", " "} and a.completion_tokens < 60  # unguarded: one loop, stopped by loop_stop
    runs = [len(r) for r in b.text.replace(" ", "").split("y")]
    assert "y" in b.text and max(runs) <= 12, b.text  # the 13th "x" was banned: the runner-up was written
    assert guarded.cache_id != free.cache_id  # replies decoded under the guard are cached apart


def test_loop_guard_option_is_checked_and_an_adapter_can_ask_for_it(tmp_path):
    import json

    from asktoact.models.spec import _loop_guard, parse_spec

    with pytest.raises(ValueError, match="loop_guard"):
        parse_spec("embedded?loop_guard=-3")
    assert parse_spec("embedded?loop_guard=12").options["loop_guard"] == "12"
    assert _loop_guard({}, None) == 0
    (tmp_path / "decoding.json").write_text(json.dumps({"ground": True, "loop_guard": 12}))
    assert _loop_guard({}, str(tmp_path)) == 12
    assert _loop_guard({"loop_guard": "0"}, str(tmp_path)) == 0  # the spec wins
