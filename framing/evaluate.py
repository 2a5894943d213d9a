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
from framing.model import dimension_model, fit_inputs, model_texts

GROUPINGS = {"article": "article_id", "outlet": "outlet"}
# The columns identifying a paragraph in out-of-fold tables (collection: for per-collection tuning).
OOF_KEYS = ["paragraph_id", "article_id", "outlet", "collection"]


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
        return [f"features.lexicon is {config.features.lexicon!r} but no {dim.name} label carries a rationale: "
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


def best_threshold(y: np.ndarray, p: np.ndarray) -> float:
    """The threshold rule: scan 0.05–0.95 in steps of 0.05, keep the highest F1; ties go to the
    threshold closest to 0.5; no positive example keeps 0.5."""
    if y.sum() == 0:
        return 0.5
    grid = np.round(np.arange(0.05, 0.951, 0.05), 2)
    scores = [f1_score(y, p >= t, zero_division=0) for t in grid]
    best = max(scores)
    return float(min((t for t, s in zip(grid, scores) if s == best), key=lambda t: abs(t - 0.5)))


def _cross_fitted_cuts(truth: np.ndarray, proba: np.ndarray, fold_of: np.ndarray,
                       tune: np.ndarray | None = None) -> np.ndarray:
    """Per row and label, the threshold chosen on the out-of-fold predictions of the *other*
    folds (their ``tune`` rows), so no fold's own labels choose its threshold."""
    def cuts(t: np.ndarray, p: np.ndarray) -> np.ndarray:
        return np.array([best_threshold(t[:, j], p[:, j]) for j in range(p.shape[1])])
    return _cross_fitted(cuts, truth, proba, fold_of, np.ones(len(truth), bool) if tune is None else tune)


def _truth(dim: Dimension, y: list) -> np.ndarray:
    """True values as an array: rows × labels of 0/1 (multi-label) or label names (single-choice)."""
    if dim.multi:
        return np.array([[name in v for v in y] for name in dim.label_names]).T.astype(int).reshape(len(y), -1)
    return np.array(y)


def _tune_mask(rows: pd.DataFrame, config: ExperimentConfig) -> np.ndarray:
    """Rows whose out-of-fold predictions choose thresholds and offsets (``classifier.tune_on``)."""
    collection = config.classifier.tune_on
    if not collection or "collection" not in rows:
        return np.ones(len(rows), bool)
    mask = (rows["collection"] == collection).to_numpy()
    return mask if mask.any() else np.ones(len(rows), bool)


def best_offsets(truth: np.ndarray, proba: np.ndarray, labels: list[str], *, rounds: int = 2) -> np.ndarray:
    """Per-label offsets added to log-probabilities before the argmax, maximising macro-F1.

    Coordinate ascent over a grid of -3..3 (step 0.25) for every label but the first (offsets are
    only defined up to a constant); a tie keeps the offset closest to 0. No offsets (all 0) when
    fewer than two labels occur.
    """
    offsets = np.zeros(len(labels))
    present = [j for j, name in enumerate(labels) if (truth == name).any()]
    if len(present) < 2:
        return offsets
    logp = np.log(np.clip(proba, 1e-12, 1.0))
    names = np.array(labels)

    def score(o: np.ndarray) -> float:
        pred = names[(logp + o).argmax(axis=1)]
        return f1_score(truth, pred, labels=[labels[j] for j in present], average="macro", zero_division=0)

    grid = np.arange(-3.0, 3.001, 0.25)
    for _ in range(rounds):
        for j in range(1, len(labels)):
            trial = offsets.copy()
            results = []
            for value in grid:
                trial[j] = value
                results.append(score(trial))
            top = max(results)
            offsets[j] = min((v for v, r in zip(grid, results) if r == top), key=abs)
    return offsets


def _cross_fitted(choose, truth: np.ndarray, proba: np.ndarray, fold_of: np.ndarray, tune: np.ndarray) -> np.ndarray:
    """Per row, the decision parameters ``choose(truth, proba)`` returns when fitted on the tuning
    rows of the *other* folds, so no fold's own labels choose its own parameters."""
    out = None
    for k in np.unique(fold_of):
        inside, outside = fold_of == k, (fold_of != k) & tune
        if not outside.any():
            outside = fold_of != k
        params = choose(truth[outside], proba[outside])
        if out is None:
            out = np.zeros((len(truth), len(params)))
        out[inside] = params
    return out if out is not None else np.zeros((len(truth), proba.shape[1]))


def _decisions(dim: Dimension, truth: np.ndarray, proba: np.ndarray, fold_of: np.ndarray, tune: np.ndarray,
               config: ExperimentConfig) -> tuple[np.ndarray, object]:
    """Out-of-fold decisions and a description of the rule: multi-label thresholds (fixed or
    cross-fitted) and, for single-choice, the argmax after cross-fitted offsets if configured."""
    labels = dim.label_names
    if dim.multi:
        threshold = config.classifier.threshold
        if threshold == "oof":
            return (proba >= _cross_fitted_cuts(truth, proba, fold_of, tune)).astype(int), \
                "cross-fitted per label (chosen on the other folds)"
        return (proba >= float(threshold)).astype(int), float(threshold)
    if config.classifier.single_offsets:
        offsets = _cross_fitted(lambda t, p: best_offsets(t, p, labels), truth, proba, fold_of, tune)
        return np.array(labels)[(np.log(np.clip(proba, 1e-12, 1.0)) + offsets).argmax(axis=1)], \
            "argmax after per-label offsets (cross-fitted on the other folds)"
    return np.array([labels[i] for i in proba.argmax(axis=1)]), "argmax"


def _scores(dim: Dimension, truth: np.ndarray, pred: np.ndarray, base_pred: np.ndarray, groups: np.ndarray, *,
            minimum: int, folds: int, by: str, notes: list[str]) -> dict:
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
            notes.append(
                f"{dim.name}:{name} has {int(s[j])} example(s) in {in_groups} {by}(s): "
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
    return {"labels": per_label, "macro_f1": macro, "baseline_macro_f1": baseline_macro, "n": int(len(truth)), **summary}


def _metrics(dim: Dimension, y: list, proba: np.ndarray, base: np.ndarray, rows: pd.DataFrame,
             groups: np.ndarray, config: ExperimentConfig, result: DimensionResult, fold_of: np.ndarray) -> dict:
    """Metrics of out-of-fold probabilities (decision thresholds and offsets cross-fitted)."""
    truth = _truth(dim, y)
    pred, rule = _decisions(dim, truth, proba, fold_of, _tune_mask(rows, config), config)
    return _summary(dim, truth, pred, base, rows, groups, config, result, rule)


def _summary(dim: Dimension, truth: np.ndarray, pred: np.ndarray, base: np.ndarray, rows: pd.DataFrame,
             groups: np.ndarray, config: ExperimentConfig, result: DimensionResult, rule: object) -> dict:
    """Scores of given decisions: pooled, and per corpus collection when there are several."""
    labels = dim.label_names
    base_pred = (base >= 0.5).astype(int) if dim.multi else np.array([labels[i] for i in base.argmax(axis=1)])
    options = dict(minimum=config.evaluate.min_examples, folds=result.folds, by=result.by)
    metrics = _scores(dim, truth, pred, base_pred, groups, notes=result.warnings, **options)
    metrics["decision"] = rule
    if dim.multi:
        metrics["threshold"] = rule
    if "collection" in rows and rows["collection"].nunique() > 1:
        metrics["by_collection"] = {}
        for name in sorted(rows["collection"].unique()):
            part = (rows["collection"] == name).to_numpy()
            metrics["by_collection"][name] = _scores(dim, truth[part], pred[part], base_pred[part], groups[part],
                                                     notes=[], **options)
    return metrics


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


def _oof_tune(oof: pd.DataFrame, tune_on: str) -> pd.DataFrame:
    """The out-of-fold rows of the tuning collection (all rows when none is set or it has none)."""
    if tune_on and "collection" in oof and (oof["collection"] == tune_on).any():
        return oof[oof["collection"] == tune_on]
    return oof


def choose_thresholds(result: DimensionResult, dim: Dimension, tune_on: str = "") -> dict[str, float]:
    """Per-label thresholds for the saved model, by :func:`best_threshold` on the out-of-fold
    probabilities (of the ``tune_on`` collection if given; multi-label only)."""
    oof = _oof_tune(result.oof, tune_on)
    truth = oof[f"{dim.name}__true"].fillna("").str.split("|")
    out = {}
    for name in dim.label_names:
        y = np.array([name in v for v in truth])
        p = oof[f"{dim.name}:{name}"].to_numpy()
        valid = ~np.isnan(p)
        out[name] = best_threshold(y[valid], p[valid])
    return out


def choose_offsets(result: DimensionResult, dim: Dimension, tune_on: str = "") -> dict[str, float]:
    """Per-label score offsets for a single-choice dimension, by :func:`best_offsets` on the
    out-of-fold probabilities (of the ``tune_on`` collection if given)."""
    oof = _oof_tune(result.oof, tune_on)
    columns = [f"{dim.name}:{name}" for name in dim.label_names]
    valid = oof[columns].notna().all(axis=1)
    offsets = best_offsets(oof.loc[valid, f"{dim.name}__true"].to_numpy(), oof.loc[valid, columns].to_numpy(),
                           dim.label_names)
    return {name: float(o) for name, o in zip(dim.label_names, offsets)}


def chosen_rule(result: DimensionResult, dim: Dimension, config: ExperimentConfig) -> dict[str, float] | None:
    """The decision parameters a model of ``dim`` gets from its out-of-fold predictions (those of
    ``classifier.tune_on``): multi-label thresholds when ``threshold = "oof"``, single-choice
    offsets when ``single_offsets``; None when the config asks for neither or there are none."""
    if result.oof is None:
        return None
    if dim.multi and config.classifier.threshold == "oof":
        return choose_thresholds(result, dim, config.classifier.tune_on)
    if not dim.multi and config.classifier.single_offsets:
        return choose_offsets(result, dim, config.classifier.tune_on)
    return None


def shift_probabilities(proba: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Single-choice probabilities after adding ``offsets`` to the scores (softmax of log p + o)."""
    logits = np.log(np.clip(proba, 1e-300, 1.0)) + offsets
    logits -= logits.max(axis=1, keepdims=True)
    expd = np.exp(logits)
    return expd / expd.sum(axis=1, keepdims=True)


def forward_cut(table: pd.DataFrame, config: ExperimentConfig) -> str | None:
    """The time-forward cut date: the latest ``evaluate.forward_share`` of the lead collection's
    labelled, dated articles fall on or after it (None when off or nothing is dated)."""
    share = config.evaluate.forward_share
    rows = table if not config.evaluate.collection else table[table["collection"] == config.evaluate.collection]
    dates = rows.dropna(subset=["date"]).groupby("article_id")["date"].min().sort_values()
    if share <= 0 or len(dates) < 4:
        return None
    cut = str(dates.iloc[int(np.floor(len(dates) * (1 - share)))])
    return cut if (dates < cut).any() else None


def forward_dimension(table: pd.DataFrame, dim: Dimension, config: ExperimentConfig, cut: str) -> DimensionResult:
    """Time-forward test of one dimension, the way a shipped model is made: grouped CV on the
    paragraphs dated before ``cut`` (and undated ones) chooses thresholds and offsets, a model
    fitted on all of them predicts the paragraphs dated on or after ``cut``."""
    labelled = table[table[dim.name].notna()]
    dated = labelled["date"].notna()
    train = labelled[~dated | (labelled["date"] < cut)].reset_index(drop=True)
    test = labelled[dated & (labelled["date"] >= cut)].reset_index(drop=True)
    result = DimensionResult(dim.name, dim.kind, len(test), test["article_id"].nunique(), 1, f"time-forward from {cut}")
    if train.empty or test.empty or (not dim.multi and train[dim.name].nunique() < 2):
        result.warnings.append("too few labelled paragraphs on one side of the cut")
        return result
    inner = cross_validate_dimension(train, dim, config)
    model = dimension_model(dim, config)
    model.fit(*fit_inputs(train, dim.name))
    proba = model.predict_proba(model_texts(test))
    y = list(test[dim.name])
    truth = _truth(dim, y)
    chosen = chosen_rule(inner, dim, config)
    if dim.multi:
        if chosen is not None:
            cuts = np.array([chosen[name] for name in dim.label_names])
            rule: object = "per label, chosen on the training side's out-of-fold predictions"
        else:
            rule = config.classifier.fixed_threshold
            cuts = np.full(len(dim.label_names), rule)
        pred = (proba >= cuts).astype(int)
    else:
        offsets = np.array([chosen[name] for name in dim.label_names]) if chosen is not None \
            else np.zeros(len(dim.label_names))
        proba = shift_probabilities(proba, offsets)
        pred = np.array(dim.label_names)[proba.argmax(axis=1)]
        rule = "argmax" + (" after offsets chosen on the training side" if offsets.any() else "")
    base = np.tile(_majority(dim, list(train[dim.name])), (len(test), 1))
    groups = test["article_id"].astype(str).to_numpy()
    result.metrics = _summary(dim, truth, pred, base, test, groups, config, result, rule)
    result.metrics["cut"] = cut
    result.metrics["train_n"] = int(len(train))
    result.oof = _oof_frame(test, dim, y, proba, np.zeros(len(test), int))
    result.oof[f"{dim.name}__pred"] = (["|".join(np.array(dim.label_names)[row.astype(bool)]) for row in pred]
                                       if dim.multi else list(pred))
    return result


def forward_evaluate(table: pd.DataFrame, codebook: Codebook, config: ExperimentConfig) -> list[DimensionResult]:
    """Time-forward results of every dimension (empty when the config turns the test off)."""
    cut = forward_cut(table, config)
    if cut is None:
        return []
    return [forward_dimension(table, dim, config, cut) for dim in codebook.dimensions]


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
        return pd.DataFrame(columns=OOF_KEYS)
    merged = frames[0]
    for frame in frames[1:]:
        merged = merged.merge(frame, on=[c for c in OOF_KEYS if c in frame and c in merged], how="outer")
    return merged


def read_oof(path, codebook: Codebook) -> pd.DataFrame:
    """Read ``cv_predictions.csv``. A multi-label ``<dim>__true`` that is empty means "no label"
    where the paragraph was evaluated on that dimension (it has a fold), and missing otherwise."""
    from framing.errors import ModelError

    try:
        oof = pd.read_csv(path, dtype={f"{d.name}__true": str for d in codebook.dimensions})
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeError, ValueError) as exc:
        raise ModelError(f"cannot read out-of-fold predictions ({' '.join(str(exc).split())[:160]})", path=path,
                         fix="run `framing evaluate` to write them again") from None
    wanted = ["paragraph_id"] + [c for d in codebook.dimensions
                                 for c in (f"{d.name}__true", *(f"{d.name}:{lab}" for lab in d.label_names))]
    missing = [c for c in wanted if c not in oof.columns]
    if missing:
        raise ModelError(f"not out-of-fold predictions under this codebook: no column(s) {', '.join(missing[:6])}",
                         path=path, fix="run `framing evaluate` to write them again")
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
        expected = metrics.get("expected", {})
        for name, value in expected.get("dimensions", {}).items():  # what to expect on new articles leads
            row[f"{name} expected"] = round(value, 3)
        if expected:
            row["expected on"] = expected.get("basis", "")
        for name, m in metrics.items():
            if isinstance(m, dict) and "macro_f1" in m:
                row[f"{name} pooled CV"] = round(m["macro_f1"], 3)
                row[f"{name} baseline"] = round(m["baseline_macro_f1"], 3)
                row[f"{name} n"] = m["n"]
        row["has model"] = meta_path.exists()
        rows.append(row)
    return pd.DataFrame(rows)
