import numpy as np
import pandas as pd
import pytest

from framing import CorpusError, load_model, predict_file, read_paragraphs, train
from framing.config import load_config
from framing.corpus.tables import read_predictions

from conftest import context_rows


@pytest.fixture()
def model(project):
    train(load_config(project / "experiments/default/config.toml"), project)
    return load_model(project / "experiments/default")


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


@pytest.mark.parametrize("workers", [1, 2])
def test_keep_text_puts_each_paragraph_text_beside_its_prediction(project, model, workers):
    from framing import read_paragraphs

    out = project / "with-text.parquet"
    predict_file(model, project / "corpus", out, chunk_size=2, keep_text=True, workers=workers)
    frame = read_predictions(out)
    texts = read_paragraphs(project / "corpus").set_index("paragraph_id")["text"]
    assert frame["text"].notna().all() and (frame["text"] == frame["paragraph_id"].map(texts)).all()
    assert (frame["title"] == "Story " + frame["article_id"]).all()  # a report of them needs no corpus for titles
    predict_file(model, project / "corpus", project / "without.csv")
    assert not {"text", "title"} & set(read_predictions(project / "without.csv"))


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


def _frames_equal(a, b):
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("overrides", [{}, {"analyzer": "char_wb"}, {"analyzer": "word+char"}, {"ngram_max": 2}])
def test_fast_engine_equals_sklearn(project, overrides):
    from dataclasses import replace

    from framing.model.scoring import FastScorer
    from framing.predict.local import predict_frame
    from framing.corpus.read import read_paragraphs

    cfg = load_config(project / "experiments/default/config.toml")
    cfg = replace(cfg, features=replace(cfg.features, **overrides))
    train(cfg, project)
    model = load_model(project / "experiments/default")
    scorer = FastScorer(model)
    assert len(scorer.groups) == 1  # every dimension shares one vectoriser: vectorised once
    assert scorer.groups[0].fast == (overrides.get("analyzer", "word") == "word")
    paragraphs = read_paragraphs(project / "corpus")
    extra = pd.DataFrame({"text": ["", "   ", "İstanbul ẞ straße naïve café", "the_team 42 x y victory!!"]})
    for col in ["article_id", "outlet", "date", "collection", "paragraph_id"]:
        extra[col] = "x"
    extra["p_index"] = 0
    paragraphs = pd.concat([paragraphs, extra], ignore_index=True)
    _frames_equal(predict_frame(model, paragraphs, engine="sklearn"), predict_frame(model, paragraphs, scorer=scorer))


def test_attribution_block_fast_workers_and_sklearn_agree(project, tmp_path):
    from dataclasses import replace

    from framing.model.scoring import FastScorer

    cfg = load_config(project / "experiments/default/config.toml")
    cfg = replace(cfg, features=replace(cfg.features, analyzer="prefix", attribution=["topics"], attribution_weight=0.5,
                                        context=2))
    train(cfg, project)
    model = load_model(project / "experiments/default")
    scorer = FastScorer(model)
    assert [g.names for g in scorer.groups] == [["mood"], ["topics"]]  # the text block is vectorised once for both
    texts = ["The coach said the team won.", "Storms again, forecasters warned.", "“Glorious victory,” he said.",
             "rain and gloom", "", "according to the league, the match was a victory"] * 4
    pd.DataFrame({"id": [f"q{i}" for i in range(24)], "article_id": [f"a{i // 3}" for i in range(24)],
                  "text": texts}).to_parquet(tmp_path / "in.parquet", row_group_size=6)
    frames = {}
    for engine, workers in [("sklearn", 1), ("fast", 1), ("fast", 2)]:
        out = tmp_path / f"{engine}{workers}.parquet"
        predict_file(model, tmp_path / "in.parquet", out, paragraphs=True, chunk_size=5, workers=workers, engine=engine)
        frames[engine, workers] = read_predictions(out)
    assert "topics__evidence" in frames["fast", 1] and "mood__evidence" not in frames["fast", 1]
    for frame in frames.values():
        _frames_equal(frames["sklearn", 1], frame)
    said = frames["fast", 1][frames["fast", 1]["topics"].fillna("") != ""]
    assert said["topics__evidence"].str.contains("said|warned|according to").any()


