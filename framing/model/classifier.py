"""TF-IDF + logistic-regression models, one per codebook dimension (saved by :mod:`framing.model.saved`).

A single-choice dimension is a multinomial logistic regression; a multi-label dimension is one
binary logistic regression per label (one-vs-rest). Each is a scikit-learn ``Pipeline`` refit
whole wherever it is trained, so cross-validation never leaks vocabulary or IDF weights.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import FeatureUnion, Pipeline

from framing.labels.codebook import Codebook, Dimension
from framing.model.attribution import CONTEXT_MARK, DEFAULT_CUES, AttributionAnalyzer, codebook_actors
from framing.config import ClassifierConfig, ExperimentConfig, FeaturesConfig
from framing.errors import ModelError
from framing.labels.store import has_marks, rationale_column
from framing.model.lexicon import PREFIX as LEXICON_PREFIX
from framing.model.lexicon import RationaleLexicon
from framing.model.decision import decide, probabilities
from framing.model.tokens import Indicators, added_tokens, codebook_indicators

class PrefixAnalyzer:
    """Lower-cased word tokens (scikit-learn's default pattern) cut to their first ``length``
    characters, as n-grams: "negotiations stalled" → "negot", "stall", "negot stall". A cheap
    stemmer that pools inflections; it helps most when labelled data is scarce."""

    _TOKEN = re.compile(r"(?u)\b\w\w+\b")

    def __init__(self, length: int = 5, ngram_range: tuple[int, int] = (1, 2), decades: bool = False,
                 indicators: Indicators = ()) -> None:
        self.length = length
        self.ngram_range = ngram_range
        self.decades = decades
        self.indicators = indicators  # the codebook's (label, phrases): framing.model.tokens

    def __call__(self, doc: str) -> list[str]:
        doc = doc.partition(CONTEXT_MARK)[0]  # earlier paragraphs given as context are not this text
        tokens = [t[: self.length] for t in self._TOKEN.findall(doc.lower())]
        low, high = self.ngram_range
        grams = [" ".join(tokens[i:i + n]) for n in range(low, high + 1) for i in range(len(tokens) - n + 1)]
        return grams + added_tokens(doc, self.decades, self.indicators) if self.decades or self.indicators else grams

    def __repr__(self) -> str:
        return (f"PrefixAnalyzer(length={self.length}, ngram_range={self.ngram_range}, decades={self.decades}, "
                f"indicators={[label for label, _ in self.indicators]})")


def build_vectorizer(features: FeaturesConfig, decades: bool = False,
                     indicators: Indicators = ()) -> TfidfVectorizer | FeatureUnion:
    """The feature extractor the config describes (float32 TF-IDF); with ``decades`` the prefix
    analyzer also reads years as their decade, and with ``indicators`` the codebook's indicators."""
    common = dict(lowercase=features.lowercase, sublinear_tf=features.sublinear_tf, min_df=features.min_df,
                  max_df=features.max_df, max_features=features.max_features, dtype=np.float32)
    word = TfidfVectorizer(analyzer="word", ngram_range=(features.ngram_min, features.ngram_max),
                           stop_words=features.stop_words, **common)
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(features.char_ngram_min, features.char_ngram_max),
                           **common)
    if features.analyzer == "word":
        return word
    if features.analyzer == "prefix":
        return TfidfVectorizer(analyzer=PrefixAnalyzer(features.prefix_len, (features.ngram_min, features.ngram_max),
                                                       decades=decades, indicators=indicators),
                               **common)
    if features.analyzer == "char_wb":
        return char
    return FeatureUnion([("word", word), ("char", char)])


def attribution_vectorizer(features: FeaturesConfig, actors: tuple = ()) -> TfidfVectorizer:
    """The attribution block: TF-IDF of :class:`~framing.model.attribution.AttributionAnalyzer` tokens."""
    analyzer = AttributionAnalyzer(actors, tuple(features.attribution_cues) or DEFAULT_CUES,
                                   window=features.attribution_window, prefix_len=features.prefix_len)
    return TfidfVectorizer(analyzer=analyzer, lowercase=False, sublinear_tf=features.sublinear_tf, dtype=np.float32)


