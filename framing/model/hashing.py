"""Hashing for the exact fast TF-IDF path: which code points are word characters (as ``re``'s
``\\w``), polynomial hashes of token spans, and an open-addressing table from hashes to columns."""

from __future__ import annotations

import numpy as np


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



class IntHashTable:
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



class PolyHash:
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
