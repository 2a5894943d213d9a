"""Tag new articles: stream paragraphs through a trained model in bounded memory."""

from __future__ import annotations

import functools
import hashlib
import warnings
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from framing.corpus.read import (CorpusUnit, OnSkip, ParagraphNumbers, SeenIds, article_keys, check_ids, iter_corpus_units,
                                 unit_paragraphs)
from framing.corpus.tables import Columns
from framing.corpus.text import PARAGRAPH_COLUMNS
from framing.predict import partial
from framing.predict.pool import in_workers
from framing.errors import CorpusError, FramingWarning, ModelError
from framing.model.decision import shown_label
from framing.model.explain import top_terms
from framing.model.scoring import FastScorer
from framing.model.articles import ARTICLE_COLUMNS, ArticleSpec, ArticleTable, UnitArticles, supporting
from framing.model.attribution import Reading
from framing.model.lean import (META_COLUMNS, LeanModel, UnitTask, evidence_column, predict_columns, unit_summary)
from framing.model.classifier import FramingModel, attribution_analyzer

OUTPUT_SUFFIXES = (".csv", ".jsonl", ".parquet")


ENGINES = ("fast", "sklearn")


def predict_frame(model: FramingModel, paragraphs: pd.DataFrame, *, terms: int = 3, engine: str = "fast",
                  scorer: LeanModel | FastScorer | None = None) -> pd.DataFrame:
    """Predictions for a DataFrame of paragraphs (as :func:`framing.corpus.read.iter_paragraph_chunks` yields).

    Columns: ids and metadata, ``dim:label`` probabilities, ``dim`` predicted values and,
    when ``terms`` > 0, ``dim__terms`` with the top contributing terms of the predicted labels.
    ``engine="fast"`` (default) gives the same output as ``"sklearn"``, faster (:mod:`framing.model.scoring`,
    :mod:`framing.model.lean`); pass a ``scorer`` (a :class:`~framing.model.lean.LeanModel`) built once to avoid
    rebuilding it per call.
    """
    if engine not in ENGINES:
        raise ModelError(f"unknown engine {engine!r}", fix="use " + " or ".join(ENGINES))
    texts = paragraphs["text"].tolist()
    meta = {c: paragraphs[c].tolist() for c in META_COLUMNS}
    if engine == "fast":
        lean = scorer if isinstance(scorer, LeanModel) else LeanModel.from_model(model, scorer)
        return pd.DataFrame(predict_columns(lean, meta, texts, terms))
    out = paragraphs[META_COLUMNS].reset_index(drop=True).copy()
    out["text_sha1"] = [hashlib.sha1(t.encode("utf-8")).hexdigest()[:8] for t in texts]
    texts = Reading.of(model.config).inputs(meta["article_id"], texts, meta["collection"])
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
                 on_skip: OnSkip | None = None) -> int:
    """Tag every paragraph of ``source`` (a folder or a table) and write ``output``.

    The input is read and the output written chunk by chunk, so memory stays flat; the output
    appears (atomically) only when the run completes. With ``workers`` > 1, chunks are scored by
    that many spawned processes (each receives the model once) and written in input order, so the
    output does not depend on ``workers`` or ``chunk_size``. ``keep_text``: ``text`` and ``title``
    columns too, so that a report can show the words, paragraphs and titles behind its shares for
    articles outside the project's corpus. With ``articles``, the article table
    (:func:`predict_articles`) is written there in the same pass. ``on_skip(file, reason)`` receives
    each file of a folder that is not text or holds no article text, which is then left out
    (without it, a file that is not text stops the run). Returns the number of paragraphs written.
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
                                       on_skip=on_skip):
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
            keep: bool = True, keep_text: bool = False, on_skip: OnSkip | None = None) -> Iterator[tuple[pd.DataFrame | None, pd.DataFrame | None]]:
    """``(paragraph predictions, finished articles)`` per corpus unit, in corpus order (either may be
    None); with paragraph rows, the articles come merged in a last item. ``keep=False`` skips
    making the paragraph DataFrames."""
    seen, numbers = SeenIds(), ParagraphNumbers()
    table = ArticleTable(spec) if spec is not None else None
    units = iter_corpus_units(source, chunk_size=chunk_size, on_skip=on_skip)
    for unit, keys, found, part in _scored(model, units, columns=columns, paragraphs=paragraphs, terms=terms,
                                           engine=engine, workers=workers, spec=spec):
        check_ids(seen, unit.file, keys, "paragraph" if paragraphs else "article")
        finished = _article_frame(table.add(part)) if table is not None else None
        frame = _frame(found) if keep else None
        if frame is not None and paragraphs:  # workers number each unit alone: renumber in input order
            frame["p_index"] = numbers.number(frame["article_id"])
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


def _sklearn_unit(model: FramingModel, unit: CorpusUnit, columns: Columns, paragraphs: bool,
                  terms: int, spec: ArticleSpec | None = None) -> tuple[list, pd.DataFrame | None, UnitArticles | None]:
    """Read one corpus unit, split it into paragraphs and predict them with scikit-learn."""
    articles = unit.articles(columns)
    kept, _ = unit_paragraphs(articles, paragraphs=paragraphs)
    found = None
    if kept:
        frame = pd.DataFrame(kept, columns=PARAGRAPH_COLUMNS)
        found = predict_frame(model, frame, terms=terms, engine="sklearn")
    part = unit_summary(spec, articles, kept, None if found is None else found.to_dict("list"), paragraphs)
    return article_keys(articles), found, part


def _scored(model: FramingModel, units: Iterator[CorpusUnit], *, columns: Columns, paragraphs: bool, terms: int,
            engine: str, workers: int, spec: ArticleSpec | None = None
            ) -> Iterator[tuple[CorpusUnit, list, dict | pd.DataFrame | None, UnitArticles | None]]:
    """``(unit, article keys, predictions, article partial)`` in corpus order, computed here or by
    ``workers`` processes.

    Workers read Parquet row groups themselves (no text goes through a pipe) and, with the fast
    engine, receive the compiled :class:`~framing.model.lean.LeanModel` (numpy arrays: no scikit-learn,
    no pickled pipelines) and return plain columns, which this process turns into DataFrames; with
    ``spec``, they also summarise their unit's articles (:mod:`framing.model.articles`)."""
    run: Callable = (UnitTask(LeanModel.from_model(model), columns, paragraphs, terms, spec) if engine == "fast" else
                     functools.partial(_sklearn_unit, model, columns=columns, paragraphs=paragraphs, terms=terms,
                                       spec=spec))
    if workers == 1:
        for unit in units:
            yield unit, *run(unit)
        return
    for unit, result in in_workers(run, units, workers):
        yield unit, *result