def build_pipeline(multi: bool, features: FeaturesConfig, classifier: ClassifierConfig, *,
                   attribution: bool = False, actors: tuple = (), indicators: Indicators = ()) -> Pipeline:
    """``Pipeline(tfidf → logistic regression)``; one-vs-rest when ``multi``; with ``attribution``
    the features are the text block and the attribution block side by side."""
    logistic = LogisticRegression(C=classifier.C, class_weight=classifier.class_weight,
                                  max_iter=classifier.max_iter, solver="liblinear" if multi else "lbfgs")
    head = OneVsRestClassifier(logistic) if multi else logistic
    vectorizer = build_vectorizer(features, decades=bool(features.decades), indicators=indicators)
    if attribution:
        vectorizer = FeatureUnion([("text", vectorizer), ("attribution", attribution_vectorizer(features, actors))],
                                  transformer_weights={"text": 1.0, "attribution": features.attribution_weight})
    return Pipeline([("tfidf", vectorizer), ("clf", head)])


# Feature names of the attribution block (cue and speaker tokens): not words of the text, so
# they are no "top terms"; the evidence phrase shows the attribution instead.
ATTRIBUTION_PREFIX = "attribution__"


def term_weights(W: np.ndarray, names: np.ndarray) -> np.ndarray:
    """``W`` (features × labels) with the rows of non-term features (lexicon scores, attribution
    tokens) zeroed."""
    scores = np.fromiter((str(n).startswith((LEXICON_PREFIX, ATTRIBUTION_PREFIX)) for n in names),
                         dtype=bool, count=len(names))
    return np.where(scores[:, None], 0.0, W) if scores.any() else W


def fit_inputs(rows: pd.DataFrame, dimension: str) -> tuple[list[str], list, list | None, list]:
    """``(texts, labels, rationales or None, article ids)`` of a labelled table's rows, as
    :meth:`DimensionModel.fit` takes them."""
    column = rationale_column(dimension)
    rationales = rows[column].tolist() if column in rows else None
    return model_texts(rows), rows[dimension].tolist(), rationales, rows["article_id"].astype(str).tolist()


def model_texts(rows: pd.DataFrame) -> list[str]:
    """What a model reads for these rows: the ``input`` column (text with its context, when the
    project was loaded with ``features.context``) or the text."""
    return rows["input" if "input" in rows else "text"].tolist()


