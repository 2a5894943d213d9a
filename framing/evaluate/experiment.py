"""An experiment run: train the saved model and evaluate it (grouped CV, the decision rule chosen
out of fold, the time-forward test), writing ``metrics.json`` and the out-of-fold predictions."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from framing._io import atomic_write, toml_text, write_json
from framing.config import ExperimentConfig, experiment_dir
from framing.config_checks import WHAT_COLLECTIONS
from framing.errors import ConfigError
from framing.evaluate.cv import (FOLDS_WARNING, GROUPINGS, LEXICON_WARNING, cross_validate, cross_validate_dimension, holdout_dimension,
                                 learning_curve)
from framing.evaluate.forward import forward_evaluate
from framing.evaluate.results import DimensionResult, merge_oof, metrics_table
from framing.evaluate.thresholds import chosen_rule, shift_probabilities
from framing.labels.codebook import Codebook
from framing.model.classifier import fit_model
from framing.model.saved import save_model
from framing.project import ProjectData, load_project

CONFIG_KEY = "config"  # metrics.json's record of the resolved config (not a dimension)


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
    out: dict = {"collection": collection or "all", "dimensions": {}, "intervals": {}, "n": {}}
    for name, m in metrics.items():
        if not isinstance(m, dict) or "macro_f1" not in m:
            continue
        f = forward.get(name, {})
        if collection and collection in f.get("by_collection", {}):
            source = f["by_collection"][collection]
            out["basis"] = f"time-forward (trained before {metrics['time_forward']['cut']}), {collection} paragraphs"
        elif not collection and "macro_f1" in f:
            source = f
            out["basis"] = f"time-forward (trained before {metrics['time_forward']['cut']})"
        elif collection and collection in m.get("by_collection", {}):
            source = m["by_collection"][collection]
            out["basis"] = f"grouped CV, {collection} paragraphs"
        else:
            source = m
            out["basis"] = "grouped CV, all paragraphs"
        out["dimensions"][name] = source["macro_f1"]
        if "n" in source:
            out["n"][name] = source["n"]  # paragraphs the figure was measured on
        if out["basis"].startswith("time-forward") and "rule_spread" in f:
            out.setdefault("rule_spread", {})[name] = f["rule_spread"]  # the lead collection's, per seed
        if "macro_f1_interval" in source:
            out["intervals"][name] = source["macro_f1_interval"]
            out["level"] = source.get("interval_level", config.evaluate.level)
    return out


# Fewer test paragraphs than this behind an expected figure: the terminal says it is a rough sign.
FEW_TEST_PARAGRAPHS = 100


def few_tested(expected: dict) -> str:
    """A caution when an expected figure rests on fewer than :data:`FEW_TEST_PARAGRAPHS`
    paragraphs ("" otherwise)."""
    few = {name: n for name, n in expected.get("n", {}).items() if n < FEW_TEST_PARAGRAPHS}
    if not few:
        return ""
    if len(set(few.values())) == 1 and len(few) == len(expected["n"]):  # every dimension, one test set
        counts = str(next(iter(few.values())))
    else:
        counts = ", ".join(f"{n} ({name})" for name, n in few.items())
    return (f"caution: measured on only {counts} test paragraph(s): a rough sign, not a figure to quote; "
            "label more articles for a firmer one")


def interval_text(values) -> str:
    """An interval ``[low, high]``, or the range of a few figures, as it is printed: "0.55–0.66";
    with a third decimal when two different ends would print alike ("0.746–0.753", not "0.75–0.75")."""
    low, high = min(values := list(values)), max(values)
    digits = 3 if low != high and f"{low:.2f}" == f"{high:.2f}" else 2
    return f"{low:.{digits}f}–{high:.{digits}f}"


def expected_text(expected: dict, *, level: bool = True) -> str:
    """The expected figures in words: "tone 0.61 (0.55–0.66), …", and (with ``level``) the
    intervals' level after them."""
    intervals, spread = expected.get("intervals", {}), expected.get("rule_spread", {})

    def brackets(name: str) -> str:
        parts = [interval_text(intervals[name])] if name in intervals else []
        if name in spread:
            parts.append("rule " + interval_text(spread[name].values()))
        return f" ({'; '.join(parts)})" if parts else ""

    figures = ", ".join(f"{name} {value:.2f}{brackets(name)}" for name, value in expected.get("dimensions", {}).items())
    if (intervals or spread) and level:
        notes = [f"{expected.get('level', 0.95) * 100:.0f} % intervals from resampling the test articles"] if intervals else []
        if spread:
            seeds = sorted({seed for values in spread.values() for seed in values}, key=int)
            notes.append(f"rule: the range when folds split with seeds {', '.join(seeds)} choose the decision rule")
        figures += "; " + "; ".join(notes)
    return figures