def test_workers_and_chunks_do_not_change_the_output(project, model):
    outputs = []
    for workers, chunk in [(1, 1000), (2, 1), (2, 3), (1, 2)]:
        out = project / f"w{workers}c{chunk}.parquet"
        predict_file(model, project / "corpus", out, chunk_size=chunk, workers=workers)
        outputs.append(read_predictions(out))
    reference = project / "sk.parquet"
    predict_file(model, project / "corpus", reference, engine="sklearn")
    for frame in outputs:
        _frames_equal(read_predictions(reference), frame)


def test_bad_engine_and_workers(project, model):
    from framing import ModelError

    with pytest.raises(ModelError, match="unknown engine"):
        predict_file(model, project / "corpus", project / "p.csv", engine="gpu")
    with pytest.raises(ModelError, match="workers"):
        predict_file(model, project / "corpus", project / "p.csv", workers=0)


def test_parquet_row_groups_are_streamed(project, model, tmp_path):
    texts = ["The team won.", "Storms again.", "glorious victory", "rain and gloom"] * 5
    pd.DataFrame({"id": [f"q{i}" for i in range(20)], "text": texts}).to_parquet(tmp_path / "in.parquet", row_group_size=6)
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    predict_file(model, tmp_path / "in.parquet", a, paragraphs=True, chunk_size=4)
    predict_file(model, tmp_path / "in.parquet", b, paragraphs=True, chunk_size=100, workers=2)
    assert read_predictions(a)["paragraph_id"].tolist() == [f"q{i}" for i in range(20)]
    _frames_equal(read_predictions(a), read_predictions(b))


def test_duplicate_ids_across_chunks_are_refused(project, model, tmp_path):
    pd.DataFrame({"id": ["a", "b", "c", "a"], "text": ["x y", "y z", "z w", "w v"]}).to_csv(tmp_path / "in.csv", index=False)
    with pytest.raises(CorpusError, match="paragraph id 'a' .*already used.*unique id"):
        predict_file(model, tmp_path / "in.csv", tmp_path / "out.csv", paragraphs=True, chunk_size=2)
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize("workers", [1, 2])
def test_paragraph_rows_are_numbered_within_their_article(project, model, tmp_path, workers):
    """p_index counts each article's rows in input order, across chunks (not 0 for every row)."""
    from framing import Columns
    from framing.errors import FramingWarning

    pd.DataFrame({"id": list("abcde"), "text": ["x y", "y z", "z w", "w v", "v u"],
                  "art": ["A", "A", "B", "A", ""]}).to_csv(tmp_path / "in.csv", index=False)
    with pytest.warns(FramingWarning, match="article 'A' are not together"):  # B's row comes between A's
        predict_file(model, tmp_path / "in.csv", tmp_path / "out.csv", paragraphs=True, chunk_size=2, workers=workers,
                     columns=Columns(article="art"))
    assert read_predictions(tmp_path / "out.csv")["p_index"].tolist() == [0, 1, 0, 2, 0]
    with pytest.warns(FramingWarning, match="article 'A' are not together"):
        numbered = read_paragraphs(tmp_path / "in.csv", paragraphs=True, chunk_size=2, columns=Columns(article="art"))
    assert numbered["p_index"].tolist() == [0, 1, 0, 2, 0]


def test_column_options_given_must_name_columns(project, model, tmp_path):
    """An explicitly given --*-col naming a missing column is an error; a default one stays optional."""
    from typer.testing import CliRunner

    from framing.cli import app

    pd.DataFrame({"pid": ["q1", "q2"], "body": ["The team won.", "Storms again."]}).to_csv(tmp_path / "in.csv", index=False)
    base = ["predict", str(tmp_path / "in.csv"), "--paragraphs", "--model", str(project / "experiments/default"),
            "--text-col", "body", "--id-col", "pid", "--out", str(tmp_path / "out.csv")]
    assert CliRunner().invoke(app, base).exit_code == 0
    for option, role in [("--outlet-col", "outlet"), ("--date-col", "date"), ("--article-col", "article"),
                         ("--title-col", "title")]:
        result = CliRunner().invoke(app, [*base, option, "nope"])
        assert result.exit_code == 1 and f"no {role} column 'nope'" in result.output and option in result.output, result.output
    result = CliRunner().invoke(app, ["corpus", "stats", str(tmp_path / "in.csv"), "--text-col", "body", "--outlet-col", "x"])
    assert result.exit_code == 1 and "no outlet column 'x'" in result.output, result.output


