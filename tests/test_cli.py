"""The real command line: the whole chain end to end, and one clear line for bad input."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from framing.cli import app

runner = CliRunner()


def run(*args, ok=True):
    result = runner.invoke(app, [str(a) for a in args])
    if ok:
        assert result.exit_code == 0, result.output + str(result.exception)
    return result


def test_end_to_end(project):
    root = ["--root", project]
    result = run("train", *root)
    assert "mood: macro-F1" in result.output and "model saved to" in result.output
    meta = json.loads((project / "experiments/default/meta.json").read_text())
    assert meta["label_counts"]["mood"]["paragraphs"] == 18 and meta["config"]["features"]["ngram_max"] == 1
    assert "macro_f1" in meta["cv_metrics"]["mood"] and len(meta["model_sha256"]) == 64
    assert (project / "experiments/default/config.resolved.toml").exists()

    result = run("evaluate", *root)
    metrics = json.loads((project / "experiments/default/metrics.json").read_text())
    assert {"mood", "topics", "expected"} <= set(metrics) and metrics["mood"]["folds"] == 3
    assert set(metrics["expected"]["dimensions"]) == {"mood", "topics"}
    oof = pd.read_csv(project / "experiments/default/cv_predictions.csv")
    assert len(oof) == 18 and oof.groupby("article_id")["mood__fold"].nunique().eq(1).all()
    run("evaluate", *root, "--by", "outlet")
    assert (project / "experiments/default/metrics_by_outlet.json").exists()

    preds = project / "out" / "pred.csv"
    run("predict", project / "corpus", "--out", preds, "--model", project / "experiments/default")
    frame = pd.read_csv(preds, keep_default_na=False)
    assert len(frame) == 18
    assert (frame[["mood:upbeat", "mood:gloomy"]].sum(axis=1) - 1).abs().max() < 1e-5
    assert frame.filter(like=":").stack().between(0, 1).all()

    events = project / "events.csv"
    events.write_text("date,label\n2025-03-05,match day\n")
    small = run("report", "--predictions", preds, "--model", project / "experiments/default", "--out", project / "rep",
                "--n-boot", 200, "--compare", "Daily", "Herald", "--root", project, ok=False)
    _bad(small, "Daily and Herald have fewer than 10 articles")  # report.min_articles: 10 by default
    run("report", "--predictions", preds, "--model", project / "experiments/default", "--out", project / "rep",
        "--n-boot", 200, "--compare", "Daily", "Herald", "--events", events, "--root", project, "--min-articles", 2)
    profile = pd.read_csv(project / "rep" / "profile.csv")
    assert set(profile["outlet"]) == {"Daily", "Herald"}
    assert ((profile["ci_low"] <= profile["share"] + 1e-12) & (profile["share"] <= profile["ci_high"] + 1e-12)).all()
    assert {"predicted", "predicted_low", "predicted_high", "basis", "extra_labels"} <= set(profile.columns)
    assert profile["share"].between(0, 1).all()
    for name in ("index.html", "mood_heatmap.png", "mood_dots.png", "mood_validation.png", "compare.csv",
                 "label_budget.csv"):
        assert (project / "rep" / name).exists(), name
    html = (project / "rep" / "index.html").read_text()
    assert "Hand labels vs model" in html and "Daily vs Herald" in html and "Outlet shares" in html
    # All 18 predicted paragraphs were training paragraphs: the report counts their out-of-fold
    # predictions, so its shares are exactly the cross-validated shares of the validation section.
    assert "18 of the 18 predicted paragraphs are hand-labelled paragraphs the model was trained on" in html
    raw = profile.loc[profile["dimension"] == "mood", ["outlet", "label", "predicted", "share", "basis"]]
    shares = raw.rename(columns={"predicted": "raw"}).merge(pd.read_csv(project / "rep" / "mood_validation.csv"),
                                                            on=["outlet", "label"])
    assert len(shares) == 4 and (shares["raw"] - shares["predicted"]).abs().max() < 1e-9
    # ... and every paragraph is hand-labelled, so the outlet share is the hand share, exactly.
    assert (shares["basis"] == "all hand-labelled").all() and (shares["share"] - shares["hand"]).abs().max() < 1e-9
    unseen = project / "out" / "unseen.csv"
    frame.assign(paragraph_id="new-" + frame["paragraph_id"]).to_csv(unseen, index=False)
    run("report", "--predictions", unseen, "--model", project / "experiments/default", "--out", project / "rep2",
        "--n-boot", 200, "--root", project, "--min-articles", 2)
    assert "paragraphs the model was trained on" not in (project / "rep2" / "index.html").read_text()
    in_sample = pd.read_csv(project / "rep2" / "profile.csv")
    assert not in_sample[["outlet", "dimension", "label", "predicted"]].equals(profile[["outlet", "dimension", "label", "predicted"]])
    assert (in_sample["ci_high"] > in_sample["ci_low"]).all()   # nothing known: never a point

    run("report", "--labels", *root, "--out", project / "hand", "--n-boot", 200, "--min-articles", 2)
    assert (project / "hand" / "topics_dots.csv").exists()
    hand = (project / "hand" / "index.html").read_text()
    assert "v0.1" in hand and "Sampling" in hand and "Agreement" in hand


def test_overrides_reach_the_model(project):
    run("train", "--root", project, "--set", "classifier.C=0.25", "--set", "features.ngram_max=2")
    meta = json.loads((project / "experiments/default/meta.json").read_text())
    assert meta["config"]["classifier"]["C"] == 0.25 and meta["config"]["features"]["ngram_max"] == 2


def test_labels_add_and_validate(project):
    from framing import read_paragraphs

    pid = read_paragraphs(project / "corpus")["paragraph_id"].iloc[0]
    decisions = project / "d.tsv"
    decisions.write_text(f"paragraph_id\tmood\ttopics\n{pid}\tgloomy\tsport, weather\n", encoding="utf-8")
    result = run("labels", "add", decisions, "--annotator", "second", "--root", project)
    assert "recorded 2 labels by second" in result.output
    lines = [json.loads(x) for x in (project / "labels" / "second.jsonl").read_text().splitlines()]
    assert lines[1]["value"] == ["sport", "weather"] and lines[0]["annotator"] == "second" and lines[0]["time"]
    assert "2 annotator(s)" in run("labels", "validate", "--root", project).output


def test_labels_add_refuses_a_paragraph_labelled_twice_differently(project):
    from framing import read_paragraphs

    pid = read_paragraphs(project / "corpus")["paragraph_id"].iloc[0]
    decisions = project / "d.csv"
    decisions.write_text(f"paragraph_id,mood,topics\n{pid},gloomy,sport\n{pid},upbeat,sport\n", encoding="utf-8")
    _bad(run("labels", "add", decisions, "--annotator", "second", "--root", project, ok=False),
         "d.csv:3: lines 2 and 3 both label paragraph", "on mood, differently (gloomy vs upbeat)", "keep one row")
    assert not (project / "labels" / "second.jsonl").exists()
    decisions.write_text(f"paragraph_id,dimension,value\n{pid},mood,gloomy\n{pid},mood,gloomy\n", encoding="utf-8")
    assert "recorded 1 label by second" in run("labels", "add", decisions, "--annotator", "second", "--root", project).output
    assert len((project / "labels" / "second.jsonl").read_text().splitlines()) == 1


def test_labels_add_help_names_both_layouts():
    text = " ".join(run("labels", "add", "--help").output.replace("│", " ").split())
    assert "long: paragraph_id, dimension, value columns" in text and "label a single dimension" in text


def test_labels_add_takes_rationales(project):
    from framing import read_paragraphs

    row = read_paragraphs(project / "corpus").iloc[0]  # "The team won the match in a glorious victory, ..."
    decisions = project / "d.csv"
    decisions.write_text(f"paragraph_id,dimension,value,rationale\n{row.paragraph_id},mood,upbeat,glorious victory; won\n"
                         f"{row.paragraph_id},topics,sport,\n", encoding="utf-8")
    run("labels", "add", decisions, "--annotator", "second", "--root", project)
    mood, topics = [json.loads(x) for x in (project / "labels" / "second.jsonl").read_text().splitlines()]
    assert mood["rationale"] == ["glorious victory", "won"] and topics["rationale"] == []  # asked, nothing marked
    decisions.write_text(f"paragraph_id,mood,topics,mood__rationale\n{row.paragraph_id},gloomy,,despair\n", encoding="utf-8")
    _bad(run("labels", "add", decisions, "--annotator", "third", "--root", project, ok=False),
         "d.csv:2", "rationale of mood: 'despair' does not occur in the paragraph")


def _bad(result, *fragments):
    assert result.exit_code == 1
    text = result.output
    assert "Traceback" not in text
    assert result.exception is None or isinstance(result.exception, SystemExit)
    for fragment in fragments:
        assert fragment in text, text


def test_bad_inputs_get_one_clear_line(project):
    labels = project / "labels" / "tester.jsonl"
    original = labels.read_text()

    labels.write_text(original + '{"paragraph_id": "x", "dimension": "mood", "value": ["meh"], '
                                 '"annotator": "a", "time": "2026-01-01T00:00:00"}\n')
    _bad(run("train", "--root", project, ok=False), "tester.jsonl:37", "unknown label(s) ['meh']", "mood takes: upbeat, gloomy")

    labels.write_text(original + '{"paragraph_id": "gone:1:abc", "dimension": "mood", "value": ["upbeat"], '
                                 '"annotator": "a", "time": "2026-01-01T00:00:00"}\n')
    _bad(run("train", "--root", project, ok=False), "tester.jsonl:37", "not in the corpus")
    labels.write_text(original)

    (project / "labels" / "codebook.toml").write_text("[[dimensions]]\nname='mood'\nkind='sometimes'\n")
    _bad(run("train", "--root", project, ok=False), "codebook.toml", "kind 'sometimes'")


def test_bad_corpus_config_and_model(project):
    (project / "corpus" / "broken.txt").write_text("---\nid: b\n", encoding="utf-8")
    _bad(run("corpus", "stats", project / "corpus", ok=False), "broken.txt:1", "never closed")
    (project / "corpus" / "broken.txt").unlink()
    _bad(run("train", "--root", project, "--set", "features.ngram_max=lots", ok=False), "should be int")
    _bad(run("predict", project / "corpus", "--out", project / "p.csv", "--model", project / "nowhere", ok=False),
         "no trained model")
    _bad(run("report", "--out", project / "r", ok=False), "--predictions FILE or --labels")
    _bad(run("evaluate", "--root", project, "--by", "year", ok=False), "--by article or --by outlet")


def test_installed_command_resolves():
    exe = shutil.which("framing") or str(Path(sys.executable).with_name("framing"))
    result = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "train" in result.stdout and "predict" in result.stdout


def test_predict_engines_agree(project):
    run("train", "--root", project)
    model = project / "experiments/default"
    frames = {}
    for engine, workers in (("fast", 2), ("sklearn", 1)):
        out = project / f"{engine}.csv"
        run("predict", project / "corpus", "--out", out, "--model", model, "--engine", engine, "--workers", workers)
        frames[engine] = pd.read_csv(out, keep_default_na=False)
    pd.testing.assert_frame_equal(frames["fast"], frames["sklearn"], check_exact=False, rtol=1e-9)
    _bad(run("predict", project / "corpus", "--out", project / "p.csv", "--model", model, "--engine", "gpu", ok=False),
         "--engine 'gpu'")
    pytest.importorskip("distributed")
    shards = project / "shards"
    shards.mkdir()
    frames["fast"][["paragraph_id", "outlet"]].assign(text="The team won.").to_parquet(shards / "a.parquet")
    result = run("predict", shards, "--paragraphs", "--id-col", "paragraph_id", "--out", project / "dask_out",
                 "--model", model, "--engine", "dask", "--workers", 1)
    assert "1 new shard(s)" in result.output and (project / "dask_out" / "a.parquet").exists()


def test_errors_keep_bracketed_words_and_a_missing_experiment_is_named(project):
    from typer.testing import CliRunner

    from framing.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["evaluate", "--root", str(project), "--set", "classifer.C=2"])
    assert result.exit_code == 1 and "[classifer]" in result.output and "Traceback" not in result.output
    result = runner.invoke(app, ["evaluate", "--root", str(project), "-e", "nosuch"])
    assert result.exit_code == 1 and "experiments/nosuch/config.toml" in result.output
    assert not (project / "experiments" / "nosuch").exists()
    # the default experiment too: no silent built-in defaults when its config is missing
    (project / "experiments" / "default" / "config.toml").unlink()
    result = runner.invoke(app, ["train", "--root", str(project)])
    assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1
    assert "experiments/default/config.toml" in result.output and not (project / "experiments/default/meta.json").exists()


def test_slow_steps_say_what_they_do(project):
    """Off a terminal the progress of train and evaluate is a log line per step (on stderr)."""
    result = run("train", "--root", project)
    assert "train: cross-validating every dimension" in result.stderr and "train: fitting topics" in result.stderr
    result = run("evaluate", "--root", project, "--by", "outlet")
    assert [line for line in result.stderr.splitlines() if line.startswith("evaluate: ")] == [
        "evaluate: reading corpus, codebook and labels", "evaluate: cross-validating mood (folds grouped by outlet)",
        "evaluate: cross-validating topics (folds grouped by outlet)"]


def _help_texts(command, path="framing"):
    import typer.main

    command = command if path != "framing" else typer.main.get_command(command)
    yield path, command.help or ""
    for param in command.params:
        yield f"{path} {param.name}", getattr(param, "help", None) or ""
    for name, sub in getattr(command, "commands", {}).items():
        yield from _help_texts(sub, f"{path} {name}")


def test_help_texts_keep_their_brackets():
    """typer reads help as rich markup: an unescaped "[dask]" is a tag and vanishes from --help."""
    from rich.text import Text

    lost = {where: text for where, text in _help_texts(app)
            if Text.from_markup(text).plain.count("[") != text.replace("\\[", "[").count("[")}
    assert lost == {}
    result = runner.invoke(app, ["predict", "--help"], env={"COLUMNS": "300"})
    assert "needs framing[dask])." in result.output and "\\[" not in result.output


def test_corpus_stats_counts_articles_of_a_table_whose_rows_are_paragraphs(tmp_path):
    """An imported project's corpus: one row per paragraph, grouped by article_id."""
    rows = [{"id": f"p{i}", "article_id": f"a{i // 3}", "text": f"Paragraph {i}.", "outlet": "Daily"} for i in range(9)]
    (tmp_path / "t.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    as_articles = CliRunner().invoke(app, ["corpus", "stats", str(tmp_path / "t.jsonl")])
    as_paragraphs = CliRunner().invoke(app, ["corpus", "stats", str(tmp_path / "t.jsonl"), "--paragraphs"])
    assert as_articles.exit_code == 0 and as_paragraphs.exit_code == 0, as_paragraphs.output
    assert as_articles.output.split("\n")[1].split() == ["Daily", "9", "9", "0"]
    assert as_paragraphs.output.split("\n")[1].split() == ["Daily", "3", "9", "0"]
