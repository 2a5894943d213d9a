"""Inter-annotator agreement (Cohen's κ, Krippendorff's α, percent agreement) per dimension and
per label, the disagreements to adjudicate, and adjudicated labels."""

from __future__ import annotations

import itertools
import warnings
from pathlib import Path

import krippendorff
import numpy as np
import pandas as pd
from sklearn.metrics import cohen_kappa_score

from framing._io import atomic_write
from framing.labels.codebook import Codebook
from framing.labels.decisions import NO_LABEL
from framing.errors import LabelsError


def _value_key(value: list[str]) -> str:
    return "|".join(sorted(value))


def overlap(labels: pd.DataFrame, annotators: list[str] | None = None) -> pd.DataFrame:
    """Labels of the chosen annotators (adjudications excluded) on paragraphs that at least two of
    them labelled on the same dimension."""
    frame = labels[~labels.get("adjudicated", pd.Series(False, index=labels.index)).eq(True)]
    if annotators:
        missing = sorted(set(annotators) - set(frame["annotator"]))
        if missing:
            raise LabelsError(f"no labels by {missing}", fix=f"annotators with labels: {', '.join(sorted(set(frame['annotator'])))}")
        frame = frame[frame["annotator"].isin(annotators)]
    counts = frame.groupby(["paragraph_id", "dimension"])["annotator"].transform("nunique")
    shared = frame[counts >= 2]
    if shared.empty:
        who = ", ".join(sorted(set(frame["annotator"]))) or "nobody"
        raise LabelsError(f"no paragraph is labelled by two or more of: {who}",
                          fix="have a second annotator label some of the same paragraphs (e.g. with framing labels sample)")
    return shared