class DimensionModel(BaseEstimator):
    """One dimension's classifier, with probabilities always in codebook label order.

    Parameters
    ----------
    labels : the dimension's label names, in codebook order.
    multi : True for a multi-label dimension.
    features, classifier : config sections.
    """

    def __init__(self, labels: tuple[str, ...] = (), multi: bool = False,
                 features: FeaturesConfig | None = None, classifier: ClassifierConfig | None = None,
                 attribution: bool = False, actors: tuple = (), indicators: Indicators = ()) -> None:
        self.labels = labels
        self.multi = multi
        self.features = features
        self.classifier = classifier
        self.attribution = attribution
        self.actors = actors
        self.indicators = indicators

    def fit(self, texts: list[str], y: list, rationales: list | None = None, groups: list | None = None) -> DimensionModel:
        """Fit on texts and their labels (a label each, or a list of labels each when multi).

        ``rationales`` (per text, the words annotators marked, or None) feed the rationale lexicon
        when ``features.lexicon`` asks for one; ``groups`` (article per text) keep its cross-fitting
        from scoring a paragraph with its own article's marks.
        """
        labels = list(self.labels)
        features = self.features or FeaturesConfig()
        classifier = self.classifier or ClassifierConfig()
        pipeline = build_pipeline(self.multi, features, classifier, attribution=self.attribution, actors=self.actors,
                                  indicators=self.indicators)
        if self.multi:
            target = np.array([[name in set(value) for name in labels] for value in y], dtype=int)
            if target.shape[0] == 0:
                raise ModelError("no labelled paragraphs to train on")
        else:
            present = sorted(set(y), key=labels.index)
            if len(present) < 2:
                raise ModelError(f"only one label ({present[0] if present else 'none'}) among {len(y)} paragraphs",
                                 fix="label more paragraphs so that at least two labels occur")
            target = np.asarray(y)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            warnings.filterwarnings("ignore", message="Label .* is present in all training examples")
            try:
                lexicon = self._lexicon(features, rationales)
                if lexicon is None:
                    pipeline.fit(list(texts), target)
                else:
                    pipeline = self._fit_with_lexicon(pipeline, lexicon, list(texts), target, y, rationales, groups)
            except ValueError as exc:
                if "empty vocabulary" in str(exc) or "min_df" in str(exc) or "max_df" in str(exc):
                    raise ModelError(f"no usable features in {len(texts)} paragraphs ({exc})",
                                     fix="check the texts are not empty, or lower features.min_df") from None
                raise
        self.pipeline_ = pipeline
        self.labels_ = labels
        self.coef_, self.intercept_ = self._weights()
        return self

    @staticmethod
    def _lexicon(features: FeaturesConfig, rationales: list | None) -> RationaleLexicon | None:
        """The rationale lexicon the config asks for, if the training rows carry any rationale."""
        if features.lexicon == "none" or rationales is None or not any(map(has_marks, rationales)):
            return None
        return RationaleLexicon(PrefixAnalyzer(features.prefix_len, (1, 1)), by_label=features.lexicon == "rationale-by-label",
                                smoothing=features.lexicon_smoothing, hit_threshold=features.lexicon_hit_threshold,
                                folds=features.lexicon_folds, seed=features.lexicon_seed)

    @staticmethod
    def _fit_with_lexicon(pipeline: Pipeline, lexicon: RationaleLexicon, texts: list[str], target: np.ndarray,
                          y: list, rationales: list, groups: list | None) -> Pipeline:
        """Fit text features and lexicon separately (the lexicon needs the rationales, and gives the
        training rows cross-fitted scores), then the classifier on both; the fitted parts are joined
        so that ``transform`` is text → [text features | lexicon features]."""
        text_features = pipeline.named_steps["tfidf"]
        X = sparse.hstack([text_features.fit_transform(texts),
                           sparse.csr_matrix(lexicon.fit_transform(texts, rationales, y, groups))], format="csr")
        pipeline.named_steps["clf"].fit(X, target)
        union = FeatureUnion([("text", text_features), ("lexicon", lexicon)], verbose_feature_names_out=False)
        return Pipeline([("tfidf", union), ("clf", pipeline.named_steps["clf"])])

    def _weights(self) -> tuple[np.ndarray, np.ndarray]:
        """Weights ``W`` (features × labels) and intercepts so that scores = X @ W + b.

        Softmax of the scores gives single-choice probabilities, a sigmoid gives multi-label ones;
        labels unseen in training get a score that yields probability 0.
        """
        head = self.pipeline_.named_steps["clf"]
        n_features = len(self.feature_names())
        W = np.zeros((n_features, len(self.labels_)), dtype=np.float64)
        b = np.full(len(self.labels_), -np.inf)
        if self.multi:
            for j, est in enumerate(head.estimators_):
                if hasattr(est, "coef_"):
                    W[:, j] = est.coef_[0]
                    b[j] = est.intercept_[0]
                else:  # constant predictor: a label with no (or only) positives in training
                    p = float(np.clip(est.y_[0] if hasattr(est, "y_") else 0.0, 1e-12, 1 - 1e-12))
                    b[j] = np.log(p / (1 - p)) if 0 < p < 1 else (-np.inf if p <= 1e-12 else np.inf)
        else:
            classes = list(head.classes_)
            coef, intercept = head.coef_, head.intercept_
            if len(classes) == 2:  # binary: one row; softmax of (−z/2, z/2) equals sigmoid(z)
                coef = np.vstack([-coef[0] / 2, coef[0] / 2])
                intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
            for row, name in enumerate(classes):
                j = self.labels_.index(name)
                W[:, j] = coef[row]
                b[j] = intercept[row]
        return W, b

    def feature_names(self) -> np.ndarray:
        """Feature names; the text block's words without the ``text__`` a union puts before them."""
        names = self.pipeline_.named_steps["tfidf"].get_feature_names_out()
        if len(names) and str(names[0]).startswith("text__"):
            names = np.array([n[6:] if n.startswith("text__") else n for n in names], dtype=object)
        return names

    def term_coef(self, names: np.ndarray | None = None) -> np.ndarray:
        """``coef_`` with the rows of features that are not terms of the text (rationale-lexicon
        scores) set to zero: the weights term explanations use."""
        names = self.feature_names() if names is None else names
        return term_weights(self.coef_, names)

    def transform(self, texts: list[str]) -> sparse.csr_matrix:
        """TF-IDF features of ``texts``."""
        return self.pipeline_.named_steps["tfidf"].transform(texts)

    def proba_from_features(self, X: sparse.spmatrix) -> np.ndarray:
        """Probabilities per label (codebook order) from TF-IDF features, in one matrix product."""
        return probabilities(np.asarray(X @ self.coef_) + self.intercept_, self.multi)

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        return self.proba_from_features(self.transform(texts))


def dimension_model(dim: Dimension, config: ExperimentConfig) -> DimensionModel:
    """An unfitted model of one codebook dimension as the config describes it (with the
    attribution block and the dimension's actors when ``features.attribution`` names it)."""
    attribution = dim.name in config.features.attribution
    features = config.features
    if features.lexicon != "none" and getattr(features, "lexicon_dimensions", []) \
            and dim.name not in features.lexicon_dimensions:
        features = replace(features, lexicon="none")
    if features.decades:  # the model's features name only its own dimension, if it reads decades
        features = replace(features, decades=[dim.name] if dim.name in features.decades else [])
    classifier = config.classifier
    if dim.name in getattr(classifier, "C_by_dimension", {}):
        classifier = replace(classifier, C=float(classifier.C_by_dimension[dim.name]))
    return DimensionModel(tuple(dim.label_names), dim.multi, features, classifier,
                          attribution=attribution, actors=codebook_actors(dim) if attribution else (),
                          indicators=codebook_indicators(dim) if dim.name in features.indicators else ())


