"""Read articles, split them into paragraphs, drop boilerplate, give paragraphs stable ids.

Inputs
------
* a folder (searched recursively) of ``.txt`` / ``.md`` articles, each optionally opening with a
  metadata header between ``---`` lines (``id``, ``title``, ``outlet``, ``date``, ``url``), of
  ``.html`` pages (paragraphs from the page's text blocks) and of tables;
* a table (``.jsonl``, ``.csv``, ``.parquet``) with one article per row, read in chunks.
  Column names are mapped with :class:`Columns`. With ``paragraphs=True`` the rows already are
  paragraphs: they are not split and the input's id column becomes the paragraph id.

Every paragraph gets ``paragraph_id = <article id>:<index>:<8 hex of the text's SHA-1>``, where
the index counts the article's raw paragraphs before boilerplate is dropped, so the id survives
re-reading and changes only if the paragraph's own text changes.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from framing.config import ExperimentConfig
from framing.config_checks import check_collections
from framing.corpus.documents import DOC_SUFFIXES, _NOT_ARTICLES, parse_document
from framing.corpus.tables import Columns, TABLE_SUFFIXES, _chunk_articles, _row_articles, iter_table, table_encoding
from framing.corpus.text import PARAGRAPH_COLUMNS, article_paragraphs
from framing.decode import NotTextError, read_text
from framing.errors import CorpusError, FramingWarning

if TYPE_CHECKING:
    import pyarrow as pa


@dataclass
class CorpusUnit:
    """A piece of the corpus that becomes articles on its own, in this process or another: one
    document, a chunk of a CSV/JSONL table (``frame``), or a slice of a Parquet row group (read
    when needed, so that a worker process can read it itself)."""
    file: Path
    collection: str | None = None        # None: a document
    root: Path | None = None
    frame: pd.DataFrame | None = None
    group: int = -1
    start: int = 0
    length: int = 0
    offset: int = 0
    text: str | None = None              # a document's text, when it was read already
    parts: list[CorpusUnit] | None = None  # documents scored together (one article each)

    @property
    def files(self) -> Path | list[Path]:
        """The file of each article of a batch of documents, else the unit's file."""
        return [part.file for part in self.parts] if self.parts is not None else self.file

    def articles(self, cols: Columns) -> list[dict]:
        if self.parts is not None:
            return [article for part in self.parts for article in part.articles(cols)]
        if self.collection is None:
            return [parse_document(self.file, root=self.root, text=self.text)]
        if self.frame is not None:
            return _chunk_articles(self.frame, self.file, cols, self.offset, self.collection)
        import pyarrow as pa

        table = self._read_parquet()
        if all(pa.types.is_string(t) or pa.types.is_large_string(t) for t in table.schema.types):
            # strings only: the same values as through pandas (str or missing), ~10x faster
            return _row_articles(table.to_pylist(), table.column_names, self.file, cols, self.offset, self.collection)
        return _chunk_articles(table.to_pandas(), self.file, cols, self.offset, self.collection)

    def _read_parquet(self) -> pa.Table:
        import pyarrow.parquet as pq

        try:
            table = pq.ParquetFile(self.file).read_row_group(self.group)
        except Exception as exc:  # pyarrow raises its own error types
            raise CorpusError(f"cannot read Parquet ({exc})", path=self.file,
                              fix="check the file is a complete Parquet file") from None
        return table.slice(self.start, self.length)



def _table_units(path: Path, chunk_size: int, collection: str) -> Iterator[CorpusUnit]:
    if path.suffix.lower() != ".parquet":
        offset = 0
        for chunk in iter_table(path, chunk_size=chunk_size):
            yield CorpusUnit(path, collection, frame=chunk, offset=offset)
            offset += len(chunk)
        return
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(path).metadata
    except Exception as exc:
        raise CorpusError(f"cannot read Parquet ({exc})", path=path,
                          fix="check the file is a complete Parquet file") from None
    offset = 0
    for group in range(meta.num_row_groups):
        rows = meta.row_group(group).num_rows
        for start in range(0, rows, chunk_size):
            yield CorpusUnit(path, collection, group=group, start=start, length=min(chunk_size, rows - start),
                             offset=offset + start)
        offset += rows



