"""Tag new articles: stream paragraphs through a trained model in bounded memory."""

from __future__ import annotations

import functools
import hashlib
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from framing.corpus import (PARAGRAPH_COLUMNS, Columns, CorpusUnit, SeenIds, article_keys, check_ids,
                            iter_corpus_units, unit_paragraphs)
from framing.errors import CorpusError, ModelError
from framing.explain import top_terms
from framing.fastpath import FastScorer
from framing.attribution import Reading
from framing.lean import META_COLUMNS, LeanModel, UnitTask, evidence_column, predict_columns, worker_init, worker_run
from framing.model import FramingModel, attribution_analyzer

OUTPUT_SUFFIXES = (".csv", ".jsonl", ".parquet")
ID_COLUMNS = ["article_id", "outlet", "date", "collection", "p_index", "paragraph_id", "text_sha1"]


ENGINES = ("fast", "sklearn")


def predict_frame(model: FramingModel, paragraphs: pd.DataFrame, *, terms: int = 3, engine: str = "fast",
                  scorer: LeanModel | FastScorer | None = None) -> pd.DataFrame:
    """Predictions for a DataFrame of paragraphs (as :func:`framing.corpus.iter_paragraph_chunks` yields).

    Columns: ids and metadata, ``dim:label`` probabilities, ``dim`` predicted values and,
    when ``terms`` > 0, ``dim__terms`` with the top contributing terms of the predicted labels.
    ``engine="fast"`` (default) gives the same output as ``"sklearn"``, faster (:mod:`framing.fastpath`,
    :mod:`framing.lean`); pass a ``scorer`` (a :class:`~framing.lean.LeanModel`) built once to avoid
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
            if dim_model.multi:
                cut = np.array([model.thresholds[name][lab] for lab in dim_model.labels_])
                masked = np.where(proba >= cut, proba, -1.0)
                index = np.where(masked.max(axis=1) >= 0, masked.argmax(axis=1), -1)
            else:
                index = proba.argmax(axis=1)
            columns[f"{name}__terms"] = top_terms(dim_model, X, index, k=terms)
    return pd.concat([out, pd.DataFrame(columns)], axis=1)


class _Writer:
    """Append prediction chunks to a CSV, JSONL or Parquet file, then move it into place."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tmp = path.with_name(f".{path.name}.partial")
        self.suffix = path.suffix.lower()
        self._parquet = None
        self.rows = 0

    def write(self, frame: pd.DataFrame) -> None:
        if self.suffix == ".parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pandas(frame, preserve_index=False)
            if self._parquet is None:
                self._parquet = pq.ParquetWriter(self.tmp, table.schema)
            self._parquet.write_table(table.cast(self._parquet.schema))
        elif self.suffix == ".csv":
            frame.to_csv(self.tmp, mode="a", header=self.rows == 0, index=False)
        else:
            text = frame.to_json(orient="records", lines=True, force_ascii=False)
            with open(self.tmp, "a", encoding="utf-8") as handle:
                handle.write(text if text.endswith("\n") or not text else text + "\n")
        self.rows += len(frame)

    def close(self) -> None:
        if self._parquet is not None:
            self._parquet.close()
        if self.rows == 0:
            self.tmp.touch()
        os.replace(self.tmp, self.path)

    def abort(self) -> None:
        if self._parquet is not None:
            self._parquet.close()
        self.tmp.unlink(missing_ok=True)


def predict_file(model: FramingModel, source: str | Path, output: str | Path, *,
                 columns: Columns = Columns(), paragraphs: bool = False, chunk_size: int = 5_000,
                 terms: int = 3, progress: Callable[[int], None] | None = None, engine: str = "fast",
                 workers: int = 1, keep_text: bool = False) -> int:
    """Tag every paragraph of ``source`` (a folder or a table) and write ``output``.

    The input is read and the output written chunk by chunk, so memory stays flat; the output
    appears (atomically) only when the run completes. With ``workers`` > 1, chunks are scored by
    that many spawned processes (each receives the model once) and written in input order, so the
    output does not depend on ``workers`` or ``chunk_size``. ``keep_text``: a ``text`` column too,
    so that a report can show the words and paragraphs behind its shares for articles outside the
    project's corpus. Returns the number of paragraphs written.
    """
    output = Path(output)
    if output.suffix.lower() not in OUTPUT_SUFFIXES:
        raise CorpusError(f"unsupported output type {output.suffix!r}", path=output,
                          fix="name the output .csv, .jsonl or .parquet")
    if engine not in ENGINES:
        raise ModelError(f"unknown engine {engine!r}", fix="use " + " or ".join(ENGINES))
    if workers < 1:
        raise ModelError(f"workers must be at least 1 (got {workers})", fix="pass --workers 1 or more")
    output.parent.mkdir(parents=True, exist_ok=True)
    writer = _Writer(output)
    writer.tmp.unlink(missing_ok=True)
    seen = SeenIds()
    units = iter_corpus_units(source, chunk_size=chunk_size)
    try:
        for unit, keys, frame in _scored(model, units, columns=columns, paragraphs=paragraphs, terms=terms,
                                         engine=engine, workers=workers):
            check_ids(seen, unit.file, keys)
            if frame is not None and keep_text:
                frame = _with_text(frame, unit, columns, paragraphs)
            if frame is not None:
                writer.write(frame)
                if progress is not None:
                    progress(len(frame))
    except BaseException:
        writer.abort()
        raise
    writer.close()
    return writer.rows


