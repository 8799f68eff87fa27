"""Malformed records, 1,000+ per format: no crash, each rejected with a field and reason, counts add up."""

import json
import random
import shutil

import pytest

from asktoact.io import RejectSink
from asktoact.sources import LoadStats, load

N = 1000
TOOL = {"name": "t", "description": "d", "parameters": {"a": {"type": "str", "description": "x"}}}
JUNK = [None, 3, 2.5, "s", [], [1], {"x": 1}, True]


def _break(rng, rec, keys, list_keys=()):
    """Return a JSON line for a copy of ``rec`` made invalid in one of several ways."""
    kind = rng.randrange(6)
    r = json.loads(json.dumps(rec))
    if kind == 0:
        return json.dumps(r)[: rng.randrange(1, 20)] + "\x00{"  # truncated / invalid JSON
    if kind == 1:
        return json.dumps(rng.choice([3, "str", [1, 2], None, True]))  # not an object
    if kind == 2:
        del r[rng.choice(keys)]
        return json.dumps(r)
    if kind == 3:
        k = rng.choice(keys)
        r[k] = rng.choice([j for j in JUNK if type(j) is not type(r[k]) and not (isinstance(r[k], list) and j == [])])
        return json.dumps(r)
    if kind == 4 and list_keys:
        k = rng.choice(list_keys)
        r[k] = [rng.choice([3, "x", None, [1]])]
        return json.dumps(r)
    r["__call_unknown__"] = True
    return json.dumps(r)


def _run(src, path, expect_units):
    rj, st = RejectSink(), LoadStats(src)
    got = list(load(src, path, rj, st))
    assert got == []
    assert st.rejected == expect_units == st.units_in
    assert all(r.reason and r.field for r in rj.items)
    return rj


def _fixup_unknown(line, make_unknown):
    obj = json.loads(line) if line.startswith("{") and "__call_unknown__" in line else None
    if obj is None:
        return line
    obj.pop("__call_unknown__")
    make_unknown(obj)
    return json.dumps(obj)


def test_fuzz_xlam(tmp_path):
    rng = random.Random(1)
    base = {"id": 0, "query": "q a", "tools": json.dumps([TOOL]), "answers": json.dumps([{"name": "t", "arguments": {"a": "a"}}])}

    def unknown(o):
        o["answers"] = json.dumps([{"name": "zzz", "arguments": {}}]) if rng.random() < .5 else json.dumps([{"name": "t", "arguments": {"nope": 1}}])
    lines = [_fixup_unknown(_break(rng, {**base, "id": i}, ["query", "tools", "answers"]), unknown) for i in range(N)]
    p = tmp_path / "x.jsonl"
    p.write_text("\n".join(lines) + "\n")
    _run("xlam", p, N)


@pytest.mark.parametrize("src", ["sealtools", "toolalpaca"])
def test_fuzz_toolbench(tmp_path, src):
    rng = random.Random(2)
    base = {"query": "q a", "tools": [TOOL], "answers": [{"name": "t", "arguments": {"a": "a"}}]}

    def unknown(o):
        o["answers"] = [{"name": "zzz", "arguments": {}}] if rng.random() < .5 else [{"name": "t", "arguments": "notadict"}]
    lines = [_fixup_unknown(_break(rng, base, ["query", "tools", "answers"], ["tools", "answers"]), unknown) for _ in range(N)]
    p = tmp_path / "x.jsonl"
    p.write_text("\n".join(lines) + "\n")
    _run(src, p, N)


def test_fuzz_openai(tmp_path):
    rng = random.Random(3)
    base = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "tool_calls": [
        {"function": {"name": "t", "arguments": "{\"a\": \"x\"}"}}]}],
        "tools": [{"type": "function", "function": {"name": "t", "parameters": {"type": "object", "properties": {"a": {"type": "string"}}}}}]}

    def unknown(o):
        o["messages"][1]["tool_calls"][0]["function"]["arguments"] = rng.choice(["{bad", "[1]", "{\"zz\": 1}"])
    lines = [_fixup_unknown(_break(rng, base, ["messages", "tools"], ["messages", "tools"]), unknown) for _ in range(N)]
    p = tmp_path / "x.jsonl"
    p.write_text("\n".join(lines) + "\n")
    _run("openai", p, N)


