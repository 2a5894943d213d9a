"""Turn the bytes of a text file into text, whatever encoding real-world files come in.

Scraped corpora and hand-made label files arrive in UTF-8 but also in cp1252, latin-1 or UTF-16
with a byte-order mark, and folders of articles hold the odd PDF or image saved as ``.html``.
:func:`decode` reads a byte-order mark, then strict UTF-8, then asks ``charset-normalizer`` for
the most plausible legacy encoding; bytes that are no text at all (known binary signatures, NUL
bytes outside UTF-16/32, or no encoding that yields readable text) raise :class:`NotTextError`,
which names the file and what it looks like.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from pathlib import Path

from framing.errors import CorpusError, FramingError

# Signatures of the binary files most often found where text was expected.
_SIGNATURES = {
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"PK\x03\x04": "a ZIP archive (or a .docx/.xlsx/.odt document)",
    b"\x1f\x8b": "a gzip archive",
    b"\xd0\xcf\x11\xe0": "an old Microsoft Office document",
    b"PAR1": "a Parquet file",
    b"RIFF": "a media file",
    b"\x7fELF": "a program",
    b"SQLite format 3": "an SQLite database",
}
CHAOS_MARGIN = 0.15  # charset-normalizer "chaos" (0-1) within which cp1252 is preferred
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# Control characters that do not occur in text (tab, newlines, form feed and escape do), and the
# replacement character.
_UNREADABLE = re.compile("[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f\ufffd]")


class NotTextError(CorpusError):
    """A file that should hold text holds something else (a PDF, an image, binary junk)."""


def binary_kind(data: bytes) -> str | None:
    """What the bytes look like if they are a known binary format or not text at all, else None."""
    for signature, kind in _SIGNATURES.items():
        if data.startswith(signature):
            return kind
    if any(data.startswith(bom) for bom, _ in _BOMS):
        return None
    if b"\x00" in data[:65_536]:
        return "binary data (NUL bytes)"
    return None


def _readable(text: str) -> bool:
    """True if ``text`` has (almost) no control characters and no replacement characters."""
    sample = text[:65_536]
    return len(_UNREADABLE.findall(sample)) <= max(2, len(sample) // 1000)


def guess_encoding(data: bytes, *, partial: bool = False) -> str | None:
    """The encoding of ``data``: a byte-order mark's, UTF-8, or charset-normalizer's best guess.

    None if the bytes are not text. ``partial``: the bytes are the start of a file, and may end
    in the middle of a character.
    """
    if binary_kind(data):
        return None
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if partial and exc.start >= len(data) - 3 and exc.reason == "unexpected end of data":
            return "utf-8"  # a sample cut inside the last character
    from charset_normalizer import from_bytes

    # Without a byte-order mark, UTF-16/32 text would hold NUL bytes (refused above): a guess of
    # either is a misreading of a few high bytes.
    found = [m for m in from_bytes(data) if not m.encoding.startswith(("utf_16", "utf_32"))]
    if not found:
        return None
    best = found[0]
    # charset-normalizer ranks Latin code pages by small differences (cp1257 for "Déjà vu at the
    # café", cp1006 for "café") and keeps one of the code pages that decode the bytes alike: cp1252,
    # the legacy encoding of most Western web text, wins when it is (or reads the bytes as) a
    # candidate about as orderly as the best.
    try:
        western = data.decode("cp1252")
    except UnicodeDecodeError:
        return best.encoding
    for match in found:
        if match.chaos <= best.chaos + CHAOS_MARGIN and (
                match.encoding == "cp1252" or data.decode(match.encoding, errors="replace") == western):
            return "cp1252"
    # On a few bytes its guesses turn "Straße" into "Straﻑe": a guess that puts letters of another
    # script inside Latin words loses to cp1252 when cp1252 does not.
    if _mixed_words(data.decode(best.encoding, errors="replace")) > _mixed_words(western):
        return "cp1252"
    return best.encoding


def _mixed_words(text: str) -> int:
    """Words of ``text`` (its first 64 KiB) with both ASCII letters and letters of another script."""
    count = 0
    for word in re.findall(r"[^\W\d_]+", text[:65_536]):
        if word.isascii() or not any(ch.isascii() for ch in word):
            continue
        if any(not ch.isascii() and not unicodedata.name(ch, "").startswith("LATIN") for ch in word):
            count += 1
    return count


def decode(data: bytes, *, path: str | Path | None = None, error: type[FramingError] = NotTextError) -> str:
    """The text of a file's bytes (see the module docstring); ``error`` if they are not text.

    Line endings are left as they are; a byte-order mark is dropped.
    """
    kind = binary_kind(data)
    encoding = None if kind else guess_encoding(data)
    text = None
    if encoding is not None:
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            text = None
    if text is None or not _readable(text):
        what = f"not a text file: looks like {kind}" if kind else "not a text file (no encoding gives readable text)"
        raise error(what, path=path, fix="remove the file or save it as text (UTF-8)")
    return text


def sample_encoding(head: bytes, *, path: str | Path | None = None) -> str:
    """The encoding of a file judged from its first bytes ``head`` (which may end inside a character).

    Raises :class:`NotTextError` if they are not text.
    """
    kind = binary_kind(head)
    encoding = None if kind else guess_encoding(head, partial=True)
    if encoding is None or not _readable(head.decode(encoding, errors="ignore")):
        what = f"not a text file: looks like {kind}" if kind else "not a text file (no encoding gives readable text)"
        raise NotTextError(what, path=path, fix="remove the file or save it as text (UTF-8)")
    return encoding


def read_text(path: str | Path, *, error: type[FramingError] = NotTextError) -> str:
    """The text of the file at ``path`` (see :func:`decode`); ``error`` for unreadable or non-text files."""
    try:
        data = Path(path).read_bytes()
    except IsADirectoryError:
        raise error("is a folder, not a file", path=path, fix="give the path of a file") from None
    except OSError as exc:
        raise error(f"cannot read the file ({exc.strerror or exc})", path=path,
                    fix="check the path and its permissions") from None
    return decode(data, path=path, error=error)
