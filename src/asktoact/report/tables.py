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
    """Runs side by side; each row names its run folder and how many dialogues it scored (n)
    and left failed, so two runs of one model are told apart."""
    rows: dict[str, dict[str, Any]] = {}
    for r in runs:
        s = load_summary(r)
        s.setdefault("run", Path(r).name)
        name = f"{s.get('model', Path(r).name)} [{Path(r).name}]" if s.get("model") in rows else s.get("model", Path(r).name)
        rows[name] = s
    md, csv = with_run_columns(table_markdown(rows), table_csv(rows), rows)
    return md, csv, rows


RUN_COLUMNS = ("run", "n", "failed")


def _run_cells(s: dict[str, Any]) -> list[str]:
    n = s.get("n", s.get("n_queries", 0) * s.get("trials", 1))
    return [str(s.get("run", "")), str(n), str(s.get("failed", 0))]


def with_run_columns(md: str, csv: str, rows: dict[str, dict[str, Any]]) -> tuple[str, str]:
    """Insert ``run | n | failed`` after the model column of the metric tables (whatever
    metric columns they carry)."""
    lines = md.splitlines()
    cells = [_run_cells(s) for s in rows.values()]
    out, i = [], -1
    for line in lines:
        if not line.startswith("|"):
            out.append(line)
            i = -1 if out and not line.strip() else i  # a blank line ends a table
            continue
        i += 1
        head, _, rest = line[1:].partition("|")
        extra = (list(RUN_COLUMNS) if i == 0 else ["---", "---:", "---:"] if i == 1
                 else cells[i - 2] if i - 2 < len(cells) else ["", "", ""])
        out.append("|" + head + "| " + " | ".join(extra) + " |" + rest)
    md2 = "\n".join(out) + ("\n" if md.endswith("\n") else "")
    cl = csv.splitlines()
    out_csv = []
    for i, line in enumerate(cl):
        if i == 0:
            first, _, rest = line.partition(",")
            out_csv.append(",".join([first, *RUN_COLUMNS]) + "," + rest)
            continue
        name = list(rows)[i - 1] if i - 1 < len(rows) else None
        prefix = json.dumps(name) + "," if name is not None else None
        if prefix and line.startswith(prefix):
            out_csv.append(prefix + ",".join(json.dumps(c) if "," in c else c for c in cells[i - 1]) + "," + line[len(prefix):])
        else:
            out_csv.append(line)
    return md2, "\n".join(out_csv) + ("\n" if csv.endswith("\n") else "")


def error_table(rows: dict[str, dict[str, Any]]) -> str:
    """Table 6 layout: per-turn error rates and incomplete share per run."""
    cols = ["clearly_stated", "imprecise", "irrelevant", "redundant", "incomplete"]
    head = "| model | " + " | ".join(cols) + " |\n|---|" + "---:|" * len(cols) + "\n"
    return head + "\n".join(f"| {n} | " + " | ".join(fmt(s["error_rates"][c]) for c in cols) + " |"
                            for n, s in rows.items()) + "\n"
