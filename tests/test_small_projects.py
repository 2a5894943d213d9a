"""A project's first day: a dozen labels, few per label, few articles — every command degrades
gracefully (fewer folds, with a note) instead of raising scikit-learn's errors."""

import pandas as pd
import pytest
from typer.testing import CliRunner

from framing import ConfigError
from framing.cli import app
from framing.evaluate.suspects import planted_noise

runner = CliRunner()
WORDS = {"critical": "harms costly failed", "neutral": "meeting report agenda", "supportive": "welcomed jobs homes"}


def small_project(tmp_path, per_label: int = 4):
    """``per_label`` rows of each of three stances, every row its own article."""
    rows = [{"id": f"r{label[0]}{i}", "text": f"{WORDS[label]} item {label} {i}.", "stance": label,
             "outlet": "A" if i % 2 else "B", "date": f"2025-02-0{1 + i % 5}"}
            for label in WORDS for i in range(per_label)]
    path = tmp_path / "small.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    out = tmp_path / "p"
    result = runner.invoke(app, ["import", "table", str(path), "--out", str(out), "--text", "text", "--id", "id",
                                 "--label", "stance=stance", "--outlet", "outlet", "--date", "date"])
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.parametrize("per_label", [4, 1])
def test_train_on_a_dozen_labels_uses_fewer_folds_and_says_so(tmp_path, per_label):
    root = small_project(tmp_path, per_label)
    result = runner.invoke(app, ["train", "--root", str(root)])
    assert result.exit_code == 0, result.output
    if per_label == 4:
        assert "4 folds grouped by article" in result.output
        assert "fewer folds (4) than evaluate.folds = 5" in result.output
    else:  # one row per label: cannot stratify, 3 articles make 3 folds
        assert "3 folds grouped by article" in result.output
    result = runner.invoke(app, ["evaluate", "--root", str(root), "--set", "evaluate.rule_seeds=[1, 2]"])
    assert result.exit_code == 0, result.output


def test_suspects_and_lexicon_on_a_dozen_labels(tmp_path):
    root = small_project(tmp_path, 4)
    for args in (["evaluate", "--set", "features.lexicon=rationale"], ["evaluate"], ["labels", "suspects"],
                 ["labels", "suspects", "--planted", "0.2"]):
        result = runner.invoke(app, [*args, "--root", str(root)])
        assert result.exit_code == 0 and "Traceback" not in result.output, result.output


def test_simulate_holding_out_every_article_and_planted_out_of_range_are_errors(tmp_path):
    root = small_project(tmp_path, 2)  # six articles: a 0.9 share holds out all six
    (root / "experiments/active-learning").mkdir()
    (root / "experiments/active-learning/config.toml").write_text("[data]\nparagraph_rows = true\n")
    result = runner.invoke(app, ["labels", "simulate", "--root", str(root), "--set", "active.test_share=0.9"])
    assert result.exit_code == 1 and "active.test_share = 0.9 holds out all 6 labelled articles" in result.output, result.output
    for share in ("1.5", "-0.2"):
        result = runner.invoke(app, ["labels", "suspects", "--root", str(root), "--planted", share])
        assert result.exit_code == 2 and "Invalid value for '--planted'" in result.output, result.output
    with pytest.raises(ConfigError, match="planted-noise share 1.0"):
        planted_noise(pd.DataFrame(), None, None, share=1.0)
    result = runner.invoke(app, ["labels", "suspects", "--root", str(root), "--planted", "0"])
    assert result.exit_code == 0 and "precision_at_k" in result.output and "NaN" not in result.output, result.output


def test_a_second_experiment_of_an_imported_project_is_told_about_paragraph_rows(tmp_path):
    """An empty config drops the import's data.paragraph_rows: the error says to set it (not only
    that the labels' paragraphs are missing), and a missing config says to copy the default one."""
    root = small_project(tmp_path)
    (root / "experiments/second").mkdir()
    (root / "experiments/second/config.toml").write_text("")
    result = runner.invoke(app, ["evaluate", "--root", str(root), "-e", "second"])
    assert result.exit_code == 1 and "is not in the corpus" in result.output, result.output
    assert "set paragraph_rows = true under [data] in" in result.output and "second/config.toml" in result.output
    result = runner.invoke(app, ["evaluate", "--root", str(root), "-e", "third"])
    assert result.exit_code == 1 and "copy" in result.output and "data.paragraph_rows = true" in result.output


def test_evaluate_output_reads_properly(tmp_path):
    """The label table has blank cells, not NaN; a --train-on/--test-on split reads as words."""
    rows = [{"id": f"r{i}", "text": f"{WORDS[label]} item {i}.", "stance": label, "part": "train" if i % 3 else "test"}
            for i, label in enumerate(list(WORDS) * 6)]
    path = tmp_path / "split.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    root = tmp_path / "p"
    assert runner.invoke(app, ["import", "table", str(path), "--out", str(root), "--text", "text", "--id", "id",
                               "--label", "stance=stance", "--split", "part"]).exit_code == 0
    result = runner.invoke(app, ["evaluate", "--root", str(root), "--set", "evaluate.folds=3"])
    assert result.exit_code == 0 and "MACRO" in result.output and "NaN" not in result.output, result.output
    result = runner.invoke(app, ["evaluate", "--root", str(root), "--train-on", "train", "--test-on", "test"])
    assert result.exit_code == 0, result.output
    assert "paragraphs, trained on train, tested on test)" in result.output and "folds" not in result.output.split("stance:")[1]
