"""A compiled, array-only form of a :class:`~framing.model.classifier.FramingModel` for lean worker processes.

:class:`LeanModel` holds, per group of dimensions sharing a vectoriser, the fast vectoriser's
arrays (:class:`~framing.model.tfidf.FastTfidf` pickles without scikit-learn), the stacked weights
and the feature names, and per dimension its labels and thresholds. Unpickling it imports only
numpy and scipy, unless a group is not fast-pathed: that group keeps its scikit-learn transform
(the worker then imports scikit-learn). :class:`UnitTask` reads one corpus unit, splits it into
paragraphs and returns plain columns; the parent makes the DataFrame. Both the single-process
and the worker paths run the same code, so the output does not depend on the number of workers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from framing.model.attribution import Reading
from framing.model.decision import decide, probabilities, shown_label
from framing.model.scoring import FastScorer, top_terms_fast, transform_with

META_COLUMNS = ["article_id", "outlet", "date", "collection", "p_index", "paragraph_id"]


@dataclass
class LeanGroup:
    """Dimensions sharing one vectoriser: its transform, stacked weights, biases, feature names and
    the weights top terms use (``W`` without the rows of features that are not terms)."""
    transform: Callable[[list[str]], Any]
    fast: bool
    W: np.ndarray
    b: np.ndarray
    names: np.ndarray
    T: np.ndarray


@dataclass
class LeanDimension:
    """One dimension: its labels, group, columns of the group's weights and thresholds (multi-label)."""
    name: str
    labels: list[str]
    multi: bool
    group: int
    cols: slice
    cut: np.ndarray | None
    evidence: Any = None  # the attribution analyzer, for dimensions with the attribution block


@dataclass
class LeanModel:
    """Everything predicting needs, as arrays (see the module docstring)."""
    groups: list[LeanGroup]
    dims: list[LeanDimension]
    reading: Reading = Reading()  # what the model reads besides the text (context, collection)

    @classmethod
    def from_model(cls, model: Any, scorer: FastScorer | None = None) -> LeanModel:
        """Compile ``model`` (built on :class:`~framing.model.scoring.FastScorer`'s grouping)."""
        from framing.model.classifier import attribution_analyzer, term_weights  # workers never import the model module

        scorer = scorer or FastScorer(model)
        groups, dims = [], []
        for g, group in enumerate(scorer.groups):
            names = scorer.feature_names(group.names[0])
            groups.append(LeanGroup(group.transform, group.fast, group.W, group.b, names, term_weights(group.W, names)))
            for name in group.names:
                dim = model.dimensions[name]
                cut = np.array([model.thresholds[name][lab] for lab in dim.labels_]) if dim.multi else None
                dims.append(LeanDimension(name, list(dim.labels_), dim.multi, g, group.slices[name], cut,
                                          attribution_analyzer(dim) if dim.multi else None))
        order = list(model.dimensions)
        dims.sort(key=lambda d: order.index(d.name))
        return cls(groups, dims, Reading.of(model.config))

    @property
    def fast(self) -> bool:
        """True when every group is fast-pathed (workers then import neither scikit-learn nor pandas' model)."""
        return all(g.fast for g in self.groups)

    def columns(self, texts: Sequence[str], terms: int = 3, batch: int = 1_000) -> dict[str, Any]:
        """``dim:label`` probabilities, ``dim`` decisions and (``terms`` > 0) ``dim__terms``, in model order.

        Scored ``batch`` paragraphs at a time (each row is scored on its own, so the result does not
        depend on ``batch``): the sparse feature matrices of a whole chunk would hold most of a
        worker's memory."""
        texts = list(texts)
        if len(texts) > batch:
            parts = [self._columns(texts[i:i + batch], terms) for i in range(0, len(texts), batch)]
            return {key: (np.concatenate([p[key] for p in parts]) if isinstance(parts[0][key], np.ndarray)
                          else [v for p in parts for v in p[key]]) for key in parts[0]}
        return self._columns(texts, terms)

    def _columns(self, texts: list[str], terms: int) -> dict[str, Any]:
        scored, memo = [], {}
        for group in self.groups:
            X = transform_with(group.transform, texts, memo)
            scored.append((X, np.asarray(X @ group.W) + group.b))
        out: dict[str, Any] = {}
        for dim in self.dims:
            X, scores = scored[dim.group]
            proba = probabilities(scores[:, dim.cols], dim.multi)
            for j, label in enumerate(dim.labels):
                out[f"{dim.name}:{label}"] = proba[:, j]
            out[dim.name] = decide(dim.labels, proba, dim.multi, dim.cut)
            if dim.evidence is not None:
                out[f"{dim.name}__evidence"] = evidence_column(dim.evidence, texts, out[dim.name])
            if terms > 0:
                index = shown_label(proba, dim.multi, dim.cut)
                group = self.groups[dim.group]
                out[f"{dim.name}__terms"] = top_terms_fast(X, group.T[:, dim.cols], group.names, index, k=terms)
        return out


