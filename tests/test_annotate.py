"""`framing label` driven end to end: scripted answers, undo, back, skip, suggestions, a kill and the resume."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from framing.cli import app

runner = CliRunner()


def records(project, who="ann"):
    path = project / "labels" / f"{who}.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def label(project, answers, *args):
    result = runner.invoke(app, ["label", "--root", str(project), *map(str, args)], input="".join(a + "\n" for a in answers))
    assert result.exit_code == 0, result.output
    return result


def test_scripted_session_records_everything(project):
    result = label(project, ["1", "12", "2", "", "q"], "--annotator", "ann", "--order", "corpus")
    got = [(r["paragraph_id"].split(":")[0], r["dimension"], r["value"]) for r in records(project)]
    assert got == [("daily-1", "mood", ["upbeat"]), ("daily-1", "topics", ["sport", "weather"]),
                   ("daily-1", "mood", ["gloomy"]), ("daily-1", "topics", [])]
    first = records(project)[0]
    assert first["annotator"] == "ann" and first["codebook_version"] == "0.1" and first["seconds"] >= 0 and first["time"]
    assert "▶" in result.output and "[1] upbeat" in result.output and "saved: 4 answer(s)" in result.output


def test_annotator_is_remembered_and_required_first(project):
    result = runner.invoke(app, ["label", "--root", str(project)], input="q\n")
    assert result.exit_code == 1 and "pass --annotator NAME the first time" in result.output
    label(project, ["1", "1", "q"], "--annotator", "ann")
    label(project, ["2", "2", "q"])
    assert {r["annotator"] for r in records(project)} == {"ann"} and len(records(project)) == 4


def test_undo_back_skip_and_bad_keys(project):
    label(project, ["1", "u", "2", "1", "b", "1", "2", "s", "x", "1", "", "q"], "--annotator", "ann", "--order", "corpus")
    got = [(r["paragraph_id"].split(":")[1], r["dimension"], r["value"]) for r in records(project)]
    # p0: mood undone then answered 2 (gloomy); back → re-answered mood 1, topics 2; p1 skipped; p2 answered.
    assert ("0", "mood", ["upbeat"]) in got and ("0", "topics", ["weather"]) in got
    assert not any(pid == "1" for pid, _, _ in got)
    assert ("2", "mood", ["upbeat"]) in got and ("2", "topics", []) in got


def test_a_key_given_twice_is_asked_again_not_an_error(project):
    result = label(project, ["1", "11", "2", "q"], "--annotator", "ann", "--order", "corpus")
    assert [r["value"] for r in records(project)] == [["upbeat"], ["weather"]]
    assert "not an answer (1 given twice" in result.output and "invalid answer" not in result.output


def test_filters_limit_and_missing(project):
    label(project, ["1", "1"] * 5, "--annotator", "ann", "--outlet", "Herald", "--limit", "2", "--order", "corpus")
    assert {r["paragraph_id"].split(":")[0] for r in records(project)} == {"herald-1"}
    assert len(records(project)) == 4
    result = label(project, ["q"], "--annotator", "other", "--missing", "mood", "--outlet", "Nowhere")
    assert "nothing left to label" in result.output


def test_suggestions_are_recorded(project):
    runner.invoke(app, ["train", "--root", str(project)])
    label(project, ["", "", "q"], "--annotator", "ann", "--suggest", "--order", "uncertainty")
    first = records(project)[0]
    assert first["suggestion"] == first["value"] and first["accepted"] is True


def test_kill_midway_loses_at_most_the_open_question_and_resumes(project):
    exe = str(Path(sys.executable).with_name("framing"))
    proc = subprocess.Popen([exe, "label", "--root", str(project), "--annotator", "ann", "--order", "stratified"],
                            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True)
    for answer in ["1", "12", "2", "1", "1"]:
        proc.stdin.write(answer + "\n")
        proc.stdin.flush()
    deadline = time.time() + 60
    while len(records(project)) < 5 and time.time() < deadline:
        time.sleep(0.1)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    saved = records(project)  # every line parses: the file is never half-written
    assert len(saved) == 5
    assert not list((project / "labels").glob(".*.tmp"))
    # the resumed session asks the half-labelled paragraph's missing dimension first
    label(project, ["2", "q"], "--order", "stratified")
    after = records(project)
    assert len(after) == 6 and after[-1]["paragraph_id"] == saved[-1]["paragraph_id"] and after[-1]["dimension"] == "topics"


def test_rationale_is_asked_checked_and_recorded(project):
    # daily-1 p0: "The team won the match in a glorious victory, ..." — a word not in the paragraph
    # is refused and asked again; Enter records no rationale.
    result = label(project, ["1", "Glorious victory; won", "1", "despair", ""], "--annotator", "ann", "--rationale",
                   "--limit", "1", "--order", "corpus")
    mood, topics = records(project)
    assert mood["rationale"] == ["Glorious victory", "won"]
    assert topics["value"] == ["sport"] and topics["rationale"] == []  # asked, nothing marked
    assert "'despair' does not occur in the paragraph" in result.output
    assert "the --limit of 1 paragraph(s) is done" in result.output
    from framing import load_codebook, read_labels, read_paragraphs
    from framing.labels.store import label_stats

    codebook = load_codebook(project / "labels" / "codebook.toml")
    stats = label_stats(read_labels(project / "labels", codebook), read_paragraphs(project / "corpus"), codebook)
    assert stats["per_annotator"].set_index("annotator")["with_rationale"].to_dict() == {"ann": 1, "tester": 0}


def test_default_order_is_the_configs_and_falls_back_without_a_model(project):
    from framing.project import default_order
    from framing.config import load_config

    config = load_config(None)
    assert config.active.order == "uncertainty"
    assert default_order(config, project) == config.active.fallback_order == "stratified"  # no model trained yet
    runner.invoke(app, ["train", "--root", str(project)])
    assert default_order(config, project) == "uncertainty"


def _session(project, order, *, window, monkeypatch, read):
    from framing import project as opener
    from framing.config import load_config
    from framing.labels.session import SessionOptions

    monkeypatch.setattr(opener, "FIRST_WINDOW", window)
    config = load_config(project / "experiments" / "default" / "config.toml", [f"active.window={window}"])
    options = SessionOptions(order=order, seed=1)
    return opener.open_session(project, config, annotator="fresh", options=options, progress=read.append)


def _asked(session) -> list[str]:
    asked = []
    while (question := session.question()) is not None:
        asked.append(question.row["paragraph_id"])
        session.skip()
    return asked


def test_session_starts_before_reading_the_whole_corpus(project, monkeypatch):
    from framing.corpus.read import read_paragraphs

    everything = read_paragraphs(project / "corpus")["paragraph_id"].tolist()
    read: list[int] = []
    session = _session(project, "corpus", window=2, monkeypatch=monkeypatch, read=read)
    first = session.question()
    assert first.row["paragraph_id"] == everything[0]
    assert sum(read) < len(everything) and session.progress()["more"]  # only the first window was read
    # the corpus order asks the same sequence as a session that read everything first
    assert [first.row["paragraph_id"]] + (session.skip() or _asked(session)) == everything
    assert sum(read) == len(everything) and not session.progress()["more"]


@pytest.mark.parametrize("order", ["corpus", "random", "stratified"])
def test_no_plus_once_the_corpus_is_read_to_its_end(project, monkeypatch, order):
    read: list[int] = []
    session = _session(project, order, window=10_000, monkeypatch=monkeypatch, read=read)  # one window: all of it
    assert session.question() is not None and not session.progress()["more"]


def test_windowed_orders_ask_every_paragraph_once(project, monkeypatch):
    from framing.corpus.read import read_paragraphs

    everything = read_paragraphs(project / "corpus")["paragraph_id"].tolist()
    for order in ("random", "stratified"):
        asked = _asked(_session(project, order, window=5, monkeypatch=monkeypatch, read=[]))
        assert sorted(asked) == sorted(everything) and asked != everything
        # a window as large as the corpus orders it whole, as before windows
        whole = _asked(_session(project, order, window=10_000, monkeypatch=monkeypatch, read=[]))
        assert sorted(whole) == sorted(everything)
        # within each window of 5+ paragraphs (whole articles), the window's own paragraphs
        assert set(asked[:5]) <= set(everything[:6])


@pytest.mark.parametrize("missing", [None, float("nan")])
def test_missing_metadata_is_shown_in_words_not_as_nan(missing):
    """The session's paragraph table holds NaN for a missing date once windows of it are concatenated."""
    from types import SimpleNamespace

    from framing.cli.labelling import _show, screen
    from framing.labels.codebook import Dimension, Label

    session = SimpleNamespace(annotator="ann", progress=lambda: {"done": 0, "target": 1, "this_session": 0,
                                                                  "per_outlet": {}})
    dim = Dimension(name="mood", kind="single", question="How?", labels=(Label("up", "Up."), Label("down", "Down.")))
    row = {"paragraph_id": "usgov-0226:5:c41b5e9b", "text": "Sanctions.", "title": missing, "outlet": missing,
           "date": missing}
    question = SimpleNamespace(row=row, previous=None, following=None, dimension=dim, suggestion=None, current=None)
    with screen.capture() as shown:
        _show(session, question, {"1": "up", "2": "down"}, tty=False)
    header = next(line for line in shown.get().splitlines() if "usgov-0226" in line)
    assert header.startswith("(no title) — no outlet, no date"), header


def test_an_unwritable_labels_file_is_refused_before_the_first_question(project):
    result = runner.invoke(app, ["label", "--root", str(project), "--annotator", "ann", "--order", "corpus",
                                 "--out", "/proc/framing-labels/ann.jsonl"], input="1\n")
    assert result.exit_code != 0 and "cannot write here" in result.output and "▶" not in result.output, result.output