def corpus_files(path: str | Path) -> list[Path]:
    """The article documents and tables a corpus path stands for, in a stable order."""
    path = Path(path)
    if not path.exists():
        raise CorpusError("no such file or folder", path=path, fix="check the corpus path")
    if path.is_file():
        if path.suffix.lower() not in TABLE_SUFFIXES + DOC_SUFFIXES:
            raise CorpusError(f"unsupported file type {path.suffix!r}", path=path,
                              fix="use a folder of .txt/.md/.html files or a .jsonl/.csv/.parquet table")
        return [path]
    files = sorted(p for p in path.rglob("*")
                   if p.is_file() and p.suffix.lower() in TABLE_SUFFIXES + DOC_SUFFIXES
                   and not _NOT_ARTICLES.match(p.name)
                   and not any(part.startswith((".", "_")) for part in p.relative_to(path).parts))
    if not files:
        raise CorpusError("no articles found (.txt, .md, .html, .jsonl, .csv, .parquet)", path=path,
                          fix="point at a folder of articles or at a table")
    return files



class SeenIds:
    """The article ids read so far, in 8 bytes each (64-bit hashes in a sorted array), so that
    checking for duplicates does not grow memory by a Python string per article (a false alarm
    would need two ids with the same 64-bit hash)."""

    def __init__(self) -> None:
        self.hashes = np.zeros(0, dtype=np.int64)
        self.where = np.zeros(0, dtype=np.int32)
        self.files: list[Path] = []

    def add(self, idents: list[str], file: Path | list[Path]) -> list[Path | None]:
        """Record ``idents`` (read from ``file``, or each from its own file); per ident, the file that
        used it before, or None."""
        own = isinstance(file, list)
        if own:
            self.files.extend(file)
        else:
            self.files.append(file)
        keys = np.fromiter((hash(i) for i in idents), dtype=np.int64, count=len(idents))
        pos = np.minimum(np.searchsorted(self.hashes, keys), max(len(self.hashes) - 1, 0))
        hit = (self.hashes[pos] == keys) if len(self.hashes) else np.zeros(len(keys), dtype=bool)
        earlier: list[Path | None] = [self.files[self.where[p]] if h else None for p, h in zip(pos.tolist(), hit.tolist())]
        first: dict[str, int] = {}
        for i, ident in enumerate(idents):  # repeats within this batch
            if first.setdefault(ident, i) != i and earlier[i] is None:
                earlier[i] = file[first[ident]] if own else file
        where = np.arange(len(self.files) - len(idents), len(self.files)) if own else np.full(len(idents), len(self.files) - 1)
        order = np.argsort(keys, kind="stable")  # merge into the sorted array: linear, not a full sort per batch
        at = np.searchsorted(self.hashes, keys[order])
        self.hashes = np.insert(self.hashes, at, keys[order])
        self.where = np.insert(self.where, at, where[order])
        return earlier



OnSkip = Callable[[Path, str], None]



def iter_corpus_units(path: str | Path, *, chunk_size: int = 10_000, on_skip: OnSkip | None = None,
                      on_file: Callable[[Path], None] | None = None) -> Iterator[CorpusUnit]:
    """The corpus as :class:`CorpusUnit` pieces of at most ``chunk_size`` articles, in corpus order.

    A file of a folder that is not text (a PDF or image saved as ``.html``, binary junk) is passed
    to ``on_skip(file, reason)`` and left out; without ``on_skip`` it raises
    :class:`framing.decode.NotTextError` (the ``--strict`` behaviour). A corpus given as one file
    always raises. An article file of a folder with no text (empty, blank, a header alone) is passed
    to ``on_skip`` and left out too; without ``on_skip`` it is read, an article without paragraphs.
    ``on_file`` is called with each file as its reading starts (for progress).
    """
    root = Path(path)
    batch: list[CorpusUnit] = []  # consecutive documents, up to chunk_size of them
    for file in corpus_files(root):
        if on_file is not None:
            on_file(file)
        try:
            if file.suffix.lower() in TABLE_SUFFIXES:
                yield from _batch(batch)
                batch = []
                rel = file.relative_to(root) if root.is_dir() else Path(file.name)
                if file.suffix.lower() != ".parquet":
                    table_encoding(file)  # refuse a non-text table before any of its rows is used
                yield from _table_units(file, chunk_size, rel.parts[0] if len(rel.parts) > 1 else file.stem)
            else:
                text = read_text(file)
                empty = _no_text(file, text) if on_skip is not None and root.is_dir() else None
                if empty:
                    on_skip(file, empty)
                    continue
                batch.append(CorpusUnit(file, root=root if root.is_dir() else None, text=text))
                if len(batch) >= chunk_size:
                    yield from _batch(batch)
                    batch = []
        except NotTextError as exc:
            if on_skip is None or not root.is_dir():
                raise
            on_skip(file, exc.what)
    yield from _batch(batch)


