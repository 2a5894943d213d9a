"""Article documents: ``.txt``/``.md`` (with optional front matter) and ``.html`` files, read as
one article each."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from framing.decode import read_text
from framing.errors import CorpusError


DOC_SUFFIXES = (".txt", ".md", ".html", ".htm")



# Project documentation that may sit inside a corpus folder; it is not an article.
_NOT_ARTICLES = re.compile(r"^(readme|sources|licen[cs]e|changelog)\b", re.IGNORECASE)



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
