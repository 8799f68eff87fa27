"""BFCL v3/v4: question JSONL + ``possible_answer/`` by id.

Ground truth is the first acceptable non-empty value of each parameter, and every other
acceptable value goes to ``ToolCall.accepted`` (PRS accepts any of them); a parameter whose
acceptable values include ``""`` may be omitted, so it is left out of the arguments and its
non-empty values are listed as accepted.

Multi-turn categories stay conversations: each turn is one sample whose ``context`` holds
the earlier turns (the user's messages and the ground-truth calls; BFCL ships no tool
outputs without executing its classes). A ``multi_turn_miss_param`` turn whose ground truth
is ``[]`` is where the model must ask: it is joined with the next turn (the user's answer)
into one sample with the next turn's calls, whose values said only in the answer are absent
intents (``metadata["absent"]``, see sources/asks.py); the answer turn is never a task of
its own. The other miss_param turns are fully specified (nothing absent). Python-call
strings are parsed with ``ast``, never evaluated. ``live_*`` categories are evaluation-only.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any, Iterator

from ..io import iter_json_records
from ..schema import Message, Tool, ToolCall, ToolSample
from .asks import ABSENT, FOLLOWUP, stated_in
from .base import FieldError, RawItem, Source, need, register, schema_tools, skip

CLASS_DOCS = {
    "GorillaFileSystem": "gorilla_file_system", "MathAPI": "math_api", "MessageAPI": "message_api",
    "TwitterAPI": "posting_api", "TicketAPI": "ticket_api", "TradingBot": "trading_bot",
    "TravelAPI": "travel_booking", "VehicleControlAPI": "vehicle_control",
    "WebSearchAPI": "web_search", "MemoryAPI_kv": "memory_kv", "MemoryAPI_vector": "memory_vector",
    "MemoryAPI_rec_sum": "memory_rec_sum",
}

_MISSING = object()


def first_acceptable(values: Any) -> Any:
    """Pick ground truth from BFCL's list of acceptable values (``_MISSING`` if optional)."""
    if not isinstance(values, list):
        raise ValueError(f"expected a list of acceptable values, got {type(values).__name__}")
    if "" in values or not values:
        return _MISSING
    v = values[0]
    if isinstance(v, dict):
        return _pick_dict(v)
    return v


def _tell_apart(calls: list[ToolCall], omitted: list[dict[str, list[Any]]]) -> None:
    """Parallel calls that leaving out an omittable parameter would make identical keep it:
    "'Open', 'Close', 'High' and 'Low' prices for Microsoft" is four calls that differ only in
    ``data_type`` (BFCL accepts it left out, for the default): left out, the record holds four
    equal calls and no trace of what the user asked for (graded R5 fail, parallel_180)."""
    groups: dict[str, list[int]] = {}
    for i, c in enumerate(calls):
        groups.setdefault(c.name + json.dumps(c.arguments, sort_keys=True, default=str), []).append(i)
    for ids in groups.values():
        if len(ids) < 2:
            continue
        for p in {p for i in ids for p in omitted[i]}:
            firsts = [omitted[i][p][0] if omitted[i].get(p) else None for i in ids]
            if None in firsts or len({json.dumps(v, sort_keys=True, default=str) for v in firsts}) < 2:
                continue
            for i, v in zip(ids, firsts):
                calls[i].arguments[p] = v
                rest = [x for x in omitted[i][p] if x != v]
                if rest:
                    calls[i].accepted[p] = rest
                else:
                    calls[i].accepted.pop(p, None)


def alternatives(values: Any, picked: Any) -> list[Any] | None:
    """The other acceptable values of a parameter (all of them when it may be omitted)."""
    if not isinstance(values, list):
        return None
    rest = [v for v in values if v != "" and not isinstance(v, dict)]
    if picked is _MISSING:
        return rest
    rest = [v for v in rest if v != picked]
    return rest or None


def _pick_dict(d: dict) -> dict:
    out = {}
    for k, vs in d.items():
        if isinstance(vs, list):
            picked = first_acceptable(vs)
            if picked is not _MISSING:
                out[k] = picked
        else:
            out[k] = vs
    return out


def category_of(path: Path) -> str:
    stem = path.stem
    for prefix in ("BFCL_v4_", "BFCL_v3_", "BFCL_v2_"):
        if stem.startswith(prefix):
            return stem[len(prefix):]
    return stem


