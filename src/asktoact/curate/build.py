"""The curation stage: ToolSample -> ICRecord (Algorithm 1 + rewrite + quality control)."""

from __future__ import annotations

import random
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from ..schema import ArgInfo, CallInfo, ICRecord, RemovalMethod, RewriteInfo, ToolSample
from .ground import USER, ground, is_credential, said_before, why_not_askable
from .locate import Location, Span, locate
from .quality import giveaways, leak_check
from .rewrite import EditPlan, name_words, rewrite_query
from .sampling import rng_for, sample_removals


@dataclass
class ArgView:
    call: int
    name: str
    value: Any
    schema: dict[str, Any]
    location: Location
    reference: int | None
    eligible: bool
    why_not: str | None = None
    linked_to: tuple[int, str] | None = None


PARTS_NOT_HIDDEN = "a list or an object: its items stay as stated (build --hide-parts hides them)"


def _profile_says(value: str, context) -> bool:
    """Does the profile the assistant sees (system messages) state ``value`` as a word?"""
    from .ground import profile_words
    prof = profile_words(context)
    return bool(prof) and re.search(r"(?<![\w])" + re.escape(value.strip()) + r"(?![\w])", prof, re.I) is not None


def analyse(sample: ToolSample, hide_parts: bool = False) -> list[list[ArgView]]:
    """Locate every argument value and decide which ones the user stated (eligible to hide).

    A list or an object (a dict, or a list holding one) is not a candidate unless ``hide_parts``:
    hiding an item of a list or a part of an object ("5C and another charge", "for that cheese,
    enhance certain characteristics") passed 28% of blind grades (n = 18), a one-item list hidden
    whole ("tagging some mentions", "allergic to certain allergies") about as few; the record
    can still hide its scalar values."""
    views: list[list[ArgView]] = []
    for ci, call in enumerate(sample.calls):
        tool = sample.tool(call.name)
        row = []
        for p, v in call.arguments.items():
            ref = call.references.get(p)
            loc = locate(sample.query, v) if ref is None else Location(False)
            row.append(ArgView(ci, p, v, tool.param(p), loc, ref, eligible=False))
        views.append(row)
    # spans shared by different arguments: a span strictly inside another argument's span is
    # not an occurrence of the smaller value ("5" in "Maroon 5"); identical spans are ambiguous
    flat = [a for row in views for a in row]
    span_owner: dict[tuple[int, int], list[ArgView]] = defaultdict(list)
    for a in flat:
        for s in a.location.spans:
            span_owner[(s.start, s.end)].append(a)
    for a in flat:
        if a.reference is not None:
            a.why_not = "reference to an earlier call"
            continue
        if not a.location.found:
            a.why_not = "value not stated in the query"
            continue
        keep_parts = []
        for leaf, spans in a.location.parts:
            own = [s for s in spans if not _inside_other(s, a, flat)]
            keep_parts.append((leaf, own))
        if not all(ss for _, ss in keep_parts):
            a.why_not = "value only appears inside another value"
            continue
        a.location = Location(True, sorted({(s.start, s.end): s for _, ss in keep_parts for s in ss}.values(), key=lambda s: s.start), keep_parts)
        if isinstance(a.value, str) and len(a.value.split()) > 4 and not _quoted(sample.query, a.location.spans[0]):
            a.why_not = "a whole clause of the request, not a value"  # hiding it leaves no request
            continue
        if isinstance(a.value, (dict, list)) and sum(1 for _, ss in a.location.parts if ss) > 2 and any(
                isinstance(x, (dict, list)) for x in (a.value.values() if isinstance(a.value, dict) else a.value)):
            a.why_not = "a nested object stated in several places: no one phrase to rewrite"
            continue
        if is_credential(a.name, a.value):
            a.why_not = "a credential: stays as the user gave it, never asked for"
            continue
        if sample.context and (where := said_before(a.value, sample.context, a.name)):
            # the conversation so far already gives it: hidden, it would be a question the
            # assistant need not ask (it stays, grounded as the user's words)
            a.why_not = f"stated earlier in the conversation ({where})"
            continue
        if sample.context and isinstance(a.value, str) and len(a.value) > 2 and _profile_says(a.value, sample.context):
            # "using my express delivery preference" with the profile's "chose express delivery": hidden, the
            # assistant can read it from the profile, so no question is needed (graded R2 fail, seed 23)
            a.why_not = "also stated in the user's profile"
            continue
        if any(in_code(sample.query, sp) for sp in a.location.spans):
            a.why_not = "written inside code, JSON or a bracketed list"  # no words around it to rewrite
            continue
        if not hide_parts and isinstance(a.value, (dict, list, tuple)) and a.value:
            a.why_not = PARTS_NOT_HIDDEN
            continue
        # the same words stating two different things (a value, or a different parameter that
        # happens to be equal: "a 2 ... two times" for die face and rolls) are ambiguous
        shared = any(len({id(o) for o in span_owner[(s.start, s.end)] if o is not a and _differs(o, a)}) for s in a.location.spans)
        if shared:
            a.why_not = "same text as another argument's value"
            continue
        a.eligible = True
    # one stated value used by several calls is one intent: the first use is sampled, the
    # others are hidden with it (the paper asks a single combined question for them)
    seen: dict[tuple, ArgView] = {}
    for a in flat:
        if not a.eligible:
            continue
        key = (a.name, tuple((s.start, s.end) for s in a.location.spans))
        first = seen.get(key)
        if first is None:
            seen[key] = a
        else:
            a.eligible = False
            a.linked_to = (first.call, first.name)
            a.why_not = f"same value as {first.call}.{first.name} (hidden together)"
    return views


