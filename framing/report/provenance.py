"""Whether the model given to the report made the predictions it reports on.

Prediction tables do not record their model, so the report checks what it can: the label
columns against the model's codebook, then whole articles re-scored with the model — the same
text must get the same probabilities. Where no text can be found (predictions without
``--keep-text`` of articles outside the project's corpus) it says the check could not be made."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from framing.errors import ReportError
from framing.model.lean import META_COLUMNS

__all__ = ["check_model"]


def check_model(model, frame: pd.DataFrame, texts: pd.Series | None, model_path: Path, *, articles: int = 20,
                tolerance: float = 1e-3) -> str | None:
    """Raise a :class:`ReportError` where the predictions in ``frame`` cannot come from ``model``;
    return a note where the probabilities could not be re-scored (None when they were and agree).

    ``texts``: paragraph text by paragraph id (the project's corpus), used where ``frame`` has no
    ``text`` column. Up to ``articles`` whole articles (the model may read a paragraph with its
    neighbours) are re-scored; a text whose hash differs from the predictions' ``text_sha1`` is not
    the text that was scored, and is skipped."""
    wanted = [f"{name}:{label}" for name, dim in model.dimensions.items() for label in dim.labels_]
    found = sorted(c for c in frame.columns if any(c.startswith(f"{name}:") for name in model.dimensions))
    if sorted(wanted) != found:
        raise ReportError(f"the predictions' label columns ({', '.join(found) or 'none'}) are not those of the model "
                          f"in {model_path} ({', '.join(wanted)}): the predictions were made by another model",
                          fix="give --model the model that made the predictions, or predict again with this one")
    sample = _sample(frame, texts, articles)
    if sample is None:
        return (f"not checked that {model_path} made these predictions: they carry no text and their paragraphs "
                "are not in the project's corpus (predict with --keep-text to let the report check)")
    from framing.predict.local import predict_frame

    again = predict_frame(model, sample, terms=0)
    diff = np.abs(again[wanted].to_numpy(float) - sample[wanted].to_numpy(float)).max(axis=1)
    if np.nanmedian(diff) > tolerance:
        raise ReportError(f"the predictions were not made by the model in {model_path}: re-scored with it, "
                          f"{int((diff > tolerance).sum())} of {len(diff)} paragraphs get other probabilities "
                          f"(by up to {np.nanmax(diff):.2f})",
                          fix="give --model the model that made the predictions, or predict again with this one")
    return None


def _sample(frame: pd.DataFrame, texts: pd.Series | None, articles: int) -> pd.DataFrame | None:
    """Whole articles of ``frame`` with the text each paragraph was scored on, in paragraph order."""
    if "text" in frame:
        text = frame["text"]
    elif texts is not None and len(texts) and "paragraph_id" in frame:
        text = frame["paragraph_id"].astype(str).map(texts)
    else:
        return None
    table = frame.assign(text=text.where(text.notna(), None))
    ok = table["text"].map(lambda t: isinstance(t, str))
    if "text_sha1" in table:
        ok &= np.array([isinstance(t, str) and hashlib.sha1(t.encode("utf-8")).hexdigest()[:8] == str(h)
                        for t, h in zip(table["text"], table["text_sha1"])], dtype=bool)
    complete = ok.groupby(table["article_id"].astype(str)).all()
    keep = sorted(complete.index[complete])[:articles]
    if not keep:
        return None
    table = table[table["article_id"].astype(str).isin(keep)]
    table = table.sort_values(["article_id", "p_index"] if "p_index" in table else ["article_id"], kind="stable")
    for column in META_COLUMNS:
        if column not in table:
            table = table.assign(**{column: None})
    return table.reset_index(drop=True)