def expected_by_outlet(metrics: dict) -> dict[str, dict]:
    """Per outlet of the time-forward test (``by_outlet``), its figures in the shape of
    ``metrics["expected"]`` (dimensions, intervals)."""
    forward = metrics.get("time_forward", {}).get("dimensions", {})
    out: dict[str, dict] = {}
    for name, m in forward.items():
        for outlet, scores in m.get("by_outlet", {}).items():
            entry = out.setdefault(outlet, {"dimensions": {}, "intervals": {}})
            entry["dimensions"][name] = scores["macro_f1"]
            if "macro_f1_interval" in scores:
                entry["intervals"][name] = scores["macro_f1_interval"]
    return dict(sorted(out.items()))


def _write_evaluation(results: list[DimensionResult], out_dir: Path, config: ExperimentConfig, suffix: str = "", *,
                      forward: list[DimensionResult] | None = None, expected: bool = False) -> dict:
    metrics: dict = {r.dimension: dimension_metrics(r) for r in results}
    if forward:
        metrics["time_forward"] = {"cut": forward[0].metrics.get("cut", forward[0].by.rsplit(" ", 1)[-1]),
                                   "dimensions": {r.dimension: dimension_metrics(r) for r in forward}}
    if expected:
        metrics["expected"] = expected_figures(metrics, config)
    metrics[CONFIG_KEY] = config.to_dict()  # the settings these figures were measured with (--set included)
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


@dataclass
class Evaluation:
    """What :func:`evaluate_experiment` measured and where it wrote it."""
    results: list[DimensionResult]
    table: pd.DataFrame          # one row per dimension and label (:func:`metrics_table`)
    metrics: dict                # as written to ``metrics_path`` (with ``expected`` for grouped-by-article CV)
    metrics_path: Path
    curve: pd.DataFrame | None = None   # the learning curve, when asked for (also ``learning_curve.csv``)


def _holdout(data: ProjectData, config: ExperimentConfig, train_on: list[str] | None,
             test_on: list[str] | None) -> list[DimensionResult]:
    if not (train_on and test_on):
        raise ConfigError("give both --train-on and --test-on", fix="e.g. --train-on train --test-on test")
    known = sorted({c for c in data.table["collection"] if c})
    missing = [name for name in [*train_on, *test_on] if name not in known]
    if missing:
        fix = (f"the labelled paragraphs' collections are: {', '.join(known)}" if known
               else "no labelled paragraph is in a collection" if any(data.paragraphs["collection"])
               else f"the corpus has no collections ({WHAT_COLLECTIONS}) to split by")
        raise ConfigError(f"no collection {missing[0]!r} among the labelled paragraphs", fix=fix)
    train = data.table["collection"].isin(train_on)
    test = data.table["collection"].isin(test_on)
    label = f"train {'+'.join(train_on)}, test {'+'.join(test_on)}"
    return [holdout_dimension(data.table, dim, config, train, test, label) for dim in data.codebook.dimensions]


