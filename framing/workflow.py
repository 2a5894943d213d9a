"""The steps a user runs, as library functions: each takes a config and a project root and
returns data. The CLI only parses arguments, calls one of these and prints."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from framing._io import atomic_write, sha256_file, write_json
from framing.attribution import with_context
from framing.codebook import Codebook, load_codebook
from framing.config import ExperimentConfig
from framing.corpus import read_paragraphs
from framing.errors import ConfigError, LabelsError, ModelError, ReportError
from framing.evaluate import (DimensionResult, choose_offsets, choose_thresholds, cross_validate, forward_evaluate,
                              merge_oof, metrics_table, read_oof, shift_probabilities)
from framing.labels import label_files, labelled_paragraphs, read_labels
from framing.model import FramingModel, fit_inputs, load_model, save_model
from framing.predict import read_predictions
from framing.profile import outlet_profile
from framing.report import write_report


@dataclass
class ProjectData:
    codebook: Codebook
    paragraphs: pd.DataFrame
    labels: pd.DataFrame
    table: pd.DataFrame  # labelled paragraphs, one column per dimension
    hashes: dict = field(default_factory=dict)


def project_paragraphs(config: ExperimentConfig, root: str | Path = ".") -> pd.DataFrame:
    """The corpus paragraphs of a project, as its config says to read them."""
    paragraphs = read_paragraphs(Path(root) / config.data.corpus, paragraphs=config.data.paragraph_rows)
    if config.data.collections:
        paragraphs = paragraphs[paragraphs["collection"].isin(config.data.collections)]
    return paragraphs


def load_project(config: ExperimentConfig, root: str | Path = ".") -> ProjectData:
    """Codebook, corpus paragraphs and validated hand labels, joined into a training table."""
    root = Path(root)
    codebook = load_codebook(root / config.data.codebook)
    paragraphs = project_paragraphs(config, root)
    labels_path = root / config.data.labels
    files = label_files(labels_path)
    if not files:
        raise LabelsError("no labels files (*.jsonl) found", path=labels_path,
                          fix="label paragraphs with `framing labels add` or point data.labels at your labels")
    labels = read_labels(labels_path, codebook, paragraph_ids=paragraphs["paragraph_id"])
    if config.features.context:  # what the models read: each text with its article's earlier paragraphs
        paragraphs = paragraphs.assign(input=with_context(paragraphs["article_id"].tolist(), paragraphs["text"].tolist(),
                                                          config.features.context))
    table = labelled_paragraphs(paragraphs, labels, codebook)
    hashes = {"codebook_sha256": codebook.sha256,
              "labels_sha256": {str(f.relative_to(root) if f.is_relative_to(root) else f): sha256_file(f) for f in files}}
    return ProjectData(codebook, paragraphs, labels, table, hashes)


def _label_counts(data: ProjectData) -> dict:
    counts: dict = {}
    for dim in data.codebook.dimensions:
        values = data.table[dim.name].dropna()
        flat = [v for value in values for v in (value if dim.multi else [value])]
        counts[dim.name] = {"paragraphs": int(len(values)),
                            **{label: flat.count(label) for label in dim.label_names}}
    return counts


def _dimension_metrics(r: DimensionResult) -> dict:
    return {"kind": r.kind, "n": r.n, "groups": r.groups, "folds": r.folds, "by": r.by, **r.metrics,
            "warnings": r.warnings}


def expected_figures(metrics: dict, config: ExperimentConfig) -> dict:
    """The figure a user should expect on new articles: macro-F1 per dimension on the lead
    collection, time-forward where that test ran, else grouped CV (pooled when no lead is set)."""
    collection = config.evaluate.collection
    forward = metrics.get("time_forward", {}).get("dimensions", {})
    out: dict = {"collection": collection or "all", "dimensions": {}}
    for name, m in metrics.items():
        if not isinstance(m, dict) or "macro_f1" not in m:
            continue
        f = forward.get(name, {})
        if collection and collection in f.get("by_collection", {}):
            out["dimensions"][name] = f["by_collection"][collection]["macro_f1"]
            out["basis"] = f"time-forward (trained before {metrics['time_forward']['cut']}), {collection} paragraphs"
        elif not collection and "macro_f1" in f:
            out["dimensions"][name] = f["macro_f1"]
            out["basis"] = f"time-forward (trained before {metrics['time_forward']['cut']})"
        elif collection and collection in m.get("by_collection", {}):
            out["dimensions"][name] = m["by_collection"][collection]["macro_f1"]
            out["basis"] = f"grouped CV, {collection} paragraphs"
        else:
            out["dimensions"][name] = m["macro_f1"]
            out["basis"] = "grouped CV, all paragraphs"
    return out


def _write_evaluation(results: list[DimensionResult], out_dir: Path, suffix: str = "", *,
                     forward: list[DimensionResult] | None = None, config: ExperimentConfig | None = None) -> dict:
    metrics: dict = {r.dimension: _dimension_metrics(r) for r in results}
    if forward:
        metrics["time_forward"] = {"cut": forward[0].metrics.get("cut", forward[0].by.rsplit(" ", 1)[-1]),
                                   "dimensions": {r.dimension: _dimension_metrics(r) for r in forward}}
    if config is not None:
        metrics["expected"] = expected_figures(metrics, config)
    write_json(out_dir / f"metrics{suffix}.json", metrics)
    with atomic_write(out_dir / f"cv_predictions{suffix}.csv") as handle:
        merge_oof(results).to_csv(handle, index=False)
    return metrics


def decision_rule(results: list[DimensionResult], codebook: Codebook, config: ExperimentConfig) -> tuple[dict, dict]:
    """The saved model's decision parameters, chosen on the out-of-fold predictions (of the
    ``classifier.tune_on`` collection): multi-label thresholds when ``threshold = "oof"``, and
    single-choice offsets when ``single_offsets``. The results' out-of-fold probabilities of
    single-choice dimensions are shifted by those offsets, as the saved model's will be."""
    thresholds: dict = {}
    offsets: dict = {}
    for dim, result in zip(codebook.dimensions, results):
        if result.oof is None:
            continue
        if dim.multi and config.classifier.threshold == "oof":
            thresholds[dim.name] = choose_thresholds(result, dim, config.classifier.tune_on)
        if not dim.multi and config.classifier.single_offsets:
            offsets[dim.name] = choose_offsets(result, dim, config.classifier.tune_on)
            columns = [f"{dim.name}:{name}" for name in dim.label_names]
            valid = result.oof[columns].notna().all(axis=1)
            shift = np.array([offsets[dim.name][name] for name in dim.label_names])
            result.oof.loc[valid, columns] = shift_probabilities(result.oof.loc[valid, columns].to_numpy(), shift)
    return thresholds, offsets


