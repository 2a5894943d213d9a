"""The exact fast TF-IDF transform: :class:`FastTfidf` re-implements a fitted
``TfidfVectorizer.transform`` with numpy (no regex, no per-token Python objects) and gives the same
matrix bit for bit; :class:`AnalyzerTfidf` weighs a callable analyzer's counts the same way.

Fast-pathed: ``analyzer='word'``, default ``token_pattern``, no stop words, accents stripping,
custom preprocessor or tokenizer, ``ngram_range`` in (1,1), (1,2), (2,2), ``norm`` l2/l1/None,
float32/float64; any vocabulary (pruned or fixed); and the prefix analyzer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from framing.model.attribution import CONTEXT_MARK
from framing.model.hashing import IntHashTable, PolyHash, word_char_table
from framing.model.tokens import INDICATOR, added_tokens


DEFAULT_TOKEN_PATTERN = r"(?u)\b\w\w+\b"

BLOCK_CHARS = 1 << 20  # characters vectorised at once (memory ~ 40 bytes/char)



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
            self.decades = bool(getattr(prefix, "decades", False))
            self.indicators = tuple(getattr(prefix, "indicators", ()))
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
        self.added_cols: dict[str, int] = {}  # the analyzer's own tokens: decades, indicators
        for term, col in vec.vocabulary_.items():
            if self.decades and term.startswith("decade:") or self.indicators and term.startswith(INDICATOR):
                self.added_cols[term] = col
                continue
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
            self.hash = PolyHash(base)
            wh = self.hash(word_cp, self.word_off, word_len)
            if len(np.unique(wh)) == nw:
                break
        else:
            self.reason = "hash collision inside the vocabulary"
            return
        self.word_table = IntHashTable(wh, np.arange(nw))
        self.has_bigrams = len(bi) > 0
        if self.has_bigrams:
            self.bi_table = IntHashTable((bi[:, 0] * nw + bi[:, 1]).astype(np.uint64),
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
        if self.added_cols:  # the analyzer's decade and indicator tokens, counted like words
            found = [(i, self.added_cols.get(token, -1)) for i, d in enumerate(docs)
                     for token in added_tokens(d, self.decades, self.indicators)]
            found = np.array([f for f in found if f[1] >= 0], dtype=np.int64).reshape(-1, 2)
            rows.append(found[:, 0])
            cols.append(found[:, 1])
        r = np.concatenate(rows)
        c = np.concatenate(cols).astype(np.int32)
        if len(rows) > 1:  # merge of the row-sorted runs (timsort: linear)
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
