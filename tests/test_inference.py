import numpy as np
import pandas as pd
import pytest

from framing.report.inference import acc_binary, drift_variance, emq_binary, labels_for_width, pacc_binary, ppi_mean
from framing.report.shares import outlet_shares


def _data(rng, n, big_n, share=0.3, per_article=1):
    """Labels, probabilities that see them through noise (biased upwards), article ids."""
    def draw(m):
        y = (rng.random(m) < share).astype(float)
        f = np.clip(0.25 + 0.45 * y + rng.normal(0, 0.15, m), 0.01, 0.99)
        return y, f, np.arange(m) // per_article
    y, f, g = draw(n)
    y_u, f_u, g_u = draw(big_n)
    return y, f, g, y_u, f_u, g_u


def test_ppi_agrees_with_ppi_python_on_the_same_numbers():
    ppi_py = pytest.importorskip("ppi_py")
    rng = np.random.default_rng(0)
    y, f, g, _, f_u, g_u = _data(rng, 400, 3000)
    for lam in (0.0, 1.0, 0.6):
        ours = ppi_mean(y, f, g, f_u, g_u, lam=lam, level=0.9, finite=False, small_sample=False, clip=False)
        point = ppi_py.ppi_mean_pointestimate(y, f, f_u, lam=lam)
        low, high = ppi_py.ppi_mean_ci(y, f, f_u, lam=lam, alpha=0.1)
        np.testing.assert_allclose(ours.estimate, point, rtol=1e-12)
        # one paragraph per article: our cluster variance is the library's up to ddof (n vs n−1)
        np.testing.assert_allclose([ours.low[0], ours.high[0]], [low[0], high[0]], rtol=2e-3)
    tuned = ppi_mean(y, f, g, f_u, g_u, level=0.9, finite=False, small_sample=False, clip=False)
    np.testing.assert_allclose(tuned.estimate, ppi_py.ppi_mean_pointestimate(y, f, f_u), atol=2e-3)
    np.testing.assert_allclose(tuned.high - tuned.low, np.diff(ppi_py.ppi_mean_ci(y, f, f_u, alpha=0.1), axis=0)[0],
                               rtol=1e-2)


def test_quantifiers_agree_with_quapy_on_the_same_numbers():
    pytest.importorskip("quapy")
    from quapy.method.aggregative import ACC, EMQ, PACC

    rng = np.random.default_rng(1)
    y, f, _, _, f_u, _ = _data(rng, 600, 2000, share=0.3)
    f_u = f_u[: 1000]
    d, d_u = (f >= 0.5).astype(float), (f_u >= 0.5).astype(float)

    from sklearn.linear_model import LogisticRegression

    def Fixed():  # quapy asks a fitted classifier only for its classes; the decisions are given
        model = LogisticRegression()
        model.classes_ = np.array([0, 1])
        return model

    acc = ACC(Fixed(), fit_classifier=False, solver="exact-raise")
    acc.aggregation_fit(d.astype(int), y.astype(int))
    np.testing.assert_allclose(acc_binary(d, y, d_u)[0], acc.aggregate(d_u.astype(int))[1], atol=1e-9)
    pacc = PACC(Fixed(), fit_classifier=False, solver="exact-raise")
    pacc.aggregation_fit(np.c_[1 - f, f], y.astype(int))
    np.testing.assert_allclose(pacc_binary(f, y, f_u)[0], pacc.aggregate(np.c_[1 - f_u, f_u])[1], atol=1e-9)
    prior = 0.4
    theirs, _ = EMQ.EM(np.array([1 - prior, prior]), np.c_[1 - f_u, f_u], epsilon=1e-6)
    np.testing.assert_allclose(emq_binary(f_u, prior, epsilon=1e-6)[0], theirs[1], atol=1e-4)


def test_ppi_covers_and_beats_hand_labels_alone_with_clustered_paragraphs():
    rng = np.random.default_rng(2)
    covered, narrower = 0, 0
    for _ in range(200):
        y, f, g, y_u, f_u, g_u = _data(rng, 200, 1500, per_article=5)
        r = ppi_mean(y, f, g, f_u, g_u, lam=1.0)
        hand = ppi_mean(y, f, g, f_u, g_u, lam=0.0)
        covered += r.low[0] <= y_u.mean() <= r.high[0]
        narrower += (r.high - r.low)[0] < (hand.high - hand.low)[0]
    assert covered >= 0.92 * 200 and narrower >= 0.9 * 200