def _alpha(matrix: np.ndarray) -> float:
    """Krippendorff's α (nominal) of an annotators × items matrix of codes (NaN = not labelled)."""
    values = matrix[~np.isnan(matrix)]
    if len(np.unique(values)) < 2:
        return float("nan")  # no variation at all: α is undefined
    return float(krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal"))


def _pairwise(wide: pd.DataFrame) -> tuple[float, float, int, list[dict]]:
    """Mean Cohen's κ and percent agreement over annotator pairs, with per-pair rows."""
    pairs = []
    for a, b in itertools.combinations(wide.columns, 2):
        both = wide[[a, b]].dropna()
        if len(both) == 0:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # κ is undefined (NaN) when both use a single category
            kappa = cohen_kappa_score(both[a].astype(str), both[b].astype(str))
        pairs.append({"pair": f"{a} ~ {b}", "n": len(both), "kappa": float(kappa),
                      "agreement": float((both[a] == both[b]).mean())})
    if not pairs:
        return float("nan"), float("nan"), 0, []
    n = sum(p["n"] for p in pairs)
    defined = [p for p in pairs if not np.isnan(p["kappa"])]  # κ is undefined for a pair using one category only
    kappa = float(np.average([p["kappa"] for p in defined], weights=[p["n"] for p in defined])) if defined else float("nan")
    agree = float(np.average([p["agreement"] for p in pairs], weights=[p["n"] for p in pairs]))
    return kappa, agree, n, pairs


def _codes(wide: pd.DataFrame) -> np.ndarray:
    categories = sorted(set(v for v in wide.to_numpy().ravel() if isinstance(v, str)))
    lookup = {c: i for i, c in enumerate(categories)}
    return np.array([[lookup[v] if isinstance(v, str) else np.nan for v in wide[c]] for c in wide.columns], dtype=float)


def _wide_tables(labels: pd.DataFrame, codebook: Codebook, annotators: list[str] | None):
    """Per dimension, a paragraphs × annotators table of values ("a|b" strings; NaN = not labelled)."""
    shared = overlap(labels, annotators)
    for dim in codebook.dimensions:
        sub = shared[shared["dimension"] == dim.name]
        if not sub.empty:
            yield dim, sub.assign(v=sub["value"].map(_value_key)).pivot(index="paragraph_id", columns="annotator", values="v")


def agreement(labels: pd.DataFrame, codebook: Codebook, annotators: list[str] | None = None) -> pd.DataFrame:
    """Agreement per dimension (``label`` = "ALL") and per label (each label as present/absent).

    Columns: dimension, label, items, annotators, kappa (Cohen's, averaged over annotator pairs
    weighted by shared items), alpha (Krippendorff's, nominal, all annotators), agreement
    (observed percent agreement over pairs), prevalence (share of labels that are this label).
    """
    rows = []
    for dim, wide in _wide_tables(labels, codebook, annotators):
        n_ann = int(wide.notna().sum(axis=0).gt(0).sum())
        if not dim.multi:
            kappa, agree, _, _ = _pairwise(wide)
            rows.append({"dimension": dim.name, "label": "ALL", "items": len(wide), "annotators": n_ann,
                         "kappa": kappa, "alpha": _alpha(_codes(wide)), "agreement": agree, "prevalence": np.nan})
        for label in dim.label_names:
            binary = wide.map(lambda v, label=label: (("yes" if label in v.split("|") else "no") if isinstance(v, str) else np.nan))
            kappa, agree, _, _ = _pairwise(binary)
            values = binary.to_numpy().ravel()
            present = [v for v in values if isinstance(v, str)]
            rows.append({"dimension": dim.name, "label": label, "items": len(wide), "annotators": n_ann,
                         "kappa": kappa, "alpha": _alpha(_codes(binary)), "agreement": agree,
                         "prevalence": present.count("yes") / len(present) if present else np.nan})
        if dim.multi:
            kappa, agree, _, _ = _pairwise(wide)  # exact set match
            labelwise = [r for r in rows if r["dimension"] == dim.name and r["label"] != "ALL"]
            rows.append({"dimension": dim.name, "label": "ALL", "items": len(wide), "annotators": n_ann,
                         "kappa": float(np.nanmean([r["kappa"] for r in labelwise])),
                         "alpha": float(np.nanmean([r["alpha"] for r in labelwise])),
                         "agreement": agree, "prevalence": np.nan})
    return pd.DataFrame(rows)


def pair_table(labels: pd.DataFrame, codebook: Codebook, annotators: list[str] | None = None) -> pd.DataFrame:
    """Cohen's κ and agreement for every annotator pair and dimension."""
    rows = []
    for dim, wide in _wide_tables(labels, codebook, annotators):
        for pair in _pairwise(wide)[3]:
            rows.append({"dimension": dim.name, **pair})
    return pd.DataFrame(rows)


def disagreements(labels: pd.DataFrame, codebook: Codebook, paragraphs: pd.DataFrame,
                  annotators: list[str] | None = None, *, output: str | Path | None = None) -> pd.DataFrame:
    """Paragraph × dimension cases where annotators differ and no adjudication exists yet (also
    written to ``output``, a CSV to adjudicate, when given): ``value`` is left empty for the
    adjudicator's decision (``framing adjudicate`` reads the file as it is, an empty ``value`` as a
    case not decided yet); the ``by <annotator>`` columns hold each answer, ``(none)`` for no label."""
    table = _disagreements(labels, codebook, paragraphs, annotators)
    if output is not None:
        with atomic_write(output) as handle:
            table.to_csv(handle, index=False)
    return table


def _disagreements(labels: pd.DataFrame, codebook: Codebook, paragraphs: pd.DataFrame,
                   annotators: list[str] | None) -> pd.DataFrame:
    shared = overlap(labels, annotators)
    adjudicated = set()
    if "adjudicated" in labels:
        done = labels[labels["adjudicated"].eq(True)]
        adjudicated = set(zip(done["paragraph_id"], done["dimension"]))
    rows = []
    for (pid, dim_name), group in shared.groupby(["paragraph_id", "dimension"]):
        values = {r.annotator: _value_key(r.value) for r in group.itertuples()}
        if len(set(values.values())) > 1 and (pid, dim_name) not in adjudicated:
            rows.append({"paragraph_id": pid, "dimension": dim_name, "value": "",
                         **{f"by {a}": (v or NO_LABEL) for a, v in sorted(values.items())}})
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    text = paragraphs.set_index("paragraph_id")["text"]
    order = {d: i for i, d in enumerate(codebook.names)}
    table["text"] = table["paragraph_id"].map(text)
    return table.sort_values(["paragraph_id", "dimension"], key=lambda s: s.map(order) if s.name == "dimension" else s)