def evaluate_experiment(config: ExperimentConfig, root: str | Path = ".", *, by: str = "article",
                        out_dir: str | Path | None = None, train_on: list[str] | None = None,
                        test_on: list[str] | None = None, curve: bool = False,
                        progress: Callable[[str], None] | None = None) -> Evaluation:
    """Grouped cross-validation (or, with ``train_on``/``test_on`` collections, a predefined
    train/test split); writes ``metrics[_suffix].json`` and the out-of-fold predictions. With
    ``curve``, also the learning curve (``learning_curve.csv``: CV on 25/50/75/100 % of the
    labelled articles). ``progress(step)`` is told each step as it starts (reading, each
    dimension, the time-forward test)."""
    step = progress or (lambda _: None)
    if by not in GROUPINGS:
        raise ConfigError(f"--by {by!r} is not supported", fix="use --by " + " or --by ".join(GROUPINGS))
    step("reading corpus, codebook and labels")
    data = load_project(config, root)
    out = Path(out_dir) if out_dir else experiment_dir(root, config.name)
    if train_on or test_on:
        suffix, results = "_holdout", _holdout(data, config, train_on, test_on)
        metrics = _write_evaluation(results, out, config, suffix)
    else:
        results = []
        for dim in data.codebook.dimensions:
            step(f"cross-validating {dim.name} (folds grouped by {by})")
            results.append(cross_validate_dimension(data.table, dim, config, by))
        suffix = "" if by == "article" else f"_by_{by}"
        forward = None
        if by == "article":
            decision_rule(results, data.codebook, config)
            step("time-forward test")
            forward = forward_evaluate(data.table, data.codebook, config)
        metrics = _write_evaluation(results, out, config, suffix, forward=forward, expected=forward is not None)
    evaluation = Evaluation(results, metrics_table(results), metrics, out / f"metrics{suffix}.json")
    if curve:
        step("learning curve (25/50/75/100% of the labelled articles)")
        evaluation.curve = learning_curve(data.table, data.codebook, config)
        with atomic_write(out / "learning_curve.csv") as handle:
            evaluation.curve.to_csv(handle, index=False)
    return evaluation


def cautions(name: str, entry: dict) -> list[str]:
    """What a reader of one dimension's metrics should be warned of: the lexicon's problems, and
    the labels with too few examples to evaluate reliably."""
    lines = [w for w in entry.get("warnings", []) if w.startswith((LEXICON_WARNING, FOLDS_WARNING))]
    weak = [f"{name}:{label}" for label, m in entry.get("labels", {}).items() if not m["reliable"]]
    if weak:
        lines.append(f"{len(weak)} label(s) have too few examples to evaluate reliably: " + ", ".join(weak))
    return lines


@dataclass
class TrainResult:
    model_dir: Path
    counts: dict
    metrics: dict
    seconds: float


def train(config: ExperimentConfig, root: str | Path = ".", *, out_dir: str | Path | None = None,
          progress: Callable[[str], None] | None = None) -> TrainResult:
    """Fit every dimension on all labels, cross-validate (grouped by article) for the meta,
    choose multi-label thresholds if the config asks for ``"oof"``, and save the artifact.
    ``progress(step)`` is told each step as it starts."""
    step = progress or (lambda _: None)
    started = time.perf_counter()
    step("reading corpus, codebook and labels")
    data = load_project(config, root)
    out = Path(out_dir) if out_dir else experiment_dir(root, config.name)
    step("cross-validating every dimension (for the meta and the decision rule)")
    results = cross_validate(data.table, data.codebook, config)
    thresholds, offsets = decision_rule(results, data.codebook, config)
    model = fit_model(data.table, data.codebook, config, progress=step)
    model.thresholds.update(thresholds)
    for name, shift in offsets.items():
        model.set_offsets(name, shift)
    step("time-forward test")
    forward = forward_evaluate(data.table, data.codebook, config)
    metrics = _write_evaluation(results, out, config, forward=forward, expected=True)
    seconds = time.perf_counter() - started
    counts = _label_counts(data)
    save_model(model, out, extra_meta={"data": data.hashes, "label_counts": counts,
                                       "cv_metrics": metrics, "train_seconds": round(seconds, 2)})
    with atomic_write(out / "config.resolved.toml") as handle:
        handle.write(toml_text(config.to_dict()))
    return TrainResult(out, counts, metrics, seconds)

