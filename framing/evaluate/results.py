"""Evaluation results: one dimension's cross-validated result, the metrics table, and the
out-of-fold predictions (merged across dimensions, read back from ``cv_predictions.csv``)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from framing.errors import ModelError
from framing.labels.codebook import Codebook

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
