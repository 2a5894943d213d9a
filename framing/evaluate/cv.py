"""Honest evaluation: cross-validation grouped by article (or by outlet), per-label metrics,
a majority-class baseline, and the out-of-fold predictions."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support
from sklearn.model_selection import GroupKFold, LeaveOneGroupOut, StratifiedGroupKFold

from framing.labels.codebook import Codebook, Dimension
from framing.config import ExperimentConfig
from framing.labels.store import has_marks, rationale_column
from framing.evaluate.results import OOF_KEYS, DimensionResult
from framing.evaluate.thresholds import _decisions, _tune_mask
from framing.model.classifier import dimension_model, fit_inputs, model_texts

GROUPINGS = {"article": "article_id", "outlet": "outlet"}
LEXICON_WARNING = "features.lexicon"  # how the lexicon's warnings start (the CLI shows them as cautions)
FOLDS_WARNING = "fewer folds"  # how the note on fewer folds than evaluate.folds starts (also a caution)


def _splits(dim: Dimension, y: list, groups: np.ndarray, config: ExperimentConfig, by: str,
            notes: list[str] | None = None) -> list[tuple]:
    """Grouped folds; stratified by label for a single-label dimension. Fewer folds than asked when
    there are fewer groups, or when no label has as many paragraphs as folds (then stratifying
    cannot work): a note in ``notes`` says so."""
    n_groups = len(np.unique(groups))
    if by == "outlet":
        return list(LeaveOneGroupOut().split(np.zeros(len(y)), groups=groups))
    asked = config.evaluate.folds
    folds = min(asked, n_groups)
    index = np.zeros(len(y))
    largest = 0 if dim.multi else max(pd.Series(y).value_counts().max(), 0)
    stratify = not dim.multi and largest >= 2
    if stratify and largest < folds:
        folds = largest
    if folds < asked and notes is not None:
        why = f"{n_groups} {by}(s)" if folds == n_groups else f"at most {largest} paragraphs per label"
        notes.append(f"{FOLDS_WARNING} ({folds}) than evaluate.folds = {asked}: only {why} "
                     f"(label more, or set evaluate.folds = {folds} to say so)")
    if not stratify:
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
    splits = _splits(dim, y, groups, config, by, result.warnings)
    result.folds = len(splits)
    for k, (train, test) in enumerate(splits):
        train_y = [y[i] for i in train]
        fold_of[test] = k
        base[test] = _majority(dim, train_y)
        if not dim.multi and len(set(train_y)) < 2:
            result.warnings.append(f"fold {k}: training part has one label only; its predictions are the majority label")
            proba[test] = base[test]
            continue
        model = dimension_model(dim, config)
        model.fit(*fit_inputs(rows.iloc[train], dim.name))
        proba[test] = model.predict_proba(model_texts(rows.iloc[test]))
    result.metrics = _metrics(dim, y, proba, base, rows, groups, config, result, fold_of)
    result.oof = _oof_frame(rows, dim, y, proba, fold_of)
    return result


def _lexicon_warnings(rows: pd.DataFrame, dim: Dimension, config: ExperimentConfig) -> list[str]:
    """Say so when the config asks for a rationale lexicon that this dimension's labels cannot feed."""
    wanted = config.features.lexicon_dimensions
    if config.features.lexicon == "none" or wanted and dim.name not in wanted:
        return []
    column = rationale_column(dim.name)
    if column not in rows or not rows[column].map(has_marks).any():
        return [f"{LEXICON_WARNING} is {config.features.lexicon!r} but no {dim.name} label carries a rationale: "
                "trained on text alone (record rationales with `framing label --rationale`)"]
    return []


def _oof_frame(rows: pd.DataFrame, dim: Dimension, y: list, proba: np.ndarray, fold_of: np.ndarray) -> pd.DataFrame:
    """Out-of-sample predictions of one dimension: ids, fold, true value and a probability per label."""
    oof = rows[[c for c in OOF_KEYS if c in rows]].copy()
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


