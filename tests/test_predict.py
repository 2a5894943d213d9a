import pandas as pd
import pytest

from framing import CorpusError, load_model, predict_file, train
from framing.config import load_config
from framing.predict import read_predictions


@pytest.fixture()
def model(project):
    train(load_config(project / "experiments/default/config.toml"), project)
    return load_model(project / "experiments/default")[0]


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_output_formats_and_columns(project, model, suffix):
    out = project / f"pred{suffix}"
    rows = predict_file(model, project / "corpus", out, chunk_size=2)
    frame = read_predictions(out)
    assert rows == len(frame) == 18
    for column in ["article_id", "outlet", "date", "p_index", "paragraph_id", "text_sha1", "mood:upbeat",
                   "mood:gloomy", "mood", "topics:sport", "topics:weather", "topics", "mood__terms"]:
        assert column in frame.columns
    assert frame[["mood:upbeat", "mood:gloomy"]].sum(axis=1).sub(1).abs().max() < 1e-5
    assert frame.filter(like=":").stack().between(0, 1).all()


def test_chunk_size_does_not_change_the_output(project, model):
    a = project / "a.csv"
    b = project / "b.csv"
    predict_file(model, project / "corpus", a, chunk_size=1)
    predict_file(model, project / "corpus", b, chunk_size=1000)
    pd.testing.assert_frame_equal(read_predictions(a), read_predictions(b))


def test_paragraph_table_keeps_ids(project, model, tmp_path):
    pd.DataFrame({"myid": ["q1", "q2"], "body": ["The team won.", "Storms again."]}).to_csv(tmp_path / "in.csv", index=False)
    from framing import Columns

    predict_file(model, tmp_path / "in.csv", tmp_path / "out.csv", paragraphs=True, columns=Columns(id="myid", text="body"))
    frame = read_predictions(tmp_path / "out.csv")
    assert frame["paragraph_id"].tolist() == ["q1", "q2"]
    assert frame["mood"].tolist() == ["upbeat", "gloomy"]


def test_top_terms_explain_the_prediction(project, model, tmp_path):
    pd.DataFrame({"id": ["q1"], "text": ["glorious victory"]}).to_csv(tmp_path / "in.csv", index=False)
    predict_file(model, tmp_path / "in.csv", tmp_path / "out.csv", paragraphs=True)
    terms = read_predictions(tmp_path / "out.csv")["mood__terms"].iloc[0]
    assert set(terms.split("; ")) <= {"glorious", "victory"} and terms


def test_interrupted_run_leaves_no_output(project, model):
    out = project / "p.csv"
    out.write_text("old")

    def boom(n):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        predict_file(model, project / "corpus", out, chunk_size=1, progress=boom)
    assert out.read_text() == "old"
    assert not list(project.glob(".p.csv*"))


def test_bad_output_type(project, model):
    with pytest.raises(CorpusError, match="unsupported output type"):
        predict_file(model, project / "corpus", project / "p.xlsx")
