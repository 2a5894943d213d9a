"""Tag new articles: stream paragraphs through a trained model in bounded memory."""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from framing.corpus.read import (CorpusUnit, OnSkip, ParagraphNumbers, SeenIds, check_ids, iter_corpus_units,
                                 unit_paragraphs)
from framing.corpus.tables import Columns
from framing.corpus.text import PARAGRAPH_COLUMNS
from framing.predict import partial
from framing.predict.pool import in_workers
from framing.errors import CorpusError, FramingWarning, ModelError
from framing.model.decision import shown_label
from framing.model.explain import top_terms
from framing.model.scoring import FastScorer
from framing.model.articles import ARTICLE_COLUMNS, ArticleSpec, ArticleTable, UnitArticles
from framing.model.attribution import Reading
from framing.model.lean import (META_COLUMNS, LeanModel, LeanScore, UnitTask, evidence_column, predict_columns,
                                 unit_summary)
from framing.model.classifier import FramingModel, attribution_analyzer

OUTPUT_SUFFIXES = (".csv", ".jsonl", ".parquet")


ENGINES = ("fast", "sklearn")


def predict_frame(model: FramingModel, paragraphs: pd.DataFrame, *, terms: int = 3, engine: str = "fast",
                  scorer: LeanModel | FastScorer | None = None, before: Sequence[dict] = ()) -> pd.DataFrame:
    """Predictions for a DataFrame of paragraphs (as :func:`framing.corpus.read.iter_paragraph_chunks` yields).

    Columns: ids and metadata, ``dim:label`` probabilities, ``dim`` predicted values and,
    when ``terms`` > 0, ``dim__terms`` with the top contributing terms of the predicted labels.
    ``engine="fast"`` (default) gives the same output as ``"sklearn"``, faster (:mod:`framing.model.scoring`,
    :mod:`framing.model.lean`); pass a ``scorer`` (a :class:`~framing.model.lean.LeanModel`) built once to avoid
    rebuilding it per call. ``before``: the paragraphs just before these in the input (dicts with
    ``article_id``, ``text``, ``collection``), the context of those that continue their article.
    """
    if engine not in ENGINES:
        raise ModelError(f"unknown engine {engine!r}", fix="use " + " or ".join(ENGINES))
    texts = paragraphs["text"].tolist()
    meta = {c: paragraphs[c].tolist() for c in META_COLUMNS}
    if engine == "fast":
        lean = scorer if isinstance(scorer, LeanModel) else LeanModel.from_model(model, scorer)
        return pd.DataFrame(predict_columns(lean, meta, texts, terms, before))
    out = paragraphs[META_COLUMNS].reset_index(drop=True).copy()
    out["text_sha1"] = [hashlib.sha1(t.encode("utf-8")).hexdigest()[:8] for t in texts]
    texts = Reading.of(model.config).inputs(meta["article_id"], texts, meta["collection"], before)
    columns: dict[str, object] = {}
    for name, dim_model in model.dimensions.items():
        X = dim_model.transform(texts)
        proba = dim_model.proba_from_features(X)
        for j, label in enumerate(dim_model.labels_):
            columns[f"{name}:{label}"] = proba[:, j]
        columns[name] = model.decide(name, proba)
        analyzer = attribution_analyzer(dim_model) if dim_model.multi else None
        if analyzer is not None:
            columns[f"{name}__evidence"] = evidence_column(analyzer, texts, columns[name])
        if terms > 0:
            index = shown_label(proba, dim_model.multi, model.cut(name))
            columns[f"{name}__terms"] = top_terms(dim_model, X, index, k=terms)
    return pd.concat([out, pd.DataFrame(columns)], axis=1)


def arrow_table(frame: pd.DataFrame):
    """``frame`` as an Arrow table for a Parquet output. A column with no value in it (no article
    dated, no title) would get Arrow's null type, which a later chunk's strings cannot be cast to:
    such a column is typed as text."""
    import pyarrow as pa

    table = pa.Table.from_pandas(frame, preserve_index=False)
    schema = pa.schema([field.with_type(pa.large_string()) if pa.types.is_null(field.type) else field
                        for field in table.schema], metadata=table.schema.metadata)
    return table.cast(schema)