def evaluate(config: ExperimentConfig, root: str | Path = ".", *, by: str = "article",
             out_dir: str | Path | None = None, train_on: list[str] | None = None,
             test_on: list[str] | None = None) -> tuple[list[DimensionResult], pd.DataFrame]:
    """Grouped cross-validation (or, with ``train_on``/``test_on`` collections, a predefined
    train/test split); writes ``metrics[_suffix].json`` and the out-of-fold predictions."""
    from framing.evaluate import holdout_dimension

    data = load_project(config, root)
    out = Path(out_dir) if out_dir else Path(root) / "experiments" / config.name
    if train_on or test_on:
        if not (train_on and test_on):
            raise ConfigError("give both --train-on and --test-on", fix="e.g. --train-on train --test-on test")
        known = set(data.table["collection"])
        for name in [*train_on, *test_on]:
            if name not in known:
                raise ConfigError(f"no collection {name!r}", fix=f"collections: {', '.join(sorted(known))}")
        train = data.table["collection"].isin(train_on)
        test = data.table["collection"].isin(test_on)
        label = f"train {'+'.join(train_on)}, test {'+'.join(test_on)}"
        results = [holdout_dimension(data.table, dim, config, train, test, label) for dim in data.codebook.dimensions]
        _write_evaluation(results, out, "_holdout")
        return results, metrics_table(results)
    results = cross_validate(data.table, data.codebook, config, by=by)
    if by == "article":
        decision_rule(results, data.codebook, config)
        forward = forward_evaluate(data.table, data.codebook, config)
        _write_evaluation(results, out, forward=forward, config=config)
    else:
        _write_evaluation(results, out, f"_by_{by}")
    return results, metrics_table(results)