def test_fuzz_bfcl(tmp_path):
    rng = random.Random(4)
    fn = {"name": "t", "description": "d", "parameters": {"type": "dict", "properties": {"a": {"type": "string"}}, "required": ["a"]}}
    qs, ans = [], []
    for i in range(N):
        rid = f"simple_python_{i}"
        q = {"id": rid, "question": [[{"role": "user", "content": "q a"}]], "function": [fn]}
        a = {"id": rid, "ground_truth": [{"t": {"a": ["a"]}}]}
        kind = rng.randrange(7)
        if kind == 0:
            a = None  # no ground truth with this id
        elif kind == 1:
            a["ground_truth"] = rng.choice([[], {"t": 1}, [{"t": {"a": "notalist"}}], [{"t": 1}], [1]])
        elif kind == 2:
            q["question"] = rng.choice([[], "text", [[{"role": "user"}]], [[{"role": "system", "content": "x"}]]])
        elif kind == 3:
            q["function"] = rng.choice(["x", [{"description": "no name"}], [{"name": "t", "parameters": 5}]])
        elif kind == 4:
            a["ground_truth"] = [{"unknown_tool": {"a": ["a"]}}]
        elif kind == 5:
            q["function"] = [{"name": "t", "parameters": {"type": "dict", "properties": {"a": {"type": "string"}}, "required": ["zz"]}}]
        else:
            qs.append(json.dumps(q)[:15])
            ans.append(json.dumps(a))
            continue
        qs.append(json.dumps(q))
        if a is not None:
            ans.append(json.dumps(a))
    (tmp_path / "possible_answer").mkdir()
    (tmp_path / "BFCL_v4_simple_python.json").write_text("\n".join(qs) + "\n")
    (tmp_path / "possible_answer" / "BFCL_v4_simple_python.json").write_text("\n".join(ans) + "\n")
    _run("bfcl", tmp_path, N)


def test_fuzz_acebench(tmp_path):
    rng = random.Random(5)
    fn = {"name": "t", "description": "d", "parameters": {"type": "object", "properties": {"a": {"type": "string"}}}}
    qs, ans = [], []
    for i in range(N):
        rid = f"normal_x_{i}"
        q = {"id": rid, "question": "user: q a\n", "function": [fn]}
        a = {"id": rid, "ground_truth": {"t": {"a": "a"}}}
        kind = rng.randrange(6)
        if kind == 0:
            a = None
        elif kind == 1:
            a["ground_truth"] = rng.choice([{"t": 1}, [], {}, [1], {"zzz": {"a": 1}}])
        elif kind == 2:
            q["question"] = rng.choice([5, None, "system: only the system\n"])
        elif kind == 3:
            q["function"] = rng.choice(["x", [{"parameters": {}}], [{"name": "t", "parameters": []}]])
        elif kind == 4:
            qs.append("{\"id\": \"" + rid + "\", broken")
            continue
        else:
            del q["function"]
        qs.append(json.dumps(q))
        if a is not None:
            ans.append(json.dumps(a))
    (tmp_path / "possible_answer").mkdir()
    (tmp_path / "data_normal_x.json").write_text("\n".join(qs) + "\n")
    (tmp_path / "possible_answer" / "data_normal_x.json").write_text("\n".join(ans) + "\n")
    _run("acebench", tmp_path, N)


def test_fuzz_taskbench(tmp_path, shared):
    shutil.copytree(shared("taskbench", "data_dailylifeapis"), tmp_path / "data_dailylifeapis")
    rng = random.Random(6)
    base = {"id": "0", "instruction": "Play 'Up'", "task_nodes": [{"task": "play_movie_by_title", "arguments": [{"name": "title", "value": "Up"}]}]}

    def unknown(o):
        o["task_nodes"] = rng.choice([[{"task": "no_such_tool", "arguments": []}],
                                      [{"task": "play_movie_by_title", "arguments": [{"name": "wrong", "value": 1}]}],
                                      [{"task": "play_movie_by_title", "arguments": [{"name": "title", "value": "<node-3>"}]}]])
    lines = [_fixup_unknown(_break(rng, {**base, "id": str(i)}, ["instruction", "task_nodes"], ["task_nodes"]), unknown) for i in range(N)]
    (tmp_path / "data_dailylifeapis" / "data.jsonl").write_text("\n".join(lines) + "\n")
    _run("taskbench", tmp_path, N)
