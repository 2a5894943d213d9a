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

import functools
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from framing.decode import NotTextError, read_text, sample_encoding
from framing.errors import CorpusError

if TYPE_CHECKING:
    import pyarrow as pa

TABLE_SUFFIXES = (".jsonl", ".csv", ".parquet")
DOC_SUFFIXES = (".txt", ".md", ".html", ".htm")
# Project documentation that may sit inside a corpus folder; it is not an article.
_NOT_ARTICLES = re.compile(r"^(readme|sources|licen[cs]e|changelog)\b", re.IGNORECASE)

PARAGRAPH_COLUMNS = ["paragraph_id", "article_id", "outlet", "date", "title", "url",
                     "collection", "p_index", "text"]

# The codebook's "Not labelled" list, as whole-paragraph patterns (case-insensitive).
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DAY = r"(mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?"
BOILERPLATE: dict[str, re.Pattern[str]] = {name: re.compile(pattern, re.IGNORECASE) for name, pattern in {
    "comment prompt": r"(leave a (reply|comment)|add a comment|post a comment|\d+\s+comments?|comments?"
                      r"|(one|\d+) thoughts? on\b.*|your email address will not be published.*"
                      r"|required fields are marked.*|join the (conversation|discussion))\W*",
    "share counter": r"[\d\s.,k]+|(share|tweet|email|print|copy link)(\s*(this|article|on \w+))?\W*",
    "reference line": r"(references?|read more|read also|see also|related( articles?| stories)?|more on this story)\b.{0,80}",
    "newsletter prompt": r".{0,60}\b(sign up|subscribe)\b.{0,60}\b(newsletter|inbox|updates|email|briefing)\b.{0,80}"
                         r"|sign up( now| here)?\W*|.{0,80}\bdelivered to .{0,40}\binbox(es)?\b.{0,120}"
                         r"|if you have any questions or comments about any of our newsletters.{0,120}"
                         r"|for more news:?\s+\S+",
    "update note": r"(update[d]?:?\s.*(article|story) (has|was) (been )?updated.*|this (article|story) (has|was) (been )?updated.*"
                   r"|updated at \d{1,2}[.:]\d{2}(\s*(am|pm))?(\s*[a-z]{2,4})?)",
    "contact prompt": r"get in touch\W*|contact (us|the author)\W*",
    "editor's note": r"this (interview|conversation|transcript) has been (lightly )?(edited|condensed)\b.{0,80}",
    "contribution credit": r"(with\s+)?((the\s+)?(reuters|associated press|agence france-presse|afp|ap|news agencies|agencies)"
                           r"(\s*,\s*(and\s+)?|\s+and\s+)?)+(\s*contributed to this (report|article|story))?\.?",
    "caption or credit": r".{0,300}\b(photograph|photo|image|illustration|composite)( credit)?:\s.{0,120}"
                         r"|(the )?(guardian|observer) front page,?\s.{0,40}",
    "video link": r".{0,200}\b\d{1,2}:\d{2}\s*$|\d{1,2}:\d{2}\s.{0,200}\s[–-]\s*video",
    # Speaker turns of a transcript: a lone name written in lower case ("courtney stein").
    "speaker name": r"(?-i:[a-z][a-z.'’-]+(\s+[a-z][a-z.'’-]+){1,2})",
    "end mark": r"(#{3}|-{3,}|\*(\s*\*){2,}|ends|-?30-)",
    "byline": r"by\s+[\w.'’-]+(\s+[\w.'’-]+){0,4}(\s+and\s+[\w.'’-]+(\s+[\w.'’-]+){0,3})?",
    "dateline": rf"(({_DAY}),?\s*)?(\d{{1,2}}\s+{_MONTH}|{_MONTH}\s+\d{{1,2}})(,?\s+\d{{4}})?(,?\s*{_DAY})?"
                rf"(,?\s*\d{{1,2}}[:.]\d{{2}}\s*(am|pm)?(\s*\w{{2,4}})?)?|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}/\d{{1,2}}/\d{{2,4}}",
}.items()}


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


