"""ACEBench ``normal_*``: ``question`` is a "user: ...\\nsystem: ..." transcript; values may nest."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any, Iterator

from ..io import iter_json_records
from ..curate.ground import PROFILE_PREFIX
from ..schema import Message, ToolCall, ToolSample
from .base import FieldError, RawItem, Source, need, register, schema_tools

_TURN = re.compile(r"^(user|system|assistant)\s*:\s*", re.I | re.M)


def user_turns(text: str) -> str:
    """Join what the user said; the system's questions in between are dropped."""
    parts = _TURN.split(text)
    if len(parts) == 1:
        return text.strip()
    out = []
    for role, content in zip(parts[1::2], parts[2::2]):
        if role.lower() == "user" and content.strip():
            out.append(content.strip())
    return " ".join(out)


@register
class ACEBenchSource(Source):
    name = "acebench"
    description = "ACEBench normal_* (folder of data_*.json + possible_answer/)"

    def iter_raw(self, path: Path) -> Iterator[RawItem]:
        files = [path] if path.is_file() else sorted(path.glob("data_*.json"))
        for f in files:
            answers = {}
            af = f.parent / "possible_answer" / f.name
            if af.exists():
                for _, obj in iter_json_records(af):
                    if isinstance(obj, dict) and "id" in obj:
                        answers[str(obj["id"])] = obj.get("ground_truth")
            for n, obj in iter_json_records(f):
                rid = str(obj["id"]) if isinstance(obj, dict) and "id" in obj else f"{f.stem}:{n}"
                yield RawItem(rid, obj, line=n, path=str(f), context={"answer": answers.get(rid), "category": f.stem.removeprefix("data_")})

    def convert(self, item: RawItem) -> list[ToolSample]:
        d = item.data
        q = need(d, "question", str)
        query = user_turns(q)
        if not query:
            raise FieldError("question", "no user turn")
        tools = schema_tools(need(d, "function", list), "function")
        gt = item.context["answer"]
        if gt is None:
            raise FieldError("possible_answer", "no ground truth with this id")
        # a list of ground truths is a list of acceptable answers: the first is kept, the
        # others' differing values become accepted alternatives (PRS accepts any of them)
        alts = gt if isinstance(gt, list) else [gt]
        if not alts:
            raise FieldError("ground_truth", "no calls")
        parsed = [self._calls(block, tools, f"ground_truth[{i}]" if isinstance(gt, list) else "ground_truth")
                  for i, block in enumerate(alts)]
        calls = parsed[0]
        for other in parsed[1:]:
            if [c.name for c in other] != [c.name for c in calls]:
                continue
            for c, o in zip(calls, other):
                for k, v in o.arguments.items():
                    if k in c.arguments and v != c.arguments[k] and v not in c.accepted.get(k, []):
                        c.accepted.setdefault(k, []).append(v)
        return [ToolSample(id=item.record_id, source=self.name, query=query, tools=tools, calls=calls,
                           context=profile_context(d.get("profile")), metadata={"category": item.context["category"]})]

    @staticmethod
    def _calls(block: Any, tools: list, field: str) -> list[ToolCall]:
        if not isinstance(block, dict):
            raise FieldError(field, "expected {tool: {param: value}}")
        if not block:
            raise FieldError(field, "no calls")
        calls = []
        for name, args in block.items():
            if not isinstance(args, dict):
                raise FieldError(f"{field}.{name}", "expected an object of arguments")
            # ACEBench appends _1, _2 to repeated tool names in ground truth
            base = re.sub(r"_\d+$", "", name) if name not in {t.name for t in tools} else name
            calls.append(ToolCall(name=base, arguments=args))
        return calls


def profile_context(profile: Any) -> list[Message]:
    """ACEBench ``profile`` (what the platform knows about the user, a Python-literal string)
    as one system message before the query: the preference category's values come from it,
    and a dialogue may state them only because the assistant can see it."""
    if profile in (None, "", {}):
        return []
    if isinstance(profile, str):
        text = profile.strip().rstrip(".").strip()
        try:
            profile = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            return [Message(role="system", content=PROFILE_PREFIX + text)]
    return [Message(role="system", content=PROFILE_PREFIX + json.dumps(profile, ensure_ascii=False))]
