"""The decision rule's parameters, chosen on out-of-fold predictions: multi-label thresholds
(highest F1 per label) and single-choice offsets (highest macro-F1), cross-fitted so that no
fold's own labels choose its rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import f1_score

from framing.config import ExperimentConfig
from framing.evaluate.results import DimensionResult
from framing.labels.codebook import Dimension
from framing.model.decision import decide, hits


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
            return hits(proba, True, _cross_fitted_cuts(truth, proba, fold_of, tune)).astype(int), \
                "cross-fitted per label (chosen on the other folds)"
        return hits(proba, True, float(threshold)).astype(int), float(threshold)
    if config.classifier.single_offsets:
        offsets = _cross_fitted(lambda t, p: best_offsets(t, p, labels), truth, proba, fold_of, tune)
        return np.array(decide(labels, np.log(np.clip(proba, 1e-12, 1.0)) + offsets, False)), \
            "argmax after per-label offsets (cross-fitted on the other folds)"
    return np.array(decide(labels, proba, False)), "argmax"


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