def _frame(found: dict | pd.DataFrame | None) -> pd.DataFrame | None:
    return pd.DataFrame(found) if isinstance(found, dict) else found


@dataclass
class ArticleView:
    """A few articles predicted whole, for reading: the article table (:func:`predict_articles`), the
    paragraph predictions with their ``text``, the article rules and the model's dimensions."""
    articles: pd.DataFrame
    paragraphs: pd.DataFrame
    rules: dict[str, str]
    dimensions: list[tuple[str, list[str], bool]]  # (name, labels, multi-label)

    def records(self) -> list[dict]:
        """One JSON-ready dict per article: metadata, per dimension its decision, shares and
        supporting paragraphs, and its paragraphs with their tags, probabilities, terms and evidence."""
        out = []
        by_article = dict(iter(self.paragraphs.groupby("article_id", sort=False))) if len(self.paragraphs) else {}
        for a in self.articles.to_dict("records"):
            dims = {}
            for name, labels, multi in self.dimensions:
                decided = [v for v in str(a[name]).split("|") if v]
                dims[name] = {"decision": decided if multi else (decided[0] if decided else None),
                              "rule": self.rules[name],
                              "share": {lab: round(float(a[f"{name}:{lab}"]), 4) for lab in labels},
                              "supporting_paragraph": supporting(a[f"{name}__paragraphs"])}
            paragraphs = []
            rows = by_article.get(a["article_id"])
            for p in ([] if rows is None else rows.to_dict("records")):
                tags = {}
                for name, labels, multi in self.dimensions:
                    value = [v for v in str(p[name]).split("|") if v]
                    tags[name] = {"labels": value if multi else value[0],
                                  "probability": {lab: round(float(p[f"{name}:{lab}"]), 4) for lab in labels},
                                  "terms": [t for t in str(p.get(f"{name}__terms", "") or "").split("; ") if t]}
                    if f"{name}__evidence" in p:
                        tags[name]["evidence"] = _evidence(p[f"{name}__evidence"])
                paragraphs.append({"paragraph_id": p["paragraph_id"], "p_index": int(p["p_index"]),
                                   "text": p.get("text"), "tags": tags})
            out.append({"article_id": a["article_id"], "title": a["title"] or None, "outlet": a["outlet"],
                        "date": a["date"] or None, "paragraphs": int(a["paragraphs"]), "dimensions": dims,
                        "paragraph_predictions": paragraphs})
        return out


