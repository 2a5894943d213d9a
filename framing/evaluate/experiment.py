"""An experiment run: train the saved model and evaluate it (grouped CV, the decision rule chosen
out of fold, the time-forward test), writing ``metrics.json`` and the out-of-fold predictions."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from framing._io import atomic_write, toml_text, write_json
from framing.config import ExperimentConfig, experiment_dir
from framing.errors import ConfigError
from framing.evaluate.cv import (DimensionResult, chosen_rule, cross_validate, forward_evaluate, holdout_dimension,
                                 merge_oof, metrics_table, shift_probabilities)
from framing.labels.codebook import Codebook
from framing.model.classifier import fit_model, save_model
from framing.project import ProjectData, load_project


def _label_counts(data: ProjectData) -> dict:
    counts: dict = {}
    for dim in data.codebook.dimensions:
        values = data.table[dim.name].dropna()
        flat = [v for value in values for v in (value if dim.multi else [value])]
        counts[dim.name] = {"paragraphs": int(len(values)),
                            **{label: flat.count(label) for label in dim.label_names}}
    return counts


def dimension_metrics(r: DimensionResult) -> dict:
    """One dimension's entry of ``metrics.json``."""
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
    metrics: dict = {r.dimension: dimension_metrics(r) for r in results}
    if forward:
        metrics["time_forward"] = {"cut": forward[0].metrics.get("cut", forward[0].by.rsplit(" ", 1)[-1]),
                                   "dimensions": {r.dimension: dimension_metrics(r) for r in forward}}
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
        chosen = chosen_rule(result, dim, config)
        if chosen is None:
            continue
        if dim.multi:
            thresholds[dim.name] = chosen
        else:
            offsets[dim.name] = chosen
            columns = [f"{dim.name}:{name}" for name in dim.label_names]
            valid = result.oof[columns].notna().all(axis=1)
            shift = np.array([offsets[dim.name][name] for name in dim.label_names])
            result.oof.loc[valid, columns] = shift_probabilities(result.oof.loc[valid, columns].to_numpy(), shift)
    return thresholds, offsets


def evaluate_experiment(config: ExperimentConfig, root: str | Path = ".", *, by: str = "article",
                        out_dir: str | Path | None = None, train_on: list[str] | None = None,
                        test_on: list[str] | None = None) -> tuple[list[DimensionResult], pd.DataFrame]:
    """Grouped cross-validation (or, with ``train_on``/``test_on`` collections, a predefined
    train/test split); writes ``metrics[_suffix].json`` and the out-of-fold predictions."""
    data = load_project(config, root)
    out = Path(out_dir) if out_dir else experiment_dir(root, config.name)
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
    out = Path(out_dir) if out_dir else experiment_dir(root, config.name)
    results = cross_validate(data.table, data.codebook, config)
    thresholds, offsets = decision_rule(results, data.codebook, config)
    model = fit_model(data.table, data.codebook, config)
    model.thresholds.update(thresholds)
    for name, shift in offsets.items():
        model.set_offsets(name, shift)
    forward = forward_evaluate(data.table, data.codebook, config)
    metrics = _write_evaluation(results, out, forward=forward, config=config)
    seconds = time.perf_counter() - started
    counts = _label_counts(data)
    save_model(model, out, extra_meta={"data": data.hashes, "label_counts": counts,
                                       "cv_metrics": metrics, "train_seconds": round(seconds, 2)})
    with atomic_write(out / "config.resolved.toml") as handle:
        handle.write(toml_text(config.to_dict()))
    return TrainResult(out, counts, metrics, seconds)
