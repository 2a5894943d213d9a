"""Exact fast path for TF-IDF + linear scoring of :class:`framing.model.classifier.FramingModel`.

:class:`FastTfidf` re-implements a fitted ``TfidfVectorizer.transform`` with numpy (no regex, no
per-token Python objects) and gives the same matrix bit for bit; :class:`FastScorer` vectorises
once per group of identical vectorisers and scores all of a group's dimensions with one sparse ×
dense product. Anything not fast-pathed (char n-grams, stop words, FeatureUnion, ...) falls back
to the dimension's own scikit-learn transform, so the output is always the sklearn path's.

Fast path of the vectoriser: ``analyzer='word'``, default ``token_pattern``, no stop words,
accents stripping, custom preprocessor or tokenizer, ``ngram_range`` in (1,1), (1,2), (2,2),
``norm`` l2/l1/None, float32/float64; any vocabulary (pruned or fixed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from framing.model.attribution import CONTEXT_MARK

DEFAULT_TOKEN_PATTERN = r"(?u)\b\w\w+\b"
BLOCK_CHARS = 1 << 20  # characters vectorised at once (memory ~ 40 bytes/char)
_MULT = np.uint64(0x9E3779B97F4A7C15)
_LEN_MULT = np.uint64(0xC2B2AE3D27D4EB4F)

_WORD_TABLE: np.ndarray | None = None


def word_char_table() -> np.ndarray:
    """Boolean table over all code points: True where ``re``'s ``\\w`` matches."""
    global _WORD_TABLE
    if _WORD_TABLE is None:
        t = np.fromiter((chr(c).isalnum() for c in range(0x110000)), dtype=bool,
                        count=0x110000)
        t[ord("_")] = True
        _WORD_TABLE = t
    return _WORD_TABLE


def _prefix_analyzer(vec: Any) -> Any | None:
    """The vectoriser's :class:`framing.model.classifier.PrefixAnalyzer`, if that is its analyzer."""
    analyzer = getattr(vec, "analyzer", None)
    kind = type(analyzer)
    return analyzer if kind.__name__ == "PrefixAnalyzer" and kind.__module__ == "framing.model.classifier" else None


def unsupported_reason(vec: Any) -> str | None:
    """Return why ``vec`` cannot use the fast path, or None if it can."""
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

    if type(vec) not in (TfidfVectorizer, CountVectorizer):
        return f"{type(vec).__name__} is not a plain TfidfVectorizer or CountVectorizer"
    prefix = _prefix_analyzer(vec)
    if prefix is not None:  # a callable analyzer: scikit-learn ignores the preprocessing options
        text_checks = [(prefix._TOKEN.pattern == DEFAULT_TOKEN_PATTERN, "non-default token pattern"),
                       (tuple(prefix.ngram_range) in {(1, 1), (1, 2), (2, 2)}, "ngram_range")]
    else:
        text_checks = [
            (getattr(vec, "analyzer", None) == "word", "analyzer must be 'word' or framing's prefix analyzer"),
            (vec.preprocessor is None, "custom preprocessor"),
            (vec.tokenizer is None, "custom tokenizer"),
            (vec.stop_words is None, "stop_words"),
            (vec.strip_accents is None, "strip_accents"),
            (vec.token_pattern == DEFAULT_TOKEN_PATTERN, "non-default token_pattern"),
            (tuple(vec.ngram_range) in {(1, 1), (1, 2), (2, 2)}, "ngram_range"),
        ]
    checks = [
        *text_checks,
        (getattr(vec, "input", None) == "content", "input must be 'content'"),
        (getattr(vec, "norm", None) in ("l2", "l1", None), "norm"),
        (np.dtype(vec.dtype) in (np.dtype(np.float32), np.dtype(np.float64)), "dtype"),
        (hasattr(vec, "vocabulary_"), "not fitted"),
        (not getattr(vec, "use_idf", False) or hasattr(vec, "idf_"), "idf_ missing"),
    ]
    for ok, why in checks:
        if not ok:
            return why
    return None


