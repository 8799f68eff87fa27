"""The native tool-calling format: the paper protocol's twin for agents and servers.

What agents, vLLM/SGLang tool parsers, Ollama and the OpenAI API speak: the tools go
beside the messages (``tools=``), a clarifying question is plain assistant text, and the
final step is an assistant message with ``tool_calls``. Training renders dialogues with the
model's own chat template (``apply_chat_template(..., tools=...)``) and evaluation prompts
and parses the same way, so what a model learns is exactly what it meets when served.

Chat templates that cannot render tools (SmolLM2's, for one) get ``CHATML_TOOLS_TEMPLATE``,
ours, for ChatML models: tools listed in the system turn, each call written as a
``<tool_call>`` JSON block. The template is saved with the trained model's tokenizer, so a
server that applies the saved template (vLLM with the hermes parser, say) reads the calls.

``parse_tool_call_text`` reads calls that a model wrote as text in the common styles
(``<tool_call>`` blocks, Mistral's ``[TOOL_CALLS]``, Llama-3.1 JSON, a bare JSON list): local
models and servers without a tool parser return them that way.
"""

from __future__ import annotations

import json
import re
from typing import Any, Sequence

from .models.structured import ExtractError, extract_json
from .protocol import ParsedTurn
from .schema import Message, Tool, ToolCall, TurnKind
from .tooldefs import compact_tool, to_openai

NATIVE_SYSTEM_PROMPT = """You help users get tasks done by calling the tools you are given.
Call tools only once every value they need is known, from the user's own words or from
earlier tool results. Never guess or invent a missing value: ask the user for it in a short,
clear question instead, and wait for the answer. When nothing is missing, call the tools
right away without asking anything."""


def call_id(i: int) -> str:
    """Deterministic tool-call ids; nine alphanumerics, which Mistral's template insists on."""
    return f"call{i:05d}"


def tool_call_dict(c: ToolCall, i: int) -> dict[str, Any]:
    """One call as chat templates and the OpenAI API take it (arguments as an object)."""
    return {"id": call_id(i), "type": "function", "function": {"name": c.name, "arguments": dict(c.arguments)}}


def message_dicts(messages: Sequence[Message | dict]) -> list[dict[str, Any]]:
    """Messages as plain dicts for ``apply_chat_template`` and endpoints; tool calls numbered
    across the conversation and each tool output tied to its call."""
    out: list[dict[str, Any]] = []
    n = 0
    pending: list[str] = []
    for m in messages:
        m = m if isinstance(m, Message) else Message.model_validate(m)
        d: dict[str, Any] = {"role": m.role, "content": m.content}
        if m.tool_calls:
            d["tool_calls"] = [tool_call_dict(c, n + k) for k, c in enumerate(m.tool_calls)]
            pending = [call_id(n + k) for k in range(len(m.tool_calls))]
            n += len(m.tool_calls)
        if m.role == "tool":
            d["tool_call_id"] = m.tool_call_id or (pending.pop(0) if pending else call_id(max(0, n - 1)))
            if m.name:
                d["name"] = m.name
        out.append(d)
    return out


def openai_tools(tools: Sequence[Tool], tool_style: str = "json") -> list[dict[str, Any]]:
    """``tools=`` for a chat template or an endpoint; ``compact`` shortens the schemas."""
    return [to_openai(compact_tool(t) if tool_style == "compact" else t) for t in tools]


def opening(query: str, tools: Sequence[Tool], context: Sequence[Message] = (), tool_style: str = "json",
            system: str | None = NATIVE_SYSTEM_PROMPT) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The messages before the model's first turn, and the tools to pass beside them."""
    msgs: list[Message] = [Message(role="system", content=system)] if system else []
    msgs += list(context)
    msgs.append(Message(role="user", content=query))
    return message_dicts(msgs), openai_tools(tools, tool_style)


# ------------------------------------------------------------------------ parsing replies

_TOOL_CALL_BLOCK = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.S)
_MISTRAL = re.compile(r"\[TOOL_CALLS\]\s*", re.S)
_PYTHON_TAG = "<|python_tag|>"


def _as_call(obj: Any) -> ToolCall:
    if not isinstance(obj, dict):
        raise ValueError("a call is not an object")
    fn = obj.get("function") if isinstance(obj.get("function"), dict) else obj
    name = fn.get("name")
    if not isinstance(name, str) or not name:
        raise ValueError("a call has no name")
    args = fn.get("arguments", fn.get("parameters", {}))
    if isinstance(args, str):
        args = json.loads(args) if args.strip() else {}
    if not isinstance(args, dict):
        raise ValueError("arguments are not an object")
    return ToolCall(name=name, arguments=args)


def _calls_from(obj: Any) -> list[ToolCall]:
    items = obj if isinstance(obj, list) else [obj]
    if not items:
        raise ValueError("empty list of calls")
    return [_as_call(x) for x in items]


