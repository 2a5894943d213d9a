import re

import numpy as np
import pandas as pd
import pytest

from framing import ReportError, outlet_profile
from framing.report.compare import (adjust_pvalues, bootstrap_pvalue, compare_outlets, date_warning,
                                    largest_differences)
from framing.report.profile import eligible_outlets, outlet_collections, time_profile
from framing.report.content import ReportContent
from framing.report.html import summary_sentence
from framing.report.page import write_report


def synthetic(n_articles=12, seed=0):
    """Outlet X upbeat and sporty, outlet Y gloomy and wet; weekly dates over two months."""
    rng = np.random.default_rng(seed)
    rows = []
    for outlet, p_up, p_sport in (("X", 0.8, 0.7), ("Y", 0.2, 0.2)):
        for a in range(n_articles):
            date = pd.Timestamp("2025-03-01") + pd.Timedelta(days=5 * a)
            for _ in range(4):
                sport = rng.random() < p_sport
                rows.append({"article_id": f"{outlet}{a}", "outlet": outlet, "date": date.strftime("%Y-%m-%d"),
                             "mood": "upbeat" if rng.random() < p_up else "gloomy",
                             "topics": "sport" if sport else ("weather" if rng.random() < 0.5 else "")})
    return pd.DataFrame(rows)


def test_compare_finds_the_real_differences(codebook):
    frame = synthetic()
    table = compare_outlets(frame, codebook, "X", "Y", n_boot=500)
    top = table.iloc[0]
    assert (top["dimension"], top["label"]) in {("mood", "upbeat"), ("mood", "gloomy"), ("topics", "sport")}
    assert top["significant"] and top["ci_low"] <= top["difference"] <= top["ci_high"]
    assert table["difference"].abs().is_monotonic_decreasing
    with pytest.raises(ReportError, match="no outlet 'Z'"):
        compare_outlets(frame, codebook, "X", "Z")


def test_time_profile_picks_a_period(codebook):
    table, period = time_profile(synthetic(), codebook, n_boot=100, min_articles=1)
    assert period == "week" and set(table["outlet"]) == {"X", "Y"}
    assert pd.to_datetime(table["period"]).dt.day_of_week.eq(0).all()  # weeks start on Monday


def test_summary_sentences_are_generated_from_numbers(codebook):
    frame = synthetic()
    profile = outlet_profile(frame, codebook, n_boot=300)
    items = largest_differences(profile, top=3, min_articles=5)
    assert len(items) == 3 and items[0]["ci_low"] >= items[1]["ci_low"]  # ranked by the smallest gap allowed
    sentence = summary_sentence(items[0])
    assert items[0]["high"] in sentence and "points" in sentence and "95% interval" in sentence
    assert "12 articles" in sentence and "48 paragraphs" in sentence  # n of both outlets
    assert summary_sentence(items[0], "headline").count("48 headlines") == 2


def test_page_is_self_contained_with_a_csv_beside_every_chart(tmp_path, codebook):
    frame = synthetic()
    profile = outlet_profile(frame, codebook, n_boot=200)
    time_table, period = time_profile(frame, codebook, n_boot=100, min_articles=1)
    content = ReportContent(title="Test report", codebook=codebook, profile=profile, time=time_table, period=period,
                            summary=largest_differences(profile, min_articles=5),
                            compare=compare_outlets(frame, codebook, "X", "Y", n_boot=200), compare_pair=("X", "Y"),
                            events=pd.DataFrame({"date": pd.to_datetime(["2025-03-20"]), "label": ["summit"]}),
                            why={("mood", "upbeat"): {"X": [("win", 0.2)]}},
                            examples={("mood", "upbeat", "X"): [(0.9, "A great win.", "X1:0:abc", "")]},
                            notes={"Data": "synthetic"})
    page = write_report(content, tmp_path / "r")
    pngs = sorted(p.stem for p in (tmp_path / "r").glob("*.png"))
    assert pngs == ["compare", "mood_dots", "mood_heatmap", "mood_time", "topics_dots", "topics_heatmap", "topics_time"]
    for stem in pngs:
        assert (tmp_path / "r" / f"{stem}.svg").stat().st_size > 0
        assert len(pd.read_csv(tmp_path / "r" / f"{stem}.csv")) > 0
    html = page.read_text()
    assert html.count('src="data:image/png;base64,') == len(pngs)
    assert not re.search(r'src="(?!data:)', html)  # nothing is loaded from elsewhere
    assert html.index("Summary") < html.index("mood_heatmap") < html.index('id="method"')
    assert 'href="#why-mood-upbeat-X"' in html and 'id="why-mood-upbeat-X"' in html and "A great win." in html
    # every in-page link has its anchor (a share without a why block is not a link)
    assert set(re.findall(r'href="#([^"]+)"', html)) <= set(re.findall(r'id="([^"]+)"', html))
    assert 'href="#why-mood-upbeat-Y"' not in html


def test_events_file_errors(tmp_path):
    from framing.report.build import read_events

    bad = tmp_path / "e.csv"
    bad.write_text("when,what\n2025-01-01,x\n")
    with pytest.raises(ReportError, match="need columns date and label"):
        read_events(bad)
    bad.write_text("date,label\n2025-01-01,x\nsoon,y\n")
    with pytest.raises(ReportError, match=r"e\.csv:3: unreadable date"):
        read_events(bad)


# ----------------------------------------------------------------------------- statistics a reviewer accepts

def test_holm_and_benjamini_hochberg_match_their_definitions():
    p = np.array([0.01, 0.04, 0.03, 0.005, np.nan, 0.5])
    holm = adjust_pvalues(p, "holm")
    # Holm: sorted p × (m − rank + 1), running maximum, capped at 1; m = 5 tests (NaN is no test)
    assert np.allclose(holm[[3, 0, 2, 1, 5]], [0.025, 0.04, 0.09, 0.09, 0.5])
    assert np.isnan(holm[4])
    bh = adjust_pvalues(p, "bh")
    # BH: sorted p × m / rank, running minimum from the top
    assert np.allclose(bh[[3, 0, 2, 1, 5]], [0.025, 0.025, 0.05, 0.05, 0.5])
    assert np.allclose(adjust_pvalues(p, "none")[[0, 5]], [0.01, 0.5])
    assert (holm[~np.isnan(p)] >= bh[~np.isnan(p)]).all()  # FWER is the stricter
    with pytest.raises(ReportError, match="unknown correction"):
        adjust_pvalues(p, "bonferonni")


