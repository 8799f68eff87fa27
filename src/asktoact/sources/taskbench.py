"""TaskBench ``data.json`` records with the domain's ``tool_desc.json``.

Both field-name versions are read (``instruction/task_nodes/task_steps`` and
``user_request/tool_nodes/tool_steps``). dailylifeapis arguments are ``{name, value}``
pairs; multimedia/huggingface arguments are positional and are mapped onto the tool's
inputs (named after their input types). ``<node-j>`` items are dependencies on call j.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any, Iterator

from ..io import iter_json_records
from ..schema import Tool, ToolCall, ToolSample
from .base import FieldError, RawItem, Source, need, register

NODE_REF = re.compile(r"^<node-(\d+)>$")
N_DISTRACTORS = 3


def tool_from_desc(node: dict) -> Tool:
    """A ``tool_desc.json`` node to a Tool (named params or typed inputs)."""
    name = node["id"]
    props: dict[str, Any] = {}
    required: list[str] = []
    if isinstance(node.get("parameters"), list):
        for p in node["parameters"]:
            t = str(p.get("type", "string")).lower()
            schema = {"type": "string", "format": "date"} if t == "date" else (
                {"type": {"integer": "integer", "int": "integer", "number": "number", "float": "number",
                          "boolean": "boolean", "bool": "boolean"}.get(t, "string")})
            schema["description"] = p.get("desc") or p.get("description") or ""
            props[p["name"]] = schema
            required.append(p["name"])
    else:
        for pname in input_names(node.get("input-type") or []):
            kind = pname.rstrip("_0123456789")
            props[pname] = {"type": "string", "description": f"the input {kind} (a file name, URL or text)"}
            required.append(pname)
    return Tool(name=name, description=node.get("desc", ""), parameters={"type": "object", "properties": props, "required": required})


def input_names(types: list[str]) -> list[str]:
    """``["text", "text", "image"]`` -> ``["text", "text_2", "image"]``."""
    seen: dict[str, int] = {}
    out = []
    for t in types:
        seen[t] = seen.get(t, 0) + 1
        out.append(t if seen[t] == 1 else f"{t}_{seen[t]}")
    return out


@register
class TaskBenchSource(Source):
    name = "taskbench"
    description = "TaskBench data.json records (JSONL) + tool_desc.json of the domain(s) found beside them"

    def __init__(self) -> None:
        self.domains: dict[str, dict[str, Tool]] = {}

    def _load_domains(self, root: Path) -> None:
        for f in sorted(root.rglob("tool_desc.json")):
            dom = f.parent.name.removeprefix("data_")
            try:
                nodes = json.loads(f.read_text(encoding="utf-8"))["nodes"]
                self.domains[dom] = {n["id"]: tool_from_desc(n) for n in nodes}
            except (KeyError, TypeError, ValueError, json.JSONDecodeError) as e:
                raise ValueError(f"bad tool description file {f}: {e}") from None

    def iter_raw(self, path: Path) -> Iterator[RawItem]:
        root = path if path.is_dir() else path.parent
        self._load_domains(root)
        if not self.domains:
            raise FileNotFoundError(f"taskbench: no tool_desc.json under {root}")
        files = [path] if path.is_file() else sorted(
            p for p in root.rglob("*") if p.suffix in (".json", ".jsonl") and p.name != "tool_desc.json")
        for f in files:
            dom_hint = f.parent.name.removeprefix("data_") if f.parent.name.startswith("data_") else None
            for n, obj in iter_json_records(f):
                rid = str(obj["id"]) if isinstance(obj, dict) and "id" in obj else f"{f.stem}:{n}"
                yield RawItem(rid, obj, line=n, path=str(f), context={"domain": dom_hint})

    def _pick_domain(self, names: list[str], hint: str | None) -> str:
        if hint in self.domains and all(n in self.domains[hint] for n in names):
            return hint
        for dom, tools in self.domains.items():
            if all(n in tools for n in names):
                return dom
        unknown = [n for n in names if not any(n in t for t in self.domains.values())]
        raise FieldError("task_nodes", f"tools not in any tool_desc.json: {unknown or names}")

    def convert(self, item: RawItem) -> list[ToolSample]:
        d = item.data
        if not isinstance(d, dict):
            raise FieldError("record", "expected an object")
        query = d.get("instruction", d.get("user_request"))
        if not isinstance(query, str) or not query.strip():
            raise FieldError("instruction", "missing or not a string")
        nodes = d.get("task_nodes", d.get("tool_nodes"))
        if not isinstance(nodes, list) or not nodes:
            raise FieldError("task_nodes", "missing or empty")
        names = []
        for i, n in enumerate(nodes):
            names.append(need(n, "task", str, f"task_nodes[{i}]."))
        dom = self._pick_domain(names, item.context.get("domain"))
        tools_by = self.domains[dom]
        calls = []
        repaired: list[str] = []
        for i, n in enumerate(nodes):
            tool = tools_by[n["task"]]
            raw_args = n.get("arguments", [])
            args: dict[str, Any] = {}
            refs: dict[str, int] = {}
            if not isinstance(raw_args, list):
                raise FieldError(f"task_nodes[{i}].arguments", "expected a list")
            positional = bool(raw_args) and not isinstance(raw_args[0], dict)
            if positional:
                order = tool.param_names
                if len(raw_args) != len(order):
                    raise FieldError(f"task_nodes[{i}].arguments",
                                     f"{len(raw_args)} positional arguments for {tool.name!r}, which takes {order}")
                pairs = list(zip(order, raw_args))
            else:
                pairs = []
                for j, a in enumerate(raw_args):
                    if not isinstance(a, dict) or "name" not in a:
                        raise FieldError(f"task_nodes[{i}].arguments[{j}]", "expected {name, value}")
                    if a["name"] not in tool.param_names:
                        raise FieldError(f"task_nodes[{i}].arguments[{j}].name",
                                         f"{a['name']!r} does not match {tool.name!r}'s parameters {tool.param_names}")
                    pairs.append((a["name"], a.get("value")))
            for pname, v in pairs:
                m = NODE_REF.match(v) if isinstance(v, str) else None
                if m:
                    j = int(m.group(1))
                    if j >= i:
                        # some records count nodes from 1; the links say which node really feeds this one
                        j2 = _linked_source(d, names, i)
                        if j2 is None:
                            raise FieldError(f"task_nodes[{i}].arguments.{pname}", f"<node-{j}> is not an earlier call")
                        repaired.append(f"task_nodes[{i}].{pname}: <node-{j}> -> <node-{j2}> (from task_links)")
                        j = j2
                        v = f"<node-{j}>"
                    refs[pname] = j
                args[pname] = v
            calls.append(ToolCall(name=tool.name, arguments=args, references=refs))
        used = list(dict.fromkeys(names))
        rng = random.Random(f"taskbench:{item.record_id}")
        pool = sorted(set(tools_by) - set(used))
        distractors = rng.sample(pool, min(N_DISTRACTORS, len(pool)))
        tools = [tools_by[n] for n in used + distractors]
        steps = d.get("task_steps", d.get("tool_steps"))
        meta = {"domain": dom, "task_steps": steps if isinstance(steps, list) else None,
                "type": d.get("type")}
        if repaired:
            meta["repaired_references"] = repaired
        return [ToolSample(id=f"taskbench_{dom}_{item.record_id}", source=self.name, query=query.strip(),
                           tools=tools, calls=calls, metadata=meta)]


def _linked_source(d: dict, names: list[str], i: int) -> int | None:
    """The unique earlier node that ``task_links`` connects to node ``i``, if any."""
    links = d.get("task_links", d.get("tool_links")) or []
    srcs = [l.get("source") for l in links if isinstance(l, dict) and l.get("target") == names[i]]
    if len(srcs) != 1 or names.count(srcs[0]) != 1:
        return None
    j = names.index(srcs[0])
    return j if j < i else None
