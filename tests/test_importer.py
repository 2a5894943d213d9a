import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from framing import CorpusError, ExperimentConfig, LabelsError, load_config, load_project
from framing.cli import app
from framing.labels.importer import import_table, slug


def table(tmp_path):
    rows = []
    for g in range(8):
        for s in range(3):
            biased = (g + s) % 2 == 0
            rows.append({"sentence": f"{'Outrageous disgraceful' if biased else 'The committee met'} story {g} {s}.",
                         "bias": "Biased" if biased else "Non-biased", "link": f"http://x/{g}",
                         "site": "A" if g < 4 else "B", "tags": "x|y" if s == 0 else ("y" if s == 1 else "")})
    rows.append({"sentence": "Unclear.", "bias": "No agreement", "link": "http://x/9", "site": "A", "tags": ""})
    path = tmp_path / "data.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_slug():
    assert slug("Non-biased") == "non_biased" and slug("Expresses writer’s opinion") == "expresses_writer_s_opinion"
    assert slug("3 stars") == "l_3_stars"


def test_import_makes_a_working_project(tmp_path):
    out = tmp_path / "proj"
    summary = import_table(table(tmp_path), out, text="sentence", labels={"bias": "bias", "tags": "tags"},
                           multi={"tags"}, outlet="site", group="link", annotator="experts")
    assert summary["rows"] == 25
    assert summary["dimensions"]["bias"]["skipped"] == 1 and summary["dimensions"]["bias"]["labelled"] == 24
    config = load_config(out / "experiments/default/config.toml")
    assert config.data.paragraph_rows
    data = load_project(config, out)
    assert data.codebook.dimension("bias").label_names == ["biased", "non_biased"]
    assert data.codebook.dimension("tags").multi
    assert data.paragraphs["article_id"].nunique() == 9 and set(data.paragraphs["outlet"]) == {"A", "B"}
    assert len(data.table) == 25 and data.labels["annotator"].eq("experts").all()
    tags = data.table.set_index("paragraph_id")["tags"]
    assert tags.iloc[0] == ["x", "y"] and tags.iloc[2] == []


def test_import_then_evaluate_through_the_cli(tmp_path):
    out = tmp_path / "proj"
    runner = CliRunner()
    result = runner.invoke(app, ["import", "table", str(table(tmp_path)), "--out", str(out), "--text", "sentence",
                                 "--label", "bias=bias", "--group", "link", "--outlet", "site"])
    assert result.exit_code == 0, result.output
    assert "skipped 1" in result.output
    result = runner.invoke(app, ["evaluate", "--root", str(out), "--set", "evaluate.folds=4"])
    assert result.exit_code == 0, result.output
    metrics = json.loads((out / "experiments/default/metrics.json").read_text())
    assert metrics["bias"]["macro_f1"] > metrics["bias"]["baseline_macro_f1"]
    oof = pd.read_csv(out / "experiments/default/cv_predictions.csv")
    assert oof.groupby("article_id")["bias__fold"].nunique().eq(1).all()


def test_bad_columns_and_values(tmp_path):
    path = table(tmp_path)
    with pytest.raises(CorpusError, match="no column 'nope' for label bias"):
        import_table(path, tmp_path / "p", text="sentence", labels={"bias": "nope"})
    with pytest.raises(LabelsError, match="fewer than two label values"):
        import_table(path, tmp_path / "p", text="sentence", labels={"bias": "site"}, skip_values=["A"])


def test_predefined_split_holdout_evaluation(tmp_path):
    frame = pd.read_csv(table(tmp_path))
    frame["part"] = ["train" if i % 4 else "test" for i in range(len(frame))]
    path = tmp_path / "split.csv"
    frame.to_csv(path, index=False)
    out = tmp_path / "proj"
    import_table(path, out, text="sentence", labels={"bias": "bias"}, group="link", split="part")
    assert sorted(p.name for p in (out / "corpus").iterdir()) == ["test.jsonl", "train.jsonl"]
    runner = CliRunner()
    result = runner.invoke(app, ["evaluate", "--root", str(out), "--train-on", "train", "--test-on", "test"])
    assert result.exit_code == 0, result.output
    metrics = json.loads((out / "experiments/default/metrics_holdout.json").read_text())
    assert metrics["bias"]["by"] == "train train, test test" and metrics["bias"]["n"] == 6
    result = runner.invoke(app, ["evaluate", "--root", str(out), "--train-on", "train", "--test-on", "nope"])
    assert result.exit_code == 1 and "no collection 'nope'" in result.output