def _batch(documents: list[CorpusUnit]) -> Iterator[CorpusUnit]:
    """Documents as one unit (scored and written together: one per file costs a call and a write each)."""
    if len(documents) == 1:
        yield documents[0]
    elif documents:
        yield CorpusUnit(documents[0].file, parts=documents)



def _no_text(file: Path, text: str) -> str | None:
    """Why an article document holds no article text (empty, blank, a header alone), or None. (An
    HTML page is parsed only where it is read: here only a blank one counts.)"""
    if not text.strip():
        return "no article text: the file is " + ("empty" if not text else "blank")
    if file.suffix.lower() in (".html", ".htm"):
        return None
    try:
        body = parse_document(file, text=text)["text"]
    except CorpusError:  # a malformed header: said where the article is read
        return None
    return None if body.strip() else "no article text: a header and nothing after it"



def unit_paragraphs(articles: list[dict], *, paragraphs: bool = False) -> tuple[list[dict], list[dict]]:
    """Kept paragraphs and dropped boilerplate of some articles (rows are paragraphs when ``paragraphs``)."""
    kept: list[dict] = []
    dropped: list[dict] = []
    for article in articles:
        if paragraphs:
            k, d = article_paragraphs(article, split=False)
            for row in k:
                row["paragraph_id"] = row["article_id"]
                row["article_id"] = article.get("article") or row["article_id"]
        else:
            k, d = article_paragraphs(article)
        kept.extend(k)
        dropped.extend(d)
    return kept, dropped



def check_ids(seen: SeenIds, file: Path | list[Path], articles: list[tuple[str, int | None]],
              unit: str = "article") -> None:
    """Refuse an id (``(id, table row or None)`` pairs, read from ``file`` or each from its own) that
    an earlier ``unit`` (article, or paragraph where rows are paragraphs) used."""
    earlier = seen.add([ident for ident, _ in articles], file)
    for i, ((ident, row), used_by) in enumerate(zip(articles, earlier)):
        if used_by is not None:
            where = f"row {row}" if row is not None else "header"
            raise CorpusError(f"{unit} id {ident!r} ({where}) is already used by {used_by}",
                              path=file[i] if isinstance(file, list) else file, line=row,
                              fix=f"give every {unit} a unique id")


