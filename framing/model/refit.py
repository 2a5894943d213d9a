"""Many quick refits of the text model on subsets of the labelled paragraphs, for simulations
(`framing labels simulate`, the planted-noise test of `framing labels suspects`).

The model is the config's text block and classifier (TF-IDF of the configured analyzer, logistic
regression with its C and class weights; no attribution block, no lexicon), refit whole on every
subset as ``framing.model.classifier`` would fit it: the vocabulary and IDF come from the subset's rows only.
What is saved is the tokenising: every paragraph is counted once, and each refit keeps the
columns its rows use and computes its own IDF from them. The single-choice solver is Newton-CG
rather than L-BFGS: the same objective, so the same model, reached in a fraction of the time.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from framing.labels.codebook import Dimension
from framing.config import ExperimentConfig
from framing.model.classifier import build_vectorizer


class TextCounts:
    """Term counts of every text, computed once; :meth:`fit_transform` gives a subset's TF-IDF."""

    def __init__(self, texts: list[str], config: ExperimentConfig) -> None:
        features = config.features
        analyzer = build_vectorizer(features)
        if not hasattr(analyzer, "build_analyzer"):  # a union of word and char blocks: use its first part
            analyzer = analyzer.transformer_list[0][1]
        self.counts = CountVectorizer(analyzer=analyzer.build_analyzer(), dtype=np.float64).fit_transform(texts).tocsr()
        self.features = features

    def fit_transform(self, train: np.ndarray, *others: np.ndarray) -> list[sparse.csr_matrix]:
        """TF-IDF of the ``train`` rows and of each index array in ``others``, with the vocabulary
        and IDF learnt from the ``train`` rows (as a TfidfVectorizer fitted on them)."""
        f = self.features
        X = self.counts[train]
        df = np.asarray((X > 0).sum(axis=0)).ravel()
        n = len(train)
        keep = (df >= f.min_df) & (df <= (f.max_df * n if isinstance(f.max_df, float) else f.max_df)) & (df > 0)
        columns = np.flatnonzero(keep)
        idf = np.log((1 + n) / (1 + df[columns])) + 1
        return [self._weigh(self.counts[rows][:, columns], idf) for rows in (train, *others)]

    def _weigh(self, X: sparse.csr_matrix, idf: np.ndarray) -> sparse.csr_matrix:
        X = X.copy()
        if self.features.sublinear_tf:
            X.data = 1 + np.log(X.data)
        X = X @ sparse.diags(idf)
        norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
        norms[norms == 0] = 1
        return sparse.csr_matrix(sparse.diags(1 / norms) @ X)


def targets(dim: Dimension, values: list) -> np.ndarray:
    """Labels as an array: label indices (single-choice) or rows × labels of 0/1 (multi-label)."""
    names = dim.label_names
    if dim.multi:
        return np.array([[name in set(v) for name in names] for v in values], dtype=int).reshape(len(values), len(names))
    return np.array([names.index(v) for v in values])


def fit_predict(dim: Dimension, config: ExperimentConfig, X_train: sparse.csr_matrix, y_train: np.ndarray,
                *X_others: sparse.csr_matrix) -> list[np.ndarray]:
    """Probabilities per label (codebook order) for each matrix in ``X_others``, from a model fitted
    on ``X_train``/``y_train`` (:func:`targets`). A label never or always seen in training gets its
    training share as a constant probability."""
    c = config.classifier
    C = float(c.C_by_dimension.get(dim.name, c.C))
    k = len(dim.label_names)
    outs = [np.zeros((X.shape[0], k)) for X in X_others]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if dim.multi:
            for j in range(k):
                y = y_train[:, j]
                if y.min() == y.max():
                    for out in outs:
                        out[:, j] = float(y[0])
                    continue
                model = LogisticRegression(C=C, class_weight=c.class_weight, max_iter=c.max_iter, solver="liblinear")
                model.fit(X_train, y)
                for out, X in zip(outs, X_others):
                    out[:, j] = model.predict_proba(X)[:, 1]
            return outs
        present = np.unique(y_train)
        if len(present) < 2:
            for out in outs:
                out[:, present] = 1.0
            return outs
        model = LogisticRegression(C=C, class_weight=c.class_weight, max_iter=c.max_iter, solver="newton-cg")
        model.fit(X_train, y_train)
        for out, X in zip(outs, X_others):
            out[:, model.classes_] = model.predict_proba(X)
        return outs


def out_of_fold(dim: Dimension, config: ExperimentConfig, counts: TextCounts, rows: np.ndarray, y: np.ndarray,
                groups: np.ndarray, *, folds: int | None = None, seed: int = 0) -> np.ndarray:
    """Out-of-fold probabilities of ``rows`` (indices into ``counts``), folds grouped by ``groups``."""
    folds = min(folds or config.evaluate.folds, len(np.unique(groups)))
    proba = np.zeros((len(rows), len(dim.label_names)))
    for train, test in GroupKFold(n_splits=folds, shuffle=True, random_state=seed).split(rows, groups=groups):
        X_train, X_test = counts.fit_transform(rows[train], rows[test])
        proba[test] = fit_predict(dim, config, X_train, y[train], X_test)[0]
    return proba
