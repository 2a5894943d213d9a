"""The fast path must give exactly what scikit-learn gives, or hand over to it."""

import numpy as np
import pytest
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from framing.model.scoring import top_terms_fast
from framing.model.tfidf import FastTfidf, unsupported_reason
from framing.model.classifier import PrefixAnalyzer

TRAIN = ["The team won the match again", "Storms again and rain in the north", "glorious victory for the team",
         "rain, gloom and storms", "Kyiv and Moscow talk; the talks stall", "Київ і Москва", "ÉLAN naïve café",
         "the_team 42 x y 4_5 __ _a", "İstanbul ẞ Straße", "ὈΔΥΣΣΕΎΣ odysseus", "emoji 🎉 party 🎉 party",
         "since 2014, as in the 1990s", "1991’s vote and 2022's war", "1800 2099 1799 2100 19999 2014a"] * 2
EDGE = ["", "   ", "!!!", "a b c", "the team team team", "İİ ßß ǅ ﬁne", "x\u200by zero\u2028width\u2029",
        "TEAM won", "nul\x00byte", "2014 2014 1995s", "in 2014\x1ein 1990s", "x2014 2014-07 ٢٠١٤", "lone \ud800 surrogate", "v" * 300, "12 345 ٣٤ ²³ Ⅻ", "Москва talk"]

CONFIGS = [dict(), dict(ngram_range=(1, 2)), dict(ngram_range=(2, 2)), dict(ngram_range=(1, 2), min_df=2),
           dict(sublinear_tf=True, dtype=np.float32), dict(lowercase=False), dict(binary=True, norm="l1"),
           dict(use_idf=False, norm=None), dict(smooth_idf=False, max_features=20, ngram_range=(1, 2)),
           dict(ngram_range=(1, 2), max_df=0.3)]


PREFIX_CONFIGS = [
    (TfidfVectorizer, dict(analyzer=PrefixAnalyzer(5, (1, 2)), sublinear_tf=True, dtype=np.float32)),
    (TfidfVectorizer, dict(analyzer=PrefixAnalyzer(5, (1, 2), decades=True), sublinear_tf=True, dtype=np.float32)),
    (CountVectorizer, dict(analyzer=PrefixAnalyzer(4, (1, 1), decades=True), dtype=np.float64)),
    (TfidfVectorizer, dict(analyzer=PrefixAnalyzer(5, (1, 2), decades=True, indicators=(
        ("games", ("team", "match*", "the talks")), ("sky", ("rain", "storm*", "Київ")), ("none", ("absent phrase",)))),
        sublinear_tf=True, dtype=np.float32)),
    (TfidfVectorizer, dict(analyzer=PrefixAnalyzer(3, (1, 1)), lowercase=False)),
    (TfidfVectorizer, dict(analyzer=PrefixAnalyzer(1, (2, 2)), norm="l1")),
    (CountVectorizer, dict(analyzer=PrefixAnalyzer(5, (1, 1)), binary=True, dtype=np.float64)),
    (CountVectorizer, dict(ngram_range=(1, 2), dtype=np.float32)),
]


@pytest.mark.parametrize("params", CONFIGS + PREFIX_CONFIGS)
def test_bit_identical_to_sklearn(params):
    kind, params = params if isinstance(params, tuple) else (TfidfVectorizer, params)
    vec = kind(**params).fit(TRAIN)
    fast = FastTfidf(vec)
    assert fast.fast, fast.reason
    docs = EDGE + TRAIN + EDGE
    want, got = vec.transform(docs), fast.transform(docs)
    assert got.dtype == want.dtype and got.shape == want.shape
    assert np.array_equal(got.indptr, want.indptr) and np.array_equal(got.indices, want.indices)
    assert np.array_equal(got.data, want.data)  # bit for bit, not approximately
    parts = sparse.vstack([fast.transform(docs[i:i + 5]) for i in range(0, len(docs), 5)], format="csr")
    assert (parts != got).nnz == 0
    assert fast.transform([]).shape == (0, len(vec.vocabulary_))


@pytest.mark.parametrize("params", [dict(analyzer="char_wb", ngram_range=(2, 4)), dict(stop_words="english"),
                                    dict(ngram_range=(1, 3)), dict(token_pattern=r"\w+"), dict(strip_accents="unicode")])
def test_unsupported_options_fall_back(params):
    assert unsupported_reason(TfidfVectorizer(analyzer=PrefixAnalyzer(5, (1, 3))).fit(TRAIN)) == "ngram_range"
    vec = TfidfVectorizer(**params).fit(TRAIN)
    fast = FastTfidf(vec)
    assert not fast.fast and unsupported_reason(vec)
    assert (fast.transform(EDGE) != vec.transform(EDGE)).nnz == 0


def test_top_terms_fast_equals_the_loop():
    from framing.model.explain import top_terms

    class Dim:  # what explain.top_terms reads
        def __init__(self, vec, coef):
            self.coef_, self._vec = coef, vec

        def feature_names(self):
            return self._vec.get_feature_names_out()

        def term_coef(self, names):
            return self.coef_

    vec = TfidfVectorizer(ngram_range=(1, 2)).fit(TRAIN)
    X = vec.transform(TRAIN + EDGE)
    rng = np.random.default_rng(0)
    coef = rng.normal(size=(X.shape[1], 3))
    coef[1::2] = coef[0::2][: len(coef[1::2])]  # neighbouring features share weights: ties
    index = rng.integers(-1, 3, X.shape[0])
    names = np.asarray(vec.get_feature_names_out(), dtype=object)
    for k in (1, 3, 10):
        assert top_terms_fast(X, coef, names, index, k=k) == top_terms(Dim(vec, coef), X, index, k=k)
