import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score
from typer.testing import CliRunner

from framing import LabelsError
from framing.labels.agreement import _alpha, agreement, disagreements
from framing.cli import app

T = "2026-11-25T10:00:00+00:00"


def frame(rows):
    return pd.DataFrame([{"paragraph_id": p, "dimension": d, "value": v, "annotator": a, "time": T} for p, d, v, a in rows])


def two_annotators():
    a = ["upbeat", "upbeat", "gloomy", "gloomy", "upbeat", "gloomy", "upbeat", "upbeat"]
    b = ["upbeat", "gloomy", "gloomy", "gloomy", "upbeat", "upbeat", "upbeat", "upbeat"]
    rows = [(f"p{i}", "mood", [x], "a") for i, x in enumerate(a)] + [(f"p{i}", "mood", [x], "b") for i, x in enumerate(b)]
    return a, b, frame(rows)


def test_kappa_matches_hand_computation_and_sklearn(codebook):
    a, b, labels = two_annotators()
    row = agreement(labels, codebook).set_index(["dimension", "label"]).loc[("mood", "ALL")]
    # by hand: observed 6/8 = 0.75; p(upbeat) a=5/8, b=5/8 → expected 25/64 + 9/64 = 34/64; κ = (0.75-34/64)/(1-34/64)
    expected = (0.75 - 34 / 64) / (1 - 34 / 64)
    assert row["kappa"] == pytest.approx(expected) == pytest.approx(cohen_kappa_score(a, b))
    assert row["agreement"] == 0.75 and row["items"] == 8 and row["annotators"] == 2


