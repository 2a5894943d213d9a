"""Speaker spans: which words around a cue of attribution name who speaks.

English rules written for framing (no corpus-derived word lists): the words before a cue up to the
clause boundary, where a title's full stop and a short bracket inside a name are no boundary
("Sen. Amy Klobuchar (D-Minn.) said"); the name before a long subject's first comma ("Anna
Petrova, a researcher at …, said"); the clause's subject for a participle after a comma or a
second verb ("Zelenskiy condemned the strike, saying …", "… and said"); the words after an
inverted cue ("…,” said Dmitry Peskov") or after "according to". Words are the tokens of
:mod:`framing.model.attribution` (a full stop is a token of its own).
"""

from __future__ import annotations

# Cues after which the speaker usually follows ("said Dmitry Peskov", "according to officials").
_FORWARD = {"according", "said", "says", "told", "added", "wrote", "tweeted", "quoted", "quoting", "cited",
            "spokesperson", "spokesman", "spokeswoman"}
# Cues whose speaker never comes before them.
_NOT_BACKWARD = {"according"}
_BOUNDARY = set(":;.!?()[]—–“”\"‘")
_COMMA = ","
# Verbs of saying whose following words are their speaker only when the cue comes inverted,
# after a quote or a comma ("…,” said Peskov); after a subject they are its content ("he said
# in a statement that …").
_INVERTED = {"said", "says", "added", "wrote", "tweeted", "told"}
# Words before a full stop that ends no sentence: titles ("Sen. John Cornyn", "Mr. Peskov").
# A single capital letter ("Jason C. Ervin") and a dotted abbreviation ("U.S.") count too.
_ABBREVIATIONS = frozenset({"mr", "mrs", "ms", "dr", "sen", "sens", "rep", "reps", "gov", "gen", "lt", "col", "maj",
                            "capt", "cmdr", "sgt", "adm", "prof", "rev", "st", "jr", "sr", "amb", "pres", "hon"})
# Participles of saying after a comma: their speaker is the clause's subject ("Zelenskiy condemned
# the strike, saying …").
_PARTICIPLES = {"saying", "adding", "calling", "warning", "insisting", "noting", "arguing", "claiming",
                "accusing", "urging", "describing", "citing", "explaining", "stressing", "vowing", "telling",
                "declaring", "denying", "blaming", "asking"}
# Words that open an adverbial rather than a clause's subject ("On Friday, he said …").
_OPENERS = frozenset({"in", "on", "at", "after", "before", "when", "while", "as", "but", "and", "during", "since",
                      "last", "earlier", "later", "however", "meanwhile", "for", "with", "by", "from", "under",
                      "despite", "although", "though", "if", "because", "so", "then", "also", "still", "yet", "now",
                      "today", "yesterday", "instead", "speaking", "asked", "separately", "to", "according", "over",
                      "amid", "following", "unlike", "like", "thus"})
# Words a subject may start with before its noun ("the ministry", "several officials").
_DETERMINERS = frozenset({"the", "a", "an", "this", "that", "these", "those", "some", "several", "many", "other",
                          "another", "his", "her", "its", "their", "our", "both", "most", "few", "all", "two",
                          "three", "one", "senior", "top", "former", "local", "western", "russian", "ukrainian"})
# Words that end a subject's noun phrase ("the ministry has said", "the spokesman was quoted").
_AUXILIARIES = frozenset({"has", "have", "had", "is", "was", "were", "are", "will", "would", "did", "does", "do",
                          "could", "can", "may", "might", "should", "must", "also", "later", "then", "who", "which",
                          "on", "in", "at", "to", "of", "for", "with", "and", "but"})


def speaker_spans(words: list[str], lower: list[str], cues: list[int], limit: int) -> list[tuple[int, int]]:
    """Speaker spans (word ranges, end exclusive) of the cues at ``cues``, each at most ``limit``
    words; ``lower`` holds the words in lower case."""
    spans: list[tuple[int, int]] = []
    for i in cues:
        cue = lower[i]
        inverted = i == 0 or words[i - 1] in _BOUNDARY or words[i - 1] == _COMMA
        if i > 0 and (lower[i - 1] == "and" or cue in _PARTICIPLES and words[i - 1] == _COMMA):
            subject = _subject(words, lower, _back(words, i, 40), i)
            if subject is not None:
                spans.append(subject)
        elif cue not in _NOT_BACKWARD:
            start = _back(words, i, limit)
            if start < i:
                spans.append((start, i))
                if i - start >= limit and start > 0:  # a long subject: its name before the first comma
                    name = _named_subject(words, lower, _back(words, start, 40), start)
                    if name is not None:
                        spans.append(name)
        if cue in _FORWARD and (cue not in _INVERTED or inverted and i + 1 < len(words)
                                and (words[i + 1][:1].isupper() or lower[i + 1] in _DETERMINERS)):
            j = i + 1
            if cue == "according" and j < len(words) and lower[j] == "to":
                j += 1
            end = _forward(words, j, limit)
            if end > j:
                spans.append((j, end))
    return spans


