"""Human-interactive evaluation (the paper's Table 4) from ``asktoact chat`` sessions."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from pydantic import BaseModel, Field

from ..schema import ToolCall


class ChatTurn(BaseModel):
    assistant: str
    kind: str
    user: str | None = None


class HumanSession(BaseModel):
    """One person, one task: what they typed, what the model did, and their verdict."""

    id: str
    model: str
    participant: str = "anonymous"
    task: str
    turns: list[ChatTurn] = Field(default_factory=list)
    solution: list[ToolCall] | None = None
    termination: str = ""
    completed: bool | None = None
    left_out: int | None = None  # details the person deliberately left out of the task
    clarified: int | None = None  # of those, how many the assistant asked about
    satisfaction: int | None = Field(None, ge=1, le=5)
    started: float = 0.0
    ended: float = 0.0

    @property
    def rounds(self) -> int:
        return sum(1 for t in self.turns if t.kind == "question")


def load_sessions(folder: Path) -> list[HumanSession]:
    out = []
    for f in sorted(Path(folder).glob("*.json")):
        try:
            out.append(HumanSession.model_validate_json(f.read_text()))
        except ValueError:
            continue
    return out


def human_metrics(sessions: list[HumanSession]) -> dict[str, dict[str, float]]:
    """Per model: task completion rate, intent coverage rate, interaction rounds, satisfaction."""
    by: dict[str, list[HumanSession]] = defaultdict(list)
    for s in sessions:
        by[s.model].append(s)
    out = {}
    for model, ss in by.items():
        rated = [s for s in ss if s.completed is not None]
        left = sum(s.left_out or 0 for s in ss)
        sat = [s.satisfaction for s in ss if s.satisfaction is not None]
        out[model] = {
            "sessions": len(ss),
            "task_completion_rate": 100 * sum(s.completed for s in rated) / len(rated) if rated else float("nan"),
            "intent_coverage_rate": 100 * sum(min(s.clarified or 0, s.left_out or 0) for s in ss) / left if left else float("nan"),
            "interaction_rounds": sum(s.rounds for s in ss) / len(ss),
            "satisfaction": sum(sat) / len(sat) if sat else float("nan"),
        }
    return out


def human_table(folder: Path) -> str:
    m = human_metrics(load_sessions(folder))
    if not m:
        return f"no sessions in {folder}\n"
    names = list(m)
    rows = [("Task Completion Rate (%)", "task_completion_rate"), ("Intent Coverage Rate (%)", "intent_coverage_rate"),
            ("Interaction Rounds", "interaction_rounds"), ("User Satisfaction Score (1-5)", "satisfaction"),
            ("Sessions", "sessions")]
    head = "| metric | " + " | ".join(names) + " |\n|---|" + "---:|" * len(names) + "\n"
    body = "\n".join(f"| {label} | " + " | ".join(_f(m[n][key]) for n in names) + " |" for label, key in rows)
    return head + body + "\n"


def _f(v: float) -> str:
    if isinstance(v, int):
        return str(v)
    return "n/a" if v != v else f"{v:.2f}"


def save_session(s: HumanSession, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / f"{s.id}.json"
    p.write_text(json.dumps(s.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n")
    return p
