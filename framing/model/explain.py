"""Why the model tagged a paragraph: term contributions (TF-IDF value × label weight).

Only terms of the text are listed: rationale-lexicon scores, which are not words, are left out
of paragraph and outlet explanations."""

from __future__ import annotations

import numpy as np
from scipy import sparse

from framing.model.classifier import DimensionModel


def top_terms(model: DimensionModel, X: sparse.csr_matrix, label_index: np.ndarray | list, k: int = 3) -> list[str]:
    """For each row of ``X``, the ``k`` terms that push hardest towards the row's label.

    ``label_index[i]`` is the label column to explain for row ``i`` (or -1 for none).
    Returns one ``"term1; term2; term3"`` string per row (empty where nothing contributes).
    Ties (common: terms that always co-occur get equal weights) go to the earlier feature.
    """
    X = sparse.csr_matrix(X)
    names = model.feature_names()
    coef = model.term_coef(names)
    out = []
    for i, j in enumerate(label_index):
        if j < 0:
            out.append("")
            continue
        start, end = X.indptr[i], X.indptr[i + 1]
        cols = X.indices[start:end]
        contrib = X.data[start:end] * coef[cols, j]
        keep = contrib > 0
        cols, contrib = cols[keep], contrib[keep]
        order = np.argsort(-contrib, kind="stable")[:k]
        out.append("; ".join(str(names[c]) for c in cols[order]))
    return out


def outlet_terms(model: DimensionModel, X: sparse.csr_matrix, outlets: np.ndarray, label: str,
                 k: int = 8) -> dict[str, list[tuple[str, float]]]:
    """Per outlet, the terms that push towards ``label`` (a positive weight) and whose contribution
    (TF-IDF × weight, averaged over the outlet's paragraphs) most exceeds their average
    contribution in the other outlets' paragraphs. A term that counts against the label is never
    listed, not even where the outlet uses it less than the others (its lift is then positive too)."""
    j = model.labels_.index(label)
    X = sparse.csr_matrix(X)
    names = model.feature_names()
    weight = model.term_coef(names)[:, j]
    contrib = X.multiply(weight.reshape(1, -1)).tocsr()
    total = np.asarray(contrib.sum(axis=0)).ravel()
    out = {}
    for outlet in np.unique(outlets):
        mask = outlets == outlet
        n_in, n_out = mask.sum(), (~mask).sum()
        inside = np.asarray(contrib[mask].sum(axis=0)).ravel()
        mean_in = inside / n_in
        mean_out = (total - inside) / n_out if n_out else np.zeros_like(inside)
        lift = np.where(weight > 0, mean_in - mean_out, -np.inf)
        order = np.argsort(-lift)[:k]
        out[str(outlet)] = [(str(names[c]), float(lift[c])) for c in order if lift[c] > 0]
    return out
