import json
import random

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from framing import ConfigError, LabelsError, load_config, load_project
from framing.cli import app
from framing.config import FeaturesConfig
from framing.model.scoring import FastScorer
from framing.labels.importer import import_table
from framing.labels.store import rationales
from framing.model.lexicon import RationaleLexicon
from framing.model.classifier import DimensionModel, PrefixAnalyzer

FILLER = ("the committee met on tuesday to discuss the budget proposal and the schedule for next year "
          "while officials reviewed reports from several regional offices about roads schools and water").split()
LOADED = [f"{stem}{tail}" for stem in ("outrag", "disgrac", "shamel", "reckle", "bizarr", "appall", "vicio", "sinist",
                                      "corrupt", "hysteri", "absurd", "pathet", "ruthle", "deceit", "cowardl")
          for tail in ("ous", "ly", "ness", "ed")]


def dataset(n_articles=120, seed=7):
    """Sentences in articles of 2; a biased sentence carries one loaded word (marked by the
    annotator), a neutral one none. Loaded words are many and each is rare."""
    rng = random.Random(seed)
    rows = []
    for a in range(n_articles):
        for s in range(2):
            words = rng.sample(FILLER, 9)
            biased = rng.random() < 0.5
            marked = []
            if biased:
                word = rng.choice(LOADED)
                words.insert(rng.randrange(len(words)), word)
                marked = [word]
            rows.append({"text": " ".join(words) + ".", "label": "biased" if biased else "neutral",
                         "article": f"art{a}", "marks": marked})
    return pd.DataFrame(rows)


def test_lexicon_scores_marked_words_and_reads_only_text():
    data = dataset()
    lexicon = RationaleLexicon(PrefixAnalyzer(5, (1, 1)))
    train = lexicon.fit_transform(data["text"], data["marks"], groups=data["article"])
    assert train.shape == (len(data), 5)
    assert np.allclose(train.mean(axis=0), 0) and np.allclose(train.std(axis=0), 1)
    loaded = lexicon.transform(["the committee met outrageously"])
    plain = lexicon.transform(["the committee met on tuesday"])
    assert loaded[0, 0] > plain[0, 0] + 1  # "max" feature, in standard units
    top = [word for word, _ in lexicon.top_words(k=10, min_count=2)]
    assert top and all(any(w.startswith(word) for w in LOADED) for word in top)
    assert list(lexicon.get_feature_names_out())[:2] == ["lexicon:marked:max", "lexicon:marked:top3"]


def test_training_rows_never_see_their_own_articles_marks():
    texts = ["a quirkyword appears here", "plain words only", "plain words again", "more plain words",
             "still plain words", "plain text here too"]
    marks = [["quirkyword"], [], [], [], [], []]
    lexicon = RationaleLexicon(PrefixAnalyzer(5, (1, 1)), folds=3)
    groups = ["g0", "g1", "g2", "g3", "g4", "g5"]
    raw_train = lexicon.fit_transform(texts, marks, groups=groups) * lexicon.scale_ + lexicon.mean_
    raw_full = lexicon.transform(texts[:1]) * lexicon.scale_ + lexicon.mean_
    # Learnt on all rows, "quirkyword" scores high; the row's own cross-fitted score knows nothing of it.
    assert raw_full[0, 0] > 0.3
    assert raw_train[0, 0] < 0.1


def test_rows_nobody_asked_teach_the_lexicon_nothing():
    texts = ["a quirkyword here", "quirkyword again", "plain words", "more plain words"]
    lexicon = RationaleLexicon(PrefixAnalyzer(5, (1, 1)), smoothing=0.0)
    lexicon.fit(texts, [["quirkyword"], None, [], []])
    word = lexicon.vocabulary_["quirk"]
    assert lexicon.scores_["marked"][word] == 1.0  # marked in the only asked row that has it
    lexicon.fit(texts, [["quirkyword"], [], [], []])
    assert lexicon.scores_["marked"][word] == 0.5  # asked twice, marked once


def test_by_label_adds_one_lexicon_per_marked_label():
    data = dataset()
    lexicon = RationaleLexicon(PrefixAnalyzer(5, (1, 1)), by_label=True)
    features = lexicon.fit_transform(data["text"], data["marks"], data["label"], data["article"])
    assert lexicon.lexicons_ == ["marked", "biased"]  # "neutral" rows carry no marks
    assert features.shape[1] == 10


def _cv_macro_f1(data, lexicon):
    from sklearn.metrics import f1_score
    from sklearn.model_selection import GroupKFold

    features = FeaturesConfig(lexicon=lexicon)
    predicted = np.empty(len(data), dtype=object)
    for train, test in GroupKFold(5).split(data, groups=data["article"]):
        part = data.iloc[train]
        model = DimensionModel(("biased", "neutral"), False, features).fit(
            part["text"].tolist(), part["label"].tolist(), part["marks"].tolist(), part["article"].tolist())
        proba = model.predict_proba(data["text"].iloc[test].tolist())
        predicted[test] = np.array(model.labels_)[proba.argmax(axis=1)]
    return f1_score(data["label"], predicted, average="macro")