@dataclass
class TrainResult:
    model_dir: Path
    counts: dict
    metrics: dict
    seconds: float


def train(config: ExperimentConfig, root: str | Path = ".", *, out_dir: str | Path | None = None) -> TrainResult:
    """Fit every dimension on all labels, cross-validate (grouped by article) for the meta,
    choose multi-label thresholds if the config asks for ``"oof"``, and save the artifact."""
    started = time.perf_counter()
    data = load_project(config, root)
    out = Path(out_dir) if out_dir else Path(root) / "experiments" / config.name
    model = FramingModel(data.codebook, config)
    results = cross_validate(data.table, data.codebook, config)
    thresholds, offsets = decision_rule(results, data.codebook, config)
    for dim in data.codebook.dimensions:
        rows = data.table[data.table[dim.name].notna()]
        if rows.empty:
            raise ModelError(f"dimension {dim.name!r} has no labelled paragraphs", fix="label some paragraphs first")
        model.fit_dimension(dim, *fit_inputs(rows, dim.name))
        if dim.name in thresholds:
            model.thresholds[dim.name] = thresholds[dim.name]
        if dim.name in offsets:
            model.set_offsets(dim.name, offsets[dim.name])
    forward = forward_evaluate(data.table, data.codebook, config)
    metrics = _write_evaluation(results, out, forward=forward, config=config)
    seconds = time.perf_counter() - started
    counts = _label_counts(data)
    save_model(model, out, extra_meta={"data": data.hashes, "label_counts": counts,
                                       "cv_metrics": metrics, "train_seconds": round(seconds, 2)})
    with atomic_write(out / "config.resolved.toml") as handle:
        handle.write(_toml(config.to_dict()))
    return TrainResult(out, counts, metrics, seconds)


def _toml(data: dict, prefix: str = "") -> str:
    lines, tables = [], []
    for key, value in data.items():
        if isinstance(value, dict):
            tables.append(_toml(value, f"{prefix}{key}."))
        elif value is not None:
            lines.append(f"{key} = {_toml_value(value)}")
    head = f"[{prefix[:-1]}]\n" if prefix else ""
    return head + "\n".join(lines) + "\n\n" + "".join(tables)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _labelled_profile_frame(oof: pd.DataFrame, codebook: Codebook, thresholds: dict, which: str) -> pd.DataFrame:
    """Out-of-fold table → a frame of hand (``which="hand"``) or predicted values per dimension."""
    from framing.profile import predicted_indicators

    frame = oof[["article_id", "outlet"]].copy()
    pred = predicted_indicators(oof, codebook, thresholds) if which == "predicted" else None
    for dim in codebook.dimensions:
        true_col = f"{dim.name}__true"
        if true_col not in oof:
            continue
        has = oof[true_col].notna()
        if which == "hand":
            values = oof[true_col].where(has)
        else:
            cols = [f"{dim.name}:{label}" for label in dim.label_names]
            hits = pred[cols].to_numpy()
            values = pd.Series(["|".join(dim.label_names[j] for j in np.flatnonzero(row == 1)) for row in np.nan_to_num(hits)],
                               index=oof.index).where(has & pred[cols].notna().all(axis=1))
        frame[dim.name] = values
    return frame


def _out_of_fold(frame: pd.DataFrame, oof: pd.DataFrame, codebook: Codebook, thresholds: dict) -> tuple[pd.DataFrame, int]:
    """Predictions with each training paragraph's in-sample values replaced, dimension by dimension,
    by its out-of-fold prediction; and how many paragraphs were replaced."""
    if "paragraph_id" not in frame:
        return frame, 0
    held_out = _labelled_profile_frame(oof, codebook, thresholds, "predicted").set_index(oof["paragraph_id"].astype(str))
    held_out = held_out[~held_out.index.duplicated()]
    ids = frame["paragraph_id"].astype(str)
    inside = ids.isin(held_out.index)
    if not inside.any():
        return frame, 0
    frame = frame.copy()
    for dim in codebook.dimensions:
        if dim.name in frame and dim.name in held_out:
            values = ids[inside].map(held_out[dim.name])
            frame.loc[values.index[values.notna()], dim.name] = values[values.notna()]
    return frame, int(inside.sum())


