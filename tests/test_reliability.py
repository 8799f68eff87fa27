"""Reliability: nothing the user owns is deleted, bad input is one `error:` line, outputs are whole.

Each test replays a case from issue #15 (see docs/reliability.md for the table)."""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from asktoact.sources.fetch import MARKER, FetchError, fetch, unpack


def _wheel(path: Path, members: dict[str, str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as z:
        for name, text in members.items():
            z.writestr(name, text)
    return path


GOOD = {"bfcl_eval/data/BFCL_v4_simple_python.json": '{"id": "simple_python_0"}\n'}


def test_data_get_never_deletes_a_users_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("ASKTOACT_HOME", str(tmp_path / "home"))
    _wheel(tmp_path / "home" / "wheels" / "bfcl_eval-2026.3.23-py3-none-any.whl", GOOD)
    thesis = tmp_path / "thesis"
    thesis.mkdir()
    (thesis / "chapter1.tex").write_text("years of work")
    with pytest.raises(FetchError, match="not empty"):
        fetch("bfcl", thesis)
    assert (thesis / "chapter1.tex").read_text() == "years of work"
    assert sorted(p.name for p in thesis.iterdir()) == ["chapter1.tex"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".thesis")]  # no temporary left behind
    d = fetch("bfcl", tmp_path / "fresh")  # a new folder, and an empty one, are fine
    assert (d / MARKER).exists() and (d / "BFCL_v4_simple_python.json").exists()
    (tmp_path / "empty").mkdir()
    assert (fetch("bfcl", tmp_path / "empty") / "BFCL_v4_simple_python.json").exists()


@pytest.mark.parametrize("evil", ["bfcl_eval/data//tmp/x", "bfcl_eval/data/../../x", "bfcl_eval/data/a/../../../x",
                                  "bfcl_eval/data/C:/x"])
def test_archive_members_outside_the_destination_are_refused(tmp_path, evil):
    w = _wheel(tmp_path / "w.whl", {**GOOD, evil: "owned"})
    with pytest.raises(FetchError, match="refusing archive member"):
        unpack(w, "bfcl_eval/data/", tmp_path / "dest", "test")
    assert not (tmp_path / "dest").exists()  # nothing half-written
    assert not Path("/tmp/x").exists() or Path("/tmp/x").read_text() != "owned"


def test_refetch_replaces_only_our_own_folder_and_a_failed_one_keeps_the_old(tmp_path):
    dest = tmp_path / "d"
    unpack(_wheel(tmp_path / "a.whl", GOOD), "bfcl_eval/data/", dest, "v1")
    assert "v1" in (dest / MARKER).read_text()
    bad = _wheel(tmp_path / "b.whl", {"bfcl_eval/other.py": "x"})
    with pytest.raises(FetchError, match="no files"):
        unpack(bad, "bfcl_eval/data/", dest, "v2")
    assert "v1" in (dest / MARKER).read_text()  # the previous complete copy is still in place
    unpack(_wheel(tmp_path / "c.whl", GOOD), "bfcl_eval/data/", dest, "v3")
    assert "v3" in (dest / MARKER).read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.whl", "b.whl", "c.whl", "d"]


def _cli(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    e = {**os.environ, "ASKTOACT_DEBUG": "", **{k: v for k, v in (env or {}).items() if v is not None}}
    for k, v in (env or {}).items():
        if v is None:
            e.pop(k, None)
    return subprocess.run([sys.executable, "-m", "asktoact.cli", *args], capture_output=True, text=True, cwd=cwd, env=e)


@pytest.mark.parametrize("setup,args,needle", [
    (None, ["check", "{t}/missing.jsonl"], "No such file or directory: {t}/missing.jsonl"),
    ("dir", ["masks", "{t}/d"], "Is a directory"),
    ("latin1", ["check", "{t}/bad.jsonl"], "{t}/bad.jsonl: line 1: line: not UTF-8 text"),
    (None, ["augment", "{t}/missing", "-o", "{t}/x"], "Not a folder written by `asktoact dialogues`"),
    ("dir", ["export", "{t}/d", "-f", "hf", "-o", "{t}/x"], "Is a directory"),
    ("recs", ["dialogues", "{t}/recs.jsonl", "-o", "{t}/x", "--tone", "shouty"], "unknown --tone 'shouty'"),
    ("recs", ["dialogues", "{t}/recs.jsonl", "-o", "{t}/x", "--model", "embedded?dtype=foo"], "bad value 'foo' for dtype"),
    ("recs", ["eval", "-d", "{t}/recs.jsonl", "-m", "hf:/nonexistent", "-o", "{t}/e"], "no such model folder: /nonexistent"),
    ("recs", ["eval", "-d", "{t}/recs.jsonl", "-m", "embedded:anything", "-o", "{t}/e"], "unknown embedded variant 'anything'"),
    ("recs", ["eval", "-d", "{t}/recs.jsonl", "-m", "openai:gpt-4o", "-o", "{t}/e"], "set the API key in $OPENAI_API_KEY"),
    ("recs", ["eval", "-d", "{t}/recs.jsonl", "-m", "script:perfect", "-o", "{t}/e", "--persona", "x"], "unknown persona 'x'"),
    (None, ["build", "sealtools", "{t}/missing.json", "-o", "{t}/b"], "no such file or folder: {t}/missing.json"),
    ("latin1_array", ["build", "sealtools", "{t}/bad.json", "-o", "{t}/b", "--no-similarity"],
     "{t}/bad.json: file: not UTF-8 text"),
    ("empty", ["eval", "-d", "{t}/empty.jsonl", "-m", "script:perfect", "-o", "{t}/e"], "no records to evaluate"),
    ("yaml", ["train", "{t}/bad.yaml"], "malformed YAML"),
    (None, ["train", "--set", "max_len=abc", "--set", "data=x.jsonl"], "invalid TrainConfig: max_len"),
    (None, ["train", "--set", "nonsense"], "is not KEY=VALUE"),
])
def test_user_errors_are_one_error_line_and_exit_2(tmp_path, setup, args, needle, capsys, monkeypatch, ic_records):
    """The console entry point (``asktoact.cli.main``) in this process: the same code path as the
    installed command, without paying an interpreter start per case (a subprocess test follows)."""
    t = str(tmp_path)
    if setup == "dir":
        (tmp_path / "d").mkdir()
    elif setup == "latin1":
        (tmp_path / "bad.jsonl").write_bytes('{"id": "caf\xe9"}\n'.encode("latin-1"))
    elif setup == "torn":
        (tmp_path / "torn.jsonl").write_text('{"id": "a", "record_id": "r", "messages": []}\n{"id": "b", "rec')
    elif setup == "yaml":
        (tmp_path / "bad.yaml").write_text("data: [unclosed\n")
    elif setup == "latin1_array":
        (tmp_path / "bad.json").write_bytes('[{"query": "caf\xe9"}]'.encode("latin-1"))
    elif setup == "empty":
        (tmp_path / "empty.jsonl").write_text("")
    elif setup == "recs":
        (tmp_path / "recs.jsonl").write_bytes(ic_records.read_bytes())
    r = _main(*[a.format(t=t) for a in args], capsys=capsys, monkeypatch=monkeypatch)
    lines = [x for x in r.stderr.splitlines() if x.strip()]
    assert r.returncode == 2, r.stderr
    assert len(lines) == 1 and lines[0].startswith("error: "), r.stderr
    assert needle.format(t=t) in lines[0]
    assert "Traceback" not in r.stderr + r.stdout
    assert not (tmp_path / "e").exists() and not (tmp_path / "x" / "dialogues.jsonl").exists()  # nothing half made


def _main(*args: str, capsys, monkeypatch) -> subprocess.CompletedProcess:
    from asktoact.cli import main

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("ASKTOACT_DEBUG", raising=False)
    monkeypatch.setattr(sys, "argv", ["asktoact", *args])
    capsys.readouterr()
    with pytest.raises(SystemExit) as ex:
        main()
    out = capsys.readouterr()
    return subprocess.CompletedProcess(args, ex.value.code, out.out, out.err)


def test_a_user_error_in_a_real_process(tmp_path):
    r = _cli("check", str(tmp_path / "missing.jsonl"))
    assert r.returncode == 2 and r.stderr.strip() == f"error: No such file or directory: {tmp_path / 'missing.jsonl'}"


def test_debug_shows_the_traceback(tmp_path):
    r = _cli("--debug", "check", str(tmp_path / "missing.jsonl"))
    assert r.returncode != 0 and "FileNotFoundError" in r.stderr


KILL_WRITER = r"""
import os, signal, sys
from pathlib import Path
from asktoact.io import AtomicOutputs
out, tag, kill_at = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
with AtomicOutputs(out) as ao:
    a, b = ao.open("main.jsonl"), ao.open("rejects.jsonl")
    for i in range(2000):
        a.write(f'{{"i": {i}, "tag": "{tag}"}}\n')
        if kill_at == "writing" and i == 1000:
            a.flush(); os.kill(os.getpid(), signal.SIGKILL)
    b.write("{}\n")
    if kill_at == "before_commit":
        os.kill(os.getpid(), signal.SIGKILL)
    ao.commit("test", {"tag": tag}, {"n": 2000})
"""


@pytest.mark.parametrize("kill_at", ["writing", "before_commit", "never"])
def test_a_killed_stage_leaves_the_previous_complete_output(tmp_path, kill_at):
    from asktoact.io import check_input

    script = tmp_path / "w.py"
    script.write_text(KILL_WRITER)
    run = lambda tag, k: subprocess.run([sys.executable, str(script), str(tmp_path / "out"), tag, k])  # noqa: E731
    assert run("old", "never").returncode == 0
    r = run("new", kill_at)
    expect = "new" if kill_at == "never" else "old"
    if kill_at != "never":
        assert r.returncode == -9
    main = tmp_path / "out" / "main.jsonl"
    meta = check_input(main)  # the sidecar vouches for what is in place
    assert meta["config"]["tag"] == expect
    lines = main.read_text().splitlines()
    assert len(lines) == 2000 and all(f'"tag": "{expect}"' in x for x in lines)
    if kill_at != "never":  # the killed run's temporaries are never taken for output, and swept by the next run
        assert [p for p in (tmp_path / "out").iterdir() if ".tmp-" in p.name]
        assert run("again", "never").returncode == 0 and check_input(main)["config"]["tag"] == "again"
        assert not [p for p in (tmp_path / "out").iterdir() if ".tmp-" in p.name]


def test_an_edited_or_torn_output_is_refused(tmp_path):
    from asktoact.io import AtomicOutputs, IncompleteInput, check_input

    with AtomicOutputs(tmp_path) as ao:
        ao.open("x.jsonl").write('{"a": 1}\n{"a": 2}\n')
        ao.commit("test", {}, {})
    check_input(tmp_path / "x.jsonl")
    with open(tmp_path / "x.jsonl", "a") as f:
        f.write('{"a": 3')
    with pytest.raises(IncompleteInput, match="does not match its sidecar"):
        check_input(tmp_path / "x.jsonl")
    (tmp_path / "user.jsonl").write_text("{}\n")
    assert check_input(tmp_path / "user.jsonl") is None  # a user's own file has no sidecar: taken as is


def test_next_stage_refuses_a_torn_output_next_to_an_old_sidecar(tmp_path, shared):
    src = shared("toolbench_style", "sealtool.json")
    assert _cli("build", "sealtools", str(src), "-o", str(tmp_path / "ic"), "--no-similarity", "--limit", "20").returncode == 0
    recs = tmp_path / "ic" / "ic_records.jsonl"
    data = recs.read_bytes()
    recs.write_bytes(data[: len(data) // 2])  # what a killed rerun that wrote in place would leave
    r = _cli("dialogues", str(recs), "-o", str(tmp_path / "dlg"))
    assert r.returncode == 2 and "does not match its sidecar" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "dlg" / "dialogues.jsonl.meta.json").exists()  # nothing vouched for downstream


# ------------------------------------------------------------------ eval: failures are failures

import json  # noqa: E402
import socket  # noqa: E402

from asktoact.curate.stage import BuildConfig, run_build  # noqa: E402


@pytest.fixture(scope="module")
def ic_records(tmp_path_factory):
    from conftest import need_shared

    out = tmp_path_factory.mktemp("ic")
    run_build(BuildConfig(source="sealtools", path=str(need_shared("toolbench_style", "sealtool.json")), out=str(out),
                          seed=0, similarity=False, limit=40, level_weights={0: 0, 1: 1, 2: 1, 3: 1}))
    return out / "ic_records.jsonl"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _asks(msgs, body):
    return "[QUESTION] Which value should I use?"


def test_failed_dialogues_are_retried_and_never_scored(ic_records, tmp_path):
    """5xx after retries, 401, connection refused: failed, not results; after recovery a rerun sends requests."""
    from asktoact.evaluate.runner import EvalConfig
    from asktoact.evaluate.stage import run_eval
    from asktoact.testing.fake_server import FakeOpenAI

    port = _free_port()
    spec = f"openai:m@http://127.0.0.1:{port}/v1?retries=1&backoff=0.01"
    run = tmp_path / "run"
    args = ["eval", "-d", str(ic_records), "-m", spec, "-o", str(run), "--limit", "4", "--max-rounds", "1", "--no-cache"]
    cfg = EvalConfig(limit=4, max_rounds=1)
    with FakeOpenAI(_asks, port=port) as srv:
        srv.fail_all = 503
        run_eval(ic_records, spec, "oracle", run, cfg, cache=False)
        assert len(srv.requests) == 8  # 4 dialogues x (1 try + 1 retry)
    summ = json.loads((run / "summary.json").read_text())
    assert summ["failed"] == 4 and summ["n"] == 0 and summ["terminations"] == {}
    assert "failed: 4" in (run / "table.md").read_text() and "| 0 | 4 |" in (run / "table.md").read_text()
    with FakeOpenAI(_asks, port=port) as srv:
        srv.fail_all = 401
        summ = run_eval(ic_records, spec, "oracle", run, cfg, cache=False)
        assert len(srv.requests) == 4 and summ["failed_by"] == {"model_error": 4}  # retried, 401 not retried again
    summ = run_eval(ic_records, spec, "oracle", run, cfg, cache=False)  # nothing listens: connection refused
    assert summ["failed"] == 4 and "APIConnectionError" in json.loads((run / "transcripts.jsonl").read_text().splitlines()[0])["error"]
    with FakeOpenAI(_asks, port=port) as srv:  # the endpoint is back
        r = _cli(*args)
        assert len(srv.completed) == 8  # requests were sent again: 2 model turns x 4 dialogues
    assert r.returncode == 0, r.stderr
    summ = json.loads((run / "summary.json").read_text())
    assert summ["failed"] == 0 and summ["n"] == 4 and summ["terminations"] == {"max_rounds": 4}
    lines = (run / "transcripts.jsonl").read_text().splitlines()
    assert len(lines) == 4  # failures superseded by their retries, one line per dialogue
    with FakeOpenAI(_asks, port=port) as srv:
        assert run_eval(ic_records, spec, "oracle", run, cfg, cache=False)["n"] == 4
        assert srv.requests == []  # all done: a rerun sends nothing


def test_a_secret_echoed_by_the_server_is_redacted(ic_records, tmp_path):
    from asktoact.testing.fake_server import FakeOpenAI

    secret = "sk-other-variable-0123456789"
    with FakeOpenAI(_asks) as srv:
        srv.fail_all, srv.echo_auth = 401, True
        r = _cli("eval", "-d", str(ic_records), "-m", f"openai:m@{srv.url}?key_env=MY_ENDPOINT_PASS&retries=0",
                 "-o", str(tmp_path / "run"), "--limit", "2", "--no-cache", env={"MY_ENDPOINT_PASS": secret})
        assert any(secret in str(h) for h in srv.headers)  # the server did see it
    assert r.returncode == 1 and "failed: 2 (model_error 2)" in r.stderr and "Traceback" not in r.stderr
    assert secret not in r.stdout + r.stderr
    written = [p for p in (tmp_path / "run").rglob("*") if p.is_file()]
    assert written and all(secret.encode() not in p.read_bytes() for p in written)
    assert "***" in (tmp_path / "run" / "transcripts.jsonl").read_text()


HOSTILE = {"deep": "[SUMMARY] done " + "[" * 1000 + "]" * 1000, "wide": "[SUMMARY] " + "[" * 40000,
           "soe": "[SUMMARY] " + "<SOE>" * 20000, "deep_obj": '[SUMMARY] [{"task": "f", "arguments": ' + "{\"a\": " * 3000}


def test_a_hostile_reply_ends_one_dialogue_and_is_safe_to_cache(ic_records, tmp_path, monkeypatch):
    """~1,000 nested brackets, 40k `[`, 20k `<SOE>`, a 3,000-deep object: invalid turns, no RecursionError,
    no minutes of CPU, and the cached reply does not kill the resume."""
    from asktoact.evaluate.runner import EvalConfig
    from asktoact.evaluate.stage import run_eval
    from asktoact.protocol import parse_turn
    from asktoact.schema import TurnKind
    from asktoact.testing.fake_server import FakeOpenAI

    for text in HOSTILE.values():
        assert parse_turn(text).kind == TurnKind.invalid  # linear, bounded, never raises
    monkeypatch.setenv("ASKTOACT_HOME", str(tmp_path / "home"))
    replies = list(HOSTILE.values())
    with FakeOpenAI(lambda m, b: replies[len(m[1]["content"]) % len(replies)]) as srv:
        for i in range(2):  # the second run reads the hostile replies from the cache
            summ = run_eval(ic_records, f"openai:m@{srv.url}", "oracle", tmp_path / f"r{i}", EvalConfig(limit=8), cache=True)
            assert summ["terminations"] == {"invalid_output": 8} and summ["failed"] == 0
        assert len(srv.requests) == 8


def test_broken_solutions_on_real_bfcl_records_are_invalid(shared):
    """A `// comment` or a missing comma makes a solution unreadable, never a call read from its arguments."""
    from asktoact.protocol import format_solution, parse_turn
    from asktoact.schema import TurnKind
    from asktoact.sources import load

    samples = list(load("bfcl", shared("bfcl", "BFCL_v4_parallel_multiple.json"), limit=20))
    assert len(samples) == 20
    for s in samples:
        sol = format_solution(s.calls)
        ok = parse_turn(f"[SUMMARY] Here you go. {sol}")
        assert ok.kind == TurnKind.solution and [c.name for c in ok.solution] == [c.name for c in s.calls], s.id
        assert [c.arguments for c in ok.solution] == [c.arguments for c in s.calls], s.id
        for broken in (sol.replace('", "arguments"', '", // the call\n "arguments"', 1),
                       sol.replace('", "arguments"', '" "arguments"', 1),
                       sol.replace('}, {"name"', '} {"name"', 1) if '}, {"name"' in sol else sol[:-1]):
            t = parse_turn(f"[SUMMARY] Here you go. {broken}")
            assert t.kind == TurnKind.invalid and t.solution is None, (s.id, broken)


# ----------------------------------------------------------------- eval: runs know their settings


def test_a_run_folder_refuses_other_settings_and_force_new_touches_nothing(ic_records, tmp_path):
    from dataclasses import replace

    from asktoact.evaluate.runner import EvalConfig
    from asktoact.evaluate.stage import RunConflict, run_eval

    run, cfg = tmp_path / "run", EvalConfig(limit=5)
    run_eval(ic_records, "script:perfect", "oracle", run, cfg)
    before = {p.name: p.read_bytes() for p in run.iterdir() if p.is_file()}
    for change in ({"seed": 1}, {"limit": 6}, {"persona": "cold"}, {"max_rounds": 3}, {"max_tokens": 64}):
        with pytest.raises(RunConflict, match="holds a run with other settings.*" + next(iter(change))):
            run_eval(ic_records, "script:perfect", "oracle", run, replace(cfg, **change))
    with pytest.raises(RunConflict, match="model 'script:perfect' -> 'script:guess'"):
        run_eval(ic_records, "script:guess", "oracle", run, cfg)
    with pytest.raises(RunConflict, match="simulator 'oracle' -> 'oracle\\+embed'"):
        run_eval(ic_records, "script:perfect", "oracle+embed", run, cfg)
    r = _cli("eval", "-d", str(ic_records), "-m", "script:perfect", "-o", str(run), "--limit", "5", "--seed", "1")
    lines = [x for x in r.stderr.splitlines() if x.strip()]
    assert r.returncode == 2 and len(lines) == 1 and "seed 0 -> 1" in lines[0] and "--force-new" in lines[0], r.stderr
    summ = run_eval(ic_records, "script:perfect", "oracle", run, replace(cfg, seed=1), force_new=True)
    assert summ["run_dir"] == str(tmp_path / "run.2")
    assert {p.name: p.read_bytes() for p in run.iterdir() if p.is_file()} == before  # the old run is untouched
    assert json.loads((tmp_path / "run.2" / "run.json").read_text())["settings"]["config"]["seed"] == 1
    summ = run_eval(ic_records, "script:perfect", "oracle", run, replace(cfg, concurrency=2, trials=2))
    assert summ["trials"] == 2 and summ["n"] == 10  # speed and more trials: a resume, not other settings


def test_a_second_writer_is_locked_out(ic_records, tmp_path):
    from asktoact.evaluate.runner import EvalConfig
    from asktoact.evaluate.stage import RunConflict, RunLock, run_eval

    (tmp_path / "run").mkdir()
    with RunLock(tmp_path / "run"):
        r = _cli("eval", "-d", str(ic_records), "-m", "script:perfect", "-o", str(tmp_path / "run"), "--limit", "3")
        assert r.returncode == 2 and "another asktoact eval is writing to" in r.stderr
        with pytest.raises(RunConflict):
            run_eval(ic_records, "script:perfect", "oracle", tmp_path / "run", EvalConfig(limit=3))
    assert not (tmp_path / "run" / "transcripts.jsonl").exists()
    run_eval(ic_records, "script:perfect", "oracle", tmp_path / "run", EvalConfig(limit=3))  # free again


def test_reply_cache_key_follows_the_adapter_files(tmp_path):
    from asktoact.models import GenParams
    from asktoact.models.base import ChatResult
    from asktoact.models.cache import ReplyCache
    from asktoact.models.local import LocalModel

    base, adapter = tmp_path / "base", tmp_path / "adapter"
    base.mkdir()
    adapter.mkdir()
    (base / "model.safetensors").write_bytes(b"base weights")
    (adapter / "adapter_model.safetensors").write_bytes(b"adapter, first training")

    def model() -> LocalModel:  # the cache identity only; no weights are loaded
        m = LocalModel.__new__(LocalModel)
        m.path, m.adapter, m.spec = str(base), str(adapter), f"hf:{base}?adapter={adapter}"
        return m

    cache, msgs, params = ReplyCache(tmp_path / "c.sqlite"), [{"role": "user", "content": "hi"}], GenParams()
    first = model().cache_id
    cache.put(first, msgs, params, ChatResult(text="old reply"))
    assert model().cache_id == first and cache.get(model().cache_id, msgs, params)["text"] == "old reply"
    (adapter / "adapter_model.safetensors").write_bytes(b"adapter, retrained!!!!")  # same path, same size
    assert model().cache_id != first and cache.get(model().cache_id, msgs, params) is None


# ------------------------------------------------------- kill -9 at several points of each stage

KILL_AT = r"""
import os, signal, sys, importlib
target, count = sys.argv[1], int(sys.argv[2])
mod_name, attr = target.rsplit(".", 1)
mod = importlib.import_module(mod_name)
orig, n = getattr(mod, attr), [0]
def wrapped(*a, **k):
    n[0] += 1
    if n[0] == count:
        os.kill(os.getpid(), signal.SIGKILL)
    return orig(*a, **k)
setattr(mod, attr, wrapped)
sys.argv = ["asktoact"] + sys.argv[3:]
from asktoact.cli import main
main()
"""


def _outputs(d: Path) -> dict[str, bytes]:
    """What a stage put in place (not temporaries, markers or the user's own files)."""
    return {p.name: p.read_bytes() for p in sorted(d.iterdir())
            if p.is_file() and not p.name.startswith(".") and p.name != "notes.txt" and not p.name.endswith(".meta.json")}


@pytest.fixture(scope="module")
def dialogue_dir(ic_records, tmp_path_factory):
    from asktoact.dialogues.stage import run_dialogues

    out = tmp_path_factory.mktemp("dlg")
    run_dialogues(ic_records, out, seed=0)
    return out


@pytest.mark.parametrize("stage,target,count", [
    ("build", "asktoact.curate.stage.dump_line", 9),      # while writing records
    ("build", "asktoact.io.write_sidecar", 2),            # in the middle of putting outputs in place
    ("dialogues", "asktoact.dialogues.stage.dump_line", 12),
    ("augment", "asktoact.augment.stage.dump_line", 12),
])
def test_kill_9_leaves_the_previous_output_and_a_rerun_matches_an_uninterrupted_one(
        stage, target, count, ic_records, dialogue_dir, tmp_path, shared):
    from asktoact.augment.stage import run_augment
    from asktoact.dialogues.stage import run_dialogues
    from asktoact.io import IncompleteInput, check_input

    src = shared("toolbench_style", "sealtool.json")

    def run_in_process(out: Path, seed: int) -> None:
        if stage == "build":
            run_build(BuildConfig(source="sealtools", path=str(src), out=str(out), seed=seed, similarity=False, limit=40))
        elif stage == "dialogues":
            run_dialogues(ic_records, out, seed=seed)
        else:
            run_augment(dialogue_dir, out, 0.5, seed)

    args = {"build": ["build", "sealtools", str(src), "--no-similarity", "--limit", "40"],
            "dialogues": ["dialogues", str(ic_records)], "augment": ["augment", str(dialogue_dir), "--share", "0.5"]}[stage]
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("the user's own notes")
    run_in_process(out, 0)
    old = _outputs(out)
    script = tmp_path / "kill.py"
    script.write_text(KILL_AT)
    r = subprocess.run([sys.executable, str(script), target, str(count), *args, "-o", str(out), "--seed", "1"],
                       capture_output=True, text=True)
    assert r.returncode == -9, r.stderr
    assert (out / "notes.txt").read_text() == "the user's own notes"
    main = {"build": "ic_records.jsonl", "dialogues": "dialogues.jsonl", "augment": "train.jsonl"}[stage]
    if target.endswith("write_sidecar"):  # killed mid-commit: what is in place is refused, never read as complete
        with pytest.raises(IncompleteInput, match="stopped while putting its outputs in place"):
            check_input(out / main)
    else:  # killed while writing: the previous complete output is in place, vouched for by its sidecar
        assert _outputs(out) == old and check_input(out / main)["config"]["seed"] == 0
    run_in_process(out, 1)  # the rerun completes ...
    ref = tmp_path / "ref"
    run_in_process(ref, 1)
    assert _outputs(out) == _outputs(ref) != old  # ... to the bytes of an uninterrupted run
    assert check_input(out / main)["config"]["seed"] == 1
    assert (out / "notes.txt").read_text() == "the user's own notes"
    assert not [p for p in out.iterdir() if ".tmp-" in p.name or p.name.startswith(".asktoact-commit")]


def test_kill_9_during_eval_resumes_to_the_same_scores(ic_records, tmp_path):
    from asktoact.evaluate.runner import EvalConfig
    from asktoact.evaluate.stage import run_eval

    script = tmp_path / "kill.py"
    script.write_text(KILL_AT)
    run = tmp_path / "a" / "run"
    r = subprocess.run([sys.executable, str(script), "asktoact.evaluate.runner.dump_line", "6", "eval", "-d",
                        str(ic_records), "-m", "script:repeat", "-o", str(run), "--limit", "12", "--concurrency", "1"],
                       capture_output=True, text=True)
    assert r.returncode == -9, r.stderr
    assert len((run / "transcripts.jsonl").read_text().splitlines()) == 5
    cfg = EvalConfig(limit=12, concurrency=1)
    run_eval(ic_records, "script:repeat", "oracle", run, cfg)
    ref = run_eval(ic_records, "script:repeat", "oracle", tmp_path / "b" / "run", cfg)
    assert ref["n"] == 12
    for f in ("scores.jsonl", "summary.json", "table.md", "table.csv"):
        assert (run / f).read_bytes() == (tmp_path / "b" / "run" / f).read_bytes(), f
    strip = lambda p: [{k: v for k, v in json.loads(x).items() if k != "latency_s"} for x in p.read_text().splitlines()]  # noqa: E731
    assert strip(run / "transcripts.jsonl") == strip(tmp_path / "b" / "run" / "transcripts.jsonl")


# --------------------------------------------------------------- one bad record never aborts a stage


def test_a_3000_deep_argument_is_one_reject_in_build(tmp_path, shared):
    data = json.loads(shared("toolbench_style", "sealtool.json").read_text())
    good = [r for r in data if r["answers"] and r["answers"][0]["parameters"]][:12]
    deep = "x"
    for _ in range(3000):
        deep = [deep]
    bad = json.loads(json.dumps(good[3]))
    bad["answers"][0]["parameters"][next(iter(bad["answers"][0]["parameters"]))] = deep
    import sys as _sys

    limit = _sys.getrecursionlimit()
    _sys.setrecursionlimit(10000)  # only to write the file
    try:
        (tmp_path / "in.json").write_text(json.dumps(good[:3] + [bad] + good[4:]))
    finally:
        _sys.setrecursionlimit(limit)
    res = run_build(BuildConfig(source="sealtools", path=str(tmp_path / "in.json"), out=str(tmp_path / "o"),
                                similarity=False, level_weights={0: 1}))
    # the other 11 are curated (kept, or rejected by QC, e.g. a value nobody stated: ungrounded)
    assert res.load.records_in == 12 and res.load.rejected == 1 and res.curate.samples_in == 11 and res.adds_up()
    rej = [json.loads(x) for x in (tmp_path / "o" / "rejects.jsonl").read_text().splitlines()]
    rej = [r for r in rej if r["stage"] == "load"]
    assert [(r["record_id"], r["field"]) for r in rej] == [("sealtools_3", "record")] and "nested too deeply" in rej[0]["reason"]


def test_an_unbalanced_soe_and_a_torn_line_are_rejects_in_dialogues_and_augment(ic_records, tmp_path):
    from asktoact.augment.stage import run_augment
    from asktoact.dialogues.stage import run_dialogues

    lines = ic_records.read_text().splitlines()
    bad = json.loads(lines[2])
    p = next(iter(bad["calls"][0]["arguments"]))
    bad["calls"][0]["arguments"][p] = bad["key_info"][0]["arguments"][p]["value"] = "Paris <SOE> oops"
    user_file = tmp_path / "recs.jsonl"  # a user's own file (no sidecar): bad lines are rejects, not the end
    user_file.write_text("\n".join(lines[:2] + [json.dumps(bad)] + lines[3:]) + "\n" + lines[4][:60] + "\n")
    st = run_dialogues(user_file, tmp_path / "d", seed=0)
    assert st.records_in == len(lines) + 1 == st.written + st.rejected + st.skipped_qc + st.unreadable
    assert st.unreadable == 1 and st.written >= len(lines) - 1 - st.skipped_qc - st.rejected
    rej = {(r["record_id"], r["line"]): r for r in map(json.loads, (tmp_path / "d" / "rejects.jsonl").read_text().splitlines())}
    assert "<SOE> without <EOE>" in rej[(bad["id"], None)]["reason"]
    assert "not valid JSON" in rej[(None, len(lines) + 1)]["reason"] and rej[(None, len(lines) + 1)]["source"] == "recs.jsonl"
    # augment reads a folder without sidecars (copied by a user) with a torn dialogue line
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "records.jsonl").write_bytes((tmp_path / "d" / "records.jsonl").read_bytes())
    dl = (tmp_path / "d" / "dialogues.jsonl").read_text()
    (copy / "dialogues.jsonl").write_text(dl + dl.splitlines()[0][:80] + "\n")
    a = run_augment(copy, tmp_path / "a", 0.5, 0)
    assert a.dialogues_in == st.written + 1 == a.clean + a.augmented + a.rejected and a.rejected >= 1


def test_spec_variants_are_a_registry_and_options_are_checked(monkeypatch):
    from asktoact.models import parse_spec
    from asktoact.models import spec as specmod

    for bad, why in [("embedded:anything", "unknown embedded variant 'anything'"), ("embedded?dtype=foo", "bad value 'foo'"),
                     ("embedded?batch=0", "bad value '0' for batch"), ("openai:m?retries=x", "bad value 'x' for retries"),
                     ("openai:m?api_key=sk-x", "unknown option 'api_key'")]:
        with pytest.raises(ValueError, match=why):
            parse_spec(bad)
    monkeypatch.setattr(specmod, "VARIANTS", {k: dict(v) for k, v in specmod.VARIANTS.items()})
    specmod.register_variant("embedded", "asktoact", "a trained model shipped with the package")
    assert parse_spec("embedded:asktoact").target == "asktoact"  # known once registered
    assert parse_spec("embedded?adapter=/a&dtype=bfloat16").options == {"adapter": "/a", "dtype": "bfloat16"}


def test_two_stages_into_one_folder_are_refused(tmp_path):
    from asktoact.io import AtomicOutputs, OutputBusy

    with AtomicOutputs(tmp_path / "o") as ao:
        ao.open("a.jsonl").write("{}\n")
        with pytest.raises(OutputBusy, match="another asktoact stage is writing to"):
            AtomicOutputs(tmp_path / "o")
        ao.commit("test", {}, {})
    with AtomicOutputs(tmp_path / "o") as ao:  # free once the first is done
        ao.open("a.jsonl").write("{}\n")
        ao.commit("test", {}, {})


def test_report_tells_two_runs_of_one_model_apart(ic_records, tmp_path, capsys, monkeypatch):
    from asktoact.evaluate.runner import EvalConfig
    from asktoact.evaluate.stage import run_eval

    run_eval(ic_records, "script:perfect", "oracle", tmp_path / "r1", EvalConfig(limit=3))
    run_eval(ic_records, "script:perfect", "oracle", tmp_path / "r2", EvalConfig(limit=5))
    r = _main("report", str(tmp_path / "r1"), str(tmp_path / "r2"), "--out", str(tmp_path / "rep"),
              capsys=capsys, monkeypatch=monkeypatch)
    assert r.returncode == 0, r.stderr
    assert "| script:perfect | r1 | 3 | 0 |" in r.stdout and "| script:perfect [r2] | r2 | 5 | 0 |" in r.stdout
    csv = (tmp_path / "rep" / "table.csv").read_text().splitlines()
    assert csv[0].startswith("model,run,n,failed,ICR") and csv[2].startswith('"script:perfect [r2]",r2,5,0,')