def test_rationale_lexicon_helps_when_signal_words_are_many_and_rare():
    data = dataset()
    without, with_lexicon = _cv_macro_f1(data, "none"), _cv_macro_f1(data, "rationale")
    assert with_lexicon > without + 0.05, (without, with_lexicon)


@pytest.mark.parametrize("kind", ["rationale", "rationale-by-label"])
def test_model_with_lexicon_predicts_from_text_and_fast_scorer_agrees(kind):
    from framing.labels.codebook import Codebook, Dimension, Label
    from framing.config import ExperimentConfig
    from framing.model.scoring import LeanLexicon, UnionTransform
    from framing.model.classifier import FramingModel

    data = dataset(40)
    config = ExperimentConfig()
    config.features.lexicon = kind
    codebook = Codebook("t", "1", (Dimension("bias", "single", (Label("biased"), Label("neutral"))),))
    model = FramingModel(codebook, config)
    dim = model.fit_dimension(codebook.dimensions[0], data["text"].tolist(), data["label"].tolist(),
                              data["marks"].tolist(), data["article"].tolist())
    names = list(dim.feature_names())
    assert "lexicon:marked:max" in names and "outra" not in names  # word features keep their plain names
    assert ("lexicon:biased:max" in names) == (kind == "rationale-by-label")  # the shipped tone model's kind
    texts = ["the budget was outrageous", "the committee met"]
    expected = dim.predict_proba(texts)
    scorer = FastScorer(model)
    (_, _, proba), = scorer.score(texts)
    assert np.allclose(proba, expected)
    transform = scorer.groups[0].transform
    assert isinstance(transform, UnionTransform) and isinstance(transform.parts[1], LeanLexicon)  # not sklearn's


def test_dimensions_with_different_lexicons_are_scored_apart():
    """Same texts, same vocabulary, different marks: the fast scorer must not share one lexicon."""
    from framing.labels.codebook import Codebook, Dimension, Label
    from framing.config import ExperimentConfig
    from framing.model.classifier import FramingModel

    data = dataset(60)
    flipped = data["label"].map({"biased": "neutral", "neutral": "biased"})
    no_marks = [[] for _ in range(len(data))]
    no_marks[0] = [data["text"].iloc[0].split()[0]]  # one mark: a lexicon, but a different one
    config = ExperimentConfig()
    config.features.lexicon = "rationale"
    dims = (Dimension("bias", "single", (Label("biased"), Label("neutral"))),
            Dimension("other", "single", (Label("biased"), Label("neutral"))))
    model = FramingModel(Codebook("t", "1", dims), config)
    model.fit_dimension(dims[0], data["text"].tolist(), data["label"].tolist(), data["marks"].tolist(), data["article"].tolist())
    model.fit_dimension(dims[1], data["text"].tolist(), flipped.tolist(), no_marks, data["article"].tolist())
    texts = ["the budget was outrageous", "the committee met", "a shameless and reckless plan"]
    scorer = FastScorer(model)
    for name, _, proba in scorer.score(texts):
        assert np.allclose(proba, model.dimensions[name].predict_proba(texts)), name
    text_parts = [group.transform.parts[0] for group in scorer.groups]
    assert len(text_parts) == 2 and text_parts[0] is text_parts[1]  # one text vectoriser, transformed once
    assert scorer.groups[0].transform.parts[1] is not scorer.groups[1].transform.parts[1]


def test_lexicon_without_rationales_is_the_plain_model():
    data = dataset(30)
    args = (data["text"].tolist(), data["label"].tolist())
    plain = DimensionModel(("biased", "neutral"), False, FeaturesConfig()).fit(*args)
    asked = DimensionModel(("biased", "neutral"), False, FeaturesConfig(lexicon="rationale")).fit(*args, [None] * len(data))
    assert np.allclose(plain.predict_proba(["outrageous budget"]), asked.predict_proba(["outrageous budget"]))


def test_bad_lexicon_setting_is_a_config_error():
    with pytest.raises(ConfigError, match="features.lexicon"):
        load_config(overrides=["features.lexicon=words"])


def test_rationale_must_be_a_list_of_words(tmp_path, codebook):
    from framing.labels.store import read_labels

    dim = codebook.dimensions[0]
    record = {"paragraph_id": "a:0:x", "dimension": dim.name, "value": [dim.label_names[0]], "annotator": "x",
              "time": "2026-11-25T10:00:00+00:00", "rationale": "bizarre"}
    path = tmp_path / "l.jsonl"
    path.write_text(json.dumps(record) + "\n")
    with pytest.raises(LabelsError, match=r"rationale must be a list") as err:
        read_labels(path, codebook)
    assert err.value.line == 1