def listed(tmp_path, suffix):
    """A table whose multi-label column holds real lists (as .jsonl and .parquet store them)."""
    topics = [["environment", "economy"], [], ["economy"], ["economy", "economy"], ["environment"], []]
    frame = pd.DataFrame({"text": [f"Paragraph {i} on the plan." for i in range(6)], "topics": topics,
                          "stance": ["pro", "con"] * 3})
    path = tmp_path / f"listed{suffix}"
    frame.to_json(path, orient="records", lines=True) if suffix == ".jsonl" else frame.to_parquet(path)
    return path


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
def test_list_cells_are_read_as_lists(tmp_path, suffix):
    out = tmp_path / "proj"
    summary = import_table(listed(tmp_path, suffix), out, text="text", labels={"topics": "topics", "stance": "stance"},
                           multi={"topics"})
    assert summary["dimensions"]["topics"]["labels"] == {"economy": 3, "environment": 2}  # [] is no label, not "l_"
    data = load_project(load_config(out / "experiments/default/config.toml"), out)
    assert data.codebook.dimension("topics").label_names == ["economy", "environment"]
    assert "Rows whose topics is 'economy'." in (out / "labels" / "codebook.toml").read_text()
    topics = data.table.set_index("paragraph_id")["topics"]
    assert [list(v) for v in topics] == [["economy", "environment"], [], ["economy"], ["economy"], ["environment"], []]


def test_a_value_repeated_in_a_cell_counts_once(tmp_path):
    path = tmp_path / "t.csv"
    pd.DataFrame({"text": ["one", "two", "three"], "topics": ["economy;economy", "economy;war", ""]}).to_csv(path, index=False)
    summary = import_table(path, tmp_path / "proj", text="text", labels={"topics": "topics"}, multi={"topics"}, sep=";")
    assert summary["dimensions"]["topics"]["labels"] == {"economy": 2, "war": 1}


def test_values_in_other_scripts_keep_distinct_names(tmp_path):
    path = tmp_path / "t.csv"
    pd.DataFrame({"text": ["un", "deux", "drei", "vier"],
                  "tone": ["négatif", "позитивный", "негативный", "нейтральный"]}).to_csv(path, index=False)
    summary = import_table(path, tmp_path / "proj", text="text", labels={"tone": "tone"})
    assert summary["dimensions"]["tone"]["names"] == {"négatif": "negatif", "негативный": "negativnyy",
                                                      "нейтральный": "neytral_nyy", "позитивный": "pozitivnyy"}
    result = CliRunner().invoke(app, ["import", "table", str(path), "--out", str(tmp_path / "p2"), "--text", "text",
                                      "--label", "tone=tone"])
    assert result.exit_code == 0 and "'négatif' → negatif" in result.output
    assert slug("正面") == "zhengmian" and slug("Straße") == "strasse"


def test_values_that_would_share_a_name_are_refused(tmp_path):
    path = tmp_path / "t.csv"
    pd.DataFrame({"text": ["a", "b", "c"], "tone": ["Négatif", "negatif", "positif"]}).to_csv(path, index=False)
    with pytest.raises(LabelsError, match=r"\['Négatif', 'negatif'\] would all be the label 'negatif'"):
        import_table(path, tmp_path / "proj", text="text", labels={"tone": "tone"})


def test_rows_without_text_are_left_out(tmp_path):
    path = tmp_path / "t.jsonl"
    rows = [{"text": "Good news.", "tone": "pos"}, {"text": "  ", "tone": "neg"}, {"text": None, "tone": "pos"},
            {"text": "Bad news.", "tone": "neg"}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "proj"
    result = CliRunner().invoke(app, ["import", "table", str(path), "--out", str(out), "--text", "text", "--label", "tone=tone"])
    assert result.exit_code == 0, result.output
    assert "left out 2 row(s) with no text" in result.output and "tone: 2 labelled" in result.output
    data = load_project(load_config(out / "experiments/default/config.toml"), out)  # labels all on corpus paragraphs
    assert sorted(data.paragraphs["paragraph_id"]) == ["t-0", "t-3"] and len(data.labels) == 2


def test_a_list_in_a_single_choice_column_is_refused(tmp_path):
    path = tmp_path / "t.jsonl"
    rows = [{"text": "a", "tone": ["pos"]}, {"text": "b", "tone": ["neg", "pos"]}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(LabelsError, match=r"row 2: tone holds several values \['neg', 'pos'\].*--multi"):
        import_table(path, tmp_path / "proj", text="text", labels={"tone": "tone"})


def test_lists_written_as_text_in_a_csv(tmp_path):
    path = tmp_path / "t.csv"
    pd.DataFrame({"text": ["a", "b", "c"], "topics": ["['environment', 'economy']", "[]", "economy"]}).to_csv(path, index=False)
    summary = import_table(path, tmp_path / "proj", text="text", labels={"topics": "topics"}, multi={"topics"})
    assert summary["dimensions"]["topics"]["labels"] == {"economy": 2, "environment": 1}
