"""``asktoact build``: load a corpus, curate it, write IC records, rejects, stats and a sidecar."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from ..io import AtomicOutputs, RejectSink, chunks, dump_line
from ..schema import ICRecord
from ..sources import LoadStats, load
from ..sources.asks import external_record, is_external
from .build import CurateStats, curate_sample
from .fluency import FluencyScorer, apply_fluency
from .parse import DEFAULT_PARSER, load_parser, parse_many
from .quality import DEFAULT_EMBEDDER, SIMILARITY_THRESHOLD, Embedder, apply_similarity, leak_check


@dataclass
class BuildConfig:
    source: str
    path: str
    out: str
    seed: int = 0
    level_weights: dict[int, float] | None = None
    similarity: bool = True
    embedder: str = DEFAULT_EMBEDDER
    threshold: float = SIMILARITY_THRESHOLD
    rewriter: str | None = None  # model spec for the LLM rewrite
    limit: int | None = None
    exclude_eval_only: bool = False
    chunk: int = 256
    parser: str | None = "en_core_web_sm"  # spaCy pipeline for constituent removal; None = string rules only
    fluency: str | None = None  # causal LM spec for the fluency filter (None = off; the CLI turns it on)
    fluency_threshold: float = 0.0  # set from curate.fluency.DEFAULT_THRESHOLD by the CLI
    hide_parts: bool = False  # lists and objects may be hidden (items, parts); off: only scalar values


@dataclass
class BuildResult:
    records: Path
    rejects: Path
    load: LoadStats
    curate: CurateStats

    def adds_up(self) -> bool:
        return (self.load.adds_up() and self.curate.samples_in == self.curate.kept + self.curate.rejected
                and self.curate.samples_in + self.excluded == self.load.samples)

    excluded: int = 0


def run_build(cfg: BuildConfig, progress: Callable[[int], None] | None = None,
              embedder: Embedder | None = None, rewriter: Callable | None = None, nlp: Any = None,
              scorer: Any = None) -> BuildResult:
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    rec_path, rej_path, bad_path = out / "ic_records.jsonl", out / "rejects.jsonl", out / "rejected_records.jsonl"
    if cfg.similarity and embedder is None:
        embedder = Embedder(cfg.embedder)
    if cfg.parser and nlp is None:
        try:
            nlp = load_parser(cfg.parser)
        except RuntimeError:
            if cfg.parser != DEFAULT_PARSER:  # asked for by name: say so; the default is optional (ml extra)
                raise
    if cfg.fluency and scorer is None:
        scorer = FluencyScorer(cfg.fluency)
    lstats = LoadStats(cfg.source)
    cstats = CurateStats()
    excluded = 0
    # outputs go to temporary names and are put in place together at the end: a killed or
    # failed build leaves the previous complete output (see io.AtomicOutputs)
    with AtomicOutputs(out) as ao, RejectSink(rej_path, stage="load", handle=ao.open(rej_path.name)) as rejects:
        fo, fb = ao.open(rec_path.name), ao.open(bad_path.name)
        samples = load(cfg.source, cfg.path, rejects, lstats, limit=cfg.limit)
        for block in chunks(samples, cfg.chunk):
            recs: list[ICRecord] = []
            todo = []
            for s in block:
                if cfg.exclude_eval_only and s.metadata.get("eval_only"):
                    excluded += 1
                    rejects.add(s.source, s.id, "metadata.eval_only", "excluded: evaluation-only split", stage="curate")
                    continue
                todo.append(s)
            try:
                docs = parse_many(nlp, [s.query for s in todo]) if nlp is not None else [None] * len(todo)
            except (RecursionError, ValueError):  # the parser is a help, never a reason to stop
                docs = [None] * len(todo)
            for s, doc in zip(todo, docs):
                try:  # one bad record (a 3,000-deep argument, say) is rejected; the rest goes on
                    # a real under-specified request (API-Bank, BFCL miss_param) is kept as it is: no Algorithm 1
                    r = external_record(s, cfg.seed) if is_external(s) else curate_sample(s, cfg.seed, cfg.level_weights, doc=doc, hide_parts=cfg.hide_parts)
                    dump_line(r)  # probe: a record that cannot be written (too deep) is rejected here, not at the write
                except (RecursionError, ValueError, TypeError, KeyError) as e:
                    cstats.samples_in += 1  # counted in and rejected: in = kept + rejected still holds
                    cstats.rejected += 1
                    cstats.reasons["unprocessable record"] += 1
                    rejects.add(s.source, s.id, "record", f"unprocessable record: {type(e).__name__}: {str(e)[:200]}",
                                stage="curate")
                    continue
                recs.append(r)
            if rewriter is not None:  # the LLM writes the sentences for the whole chunk concurrently
                own = [r for r in recs if not r.metadata.get("external")]
                done = iter(rewriter.rewrite_many(own)) if own else iter(())
                recs = [r if r.metadata.get("external") else next(done) for r in recs]
                for r in recs:
                    if not r.metadata.get("external"):
                        r.quality = leak_check(r)
            if embedder is not None:
                apply_similarity(recs, embedder, cfg.threshold)
            if scorer is not None:
                apply_fluency(recs, scorer, cfg.fluency_threshold)
            for r in recs:
                cstats.add(r)
                if r.quality.passed:
                    fo.write(dump_line(r))
                else:
                    fb.write(dump_line(r))
                    rejects.add(r.source, r.id, "unspecified_query", "; ".join(r.quality.reasons), stage="curate")
            if progress:
                progress(len(block))
        res = BuildResult(rec_path, rej_path, lstats, cstats, excluded=excluded)
        cfg_d = {k: v for k, v in cfg.__dict__.items()}
        ao.commit("build", cfg_d, stats_dict(res))
    return res


def stats_dict(res: BuildResult) -> dict[str, Any]:
    c = res.curate
    return {
        "records_in": res.load.records_in, "samples_loaded": res.load.samples, "load_rejected": res.load.rejected,
        "excluded_eval_only": res.excluded, "curated": c.samples_in, "kept": c.kept, "qc_rejected": c.rejected,
        "qc_reasons": dict(c.reasons), "by_level": {str(k): v for k, v in sorted(c.by_level.items())},
        "avg_unspecified_by_level": {str(k): round(c.unspecified_by_level[k] / v, 3) for k, v in sorted(c.by_level.items())},
        "leak_pass_rate_level_ge1": round(c.leak_passed_l1 / c.leak_checked_l1, 4) if c.leak_checked_l1 else None,
        "list_or_object_kept": c.parts_kept,  # samples whose list/object values were no candidates (no --hide-parts)
    }
