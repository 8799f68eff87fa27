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
    ("yaml", ["train", "{t}/bad.yaml"], "malformed YAML"),
    (None, ["train", "--set", "max_len=abc", "--set", "data=x.jsonl"], "invalid TrainConfig: max_len"),
    (None, ["train", "--set", "nonsense"], "is not KEY=VALUE"),
])
def test_user_errors_are_one_error_line_and_exit_2(tmp_path, setup, args, needle):
    t = str(tmp_path)
    if setup == "dir":
        (tmp_path / "d").mkdir()
    elif setup == "latin1":
        (tmp_path / "bad.jsonl").write_bytes('{"id": "caf\xe9"}\n'.encode("latin-1"))
    elif setup == "torn":
        (tmp_path / "torn.jsonl").write_text('{"id": "a", "record_id": "r", "messages": []}\n{"id": "b", "rec')
    elif setup == "yaml":
        (tmp_path / "bad.yaml").write_text("data: [unclosed\n")
    elif setup == "recs":
        (tmp_path / "recs.jsonl").write_text("")
    r = _cli(*[a.format(t=t) for a in args], env={"OPENAI_API_KEY": None})
    lines = [x for x in r.stderr.splitlines() if x.strip()]
    assert r.returncode == 2, r.stderr
    assert len(lines) == 1 and lines[0].startswith("error: "), r.stderr
    assert needle.format(t=t) in lines[0]
    assert "Traceback" not in r.stderr + r.stdout
    assert not (tmp_path / "e").exists() and not (tmp_path / "x" / "dialogues.jsonl").exists()  # nothing half made


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
    if kill_at != "never":  # the killed run's temporaries are left, but never taken for output
        assert run("again", "never").returncode == 0 and check_input(main)["config"]["tag"] == "again"


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
