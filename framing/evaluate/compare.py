"""`framing experiments`: one row per experiment with metrics — its figures and the settings it
was measured with."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pandas as pd

from framing.config import ExperimentConfig, config_from_dict, load_config
from framing.errors import ConfigError, FramingWarning
from framing.evaluate.experiment import CONFIG_KEY, interval_text


def _settings(metrics: dict, folder: Path) -> tuple[ExperimentConfig | None, str]:
    """The config the metrics were measured with, and where it was found: the record in
    metrics.json, else the one training saved (config.resolved.toml), else config.toml."""
    if isinstance(metrics.get(CONFIG_KEY), dict):
        try:
            return config_from_dict(metrics[CONFIG_KEY]), "metrics.json"
        except ConfigError:
            pass  # written by another version of framing: fall back to the files
    for name in ("config.resolved.toml", "config.toml"):
        if (folder / name).is_file():
            try:
                return load_config(folder / name), name
            except ConfigError as error:
                warnings.warn(f"{folder / name}: settings not shown ({error.what})", FramingWarning, stacklevel=3)
    return None, ""


def _read_metrics(path: Path) -> dict | None:
    """The metrics of ``path``, or None (with a warning naming it) when it is not a metrics table."""
    try:
        metrics = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeError, OSError) as exc:
        warnings.warn(f"skipped {path}: not readable JSON ({' '.join(str(exc).split())[:120]})", FramingWarning,
                      stacklevel=3)
        return None
    if not isinstance(metrics, dict):
        warnings.warn(f"skipped {path}: holds a JSON {type(metrics).__name__}, not the object `framing evaluate` "
                      "writes", FramingWarning, stacklevel=3)
        return None
    return metrics


def _figures(row: dict, metrics: dict) -> None:
    expected = metrics.get("expected", {})
    for name, value in expected.get("dimensions", {}).items():  # what to expect on new articles leads
        row[f"{name} expected"] = round(value, 3)
        if name in expected.get("intervals", {}):
            row[f"{name} interval"] = interval_text(expected["intervals"][name])
        if name in expected.get("rule_spread", {}):
            row[f"{name} rule"] = interval_text(expected["rule_spread"][name].values())
    if expected:
        row["expected on"] = expected.get("basis", "")
    for name, m in metrics.items():
        if isinstance(m, dict) and "macro_f1" in m:
            row[f"{name} pooled CV"] = round(m["macro_f1"], 3)
            row[f"{name} baseline"] = round(m["baseline_macro_f1"], 3)
            row[f"{name} n"] = m["n"]


def summarise_experiments(root) -> pd.DataFrame:
    """One row per experiment folder with a ``metrics.json``: macro-F1 per dimension and the
    settings that distinguish it (those the metrics were measured with). A metrics file that
    cannot be read is skipped with a :class:`~framing.errors.FramingWarning` naming it."""
    rows = []
    for metrics_path in sorted(Path(root).glob("experiments/*/metrics.json")):
        metrics = _read_metrics(metrics_path)
        if metrics is None:
            continue
        row = {"experiment": metrics_path.parent.name}
        cfg, source = _settings(metrics, metrics_path.parent)
        if cfg is not None:
            f, c = cfg.features, cfg.classifier
            row["features"] = (f"{f.analyzer} {f.ngram_min}-{f.ngram_max}"
                               + (f" + char_wb {f.char_ngram_min}-{f.char_ngram_max}" if f.analyzer == "word+char" else "")
                               + (f" + lexicon ({f.lexicon})" if f.lexicon != "none" else "")
                               + f", sublinear={f.sublinear_tf}, min_df={f.min_df}")
            row["C"] = c.C
            row["settings from"] = source
        try:
            _figures(row, metrics)
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            warnings.warn(f"skipped {metrics_path}: not the metrics `framing evaluate` writes ({exc!r})",
                          FramingWarning, stacklevel=2)
            continue
        row["has model"] = metrics_path.with_name("meta.json").exists()
        rows.append(row)
    return pd.DataFrame(rows)
