"""Seal-Tools and ToolAlpaca test sets in the xLAM-like list form (``query``/``tools``/``answers``)."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from ..io import iter_json_records
from ..schema import ToolSample
from .base import RawItem, Source, need, register
from .xlam import build_calls, build_tools, check_args_known


class _ListSource(Source):
    def iter_raw(self, path: Path) -> Iterator[RawItem]:
        for n, obj in iter_json_records(path):
            rid = obj.get("id") if isinstance(obj, dict) else None
            yield RawItem(str(rid) if rid is not None else f"{self.name}_{n}", obj, line=n, path=str(path))

    def convert(self, item: RawItem) -> list[ToolSample]:
        d = item.data
        query = need(d, "query", str)
        tools = build_tools(need(d, "tools", list))
        calls = build_calls(need(d, "answers", list))
        check_args_known(tools, calls)
        return [ToolSample(id=item.record_id, source=self.name, query=query, tools=tools, calls=calls)]


@register
class SealToolsSource(_ListSource):
    name = "sealtools"
    description = "Seal-Tools (xLAM-like list: query, tools, answers[{tool, parameters}])"


@register
class ToolAlpacaSource(_ListSource):
    name = "toolalpaca"
    description = "ToolAlpaca (xLAM-like list: query, tools, answers[{name, arguments}])"
