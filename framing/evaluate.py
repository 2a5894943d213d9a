"""Honest evaluation: cross-validation grouped by article (or by outlet), per-label metrics,
a majority-class baseline, and the out-of-fold predictions."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support
from sklearn.model_selection import GroupKFold, LeaveOneGroupOut, StratifiedGroupKFold

from framing.codebook import Codebook, Dimension
from framing.config import ExperimentConfig
from framing.labels import has_marks, rationale_column
from framing.model import DimensionModel, fit_inputs

GROUPINGS = {"article": "article_id", "outlet": "outlet"}


@dataclass
class DimensionResult:
    """Cross-validated results of one dimension."""

    dimension: str
    kind: str
    n: int
    groups: int
    folds: int
    by: str
    metrics: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    oof: pd.DataFrame | None = None


def _splits(dim: Dimension, y: list, groups: np.ndarray, config: ExperimentConfig, by: str) -> list[tuple]:
    n_groups = len(np.unique(groups))
    if by == "outlet":
        return list(LeaveOneGroupOut().split(np.zeros(len(y)), groups=groups))
    folds = min(config.evaluate.folds, n_groups)
    index = np.zeros(len(y))
    if dim.multi:
        return list(GroupKFold(n_splits=folds, shuffle=True, random_state=config.evaluate.seed).split(index, groups=groups))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "least populated class" warnings on tiny data
        splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=config.evaluate.seed)
        return list(splitter.split(index, y, groups=groups))


def cross_validate_dimension(table: pd.DataFrame, dim: Dimension, config: ExperimentConfig,
                             by: str = "article") -> DimensionResult:
    """Grouped CV of one dimension; every fold refits the whole pipeline on its training part."""
    rows = table[table[dim.name].notna()].reset_index(drop=True)
    y = list(rows[dim.name])
    groups = rows[GROUPINGS[by]].astype(str).to_numpy()
    n_groups = len(np.unique(groups))
    result = DimensionResult(dim.name, dim.kind, len(rows), n_groups, 0, by)
    result.warnings += _lexicon_warnings(rows, dim, config)
    if n_groups < 2:
        result.warnings.append(f"only {n_groups} {by}(s) with labels: cannot cross-validate grouped by {by}")
        return result
    labels = dim.label_names
    proba = np.full((len(rows), len(labels)), np.nan)
    base = np.full((len(rows), len(labels)), np.nan)
    fold_of = np.full(len(rows), -1)
    splits = _splits(dim, y, groups, config, by)
    result.folds = len(splits)
    for k, (train, test) in enumerate(splits):
        train_y = [y[i] for i in train]
        fold_of[test] = k
        base[test] = _majority(dim, train_y)
        if not dim.multi and len(set(train_y)) < 2:
            result.warnings.append(f"fold {k}: training part has one label only; its predictions are the majority label")
            proba[test] = base[test]
            continue
        model = DimensionModel(tuple(labels), dim.multi, config.features, config.classifier)
        model.fit(*fit_inputs(rows.iloc[train], dim.name))
        proba[test] = model.predict_proba(rows["text"].iloc[test].tolist())
    result.metrics = _metrics(dim, y, proba, base, rows, groups, config, result, fold_of)
    result.oof = _oof_frame(rows, dim, y, proba, fold_of)
    return result


def _lexicon_warnings(rows: pd.DataFrame, dim: Dimension, config: ExperimentConfig) -> list[str]:
    """Say so when the config asks for a rationale lexicon that this dimension's labels cannot feed."""
    if config.features.lexicon == "none":
        return []
    column = rationale_column(dim.name)
    if column not in rows or not rows[column].map(has_marks).any():
        return [f"features.lexicon is {config.features.lexicon!r} but no {dim.name} label carries a rationale: "
                "trained on text alone (record rationales with `framing label --rationale`)"]
    return []


