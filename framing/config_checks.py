"""Config checks: each value in its range (when a config is read), and the settings that name a
codebook dimension or a corpus collection against the project they run on (when the project is
loaded with the config). A name the project lacks would otherwise be ignored without a word — the
usual result of copying another project's config.

The config's own type is not imported here (``config.py`` imports this module): every function
takes an :class:`~framing.config.ExperimentConfig`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from framing.errors import ConfigError

# Settings whose values (list items, or table keys) are codebook dimensions / corpus collections.
DIMENSION_SETTINGS = ("features.attribution", "features.lexicon_dimensions", "features.decades", "features.indicators",
                      "classifier.C_by_dimension")
COLLECTION_SETTINGS = ("evaluate.collection", "classifier.tune_on")
WHAT_COLLECTIONS = "a collection is a subfolder of the corpus folder, or the name of a table file at its top"


def _named(config: Any, key: str) -> list[str]:
    section, option = key.split(".")
    value = getattr(getattr(config, section), option)
    if isinstance(value, str):
        return [value] if value else []
    return [str(v) for v in value]  # a list, or a table's keys


def _wrong(config: Any, key: str, what: str, fix: str) -> ConfigError:
    """The error for setting ``key``: naming the --set that gave it, else the config file."""
    item = config.origin(key)
    if item is not None:
        return ConfigError(f"--set {item}: {what}", fix=fix)
    return ConfigError(what, path=config.file, fix=fix)


def check_dimensions(config: Any, dimensions: Sequence[str], codebook: str | Path | None) -> None:
    """Every setting that names a dimension names one of the codebook's ``dimensions``."""
    for key in DIMENSION_SETTINGS:
        for name in _named(config, key):
            if name not in dimensions:
                raise _wrong(config, key, f"{key} names {name!r}, which is not a dimension of the codebook {codebook}",
                             f"its dimensions are {', '.join(dimensions)}: name one of them, or leave {name!r} out")


def check_indicators(config: Any, codebook: Any) -> None:
    """Every dimension ``features.indicators`` names has a label that lists indicators (else the
    setting would add nothing, without a word)."""
    for name in config.features.indicators:
        dim = codebook.dimension(name)
        if not any(label.indicators for label in dim.labels):
            raise _wrong(config, "features.indicators",
                         f"features.indicators names {name!r}, but no label of it lists indicators in the codebook {codebook.path}",
                         f'give its labels indicators = ["word", "a phrase", "stem*"] (the words their definitions name), '
                         f"or leave {name!r} out")


def check_collections(config: Any, keys: Sequence[str], collections: Iterable[str], corpus: str | Path) -> None:
    """Every setting of ``keys`` names one of the corpus's ``collections`` (the paragraphs'
    collection column; "" is no collection)."""
    known = sorted({str(c) for c in collections if c})
    for key in keys:
        for name in _named(config, key):
            if name in known:
                continue
            what = f"{key} names collection {name!r}, which the corpus at {corpus} does not have"
            if not known:
                raise _wrong(config, key, what, f"the corpus has no collections ({WHAT_COLLECTIONS}): leave {key} out")
            kept = " (data.collections keeps only these)" if config.data.collections and key != "data.collections" else ""
            raise _wrong(config, key, what, f"its collections are {', '.join(known)}{kept}: name one of them, "
                                            f"or leave {key} out")


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)


def _feature_problems(f: Any) -> list[tuple[str, str]]:
    problems = []
    if f.analyzer not in ("word", "char_wb", "word+char", "prefix"):
        problems.append(("features.analyzer", 'use "word", "char_wb", "word+char" or "prefix"'))
    if f.lexicon not in ("none", "rationale", "rationale-by-label"):
        problems.append(("features.lexicon", 'use "none", "rationale" or "rationale-by-label"'))
    if f.attribution_window < 1 or not f.attribution_weight > 0 or not _finite(f.attribution_weight):
        problems.append(("features.attribution_window/attribution_weight", "window >= 1 word and weight > 0"))
    if f.context < 0 or (f.context or f.decades or f.indicators) and f.analyzer != "prefix":
        problems.append(("features.context/decades/indicators",
                         'context >= 0 paragraphs; context, decades and indicators need analyzer = "prefix"'))
    if f.prefix_len < 1:
        problems.append(("features.prefix_len", "must be at least 1"))
    if not 1 <= f.ngram_min <= f.ngram_max:
        problems.append(("features.ngram_min/ngram_max", "need 1 <= ngram_min <= ngram_max"))
    if not 1 <= f.char_ngram_min <= f.char_ngram_max:
        problems.append(("features.char_ngram_min/char_ngram_max", "need 1 <= char_ngram_min <= char_ngram_max"))
    if f.min_df < 1 or not 0 < f.max_df <= 1:
        problems.append(("features.min_df/max_df", "min_df a whole number >= 1 (documents); max_df a share in (0, 1]"))
    if f.max_features is not None and (type(f.max_features) is not int or f.max_features < 1):
        problems.append(("features.max_features", "a whole number >= 1 (the most terms kept), or leave it out for all"))
    if f.stop_words not in (None, "english"):
        problems.append(("features.stop_words", 'only "english" (scikit-learn\'s list), or leave it out for none'))
    return problems