# A sentence ends at . ! ? or … (optionally followed by a closing quote or bracket) before
# white space and an upper-case letter, digit or opening quote.
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]?\s+(?=[\"'“‘(\[]?[A-Z0-9])")
MAX_PARAGRAPH_CHARS = 1500
TARGET_PIECE_CHARS = 700


def split_paragraphs(text: str, *, max_chars: int = MAX_PARAGRAPH_CHARS) -> list[str]:
    """Split on blank lines, or on single newlines where the text has no blank line.

    Whitespace inside a paragraph is collapsed to single spaces; empty pieces are dropped.
    A block longer than ``max_chars`` (a source that marks no paragraphs, such as a press
    release or transcript scraped as one line) is cut at sentence ends into pieces of about
    ``TARGET_PIECE_CHARS`` characters, so the unit stays paragraph-sized.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    pieces = re.split(r"\n[ \t\u00a0]*\n", text) if re.search(r"\n[ \t\u00a0]*\n", text) else text.split("\n")
    out = []
    for piece in pieces:
        norm = " ".join(piece.split())
        if len(norm) > max_chars:
            out.extend(_sentence_pieces(norm))
        elif norm:
            out.append(norm)
    return out


def _sentence_pieces(text: str) -> list[str]:
    """Greedy packing of whole sentences into pieces of about TARGET_PIECE_CHARS characters."""
    pieces: list[str] = []
    current = ""
    start = 0
    for match in _SENTENCE_END.finditer(text):
        sentence = text[start:match.end()].strip()
        start = match.end()
        current = f"{current} {sentence}".strip()
        if len(current) >= TARGET_PIECE_CHARS:
            pieces.append(current)
            current = ""
    current = f"{current} {text[start:].strip()}".strip()
    if current:
        pieces.append(current)
    return pieces


def boilerplate_reason(paragraph: str, *, title: str | None = None, outlet: str | None = None) -> str | None:
    """Why ``paragraph`` is boilerplate (a short name), or None if it is content."""
    text = paragraph.strip()
    if title and text.casefold().rstrip(" .") == " ".join(title.split()).casefold().rstrip(" ."):
        return "repeated title"
    if outlet and outlet.casefold() not in ("", "unknown"):
        rest = text.casefold().replace(outlet.casefold(), " ")
        if rest != text.casefold() and re.fullmatch(r"[\W_]*(news|online|\.com|media)?[\W_]*", rest):
            return "site name"
    if len(text) > 400:
        return None
    for name, pattern in BOILERPLATE.items():
        if pattern.fullmatch(text):
            return name
    return None


def paragraph_id(article_id: str, index: int, text: str) -> str:
    """Stable paragraph id: article id, raw index and a hash of the paragraph's text."""
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]
    return f"{article_id}:{index}:{digest}"


def _iso_date(value: object) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return None
    text = str(value).strip()
    if not text or text.lower() in ("nan", "none", "null", "unknown"):
        return None
    return _parse_date(text)


@functools.lru_cache(maxsize=65_536)
def _parse_date(text: str) -> str | None:
    """``YYYY-MM-DD`` of a date text (cached: a corpus repeats its dates, and parsing is slow)."""
    try:
        stamp = pd.to_datetime(text, errors="coerce", utc=True, format="mixed")
        if pd.isna(stamp) or not 1 <= stamp.year <= 9999:
            return None
        return f"{stamp.year:04d}-{stamp.month:02d}-{stamp.day:02d}"
    except (ValueError, OverflowError, NotImplementedError):  # "-1": a date outside what datetime can hold
        return None


def _clean(value: object) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip()
    return text or None


def article_meta(article: dict) -> dict:
    """An article's id and metadata as its paragraph rows carry them (cleaned; ISO date)."""
    return {
        "article_id": str(article["id"]),
        "outlet": _clean(article.get("outlet")) or "unknown",
        "date": _iso_date(article.get("date")),
        "title": _clean(article.get("title")),
        "url": _clean(article.get("url")),
        "collection": article.get("collection") or "",
    }


def article_paragraphs(article: dict, *, split: bool = True) -> tuple[list[dict], list[dict]]:
    """Split one article into kept paragraphs and dropped boilerplate (both as row dicts)."""
    base = article_meta(article)
    raw = article.get("text")
    text = "" if raw is None or (isinstance(raw, float) and pd.isna(raw)) else str(raw)
    pieces = split_paragraphs(text) if split else ([" ".join(text.split())] if text.strip() else [])
    kept, dropped = [], []
    for index, piece in enumerate(pieces):
        reason = boilerplate_reason(piece, title=base["title"], outlet=base["outlet"]) if split else None
        row = {**base, "p_index": index, "text": piece,
               "paragraph_id": paragraph_id(base["article_id"], index, piece)}
        if reason:
            dropped.append({**row, "reason": reason})
        else:
            kept.append(row)
    return kept, dropped