def test_holm_and_bh_agree_with_statsmodels():
    multitest = pytest.importorskip("statsmodels.stats.multitest")
    p = np.random.default_rng(3).uniform(0, 0.2, 14)
    for ours, theirs in (("holm", "holm"), ("bh", "fdr_bh")):
        assert np.allclose(adjust_pvalues(p, ours), multitest.multipletests(p, method=theirs)[1])


def test_bootstrap_pvalue_is_two_sided_and_never_zero():
    rng = np.random.default_rng(0)
    far = rng.normal(1.0, 0.1, (2000, 1))
    near = rng.normal(0.0, 1.0, (2000, 1))
    assert 0 < bootstrap_pvalue(far)[0] < 0.002
    assert bootstrap_pvalue(near)[0] > 0.5
    assert np.isclose(bootstrap_pvalue(-far)[0], bootstrap_pvalue(far)[0])


def test_compare_corrects_for_multiple_comparisons(codebook):
    """Two outlets drawn from the same distribution: uncorrected, some of many tests come out
    'significant' by chance; Holm's correction keeps them out."""
    rng = np.random.default_rng(5)
    rows = []
    for outlet in ("X", "Y"):
        for a in range(30):
            for _ in range(3):
                rows.append({"article_id": f"{outlet}{a}", "outlet": outlet, "mood": "upbeat" if rng.random() < 0.5 else "gloomy",
                             "topics": "sport" if rng.random() < 0.5 else "weather"})
    frame = pd.DataFrame(rows)
    table = compare_outlets(frame, codebook, "X", "Y", n_boot=400, correction="holm")
    assert {"p_value", "p_adjusted", "significant"} <= set(table.columns)
    assert (table["p_adjusted"] >= table["p_value"]).all()
    assert table.attrs["correction"] == "holm" and table.attrs["tests"] == 4
    assert np.allclose(table["p_adjusted"].sort_values(), np.sort(adjust_pvalues(table["p_value"], "holm")))
    assert table["significant"].eq(table["p_adjusted"] < 0.05).all()
    # a real difference survives the correction
    real = compare_outlets(synthetic(), codebook, "X", "Y", n_boot=400, correction="holm")
    assert real.iloc[0]["significant"]


def test_minimum_articles_keeps_small_outlets_out_of_the_summary(codebook):
    frame = pd.concat([synthetic(), synthetic(n_articles=3, seed=1).replace({"X": "Tiny", "Y": "Tiny"})
                       .assign(article_id=lambda f: "t" + f["article_id"])])
    profile = outlet_profile(frame, codebook, n_boot=200)
    assert eligible_outlets(profile, 10) == ["X", "Y"]
    assert eligible_outlets(profile, 1) == ["Tiny", "X", "Y"]
    items = largest_differences(profile, min_articles=10)
    assert items and all({i["high"], i["low"]} <= {"X", "Y"} for i in items)
    assert largest_differences(profile, min_articles=13) == []  # no outlet has 13 articles


def test_summary_compares_within_collections_and_skips_self_sourcing(codebook):
    frame = synthetic()
    extra = synthetic(seed=2).replace({"X": "Z", "Y": "W"})
    frame = pd.concat([frame.assign(collection="news"), extra.assign(collection="official",
                                                                    article_id=lambda f: "o" + f["article_id"])])
    groups = outlet_collections(frame)
    assert groups == {"X": "news", "Y": "news", "Z": "official", "W": "official"}
    profile = outlet_profile(frame, codebook, n_boot=200)
    items = largest_differences(profile, groups=groups, min_articles=5)
    assert {i["group"] for i in items} == {"news", "official"}
    assert all(groups[i["high"]] == groups[i["low"]] == i["group"] for i in items)
    own = largest_differences(profile, groups=groups, min_articles=5, self_sources={"X": ["sport"], "Y": ["sport"]})
    assert not [i for i in own if i["label"] == "sport" and i["group"] == "news"]


def test_date_ranges_that_differ_are_flagged():
    frame = pd.DataFrame({"outlet": ["A", "A", "B", "B", "C"], "article_id": list("12345"),
                          "date": ["2022-05-10", "2022-07-15", "2022-02-24", "2022-07-15", None]})
    warning = date_warning(frame, "A", "B")
    assert warning and "10 May 2022" in warning and "24 Feb 2022" in warning
    assert date_warning(frame, "A", "A") is None
    assert "no dates" in date_warning(frame, "A", "C")


def test_time_profile_names_the_outlets_it_leaves_out(codebook):
    frame = synthetic()
    frame.loc[frame["outlet"] == "Y", "date"] = None
    table, period = time_profile(frame, codebook, n_boot=100, min_articles=2)
    assert set(table["outlet"]) == {"X"} and table["n_articles"].min() >= 2
    assert table.attrs["left_out"] == {"Y": "no dates"}
    table, _ = time_profile(synthetic(), codebook, n_boot=100, min_articles=50)
    assert table.empty and set(table.attrs["left_out"]) == {"X", "Y"}