def _oof_frame(rows: pd.DataFrame, dim: Dimension, y: list, proba: np.ndarray, fold_of: np.ndarray) -> pd.DataFrame:
    """Out-of-sample predictions of one dimension: ids, fold, true value and a probability per label."""
    oof = rows[["paragraph_id", "article_id", "outlet"]].copy()
    oof[f"{dim.name}__fold"] = fold_of
    oof[f"{dim.name}__true"] = ["|".join(v) if dim.multi else v for v in y]
    for j, label in enumerate(dim.label_names):
        oof[f"{dim.name}:{label}"] = proba[:, j]
    return oof


def _majority(dim: Dimension, train_y: list) -> np.ndarray:
    """Majority-class baseline as a probability row: the most common label (single-choice), or
    each label's majority presence (multi-label)."""
    labels = dim.label_names
    if dim.multi:
        share = np.array([np.mean([name in v for v in train_y]) for name in labels])
        return (share > 0.5).astype(float)
    values, counts = np.unique(train_y, return_counts=True)
    top = values[np.argmax(counts)]
    return np.array([1.0 if name == top else 0.0 for name in labels])


def best_threshold(y: np.ndarray, p: np.ndarray) -> float:
    """The threshold rule: scan 0.05–0.95 in steps of 0.05, keep the highest F1; ties go to the
    threshold closest to 0.5; no positive example keeps 0.5."""
    if y.sum() == 0:
        return 0.5
    grid = np.round(np.arange(0.05, 0.951, 0.05), 2)
    scores = [f1_score(y, p >= t, zero_division=0) for t in grid]
    best = max(scores)
    return float(min((t for t, s in zip(grid, scores) if s == best), key=lambda t: abs(t - 0.5)))


def _cross_fitted_cuts(truth: np.ndarray, proba: np.ndarray, fold_of: np.ndarray) -> np.ndarray:
    """Per row and label, the threshold chosen on the out-of-fold predictions of the *other*
    folds, so no fold's own labels choose its threshold."""
    cuts = np.full(proba.shape, 0.5)
    for k in np.unique(fold_of):
        inside, outside = fold_of == k, fold_of != k
        for j in range(proba.shape[1]):
            cuts[inside, j] = best_threshold(truth[outside, j], proba[outside, j])
    return cuts


