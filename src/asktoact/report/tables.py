"""``asktoact report``: runs side by side (Table 3), and human studies (Table 4)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..evaluate.metrics import fmt, table_csv, table_markdown


def load_summary(run: Path) -> dict[str, Any]:
    p = Path(run) / "summary.json"
    if not p.exists():
        from ..evaluate.stage import score_run

        return score_run(Path(run))
    return json.loads(p.read_text())


def compare(runs: list[Path]) -> tuple[str, str, dict[str, dict[str, Any]]]:
    rows: dict[str, dict[str, Any]] = {}
    for r in runs:
        s = load_summary(r)
        name = f"{s.get('model', Path(r).name)} [{Path(r).name}]" if s.get("model") in rows else s.get("model", Path(r).name)
        rows[name] = s
    return table_markdown(rows), table_csv(rows), rows


def error_table(rows: dict[str, dict[str, Any]]) -> str:
    """Table 6 layout: per-turn error rates and incomplete share per run."""
    cols = ["clearly_stated", "imprecise", "irrelevant", "redundant", "incomplete"]
    head = "| model | " + " | ".join(cols) + " |\n|---|" + "---:|" * len(cols) + "\n"
    return head + "\n".join(f"| {n} | " + " | ".join(fmt(s["error_rates"][c]) for c in cols) + " |"
                            for n, s in rows.items()) + "\n"
