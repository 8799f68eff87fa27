"""Check, at decode time, the values a model says it knows (``--reasoning-style compact``).

A model trained with the compact line writes ``Known: weight = 85, height = 1.0. Missing:
nothing.`` and then acts on it. A 135M model states values nobody gave as readily as real ones
(session 7: 40 of 61 held-out records with something missing). The line is the model's own
claim, so it can be checked with the same invariant the training data was built with
(``curate.ground.ground``: the user's words, the profile, a documented default, an earlier
output): a stated value that nothing in the conversation supports is moved to ``Missing`` and
the model continues from the corrected line, which it learned to follow with a question. The
calls the reply makes are held to the same rule (an argument nothing supports, a required one
left out), and a reply whose line names something missing may not call at all: it asks.
Pure functions; the decoding loop lives in ``models.local``.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any, Sequence

VERSION = 7  # of the review rules; part of a grounded model's cache id (a changed rule never reuses old replies)

_NAME = re.compile(r"\s*([A-Za-z_][\w.\-]*)\s*=\s*")
_TAG = re.compile(r"\s*\((?:default|profile|earlier output)\)")
_STEP = re.compile(r"output of step \d+")
_MISSING = re.compile(r"\s*Missing:\s*(.*?)\.(?=\s|$)", re.S)


@dataclass
class KnownItem:
    name: str
    text: str  # as written, e.g. 'height = 1.0' or 'unit = "cm" (default)'
    value: Any
    reference: bool = False  # "output of step N": a planned call's result, nothing to check


@dataclass
class CompactLine:
    known: list[KnownItem]
    missing: list[str]
    end: int  # index in the reply just after the line


def parse_line(text: str) -> CompactLine | None:
    """The ``Known: ... Missing: ....`` line a reply starts with, or None (no line, or one
    this parser cannot read: then nothing is changed)."""
    s = text.lstrip()
    off = len(text) - len(s)
    if not s.startswith("Known:"):
        return None
    i = len("Known:")
    known: list[KnownItem] = []
    rest = s[i:].lstrip()
    i = len(s) - len(rest)
    if rest.startswith("nothing"):
        i += len("nothing")
    else:
        dec = json.JSONDecoder()
        while True:
            m = _NAME.match(s, i)
            if not m:
                return None
            start, i = m.start(1), m.end()
            if _STEP.match(s, i):
                i = _STEP.match(s, i).end()
                value, ref = None, True
            else:
                try:
                    value, i = dec.raw_decode(s, i)
                except ValueError:
                    return None
                ref = False
            t = _TAG.match(s, i)
            if t:
                i = t.end()
            known.append(KnownItem(m.group(1), s[start:i], value, ref))
            if s.startswith(",", i):
                i += 1
                continue
            break
    if not s.startswith(".", i):
        return None
    m = _MISSING.match(s, i + 1)
    if not m:
        return None
    body = m.group(1).strip()
    missing = [] if body in ("", "nothing") else [x.strip() for x in body.split(",") if x.strip()]
    return CompactLine(known, missing, off + m.end())


def _tools_taking(tools: Sequence[dict] | None, name: str) -> list[dict[str, Any]]:
    """The ``properties`` of every request tool that takes parameter ``name`` (or ``api.name``)."""
    api, _, p = name.rpartition(".")
    out = []
    for t in tools or []:
        f = t.get("function", t)
        props = (f.get("parameters") or {}).get("properties") or {}
        if p in props and (not api or f.get("name") == api):
            out.append(props)
    return out


def _schema(tools: Sequence[dict] | None, name: str) -> dict[str, Any]:
    """The JSON schema of parameter ``name`` (or ``api.name``) in the request's tools, {} if none."""
    p = name.rpartition(".")[2]
    return next((props[p] for props in _tools_taking(tools, name) if isinstance(props[p], dict)), {})


def _siblings(tools: Sequence[dict] | None, name: str) -> list[str]:
    """The parameter names of the tool (or tools) that take ``name``."""
    return list(dict.fromkeys(q for props in _tools_taking(tools, name) for q in props))


