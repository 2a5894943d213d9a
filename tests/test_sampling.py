import numpy as np
import pandas as pd
import pytest

from framing import FramingError
from framing.labels.sampling import order_paragraphs, stratified_order, take_quotas, uncertainty_scores, uncertainty_stratified


def corpus(n_outlets=3, n_articles=5, n_paragraphs=6):
    rows = [{"paragraph_id": f"{o}{a}:{p}", "article_id": f"{o}{a}", "outlet": o}
            for o in "ABC"[:n_outlets] for a in range(n_articles) for p in range(n_paragraphs)]
    return pd.DataFrame(rows)


def test_stratified_prefix_spreads_over_outlets_and_articles():
    ordered = stratified_order(corpus(), seed=3)
    first = ordered.head(15)
    assert first["outlet"].value_counts().tolist() == [5, 5, 5]
    assert first["article_id"].nunique() == 15  # one paragraph from each article before any second
    assert sorted(ordered["paragraph_id"]) == sorted(corpus()["paragraph_id"])


def test_orders_are_seeded_and_complete():
    frame = corpus()
    assert order_paragraphs(frame, "random", seed=1).equals(order_paragraphs(frame, "random", seed=1))
    assert order_paragraphs(frame, "corpus")["paragraph_id"].tolist() == frame["paragraph_id"].tolist()
    with pytest.raises(FramingError, match="unknown order"):
        order_paragraphs(frame, "alphabetical")


def test_uncertainty_puts_doubtful_first():
    frame = corpus(1, 1, 3)
    proba = {"tone": np.array([[0.9, 0.1], [0.5, 0.5], [0.7, 0.3]])}
    scores = pd.Series(uncertainty_scores(proba, {"tone": False}))
    assert order_paragraphs(frame, "uncertainty", uncertainty=scores)["paragraph_id"].tolist() == ["A0:1", "A0:2", "A0:0"]
    multi = uncertainty_scores({"f": np.array([[0.5, 0.5], [0.0, 1.0]])}, {"f": True})
    assert multi.tolist() == [1.0, 0.0]


def test_quotas():
    got = take_quotas(stratified_order(corpus()), {"A": 4, "B": 2})
    assert got["outlet"].value_counts().to_dict() == {"A": 4, "B": 2}
    with pytest.raises(FramingError, match=r"no paragraphs for outlet \['Z'\]") as caught:
        take_quotas(corpus(), {"Z": 1})
    assert caught.value.fix == "choose among: A, B, C"
    with pytest.raises(FramingError, match=r"no paragraphs for outlet \['A'\]") as caught:  # all labelled or excluded
        take_quotas(corpus().iloc[:0], {"A": 1})
    assert caught.value.fix == "no paragraph is left to choose from (labelled and excluded ones are left out)"


def test_uncertainty_stratified_takes_each_outlets_most_uncertain_in_turn():
    frame = corpus(2, 1, 3)  # A0:0..2, B0:0..2
    scores = pd.Series([0.9, 0.8, 0.7, 0.1, 0.3, 0.2])
    ordered = order_paragraphs(frame, "uncertainty-stratified", uncertainty=scores, seed=0)
    ids = ordered["paragraph_id"].tolist()
    assert ids[:2] in (["A0:0", "B0:1"], ["B0:1", "A0:0"])  # the most uncertain of each outlet first
    assert sorted(ids[2:4]) == ["A0:1", "B0:2"]
    assert uncertainty_stratified(frame, scores.to_numpy())["outlet"].value_counts().tolist() == [3, 3]


def test_quotas_are_outlet_equals_count():
    from framing import ConfigError
    from framing.labels.sampling import parse_quotas

    assert parse_quotas(["Guardian=300", "A=B=2"]) == {"Guardian": 300, "A=B": 2}
    with pytest.raises(ConfigError, match="is not OUTLET=N"):
        parse_quotas(["Guardian:300"])
    with pytest.raises(ConfigError, match="asks for no paragraphs"):
        parse_quotas(["Guardian=0"])
    with pytest.raises(ConfigError, match="Guardian already has a quota"):
        parse_quotas(["Guardian=3", "Guardian=5"])


def test_an_outlet_with_nothing_left_says_why(project):
    from framing.config import load_config
    from framing.labels.sampling import sample_batch

    config = load_config(None)  # the fixture's tester has labelled every paragraph
    with pytest.raises(FramingError, match=r"all 9 paragraphs of Herald are labelled already — pass --no-skip-labelled"):
        sample_batch(config, project, quotas={"Herald": 2})
    assert len(sample_batch(config, project, quotas={"Herald": 2}, skip_labelled=False)) == 2
    batch = project / "b.csv"
    sample_batch(config, project, quotas={"Herald": 9}, skip_labelled=False, output=batch)
    with pytest.raises(FramingError, match=r"all 9 paragraphs of Herald are in the --exclude batches — drop an --exclude"):
        sample_batch(config, project, quotas={"Herald": 2}, skip_labelled=False, exclude=[batch])
    with pytest.raises(FramingError, match=r"no outlet 'Nope' in the corpus — choose among: Daily, Herald"):
        sample_batch(config, project, quotas={"Nope": 2})


def test_exclude_files_that_are_missing_or_not_batches_are_named(project):
    from framing.config import load_config
    from framing.labels.sampling import sample_batch

    config = load_config(None)
    with pytest.raises(FramingError, match=r"nope.csv: --exclude: no such file"):
        sample_batch(config, project, quotas={"Herald": 2}, skip_labelled=False, exclude=[project / "nope.csv"])
    pd.DataFrame({"id": ["x"], "text": ["y"]}).to_csv(project / "other.csv", index=False)
    with pytest.raises(FramingError, match=r"other.csv: --exclude: no paragraph_id column"):
        sample_batch(config, project, quotas={"Herald": 2}, skip_labelled=False, exclude=[project / "other.csv"])


def test_sample_by_uncertainty_uses_the_trained_model_and_says_when_a_quota_is_short(project):
    from typer.testing import CliRunner

    from framing.cli import app

    runner = CliRunner()
    args = ["labels", "sample", "--root", str(project), "--no-skip-labelled", "--out", str(project / "b.csv")]
    result = runner.invoke(app, [*args, "--quota", "Herald=2", "--order", "uncertainty"])
    assert result.exit_code == 1 and "need a trained model" in result.output and "framing train" in result.output
    assert runner.invoke(app, ["train", "--root", str(project), "--set", "evaluate.folds=3"]).exit_code == 0
    result = runner.invoke(app, [*args, "--quota", "Herald=2", "--order", "uncertainty"])
    assert result.exit_code == 0 and "wrote 2 paragraph" in result.output, result.output
    result = runner.invoke(app, [*args, "--quota", "Herald=50"])
    assert result.exit_code == 0 and "Herald: 9 of the 50 paragraphs asked for" in result.output, result.output
