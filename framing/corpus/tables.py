"""Tables of articles or paragraphs (``.jsonl``, ``.csv``, ``.parquet``) read in chunks, their
columns and encodings, and tables written by framing read back."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from framing._io import json_object
from framing.corpus.text import _clean
from framing.decode import sample_encoding
from framing.errors import CorpusError


TABLE_SUFFIXES = (".jsonl", ".csv", ".parquet")



@dataclass(frozen=True)
class Columns:
    """Names of the input table's columns (map yours with the CLI's ``--*-col`` options)."""

    id: str = "id"
    text: str = "text"
    outlet: str = "outlet"
    date: str = "date"
    title: str = "title"
    url: str = "url"
    article: str = "article_id"  # rows that are paragraphs: the article (group) each belongs to
    # Roles (field names above) whose column must be in the table: the ones named on purpose
    # (the CLI's --*-col options given). The text column always must; others are optional.
    required: tuple[str, ...] = ()



def iter_table(path: Path, *, chunk_size: int = 10_000, columns: Iterable[str] | None = None) -> Iterator[pd.DataFrame]:
    """Yield a ``.jsonl``/``.csv``/``.parquet`` table in chunks of at most ``chunk_size`` rows."""
    suffix = path.suffix.lower()
    wanted = list(columns) if columns is not None else None
    try:
        if suffix == ".parquet":
            import pyarrow.parquet as pq

            parquet = pq.ParquetFile(path)
            present = [c for c in (wanted or parquet.schema_arrow.names) if c in parquet.schema_arrow.names]
            # Whole row groups, sliced: iter_batches grows memory with every batch (pyarrow 26).
            for group in range(parquet.num_row_groups):
                table = parquet.read_row_group(group, columns=present)
                for start in range(0, table.num_rows, chunk_size):
                    yield table.slice(start, chunk_size).to_pandas()
                del table
        elif suffix == ".csv":
            encoding = table_encoding(path)
            _check_first_row(path, encoding)
            # index_col=False: a row with more fields than the header is an error, not an index
            with pd.read_csv(path, chunksize=chunk_size, dtype=str, keep_default_na=False, encoding=encoding,
                             index_col=False, usecols=(lambda c: c in wanted) if wanted else None) as reader:
                yield from reader
        elif suffix == ".jsonl":
            yield from _iter_jsonl(path, chunk_size)
        else:
            raise CorpusError(f"unsupported table type {suffix!r}", path=path,
                              fix="use .jsonl, .csv or .parquet")
    except CorpusError:
        raise
    except UnicodeDecodeError as exc:
        raise _undecodable(path, exc) from None
    except pd.errors.ParserError as exc:
        raise _unparsable(path, exc) from None
    except (pd.errors.EmptyDataError, UnicodeError, OSError, ValueError) as exc:
        raise CorpusError(f"cannot read table ({exc})", path=path,
                          fix="check the file is a valid, UTF-8 " + suffix.lstrip(".").upper()) from None
    except Exception as exc:  # pyarrow raises its own error types
        if type(exc).__module__.startswith("pyarrow"):
            raise CorpusError(f"cannot read Parquet ({exc})", path=path,
                              fix="check the file is a complete Parquet file") from None
        raise



def table_encoding(path: Path, sample: int = 65_536) -> str:
    """The encoding of a CSV/JSONL table, judged from its first ``sample`` bytes."""
    with open(path, "rb") as handle:
        return sample_encoding(handle.read(sample), path=path)



def _check_first_row(path: Path, encoding: str) -> None:
    """Refuse a CSV whose first row has more fields than its header: pandas would make the first
    fields an index and shift every value into the wrong column."""
    with open(path, encoding=encoding, newline="") as handle:
        reader = csv.reader(handle)
        try:
            header = next(reader, [])
            first = next((row for row in reader if row), None)
        except csv.Error:  # an unclosed quote: pandas says so
            return
        if first is not None and len(first) > len(header):
            raise CorpusError(f"{len(first)} fields where the header has {len(header)}", path=path,
                              line=reader.line_num, fix="quote values that hold commas, or remove the extra fields")


def _unparsable(path: Path, exc: Exception) -> CorpusError:
    """pandas' tokenizer error as ``FILE:LINE: what``."""
    found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
    if found:
        expected, line, saw = map(int, found.groups())
        return CorpusError(f"{saw} fields where the header has {expected}", path=path, line=line,
                           fix="quote values that hold commas, or remove the extra fields")
    return CorpusError(f"cannot read table ({' '.join(str(exc).split())})", path=path,
                       fix="check the file is a valid CSV (quotes closed, one header line)")


def _undecodable(path: Path, exc: UnicodeDecodeError) -> CorpusError:
    """The error for a table that stops decoding part-way, naming the line of the first bad byte
    (the decoder's own position is inside some block of the file)."""
    name = exc.encoding.upper()
    found = None if name.startswith(("UTF-16", "UTF-32")) else _bad_line(path, exc.encoding)
    if found is None:
        return CorpusError(f"byte 0x{exc.object[exc.start:exc.start + 1].hex().upper()} is not {name}", path=path,
                           fix=f"save the file as {name}")
    number, byte = found
    return CorpusError(f"byte 0x{byte} is not {name} (the lines before it are)", path=path, line=number,
                       fix=f"save the file as {name}: this line holds text in another encoding")


