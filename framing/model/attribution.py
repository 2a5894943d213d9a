"""Attribution features: who is speaking in a paragraph, as tokens a classifier can weigh.

Bag-of-words features see which words occur; a paragraph's *source* is about who says
something ("Peskov said", "according to Ukraine's general staff"). :class:`AttributionAnalyzer`
turns a paragraph into tokens describing its attributions, for a TF-IDF vectoriser of their own
(a feature block beside the text's):

* ``CUE`` for each cue of attribution (a verb of saying, "according to", "statement", …), or
  ``NOCUE`` when there is none, and ``QUOTE`` when the paragraph quotes;
* with context (:func:`with_context`), ``CTXSPK:<label>`` / ``CTXNAME:<label>`` for a speaker
  named in earlier paragraphs, and ``COLL:<collection>`` / ``COLLACT:<collection>:<label>`` for a
  paragraph of another collection than the lead one (conventions differ: a press release's issuer
  is its source without a verb of saying);
* ``SPK:<prefix>`` for each word of a *speaker span*: the words before a cue up to the previous
  clause boundary ("the Kremlin spokesman, Dmitry Peskov, said"; a title's full stop is none:
  "Sen. Amy Klobuchar (D-Minn.) said"), the name before a long subject's first comma ("Anna
  Petrova, a researcher at …, said"), the clause's subject for a participle or a second verb
  ("Zelenskiy condemned the strike, saying …", "… and said"), the words after an inverted cue
  ("…,” said Dmitry Peskov, Putin's spokesman") or after "according to";
* ``WIN:<prefix>`` for each word within ``window`` words of a cue;
* ``ACT:<label>``, ``ACTWIN:<label>`` and ``ACTSPK:<label>`` when one of a label's actors (listed
  in the codebook) occurs anywhere, near a cue, or inside a speaker span, and ``ACTHD:<label>``
  when it is inside the span's head: for the words before a cue, those after their last comma
  ("Russian strikes hit the city, local officials said" names no Russian speaker).

They are features, never rules: the classifier learns how much each matters, and a listed actor
who is only mentioned weighs what the labelled data says it should. :meth:`AttributionAnalyzer.evidence`
gives, per label, the phrase that best shows the attribution (for predictions and reports).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from collections.abc import Iterable, Sequence

from framing.model.speakers import speaker_spans

# English cues of attribution: verbs of saying and nouns of statements (lower case, whole words).
DEFAULT_CUES = (
    "said", "says", "say", "saying", "told", "tells", "tell", "added", "adds", "stated", "statement", "statements",
    "claimed", "claims", "claim", "warned", "warns", "insisted", "insists", "denied", "denies", "accused", "accuses",
    "urged", "urges", "announced", "announces", "announcement", "tweeted", "tweet", "wrote", "writes", "noted",
    "notes", "argued", "argues", "believes", "believe", "confirmed", "confirms", "reported", "reports", "reporting",
    "quoted", "quoting", "spokesperson", "spokesman", "spokeswoman", "spokesmen", "briefing", "interview",
    "asserted", "acknowledged", "suggested", "estimated", "estimates", "condemned", "condemns", "blamed",
    "blames", "vowed", "vows", "promised", "pledged", "described", "alleged", "alleges", "explained", "cited",
    "assessment", "repeated", "stressed", "declared", "responded", "replied", "comment", "commented", "according",
    "told", "address", "speech", "telegram", "readout", "communique", "insisting", "warning", "calling",
    "called", "made", "pressed", "demanded", "demands", "threatened", "boasted", "admitted", "predicted",
)
_TOKEN = re.compile(r"\w[\w'’.-]*\w|\w|[“”\"‘:;,.!?()\[\]—–]")
# Separates a paragraph from the earlier paragraphs of its article that come with it as context
# (nearest first). Text features read only what comes before the first mark.
CONTEXT_MARK = "\x1e"


# Starts the segment that names the paragraph's corpus collection (after the context).
COLLECTION_MARK = "\x1d"


def with_context(article_ids: Sequence, texts: Sequence[str], n: int, collections: Sequence | None = None,
                 baseline: str = "") -> list[str]:
    """What the attribution block reads: each text followed by up to ``n`` earlier paragraphs of
    the same article (nearest first), and — when ``collections`` are given — its collection unless
    it is the ``baseline`` one, segments joined by :data:`CONTEXT_MARK`. Rows must be in article
    order, an article's paragraphs together (as the corpus reader yields them)."""
    if n <= 0 and collections is None:
        return list(texts)
    out: list[str] = []
    previous: list[str] = []
    last = object()
    for i, (article, text) in enumerate(zip(article_ids, texts)):
        if article != last:
            previous, last = [], article
        parts = [text, *previous[::-1]]
        collection = collections[i] if collections is not None else None
        if collection and collection != baseline:
            parts.append(COLLECTION_MARK + str(collection))
        out.append(CONTEXT_MARK.join(parts) if len(parts) > 1 else text)
        if n > 0:
            previous = (previous + [text])[-n:]
    return out