# ----------------------------------------------------------------------------- documents

def parse_document(path: Path, *, root: Path | None = None, text: str | None = None) -> dict:
    """Read one ``.txt``/``.md``/``.html`` article into a dict with id, metadata and text.

    The file's encoding is detected (:mod:`framing.decode`); ``text`` is its text when the caller
    has read it already. A file that is not text raises :class:`framing.decode.NotTextError`.
    """
    raw = text if text is not None else read_text(path)
    rel = path.relative_to(root) if root else Path(path.name)
    meta: dict = {"id": rel.with_suffix("").as_posix().replace("/", "-"),
                  "collection": rel.parts[0] if len(rel.parts) > 1 else ""}
    if path.suffix.lower() in (".html", ".htm"):
        page = _HTMLText()
        page.feed(raw)
        meta.update({k: v for k, v in page.meta.items() if v})
        meta["text"] = "\n\n".join(page.blocks)
        return meta
    header, body = _front_matter(raw, path)
    unknown = set(header) - {"id", "title", "outlet", "date", "url", "source", "note"}
    if unknown:
        raise CorpusError(f"unknown header key(s) {sorted(unknown)}", path=path, line=2,
                          fix="use id, title, outlet, date, url, source or note")
    meta.update(header)
    meta["text"] = body
    return meta


def _front_matter(raw: str, path: Path) -> tuple[dict, str]:
    lines = raw.split("\n")
    if not lines or lines[0].strip() != "---":
        return {}, raw
    header: dict = {}
    for number, line in enumerate(lines[1:], start=2):
        if line.strip() == "---":
            return header, "\n".join(lines[number:])
        if not line.strip():
            continue
        key, sep, value = line.partition(":")
        if not sep or not key.strip().isidentifier():
            raise CorpusError(f"header line {line!r} is not 'key: value'", path=path, line=number,
                              fix="write each header line as 'key: value', or close the header with '---'")
        header[key.strip().lower()] = value.strip() or None
    raise CorpusError("header opened with '---' is never closed", path=path, line=1,
                      fix="add a line '---' after the last header line")


class _HTMLText(HTMLParser):
    """Collect a page's text blocks (paragraphs, headings, list items) and its metadata."""

    BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "figcaption", "td"}
    SKIP = {"script", "style", "noscript", "nav", "footer", "header", "aside", "form", "svg", "button"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.meta: dict = {}
        self._buffer: list[str] = []
        self._skip = 0
        self._in_title = False
        self._title: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self._skip += 1
        elif tag == "title":
            self._in_title = True
        elif tag == "meta":
            a = {k: v for k, v in attrs}
            key = (a.get("property") or a.get("name") or "").lower()
            content = a.get("content")
            mapping = {"og:title": "title", "og:site_name": "outlet", "og:url": "url",
                       "article:published_time": "date", "date": "date", "author": None}
            if content and mapping.get(key):
                self.meta.setdefault(mapping[key], content)
        elif tag in self.BLOCKS or tag == "br":
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag == "title":
            self._in_title = False
            self.meta.setdefault("title", " ".join("".join(self._title).split()))
        elif tag in self.BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self._title.append(data)
        elif not self._skip:
            self._buffer.append(data)

    def close(self) -> None:
        super().close()
        self._flush()

    def _flush(self) -> None:
        text = " ".join("".join(self._buffer).split())
        if text:
            self.blocks.append(text)
        self._buffer = []


# ----------------------------------------------------------------------------- tables

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
            with pd.read_csv(path, chunksize=chunk_size, dtype=str, keep_default_na=False, encoding=table_encoding(path),
                             usecols=(lambda c: c in wanted) if wanted else None) as reader:
                yield from reader
        elif suffix == ".jsonl":
            yield from _iter_jsonl(path, chunk_size)
        else:
            raise CorpusError(f"unsupported table type {suffix!r}", path=path,
                              fix="use .jsonl, .csv or .parquet")
    except CorpusError:
        raise
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeError, OSError, ValueError) as exc:
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


