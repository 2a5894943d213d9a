"""Codebook names for raw label values from other tools and tables.

A codebook name is lower-case ASCII letters, digits and underscores, starting with a letter
(:mod:`framing.labels.codebook`), so that it is safe in column names (``<dimension>:<label>``),
files and pages. Raw values in other scripts are transliterated: accents dropped (``négatif`` →
``negatif``), Cyrillic and Greek spelled in Latin letters (``позитивный`` → ``pozitivnyy``), and
letters of any other script written as their code points (``正面`` → ``l_6b63_9762``), so that
distinct values keep distinct names.
"""

from __future__ import annotations

import re
import unicodedata

_CYRILLIC = dict(zip("абвгдезийклмнопрстуфхцчшыэ", [
    "a", "b", "v", "g", "d", "e", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s", "t", "u", "f", "kh", "ts",
    "ch", "sh", "y", "e"]))
_CYRILLIC |= {"ё": "yo", "ж": "zh", "щ": "shch", "ъ": "", "ь": "", "ю": "yu", "я": "ya", "і": "i", "ї": "yi",
              "є": "ye", "ґ": "g", "ў": "u", "ђ": "dj", "ј": "j", "љ": "lj", "њ": "nj", "ћ": "c", "џ": "dz", "ѓ": "gj",
              "ќ": "kj", "ѕ": "dz"}
_GREEK = dict(zip("αβγδεζηικλμνξοπρσςτυφχω", [
    "a", "v", "g", "d", "e", "z", "i", "i", "k", "l", "m", "n", "x", "o", "p", "r", "s", "s", "t", "y", "f", "ch",
    "o"])) | {"θ": "th", "ψ": "ps"}
# Latin letters that do not decompose into a base letter and an accent.
_LATIN = {"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i", "ŋ": "ng"}
_TABLE = _CYRILLIC | _GREEK | _LATIN


def _letter(char: str) -> str:
    """One (lower-case) character in ASCII: transliterated, its accents dropped, or a letter or
    digit of another script as its code point between underscores."""
    if char in _TABLE:
        return _TABLE[char]
    base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    base = "".join(_TABLE.get(c, c) for c in base)  # Greek with an accent: ά → α → a
    if base.isascii():
        return base
    return f"_{ord(char):x}_" if char.isalnum() else " "


def slug(value: object) -> str:
    """A codebook label name for a raw value: "Non-biased" → "non_biased", "négatif" → "negatif",
    "позитивный" → "pozitivnyy"; one that does not start with a letter gets ``l_`` before it."""
    text = "".join(_letter(c) for c in str(value).strip().lower())
    name = re.sub(r"[^a-z0-9]+", "_", text).strip("_")
    return name if name and name[0].isalpha() else f"l_{name}"
