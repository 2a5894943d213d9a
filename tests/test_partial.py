"""Prediction outputs: they appear whole or not at all, killed runs leave no litter that stays,
and an output path that cannot be written is a FramingError, not a traceback."""

import re
from pathlib import Path

import pytest
from _kill import kill_forked, spread
from typer.testing import CliRunner

import framing
from framing import FramingError, load_model, predict_file, train
from framing.cli import app
from framing.config import load_config
from framing.predict.partial import leftovers, start
from framing.corpus.tables import read_predictions


@pytest.fixture()
def model(project):
    train(load_config(project / "experiments/default/config.toml"), project)
    return load_model(project / "experiments/default")


def test_load_model_gives_the_object_predict_functions_take(project, model, tmp_path):
    loaded = framing.load_model(project / "experiments/default")
    assert isinstance(loaded, framing.FramingModel)
    assert loaded.meta["model_file"].startswith("model-") and loaded.notes == []
    assert framing.predict_file(loaded, project / "corpus", tmp_path / "p.csv") == 18
    assert len(framing.predict_articles(loaded, project / "corpus")) == 6


@pytest.mark.parametrize("case", ["parent is a file", "under /proc", "a folder"])
def test_unwritable_outputs_are_clean_errors(project, model, tmp_path, case):
    (tmp_path / "afile").write_text("x")
    out = {"parent is a file": tmp_path / "afile" / "preds.csv", "under /proc": "/proc/framing-test/preds.csv",
           "a folder": tmp_path}[case]
    if case == "a folder":
        out = tmp_path / "folder.csv"
        out.mkdir()
    with pytest.raises(FramingError, match="cannot write here|is a folder") as caught:
        predict_file(model, project / "corpus", out)
    if case == "parent is a file":
        assert f"{tmp_path / 'afile'} is a file, not a folder" in str(caught.value)
    result = CliRunner().invoke(app, ["predict", str(project / "corpus"), "--model", str(project / "experiments/default"),
                                      "--out", str(out)], catch_exceptions=False)
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "cannot write here" in result.output or "is a folder" in result.output
    if case == "parent is a file":
        assert "is a file, not a folder" in " ".join(result.output.split())
    assert (tmp_path / "afile").read_text() == "x"


def test_a_dead_runs_partial_file_is_removed_and_a_live_ones_kept(project, model, tmp_path):
    out = tmp_path / "preds.csv"
    dead = tmp_path / ".preds.csv.999999999.partial"  # no such process
    dead.write_text("half a file")
    mine = start(out)  # this process: alive
    assert leftovers(out) == [] and not dead.exists() and mine.exists()
    mine.unlink()


def test_killing_predict_at_any_moment_leaves_old_or_new_and_no_litter(project, model, tmp_path):
    tmp_path = tmp_path / "out"
    out = tmp_path / "preds.csv"
    predict_file(model, project / "corpus", out, chunk_size=1)
    before = out.read_bytes()
    corpus = project / "corpus"

    def predict_forever():
        for _ in range(10_000):
            predict_file(model, corpus, out, chunk_size=1)

    mid_write = []

    def check(i, delay):
        assert out.read_bytes() == before  # every complete run writes the same file: never a half one
        assert {p.name for p in tmp_path.iterdir()} <= {"preds.csv", *(p.name for p in leftovers(out))}
        mid_write.append(bool(list(tmp_path.glob(".preds.csv.*.partial"))))  # the next run clears it

    ends = kill_forked(predict_forever, spread(0.002, 0.5, 14), check)
    assert ends == ["killed"] * len(ends)
    assert any(mid_write)  # some kill landed mid-write
    predict_file(model, corpus, out, chunk_size=1)  # the next run clears what killed runs left
    assert sorted(p.name for p in tmp_path.iterdir()) == ["preds.csv"]
    assert len(read_predictions(out)) == 18