def validation_table(oof: pd.DataFrame, codebook: Codebook, thresholds: dict, *, outlets: list[str] | None = None,
                     n_boot: int = 1000, seed: int = 0) -> pd.DataFrame:
    """Per outlet and label: share in the hand labels and in the cross-validated predictions of
    the same paragraphs, each with an article-bootstrap CI."""
    if outlets is not None:
        oof = oof[oof["outlet"].isin(outlets)]
    hand = outlet_profile(_labelled_profile_frame(oof, codebook, thresholds, "hand"), codebook, n_boot=n_boot, seed=seed)
    pred = outlet_profile(_labelled_profile_frame(oof, codebook, thresholds, "predicted"), codebook, n_boot=n_boot, seed=seed)
    keys = ["outlet", "dimension", "label"]
    table = hand.rename(columns={"share": "hand", "ci_low": "hand_low", "ci_high": "hand_high"}).merge(
        pred[keys + ["share", "ci_low", "ci_high"]].rename(
            columns={"share": "predicted", "ci_low": "predicted_low", "ci_high": "predicted_high"}), on=keys)
    return table


def _why(model: FramingModel, frame: pd.DataFrame, texts: pd.Series, *, per_outlet: int = 3000, seed: int = 0) -> tuple[dict, dict]:
    """Outlet-specific terms per label, and the most confident example paragraphs."""
    from framing.explain import outlet_terms

    rows = frame.assign(text=frame["paragraph_id"].astype(str).map(texts)).dropna(subset=["text"])
    if rows.empty:
        return {}, {}
    rows = rows.sample(frac=1.0, random_state=seed).groupby("outlet").head(per_outlet).reset_index(drop=True)
    outlets = rows["outlet"].astype(str).to_numpy()
    why, examples = {}, {}
    for name, dim_model in model.dimensions.items():
        X = dim_model.transform(rows["text"].tolist())
        for label in dim_model.labels_:
            why[(name, label)] = outlet_terms(dim_model, X, outlets, label)
            column = f"{name}:{label}"
            if column not in rows:
                continue
            for outlet, group in rows.groupby("outlet"):
                top = group.nlargest(3, column)
                top = top[top[column] >= 0.5]
                examples[(name, label, str(outlet))] = [(float(r[column]), r["text"], str(r["paragraph_id"]))
                                                        for _, r in top.iterrows()]
    return why, examples


def _ranked_articles(model: FramingModel, frame: pd.DataFrame, codebook: Codebook, top: int,
                     texts: pd.Series | None) -> pd.DataFrame | None:
    """The report's articles table (:func:`framing.articles.rank_articles`), with each supporting
    paragraph's text where the corpus has it; None when the predictions lack probability columns."""
    from framing.articles import ArticleSpec, articles_from_predictions, rank_articles

    spec = ArticleSpec.from_model(model)
    if any(c not in frame for c in spec.columns):
        return None
    ranked = rank_articles(articles_from_predictions(frame, spec, support="carried"), codebook, top=top)
    if texts is not None:
        ranked["text"] = ranked["paragraph_id"].map(texts)
    return ranked


