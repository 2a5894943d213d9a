"""Paragraph text: long paragraphs split at sentence ends, boilerplate recognised, stable
paragraph ids, dates and article metadata cleaned, an article's paragraphs."""

from __future__ import annotations

import functools
import hashlib
import re
import warnings

import pandas as pd

from framing.errors import FramingWarning


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



def _iso_date(value: object, article_id: str = "") -> str | None:
    """``YYYY-MM-DD`` of an article's date, None when it has none. A date that cannot be read, or
    whose day and month could be swapped ("12/03/2024"), leaves the article undated with a
    :class:`FramingWarning` (once per date text), never a silent guess."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return None
    text = str(value).strip()
    if not text or text.lower() in ("nan", "none", "null", "unknown"):
        return None
    iso, problem = _parse_date(text)
    if problem and text not in _WARNED:
        _WARNED.add(text)
        warnings.warn(f"article {article_id}: date {text!r} {problem}; read as undated, so the article is left out of "
                      "the time-forward test and the time charts (and so is any other with this date) — write "
                      "dates as YYYY-MM-DD", FramingWarning, stacklevel=2)
    return iso


_WARNED: set[str] = set()  # date texts already warned about in this process
# day and month both 12 or less, so either order reads: 12/03/2024, 12.03.24
_SWAPPABLE = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})")


@functools.lru_cache(maxsize=65_536)
def _parse_date(text: str) -> tuple[str | None, str | None]:
    """``(YYYY-MM-DD or None, what is wrong or None)`` of a date text (cached: a corpus repeats its
    dates, and parsing is slow)."""
    if (m := _SWAPPABLE.fullmatch(text)) and int(m[1]) <= 12 and int(m[2]) <= 12 and int(m[1]) != int(m[2]):
        return None, "could be day/month or month/day"
    try:
        stamp = pd.to_datetime(text, errors="coerce", utc=True, format="mixed")
        if not pd.isna(stamp) and 1 <= stamp.year <= 9999:
            return f"{stamp.year:04d}-{stamp.month:02d}-{stamp.day:02d}", None
    except (ValueError, OverflowError, NotImplementedError):  # "-1": a date outside what datetime can hold
        pass
    return None, "is not a date"



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
        "date": _iso_date(article.get("date"), str(article["id"])),
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
