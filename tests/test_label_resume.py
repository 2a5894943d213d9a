"""`framing label --out ANY/FILE`: resumes from the file it is given, never rewrites its lines,
survives kills at any moment."""

import json

import pytest
from _kill import kill_forked, kill_loop, spread
from typer.testing import CliRunner

from framing import LabelsError, load_codebook
from framing.labels.session import SessionOptions
from framing.project import open_session
from framing.cli import app
from framing.config import load_config
from framing.labels.store import read_labels

runner = CliRunner()


def label(project, answers, *args):
    result = runner.invoke(app, ["label", "--root", str(project), "--annotator", "ann", "--order", "corpus", *map(str, args)],
                           input="".join(a + "\n" for a in answers))
    assert result.exit_code == 0, result.output
    return result


def test_a_file_outside_labels_resumes_and_keeps_its_lines(project, tmp_path):
    mine = tmp_path / "elsewhere" / "mine.jsonl"
    label(project, ["1", "1", "2", "2", "1", "12", "q"], "--out", mine)
    first = mine.read_bytes()
    assert len(first.splitlines()) == 6
    result = label(project, ["2", "q"], "--out", mine)
    assert "3 paragraph(s) fully labelled" in result.output
    after = mine.read_bytes()
    assert after.startswith(first) and len(after.splitlines()) == 7
    records = [json.loads(line) for line in after.splitlines()]
    assert len({(r["paragraph_id"], r["dimension"]) for r in records}) == 7  # the 4th paragraph, not the 1st again
    assert not (project / "labels" / "ann.jsonl").exists()


def test_lines_written_by_hand_are_kept_byte_for_byte(project, tmp_path):
    mine = tmp_path / "mine.jsonl"
    label(project, ["1", "1", "q"], "--out", mine)
    record = json.loads(mine.read_text().splitlines()[0])
    hand = "{ \"dimension\" : \"mood\",  " + json.dumps(record)[1:].replace('"dimension": "mood", ', "") + "\n"
    mine.write_text(hand + mine.read_text().splitlines(keepends=True)[1])
    before = mine.read_bytes()
    label(project, ["2", "q"], "--out", mine)
    assert mine.read_bytes().startswith(before)


def test_a_file_with_another_annotators_labels_is_refused_untouched(project, tmp_path):
    theirs = tmp_path / "theirs.jsonl"
    runner.invoke(app, ["label", "--root", str(project), "--annotator", "other", "--order", "corpus", "--out", str(theirs)],
                  input="1\n1\nq\n")
    before = theirs.read_bytes()
    result = runner.invoke(app, ["label", "--root", str(project), "--annotator", "ann", "--out", str(theirs)], input="1\nq\n")
    assert result.exit_code != 0 and "holds labels by 'other'" in result.output and "Traceback" not in result.output
    assert theirs.read_bytes() == before


def test_killing_a_session_at_any_moment_keeps_every_line(project, tmp_path):
    mine = tmp_path / "mine.jsonl"
    config = load_config(project / "experiments/default/config.toml")
    codebook = load_codebook(project / "labels/codebook.toml")
    state = {"before": b""}

    def answer_everything():
        session = open_session(project, config, annotator="ann", options=SessionOptions(order="corpus"), output=mine)
        while (question := session.question()) is not None:
            session.answer(question, question.dimension.label_names[:1])

    def check(i, delay):
        now = mine.read_bytes() if mine.exists() else b""
        assert now.startswith(state["before"])  # no earlier byte changed, nothing lost
        if now:
            read_labels(mine, codebook)  # every line is whole and valid
        assert len(list(tmp_path.glob(".mine.jsonl.*.tmp"))) <= 1  # at most the killed write's; the next removes it
        state["before"] = now

    ends = kill_forked(answer_everything, spread(0.05, 1.5, 12), check)
    assert "killed" in ends
    assert len(state["before"].splitlines()) > 0