def _context(messages: Sequence[dict]) -> list[dict]:
    """What the user said, earlier calls and outputs, and a profile; not a system prompt's instructions."""
    from ..curate.ground import PROFILE_PREFIX

    return [m for m in messages if m.get("role") in ("user", "tool", "assistant")
            or (m.get("role") == "system" and str(m.get("content") or "").startswith(PROFILE_PREFIX))]


def _last_call(context: Sequence[dict]) -> int:
    """Index of the last earlier call or tool output (-1 if none): what follows is this task's words."""
    return max((i for i, m in enumerate(context) if m.get("role") == "tool" or m.get("tool_calls")), default=-1)


def _one_tool(params: set[str], tools: Sequence[dict] | None) -> bool:
    """Some tool takes every one of ``params``."""
    for t in tools or []:
        props = ((t.get("function", t).get("parameters") or {}).get("properties") or {})
        if params <= set(props):
            return True
    return False


def ungrounded(line: CompactLine, messages: Sequence[dict], tools: Sequence[dict] | None) -> list[str]:
    """Names of the stated values nothing the model can see supports."""
    from ..curate.ground import ground

    context = _context(messages)
    bad = []
    for k in line.known:
        if k.reference:
            continue
        param = k.name.rpartition(".")[2]
        if ground(param, k.value, _schema(tools, k.name), "", context) is None:
            bad.append(k.name)
    return bad + [n for n in _shared_words(line, context, tools) if n not in bad]


def _shared_words(line: CompactLine, context: Sequence[dict], tools: Sequence[dict] | None) -> list[str]:
    """One mention grounds one parameter of a call: when the user wrote a word once and the line
    gives it to two parameters of the same tool (``gene = "human", species = "human"`` for "a
    given human gene"), the one whose name is not near the mention is unsupported. (Parameters
    of different calls may share a mention: ``mkdir temp``, then move a file to ``temp``.)"""
    from ..curate.ground import user_words
    from ..curate.rewrite import name_words

    said = user_words("", context)
    by_value: dict[str, list[KnownItem]] = {}
    for k in line.known:
        if not k.reference and isinstance(k.value, str) and len(k.value.strip()) >= 2:
            by_value.setdefault(k.value.strip().lower(), []).append(k)
    times = Counter(k.name for k in line.known)
    bad = []
    for v, items in by_value.items():
        params = {k.name.rpartition(".")[2] for k in items}
        if len(params) < 2 or not _one_tool(params, tools) or any(times[k.name] > 1 for k in items):
            continue  # parallel calls (a name said twice) swap and share values: "from A to B, then B to A"
        spots = [m.start() for m in re.finditer(r"(?<!\w)" + re.escape(v) + r"(?!\w)", said.lower())]
        if not spots or len(spots) >= len(params):
            continue

        def near(k: KnownItem) -> int:
            words = set(name_words(k.name.rpartition(".")[2]))
            return max(sum(w in said.lower()[max(0, i - 40): i + len(v) + 40] for w in words) for i in spots)

        keep = sorted(items, key=lambda k: -near(k))[: len(spots)]  # stable: ties keep the line's order
        bad += [k.name for k in items if k not in keep]
    return bad


def unsupported_arguments(calls: Sequence[Any], messages: Sequence[dict], tools: Sequence[dict] | None,
                          line: CompactLine | None = None) -> list[str]:
    """Arguments of the reply's calls that nothing supports, and required ones it leaves out, by
    the line's names (``param``, or ``api.param`` where the line qualifies it). An argument the
    line says is the output of a planned step is not checked."""
    from ..curate.ground import ground

    context = _context(messages)
    refs = {k.name.rpartition(".")[2] for k in (line.known if line else []) if k.reference}
    qualified = {k.name for k in (line.known if line else []) if "." in k.name}
    bad: list[str] = []
    for c in calls:
        name = c.name if hasattr(c, "name") else c.get("name")
        args = (c.arguments if hasattr(c, "arguments") else c.get("arguments")) or {}
        f = next((t.get("function", t) for t in tools or [] if t.get("function", t).get("name") == name), {})
        params = f.get("parameters") or {}
        props = params.get("properties") or {}
        left_out = [r for r in params.get("required") or [] if r not in args and "default" not in (props.get(r) or {})]
        for p in [*args, *left_out]:
            label = f"{name}.{p}" if f"{name}.{p}" in qualified else p
            if p in refs or label in bad:
                continue
            if p not in args or ground(p, args[p], props.get(p) or {}, "", context) is None:
                bad.append(label)
    return bad