def attribution_analyzer(model: DimensionModel) -> AttributionAnalyzer | None:
    """The fitted attribution analyzer of a dimension's model, if it has the block."""
    vec = model.pipeline_.named_steps["tfidf"]
    for name, part in getattr(vec, "transformer_list", []):
        if name == "attribution":
            return part.analyzer
        if name == "text":  # a lexicon union wraps the text features: look inside
            for inner_name, inner in getattr(part, "transformer_list", []):
                if inner_name == "attribution":
                    return inner.analyzer
    return None


class FramingModel:
    """All dimensions of a codebook, trained together; the thing saved as an artifact."""

    def __init__(self, codebook: Codebook, config: ExperimentConfig) -> None:
        self.codebook = codebook
        self.config = config
        self.dimensions: dict[str, DimensionModel] = {}
        self.thresholds: dict[str, dict[str, float]] = {}
        self.offsets: dict[str, dict[str, float]] = {}
        self.meta: dict = {}        # meta.json of the folder it was loaded from
        self.notes: list[str] = []  # warnings from loading it

    def fit_dimension(self, dim: Dimension, texts: list[str], y: list, rationales: list | None = None,
                      groups: list | None = None) -> DimensionModel:
        model = dimension_model(dim, self.config)
        self.dimensions[dim.name] = model.fit(texts, y, rationales, groups)
        if dim.multi:
            fixed = self.config.classifier.fixed_threshold
            self.thresholds.setdefault(dim.name, {name: fixed for name in dim.label_names})
        return self.dimensions[dim.name]

    def set_offsets(self, name: str, offsets: dict[str, float]) -> None:
        """Shift a single-choice dimension's scores by per-label offsets (a prior shift chosen on
        out-of-fold predictions). They are added to the intercepts, so every path that scores
        with the weights (fast path, lean workers, reference path) applies them."""
        model = self.dimensions[name]
        model.intercept_ = model.intercept_ + np.array([offsets.get(label, 0.0) for label in model.labels_])
        self.offsets[name] = dict(offsets)

    def predict(self, texts: list[str]) -> pd.DataFrame:
        """Probabilities (``dim:label`` columns) and predicted labels (``dim`` columns)."""
        out: dict[str, object] = {}
        for name, model in self.dimensions.items():
            proba = model.predict_proba(list(texts))
            out.update(self._columns(name, model, proba))
        return pd.DataFrame(out)

    def _columns(self, name: str, model: DimensionModel, proba: np.ndarray) -> dict[str, object]:
        cols: dict[str, object] = {f"{name}:{label}": proba[:, j] for j, label in enumerate(model.labels_)}
        cols[name] = self.decide(name, proba)
        return cols

    def decide(self, name: str, proba: np.ndarray) -> list:
        """Predicted value per row: the top label, or for multi-label the labels over threshold
        joined by ``|`` (empty string for none)."""
        return decide(self.dimensions[name].labels_, proba, self.dimensions[name].multi, self.cut(name))

    def cut(self, name: str) -> np.ndarray | None:
        """A multi-label dimension's thresholds in label order (None for single-choice)."""
        model = self.dimensions[name]
        return np.array([self.thresholds[name][label] for label in model.labels_]) if model.multi else None


def fit_model(table: pd.DataFrame, codebook: Codebook, config: ExperimentConfig, *,
              progress: Callable[[str], None] | None = None) -> FramingModel:
    """A model fitted on every dimension's labelled paragraphs of ``table`` (one column per
    dimension); ``progress`` is told as each dimension's fit starts."""
    model = FramingModel(codebook, config)
    for dim in codebook.dimensions:
        if progress:
            progress(f"fitting {dim.name} on all labels")
        rows = table[table[dim.name].notna()]
        if rows.empty:
            raise ModelError(f"dimension {dim.name!r} has no labelled paragraphs", fix="label some paragraphs first")
        try:
            model.fit_dimension(dim, *fit_inputs(rows, dim.name))
        except ModelError as exc:  # the model of one dimension does not know its name
            raise ModelError(f"{dim.name}: {exc.what}", path=exc.path, line=exc.line, fix=exc.fix) from None
    return model