def _possessive(word: str) -> str:
    """A word without an English possessive ("Russia’s" → "Russia")."""
    return word[:-2] if word.endswith(("’s", "'s")) and len(word) > 2 else word


def _head(words: list[str], a: int, b: int, cues: frozenset[str]) -> int:
    """Where the head of the speaker span ``a:b`` starts: for the words before a cue, after their
    last comma ("…, local officials said": the officials speak, not what the clause before names;
    "Dmitry Peskov, Putin's spokesman, said": the appositive); any other span is all head."""
    if b >= len(words) or words[b].lower() not in cues:
        return a
    end = b - 1 if words[b - 1] == "," else b
    return next((k + 1 for k in range(end - 1, a - 1, -1) if words[k] == ","), a)


ActorTable = tuple[dict[str, list[tuple[tuple[str, ...], str]]], dict[str, list[tuple[tuple[str, ...], str]]]]


def _actor_table(actors) -> ActorTable:
    """Actors as word sequences keyed by their first word, in two tables: names with a capital
    letter match as written ("RT", "Moscow"), all-lower-case ones ignoring case ("analysts", "former")."""
    exact_table: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    lower_table: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for label, names in actors:
        for name in names:
            exact = name != name.lower()
            seq = tuple(_possessive(w) if exact else _possessive(w).lower() for w in _TOKEN.findall(name))
            if seq:
                (exact_table if exact else lower_table).setdefault(seq[0], []).append((seq, label))
    for table in (exact_table, lower_table):
        for entries in table.values():
            entries.sort(key=lambda e: -len(e[0]))  # the longest actor first
    return exact_table, lower_table


def _find_actors(table: ActorTable, words: list[str]) -> list[tuple[str, int, int]]:
    """``(label, first word, last word)`` of every actor occurrence (the longest match at a word,
    once per label; names matched as written before those matched ignoring case)."""
    exact_table, lower_table = table
    if not exact_table and not lower_table:
        return []
    exact_words = [w[:-2] if len(w) > 2 and (w.endswith("’s") or w.endswith("'s")) else w for w in words]
    lower_words = [w.lower() for w in exact_words]
    hits: list[tuple[str, int, int]] = []
    get_exact, get_lower = exact_table.get, lower_table.get
    for i, (word, low) in enumerate(zip(exact_words, lower_words)):
        first, second = get_exact(word), get_lower(low)
        if first is None and second is None:  # most words start no actor
            continue
        seen: set[str] = set()
        for entries, source in ((first, exact_words), (second, lower_words)):
            for seq, label in entries or ():
                if label not in seen and tuple(source[i:i + len(seq)]) == seq:
                    hits.append((label, i, i + len(seq) - 1))
                    seen.add(label)
    return hits


