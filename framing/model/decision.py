"""The decision rule, written once: scores → probabilities → labels.

A single-choice dimension takes its most probable label; a multi-label dimension takes every
label whose probability reaches that label's threshold (the model's ``thresholds``, chosen out of
fold or ``classifier.fixed_threshold``). numpy only: the lean workers use it without scikit-learn.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def probabilities(scores: np.ndarray, multi: bool) -> np.ndarray:
    """Probabilities from linear scores: a logistic per label (multi-label) or a softmax."""
    if multi:
        with np.errstate(over="ignore"):
            return 1.0 / (1.0 + np.exp(-scores))
    scores = scores - scores.max(axis=1, keepdims=True)
    expd = np.exp(scores)
    return expd / expd.sum(axis=1, keepdims=True)


def hits(proba: np.ndarray, multi: bool, cut: np.ndarray | None = None) -> np.ndarray:
    """Rows × labels, True where the label is decided (a row of NaN decides its first label)."""
    if multi:
        return proba >= cut
    out = np.zeros(proba.shape, dtype=bool)
    out[np.arange(len(proba)), np.nan_to_num(proba, nan=-1).argmax(axis=1)] = True
    return out


def decide(labels: Sequence[str], proba: np.ndarray, multi: bool, cut: np.ndarray | None = None) -> list[str]:
    """Per row, the decided label, or for multi-label the decided labels joined by ``|`` (empty for none)."""
    if not multi:
        return [labels[i] for i in proba.argmax(axis=1)]
    found = hits(proba, True, cut)
    # one string per distinct combination of labels, not per row
    codes = found.astype(object) @ np.array([1 << j for j in range(len(labels))], dtype=object) \
        if len(labels) > 62 else found.astype(np.int64) @ (np.int64(1) << np.arange(len(labels), dtype=np.int64))
    names = {code: "|".join(labels[j] for j in range(len(labels)) if code >> j & 1) for code in set(codes.tolist())}
    return [names[code] for code in codes.tolist()]


def shown_label(proba: np.ndarray, multi: bool, cut: np.ndarray | None = None) -> np.ndarray:
    """Per row, the label whose top terms are shown: the decided label, for multi-label the most
    probable decided one (-1 when none is)."""
    if not multi:
        return proba.argmax(axis=1)
    masked = np.where(proba >= cut, proba, -1.0)
    return np.where(masked.max(axis=1) >= 0, masked.argmax(axis=1), -1)