def parse_call_string(s: str, tools: dict[str, Tool]) -> ToolCall:
    """``mv(source='a', destination='b')`` to a ToolCall, positional args mapped by schema order."""
    try:
        node = ast.parse(s.strip(), mode="eval").body
    except SyntaxError as e:
        raise ValueError(f"cannot parse call {s!r}: {e.msg}") from None
    if not isinstance(node, ast.Call):
        raise ValueError(f"not a call: {s!r}")
    name = ast.unparse(node.func)
    args: dict[str, Any] = {}
    tool = tools.get(name)
    if node.args:
        if tool is None:
            raise ValueError(f"positional arguments for unknown tool {name!r}")
        order = tool.param_names
        if len(node.args) > len(order):
            raise ValueError(f"{name}: {len(node.args)} positional arguments, schema has {len(order)}")
        for pname, a in zip(order, node.args):
            args[pname] = ast.literal_eval(a)
    for kw in node.keywords:
        if kw.arg is None:
            raise ValueError(f"{name}: **kwargs are not supported")
        args[kw.arg] = ast.literal_eval(kw.value)
    return ToolCall(name=name, arguments=args)


def _user_text(turn: Any, field: str) -> str:
    if not isinstance(turn, list):
        raise FieldError(field, "expected a list of messages")
    parts = []
    for j, m in enumerate(turn):
        if not isinstance(m, dict) or not isinstance(m.get("content"), str):
            raise FieldError(f"{field}[{j}]", "expected a message with text content")
        if m.get("role") == "user":
            parts.append(m["content"])
    return "\n".join(parts).strip()