def grounded_line(text: str, messages: Sequence[dict], tools: Sequence[dict] | None) -> str | None:
    """The reply's line with every unsupported value moved to ``Missing`` (None when the reply
    has no line or every stated value is supported): the prefix to continue from."""
    line = parse_line(text)
    if line is None:
        return None
    bad = set(ungrounded(line, messages, tools))
    if not bad:
        return None
    return _rewrite(line, bad, [])


def _rewrite(line: CompactLine, bad: set[str], more: list[str]) -> str:
    kept = [k.text for k in line.known if k.name not in bad]
    missing = list(line.missing)
    for n in [k.name for k in line.known if k.name in bad] + more:
        if n not in missing:
            missing.append(n)
    return f"Known: {', '.join(kept) or 'nothing'}. Missing: {', '.join(missing) or 'nothing'}."


_NUMBER = r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?!\w)"
# words that may stand between a parameter's name and its value: "alpha equals to 0.05", "rate of 5"
_LINK = {"is", "=", ":", "of", "equals", "equal", "to", "be", "at", "as", "set", "being", "about", "around",
         "exactly", "should", "must", "will", "would", "the", "a", "value", "was", "are", "with", "for"}
_TOKEN = re.compile(r"[-+]?\d[\d,]*(?:\.\d+)?%?|(?<!\w)'[^'\n]{1,80}'(?!\w)|(?<!\w)\"[^\"\n]{1,80}\"(?!\w)|\w+|[=:]")
_SCALE = {"thousand", "million", "billion", "trillion", "k", "m", "bn", "hundred", "dozen", "percent", "%"}
_GENERIC = {"the", "and", "for", "get", "set", "val", "str", "num", "value", "data", "input", "type", "info"}


def _stem(w: str) -> str:
    w = w.lower()
    return w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w


def stated_value(name: str, schema: dict[str, Any], said: str, siblings: Sequence[str] = ()) -> Any:
    """The value the user's words give parameter ``name`` next to its name, or None: a number
    right after the name through linking words ("alpha equals to 0.05", "rate of 5") or right
    before it ("for 1 year"), a quoted string right after it ("file 'a.txt'"), or the one enum
    member the words contain. Only an unambiguous reading counts: two candidates give None.
    A mention is another parameter's when its head noun has a modifier the name lacks ("user id
    'USR001'" is not ``receiver_id``'s) or it is only the head noun of one of ``siblings`` (the
    tool's other parameters: "function" is ``function``'s, not ``function_variable``'s)."""
    kind = schema.get("type")
    enum = {str(e).lower(): e for e in schema.get("enum") or [] if isinstance(e, str)}
    if kind not in ("integer", "number", "string"):
        return None
    names = [w for w in name_words_of(name) if w not in _GENERIC]
    head = _stem(names[-1]) if names else ""
    words = {_stem(w) for w in names if len(w) >= 3} | {head}
    if not head:
        return None
    toks = [m.group() for m in re.finditer(_TOKEN, said)]
    found: set[Any] = set()
    others = {_stem(h[-1]) for h in (name_words_of(o) for o in siblings if o != name) if h} - {head}
    for i, t in enumerate(toks):
        if _stem(t) not in words:
            continue
        if _stem(t) != head and _stem(t) in others:
            continue  # another parameter's head noun
        before = toks[i - 1] if i else ""
        prev = before.lower()
        if _stem(t) == head and len(names) > 1 and prev.isalpha() and prev not in _LINK \
                and _stem(prev) not in words and prev not in ("my", "your", "his", "her", "their", "our", "its"):
            continue  # "user id" is not a "receiver id"
        j = i + 1
        while j < len(toks) and j - i <= 4 and toks[j].lower() in _LINK:
            j += 1
        after = toks[j] if j < len(toks) else ""
        if enum:
            found |= {enum[c.lower()] for c in (after, before) if c.lower() in enum}
            continue
        if kind == "string":
            if after[:1] in "'\"" and len(after) > 2:
                found.add(after[1:-1])
            continue
        if _stem(t) != head:
            continue  # a number goes with the name's head noun: "order id 12446", not "order of 100"
        for k, cand in ((j, after), (i - 1, before)):
            if k + 1 < len(toks) and toks[k + 1].lower() in _SCALE:
                continue  # "2 million": the value is not the digits
            if re.fullmatch(_NUMBER, cand or ""):
                v = float(cand.replace(",", ""))
                if kind == "integer":
                    if not v.is_integer():
                        continue
                    v = int(v)
                elif v.is_integer() and "." not in cand:
                    v = int(v)
                found.add(v)
                break
    return found.pop() if len(found) == 1 else None