def test_rationales_are_pooled_across_annotators():
    labels = pd.DataFrame([
        {"paragraph_id": "p1", "dimension": "bias", "value": ["biased"], "annotator": "a", "rationale": ["cult", "fringe"]},
        {"paragraph_id": "p1", "dimension": "bias", "value": ["biased"], "annotator": "b", "rationale": ["fringe", "extreme"]},
        {"paragraph_id": "p2", "dimension": "bias", "value": ["neutral"], "annotator": "a", "rationale": None},
    ])
    pooled = rationales(labels)
    assert pooled.loc["p1", "bias__rationale"] == ["cult", "fringe", "extreme"]
    assert "p2" not in pooled.index
    assert rationales(labels.assign(rationale=None)).empty


def marked_table(tmp_path, fmt="list"):
    data = dataset(60)
    if fmt == "list":
        data["marks"] = data["marks"].map(lambda m: str(m) if m else "")
    else:
        data["marks"] = data["marks"].map("|".join)
    path = tmp_path / "marked.csv"
    data.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("fmt", ["list", "split"])
def test_import_reads_rationales_in_either_form(tmp_path, fmt):
    out = tmp_path / "proj"
    summary = import_table(marked_table(tmp_path, fmt), out, text="text", labels={"bias": "label"}, group="article",
                           rationales={"bias": "marks"})
    data = load_project(load_config(out / "experiments/default/config.toml"), out)
    marks = data.table["bias__rationale"]
    assert marks.map(lambda m: isinstance(m, list)).all()  # every row was asked: [] = nothing marked
    marked = marks[marks.map(len) > 0]
    assert summary["dimensions"]["bias"]["with_rationale"] == len(marked) > 0
    assert all(len(m) == 1 and m[0] in LOADED for m in marked)


def test_import_refuses_an_unreadable_rationale_list(tmp_path):
    path = tmp_path / "bad.csv"
    pd.DataFrame({"text": ["a b", "c d"], "label": ["x", "y"], "marks": ["['a'", ""]}).to_csv(path, index=False)
    with pytest.raises(LabelsError, match=r"row 1: marks value .* cannot be read"):
        import_table(path, tmp_path / "p", text="text", labels={"bias": "label"}, rationales={"bias": "marks"})
    with pytest.raises(LabelsError, match="--rationale names"):
        import_table(path, tmp_path / "p", text="text", labels={"bias": "label"}, rationales={"tone": "marks"})


def test_lexicon_through_the_cli(tmp_path):
    out = tmp_path / "proj"
    runner = CliRunner()
    result = runner.invoke(app, ["import", "table", str(marked_table(tmp_path)), "--out", str(out), "--text", "text",
                                 "--label", "bias=label", "--group", "article", "--rationale", "bias=marks"])
    assert result.exit_code == 0, result.output
    assert "with a rationale" in result.output
    result = runner.invoke(app, ["train", "--root", str(out), "--set", "features.lexicon=rationale"])
    assert result.exit_code == 0, result.output
    new = tmp_path / "new.jsonl"
    new.write_text(json.dumps({"id": "n1", "text": "the committee was appallingly reckless"}) + "\n")
    result = runner.invoke(app, ["predict", str(new), "--paragraphs", "--model", str(out / "experiments/default"),
                                 "--out", str(tmp_path / "pred.csv")])
    assert result.exit_code == 0, result.output
    assert pd.read_csv(tmp_path / "pred.csv")["bias"].tolist() == ["biased"]


def test_evaluate_warns_when_the_lexicon_has_no_rationales(project):
    result = CliRunner().invoke(app, ["evaluate", "--root", str(project), "--set", "features.lexicon=rationale"])
    assert result.exit_code == 0, result.output
    assert "no mood label carries a rationale: trained on text alone" in result.output


def test_top_terms_are_words_not_lexicon_scores(tmp_path):
    out = tmp_path / "proj"
    runner = CliRunner()
    assert runner.invoke(app, ["import", "table", str(marked_table(tmp_path)), "--out", str(out), "--text", "text",
                               "--label", "bias=label", "--group", "article", "--rationale", "bias=marks"]).exit_code == 0
    assert runner.invoke(app, ["train", "--root", str(out), "--set", "features.lexicon=rationale"]).exit_code == 0
    new = tmp_path / "new.jsonl"
    new.write_text(json.dumps({"id": "n1", "text": "the committee was appallingly reckless with the budget"}) + "\n")
    for engine in ("fast", "sklearn"):
        result = runner.invoke(app, ["predict", str(new), "--paragraphs", "--model", str(out / "experiments/default"),
                                     "--out", str(tmp_path / f"{engine}.csv"), "--engine", engine])
        assert result.exit_code == 0, result.output
        terms = pd.read_csv(tmp_path / f"{engine}.csv")["bias__terms"].iloc[0]
        assert "lexicon" not in terms and terms, terms