class _IntHashTable:
    """Open-addressing (linear probing) uint64 -> int32 table with vectorised ops."""

    def __init__(self, keys: np.ndarray, values: np.ndarray, load: float = 0.35):
        bits = max(4, int(np.ceil(np.log2(max(len(keys), 1) / load))))
        self.shift = np.uint64(64 - bits)
        self.mask = np.int64((1 << bits) - 1)
        self.keys = np.zeros(1 << bits, dtype=np.uint64)
        self.vals = np.full(1 << bits, -1, dtype=np.int32)
        keys = np.ascontiguousarray(keys, dtype=np.uint64)
        values = np.asarray(values, dtype=np.int32)
        slot = self._slot(keys)
        pending = np.arange(len(keys))
        while pending.size:
            s = slot[pending]
            free = self.vals[s] < 0
            # among pending items that hit a free slot, the first per slot wins
            cand = pending[free]
            _, first = np.unique(s[free], return_index=True)
            win = cand[first]
            self.keys[slot[win]] = keys[win]
            self.vals[slot[win]] = values[win]
            won = np.zeros(len(keys), dtype=bool)
            won[win] = True
            pending = pending[~won[pending]]
            slot[pending] = (slot[pending] + 1) & self.mask

    def _slot(self, q: np.ndarray) -> np.ndarray:
        return ((q * _MULT) >> self.shift).astype(np.intp)

    def lookup(self, q: np.ndarray) -> np.ndarray:
        """Values for keys ``q`` (uint64); -1 where absent."""
        slot = self._slot(q)
        out = self.vals[slot]
        eq = self.keys[slot] == q
        idx = np.flatnonzero((out >= 0) & ~eq)  # occupied by another key: probe on
        out[~eq] = -1
        q, slot = q[idx], slot[idx]
        while idx.size:
            slot = (slot + 1) & self.mask
            v = self.vals[slot]
            eq = (v >= 0) & (self.keys[slot] == q)
            out[idx[eq]] = v[eq]
            more = (v >= 0) & ~eq
            idx, q, slot = idx[more], q[more], slot[more]
        return out


class _PolyHash:
    """Polynomial hash ``sum_k cp[s+k] * B**k + len * C`` (mod 2**64) of many segments
    of one code-point array, via one prefix sum: ``(P[e-1] - P[s-1]) * B**-s``.

    ``B`` is odd, hence invertible mod 2**64.  Power tables are cached and grown on
    demand (16 bytes per character of the largest chunk seen)."""

    def __init__(self, base: int):
        self.base = np.uint64(base | 1)
        self.inv = np.uint64(pow(base | 1, -1, 2**64))
        self.pw = np.ones(0, dtype=np.uint64)
        self.ipw = np.ones(0, dtype=np.uint64)

    def __getstate__(self) -> dict:
        return {"base": self.base, "inv": self.inv}  # power tables are rebuilt on demand

    def __setstate__(self, state: dict) -> None:
        self.base, self.inv = state["base"], state["inv"]
        self.pw = np.ones(0, dtype=np.uint64)
        self.ipw = np.ones(0, dtype=np.uint64)

    def _grow(self, n: int) -> None:
        if n > len(self.pw):
            n = 1 << max(16, (n - 1).bit_length())
            self.pw = np.full(n, self.base, dtype=np.uint64)
            self.pw[0] = 1
            np.multiply.accumulate(self.pw, out=self.pw)   # wraps mod 2**64
            self.ipw = np.full(n, self.inv, dtype=np.uint64)
            self.ipw[0] = 1
            np.multiply.accumulate(self.ipw, out=self.ipw)

    def __call__(self, cp: np.ndarray, starts: np.ndarray, lens: np.ndarray) -> np.ndarray:
        n = len(cp)
        self._grow(n)
        p = np.multiply(self.pw[:n], cp, dtype=np.uint64)
        np.cumsum(p, out=p)
        h = p[starts + (lens - 1)]
        nz = np.flatnonzero(starts > 0)
        h[nz] -= p[starts[nz] - 1]
        del p
        h *= self.ipw[starts]
        h += lens.astype(np.uint64) * _LEN_MULT
        return h


def _sequential_row_sums(v: np.ndarray, indptr: np.ndarray) -> np.ndarray:
    """Per-row sums of float64 ``v`` accumulated left to right from 0.0 -- the same
    rounding as a C loop ``s = 0.0; for j in row: s += v[j]``."""
    lens = np.diff(indptr)
    order = np.argsort(-lens, kind="stable")
    starts = indptr[:-1][order]
    srt = lens[order]
    acc = np.zeros(len(lens), dtype=np.float64)
    maxlen = int(srt[0]) if len(srt) else 0
    active = np.searchsorted(-srt, -np.arange(maxlen), side="left")  # rows longer than k
    for k in range(maxlen):
        c = active[k]
        acc[:c] += v[starts[:c] + k]
    out = np.empty_like(acc)
    out[order] = acc
    return out