class AttributionAnalyzer:
    """Attribution tokens of a paragraph (see the module docstring).

    Parameters
    ----------
    actors : ``(label, (actor, ...))`` pairs from the codebook's ``sources``-like dimension.
    cues : lower-case words that signal attribution.
    window : words on each side of a cue that count as near it.
    prefix_len : speaker-span and window words are cut to this many characters (as the prefix
        analyzer does), to pool inflections.
    span : the most words a speaker span takes.
    """

    def __init__(self, actors: tuple[tuple[str, tuple[str, ...]], ...] = (), cues: tuple[str, ...] = DEFAULT_CUES,
                 window: int = 8, prefix_len: int = 5, span: int = 8) -> None:
        self.actors = tuple((label, tuple(names)) for label, names in actors)
        self.cues = tuple(cues)
        self.window = window
        self.prefix_len = prefix_len
        self.span = span
        self._compile()

    def _compile(self) -> None:
        self._cues = frozenset(c.lower() for c in self.cues)
        self._actor_table = _actor_table(self.actors)

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        for key in ("_cues", "_actor_table", "_cache"):
            state.pop(key, None)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._compile()

    def __repr__(self) -> str:
        return (f"AttributionAnalyzer(labels={[label for label, _ in self.actors]}, cues={len(self.cues)}, "
                f"window={self.window}, prefix_len={self.prefix_len}, span={self.span})")

    # ------------------------------------------------------------------ parsing
    def _parse(self, doc: str) -> tuple[list[str], list[int], list[tuple[int, int]], list[tuple[str, int, int]]]:
        """Words, cue positions, speaker spans (word ranges; :func:`~framing.model.speakers.speaker_spans`)
        and actor hits (label, first and last word)."""
        words = _TOKEN.findall(doc)
        lower = [w.lower() for w in words]
        cues = [i for i, w in enumerate(lower) if w in self._cues]
        spans = speaker_spans(words, lower, cues, self.span) if cues else []
        return words, cues, spans, _find_actors(self._actor_table, words)

    def _parsed(self, doc: str) -> tuple:
        """:meth:`_parse`, remembered for recent paragraphs (each also comes as its followers' context)."""
        cache = self.__dict__.setdefault("_cache", {})
        found = cache.get(doc)
        if found is None:
            if len(cache) > 256:
                cache.clear()
            found = cache[doc] = self._parse(doc)
        return found

    def _context_tokens(self, doc: str, spans: list, tokens: list, hits: list, contexts: list[str]) -> list[str]:
        """Who spoke in the earlier paragraphs, for a paragraph whose own speaker is not a listed
        actor ("he said", a bare quote, "officials said"): ``CTXSPK:<label>`` for actors in the
        previous paragraph's speaker spans, ``CTXNAME:<label>`` when a capitalised word of this
        paragraph's speaker spans stands near a label's actor in an earlier paragraph."""
        own = {label for label, first, last in hits for a, b in spans if a <= first < b or a <= last < b}
        if own or not spans and not any(ch in doc for ch in "“”\""):
            return []
        out: list[str] = []
        names = {tokens[k] for a, b in spans for k in range(a, b) if tokens[k][:1].isupper() and len(tokens[k]) > 2}
        for depth, context in enumerate(contexts):
            c_tokens, _, c_spans, c_hits = self._parsed(context)
            if depth == 0:
                out += [f"CTXSPK:{label}" for label, first, last in c_hits
                        for a, b in c_spans if a <= first < b or a <= last < b]
            if names:
                where = {}
                for k, t in enumerate(c_tokens):
                    if t in names:
                        where.setdefault(t, []).append(k)
                for label, first, last in c_hits:
                    if any(abs(k - first) <= self.window for ks in where.values() for k in ks):
                        out.append(f"CTXNAME:{label}")
        return out

    def __call__(self, doc: str) -> list[str]:
        doc, *contexts = doc.split(CONTEXT_MARK)
        collection = contexts.pop()[1:] if contexts and contexts[-1].startswith(COLLECTION_MARK) else None
        tokens, cues, spans, hits = self._parsed(doc)
        n = self.prefix_len
        out = ["CUE"] * len(cues) or ["NOCUE"]  # never empty: a block fitted on cue-less texts still has a column
        if any(ch in doc for ch in "“”\""):
            out.append("QUOTE")
        near = set()
        for i in cues:
            near.update(range(max(0, i - self.window), min(len(tokens), i + self.window + 1)))
        words = [t.lower()[:n] for t in tokens]
        out += [f"WIN:{words[k]}" for k in sorted(near) if tokens[k][0].isalnum()]
        in_span, heads = set(), None
        for a, b in spans:
            in_span.update(range(a, b))
            out += [f"SPK:{words[k]}" for k in range(a, b) if tokens[k][0].isalnum()]
        for label, first, last in hits:
            out.append(f"ACT:{label}")
            if first in near or last in near:
                out.append(f"ACTWIN:{label}")
            if first in in_span or last in in_span:
                out.append(f"ACTSPK:{label}")
                if heads is None:  # where each span's head starts, once a span holds an actor
                    heads = [(_head(tokens, a, b, self._cues), b) for a, b in spans]
                if any(h <= first < b or h <= last < b for h, b in heads):
                    out.append(f"ACTHD:{label}")
        if contexts:
            out += self._context_tokens(doc, spans, tokens, hits, contexts)
        if collection:  # conventions differ by collection: in a press release the issuer is the source
            out.append(f"COLL:{collection}")
            out += [f"COLLACT:{collection}:{label}" for label in sorted({label for label, _, _ in hits})]
        return out

    # ------------------------------------------------------------------ evidence
    def evidence(self, doc: str, labels: Iterable[str], max_words: int = 12) -> dict[str, str]:
        """Per label, the phrase that shows its attribution: a speaker span holding one of the
        label's actors with its cue, else the words around a cue near such an actor, else the
        actor alone; a label with none of these gets the paragraph's first speaker span and cue
        (the attribution the classifier saw), or nothing when the paragraph has no cue."""
        doc, *contexts = doc.split(CONTEXT_MARK)
        if contexts and contexts[-1].startswith(COLLECTION_MARK):
            contexts.pop()
        tokens, cues, spans, hits = self._parsed(doc)
        if not tokens:
            return {}
        offsets = [(m.start(), m.end()) for m in _TOKEN.finditer(doc)]  # the same tokens, with positions

        def phrase(a: int, b: int) -> str:
            a, b = max(a, 0), min(b, len(tokens) - 1)
            if b - a + 1 > max_words:
                a = b - max_words + 1
            return doc[offsets[a][0]:offsets[b][1]].strip(" ,;:")

        def with_cue(a: int, b: int) -> tuple[int, int]:
            cue = min(cues, key=lambda i: min(abs(i - a), abs(i - b)))
            return min(a, cue), max(b, cue)

        found: dict[str, str] = {}
        wanted = list(labels)
        for label in wanted:
            mine = [(first, last) for name, first, last in hits if name == label]
            best = None
            for a, b in spans:
                if any(a <= first < b or a <= last < b for first, last in mine):
                    best = with_cue(a, b - 1)
                    break
            if best is None and cues:
                for first, last in mine:
                    if any(abs(i - first) <= self.window or abs(i - last) <= self.window for i in cues):
                        best = with_cue(first, last)
                        break
            if best is None and mine:
                best = mine[0]
            if best is None and spans:
                best = with_cue(spans[0][0], spans[0][1] - 1)
            if best is not None:
                found[label] = phrase(*best)
                if not mine and contexts and any(n == label for n, _, _ in self._parsed(contexts[0])[3]):
                    earlier = self.evidence(contexts[0], [label], max_words)  # the speaker named before
                    if label in earlier:
                        found[label] += f" (earlier: {earlier[label]})"
        return found


