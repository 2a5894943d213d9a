import numpy as np
import pytest
from sklearn.metrics import f1_score

from framing import ExperimentConfig, cross_validate, load_config, load_project
from framing.evaluate.cv import cross_validate_dimension
from framing.evaluate.thresholds import choose_thresholds


@pytest.fixture()
def data(project):
    return load_project(load_config(project / "experiments/default/config.toml"), project)


def test_folds_never_split_an_article(data):
    config = load_config(None, ["evaluate.folds=3"])
    for dim in data.codebook.dimensions:
        result = cross_validate_dimension(data.table, dim, config)
        folds = result.oof.groupby("article_id")[f"{dim.name}__fold"].nunique()
        assert (folds == 1).all() and result.folds == 3
        assert result.oof[f"{dim.name}__fold"].ge(0).all()


def test_metrics_beat_the_baseline_on_learnable_data(data):
    config = load_config(None, ["evaluate.folds=3", "features.ngram_max=1", "classifier.C=10"])
    mood, topics = cross_validate(data.table, data.codebook, config)
    assert mood.metrics["macro_f1"] > mood.metrics["baseline_macro_f1"]
    assert mood.metrics["macro_f1"] >= 0.8
    assert topics.metrics["labels"]["sport"]["support"] == 9
    # micro-F1 is the out-of-fold decisions' (p >= the fixed threshold) against the hand labels
    truth = np.array([[name in v for name in ("sport", "weather")] for v in topics.oof["topics__true"].fillna("").str.split("|")])
    pred = topics.oof[["topics:sport", "topics:weather"]].to_numpy() >= config.classifier.fixed_threshold
    assert topics.metrics["micro_f1"] == pytest.approx(f1_score(truth, pred, average="micro", zero_division=0))


def test_too_few_examples_is_said_not_raised(data):
    config = load_config(None, ["evaluate.min_examples=50"])
    mood = cross_validate(data.table, data.codebook, config)[0]
    assert not mood.metrics["labels"]["upbeat"]["reliable"]
    assert any("too few to evaluate reliably" in w for w in mood.warnings)


def test_one_group_cannot_be_cross_validated(data):
    table = data.table[data.table["outlet"] == "Daily"]
    result = cross_validate(table, data.codebook, ExperimentConfig(), by="outlet")[0]
    assert result.metrics == {} and "cannot cross-validate" in result.warnings[0]


def test_leave_one_outlet_out(data):
    result = cross_validate(data.table, data.codebook, ExperimentConfig(), by="outlet")[0]
    assert result.folds == 2
    assert (result.oof.groupby("outlet")["mood__fold"].nunique() == 1).all()


def test_thresholds_maximise_oof_f1(data):
    config = load_config(None, ["evaluate.folds=3"])
    topics = cross_validate(data.table, data.codebook, config)[1]
    dim = data.codebook.dimension("topics")
    thresholds = choose_thresholds(topics, dim)
    assert set(thresholds) == {"sport", "weather"}
    assert all(0.05 <= t <= 0.95 for t in thresholds.values())
    grid = np.round(np.arange(0.05, 0.951, 0.05), 2)
    for name in ("sport", "weather"):
        truth = np.array([name in v for v in topics.oof["topics__true"].fillna("").str.split("|")])
        p = topics.oof[f"topics:{name}"].to_numpy()
        scores = {t: f1_score(truth, p >= t, zero_division=0) for t in grid}
        assert scores[thresholds[name]] == max(scores.values())  # the best out-of-fold F1 on the grid


def test_cross_fitted_thresholds_never_use_a_folds_own_labels():
    from framing.evaluate.thresholds import _cross_fitted_cuts, best_threshold

    rng = np.random.default_rng(0)
    truth = (rng.random((60, 1)) < 0.3).astype(int)
    proba = np.clip(truth * 0.35 + rng.random((60, 1)) * 0.5, 0, 1)
    folds = np.repeat(np.arange(3), 20)
    cuts = _cross_fitted_cuts(truth, proba, folds)
    for k in range(3):
        other = folds != k
        assert np.all(cuts[folds == k, 0] == best_threshold(truth[other, 0], proba[other, 0]))
    flipped = truth.copy()
    flipped[folds == 0] = 1 - flipped[folds == 0]   # a fold's own labels do not move its threshold
    assert np.all(_cross_fitted_cuts(flipped, proba, folds)[folds == 0] == cuts[folds == 0])


