"""Labels the out-of-fold model contradicts with confidence: candidates for a second look.

Confident learning (Northcutt et al., 2021, via ``cleanlab``): per dimension, the out-of-fold
probabilities and the given labels estimate how often each label is confused with each other;
a paragraph is a suspect when cleanlab's ``find_label_issues`` (prune by noise rate) flags it.
A single-choice dimension is one problem; a multi-label dimension is one yes/no problem per
label, so a suspect says which label to add or remove. A suspect is kept when the model gives
its alternative at least ``active.min_probability``, and suspects are ranked by that probability.

A suspect is a question, not a verdict: a person reads the paragraph under the codebook and
records a correction with ``framing adjudicate`` (the review batch is its long layout), or
leaves the label as it is.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from framing._io import atomic_write
from framing.config import ExperimentConfig, experiment_dir
from framing.errors import ConfigError, LabelsError, ModelError
from framing.evaluate.results import read_oof
from framing.labels.codebook import Codebook, Dimension
from framing.labels.decisions import NO_LABEL
from framing.project import load_project

REVIEW_COLUMNS = ["paragraph_id", "dimension", "value", "label", "alternative", "probability", "change", "outlet", "text"]


def _issues(given: np.ndarray, proba: np.ndarray) -> np.ndarray:
    """cleanlab's confident-learning flags (a boolean per row)."""
    from cleanlab.filter import find_label_issues

    proba = np.clip(proba, 1e-6, None)
    proba = proba / proba.sum(axis=1, keepdims=True)
    if len(np.unique(given)) < 2:
        return np.zeros(len(given), bool)
    return np.asarray(find_label_issues(given, proba, filter_by="prune_by_noise_rate"), bool)


def dimension_suspects(dim: Dimension, values: list, proba: np.ndarray, *, min_probability: float = 0.5) -> list[dict]:
    """Suspects among rows with labels ``values`` (a label each, or a list of labels each when
    multi) and out-of-fold probabilities ``proba`` (rows × labels, codebook order).

    Returns one dict per suspect row: ``row`` (position), ``label`` and ``alternative`` (lists of
    label names), ``probability`` (the model's for the alternative) and ``change``.
    """
    names = dim.label_names
    found: dict[int, dict] = {}
    if not dim.multi:
        given = np.array([names.index(v) for v in values])
        flagged = _issues(given, proba)
        for i in np.flatnonzero(flagged):
            others = proba[i].copy()
            others[given[i]] = -1
            alt = int(np.argmax(others))
            if proba[i, alt] >= min_probability:
                found[i] = {"row": int(i), "label": [names[given[i]]], "alternative": [names[alt]],
                            "probability": float(proba[i, alt]), "change": f"{names[given[i]]} → {names[alt]}"}
        return list(found.values())
    member = np.array([[name in set(v) for name in names] for v in values], dtype=int).reshape(len(values), len(names))
    for j, name in enumerate(names):
        p = proba[:, j]
        flagged = _issues(member[:, j], np.column_stack([1 - p, p]))
        for i in np.flatnonzero(flagged):
            adding = member[i, j] == 0
            chance = float(p[i] if adding else 1 - p[i])
            if chance < min_probability:
                continue
            entry = found.setdefault(int(i), {"row": int(i), "label": [n for n in names if n in set(values[i])],
                                              "changes": [], "probability": 1.0})
            entry["changes"].append(("+" if adding else "−") + name)
            entry["probability"] = min(entry["probability"], chance)
    for entry in found.values():
        toggled = {c[1:] for c in entry["changes"]}
        entry["alternative"] = [n for n in names if (n in entry["label"]) != (n in toggled)]
        entry["change"] = " ".join(entry.pop("changes"))
    return list(found.values())


