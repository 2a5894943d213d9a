"""Article-level results: each article's share of paragraphs per label, its decision per dimension
and the paragraph that most supports each decided label, computed in the prediction pass.

The rules, for any codebook:

* **share** of a label: the share of the article's paragraphs that carry it (the paragraph
  decision: the top label of a single-choice dimension, the labels over threshold of a
  multi-label one);
* **single-choice dimension**: the article's label is the one with the most paragraph
  probability mass (its probabilities summed over the article's paragraphs; ties go to the
  codebook's first);
* **multi-label dimension**: a label counts for the article when at least ``min_paragraphs``
  (``[articles]`` in the config; default 1) of its paragraphs carry it;
* **supporting paragraph** of a label: the article's paragraph with the highest probability of
  that label (the first one on ties).

Each corpus unit is summarised where it is scored (in the worker, for ``--workers`` > 1) into a
:class:`Partial` — sums, counts and maxima per article and label, which merge exactly — so the
paragraph predictions are never read back. Articles of documents and article tables are complete
within a unit and are finished at once; paragraph rows (``--paragraphs``) may spread an article
over units, so those partials are merged and finished at the end (memory grows with the number of
articles, not of paragraphs). This module imports numpy only (workers load it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

ARTICLE_COLUMNS = ["article_id", "outlet", "date", "title", "collection", "paragraphs"]


@dataclass(frozen=True)
class ArticleDim:
    """One dimension as the article rules see it: its labels, kind and (multi-label) thresholds."""
    name: str
    labels: tuple[str, ...]
    multi: bool
    cut: tuple[float, ...] | None = None


@dataclass(frozen=True)
class ArticleSpec:
    """The dimensions of a model, in model order, and the multi-label rule's ``min_paragraphs``."""
    dims: tuple[ArticleDim, ...]
    min_paragraphs: int = 1

    @classmethod
    def from_model(cls, model: Any) -> ArticleSpec:
        """From a :class:`~framing.model.classifier.FramingModel` (its thresholds and its config's ``[articles]``)."""
        dims = []
        for name, dim in model.dimensions.items():
            labels = tuple(dim.labels_)
            cut = tuple(float(model.thresholds[name][lab]) for lab in labels) if dim.multi else None
            dims.append(ArticleDim(name, labels, bool(dim.multi), cut))
        settings = getattr(model.config, "articles", None)  # models saved before [articles] existed
        return cls(tuple(dims), getattr(settings, "min_paragraphs", 1))

    @property
    def columns(self) -> list[str]:
        """The ``dim:label`` probability columns, in order."""
        return [f"{d.name}:{label}" for d in self.dims for label in d.labels]

    def rules(self) -> dict[str, str]:
        """Per dimension, its article-level decision rule in words."""
        k = self.min_paragraphs
        return {d.name: (f"labels carried by at least {k} paragraph{'s' if k > 1 else ''} of the article "
                         "(a paragraph carries a label when its probability reaches the label's threshold)"
                         if d.multi else
                         "the label with the most paragraph probability mass (summed over the article's "
                         "paragraphs; ties go to the codebook's first)")
                for d in self.dims}


@dataclass
class Partial:
    """Per article (rows, in order of first appearance) and label (columns, :attr:`ArticleSpec.columns`):
    paragraphs, summed probability, paragraphs carrying the label, highest probability and its paragraph."""
    ids: list[str]
    meta: dict[str, list] = field(default_factory=dict)   # outlet, date, title, collection
    paragraphs: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    mass: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    count: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))
    best: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    best_id: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=object))


META = ("outlet", "date", "title", "collection")


def carried(spec: ArticleSpec, proba: np.ndarray) -> np.ndarray:
    """0/1 per paragraph and label: the paragraph decision (top label; labels over threshold)."""
    out = np.zeros(proba.shape, dtype=np.int64)
    start = 0
    for d in spec.dims:
        block = proba[:, start:start + len(d.labels)]
        if d.multi:
            out[:, start:start + len(d.labels)] = block >= np.asarray(d.cut)
        elif len(block):
            out[np.arange(len(block)), start + block.argmax(axis=1)] = 1
        start += len(d.labels)
    return out


