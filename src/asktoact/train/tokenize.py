"""Selective-masking tokenisation that is correct by construction, for any chat template.

1. Strip ``<SOE>``/``<EOE>`` from every message (the model never sees them) and keep the
   error spans as character ranges in the clean text.
2. Render the whole dialogue with the tokenizer's own chat template: exactly the tokens
   the model meets at inference.
3. Find each assistant message in the rendered text; its content plus the special token
   that closes the turn (``<|im_end|>``, ``<|eot_id|>``, ``</s>``) is what may be learned.
4. Tokenise prompt pieces and assistant turns separately (as inference encodes the prompt
   and generates the reply), with offsets, and supervise a token only when it lies inside a
   learnable range and does not overlap an error span (a token straddling a span edge is
   masked).
5. Truncate at the end of a complete assistant turn, never inside an error span; rows left
   with nothing to learn are dropped and counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from ..protocol import strip_markers
from ..schema import Dialogue

IGNORE = -100


@dataclass
class TokenizedRow:
    input_ids: list[int]
    labels: list[int]
    attention_mask: list[int]
    id: str = ""
    truncated: bool = False
    n_error_spans: int = 0
    # character-level view for inspection (``asktoact masks``)
    text: str = ""
    offsets: list[tuple[int, int]] = field(default_factory=list)
    learn_ranges: list[tuple[int, int]] = field(default_factory=list)
    error_ranges: list[tuple[int, int]] = field(default_factory=list)
    too_long: bool = False  # not even the first assistant turn fits in max_len: nothing to learn
    first_turn_tokens: int = 0  # (too_long rows) tokens up to the end of the first assistant turn
    native: bool = False  # rendered from a native dialogue (tools=, tool_calls)
    first_move: str = ""  # "ask" (something was missing: the first learned move is a question) or "act"

    @property
    def n_supervised(self) -> int:
        return sum(1 for x in self.labels if x != IGNORE)

    def as_features(self) -> dict[str, Any]:
        return {"input_ids": self.input_ids, "attention_mask": self.attention_mask, "labels": self.labels,
                "length": len(self.input_ids)}


class MaskingError(ValueError):
    pass


def clean_messages(messages: Sequence[dict[str, str]]) -> tuple[list[dict[str, str]], dict[int, list[tuple[int, int]]]]:
    """Markers out of every message; error spans per message index (assistant turns only)."""
    out, spans = [], {}
    for i, m in enumerate(messages):
        text, sp = strip_markers(m["content"])
        if sp and m["role"] != "assistant":
            raise MaskingError(f"message {i} ({m['role']}) has error markers; only assistant turns may")
        if sp:
            spans[i] = sp
        out.append({"role": m["role"], "content": text})
    return out, spans


def _special_strings(tokenizer) -> list[str]:
    specials = set(getattr(tokenizer, "all_special_tokens", []) or [])
    for tok in getattr(tokenizer, "added_tokens_decoder", {}).values():
        if getattr(tok, "special", False):
            specials.add(str(tok))
    return sorted((s for s in specials if s), key=len, reverse=True)


def _turn_end(rendered: str, pos: int, specials: list[str]) -> int:
    """Extend ``pos`` over the one special token that closes the turn (spaces before it allowed)."""
    k = pos
    while k < len(rendered) and rendered[k] in " \t":
        k += 1
    hit = next((s for s in specials if rendered.startswith(s, k)), None)
    return k + len(hit) if hit else pos


def render(tokenizer, messages: list[dict[str, str]], chat_template: str | None = None) -> str:
    kw = {"chat_template": chat_template} if chat_template else {}
    return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=False, **kw)


def tokenize_dialogue(tokenizer, messages: Sequence[dict[str, str]], max_len: int | None = None,
                      chat_template: str | None = None, row_id: str = "") -> TokenizedRow:
    clean, spans = clean_messages(messages)
    rendered = render(tokenizer, clean, chat_template)
    specials = _special_strings(tokenizer)
    learn: list[tuple[int, int]] = []
    errors: list[tuple[int, int]] = []
    cursor = 0
    for i, m in enumerate(clean):
        content = m["content"]
        needle = content if content in rendered[cursor:] else content.strip()
        at = rendered.find(needle, cursor)
        if at < 0 and m["role"] != "assistant":
            continue  # templates may drop or merge system/user text; only assistant turns must be found
        if at < 0:
            raise MaskingError(f"{row_id}: message {i} ({m['role']}) not found in the rendered template; "
                               "the chat template rewrites message text")
        lead = content.find(needle) if needle != content else 0
        end = at + len(needle)
        if m["role"] == "assistant":
            learn.append((at, _turn_end(rendered, end, specials)))
            for s, e in spans.get(i, []):
                s2, e2 = max(at, at + s - lead), min(end, at + e - lead)
                if e2 > s2:
                    errors.append((s2, e2))
        cursor = end
    return encode(tokenizer, rendered, learn, errors, row_id, max_len)


def encode(tokenizer, rendered: str, learn: list[tuple[int, int]], errors: list[tuple[int, int]], row_id: str = "",
           max_len: int | None = None) -> "TokenizedRow":
    """Rendered text + learnable and error character ranges -> ids, labels and offsets."""
    # tokenise prompt pieces and assistant turns apart, as inference does (the prompt is encoded,
    # the reply generated): no token may straddle the start or end of an assistant turn
    cuts = sorted({0, len(rendered), *[x for r in learn for x in r]})
    ids, offsets = [], []
    for a, b in zip(cuts, cuts[1:]):
        if b <= a:
            continue
        enc = tokenizer(rendered[a:b], add_special_tokens=False, return_offsets_mapping=True)
        ids.extend(enc["input_ids"])
        offsets.extend((a + s_, a + e_) for s_, e_ in enc["offset_mapping"])
    labels = []
    li = 0
    for tid, (s, e) in zip(ids, offsets):
        ok = False
        while li < len(learn) and learn[li][1] <= s:
            li += 1
        if li < len(learn) and learn[li][0] <= s and e <= learn[li][1] and e > s:
            ok = not any(s < ee and e > ss for ss, ee in errors)
        labels.append(tid if ok else IGNORE)
    row = TokenizedRow(list(ids), labels, [1] * len(ids), id=row_id, n_error_spans=len(errors), text=rendered,
                       offsets=offsets, learn_ranges=learn, error_ranges=errors)
    if max_len is not None and len(ids) > max_len:
        row = truncate(row, max_len)
    return row


def truncate(row: TokenizedRow, max_len: int) -> TokenizedRow:
    """Cut after the last complete assistant turn that fits. When not even the first turn
    fits, nothing is learned from the row (``too_long``): a cut inside a turn would teach the
    model to stop mid-answer, without its question, calls or end token."""
    ends = []
    for s, e in row.learn_ranges:
        # index of the first token starting at or after the turn end
        k = next((i for i, (ts, te) in enumerate(row.offsets) if ts >= e), len(row.offsets))
        ends.append(k)
    fits = [k for k in ends if k <= max_len]
    if not fits:
        return TokenizedRow(row.input_ids[:max_len], [IGNORE] * min(max_len, len(row.input_ids)),
                            row.attention_mask[:max_len], id=row.id, truncated=True, too_long=True, text=row.text,
                            offsets=row.offsets[:max_len], learn_ranges=row.learn_ranges, error_ranges=row.error_ranges,
                            first_turn_tokens=min(ends) if ends else len(row.input_ids))
    cut = max(fits)
    return TokenizedRow(row.input_ids[:cut], row.labels[:cut], row.attention_mask[:cut], id=row.id, truncated=True,
                        n_error_spans=sum(1 for s, e in row.error_ranges if cut >= len(row.offsets) or row.offsets[cut - 1][1] >= s),
                        text=row.text, offsets=row.offsets[:cut], learn_ranges=row.learn_ranges,
                        error_ranges=row.error_ranges)


# ------------------------------------------------------------------------ native format


def native_messages(d: Dialogue) -> tuple[list[dict[str, Any]], dict[int, list[tuple[int, int]]], set[int]]:
    """Clean message dicts (markers out, calls numbered), character error spans per message,
    and the assistant ``tool_calls`` turns that are errors as a whole (span ``0..0``)."""
    from ..native import message_dicts

    clean, spans, whole = [], {}, set()
    for i, m in enumerate(d.messages):
        text, sp = strip_markers(m.content)
        if sp and m.role != "assistant":
            raise MaskingError(f"message {i} ({m.role}) has error markers; only assistant turns may")
        if sp:
            spans[i] = sp
        clean.append(m.model_copy(update={"content": text}))
    for e in d.error_spans:
        if e.start == e.end == 0 and d.messages[e.message].tool_calls:
            whole.add(e.message)
    return message_dicts(clean), spans, whole


def render_native(tokenizer, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None,
                  chat_template: str | None = None, generation_prompt: bool = False) -> str:
    kw = {"chat_template": chat_template} if chat_template else {}
    return tokenizer.apply_chat_template(messages, tools=tools or None, tokenize=False,
                                         add_generation_prompt=generation_prompt, **kw)


_PROBE = "\u2063asktoact-probe\u2063"


def native_rows(tokenizer, d: Dialogue, max_len: int | None = None, chat_template: str | None = None,
                tool_style: str = "json") -> list[TokenizedRow]:
    """A native dialogue rendered with ``tools=`` by the model's template (ours for ChatML
    templates that drop tools). Each assistant turn is learned as exactly what the template
    appends to the generation prompt of the turns before it: the text a served model writes.

    One row per dialogue when the template is prefix-stable (earlier turns render the same
    once later ones follow: Qwen2.5, Llama-3.1, ChatML). Templates that move things as the
    conversation grows (Mistral v0.3 puts the tools and the system prompt in the *last* user
    turn) get one row per assistant turn, each with the prompt inference would use.
    """
    from ..native import native_chat_template, openai_tools

    msgs, spans, whole = native_messages(d)
    tools = openai_tools(d.tools, tool_style) if d.tools else None
    try:
        tmpl = native_chat_template(tokenizer, chat_template)
        rendered = render_native(tokenizer, msgs, tools, tmpl)
    except MaskingError:
        raise
    except Exception as e:  # noqa: BLE001 - templates raise what they like (e.g. one call per turn only)
        raise MaskingError(f"{d.id}: the chat template cannot render this dialogue: {e}") from None
    turns = []  # (message index, generation prompt, the reply the template appends to it)
    stable = True
    for i, m in enumerate(msgs):
        if m["role"] != "assistant" or i < d.prompt_messages:  # earlier conversation: prompt only
            continue
        try:
            prompt = render_native(tokenizer, msgs[:i], tools, tmpl, generation_prompt=True)
            upto = render_native(tokenizer, msgs[: i + 1], tools, tmpl)
            if upto.startswith(prompt):
                reply = upto[len(prompt):]
            else:  # the turns before render differently once a reply follows: cut the reply out by a probe
                stable = False
                probe = render_native(tokenizer, msgs[:i] + [{"role": "assistant", "content": _PROBE}], tools, tmpl)
                k = 0
                while k < min(len(upto), len(probe)) and upto[k] == probe[k]:
                    k += 1
                if _PROBE not in probe[k:]:
                    raise MaskingError(f"{d.id}: message {i}: cannot tell the assistant turn from the template text")
                reply = upto[k:]
        except MaskingError:
            raise
        except Exception as e:  # noqa: BLE001
            raise MaskingError(f"{d.id}: the chat template cannot render message {i}: {e}") from None
        reply = reply.rstrip()
        turns.append((i, prompt, reply))
        stable = stable and rendered.startswith(prompt + reply)

    def ranges(text: str, i: int, start: int, end: int, learn: list, errors: list) -> None:
        learn.append((start, end))
        if i in whole:
            errors.append((start, end))
            return
        content = msgs[i].get("content") or ""
        at = text.find(content, start, end) if content else -1
        if content and at < 0:
            raise MaskingError(f"{d.id}: message {i} (assistant) not found in its rendered turn; "
                               "the chat template rewrites message text")
        for s_, e_ in spans.get(i, []):
            if e_ > s_:
                errors.append((at + s_, at + e_))

    if stable:
        learn: list[tuple[int, int]] = []
        errors: list[tuple[int, int]] = []
        for i, p, r in turns:
            ranges(rendered, i, len(p), len(p) + len(r), learn, errors)
        row = encode(tokenizer, rendered, learn, errors, d.id, max_len)
        row.native = True
        return [row]
    rows = []
    for k, (i, p, r) in enumerate(turns):
        learn, errors = [], []
        text = p + r
        ranges(text, i, len(p), len(text), learn, errors)
        row = encode(tokenizer, text, learn, errors, f"{d.id}@{k}", max_len)
        row.native = True
        rows.append(row)
    return rows


def tokenize_native(tokenizer, d: Dialogue, max_len: int | None = None, chat_template: str | None = None,
                    tool_style: str = "json") -> TokenizedRow:
    """The first (for prefix-stable templates: the only) row of ``native_rows``."""
    return native_rows(tokenizer, d, max_len, chat_template, tool_style)[0]


def dialogue_messages(d: Dialogue | dict) -> list[dict[str, str]]:
    if isinstance(d, Dialogue):
        return [{"role": m.role, "content": m.content} for m in d.messages]
    return [{"role": m["role"], "content": m["content"]} for m in d["messages"]]


@dataclass
class PrepStats:
    dialogues: int = 0
    rows: int = 0
    dropped_no_labels: int = 0
    dropped_too_long: int = 0  # the prompt and first assistant turn exceed max_len (see the rejects)
    truncated: int = 0
    errors: int = 0
    tokens: int = 0
    supervised: int = 0
    error_spans: int = 0


def tokenize_rows(tokenizer, d: Dialogue | dict, max_len: int | None = None, chat_template: str | None = None,
                  tool_style: str = "json") -> list[TokenizedRow]:
    """Either format: paper dialogues through ``tokenize_dialogue`` (one row), native ones
    through ``native_rows``."""
    if isinstance(d, dict) and d.get("format") == "native":
        d = Dialogue.model_validate(d)
    if isinstance(d, Dialogue) and d.format == "native":
        return native_rows(tokenizer, d, max_len, chat_template, tool_style)
    did = d.id if isinstance(d, Dialogue) else d.get("id", "")
    return [tokenize_dialogue(tokenizer, dialogue_messages(d), max_len, chat_template, did)]


def tokenize_any(tokenizer, d: Dialogue | dict, max_len: int | None = None, chat_template: str | None = None,
                 tool_style: str = "json") -> TokenizedRow:
    """The first row of ``tokenize_rows`` (what ``asktoact masks`` shows)."""
    return tokenize_rows(tokenizer, d, max_len, chat_template, tool_style)[0]


def prepare_rows(tokenizer, dialogues: Sequence[Dialogue | dict], max_len: int | None, chat_template: str | None = None,
                 stats: PrepStats | None = None, rejects=None, tool_style: str = "json",
                 fmt: str | None = None) -> list[TokenizedRow]:
    st = stats or PrepStats()
    rows = []
    for d in dialogues:
        st.dialogues += 1
        did = d.id if isinstance(d, Dialogue) else d.get("id", str(st.dialogues))
        dfmt = d.format if isinstance(d, Dialogue) else d.get("format", "paper")
        if fmt is not None and dfmt != fmt:
            st.errors += 1
            if rejects is not None:
                rejects.add("train", did, "format", f"dialogue is in the {dfmt} format, not {fmt}", stage="train")
            continue
        try:
            drows = tokenize_rows(tokenizer, d, max_len, chat_template, tool_style)
        except (MaskingError, ValueError) as e:
            st.errors += 1
            if rejects is not None:
                rejects.add("train", did, "messages", f"masking: {e}", stage="train")
            continue
        if len(drows) > 1:  # one row per turn: keep the turns that fit, drop the dialogue only if none does
            kept = [r for r in drows if not r.too_long and r.n_supervised]
            drows = kept or drows[:1]
        move = first_move(d)
        for row in drows:
            row.first_move = move
            _count_row(st, row, did, max_len, rejects, rows)
    return rows


def first_move(d: Dialogue | dict) -> str:
    """What the dialogue teaches first: "ask" when the record left something to clarify
    (a question is the right first move, whatever error an augmented copy shows before it),
    "act" when nothing was missing (the call comes at once)."""
    qs = d.questions if isinstance(d, Dialogue) else d.get("questions") or {}
    return "ask" if qs else "act"


def balance_first_moves(rows: list[TokenizedRow], act_share: float, seed: int) -> tuple[list[TokenizedRow], dict]:
    """Downsample the more common first move (seeded) so that ``act_share`` of the rows teach
    an immediate call. The length cut keeps far more question-first rows than call-first ones
    (fully specified prompts are longer), and a model trained on that mix asks every time."""
    import random

    ask = [r for r in rows if r.first_move != "act"]
    act = [r for r in rows if r.first_move == "act"]
    info = {"act_share": act_share, "ask_before": len(ask), "act_before": len(act)}
    if act and ask and 0 < act_share < 1:
        rng = random.Random(f"asktoact:balance:{seed}")

        def keep(rs: list[TokenizedRow], k: int) -> list[TokenizedRow]:
            chosen = set(rng.sample(range(len(rs)), k))
            return [r for i, r in enumerate(rs) if i in chosen]

        want_ask = int(round(len(act) * (1 - act_share) / act_share))
        want_act = int(round(len(ask) * act_share / (1 - act_share)))
        if want_ask < len(ask):
            ask = keep(ask, want_ask)
        elif want_act < len(act):
            act = keep(act, want_act)
    kept = {id(r) for r in ask + act}
    out = [r for r in rows if id(r) in kept]  # original order: the sampler groups by length itself
    info.update(ask=len(ask), act=len(act), dropped=len(rows) - len(out))
    return out, info


def _count_row(st: PrepStats, row: TokenizedRow, did: str, max_len: int | None, rejects, rows: list) -> None:
    if row.too_long:
        st.dropped_too_long += 1
        if rejects is not None:
            rejects.add("train", did, "messages", f"dropped: the prompt and first assistant turn take "
                        f"{row.first_turn_tokens} tokens, more than max_len {max_len}; keep it with a larger "
                        "max_len (or tool_style=compact for native dialogues)", stage="train")
        return
    if row.n_supervised == 0:
        st.dropped_no_labels += 1
        if rejects is not None:
            rejects.add("train", did, "messages", "dropped: nothing left to learn after truncation", stage="train")
        return
    st.rows += 1
    st.truncated += int(row.truncated)
    st.tokens += len(row.input_ids)
    st.supervised += row.n_supervised
    st.error_spans += row.n_error_spans
    rows.append(row)