def _evidence(value: object) -> dict[str, str]:
    """``{label: phrase}`` from an ``__evidence`` cell (``label: phrase; ...``)."""
    pairs = (item.split(": ", 1) for item in str(value or "").split("; ") if ": " in item)
    return {label: phrase for label, phrase in pairs}


def count_articles(source: str | Path, *, columns: Columns = Columns(), paragraphs: bool = False,
                   chunk_size: int = 5_000, stop: int | None = None, on_skip: OnSkip | None = None) -> int:
    """Articles in ``source`` (paragraph rows: distinct article ids), counting no further than ``stop``."""
    seen: set[str] = set()
    for unit in iter_corpus_units(source, chunk_size=chunk_size, on_skip=on_skip):
        for article in unit.articles(columns):
            seen.add(str(article.get("article") or article["id"]) if paragraphs else str(article["id"]))
            if stop is not None and len(seen) >= stop:
                return len(seen)
    return len(seen)


def preview(model: FramingModel, source: str | Path, *, columns: Columns = Columns(), paragraphs: bool = False,
            terms: int = 3, engine: str = "fast", limit: int | None = None,
            on_skip: OnSkip | None = None) -> ArticleView:
    """Predict a handful of articles whole, for the terminal (``framing predict`` without ``--out``).

    ``limit`` (default: the model config's ``articles.show_max``) caps the articles: more raise a
    :class:`~framing.errors.CorpusError` that asks for ``--out``, since a bigger corpus is for files.
    """
    _check_run(engine, 1)
    settings = getattr(model.config, "articles", None)
    limit = limit or getattr(settings, "show_max", 20)
    if count_articles(source, columns=columns, paragraphs=paragraphs, stop=limit + 1, on_skip=on_skip) > limit:
        raise CorpusError(f"more than {limit} articles: the terminal view shows at most {limit} "
                          "(articles.show_max in the config)", path=source,
                          fix="write the predictions to a file with --out FILE, and one row per article with --articles FILE")
    spec = ArticleSpec.from_model(model)
    frames, tables = [], []
    for frame, finished in _stream(model, source, columns=columns, paragraphs=paragraphs, chunk_size=limit + 1,
                                   terms=terms, engine=engine, workers=1, spec=spec, on_skip=on_skip):
        if frame is not None:
            frames.append(frame)
        if finished is not None:
            tables.append(finished)
    table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=_article_columns(spec))
    found = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=[*META_COLUMNS, "text_sha1"])
    if len(found):
        from framing.corpus.read import read_paragraphs

        texts = read_paragraphs(source, columns=columns, paragraphs=paragraphs,
                                on_skip=on_skip)[["paragraph_id", "text"]]
        found = found.merge(texts.drop_duplicates("paragraph_id"), on="paragraph_id", how="left")
    return ArticleView(table, found, spec.rules(), [(d.name, list(d.labels), d.multi) for d in spec.dims])