def test_oof_thresholds_are_saved_with_the_model(project):
    from framing import load_model, train

    config = load_config(project / "experiments/default/config.toml", ["classifier.threshold=oof"])
    result = train(config, project)
    assert "cross-fitted" in str(result.metrics["topics"]["threshold"])
    model = load_model(project / "experiments/default")
    assert set(model.thresholds["topics"]) == {"sport", "weather"}


def test_time_forward_trains_only_on_earlier_paragraphs(data):
    from framing.evaluate.forward import forward_cut, forward_dimension

    config = load_config(None, ["evaluate.folds=2", "evaluate.forward_share=0.34"])
    cut = forward_cut(data.table, config)
    dates = data.table.groupby("article_id")["date"].min().sort_values()
    assert cut == "2025-03-09" and (dates >= cut).sum() == 3  # the latest third of the six articles
    result = forward_dimension(data.table, data.codebook.dimension("mood"), config, cut)
    test = data.table[data.table["date"] >= cut]
    assert set(result.oof["paragraph_id"]) == set(test["paragraph_id"])
    assert result.metrics["train_n"] == int((data.table["date"] < cut).sum()) and result.metrics["cut"] == cut
    assert "mood__pred" in result.oof
    assert load_config(None, ["evaluate.forward_share=0"]) and forward_cut(
        data.table, load_config(None, ["evaluate.forward_share=0"])) is None


def test_metrics_per_collection(data):
    table = data.table.assign(collection=np.where(data.table["outlet"] == "Daily", "news", "wire"))
    result = cross_validate_dimension(table, data.codebook.dimension("mood"), load_config(None, ["evaluate.folds=3"]))
    per = result.metrics["by_collection"]
    assert set(per) == {"news", "wire"} and per["news"]["n"] + per["wire"]["n"] == result.n


def test_offsets_make_a_rare_label_predictable():
    from framing.evaluate.thresholds import best_offsets

    rng = np.random.default_rng(1)
    truth = np.array(["rare"] * 30 + ["common"] * 270)
    signal = np.where(truth == "rare", 0.3, 0.1) + rng.random(300) * 0.15  # rare is likelier, never the top label
    proba = np.column_stack([1 - signal, signal])
    labels = ["common", "rare"]
    assert (proba.argmax(axis=1) == 1).sum() == 0
    offsets = best_offsets(truth, proba, labels)
    pred = np.array(labels)[(np.log(proba) + offsets).argmax(axis=1)]
    assert offsets[0] == 0 and offsets[1] > 0 and (pred[truth == "rare"] == "rare").mean() > 0.8


def test_experiments_table_survives_broken_metrics_and_shows_the_settings_used(project):
    """A corrupt or non-object metrics.json is skipped with a warning naming it; C is the one the
    run used (recorded in metrics.json), not config.toml's; no metrics at all is said in words."""
    import json

    from typer.testing import CliRunner

    from framing.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["experiments", "--root", str(project)])
    assert result.exit_code == 0 and "no experiment" in result.output and "has metrics yet" in result.output
    assert "Empty DataFrame" not in result.output
    result = runner.invoke(app, ["evaluate", "--root", str(project), "--set", "classifier.C=0.5", "--set", "evaluate.folds=3"])
    assert result.exit_code == 0, result.output
    assert json.loads((project / "experiments/default/metrics.json").read_text())["config"]["classifier"]["C"] == 0.5
    for name, text in [("bad", '{"x'), ("list", "[]")]:
        (project / "experiments" / name).mkdir()
        (project / "experiments" / name / "metrics.json").write_text(text)
    result = runner.invoke(app, ["experiments", "--root", str(project)])
    assert result.exit_code == 0, result.output
    assert "skipped" in result.output and "bad/metrics.json" in result.output and "list/metrics.json" in result.output
    row = next(line for line in result.output.splitlines() if line.strip().startswith("default"))
    assert " 0.5 " in row and "metrics.json" in row and " 4.0 " not in row, result.output