def evidence_column(analyzer: Any, texts: Sequence[str], decided: Sequence[str]) -> list[str]:
    """Per paragraph, ``label: phrase`` for each predicted label with the attribution phrase that
    shows it (``; ``-separated; empty when nothing is predicted or no phrase is found)."""
    out = []
    for text, value in zip(texts, decided):
        labels = [v for v in value.split("|") if v] if value else []
        found = analyzer.evidence(text, labels) if labels else {}
        out.append("; ".join(f"{label}: {found[label]}" for label in labels if label in found))
    return out


def predict_columns(lean: LeanModel, meta: dict[str, list], texts: list[str], terms: int) -> dict[str, Any]:
    """Output columns of some paragraphs: ids and metadata, ``text_sha1``, then :meth:`LeanModel.columns`."""
    out: dict[str, Any] = {c: meta[c] for c in META_COLUMNS}
    out["text_sha1"] = [hashlib.sha1(t.encode("utf-8")).hexdigest()[:8] for t in texts]
    out.update(lean.columns(lean.reading.inputs(meta["article_id"], texts, meta["collection"]), terms))
    return out


def label_probabilities(model: Any, paragraphs: Any, lean: LeanModel | None = None) -> dict[str, np.ndarray]:
    """Per dimension, the label probabilities of ``paragraphs`` (a table with ``text``,
    ``article_id`` and ``collection``) by the exact fast path: the same numbers as scikit-learn,
    several times faster on a window of 50,000. ``lean``: ``model`` already compiled."""
    lean = lean or LeanModel.from_model(model)
    texts = lean.reading.inputs(paragraphs["article_id"].tolist(), paragraphs["text"].tolist(),
                                paragraphs["collection"].tolist())
    columns = lean.columns(texts, 0)
    return {d.name: np.column_stack([np.asarray(columns[f"{d.name}:{label}"], dtype=float) for label in d.labels])
                    .reshape(len(texts), len(d.labels)) for d in lean.dims}


@dataclass
class UnitTask:
    """Predict one corpus unit: ``(article keys, output columns or None, article partial or None)``;
    picklable, sent once per worker. With ``articles`` (an :class:`~framing.model.articles.ArticleSpec`),
    the unit's articles are also summarised here (:func:`framing.model.articles.summarise`)."""
    lean: LeanModel
    columns: Any  # framing.corpus.read.Columns
    paragraphs: bool
    terms: int
    articles: Any = None

    def __call__(self, unit: Any) -> tuple[list, dict[str, Any] | None, Any]:
        from framing.corpus.read import article_keys, unit_paragraphs

        articles = unit.articles(self.columns)
        kept, _ = unit_paragraphs(articles, paragraphs=self.paragraphs)
        found = None
        if kept:
            meta = {c: [row[c] for row in kept] for c in META_COLUMNS}
            texts = [row["text"] for row in kept]
            found = predict_columns(self.lean, meta, texts, self.terms)
        return article_keys(articles), found, unit_summary(self.articles, articles, kept, found, self.paragraphs)


def unit_summary(spec: Any, articles: list[dict], kept: list[dict], found: Any, paragraphs: bool) -> Any:
    """The :class:`~framing.model.articles.UnitArticles` of one unit (None without a ``spec``): articles
    are complete within the unit, except paragraph rows that name their article (``Columns.article``)."""
    if spec is None:
        return None
    from framing.model.articles import summarise, unit_articles
    from framing.corpus.text import article_meta

    if not paragraphs:
        return unit_articles(spec, summarise(spec, found, [article_meta(a) for a in articles]), True)
    columns = None if found is None else {**found, "title": [row["title"] for row in kept]}
    part = summarise(spec, columns)
    grouped = {str(a["article"]) for a in articles if a.get("article")}
    return unit_articles(spec, part, np.fromiter((a not in grouped for a in part.ids), dtype=bool, count=len(part.ids)))


_TASK: list[Callable[[Any], tuple]] = []


def worker_init(task: Callable[[Any], tuple]) -> None:
    """Pool initializer: keep the task (a :class:`UnitTask`, or any picklable callable) for this process."""
    _TASK[:] = [task]


def worker_run(unit: Any) -> tuple:
    """Pool task: one corpus unit, with the task given to :func:`worker_init`. Freed heap memory is
    then returned to the system (glibc keeps it otherwise: about 60 MiB per worker, measured)."""
    try:
        return _TASK[0](unit)
    finally:
        _trim()


def _trim() -> None:
    try:
        import ctypes

        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass
