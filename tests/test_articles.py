"""Article-level results: the aggregation rules, streaming equals aggregating afterwards, the
terminal view and the report's ranked articles."""

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import framing
import framing.cli
from framing import CorpusError, load_model, predict_file, train
from framing.model.articles import (ArticleDim, ArticleSpec, ArticleTable, articles_from_predictions, finish_rows,
                              rank_articles, summarise, supporting, unit_articles)
from framing.config import load_config
from framing.corpus.tables import read_predictions
from framing.predict.local import predict_articles
from framing.predict.preview import preview

SPEC = ArticleSpec((ArticleDim("mood", ("up", "down", "flat"), False),
                    ArticleDim("topics", ("a", "b"), True, (0.5, 0.3))))


def columns(rows):
    """Prediction columns from (article, mood up/down/flat, topics a/b) rows."""
    out = {"article_id": [r[0] for r in rows], "paragraph_id": [f"{r[0]}:{i}" for i, r in enumerate(rows)],
           "outlet": ["O"] * len(rows), "date": ["2025-01-01"] * len(rows), "collection": [""] * len(rows)}
    for j, name in enumerate(SPEC.columns):
        out[name] = [r[1 + j] for r in rows]
    return out


ROWS = [  # x: "flat" tops two of three paragraphs, "up" has the most probability mass
    ("x", 0.90, 0.05, 0.05, 0.6, 0.1),
    ("x", 0.40, 0.10, 0.50, 0.2, 0.1),
    ("x", 0.40, 0.15, 0.45, 0.1, 0.2),
    ("y", 0.20, 0.60, 0.20, 0.7, 0.9),
    ("y", 0.20, 0.60, 0.20, 0.7, 0.1),
]


def test_rules_single_mass_multi_count_and_supporting_paragraph():
    rows = finish_rows(SPEC, summarise(SPEC, columns(ROWS)))
    assert rows["article_id"] == ["x", "y"] and rows["paragraphs"].tolist() == [3, 2]
    # x: "flat" is the top label of 2 of 3 paragraphs, but "up" has the most probability mass (1.7 vs 1.0)
    assert rows["mood:flat"][0] == pytest.approx(2 / 3) and rows["mood:up"][0] == pytest.approx(1 / 3)
    assert rows["mood"] == ["up", "down"]
    # multi-label: a label counts when >= 1 paragraph carries it (threshold per label: a 0.5, b 0.3)
    assert rows["topics"] == ["a", "a|b"]
    assert rows["topics:a"].tolist() == [pytest.approx(1 / 3), 1.0] and rows["topics:b"].tolist() == [0.0, 0.5]
    # the supporting paragraph has the label's highest probability; ties go to the first
    assert supporting(rows["mood__paragraphs"][0]) == {"up": "x:0"}
    assert supporting(rows["topics__paragraphs"][1]) == {"a": "y:3", "b": "y:3"}


def test_min_paragraphs_and_ties():
    strict = ArticleSpec(SPEC.dims, min_paragraphs=2)
    rows = finish_rows(strict, summarise(strict, columns(ROWS)))
    assert rows["topics"] == ["", "a"]  # b is carried by one paragraph of y only
    tie = finish_rows(SPEC, summarise(SPEC, columns([("z", 0.4, 0.4, 0.2, 0.0, 0.0)])))
    assert tie["mood"] == ["up"] and tie["topics"] == [""]  # ties go to the codebook's first label
    assert "at least 2 paragraphs" in strict.rules()["topics"] and "probability mass" in strict.rules()["mood"]


def test_one_paragraph_articles_take_the_same_rules():
    rows = [(f"r{i}", *r[1:]) for i, r in enumerate(ROWS)]
    fast = finish_rows(SPEC, summarise(SPEC, columns(rows)))
    general = finish_rows(SPEC, summarise(SPEC, columns(rows + [("r0", 0.1, 0.1, 0.8, 0.0, 0.0)])))
    general = pd.DataFrame(general).iloc[1:].reset_index(drop=True)  # r0 now has two paragraphs
    pd.testing.assert_frame_equal(pd.DataFrame(fast).iloc[1:].reset_index(drop=True), general)
    assert fast["paragraphs"].tolist() == [1] * 5 and fast["mood"] == ["up", "flat", "flat", "down", "down"]