def test_atomic_writes_remove_what_killed_writers_left(tmp_path):
    import os

    from framing._io import atomic_write

    target = tmp_path / "labels.jsonl"
    dead = tmp_path / ".labels.jsonl.999999999.k2j3.tmp"
    live = tmp_path / f".labels.jsonl.{os.getppid()}.x9q1.tmp"  # a running process: perhaps still writing
    dead.write_text("half")
    live.write_text("busy")
    with atomic_write(target) as handle:
        handle.write("whole\n")
    assert target.read_text() == "whole\n" and not dead.exists() and live.exists()


def test_sigterm_is_met_as_ctrl_c_is():
    """The installed command turns SIGTERM (kill, a batch system's cancel) into the Ctrl-C path:
    the interrupted message, partial output discarded by the same clean-up, exit code 143."""
    import signal

    import typer

    from framing.cli._common import Terminated, friendly, stop_on_sigterm

    cleaned = []

    @friendly
    def run() -> None:
        try:
            signal.raise_signal(signal.SIGTERM)
        finally:
            cleaned.append(True)  # what a writer's finally does: the partial file goes

    before = signal.getsignal(signal.SIGTERM)
    try:
        stop_on_sigterm()
        with pytest.raises(typer.Exit) as caught:
            run()
    finally:
        signal.signal(signal.SIGTERM, before)
    assert caught.value.exit_code == 143 and cleaned == [True]
    assert issubclass(Terminated, KeyboardInterrupt)


def test_a_forked_child_of_the_command_ends_quietly_on_sigterm():
    """A library's forked pool workers (cleanlab's, in labels suspects) are stopped with SIGTERM:
    they must not inherit the command's handler, which raised Terminated with a traceback in each."""
    import os
    import signal

    from framing.cli._common import stop_on_sigterm

    before = signal.getsignal(signal.SIGTERM)
    try:
        stop_on_sigterm()
        assert signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, before)
        child = os.fork()
        if child == 0:
            os._exit(0 if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL else 1)
        assert os.waitstatus_to_exitcode(os.waitpid(child, 0)[1]) == 0
    finally:
        signal.signal(signal.SIGTERM, before)


def test_an_atomic_write_where_no_file_can_be_is_one_clear_error(tmp_path):
    from framing._io import OutputError, atomic_write

    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    (tmp_path / "a-folder").mkdir()
    cases = {tmp_path / "a-file" / "out.csv": "a-file is a file, not a folder",
             tmp_path / "a-folder": "it is a folder",
             Path("/proc/out.csv"): "cannot write here (No such file or directory: /proc)"}
    for target, words in cases.items():
        with pytest.raises(OutputError, match=re.escape(words)):
            with atomic_write(target) as handle:
                handle.write("never")
    assert (tmp_path / "a-file").read_text(encoding="utf-8") == "x" and not any((tmp_path / "a-folder").iterdir())


def test_a_full_disk_is_called_a_full_disk_not_a_permission_problem(project, model, tmp_path, monkeypatch):
    import errno

    import pandas as pd

    def full(self, path, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))
    monkeypatch.setattr(pd.DataFrame, "to_csv", full)
    with pytest.raises(FramingError, match=r"p\.csv: the disk is full \(No space left on device: .*— free space"):
        predict_file(model, project / "corpus", tmp_path / "out" / "p.csv")
    assert not list((tmp_path / "out").iterdir())


def test_a_second_run_writing_the_same_output_is_refused(project, model, tmp_path):
    import subprocess
    import sys

    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    out = tmp_path / "preds.csv"
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        live = tmp_path / f".preds.csv.{other.pid}.partial"  # a run still going
        live.write_text("half a file")
        with pytest.raises(FramingError, match=rf"another run \(process {other.pid}\) is writing this output"):
            predict_file(model, project / "corpus", out)
        assert live.read_text() == "half a file" and sorted(p.name for p in tmp_path.iterdir()) == [live.name]
    finally:
        other.kill()
        other.wait()
    assert predict_file(model, project / "corpus", out) == 18  # once it is gone, its file is a leftover
