import re

import numpy as np
import pandas as pd
import pytest

from framing import ReportError, outlet_profile
from framing.profile import compare_outlets, largest_differences, time_profile
from framing.report import ReportContent, summary_sentence, write_report


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
    items = largest_differences(profile, frame, codebook, top=3, n_boot=300)
    assert len(items) == 3 and items[0]["difference"] >= items[1]["difference"]
    sentence = summary_sentence(items[0])
    assert items[0]["high"] in sentence and "points" in sentence and "95% CI" in sentence


def test_page_is_self_contained_with_a_csv_beside_every_chart(tmp_path, codebook):
    frame = synthetic()
    profile = outlet_profile(frame, codebook, n_boot=200)
    time_table, period = time_profile(frame, codebook, n_boot=100, min_articles=1)
    content = ReportContent(title="Test report", codebook=codebook, profile=profile, time=time_table, period=period,
                            summary=largest_differences(profile, frame, codebook, n_boot=200),
                            compare=compare_outlets(frame, codebook, "X", "Y", n_boot=200), compare_pair=("X", "Y"),
                            events=pd.DataFrame({"date": pd.to_datetime(["2025-03-20"]), "label": ["summit"]}),
                            why={("mood", "upbeat"): {"X": [("win", 0.2)]}},
                            examples={("mood", "upbeat", "X"): [(0.9, "A great win.", "X1:0:abc")]},
                            notes={"Data": "synthetic"})
    page = write_report(content, tmp_path / "r")
    pngs = sorted(p.stem for p in (tmp_path / "r").glob("*.png"))
    assert pngs == ["compare", "mood_bars", "mood_heatmap", "mood_time", "topics_bars", "topics_heatmap", "topics_time"]
    for stem in pngs:
        assert (tmp_path / "r" / f"{stem}.svg").stat().st_size > 0
        assert len(pd.read_csv(tmp_path / "r" / f"{stem}.csv")) > 0
    html = page.read_text()
    assert html.count('src="data:image/png;base64,') == len(pngs)
    assert not re.search(r'src="(?!data:)', html)  # nothing is loaded from elsewhere
    assert html.index("Summary") < html.index("mood_heatmap") < html.index('id="method"')
    assert 'href="#why-mood-upbeat-X"' in html and 'id="why-mood-upbeat-X"' in html and "A great win." in html


def test_events_file_errors(tmp_path):
    from framing.workflow import read_events

    bad = tmp_path / "e.csv"
    bad.write_text("when,what\n2025-01-01,x\n")
    with pytest.raises(ReportError, match="need columns date and label"):
        read_events(bad)
    bad.write_text("date,label\n2025-01-01,x\nsoon,y\n")
    with pytest.raises(ReportError, match=r"e\.csv:3: unreadable date"):
        read_events(bad)


def test_articles_section_ranks_articles_and_links_to_why(tmp_path, codebook):
    from framing.articles import rank_articles

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
