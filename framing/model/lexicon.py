"""Rationale lexicons: features learnt from the words annotators marked as the reason for a label.

Some labelled data says not only *what* the label is but *which words* decided it (BABE's
``biased_words``; a ``rationale`` in a framing label record). :class:`RationaleLexicon` learns,
from the training paragraphs only, how often each word is marked when it occurs::

    score(w) = (paragraphs where w occurs and is marked + s · prior) / (paragraphs where w occurs + s)

with ``prior`` the overall share of (paragraph, word) pairs that are marked and ``s`` the
smoothing. Words are cut to a prefix (so "bizarre" and "bizarrely" share an entry). Each
paragraph is then described by five numbers per lexicon: the largest score among its words, the
mean of its three largest, the mean, the number of words scoring at least ``hit_threshold``, and
the sum of positive log-odds over the prior. One lexicon is built from all marks ("marked");
with ``by_label`` one more per label, from the marks on paragraphs given that label.

Only paragraphs whose annotators were asked for rationales (``marks`` a list, possibly empty)
count when learning; the others are scored but teach nothing. Predicting reads the text only.
Training rows get *cross-fitted* features (each row scored by a lexicon learnt without its own
article, like scikit-learn's ``TargetEncoder``), so the classifier does not learn to trust
scores that contain the row's own marks. The features are standardised with the training rows'
mean and spread.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.model_selection import GroupKFold, KFold
from sklearn.utils.validation import check_is_fitted

from framing.model.scoring import lexicon_features
from framing.labels.store import asked

STATS = ("max", "top3", "mean", "hits", "logodds")
ANY = "marked"
PREFIX = "lexicon:"  # feature names start with it: they are scores, not terms of the text


class RationaleLexicon(TransformerMixin, BaseEstimator):
    """Lexicon features learnt from annotators' rationales (see the module docstring).

    Parameters
    ----------
    analyzer : text → list of tokens (framing passes its word-prefix analyzer, unigrams).
    by_label : also one lexicon per label with marks, besides the one from all marks.
    smoothing : ``s`` above.
    hit_threshold : a word counts as a hit when its score reaches this.
    folds : cross-fitting folds for the training rows' features.
    seed : shuffling of the cross-fitting folds.
    """

    def __init__(self, analyzer: Callable[[str], list[str]] | None = None, by_label: bool = False,
                 smoothing: float = 2.0, hit_threshold: float = 0.2, folds: int = 5, seed: int = 0) -> None:
        self.analyzer = analyzer
        self.by_label = by_label
        self.smoothing = smoothing
        self.hit_threshold = hit_threshold
        self.folds = folds
        self.seed = seed

    # -- counting ------------------------------------------------------------------------------
    def _vectorizer(self, vocabulary: dict | None = None) -> CountVectorizer:
        analyzer = self.analyzer or CountVectorizer().build_analyzer()
        return CountVectorizer(analyzer=analyzer, binary=True, vocabulary=vocabulary, dtype=np.float64)

    def _marked(self, present: sparse.csr_matrix, vocabulary: dict, marks: Sequence) -> sparse.csr_matrix:
        """Rows × words: the word occurs in the paragraph and the annotators marked it."""
        marked = self._vectorizer(vocabulary).transform([" ".join(m) if m else "" for m in marks])
        return present.multiply(marked).tocsr()

    def _lexicons(self, marks: Sequence, values: Sequence | None) -> dict[str, list]:
        """Per lexicon name, the marks that build it (rows without marks: empty)."""
        marks = [list(m) if asked(m) else [] for m in marks]
        out = {ANY: marks}
        if self.by_label and values is not None:
            labels = sorted({v for value, m in zip(values, marks) if m for v in _as_list(value)})
            for label in labels:
                out[label] = [m if label in _as_list(value) else [] for m, value in zip(marks, values)]
        return out

    def _scores(self, present: sparse.csr_matrix, marked: sparse.csr_matrix) -> tuple[np.ndarray, float]:
        occurs = np.asarray(present.sum(axis=0)).ravel()
        hits = np.asarray(marked.sum(axis=0)).ravel()
        prior = min(max(hits.sum(), 1.0) / max(occurs.sum(), 1.0), 1 - 1e-6)
        with np.errstate(divide="ignore", invalid="ignore"):  # a word never seen in these rows says nothing
            score = np.where(occurs > 0, (hits + self.smoothing * prior) / (occurs + self.smoothing), 0.0)
        return score, prior

    def _describe(self, present: sparse.csr_matrix, score: np.ndarray, prior: float) -> np.ndarray:
        return lexicon_features(present, score, prior, self.hit_threshold)

    # -- scikit-learn interface ----------------------------------------------------------------
    def fit(self, texts: Sequence[str], marks: Sequence, values: Sequence | None = None,
            groups: Sequence | None = None) -> RationaleLexicon:
        """Learn the lexicons from all rows (``marks``: per row a list of marked words or phrases)."""
        self.fit_transform(texts, marks, values, groups)
        return self

    def fit_transform(self, texts: Sequence[str], marks: Sequence, values: Sequence | None = None,
                      groups: Sequence | None = None) -> np.ndarray:
        """Learn the lexicons from all rows; return the rows' cross-fitted, standardised features."""
        texts = list(texts)
        if len(marks) != len(texts) or (values is not None and len(values) != len(texts)):
            raise ValueError("texts, marks and values must have one entry per row")
        vectorizer = self._vectorizer().fit(texts)
        self.vectorizer_, self.vocabulary_ = vectorizer, vectorizer.vocabulary_
        present = vectorizer.transform(texts).tocsr()
        # Only rows whose annotators were asked for rationales (a list, possibly empty) teach the
        # lexicon: a word in a row nobody marked up is not evidence that the word is unmarked.
        was_asked = np.fromiter(map(asked, marks), dtype=bool, count=len(texts))
        self.occurs_ = np.asarray(present[was_asked].sum(axis=0)).ravel()
        lexicons = {name: self._marked(present, self.vocabulary_, m) for name, m in self._lexicons(marks, values).items()}
        self.lexicons_ = list(lexicons)
        self.scores_, self.priors_ = {}, {}
        for name, marked in lexicons.items():
            self.scores_[name], self.priors_[name] = self._scores(present[was_asked], marked[was_asked])
        raw = np.zeros((len(texts), len(STATS) * len(lexicons)))
        for train, test in self._splits(len(texts), groups):
            train = train[was_asked[train]]
            for j, (name, marked) in enumerate(lexicons.items()):
                score, prior = self._scores(present[train], marked[train])
                raw[test, j * len(STATS):(j + 1) * len(STATS)] = self._describe(present[test], score, prior)
        self.mean_ = raw.mean(axis=0)
        self.scale_ = raw.std(axis=0)
        self.scale_[self.scale_ == 0] = 1.0
        return (raw - self.mean_) / self.scale_

    def _splits(self, n: int, groups: Sequence | None) -> list[tuple[np.ndarray, np.ndarray]]:
        """Cross-fitting folds: by group (article) when given, else by row; in-sample when too few."""
        if groups is not None:
            groups = np.asarray(groups)
            k = min(self.folds, len(np.unique(groups)))
            if k >= 2:
                return list(GroupKFold(n_splits=k, shuffle=True, random_state=self.seed).split(np.zeros(n), groups=groups))
        elif min(self.folds, n) >= 2:
            return list(KFold(n_splits=min(self.folds, n), shuffle=True, random_state=self.seed).split(np.zeros(n)))
        everything = np.arange(n)
        return [(everything, everything)]

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        """Standardised lexicon features of ``texts`` (reads nothing but the text)."""
        check_is_fitted(self, "scores_")
        present = self._present(list(texts))
        raw = np.column_stack([self._describe(present, self.scores_[name], self.priors_[name]) for name in self.lexicons_])
        return (raw - self.mean_) / self.scale_

    def _present(self, texts: list[str]) -> sparse.csr_matrix:
        """Rows × lexicon words, 1 where the word occurs (framing's exact fast counting when it applies)."""
        fast = self.__dict__.get("_fast")
        if fast is None:
            from framing.model.tfidf import FastTfidf

            fast = self._fast = FastTfidf(self.vectorizer_)
        return fast.transform(texts).tocsr()

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state.pop("_fast", None)  # rebuilt on first use
        return state

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        check_is_fitted(self, "scores_")
        return np.array([f"{PREFIX}{name}:{stat}" for name in self.lexicons_ for stat in STATS], dtype=object)

    def top_words(self, name: str = ANY, k: int = 20, min_count: int = 3) -> list[tuple[str, float]]:
        """The ``k`` highest-scoring words of a lexicon among those in at least ``min_count`` training rows."""
        check_is_fitted(self, "scores_")
        words = np.empty(len(self.vocabulary_), dtype=object)
        for word, j in self.vocabulary_.items():
            words[j] = word
        score = np.where(self.occurs_ >= min_count, self.scores_[name], 0.0)
        return [(words[j], float(score[j])) for j in np.argsort(-score, kind="stable")[:k] if score[j] > 0]


def _as_list(value: object) -> list:
    return list(value) if isinstance(value, list | tuple | np.ndarray) else [value]