def name_words_of(name: str) -> list[str]:
    from ..curate.rewrite import name_words

    return name_words(name.rpartition(".")[2])


def resolved(line: CompactLine, messages: Sequence[dict], tools: Sequence[dict] | None) -> dict[str, Any]:
    """Names the line puts in ``Missing`` that the user did state (a 135M model writes ``Missing:
    alpha`` for "alpha equals to 0.05"), with the value, when the words give it unambiguously
    (``stated_value``) and the grounding rule accepts it. A value the line already gives another
    parameter is not taken again."""
    from ..curate.ground import ground, user_words

    context = _context(messages)
    last = _last_call(context)
    said = user_words("", context[last + 1:])  # this task's words: earlier tasks name other files and ids
    taken = {_same_key(k.value) for k in line.known if not k.reference}
    named = {k.name.rpartition(".")[2] for k in line.known}
    out: dict[str, Any] = {}
    for n in line.missing:
        schema = _schema(tools, n)
        if not schema or n.rpartition(".")[2] in named or line.missing.count(n) > 1:
            continue  # a name the line already gives a value is a parallel call's: its own value is unknown
        v = stated_value(n, schema, said, _siblings(tools, n))
        if v is None or _same_key(v) in taken or ground(n.rpartition(".")[2], v, schema, "", context) is None:
            continue
        out[n] = v
        taken.add(_same_key(v))
    return out


def _same_key(v: Any) -> str:
    """One key for a value however a line or a source writes it: 25.7, "25.7" and 25.70 match."""
    try:
        return repr(float(v)) if isinstance(v, (int, float, str)) and not isinstance(v, bool) else json.dumps(v)
    except ValueError:
        return json.dumps(v)


MAX_PROBES = 3  # names probed per line: a line that lists more is asking for much, and each probe is a decode


def probe_targets(line: CompactLine, tools: Sequence[dict] | None) -> list[str]:
    """Names the line calls missing that the model may be asked to fill in (``?probe=1``): a
    parameter of an offered tool, listed once, that the line gives no value elsewhere (a name
    with a value is a parallel call's: its other value is unknown)."""
    named = {k.name.rpartition(".")[2] for k in line.known}
    out: list[str] = []
    for n in line.missing:
        if n in out or line.missing.count(n) > 1 or n.rpartition(".")[2] in named or not _schema(tools, n):
            continue
        out.append(n)
    return out[:MAX_PROBES]


def probe_prefix(line: CompactLine, name: str) -> str:
    """The line's known part with ``name = `` after it: the model continues with the value it
    would state. Whether that value was said is then checked, not trusted (``review``)."""
    return "Known: " + ", ".join([k.text for k in line.known] + [f"{name} = "])


def read_probe(text: str) -> Any:
    """The JSON value a probe's continuation starts with, or None (a reference to a step's
    output, unreadable text, or a value that runs on into words)."""
    got = probe_span(text)
    return got[0] if got else None


def probe_span(text: str) -> tuple[Any, int] | None:
    """``read_probe``'s value and the index in ``text`` just after it."""
    s = text.lstrip()
    if not s or _STEP.match(s):
        return None
    try:
        v, i = json.JSONDecoder().raw_decode(s)
    except ValueError:
        return None
    rest = s[i:].lstrip()
    return (v, len(text) - len(s) + i) if not rest or rest[0] in ",." or rest.startswith("(") else None