def test_articles_without_paragraphs_keep_a_row():
    meta = [{"article_id": "empty", "outlet": "O", "date": None, "title": "Nothing", "collection": ""},
            {"article_id": "x", "outlet": "O", "date": "2025-01-01", "title": "X", "collection": ""}]
    rows = finish_rows(SPEC, summarise(SPEC, columns(ROWS[:3]), meta))
    assert rows["article_id"] == ["empty", "x"] and rows["paragraphs"].tolist() == [0, 3]
    assert rows["mood"] == ["", "up"] and rows["topics"] == ["", "a"] and rows["title"] == ["Nothing", "X"]
    assert rows["mood:up"][0] == 0.0 and rows["mood__paragraphs"][0] == ""


def test_merging_units_equals_one_pass_in_any_order():
    shuffled = [ROWS[i] for i in (3, 0, 4, 2, 1)]
    whole = finish_rows(SPEC, summarise(SPEC, columns(shuffled)))
    table = ArticleTable(SPEC)
    for start in range(0, 5, 2):
        part = columns(shuffled[start:start + 2])
        part["paragraph_id"] = columns(shuffled)["paragraph_id"][start:start + 2]
        assert table.add(unit_articles(SPEC, summarise(SPEC, part), False)) is None
    pd.testing.assert_frame_equal(pd.DataFrame(table.finish()), pd.DataFrame(whole))
    # complete articles are finished at once, in the unit
    done = unit_articles(SPEC, summarise(SPEC, columns(ROWS)), np.array([True, False]))
    assert done.finished["article_id"] == ["x"] and done.pending.ids == ["y"]


@pytest.fixture()
def model(project):
    train(load_config(project / "experiments/default/config.toml"), project)
    return load_model(project / "experiments/default")


def test_streamed_table_equals_aggregating_the_predictions(project, model, tmp_path):
    preds, arts = tmp_path / "p.csv", tmp_path / "a.parquet"
    predict_file(model, project / "corpus", preds, chunk_size=2, articles=arts)
    written = pd.read_parquet(arts)
    table = framing.predict_articles(model, project / "corpus", workers=2, chunk_size=4)
    after = articles_from_predictions(read_predictions(preds), ArticleSpec.from_model(model))
    assert len(written) == len(table) == 6 and list(table["article_id"]) == sorted(table["article_id"])
    assert set(table.attrs["rules"]) == {"mood", "topics"}
    assert table["title"].str.startswith("Story ").all() and (table["paragraphs"] == 3).all()
    pd.testing.assert_frame_equal(written, table, check_dtype=False)
    shared = [c for c in table.columns if c not in ("title", "collection")]
    pd.testing.assert_frame_equal(table[shared], after[shared], check_dtype=False)


def test_paragraph_rows_spread_over_chunks_are_merged(project, model, tmp_path):
    paragraphs = framing.read_paragraphs(project / "corpus").sample(frac=1.0, random_state=1)
    table = paragraphs.rename(columns={"paragraph_id": "id"})  # article_id groups them (Columns.article)
    table.to_parquet(tmp_path / "in.parquet", index=False)
    out = predict_articles(model, tmp_path / "in.parquet", paragraphs=True, chunk_size=4)
    whole = predict_articles(model, project / "corpus")
    assert sorted(out["article_id"]) == sorted(whole["article_id"])
    out, whole = out.set_index("article_id").sort_index(), whole.set_index("article_id").sort_index()
    numbers = [c for c in whole.columns if ":" in c] + ["paragraphs", "mood", "topics"]
    pd.testing.assert_frame_equal(out[numbers], whole[numbers], check_dtype=False)
    # the supporting paragraph's id is the input's id column, the same here
    assert (out["mood__paragraphs"] == whole["mood__paragraphs"]).all()


def test_article_table_needs_a_supported_name(project, model, tmp_path):
    with pytest.raises(CorpusError, match="article table"):
        predict_file(model, project / "corpus", tmp_path / "p.csv", articles=tmp_path / "a.xlsx")
    with pytest.raises(CorpusError, match="another file name"):
        predict_file(model, project / "corpus", tmp_path / "p.csv", articles=tmp_path / "p.csv")


def test_preview_limits_and_records(project, model):
    view = preview(model, project / "corpus")
    records = view.records()
    assert [r["article_id"] for r in records] == list(view.articles["article_id"])
    first = records[0]
    assert first["title"] == "Story daily-1" and len(first["paragraph_predictions"]) == 3
    assert first["paragraph_predictions"][0]["text"].startswith("The team won")
    assert set(first["dimensions"]["mood"]["share"]) == {"upbeat", "gloomy"}
    with pytest.raises(CorpusError, match="--out"):
        preview(model, project / "corpus", limit=5)


