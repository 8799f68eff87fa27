"""The native twin of ``assemble``: the same dialogue, written as agents speak it.

Same record, same slots, same tone, same user replies and corrections (the random draws
happen in the same order as in the paper assembly, so a record's paper and native dialogues
differ only in how the assistant writes): the tools go beside the messages
(``Dialogue.tools``), a clarifying question is plain assistant text, and the last step is an
assistant ``tool_calls`` message with every call of the record (parallel calls stay one
message). The paper's decomposition and evaluation reasoning is left out by default;
``reasoning=True`` (or ``"full"``) keeps it, without tags, as text before the question or the
calls; ``reasoning="compact"`` writes only one line of what is known and what is missing
(``Known: a = 1. Missing: b.``), a few tokens a small model can afford before each move;
``"cited"`` goes through every parameter in order, each known value with the user's words it
comes from (``a = 1 (from "one item"); b: missing. Missing: b.``).

Errors and corrections work as in the paper format:

* a wrong question (types 1-4) sits inside ``<SOE>…<EOE>`` in the assistant's text; the
  correction and the right question after it are learned;
* a premature call (type 5, the paper's early ``[SUMMARY]``) is an assistant ``tool_calls``
  message with ``<unknown_p>`` placeholders, followed by the tool output an agent runtime
  returns for a call it refuses to run, then the learned correction. A ``tool_calls``
  message cannot hold markers, so its error span is written ``start = end = 0`` and means
  *the whole turn*: the calls and the token that closes the turn are masked
  (``train.tokenize``). The tool output keeps the conversation valid for the OpenAI API and
  for LLaMA-Factory's ``function_call`` / ``observation`` alternation.
"""

from __future__ import annotations

import json
import random
from typing import Any, Callable

from ..native import NATIVE_SYSTEM_PROMPT
from ..protocol import EOE, PARAMETER_EVALUATION, SOE, TASK_DECOMPOSITION, outside_spans, solution_json, strip_markers
from ..schema import Dialogue, ErrorSpan, ErrorType, ICRecord, Message, ToolCall
from .assemble import TONE_NAMES, Injection, asked_again, compact_evaluation_text, compact_known_text, evaluation_text, \
    known_text, slots_of
from .content import CANNOT_ANSWER, correction, user_reply

NOT_RUN = json.dumps({"error": "not executed: the call holds placeholders for values the user has not given yet"})


REASONING_STYLES = ("full", "compact", "cited")


def reasoning_style(reasoning: bool | str | None) -> str | None:
    """None (no reasoning), "full" or "compact" from the option's forms (True means "full")."""
    if not reasoning:
        return None
    style = "full" if reasoning is True else str(reasoning)
    if style not in REASONING_STYLES:
        raise ValueError(f"unknown reasoning style {style!r}: {' or '.join(REASONING_STYLES)}")
    return style


def _untagged(text: str) -> str:
    for tag in (TASK_DECOMPOSITION, PARAMETER_EVALUATION):
        text = text.replace(tag + " ", "").replace(tag, "")
    return text.strip()


def assemble_native(rec: ICRecord, steps: list[str], questions: dict[str, str], rng: random.Random,
                    tone: str | None = None, injection: Injection | None = None,
                    system: str | None = NATIVE_SYSTEM_PROMPT, dialogue_id: str | None = None,
                    reasoning: bool | str = False) -> Dialogue:
    style = reasoning_style(reasoning)
    tone = tone or rng.choice(TONE_NAMES)
    slots = slots_of(rec, questions)
    msgs: list[Message] = [Message(role="system", content=system)] if system else []
    msgs += [m.model_copy(deep=True) for m in rec.context]
    msgs.append(Message(role="user", content=rec.unspecified_query))
    n_prompt = len(msgs)  # the earlier conversation (rec.context) is prompt, never learned
    buf: list[str] = []
    whole_turn_errors: list[int] = []
    if style in ("compact", "cited"):
        buf.append(compact_evaluation_text(rec, cited=style == "cited"))
    elif style == "full":
        n = len(steps)
        buf.append(f"The task breaks down into {n} step{'s' if n != 1 else ''}. " + " ".join(steps) + " "
                   + _untagged(evaluation_text(rec)))

    def say(calls: list[ToolCall] | None = None) -> None:
        msgs.append(Message(role="assistant", content=" ".join(x for x in buf if x), tool_calls=calls))
        buf.clear()

    def inject_here(k: int) -> None:
        if injection is None or injection.position != k:
            return
        t = injection.type
        if t in (ErrorType.clearly_stated, ErrorType.redundant):
            buf.extend(asked_again(injection, rec, slots, rng, ""))
        elif t == ErrorType.incomplete:
            known = {(s.key[0], s.key[1]) for s in slots[:k]} | {x for s in slots[:k] for x in s.linked}
            calls = []
            for ci, call in enumerate(rec.key_info):
                args = {p: (a.value if (not a.removed or (ci, p) in known) else f"<unknown_{p}>")
                        for p, a in call.arguments.items()}
                calls.append(ToolCall(name=call.name, arguments=args))
            pending = list(buf)  # reasoning said so far goes with the correction, not the masked call
            buf.clear()
            say(calls)
            whole_turn_errors.append(len(msgs) - 1)
            for c in calls:
                msgs.append(Message(role="tool", content=NOT_RUN, name=c.name))
            buf.extend(pending)
            buf.append(correction("incomplete", rng))
        elif t in (ErrorType.imprecise, ErrorType.irrelevant):
            buf.append(f"{SOE} {injection.question} {EOE}")
            say()
            msgs.append(Message(role="user", content=rng.choice(CANNOT_ANSWER)))
            at_end = t == ErrorType.irrelevant and k == len(slots)
            buf.append(correction("irrelevant_end" if at_end else t.value, rng))

    for k, slot in enumerate(slots):
        inject_here(k)
        buf.append(slot.question)
        say()
        msgs.append(Message(role="user", content=user_reply(slot.value, tone, rng)))
        if style in ("compact", "cited"):
            buf.append(compact_known_text(rec, slot))
        elif style == "full":
            buf.append(_untagged(known_text(rec, slot)))
    inject_here(len(slots))
    say([c.model_copy(update={"references": {}, "accepted": {}}) for c in rec.calls])
    spans = []
    for i, m in enumerate(msgs):
        if i in whole_turn_errors:
            spans.append(ErrorSpan(message=i, start=0, end=0, type=injection.type))
        elif m.role == "assistant" and SOE in m.content:
            _, sp = strip_markers(m.content)
            spans += [ErrorSpan(message=i, start=s, end=e, type=injection.type) for s, e in sp]
    return Dialogue(id=dialogue_id or rec.id, record_id=rec.id, source=rec.source, format="native", tools=rec.tools,
                    messages=msgs, error_spans=spans, error_type=injection.type if injection else None, tone=tone,
                    solution=solution_json(rec.calls), seed=rec.seed,
                    questions={f"{s.key[0]}.{s.key[1]}": s.question for s in slots}, prompt_messages=n_prompt)


