"""The demo on a tiny slice, the chat command through a pseudo-terminal, the human report."""

import json
import sys

import pytest
from typer.testing import CliRunner

from asktoact.cli import app


def test_demo_tiny_slice(tmp_path, shared):
    pytest.importorskip("transformers")
    r = CliRunner().invoke(app, ["demo", "--out", str(tmp_path / "demo"), "--data-dir", str(shared("bfcl")),
                                 "--records", "60", "--eval-size", "4", "--model", "script:perfect", "--no-similarity",
                                 "--max-tokens", "48"])
    assert r.exit_code == 0, r.output
    out = tmp_path / "demo"
    for f in ("ic/ic_records.jsonl", "ic/eval.jsonl", "dialogues/dialogues.jsonl", "augmented/train.jsonl",
              "eval/perfect/summary.json", "eval/model/transcripts.jsonl", "report.md", "breakdown.png"):
        assert (out / f).exists(), f
    assert "| model | run | n | failed | ICR | CE | CPS | IR | SCR | TSS | PRS |" in r.output
    summ = json.loads((out / "eval" / "perfect" / "summary.json").read_text())
    # script:perfect asks every hidden value and the oracle answers each of its questions
    assert summ["n_queries"] == 4 and summ["mean"]["ICR"] == 100.0 and summ["mean"]["TSS"] == 100.0
    # base vs embedded:asktoact, natively, on the curated records in the shipped model's held-out split
    from asktoact.models.embedded import shipped_adapter_dir

    held_ids = set((shipped_adapter_dir() / "heldout_ids.txt").read_text().split())
    trained_ids = set((shipped_adapter_dir() / "trained_ids.txt").read_text().split())
    shipped = [json.loads(l)["id"] for l in (out / "ic" / "eval_shipped.jsonl").read_text().splitlines()]
    assert shipped and set(shipped) <= held_ids and not set(shipped) & trained_ids
    for sub in ("base_native", "asktoact_native"):
        s = json.loads((out / "eval" / sub / "summary.json").read_text())
        assert s["n_queries"] == len(shipped) and s["failed"] == 0
    assert "embedded:asktoact" in r.output
    # the held-out records are not in the training set
    held = {json.loads(l)["id"] for l in (out / "ic" / "eval.jsonl").read_text().splitlines()}
    trained = {json.loads(l)["record_id"] for l in (out / "augmented" / "train.jsonl").read_text().splitlines()}
    assert held and not held & trained


def test_chat_through_a_pty(tmp_path):
    pexpect = pytest.importorskip("pexpect")
    from asktoact.report.human import human_table, load_sessions
    from asktoact.testing.fake_server import FakeOpenAI

    tools = [{"type": "function", "function": {"name": "get_weather", "description": "Weather for a city.",
                                                "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                                                               "required": ["city"]}}}]
    (tmp_path / "tools.json").write_text(json.dumps(tools))

    def reply(msgs, body):
        if not any(m["role"] == "assistant" for m in msgs):
            return "[TASK DECOMPOSITION] One step. [PARAMETER EVALUATION] city is missing. [QUESTION] Which city?"
        city = msgs[-1]["content"].strip()
        return f'[SUMMARY] Weather lookup. [{{"task": "get_weather", "arguments": [{{"name": "city", "value": "{city}"}}]}}]'

    with FakeOpenAI(reply) as srv:
        child = pexpect.spawn(sys.executable, ["-m", "asktoact.cli", "chat", "--model", f"openai:m@{srv.url}",
                                               "--tools", str(tmp_path / "tools.json"), "--out", str(tmp_path / "s"),
                                               "--participant", "p1"], encoding="utf-8", timeout=60,
                              env={"COLUMNS": "120", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
        child.expect("Your task: ")
        child.sendline("What's the weather like?")
        child.expect("Which city\\?")
        child.expect("You: ")
        child.sendline("Paris")
        child.expect("get_weather")
        child.expect("completed correctly")
        child.sendline("y")
        child.expect("leave out")
        child.sendline("1")
        child.expect("ask you about")
        child.sendline("1")
        child.expect("satisfaction")
        child.sendline("5")
        child.expect("session saved")
        child.expect(pexpect.EOF)
    sessions = load_sessions(tmp_path / "s")
    assert len(sessions) == 1
    s = sessions[0]
    assert s.task == "What's the weather like?" and s.solution[0].arguments == {"city": "Paris"}
    assert (s.completed, s.left_out, s.clarified, s.satisfaction, s.rounds) == (True, 1, 1, 5, 1)
    r = CliRunner().invoke(app, ["report", "--human", str(tmp_path / "s")])
    assert r.exit_code == 0 and "Task Completion Rate (%)" in r.output and "100.00" in r.output
    assert "Interaction Rounds" in human_table(tmp_path / "s")


def test_cli_help_everywhere():
    r = CliRunner()
    for cmd in ([], ["data"], ["data", "stats"], ["data", "get"], ["data", "sources"], ["build"], ["dialogues"],
                ["augment"], ["check"], ["masks"], ["train"], ["merge"], ["export"], ["eval"], ["report"], ["demo"], ["chat"]):
        res = r.invoke(app, cmd + ["--help"])
        assert res.exit_code == 0 and "Usage" in res.output, cmd


def test_data_stats_cli(shared):
    r = CliRunner().invoke(app, ["data", "stats", "bfcl", str(shared("bfcl")), "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["total"]["samples"] == data["load"]["kept"] and data["load"]["units"] == data["load"]["kept"] + data["load"]["rejected"]
    groups = {row["group"]: row for row in data["rows"]}
    assert groups["simple_python"]["samples"] == 400 and 0 < groups["simple_python"]["coverage %"] <= 100
    r = CliRunner().invoke(app, ["data", "stats", "nope", str(shared("bfcl"))])
    assert r.exit_code == 2 and "unknown source" in r.output


def test_data_get_unpacks_a_wheel_from_the_cache(tmp_path, monkeypatch):
    import zipfile

    monkeypatch.setenv("ASKTOACT_HOME", str(tmp_path / "home"))
    wheels = tmp_path / "home" / "wheels"
    wheels.mkdir(parents=True)
    with zipfile.ZipFile(wheels / "bfcl_eval-2026.3.23-py3-none-any.whl", "w") as z:
        z.writestr("bfcl_eval/data/BFCL_v4_simple_python.json", '{"id": "simple_python_0"}\n')
        z.writestr("bfcl_eval/data/possible_answer/BFCL_v4_simple_python.json", '{"id": "simple_python_0"}\n')
        z.writestr("bfcl_eval/other.py", "x = 1\n")
    from asktoact.sources.fetch import fetch

    d = fetch("bfcl")
    assert (d / "BFCL_v4_simple_python.json").exists() and (d / "possible_answer" / "BFCL_v4_simple_python.json").exists()
    assert not (d / "other.py").exists() and (d / ".asktoact-data").exists()