_CODE_OPEN = re.compile(r"[\[{(]")


def in_code(text: str, s: Span) -> bool:
    """The value sits in code-like syntax a sentence cannot be rebuilt around: a JSON field
    (``"F1": 0.8``), a bracketed list (``[43.6, -79.3]``), an assignment (``x = 1``)
    or a call's arguments (``f(a, 2)``). A plain list in words ("5, 10 and 15") is not code."""
    before = text[max(0, s.start - 40):s.start]
    after = text[s.end:s.end + 40]
    b = before.rstrip(" '\"`")
    if re.search(r"(?:[\w'\"]\s*:|=)$", b) and not re.search(r"\b(?:is|at|to|of)\s*:$", b):
        return True
    depth = 0
    for ch in reversed(text[max(0, s.start - 200):s.start]):
        if ch in ")]}":
            depth -= 1
        elif ch in "([{":
            depth += 1
            if depth > 0:
                inner = text[max(0, s.start - 200):s.start]
                close = re.search(r"[)\]}]", after)
                opened = inner[inner.rfind(ch):]
                return ch != "(" or ("," in opened or "," in (after[:close.start()] if close else "")) and close is not None
    return bool(re.match(r"\s*['\"`]?\s*[,\]}]", after) and re.search(r"[\[{]", before))


def _quoted(text: str, s: Span) -> bool:
    return s.start > 0 and s.end < len(text) and text[s.start - 1] in "'\"`\u201c\u2018" and text[s.end] in "'\"`\u201d\u2019"


def _differs(o: ArgView, a: ArgView) -> bool:
    """Two arguments are different intents unless they are the same parameter with the same value."""
    return o.value != a.value or o.name != a.name


def _inside_other(s: Span, a: ArgView, flat: list[ArgView]) -> bool:
    for o in flat:
        if o is a:
            continue
        for t in o.location.spans:
            if t.start <= s.start and s.end <= t.end and (t.end - t.start) > (s.end - s.start):
                return True
    return False


def _as_written(a: ArgView) -> str:
    """The text a kept value stands as: the occurrence written exactly as the value
    ("`logEvent`", not "a LogEvent" found case-blind before it), else the first."""
    if isinstance(a.value, dict) or isinstance(a.value, list) and any(isinstance(x, (dict, list)) for x in a.value):
        # every stated part of an object ("3 degrees Celsius; -18"), not its first part alone (graded R5 fails)
        parts = list(dict.fromkeys(sp.text for sp in sorted((sp for _, ss in a.location.parts for sp in ss), key=lambda x: x.start)))
        if len(parts) > 1:
            return "; ".join(parts)
    if isinstance(a.value, list) and len(a.value) > 1:  # every item as written, not the first alone
        items = list(dict.fromkeys(s.text for s in a.location.spans))
        if len(items) > 1:
            return "; ".join(items)
    exact = [s for s in a.location.spans if s.text == str(a.value)]
    return (exact or a.location.spans)[0].text