def test_never_a_point_at_0_or_1_unless_every_paragraph_is_known():
    rng = np.random.default_rng(3)
    f = rng.uniform(0.0, 0.05, 300)
    g = np.arange(300) // 3
    for y in (np.zeros(300), np.ones(300)):
        r = ppi_mean(y, f, g, f[:100], g[:100])
        assert r.high[0] - r.low[0] > 0.005 and 0 <= r.low[0] <= r.estimate[0] <= r.high[0] <= 1
        hand = ppi_mean(y, f, g, f[:100], g[:100], lam=0.0)
        assert hand.high[0] - hand.low[0] > 0.005
    # labels seen, but the rectified estimate falls wholly below 0: cutting must not leave a point
    y = np.r_[np.ones(2), np.zeros(58)]
    r = ppi_mean(y, np.r_[np.full(2, 0.9), np.full(58, 0.3)], np.arange(60), np.full(200, 0.01), np.arange(200), lam=1.0)
    assert r.estimate[0] == 0.0 and r.low[0] == 0.0 and r.high[0] > 0.01
    known = ppi_mean(np.zeros(10), f[:10], g[:10], f[:0], g[:0], y_known=np.zeros(40))
    assert known.estimate[0] == known.low[0] == known.high[0] == 0.0


def test_few_labelled_articles_widen_the_interval_to_a_t_quantile():
    rng = np.random.default_rng(7)
    y, f, g, _, f_u, g_u = _data(rng, 60, 600, per_article=6)    # 10 labelled articles
    t = ppi_mean(y, f, g, f_u, g_u, lam=1.0)
    z = ppi_mean(y, f, g, f_u, g_u, lam=1.0, small_sample=False)
    from scipy.stats import norm, t as student_t
    ratio = student_t.ppf(0.975, 9) / norm.ppf(0.975)
    np.testing.assert_allclose((t.high - t.low) / (z.high - z.low), ratio, rtol=1e-9)


def test_known_paragraphs_count_as_they_are():
    rng = np.random.default_rng(4)
    y, f, g, y_u, f_u, g_u = _data(rng, 300, 300)
    part = ppi_mean(y, f, g, f_u, g_u, y_known=np.ones(300))
    alone = ppi_mean(y, f, g, f_u, g_u)
    np.testing.assert_allclose(part.estimate, (300 + 300 * alone.estimate) / 600)
    np.testing.assert_allclose(part.se, alone.se / 2)


def test_label_budget_reaches_the_target():
    rng = np.random.default_rng(5)
    y, f, g, _, f_u, g_u = _data(rng, 60, 5000)
    r = ppi_mean(y, f, g, f_u, g_u)
    extra = labels_for_width(r.var_unlabelled, r.var_rectifier, 60, 0.08)[0]
    assert extra > 0
    y2, f2, g2, _, _, _ = _data(rng, 60 + extra, 10)
    wider = ppi_mean(y2, f2, g2, f_u, g_u)
    assert (wider.high - wider.low)[0] < 0.08 * 1.15
    assert labels_for_width(r.var_unlabelled, r.var_rectifier, 60, 0.9)[0] == 0


def test_outlet_shares_marks_model_only_outlets(codebook):
    rng = np.random.default_rng(6)
    rows, frame = [], []
    for outlet, n_lab in (("A", 200), ("B", 0)):
        for i in range(n_lab + 300):
            y = rng.random() < 0.3
            p = float(np.clip(0.3 + 0.4 * y + rng.normal(0, 0.1), 0.01, 0.99))
            record = {"paragraph_id": f"{outlet}{i}", "article_id": f"{outlet}{i // 4}", "outlet": outlet,
                      "topics:sport": p, "topics:weather": 0.2, "mood:upbeat": 0.5, "mood:gloomy": 0.5}
            if i < n_lab:
                rows.append({**record, "topics__true": "sport" if y else "", "mood__true": None})
            else:
                frame.append(record)
    shares = outlet_shares(pd.DataFrame(frame), pd.DataFrame(rows), codebook, min_labelled=30)
    topics = shares[shares["dimension"] == "topics"].set_index(["outlet", "label"])
    assert topics.loc[("A", "sport"), "basis"] == "outlet" and topics.loc[("B", "sport"), "basis"] == "model-only"
    assert topics.loc[("B", "sport"), "extra_labels"] >= 30
    assert (topics["ci_high"] > topics["ci_low"]).all()
    assert abs(topics.loc[("A", "sport"), "share"] - 0.3) < 0.08


