import numpy as np

from framing.config import load_config
from framing.model.classifier import build_vectorizer, dimension_model
from framing.model.refit import TextCounts, fit_predict, targets

from test_active import codebook, synthetic


def test_subset_tfidf_equals_a_vectorizer_fitted_on_the_subset():
    cfg = load_config(None, ["features.analyzer=prefix"])
    texts = synthetic(20, 5)["text"].tolist()
    train, test = np.arange(0, 60), np.arange(60, 100)
    X_train, X_test = TextCounts(texts, cfg).fit_transform(train, test)
    vectorizer = build_vectorizer(cfg.features)
    expected_train = vectorizer.fit_transform([texts[i] for i in train])
    expected_test = vectorizer.transform([texts[i] for i in test])
    # same vocabulary order (sorted terms), same weights
    assert np.allclose(X_train.toarray(), expected_train.toarray(), atol=1e-6)
    assert np.allclose(X_test.toarray(), expected_test.toarray(), atol=1e-6)


def test_refit_gives_the_models_probabilities():
    cfg = load_config(None, ["features.analyzer=prefix"])
    table = synthetic(30, 5)
    texts = table["text"].tolist()
    train, test = np.arange(0, 100), np.arange(100, 150)
    X_train, X_test = TextCounts(texts, cfg).fit_transform(train, test)
    for dim in codebook().dimensions:
        values = table[dim.name].tolist()
        fast = fit_predict(dim, cfg, X_train, targets(dim, [values[i] for i in train]), X_test)[0]
        model = dimension_model(dim, cfg).fit([texts[i] for i in train], [values[i] for i in train])
        assert np.abs(fast - model.predict_proba([texts[i] for i in test])).max() < 0.02
