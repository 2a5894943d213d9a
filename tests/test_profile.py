import numpy as np
import pandas as pd
import pytest

from framing import ReportError, outlet_profile
from framing.report.profile import bootstrap_share, indicators


def test_indicators_read_every_value_form(codebook):
    frame = pd.DataFrame({"mood": ["upbeat", "gloomy", None], "topics": [["sport"], "sport|weather", ""]})
    ind = indicators(frame, codebook)
    assert ind["mood:upbeat"].tolist()[:2] == [1.0, 0.0] and np.isnan(ind["mood:upbeat"].iloc[2])
    assert ind["topics:weather"].tolist() == [0.0, 1.0, 0.0]


def test_share_is_exact_and_ci_contains_it():
    rng = np.random.default_rng(0)
    k, n = np.array([1.0, 3.0, 0.0, 2.0]), np.array([4.0, 4.0, 2.0, 2.0])
    share, low, high = bootstrap_share(k, n, n_boot=2000, rng=rng)
    assert share == pytest.approx(6 / 12)
    assert low <= share <= high and 0 <= low and high <= 1


def test_one_article_has_no_interval():
    share, low, high = bootstrap_share(np.array([1.0]), np.array([2.0]), n_boot=100, rng=np.random.default_rng(0))
    assert share == 0.5 and np.isnan(low) and np.isnan(high)


def test_ci_covers_the_truth_on_synthetic_outlets(codebook):
    """Articles drawn with a known label rate: the 95% interval should cover it most of the time."""
    rng = np.random.default_rng(1)
    covered = 0
    for trial in range(40):
        rows = []
        for article in range(30):
            p = np.clip(rng.normal(0.3, 0.1), 0, 1)  # article-level variation around the true 0.3
            for _ in range(rng.integers(3, 9)):
                rows.append({"article_id": f"a{article}", "outlet": "X",
                             "mood": "upbeat" if rng.random() < p else "gloomy", "topics": ""})
        table = outlet_profile(pd.DataFrame(rows), codebook, n_boot=400, seed=trial)
        row = table[(table["label"] == "upbeat")].iloc[0]
        covered += row["ci_low"] <= 0.3 <= row["ci_high"]
    assert covered >= 33  # nominal 38 of 40; allows for sampling noise


def test_profile_counts_and_missing_columns(codebook):
    frame = pd.DataFrame({"article_id": ["a", "a", "b"], "outlet": ["X", "X", "Y"],
                          "mood": ["upbeat", "gloomy", "gloomy"], "topics": ["sport", "", "weather"]})
    table = outlet_profile(frame, codebook, n_boot=200)
    x = table[(table["outlet"] == "X") & (table["label"] == "upbeat")].iloc[0]
    assert x["share"] == 0.5 and x["n_paragraphs"] == 2 and x["n_articles"] == 1
    with pytest.raises(ReportError, match="no column 'outlet'"):
        outlet_profile(frame.drop(columns="outlet"), codebook)


def test_a_label_no_article_has_is_not_a_point_at_zero(codebook):
    frame = pd.DataFrame({"article_id": list("abcdefghij"), "outlet": "X", "mood": "gloomy", "topics": ""})
    row = outlet_profile(frame, codebook, n_boot=200).set_index("label").loc["upbeat"]
    assert row["share"] == 0 and row["ci_low"] == 0 and row["ci_high"] > 0.2   # Wilson 0/10: up to ~0.28
    gloomy = outlet_profile(frame, codebook, n_boot=200).set_index("label").loc["gloomy"]
    assert gloomy["share"] == 1 and gloomy["ci_high"] == 1 and gloomy["ci_low"] < 0.8
