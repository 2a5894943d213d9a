"""Hand-labelled paragraphs in the report: their out-of-fold predictions (from models that never
saw them) replace the model's in-sample ones, and the hand labels are set against those predictions."""

from __future__ import annotations

import numpy as np
import pandas as pd

from framing.labels.codebook import Codebook
from framing.report.profile import outlet_profile, predicted_indicators


def _labelled_profile_frame(oof: pd.DataFrame, codebook: Codebook, thresholds: dict, which: str) -> pd.DataFrame:
    """Out-of-fold table → a frame of hand (``which="hand"``) or predicted values per dimension."""
    frame = oof[["article_id", "outlet"]].copy()
    pred = predicted_indicators(oof, codebook, thresholds) if which == "predicted" else None
    for dim in codebook.dimensions:
        true_col = f"{dim.name}__true"
        if true_col not in oof:
            continue
        has = oof[true_col].notna()
        if which == "hand":
            values = oof[true_col].where(has)
        else:
            cols = [f"{dim.name}:{label}" for label in dim.label_names]
            hits = pred[cols].to_numpy()
            values = pd.Series(["|".join(dim.label_names[j] for j in np.flatnonzero(row == 1)) for row in np.nan_to_num(hits)],
                               index=oof.index).where(has & pred[cols].notna().all(axis=1))
        frame[dim.name] = values
    return frame


def out_of_fold(frame: pd.DataFrame, oof: pd.DataFrame, codebook: Codebook, thresholds: dict) -> tuple[pd.DataFrame, int]:
    """Predictions with each training paragraph's in-sample values replaced, dimension by dimension,
    by its out-of-fold prediction — its decision and its ``dim:label`` probabilities, which rank the
    "why" paragraphs and the articles — and how many paragraphs were replaced."""
    if "paragraph_id" not in frame:
        return frame, 0
    held_out = _labelled_profile_frame(oof, codebook, thresholds, "predicted").set_index(oof["paragraph_id"].astype(str))
    held_out = held_out[~held_out.index.duplicated()]
    ids = frame["paragraph_id"].astype(str)
    inside = ids.isin(held_out.index)
    if not inside.any():
        return frame, 0
    frame = frame.copy()
    for dim in codebook.dimensions:
        if dim.name in frame and dim.name in held_out:
            values = ids[inside].map(held_out[dim.name])
            frame.loc[values.index[values.notna()], dim.name] = values[values.notna()]
        cols = [f"{dim.name}:{label}" for label in dim.label_names if f"{dim.name}:{label}" in frame]
        if cols and set(cols) <= set(oof.columns):
            probs = oof[cols].set_index(oof["paragraph_id"].astype(str))
            probs = probs[~probs.index.duplicated()].reindex(ids[inside]).set_axis(ids[inside].index)
            have = probs.notna().all(axis=1)
            frame.loc[have.index[have], cols] = probs[have].to_numpy()
    return frame, int(inside.sum())


def validation_table(oof: pd.DataFrame, codebook: Codebook, thresholds: dict, *, outlets: list[str] | None = None,
                     n_boot: int = 1000, seed: int = 0) -> pd.DataFrame:
    """Per outlet and label: share in the hand labels and in the cross-validated predictions of
    the same paragraphs, each with an article-bootstrap CI."""
    if outlets is not None:
        oof = oof[oof["outlet"].isin(outlets)]
    hand = outlet_profile(_labelled_profile_frame(oof, codebook, thresholds, "hand"), codebook, n_boot=n_boot, seed=seed)
    pred = outlet_profile(_labelled_profile_frame(oof, codebook, thresholds, "predicted"), codebook, n_boot=n_boot, seed=seed)
    keys = ["outlet", "dimension", "label"]
    table = hand.rename(columns={"share": "hand", "ci_low": "hand_low", "ci_high": "hand_high"}).merge(
        pred[keys + ["share", "ci_low", "ci_high"]].rename(
            columns={"share": "predicted", "ci_low": "predicted_low", "ci_high": "predicted_high"}), on=keys)
    return table