def assembler(fmt: str, reasoning: bool | str = False) -> Callable[..., Dialogue]:
    """The assembly function for a format (same arguments as ``assemble``)."""
    if fmt == "native":
        return lambda *a, **kw: assemble_native(*a, reasoning=reasoning, **kw)
    if fmt == "paper":
        from .assemble import assemble

        return assemble
    raise ValueError(f"unknown format {fmt!r}: paper or native")


def plain_text_native(d: Dialogue) -> str:
    lines = [f"=== {d.id} (record {d.record_id}, native, tone {d.tone}, "
             f"error {d.error_type.value if d.error_type else 'none'})"]
    for m in d.messages:
        if m.role == "system":
            continue
        if m.tool_calls:
            calls = "; ".join(f"{c.name}({json.dumps(c.arguments, ensure_ascii=False)})" for c in m.tool_calls)
            lines.append(f"Assistant: {m.content + ' ' if m.content else ''}[calls] {calls}")
        elif m.role == "tool":
            lines.append(f"Tool {m.name or ''}: {m.content}")
        else:
            lines.append(f"{m.role.capitalize()}: {m.content}")
    return "\n\n".join(lines) + "\n"


def text_view(d: Dialogue) -> str:
    from .assemble import plain_text

    return plain_text_native(d) if d.format == "native" else plain_text(d)


def _calls_norm(sol: list[dict[str, Any]]) -> list[tuple]:
    return [(c["task"], tuple((a["name"], repr(a["value"])) for a in c["arguments"])) for c in sol]


def check_native(d: Dialogue) -> list[str]:
    """The invariants of ``check_dialogue`` for a native dialogue (empty list = fine)."""
    v: list[str] = []
    if not d.messages or d.messages[-1].role != "assistant" or not d.messages[-1].tool_calls:
        return ["the dialogue does not end with an assistant tool_calls message"]
    if not d.tools:
        v.append("a native dialogue carries no tools")
    whole = {s.message for s in d.error_spans if s.start == s.end == 0 and d.messages[s.message].tool_calls}
    outside: list[str] = []
    for i, m in enumerate(d.messages):
        if i < d.prompt_messages:
            continue  # the conversation before the query (not learned, not checked)
        if m.role != "assistant":
            if SOE in m.content or EOE in m.content:
                v.append(f"message {i} ({m.role}) contains error markers")
            continue
        try:
            _, spans = strip_markers(m.content)
        except ValueError as e:
            v.append(f"message {i}: {e}")
            continue
        mine = [(s.start, s.end) for s in d.error_spans if s.message == i and i not in whole]
        if mine != spans:
            v.append(f"message {i}: error_spans {mine} do not match the markers {spans}")
        if m.tool_calls and i != len(d.messages) - 1 and i not in whole:
            v.append(f"message {i}: tool_calls before the last turn outside an error span")
        if i not in whole:
            outside.append(outside_spans(m.content).strip())
    text = "\n".join(outside)
    for key, question in d.questions.items():
        n = text.count(question)
        if n != 1:
            v.append(f"parameter {key} asked {n} times outside error spans")
    expected = tuple(d.questions.values())
    for i, m in enumerate(d.messages[:-1]):
        if m.role == "assistant" and not m.tool_calls and i >= d.prompt_messages:
            rest = outside_spans(m.content).strip()
            # with --reasoning an error turn is the reasoning, then the wrong question in its span
            error_turn = m.content.rstrip().endswith(EOE) and "?" not in rest
            if rest and not error_turn and not rest.endswith(expected or ("\0",)):
                v.append(f"message {i}: a question outside error spans that asks no removed parameter: {rest[-80:]!r}")
    if _calls_norm(solution_json(d.messages[-1].tool_calls)) != _calls_norm(d.solution):
        v.append("the final tool_calls differ from the ground-truth calls")
    return v
