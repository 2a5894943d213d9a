"""Tokens the prefix analyzer adds to a paragraph's words: years read as their decade, and the
codebook's indicators of a label.

Both are features beside the words, never rules: the classifier weighs them like any term.

- ``decade:2010s`` for each year from 1800 to 2099 the text mentions ("since 2014", "the 1990s"):
  a history-like label learns from years it never saw in training.
- ``indicator:<label>`` for each match of one of the label's ``indicators`` in the codebook (the
  words and phrases its definition names: "nuclear", "NATO membership", "deter*"). A match is
  case-insensitive and whole-word; a trailing ``*`` matches any ending ("deter*": deterrence,
  deterrent). Rare phrasings of a label then share one feature with its common ones.
"""

from __future__ import annotations

import re
from functools import lru_cache

# A year from 1800 to 2099 standing alone ("in 2014", "the 1990s", "2014’s"), read as its decade.
DECADE = re.compile(r"(?<!\w)(1[89][0-9]|20[0-9])[0-9](?:s|’s|'s)?(?!\w)")
INDICATOR = "indicator:"

Indicators = tuple[tuple[str, tuple[str, ...]], ...]  # (label, its phrases), in codebook order


def decade_tokens(text: str) -> list[str]:
    """``decade:2010s`` for each year the text mentions (the prefix analyzer's ``decades`` tokens)."""
    return [f"decade:{m.group(1)}0s" for m in DECADE.finditer(text)]


def phrase_pattern(phrase: str) -> str:
    """The regular expression of one indicator phrase (whole words, any spacing, either apostrophe;
    a trailing ``*``: any ending)."""
    stem = phrase.strip()
    open_end = stem.endswith("*")
    words = stem.rstrip("*").split()
    body = r"\s+".join("['’]".join(map(re.escape, re.split("['’]", w))) for w in words)
    return r"(?<!\w)" + body + (r"\w*" if open_end else r"(?!\w)")


@lru_cache(maxsize=64)
def _compiled(indicators: Indicators) -> tuple[tuple[str, re.Pattern], ...]:
    return tuple((label, re.compile("|".join(phrase_pattern(p) for p in phrases), re.IGNORECASE))
                 for label, phrases in indicators if phrases)


def indicator_tokens(text: str, indicators: Indicators) -> list[str]:
    """``indicator:<label>`` once per match of each label's phrases in ``text``."""
    out: list[str] = []
    for label, pattern in _compiled(indicators):
        out += [INDICATOR + label] * sum(1 for _ in pattern.finditer(text))
    return out


def added_tokens(text: str, decades: bool, indicators: Indicators) -> list[str]:
    """The tokens the prefix analyzer adds to ``text``'s words."""
    return (decade_tokens(text) if decades else []) + (indicator_tokens(text, indicators) if indicators else [])


def codebook_indicators(dimension) -> Indicators:
    """``(label, phrases)`` of each label of ``dimension`` that lists indicators."""
    return dimension.label_lists("indicators")