def test_small_outlets_stay_in_the_table_but_out_of_the_charts(tmp_path, codebook):
    tiny = synthetic(n_articles=3, seed=1).replace({"X": "Tiny", "Y": "Tiny"}).assign(article_id=lambda f: "t" + f["article_id"])
    frame = pd.concat([synthetic(), tiny])
    profile = outlet_profile(frame, codebook, n_boot=200)
    content = ReportContent(title="t", codebook=codebook, profile=profile, min_articles=10,
                            summary=largest_differences(profile, min_articles=10), self_sources={"X": ["sport"]})
    page = write_report(content, tmp_path / "r")
    for chart in ("mood_dots", "mood_heatmap", "topics_dots"):
        assert set(pd.read_csv(tmp_path / "r" / f"{chart}.csv")["outlet"]) == {"X", "Y"}
    html = page.read_text()
    assert "Tiny" in html and "not ranked: under 10 articles" in html
    assert "Not compared (fewer than 10 articles): Tiny (6 articles)" in html
    assert "(own voice)" in html and "X → sport" in html
    assert set(re.findall(r'href="#([^"]+)"', html)) <= set(re.findall(r'id="([^"]+)"', html))
def test_articles_section_ranks_articles_and_links_to_why(tmp_path, codebook):
    from framing.model.articles import rank_articles

    frame = synthetic()
    profile = outlet_profile(frame, codebook, n_boot=100)
    table = pd.DataFrame({"article_id": ["X1", "Y1"], "title": ["Win <b>", None], "outlet": ["X", "Y"],
                          "date": ["2025-03-01", "2025-03-02"], "paragraphs": [4, 4],
                          "mood:upbeat": [0.75, 0.25], "mood:gloomy": [0.25, 0.75],
                          "mood__paragraphs": ["upbeat: X1:0:a; gloomy: X1:1:b", "upbeat: Y1:2:c; gloomy: Y1:0:d"]})
    ranked = rank_articles(table, codebook).assign(text=lambda f: f["paragraph_id"] + " text")
    content = ReportContent(title="T", codebook=codebook, profile=profile, articles=ranked,
                            why={("mood", "upbeat"): {"X": [("win", 0.2)]}})
    html = write_report(content, tmp_path / "r").read_text()
    assert html.index('id="articles"') < html.index('id="mood"')
    section = html[html.index('id="articles"'):html.index("</section>", html.index('id="articles"'))]
    assert "Win &lt;b&gt;" in section and 'href="#why-mood-upbeat-X"' in section and "X1:0:a text" in section
    assert 'href="#why-mood-gloomy-Y"' not in section  # no "why" details for it: no dangling link
    assert len(pd.read_csv(tmp_path / "r" / "articles.csv")) == 4


