"""Model layer against a real HTTP server on loopback, the cache, structured output, specs."""

import asyncio
import json
import logging
import sqlite3

import pytest

from asktoact.models import GenParams, ModelError, load_model, parse_spec
from asktoact.models.structured import ExtractError, ask_structured, extract_json
from asktoact.testing.fake_server import FakeOpenAI


def test_spec_parsing():
    s = parse_spec("openai:Qwen/Qwen2.5-7B-Instruct@http://localhost:8000/v1?concurrency=16")
    assert (s.kind, s.target, s.url, s.options) == ("openai", "Qwen/Qwen2.5-7B-Instruct", "http://localhost:8000/v1", {"concurrency": "16"})
    assert parse_spec("openai:gpt-4o").url is None
    assert parse_spec("ollama:llama3").url == "http://localhost:11434/v1"
    assert parse_spec("hf:/models/q?adapter=/a/b").options == {"adapter": "/a/b"}
    assert parse_spec("embedded").kind == "embedded"
    for bad in ["", "nope:x", "openai:", "http://x/v1", "hf:"]:
        with pytest.raises(ValueError):
            parse_spec(bad)


def _model(srv, tmp_path, **opts):
    q = "&".join(f"{k}={v}" for k, v in {"backoff": "0.01", "timeout": "0.6", **opts}.items())
    return load_model(f"openai:fake@{srv.url}?{q}", cache=tmp_path / "c.sqlite")


def test_retries_nothing_lost_or_duplicated_then_cache(tmp_path):
    with FakeOpenAI() as srv:
        prompts = [f"task {i}" for i in range(20)]
        srv.script("task 1", "429", "429")
        srv.script("task 2", "500")
        srv.script("task 3", "timeout:1.5")
        srv.script("task 4", "malformed")
        srv.script("task 5", "429", "500", "malformed")
        m = _model(srv, tmp_path, concurrency=8)
        out = asyncio.run(m.achat_many([[{"role": "user", "content": p}] for p in prompts], GenParams(max_tokens=8)))
        assert [r.text for r in out] == [f"echo: {p}" for p in prompts]
        assert sorted(srv.completed) == sorted(prompts)  # each answered exactly once
        assert m.usage.retries == 2 + 1 + 1 + 1 + 3
        assert m.usage.requests == 20 and m.usage.cached == 0
        n_http = len(srv.requests)
        m2 = _model(srv, tmp_path, concurrency=8)
        out2 = asyncio.run(m2.achat_many([[{"role": "user", "content": p}] for p in prompts], GenParams(max_tokens=8)))
        assert [r.text for r in out2] == [r.text for r in out]
        assert len(srv.requests) == n_http and m2.usage.cached == 20  # served from the cache
        # other generation parameters are another key
        m2.chat([{"role": "user", "content": "task 0"}], GenParams(max_tokens=9))
        assert len(srv.requests) == n_http + 1


def test_gives_up_with_clear_error(tmp_path):
    with FakeOpenAI() as srv:
        srv.script("x", *["500"] * 10)
        m = _model(srv, tmp_path, retries=2)
        with pytest.raises(ModelError, match="gave up after 3 attempts"):
            m.chat([{"role": "user", "content": "x"}])
        assert m.usage.errors == 1


def test_api_key_never_stored_or_logged(tmp_path, monkeypatch, caplog):
    secret = "sk-test-SECRET-9f8e7d6c"
    monkeypatch.setenv("FAKE_KEY", secret)
    caplog.set_level(logging.DEBUG)
    with FakeOpenAI() as srv:
        srv.script("boom", *["500"] * 5)
        m = _model(srv, tmp_path, key_env="FAKE_KEY", retries=1)
        res = m.chat([{"role": "user", "content": "hello"}])
        assert {k.lower(): v for k, v in srv.headers[-1].items()}["authorization"] == f"Bearer {secret}"  # it was used
        with pytest.raises(ModelError) as ei:
            m.chat([{"role": "user", "content": "boom"}])
        assert secret not in str(ei.value)
        m.cache.close()
    raw = (tmp_path / "c.sqlite").read_bytes()
    rows = sqlite3.connect(tmp_path / "c.sqlite").execute("SELECT * FROM replies").fetchall()
    assert rows and secret.encode() not in raw and all(secret not in json.dumps(r) for r in rows)
    assert secret not in caplog.text and secret not in m.spec and secret not in res.text


def test_extract_json_variants():
    assert extract_json('sure!\n```json\n{"a": [1, 2]}\n```\nbye') == {"a": [1, 2]}
    assert extract_json("[SUMMARY] [{'task': 'f', 'arguments': [{'name': 'x', 'value': True}]}] done") == [
        {"task": "f", "arguments": [{"name": "x", "value": True}]}]
    assert extract_json('text {"k": "v with } brace"} more') == {"k": "v with } brace"}
    assert extract_json('{"a": true, "b": null}') == {"a": True, "b": None}
    assert extract_json("{'a': null, 'b': false}") == {"a": None, "b": False}
    assert extract_json("noise [1, 2] {\"x\": 1}", want="object") == {"x": 1}
    for bad in ["nothing", "{unclosed", "__import__('os').system('true')", "{'a': os.system('x')}"]:
        with pytest.raises(ExtractError):
            extract_json(bad)


def test_ask_structured_reasks(tmp_path):
    from pydantic import BaseModel

    class Out(BaseModel):
        steps: list[str]

    calls = {"n": 0}

    def reply(msgs, body):
        calls["n"] += 1
        return "I think {steps: oops" if calls["n"] == 1 else '```json\n{"steps": ["a", "b"]}\n```'

    with FakeOpenAI(reply) as srv:
        m = _model(srv, tmp_path)
        val, attempts = asyncio.run(ask_structured(m, [{"role": "user", "content": "go"}], Out))
        assert val.steps == ["a", "b"] and attempts == 2
        assert "could not be used" in srv.requests[-1]["messages"][-1]["content"]


def test_missing_key_for_openai_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(ModelError, match=r"\$OPENAI_API_KEY"):
        load_model("openai:gpt-4o", cache=False)
