"""Codebook names for raw label values from other tools and tables.

A codebook name is lower-case ASCII letters, digits and underscores, starting with a letter
(:mod:`framing.labels.codebook`), so that it is safe in column names (``<dimension>:<label>``),
files and pages. Raw values in other scripts are transliterated with ``anyascii`` (accents
dropped, ``négatif`` → ``negatif``; Cyrillic, Greek, Chinese, Arabic … spelled in Latin letters,
``позитивный`` → ``pozitivnyy``, ``正面`` → ``zhengmian``), so that distinct values keep distinct
names; the importer refuses the few values that still collide and names them.
"""

from __future__ import annotations

import re

from anyascii import anyascii


def slug(value: object) -> str:
    """A codebook label name for a raw value: "Non-biased" → "non_biased", "négatif" → "negatif",
    "позитивный" → "pozitivnyy"; one that does not start with a letter gets ``l_`` before it."""
    name = re.sub(r"[^a-z0-9]+", "_", anyascii(str(value).strip()).lower()).strip("_")
    return name if name and name[0].isalpha() else f"l_{name}"
