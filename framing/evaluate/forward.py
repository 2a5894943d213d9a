"""The time-forward test: models trained on the paragraphs dated before a cut, scored on the
labelled articles from the cut on (what to expect on new articles)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from framing.config import ExperimentConfig
from framing.evaluate.cv import (_majority, _oof_frame, _scores, _summary, _truth, cross_validate_dimension,
                                 lead_rows)
from framing.evaluate.results import DimensionResult
from framing.evaluate.thresholds import chosen_rule, shift_probabilities
from framing.labels.codebook import Codebook, Dimension
from framing.model.classifier import dimension_model, fit_inputs, model_texts
from framing.model.decision import decide, hits


def forward_cut(table: pd.DataFrame, config: ExperimentConfig) -> str | None:
    """The time-forward cut date: the latest ``evaluate.forward_share`` of the lead collection's
    labelled, dated articles fall on or after it (None when off or nothing is dated)."""
    share = config.evaluate.forward_share
    rows = table[lead_rows(table, config)]
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
    raw = model.predict_proba(model_texts(test))
    y = list(test[dim.name])
    truth = _truth(dim, y)
    pred, rule, proba = _decide(dim, config, inner, raw)
    base = np.tile(_majority(dim, list(train[dim.name])), (len(test), 1))
    groups = test["article_id"].astype(str).to_numpy()
    result.metrics = _summary(dim, truth, pred, base, test, groups, config, result, rule, outlets=True)
    result.metrics["cut"] = cut
    result.metrics["train_n"] = int(len(train))
    if config.evaluate.rule_seeds:
        result.metrics["rule_spread"] = _rule_spread(train, test, dim, config, truth, raw, inner)
    result.oof = _oof_frame(test, dim, y, proba, np.zeros(len(test), int))
    result.oof[f"{dim.name}__pred"] = (["|".join(np.array(dim.label_names)[row.astype(bool)]) for row in pred]
                                       if dim.multi else list(pred))
    return result


def _decide(dim: Dimension, config: ExperimentConfig, inner: DimensionResult,
            proba: np.ndarray) -> tuple[np.ndarray, object, np.ndarray]:
    """Decisions on ``proba`` by the rule chosen on ``inner``'s out-of-fold predictions, the rule
    in words, and the probabilities after a single-choice rule's offsets."""
    chosen = chosen_rule(inner, dim, config)
    if dim.multi:
        if chosen is not None:
            cuts = np.array([chosen[name] for name in dim.label_names])
            rule: object = "per label, chosen on the training side's out-of-fold predictions"
        else:
            rule = config.classifier.fixed_threshold
            cuts = np.full(len(dim.label_names), rule)
        return hits(proba, True, cuts).astype(int), rule, proba
    offsets = np.array([chosen[name] for name in dim.label_names]) if chosen is not None \
        else np.zeros(len(dim.label_names))
    proba = shift_probabilities(proba, offsets)
    rule = "argmax" + (" after offsets chosen on the training side" if offsets.any() else "")
    return np.array(decide(dim.label_names, proba, False)), rule, proba


def _rule_spread(train: pd.DataFrame, test: pd.DataFrame, dim: Dimension, config: ExperimentConfig,
                 truth: np.ndarray, proba: np.ndarray, inner: DimensionResult) -> dict[str, float]:
    """Per seed, the lead collection's macro-F1 (all test rows' when none is set) of the same
    model under the rule chosen on training-side folds split with that seed: ``evaluate.seed``
    (``inner``, the shipped way) and each of ``evaluate.rule_seeds``."""
    rows = lead_rows(test, config)
    groups = test["article_id"].astype(str).to_numpy()[rows]
    out = {}
    for seed in sorted({config.evaluate.seed, *config.evaluate.rule_seeds}):
        split = replace(config, evaluate=replace(config.evaluate, seed=seed))
        folds = inner if seed == config.evaluate.seed else cross_validate_dimension(train, dim, split)
        pred = _decide(dim, config, folds, proba)[0]
        scores = _scores(dim, truth[rows], pred[rows], pred[rows], groups, minimum=0, folds=1, by="article", notes=[])
        out[str(seed)] = scores["macro_f1"]  # macro-F1 as everywhere: over the labels that occur
    return out


def forward_evaluate(table: pd.DataFrame, codebook: Codebook, config: ExperimentConfig) -> list[DimensionResult]:
    """Time-forward results of every dimension (empty when the config turns the test off)."""
    cut = forward_cut(table, config)
    if cut is None:
        return []
    return [forward_dimension(table, dim, config, cut) for dim in codebook.dimensions]