def test_alpha_matches_krippendorffs_worked_example():
    # Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", nominal example: α = 0.743
    nan = np.nan
    data = np.array([[1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
                     [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
                     [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
                     [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan]])
    assert _alpha(data) == pytest.approx(0.743, abs=5e-4)


def test_per_label_agreement_on_multi_label(codebook):
    rows = [("p1", "topics", ["sport"], "a"), ("p1", "topics", ["sport"], "b"),
            ("p2", "topics", ["sport", "weather"], "a"), ("p2", "topics", ["weather"], "b"),
            ("p3", "topics", [], "a"), ("p3", "topics", [], "b"),
            ("p4", "topics", ["weather"], "a"), ("p4", "topics", ["weather"], "b")]
    table = agreement(frame(rows), codebook).set_index(["dimension", "label"])
    assert table.loc[("topics", "weather"), "agreement"] == 1.0
    sport_a, sport_b = ["yes", "yes", "no", "no"], ["yes", "no", "no", "no"]
    assert table.loc[("topics", "sport"), "kappa"] == pytest.approx(cohen_kappa_score(sport_a, sport_b))
    assert table.loc[("topics", "ALL"), "agreement"] == 0.75  # exact set match on 3 of 4


def test_no_overlap_is_explained(codebook):
    rows = [("p1", "mood", ["upbeat"], "a"), ("p2", "mood", ["upbeat"], "b")]
    with pytest.raises(LabelsError, match="no paragraph is labelled by two or more"):
        agreement(frame(rows), codebook)
    with pytest.raises(LabelsError, match=r"no labels by \['zed'\]"):
        agreement(frame(rows), codebook, ["a", "zed"])


def test_disagreements_and_adjudication_through_the_cli(project):
    from framing import read_paragraphs

    ids = read_paragraphs(project / "corpus")["paragraph_id"].tolist()
    second = project / "labels" / "second.jsonl"
    import json

    lines = [json.dumps({"paragraph_id": ids[0], "dimension": "mood", "value": ["gloomy"], "annotator": "second", "time": T}),
             json.dumps({"paragraph_id": ids[1], "dimension": "mood", "value": ["gloomy"], "annotator": "second", "time": T})]
    second.write_text("\n".join(lines) + "\n")
    runner = CliRunner()
    result = runner.invoke(app, ["agree", "--root", str(project), "--disagreements", str(project / "d.csv")])
    assert result.exit_code == 0, result.output
    assert "1 disagreement(s) not yet adjudicated" in result.output and ids[0] in result.output
    everything = next(line for line in result.output.splitlines() if " ALL " in line)
    assert not everything.rstrip().endswith("NaN")  # prevalence is one label's share: blank on the "ALL" row
    cases = pd.read_csv(project / "d.csv")
    assert cases["paragraph_id"].tolist() == [ids[0]] and set(cases.columns) >= {"by tester", "by second", "text"}

    decision = project / "adj.tsv"
    decision.write_text(f"paragraph_id\tdimension\tvalue\n{ids[0]}\tmood\tgloomy\n")
    result = runner.invoke(app, ["adjudicate", str(decision), "--adjudicator", "tester", "--root", str(project)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["agree", "--root", str(project)])
    assert "0 disagreement(s) not yet adjudicated" in result.output
    from framing import load_project, ExperimentConfig

    table = load_project(ExperimentConfig(), project).table.set_index("paragraph_id")
    assert table.loc[ids[0], "mood"] == "gloomy"   # adjudication wins over the tie
    assert (project / "labels" / "tester.jsonl").read_text().count(ids[0]) == 2  # originals kept


def test_labels_stats(project):
    result = CliRunner().invoke(app, ["labels", "stats", "--root", str(project), "--min-examples", "9"])
    assert result.exit_code == 0, result.output
    assert "Daily" in result.output and "tester" in result.output and "unlabelled" in result.output
    # the rule of `framing evaluate` (>= min_examples in >= folds articles): training uses these labels all the same
    assert "too few to train" not in result.output and "Labels too rare to evaluate reliably" in result.output
    assert "mood  upbeat           8         5 >= 9 in >= 3 articles" in result.output
    assert "More labels for" not in result.output  # no learning curve in this project: nothing to estimate from
    curves = project / "experiments" / "active-learning"
    curves.mkdir()
    (curves / "learning_curve_mood.csv").write_text("dimension,order,labels,macro_f1\n" + "".join(
        f"mood,random,{n},{f}\n" for n, f in [(5, 0.4), (10, 0.5), (20, 0.6), (40, 0.7)]), encoding="utf-8")
    result = CliRunner().invoke(app, ["labels", "stats", "--root", str(project)])
    gain = result.output.split("More labels for +0.05")[1]
    assert "mood        18" in gain and "nan" not in gain.lower()
    assert "topics        18" in gain and "no learning curve for it" in gain  # listed, with why it has no figure


def test_label_stats_warns_as_evaluation_judges(project, codebook):
    from framing import label_stats, read_labels, read_paragraphs

    labels, paragraphs = read_labels(project / "labels", codebook), read_paragraphs(project / "corpus")
    assert label_stats(labels, paragraphs, codebook, min_examples=3, folds=3)["warnings"] == []
    warnings = label_stats(labels, paragraphs, codebook, min_examples=3, folds=7)["warnings"]  # 6 articles < 7 folds
    assert len(warnings) == 4 and warnings[0] == ("mood:upbeat has 8 example(s) in 5 article(s): too few to evaluate "
                                                  "reliably (want >= 3 in >= 7 articles); training uses it all the same")


def test_the_disagreements_file_is_adjudicated_as_agree_wrote_it(project):
    """agree --disagreements → fill in value → adjudicate, as the README describes it."""
    import json

    from framing import ExperimentConfig, load_project, read_labels

    labels = read_labels(project / "labels" / "tester.jsonl", load_project(ExperimentConfig(), project).codebook)
    untagged = labels[(labels["dimension"] == "topics") & labels["value"].map(len).eq(0)]["paragraph_id"].iloc[0]
    moods = labels[labels["dimension"] == "mood"].set_index("paragraph_id")["value"]
    other = {"upbeat": "gloomy", "gloomy": "upbeat"}[moods[untagged][0]]
    (project / "labels" / "second.jsonl").write_text("".join(json.dumps(r) + "\n" for r in [
        {"paragraph_id": untagged, "dimension": "topics", "value": ["sport"], "annotator": "second", "time": T},
        {"paragraph_id": untagged, "dimension": "mood", "value": [other], "annotator": "second", "time": T}]))
    runner = CliRunner()
    cases_file = project / "cases.csv"
    result = runner.invoke(app, ["agree", "--root", str(project), "--disagreements", str(cases_file)])
    assert result.exit_code == 0, result.output
    cases = pd.read_csv(cases_file, dtype=str, keep_default_na=False)
    assert list(cases.columns[:3]) == ["paragraph_id", "dimension", "value"] and cases["value"].eq("").all()
    assert cases.set_index("dimension").loc["topics", "by tester"] == "(none)"
    cases.loc[cases["dimension"] == "topics", "value"] = cases.loc[cases["dimension"] == "topics", "by tester"]
    cases.to_csv(cases_file, index=False)  # the adjudicator sides with "(none)" on topics, leaves mood for later
    result = runner.invoke(app, ["adjudicate", str(cases_file), "--adjudicator", "judge", "--root", str(project)])
    assert result.exit_code == 0, result.output
    assert "recorded 1 adjudicated label(s)" in result.output
    assert "left out 1 case(s) with no value, not decided yet (line 2)" in result.output
    table = load_project(ExperimentConfig(), project).table.set_index("paragraph_id")
    assert table.loc[untagged, "topics"] == []
    cases.loc[cases["dimension"] == "mood", "value"] = other
    cases.to_csv(cases_file, index=False)
    assert runner.invoke(app, ["adjudicate", str(cases_file), "--adjudicator", "judge", "--root", str(project)]).exit_code == 0
    assert "0 disagreement(s) not yet adjudicated" in runner.invoke(app, ["agree", "--root", str(project)]).output
    settled = runner.invoke(app, ["agree", "--root", str(project), "--disagreements", str(project / "none.csv")]).output
    assert f"nothing to adjudicate: {project / 'none.csv'} holds only its header" in settled and "fill in" not in settled