class _Writer:
    """Append prediction chunks to a CSV, JSONL or Parquet file, then move it into place."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tmp = partial.start(path)  # this run's own file; dead runs' leftovers are removed
        self.suffix = path.suffix.lower()
        self._parquet = None
        self.rows = 0

    def write(self, frame: pd.DataFrame) -> None:
        try:
            self._write(frame)
        except OSError as exc:  # disk full, the folder removed mid-run
            raise partial.cannot_write(self.path, exc) from None
        self.rows += len(frame)

    def _write(self, frame: pd.DataFrame) -> None:
        if self.suffix == ".parquet":
            import pyarrow.parquet as pq

            table = arrow_table(frame)
            if self._parquet is None:
                self._parquet = pq.ParquetWriter(self.tmp, table.schema)
            self._parquet.write_table(table.cast(self._parquet.schema))
        elif self.suffix == ".csv":
            frame.to_csv(self.tmp, mode="a", header=self.rows == 0, index=False)
        else:
            text = frame.to_json(orient="records", lines=True, force_ascii=False)
            with open(self.tmp, "a", encoding="utf-8") as handle:
                handle.write(text if text.endswith("\n") or not text else text + "\n")

    def close(self) -> None:
        if self._parquet is not None:
            self._parquet.close()
        partial.commit(self.tmp, self.path)

    def abort(self) -> None:
        if self._parquet is not None:
            self._parquet.close()
        partial.abort(self.tmp)


def _check_output(output: Path, what: str = "output") -> None:
    if output.suffix.lower() not in OUTPUT_SUFFIXES:
        raise CorpusError(f"unsupported {what} type {output.suffix!r}", path=output,
                          fix=f"name the {what} .csv, .jsonl or .parquet")


def _check_run(engine: str, workers: int) -> None:
    if engine not in ENGINES:
        raise ModelError(f"unknown engine {engine!r}", fix="use " + " or ".join(ENGINES))
    if workers < 1:
        raise ModelError(f"workers must be at least 1 (got {workers})", fix="pass --workers 1 or more")


def predict_file(model: FramingModel, source: str | Path, output: str | Path, *,
                 columns: Columns = Columns(), paragraphs: bool = False, chunk_size: int = 5_000,
                 terms: int = 3, progress: Callable[[int], None] | None = None, engine: str = "fast",
                 workers: int = 1, keep_text: bool = False, articles: str | Path | None = None,
                 on_skip: OnSkip | None = None, on_dropped: Callable[[dict[str, int]], None] | None = None) -> int:
    """Tag every paragraph of ``source`` (a folder or a table) and write ``output``.

    The input is read and the output written chunk by chunk, so memory stays flat; the output
    appears (atomically) only when the run completes. With ``workers`` > 1, chunks are scored by
    that many spawned processes (each receives the model once) and written in input order, so the
    output does not depend on ``workers`` or ``chunk_size``. ``keep_text``: ``text`` and ``title``
    columns too, so that a report can show the words, paragraphs and titles behind its shares for
    articles outside the project's corpus. With ``articles``, the article table
    (:func:`predict_articles`) is written there in the same pass. ``on_skip(file, reason)`` receives
    each file of a folder that is not text or holds no article text, which is then left out
    (without it, a file that is not text stops the run). ``on_dropped`` receives, per chunk, how many
    paragraphs were dropped as boilerplate, by reason. Returns the number of paragraphs written.
    """
    output = Path(output)
    _check_output(output)
    partial.check_apart(Path(source), output, "--out")
    if articles is not None:
        articles = Path(articles)
        _check_output(articles, "article table")
        partial.check_apart(Path(source), articles, "--articles")
        if articles.resolve() == output.resolve():
            raise CorpusError("the article table would overwrite the paragraph predictions", path=articles,
                              fix="give --articles another file name than --out")
    _check_run(engine, workers)
    writers = [_Writer(output)]
    if articles is not None:
        try:
            writers.append(_Writer(articles))
        except BaseException:
            writers[0].abort()
            raise
    spec = ArticleSpec.from_model(model) if articles is not None else None
    try:
        for frame, finished in _stream(model, source, columns=columns, paragraphs=paragraphs, chunk_size=chunk_size,
                                       terms=terms, engine=engine, workers=workers, spec=spec, keep_text=keep_text,
                                       on_skip=on_skip, on_dropped=on_dropped):
            if frame is not None:
                writers[0].write(frame)
                if progress is not None:
                    progress(len(frame))
            if finished is not None:
                writers[1].write(finished)
        if not writers[0].rows:  # the columns without a row, not a 0-byte file no reader takes
            warnings.warn(f"{source}: no paragraph to predict; {output.name} holds the columns only", FramingWarning)
            writers[0].write(_no_rows(predict_frame(model, pd.DataFrame(columns=PARAGRAPH_COLUMNS), terms=terms)
                                      .assign(**({"title": [], "text": []} if keep_text else {}))))
        if spec is not None and not writers[1].rows:
            writers[1].write(_no_rows(pd.DataFrame(columns=_article_columns(spec))))
    except BaseException:
        for writer in writers:
            writer.abort()
        raise
    for writer in writers:
        writer.close()
    return writers[0].rows


def predict_articles(model: FramingModel, source: str | Path, *, columns: Columns = Columns(),
                     paragraphs: bool = False, chunk_size: int = 5_000, engine: str = "fast",
                     workers: int = 1) -> pd.DataFrame:
    """The article table of ``source``: one row per article (in corpus order) with ``article_id``,
    ``outlet``, ``date``, ``title``, ``collection``, ``paragraphs`` and, per dimension, ``dim`` (the
    article's decision), ``dim:label`` (share of its paragraphs carrying the label) and
    ``dim__paragraphs`` (``label: paragraph id`` of the paragraph that most supports each decided
    label). The rules are in :mod:`framing.model.articles` and, per dimension, in ``table.attrs["rules"]``.

    Computed as the paragraphs are predicted (nothing is written); ``predict_file(..., articles=...)``
    writes the same table beside the paragraph predictions.
    """
    _check_run(engine, workers)
    spec = ArticleSpec.from_model(model)
    parts = [finished for _, finished in _stream(model, source, columns=columns, paragraphs=paragraphs,
                                                  chunk_size=chunk_size, terms=0, engine=engine, workers=workers,
                                                  spec=spec, keep=False) if finished is not None]
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=_article_columns(spec))
    table.attrs["rules"] = spec.rules()
    return table


def _article_columns(spec: ArticleSpec) -> list[str]:
    return ARTICLE_COLUMNS + [c for d in spec.dims for c in
                              [d.name, *(f"{d.name}:{lab}" for lab in d.labels), f"{d.name}__paragraphs"]]


def _no_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """An empty output typed as a full one would be: probabilities and counts numbers, the rest text."""
    return frame.astype({c: "float64" if ":" in c else "int64" if c in ("p_index", "paragraphs") else object
                         for c in frame.columns})


def _article_frame(rows: dict | None) -> pd.DataFrame | None:
    return pd.DataFrame(rows) if rows and rows["article_id"] else None


def _stream(model: FramingModel, source: str | Path, *, columns: Columns, paragraphs: bool, chunk_size: int,
            terms: int, engine: str, workers: int, spec: ArticleSpec | None,
            keep: bool = True, keep_text: bool = False, on_skip: OnSkip | None = None,
            on_dropped: Callable[[dict[str, int]], None] | None = None) -> Iterator[tuple[pd.DataFrame | None, pd.DataFrame | None]]:
    """``(paragraph predictions, finished articles)`` per corpus unit, in corpus order (either may be
    None); with paragraph rows, the articles come merged in a last item. ``keep=False`` skips
    making the paragraph DataFrames."""
    seen, numbers = SeenIds(), ParagraphNumbers()
    table = ArticleTable(spec) if spec is not None else None
    units = iter_corpus_units(source, chunk_size=chunk_size, on_skip=on_skip)
    for unit, keys, found, parts, dropped in _scored(model, units, columns=columns, paragraphs=paragraphs, terms=terms,
                                                     engine=engine, workers=workers, spec=spec):
        if on_dropped is not None and dropped:
            on_dropped(dropped)
        check_ids(seen, unit.files, keys, "paragraph" if paragraphs else "article")
        finished = _article_frame([table.add(part) for part in parts][-1]) if table is not None else None
        frame = _frame(found) if keep else None
        if frame is not None and paragraphs:  # workers number each unit alone: renumber in input order
            frame["p_index"] = numbers.number(frame["article_id"], unit.file)
        if frame is not None and keep_text:
            frame = _with_text(frame, unit, columns, paragraphs)
        yield frame, finished
    if table is not None:
        last = _article_frame(table.finish())
        if last is not None:
            yield None, last


def _with_text(frame: pd.DataFrame, unit: CorpusUnit, columns: Columns, paragraphs: bool) -> pd.DataFrame:
    """The unit's paragraph texts and their articles' titles beside its predictions (read again here:
    workers return no text), so that a report needs no corpus to show them."""
    kept, _ = unit_paragraphs(unit.articles(columns), paragraphs=paragraphs)
    texts = {row["paragraph_id"]: row["text"] for row in kept}
    titles = {row["paragraph_id"]: row["title"] for row in kept}
    return frame.assign(title=frame["paragraph_id"].map(titles), text=frame["paragraph_id"].map(texts))


@dataclass
class SklearnScore:
    """:class:`~framing.model.lean.LeanScore` by scikit-learn's reference path (:func:`predict_frame`)."""
    model: FramingModel
    terms: int

    @property
    def context(self) -> int:
        return Reading.of(self.model.config).context

    def __call__(self, rows: list[dict], before: Sequence[dict] = ()) -> dict | None:
        if not rows:
            return None
        frame = pd.DataFrame(rows, columns=PARAGRAPH_COLUMNS)
        return predict_frame(self.model, frame, terms=self.terms, engine="sklearn", before=before).to_dict("list")


def _scored(model: FramingModel, units: Iterator[CorpusUnit], *, columns: Columns, paragraphs: bool, terms: int,
            engine: str, workers: int, spec: ArticleSpec | None = None
            ) -> Iterator[tuple[CorpusUnit, list, dict | None, list[UnitArticles | None], dict[str, int]]]:
    """``(unit, article keys, predictions, article partials, boilerplate dropped by reason)`` in corpus order, computed here or by
    ``workers`` processes.

    Workers read Parquet row groups themselves (no text goes through a pipe) and, with the fast
    engine, receive the compiled :class:`~framing.model.lean.LeanModel` (numpy arrays: no scikit-learn,
    no pickled pipelines) and return plain columns; with ``spec``, they also summarise their unit's
    articles (:mod:`framing.model.articles`). An article of paragraph rows may go on from one unit
    to the next: each unit's first paragraphs of it (its :class:`~framing.model.lean.Edge` head) are
    scored here, with the last paragraphs of the units before as their context."""
    score = LeanScore(LeanModel.from_model(model), terms) if engine == "fast" else SklearnScore(model, terms)
    task = UnitTask(score, columns, paragraphs, spec)
    results = ((unit, task(unit)) for unit in units) if workers == 1 else in_workers(task, units, workers)
    carried: list[dict] = []  # the last paragraphs read, in input order
    for unit, (keys, found, part, edge, dropped) in results:
        head = score(edge.head, carried)
        parts = [unit_summary(spec, [{"article": edge.head[0]["article_id"]}], edge.head, head, True)] if head else []
        carried = (carried + edge.tail)[-task.context:] if task.context else []
        yield unit, keys, _joined(head, found), [*parts, part], dropped


def _joined(head: dict | None, found: dict | None) -> dict | None:
    """The columns of ``head`` then ``found`` (either may be None)."""
    if head is None or found is None:
        return found if head is None else head
    return {key: np.concatenate([head[key], value]) if isinstance(value, np.ndarray) else [*head[key], *value]
            for key, value in found.items()}


def _frame(found: dict | None) -> pd.DataFrame | None:
    return None if found is None else pd.DataFrame(found)