def _metrics(dim: Dimension, y: list, proba: np.ndarray, base: np.ndarray, rows: pd.DataFrame,
             groups: np.ndarray, config: ExperimentConfig, result: DimensionResult, fold_of: np.ndarray) -> dict:
    labels = dim.label_names
    minimum = config.evaluate.min_examples
    if dim.multi:
        truth = np.array([[name in v for v in y] for name in labels]).T.astype(int)
        threshold = config.classifier.threshold
        if threshold == "oof":
            cut = "cross-fitted per label (chosen on the other folds)"
            pred = (proba >= _cross_fitted_cuts(truth, proba, fold_of)).astype(int)
        else:
            cut = float(threshold)
            pred = (proba >= cut).astype(int)
        base_pred = (base >= 0.5).astype(int)
    else:
        truth = np.array(y)
        pred = np.array([labels[i] for i in proba.argmax(axis=1)])
        base_pred = np.array([labels[i] for i in base.argmax(axis=1)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if dim.multi:
            p, r, f, s = precision_recall_fscore_support(truth, pred, zero_division=0)
        else:
            p, r, f, s = precision_recall_fscore_support(truth, pred, labels=labels, zero_division=0)
    per_label = {}
    evaluated = []
    for j, name in enumerate(labels):
        positive = truth[:, j] == 1 if dim.multi else truth == name
        in_groups = len(np.unique(groups[positive]))
        reliable = bool(s[j] >= minimum and in_groups >= max(result.folds, 2))
        if s[j] > 0:
            evaluated.append(j)
        if not reliable:
            result.warnings.append(
                f"{dim.name}:{name} has {int(s[j])} example(s) in {in_groups} {result.by}(s): "
                f"too few to evaluate reliably (want >= {minimum} in >= {max(result.folds, 2)})")
        per_label[name] = {"precision": float(p[j]), "recall": float(r[j]), "f1": float(f[j]),
                           "support": int(s[j]), "reliable": reliable}
    macro = float(np.mean([f[j] for j in evaluated])) if evaluated else float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if dim.multi:
            base_f = f1_score(truth, base_pred, average=None, zero_division=0)
            summary = {"micro_f1": float(f1_score(truth, pred, average="micro", zero_division=0)),
                       "baseline_micro_f1": float(f1_score(truth, base_pred, average="micro", zero_division=0)),
                       "threshold": cut}
        else:
            base_f = f1_score(truth, base_pred, labels=labels, average=None, zero_division=0)
            summary = {"accuracy": float(accuracy_score(truth, pred)),
                       "baseline_accuracy": float(accuracy_score(truth, base_pred))}
    baseline_macro = float(np.mean([base_f[j] for j in evaluated])) if evaluated else float("nan")
    return {"labels": per_label, "macro_f1": macro, "baseline_macro_f1": baseline_macro, **summary}


def holdout_dimension(table: pd.DataFrame, dim: Dimension, config: ExperimentConfig, train: pd.Series,
                      test: pd.Series, name: str = "holdout") -> DimensionResult:
    """Train on the rows where ``train`` is true, report on those where ``test`` is true
    (a predefined split, e.g. a dataset's time-based train/test)."""
    labelled = table[dim.name].notna()
    rows_train, rows_test = table[labelled & train].reset_index(drop=True), table[labelled & test].reset_index(drop=True)
    result = DimensionResult(dim.name, dim.kind, len(rows_test), rows_test["article_id"].nunique(), 1, name)
    if rows_train.empty or rows_test.empty:
        result.warnings.append(f"no labelled rows to {'train on' if rows_train.empty else 'test on'}")
        return result
    y_train, y_test = list(rows_train[dim.name]), list(rows_test[dim.name])
    model = DimensionModel(tuple(dim.label_names), dim.multi, config.features, config.classifier)
    model.fit(*fit_inputs(rows_train, dim.name))
    proba = model.predict_proba(rows_test["text"].tolist())
    base = np.tile(_majority(dim, y_train), (len(rows_test), 1))
    groups = rows_test["article_id"].astype(str).to_numpy()
    folds = np.zeros(len(rows_test), int)
    result.metrics = _metrics(dim, y_test, proba, base, rows_test, groups, config, result, folds)
    result.oof = _oof_frame(rows_test, dim, y_test, proba, folds)
    return result


def choose_thresholds(result: DimensionResult, dim: Dimension) -> dict[str, float]:
    """Per-label thresholds for the saved model, by :func:`best_threshold` on all out-of-fold
    probabilities (multi-label only)."""
    oof = result.oof
    truth = oof[f"{dim.name}__true"].fillna("").str.split("|")
    out = {}
    for name in dim.label_names:
        y = np.array([name in v for v in truth])
        p = oof[f"{dim.name}:{name}"].to_numpy()
        valid = ~np.isnan(p)
        out[name] = best_threshold(y[valid], p[valid])
    return out


def cross_validate(table: pd.DataFrame, codebook: Codebook, config: ExperimentConfig,
                   by: str = "article") -> list[DimensionResult]:
    """Grouped cross-validation of every dimension of the codebook."""
    return [cross_validate_dimension(table, dim, config, by) for dim in codebook.dimensions]


def metrics_table(results: list[DimensionResult]) -> pd.DataFrame:
    """One row per dimension and label: precision, recall, F1, support, reliability."""
    rows = []
    for res in results:
        for label, m in res.metrics.get("labels", {}).items():
            rows.append({"dimension": res.dimension, "label": label, **m})
        if res.metrics:
            rows.append({"dimension": res.dimension, "label": "MACRO", "f1": res.metrics["macro_f1"],
                         "baseline_f1": res.metrics["baseline_macro_f1"], "support": res.n})
    return pd.DataFrame(rows)


def merge_oof(results: list[DimensionResult]) -> pd.DataFrame:
    """All dimensions' out-of-fold predictions in one table (one row per labelled paragraph)."""
    frames = [r.oof for r in results if r.oof is not None]
    if not frames:
        return pd.DataFrame(columns=["paragraph_id", "article_id", "outlet"])
    merged = frames[0]
    for frame in frames[1:]:
        merged = merged.merge(frame, on=["paragraph_id", "article_id", "outlet"], how="outer")
    return merged


def read_oof(path, codebook: Codebook) -> pd.DataFrame:
    """Read ``cv_predictions.csv``. A multi-label ``<dim>__true`` that is empty means "no label"
    where the paragraph was evaluated on that dimension (it has a fold), and missing otherwise."""
    oof = pd.read_csv(path, dtype={f"{d.name}__true": str for d in codebook.dimensions})
    for dim in codebook.dimensions:
        true, fold = f"{dim.name}__true", f"{dim.name}__fold"
        if dim.multi and true in oof and fold in oof:
            evaluated = oof[fold].fillna(-1).ge(0)
            oof[true] = oof[true].where(~evaluated, oof[true].fillna("")).where(evaluated)
    return oof


def learning_curve(table: pd.DataFrame, codebook: Codebook, config: ExperimentConfig,
                   fractions: tuple[float, ...] = (0.25, 0.5, 0.75, 1.0), repeats: int = 3) -> pd.DataFrame:
    """Grouped-CV macro-F1 when training on a share of the labelled articles.

    For each fraction, ``repeats`` random subsets of whole articles (so the grouping holds) are
    drawn and cross-validated; the table gives the mean and spread of macro-F1 per dimension.
    Does more data still help? Compare the last two fractions.
    """
    rng = np.random.default_rng(config.evaluate.seed)
    articles = table["article_id"].astype(str).unique()
    rows = []
    for fraction in fractions:
        for repeat in range(1 if fraction >= 1 else repeats):
            chosen = set(rng.choice(articles, size=max(2, int(round(fraction * len(articles)))), replace=False)) \
                if fraction < 1 else set(articles)
            subset = table[table["article_id"].astype(str).isin(chosen)]
            for result in cross_validate(subset, codebook, config):
                if result.metrics:
                    rows.append({"fraction": fraction, "repeat": repeat, "dimension": result.dimension,
                                 "paragraphs": result.n, "macro_f1": result.metrics["macro_f1"]})
    raw = pd.DataFrame(rows)
    return (raw.groupby(["dimension", "fraction"])
            .agg(paragraphs=("paragraphs", "mean"), macro_f1=("macro_f1", "mean"), sd=("macro_f1", "std"),
                 runs=("macro_f1", "size")).reset_index())


def summarise_experiments(root) -> pd.DataFrame:
    """One row per experiment folder with a ``metrics.json``: macro-F1 per dimension and the
    settings that distinguish it."""
    import json
    from pathlib import Path

    rows = []
    for metrics_path in sorted(Path(root).glob("experiments/*/metrics.json")):
        metrics = json.loads(metrics_path.read_text(encoding="utf-8"))
        meta_path = metrics_path.with_name("meta.json")
        config_path = metrics_path.with_name("config.toml")
        row = {"experiment": metrics_path.parent.name}
        if config_path.exists():
            from framing.config import load_config

            cfg = load_config(config_path)
            f, c = cfg.features, cfg.classifier
            row["features"] = (f"{f.analyzer} {f.ngram_min}-{f.ngram_max}"
                               + (f" + char_wb {f.char_ngram_min}-{f.char_ngram_max}" if f.analyzer == "word+char" else "")
                               + (f" + lexicon ({f.lexicon})" if f.lexicon != "none" else "")
                               + f", sublinear={f.sublinear_tf}, min_df={f.min_df}")
            row["C"] = c.C
        for name, m in metrics.items():
            if isinstance(m, dict) and "macro_f1" in m:
                row[f"{name} macro-F1"] = round(m["macro_f1"], 3)
                row[f"{name} baseline"] = round(m["baseline_macro_f1"], 3)
                row[f"{name} n"] = m["n"]
        row["has model"] = meta_path.exists()
        rows.append(row)
    return pd.DataFrame(rows)
