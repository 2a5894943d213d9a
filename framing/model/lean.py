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
import itertools
from collections import Counter
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


def predict_columns(lean: LeanModel, meta: dict[str, list], texts: list[str], terms: int,
                    before: Sequence[dict] = ()) -> dict[str, Any]:
    """Output columns of some paragraphs: ids and metadata, ``text_sha1``, then :meth:`LeanModel.columns`
    (``before``: the paragraphs just before them, as in :meth:`~framing.model.attribution.Reading.inputs`)."""
    out: dict[str, Any] = {c: meta[c] for c in META_COLUMNS}
    out["text_sha1"] = [hashlib.sha1(t.encode("utf-8")).hexdigest()[:8] for t in texts]
    out.update(lean.columns(lean.reading.inputs(meta["article_id"], texts, meta["collection"], before), terms))
    return out


@dataclass
class LeanScore:
    """Score paragraph rows (dicts with :data:`META_COLUMNS` and ``text``) by the fast path: their
    output columns, or None for no rows. ``context``: how many earlier paragraphs the model reads."""
    lean: LeanModel
    terms: int

    @property
    def context(self) -> int:
        return self.lean.reading.context

    def __call__(self, rows: list[dict], before: Sequence[dict] = ()) -> dict[str, Any] | None:
        if not rows:
            return None
        meta = {c: [row[c] for row in rows] for c in META_COLUMNS}
        return predict_columns(self.lean, meta, [row["text"] for row in rows], self.terms, before)


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
class Edge:
    """A unit's edges, for carrying context across units (paragraph rows of a model that reads
    ``context`` earlier paragraphs): ``head``, the unit's first rows while they belong to its first
    article, when an article column names it (at most ``context`` rows: they may continue the
    previous unit's article, whose last paragraphs only the parent process knows, so it scores
    them), and ``tail``, the unit's last ``context`` paragraphs (``article_id``, ``text``,
    ``collection``), the context of the next unit's head."""
    head: list[dict]
    tail: list[dict]

    @classmethod
    def of(cls, kept: list[dict], context: int, articles: list[dict]) -> Edge:
        if not context or not kept:
            return cls([], [])
        first = kept[0]["article_id"]
        grouped = any(a.get("article") and str(a["article"]) == first for a in articles)
        head = list(itertools.takewhile(lambda row: row["article_id"] == first, kept[:context])) if grouped else []
        return cls(head, [{k: row[k] for k in ("article_id", "text", "collection")} for row in kept[-context:]])


@dataclass
class UnitTask:
    """Predict one corpus unit but its :class:`Edge`'s head: ``(article keys, output columns or None,
    article partial or None, edge, boilerplate dropped by reason)``; picklable, sent once per worker. ``score``: a :class:`LeanScore`
    (or any picklable scorer with its call and ``context``). With ``articles`` (an
    :class:`~framing.model.articles.ArticleSpec`), the unit's articles are also summarised here
    (:func:`framing.model.articles.summarise`)."""
    score: Any
    columns: Any  # framing.corpus.read.Columns
    paragraphs: bool
    articles: Any = None

    @property
    def context(self) -> int:
        """Earlier paragraphs to carry across units: articles are whole within a unit unless rows are paragraphs."""
        return self.score.context if self.paragraphs else 0

    def __call__(self, unit: Any) -> tuple[list, dict[str, Any] | None, Any, Edge, dict[str, int]]:
        """... and the paragraphs dropped as boilerplate, counted by reason."""
        from framing.corpus.read import article_keys, unit_paragraphs

        articles = unit.articles(self.columns)
        kept, dropped = unit_paragraphs(articles, paragraphs=self.paragraphs)
        edge = Edge.of(kept, self.context, articles)
        rest = kept[len(edge.head):]
        found = self.score(rest, edge.head)
        return (article_keys(articles), found, unit_summary(self.articles, articles, rest, found, self.paragraphs), edge,
                dict(Counter(row["reason"] for row in dropped)))


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
