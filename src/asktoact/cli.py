"""The ``asktoact`` command line: one sub-command per stage."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

MODEL_SPECS = ("Model specs: embedded | embedded?adapter=DIR | hf:PATH_OR_ID[?adapter=DIR&dtype=bfloat16] | "
               "openai:MODEL (key from $OPENAI_API_KEY) | openai:MODEL@http://HOST:PORT/v1[?key_env=VAR&concurrency=16] | "
               "vllm:MODEL | sglang:MODEL | ollama:MODEL | llamacpp:MODEL | script:perfect|guess|repeat (eval yardsticks).")
app = typer.Typer(help="Train and measure tool-calling models that ask before they act (ASKToACT).",
                  epilog=MODEL_SPECS, no_args_is_help=True, add_completion=False, pretty_exceptions_show_locals=False)
data_app = typer.Typer(help="Get corpora and inspect them.", no_args_is_help=True)
app.add_typer(data_app, name="data")
console = Console()
err = Console(stderr=True)


def _progress() -> Progress:
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=err, transient=True)


def _fail(msg: "str | BaseException", code: int = 2) -> None:
    from .redact import redact

    if isinstance(msg, BaseException):
        msg, code = user_error_line(msg)
    from rich.markup import escape

    err.print(f"[red]error:[/red] {escape(redact(msg))}", highlight=False, soft_wrap=True, markup=True)
    raise typer.Exit(code)


def parse_levels(spec: Optional[str]) -> Optional[dict[int, float]]:
    """``"0:1,1:2,2:2,3:1"`` -> weights per level."""
    if not spec:
        return None
    out = {}
    for part in spec.split(","):
        try:
            k, v = part.split(":")
            lv = int(k)
            if lv not in (0, 1, 2, 3):
                raise ValueError
            out[lv] = float(v)
        except ValueError:
            raise typer.BadParameter(f"expected LEVEL:WEIGHT pairs like 0:1,1:2 (got {part!r})") from None
    return out


# ------------------------------------------------------------------------------ data


@data_app.command("sources")
def data_sources() -> None:
    """List the corpus formats the loaders read."""
    from .sources import REGISTRY

    t = Table("name", "format")
    for name, cls in sorted(REGISTRY.items()):
        t.add_row(name, cls.description)
    console.print(t)


@data_app.command("get")
def data_get(name: str = typer.Argument(..., help="Data set to fetch: bfcl"),
             dest: Optional[Path] = typer.Option(None, help="Folder to unpack into (default: the asktoact cache)"),
             force: bool = typer.Option(False, help="Download again even if cached")) -> None:
    """Download a corpus from the package index (cached) and print where it is."""
    from .sources.fetch import fetch

    try:
        path = fetch(name, dest, force)
    except (KeyError, RuntimeError) as e:
        _fail(e)
    console.print(str(path))


@data_app.command("stats")
def data_stats(source: str = typer.Argument(..., help="Loader name (see `asktoact data sources`)"),
               path: Path = typer.Argument(..., help="File or folder of the corpus"),
               group_by: str = typer.Option("category", help="Metadata field to group rows by"),
               rejects: Optional[Path] = typer.Option(None, help="Write rejected records here (JSONL)"),
               as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table")) -> None:
    """Table-1 style statistics and value-in-query coverage (values that can later be hidden)."""
    from .io import RejectSink
    from .sources import LoadStats, load
    from .stats import corpus_stats

    st = LoadStats(source)
    try:
        with RejectSink(rejects) as rj:
            total, rows = corpus_stats(load(source, path, rj, st), group_by)
            reasons = rj.reasons
    except (KeyError, FileNotFoundError) as e:
        _fail(e)
    if as_json:
        console.print_json(json.dumps({"rows": [r.row() for r in rows], "total": total.row(),
                                       "load": {"units": st.units_in, "kept": st.samples, "rejected": st.rejected,
                                                "reasons": dict(reasons)}}))
        return
    t = Table(title=f"{source}: {path}")
    cols = list(total.row())
    for c in cols:
        t.add_column(c, justify="left" if c == "group" else "right")
    for r in rows + [total]:
        t.add_row(*[str(v) for v in r.row().values()], style="bold" if r is total else None)
    console.print(t)
    console.print(f"in {st.units_in} = kept {st.samples} + rejected {st.rejected}"
                  + (f"  (rejects: {', '.join(f'{k} ×{v}' for k, v in reasons.most_common(5))})" if st.rejected else ""))


# ----------------------------------------------------------------------------- build


@app.command("build")
def build(source: str = typer.Argument(..., help="Loader name"),
          path: Path = typer.Argument(..., help="File or folder of the corpus"),
          out: Path = typer.Option(..., "--out", "-o", help="Output folder"),
          seed: int = typer.Option(0, help="Seed; each sample draws from (seed, sample id)"),
          levels: Optional[str] = typer.Option(None, help="Level weights, e.g. 0:1,1:2,2:2,3:1 (default uniform)"),
          similarity: bool = typer.Option(True, help="Apply the sentence-embedding similarity filter"),
          embedder: str = typer.Option("embedded-minilm", help="sentence-transformers model folder or hub id"),
          threshold: float = typer.Option(0.95, help="Reject records whose similarity exceeds this"),
          rewriter: Optional[str] = typer.Option(None, help="Model spec for the LLM rewrite (default: deterministic)"),
          limit: Optional[int] = typer.Option(None, help="Stop after this many samples"),
          exclude_eval_only: bool = typer.Option(False, help="Drop evaluation-only records (BFCL live_*)"),
          parser: Optional[str] = typer.Option("en_core_web_sm", help="spaCy pipeline for removing whole constituents; 'none' = string rules only"),
          fluency: bool = typer.Option(False, "--fluency/--no-fluency", help="Reject rewrites that read worse than the original under a small LM (slow on CPU, weak; see docs/results.md)"),
          fluency_model: str = typer.Option("embedded", help="Causal LM for the fluency check: embedded, a local HF folder or a hub id"),
          fluency_threshold: Optional[float] = typer.Option(None, help="Most per-token loss a rewrite may add (default: measured, see docs/results.md)"),
          hide_parts: bool = typer.Option(False, "--hide-parts/--no-hide-parts", help="Let lists and objects be hidden too (one item of a list, the parts of an object, a one-item list); off by default: only scalar values are hidden, as such rewrites graded far worse (28% all five)")) -> None:
    """Curate: Algorithm 1 + rewrite + quality control -> IC records (JSONL)."""
    from .curate.fluency import DEFAULT_THRESHOLD
    from .curate.stage import BuildConfig, run_build, stats_dict
    from .sources import REGISTRY as SOURCES

    if source not in SOURCES:
        _fail(f"unknown source {source!r}; known: {', '.join(sorted(SOURCES))}")
    if not path.exists():
        _fail(f"no such file or folder: {path}")
    cfg = BuildConfig(source=source, path=str(path), out=str(out), seed=seed, level_weights=parse_levels(levels),
                      similarity=similarity, embedder=embedder, threshold=threshold, rewriter=rewriter, limit=limit,
                      exclude_eval_only=exclude_eval_only, parser=None if (parser or "").lower() in ("", "none") else parser,
                      fluency=fluency_model if fluency else None,
                      fluency_threshold=DEFAULT_THRESHOLD if fluency_threshold is None else fluency_threshold,
                      hide_parts=hide_parts)
    rw = None
    if rewriter:
        from .curate.llm_rewrite import LLMRewriter

        rw = LLMRewriter.from_spec(rewriter)
    with _progress() as prog:
        task = prog.add_task("curating", total=None)
        try:
            res = run_build(cfg, progress=lambda n: prog.advance(task, n), rewriter=rw)
        except (KeyError, FileNotFoundError, RuntimeError) as e:
            _fail(e)
    if rw is not None:
        rw.close()
    print_build_table(stats_dict(res))
    console.print(f"records: {res.records}\nrejects: {res.rejects}")
    if res.load.records_in and not res.curate.kept:
        _fail(f"every record was rejected ({res.load.records_in} read); reasons in {res.rejects}", 1)


def print_build_table(st: dict) -> None:
    t = Table(title="IC records by level (paper Table 1 style)")
    t.add_column("level")
    t.add_column("records", justify="right")
    t.add_column("avg unspecified intents", justify="right")
    from .curate.sampling import LEVEL_NAMES

    for lv, n in st["by_level"].items():
        t.add_row(f"{lv} {LEVEL_NAMES[int(lv)]}", str(n), str(st["avg_unspecified_by_level"][lv]))
    console.print(t)
    console.print(f"samples {st['samples_loaded']} (load rejects {st['load_rejected']}) -> kept {st['kept']}, "
                  f"QC rejected {st['qc_rejected']} {st['qc_reasons'] or ''}; leak check pass (level>=1): "
                  f"{st['leak_pass_rate_level_ge1']}")
    if st.get("list_or_object_kept"):
        console.print(f"list or object values kept as stated (no --hide-parts): {st['list_or_object_kept']} samples")


@app.command("split")
def split(records: list[Path] = typer.Argument(..., help="IC record files (ic_records.jsonl from `asktoact build`)"),
          out: Path = typer.Option(..., "--out", "-o", help="Folder for train.jsonl and heldout.jsonl"),
          holdout: Optional[float] = typer.Option(None, help="Share of each stratum held out, e.g. 0.1"),
          holdout_n: Optional[int] = typer.Option(None, help="About this many records held out in all"),
          seed: int = typer.Option(0, help="Seed of the draw (a hash of seed and record group)")) -> None:
    """Seeded train / held-out split by record group (a conversation's turns stay together); recorded in the sidecars."""
    from .curate.split import run_split

    if (holdout is None) == (holdout_n is None):
        _fail("give --holdout SHARE or --holdout-n N")
    st = run_split(records, out, holdout, holdout_n, seed)
    t = Table(title="split by stratum (source/ask|act)")
    for c in ("stratum", "train", "held out"):
        t.add_column(c, justify="left" if c == "stratum" else "right")
    for k, v in sorted(st.by_stratum.items()):
        t.add_row(k, str(v.get("train", 0)), str(v.get("heldout", 0)))
    console.print(t)
    console.print(f"in {st.records_in} = train {st.train} + held out {st.heldout} + rejected {st.rejected}")
    console.print(f"train: {out / 'train.jsonl'}\nheld out: {out / 'heldout.jsonl'} (ids in its .meta.json)")


# ------------------------------------------------------------------------- dialogues


def _format(fmt: str) -> str:
    if fmt not in ("paper", "native"):
        _fail(f"--format {fmt!r}: paper or native")
    return fmt


def _maybe_model(spec: Optional[str]):
    if not spec:
        return None
    from .models import load_model

    try:
        return load_model(spec)
    except (ValueError, RuntimeError) as e:
        _fail(e)


@app.command("dialogues")
def dialogues(records: Path = typer.Argument(..., help="IC records (ic_records.jsonl from `asktoact build`)"),
              out: Path = typer.Option(..., "--out", "-o", help="Output folder"),
              seed: int = typer.Option(0, help="Seed for tones and template choices"),
              model: Optional[str] = typer.Option(None, help="Model spec for steps and questions (default: templates)"),
              tone: Optional[str] = typer.Option(None, help="Force one user tone: neutral, friendly, dismissive, irritated"),
              fmt_: str = typer.Option("paper", "--format", help="Dialogue format: paper (bracket protocol) or native (tools= + tool_calls)"),
              reasoning: bool = typer.Option(False, help="native: keep the decomposition/evaluation reasoning as text before each question"),
              reasoning_style_: str = typer.Option("full", "--reasoning-style", help="with --reasoning: full (the paper's decomposition and evaluation, untagged), compact (one line: Known: ... Missing: ...) or cited (every parameter in order, a known value with the words it comes from)"),
              twins: bool = typer.Option(False, help="Also write each record's fully specified twin (its original query, answered at once) next to it: training pairs that differ only in the missing value")) -> None:
    """Assemble clean clarification dialogues in the protocol (+ a plain-text view)."""
    from .dialogues.stage import run_dialogues

    from .dialogues.content import TONES

    if not records.exists():
        _fail(f"no such file: {records}")
    if tone is not None and tone not in TONES:
        _fail(f"unknown --tone {tone!r}; known: {', '.join(TONES)}")
    from .dialogues.native import REASONING_STYLES

    if reasoning_style_ not in REASONING_STYLES:
        _fail(f"unknown --reasoning-style {reasoning_style_!r}; known: {', '.join(REASONING_STYLES)}")
    m = _maybe_model(model)
    with _progress() as prog:
        task = prog.add_task("dialogues", total=None)
        st = run_dialogues(records, out, seed, m, tone, progress=lambda n: prog.advance(task, n), fmt=_format(fmt_),
                           reasoning=reasoning_style_ if reasoning else False, twins=twins)
    t = Table(title="dialogues")
    for c in ("records in", "written", "invariant rejects", "skipped (QC)", "unreadable lines"):
        t.add_column(c, justify="right")
    t.add_row(str(st.records_in), str(st.written), str(st.rejected), str(st.skipped_qc), str(st.unreadable))
    console.print(t)
    if twins:
        console.print(f"fully specified twins added: {st.twins} (counted in written)")
    console.print(f"tones: {dict(st.tones)}" + (f"; LLM fallbacks: {dict(st.llm_fallbacks)}" if st.llm_fallbacks else ""))
    console.print(f"dialogues: {out / 'dialogues.jsonl'}\ntext view: {out / 'dialogues.txt'}")
    if st.records_in and not st.written:
        _fail(f"every record was rejected ({st.records_in}); reasons in {out / 'rejects.jsonl'}", 1)


@app.command("augment")
def augment(dialogue_dir: Path = typer.Argument(..., help="Folder written by `asktoact dialogues`"),
            out: Path = typer.Option(..., "--out", "-o", help="Output folder"),
            share: float = typer.Option(0.3, min=0.0, max=1.0, help="Share of dialogues replaced by augmented ones (paper: 0.3)"),
            seed: int = typer.Option(0),
            model: Optional[str] = typer.Option(None, help="Model spec for semantic errors (default: template banks)"),
            weights: Optional[str] = typer.Option(None, help="Error-type mix, e.g. redundant:2,incomplete:1 (unlisted types: 0; default: paper Table 2)"),
            fmt_: Optional[str] = typer.Option(None, "--format", help="paper | native: the format the dialogues must be in (default: as written)")) -> None:
    """Inject the five error types with corrections (<SOE>…<EOE>) into a share of the dialogues."""
    from .augment.stage import run_augment
    from .schema import ErrorType

    w = None
    if weights:
        try:
            w = {ErrorType(k.strip()): float(v) for k, v in (p.split(":") for p in weights.split(","))}
        except ValueError:
            _fail(f"bad --weights {weights!r}; types: {', '.join(e.value for e in ErrorType)}")
    m = _maybe_model(model)
    with _progress() as prog:
        task = prog.add_task("augmenting", total=None)
        st = run_augment(dialogue_dir, out, share, seed, m, w, progress=lambda n: prog.advance(task, n),
                         fmt=_format(fmt_) if fmt_ else None)
    t = Table(title="augmented dialogues by error type (paper Table 2 style)")
    t.add_column("error type")
    t.add_column("count", justify="right")
    for c in ("configured %", "measured %", "records allowing it", "unplaced"):
        t.add_column(c, justify="right")
    measured = st.measured_mix()
    for e in ErrorType:
        t.add_row(e.value, str(st.by_type.get(e.value, 0)), f"{100 * st.mix.get(e.value, 0):.1f}",
                  f"{100 * measured[e.value]:.1f}", str(st.eligible.get(e.value, 0)), str(st.unplaced.get(e.value, 0)))
    t.add_row("total", str(st.augmented), "100.0", "100.0", "", str(sum(st.unplaced.values())), style="bold")
    console.print(t)
    console.print(f"in {st.dialogues_in} = clean {st.clean} + augmented {st.augmented} + rejected {st.rejected}"
                  f" (placement: {st.strategy})")
    if st.unplaced:
        console.print(f"[yellow]not placed (too few records allow the type; no other type used instead): "
                      f"{dict(st.unplaced)}[/yellow]")
    console.print(f"training set: {out / 'train.jsonl'}")
    if st.dialogues_in and not (st.clean + st.augmented):
        _fail(f"every dialogue was rejected ({st.dialogues_in}); reasons in {out / 'rejects.jsonl'}", 1)


@app.command("check")
def check(path: Path = typer.Argument(..., help="A dialogues JSONL file or a folder of them"),
          fmt_: Optional[str] = typer.Option(None, "--format", help="paper | native: also require this format")) -> None:
    """Check dialogue invariants: summary = ground truth, each removed parameter asked once, markers sane."""
    from .dialogues.check import check_dialogue
    from .io import RejectSink, read_jsonl
    from .schema import Dialogue

    files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
    files = [f for f in files if f.name not in ("rejects.jsonl", "records.jsonl")]
    total = bad = 0
    rj = RejectSink(stage="check")
    for f in files:
        for d in read_jsonl(f, Dialogue, rejects=rj):
            total += 1
            v = check_dialogue(d)
            if fmt_ and d.format != _format(fmt_):
                v = [f"dialogue is in the {d.format} format, not {fmt_}"] + v
            if v:
                bad += 1
                if bad <= 20:
                    console.print(f"[red]{f.name}:{d.id}[/red] " + "; ".join(v))
    if not total and rj.count:
        _fail_unreadable(rj, path)
    _print_unreadable(rj)
    console.print(f"{total + rj.count} lines: {total} dialogues checked, {bad} with violations, {rj.count} unreadable")
    if bad or rj.count:
        raise typer.Exit(1)


def _fail_unreadable(rj, file: Path) -> None:
    """Not one line was a record: the file itself is wrong (encoding, kind): one `error:` line, exit 2."""
    r = rj.items[0]
    more = f" (and {rj.count - 1} more unreadable lines)" if rj.count > 1 else ""
    _fail(f"{file if file.is_file() else Path(file) / r.source}: line {r.line}: {r.field}: {r.reason}{more}")


def _print_unreadable(rj, limit: int = 5) -> None:
    """Name the lines a command skipped because they were not records (file, line, field, reason)."""
    from rich.markup import escape

    for r in rj.items[:limit]:
        err.print(f"[yellow]skipped[/yellow] {escape(r.source)}: line {r.line}: {escape(str(r.field))}: {escape(r.reason)}",
                  highlight=False, soft_wrap=True)
    if rj.count > limit:
        err.print(f"... and {rj.count - limit} more unreadable lines", highlight=False)


@app.command("audit")
def audit(runs: list[Path] = typer.Argument(..., help="Folders from build / dialogues / augment (or their JSONL files)"),
          out: Path = typer.Option(..., "--out", "-o", help="Folder for audit.md, grading.jsonl, figures.json"),
          n: int = typer.Option(60, min=1, help="Records in the grading sample"),
          seed: int = typer.Option(0, help="Seed of the sample"),
          min_level: int = typer.Option(1, min=0, max=3, help="Lowest level sampled (0 includes fully specified records)")) -> None:
    """Before training: a stratified sample to grade by hand (R1-R5) and the automatic figures."""
    from .report.audit import run_audit

    try:
        figs = run_audit(runs, out, n, seed, min_level)
    except FileNotFoundError as e:
        _fail(e)
    t = Table(title="audit")
    t.add_column("figure")
    t.add_column("value")
    rec = figs.get("records", {})
    if rec:
        t.add_row("records (level mix)", f"{rec['records']} {rec['level_mix']}")
        t.add_row("hidden values per query", str(rec["hidden_values_per_query"]))
        t.add_row("removal methods", str(rec["removal_methods"]))
        t.add_row("shortcut: max n-gram gap (points)", str(figs["shortcut"]["max_gap_points"]))
    t.add_row("QC rejected", f"{figs['qc']['qc_rejected']} {figs['qc']['qc_reasons']}")
    if "error_mix" in figs:
        em = figs["error_mix"]
        t.add_row("error-type mix % (measured/configured)", ", ".join(
            f"{k} {v['measured_pct']}" + (f"/{v['configured_pct']}" if "configured_pct" in v else "") for k, v in em["by_type"].items()))
        tp = figs["templates"]
        t.add_row("max template share % by kind", ", ".join(
            f"{k} {v['max_template_share_pct']}" for k, v in tp.items() if isinstance(v, dict) and "max_template_share_pct" in v))
        lk = figs["leaks"]
        t.add_row("API / raw parameter name leaks", f"{lk['api_name_leaks']} / {lk['raw_param_name_leaks']} (quoted names {lk['quoted_param_names']})")
    console.print(t)
    console.print(f"sample of {figs['sample']}: {out / 'audit.md'}, grading sheet {out / 'grading.jsonl'}, figures {out / 'figures.json'}")


# ------------------------------------------------------------------------ evaluation


@app.command("eval")
def eval_(data: Path = typer.Option(..., "--data", "-d", help="IC records to evaluate on (JSONL)"),
          model: str = typer.Option(..., "--model", "-m", help="Model under test: a model spec (see README) or script:perfect|guess|repeat"),
          simulator: str = typer.Option("oracle", "--simulator", "-s", help="oracle | oracle+embed | llm:MODEL_SPEC"),
          out: Path = typer.Option(..., "--out", "-o", help="Run folder (rerun to resume)"),
          trials: int = typer.Option(1, min=1, help="Trials per record (mean ± std)"),
          limit: Optional[int] = typer.Option(None, help="Evaluate only the first N records"),
          concurrency: int = typer.Option(8, min=1, help="Dialogues in flight"),
          max_rounds: int = typer.Option(10, min=1, help="Most questions per dialogue"),
          seed: int = typer.Option(0, help="Seed for personas and sampling (per trial and record)"),
          persona: Optional[str] = typer.Option(None, help="Fix one persona: cold, reluctant, irritable, enthusiastic, skeptic, jokester"),
          temperature: float = typer.Option(0.0, help="Sampling temperature of the model under test"),
          max_tokens: int = typer.Option(512, help="Most new tokens per model turn"),
          no_cache: bool = typer.Option(False, "--no-cache", help="Bypass the reply cache"),
          fmt_: str = typer.Option("paper", "--format", help="paper: bracket protocol; native: tools= beside the messages, "
                                                             "tool_calls read as the solution, text as a question"),
          tool_style: str = typer.Option("json", help="json or compact tool schemas (in the task message or in tools=)"),
          force_new: bool = typer.Option(False, "--force-new", help="If --out holds a run with other settings, write "
                                                                    "a fresh folder beside it (OUT.2, ...) instead of refusing")) -> None:
    """Evaluate a model against a simulated user; writes transcripts, scores, tables and a plot.

    Rerun the same command to resume: dialogues with a result are kept, failed ones (endpoint,
    simulator errors) are retried. Exits 1 while any dialogue has failed.

    Model specs: embedded, hf:PATH_OR_ID[?adapter=DIR], openai:MODEL[@URL], vllm:/sglang:/ollama:/llamacpp:MODEL,
    script:perfect|guess|repeat. Simulators: oracle, oracle+embed, llm:MODEL_SPEC.
    """
    from .evaluate.runner import EvalConfig
    from .evaluate.stage import run_eval

    if not data.exists():
        _fail(f"no such file: {data}")
    cfg = EvalConfig(max_rounds=max_rounds, concurrency=concurrency, trials=trials, seed=seed, limit=limit,
                     persona=persona, temperature=temperature, max_tokens=max_tokens, format=_format(fmt_),
                     tool_style=tool_style)
    from .evaluate.runner import FAILED

    with _progress() as prog:
        task = prog.add_task("dialogues", total=None)
        failed = [0]

        def started(todo: int, done: int) -> None:
            prog.update(task, total=todo, description=f"dialogues ({done} already done)" if done else "dialogues")

        def finished(t) -> None:
            failed[0] += t.termination.value in FAILED
            prog.update(task, advance=1, description=f"dialogues (failed {failed[0]})" if failed[0] else None)

        try:
            summ = run_eval(data, model, simulator, out, cfg, on_done=finished, cache=not no_cache,
                            force_new=force_new, on_start=started)
        except (ValueError, RuntimeError) as e:
            _fail(e)
    print_summary(summ)
    for line in summ.get("unreadable_records", [])[:5]:
        err.print(f"skipped {line}", markup=False, highlight=False, soft_wrap=True)
    console.print(f"run folder: {summ.get('run_dir', out)} (transcripts.jsonl, summary.json, table.md, table.csv, breakdown.png)")
    if summ.get("failed"):
        from .evaluate.stage import failed_note

        err.print(f"[yellow]{failed_note(summ).strip()}[/yellow]", highlight=False, soft_wrap=True)
        raise typer.Exit(1)


def print_summary(summ: dict) -> None:
    from .evaluate.metrics import COLUMNS, fmt

    t = Table(title=f"{summ.get('model')} vs {summ.get('simulator')}: {summ['n_queries']} queries x {summ['trials']} trial(s)")
    for c in COLUMNS:
        t.add_column(c + (" (rounds)" if c == "IR" else " %"), justify="right")
    t.add_row(*[fmt(summ["mean"][c]) + (f" ±{summ['std'][c]:.2f}" if summ["trials"] > 1 else "") for c in COLUMNS])
    console.print(t)
    m = summ["mean"]
    console.print(f"ask/act: asks first when something is missing {fmt(m.get('ASK', float('nan')))}%, "
                  f"acts at once when fully specified {fmt(m.get('ACT', float('nan')))}% (per source: sources.md)")
    console.print("terminations: " + ", ".join(f"{k} {v}" for k, v in summ["terminations"].items())
                  + (f"; failed: {summ['failed']} (not scored)" if summ.get("failed") else ""))
    if summ.get("usage"):
        console.print("model usage: " + ", ".join(f"{k} {v}" for k, v in summ["usage"].items()))


@app.command("report")
def report(runs: list[Path] = typer.Argument(None, help="Run folders from `asktoact eval`"),
           human: Optional[Path] = typer.Option(None, help="Folder of `asktoact chat` sessions: Table 4"),
           out: Optional[Path] = typer.Option(None, help="Write table.md, table.csv and breakdown.png here")) -> None:
    """Put evaluation runs side by side (paper Table 3 columns), or summarise human sessions (Table 4)."""
    if human is not None:
        from .report.human import human_table

        md = human_table(human)
        console.print(md)
        if out:
            out.mkdir(parents=True, exist_ok=True)
            (out / "human.md").write_text(md)
        return
    if not runs:
        _fail("give one or more run folders, or --human DIR")
    from .report.plots import plot_breakdowns
    from .report.tables import compare, error_table

    missing = [r for r in runs if not (r / "transcripts.jsonl").exists()]
    if missing:
        _fail(f"not a run folder (no transcripts.jsonl): {missing[0]}")
    md, csv, rows = compare(runs)
    console.print(md, markup=False, highlight=False, soft_wrap=True)  # "model [run]" names are not markup
    console.print(error_table(rows), markup=False, highlight=False, soft_wrap=True)
    if out:
        out.mkdir(parents=True, exist_ok=True)
        (out / "table.md").write_text(md + "\n" + error_table(rows))
        (out / "table.csv").write_text(csv)
        plot_breakdowns(rows, out / "breakdown.png")
        console.print(f"written to {out}")


# -------------------------------------------------------------------------- training


@app.command("train")
def train_cmd(config: Optional[Path] = typer.Argument(None, help="YAML config (see configs/)"),
              set_: list[str] = typer.Option([], "--set", help="Override a setting: KEY=VALUE (repeatable)"),
              prepare_only: bool = typer.Option(False, help="Tokenise and report masks statistics, do not train"),
              fmt_: Optional[str] = typer.Option(None, "--format", help="paper | native: train only dialogues in this format (config `format`)")) -> None:
    """Selective-masking SFT (LoRA or full). Multi-GPU: `accelerate launch -m asktoact.cli train CONFIG`."""
    from .train.config import load_config
    from .train.sft import prepare, train

    try:
        cfg = load_config(config, set_ + ([f"format={_format(fmt_)}"] if fmt_ else []))
    except (ValueError, FileNotFoundError) as e:
        _fail(e)
    if not cfg.data:
        _fail("no training data: set `data:` in the config or --set data=PATH")
    for f in cfg.data:
        if not Path(f).exists():
            _fail(f"no such data file: {f}")
    if prepare_only:
        rows, st = prepare(cfg)
        console.print(st)
        if st.dropped_too_long:
            console.print(f"{st.dropped_too_long} dialogues would be dropped (first assistant turn beyond max_len "
                          f"{cfg.max_len}): raise max_len" + (", or --set tool_style=compact for native dialogues"
                                                              if cfg.tool_style == "json" else ""))
        return
    summ = train(cfg, on_log=lambda logs: err.print({k: round(v, 4) if isinstance(v, float) else v for k, v in logs.items()}))
    p = summ["prep"]
    console.print(f"rows {p['rows']} (dropped with nothing to learn: {p['dropped_no_labels']}, masking errors: {p['errors']}, "
                  f"truncated: {p['truncated']}); supervised tokens {p['supervised']}/{p['tokens']}")
    if p.get("dropped_too_long"):
        console.print(f"[yellow]{p['dropped_too_long']} dialogues dropped: their first assistant turn does not fit in "
                      f"max_len {cfg.max_len}[/yellow] (see {cfg.output_dir}/rejects.jsonl); keep them with "
                      "--set max_len=N (larger)" + (" or, for native dialogues, --set tool_style=compact"
                                                     if cfg.tool_style == "json" else ""))
    console.print(f"steps {summ['global_steps']}, loss {summ['train_loss']:.4f}, {summ['tokens_per_s']} tokens/s; "
                  f"saved to {cfg.output_dir}")


@app.command("masks")
def masks(file: Path = typer.Argument(..., help="Dialogues JSONL"),
          model: str = typer.Option("embedded", "--model", "-m", help="Tokenizer: model spec or folder"),
          index: int = typer.Option(0, help="Which dialogue (0-based)"),
          id_: Optional[str] = typer.Option(None, "--id", help="Pick the dialogue by id instead"),
          chat_template: Optional[Path] = typer.Option(None, help="A Jinja chat template file to use instead"),
          max_len: Optional[int] = typer.Option(None, help="Truncate as training would"),
          fmt_: Optional[str] = typer.Option(None, "--format", help="paper | native: require this format (default: as written)"),
          tool_style: str = typer.Option("json", help="native: json or compact tool schemas in tools=")) -> None:
    """Show a dialogue's tokens: [green]learned[/green], masked, and [red]error spans[/red] (masked)."""
    from .io import read_jsonl
    from .schema import Dialogue
    from .train.config import TrainConfig
    from .train.sft import load_tokenizer
    from .train.tokenize import IGNORE, MaskingError, tokenize_any

    from .io import RejectSink

    rj = RejectSink(stage="masks")
    ds = list(read_jsonl(file, Dialogue, rejects=rj))
    if not ds and rj.count:
        _fail_unreadable(rj, file)
    _print_unreadable(rj)
    d = next((x for x in ds if x.id == id_), None) if id_ else (ds[index] if 0 <= index < len(ds) else None)
    if d is None:
        _fail(f"no dialogue {'with id ' + id_ if id_ else 'at index ' + str(index)} in {file} ({len(ds)} dialogues)")
    if fmt_ and d.format != _format(fmt_):
        _fail(f"{file}: dialogue {d.id} is in the {d.format} format, not {fmt_}")
    tok = load_tokenizer(TrainConfig(model=model))
    try:
        row = tokenize_any(tok, d, max_len, chat_template.read_text() if chat_template else None, tool_style)
    except MaskingError as e:
        _fail(f"{file}: dialogue {d.id}: {e}")
    from rich.text import Text

    out = Text()
    for tid, lab, (s, e) in zip(row.input_ids, row.labels, row.offsets):
        piece = row.text[s:e] if e > s else tok.decode([tid])
        in_err = any(s < ee and e > ss for ss, ee in row.error_ranges)
        style = "bold green" if lab != IGNORE else ("red strike" if in_err else "dim")
        out.append(piece, style=style)
    console.print(out)
    console.print(f"\n{d.id}: {len(row.input_ids)} tokens, {row.n_supervised} learned, "
                  f"{len(row.input_ids) - row.n_supervised} masked, {row.n_error_spans} error span(s)"
                  + (" (truncated)" if row.truncated else "")
                  + (f" (dropped in training: the first assistant turn ends at token {row.first_turn_tokens})"
                     if row.too_long else ""))


@app.command("merge")
def merge(adapter: Path = typer.Argument(..., help="LoRA adapter folder from `asktoact train`"),
          out: Path = typer.Option(..., "--out", "-o"),
          base: Optional[str] = typer.Option(None, help="Base model (default: the one the adapter names)")) -> None:
    """Merge a LoRA adapter into its base model and save a plain model folder."""
    from .train.sft import merge_adapter

    console.print(str(merge_adapter(adapter, out, base)))


@app.command("export")
def export(file: Path = typer.Argument(..., help="Dialogues JSONL (e.g. train.jsonl)"),
           fmt: str = typer.Option(..., "--format", "-f", help="llamafactory | axolotl | hf"),
           out: Path = typer.Option(..., "--out", "-o"),
           model: Optional[str] = typer.Option(None, help="Also write tokenised rows with our labels for this model"),
           max_len: int = typer.Option(2048), name: str = typer.Option("asktoact"),
           dfmt: Optional[str] = typer.Option(None, "--dialogue-format", help="paper | native: require this dialogue format"),
           tool_style: str = typer.Option("json", help="native: json or compact tool schemas")) -> None:
    """Export dialogues for LLaMA-Factory, Axolotl or plain HF datasets (native dialogues: with tools and calls)."""
    from .io import RejectSink, read_jsonl
    from .schema import Dialogue
    from .train import export as ex

    if fmt not in ("llamafactory", "axolotl", "hf"):
        _fail(f"unknown --format {fmt!r}: llamafactory, axolotl or hf")
    rj = RejectSink(stage="export")
    ds = list(read_jsonl(file, Dialogue, rejects=rj))
    if not ds and rj.count:
        _fail_unreadable(rj, file)
    _print_unreadable(rj)
    if dfmt:
        wrong = [d.id for d in ds if d.format != _format(dfmt)]
        if wrong:
            _fail(f"{file}: {len(wrong)} dialogues are not in the {dfmt} format (first: {wrong[0]})")
    rows = None
    if model:
        from .train.config import TrainConfig
        from .train.sft import load_tokenizer
        from .train.tokenize import prepare_rows

        rows = prepare_rows(load_tokenizer(TrainConfig(model=model)), ds, max_len, tool_style=tool_style)
    if fmt == "llamafactory":
        left_out: list = []
        path = ex.export_llamafactory(ds, out, name, rows, left_out)
        for did, why in left_out[:5]:
            err.print(f"left out {did}: {why}")
        if left_out:
            console.print(f"{len(left_out)} dialogues left out of the sharegpt file (see above); the tokenised rows "
                          "(--model) keep them")
    elif fmt == "axolotl":
        path = ex.export_axolotl(ds, out, name)
    elif fmt == "hf":
        path = ex.export_hf(ds, out, rows, source=str(file))
    else:
        _fail(f"unknown format {fmt!r}: llamafactory, axolotl or hf")
    console.print(f"{len(ds) + rj.count} lines = {len(ds)} dialogues exported -> {path} + {rj.count} unreadable (skipped)")


# ------------------------------------------------------------------- demo and humans


@app.command("demo")
def demo(out: Path = typer.Option(Path("runs/demo"), "--out", "-o", help="Where everything goes"),
         data_dir: Optional[Path] = typer.Option(None, help="A BFCL data folder (default: fetched and cached)"),
         records: int = typer.Option(300, help="Samples to curate"),
         eval_size: int = typer.Option(12, help="Held-out records evaluated"),
         model: str = typer.Option("embedded", help="Model under test (any model spec)"),
         max_tokens: int = typer.Option(96, help="Most new tokens per model turn"),
         max_rounds: int = typer.Option(6, help="Most questions per dialogue"),
         similarity: bool = typer.Option(True, help="Use the embedding similarity filter"),
         train: bool = typer.Option(False, "--train", help="Also LoRA-train the embedded model and re-evaluate"),
         train_steps: int = typer.Option(20, help="LoRA steps with --train"),
         shipped: bool = typer.Option(True, help="Also evaluate the base model and embedded:asktoact side by side "
                                                 "(native format, records the shipped model never saw)"),
         seed: int = typer.Option(0)) -> None:
    """Run the whole pipeline offline on real data: curate, dialogues, augment, masks, evaluate."""
    from .demo import DemoConfig, run_demo

    cfg = DemoConfig(out=out, data_dir=data_dir, records=records, eval_size=eval_size, model=model, seed=seed,
                     max_tokens=max_tokens, max_rounds=max_rounds, similarity=similarity, train=train,
                     train_steps=train_steps, shipped=shipped)
    try:
        res = run_demo(cfg, console)
    except (RuntimeError, FileNotFoundError, KeyError) as e:
        _fail(e)
    for name, summ in res["runs"].items():
        print_summary(summ)
    console.rule("metrics (paper Table 3 columns; IR in rounds, others in %)")
    console.print(res["table"])
    c = res["counts"]
    console.print(f"IC records {c['ic_kept']}, dialogues {c['dialogues']} ({c['augmented']} augmented), "
                  f"held-out records evaluated {c['eval']}"
                  + (f"; base vs embedded:asktoact on {c['eval_shipped']} records it never saw" if c.get("eval_shipped") else ""))
    t = Table(title="where everything went")
    t.add_column("what")
    t.add_column("path")
    for k, v in res["files"].items():
        t.add_row(k, v)
    console.print(t)
    console.print("timings (s): " + ", ".join(f"{k} {v}" for k, v in res["timings"].items()))


@app.command("chat")
def chat(model: str = typer.Option(..., "--model", "-m", help="Model spec"),
         tools: Path = typer.Option(..., "--tools", "-t", help="JSON list of tools"),
         out: Path = typer.Option(Path("runs/chat"), "--out", "-o", help="Folder for session files"),
         participant: str = typer.Option("anonymous", help="Who is chatting (kept in the session file)"),
         max_rounds: int = typer.Option(10), max_tokens: int = typer.Option(512)) -> None:
    """Talk to a model as a user: type a task, answer its questions, then rate the session."""
    from .chat import load_tools, run_chat

    try:
        tl = load_tools(tools)
    except (ValueError, FileNotFoundError) as e:
        _fail(e)
    run_chat(model, tl, out, participant, max_rounds, max_tokens, console=console)


@app.callback()
def _global(debug: bool = typer.Option(False, "--debug", help="Show the Python traceback of an error instead of one "
                                                               "`error:` line (also: ASKTOACT_DEBUG=1)")) -> None:
    """Train and measure tool-calling models that ask before they act (ASKToACT)."""


def user_error_line(e: BaseException) -> tuple[str, int]:
    """One line for an error, and the exit code: 2 for what the user can fix, 1 otherwise.
    Every secret the run has read is redacted from it."""
    from .redact import redact

    line, code = _error_line(e)
    return redact(line), code


def _error_line(e: BaseException) -> tuple[str, int]:
    from pydantic import ValidationError

    try:
        import yaml

        yaml_error: tuple = (yaml.YAMLError,)
    except ImportError:  # pragma: no cover
        yaml_error = ()
    if isinstance(e, (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError)):
        if e.filename is None:
            return " ".join(str(e).split()) or type(e).__name__, 2
        return f"{e.strerror or type(e).__name__}: {e.filename}", 2
    if isinstance(e, UnicodeDecodeError):
        return f"input is not UTF-8 text ({e.reason} at byte {e.start})", 2
    if isinstance(e, ValidationError):
        err = e.errors()[0]
        where = ".".join(str(x) for x in err.get("loc", ())) or "record"
        return f"invalid {e.title}: {where}: {err.get('msg')}", 2
    if yaml_error and isinstance(e, yaml_error):
        return f"malformed YAML: {str(e).splitlines()[0]}", 2
    if isinstance(e, (ValueError, KeyError, RuntimeError, OSError)):
        msg = str(e).strip("'\"") if isinstance(e, KeyError) else str(e)
        return " ".join(msg.split()) or type(e).__name__, 2
    return f"unexpected {type(e).__name__}: {e} (run with --debug for the traceback)", 1


def main() -> None:  # pragma: no cover - the console script; tests drive it as a subprocess
    """Entry point: user errors end in one `error:` line and exit 2, never a traceback."""
    import os
    import sys

    import click

    debug = "--debug" in sys.argv[1:] or os.environ.get("ASKTOACT_DEBUG") not in (None, "", "0")
    try:
        rc = app(standalone_mode=False)
    except (click.exceptions.Exit, typer.Exit) as e:
        sys.exit(getattr(e, "exit_code", 1))
    except (click.exceptions.Abort, typer.Abort):
        err.print("aborted")
        sys.exit(130)
    except (click.ClickException, typer.TyperException) as e:  # typer vendors its own click
        if hasattr(e, "show"):
            e.show()
        else:
            err.print(f"error: {e}", markup=False, highlight=False)
        sys.exit(getattr(e, "exit_code", 2))
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
    except Exception as e:  # noqa: BLE001 - the boundary where exceptions become messages
        if debug:
            raise
        line, code = user_error_line(e)
        from rich.markup import escape

        err.print(f"[red]error:[/red] {escape(line)}", markup=True, highlight=False, soft_wrap=True)
        sys.exit(code)
    sys.exit(rc if isinstance(rc, int) else 0)


if __name__ == "__main__":  # pragma: no cover
    main()
