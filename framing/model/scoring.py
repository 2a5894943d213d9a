"""Fused scoring behind ``framing predict``: :class:`FastScorer` vectorises once per group of
identical vectorisers (:mod:`framing.model.tfidf`) and scores all of a group's dimensions with one
sparse × dense product; unions, the rationale lexicon's features and top terms, vectorised.
Anything not fast-pathed (char n-grams, stop words, ...) falls back to the dimension's own
scikit-learn transform, so the output is always the scikit-learn path's."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from framing.model.decision import probabilities
from framing.model.tfidf import AnalyzerTfidf, FastTfidf, unsupported_reason


def _topk_mean(S: sp.csr_matrix, k: int) -> np.ndarray:
    """Mean of the ``k`` largest stored values of every row."""
    n = S.shape[0]
    rows = np.repeat(np.arange(n), np.diff(S.indptr))
    order = np.lexsort((-S.data, rows))
    rank = np.arange(len(order)) - S.indptr[rows[order]]
    keep = order[rank < k]
    total = np.bincount(rows[keep], weights=S.data[keep], minlength=n)
    return total / np.maximum(np.bincount(rows[keep], minlength=n), 1)



def lexicon_features(present: sp.csr_matrix, score: np.ndarray, prior: float, hit_threshold: float) -> np.ndarray:
    """A rationale lexicon's five raw features per row (:mod:`framing.model.lexicon`): the largest, top-3
    mean and mean score of the words present, the number of hits and the summed lift over the prior."""
    S = sp.csr_matrix(present @ sp.diags(score))
    S.eliminate_zeros()
    n, per_row = S.shape[0], np.diff(S.indptr)
    rows = np.repeat(np.arange(n), per_row)
    top = np.asarray(S.max(axis=1).todense()).ravel()
    mean = np.asarray(S.sum(axis=1)).ravel() / np.maximum(per_row, 1)
    top3 = _topk_mean(S, 3)
    hits = np.bincount(rows, weights=S.data >= hit_threshold, minlength=n)
    p = np.clip(S.data, 1e-4, 1 - 1e-4)
    lift = np.maximum(np.log(p / (1 - p)) - np.log(prior / (1 - prior)), 0.0)
    logodds = np.bincount(rows, weights=lift, minlength=n)
    empty = per_row == 0
    top[empty] = mean[empty] = top3[empty] = prior
    return np.column_stack([top, top3, mean, hits, logodds])



class LeanLexicon:
    """``RationaleLexicon.transform`` from its fitted arrays, without scikit-learn: the same word
    presence (framing's fast counting), the same features, the same standardisation — so lean
    workers need not import it."""

    def __init__(self, lexicon: Any) -> None:
        self.present = FastTfidf(lexicon.vectorizer_)
        self.parts = [(lexicon.scores_[name], lexicon.priors_[name]) for name in lexicon.lexicons_]
        self.hit_threshold = lexicon.hit_threshold
        self.mean, self.scale = lexicon.mean_, lexicon.scale_

    @staticmethod
    def supports(part: Any) -> bool:
        kind = type(part)
        return (kind.__name__ == "RationaleLexicon" and kind.__module__ == "framing.model.lexicon"
                and hasattr(part, "scores_") and FastTfidf(part.vectorizer_).fast)

    def transform(self, docs: Sequence[str]) -> np.ndarray:
        present = self.present.transform(docs).tocsr()
        raw = np.column_stack([lexicon_features(present, score, prior, self.hit_threshold) for score, prior in self.parts])
        return (raw - self.mean) / self.scale



def same_vectorizer(a: Any, b: Any) -> bool:
    """True if two fitted vectorisers produce identical features (same params, vocabulary, idf)."""
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    if hasattr(a, "transformer_list"):  # FeatureUnion: the same parts, fitted the same
        return (repr(a.get_params(deep=False)) == repr(b.get_params(deep=False))
                and len(a.transformer_list) == len(b.transformer_list)
                and all(na == nb and same_vectorizer(ta, tb)
                        for (na, ta), (nb, tb) in zip(a.transformer_list, b.transformer_list)))
    from sklearn.feature_extraction.text import CountVectorizer

    if not isinstance(a, CountVectorizer):
        return False  # other transformers (a rationale lexicon) may differ in any fitted state
    if repr(a.get_params()) != repr(b.get_params()):
        return False
    if getattr(a, "vocabulary_", None) != getattr(b, "vocabulary_", None) or not hasattr(a, "vocabulary_"):
        return False
    ia, ib = getattr(a, "idf_", None), getattr(b, "idf_", None)
    return (ia is None and ib is None) or (
        ia is not None and ib is not None and ia.dtype == ib.dtype and np.array_equal(ia, ib))



class UnionTransform:
    """``FeatureUnion.transform`` with each part fast-pathed where it can be (e.g. the text
    features of a model that also has lexicon features); same matrix, parts in order.

    ``shared`` holds fast parts already built for other dimensions: an identical text vectoriser
    is reused (same object), and a call given a ``memo`` dict transforms it once for all of them.
    """

    def __init__(self, union: Any, shared: list[FastTfidf] | None = None) -> None:
        shared = [] if shared is None else shared
        self.parts = []
        weights = getattr(union, "transformer_weights", None) or {}
        # FeatureUnion multiplies each part's output by its weight (1 when not given)
        self.weights = [weights.get(name, 1.0) for name, _ in union.transformer_list]
        for _, part in union.transformer_list:
            if unsupported_reason(part) is not None:
                self.parts.append(AnalyzerTfidf(part) if AnalyzerTfidf.supports(part) else
                                  LeanLexicon(part) if LeanLexicon.supports(part) else part)
                continue
            fast = next((f for f in shared if same_vectorizer(f.vec, part)), None)
            if fast is None:
                fast = FastTfidf(part)
                shared.append(fast)
            self.parts.append(fast)

    @property
    def fast(self) -> bool:
        return all(isinstance(part, FastTfidf | AnalyzerTfidf | LeanLexicon) for part in self.parts)

    def describe(self) -> str:
        return " + ".join("fast" if isinstance(part, FastTfidf) else
                          "attribution (framing's own transform)" if isinstance(part, AnalyzerTfidf) else
                          "lexicon (framing's own transform)" if isinstance(part, LeanLexicon) else
                          type(part).__name__ for part in self.parts)

    def __call__(self, docs: Sequence[str], memo: dict | None = None) -> sp.csr_matrix:
        blocks = []
        for part, weight in zip(self.parts, self.weights):
            if memo is not None and isinstance(part, FastTfidf):
                if id(part) not in memo:
                    memo[id(part)] = sp.csr_matrix(part.transform(docs))
                block = memo[id(part)]
            else:
                block = sp.csr_matrix(part.transform(docs))
            blocks.append(block if weight == 1 else block * weight)
        return sp.hstack(blocks, format="csr")



def transform_with(transform: Any, docs: Sequence[str], memo: dict) -> sp.csr_matrix:
    """A group's transform of ``docs``; fast text parts shared between groups are computed once
    (``memo``, by object)."""
    if isinstance(transform, UnionTransform):
        return sp.csr_matrix(transform(docs, memo))
    owner = getattr(transform, "__self__", None)
    if isinstance(owner, FastTfidf):
        if id(owner) not in memo:
            memo[id(owner)] = sp.csr_matrix(owner.transform(docs))
        return memo[id(owner)]
    return sp.csr_matrix(transform(docs))



@dataclass
class _Group:
    """Dimensions sharing one vectoriser: its fast (or fallback) transform and stacked weights."""
    names: list[str]
    transform: Any
    fast: bool
    W: np.ndarray | None = None       # features × (all labels of the group's dimensions)
    b: np.ndarray | None = None
    slices: dict[str, slice] | None = None



class FastScorer:
    """Probabilities of every dimension of a :class:`~framing.model.classifier.FramingModel`, fast and exact.

    Dimensions whose fitted vectorisers are identical are vectorised once; their weights are
    stacked so that one ``X @ W`` scores them all. Results equal ``DimensionModel.proba_from_features``.
    """

    def __init__(self, model: Any) -> None:
        self.model = model
        self.groups: list[_Group] = []
        self._names: dict[str, np.ndarray] = {}
        shared: list[FastTfidf] = []  # fast text parts of union groups, reused across dimensions
        for name, dim in model.dimensions.items():
            vec = dim.pipeline_.named_steps["tfidf"]
            for group in self.groups:
                first = model.dimensions[group.names[0]].pipeline_.named_steps["tfidf"]
                if same_vectorizer(first, vec):
                    group.names.append(name)
                    break
            else:
                if hasattr(vec, "transformer_list"):
                    union = UnionTransform(vec, shared)
                    self.groups.append(_Group([name], union, union.fast))
                    continue
                fast = next((f for f in shared if same_vectorizer(f.vec, vec)), None) or FastTfidf(vec)
                if fast.fast and fast not in shared:
                    shared.append(fast)  # a text block identical to a union's part is vectorised once
                self.groups.append(_Group([name], fast.transform if fast.fast else dim.transform, fast.fast))
        for group in self.groups:
            dims = [model.dimensions[n] for n in group.names]
            group.W = np.ascontiguousarray(np.hstack([d.coef_ for d in dims]))
            group.b = np.concatenate([d.intercept_ for d in dims])
            edges = np.cumsum([0] + [d.coef_.shape[1] for d in dims])
            group.slices = {n: slice(int(edges[i]), int(edges[i + 1])) for i, n in enumerate(group.names)}

    def describe(self) -> list[str]:
        """One line per vectoriser group: its dimensions and whether it is fast-pathed."""
        lines = []
        for group in self.groups:
            vec = self.model.dimensions[group.names[0]].pipeline_.named_steps["tfidf"]
            how = group.transform.describe() if isinstance(group.transform, UnionTransform) else \
                "fast" if group.fast else f"scikit-learn ({unsupported_reason(vec)})"
            lines.append(f"{', '.join(group.names)}: {how}")
        return lines

    def feature_names(self, name: str) -> np.ndarray:
        """Feature names of a dimension (cached: computing them is slow)."""
        if name not in self._names:
            self._names[name] = np.asarray(self.model.dimensions[name].feature_names(), dtype=object)
        return self._names[name]

    def score(self, texts: Sequence[str]) -> list[tuple[str, sp.csr_matrix, np.ndarray]]:
        """``(dimension, features, probabilities)`` for every dimension, in model order."""
        texts = list(texts)
        found, memo = {}, {}
        for group in self.groups:
            X = transform_with(group.transform, texts, memo)
            scores = np.asarray(X @ group.W) + group.b
            for name in group.names:
                dim = self.model.dimensions[name]
                found[name] = (X, probabilities(scores[:, group.slices[name]], dim.multi))
        return [(name, *found[name]) for name in self.model.dimensions]



def top_terms_fast(X: sp.csr_matrix, coef: np.ndarray, names: np.ndarray, label_index: np.ndarray,
                   k: int = 3) -> list[str]:
    """Vectorised :func:`framing.model.explain.top_terms`: per row, the ``k`` terms with the largest
    positive contribution (TF-IDF × weight) to the row's label (``-1``: none), ``"; "``-joined."""
    X = sp.csr_matrix(X)
    n = X.shape[0]
    label_index = np.asarray(label_index, dtype=np.int64)
    rows = np.repeat(np.arange(n), np.diff(X.indptr))
    labels = label_index[rows]
    valid = labels >= 0
    contrib = np.zeros(len(rows))
    contrib[valid] = X.data[valid] * coef[X.indices[valid], labels[valid]]
    keep = np.flatnonzero(contrib > 0)
    rows, cols, work = rows[keep], X.indices[keep], contrib[keep]
    # k passes of "largest remaining entry per row" (ties: the earlier feature), instead of sorting
    # every row: each pass is a few linear numpy operations.
    seg_start = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]]) if len(rows) else np.zeros(0, dtype=np.int64)
    seg_of = np.repeat(np.arange(len(seg_start)), np.diff(np.r_[seg_start, len(rows)]))
    got_rows, got_cols, got_pass = [], [], []
    for step in range(k):
        if not len(rows):
            break
        best = np.maximum.reduceat(work, seg_start)
        hit = np.flatnonzero((work == best[seg_of]) & (work > -np.inf))
        if not len(hit):
            break
        first = hit[np.r_[True, seg_of[hit][1:] != seg_of[hit][:-1]]]
        got_rows.append(rows[first])
        got_cols.append(cols[first])
        got_pass.append(np.full(len(first), step))
        work[first] = -np.inf
    if got_rows:
        rows, cols, step_of = np.concatenate(got_rows), np.concatenate(got_cols), np.concatenate(got_pass)
        order = np.lexsort((step_of, rows))
        rows, cols = rows[order], cols[order]
    else:
        rows = cols = np.zeros(0, dtype=np.int64)
    picked = names[cols].tolist()
    bounds = np.searchsorted(rows, np.arange(n + 1)).tolist()
    return ["; ".join(picked[bounds[i]:bounds[i + 1]]) for i in range(n)]
