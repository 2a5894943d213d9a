import json

import numpy as np
import pytest

from framing import ExperimentConfig, ModelError, load_model, load_project, save_model
from framing.model.classifier import DimensionModel, FramingModel


@pytest.fixture()
def data(project):
    return load_project(ExperimentConfig(), project)


def fit(data):
    model = FramingModel(data.codebook, ExperimentConfig())
    for dim in data.codebook.dimensions:
        model.fit_dimension(dim, data.table["text"].tolist(), data.table[dim.name].tolist())
    return model


def test_probabilities_match_the_pipeline_and_sum_to_one(data):
    model = fit(data)
    texts = ["A glorious win for the team.", "Cold rain and despair.", ""]
    mood = model.dimensions["mood"]
    ours = mood.predict_proba(texts)
    theirs = mood.pipeline_.predict_proba(texts)
    order = [list(mood.pipeline_.named_steps["clf"].classes_).index(lab) for lab in mood.labels_]
    np.testing.assert_allclose(ours, theirs[:, order], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.sum(axis=1), 1.0, rtol=1e-6)
    topics = model.dimensions["topics"]
    np.testing.assert_allclose(topics.predict_proba(texts), topics.pipeline_.predict_proba(texts), rtol=1e-5, atol=1e-6)


def test_learns_the_signal(data):
    model = fit(data)
    pred = model.predict(["The team won a glorious victory.", "Storms and dismal rain."])
    assert pred["mood"].tolist() == ["upbeat", "gloomy"]
    assert pred["topics"].tolist() == ["sport", "weather"]
    assert list(pred.columns[:4]) == ["mood:upbeat", "mood:gloomy", "mood", "topics:sport"]


def test_binary_and_unseen_labels_keep_codebook_order():
    dim = DimensionModel(("a", "b", "c"), False).fit(["xx xx", "yy yy", "xx", "yy"], ["c", "a", "c", "a"])
    proba = dim.predict_proba(["xx", "yy"])
    assert proba.shape == (2, 3) and np.all(proba[:, 1] == 0)
    assert proba[0, 2] > 0.5 and proba[1, 0] > 0.5


def test_single_label_dimension_with_one_value_is_refused():
    with pytest.raises(ModelError, match="only one label"):
        DimensionModel(("a", "b"), False).fit(["xx", "yy"], ["a", "a"])


def test_texts_without_tokens_are_explained():
    with pytest.raises(ModelError, match="no usable features"):
        DimensionModel(("a", "b"), False).fit(["!", "?"], ["a", "b"])


def test_save_load_and_tamper(tmp_path, data):
    model = fit(data)
    save_model(model, tmp_path)
    loaded = load_model(tmp_path)
    meta = loaded.meta
    assert loaded.notes == [] and meta["codebook"]["name"] == "tiny"
    text = ["A glorious win."]
    np.testing.assert_allclose(loaded.predict(text)["mood:upbeat"], model.predict(text)["mood:upbeat"])
    meta["versions"]["scikit-learn"] = "0.0.1"
    (tmp_path / "meta.json").write_text(json.dumps(meta))
    assert "0.0.1" in load_model(tmp_path).notes[0]
    with open(tmp_path / meta["model_file"], "ab") as handle:
        handle.write(b"tampered")
    with pytest.raises(ModelError, match="does not match the hash"):
        load_model(tmp_path)


def test_missing_model_or_meta(tmp_path, data):
    with pytest.raises(ModelError, match="no trained model"):
        load_model(tmp_path)
    save_model(fit(data), tmp_path)
    (tmp_path / "meta.json").unlink()
    with pytest.raises(ModelError, match="meta.json is missing"):
        load_model(tmp_path)


def test_prefix_analyzer_pools_inflections_and_pickles():
    import pickle

    from framing.model.classifier import PrefixAnalyzer

    analyzer = PrefixAnalyzer(5, (1, 2))
    assert analyzer("Negotiations stalled; negotiators left.") == ["negot", "stall", "negot", "left", "negot stall",
                                                                   "stall negot", "negot left"]
    assert pickle.loads(pickle.dumps(analyzer))("Talks") == ["talks"]


def test_prefix_features_train_and_predict(data):
    from framing import load_config

    config = load_config(None, ["features.analyzer=prefix", "features.prefix_len=4"])
    model = FramingModel(data.codebook, config)
    dim = data.codebook.dimension("mood")
    model.fit_dimension(dim, data.table["text"].tolist(), data.table["mood"].tolist())
    assert model.predict(["A glorious victory."])["mood"].iloc[0] == "upbeat"
    assert "glor" in set(model.dimensions["mood"].feature_names())


def test_indicators_match_whole_words_stems_and_phrases_of_the_paragraph_only():
    from framing.model.attribution import CONTEXT_MARK
    from framing.model.classifier import PrefixAnalyzer
    from framing.model.tokens import indicator_tokens

    indicators = (("security", ("nuclear", "deterr*", "NATO membership", "Russia's security")),
                  ("history", ("Soviet",)))
    tokens = indicator_tokens("Nuclear deterrence, a deterrent and NATO  membership; Russia’s security and "
                              "nuclear-armed states", indicators)
    assert tokens == ["indicator:security"] * 6  # any case, any spacing, either apostrophe, a hyphen ends a word
    # whole words only: no match inside a word, no ending without the star
    assert indicator_tokens("Thermonuclear power, deterred, deter, Soviets, post-Soviet", indicators) == \
        ["indicator:security", "indicator:history"]
    analyzer = PrefixAnalyzer(5, (1, 1), indicators=indicators)
    assert analyzer("The Soviet past" + CONTEXT_MARK + "nuclear talk").count("indicator:history") == 1
    assert not any(t.startswith("indicator:") for t in analyzer("nuclear"[:0] + "Peace talks resumed"))
    assert not any(t.startswith("indicator:") for t in PrefixAnalyzer(5, (1, 1))("Nuclear deterrence"))


def test_decades_read_years_of_the_paragraph_only():
    from framing.model.attribution import CONTEXT_MARK
    from framing.model.classifier import PrefixAnalyzer

    tokens = PrefixAnalyzer(5, (1, 1), decades=True)("Since 2014, as in the 1990s and 1991’s vote; 1200 troops"
                                                     + CONTEXT_MARK + "back in 1980")
    assert [t for t in tokens if t.startswith("decade:")] == ["decade:2010s", "decade:1990s", "decade:1990s"]
    assert not any(t.startswith("decade:") for t in PrefixAnalyzer(5, (1, 1))("Since 2014"))