def test_charts_leave_the_matplotlib_backend_and_pyplot_alone():
    """Importing the report's drawing code must not switch a notebook user's backend or load pyplot."""
    import subprocess
    import sys

    code = ("import matplotlib; matplotlib.use('svg'); import framing.report.charts, framing.report.page; "
            "import sys; print(matplotlib.get_backend(), 'matplotlib.pyplot' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["svg", "False"]


@pytest.mark.parametrize("case", ["a file", "under a file", "under /proc"])
def test_a_report_folder_that_cannot_be_made_is_one_clear_line(project, tmp_path, case):
    from typer.testing import CliRunner

    from framing.cli import app

    (tmp_path / "afile").write_text("x")
    out = {"a file": tmp_path / "afile", "under a file": tmp_path / "afile" / "sub",
           "under /proc": "/proc/framing-test/report"}[case]
    result = CliRunner().invoke(app, ["report", "--labels", "--root", str(project), "--out", str(out)],
                                catch_exceptions=False)
    said = " ".join(result.output.split())
    assert result.exit_code == 1 and "Traceback" not in said and said.startswith(f"error: {out}: cannot write here")
    if case != "under /proc":
        assert f"{tmp_path / 'afile'} is a file, not a folder" in said
    assert (tmp_path / "afile").read_text() == "x"


def test_a_report_folder_that_cannot_be_written_is_a_framing_error(codebook):
    from framing import FramingError

    profile = outlet_profile(synthetic(n_articles=3), codebook, n_boot=100)
    content = ReportContent(title="t", codebook=codebook, profile=profile)
    with pytest.raises(FramingError, match=r"^/proc(/[^:]+)?: cannot write here \(.*/proc"):
        write_report(content, "/proc")  # a folder that exists and takes no new files, even for root


def test_the_articles_section_names_each_article_by_its_title(project, tmp_path):
    """Predictions carry no title (unless --keep-text): the report finds it in the corpus; with
    --keep-text, for articles outside the corpus, in the predictions."""
    from conftest import write_article

    from framing import build_report, load_model, predict_file, train
    from framing.config import load_config

    config = load_config(project / "experiments/default/config.toml")
    train(config, project)
    model = load_model(project / "experiments/default")
    folder = tmp_path / "mine"
    folder.mkdir()
    write_article(folder, "c-1", "Courier", "2025-04-01", ["upbeat sport", "gloomy weather", "upbeat both"])
    runs = {"corpus": (project / "corpus", False), "elsewhere": (folder, True)}
    for name, (source, keep_text) in runs.items():
        predict_file(model, source, tmp_path / f"{name}.csv", keep_text=keep_text)
        build_report("predictions", project, predictions=tmp_path / f"{name}.csv", config=config, n_boot=100,
                     out_dir=tmp_path / name)
        articles = pd.read_csv(tmp_path / name / "articles.csv")
        assert len(articles) and (articles["title"] == "Story " + articles["article_id"]).all(), name
        section = (tmp_path / name / "index.html").read_text().split('id="articles"')[1].split("</section>")[0]
        assert f"· Story {articles['article_id'].iloc[0]} <span" in section


def _shares_table(frame, codebook, values):
    """Outlet shares with standard errors for X and Y: ``values[(outlet, label)] = (share, se)``."""
    rows = []
    for (outlet, label), (share, se) in values.items():
        dim = next(d.name for d in codebook.dimensions if label in d.label_names)
        n = frame[frame["outlet"] == outlet]
        rows.append({"outlet": outlet, "dimension": dim, "label": label, "share": share, "ci_low": share - 1.96 * se,
                     "ci_high": share + 1.96 * se, "se": se, "n_paragraphs": len(n), "n_articles": n["article_id"].nunique()})
    return pd.DataFrame(rows)


def test_a_headline_gap_is_supported_only_when_the_comparison_is(codebook):
    """One gap of 2.3 standard errors among four tests: alone it excludes 0, but the comparison
    adjusts across its tests (Holm) and does not support it, so neither may the summary. The two
    state it with mirrored signs, whichever order the outlets are compared in."""
    frame = synthetic()
    shares = _shares_table(frame, codebook, {("X", "upbeat"): (0.55, 0.025), ("Y", "upbeat"): (0.47, 0.025),
                                             ("X", "gloomy"): (0.45, 0.025), ("Y", "gloomy"): (0.45, 0.025),
                                             ("X", "sport"): (0.30, 0.03), ("Y", "sport"): (0.30, 0.03),
                                             ("X", "weather"): (0.20, 0.03), ("Y", "weather"): (0.21, 0.03)})
    test = lambda a, b: compare_outlets(frame, codebook, a, b, shares=shares)  # noqa: E731
    table = test("Y", "X").set_index("label")
    assert table.loc["upbeat", "difference"] == pytest.approx(-0.08) and table.loc["upbeat", "ci_high"] < 0
    assert not table.loc["upbeat", "significant"] and table.attrs["basis"] == "shares"
    item = next(i for i in largest_differences(shares, min_articles=5, compare=test) if i["label"] == "upbeat")
    assert (item["high"], item["low"]) == ("X", "Y") and item["difference"] == pytest.approx(0.08)
    assert (item["ci_low"], item["ci_high"]) == pytest.approx((-table.loc["upbeat", "ci_high"], -table.loc["upbeat", "ci_low"]))
    assert not item["significant"] and item["p_adjusted"] == pytest.approx(table.loc["upbeat", "p_adjusted"])
    sentence = summary_sentence(item)
    assert "X − Y = +8 points" in sentence and "not significant" in sentence
    assert largest_differences(shares, min_articles=5)[0]["significant"]  # the old, unadjusted reading


def test_summary_and_comparison_agree_on_bootstrapped_shares(codebook):
    frame = synthetic(seed=3)
    profile = outlet_profile(frame, codebook, n_boot=300)
    test = lambda a, b: compare_outlets(frame, codebook, a, b, n_boot=300)  # noqa: E731
    forward, backward = test("X", "Y").set_index("label"), test("Y", "X").set_index("label")
    np.testing.assert_allclose(forward["ci_low"], -backward.loc[forward.index, "ci_high"])
    for item in largest_differences(profile, min_articles=5, compare=test):
        row = forward.loc[item["label"]]
        sign = 1 if item["high"] == "X" else -1
        assert item["difference"] == pytest.approx(sign * row["difference"])
        assert item["significant"] == row["significant"]


def test_an_outlet_is_not_compared_with_itself(codebook, tmp_path):
    with pytest.raises(ReportError, match="twice"):
        compare_outlets(synthetic(), codebook, "X", "X")
    from framing.report.build import build_report
    with pytest.raises(ReportError, match="twice"):
        build_report("labels", tmp_path, out_dir=tmp_path / "r", compare=("X", "X"))


def test_label_budget_suggests_only_quotas_the_corpus_can_fill(project, tmp_path):
    """Every paragraph of the tiny project is labelled: `labels sample --quota` could draw none, so
    the page may not suggest it; an unlabelled article of Daily caps Daily's quota at its paragraphs."""
    from conftest import write_article

    from framing.config import ExperimentConfig
    from framing.report.sections import budget_section
    from framing.report.shares import corpus_room

    budget = pd.DataFrame({"outlet": ["Daily", "Gazette"], "basis": "outlet", "n_labelled": [9, 40],
                           "widest": 0.2, "extra_labels": [394, 12], "target_width": 0.1})
    config = ExperimentConfig()
    content = ReportContent(title="t", codebook=None, profile=pd.DataFrame(), budget=corpus_room(budget, config, project))
    page = budget_section(content, tmp_path)
    assert "--quota" not in page and "add its predicted articles to the corpus first" in page
    write_article(project / "corpus", "daily-9", "Daily", "2025-03-20", ["upbeat sport", "gloomy none"])
    content.budget = corpus_room(budget, config, project)
    page = budget_section(content, tmp_path)
    assert "--quota &quot;Daily=2&quot;" in page and "Gazette=" not in page and "capped at the 2 unlabelled" in page


def test_the_comparison_words_follow_the_report_kind(codebook, tmp_path):
    from framing.report.sections import compare_section

    frame = pd.DataFrame({"outlet": ["A", "A", "B", "B"], "article_id": list("1234"),
                          "date": ["2022-05-10", "2022-07-15", "2022-02-24", "2022-07-15"]})
    assert "hand-labels report cannot be cut" in date_warning(frame, "A", "B", source="labels")
    assert "--outlet" not in date_warning(frame, "A", "B", source="labels")
    table = compare_outlets(synthetic(), codebook, "X", "Y", n_boot=100)
    for kind, said in (("labels", "hand-labelled shares"), ("predictions", "the model's predicted shares")):
        content = ReportContent(title="t", codebook=codebook, profile=pd.DataFrame(), compare=table,
                                compare_pair=("X", "Y"), kind=kind)
        page = compare_section(content, tmp_path)
        assert said in page and "Difference = X − Y" in page
        assert ("model" in page) == (kind == "predictions")


def test_the_report_refuses_predictions_another_model_made(project, tmp_path):
    """Prediction tables do not say which model made them: the report re-scores whole articles
    with the --model it is given and refuses when the probabilities differ; without any text to
    re-score it says the check was not made."""
    from framing import build_report, load_model, predict_file, train
    from framing.config import load_config

    other = project / "experiments" / "other"
    other.mkdir()
    (other / "config.toml").write_text((project / "experiments/default/config.toml").read_text()
                                       .replace("C = 10.0", "C = 0.05"), encoding="utf-8")
    config = load_config(project / "experiments/default/config.toml")
    train(config, project)
    train(load_config(other / "config.toml"), project)
    predict_file(load_model(project / "experiments/default"), project / "corpus", tmp_path / "p.csv")
    build_report("predictions", project, predictions=tmp_path / "p.csv", config=config, n_boot=50, out_dir=tmp_path / "a")
    with pytest.raises(ReportError, match="not made by the model in .*other"):
        build_report("predictions", project, predictions=tmp_path / "p.csv", model_dir=other, config=config,
                     n_boot=50, out_dir=tmp_path / "b")
    renamed = pd.read_csv(tmp_path / "p.csv").rename(columns={"mood:upbeat": "mood:cheerful"})
    renamed.to_csv(tmp_path / "q.csv", index=False)
    with pytest.raises(ReportError, match="label columns"):
        build_report("predictions", project, predictions=tmp_path / "q.csv", config=config, n_boot=50,
                     out_dir=tmp_path / "c")
    import shutil
    shutil.move(project / "corpus", tmp_path / "corpus-away")
    page = build_report("predictions", project, predictions=tmp_path / "p.csv", model_dir=other, config=config,
                        n_boot=50, out_dir=tmp_path / "d").read_text()
    assert "not checked that" in page


def test_auto_period_falls_back_to_months_when_no_week_shows_anything(codebook):
    frame = synthetic()                    # 12 articles per outlet, five days apart: two in a week at most
    table, period = time_profile(frame, codebook, n_boot=50, min_articles=3)
    assert period == "month" and not table.empty
    weekly, period = time_profile(frame, codebook, period="week", n_boot=50, min_articles=3)
    assert period == "week" and weekly.empty


def test_events_are_read_like_corpus_dates_and_kept_on_the_data(tmp_path):
    import warnings

    from framing.report.events import events_in_range, read_events

    path = tmp_path / "e.csv"
    path.write_text("date,label\n2025-08-01,vote\n12/08/2025,flood\n")
    with pytest.raises(ReportError, match=r"e\.csv:3: ambiguous date '12/08/2025'"):
        read_events(path)
    path.write_text("date,label\nnot-a-date,x\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")      # no pandas warning before the error
        with pytest.raises(ReportError, match=r"e\.csv:2: unreadable date"):
            read_events(path)
    path.write_text("")
    with pytest.raises(ReportError, match="the events file is empty"):
        read_events(path)
    path.write_text("date,label\n2025-08-01,vote\n2026-01-01,later\n25/08/2025,storm\n")
    events = read_events(path)
    assert list(events["date"].dt.strftime("%Y-%m-%d")) == ["2025-08-01", "2026-01-01", "2025-08-25"]
    inside, outside = events_in_range(events, pd.Timestamp("2025-07-01"), pd.Timestamp("2025-09-30"))
    assert list(inside["label"]) == ["vote", "storm"] and outside == ["later (2026-01-01)"]


def test_an_event_outside_the_data_is_not_drawn(project, tmp_path):
    from framing import build_report

    events = tmp_path / "events.csv"
    events.write_text("date,label\n2025-03-05,inside\n2026-06-01,far later\n")
    page = build_report("labels", project, out_dir=tmp_path / "r", n_boot=50, events=events).read_text()
    assert "far later (2026-06-01)" in page.split('id="not-shown"')[1].split("</section>")[0]


def test_no_minus_zero_and_the_labels_readme_cited_only_where_it_exists(project, tmp_path):
    from framing import build_report
    from framing.report.html import points

    assert points(-0.004) == "+0" and points(-0.0004, 1) == "+0.0" and points(-0.006) == "-1"
    assert points(0.12) == "+12" and points(-0.123, 1) == "-12.3"
    page = build_report("labels", project, out_dir=tmp_path / "a", n_boot=50).read_text()
    assert "README.md" not in page
    (project / "labels" / "README.md").write_text("Who labelled what.\n")
    page = build_report("labels", project, out_dir=tmp_path / "b", n_boot=50).read_text()
    assert "labels/README.md" in page


def test_a_pair_of_outlets_is_compared_once_for_compare_and_the_summary(monkeypatch):
    """--compare A B and the summary's A/B gap read one comparison: the summary, which reads it
    either way round, reuses (A, B) for (B, A); --compare B A still gets its own order."""
    import framing.report.compare as compare
    from framing.config import ReportConfig

    calls = []
    monkeypatch.setattr(compare, "compare_outlets", lambda frame, codebook, a, b, **kw: calls.append((a, b)) or (a, b))
    test = compare.outlet_tester(None, None, None, ReportConfig(), shares=None, n_boot=10, seed=0)
    assert test("A", "B") == ("A", "B") and test("B", "A", either_order=True) == ("A", "B")
    assert test("A", "B") == ("A", "B") and calls == [("A", "B")]
    assert test("B", "A") == ("B", "A") and calls == [("A", "B"), ("B", "A")]


def test_a_predictions_report_reads_the_corpus_once(project, tmp_path, monkeypatch):
    """The paragraphs behind the model check, the why and the label budget's room are one reading
    of the project's corpus."""
    import framing.corpus.read
    import framing.report.build
    from framing import build_report, load_model, predict_file, train
    from framing.config import load_config

    from conftest import write_article

    for n in range(9, 13):  # unlabelled articles: the budget has labels to suggest
        write_article(project / "corpus", f"daily-{n}", "Daily", "2025-03-20", ["upbeat sport", "gloomy none"])
    config = load_config(project / "experiments/default/config.toml")
    train(config, project)
    predict_file(load_model(project / "experiments/default"), project / "corpus", tmp_path / "p.csv")
    real, reads = framing.corpus.read.project_paragraphs, []
    monkeypatch.setattr(framing.corpus.read, "project_paragraphs", lambda *a, **k: reads.append(1) or real(*a, **k))
    monkeypatch.setattr(framing.report.build, "project_paragraphs", framing.corpus.read.project_paragraphs)
    build_report("predictions", project, predictions=tmp_path / "p.csv", config=config, n_boot=50, out_dir=tmp_path / "r")
    budget = pd.read_csv(tmp_path / "r" / "label_budget.csv").set_index("outlet")
    assert budget.loc["Daily", "unlabelled_in_corpus"] == 8 and len(reads) == 1


def test_training_paragraphs_count_with_their_out_of_fold_probabilities(codebook):
    """The "why" paragraphs and the articles are ranked by the probability columns: a training
    paragraph's in-sample 0.99 (the model memorised it) must give way to its out-of-fold 0.40,
    as its decision does; a paragraph outside the training set keeps its own."""
    from framing.report.held_out import out_of_fold

    probs = {"mood:upbeat": 0.99, "mood:gloomy": 0.01, "topics:sport": 0.97, "topics:weather": 0.02}
    frame = pd.DataFrame([{"paragraph_id": pid, "article_id": "a", "outlet": "X", "mood": "upbeat",
                           "topics": "sport", **probs} for pid in ("p1", "p2")])
    oof = pd.DataFrame([{"paragraph_id": "p1", "article_id": "a", "outlet": "X", "mood__true": "gloomy",
                         "topics__true": "", "mood:upbeat": 0.40, "mood:gloomy": 0.60, "topics:sport": 0.30,
                         "topics:weather": 0.10}])
    swapped, n = out_of_fold(frame, oof, codebook, {})
    rows = swapped.set_index("paragraph_id")
    assert n == 1 and rows.loc["p1", "mood"] == "gloomy"
    assert rows.loc["p1", ["mood:upbeat", "mood:gloomy", "topics:sport", "topics:weather"]].tolist() == [0.40, 0.60, 0.30, 0.10]
    assert rows.loc["p2", list(probs)].tolist() == list(probs.values())


def test_the_model_only_hint_says_too_few_labels_not_none(codebook):
    """An outlet is model-only with fewer than report.min_labelled hand-labelled paragraphs (NYT
    with 25): the hint once said it had no hand-labelled sample at all."""
    from framing.report.sections import share_table

    profile = outlet_profile(synthetic(), codebook, n_boot=50)
    profile = profile.assign(predicted=profile["share"], basis="model-only")
    content = ReportContent(title="t", codebook=codebook, profile=profile)
    dim = codebook.dimensions[0]
    table = share_table(profile[profile["dimension"] == dim.name], dim, content)
    assert "· model-only" in table and "too few hand-labelled paragraphs" in table
    assert "no hand-labelled sample" not in table


def test_the_summary_adjusts_its_gaps_for_the_outlet_pairs_it_searched(codebook):
    """The summary picks the highest against the lowest of four outlets: six pairs were searched,
    so a gap the X–Y comparison alone supports (Holm p ≈ 0.02) is not significant there once
    adjusted for the search (≈ 0.11); the interval stays the comparison's."""
    base = synthetic()
    frame = pd.concat([base] + [base[base["outlet"] == "X"].assign(outlet=o, article_id=lambda f, o=o: o + f["article_id"])
                                for o in ("Z", "W")])
    values = {}
    for outlet, up in (("X", 0.60), ("Y", 0.48), ("Z", 0.55), ("W", 0.52)):
        values.update({(outlet, "upbeat"): (up, 0.03), (outlet, "gloomy"): (1 - up, 0.03),
                       (outlet, "sport"): (0.3, 0.03), (outlet, "weather"): (0.2, 0.03)})
    shares = _shares_table(frame, codebook, values)
    test = lambda a, b: compare_outlets(frame, codebook, a, b, shares=shares)  # noqa: E731
    pair = test("X", "Y").set_index("label")
    assert pair.loc["upbeat", "significant"]
    item = next(i for i in largest_differences(shares, min_articles=5, compare=test) if i["label"] == "upbeat")
    assert (item["high"], item["low"], item["pairs"]) == ("X", "Y", 6) and item["tests"] == 6 * pair.attrs["tests"]
    assert item["p_adjusted"] == pytest.approx(6 * pair.loc["upbeat", "p_adjusted"]) and not item["significant"]
    assert item["ci_low"] == pytest.approx(pair.loc["upbeat", "ci_low"]) and item["ci_low"] > 0
    sentence = summary_sentence(item)
    assert "6 outlet pairs searched" in sentence and "not significant" in sentence


def test_every_interval_and_cut_off_on_the_page_follows_report_level(tmp_path, codebook):
    """report.level = 0.8: the page, its sentences, charts and comparison say 80% and p below 0.2,
    and the time series are computed at 80% too (narrower than at 95%)."""
    frame = synthetic()
    profile = outlet_profile(frame, codebook, n_boot=200, level=0.8)
    time80, period = time_profile(frame, codebook, n_boot=200, min_articles=1, level=0.8)
    time95, _ = time_profile(frame, codebook, n_boot=200, min_articles=1)
    assert (time80["ci_high"] - time80["ci_low"]).sum() < (time95["ci_high"] - time95["ci_low"]).sum()
    content = ReportContent(title="t", codebook=codebook, profile=profile, time=time80, period=period, level=0.8,
                            summary=largest_differences(profile, min_articles=5, level=0.8),
                            compare=compare_outlets(frame, codebook, "X", "Y", n_boot=200, level=0.8),
                            compare_pair=("X", "Y"))
    html = write_report(content, tmp_path / "r").read_text()
    assert "95%" not in html and "0.05" not in html
    assert "intervals are 80% intervals" in html and "80% interval" in summary_sentence(content.summary[0], level=0.8)
    assert "adjusted p below 0.2 " in html and "with its 80% interval" in html


def test_time_charts_of_predictions_say_they_are_the_models_raw_reading(tmp_path, codebook):
    frame = synthetic()
    profile = outlet_profile(frame, codebook, n_boot=50)
    time_table, period = time_profile(frame, codebook, n_boot=50, min_articles=1)
    for kind in ("predictions", "labels"):
        content = ReportContent(title="t", codebook=codebook, profile=profile, time=time_table, period=period, kind=kind)
        html = write_report(content, tmp_path / kind).read_text()
        assert ("the model's raw decisions per week, not corrected" in html) == (kind == "predictions")
        assert ("mood: the model&#x27;s raw (uncorrected) shares by week" in html) == (kind == "predictions")


def test_summary_items_carry_the_caveats_of_their_numbers(tmp_path, codebook):
    """Dates that differ, a model-only share, a model no better than its baseline, and outlets of
    different collections are said beside the summary sentence they qualify."""
    from framing.report.method import expected_line, summary_caveats

    frame = synthetic()
    frame.loc[frame["outlet"] == "Y", "date"] = "2024-01-01"
    profile = outlet_profile(frame, codebook, n_boot=100)
    items = largest_differences(profile, min_articles=5, top=6)
    items[0].update(basis_high="model-only", basis_low="own labels")
    metrics = {"expected": {"dimensions": {"mood": 0.9, "topics": 0.0}, "intervals": {"mood": [0.8, 0.95],
               "topics": [0.0, 0.0]}, "n": {"mood": 500, "topics": 12}},
               "mood": {"baseline_macro_f1": 0.4}, "topics": {"baseline_macro_f1": 0.0}}
    items = summary_caveats(items, frame, metrics, {"X": "press", "Y": "gov"}, max_gap_days=30, source="predictions")
    said = " | ".join(items[0]["caveats"])
    assert "X covers" in said and f"{items[0]['high']} has no hand-labelled sample" in said
    assert "different collections" in said
    topics = [i for i in items if i["dimension"] == "topics"]
    mood = [i for i in items if i["dimension"] == "mood"]
    assert topics and mood
    assert all("no better than the majority baseline 0.00" in " ".join(i["caveats"]) for i in topics)
    assert not any("baseline" in " ".join(i["caveats"]) for i in mood)
    assert "measured on only 12 (topics) test paragraph(s)" in expected_line(metrics)
    content = ReportContent(title="t", codebook=codebook, profile=profile, summary=items)
    html = write_report(content, tmp_path / "r").read_text()
    assert html.count("Caveat: ") == sum(len(i["caveats"]) for i in items) and "them..</span>" not in html


def test_the_model_line_describes_each_dimensions_own_model(codebook):
    from dataclasses import asdict

    from framing.config import ClassifierConfig, FeaturesConfig
    from framing.report.method import model_note

    features = asdict(FeaturesConfig(analyzer="prefix", lexicon="rationale", lexicon_dimensions=["mood"],
                                     attribution=["topics"], context=1, decades=["topics"], indicators=["topics"]))
    classifier = asdict(ClassifierConfig(C=4.0, C_by_dimension={"mood": 2.0}, threshold="oof", single_offsets=True,
                                         tune_on="news"))
    meta = {"created": "2026-01-01", "config": {"features": features, "classifier": classifier},
            "thresholds": {"topics": {"sport": 0.35, "weather": 0.6}}, "offsets": {"mood": {"upbeat": 0.2}}}
    note = model_note("m", meta, codebook)
    mood, topics = note.split("; topics: ")
    assert "C=2," in mood and "rationale lexicon" in mood and "upbeat +0.20" in mood and "attribution" not in mood
    assert "C=4," in topics and "rationale lexicon" not in topics and "1 earlier paragraph" in topics
    assert "decade" in topics and "indicators" in topics and "sport 0.35, weather 0.60" in topics and "on news" in topics
    assert "5-character word prefixes" in note


def test_the_why_and_share_hints_say_only_what_holds_for_this_project(tmp_path, codebook):
    """Nothing about 5-letter prefixes, sources or "model-only" where the model and data have none."""
    from framing.config import FeaturesConfig
    from framing.report.method import reads_note

    frame = synthetic()
    profile = outlet_profile(frame, codebook, n_boot=50)
    why = {("mood", "upbeat"): {"X": [("win", 0.2)]}, ("topics", "sport"): {"X": [("goal", 0.2)]}}
    examples = {("mood", "upbeat", "X"): [(0.9, "A great win.", "X1:0:abc", "")],
                ("topics", "sport", "X"): [(0.8, "A goal, the coach said.", "X1:1:abc", "the coach said")]}
    content = ReportContent(title="t", codebook=codebook, profile=profile, why=why, examples=examples,
                            reads=reads_note(FeaturesConfig(analyzer="word")))
    html = write_report(content, tmp_path / "r").read_text()
    mood, topics = html[html.index('id="mood"'):html.index('id="topics"')], html[html.index('id="topics"'):]
    assert "the model reads whole words" in mood and "5-letter" not in html and "for sources" not in html
    assert "attributes them" in topics and "attributes them" not in mood
    assert "&quot;model" not in html and '"model' not in html and "own voice" not in html
    assert "5-letter word beginnings" in reads_note(FeaturesConfig(analyzer="prefix", prefix_len=5))


def test_outlets_compared_across_collections_keep_the_genre_warning(tmp_path, codebook):
    """report.within_collection = false: the summary says all outlets are compared together, and
    --compare of a press and a government outlet still warns that they differ in genre."""
    from framing.config import ReportConfig
    from framing.report.build import _comparison, _Source

    frame = synthetic().assign(collection=lambda f: f["outlet"].map({"X": "press", "Y": "gov"}))
    profile = outlet_profile(frame, codebook, n_boot=50)
    table = compare_outlets(frame, codebook, "X", "Y", n_boot=50)
    parts = {}
    _comparison(_Source(frame, codebook, frame), profile, ReportConfig(within_collection=False, min_articles=5),
                ("X", "Y"), test=lambda a, b: table, parts=parts)
    assert any("X (press) and Y (gov) belong to different collections" in w for w in parts["compare_warnings"])
    content = ReportContent(title="t", codebook=codebook, profile=profile, groups={"X": "all", "Y": "all"},
                            within_collection=False, summary=largest_differences(profile, min_articles=5))
    html = write_report(content, tmp_path / "r").read_text()
    assert "all collections are compared together" in html and "compared within their collection" not in html


def test_articles_are_ranked_among_those_long_enough_ties_by_probability(tmp_path, codebook):
    """A one-paragraph article at 100% does not top a label; of two articles with the same share
    the one the model is surer of comes first; the section counts in the report's unit word."""
    from types import SimpleNamespace

    from framing.report.ranking import ranked_articles

    model = SimpleNamespace(config=SimpleNamespace(), thresholds={"topics": {"sport": 0.5, "weather": 0.5}},
                            dimensions={"mood": SimpleNamespace(labels_=["upbeat", "gloomy"], multi=False),
                                        "topics": SimpleNamespace(labels_=["sport", "weather"], multi=True)})
    rows = []
    for article, n, up in (("short", 1, [0.99]), ("b-sure", 3, [0.9, 0.9, 0.2]), ("a-unsure", 3, [0.6, 0.6, 0.2]),
                           ("long", 4, [0.9, 0.2, 0.2, 0.2])):
        for i, p in enumerate(up[:n]):
            rows.append({"article_id": article, "outlet": "X", "paragraph_id": f"{article}:{i}",
                         "mood:upbeat": p, "mood:gloomy": 1 - p, "topics:sport": 0.1, "topics:weather": 0.1})
    ranked = ranked_articles(model, pd.DataFrame(rows), codebook, top=2, texts=None)
    upbeat = ranked[(ranked["dimension"] == "mood") & (ranked["label"] == "upbeat")]
    assert upbeat["article_id"].tolist() == ["b-sure", "a-unsure"] and upbeat["rank"].tolist() == [1, 2]
    assert "short" not in set(ranked["article_id"])
    one = ranked.iloc[:1].assign(paragraphs=1)
    content = ReportContent(title="t", codebook=codebook, profile=outlet_profile(synthetic(), codebook, n_boot=20),
                            articles=one, unit="headline", units={"X": "headline"})
    html = write_report(content, tmp_path / "r").read_text()
    assert "of 1 headline ·" in html and "paragraphs" not in html.split('id="articles"')[1].split("</section>")[0]


def test_a_time_chart_of_one_period_is_left_out_and_events_do_not_stretch_the_axis(tmp_path, codebook):
    from matplotlib.dates import num2date
    from matplotlib.figure import Figure

    from framing.report import charts

    frame = synthetic()
    frame["date"] = "2025-03-03"
    profile = outlet_profile(frame, codebook, n_boot=20)
    one, period = time_profile(frame, codebook, period="month", n_boot=20, min_articles=1)
    html = write_report(ReportContent(title="t", codebook=codebook, profile=profile, time=one, period=period),
                        tmp_path / "r").read_text()
    assert not (tmp_path / "r" / "mood_time.png").exists() and "one point shows no change over time" in html
    table, period = time_profile(synthetic(), codebook, period="month", n_boot=20, min_articles=1)
    events = pd.DataFrame({"date": pd.to_datetime(["2020-07-01", "2025-03-20"]), "label": ["far", "near"]})
    fig = charts.draw_time(table, "mood", Figure(), events, period=period)
    assert num2date(fig.axes[0].get_xlim()[0]).year == 2025 and len(fig.axes[0].texts) == 1


def test_smaller_wording_points_of_the_page(tmp_path, codebook):
    """Heatmap title without collections, Cohen's h explained, one unlabelled paragraph, no 0.00
    baseline for a multi-label dimension, the model-only dot in the legend, --compare refused early."""
    from matplotlib.figure import Figure

    from framing.report import charts
    from framing.report.build import _filtered
    from framing.report.sections import _quotas, compare_section, validity_table

    profile = outlet_profile(synthetic(), codebook, n_boot=20)
    ax = charts.draw_heatmap(profile, "mood", Figure().add_subplot())
    assert "grouped" not in ax.get_title()
    table = compare_outlets(synthetic(), codebook, "X", "Y", n_boot=50)
    content = ReportContent(title="t", codebook=codebook, profile=profile, compare=table, compare_pair=("X", "Y"))
    assert "Cohen's h, the gap" in compare_section(content, tmp_path)
    budget = pd.DataFrame({"outlet": ["X"], "extra_labels": [5], "n_labelled": [3], "unlabelled_in_corpus": [1]})
    assert "capped at the 1 unlabelled paragraph the corpus" in _quotas(budget)[1][0]
    validity = pd.DataFrame({"dimension": ["mood", "topics"], "collection": ["all", "all"], "paragraphs": [9, 9],
                             "CV macro-F1": [0.5, 0.4], "time-forward macro-F1": [0.5, 0.3],
                             "time-forward interval": [None, None], "baseline macro-F1": [0.3, 0.0]})
    cells = validity_table(validity, {"topics"})
    assert "/ 0.30</span>" in cells and "/ 0.00</span>" not in cells and "no baseline for a multi-label" in cells
    shown = profile.assign(predicted=profile["share"], basis=np.where(profile["outlet"] == "X", "model-only", "own"))
    fig = charts.draw_dots(shown, "mood", Figure(), outlets=["X", "Y"], colors={})
    assert any("model-only" in t.get_text() for t in fig.legends[0].get_texts())
    with pytest.raises(ReportError, match="--compare names 'Z'"):
        _filtered(synthetic(), None, None, ("X", "Z"))


def test_outlets_with_one_hand_labelled_article_are_not_drawn_against_the_model(tmp_path, codebook):
    frame = synthetic()
    frame = frame[(frame["outlet"] == "X") | (frame["article_id"] == "Y0")]
    hand = outlet_profile(frame, codebook, n_boot=20)
    validation = hand.rename(columns={"share": "hand", "ci_low": "hand_low", "ci_high": "hand_high"}).assign(
        predicted=lambda f: f["hand"], predicted_low=lambda f: f["hand_low"], predicted_high=lambda f: f["hand_high"])
    content = ReportContent(title="t", codebook=codebook, profile=hand, validation=validation)
    html = write_report(content, tmp_path / "r").read_text()
    assert "Not drawn (one hand-labelled article" in html and "): Y.</p>" in html
    assert set(pd.read_csv(tmp_path / "r" / "mood_validation.csv")["outlet"]) == {"X", "Y"}