def _classifier_problems(c: Any, e: Any) -> list[tuple[str, str]]:
    problems = []
    if not _finite(c.C) or c.C <= 0 or any(not _finite(v) or v <= 0 for v in c.C_by_dimension.values()):
        problems.append(("classifier.C", "a finite number > 0, e.g. 4.0 (also in C_by_dimension)"))
    if c.class_weight not in (None, "balanced"):
        problems.append(("classifier.class_weight", 'use "balanced" or leave it out'))
    if isinstance(c.threshold, str) and c.threshold != "oof" or (
            not isinstance(c.threshold, str) and not 0 < float(c.threshold) < 1):
        problems.append(("classifier.threshold", 'a number in (0, 1) or "oof"'))
    if e.folds < 2 or any(type(v) is not int for v in e.rule_seeds):
        problems.append(("evaluate.folds/rule_seeds", "folds at least 2; rule_seeds whole numbers, e.g. [1, 2]"))
    if not 0 <= e.forward_share < 1:
        problems.append(("evaluate.forward_share", "a share in [0, 1): 0.2 tests on the latest fifth of articles"))
    if not 0 < e.level < 1 or e.n_boot < 0:
        problems.append(("evaluate.level/n_boot", "level in (0, 1), e.g. 0.95; n_boot >= 0 (0: no interval)"))
    return problems


def _report_problems(r: Any, a: Any) -> list[tuple[str, str]]:
    problems = []
    if r.estimator not in ("ppi", "none"):
        problems.append(("report.estimator", 'use "ppi" or "none"'))
    if not 0 < r.level < 1 or not 0 < r.target_width <= 1 or r.min_labelled < 2:
        problems.append(("report.level/target_width/min_labelled", "level and target_width in (0, 1), min_labelled >= 2"))
    if r.drift not in ("blocks", "none") or r.drift_blocks < 2:
        problems.append(("report.drift/drift_blocks", 'drift "blocks" or "none", drift_blocks >= 2'))
    if r.correction not in ("holm", "bh", "none"):
        problems.append(("report.correction", 'use "holm", "bh" or "none"'))
    if r.min_articles < 1 or r.time_min_articles < 1 or r.summary_top < 1:
        problems.append(("report.min_articles/time_min_articles/summary_top", "each at least 1"))
    if a.min_paragraphs < 1 or a.show_max < 1 or a.report_top < 1 or a.report_min_paragraphs < 1:
        problems.append(("articles.min_paragraphs/show_max/report_top/report_min_paragraphs", "each must be at least 1"))
    return problems


def _active_problems(a: Any) -> list[tuple[str, str]]:
    wrong = {"seeds": a.seeds < 1, "start": a.start < 2, "batch": a.batch < 1, "max_labels": a.max_labels < 0,
             "test_share": not 0 < a.test_share <= 0.9}
    takes = {"seeds": ">= 1", "start": ">= 2", "batch": ">= 1", "max_labels": ">= 0 (0: the whole pool)",
             "test_share": "a share in (0, 0.9], e.g. 0.25 (the rest of the articles is the pool to label)"}
    problems = [(f"active.{key}", f"active.{key} {takes[key]}") for key, bad in wrong.items() if bad]
    orders = ("corpus", "random", "stratified", "uncertainty", "uncertainty-stratified")
    if a.order not in orders or a.fallback_order not in orders[:3]:
        problems.append(("active.order/fallback_order", f"order one of {', '.join(orders)}; "
                                                        "fallback_order corpus, random or stratified (no model needed)"))
    if a.window < 1 or a.block < 1:
        problems.append(("active.window/block", "window >= 1 and block >= 1 paragraphs"))
    if not 0 < a.target_share <= 1 or not 0 <= a.target_f1 < 1 or not 0 < a.gain < 1 or not 0 < a.min_probability < 1:
        problems.append(("active.target_share/target_f1/gain/min_probability", "shares and probabilities in (0, 1)"))
    return problems


def check_values(config: Any, path: Path | None) -> None:
    """Each value in its range: the first that is not is a ConfigError naming the key and what it
    takes; its ``keys`` are the settings it is about (so that the --set that gave one is named)."""
    problems = (_feature_problems(config.features) + _classifier_problems(config.classifier, config.evaluate)
                + _report_problems(config.report, config.articles) + _active_problems(config.active))
    if problems:
        name, fix = problems[0]
        section, _, options = name.partition(".")
        error = ConfigError(f"invalid value for {name}", path=path, fix=fix)
        error.keys = [f"{section}.{option}" for option in options.split("/")]
        raise error