@register
class BFCLSource(Source):
    name = "bfcl"
    description = "Berkeley Function Calling Leaderboard (folder or question file + possible_answer/)"

    def __init__(self) -> None:
        self._docs: dict[Path, dict[str, list[dict]]] = {}

    def _question_files(self, path: Path) -> list[Path]:
        if path.is_file():
            return [path]
        return sorted(p for p in path.glob("*.json") if p.name.startswith("BFCL_") or p.parent.name == path.name)

    def iter_raw(self, path: Path) -> Iterator[RawItem]:
        for qf in self._question_files(path):
            if qf.parent.name in ("possible_answer", "multi_turn_func_doc"):
                continue
            answers: dict[str, Any] = {}
            af = qf.parent / "possible_answer" / qf.name
            if af.exists():
                for _, obj in iter_json_records(af):
                    if isinstance(obj, dict) and "id" in obj:
                        answers[str(obj["id"])] = obj.get("ground_truth")
            cat = category_of(qf)
            for n, obj in iter_json_records(qf):
                rid = str(obj["id"]) if isinstance(obj, dict) and "id" in obj else f"{cat}:{n}"
                ctx = {"category": cat, "answer": answers.get(rid, _MISSING), "docs_dir": qf.parent / "multi_turn_func_doc",
                       "has_answers": af.exists()}
                yield RawItem(rid, obj, line=n, path=str(qf), context=ctx)

    def _class_tools(self, docs_dir: Path, classes: list[str], excluded: list[str]) -> list[Tool]:
        cache = self._docs.setdefault(docs_dir, {})
        tools: list[Tool] = []
        for cls in classes:
            if cls not in CLASS_DOCS:
                raise FieldError("involved_classes", f"unknown class {cls!r}")
            if cls not in cache:
                f = docs_dir / f"{CLASS_DOCS[cls]}.json"
                if not f.exists():
                    raise FieldError("involved_classes", f"no function doc for {cls} at {f}")
                cache[cls] = [o for _, o in iter_json_records(f) if isinstance(o, dict)]
            tools.extend(schema_tools([d for d in cache[cls] if d.get("name") not in excluded], f"doc:{cls}"))
        return tools

    def convert(self, item: RawItem) -> list[ToolSample]:
        d = item.data
        cat = item.context["category"]
        gt = item.context["answer"]
        if not item.context["has_answers"]:
            raise FieldError("possible_answer", "no possible_answer file for this category")
        if gt is _MISSING:
            raise FieldError("possible_answer", "no ground truth with this id")
        meta = {"category": cat}
        # live_* is evaluation-only by BFCL's policy; miss_param is our external ask suite (turns
        # joined with the user's answer, values the conversation state gives): measured, never trained on
        if cat.startswith("live") or cat == "multi_turn_miss_param":
            meta["eval_only"] = True
        question = need(d, "question", list)
        if cat.startswith("multi_turn"):
            return self._multi_turn(item, d, question, gt, meta)
        if cat.startswith("irrelevance") or "relevance" in cat:
            raise FieldError("ground_truth", "relevance categories have no calls")
        tools = schema_tools(need(d, "function", list), "function")
        if not question:
            raise FieldError("question", "empty")
        query = _user_text(question[0], "question[0]")
        if not query:
            raise FieldError("question[0]", "no user message")
        if not isinstance(gt, list) or not gt:
            raise FieldError("ground_truth", "expected a non-empty list of calls")
        calls, omitted = [], []
        for i, entry in enumerate(gt):
            if not isinstance(entry, dict) or len(entry) != 1:
                raise FieldError(f"ground_truth[{i}]", "expected {function: {param: [values]}}")
            (fname, params), = entry.items()
            if not isinstance(params, dict):
                raise FieldError(f"ground_truth[{i}].{fname}", "expected an object of parameters")
            args, accepted, left = {}, {}, {}
            for p, vals in params.items():
                try:
                    v = first_acceptable(vals)
                except ValueError as e:
                    raise FieldError(f"ground_truth[{i}].{fname}.{p}", str(e)) from None
                if v is not _MISSING:
                    args[p] = v
                alt = alternatives(vals, v)
                if alt is not None and (alt or v is _MISSING):
                    accepted[p] = alt
                if v is _MISSING and alt:
                    left[p] = alt
            calls.append(ToolCall(name=fname, arguments=args, accepted=accepted))
            omitted.append(left)
        _tell_apart(calls, omitted)
        return [ToolSample(id=item.record_id, source=self.name, query=query, tools=tools, calls=calls, metadata=meta)]

    def _multi_turn(self, item: RawItem, d: dict, question: list, gt: Any, base_meta: dict) -> list:
        classes = need(d, "involved_classes", list)
        tools = self._class_tools(Path(item.context["docs_dir"]), classes, d.get("excluded_function") or [])
        if not isinstance(gt, list) or len(gt) != len(question):
            raise FieldError("ground_truth", "expected one list of calls per turn")
        by_name = {t.name: t for t in tools}
        miss = str(base_meta.get("category", "")).startswith("multi_turn_miss_param")
        out: list = []
        context: list[Message] = []
        ti = 0
        while ti < len(question):
            turn, calls_s = question[ti], gt[ti]
            sid = f"{item.record_id}/turn_{ti}"
            try:
                query = _user_text(turn, f"question[{ti}]")
            except FieldError as e:
                out.append(skip(sid, e.field, e.reason))
                ti += 1
                continue
            answer_turn = None
            if not calls_s and miss and ti + 1 < len(question) and gt[ti + 1]:
                answer_turn = ti + 1  # the user's answer to the question the model must ask here
            elif not calls_s:
                out.append(skip(sid, f"ground_truth[{ti}]", "turn without calls and no answer turn after it"))
                context.extend(Message(role="user", content=m["content"]) for m in turn if m.get("role") == "user")
                ti += 1
                continue
            if not query:
                out.append(skip(sid, f"question[{ti}]", "turn without a user message"))
                ti += 1
                continue
            src_turn = answer_turn if answer_turn is not None else ti
            try:
                calls = [parse_call_string(c, by_name) for c in gt[src_turn]]
            except (ValueError, SyntaxError) as e:
                out.append(skip(sid, f"ground_truth[{src_turn}]", f"unusable call: {str(e).splitlines()[0]}"))
                ti = src_turn + 1
                continue
            meta = {**base_meta, "turn": ti, "record": item.record_id}
            if miss:
                meta[ABSENT] = []
            answer_text = ""
            if answer_turn is not None:
                try:
                    answer_text = _user_text(question[answer_turn], f"question[{answer_turn}]")
                except FieldError as e:
                    out.append(skip(sid, e.field, e.reason))
                    ti = answer_turn + 1
                    continue
                known = [query] + [m.content for m in context if m.role == "user"]
                said = [(f"{ci}.{p}", v) for ci, c in enumerate(calls) for p, v in c.arguments.items()
                        if stated_in([answer_text], v)]
                # what the answer says that was not said before; else what it says (a value said
                # before for another purpose: "which file?" about a file named elsewhere)
                absent = [k for k, v in said if not stated_in(known, v)] or [k for k, v in said]
                how = "stated in the answer"
                if not absent:  # the answer points at something ("the last file displayed"): what was never said
                    absent = [f"{ci}.{p}" for ci, c in enumerate(calls) for p, v in c.arguments.items()
                              if not stated_in(known, v)]
                    how = "not stated before (the answer refers to it)"
                if not absent:
                    out.append(skip(sid, f"ground_truth[{ti}]", "ask turn: every value of the answer's calls was said before"))
                    ti = answer_turn + 1
                    continue
                meta.update({ABSENT: absent, FOLLOWUP: [answer_text], "answer_turn": answer_turn, "absent_how": how})
            try:
                s = ToolSample(id=sid, source=self.name, query=query, tools=tools, calls=calls,
                               context=list(context), metadata=meta)
            except ValueError as e:
                out.append(skip(sid, f"ground_truth[{src_turn}]", f"unusable call: {str(e).splitlines()[0]}"))
                ti = src_turn + 1
                continue
            out.append(s)
            context.append(Message(role="user", content=query))
            if answer_text:
                context.append(Message(role="user", content=answer_text))
            context.append(Message(role="assistant", tool_calls=calls))
            ti = src_turn + 1
        return out
