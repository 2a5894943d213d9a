"""Pipeline commands: corpus, labels add/sample/validate, train, evaluate, predict, report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from framing.cli._common import (ConfigPath, Experiment, Overrides, Root, Skipped, Strict, _config, _progress, _project,
                                 app, columns, corpus_app, err, friendly, labels_app, literal, out, steps, tagged)


@corpus_app.command("stats")
@friendly
def corpus_stats_cmd(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="Corpus folder or table.")] = Path("corpus"),
    text_col: Annotated[str, typer.Option(help="Text column of a table.")] = "text",
    id_col: Annotated[str, typer.Option(help="Article id column of a table.")] = "id",
    outlet_col: Annotated[str, typer.Option(help="Outlet column of a table.")] = "outlet",
    paragraphs: Annotated[bool, typer.Option("--paragraphs", help="Rows are paragraphs already (an imported "
                                                                  "project: data.paragraph_rows), grouped into "
                                                                  "articles by --article-col.")] = False,
    article_col: Annotated[str, typer.Option(help="With --paragraphs: the column naming each row's article.")] = "article_id",
    strict: Strict = False,
) -> None:
    """Articles, paragraphs and dropped boilerplate per outlet."""
    from framing.corpus.read import corpus_stats

    skipped = Skipped()
    with _progress() as bar:
        task = bar.add_task("reading the corpus", total=None)
        table = corpus_stats(path, columns=columns(ctx, id=id_col, text=text_col, outlet=outlet_col, article=article_col),
                             paragraphs=paragraphs, on_skip=None if strict else skipped,
                             on_file=lambda file: bar.update(task, advance=1, description=f"reading {file.name}"))
    out.print(table.to_string(index=False), markup=False, highlight=False)
    skipped.summary()


@labels_app.command("add")
@friendly
def labels_add_cmd(
    decisions: Annotated[Path, typer.Argument(help="TSV/CSV, wide: paragraph_id and one column per dimension "
                                                   "(labels separated by ',' or '|'; empty or (none) = none), optionally "
                                                   "DIMENSION__rationale columns (words that decided it, ';'-separated); "
                                                   "or long: paragraph_id, dimension, value columns, one row per "
                                                   "paragraph and dimension (optionally rationale), which can label a "
                                                   "single dimension.",
                                              exists=True, dir_okay=False)],
    annotator: Annotated[str, typer.Option(help="Who read and labelled these paragraphs.")],
    output: Annotated[Path | None, typer.Option("--out", help="Labels file (default labels/ANNOTATOR.jsonl).")] = None,
    root: Root = Path("."),
    experiment: Experiment = "default",
    config: ConfigPath = None,
) -> None:
    """Record labels you decided by reading each paragraph (validated against codebook and corpus).
    Wide layout labels every dimension; long layout (paragraph_id, dimension, value) any of them."""
    from framing.labels.decisions import add_labels

    cfg = _config(root, experiment, config, None)
    target = output or root / cfg.data.labels / f"{annotator}.jsonl"
    written = add_labels(decisions, annotator=annotator, output=target, config=cfg, root=root)
    out.print(f"recorded {written} label{'' if written == 1 else 's'} by {annotator} in {target}")


@labels_app.command("sample")
@friendly
def labels_sample_cmd(
    output: Annotated[Path, typer.Option("--out", "-o", help="Batch file to write (.jsonl or .csv).")],
    quota: Annotated[list[str], typer.Option(help="OUTLET=N: take N paragraphs of this outlet (repeatable).")],
    order: Annotated[str, typer.Option(help="stratified, random, corpus, or (with a trained model) uncertainty or "
                                            "uncertainty-stratified.")] = "stratified",
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    skip_labelled: Annotated[bool, typer.Option(help="Leave out paragraphs that already have labels.")] = True,
    exclude: Annotated[list[Path] | None, typer.Option(help="Leave out the paragraphs of these earlier batch files.")] = None,
    root: Root = Path("."), experiment: Experiment = "default", config: ConfigPath = None,
) -> None:
    """Write a batch of paragraphs to label, spread over outlets and articles."""
    from framing.labels.sampling import MODEL_ORDERS, parse_quotas, sample_batch
    from framing.project import uncertainty_scorer

    quotas = parse_quotas(quota)
    cfg = _config(root, experiment, config, None)
    batch = sample_batch(cfg, root, quotas=quotas, order=order, seed=seed, skip_labelled=skip_labelled,
                         exclude=exclude or [], output=output,
                         scorer=uncertainty_scorer(cfg, root) if order in MODEL_ORDERS else None)
    summary = batch.groupby("outlet").agg(paragraphs=("paragraph_id", "size"), articles=("article_id", "nunique"))
    out.print(summary.to_string(), markup=False)
    for outlet, asked in quotas.items():
        if (got := int(summary["paragraphs"].get(outlet, 0))) < asked:
            left_out = "labelled paragraphs and --exclude batches" if skip_labelled else "--exclude batches"
            err.print(tagged("note:", f"{outlet}: {got} of the {asked} paragraphs asked for — all it has "
                                      f"({left_out} left out)"))
    out.print(f"wrote {len(batch)} paragraph{'' if len(batch) == 1 else 's'} to {output}", markup=False)


@labels_app.command("validate")
@friendly
def labels_validate_cmd(root: Root = Path("."), experiment: Experiment = "default", config: ConfigPath = None) -> None:
    """Check every labels file against the codebook and the corpus."""

    data = _project(_config(root, experiment, config, None), root)
    per = data.labels.groupby("dimension")["paragraph_id"].nunique()
    out.print(f"ok: {len(data.labels)} labels by {data.labels['annotator'].nunique()} annotator(s) on "
              f"{data.labels['paragraph_id'].nunique()} of {len(data.paragraphs)} corpus paragraphs")
    for name in data.codebook.names:
        out.print(f"  {name}: {int(per.get(name, 0))} paragraphs labelled")


@app.command("train")
@friendly
def train_cmd(root: Root = Path("."), experiment: Experiment = "default", config: ConfigPath = None,
              overrides: Overrides = None) -> None:
    """Train one TF-IDF + logistic-regression model per dimension on all hand labels."""
    from framing.evaluate.experiment import train

    settings = _config(root, experiment, config, overrides)
    with steps("train") as step:
        result = train(settings, root, progress=step)
    for name, counts in result.counts.items():
        out.print(f"{name}: trained on {counts['paragraphs']} paragraphs")
    _print_metrics(result.metrics)
    out.print(f"model saved to {result.model_dir} ({result.seconds:.1f} s)")


@app.command("evaluate")
@friendly
def evaluate_cmd(root: Root = Path("."), experiment: Experiment = "default", config: ConfigPath = None,
                 overrides: Overrides = None,
                 by: Annotated[str, typer.Option(help="Group folds by 'article' or leave one 'outlet' out.")] = "article",
    curve: Annotated[bool, typer.Option("--learning-curve", help="Also cross-validate on 25/50/75/100% of the labelled articles.")] = False,
    train_on: Annotated[list[str] | None, typer.Option(help="Instead of CV: train on this corpus collection (repeatable).")] = None,
    test_on: Annotated[list[str] | None, typer.Option(help="... and report on this collection (repeatable).")] = None,
) -> None:
    """Grouped cross-validation: per-label precision, recall, F1 against a majority baseline."""
    from framing.evaluate.experiment import evaluate_experiment

    cfg = _config(root, experiment, config, overrides)
    with steps("evaluate") as step:
        done = evaluate_experiment(cfg, root, by=by, train_on=train_on, test_on=test_on, curve=curve, progress=step)
    _print_metrics(done.metrics)
    if not done.table.empty:  # no dimension could be evaluated: the lines above say why
        out.print(done.table.to_string(index=False, na_rep="", float_format=lambda v: f"{v:.2f}"), markup=False)
    out.print(f"written to {done.metrics_path}", markup=False)
    if done.curve is not None:
        out.print(done.curve.to_string(index=False, float_format=lambda v: f"{v:.3f}"))


@app.command("experiments")
@friendly
def experiments_cmd(root: Root = Path("."),
                    markdown: Annotated[bool, typer.Option(help="Print a Markdown table.")] = False) -> None:
    """Compare experiments: macro-F1 per dimension of every experiments/*/metrics.json."""
    from framing.evaluate.compare import summarise_experiments

    table = summarise_experiments(root)
    if table.empty:
        out.print(f"no experiment in {root / 'experiments'} has metrics yet — run `framing evaluate` (or `framing train`) "
                  "to write experiments/NAME/metrics.json", markup=False)
        return
    out.print(table.to_markdown(index=False) if markdown else table.to_string(index=False, na_rep=""))


def _print_expected(metrics: dict) -> None:
    expected = metrics.get("expected")
    if expected and expected.get("dimensions"):
        from framing.evaluate.experiment import expected_by_outlet, expected_text, few_tested

        out.print(f"expected on new articles — macro-F1 {expected_text(expected)} ({expected['basis']})", markup=False)
        if caution := few_tested(expected):
            out.print(f"  {caution}", markup=False)
        for outlet, figures in expected_by_outlet(metrics).items():  # the same test, one outlet's articles
            out.print(f"  {outlet}: {expected_text(figures, level=False)}", markup=False)


def _print_metrics(metrics: dict) -> None:
    from framing.evaluate.experiment import cautions

    _print_expected(metrics)
    for name, m in metrics.items():
        if name in ("expected", "time_forward", "config"):
            continue
        if "macro_f1" not in m:
            out.print(f"{name}: not evaluated — {'; '.join(m.get('warnings', []))}")
            continue
        if m["by"] in ("article", "outlet"):
            how = f"{m['folds']} fold{'s' if m['folds'] != 1 else ''} grouped by {m['by']}, all collections pooled"
        else:  # a predefined split (--train-on/--test-on): "train A+B, test C"
            how = m["by"].replace("train ", "trained on ", 1).replace(", test ", ", tested on ", 1)
        out.print(f"{name}: macro-F1 {m['macro_f1']:.2f} vs majority baseline {m['baseline_macro_f1']:.2f} "
                  f"({m['n']} paragraphs, {how})", markup=False)
        per = m.get("by_collection", {})
        if per:
            out.print("  by collection: " + ", ".join(f"{c} {v['macro_f1']:.2f} (n={v['n']})" for c, v in per.items()))
        for caution in cautions(name, m):
            out.print(tagged("caution:", caution, indent="  "))


@app.command("predict")
@friendly
def predict_cmd(
    ctx: typer.Context,
    source: Annotated[Path, typer.Argument(help="Folder of articles or a table (.jsonl/.csv/.parquet).")],
    output: Annotated[Path | None, typer.Option("--out", "-o", help="Output .csv, .jsonl or .parquet (without it, a "
                                                                 "handful of articles are shown in the terminal).")] = None,
    articles: Annotated[Path | None, typer.Option("--articles", help="Also write one row per article (.csv, .jsonl or "
                                                                   ".parquet): shares, decisions, supporting paragraphs.",
                                                  dir_okay=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Without --out: print the articles as JSON (for scripts).")] = False,
    model: Annotated[Path, typer.Option(help="Trained model folder.")] = Path("experiments/default"),
    paragraphs: Annotated[bool, typer.Option("--paragraphs", help="Rows are paragraphs already: do not split; "
                                                                  "keep the id column as paragraph id.")] = False,
    text_col: Annotated[str, typer.Option(help="Text column of a table.")] = "text",
    id_col: Annotated[str, typer.Option(help="Id column of a table.")] = "id",
    outlet_col: Annotated[str, typer.Option(help="Outlet column of a table.")] = "outlet",
    date_col: Annotated[str, typer.Option(help="Date column of a table.")] = "date",
    title_col: Annotated[str, typer.Option(help="Title column of a table.")] = "title",
    article_col: Annotated[str, typer.Option(help="With --paragraphs: the column naming each row's article "
                                                  "(rows without one are articles of their own).")] = "article_id",
    chunk_size: Annotated[int, typer.Option(min=1, help="Table rows (or article files of a folder) read and scored per chunk.")] = 5000,
    terms: Annotated[int, typer.Option(min=0, help="Top contributing terms per predicted label (0 = none).")] = 3,
    engine: Annotated[str, typer.Option(help=literal(
        "fast (exact fast path), sklearn (the reference path) or dask (a folder of shards on a Dask cluster; "
        "needs framing[dask])."))] = "fast",
    workers: Annotated[int | None, typer.Option(min=1, help="Worker processes (default: the cores this process may use).")] = None,
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler address (engine dask; default: a local cluster).")] = None,
    keep_text: Annotated[bool, typer.Option("--keep-text", help="Keep each paragraph's text and its article's title "
                                            "in the output, so that `framing report` can show the words, paragraphs "
                                            "and titles behind the shares of articles outside the project's corpus.")] = False,
    strict: Strict = False,
) -> None:
    """Tag every paragraph of new articles; streams the input in chunks. Without --out, shows a
    handful of articles in the terminal: each article's decisions, then its paragraphs' tags."""
    from framing.model.saved import load_model
    from framing.predict.engines import check_options, predict_to

    check_options(engine=engine, output=output, articles=articles, as_json=as_json, keep_text=keep_text)
    loaded = load_model(model)
    for note in loaded.notes:
        err.print(tagged("warning:", note))
    cols = columns(ctx, id=id_col, text=text_col, outlet=outlet_col, date=date_col, title=title_col, article=article_col)
    skipped = Skipped()
    on_skip = None if strict else skipped
    if output is None:
        _show(loaded, source, cols, paragraphs=paragraphs, terms=terms, engine=engine, as_json=as_json, on_skip=on_skip)
        skipped.summary()
        return
    with _progress() as bar:
        task = bar.add_task("predicting shards on Dask" if engine == "dask" else "predicting paragraphs", total=None)
        run = predict_to(loaded, source, output, columns=cols, paragraphs=paragraphs, chunk_size=chunk_size, terms=terms,
                         engine=engine, workers=workers, scheduler=scheduler, keep_text=keep_text, articles=articles,
                         progress=lambda n: bar.advance(task, n), on_skip=on_skip)
    _print_run(run, output, articles)
    skipped.summary()


def _print_run(run, output: Path, articles: Path | None) -> None:
    if run.shards_written is not None:
        out.print(f"wrote {run.rows} paragraph predictions in {run.shards_written} new shard(s) to {output} "
                  f"({run.shards_skipped} shard(s) already done)")
        return
    dropped = sum(run.dropped.values())
    detail = "; ".join(f"{reason}: {n}" for reason, n in run.dropped.items())
    out.print(f"wrote {run.rows} paragraph predictions to {output}"
              + (f" ({dropped} paragraph(s) dropped as boilerplate — {detail})" if dropped else ""), markup=False)
    if run.article_rules is not None:
        out.print(f"wrote the article table to {articles}; per article:", markup=False)
        for name, rule in run.article_rules.items():
            out.print(f"  {name}: {rule}", markup=False)


def _show(model, source: Path, cols, *, paragraphs: bool, terms: int, engine: str, as_json: bool, on_skip) -> None:
    """The terminal view (or its JSON) of a handful of articles."""
    import json

    from framing.cli.view import render
    from framing.predict.preview import preview

    view = preview(model, source, columns=cols, paragraphs=paragraphs, terms=terms, engine=engine, on_skip=on_skip)
    records = view.records()
    if as_json:
        typer.echo(json.dumps({"rules": view.rules, "articles": records}, ensure_ascii=False, indent=2))
        return
    for item in render(records, view.rules):
        out.print(item, soft_wrap=False)


@app.command("report")
@friendly
def report_cmd(
    output: Annotated[Path, typer.Option("--out", "-o", help="Report folder.")] = Path("reports/default"),
    predictions: Annotated[Path | None, typer.Option(help="Predictions from `framing predict`.")] = None,
    labels: Annotated[bool, typer.Option("--labels", help="Profile the hand labels instead of predictions.")] = False,
    model: Annotated[Path, typer.Option(help="Model folder (codebook, metrics, out-of-fold predictions).")] = Path("experiments/default"),
    collection: Annotated[list[str] | None, typer.Option(help="Only this corpus collection (repeatable).")] = None,
    outlet: Annotated[list[str] | None, typer.Option(help="Only this outlet (repeatable).")] = None,
    compare: Annotated[tuple[str, str] | None, typer.Option(help="Two outlets to compare label by label.")] = None,
    events: Annotated[Path | None, typer.Option(help="CSV of events (date,label) to mark on the time charts.",
                                                exists=True, dir_okay=False)] = None,
    period: Annotated[str, typer.Option(help="Time charts by 'week', 'month' or 'auto'.")] = "auto",
    title: Annotated[str | None, typer.Option(help="Report title.")] = None,
    n_boot: Annotated[int | None, typer.Option(min=100, help="Bootstrap resamples (default: report.n_boot).")] = None,
    min_articles: Annotated[int | None, typer.Option(min=1, help="Articles an outlet needs to enter the summary, "
                                                      "the charts and --compare (default: report.min_articles).")] = None,
    root: Root = Path("."), experiment: Experiment = "default", config: ConfigPath = None,
) -> None:
    """One self-contained page of each outlet's framing profile: summary (outlets compared within
    their collection, each with enough articles), charts with intervals, outlet shares from hand
    labels + model, time, why, hand labels vs model, validity per collection, and method notes."""
    from framing.errors import ReportError
    from framing.report.build import build_report

    if labels == (predictions is not None):
        raise ReportError("say what to profile", fix="pass either --predictions FILE or --labels")
    overrides = [f"report.min_articles={min_articles}"] if min_articles is not None else None
    settings = _config(root, experiment, config, overrides)
    with steps("report") as step:
        page = build_report("labels" if labels else "predictions", root, predictions=predictions, model_dir=model,
                      config=settings, out_dir=output, title=title, n_boot=n_boot, collections=collection,
                      outlets=outlet, compare=compare, events=events, period=period, progress=step)
    out.print(f"report written to {page}")