def test_compiled_model_unpickles_without_sklearn_or_pandas(project, model):
    import pickle
    import subprocess
    import sys

    from framing.model.lean import LeanModel

    lean = LeanModel.from_model(model)
    assert lean.fast
    code = ("import pickle, sys; pickle.loads(sys.stdin.buffer.read()); "
            "print(sorted(m for m in ('sklearn', 'pandas', 'matplotlib') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], input=pickle.dumps(lean), capture_output=True, check=True)
    assert done.stdout.decode().strip() == "[]"


@pytest.mark.parametrize("analyzer", ["word", "char_wb"])
def test_worker_output_equals_single_process_and_sklearn(project, tmp_path, analyzer):
    from dataclasses import replace

    cfg = load_config(project / "experiments/default/config.toml")
    train(replace(cfg, features=replace(cfg.features, analyzer=analyzer)), project)
    model = load_model(project / "experiments/default")
    texts = ["The team won.", "Storms again.", "glorious victory", "rain and gloom", "", "İstanbul ẞ straße"] * 4
    pd.DataFrame({"id": [f"q{i}" for i in range(24)], "text": texts}).to_parquet(tmp_path / "in.parquet", row_group_size=7)
    frames = {}
    for engine, workers, chunk in [("sklearn", 1, 100), ("fast", 1, 5), ("fast", 2, 3), ("sklearn", 2, 4)]:
        out = tmp_path / f"{engine}{workers}{chunk}.parquet"
        predict_file(model, tmp_path / "in.parquet", out, paragraphs=True, chunk_size=chunk, workers=workers, engine=engine)
        frames[engine, workers] = read_predictions(out)
    assert len(frames["fast", 2]) == 20  # empty paragraphs are dropped
    for key, frame in frames.items():
        _frames_equal(frames["sklearn", 1], frame)
    pd.testing.assert_frame_equal(frames["fast", 1], frames["fast", 2])  # bit-identical


def test_parquet_strings_read_without_pandas_give_the_same_articles(tmp_path):
    from framing.corpus.read import article_keys, iter_corpus_units, unit_paragraphs
    from framing.corpus.tables import Columns, _chunk_articles

    frame = pd.DataFrame({"id": ["a", None, "c", " "], "text": ["x y", None, "", "Storms. Again"],
                          "outlet": [None, "B", "nan", "C"], "date": ["2024-01-02", None, "bad", "3 May 2023"],
                          "article": [None, "art", "", "x"]})
    frame.to_parquet(tmp_path / "in.parquet", row_group_size=3)
    frame.assign(date=pd.to_datetime(frame["date"], errors="coerce")).to_parquet(tmp_path / "dates.parquet")
    for name in ["in.parquet", "dates.parquet"]:
        for unit in iter_corpus_units(tmp_path / name, chunk_size=2):
            via_pandas = _chunk_articles(unit._read_parquet().to_pandas(), unit.file, Columns(), unit.offset,
                                         unit.collection)
            via_arrow = unit.articles(Columns())
            assert article_keys(via_arrow) == article_keys(via_pandas)
            for paragraphs in (True, False):  # missing values: None here, NaN there; the same paragraphs
                assert unit_paragraphs(via_arrow, paragraphs=paragraphs) == unit_paragraphs(via_pandas, paragraphs=paragraphs)


def test_shipped_model_compiles_lean_and_equals_the_reference_on_news(tmp_path):
    """The bundled model (attribution block, rationale lexicon, plain text block) is fast-pathed
    whole, predicts real news paragraphs exactly as scikit-learn does, and its compiled form loads
    without scikit-learn or pandas (what the worker processes import)."""
    import pickle
    import subprocess
    import sys
    from pathlib import Path

    from framing.model.lean import LeanModel
    from framing.predict.local import predict_frame

    root = Path(__file__).resolve().parents[1]
    model = load_model(root / "experiments" / "default")
    lean = LeanModel.from_model(model)
    assert lean.fast
    news = read_paragraphs(root / "corpus" / "news").head(150)
    _frames_equal(predict_frame(model, news, engine="sklearn"), predict_frame(model, news, scorer=lean))
    (tmp_path / "lean.pkl").write_bytes(pickle.dumps(lean))
    code = ("import pickle, sys; pickle.load(open(sys.argv[1], 'rb')); "
            "print('sklearn' in sys.modules, 'pandas' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path / "lean.pkl")], capture_output=True, text=True)
    assert result.stdout.split() == ["False", "False"], result.stderr


def test_lean_scoring_in_batches_equals_one_batch(project, model):
    """A chunk is scored ``batch`` paragraphs at a time to bound memory; rows are scored on their
    own, so every batch size gives the same columns, bit for bit."""
    from framing.model.lean import LeanModel

    lean = LeanModel.from_model(model)
    texts = ["The team won.", "Storms again.", "glorious victory", "rain and gloom", "İstanbul ẞ straße"] * 5
    whole = lean.columns(texts, terms=3, batch=1_000)
    for batch in (1, 4, 7):
        parts = lean.columns(texts, terms=3, batch=batch)
        assert list(parts) == list(whole)
        for key, value in whole.items():
            if isinstance(value, np.ndarray):
                np.testing.assert_array_equal(parts[key], value)
            else:
                assert list(parts[key]) == list(value), key


def test_workers_return_results_in_order_and_pass_errors_on():
    from framing.predict.pool import in_workers

    assert [(u, r) for u, r in in_workers(abs, [-3, 2, -1, 0, -7, 5, -4], 2)] == \
        [(-3, 3), (2, 2), (-1, 1), (0, 0), (-7, 7), (5, 5), (-4, 4)]
    with pytest.raises(ValueError, match="invalid literal"):
        list(in_workers(int, ["1", "x"], 2))


def test_a_worker_that_dies_is_an_error_not_a_wait():
    """A worker killed mid-run (here it exits: os._exit(3)) breaks the run with a message; with
    multiprocessing.Pool the run waited for the lost result forever."""
    import os

    from framing.predict.pool import in_workers

    with pytest.raises(CorpusError, match="a worker process stopped.*fewer --workers"):
        list(in_workers(os._exit, [3, 4, 5], 2))


ORPHANS = """
import multiprocessing, sys, time
from framing.predict.pool import in_workers
results = in_workers(time.sleep, [0.1, 0.1, 60, 60, 60], 2)
next(results)
print(" ".join(str(p.pid) for p in multiprocessing.active_children() if "Resource" not in type(p).__name__), flush=True)
time.sleep(120)
"""


def test_workers_leave_when_their_parent_is_killed():
    """SIGKILL the process that runs the workers: they exit too, rather than wait on their queue."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    parent = subprocess.Popen([sys.executable, "-c", ORPHANS], stdout=subprocess.PIPE, text=True)
    workers = [int(pid) for pid in parent.stdout.readline().split()]
    assert len(workers) == 2

    def running(pid: int) -> bool:
        status = Path(f"/proc/{pid}/status")
        try:
            return "State:\tZ" not in status.read_text()
        except (FileNotFoundError, ProcessLookupError):
            return False

    assert all(map(running, workers))
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.time() + 20
    while any(map(running, workers)) and time.time() < deadline:
        time.sleep(0.2)
    left = [pid for pid in workers if running(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, "workers outlived their parent"


@pytest.mark.parametrize("workers", ["1", "2"])
def test_empty_articles_are_skipped_with_the_files_that_are_not_text(project, model, tmp_path, workers):
    """Empty, blank and header-only files: a warning each and the end-of-run list, not articles
    with 0 paragraphs in the terminal view nor rows dropped without a word from --out."""
    from typer.testing import CliRunner

    from framing.cli import app

    folder = tmp_path / "incoming"
    folder.mkdir()
    (folder / "a.txt").write_text("---\nid: a\ntitle: Big win\noutlet: Daily\n---\nThe team won the match.", encoding="utf-8")
    (folder / "empty.txt").write_text("", encoding="utf-8")
    (folder / "blank.txt").write_text("\n\n   \n", encoding="utf-8")
    (folder / "header.txt").write_text("---\nid: h\ntitle: Only a header\noutlet: Daily\n---\n", encoding="utf-8")
    model_dir = ["--model", str(project / "experiments/default"), "--workers", workers]
    runs = {"view": ["predict", str(folder), *model_dir],
            "out": ["predict", str(folder), *model_dir, "--out", str(tmp_path / "p.csv"), "--articles", str(tmp_path / "a.csv")]}
    for name, args in runs.items():
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, result.output
        said = result.output
        assert "0 paragraphs" not in said and "Only a header" not in said, name
        summary = said[said.index("skipped 3 file(s)"):]
        for file, why in (("empty.txt", "the file is empty"), ("blank.txt", "the file is blank"),
                          ("header.txt", "a header and nothing after it")):
            assert f"warning: skipped {folder / file}: no article text: {why}" in said, name
            assert f"  {folder / file}: no article text: {why}" in summary, name
    assert list(pd.read_csv(tmp_path / "a.csv")["article_id"]) == ["a"]
    assert set(read_predictions(tmp_path / "p.csv")["article_id"]) == {"a"}


def test_workers_start_deaf_to_ctrl_c():
    """Ctrl-C goes to every process of the terminal's group; workers start with SIGINT blocked, so
    only the parent hears it and stops the run with one line (a worker still importing used to die
    with a KeyboardInterrupt traceback)."""
    import functools
    import signal

    from framing.predict.pool import in_workers

    masks = [mask for _, mask in in_workers(functools.partial(signal.pthread_sigmask, signal.SIG_BLOCK), [[], []], 2)]
    assert all(signal.SIGINT in mask for mask in masks)
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, [])  # the parent hears it


def test_parquet_output_when_the_first_article_lacks_a_date_later_ones_have(model, tmp_path):
    # each article file is its own chunk: an undated first file gave the date column arrow's null type,
    # and the next file's date then could not be written ("Unsupported cast from large_string to null")
    folder = tmp_path / "new"
    folder.mkdir()
    (folder / "a.txt").write_text("---\nid: a\ndate:\n---\nThe match was won.\n\nRain fell all day.\n",
                                  encoding="utf-8")
    (folder / "b.txt").write_text("---\nid: b\ndate: 2025-03-17\ntitle: B\n---\nThe team lost again.\n",
                                  encoding="utf-8")
    out = tmp_path / "preds.parquet"
    assert predict_file(model, folder, out, articles=tmp_path / "articles.parquet") == 3
    frame = read_predictions(out)
    assert frame.set_index("article_id")["date"].notna().to_dict() == {"a": False, "b": True}
    assert len(pd.read_parquet(tmp_path / "articles.parquet")) == 2


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_an_input_without_paragraphs_gives_the_columns_and_a_warning(project, model, tmp_path, suffix):
    from framing.errors import FramingWarning

    full = tmp_path / f"full{suffix}"
    predict_file(model, project / "corpus", full, articles=tmp_path / f"full-articles{suffix}", keep_text=True)
    (tmp_path / "empty.csv").write_text("id,text\n", encoding="utf-8")
    out, articles = tmp_path / f"zero{suffix}", tmp_path / f"zero-articles{suffix}"
    with pytest.warns(FramingWarning, match="no paragraph to predict"):
        assert predict_file(model, tmp_path / "empty.csv", out, articles=articles, keep_text=True) == 0
    for empty, written in [(out, full), (articles, tmp_path / f"full-articles{suffix}")]:
        frame, reference = read_predictions(empty), read_predictions(written)
        assert frame.empty and list(frame.columns) == list(reference.columns)
        if suffix == ".parquet":  # the columns typed as a run with rows types them
            assert {c: frame[c].dtype.kind for c in frame.filter(like=":")} == \
                   {c: reference[c].dtype.kind for c in reference.filter(like=":")}


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_paragraph_rows_keep_their_context_across_chunks(context_model, tmp_path, suffix):
    """An article straddling a chunk (or row group) boundary: its first paragraph of the next chunk
    is still read with the paragraphs before it, so the output does not depend on the chunking."""
    source = tmp_path / f"in{suffix}"
    rows = context_rows()
    rows.to_parquet(source, row_group_size=7) if suffix == ".parquet" else rows.to_csv(source, index=False)
    whole = tmp_path / "whole.parquet"
    predict_file(context_model, source, whole, paragraphs=True, chunk_size=100, engine="sklearn")
    reference = read_predictions(whole)
    assert reference["topics__evidence"][7].endswith("(earlier: The coach said)")  # row 7 starts a chunk of 7 rows
    for engine, workers, chunk in [("fast", 1, 100), ("fast", 1, 7), ("fast", 2, 1), ("sklearn", 1, 7)]:
        out = tmp_path / f"{engine}{workers}{chunk}.parquet"
        predict_file(context_model, source, out, paragraphs=True, chunk_size=chunk, workers=workers, engine=engine)
        _frames_equal(reference, read_predictions(out))


def test_paragraph_rows_of_an_article_apart_are_warned_about(context_model, tmp_path):
    from framing.errors import FramingWarning

    rows = context_rows()
    rows.sample(frac=1, random_state=1).to_csv(tmp_path / "in.csv", index=False)
    with pytest.warns(FramingWarning, match=r"in\.csv.*article 'a\d' .*not together"):
        predict_file(context_model, tmp_path / "in.csv", tmp_path / "out.csv", paragraphs=True)


def test_a_folder_of_files_is_scored_and_written_in_chunks(model, tmp_path):
    """Files are batched up to chunk_size articles: one row group per chunk, not per file, and the
    same output as one file at a time."""
    import pyarrow.parquet as pq

    folder = tmp_path / "docs"
    (folder / "sub").mkdir(parents=True)
    texts = ["The team won the match.", "Storms and rain again.", "A glorious victory.\n\nRain and gloom."]
    for i in range(7):
        where = folder / "sub" if i % 2 else folder
        (where / f"d{i}.txt").write_text(f"---\nid: d{i}\noutlet: O\n---\n{texts[i % 3]}\n", encoding="utf-8")
    predict_file(model, folder, tmp_path / "one.parquet", chunk_size=1)
    predict_file(model, folder, tmp_path / "three.parquet", chunk_size=3, workers=2)
    assert pq.ParquetFile(tmp_path / "three.parquet").metadata.num_row_groups == 3
    _frames_equal(read_predictions(tmp_path / "one.parquet"), read_predictions(tmp_path / "three.parquet"))
    (folder / "sub" / "d3.txt").write_text("---\nid: d6\n---\nA copy.\n", encoding="utf-8")  # d6, d1, d3 go together
    with pytest.raises(CorpusError, match=r"d3\.txt.*'d6' \(header\) is already used by .*d6\.txt"):
        predict_file(model, folder, tmp_path / "dup.parquet", chunk_size=3)


def test_predict_summary_counts_the_boilerplate_dropped(project, model, tmp_path):
    """Paragraphs dropped as boilerplate are counted, by reason, in the run's summary line."""
    from typer.testing import CliRunner

    from framing.cli import app

    pd.DataFrame({"id": ["a", "b", "c"], "text": ["slava ukraini", "The team won.\n\n1,204", "Storms again."]}).to_parquet(
        tmp_path / "in.parquet")
    result = CliRunner().invoke(app, ["predict", str(tmp_path / "in.parquet"), "--model", str(project / "experiments/default"),
                                      "--out", str(tmp_path / "out.csv"), "--workers", "2", "--chunk-size", "1"])
    assert result.exit_code == 0, result.output
    assert "wrote 2 paragraph predictions" in result.output
    assert "(2 paragraph(s) dropped as boilerplate — " in result.output
    assert "speaker name: 1" in result.output and "share counter: 1" in result.output, result.output
