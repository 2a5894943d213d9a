"""Tag new articles: stream paragraphs through a trained model in bounded memory."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from framing.corpus import Columns, iter_paragraph_chunks
from framing.errors import CorpusError
from framing.explain import top_terms
from framing.model import FramingModel

OUTPUT_SUFFIXES = (".csv", ".jsonl", ".parquet")
ID_COLUMNS = ["article_id", "outlet", "date", "collection", "p_index", "paragraph_id", "text_sha1"]


def predict_frame(model: FramingModel, paragraphs: pd.DataFrame, *, terms: int = 3) -> pd.DataFrame:
    """Predictions for a DataFrame of paragraphs (as :func:`framing.corpus.iter_paragraph_chunks` yields).

    Columns: ids and metadata, ``dim:label`` probabilities, ``dim`` predicted values and,
    when ``terms`` > 0, ``dim__terms`` with the top contributing terms of the predicted labels.
    """
    texts = paragraphs["text"].tolist()
    out = paragraphs[["article_id", "outlet", "date", "collection", "p_index", "paragraph_id"]].reset_index(drop=True).copy()
    out["text_sha1"] = [hashlib.sha1(t.encode("utf-8")).hexdigest()[:8] for t in texts]
    for name, dim_model in model.dimensions.items():
        X = dim_model.transform(texts)
        proba = dim_model.proba_from_features(X)
        for j, label in enumerate(dim_model.labels_):
            out[f"{name}:{label}"] = proba[:, j]
        decided = model.decide(name, proba)
        out[name] = decided
        if terms > 0:
            if dim_model.multi:
                cut = np.array([model.thresholds[name][lab] for lab in dim_model.labels_])
                masked = np.where(proba >= cut, proba, -1.0)
                index = np.where(masked.max(axis=1) >= 0, masked.argmax(axis=1), -1)
            else:
                index = proba.argmax(axis=1)
            out[f"{name}__terms"] = top_terms(dim_model, X, index, k=terms)
    return out


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
                 terms: int = 3, progress: Callable[[int], None] | None = None) -> int:
    """Tag every paragraph of ``source`` (a folder or a table) and write ``output``.

    The input is read and the output written chunk by chunk, so memory stays flat; the output
    appears (atomically) only when the run completes. Returns the number of paragraphs written.
    """
    output = Path(output)
    if output.suffix.lower() not in OUTPUT_SUFFIXES:
        raise CorpusError(f"unsupported output type {output.suffix!r}", path=output,
                          fix="name the output .csv, .jsonl or .parquet")
    output.parent.mkdir(parents=True, exist_ok=True)
    writer = _Writer(output)
    writer.tmp.unlink(missing_ok=True)
    try:
        for chunk in iter_paragraph_chunks(source, columns=columns, chunk_size=chunk_size, paragraphs=paragraphs):
            writer.write(predict_frame(model, chunk, terms=terms))
            if progress is not None:
                progress(len(chunk))
    except BaseException:
        writer.abort()
        raise
    writer.close()
    return writer.rows


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
