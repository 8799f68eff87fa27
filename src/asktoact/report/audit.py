"""``asktoact audit``: what a researcher checks before training on a build.

Two parts, both read from the folders the pipeline writes (``build``, ``dialogues``,
``augment``):

* a seeded sample, stratified by source and level, written side by side (original query,
  unspecified query, key_info, dialogue) for people to grade, with an empty R1-R5 sheet;
* the automatic figures: level mix, hidden values per query, removal methods, error-type
  mix (against the configured one), QC reject reasons, the shortcut score, template shares
  and leaks of internal names into what the assistant asks or the user says.

Template shares are found by matching text against the generator's own banks: the audit
measures the generator, it does not grade anyone's questions (the judge in ``evaluate/``
stays independent of these banks).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

from ..dialogues import content as C
from ..io import read_jsonl
from ..protocol import QUESTION, strip_markers
from ..schema import Dialogue, ErrorType, ICRecord

RUBRIC = {
    "R1": "grammatical and human-like (query and dialogue)",
    "R2": "every hidden value truly gone (paraphrases, units, parts)",
    "R3": "intent still clear; the missing value natural to ask for",
    "R4": "every kept value exact",
    "R5": "the record (key_info: hidden values, methods) correct",
}

# ------------------------------------------------------------------------- loading


@dataclass
class RunData:
    """Everything the audit reads, merged over the given folders."""

    records: dict[str, ICRecord] = field(default_factory=dict)
    dialogues: dict[str, Dialogue] = field(default_factory=dict)  # by record id (augmented replace clean)
    qc_rejected: list[ICRecord] = field(default_factory=list)
    rejects: list[dict[str, Any]] = field(default_factory=list)
    configured_mix: dict[str, float] | None = None
    sources: list[str] = field(default_factory=list)


def _meta(path: Path) -> dict[str, Any]:
    m = path.with_name(path.name + ".meta.json")
    try:
        return json.loads(m.read_text(encoding="utf-8")) if m.exists() else {}
    except (OSError, ValueError):
        return {}


def load_runs(paths: Iterable[Path]) -> RunData:
    """Read build / dialogues / augment folders (or single JSONL files named as they write them)."""
    data = RunData()
    for p in map(Path, paths):
        if not p.exists():
            raise FileNotFoundError(f"no such file or folder: {p}")
        files = sorted(p.glob("*.jsonl")) if p.is_dir() else [p]
        names = {f.name: f for f in files}
        data.sources.append(str(p))
        for name in ("ic_records.jsonl", "records.jsonl"):  # enriched records (with questions) win
            if name in names:
                for r in read_jsonl(names[name], ICRecord):
                    data.records[r.id] = r
        if "rejected_records.jsonl" in names:
            data.qc_rejected += list(read_jsonl(names["rejected_records.jsonl"], ICRecord))
        if "rejects.jsonl" in names:
            with open(names["rejects.jsonl"], encoding="utf-8") as f:
                data.rejects += [json.loads(line) for line in f if line.strip()]
        for name in ("dialogues.jsonl", "train.jsonl", "augmented.jsonl"):
            if name in names:
                for d in read_jsonl(names[name], Dialogue):
                    cur = data.dialogues.get(d.record_id)
                    if cur is not None and cur.error_type is not None and d.error_type is None:
                        continue  # an augmented dialogue stands in for its clean one
                    data.dialogues[d.record_id] = d
                if name == "train.jsonl":
                    mix = _meta(names[name]).get("counts", {}).get("configured_mix")
                    if mix:
                        data.configured_mix = mix
    return data


# ------------------------------------------------------------------------- figures


def _pct(n: int, d: int) -> float:
    return round(100 * n / d, 2) if d else 0.0


def record_figures(records: Sequence[ICRecord]) -> dict[str, Any]:
    by_src: dict[str, Counter] = defaultdict(Counter)
    hidden: Counter = Counter()
    methods: Counter = Counter()
    for r in records:
        by_src[r.source][r.level] += 1
        hidden[r.n_unspecified] += 1
        for ci, p in r.removed_params():
            m = r.key_info[ci].arguments[p].method
            methods[m.value if m else "none"] += 1
    total = Counter()
    for c in by_src.values():
        total.update(c)
    n = len(records)
    lv = sum(r.level > 0 for r in records)
    return {
        "records": n,
        "level_mix": {str(k): total[k] for k in sorted(total)},
        "level_mix_by_source": {s: {str(k): c[k] for k in sorted(c)} for s, c in sorted(by_src.items())},
        "hidden_values_per_query": {str(k): hidden[k] for k in sorted(hidden)},
        "mean_hidden_level_1_3": round(sum(r.n_unspecified for r in records if r.level > 0) / lv, 3) if lv else 0.0,
        "removal_methods": dict(methods.most_common()),
    }


def qc_figures(data: RunData) -> dict[str, Any]:
    reasons: Counter = Counter()
    for r in data.qc_rejected:
        for x in r.quality.reasons or ["(no reason)"]:
            reasons[x.split(":", 1)[0]] += 1
    stages: Counter = Counter()
    for x in data.rejects:
        stages[f"{x.get('stage')}: {str(x.get('reason', ''))[:70]}"] += 1
    return {"qc_rejected": len(data.qc_rejected), "qc_reasons": dict(reasons.most_common()),
            "rejects_by_stage_reason": dict(stages.most_common(15))}


def error_mix(dialogues: Iterable[Dialogue], configured: dict[str, float] | None,
              records: dict[str, ICRecord] | None = None) -> dict[str, Any]:
    dialogues = list(dialogues)
    c = Counter(d.error_type.value for d in dialogues if d.error_type is not None)
    n = sum(c.values())
    rows = {}
    for t in ErrorType:
        row = {"count": c[t.value], "measured_pct": _pct(c[t.value], n)}
        if configured:
            row["configured_pct"] = round(100 * configured.get(t.value, 0.0), 2)
            row["gap_points"] = round(row["measured_pct"] - row["configured_pct"], 2)
        rows[t.value] = row
    out: dict[str, Any] = {"augmented": n, "by_type": rows}
    if configured and n:
        out["max_gap_points"] = max(abs(r["gap_points"]) for r in rows.values())
    if records:  # where the errors sit: level of the record, per type
        lv: dict[str, Counter] = defaultdict(Counter)
        for d in dialogues:
            if d.error_type is not None and d.record_id in records:
                lv[d.error_type.value][records[d.record_id].level] += 1
        tot = Counter()
        for x in lv.values():
            tot.update(x)
        out["by_level"] = {t: {str(k): v[k] for k in sorted(v)} for t, v in sorted(lv.items())}
        out["level0_share_pct"] = _pct(tot[0], sum(tot.values()))
    return out


def _bank_regex(template: str) -> re.Pattern:
    parts = re.split(r"(\{[a-z_]+\})", template)
    body = "".join("(.+?)" if re.fullmatch(r"\{[a-z_]+\}", x) else re.escape(x) for x in parts)
    return re.compile(r"\A" + body + r"\Z", re.S | re.I)


def _matcher(templates: Sequence[str]):
    """text -> template index (or None); more literal templates are tried first so that the
    bare "{value}" catches only what nothing else does."""
    pats = sorted(((i, _bank_regex(t), len(re.sub(r"\{[a-z_]+\}", "", t))) for i, t in enumerate(templates)),
                  key=lambda x: -x[2])

    def match(text: str) -> int | None:
        for i, rx, _ in pats:
            if rx.match(text.strip()):
                return i
        return None
    return match


_SUFFIX_RX = re.compile("(" + "|".join(re.escape(s.split("{")[0]) for s in C.SHARED_SUFFIXES)
                        + r"|" + re.escape(" It goes into more than one place") + r").*\Z", re.S)


def _opening(text: str, n: int = 3) -> str:
    return " ".join(re.findall(r"[A-Za-z']+", text.lower())[:n])


def share_figures(texts: Sequence[str], templates: Sequence[str] | None, top: int = 5,
                  strip: re.Pattern | None = None) -> dict[str, Any]:
    """How concentrated one kind of text is: per template (when the bank is known) and by
    its first three words."""
    n = len(texts)
    out: dict[str, Any] = {"n": n, "distinct_texts": len(set(texts))}
    if templates is not None:
        forms = [(f, t) for t in templates for f in sorted(C.surface_forms(t))]  # variants count as their template
        m = _matcher([f for f, _ in forms])
        hits = Counter()
        for t in texts:
            i = m(re.sub(r" for step \d+\?\Z", "?", strip.sub("", t)) if strip else t)
            hits[forms[i][1] if i is not None else "(not from the bank)"] += 1
        bank = [(k, v) for k, v in hits.most_common() if k != "(not from the bank)"]
        out["templates_used"] = len(bank)
        out["max_template_share_pct"] = _pct(bank[0][1], n) if bank else 0.0
        out["top_templates"] = [{"template": k, "pct": _pct(v, n)} for k, v in bank[:top]]
        out["not_from_bank"] = hits["(not from the bank)"]
    opens = Counter(_opening(t) for t in texts)
    out["top_openings"] = [{"opening": k, "pct": _pct(v, n)} for k, v in opens.most_common(top)]
    return out


@dataclass
class Texts:
    """What the assistant asked and the user said, by kind, with the record it belongs to."""

    by_kind: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))  # kind -> (text, rec id)


def collect_texts(dialogues: Iterable[Dialogue]) -> Texts:
    out = Texts()
    cannot = set(C.CANNOT_ANSWER)
    corr_all = {t for v in C.CORRECTIONS.values() for t in v}
    corr_starts = tuple(sorted({t.split("{")[0][:25] for t in corr_all}))
    for d in dialogues:
        for q in d.questions.values():
            out.by_kind["question"].append((q, d.record_id))
        # native: the prompt (system, earlier conversation, the query) ends at prompt_messages;
        # the user's own earlier turns (BFCL multi-turn) are not replies
        first_user = d.prompt_messages == 0
        for i, m in enumerate(d.messages):
            if m.role == "user" and i < d.prompt_messages:
                continue
            if m.role == "user":
                if first_user:
                    first_user = False
                    continue
                kind = "cannot_answer_reply" if m.content in cannot else "reply"
                out.by_kind[kind].append((m.content, d.record_id))
                continue
            if m.role != "assistant" or not d.error_spans:
                continue
            clean, spans = strip_markers(m.content)
            for s, e in spans:
                seg = clean[s:e].strip()
                if seg.startswith(QUESTION) and d.error_type is not None:
                    out.by_kind[f"error_question:{d.error_type.value}"].append((seg[len(QUESTION):].strip(), d.record_id))
            # a correction follows its span at once, or opens the turn after the user's reply
            for tail in ([clean[spans[-1][1]:].strip()] if spans else []) + [clean.strip()]:
                if tail.startswith(corr_starts):
                    sent = re.split(r"\s\[[A-Z ]+\]", tail)[0].strip()
                    out.by_kind["correction"].append((sent, d.record_id))
                    break
    return out


_IDENT = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[_.][A-Za-z0-9]+)+|[a-z]+[A-Z][A-Za-z0-9]*|[A-Za-z]+\d+")


def _internal(name: str) -> bool:
    """Names that read as code, not as words (``airports_get``, ``maxResults``, ``num1``)."""
    return bool(_IDENT.fullmatch(name))


def leak_figures(texts: Texts, records: dict[str, ICRecord], top: int = 10) -> dict[str, Any]:
    """Internal API names and raw parameter names in questions and replies that the user's
    own words (query and earlier turns) do not contain."""
    api_hits, param_hits, quoted = [], [], []
    for kind, items in texts.by_kind.items():
        if kind == "correction":
            continue  # corrections name the API and parameter on purpose (paper Table 9), like [PARAMETER EVALUATION]
        for text, rid in items:
            r = records.get(rid)
            if r is None:
                continue
            said = (r.unspecified_query + " " + " ".join(m.content for m in r.context)).lower()
            if kind == "reply":  # a value the user gives may itself read as code ("threadPool", JSON keys)
                said += " " + json.dumps([c.arguments for c in r.calls], ensure_ascii=False, default=str).lower()
            low = text.lower()
            for t in r.tools:
                if _internal(t.name) and re.search(r"(?<![\w.])" + re.escape(t.name.lower()) + r"(?![\w])", low) \
                        and t.name.lower() not in said:
                    api_hits.append({"record": rid, "kind": kind, "name": t.name, "text": text})
                for p in t.param_names:
                    if _internal(p) and re.search(r"(?<![\w.])" + re.escape(p.lower()) + r"(?![\w])", low) \
                            and p.lower() not in said:
                        param_hits.append({"record": rid, "kind": kind, "name": p, "text": text})
            if re.search(r'\("[^"]+"\)', text) and kind != "reply":
                quoted.append({"record": rid, "kind": kind, "text": text})
    return {"api_name_leaks": len(api_hits), "raw_param_name_leaks": len(param_hits),
            "quoted_param_names": len(quoted), "examples": (api_hits + param_hits + quoted)[:top]}


def template_figures(texts: Texts) -> dict[str, Any]:
    tone_bank = [t for v in C.TONES.values() for t in v]
    corr_bank = [t for v in C.CORRECTIONS.values() for t in v]
    irr_bank = [t for t, _ in C.IRRELEVANT_TEMPLATES]
    banks: dict[str, tuple[Sequence[str] | None, re.Pattern | None]] = {
        "question": (C.QUESTION_TEMPLATES, _SUFFIX_RX),
        "reply": (tone_bank, None),
        "cannot_answer_reply": (C.CANNOT_ANSWER, None),
        "error_question:clearly_stated": (C.QUESTION_TEMPLATES, _SUFFIX_RX),
        "error_question:imprecise": (C.VAGUE_TEMPLATES, None),
        "error_question:irrelevant": (irr_bank, None),
        "error_question:redundant": (C.QUESTION_TEMPLATES, _SUFFIX_RX),
        "correction": (corr_bank, None),
    }
    out = {}
    for kind, items in sorted(texts.by_kind.items()):
        bank, strip = banks.get(kind, (None, None))
        out[kind] = share_figures([t for t, _ in items], bank, strip=strip)
    irr = texts.by_kind.get("error_question:irrelevant", [])
    if irr:
        out["irrelevant_diversity"] = {"questions": len(irr), "distinct": len({t for t, _ in irr}),
                                       "distinct_pct": _pct(len({t for t, _ in irr}), len(irr))}
    return out


def figures(data: RunData, seed: int = 0) -> dict[str, Any]:
    from ..curate.shortcut import shortcut_report

    recs = [r for r in data.records.values() if r.quality.passed]
    texts = collect_texts(data.dialogues.values())
    out: dict[str, Any] = {"inputs": data.sources}
    if recs:
        out["records"] = record_figures(recs)
        sc = shortcut_report(recs, seed=seed, top=10)
        out["shortcut"] = sc
    out["qc"] = qc_figures(data)
    if data.dialogues:
        out["dialogues"] = len(data.dialogues)
        out["error_mix"] = error_mix(data.dialogues.values(), data.configured_mix, data.records)
        out["templates"] = template_figures(texts)
        out["leaks"] = leak_figures(texts, data.records)
    return out


# -------------------------------------------------------------------------- sample


def _key(seed: int, rid: str) -> str:
    return hashlib.sha256(f"asktoact:audit:{seed}:{rid}".encode()).hexdigest()


def stratified_sample(records: Sequence[ICRecord], n: int, seed: int = 0, min_level: int = 1) -> list[ICRecord]:
    """``n`` records over the (source, level) strata, as evenly as the strata allow (round
    robin, each stratum in a seeded hash order), so small sources and level 3 are seen."""
    strata: dict[tuple[str, int], list[ICRecord]] = defaultdict(list)
    for r in records:
        if r.level >= min_level:
            strata[(r.source, r.level)].append(r)
    queues = [sorted(v, key=lambda r: _key(seed, r.id)) for _, v in sorted(strata.items())]
    out: list[ICRecord] = []
    i = 0
    while len(out) < n and any(queues):
        q = queues[i % len(queues)]
        if q:
            out.append(q.pop(0))
        i += 1
    return sorted(out, key=lambda r: (r.source, r.level, _key(seed, r.id)))


def key_info_view(r: ICRecord) -> list[dict[str, Any]]:
    """key_info as a grader reads it: per call, hidden values with their method, kept values."""
    rows = []
    for ci, c in enumerate(r.key_info):
        hidden = {p: {"value": a.value, "method": a.method.value if a.method else None, "was": a.original_value,
                      "now": a.current_value} for p, a in c.arguments.items() if a.removed}
        kept = {p: a.value for p, a in c.arguments.items() if not a.removed and a.reference is None}
        refs = {p: f"output of step {a.reference + 1}" for p, a in c.arguments.items() if a.reference is not None}
        rows.append({"step": ci + 1, "api": c.name, "hidden": hidden, "kept": kept, **({"from_earlier": refs} if refs else {})})
    return rows


def _dialogue_for(data: RunData, rid: str) -> Dialogue | None:
    return data.dialogues.get(rid)


def grading_rows(data: RunData, sample: Sequence[ICRecord]) -> list[dict[str, Any]]:
    rows = []
    for r in sample:
        d = _dialogue_for(data, r.id)
        rows.append({"id": r.id, "source": r.source, "level": r.level, "original_query": r.original_query,
                     "unspecified_query": r.unspecified_query, "key_info": key_info_view(r),
                     "dialogue_id": d.id if d else None, "error_type": d.error_type.value if d and d.error_type else None,
                     **{k: None for k in RUBRIC}, "notes": ""})
    return rows


def render_markdown(data: RunData, sample: Sequence[ICRecord], figs: dict[str, Any]) -> str:
    from ..dialogues.assemble import plain_text

    lines = ["# Audit sheet", "", "Grade each record 1 (pass) or 0 (fail) in `grading.jsonl` (same ids):", ""]
    lines += [f"* **{k}** {v}" for k, v in RUBRIC.items()]
    lines += ["", "## Automatic figures", "", "```json", json.dumps(figs, indent=1, ensure_ascii=False, default=str)[:60000],
              "```", "", f"## Sample ({len(sample)} records, stratified by source and level)", ""]
    for r in sample:
        d = _dialogue_for(data, r.id)
        lines += [f"### {r.id}  ({r.source}, level {r.level})", "", f"* **original:** {r.original_query}",
                  f"* **unspecified:** {r.unspecified_query}", "", "key_info:", "", "```json",
                  json.dumps(key_info_view(r), indent=1, ensure_ascii=False, default=str), "```", ""]
        if d is not None:
            text = plain_text(d)
            text = re.sub(r"(Available APIs:).*?(?=\n\n|\Z)", r"\1 [...]", text, flags=re.S)
            lines += ["dialogue:", "", "```text", text.strip(), "```", ""]
        lines += ["| R1 | R2 | R3 | R4 | R5 | notes |", "|---|---|---|---|---|---|", "|  |  |  |  |  |  |", ""]
    return "\n".join(lines) + "\n"


def run_audit(paths: Sequence[Path], out: Path, n: int = 60, seed: int = 0, min_level: int = 1) -> dict[str, Any]:
    """Write ``audit.md``, ``grading.jsonl`` and ``figures.json`` under ``out``; return the figures."""
    data = load_runs(paths)
    if not data.records and not data.dialogues:
        raise FileNotFoundError("no records or dialogues found in: " + ", ".join(map(str, paths)))
    figs = figures(data, seed)
    recs = [r for r in data.records.values() if r.quality.passed]
    sample = stratified_sample(recs, n, seed, min_level)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "figures.json").write_text(json.dumps(figs, indent=1, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    with open(out / "grading.jsonl", "w", encoding="utf-8") as f:
        for row in grading_rows(data, sample):
            f.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
    (out / "audit.md").write_text(render_markdown(data, sample, figs), encoding="utf-8")
    figs["sample"] = len(sample)
    return figs