def _bad_line(path: Path, encoding: str) -> tuple[int, str] | None:
    """The number of the first line of ``path`` that ``encoding`` cannot decode, and its bad byte."""
    with open(path, "rb") as handle:
        for number, line in enumerate(handle, 1):
            try:
                line.decode(encoding)
            except UnicodeDecodeError as exc:
                return number, line[exc.start:exc.start + 1].hex().upper()
    return None


def _iter_jsonl(path: Path, chunk_size: int) -> Iterator[pd.DataFrame]:
    rows: list[dict] = []
    with open(path, encoding=table_encoding(path)) as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            rows.append(json_object(line, path=path, number=number, error=CorpusError,
                                    fix="each line must be one JSON object",
                                    example='one object per line, e.g. {"id": ..., "text": ...}'))
            if len(rows) >= chunk_size:
                yield pd.DataFrame(rows)
                rows = []
    if rows:
        yield pd.DataFrame(rows)



def _chunk_articles(chunk: pd.DataFrame, path: Path, cols: Columns, offset: int, collection: str) -> list[dict]:
    """Article dicts of one chunk of a table (``offset`` rows of the table come before it)."""
    return _row_articles(chunk.to_dict("records"), list(chunk.columns), path, cols, offset, collection)



def _row_articles(rows: list[dict], names: list, path: Path, cols: Columns, offset: int,
                  collection: str) -> list[dict]:
    """Article dicts of table rows (dicts keyed by the column ``names``)."""
    for role in ("text", *cols.required):
        if getattr(cols, role) not in names:
            sep = next((f"; the file seems to be separated by {s!r}" for s in ";\t|" if len(names) == 1
                        and s in str(names[0])), "")
            raise CorpusError(f"no {role} column {getattr(cols, role)!r} (columns: {', '.join(map(str, names))}{sep})",
                              path=path, fix=f"name the {role} column with --{role}-col")
    out = []
    for i, row in enumerate(rows):
        number = offset + i + 1
        _check_cell(row.get(cols.text), cols.text, "--text-col", (str,), path, number)
        _check_cell(row.get(cols.id), cols.id, "--id-col", (str, int, float), path, number)
        ident = _clean(row.get(cols.id)) if cols.id in row else None
        out.append({
            "id": ident or f"{path.stem}-{number}",
            "text": row.get(cols.text),
            "outlet": row.get(cols.outlet),
            "date": row.get(cols.date),
            "title": row.get(cols.title),
            "url": row.get(cols.url),
            "article": _clean(row.get(cols.article)) if cols.article in row else None,
            "collection": collection,
            "_row": number,
        })
    return out



_KINDS = {bool: "true/false", int: "a number", float: "a number", bytes: "bytes", dict: "an object"}


def _check_cell(value: object, column: str, option: str, allowed: tuple[type, ...], path: Path, number: int) -> None:
    """Refuse a table cell of a type that is not text (a number, a list, bytes) where text must be:
    ``str()`` of it would be scored as if it were words, and a number read as a share counter."""
    if value is None or isinstance(value, float) and pd.isna(value):
        return
    if isinstance(value, allowed) and not isinstance(value, bool):
        return
    kind = _KINDS.get(type(value)) or ("a list" if hasattr(value, "__len__") else type(value).__name__)
    shown = repr(value.tolist() if hasattr(value, "tolist") else value)
    raise CorpusError(f"row {number}: column {column!r} holds {kind} ({shown[:40]}), not text", path=path,
                      fix=f"store column {column!r} as text (strings), or name another column with {option}")


def read_predictions(path: str | Path) -> pd.DataFrame:
    """Read a predictions (or any) table written by framing."""
    path = Path(path)
    if not path.is_file():
        raise CorpusError("no such file", path=path, fix="run `framing predict` first or check the path")
    suffix = path.suffix.lower()
    if suffix not in (".parquet", ".csv", ".jsonl"):
        raise CorpusError(f"unsupported table type {path.suffix!r}", path=path, fix="use .csv, .jsonl or .parquet")
    try:
        if suffix == ".parquet":
            frame = pd.read_parquet(path)
        elif suffix == ".csv":
            # Keep empty strings: an empty multi-label prediction means "no label", not "missing".
            frame = pd.read_csv(path, keep_default_na=False, dtype={"date": str, "article_id": str, "paragraph_id": str})
        else:
            frame = pd.read_json(path, lines=True, dtype=False)
    except pd.errors.EmptyDataError:
        raise CorpusError("the file is empty", path=path, fix="run `framing predict ... --out FILE` again") from None
    except (pd.errors.ParserError, UnicodeError, ValueError, OSError) as exc:
        raise CorpusError(f"cannot read the table ({' '.join(str(exc).split())[:200]})", path=path,
                          fix=f"give a {suffix} file written by `framing predict`") from None
    except Exception as exc:  # pyarrow raises its own error types
        if type(exc).__module__.startswith("pyarrow"):
            raise CorpusError(f"cannot read Parquet ({' '.join(str(exc).split())[:200]})", path=path,
                              fix="give a complete Parquet file written by `framing predict`") from None
        raise
    if frame.empty and not len(frame.columns):
        raise CorpusError("the file holds no table", path=path, fix="run `framing predict ... --out FILE` again")
    return frame