def parse_tool_call_text(text: str) -> tuple[str, list[ToolCall]] | None:
    """Calls written as text -> (the text before them, the calls); None when there are none.

    Raises ValueError when the text clearly tries to call (a ``<tool_call>`` block, say) but
    the call cannot be read: an unreadable call is an invalid turn, never a question.
    """
    if "<tool_call>" in text:
        head = text[: text.index("<tool_call>")].strip()
        calls: list[ToolCall] = []
        for block in _TOOL_CALL_BLOCK.findall(text):
            try:
                calls += _calls_from(extract_json(block))
            except (ExtractError, ValueError, json.JSONDecodeError) as e:
                raise ValueError(f"unreadable <tool_call> block: {e}") from None
        return head, calls
    m = _MISTRAL.search(text)
    if m:
        try:
            return text[: m.start()].strip(), _calls_from(extract_json(text[m.end():]))
        except (ExtractError, ValueError, json.JSONDecodeError) as e:
            raise ValueError(f"unreadable [TOOL_CALLS]: {e}") from None
    body = text.replace(_PYTHON_TAG, "").strip()
    if body.startswith("```"):
        body = re.sub(r"^```(?:json)?\s*|\s*```$", "", body).strip()
    if body[:1] in "[{":
        try:
            obj = extract_json(body)
            calls = _calls_from(obj)
        except (ExtractError, ValueError, json.JSONDecodeError):
            return None  # JSON that is not a call: leave it to the caller (plain text)
        return "", calls
    return None


def parse_reply(text: str, tool_calls: Sequence[ToolCall] | None = None) -> ParsedTurn:
    """A native reply: calls are the solution, any other text is a question to the user."""
    if tool_calls:
        return ParsedTurn(TurnKind.solution, solution=list(tool_calls), sections={"text": text or ""})
    try:
        found = parse_tool_call_text(text or "")
    except ValueError as e:
        return ParsedTurn(TurnKind.invalid, error=str(e))
    if found is not None and found[1]:
        return ParsedTurn(TurnKind.solution, solution=found[1], sections={"text": found[0]})
    q = (text or "").strip()
    if not q:
        return ParsedTurn(TurnKind.invalid, error="empty reply: no text and no tool calls")
    return ParsedTurn(TurnKind.question, question=q)


# --------------------------------------------------------------- templates without tools

CHATML_TOOLS_TEMPLATE = (
    "{%- set sys = messages[0]['content'] if messages and messages[0]['role'] == 'system' else '' -%}"
    "{%- if sys or tools -%}"
    "{{ '<|im_start|>system\\n' + sys }}"
    "{%- if tools -%}"
    "{{ ('\\n\\n' if sys else '') + 'Tools you can call, one JSON definition per line:\\n<tools>' }}"
    "{%- for t in tools -%}{{ '\\n' + (t | tojson) }}{%- endfor -%}"
    "{{ '\\n</tools>\\nTo call tools, answer with one block per call and nothing else:\\n<tool_call>\\n'"
    " + '{\"name\": \"tool name\", \"arguments\": {\"parameter\": \"value\"}}\\n</tool_call>' }}"
    "{%- endif -%}"
    "{{ '<|im_end|>\\n' }}"
    "{%- endif -%}"
    "{%- for m in messages -%}"
    "{%- if m['role'] == 'system' and loop.first -%}"
    "{%- elif m['role'] == 'assistant' -%}"
    "{{ '<|im_start|>assistant\\n' + (m['content'] or '') }}"
    "{%- if m.get('tool_calls') -%}"
    "{%- for c in m['tool_calls'] -%}"
    "{%- set f = c['function'] if c.get('function') else c -%}"
    "{{ ('\\n' if (m['content'] or not loop.first) else '') + '<tool_call>\\n{\"name\": ' + (f['name'] | tojson)"
    " + ', \"arguments\": ' + (f['arguments'] if f['arguments'] is string else (f['arguments'] | tojson))"
    " + '}\\n</tool_call>' }}"
    "{%- endfor -%}"
    "{%- endif -%}"
    "{{ '<|im_end|>\\n' }}"
    "{%- else -%}"
    "{{ '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n' }}"
    "{%- endif -%}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{ '<|im_start|>assistant\\n' }}{%- endif -%}"
)

_PROBE_TOOL = {"type": "function", "function": {"name": "zz_probe_tool", "description": "probe",
                                                "parameters": {"type": "object", "properties": {}}}}
_PROBE_CALL = [{"role": "user", "content": "x"},
               {"role": "assistant", "content": "", "tool_calls": [
                   {"id": call_id(0), "type": "function", "function": {"name": "zz_probe_call", "arguments": {}}}]}]


def template_renders_tools(tokenizer, chat_template: str | None = None) -> bool:
    """Does this template show the tools it is given, and the calls in assistant turns?"""
    kw = {"chat_template": chat_template} if chat_template else {}
    try:
        a = tokenizer.apply_chat_template([{"role": "user", "content": "x"}], tools=[_PROBE_TOOL], tokenize=False,
                                          add_generation_prompt=True, **kw)
        b = tokenizer.apply_chat_template(_PROBE_CALL, tools=[_PROBE_TOOL], tokenize=False, **kw)
    except Exception:  # noqa: BLE001 - a template that raises on tools does not support them
        return False
    return "zz_probe_tool" in a and "zz_probe_call" in b


def native_chat_template(tokenizer, chat_template: str | None = None) -> str | None:
    """The template to render native dialogues with: None when the model's own (or the one
    given) renders tools; ours for ChatML models whose template does not; an error otherwise."""
    if template_renders_tools(tokenizer, chat_template):
        return chat_template
    probe = tokenizer.apply_chat_template([{"role": "user", "content": "x"}], tokenize=False,
                                          **({"chat_template": chat_template} if chat_template else {}))
    if "<|im_start|>" in probe:
        return CHATML_TOOLS_TEMPLATE
    raise ValueError("this model's chat template cannot render tools and is not ChatML; give a template "
                     "that supports tools= (chat_template in the training config, or a model that has one)")