def _with_text(frame: pd.DataFrame, unit: CorpusUnit, columns: Columns, paragraphs: bool) -> pd.DataFrame:
    """The unit's paragraph texts beside its predictions (read again here: workers return no text)."""
    kept, _ = unit_paragraphs(unit.articles(columns), paragraphs=paragraphs)
    texts = {row["paragraph_id"]: row["text"] for row in kept}
    return frame.assign(text=frame["paragraph_id"].map(texts))


def _sklearn_unit(model: FramingModel, unit: CorpusUnit, columns: Columns, paragraphs: bool,
                  terms: int) -> tuple[list, pd.DataFrame | None]:
    """Read one corpus unit, split it into paragraphs and predict them with scikit-learn."""
    articles = unit.articles(columns)
    kept, _ = unit_paragraphs(articles, paragraphs=paragraphs)
    if not kept:
        return article_keys(articles), None
    frame = pd.DataFrame(kept, columns=PARAGRAPH_COLUMNS)
    return article_keys(articles), predict_frame(model, frame, terms=terms, engine="sklearn")


def _scored(model: FramingModel, units: Iterator[CorpusUnit], *, columns: Columns, paragraphs: bool, terms: int,
            engine: str, workers: int) -> Iterator[tuple[CorpusUnit, list, pd.DataFrame | None]]:
    """``(unit, article keys, predictions)`` in corpus order, computed here or by ``workers`` processes.

    Workers read Parquet row groups themselves (no text goes through a pipe) and, with the fast
    engine, receive the compiled :class:`~framing.lean.LeanModel` (numpy arrays: no scikit-learn,
    no pickled pipelines) and return plain columns, which this process turns into DataFrames."""
    run: Callable = (UnitTask(LeanModel.from_model(model), columns, paragraphs, terms) if engine == "fast" else
                     functools.partial(_sklearn_unit, model, columns=columns, paragraphs=paragraphs, terms=terms))
    if workers == 1:
        for unit in units:
            keys, found = run(unit)
            yield unit, keys, _frame(found)
        return
    context = multiprocessing.get_context("spawn")
    with context.Pool(workers, initializer=worker_init, initargs=(run,)) as pool:
        pending: deque = deque()
        try:
            for unit in units:
                pending.append((unit, pool.apply_async(worker_run, (unit,))))
                while len(pending) > 2 * workers:  # bounded: memory stays flat
                    done, result = pending.popleft()
                    keys, found = result.get()
                    yield done, keys, _frame(found)
            while pending:
                done, result = pending.popleft()
                keys, found = result.get()
                yield done, keys, _frame(found)
        finally:
            pool.terminate()


def _frame(found: dict | pd.DataFrame | None) -> pd.DataFrame | None:
    return pd.DataFrame(found) if isinstance(found, dict) else found


def read_predictions(path: str | Path) -> pd.DataFrame:
    """Read a predictions (or any) table written by framing."""
    path = Path(path)
    if not path.is_file():
        raise CorpusError("no such file", path=path, fix="run `framing predict` first or check the path")
    if path.suffix.lower() == ".parquet":
        return pd.read_parquet(path)
    if path.suffix.lower() == ".csv":
        # Keep empty strings: an empty multi-label prediction means "no label", not "missing".
        return pd.read_csv(path, keep_default_na=False, dtype={"date": str, "article_id": str, "paragraph_id": str})
    if path.suffix.lower() == ".jsonl":
        return pd.read_json(path, lines=True, dtype=False)
    raise CorpusError(f"unsupported table type {path.suffix!r}", path=path, fix="use .csv, .jsonl or .parquet")
