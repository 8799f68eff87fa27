"""Hostile model replies: seconds to classify a reply, old scan (from every opener) vs the one-pass
bracket stack now in ``models.structured``, side by side in one run.

The old scan is kept here only as the yardstick (it was quadratic: 40k ``[`` took 234 s).
Writes bench/results/parse_hostile.json; figures in docs/benchmarks.md.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from asktoact.models.structured import ExtractError, extract_json, parse_literal
from asktoact.protocol import parse_turn


def _old_balanced(text: str, start: int) -> int | None:
    open_ch = text[start]
    close_ch = "}" if open_ch == "{" else "]"
    depth, i, quote = 0, start, None
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
            if depth == 0:
                return i + 1 if ch == close_ch else None
        i += 1
    return None


def old_extract(text: str) -> object:
    for i, ch in enumerate(text):
        if ch in "{[":
            end = _old_balanced(text, i)
            if end is not None:
                try:
                    return parse_literal(text[i:end])
                except (ExtractError, RecursionError):
                    continue
    raise ExtractError("none")


def timed(fn, text: str) -> float:
    t0 = time.perf_counter()
    try:
        fn(text)
    except (ExtractError, RecursionError, ValueError):
        pass
    return round(time.perf_counter() - t0, 4)


def main() -> None:
    rows = []
    for n in (1000, 2000, 4000, 8000, 40000):
        text = "[" * n
        rows.append({"reply": f"{n} x '['", "chars": n, "old_s": timed(old_extract, text) if n <= 8000 else None,
                     "new_s": timed(extract_json, text), "parse_turn_s": timed(parse_turn, "[SUMMARY] " + text)})
    deep = "[" * 1000 + "]" * 1000
    rows.append({"reply": "1000 nested [] (closed)", "chars": len(deep), "old_s": timed(old_extract, deep),
                 "new_s": timed(extract_json, deep), "parse_turn_s": timed(parse_turn, "[SUMMARY] " + deep)})
    soe = "[SUMMARY] " + "<SOE>" * 20000
    rows.append({"reply": "20000 x '<SOE>'", "chars": len(soe), "old_s": None, "new_s": timed(extract_json, soe),
                 "parse_turn_s": timed(parse_turn, soe)})
    out = Path(__file__).parent / "results" / "parse_hostile.json"
    out.write_text(json.dumps(rows, indent=2) + "\n")
    for r in rows:
        print(r)


if __name__ == "__main__":
    main()