def test_rank_articles(codebook):
    table = pd.DataFrame({"article_id": ["p", "q", "r"], "title": ["P", "Q", "R"], "outlet": ["O"] * 3,
                          "date": [""] * 3, "paragraphs": [4, 2, 2],
                          "mood": ["upbeat", "gloomy", "upbeat"], "mood:upbeat": [0.5, 0.0, 0.5],
                          "mood:gloomy": [0.5, 1.0, 0.5], "mood__paragraphs": ["upbeat: p:1; gloomy: p:2", "gloomy: q:0",
                                                                               "upbeat: r:0"],
                          "topics": ["", "sport", ""], "topics:sport": [0.0, 0.5, 0.0], "topics:weather": [0.0] * 3,
                          "topics__paragraphs": ["", "sport: q:1", ""]})
    ranked = rank_articles(table, codebook, top=2)
    up = ranked[(ranked["dimension"] == "mood") & (ranked["label"] == "upbeat")]
    assert list(up["article_id"]) == ["p", "r"] and list(up["paragraph_id"]) == ["p:1", "r:0"]  # ties: more paragraphs first
    gloomy = ranked[ranked["label"] == "gloomy"]
    assert list(gloomy["article_id"]) == ["q", "p"] and list(gloomy["rank"]) == [1, 2]
    assert ranked[ranked["label"] == "weather"].empty  # no article carries it


runner = CliRunner()


def test_cli_terminal_view_json_and_errors(project, model, tmp_path):
    model_dir = project / "experiments/default"
    # brackets in an article must survive rich (no markup is parsed)
    one = tmp_path / "one"
    one.mkdir()
    (one / "a.txt").write_text("---\ntitle: A [bold]loud[/bold] story\noutlet: Daily\n---\n"
                               "The team won the match [red]in style[/red], a great win.\n", encoding="utf-8")
    result = runner.invoke(framing.cli.app, ["predict", str(one), "--model", str(model_dir)], terminal_width=100)
    assert result.exit_code == 0, result.output
    assert "A [bold]loud[/bold] story" in result.output and "[red]in style[/red]" in result.output
    text = " ".join(result.output.split())
    assert "mood upbeat" in text and "probability mass" in text
    assert max(len(line) for line in result.output.splitlines()) <= 100
    result = runner.invoke(framing.cli.app, ["predict", str(project / "corpus"), "--model", str(model_dir), "--json"])
    data = json.loads(result.output)
    assert len(data["articles"]) == 6 and set(data["rules"]) == {"mood", "topics"}
    result = runner.invoke(framing.cli.app, ["predict", str(project / "corpus"), "--model", str(model_dir),
                                             "--articles", str(tmp_path / "a.csv")])
    assert result.exit_code == 1 and "--articles goes with --out" in result.output
    result = runner.invoke(framing.cli.app, ["predict", str(project / "corpus"), "--model", str(model_dir),
                                             "--out", str(tmp_path / "p.csv"), "--articles", str(tmp_path / "a.csv")])
    assert result.exit_code == 0 and "probability mass" in " ".join(result.output.split())
    assert len(pd.read_csv(tmp_path / "a.csv")) == 6


def test_articles_config_section(tmp_path):
    (tmp_path / "c.toml").write_text("[articles]\nmin_paragraphs = 2\n")
    assert load_config(tmp_path / "c.toml").articles.min_paragraphs == 2
    (tmp_path / "c.toml").write_text("[articles]\nmin_paragraphs = 0\n")
    with pytest.raises(framing.ConfigError, match="articles"):
        load_config(tmp_path / "c.toml")


def test_public_surface():
    assert "predict_articles" in framing.__all__ and framing.predict_articles is predict_articles


def test_paragraph_block_shows_evidence_with_brackets():
    from rich.console import Console

    from framing.cli.view import paragraph_block

    paragraph = {"paragraph_id": "a:0", "p_index": 0, "text": "He [the envoy] said so.",
                 "tags": {"topics": {"labels": ["sport"], "probability": {"sport": 0.9, "weather": 0.1},
                                     "terms": ["match"], "evidence": {"sport": "[coach] said"}}}}
    console = Console(width=100, record=True, color_system=None)
    console.print(paragraph_block(paragraph, {"a:0": ["topics sport"]}))
    text = console.export_text()
    assert "[the envoy]" in text and "“[coach] said”" in text and "most supports topics sport" in text