def _iter_jsonl(path: Path, chunk_size: int) -> Iterator[pd.DataFrame]:
    rows: list[dict] = []
    with open(path, encoding=table_encoding(path)) as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise CorpusError(f"not valid JSON ({exc.msg}, column {exc.colno})", path=path, line=number,
                                  fix="each line must be one JSON object") from None
            if not isinstance(row, dict):
                raise CorpusError("line is not a JSON object", path=path, line=number,
                                  fix='write one object per line, e.g. {"id": ..., "text": ...}')
            rows.append(row)
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
    if cols.text not in names:
        raise CorpusError(f"no text column {cols.text!r} (columns: {', '.join(map(str, names))})",
                          path=path, fix="name the text column with --text-col")
    out = []
    for i, row in enumerate(rows):
        number = offset + i + 1
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

    def articles(self, cols: Columns) -> list[dict]:
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


# ----------------------------------------------------------------------------- the corpus

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

    def add(self, idents: list[str], file: Path) -> list[Path | None]:
        """Record ``idents`` (read from ``file``); per ident, the file that used it before, or None."""
        self.files.append(file)
        keys = np.fromiter((hash(i) for i in idents), dtype=np.int64, count=len(idents))
        pos = np.minimum(np.searchsorted(self.hashes, keys), max(len(self.hashes) - 1, 0))
        hit = (self.hashes[pos] == keys) if len(self.hashes) else np.zeros(len(keys), dtype=bool)
        earlier: list[Path | None] = [self.files[self.where[p]] if h else None for p, h in zip(pos.tolist(), hit.tolist())]
        first: dict[str, int] = {}
        for i, ident in enumerate(idents):  # repeats within this batch
            if first.setdefault(ident, i) != i and earlier[i] is None:
                earlier[i] = file
        keys = np.sort(keys)  # merge into the sorted array: linear, not a full sort per batch
        at = np.searchsorted(self.hashes, keys)
        self.hashes = np.insert(self.hashes, at, keys)
        self.where = np.insert(self.where, at, len(self.files) - 1)
        return earlier


OnSkip = Callable[[Path, str], None]


def iter_corpus_units(path: str | Path, *, chunk_size: int = 10_000, on_skip: OnSkip | None = None,
                      on_file: Callable[[Path], None] | None = None) -> Iterator[CorpusUnit]:
    """The corpus as :class:`CorpusUnit` pieces of at most ``chunk_size`` articles, in corpus order.

    A file of a folder that is not text (a PDF or image saved as ``.html``, binary junk) is passed
    to ``on_skip(file, reason)`` and left out; without ``on_skip`` it raises
    :class:`framing.decode.NotTextError` (the ``--strict`` behaviour). A corpus given as one file
    always raises. ``on_file`` is called with each file as its reading starts (for progress).
    """
    root = Path(path)
    files = corpus_files(root)
    for file in files:
        if on_file is not None:
            on_file(file)
        try:
            if file.suffix.lower() in TABLE_SUFFIXES:
                rel = file.relative_to(root) if root.is_dir() else Path(file.name)
                if file.suffix.lower() != ".parquet":
                    table_encoding(file)  # refuse a non-text table before any of its rows is used
                yield from _table_units(file, chunk_size, rel.parts[0] if len(rel.parts) > 1 else file.stem)
            else:
                yield CorpusUnit(file, root=root if root.is_dir() else None, text=read_text(file))
        except NotTextError as exc:
            if on_skip is None or not root.is_dir():
                raise
            on_skip(file, exc.what)


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


def check_ids(seen: SeenIds, file: Path, articles: list[tuple[str, int | None]]) -> None:
    """Refuse an article id (``(id, table row or None)`` pairs) that an earlier article used."""
    earlier = seen.add([ident for ident, _ in articles], file)
    for (ident, row), used_by in zip(articles, earlier):
        if used_by is not None:
            where = f"row {row}" if row is not None else "header"
            raise CorpusError(f"article id {ident!r} ({where}) is already used by {used_by}",
                              path=file, line=row, fix="give every article a unique id")


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
    seen_ids = SeenIds()
    for unit in iter_corpus_units(path, chunk_size=chunk_size, on_skip=on_skip, on_file=on_file):
        articles = unit.articles(columns)
        check_ids(seen_ids, unit.file, article_keys(articles))
        kept, dropped = unit_paragraphs(articles, paragraphs=paragraphs)
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
