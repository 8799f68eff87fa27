"""Records for real under-specified requests (API-Bank, BFCL multi-turn miss_param).

Such a request was never rewritten: the user simply did not say some values, and a person
(or the benchmark) marks where the assistant must ask. A loader states which arguments
were missing in ``metadata["absent"]`` (``"call.param"`` keys) and what the user said when
asked in ``metadata["followup"]``; ``external_record`` turns that sample into an IC record
directly (``RemovalMethod.absent``), with no Algorithm 1 and no rewrite. An empty
``absent`` list is a fully specified request (level 0): the right move is to act at once.
"""

from __future__ import annotations

from typing import Any

from ..curate.locate import find_scalar, leaves
from ..schema import ArgInfo, CallInfo, ICRecord, QualityInfo, RemovalMethod, RewriteInfo, ToolSample

ABSENT = "absent"  # metadata key: list of "call.param" the user had not given
FOLLOWUP = "followup"  # metadata key: the user's later words that state them


def stated_in(texts: list[str], value: Any) -> bool:
    """Every leaf of ``value`` is written somewhere in ``texts``."""
    ls = leaves(value)
    return bool(ls) and all(any(find_scalar(t, x) for t in texts) for x in ls)


def level_for(absent: list[str], n_calls: int) -> int:
    """The paper's levels: 1 one value, 2 several of one call, 3 several calls."""
    if not absent:
        return 0
    calls = {k.split(".", 1)[0] for k in absent}
    if len(calls) > 1 or n_calls > 1 and len(absent) > 1:
        return 3
    return 1 if len(absent) == 1 else 2


def is_external(sample: ToolSample) -> bool:
    return ABSENT in sample.metadata


def external_record(sample: ToolSample, seed: int = 0) -> ICRecord:
    """Pure: the sample's own missing values become absent intents; nothing is rewritten."""
    absent = [str(k) for k in sample.metadata.get(ABSENT) or []]
    followup = [str(t) for t in sample.metadata.get(FOLLOWUP) or []]
    known = [sample.query] + [m.content for m in sample.context if m.role == "user"]
    key_info = []
    first_of: dict[str, str] = {}  # one value missing in several calls is one intent, asked once
    for ci, call in enumerate(sample.calls):
        args = {}
        for p, v in call.arguments.items():
            if f"{ci}.{p}" in absent:
                vk = repr(v)
                linked = first_of.get(vk)
                first_of.setdefault(vk, f"{ci}.{p}")
                args[p] = ArgInfo(value=v, removed=True, method=RemovalMethod.absent, original_value=None,
                                  current_value="", linked_to=linked)
            else:
                found = stated_in(known, v)
                args[p] = ArgInfo(value=v, located=found, reference=call.references.get(p))
        key_info.append(CallInfo(name=call.name, arguments=args))
    bad = [k for k in absent if k.split(".", 1)[0].isdigit() is False or
           int(k.split(".", 1)[0]) >= len(key_info) or k.split(".", 1)[1] not in key_info[int(k.split(".", 1)[0])].arguments]
    if bad:
        raise ValueError(f"metadata.absent names arguments the calls do not have: {bad}")
    original = "\n".join([sample.query] + followup)
    meta = {k: v for k, v in sample.metadata.items() if k not in (ABSENT, FOLLOWUP)}
    meta["external"] = True
    intents = [f"{ci}.{p}" for ci, c in enumerate(key_info) for p, a in c.arguments.items() if a.removed and not a.linked_to]
    return ICRecord(id=sample.id, source=sample.source, level=level_for(intents, len(sample.calls)), seed=seed,
                    original_query=original, unspecified_query=sample.query, tools=sample.tools, calls=sample.calls,
                    key_info=key_info, context=sample.context, rewrite=RewriteInfo(method="none"),
                    quality=QualityInfo(), metadata=meta)
