import json

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from framing.cli import app
from framing.config import load_config
from framing.evaluate.suspects import dimension_suspects, find_suspects, flip_labels, planted_noise, review_batch

from test_active import codebook, synthetic

runner = CliRunner()


def test_single_choice_suspect_names_the_alternative():
    dim = codebook().dimension("mood")
    rng = np.random.default_rng(0)
    values = list(rng.choice(dim.label_names, 90))
    proba = np.array([[0.8 if n == v else 0.1 for n in dim.label_names] for v in values])
    values[5] = "bad" if values[5] != "bad" else "good"  # a wrong label the model contradicts
    found = dimension_suspects(dim, values, proba)
    assert [s["row"] for s in found] == [5]
    assert found[0]["alternative"] != found[0]["label"] and found[0]["probability"] == 0.8


def test_multi_label_suspect_adds_or_removes_one_label():
    dim = codebook().dimension("topics")
    values = [["x"]] * 40 + [[]] * 40 + [["y"]] * 20
    proba = np.array([[0.9, 0.05]] * 40 + [[0.05, 0.05]] * 40 + [[0.05, 0.9]] * 20)
    values[3] = []             # x missing although the model is sure of it
    values[50] = ["y"]         # y given although the model rules it out
    found = {s["row"]: s for s in dimension_suspects(dim, values, proba)}
    assert set(found) == {3, 50}
    assert found[3]["alternative"] == ["x"] and found[3]["change"] == "+x"
    assert found[50]["alternative"] == [] and found[50]["change"] == "−y"
    assert abs(found[50]["probability"] - 0.95) < 1e-9


def test_flip_labels_changes_the_share_asked():
    table = synthetic(40, 5)
    noisy, flipped = flip_labels(table, codebook(), share=0.05, seed=1)
    for name in ("mood", "topics"):
        changed = [a != b for a, b in zip(table[name], noisy[name])]
        assert sum(changed) == len(flipped[name]) == 10


def test_planted_noise_is_found_in_the_top_suspects():
    """The reported precision of `framing labels suspects --planted 0.05`: on labels that words
    decide, most flipped labels are among the top-k suspects (k = labels flipped)."""
    cfg = load_config(None, ["features.analyzer=prefix"])
    result = planted_noise(synthetic(80, 5), codebook(), cfg, share=0.05, seed=0).set_index("dimension")
    assert (result.loc[["mood", "topics"], "flipped"] == 20).all()
    assert result.loc["all (pooled ranking)", "precision_at_k"] >= 0.7
    assert result.loc["mood", "precision_at_k"] >= 0.7


def test_suspects_on_a_project_become_an_adjudication(project):
    """`framing labels suspects` writes a batch that `framing adjudicate` records as it stands."""
    root = str(project)
    assert runner.invoke(app, ["evaluate", "--root", root]).exit_code == 0
    oof = project / "experiments" / "default" / "cv_predictions.csv"
    frame = pd.read_csv(oof)
    # make the model contradict one label with confidence
    frame.loc[0, ["mood:upbeat", "mood:gloomy"]] = [0.02, 0.98] if frame.loc[0, "mood__true"] == "upbeat" else [0.98, 0.02]
    frame.to_csv(oof, index=False)
    batch = project / "review.csv"
    result = runner.invoke(app, ["labels", "suspects", "--root", root, "--out", str(batch)])
    assert result.exit_code == 0, result.output
    assert "suspect label(s)" in result.output
    rows = pd.read_csv(batch, dtype=str, keep_default_na=False)
    assert list(rows.columns[:4]) == ["rank", "paragraph_id", "dimension", "value"]
    assert {"label", "alternative", "probability", "text"} <= set(rows.columns)
    target = rows[rows["paragraph_id"] == frame.loc[0, "paragraph_id"]]
    assert len(target) == 1 and target["dimension"].iloc[0] == "mood"
    target = target.assign(value=target["alternative"])
    target.to_csv(batch, index=False)
    result = runner.invoke(app, ["adjudicate", str(batch), "--adjudicator", "reviewer-1", "--root", root])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in (project / "labels" / "adjudicated.jsonl").read_text().splitlines()]
    assert records[0]["value"] == [target["alternative"].iloc[0]] and records[0]["adjudicated"] is True


def test_find_suspects_skips_labels_changed_since_the_predictions():
    cb = codebook()
    table = synthetic(10, 3)
    oof = table[["paragraph_id"]].assign(**{"mood__true": table["mood"], "mood__fold": 0})
    for name in cb.dimension("mood").label_names:
        oof[f"mood:{name}"] = 0.05
    oof["mood:flat"] = np.where(table["mood"] == "flat", 0.05, 0.9)  # contradict every non-flat label ...
    oof.loc[table["mood"] == "flat", "mood:good"] = 0.9
    changed = table.assign(mood=np.where(np.arange(len(table)) == 0, "ZZZ", table["mood"]))
    suspects = find_suspects(oof, changed, cb)
    assert table.loc[0, "paragraph_id"] not in set(suspects["paragraph_id"])  # ... but row 0 changed since
    assert list(review_batch(suspects).columns[:4]) == ["rank", "paragraph_id", "dimension", "value"]


def test_a_review_batch_writes_no_label_as_adjudicate_reads_it():
    from framing.evaluate.suspects import review_batch

    suspects = pd.DataFrame({"rank": [1, 2], "paragraph_id": ["p1", "p2"], "dimension": ["topics", "topics"],
                             "label": ["", "sport|weather"], "alternative": ["sport", ""], "probability": [0.9, 0.8],
                             "change": ["add sport", "remove"], "outlet": ["A", "A"], "text": ["x", "y"]})
    assert review_batch(suspects)["value"].tolist() == ["(none)", "sport, weather"]