def _dated(rng, n_articles, per_article=4, step=0.0, start=0):
    """Articles in date order; the model's error (rectifier) jumps by ``step`` halfway through."""
    g = np.repeat(np.arange(start, start + n_articles), per_article)
    t = g.astype(float)
    y = (rng.random(len(g)) < 0.3).astype(float)
    f = np.clip(0.3 + 0.4 * (y - 0.3) + rng.normal(0, 0.1, len(g)), 0.01, 0.99)
    late = g >= start + n_articles // 2
    f = np.clip(f - step * late, 0.01, 0.99)   # later, the model under-reads the label by ``step``
    return y, f, g, t


def test_no_drift_component_inside_the_labelled_period_or_without_dates():
    rng = np.random.default_rng(8)
    y, f, g, t = _dated(rng, 40, step=0.15)
    y_u, f_u, g_u, t_u = _dated(rng, 40, start=5)
    t_u = np.clip(t_u, 0, 39)          # every estimated paragraph inside the labelled period
    plain = ppi_mean(y, f, g, f_u, g_u + 100, lam=1.0)
    inside = ppi_mean(y, f, g, f_u, g_u + 100, lam=1.0, t_lab=t, t_unl=t_u, drift_blocks=4)
    undated = ppi_mean(y, f, g, f_u, g_u + 100, lam=1.0, drift_blocks=4)
    off = ppi_mean(y, f, g, f_u, g_u + 100, lam=1.0, t_lab=t, t_unl=t_u + 100, drift_blocks=0)
    for r in (inside, undated, off):
        np.testing.assert_allclose([r.low, r.high], [plain.low, plain.high], rtol=1e-12)
        assert not np.any(r.var_drift)


def test_a_stable_rectifier_adds_little():
    rng = np.random.default_rng(9)
    added = []
    for _ in range(100):
        y, f, g, t = _dated(rng, 40)
        assert drift_variance(y - f, g, t, 4).shape == (1,)
        _, f_u, g_u, t_u = _dated(rng, 40, start=40)
        plain = ppi_mean(y, f, g, f_u, g_u, lam=1.0)
        later = ppi_mean(y, f, g, f_u, g_u, lam=1.0, t_lab=t, t_unl=t_u, drift_blocks=4)
        assert later.outside == 1.0
        added.append((later.high - later.low)[0] / (plain.high - plain.low)[0])
    # τ² is floored at 0 in most samples; from 3 df it is sometimes large by chance
    assert np.median(added) < 1.01 and np.mean(added) < 1.3


def test_a_step_in_the_rectifier_widens_the_interval_and_covers():
    rng = np.random.default_rng(10)
    covered = {"none": 0, "blocks": 0}
    wider = 0
    for _ in range(100):
        # labelled: articles 0–39, the model's error steps halfway; estimated: later articles, where
        # it stays at its new level (the labelled mean is off by half the step)
        y, f, g, t = _dated(rng, 40, step=0.12)
        y_u, f_u, g_u, t_u = _dated(rng, 40, start=40)
        f_u = np.clip(f_u - 0.12, 0.01, 0.99)
        plain = ppi_mean(y, f, g, f_u, g_u, lam=1.0)
        drift = ppi_mean(y, f, g, f_u, g_u, lam=1.0, t_lab=t, t_unl=t_u, drift_blocks=4)
        truth = y_u.mean()
        covered["none"] += plain.low[0] <= truth <= plain.high[0]
        covered["blocks"] += drift.low[0] <= truth <= drift.high[0]
        wider += (drift.high - drift.low)[0] > (plain.high - plain.low)[0]
        np.testing.assert_allclose(drift.estimate, plain.estimate)
    assert wider >= 80 and covered["blocks"] >= 90 and covered["blocks"] > covered["none"] + 15