def summarise(spec: ArticleSpec, columns: Mapping[str, Sequence] | None, articles: Sequence[Mapping] = ()) -> Partial:
    """The :class:`Partial` of one unit's predictions.

    ``columns`` holds ``article_id``, ``paragraph_id``, ``outlet``, ``date``, ``collection``,
    optionally ``title``, and the ``dim:label`` probabilities of the unit's paragraphs (or is None
    when it has none). ``articles`` lists the unit's articles' metadata
    (:func:`framing.corpus.read.article_meta`) in input order, so that articles without a kept paragraph
    still get a row; leave it empty when the rows are paragraphs (metadata then comes from each
    article's first row).
    """
    n = len(columns["article_id"]) if columns is not None else 0
    order: dict[str, int] = {}
    meta: dict[str, list] = {m: [] for m in META}
    for a in articles:
        if a["article_id"] not in order:
            order[a["article_id"]] = len(order)
            for m in META:
                meta[m].append(a.get(m))
    codes = np.zeros(n, dtype=np.int64)
    if n:
        ids = columns["article_id"]
        known = len(order)
        codes = np.fromiter((order.setdefault(a, len(order)) for a in ids), dtype=np.int64, count=n)
        if known == 0 and len(order) == n:  # each row an article of its own: the rows are the summary
            return _one_paragraph_articles(spec, columns, ids)
        if len(order) > known:  # articles first seen in the paragraph rows: metadata of their first row
            _, first = np.unique(codes, return_index=True)
            for code, row in zip(range(known, len(order)), first[known:].tolist()):
                meta["outlet"].append(columns["outlet"][row])
                meta["date"].append(columns["date"][row])
                meta["title"].append(columns["title"][row] if "title" in columns else None)
                meta["collection"].append(columns["collection"][row])
    A, L = len(order), len(spec.columns)
    part = Partial(list(order), meta, np.zeros(A, dtype=np.int64), np.zeros((A, L)), np.zeros((A, L), dtype=np.int64),
                   np.full((A, L), -np.inf), np.full((A, L), "", dtype=object))
    if not n:
        return part
    proba = np.column_stack([np.asarray(columns[c], dtype=np.float64) for c in spec.columns]) if L else np.zeros((n, 0))
    sort = np.argsort(codes, kind="stable")
    sorted_codes = codes[sort]
    starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])
    present = sorted_codes[starts]
    P = proba[sort]
    part.paragraphs[present] = np.diff(np.r_[starts, n])
    if L:
        part.mass[present] = np.add.reduceat(P, starts, axis=0)
        part.count[present] = np.add.reduceat(carried(spec, P), starts, axis=0)
        top = np.maximum.reduceat(P, starts, axis=0)
        part.best[present] = top
        # first row (in input order) reaching the maximum, per article and label
        group = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, n]))
        rows = np.where(P == top[group], np.arange(n)[:, None], n)
        first = np.minimum.reduceat(rows, starts, axis=0)
        pids = np.asarray(columns["paragraph_id"], dtype=object)[sort]
        part.best_id[present] = pids[first]
    return part


def _one_paragraph_articles(spec: ArticleSpec, columns: Mapping[str, Sequence], ids: Sequence[str]) -> Partial:
    """:func:`summarise` where every row is an article of one paragraph (the same result, faster)."""
    n, L = len(ids), len(spec.columns)
    proba = np.column_stack([np.asarray(columns[c], dtype=np.float64) for c in spec.columns]) if L else np.zeros((n, 0))
    meta = {m: list(columns[m]) if m in columns else [None] * n for m in META}
    pids = np.asarray(columns["paragraph_id"], dtype=object)
    return Partial(list(ids), meta, np.ones(n, dtype=np.int64), proba, carried(spec, proba), proba.copy(),
                   np.repeat(pids[:, None], L, axis=1))


@dataclass
class UnitArticles:
    """One unit's articles: rows of those complete within it (finished where the unit was scored)
    and the :class:`Partial` of those that may continue in later units (paragraph rows)."""
    finished: dict[str, list] | None
    pending: Partial | None


def unit_articles(spec: ArticleSpec, part: Partial, complete: np.ndarray | bool) -> UnitArticles:
    """Split ``part`` by ``complete`` (per article, or for all) and finish the complete ones."""
    mask = np.full(len(part.ids), bool(complete)) if np.ndim(complete) == 0 else np.asarray(complete, dtype=bool)
    done = finish_rows(spec, take(part, np.flatnonzero(mask))) if mask.any() else None
    return UnitArticles(done, take(part, np.flatnonzero(~mask)) if not mask.all() else None)


def take(part: Partial, rows: np.ndarray) -> Partial:
    """The articles ``rows`` of ``part``."""
    if len(rows) == len(part.ids) == len(part.paragraphs):
        return part
    listed = rows.tolist()
    return Partial([part.ids[i] for i in listed], {m: [v[i] for i in listed] for m, v in part.meta.items()},
                   part.paragraphs[rows], part.mass[rows], part.count[rows], part.best[rows], part.best_id[rows])