def normalize_rows(X: sp.csr_matrix, norm: str) -> sp.csr_matrix:
    """In-place l1/l2 row normalisation, bit-identical to sklearn's ``normalize`` for
    CSR input (its Cython kernel: squares/abs in the data dtype, float64 running sum,
    float64 sqrt, each value divided in float64 and rounded back)."""
    d = X.data
    if norm == "l2":
        v = (d * d).astype(np.float64)
    elif norm == "l1":
        v = np.abs(d).astype(np.float64)
    else:
        raise ValueError(norm)
    s = _sequential_row_sums(v, X.indptr)
    if norm == "l2":
        np.sqrt(s, out=s)
    s[s == 0.0] = 1.0  # empty rows are left unchanged
    rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
    X.data = (d.astype(np.float64) / s[rows]).astype(d.dtype, copy=False)
    return X


@dataclass
class _Tokens:
    cp: np.ndarray       # code points of the (lowercased, joined) chunk
    start: np.ndarray    # token start offsets (int64)
    length: np.ndarray   # token lengths (int64)
    doc: np.ndarray      # document index of each token (int64)


class FastTfidf:
    """Exact, fast drop-in for ``vectorizer.transform`` of a fitted TfidfVectorizer."""

    _FLAGS = ("lowercase", "binary", "sublinear_tf", "norm")  # a CountVectorizer: no sublinear_tf, no norm

    def __init__(self, vectorizer: Any, seed: int = 12345):
        self.vec = vectorizer
        self.reason = unsupported_reason(vectorizer)
        if self.reason is None:
            for f in self._FLAGS:
                setattr(self, f, getattr(vectorizer, f, None))
            prefix = _prefix_analyzer(vectorizer)
            # the prefix analyzer lower-cases, keeps each token's first `length` characters and
            # makes its own n-grams
            self.prefix_len = prefix.length if prefix is not None else 0
            self.ngram_range = tuple(prefix.ngram_range if prefix is not None else vectorizer.ngram_range)
            self.lowercase = bool(self.lowercase or prefix is not None)
            self._build(seed)

    @property
    def fast(self) -> bool:
        """True when the fast path is used."""
        return self.reason is None

    def __getstate__(self) -> dict:
        """Arrays only when fast-pathed: unpickling needs neither scikit-learn nor the vectoriser."""
        state = dict(self.__dict__)
        if self.fast:
            state["vec"] = None
        return state

    # ------------------------------------------------------------------ build
    def _build(self, seed: int) -> None:
        vec = self.vec
        self.dtype = np.dtype(vec.dtype)
        self.n_features = len(vec.vocabulary_)
        min_n, max_n = self.ngram_range
        words: dict[str, int] = {}
        uni: list[tuple[int, int]] = []
        bi: list[tuple[int, int, int]] = []
        for term, col in vec.vocabulary_.items():
            parts = term.split(" ")
            if len(parts) == 1 and min_n == 1:
                uni.append((words.setdefault(term, len(words)), col))
            elif len(parts) == 2 and max_n >= 2:
                a = words.setdefault(parts[0], len(words))
                b = words.setdefault(parts[1], len(words))
                bi.append((a, b, col))
            # anything else can never be produced by this analyzer
        wlist = list(words)
        if not wlist or min(map(len, wlist)) < 1:
            self.reason = "empty vocabulary term"
            return
        word_len = np.fromiter(map(len, wlist), dtype=np.int64, count=len(wlist))
        word_cp = np.frombuffer("".join(wlist).encode("utf-32-le", "surrogatepass"),
                                dtype=np.uint32)
        uni_col = np.full(len(wlist) + 1, -1, dtype=np.int32)  # index -1 -> -1
        if uni:
            u = np.array(uni, dtype=np.int64)
            uni_col[u[:, 0]] = u[:, 1]
        rng = np.random.default_rng(seed)
        self.idf = vec.idf_ if getattr(vec, "use_idf", False) else None
        self._setup(word_cp, word_len, uni_col, np.array(bi, dtype=np.int64).reshape(-1, 3),
                    [int(rng.integers(1, 2**63)) * 2 + 1 for _ in range(8)])

    def _setup(self, word_cp: np.ndarray, word_len: np.ndarray, uni_col: np.ndarray,
               bi: np.ndarray, bases: list[int]) -> None:
        """Build the lookup structures from plain arrays."""
        self.word_cp, self.word_len, self.uni_col, self.bi = word_cp, word_len, uni_col, bi
        self.n_words = nw = len(word_len)
        self.word_off = np.zeros(nw, dtype=np.int64)
        np.cumsum(word_len[:-1], out=self.word_off[1:])
        for base in bases:  # all vocabulary words must hash distinctly
            self.hash = _PolyHash(base)
            wh = self.hash(word_cp, self.word_off, word_len)
            if len(np.unique(wh)) == nw:
                break
        else:
            self.reason = "hash collision inside the vocabulary"
            return
        self.word_table = _IntHashTable(wh, np.arange(nw))
        self.has_bigrams = len(bi) > 0
        if self.has_bigrams:
            self.bi_table = _IntHashTable((bi[:, 0] * nw + bi[:, 1]).astype(np.uint64),
                                          bi[:, 2])
        self.word_tab = word_char_table()

    # --------------------------------------------------------------- tokenise
    def _tokenise(self, docs: Sequence[str]) -> _Tokens:
        if self.lowercase:
            docs = list(map(str.lower, docs))
        lens = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
        text = "\n".join(docs)
        cp = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        del text
        n = len(cp)
        isw = self.word_tab[cp]
        # run starts / ends of word characters
        edge = np.empty(n + 1, dtype=bool)
        edge[0] = isw[0] if n else False
        edge[n] = isw[n - 1] if n else False
        np.not_equal(isw[1:], isw[:-1], out=edge[1:n])
        del isw
        b = np.flatnonzero(edge)
        del edge
        start, end = b[0::2], b[1::2]
        length = end - start
        keep = length >= 2
        start, length = start[keep], length[keep]
        if self.prefix_len:
            length = np.minimum(length, self.prefix_len)
        doc_start = np.zeros(len(docs), dtype=np.int64)
        np.cumsum(lens[:-1] + 1, out=doc_start[1:])
        doc = np.searchsorted(doc_start, start, side="right") - 1
        return _Tokens(cp, start, length, doc)

    def _word_ids(self, t: _Tokens) -> np.ndarray:
        """Exact vocabulary-word id of each token (-1 if not a vocabulary word)."""
        if len(t.start) == 0:
            return np.full(0, -1, dtype=np.int64)
        wid = self.word_table.lookup(self.hash(t.cp, t.start, t.length)).astype(np.int64)
        cand = np.flatnonzero(wid >= 0)
        cw = wid[cand]
        ok = self.word_len[cw] == t.length[cand]
        wid[cand[~ok]] = -1
        cand, cw = cand[ok], cw[ok]
        if cand.size:  # verify every character of every hit
            L = t.length[cand].astype(np.int32)
            first = np.zeros(len(cand), dtype=np.int32)
            np.cumsum(L[:-1], out=first[1:])
            k = np.arange(int(first[-1] + L[-1]), dtype=np.int32)
            pos_t = np.repeat(t.start[cand].astype(np.int32) - first, L)
            pos_t += k
            pos_w = np.repeat(self.word_off[cw].astype(np.int32) - first, L)
            pos_w += k
            bad = np.flatnonzero(t.cp[pos_t] != self.word_cp[pos_w])
            if bad.size:
                wid[cand[np.searchsorted(first, bad, side="right") - 1]] = -1
        return wid

    # -------------------------------------------------------------- transform
    def counts(self, docs: Sequence[str]) -> sp.csr_matrix:
        """Term-count matrix (dtype of the vectorizer), sorted indices, no duplicates."""
        n_docs = len(docs)
        t = self._tokenise(docs)
        wid = self._word_ids(t)
        ucol = self.uni_col[wid]
        um = ucol >= 0
        rows = [t.doc[um]]
        cols = [ucol[um]]
        if self.has_bigrams and len(wid) > 1:
            a, b = wid[:-1], wid[1:]
            pm = (a >= 0) & (b >= 0) & (t.doc[:-1] == t.doc[1:])
            pi = np.flatnonzero(pm)
            bcol = self.bi_table.lookup((a[pi] * self.n_words + b[pi]).astype(np.uint64))
            bm = bcol >= 0
            rows.append(t.doc[pi[bm]])
            cols.append(bcol[bm])
        r = np.concatenate(rows)
        c = np.concatenate(cols).astype(np.int32)
        if len(rows) > 1:  # merge of two row-sorted runs (timsort: linear)
            order = np.argsort(r, kind="stable")
            c = c[order]
        indptr = np.zeros(n_docs + 1, dtype=np.int32)
        np.cumsum(np.bincount(r, minlength=n_docs), out=indptr[1:])
        X = sp.csr_matrix((np.ones(len(c), dtype=self.dtype), c, indptr),
                          shape=(n_docs, self.n_features))
        X.sum_duplicates()
        return X

    def transform(self, docs: Sequence[str]) -> sp.csr_matrix:
        """Same matrix as ``vectorizer.transform(docs)`` (CSR, sorted indices)."""
        if self.reason is not None or not all(isinstance(d, str) for d in docs):
            if self.vec is None:
                raise TypeError("a compiled (unpickled) FastTfidf only transforms strings")
            return sp.csr_matrix(self.vec.transform(docs))
        if len(docs) == 0:
            return sp.csr_matrix((0, self.n_features), dtype=self.dtype)
        if self.prefix_len:  # the prefix analyzer reads a text up to its context mark
            docs = [d.partition(CONTEXT_MARK)[0] if CONTEXT_MARK in d else d for d in docs]
        # work in blocks of ~BLOCK_CHARS characters: bounded memory, cache friendly;
        # rows are independent, so the result does not depend on the blocking
        ends = np.cumsum(np.fromiter(map(len, docs), dtype=np.int64, count=len(docs)) + 1)
        cut = np.flatnonzero(np.diff((ends - 1) // BLOCK_CHARS)) + 1
        if cut.size == 0:
            return self._transform_block(docs)
        bounds = [0, *cut.tolist(), len(docs)]
        return sp.vstack([self._transform_block(docs[a:b])
                          for a, b in zip(bounds[:-1], bounds[1:])], format="csr")

    def _transform_block(self, docs: Sequence[str]) -> sp.csr_matrix:
        return weigh_counts(self.counts(docs), binary=self.binary, sublinear_tf=self.sublinear_tf, idf=self.idf,
                            norm=self.norm)


def weigh_counts(X: sp.csr_matrix, *, binary: bool, sublinear_tf: bool, idf: np.ndarray | None,
                 norm: str | None) -> sp.csr_matrix:
    """Term counts → TF-IDF, in place and in scikit-learn's order of operations (binary, sublinear
    tf, idf, row norm), so the result is bit-identical to ``TfidfVectorizer.transform``."""
    if binary:
        X.data.fill(1)
    if sublinear_tf:
        np.log(X.data, X.data)
        X.data += 1.0
    if idf is not None:
        X.data *= idf[X.indices]
    if norm is not None:
        X = normalize_rows(X, norm)
    return X


# ----------------------------------------------------------------------------- scoring

class AnalyzerTfidf:
    """``transform`` of a fitted TfidfVectorizer whose analyzer is framing's own callable (the
    attribution analyzer), without scikit-learn: the analyzer's tokens are counted against the
    vocabulary and weighted exactly as scikit-learn does (sublinear tf, idf, row norm), so lean
    workers need not import it. The matrix equals ``vectorizer.transform`` bit for bit."""

    def __init__(self, vectorizer: Any) -> None:
        self.analyzer = vectorizer.analyzer
        self.vocabulary = dict(vectorizer.vocabulary_)
        self.dtype = np.dtype(vectorizer.dtype)
        self.binary = bool(vectorizer.binary)
        self.sublinear_tf = bool(vectorizer.sublinear_tf)
        self.norm = vectorizer.norm
        self.idf = vectorizer.idf_ if getattr(vectorizer, "use_idf", False) else None

    @staticmethod
    def supports(vec: Any) -> bool:
        analyzer = getattr(vec, "analyzer", None)
        from sklearn.feature_extraction.text import TfidfVectorizer

        return (type(vec) is TfidfVectorizer and type(analyzer).__module__ == "framing.model.attribution"
                and hasattr(vec, "vocabulary_") and vec.norm in ("l1", "l2", None)
                and (not vec.use_idf or hasattr(vec, "idf_")))

    def transform(self, docs: Sequence[str]) -> sp.csr_matrix:
        vocabulary = self.vocabulary
        indptr = [0]
        indices: list[int] = []
        values: list[int] = []
        for doc in docs:
            counts: dict[int, int] = {}
            for token in self.analyzer(doc):
                j = vocabulary.get(token)
                if j is not None:
                    counts[j] = counts.get(j, 0) + 1
            indices.extend(counts)
            values.extend(counts.values())
            indptr.append(len(indices))
        X = sp.csr_matrix((np.asarray(values, dtype=self.dtype), np.asarray(indices, dtype=np.int32),
                           np.asarray(indptr, dtype=np.int32)), shape=(len(docs), len(vocabulary)))
        X.sort_indices()
        return weigh_counts(X, binary=self.binary, sublinear_tf=self.sublinear_tf, idf=self.idf, norm=self.norm)


def _topk_mean(S: sp.csr_matrix, k: int) -> np.ndarray:
    """Mean of the ``k`` largest stored values of every row."""
    n = S.shape[0]
    rows = np.repeat(np.arange(n), np.diff(S.indptr))
    order = np.lexsort((-S.data, rows))
    rank = np.arange(len(order)) - S.indptr[rows[order]]
    keep = order[rank < k]
    total = np.bincount(rows[keep], weights=S.data[keep], minlength=n)
    return total / np.maximum(np.bincount(rows[keep], minlength=n), 1)


def lexicon_features(present: sp.csr_matrix, score: np.ndarray, prior: float, hit_threshold: float) -> np.ndarray:
    """A rationale lexicon's five raw features per row (:mod:`framing.model.lexicon`): the largest, top-3
    mean and mean score of the words present, the number of hits and the summed lift over the prior."""
    S = sp.csr_matrix(present @ sp.diags(score))
    S.eliminate_zeros()
    n, per_row = S.shape[0], np.diff(S.indptr)
    rows = np.repeat(np.arange(n), per_row)
    top = np.asarray(S.max(axis=1).todense()).ravel()
    mean = np.asarray(S.sum(axis=1)).ravel() / np.maximum(per_row, 1)
    top3 = _topk_mean(S, 3)
    hits = np.bincount(rows, weights=S.data >= hit_threshold, minlength=n)
    p = np.clip(S.data, 1e-4, 1 - 1e-4)
    lift = np.maximum(np.log(p / (1 - p)) - np.log(prior / (1 - prior)), 0.0)
    logodds = np.bincount(rows, weights=lift, minlength=n)
    empty = per_row == 0
    top[empty] = mean[empty] = top3[empty] = prior
    return np.column_stack([top, top3, mean, hits, logodds])


class LeanLexicon:
    """``RationaleLexicon.transform`` from its fitted arrays, without scikit-learn: the same word
    presence (framing's fast counting), the same features, the same standardisation — so lean
    workers need not import it."""

    def __init__(self, lexicon: Any) -> None:
        self.present = FastTfidf(lexicon.vectorizer_)
        self.parts = [(lexicon.scores_[name], lexicon.priors_[name]) for name in lexicon.lexicons_]
        self.hit_threshold = lexicon.hit_threshold
        self.mean, self.scale = lexicon.mean_, lexicon.scale_

    @staticmethod
    def supports(part: Any) -> bool:
        kind = type(part)
        return (kind.__name__ == "RationaleLexicon" and kind.__module__ == "framing.model.lexicon"
                and hasattr(part, "scores_") and FastTfidf(part.vectorizer_).fast)

    def transform(self, docs: Sequence[str]) -> np.ndarray:
        present = self.present.transform(docs).tocsr()
        raw = np.column_stack([lexicon_features(present, score, prior, self.hit_threshold) for score, prior in self.parts])
        return (raw - self.mean) / self.scale


def same_vectorizer(a: Any, b: Any) -> bool:
    """True if two fitted vectorisers produce identical features (same params, vocabulary, idf)."""
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    if hasattr(a, "transformer_list"):  # FeatureUnion: the same parts, fitted the same
        return (repr(a.get_params(deep=False)) == repr(b.get_params(deep=False))
                and len(a.transformer_list) == len(b.transformer_list)
                and all(na == nb and same_vectorizer(ta, tb)
                        for (na, ta), (nb, tb) in zip(a.transformer_list, b.transformer_list)))
    from sklearn.feature_extraction.text import CountVectorizer

    if not isinstance(a, CountVectorizer):
        return False  # other transformers (a rationale lexicon) may differ in any fitted state
    if repr(a.get_params()) != repr(b.get_params()):
        return False
    if getattr(a, "vocabulary_", None) != getattr(b, "vocabulary_", None) or not hasattr(a, "vocabulary_"):
        return False
    ia, ib = getattr(a, "idf_", None), getattr(b, "idf_", None)
    return (ia is None and ib is None) or (
        ia is not None and ib is not None and ia.dtype == ib.dtype and np.array_equal(ia, ib))


class UnionTransform:
    """``FeatureUnion.transform`` with each part fast-pathed where it can be (e.g. the text
    features of a model that also has lexicon features); same matrix, parts in order.

    ``shared`` holds fast parts already built for other dimensions: an identical text vectoriser
    is reused (same object), and a call given a ``memo`` dict transforms it once for all of them.
    """

    def __init__(self, union: Any, shared: list[FastTfidf] | None = None) -> None:
        shared = [] if shared is None else shared
        self.parts = []
        weights = getattr(union, "transformer_weights", None) or {}
        # FeatureUnion multiplies each part's output by its weight (1 when not given)
        self.weights = [weights.get(name, 1.0) for name, _ in union.transformer_list]
        for _, part in union.transformer_list:
            if unsupported_reason(part) is not None:
                self.parts.append(AnalyzerTfidf(part) if AnalyzerTfidf.supports(part) else
                                  LeanLexicon(part) if LeanLexicon.supports(part) else part)
                continue
            fast = next((f for f in shared if same_vectorizer(f.vec, part)), None)
            if fast is None:
                fast = FastTfidf(part)
                shared.append(fast)
            self.parts.append(fast)

    @property
    def fast(self) -> bool:
        return all(isinstance(part, FastTfidf | AnalyzerTfidf | LeanLexicon) for part in self.parts)

    def describe(self) -> str:
        return " + ".join("fast" if isinstance(part, FastTfidf) else
                          "attribution (framing's own transform)" if isinstance(part, AnalyzerTfidf) else
                          "lexicon (framing's own transform)" if isinstance(part, LeanLexicon) else
                          type(part).__name__ for part in self.parts)

    def __call__(self, docs: Sequence[str], memo: dict | None = None) -> sp.csr_matrix:
        blocks = []
        for part, weight in zip(self.parts, self.weights):
            if memo is not None and isinstance(part, FastTfidf):
                if id(part) not in memo:
                    memo[id(part)] = sp.csr_matrix(part.transform(docs))
                block = memo[id(part)]
            else:
                block = sp.csr_matrix(part.transform(docs))
            blocks.append(block if weight == 1 else block * weight)
        return sp.hstack(blocks, format="csr")


def transform_with(transform: Any, docs: Sequence[str], memo: dict) -> sp.csr_matrix:
    """A group's transform of ``docs``; fast text parts shared between groups are computed once
    (``memo``, by object)."""
    if isinstance(transform, UnionTransform):
        return sp.csr_matrix(transform(docs, memo))
    owner = getattr(transform, "__self__", None)
    if isinstance(owner, FastTfidf):
        if id(owner) not in memo:
            memo[id(owner)] = sp.csr_matrix(owner.transform(docs))
        return memo[id(owner)]
    return sp.csr_matrix(transform(docs))


@dataclass
class _Group:
    """Dimensions sharing one vectoriser: its fast (or fallback) transform and stacked weights."""
    names: list[str]
    transform: Any
    fast: bool
    W: np.ndarray | None = None       # features × (all labels of the group's dimensions)
    b: np.ndarray | None = None
    slices: dict[str, slice] | None = None


class FastScorer:
    """Probabilities of every dimension of a :class:`~framing.model.classifier.FramingModel`, fast and exact.

    Dimensions whose fitted vectorisers are identical are vectorised once; their weights are
    stacked so that one ``X @ W`` scores them all. Results equal ``DimensionModel.proba_from_features``.
    """

    def __init__(self, model: Any) -> None:
        self.model = model
        self.groups: list[_Group] = []
        self._names: dict[str, np.ndarray] = {}
        shared: list[FastTfidf] = []  # fast text parts of union groups, reused across dimensions
        for name, dim in model.dimensions.items():
            vec = dim.pipeline_.named_steps["tfidf"]
            for group in self.groups:
                first = model.dimensions[group.names[0]].pipeline_.named_steps["tfidf"]
                if same_vectorizer(first, vec):
                    group.names.append(name)
                    break
            else:
                if hasattr(vec, "transformer_list"):
                    union = UnionTransform(vec, shared)
                    self.groups.append(_Group([name], union, union.fast))
                    continue
                fast = next((f for f in shared if same_vectorizer(f.vec, vec)), None) or FastTfidf(vec)
                if fast.fast and fast not in shared:
                    shared.append(fast)  # a text block identical to a union's part is vectorised once
                self.groups.append(_Group([name], fast.transform if fast.fast else dim.transform, fast.fast))
        for group in self.groups:
            dims = [model.dimensions[n] for n in group.names]
            group.W = np.ascontiguousarray(np.hstack([d.coef_ for d in dims]))
            group.b = np.concatenate([d.intercept_ for d in dims])
            edges = np.cumsum([0] + [d.coef_.shape[1] for d in dims])
            group.slices = {n: slice(int(edges[i]), int(edges[i + 1])) for i, n in enumerate(group.names)}

    def describe(self) -> list[str]:
        """One line per vectoriser group: its dimensions and whether it is fast-pathed."""
        lines = []
        for group in self.groups:
            vec = self.model.dimensions[group.names[0]].pipeline_.named_steps["tfidf"]
            how = group.transform.describe() if isinstance(group.transform, UnionTransform) else \
                "fast" if group.fast else f"scikit-learn ({unsupported_reason(vec)})"
            lines.append(f"{', '.join(group.names)}: {how}")
        return lines

    def feature_names(self, name: str) -> np.ndarray:
        """Feature names of a dimension (cached: computing them is slow)."""
        if name not in self._names:
            self._names[name] = np.asarray(self.model.dimensions[name].feature_names(), dtype=object)
        return self._names[name]

    def score(self, texts: Sequence[str]) -> list[tuple[str, sp.csr_matrix, np.ndarray]]:
        """``(dimension, features, probabilities)`` for every dimension, in model order."""
        texts = list(texts)
        found, memo = {}, {}
        for group in self.groups:
            X = transform_with(group.transform, texts, memo)
            scores = np.asarray(X @ group.W) + group.b
            for name in group.names:
                dim = self.model.dimensions[name]
                found[name] = (X, _probabilities(scores[:, group.slices[name]], dim.multi))
        return [(name, *found[name]) for name in self.model.dimensions]


def _probabilities(scores: np.ndarray, multi: bool) -> np.ndarray:
    """The same operations as ``DimensionModel.proba_from_features`` after the product."""
    if multi:
        with np.errstate(over="ignore"):
            return 1.0 / (1.0 + np.exp(-scores))
    scores = scores - scores.max(axis=1, keepdims=True)
    expd = np.exp(scores)
    return expd / expd.sum(axis=1, keepdims=True)


def top_terms_fast(X: sp.csr_matrix, coef: np.ndarray, names: np.ndarray, label_index: np.ndarray,
                   k: int = 3) -> list[str]:
    """Vectorised :func:`framing.model.explain.top_terms`: per row, the ``k`` terms with the largest
    positive contribution (TF-IDF × weight) to the row's label (``-1``: none), ``"; "``-joined."""
    X = sp.csr_matrix(X)
    n = X.shape[0]
    label_index = np.asarray(label_index, dtype=np.int64)
    rows = np.repeat(np.arange(n), np.diff(X.indptr))
    labels = label_index[rows]
    valid = labels >= 0
    contrib = np.zeros(len(rows))
    contrib[valid] = X.data[valid] * coef[X.indices[valid], labels[valid]]
    keep = np.flatnonzero(contrib > 0)
    rows, cols, work = rows[keep], X.indices[keep], contrib[keep]
    # k passes of "largest remaining entry per row" (ties: the earlier feature), instead of sorting
    # every row: each pass is a few linear numpy operations.
    seg_start = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]]) if len(rows) else np.zeros(0, dtype=np.int64)
    seg_of = np.repeat(np.arange(len(seg_start)), np.diff(np.r_[seg_start, len(rows)]))
    got_rows, got_cols, got_pass = [], [], []
    for step in range(k):
        if not len(rows):
            break
        best = np.maximum.reduceat(work, seg_start)
        hit = np.flatnonzero((work == best[seg_of]) & (work > -np.inf))
        if not len(hit):
            break
        first = hit[np.r_[True, seg_of[hit][1:] != seg_of[hit][:-1]]]
        got_rows.append(rows[first])
        got_cols.append(cols[first])
        got_pass.append(np.full(len(first), step))
        work[first] = -np.inf
    if got_rows:
        rows, cols, step_of = np.concatenate(got_rows), np.concatenate(got_cols), np.concatenate(got_pass)
        order = np.lexsort((step_of, rows))
        rows, cols = rows[order], cols[order]
    else:
        rows = cols = np.zeros(0, dtype=np.int64)
    picked = names[cols].tolist()
    bounds = np.searchsorted(rows, np.arange(n + 1)).tolist()
    return ["; ".join(picked[bounds[i]:bounds[i + 1]]) for i in range(n)]