def test_out_that_is_a_folder_is_refused(project, tmp_path):
    config = load_config(project / "experiments/default/config.toml")
    with pytest.raises(LabelsError, match="not a file"):
        open_session(project, config, annotator="ann", options=SessionOptions(order="corpus"), output=tmp_path)


def _record(pid, annotator, value="upbeat"):
    return {"paragraph_id": pid, "dimension": "mood", "value": [value], "annotator": annotator,
            "time": "2026-11-30T12:00:00+00:00", "codebook_version": "0.1"}


def test_adding_labels_keeps_every_earlier_line_byte_for_byte(project, tmp_path):
    from framing.labels.store import upsert_labels

    codebook = load_codebook(project / "labels/codebook.toml")
    pids = list(dict.fromkeys(json.loads(line)["paragraph_id"]
                              for line in (project / "labels/tester.jsonl").read_text().splitlines()))
    path = tmp_path / "added.jsonl"
    odd = json.dumps(_record(pids[0], "hand"), indent=None, separators=(" , ", " : ")).replace(
        '"annotator"', '"note" : "a\u2028b\\u00e9" , "annotator"')
    path.write_bytes((odd + "\r\n" + json.dumps(_record(pids[1], "hand"))).encode())  # no final line break
    before = path.read_bytes()
    upsert_labels(path, [_record(pids[2], "hand")], codebook)
    after = path.read_bytes()
    assert after.startswith(before) and len(read_labels(path, codebook)) == 3
    upsert_labels(path, [_record(pids[1], "hand", "gloomy")], codebook)  # a replaced label: only its line changes
    lines = path.read_bytes().split(b"\n")
    assert lines[0] == odd.encode() + b"\r" and b"gloomy" in lines[1] and len(read_labels(path, codebook)) == 3


def test_killing_labels_add_at_any_moment_keeps_every_line(project, tmp_path):
    from framing.labels.store import upsert_labels

    codebook = load_codebook(project / "labels/codebook.toml")
    pids = list(dict.fromkeys(json.loads(line)["paragraph_id"]
                              for line in (project / "labels/tester.jsonl").read_text().splitlines()))
    path = tmp_path / "added.jsonl"
    upsert_labels(path, [_record(pids[0], "first")], codebook)
    state = {"before": path.read_bytes(), "grew": 0}

    def add_forever():
        for i in range(100_000):
            upsert_labels(path, [_record(pid, f"a{i}") for pid in pids[:3]], codebook)

    def check(i, delay):
        now = path.read_bytes()
        assert now.startswith(state["before"])
        read_labels(path, codebook)
        state["grew"] += now != state["before"]
        state["before"] = now

    ends = kill_forked(add_forever, spread(0.002, 0.5, 12), check)
    # the kills landed while labels were being written (how many writes fit before each kill
    # depends on the machine's load: at least two of the twelve runs must have added lines)
    assert ends == ["killed"] * len(ends) and state["grew"] >= 2


LABEL_CLI = """
import os, sys
from framing.cli import main
import framing.labels.session, framing.cli.labelling, framing.project  # start-up before "ready": the delays cover the work
print("ready", flush=True)
os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # the screen goes nowhere; the kill is what matters
sys.argv = ["framing", "label", "--root", sys.argv[1], "--annotator", "ann", "--order", "corpus", "--out", sys.argv[2]]
main()
"""


def test_killing_the_real_label_command_keeps_every_line(project, tmp_path):
    """The same through the real `framing label` process, answers piped in (a Python start-up per kill)."""
    mine = tmp_path / "elsewhere" / "mine.jsonl"
    codebook = load_codebook(project / "labels/codebook.toml")
    state = {"before": b""}

    def check(i, delay):
        now = mine.read_bytes() if mine.exists() else b""
        assert now.startswith(state["before"])
        if now:
            read_labels(mine, codebook)
        state["before"] = now

    ends = kill_loop(LABEL_CLI, spread(0.2, 3.0, 6), check, cwd=project, args=[str(project), str(mine)],
                     stdin="1\n" * 40)
    assert "killed" in ends and len(state["before"].splitlines()) >= 2