class ArticleTable:
    """Collects the units' articles in corpus order: :meth:`add` returns the finished rows of a unit;
    the pending ones (articles of paragraph rows) are merged and finished by :meth:`finish`."""

    def __init__(self, spec: ArticleSpec) -> None:
        self.spec = spec
        self._index: dict[str, int] = {}
        self._state: Partial | None = None

    def add(self, unit: UnitArticles | None) -> dict[str, list] | None:
        """The unit's finished rows (columns of :func:`finish_rows`), merging its pending articles."""
        if unit is None:
            return None
        if unit.pending is not None and unit.pending.ids:
            self._merge(unit.pending)
        return unit.finished

    def finish(self) -> dict[str, list] | None:
        """The merged articles' rows, or None."""
        if self._state is None:
            return None
        n = len(self._index)
        state, self._state, self._index = self._state, None, {}
        return finish_rows(self.spec, take(state, np.arange(n)))

    def _merge(self, part: Partial) -> None:
        index = self._index
        old = len(index)
        rows = np.fromiter((index.setdefault(a, len(index)) for a in part.ids), dtype=np.int64, count=len(part.ids))
        if self._state is None:
            self._state = Partial([], {m: [] for m in META}, np.zeros(0, dtype=np.int64), part.mass[:0], part.count[:0],
                                  part.best[:0], part.best_id[:0])
        state = self._state
        if len(index) > old:
            fresh = np.flatnonzero(rows >= old).tolist()
            state.ids.extend(part.ids[i] for i in fresh)
            for m in META:
                state.meta[m].extend(part.meta[m][i] for i in fresh)
            if len(index) > len(state.paragraphs):  # grow by doubling: merging stays linear
                size = max(2 * len(state.paragraphs), len(index), 1024)
                grow = size - len(state.paragraphs)
                state.paragraphs = np.r_[state.paragraphs, np.zeros(grow, dtype=np.int64)]
                state.mass = np.vstack([state.mass, np.zeros((grow, state.mass.shape[1]))])
                state.count = np.vstack([state.count, np.zeros((grow, state.count.shape[1]), dtype=np.int64)])
                state.best = np.vstack([state.best, np.full((grow, state.best.shape[1]), -np.inf)])
                state.best_id = np.vstack([state.best_id, np.full((grow, state.best_id.shape[1]), "", dtype=object)])
        state.paragraphs[rows] += part.paragraphs
        state.mass[rows] += part.mass
        state.count[rows] += part.count
        better = part.best > state.best[rows]  # strictly: an earlier paragraph wins ties
        state.best[rows] = np.where(better, part.best, state.best[rows])
        state.best_id[rows] = np.where(better, part.best_id, state.best_id[rows])


def finish_rows(spec: ArticleSpec, part: Partial, *, support: str = "decided") -> dict[str, Any]:
    """The article table's columns for finished articles.

    ``article_id``, ``outlet``, ``date``, ``title``, ``collection``, ``paragraphs``; per dimension
    ``dim`` (the article's decision; labels joined by ``|``), ``dim:label`` (share of paragraphs
    carrying the label) and ``dim__paragraphs`` (``label: paragraph id`` of the supporting paragraph
    of each decided label, ``; ``-separated; with ``support="carried"``, of every label some
    paragraph carries).
    """
    out: dict[str, Any] = {"article_id": list(part.ids), **{m: [_text(v) for v in part.meta[m]] for m in META},
                           "paragraphs": part.paragraphs.copy()}
    n = len(part.ids)
    share = part.count / np.maximum(part.paragraphs, 1)[:, None]
    start = 0
    for d in spec.dims:
        cols = slice(start, start + len(d.labels))
        start += len(d.labels)
        if d.multi:
            decided = part.count[:, cols] >= spec.min_paragraphs
        else:
            decided = np.zeros((n, len(d.labels)), dtype=bool)
            if len(d.labels):
                decided[np.arange(n), part.mass[:, cols].argmax(axis=1)] = True
        decided &= (part.paragraphs > 0)[:, None]
        shown = decided if support == "decided" else part.count[:, cols] > 0
        out[d.name] = _joined(decided, d.labels)
        for j, label in enumerate(d.labels):
            out[f"{d.name}:{label}"] = share[:, cols.start + j].copy()
        pieces = np.full(n, "", dtype=object)
        best = part.best_id[:, cols]
        for j, label in enumerate(d.labels):  # object-array string operations on the shown cells only
            idx = np.flatnonzero(shown[:, j])
            if len(idx):
                new, old = f"{label}: " + best[idx, j], pieces[idx]
                pieces[idx] = np.where(old != "", old + "; " + new, new)
        out[f"{d.name}__paragraphs"] = pieces.tolist()
    return out