_TYPES: dict[str, Any] = {"string": str, "str": str, "integer": int, "int": int, "number": (int, float),
                          "float": (int, float), "boolean": bool, "bool": bool, "array": list, "list": list,
                          "tuple": list, "object": dict, "dict": dict}


def _fits(value: Any, schema: dict[str, Any]) -> bool:
    """The value has the parameter's declared JSON type (a number is not a username); an
    undeclared or unknown type fits anything."""
    types = schema.get("type")
    types = types if isinstance(types, list) else [types]
    want = [_TYPES[t] for t in types if isinstance(t, str) and t in _TYPES]
    if not want:
        return True
    if isinstance(value, bool):
        return bool in want
    if isinstance(value, float) and value.is_integer() and int in want:
        return True
    return any(isinstance(value, w) for w in want)


def _task_context(messages: Sequence[dict]) -> list[dict]:
    """This task's words and the profile: not earlier tasks' turns or outputs, which name other
    files, ids and people."""
    context = _context(messages)
    last = _last_call(context)
    return [m for i, m in enumerate(context) if i > last or m.get("role") == "system"]


def _probed(line: CompactLine, probed: dict[str, Any], given: dict[str, Any], messages: Sequence[dict],
            tools: Sequence[dict] | None) -> dict[str, Any]:
    """The probed values to trust: of the parameter's type, in this task's words (or the
    profile, or the documented default), and held by no other parameter on the line. A model
    asked for a value it was never given still writes one (a year, a number from the prompt):
    those are exactly what these rules must turn away (bench/probe_precision.py)."""
    from ..curate.ground import DEFAULT, PROFILE, USER, ground

    context = _task_context(messages)
    taken = {_same_key(k.value) for k in line.known if not k.reference} | {_same_key(v) for v in given.values()}
    out: dict[str, Any] = {}
    for n, v in probed.items():
        schema = _schema(tools, n)
        if n in given or n not in line.missing or v is None or not schema or _same_key(v) in taken:
            continue
        if not _fits(v, schema) or ground(n.rpartition(".")[2], v, schema, "", context) not in (USER, PROFILE, DEFAULT):
            continue
        out[n] = v
        taken.add(_same_key(v))
    return out


def review(text: str, messages: Sequence[dict], tools: Sequence[dict] | None,
           probed: dict[str, Any] | None = None) -> str | None:
    """The line to continue from when the reply must change, or None: the reply stands as
    written. The reply must ask instead (the line returned still names something missing; it is
    continued without a call) when its line states an unsupported value, its calls pass one (or
    leave a required one out), or its line names something missing and it calls anyway. A name
    the line calls missing that the user stated (``resolved``) moves to ``Known``; when that
    leaves nothing missing, the returned line ends ``Missing: nothing.`` and the model continues
    from it to the call it learned to write after such a line. ``probed``: values the model
    wrote when asked to fill in a missing name (``probe_prefix``); each is held to the same rule
    before it moves to ``Known``."""
    from ..native import parse_tool_call_text

    line = parse_line(text)
    if line is None:
        return None
    given = resolved(line, messages, tools)
    if probed:
        given.update(_probed(line, probed, given, messages, tools))
    if given:
        line = CompactLine(line.known + [KnownItem(n, f"{n} = {json.dumps(v)}", v) for n, v in given.items()],
                           [n for n in line.missing if n not in given], line.end)
    bad = set(ungrounded(line, messages, tools))
    try:
        found = parse_tool_call_text(text[line.end:])
    except ValueError:
        found = None  # an unreadable call: judged as the model wrote it
    calls = found[1] if found else []
    more = [n for n in unsupported_arguments(calls, messages, tools, line) if n not in bad] if calls else []
    if not bad and not more and not (calls and line.missing):
        if given and not calls:  # it asked for what it was told: ask only for the rest, or call
            return _rewrite(line, set(), [])
        return None
    fixed = _rewrite(line, bad, more)
    return None if fixed.endswith("Missing: nothing.") else fixed