class ParagraphNumbers:
    """``p_index`` of rows that are paragraphs: their order within their article, in input order
    (across chunks and files; an article of its own is paragraph 0). Rows of an article that other
    rows separate are warned about, once per file: a paragraph is read with the ones just before it."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}
        self.last: str | None = None
        self.warned: set[Path] = set()

    def number(self, article_ids, file: Path | None = None) -> list[int]:
        out = []
        for article in article_ids:
            out.append(self.seen.get(article, 0))
            if out[-1] and article != self.last and file not in self.warned:
                self.warned.add(file)
                warnings.warn(f"{file}: the rows of article {article!r} are not together (other rows come between "
                              "them), so its paragraphs are numbered and read with their context in the wrong order "
                              "— sort the rows by article, in paragraph order", FramingWarning, stacklevel=2)
            self.seen[article], self.last = out[-1] + 1, article
        return out



def article_keys(articles: list[dict]) -> list[tuple[str, int | None]]:
    """``(id, table row)`` of each article, for :func:`check_ids`."""
    return [(str(a["id"]), a.get("_row")) for a in articles]



def iter_paragraph_chunks(path: str | Path, *, columns: Columns = Columns(), chunk_size: int = 10_000,
                          paragraphs: bool = False, keep_dropped: bool = False,
                          on_dropped: Callable[[pd.DataFrame], None] | None = None,
                          on_skip: OnSkip | None = None,
                          on_file: Callable[[Path], None] | None = None) -> Iterator[pd.DataFrame]:
    """Stream the corpus as DataFrames of paragraphs (columns: :data:`PARAGRAPH_COLUMNS`).

    Memory is bounded by ``chunk_size`` articles (tables) whatever the corpus size.
    ``on_dropped`` receives each chunk's dropped boilerplate (with a ``reason`` column);
    ``on_skip`` and ``on_file`` as in :func:`iter_corpus_units`.
    """
    seen_ids, numbers = SeenIds(), ParagraphNumbers()
    for unit in iter_corpus_units(path, chunk_size=chunk_size, on_skip=on_skip, on_file=on_file):
        articles = unit.articles(columns)
        check_ids(seen_ids, unit.files, article_keys(articles), "paragraph" if paragraphs else "article")
        kept, dropped = unit_paragraphs(articles, paragraphs=paragraphs)
        if paragraphs:
            for row, index in zip(kept, numbers.number((row["article_id"] for row in kept), unit.file)):
                row["p_index"] = index
        if on_dropped is not None and dropped:
            on_dropped(pd.DataFrame(dropped))
        if kept:
            yield pd.DataFrame(kept, columns=PARAGRAPH_COLUMNS)



def read_paragraphs(path: str | Path, **options) -> pd.DataFrame:
    """The whole corpus as one DataFrame of paragraphs (for corpora that fit in memory)."""
    chunks = list(iter_paragraph_chunks(path, **options))
    if not chunks:
        return pd.DataFrame(columns=PARAGRAPH_COLUMNS)
    return pd.concat(chunks, ignore_index=True)



def corpus_stats(path: str | Path, **options) -> pd.DataFrame:
    """Articles, paragraphs and dropped boilerplate per outlet (plus a total row)."""
    dropped: list[pd.DataFrame] = []
    kept = read_paragraphs(path, on_dropped=dropped.append, **options)
    drops = pd.concat(dropped, ignore_index=True) if dropped else pd.DataFrame(columns=["outlet", "article_id"])
    outlets = sorted(set(kept["outlet"]) | set(drops["outlet"]))
    rows = []
    for outlet in outlets:
        k = kept[kept["outlet"] == outlet]
        d = drops[drops["outlet"] == outlet]
        rows.append({"outlet": outlet,
                     "articles": len(set(k["article_id"]) | set(d["article_id"])),
                     "paragraphs": len(k),
                     "boilerplate_dropped": len(d)})
    table = pd.DataFrame(rows, columns=["outlet", "articles", "paragraphs", "boilerplate_dropped"])
    total = table[["articles", "paragraphs", "boilerplate_dropped"]].sum()
    table.loc[len(table)] = {"outlet": "TOTAL", **total.to_dict()}
    return table



def skip_with_warning(file: Path, reason: str) -> None:
    """A project's corpus file that is not text is left out with a :class:`FramingWarning`, as
    ``framing predict`` and ``framing corpus stats`` leave it out."""
    warnings.warn(f"skipped {file}: {reason}", FramingWarning, stacklevel=2)


def project_paragraphs(config: ExperimentConfig, root: str | Path = ".") -> pd.DataFrame:
    """The corpus paragraphs of a project, as its config says to read them (files that are not
    text skipped with a warning)."""
    paragraphs = read_paragraphs(Path(root) / config.data.corpus, paragraphs=config.data.paragraph_rows,
                                 on_skip=skip_with_warning)
    check_collections(config, ["data.collections"], paragraphs["collection"], Path(root) / config.data.corpus)
    if config.data.collections:
        paragraphs = paragraphs[paragraphs["collection"].isin(config.data.collections)]
    return paragraphs



def corpus_windows(config: ExperimentConfig, root: Path, *, size: int,
                   progress: Callable[[int], None] | None = None) -> Iterator[pd.DataFrame]:
    """The project's corpus paragraphs in windows of at least ``size`` rows (the last may be
    smaller), read as they are asked for; ``progress(n)`` counts the paragraphs read. A window
    read to the corpus's end has ``attrs["last"]`` (one that ends exactly at a full window does
    not: the reader has not looked past it)."""
    wanted = set(config.data.collections)
    buffer: list[pd.DataFrame] = []
    rows = windows = 0
    # small chunks: a window of a few thousand paragraphs must not wait for 10,000 articles
    for chunk in iter_paragraph_chunks(root / config.data.corpus, paragraphs=config.data.paragraph_rows,
                                       chunk_size=max(1, min(size // 10, 1_000)), on_skip=skip_with_warning):
        if wanted:
            chunk = chunk[chunk["collection"].isin(wanted)]
        buffer.append(chunk)
        rows += len(chunk)
        if progress is not None:
            progress(len(chunk))
        if rows >= size:
            yield pd.concat(buffer, ignore_index=True)
            buffer, rows, windows = [], 0, windows + 1
    if buffer or not windows:
        last = pd.concat(buffer, ignore_index=True) if buffer else pd.DataFrame(columns=PARAGRAPH_COLUMNS)
        last.attrs["last"] = True
        yield last