def test_label_budget_uses_the_interval_quantile_and_keeps_the_drift_part():
    from scipy.stats import t as student_t
    from framing.report.inference import labels_for_width as budget
    # half-width with t(9): target 2·t·sqrt(v/n') with v = var_r·n
    need = budget(np.zeros(1), np.array([0.0025]), 10, 0.1, df=9)[0]
    v_needed = (0.1 / (2 * student_t.ppf(0.975, 9))) ** 2
    assert need == int(np.ceil(10 * 0.0025 / v_needed) - 10)
    assert need > budget(np.zeros(1), np.array([0.0025]), 10, 0.1)[0]
    assert budget(np.zeros(1), np.array([0.0025]), 10, 0.1, var_drift=np.array([0.001]))[0] == 100_000


def test_a_perfect_model_still_gets_the_interval_its_articles_allow(codebook):
    """Articles that are all sport or all not: the share depends on which articles the outlet
    happened to publish. The model is perfect, so the classifier-error part is nil, but the
    interval must still cover the sampling of articles (about ±15 points for 40 articles)."""
    rng = np.random.default_rng(11)
    rows, frame = [], []
    for a in range(80):
        sport = rng.random() < 0.5
        for i in range(5):
            record = {"paragraph_id": f"A{a}:{i}", "article_id": f"A{a}", "outlet": "A", "mood:upbeat": 0.5,
                      "mood:gloomy": 0.5, "topics:sport": 0.99 if sport else 0.01, "topics:weather": 0.01}
            if a < 40:
                rows.append({**record, "topics__true": "sport" if sport else "", "mood__true": None})
            else:
                frame.append(record)
    shares = outlet_shares(pd.DataFrame(frame), pd.DataFrame(rows), codebook, min_labelled=30)
    sport = shares[(shares["label"] == "sport")].iloc[0]
    assert sport["basis"] == "outlet"
    assert sport["ci_high"] - sport["ci_low"] > 0.2       # the article sampling: ~0.3 wide


def test_every_paragraph_hand_labelled_still_samples_articles():
    rng = np.random.default_rng(12)
    g = np.repeat(np.arange(30), 4)
    y = np.repeat((rng.random(30) < 0.4).astype(float), 4)
    r = ppi_mean(y, y, g, np.zeros(0), np.zeros(0), y_known=y, g_known=g, finite=False)
    assert r.high[0] - r.low[0] > 0.2
    exact = ppi_mean(y, y, g, np.zeros(0), np.zeros(0), y_known=y)       # finite: these paragraphs exactly
    assert exact.high[0] == exact.low[0]


def test_an_outlet_of_one_article_gets_no_narrow_interval_and_no_test(codebook):
    """One article of one paragraph shows no variation between articles: its share's interval
    for the outlet's coverage at large is the Wilson interval of one article, and --compare does
    not test it (the pooled rectifier alone once gave it a ±12-point interval and p < 0.001)."""
    from framing.report.compare import compare_outlets

    rng = np.random.default_rng(13)
    rows, frame = [], []
    for i in range(400):
        y = rng.random() < 0.3
        record = {"paragraph_id": f"A{i}", "article_id": f"A{i // 4}", "outlet": "A", "mood:upbeat": 0.5,
                  "mood:gloomy": 0.5, "topics:sport": float(np.clip(0.3 + 0.4 * y + rng.normal(0, 0.1), 0.01, 0.99)),
                  "topics:weather": 0.2, "mood": "upbeat", "topics": "sport" if y else ""}
        (rows if i < 200 else frame).append({**record, "topics__true": "sport" if y else "", "mood__true": None})
    frame.append({"paragraph_id": "B0", "article_id": "B0", "outlet": "B", "mood:upbeat": 0.5, "mood:gloomy": 0.5,
                  "topics:sport": 0.95, "topics:weather": 0.2, "mood": "upbeat", "topics": "sport"})
    frame = pd.DataFrame(frame)
    shares = outlet_shares(frame, pd.DataFrame(rows), codebook, min_labelled=30)
    sport = shares.set_index(["outlet", "label"]).loc[("B", "sport")]
    assert sport["basis"] == "model-only" and np.isnan(sport["se"])
    assert sport["ci_high"] - sport["ci_low"] > 0.7
    table = compare_outlets(frame, codebook, "B", "A", shares=shares).set_index("label")
    assert table.loc["sport", "p_value"] != table.loc["sport", "p_value"] and not table.loc["sport", "significant"]


