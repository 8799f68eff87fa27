"""Fully specified twins of IC records: the contrast a model needs to learn *when* to ask.

A record whose hidden values were all in the user's words (removal, abstraction, partial) has a
twin that Algorithm 1 already implies: its original query, nothing missing, answered with the
calls at once. Training on both (``asktoact dialogues --twins``) makes the missing value the only
difference between a dialogue that asks and one that acts, instead of leaving the model to guess
the decision from the share of each kind (docs/results.md, issue 14). A record with an ``absent``
value has no twin: its original query never held that value either.
"""

from __future__ import annotations

from ..schema import ArgInfo, ICRecord, RemovalMethod
from .ground import USER

TWIN_SUFFIX = "~full"


def full_twin(rec: ICRecord) -> ICRecord | None:
    """The level-0 record of ``rec``'s original query, or None (nothing hidden, or a value absent)."""
    hidden = [a for c in rec.key_info for a in c.arguments.values() if a.removed]
    if not hidden or any(a.method == RemovalMethod.absent for a in hidden):
        return None
    twin = rec.model_copy(deep=True)
    twin.id = rec.id + TWIN_SUFFIX
    twin.level = 0
    twin.unspecified_query = rec.original_query
    twin.tool_steps = []
    for call in twin.key_info:
        for p, a in call.arguments.items():
            if a.removed:
                call.arguments[p] = ArgInfo(value=a.value, original_value=a.original_value,
                                            current_value=a.original_value, removed=False, located=True,
                                            grounded=USER)
    meta = {k: v for k, v in twin.metadata.items() if k not in ("absent", "algorithm1_level", "rewrite_issues", "giveaways", "kept_for_grammar")}
    meta["twin_of"] = rec.id
    twin.metadata = meta
    return twin
