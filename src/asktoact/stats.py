"""Corpus statistics like the paper's Table 1, plus how many values the query states."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable

from .curate.locate import locate
from .schema import ToolSample


@dataclass
class CorpusStats:
    group: str
    samples: int = 0
    apis: int = 0  # tools offered per sample (summed)
    calls: int = 0
    params: int = 0  # arguments in ground-truth calls
    values_located: int = 0
    values_partial: int = 0
    references: int = 0
    distinct_apis: set = field(default_factory=set)

    def add(self, s: ToolSample) -> None:
        self.samples += 1
        self.apis += len(s.tools)
        self.calls += len(s.calls)
        for c in s.calls:
            self.distinct_apis.add(c.name)
            for p, v in c.arguments.items():
                self.params += 1
                if p in c.references:
                    self.references += 1
                    continue
                loc = locate(s.query, v)
                if loc.found:
                    self.values_located += 1
                elif loc.partial:
                    self.values_partial += 1

    def row(self) -> dict[str, object]:
        n = max(self.samples, 1)
        stated = max(self.params - self.references, 1)
        return {
            "group": self.group,
            "samples": self.samples,
            "distinct APIs": len(self.distinct_apis),
            "avg APIs": round(self.apis / n, 2),
            "avg calls": round(self.calls / n, 2),
            "avg params": round(self.params / n, 2),
            "coverage %": round(100 * self.values_located / stated, 1) if self.params else 0.0,
            "partial %": round(100 * self.values_partial / stated, 1) if self.params else 0.0,
        }


def corpus_stats(samples: Iterable[ToolSample], group_by: str = "category") -> tuple[CorpusStats, list[CorpusStats]]:
    """Totals and per-group rows (group from ``metadata[group_by]`` or the source name)."""
    total = CorpusStats("all")
    groups: dict[str, CorpusStats] = defaultdict(lambda: CorpusStats(""))
    for s in samples:
        g = str(s.metadata.get(group_by) or s.source)
        if g not in groups:
            groups[g] = CorpusStats(g)
        groups[g].add(s)
        total.add(s)
    return total, [groups[k] for k in sorted(groups)]