def _text(value: object) -> str:
    """Metadata as text ("" for missing), so that every chunk of the table has the same column types."""
    if isinstance(value, str):
        return value
    return "" if value is None or value != value else str(value)


def _joined(hits: np.ndarray, labels: Sequence[str]) -> list[str]:
    """Per row, the labels of ``hits`` joined by ``|`` (one string per distinct combination)."""
    if not len(labels):
        return [""] * len(hits)
    codes = hits.astype(object) @ np.array([1 << j for j in range(len(labels))], dtype=object) \
        if len(labels) > 62 else hits.astype(np.int64) @ (np.int64(1) << np.arange(len(labels), dtype=np.int64))
    names = {code: "|".join(labels[j] for j in range(len(labels)) if code >> j & 1) for code in set(codes.tolist())}
    return [names[code] for code in codes.tolist()]


def supporting(value: str) -> dict[str, str]:
    """``{label: paragraph id}`` from a ``dim__paragraphs`` cell."""
    pairs = (item.split(": ", 1) for item in str(value).split("; ") if ": " in item)
    return {label: pid for label, pid in pairs}


def rank_articles(articles: Any, codebook: Any, *, top: int = 5, probability: Any = None) -> Any:
    """The report's articles table: per label, the ``top`` articles with the largest share of
    paragraphs carrying it (ties: the label's higher ``probability`` when given, then more
    paragraphs, then article id), with the paragraph that most supports the label there.

    ``articles`` is an article table (:func:`framing.predict.local.predict_articles`, or
    :func:`articles_from_predictions` with ``support="carried"``); ``probability``, a table of
    ``dim:label`` columns indexed by article id (e.g. the label's mean probability over the
    article). Returns a DataFrame with columns dimension, label, rank, article_id, title, outlet,
    date, paragraphs, share, paragraph_id, and probability when given.
    """
    import pandas as pd

    order = ["_share", "paragraphs", "article_id"] if probability is None else ["_share", "_p", "paragraphs", "article_id"]
    rows = []
    for dim in codebook.dimensions:
        support = articles[f"{dim.name}__paragraphs"].map(supporting) if f"{dim.name}__paragraphs" in articles else None
        for label in dim.label_names:
            col = f"{dim.name}:{label}"
            if col not in articles:
                continue
            pick = articles[articles[col] > 0].assign(_share=lambda f: f[col])
            if probability is not None:
                pick = pick.assign(_p=probability[col].reindex(pick["article_id"].astype(str)).to_numpy())
            pick = pick.sort_values(order, ascending=[False] * (len(order) - 1) + [True]).head(top)
            for rank, (i, r) in enumerate(pick.iterrows(), 1):
                rows.append({"dimension": dim.name, "label": label, "rank": rank, "article_id": r["article_id"],
                             "title": r.get("title"), "outlet": r["outlet"], "date": r.get("date"),
                             "paragraphs": int(r["paragraphs"]), "share": float(r[col]),
                             "paragraph_id": support[i].get(label, "") if support is not None else "",
                             **({} if probability is None else {"probability": float(r["_p"])})})
    return pd.DataFrame(rows, columns=["dimension", "label", "rank", "article_id", "title", "outlet", "date",
                                       "paragraphs", "share", "paragraph_id"] + ([] if probability is None else ["probability"]))


def articles_from_predictions(predictions: Any, spec: ArticleSpec, *, support: str = "decided") -> Any:
    """The article table of a paragraph predictions table already in memory (e.g. the report's
    input); prefer :func:`framing.predict.local.predict_articles` or ``--articles`` when predicting."""
    import pandas as pd

    missing = [c for c in spec.columns if c not in predictions]
    if missing:
        from framing.errors import ReportError

        raise ReportError(f"the predictions lack the probability column(s) {', '.join(missing[:3])}",
                          fix="use predictions made by this model (framing predict writes a column per label)")
    frame = predictions.reset_index(drop=True)
    columns = {c: frame[c].astype(str).tolist() for c in ("article_id", "paragraph_id")}
    for c in ("outlet", "date", "collection"):
        columns[c] = frame[c].tolist() if c in frame else [None] * len(frame)
    for c in spec.columns:
        columns[c] = frame[c].to_numpy(dtype=np.float64)
    if "title" in frame:
        columns["title"] = frame["title"].tolist()
    rows = finish_rows(spec, summarise(spec, columns), support=support)
    table = pd.DataFrame(rows)
    table.attrs["rules"] = spec.rules()
    return table
