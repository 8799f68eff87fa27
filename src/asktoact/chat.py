"""``asktoact chat``: a person types a task, the model asks and concludes per the protocol.

At the end the person says whether the task was completed, how many details they left out
and how many of those the assistant asked for, and rates the session 1-5. Sessions are
stored as JSON for ``asktoact report --human``.
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Callable

from rich.console import Console

from .models import GenParams, load_model
from .protocol import SYSTEM_PROMPT, parse_turn, solution_json, task_message
from .report.human import ChatTurn, HumanSession, save_session
from .schema import Tool, TurnKind


def load_tools(path: Path) -> list[Tool]:
    """A JSON list of tools in any common shape (ours, OpenAI's, MCP's; see ``tooldefs``)."""
    from .tooldefs import parse_tools

    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise ValueError(f"{path}: not valid JSON ({e.msg}, line {e.lineno})") from None
    tools = parse_tools(data, "tools")
    if not tools:
        raise ValueError(f"{path}: expected a non-empty JSON list of tools")
    return tools


def _ask_int(ask: Callable[[str], str], prompt: str, lo: int, hi: int) -> int | None:
    for _ in range(3):
        a = ask(prompt).strip()
        if a == "":
            return None
        if a.isdigit() and lo <= int(a) <= hi:
            return int(a)
    return None


def run_chat(model_spec: str, tools: list[Tool], out: Path, participant: str = "anonymous", max_rounds: int = 10,
             max_tokens: int = 512, ask: Callable[[str], str] | None = None, console: Console | None = None) -> HumanSession:
    console = console or Console()
    ask = ask or (lambda p: console.input(p))
    model = load_model(model_spec, cache=False)
    console.print(f"[bold]asktoact chat[/bold] with {model_spec} - {len(tools)} tool(s): "
                  + ", ".join(t.name for t in tools))
    task = ""
    while not task.strip():
        task = ask("Your task: ")
    s = HumanSession(id=time.strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6], model=model_spec,
                     participant=participant, task=task.strip(), started=time.time())
    messages = [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": task_message(s.task, tools)}]
    params = GenParams(max_tokens=max_tokens)
    for _ in range(max_rounds + 1):
        try:
            res = model.chat(messages, params)
        except Exception as e:  # noqa: BLE001 - show it, keep the session
            console.print(f"[red]model error:[/red] {e}")
            s.termination = "model_error"
            break
        parsed = parse_turn(res.text)
        if parsed.kind == TurnKind.solution:
            s.turns.append(ChatTurn(assistant=res.text, kind="solution"))
            s.solution, s.termination = parsed.solution, "solution"
            console.print("[bold green]Assistant's solution:[/bold green]")
            console.print_json(json.dumps(solution_json(parsed.solution)))
            break
        if parsed.kind == TurnKind.invalid:
            s.turns.append(ChatTurn(assistant=res.text, kind="invalid"))
            console.print(f"[yellow]Assistant (no question or solution):[/yellow] {res.text.strip()[:2000]}")
            s.termination = "invalid_output"
            break
        console.print(f"[bold cyan]Assistant asks:[/bold cyan] {parsed.question}")
        answer = ask("You: ")
        s.turns.append(ChatTurn(assistant=res.text, kind="question", user=answer))
        messages += [{"role": "assistant", "content": res.text}, {"role": "user", "content": answer}]
    else:
        s.termination = "max_rounds"
    yn = ask("Was your task completed correctly? [y/n]: ").strip().lower()
    s.completed = yn.startswith("y") if yn else None
    s.left_out = _ask_int(ask, "How many details did you leave out of your task on purpose? ", 0, 99)
    s.clarified = _ask_int(ask, "How many of them did the assistant ask you about? ", 0, 99)
    s.satisfaction = _ask_int(ask, "Your satisfaction, 1 (poor) to 5 (great): ", 1, 5)
    s.ended = time.time()
    path = save_session(s, Path(out))
    console.print(f"session saved: {path}")
    model.close()
    return s
