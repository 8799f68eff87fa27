"""Assemble a clarification dialogue from an IC record (Appendix C.2.2, D.2).

The record fixes the structure: calls in order, the parameters each one lacks. Steps and
questions fill it in; an optional injection adds one error with its correction, wrapped in
``<SOE>…<EOE>``, at the position Appendix D.4's examples put it.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Any

from ..protocol import EOE, PARAMETER_EVALUATION, QUESTION, SOE, SUMMARY, SYSTEM_PROMPT, TASK_DECOMPOSITION, \
    format_solution, solution_json, strip_markers, task_message
from ..schema import Dialogue, ErrorSpan, ErrorType, ICRecord, Message
from .content import CANNOT_ANSWER, Slot, correction, user_reply

TONE_NAMES = ("neutral", "friendly", "dismissive", "irritated")


@dataclass
class Injection:
    """One error to inject. ``position`` is the index of the slot the error comes before
    (``len(slots)`` = just before the summary)."""

    type: ErrorType
    position: int
    question: str | None = None
    target: Any = None  # kept (call, param) for type 1; index of the earlier slot for type 4


def q(v: Any) -> str:
    return json.dumps(v, ensure_ascii=False)


def slots_of(rec: ICRecord, questions: dict[str, str]) -> list[Slot]:
    """Removed parameters in call order; linked parameters ride along with the first one."""
    slots: list[Slot] = []
    by_key: dict[str, Slot] = {}
    for ci, call in enumerate(rec.key_info):
        for p, a in call.arguments.items():
            if not a.removed:
                continue
            if a.linked_to and a.linked_to in by_key:
                by_key[a.linked_to].linked.append((ci, p))
                continue
            s = Slot((ci, p), a.value, questions[f"{ci}.{p}"])
            by_key[f"{ci}.{p}"] = s
            slots.append(s)
    return slots


# how a kept value is said, by where it comes from (curate.ground): the assistant states as
# known only what it can point at, and says so when it is not the user's own words
ORIGIN_PHRASES = {"profile": "from the user's profile", "default": "the API's default",
                  "output": "from the output of an earlier call"}


def evaluation_text(rec: ICRecord) -> str:
    parts = []
    for ci, call in enumerate(rec.key_info):
        items = []
        for p, a in call.arguments.items():
            if a.reference is not None:
                items.append(f'parameter "{p}" of API "{call.name}" takes the output of step {a.reference + 1}')
            elif a.removed:
                items.append(f'parameter "{p}" of API "{call.name}" has no clear value yet')
            else:
                said = ORIGIN_PHRASES.get(a.grounded or "")
                items.append(f'parameter "{p}" of API "{call.name}" is {q(a.value)}' + (f" ({said})" if said else ""))
        if items:
            parts.append(f"In step {ci + 1}, " + "; ".join(items) + ".")
        else:
            parts.append(f"In step {ci + 1}, API \"{call.name}\" needs no parameters.")
    return f"{PARAMETER_EVALUATION} Here is what I have. " + " ".join(parts)


def known_text(rec: ICRecord, slot: Slot) -> str:
    names = [f'parameter "{p}" of API "{rec.calls[c].name}"' for c, p in [slot.key, *slot.linked]]
    subject = " and ".join(names)
    verb = "are both" if len(names) > 1 else "is"
    return f"{PARAMETER_EVALUATION} Now I know that {subject} {verb} {q(slot.value)}."


ORIGIN_TAGS = {"profile": " (profile)", "default": " (default)", "output": " (earlier output)"}  # ORIGIN_PHRASES, short


def _short_names(rec: ICRecord) -> dict[tuple[int, str], str]:
    """A parameter by its own name, or ``api.name`` where two calls share that name."""
    seen: dict[str, int] = {}
    for call in rec.key_info:
        for p in call.arguments:
            seen[p] = seen.get(p, 0) + 1
    return {(ci, p): (p if seen[p] == 1 else f"{call.name}.{p}")
            for ci, call in enumerate(rec.key_info) for p in call.arguments}


def compact_evaluation_text(rec: ICRecord, cited: bool = False) -> str:
    """The parameter evaluation in a few tokens (``--reasoning-style compact``): what is known, then
    what is missing, so a small model decides to ask or to call from a line it wrote itself.
    ``cited`` (style ``cited``): every parameter in order, a known value with the user's words it
    comes from, a hidden one as ``missing`` where it stands, so a value with nothing to quote reads
    as missing at the point the model would otherwise make one up."""
    names = _short_names(rec)
    known, missing, each = [], [], []
    for ci, call in enumerate(rec.key_info):
        for p, a in call.arguments.items():
            n = names[(ci, p)]
            if a.reference is not None:
                known.append(f"{n} = output of step {a.reference + 1}")
                each.append(known[-1])
            elif a.removed:
                if not a.linked_to:
                    missing.append(n)
                    each.append(f"{n}: missing")
            else:
                said = ORIGIN_TAGS.get(a.grounded or "", "")
                if cited and not said and a.current_value:
                    said = f" (from {json.dumps(a.current_value, ensure_ascii=False)})"
                known.append(f"{n} = {json.dumps(a.value, ensure_ascii=False)}{said}")
                each.append(known[-1])
    if cited:
        return f"{'; '.join(each) or 'No parameters'}. Missing: {', '.join(missing) or 'nothing'}."
    return f"Known: {', '.join(known) or 'nothing'}. Missing: {', '.join(missing) or 'nothing'}."


def compact_known_text(rec: ICRecord, slot: Slot) -> str:
    names = _short_names(rec)
    return "Now known: " + ", ".join(f"{names[k]} = {json.dumps(slot.value, ensure_ascii=False)}" for k in [slot.key, *slot.linked]) + "."


def summary_text(rec: ICRecord, calls: list | None = None) -> str:
    return (f"{SUMMARY} Every value the APIs need is known now, so here is the plan of calls: "
            f"{format_solution(calls if calls is not None else rec.calls)}")


def asked_again(injection, rec: ICRecord, slots: list[Slot], rng: random.Random, tag: str) -> list[str]:
    """Error types 1 and 4 in both formats: a question about a value already known, inside
    <SOE>...<EOE>, then its correction (``tag`` opens a question: the paper's tag, or nothing)."""
    if injection.type == ErrorType.clearly_stated:
        ci, p = injection.target
        a = rec.key_info[ci].arguments[p]
        return [f"{SOE} {tag}{injection.question} {EOE}",
                correction("clearly_stated", rng, param=p, api=rec.calls[ci].name, value=q(a.value))]
    prev = slots[injection.target]
    return [f"{SOE} {tag}{prev.question} {EOE}",
            correction("redundant", rng, param=prev.key[1], api=rec.calls[prev.key[0]].name, value=q(prev.value))]


def assemble(rec: ICRecord, steps: list[str], questions: dict[str, str], rng: random.Random, tone: str | None = None,
             injection: Injection | None = None, system: str | None = SYSTEM_PROMPT, dialogue_id: str | None = None) -> Dialogue:
    tone = tone or rng.choice(TONE_NAMES)
    slots = slots_of(rec, questions)
    msgs: list[Message] = []
    if system:
        msgs.append(Message(role="system", content=system))
    msgs.append(Message(role="user", content=task_message(rec.unspecified_query, rec.tools, rec.context)))
    n = len(steps)
    opening = (f"{TASK_DECOMPOSITION} The task breaks down into {n} step{'s' if n != 1 else ''}. " + " ".join(steps)
               + " " + evaluation_text(rec))
    buf = [opening]

    def say() -> None:
        msgs.append(Message(role="assistant", content=" ".join(x for x in buf if x)))
        buf.clear()

    def inject_here(k: int) -> None:
        if injection is None or injection.position != k:
            return
        t = injection.type
        if t in (ErrorType.clearly_stated, ErrorType.redundant):
            buf.extend(asked_again(injection, rec, slots, rng, f"{QUESTION} "))
        elif t == ErrorType.incomplete:
            known = {(s.key[0], s.key[1]) for s in slots[:k]} | {x for s in slots[:k] for x in s.linked}
            calls = []
            for ci, call in enumerate(rec.key_info):
                args = {}
                for p, a in call.arguments.items():
                    args[p] = a.value if (not a.removed or (ci, p) in known) else f"<unknown_{p}>"
                calls.append({"name": call.name, "arguments": args})
            buf.append(f"{SOE} {summary_text(rec, calls)} {EOE}")
            buf.append(correction("incomplete", rng))
        elif t in (ErrorType.imprecise, ErrorType.irrelevant):
            buf.append(f"{SOE} {QUESTION} {injection.question} {EOE}")
            say()
            msgs.append(Message(role="user", content=rng.choice(CANNOT_ANSWER)))
            at_end = t == ErrorType.irrelevant and k == len(slots)
            buf.append(correction("irrelevant_end" if at_end else t.value, rng))

    for k, slot in enumerate(slots):
        inject_here(k)
        buf.append(f"{QUESTION} {slot.question}")
        say()
        msgs.append(Message(role="user", content=user_reply(slot.value, tone, rng)))
        buf.append(known_text(rec, slot))
    inject_here(len(slots))
    buf.append(summary_text(rec))
    say()
    spans = []
    for i, m in enumerate(msgs):
        if m.role == "assistant" and SOE in m.content:
            _, sp = strip_markers(m.content)
            spans += [ErrorSpan(message=i, start=s, end=e, type=injection.type) for s, e in sp]
    return Dialogue(id=dialogue_id or rec.id, record_id=rec.id, source=rec.source, messages=msgs, error_spans=spans,
                    error_type=injection.type if injection else None, tone=tone,
                    solution=solution_json(rec.calls), seed=rec.seed,
                    questions={f"{s.key[0]}.{s.key[1]}": s.question for s in slots})


def plain_text(d: Dialogue) -> str:
    """The human-readable view (markers shown)."""
    lines = [f"=== {d.id} (record {d.record_id}, tone {d.tone}, error {d.error_type.value if d.error_type else 'none'})"]
    for m in d.messages:
        if m.role == "system":
            continue
        lines.append(f"{m.role.capitalize()}: {m.content}")
    return "\n\n".join(lines) + "\n"