def _soft_stop(words: list[str], k: int) -> bool:
    """Whether the full stop at ``k`` ends an abbreviation inside a name ("Sen.", "C.", "U.S.")
    rather than a sentence: a capitalised word follows it."""
    if k == 0 or k + 1 >= len(words) or not words[k + 1][:1].isupper():
        return False
    before = words[k - 1]
    return before.lower() in _ABBREVIATIONS or (len(before) == 1 and before.isupper()) or \
        ("." in before and before[:1].isupper())


def _back(words: list[str], i: int, limit: int) -> int:
    """The first word of the words before ``i`` up to the clause boundary, at most ``limit`` words
    (a title's full stop and a short bracket after a name are no boundary)."""
    start = i
    while start > 0 and i - start < limit:
        w = words[start - 1]
        if w in _BOUNDARY:
            if w == "." and _soft_stop(words, start - 1):
                pass
            elif w == ")":
                k = start - 2
                while k >= start - 7 and k > 0 and words[k] != "(" and words[k] not in "“”\"":
                    k -= 1
                if k <= 0 or words[k] != "(" or not words[k - 1][:1].isupper():
                    break
                start = k + 1
            else:
                break
        start -= 1
    return start


def _forward(words: list[str], j: int, limit: int) -> int:
    """The end (exclusive) of the words from ``j`` up to the next comma or clause boundary, at
    most ``limit`` words (a title's full stop and a short bracket after a name are no boundary)."""
    end = j
    n = len(words)
    while end < n and end - j < limit:
        w = words[end]
        if w == _COMMA:
            break
        if w in _BOUNDARY:
            if w == "." and _soft_stop(words, end):
                pass
            elif w == "(" and end > j and words[end - 1][:1].isupper():
                k = end + 1
                while k < min(n, end + 7) and words[k] != ")" and words[k] not in "“”\"(":
                    k += 1
                if k >= n or words[k] != ")":
                    break
                end = k
            else:
                break
        end += 1
    return end


def _skip_opener(words: list[str], lower: list[str], c: int, stop: int) -> int:
    """Past an adverbial that opens the clause ("On Friday, he …"): the first word after its comma."""
    if c < stop and lower[c] in _OPENERS:
        for k in range(c + 1, min(stop, c + 12)):
            if words[k] == _COMMA:
                return k + 1
        return stop
    return c


def _named_subject(words: list[str], lower: list[str], c: int, stop: int) -> tuple[int, int] | None:
    """The clause's subject before its first comma ("Tony Cordesman, a … expert …, said"), when
    it is short and not an adverbial."""
    c = _skip_opener(words, lower, c, stop)
    for k in range(c, min(stop + 1, c + 7)):
        if words[k] == _COMMA:
            return (c, k) if k > c and words[c][:1].isupper() else None
    return None


def _subject(words: list[str], lower: list[str], c: int, stop: int) -> tuple[int, int] | None:
    """The subject at the start of a clause ``c`` that ends before ``stop``: its capitalised words
    ("Several Democrats", "Sen. Bernie Sanders (I-Vt.)"), or a determiner and the words after it up
    to a verb ("the retired neurosurgeon has …")."""
    c = _skip_opener(words, lower, c, stop)
    end = c
    while end < stop and end - c < 8:
        w = words[end]
        if w[:1].isupper() and lower[end] not in _OPENERS or w == "." and _soft_stop(words, end):
            end += 1
        elif w == "(":
            end = _forward(words, c, 8)
            break
        else:
            break
    if end > c and not all(lower[k] in _DETERMINERS for k in range(c, end)):
        return c, end
    k = end
    while k < stop and k - end < 4 and lower[k] not in _AUXILIARIES and words[k][:1].isalnum() \
            and lower[k] not in _PARTICIPLES:
        if lower[k] in _DETERMINERS:
            k += 1
            continue
        k += 1
        if k < stop and (lower[k].endswith("ed") or lower[k] in _AUXILIARIES):
            break
    return (c, k) if k > c and not all(lower[m] in _DETERMINERS for m in range(c, k)) else None