def report(source: str, root: str | Path = ".", *, predictions: str | Path | None = None,
           model_dir: str | Path | None = None, config: ExperimentConfig | None = None,
           out_dir: str | Path, title: str | None = None, n_boot: int = 2000, seed: int = 0,
           collections: list[str] | None = None, outlets: list[str] | None = None,
           compare: tuple[str, str] | None = None, events: str | Path | None = None,
           period: str = "auto") -> Path:
    """Build the outlet report from predictions (``source="predictions"``) or hand labels
    (``source="labels"``). Returns the path of ``index.html``."""
    from framing.inference import label_budget, method_notes, outlet_shares
    from framing.profile import compare_outlets, indicators, largest_differences, time_profile
    from framing.report import ReportContent, write_report

    root = Path(root)
    config = config or ExperimentConfig()
    notes: dict[str, str] = {}
    model = meta = oof = texts = None
    if source == "labels":
        data = load_project(config, root)
        frame, codebook = data.table, data.codebook
        notes["Data"] = f"hand labels ({len(frame)} labelled paragraphs) from {config.data.labels}"
        notes["Labels"] = "; ".join(f"{f}: sha256 {h[:12]}" for f, h in data.hashes["labels_sha256"].items())
        notes["Codebook"] = f"{codebook.name} v{codebook.version} (sha256 {codebook.sha256[:12]})"
    else:
        model_path = Path(model_dir) if model_dir else root / "experiments" / config.name
        model, meta, _ = load_model(model_path)
        codebook = model.codebook
        frame = read_predictions(predictions)
        notes["Data"] = f"model predictions for {len(frame)} paragraphs, {predictions} (sha256 {sha256_file(predictions)[:12]})"
        f = meta["config"]["features"]
        lexicon = f" + rationale lexicon ({f['lexicon']})" if f.get("lexicon", "none") != "none" else ""
        notes["Model"] = (f"{model_path}: TF-IDF ({f['analyzer']}, {f['ngram_min']}–{f['ngram_max']}-grams, "
                          f"sublinear_tf={f['sublinear_tf']}){lexicon} + logistic regression (C={meta['config']['classifier']['C']}, "
                          f"class_weight={meta['config']['classifier']['class_weight']}), trained {meta['created']}")
        notes["Codebook"] = f"{meta['codebook']['name']} v{meta['codebook']['version']} (sha256 {meta['codebook']['sha256'][:12]})"
        notes["Labels"] = "; ".join(f"{k}: sha256 {v[:12]}" for k, v in meta.get("data", {}).get("labels_sha256", {}).items())
        counts = meta.get("label_counts", {})
        notes["Training labels"] = "; ".join(f"{d}: {c['paragraphs']} paragraphs" for d, c in counts.items())
        expected = meta.get("cv_metrics", {}).get("expected", {})
        if expected.get("dimensions"):
            notes["Expected on new articles"] = (
                "macro-F1 " + ", ".join(f"{d} {v:.2f}" for d, v in expected["dimensions"].items())
                + f" — {expected['basis']}; this, not the pooled figure below, is what to expect on new articles")
        for name, m in meta.get("cv_metrics", {}).items():
            if isinstance(m, dict) and "macro_f1" in m:
                per = "; ".join(f"{c} {v['macro_f1']:.2f}" for c, v in m.get("by_collection", {}).items())
                notes[f"CV macro-F1, {name}"] = (f"{m['macro_f1']:.2f} pooled (majority baseline {m['baseline_macro_f1']:.2f}; "
                                                 f"{m['n']} paragraphs, {m['folds']} folds grouped by {m['by']})"
                                                 + (f"; by collection {per}" if per else ""))
        oof_path = model_path / "cv_predictions.csv"
        if oof_path.is_file():
            oof = read_oof(oof_path, codebook)
    if collections:
        if "collection" not in frame:
            raise ReportError("the predictions have no collection column", fix="re-run framing predict")
        frame = frame[frame["collection"].isin(collections)]
    if outlets:
        frame = frame[frame["outlet"].isin(outlets)]
    if frame.empty:
        raise ReportError("nothing to report after filtering", fix="check --collection / --outlet against the data")
    if oof is not None:
        frame, swapped = _out_of_fold(frame, oof, codebook, model.thresholds)
        if swapped:
            notes["Training paragraphs"] = (
                f"{swapped:,} of the {len(frame):,} predicted paragraphs are hand-labelled paragraphs the model was "
                "trained on; their in-sample predictions are replaced by their out-of-fold predictions from "
                "cross-validation (cv_predictions.csv), so they count as the model would label unseen text and "
                "the outlet shares below stay valid.")
    ind = indicators(frame, codebook)  # the 0/1 table every profile below starts from, built once
    profile = outlet_profile(frame, codebook, n_boot=n_boot, seed=seed, ind=ind)
    content_kwargs: dict = {}
    if oof is not None:
        thresholds = model.thresholds
        settings = config.report
        if settings.estimator == "ppi":
            if "collection" in oof and collections:
                oof = oof[oof["collection"].isin(collections)]
            shares = outlet_shares(frame, oof, codebook, level=settings.level, calibrate=settings.calibrate,
                                   min_labelled=settings.min_labelled, target_width=settings.target_width,
                                   power_tuning=settings.power_tuning)
            keys = ["outlet", "dimension", "label"]
            profile = profile.rename(columns={"share": "predicted", "ci_low": "predicted_low",
                                              "ci_high": "predicted_high"}).merge(shares, on=keys, how="left")
            content_kwargs["budget"] = label_budget(shares, target_width=settings.target_width)
            notes.update(method_notes(shares, settings))
        validation = validation_table(oof, codebook, thresholds, outlets=sorted(frame["outlet"].unique()),
                                      n_boot=min(n_boot, 1000), seed=seed)
        content_kwargs["validation"] = validation
        texts = project_paragraphs(config, root).set_index("paragraph_id")["text"]             if (root / config.data.corpus).exists() else pd.Series(dtype=str)
        content_kwargs["why"], content_kwargs["examples"] = _why(model, frame, texts, seed=seed)
    if model is not None:
        content_kwargs["articles"] = _ranked_articles(model, frame, codebook, config.articles.report_top, texts)
    if "date" in frame:
        time_table, used = time_profile(frame, codebook, period=period, n_boot=min(n_boot, 500), seed=seed)
        content_kwargs.update(time=time_table, period=used)
        if events is not None:
            content_kwargs["events"] = read_events(events)
    if compare:
        content_kwargs["compare"] = compare_outlets(frame, codebook, *compare, n_boot=n_boot, seed=seed, ind=ind)
        content_kwargs["compare_pair"] = compare
    notes["Confidence intervals"] = (
        ("Outlet shares: see above. " if "predicted" in profile else "")
        + f"The model's predicted shares, time charts and comparisons: 95% percentile bootstrap over articles within "
          f"each outlet, {n_boot} resamples, seed {seed} — these cover the sampling of articles, not the "
          "classifier's error.")
    title = title or ("Outlet framing profile — hand labels" if source == "labels" else "Outlet framing profile")
    raw = profile if "predicted" not in profile else profile.drop(columns=["share"]).rename(columns={"predicted": "share"})
    content = ReportContent(title=title, codebook=codebook, profile=profile, notes=notes,
                            summary=largest_differences(raw, frame, codebook, n_boot=min(n_boot, 1000), seed=seed,
                                                        ind=ind),
                            **content_kwargs)
    return write_report(content, out_dir)