@pytest.mark.parametrize("tuned", [False, True])
def test_shares_of_a_single_choice_dimension_add_up_to_one(tmp_path, tuned):
    """Platt scaling per label (one against the rest), a λ tuned per label and cutting to [0, 1]
    once left a single-choice dimension's shares at 79% for an outlet: they must add up to 100%."""
    from conftest import CODEBOOK
    from framing import load_codebook

    (tmp_path / "codebook.toml").write_text(CODEBOOK.replace(
        'definition = "Bad news."', 'definition = "Bad news."\n[[dimensions.labels]]\nname = "flat"\n'
                                    'definition = "Neither."'), encoding="utf-8")
    codebook = load_codebook(tmp_path / "codebook.toml")
    rng = np.random.default_rng(14)
    rows, frame = [], []
    for outlet, n_lab, mix in (("A", 150, (0.6, 0.3, 0.1)), ("B", 150, (0.2, 0.5, 0.3)), ("C", 0, (0.1, 0.1, 0.8))):
        for i in range(n_lab + 200):
            label = rng.choice(3, p=mix)
            raw = np.exp(rng.normal(0, 1, 3) + 1.5 * np.eye(3)[label] + [0.8, 0.0, -0.8])  # skewed towards upbeat
            p = raw / raw.sum()
            record = {"paragraph_id": f"{outlet}{i}", "article_id": f"{outlet}{i // 4}", "outlet": outlet,
                      "mood:upbeat": p[0], "mood:gloomy": p[1], "mood:flat": p[2], "topics:sport": 0.5,
                      "topics:weather": 0.5}
            if i < n_lab:
                rows.append({**record, "mood__true": ["upbeat", "gloomy", "flat"][label], "topics__true": None})
            else:
                frame.append(record)
    shares = outlet_shares(pd.DataFrame(frame), pd.DataFrame(rows), codebook, min_labelled=30, power_tuning=tuned)
    mood = shares[shares["dimension"] == "mood"]
    np.testing.assert_allclose(mood.groupby("outlet")["share"].sum(), 1.0, atol=1e-9)
    assert (mood["ci_low"] <= mood["share"]).all() and (mood["share"] <= mood["ci_high"]).all()


def test_label_budget_says_no_labels_would_do_where_every_paragraph_is_labelled(codebook):
    """Every paragraph of outlet A hand-labelled, in 6 articles: its interval stays wider than the
    target whatever is labelled, so the budget is "none would do" (once: 0 more labels); a
    model-only outlet's figure is the labels that give it a sample of its own, and says so."""
    from types import SimpleNamespace

    from framing.report.inference import CAP
    from framing.report.sections import _need
    from framing.report.shares import label_budget

    rng = np.random.default_rng(15)
    rows = []
    for i in range(60):
        y = rng.random() < 0.4
        rows.append({"paragraph_id": f"A{i}", "article_id": f"A{i // 10}", "outlet": "A", "mood:upbeat": 0.5,
                     "mood:gloomy": 0.5, "topics:sport": 0.6 if y else 0.3, "topics:weather": 0.2,
                     "topics__true": "sport" if y else "", "mood__true": None})
    shares = outlet_shares(pd.DataFrame(rows), pd.DataFrame(rows), codebook, min_labelled=30, target_width=0.1)
    budget = label_budget(shares, target_width=0.1).set_index("outlet")
    assert budget.loc["A", "basis"] == "all hand-labelled" and budget.loc["A", "widest"] > 0.1
    assert budget.loc["A", "extra_labels"] == CAP
    assert "every paragraph is labelled" in _need(budget.reset_index().iloc[0])
    assert "a labelled sample of its own" in _need(SimpleNamespace(extra_labels=24, basis="model-only", n_labelled=6))
    from framing.config import ReportConfig
    from framing.report.shares import method_notes

    words = method_notes(shares, ReportConfig())["Label budget"]    # the section's unit: points, not per cent
    assert "under 10 points" in words and "model-only" in words and "10%" not in words