@dataclass(frozen=True)
class Reading:
    """How a model reads paragraphs: with ``context`` earlier paragraphs of the article and, when
    ``collection_aware``, the collection (the ``baseline`` one reads as none). From a config's
    ``features.context``, ``features.collection_aware`` and ``classifier.tune_on``."""
    context: int = 0
    collection_aware: bool = False
    baseline: str = ""

    @classmethod
    def of(cls, config) -> Reading:
        features = config.features
        return cls(getattr(features, "context", 0), getattr(features, "collection_aware", False),
                   getattr(config.classifier, "tune_on", ""))

    @property
    def plain(self) -> bool:
        return not self.context and not self.collection_aware

    def inputs(self, article_ids: Sequence, texts: Sequence[str], collections: Sequence,
               before: Sequence[dict] = ()) -> list[str]:
        """What the model reads for these paragraphs (:func:`with_context`). ``before``: the paragraphs
        that come just before them in the input (dicts with ``article_id``, ``text`` and ``collection``),
        read as context of those that continue their article (a chunk boundary is no article boundary)."""
        if self.plain:
            return list(texts)
        before = list(before)[-self.context:] if self.context else []
        return with_context([row["article_id"] for row in before] + list(article_ids),
                            [row["text"] for row in before] + list(texts), self.context,
                            [row["collection"] for row in before] + list(collections) if self.collection_aware else None,
                            self.baseline)[len(before):]


def codebook_actors(dimension) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """``(label, actors)`` pairs of a codebook dimension's labels that list actors."""
    return dimension.label_lists("actors")