def read_events(path: str | Path) -> pd.DataFrame:
    """An events file: CSV with ``date`` and ``label`` columns (one row per event to mark)."""
    path = Path(path)
    try:
        events = pd.read_csv(path)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ReportError(f"cannot read events ({exc})", path=path, fix="give a CSV with columns date,label") from None
    if not {"date", "label"} <= set(events.columns):
        raise ReportError(f"events need columns date and label (found {', '.join(events.columns)})", path=path,
                          fix="write a header line: date,label")
    events["date"] = pd.to_datetime(events["date"], errors="coerce")
    bad = events["date"].isna()
    if bad.any():
        raise ReportError("unreadable date", path=path, line=int(bad.idxmax()) + 2, fix="write dates as YYYY-MM-DD")
    return events


def add_labels(decisions: str | Path, *, annotator: str, output: str | Path, config: ExperimentConfig,
               root: str | Path = ".", adjudicated: bool = False) -> int:
    """Record decisions from a TSV/CSV, validated against codebook and corpus before anything is written.

    Two layouts: wide (``paragraph_id`` + one column per dimension) or long (``paragraph_id``,
    ``dimension``, ``value``). Several labels are separated by ``,`` or ``|``; an empty cell is
    "none" (multi-label). With ``adjudicated`` the records are final labels that settle a
    disagreement; the annotators' own labels are kept. An optional ``rationale`` column (long) or
    ``<dimension>__rationale`` columns (wide) give the words that decided a label, separated by
    ``;`` and each found in the paragraph (an empty cell: nothing marked). Returns the number of
    records written.
    """
    from framing.labels import check_rationale, now_iso, rationale_column, upsert_labels

    root = Path(root)
    decisions = Path(decisions)
    codebook = load_codebook(root / config.data.codebook)
    sep = "\t" if decisions.suffix.lower() in (".tsv", ".tab", ".txt") else ","
    try:
        frame = pd.read_csv(decisions, sep=sep, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise LabelsError(f"cannot read decisions ({exc})", path=decisions, fix="use a UTF-8 TSV or CSV with a header") from None
    long = {"paragraph_id", "dimension", "value"} <= set(frame.columns)
    if not long:
        missing = [c for c in ["paragraph_id", *codebook.names] if c not in frame.columns]
        if missing:
            raise LabelsError(f"missing column(s) {missing}", path=decisions,
                              fix=f"the header must be: paragraph_id, {', '.join(codebook.names)} "
                                  "(or paragraph_id, dimension, value)")
    paragraphs = project_paragraphs(config, root)
    texts = dict(zip(paragraphs["paragraph_id"], paragraphs["text"]))
    stamp = now_iso()
    records = []
    for number, row in enumerate(frame.to_dict("records"), start=2):
        if row["paragraph_id"] not in texts:
            raise LabelsError(f"paragraph {row['paragraph_id']!r} is not in the corpus", path=decisions, line=number,
                              fix="copy paragraph ids from the batch or `framing agree` output")
        cells = [(row["dimension"], row["value"])] if long else [(d, row[d]) for d in codebook.names]
        for name, cell in cells:
            if name not in codebook.names:
                raise LabelsError(f"unknown dimension {name!r}", path=decisions, line=number,
                                  fix=f"the codebook defines: {', '.join(codebook.names)}")
            value = [v.strip() for v in cell.replace("|", ",").split(",") if v.strip()]
            record = {"paragraph_id": row["paragraph_id"], "dimension": name, "value": value,
                      "annotator": annotator, "time": stamp, "codebook_version": codebook.version}
            if adjudicated:
                record["adjudicated"] = True
            column = "rationale" if long else rationale_column(name)
            marks = row.get(column, "")
            if column in frame.columns:  # asked: an empty cell records that nothing was marked
                try:
                    record["rationale"] = check_rationale(marks.split(";"), texts[row["paragraph_id"]])
                except LabelsError as exc:
                    raise LabelsError(f"rationale of {name}: {exc.what}", path=decisions, line=number, fix=exc.fix) from None
            records.append((number, record))
    from framing.labels import check_record

    for number, record in records:
        check_record(record, codebook, decisions, number)
    return upsert_labels(output, [r for _, r in records], codebook)


BATCH_COLUMNS = ["paragraph_id", "article_id", "outlet", "date", "title", "text"]


def sample_batch(config: ExperimentConfig, root: str | Path = ".", *, quotas: dict[str, int], order: str = "stratified",
                 seed: int = 0, skip_labelled: bool = True, exclude: list[Path] | None = None,
                 output: str | Path | None = None) -> pd.DataFrame:
    """Paragraphs to label next: ``quotas[outlet]`` per outlet, in the given order, leaving out
    labelled paragraphs and those of earlier batches. Written to ``output`` (.jsonl or .csv)."""
    from framing.sampling import order_paragraphs, take_quotas

    root = Path(root)
    paragraphs = project_paragraphs(config, root)
    codebook = load_codebook(root / config.data.codebook)
    drop: set[str] = set()
    if skip_labelled and label_files(root / config.data.labels):
        drop |= set(read_labels(root / config.data.labels, codebook)["paragraph_id"])
    for path in exclude or []:
        drop |= set(read_predictions(path)["paragraph_id"].astype(str))
    pool = paragraphs[~paragraphs["paragraph_id"].isin(drop)]
    batch = take_quotas(order_paragraphs(pool, order, seed=seed), quotas)[BATCH_COLUMNS]
    if output is not None:
        output = Path(output)
        with atomic_write(output) as handle:
            if output.suffix.lower() == ".csv":
                batch.to_csv(handle, index=False)
            else:
                handle.write(batch.to_json(orient="records", lines=True, force_ascii=False))
    return batch