def _truth(dim: Dimension, y: list) -> np.ndarray:
    """True values as an array: rows × labels of 0/1 (multi-label) or label names (single-choice)."""
    if dim.multi:
        return np.array([[name in v for v in y] for name in dim.label_names]).T.astype(int).reshape(len(y), -1)
    return np.array(y)


def _counts(dim: Dimension, truth: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """Rows × labels × (true positive, false positive, false negative) as 0/1."""
    if dim.multi:
        t, p = truth.astype(bool), pred.astype(bool)
    else:
        names = np.array(dim.label_names)
        t, p = truth[:, None] == names, np.asarray(pred)[:, None] == names
    return np.stack([t & p, ~t & p, t & ~p], axis=2).astype(np.int32)


def macro_f1_interval(dim: Dimension, truth: np.ndarray, pred: np.ndarray, groups: np.ndarray, labels: list[int], *,
                      level: float, n_boot: int, seed: int) -> list[float] | None:
    """A percentile interval for macro-F1 over ``labels`` (their indices) from resampling whole
    groups (articles) with replacement: the spread of the figure over other sets of articles of the
    same kind. A resample in which a label has neither positives nor predictions leaves that label
    out of its mean. None when there are fewer than two groups or no resamples are asked for."""
    names, index = np.unique(groups, return_inverse=True)
    if n_boot <= 0 or len(names) < 2 or not labels:
        return None
    per_group = np.zeros((len(names), len(dim.label_names), 3), dtype=np.int64)
    np.add.at(per_group, index, _counts(dim, truth, pred))
    per_group = per_group[:, labels, :].reshape(len(names), -1)
    weights = np.random.default_rng(seed).multinomial(len(names), np.full(len(names), 1.0 / len(names)), size=n_boot)
    tp, fp, fn = np.moveaxis((weights @ per_group).reshape(n_boot, len(labels), 3), 2, 0)
    denominator = 2 * tp + fp + fn
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(denominator > 0, 2 * tp / denominator, np.nan)
        macro = np.nanmean(np.where(np.isnan(f1).all(axis=1, keepdims=True), 0.0, f1), axis=1)
    tail = (1 - level) / 2
    return [float(np.quantile(macro, tail)), float(np.quantile(macro, 1 - tail))]


def _scores(dim: Dimension, truth: np.ndarray, pred: np.ndarray, base_pred: np.ndarray, groups: np.ndarray, *,
            minimum: int, folds: int, by: str, notes: list[str], level: float = 0.95, n_boot: int = 0,
            seed: int = 0) -> dict:
    """Per-label precision, recall, F1 and reliability, macro-F1 and the baseline's, for given decisions."""
    labels = dim.label_names
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
        reliable = bool(s[j] >= minimum and in_groups >= max(folds, 2))
        if s[j] > 0:
            evaluated.append(j)
        if not reliable:
            unit = "outlet" if by == "outlet" else "article"
            where = f" ({by.replace('time-forward', 'time-forward test')})" if by.startswith("time-forward") else ""
            notes.append(
                f"{dim.name}:{name} has {int(s[j])} example(s) in {in_groups} {unit}(s){where}: "
                f"too few to evaluate reliably (want >= {minimum} in >= {max(folds, 2)})")
        per_label[name] = {"precision": float(p[j]), "recall": float(r[j]), "f1": float(f[j]),
                           "support": int(s[j]), "reliable": reliable}
    macro = float(np.mean([f[j] for j in evaluated])) if evaluated else float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if dim.multi:
            base_f = f1_score(truth, base_pred, average=None, zero_division=0)
            summary = {"micro_f1": float(f1_score(truth, pred, average="micro", zero_division=0)),
                       "baseline_micro_f1": float(f1_score(truth, base_pred, average="micro", zero_division=0))}
        else:
            base_f = f1_score(truth, base_pred, labels=labels, average=None, zero_division=0)
            summary = {"accuracy": float(accuracy_score(truth, pred)),
                       "baseline_accuracy": float(accuracy_score(truth, base_pred))}
    baseline_macro = float(np.mean([base_f[j] for j in evaluated])) if evaluated else float("nan")
    scores = {"labels": per_label, "macro_f1": macro, "baseline_macro_f1": baseline_macro, "n": int(len(truth)), **summary}
    interval = macro_f1_interval(dim, truth, pred, groups, evaluated, level=level, n_boot=n_boot, seed=seed)
    if interval is not None:
        scores["macro_f1_interval"] = interval
        scores["interval_level"] = level
    return scores


def _metrics(dim: Dimension, y: list, proba: np.ndarray, base: np.ndarray, rows: pd.DataFrame,
             groups: np.ndarray, config: ExperimentConfig, result: DimensionResult, fold_of: np.ndarray) -> dict:
    """Metrics of out-of-fold probabilities (decision thresholds and offsets cross-fitted)."""
    truth = _truth(dim, y)
    pred, rule = _decisions(dim, truth, proba, fold_of, _tune_mask(rows, config), config)
    return _summary(dim, truth, pred, base, rows, groups, config, result, rule)


def _summary(dim: Dimension, truth: np.ndarray, pred: np.ndarray, base: np.ndarray, rows: pd.DataFrame,
             groups: np.ndarray, config: ExperimentConfig, result: DimensionResult, rule: object, *,
             outlets: bool = False) -> dict:
    """Scores of given decisions: pooled, and per corpus collection when there are several; with
    ``outlets``, also per outlet of the lead collection (outlets with ``evaluate.folds`` or more
    articles among the rows)."""
    labels = dim.label_names
    base_pred = (base >= 0.5).astype(int) if dim.multi else np.array([labels[i] for i in base.argmax(axis=1)])
    e = config.evaluate
    options = dict(minimum=e.min_examples, folds=result.folds, by=result.by, level=e.level, n_boot=e.n_boot, seed=e.seed)
    metrics = _scores(dim, truth, pred, base_pred, groups, notes=result.warnings, **options)
    metrics["decision"] = rule
    if dim.multi:
        metrics["threshold"] = rule

    def scores_by(column: str, within: np.ndarray, min_groups: int) -> dict:
        out = {}
        for name in sorted(rows.loc[within, column].unique()):
            part = within & (rows[column] == name).to_numpy()
            if len(np.unique(groups[part])) >= min_groups:
                out[str(name)] = _scores(dim, truth[part], pred[part], base_pred[part], groups[part], notes=[], **options)
        return out

    everything = np.ones(len(rows), dtype=bool)
    if "collection" in rows and rows["collection"].nunique() > 1:
        metrics["by_collection"] = scores_by("collection", everything, 1)
    if outlets:
        metrics["by_outlet"] = scores_by("outlet", lead_rows(rows, config), e.folds)
    return metrics


def lead_rows(rows: pd.DataFrame, config: ExperimentConfig) -> np.ndarray:
    """Which rows are of the lead collection (``evaluate.collection``; all rows when none is set)."""
    lead = config.evaluate.collection
    return (rows["collection"] == lead).to_numpy() if lead and "collection" in rows else np.ones(len(rows), bool)


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
    model = dimension_model(dim, config)
    model.fit(*fit_inputs(rows_train, dim.name))
    proba = model.predict_proba(model_texts(rows_test))
    base = np.tile(_majority(dim, y_train), (len(rows_test), 1))
    groups = rows_test["article_id"].astype(str).to_numpy()
    folds = np.zeros(len(rows_test), int)
    result.metrics = _metrics(dim, y_test, proba, base, rows_test, groups, config, result, folds)
    result.oof = _oof_frame(rows_test, dim, y_test, proba, folds)
    return result


def cross_validate(table: pd.DataFrame, codebook: Codebook, config: ExperimentConfig,
                   by: str = "article") -> list[DimensionResult]:
    """Grouped cross-validation of every dimension of the codebook."""
    return [cross_validate_dimension(table, dim, config, by) for dim in codebook.dimensions]


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
