import pandas as pd
import pytest

pytest.importorskip("dask.dataframe")
pytest.importorskip("distributed")

from framing import CorpusError, load_model, predict_file, train  # noqa: E402
from framing.config import load_config  # noqa: E402
from framing.errors import FramingWarning  # noqa: E402
from framing.predict.distributed import predict_dask  # noqa: E402
from framing.corpus.tables import read_predictions  # noqa: E402


@pytest.fixture()
def shards(project, tmp_path):
    texts = ["The team won.", "Storms again.", "glorious victory", "rain and gloom", "a great match"]
    folder = tmp_path / "shards"
    folder.mkdir()
    for k in range(3):
        frame = pd.DataFrame({"id": [f"s{k}-{i}" for i in range(5)], "text": texts, "outlet": f"O{k}"})
        if k == 1:
            frame.to_json(folder / f"part-{k}.jsonl", orient="records", lines=True)
        else:
            frame.to_parquet(folder / f"part-{k}.parquet")
    return folder


def test_dask_equals_single_process_and_resumes(project, shards, tmp_path):
    train(load_config(project / "experiments/default/config.toml"), project)
    model = load_model(project / "experiments/default")
    predict_file(model, shards, tmp_path / "single.parquet", paragraphs=True)
    out = tmp_path / "dask_out"
    run = predict_dask(model, shards, out, paragraphs=True, workers=2, processes=False)
    assert (run.rows, run.written, run.skipped) == (15, 3, 0)
    together = pd.concat([read_predictions(p) for p in sorted(out.glob("*.parquet"))], ignore_index=True)
    pd.testing.assert_frame_equal(read_predictions(tmp_path / "single.parquet"), together,
                                  check_exact=False, rtol=1e-9, check_dtype=False)
    (out / "part-1.parquet").unlink()  # as if interrupted before this shard was written
    (shards / "notes.csv").write_text("id,text\na1,Putin spoke.\n")
    with pytest.warns(FramingWarning) as caught:
        again = predict_dask(model, shards, out, paragraphs=True, workers=2, processes=False)
    said = [str(w.message) for w in caught]
    assert any("2 shard(s) skipped because the output folder already has them" in m for m in said), said
    assert any("left out 1 file(s) that are not shards (notes.csv)" in m for m in said), said
    assert (again.written, again.skipped) == (1, 2)
    assert not list(out.glob(".*partial"))


def test_dask_needs_a_folder(project, tmp_path):
    train(load_config(project / "experiments/default/config.toml"), project)
    model = load_model(project / "experiments/default")
    with pytest.raises(CorpusError, match="folder of shards"):
        predict_dask(model, project / "corpus" / "nothing.parquet", tmp_path / "out", processes=False)


def test_dask_carries_articles_across_shards(context_model, tmp_path):
    """An article split over two shards: p_index goes on and its paragraphs keep their context, as
    in one process (which reads the folder's shards in order) and as in the whole table."""
    from conftest import context_rows

    rows = context_rows()
    folder = tmp_path / "shards"
    folder.mkdir()
    rows[:7].to_parquet(folder / "part-0.parquet")
    rows[7:13].to_json(folder / "part-1.jsonl", orient="records", lines=True)
    rows[13:].to_parquet(folder / "part-2.parquet")
    rows.to_parquet(tmp_path / "whole.parquet")
    predict_file(context_model, tmp_path / "whole.parquet", tmp_path / "whole.out.parquet", paragraphs=True)
    predict_dask(context_model, folder, tmp_path / "out", paragraphs=True, workers=2, processes=False)
    together = pd.concat([read_predictions(p) for p in sorted((tmp_path / "out").glob("*.parquet"))], ignore_index=True)
    predict_file(context_model, folder, tmp_path / "single.parquet", paragraphs=True)
    single = read_predictions(tmp_path / "single.parquet")
    assert single["p_index"].tolist() == [i % 4 for i in range(18)]
    assert single["topics__evidence"][7].endswith("(earlier: The coach said)")
    pd.testing.assert_frame_equal(single, together, check_exact=False, rtol=1e-9, check_dtype=False)
    whole = read_predictions(tmp_path / "whole.out.parquet")  # the collection is named after the file
    pd.testing.assert_frame_equal(whole.drop(columns="collection"), single.drop(columns="collection"))


def test_dask_ctrl_c_prints_one_line(project, tmp_path):
    """Ctrl-C mid-run: the CLI's one line on stderr, no tracebacks of the client's pending tasks."""
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    train(load_config(project / "experiments/default/config.toml"), project)
    folder = tmp_path / "shards"
    folder.mkdir()
    texts = ["The team won the match.", "Storms again.", "glorious victory", "rain and gloom"] * 5_000
    for k in range(12):
        pd.DataFrame({"id": [f"s{k}-{i}" for i in range(len(texts))], "text": texts}).to_parquet(folder / f"p{k:02}.parquet")
    out = tmp_path / "out"
    run = subprocess.Popen([str(Path(sys.executable).with_name("framing")), "predict", str(folder), "--engine", "dask", "--paragraphs",
                            "--model", str(project / "experiments/default"), "--out", str(out), "--workers", "2"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while not list(out.glob("*.parquet")) and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    run.send_signal(signal.SIGINT)
    _, err = run.communicate(timeout=120)
    assert run.returncode == 130 and len(list(out.glob("*.parquet"))) < 12, err
    assert err.strip().splitlines() == ["interrupted: files written so far are complete; partial output was discarded"]