def find_suspects(oof: pd.DataFrame, table: pd.DataFrame, codebook: Codebook, *,
                  min_probability: float = 0.5) -> pd.DataFrame:
    """Suspect labels of every dimension, most confident contradiction first.

    Parameters
    ----------
    oof : out-of-fold predictions (``framing.evaluate.cv.read_oof`` of ``cv_predictions.csv``):
        ``paragraph_id``, ``<dim>__true``, ``<dim>__fold`` and ``<dim>:<label>`` probabilities.
    table : the current labelled paragraphs (``labelled_paragraphs``): text, outlet, a column per
        dimension. A paragraph whose label changed since the predictions were made is left out.

    Returns
    -------
    One row per suspect paragraph and dimension: ``rank``, ``paragraph_id``, ``dimension``,
    ``label``, ``alternative`` (labels joined by ``|``; empty: none), ``probability``,
    ``change``, ``outlet``, ``text``.
    """
    rows = []
    current = table.set_index("paragraph_id")
    for dim in codebook.dimensions:
        columns = [f"{dim.name}:{n}" for n in dim.label_names]
        true = f"{dim.name}__true"
        if true not in oof or any(c not in oof for c in columns):
            continue
        part = oof[oof[true].notna() & oof[columns].notna().all(axis=1)]
        part = part[part["paragraph_id"].isin(current.index)]
        now = current.loc[part["paragraph_id"], dim.name].tolist()
        then = [[v for v in str(t).split("|") if v] if dim.multi else t for t in part[true]]
        same = np.array([isinstance(n, list | str) and (sorted(n) == sorted(t) if dim.multi else n == t)
                         for n, t in zip(now, then)], bool)
        part = part[same]
        if part.empty:
            continue
        values = [v for v, keep in zip(now, same) if keep]
        for s in dimension_suspects(dim, values, part[columns].to_numpy(float), min_probability=min_probability):
            pid = part["paragraph_id"].iloc[s["row"]]
            rows.append({"paragraph_id": pid, "dimension": dim.name, "label": "|".join(s["label"]),
                         "alternative": "|".join(s["alternative"]), "probability": round(s["probability"], 4),
                         "change": s["change"], "outlet": current.at[pid, "outlet"], "text": current.at[pid, "text"]})
    frame = pd.DataFrame(rows, columns=["paragraph_id", "dimension", "label", "alternative", "probability", "change",
                                        "outlet", "text"])
    frame = frame.sort_values(["probability", "paragraph_id"], ascending=[False, True], kind="stable").reset_index(drop=True)
    frame.insert(0, "rank", np.arange(1, len(frame) + 1))
    return frame


def review_batch(suspects: pd.DataFrame) -> pd.DataFrame:
    """The suspects as a batch ``framing adjudicate`` accepts (its long layout: ``paragraph_id``,
    ``dimension``, ``value``), ``value`` prefilled with the current label: edit it where the label
    is wrong, delete the rows whose label stands, then adjudicate the file. No label is written
    ``(none)``, as adjudicate reads it (an empty value is a case not decided yet)."""
    batch = suspects.assign(value=suspects["label"].str.replace("|", ", ", regex=False).replace("", NO_LABEL))
    return batch[["rank", *REVIEW_COLUMNS]]


def flip_labels(table: pd.DataFrame, codebook: Codebook, *, share: float = 0.05, seed: int = 0) -> tuple[pd.DataFrame, dict]:
    """A copy of ``table`` with ``share`` of each dimension's labels changed at random (single-choice:
    another label; multi-label: one label added or removed), and the flipped paragraph ids per dimension."""
    rng = np.random.default_rng(seed)
    noisy = table.copy()
    flipped = {}
    for dim in codebook.dimensions:
        labelled = np.flatnonzero(noisy[dim.name].notna().to_numpy())
        chosen = rng.choice(labelled, size=int(round(share * len(labelled))), replace=False)
        column = noisy[dim.name].tolist()
        for i in chosen:
            if dim.multi:
                name = dim.label_names[rng.integers(len(dim.label_names))]
                have = set(column[i])
                column[i] = [n for n in dim.label_names if (n in have) != (n == name)]
            else:
                column[i] = str(rng.choice([n for n in dim.label_names if n != column[i]]))
        noisy[dim.name] = column
        flipped[dim.name] = set(noisy["paragraph_id"].iloc[chosen])
    return noisy, flipped


