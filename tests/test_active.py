import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from framing.evaluate.simulate import (curves, label_budget, labels_for_gain, labels_to_reach, learning_figure, read_curve, savings,
                            simulate, winner, write_simulation)
from framing.labels.codebook import Codebook, Dimension, Label
from framing.config import load_config

WORDS = {"good": "win hope deal progress success glad", "bad": "loss doubt fail stalled risk grim",
         "flat": "meeting report schedule list statement date"}
TOPICS = {"x": "tank troops shelling front", "y": "grain price market trade"}


def synthetic(n_articles=60, per_article=5, seed=0):
    """Paragraphs whose words carry their labels (with some shared filler), in articles of three outlets."""
    rng = np.random.default_rng(seed)
    rows = []
    for a in range(n_articles):
        for p in range(per_article):
            tone = rng.choice(list(WORDS))
            topics = [t for t in TOPICS if rng.random() < 0.4]
            words = rng.choice(WORDS[tone].split(), 3).tolist() + [w for t in topics for w in rng.choice(TOPICS[t].split(), 2)]
            words += rng.choice("the a of in on and said today week city".split(), 6).tolist()
            rows.append({"paragraph_id": f"a{a}:{p}", "article_id": f"a{a}", "outlet": f"o{a % 3}",
                         "collection": "news", "text": " ".join(rng.permutation(words)), "mood": tone, "topics": topics})
    return pd.DataFrame(rows)


def codebook():
    return Codebook("synthetic", "1", (Dimension("mood", "single", tuple(Label(n) for n in WORDS)),
                                       Dimension("topics", "multi", tuple(Label(n) for n in TOPICS))))


def config(**active):
    sets = [f"active.{k}={v!r}".replace("'", '"') for k, v in active.items()]
    return load_config(None, ["features.analyzer=prefix", "active.seeds=2", "active.start=20", "active.batch=20",
                              "active.max_labels=80", *sets], name="sim")


def test_simulate_replays_every_order_at_equal_budgets(tmp_path):
    cfg = config()
    runs = simulate(synthetic(), codebook(), cfg)
    assert set(runs["order"]) == set(cfg.active.orders)
    budgets = runs.groupby("order")["labels"].apply(lambda s: sorted(set(s)))
    assert all(b == [20, 40, 60, 80] for b in budgets)
    assert len(runs) == 2 * len(cfg.active.orders) * 4 * 2  # seeds × orders × budgets × dimensions
    assert runs["macro_f1"].between(0, 1).all()
    mean = curves(runs)
    # words carry the labels: every order learns, and more labels help
    assert (mean[mean["labels"] == 80]["macro_f1"] > mean[mean["labels"] == 20]["macro_f1"].mean()).all()
    result = write_simulation(runs, cfg, tmp_path)
    assert result["winner"] in cfg.active.orders
    for name in ("runs.csv", "savings.csv", "learning_curves.png", "learning_curve_mood.csv", "learning_curve_topics.csv"):
        assert (tmp_path / name).stat().st_size > 0
    curve = read_curve(tmp_path)
    assert set(curve["order"]) == {"random"} and set(curve["dimension"]) == {"mood", "topics"}
    assert read_curve(tmp_path / "nowhere") is None


def test_labels_to_reach_interpolates_and_savings_compare_with_random():
    curve = pd.DataFrame({"labels": [100, 200, 300], "macro_f1": [0.4, 0.5, 0.6]})
    assert abs(labels_to_reach(curve, 0.55) - 250) < 1e-9
    assert labels_to_reach(curve, 0.3) == 100
    assert np.isnan(labels_to_reach(curve, 0.7))
    table = pd.concat([curve.assign(order="random", dimension="d"),
                       curve.assign(order="smart", dimension="d", macro_f1=curve["macro_f1"] + 0.05)])
    cfg = load_config(None, ["active.target_f1=0.55"])
    saved = savings(table, cfg).set_index("order")
    assert np.allclose(saved.loc[["random", "smart"], "labels_to_target"], [250, 200])
    assert abs(saved.loc["smart", "saved_vs_random"] - 50) < 1e-9
    best, share = winner(saved.reset_index())
    assert best == "smart" and abs(share - 0.2) < 1e-9
    assert isinstance(learning_figure(table.assign(sd=0.0), saved.reset_index()), Figure)


def test_labels_for_gain_follows_a_log_curve():
    labels = np.array([100, 200, 400, 800])
    curve = pd.DataFrame({"labels": labels, "macro_f1": 0.3 + 0.05 * np.log(labels)})
    # +0.05 on a + 0.05·ln(n) needs n·(e − 1) more labels
    assert abs(labels_for_gain(curve, 1000, 0.05) - 1000 * (np.e - 1)) < 1e-6
    flat = curve.assign(macro_f1=0.5)
    assert np.isnan(labels_for_gain(flat, 1000, 0.05))


def test_label_budget_names_rare_labels():
    table = synthetic(20, 3)
    table.loc[0, "topics"] = ["x", "y"]
    table["topics"] = [v if i < 5 else [t for t in v if t != "y"] for i, v in enumerate(table["topics"])]
    cfg = load_config(None, ["evaluate.min_examples=3"])
    curve = pd.DataFrame({"dimension": "mood", "labels": [10, 20, 40], "macro_f1": [0.4, 0.5, 0.6]})
    budget = label_budget(table, codebook(), cfg, curve)
    rare = budget["rare"]
    assert rare[["dimension", "label"]].values.tolist() == [["topics", "y"]]
    gain = budget["gain"].set_index("dimension")
    assert gain.loc["mood", "labelled"] == 60 and gain.loc["mood", "more_for_gain"] > 0
    assert np.isnan(gain.loc["topics", "more_for_gain"])


def test_label_budget_flags_what_it_cannot_estimate():
    """A curve at the top, a curve that barely rises (an extrapolation far past its range) and a
    dimension without a curve each get a note, not a number such as 122813290."""
    table = synthetic(20, 3)
    cfg = load_config(None)
    for f1, note in [([1.0, 1.0, 1.0], "already at the top"), ([0.5, 0.5001, 0.5002], "beyond the curve's range")]:
        curve = pd.DataFrame({"dimension": "mood", "labels": [10, 20, 40], "macro_f1": f1})
        gain = label_budget(table, codebook(), cfg, curve)["gain"].set_index("dimension")
        assert np.isnan(gain.loc["mood", "more_for_gain"]) and note in gain.loc["mood", "note"], gain
        assert "no learning curve for it" in gain.loc["topics", "note"]


def test_curves_keep_only_budgets_every_seed_reached():
    runs = pd.DataFrame({"dimension": "d", "order": "random", "seed": [0, 0, 0, 1, 1],
                         "labels": [20, 40, 60, 20, 40], "macro_f1": [0.4, 0.5, 0.9, 0.6, 0.7]})
    table = curves(runs)
    assert table["labels"].tolist() == [20, 40] and (table["seeds"] == 2).all()
    saved = savings(table, load_config(None)).iloc[0]
    assert saved["final_labels"] == 40 and abs(saved["final_macro_f1"] - 0.6) < 1e-9  # both seeds, not seed 0's 0.9


def test_savings_are_said_as_fewer_or_more_labels_than_random():
    from framing.cli.labelling import _versus_random

    assert _versus_random(0.301) == "30.1% fewer labels than random"
    assert _versus_random(-0.12) == "12.0% more labels than random"
    assert _versus_random(0.0) == "as many labels as random"