def level_of(missing: set[tuple[int, str]]) -> int:
    """The complexity level of a set of missing parameters (Algorithm 1's definitions)."""
    calls = {c for c, _ in missing}
    if not missing:
        return 0
    if len(missing) == 1:
        return 1
    return 2 if len(calls) == 1 else 3


def curate_sample(sample: ToolSample, seed: int, level_weights: dict[int, float] | None = None,
                  doc: Any = None, hide_parts: bool = False) -> ICRecord:
    """Pure: the same sample and seed always give the same record.

    Every kept value must be grounded (``curate.ground``); one that is not becomes a missing
    parameter with method ``absent`` (asked for, nothing rewritten), or, when asking makes no
    sense, the record is rejected (``metadata.ungrounded``). The level is then recomputed
    from everything missing; Algorithm 1's draw is kept in ``metadata.algorithm1_level``.
    ``hide_parts``: lists and objects are candidates too (``analyse``; off by default)."""
    rng = rng_for(seed, sample.id)
    views = analyse(sample, hide_parts)
    eligible = [[a.name for a in row if a.eligible] for row in views]
    level, removed = sample_removals(eligible, rng, level_weights)
    name_counts = Counter(c.name for c in sample.calls)
    plans = []
    for row in views:
        for a in row:
            if (a.call, a.name) in removed:
                tool = sample.tool(sample.calls[a.call].name)
                plans.append(EditPlan(key=(a.call, a.name), value=a.value, schema=a.schema, location=a.location,
                                      required=tool.is_required(a.name),
                                      force_abstraction=name_counts[tool.name] > 1))
    rewrite_seed = rng.random()

    def _rewrite(removed: set, plans: list) -> tuple[str, dict, list[str], set, list]:
        hidden = removed | {a.linked_to for row in views for a in row if a.linked_to}
        protected = [(sp.start, sp.end) for row in views for a in row
                     if a.location.found and (a.call, a.name) not in hidden and not (a.linked_to in removed)
                     for sp in a.location.spans]
        kept_names = {(sp.start, sp.end): a.name for row in views for a in row
                      if a.location.found and (a.call, a.name) not in hidden and not (a.linked_to in removed)
                      for sp in a.location.spans}
        issues: list[str] = []
        collided: set = set()
        q, res = (rewrite_query(sample.query, plans, random.Random(rewrite_seed), doc=doc, protected=protected,
                                issues=issues, collided=collided, kept_names=kept_names) if plans else (sample.query, {}))
        return q, res, issues, collided, protected

    new_query, results, issues, collided, protected = _rewrite(removed, plans)
    kept_for_grammar: list[str] = []
    if collided and any(p.key not in collided for p in plans):
        # a value whose stand-in would collide with the words around it ("the keyword a certain
        # pattern", "an area state") stays as the user wrote it; the others are hidden again
        kept_for_grammar = [f"{c}.{n}" for c, n in sorted(collided)]
        removed = removed - collided
        plans = [p for p in plans if p.key not in collided]
        level = level_of(removed)
        new_query, results, issues, collided, protected = _rewrite(removed, plans)
    key_info = []
    missing: set[tuple[int, str]] = set()
    absent: list[str] = []
    unaskable: list[str] = []
    for ci, (call, row) in enumerate(zip(sample.calls, views)):
        args = {}
        for a in row:
            res = results.get((ci, a.name))
            linked = None
            if res is None and a.linked_to is not None and a.linked_to in results:
                res, linked = results[a.linked_to], f"{a.linked_to[0]}.{a.linked_to[1]}"
            orig = _as_written(a) if a.location.found and a.location.spans else None
            if res:
                args[a.name] = ArgInfo(value=a.value, original_value=res.original_value, current_value=res.current_value,
                                       removed=True, located=True, method=RemovalMethod(res.method),
                                       removed_value=res.removed_value, linked_to=linked)
                if linked is None:  # a linked parameter is the same intent, not one more
                    missing.add((ci, a.name))
                continue
            if a.reference is not None:
                args[a.name] = ArgInfo(value=a.value, removed=False, reference=a.reference, grounded="output")
                continue
            origin = USER if a.location.found else ground(a.name, a.value, a.schema, sample.query, sample.context)
            if origin is not None:
                args[a.name] = ArgInfo(value=a.value, original_value=orig, current_value=orig, removed=False,
                                       located=a.location.found, grounded=origin)
                continue
            why = why_not_askable(a.name, a.value, sample.query, sample.context, sample.metadata, ci, a.schema)
            if not why and isinstance(a.value, str) and re.fullmatch(r"\d{1,3}(?:\.\d{1,3}){3}", a.value) \
                    and not set(name_words(a.name)) & {"ip", "host", "address", "addr", "server", "endpoint", "network",
                                                         "device", "target", "node", "gateway", "source", "destination"}:
                # Seal-Tools: a concert's genre "192.168.142.177": the gold value is noise, not something to ask for
                why = f"the recorded value (an IP address) is not a {a.name}"
            if why:
                unaskable.append(f"{ci}.{a.name}={a.value!r}: {why}")
            absent.append(f"{ci}.{a.name}")
            missing.add((ci, a.name))
            args[a.name] = ArgInfo(value=a.value, removed=True, located=False, method=RemovalMethod.absent)
        key_info.append(CallInfo(name=call.name, arguments=args))
    # one parameter of one tool given a different value nobody said in several calls ("find fruits in
    # season" -> getFruitByName('apple'), getFruitByName('banana')): the values are the assistant's
    # picks, not something the user holds and could be asked for (graded R3 fail, toolalpaca_89)
    picked = Counter((sample.calls[int(k.split(".", 1)[0])].name, k.split(".", 1)[1]) for k in absent)
    for (tname, pname), n in sorted(picked.items()):
        if n >= 2:
            unaskable.append(f"{tname}.{pname}: {n} calls each with a value the user never gave (the assistant's own picks)")
    if absent:
        level_drawn, level = level, level_of(missing)
    meta = dict(sample.metadata)
    if absent:
        meta["absent"] = absent
        if level != level_drawn:
            meta["algorithm1_level"] = level_drawn
    if unaskable:
        meta["ungrounded"] = unaskable
    if issues:
        meta["rewrite_issues"] = issues
    if kept_for_grammar:
        meta["kept_for_grammar"] = kept_for_grammar
    gone = [(f"{a.call}.{a.name}", a.name, a.value, a.location.spans) for row in views for a in row
            if results.get((a.call, a.name)) and a.location.found]
    given = giveaways(sample.query, new_query, gone, protected, doc) if gone else []
    if given:
        meta["giveaways"] = given
    not_eligible = {f"{a.call}.{a.name}": a.why_not for row in views for a in row
                    if not a.eligible and not (a.linked_to and a.linked_to in results)}
    if not_eligible:
        meta["not_removable"] = not_eligible
    rec = ICRecord(id=sample.id, source=sample.source, level=level, seed=seed, original_query=sample.query,
                   unspecified_query=new_query, tools=sample.tools, calls=sample.calls, key_info=key_info,
                   context=sample.context,
                   rewrite=RewriteInfo(method="deterministic"), metadata=meta)
    rec.quality = leak_check(rec)
    return rec


@dataclass
class CurateStats:
    samples_in: int = 0
    kept: int = 0
    rejected: int = 0
    by_level: Counter = field(default_factory=Counter)
    unspecified_by_level: Counter = field(default_factory=Counter)
    calls_by_level: Counter = field(default_factory=Counter)
    reasons: Counter = field(default_factory=Counter)
    leak_checked_l1: int = 0
    leak_passed_l1: int = 0
    parts_kept: int = 0  # records with a list or object value kept as stated (not a candidate: no --hide-parts)

    def add(self, rec: ICRecord) -> None:
        self.samples_in += 1
        if PARTS_NOT_HIDDEN in (rec.metadata.get("not_removable") or {}).values():
            self.parts_kept += 1
        if rec.level >= 1:
            self.leak_checked_l1 += 1
            self.leak_passed_l1 += int(rec.quality.leak_ok)
        if rec.quality.passed:
            self.kept += 1
            self.by_level[rec.level] += 1
            self.unspecified_by_level[rec.level] += rec.n_unspecified
            self.calls_by_level[rec.level] += len(rec.calls)
        else:
            self.rejected += 1
            for r in rec.quality.reasons:
                self.reasons[r.split(":", 1)[0]] += 1