def planted_noise(table: pd.DataFrame, codebook: Codebook, config, *, share: float = 0.05, seed: int = 0) -> pd.DataFrame:
    """Flip ``share`` of the labels at random, compute out-of-fold predictions on the noisy labels
    (:mod:`framing.model.refit`'s model, folds grouped by article) and count how many flipped labels are
    among the top-k suspects, k = the number flipped.

    Returns one row per dimension and a pooled row: ``flipped``, ``suspects``, ``hits_at_k``,
    ``precision_at_k`` (= recall at k) and ``recall`` (flipped labels among all suspects).
    """
    from framing.evaluate.results import OOF_KEYS
    from framing.model.refit import TextCounts, out_of_fold, targets

    if not 0 <= share < 1:
        raise ConfigError(f"planted-noise share {share} is not a share of labels in [0, 1)", fix="e.g. 0.05 flips 5 %")
    table = table.reset_index(drop=True)
    if table["article_id"].nunique() < 2:
        raise LabelsError("planted-noise test needs labelled paragraphs from at least two articles")
    noisy, flipped = flip_labels(table, codebook, share=share, seed=seed)
    counts = TextCounts(table["text"].tolist(), config)
    oof = noisy[[c for c in OOF_KEYS if c in noisy]].copy()
    for dim in codebook.dimensions:
        rows = np.flatnonzero(noisy[dim.name].notna().to_numpy())
        values = noisy[dim.name].iloc[rows].tolist()
        proba = out_of_fold(dim, config, counts, rows, targets(dim, values),
                            noisy["article_id"].astype(str).to_numpy()[rows], seed=config.evaluate.seed + seed)
        oof[f"{dim.name}__fold"] = np.where(noisy[dim.name].notna(), 0, -1)
        oof[f"{dim.name}__true"] = pd.Series(["|".join(v) if dim.multi else v for v in values], index=rows)
        for j, name in enumerate(dim.label_names):
            oof[f"{dim.name}:{name}"] = pd.Series(proba[:, j], index=rows)
    suspects = find_suspects(oof, noisy, codebook, min_probability=config.active.min_probability)
    result = []
    for dim in codebook.dimensions:
        mine = suspects[suspects["dimension"] == dim.name]
        k = len(flipped[dim.name])
        hits = int(mine.head(k)["paragraph_id"].isin(flipped[dim.name]).sum())
        result.append({"dimension": dim.name, "flipped": k, "suspects": len(mine), "hits_at_k": hits,
                       "precision_at_k": hits / k if k else float("nan"),
                       "recall": float(mine["paragraph_id"].isin(flipped[dim.name]).sum() / k) if k else float("nan")})
    frame = pd.DataFrame(result)
    k = int(frame["flipped"].sum())
    pooled_hits = int(sum(p in flipped[d] for p, d in suspects.head(k)[["paragraph_id", "dimension"]].itertuples(index=False)))
    all_hits = int(sum(p in flipped[d] for p, d in suspects[["paragraph_id", "dimension"]].itertuples(index=False)))
    frame.loc[len(frame)] = {"dimension": "all (pooled ranking)", "flipped": k, "suspects": len(suspects),
                             "hits_at_k": pooled_hits, "precision_at_k": pooled_hits / k if k else float("nan"),
                             "recall": all_hits / k if k else float("nan")}
    return frame


def review_suspects(config: ExperimentConfig, root: str | Path, *, predictions: str | Path | None = None,
                    top: int | None = None, output: str | Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """The project's suspect labels (:func:`find_suspects` on the out-of-fold predictions,
    ``experiments/NAME/cv_predictions.csv`` unless ``predictions`` names another file) and the
    review batch of the ``top`` of them, written to ``output`` when given. Returns the suspects,
    the batch and how many paragraphs are labelled."""
    data = load_project(config, root)
    path = Path(predictions) if predictions else experiment_dir(root, config.name) / "cv_predictions.csv"
    if not path.is_file():
        raise ModelError("no out-of-fold predictions", path=path,
                         fix=f"run `framing evaluate --experiment {config.name}` first")
    suspects = find_suspects(read_oof(path, data.codebook), data.table, data.codebook,
                             min_probability=config.active.min_probability)
    batch = review_batch(suspects.head(top) if top else suspects)
    if output is not None:
        with atomic_write(output) as handle:
            batch.to_csv(handle, index=False)
    return suspects, batch, len(data.table)
