"""Model orders in `framing label`: the first question after one scored block, the rest of the
window read and scored in a background thread and folded into the ranking as it comes."""

from __future__ import annotations

import hashlib
import threading
from contextlib import closing
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from framing import load_codebook
from framing.config import load_config
from framing.errors import CorpusError, FramingError
from framing.labels.session import LabelSession, SessionOptions
from framing.labels.store import read_labels

EMPTY = pd.DataFrame(columns=["paragraph_id", "dimension", "value", "annotator", "time", "file", "line"])
MODEL = SimpleNamespace(dimensions={"mood": SimpleNamespace(multi=False)})


def corpus(n=60) -> pd.DataFrame:
    rows = [{"paragraph_id": f"a{i // 4}:{i % 4}", "article_id": f"a{i // 4}", "p_index": i % 4,
             "outlet": ("Daily", "Herald", "Courier")[(i // 4) % 3], "text": f"paragraph {i}", "collection": ""}
            for i in range(n)]
    return pd.DataFrame(rows)


def probabilities(model, pool):
    """A stub scorer: a fixed probability per paragraph; ties on purpose (every 7th repeats)."""
    p = np.array([int(hashlib.sha256(pid.encode()).hexdigest()[:6], 16) % 7 / 7 for pid in pool["paragraph_id"]])
    return {"mood": np.column_stack([0.5 + p / 2, 0.5 - p / 2])}


def rising(model, pool):
    """A stub scorer: later paragraphs are less certain, so each block outranks the ones before."""
    p = np.array([int(text.split()[-1]) / 200 for text in pool["text"]])
    return {"mood": np.column_stack([1 - p, p])}


class Gated:
    """Scores the main thread's calls at once and holds the background's until released."""

    def __init__(self, fail=None, scorer=probabilities):
        self.release, self.fail, self.background_calls, self.scorer = threading.Event(), fail, 0, scorer

    def __call__(self, model, pool):
        if threading.current_thread() is not threading.main_thread():
            self.background_calls += 1
            self.release.wait(60)  # a failing test must not leave it (and close()) waiting for good
            if self.fail is not None:
                raise self.fail
        return self.scorer(model, pool)


def blocks(frame, size, fail_at=None):
    for start in range(0, len(frame), size):
        if fail_at is not None and start >= fail_at:
            raise CorpusError("cannot read this article", path="corpus/broken.txt", fix="fix or remove it")
        yield frame.iloc[start:start + size].reset_index(drop=True)


def session(project, frame, *, block=None, labels=EMPTY, scorer=probabilities, fail_at=None, **options):
    codebook = load_codebook(project / "labels" / "codebook.toml")
    opts = SessionOptions(order=options.pop("order", "uncertainty"), dimensions=["mood"], **options)
    common = dict(annotator="ann", output=project / "labels" / "ann.jsonl", config=load_config(None), options=opts,
                  model=MODEL, probabilities=scorer)
    if block is None:  # the reference: the whole window read and ranked before the first question
        return LabelSession(frame, codebook, labels, **common)
    more = blocks(frame, block, fail_at)
    return LabelSession(next(more), codebook, labels, more=more, window=len(frame), **common)


def asked(s, answer=0) -> list[str]:
    """Paragraphs in the order asked; the first ``answer`` are answered, the rest skipped."""
    seen = []
    while (q := s.question()) is not None:
        seen.append(q.row["paragraph_id"])
        s.answer(q, ["upbeat"]) if len(seen) <= answer else s.skip()
    return seen


def no_scoring_thread() -> bool:
    return not any(t.name == "framing-label-scoring" for t in threading.enumerate())


@pytest.mark.parametrize("order", ["uncertainty", "uncertainty-stratified"])
def test_first_question_comes_before_the_window_is_scored(project, order):
    gate = Gated()
    with closing(session(project, corpus(), block=10, scorer=gate, order=order)) as s:
        first = s.question()
        assert first is not None and first.row["paragraph_id"] in set(corpus()["paragraph_id"][:10])
        assert len(s.paragraphs) < 60  # the rest of the window is not scored yet
        gate.release.set()
        s.scored()
        assert len(s.paragraphs) == 60 and gate.background_calls == 5
    assert no_scoring_thread()


def test_after_the_background_the_queue_is_the_whole_ranking_minus_what_was_asked(project):
    whole = asked(session(project, corpus()))
    gate = Gated()
    with closing(session(project, corpus(), block=8, scorer=gate)) as s:
        early = [s.question().row["paragraph_id"]]
        s.skip()
        gate.release.set()
        early += [s.question().row["paragraph_id"]]  # chosen with whatever was scored by then
        s.skip()
        s.scored()
        rest = asked(s)
    assert rest == [p for p in whole if p not in early]
    assert sorted(early + rest) == sorted(whole)


def test_a_resumed_session_continues_the_same_sequence(project):
    whole = asked(session(project, corpus()))
    with closing(session(project, corpus(), block=8)) as s:
        s.scored()
        first = asked(s, answer=3)[:3]
    assert first == whole[:3]
    codebook = load_codebook(project / "labels" / "codebook.toml")
    labels = read_labels(project / "labels" / "ann.jsonl", codebook)
    with closing(session(project, corpus(), block=8, labels=labels)) as s:
        s.scored()
        assert asked(s) == whole[3:]


def test_filters_still_apply(project):
    daily = corpus().query("outlet == 'Daily'")["paragraph_id"]
    whole = asked(session(project, corpus(), outlets=["Daily"], limit=5))
    with closing(session(project, corpus(), block=8, outlets=["Daily"], limit=5)) as s:
        s.scored()
        got = asked(s)
    assert got == whole and len(got) == 5 and set(got) <= set(daily)
    with closing(session(project, corpus(), block=8, outlets=["Daily"], limit=5)) as s:  # asked while scoring
        got = asked(s)
    assert len(got) == 5 and set(got) <= set(daily)


@pytest.mark.parametrize("order", ["uncertainty", "uncertainty-stratified"])
@pytest.mark.parametrize("block", [None, 8])
@pytest.mark.parametrize("filters", [{"outlets": ["Nope"]}, {"articles": ["nope"]}])
def test_filters_matching_nothing_leave_nothing_to_ask(project, order, block, filters):
    with closing(session(project, corpus(), block=block, order=order, **filters)) as s:
        assert s.question() is None and s.queue == []


def test_windows_after_the_first_are_streamed_too(project):
    frame = corpus(60)
    codebook = load_codebook(project / "labels" / "codebook.toml")
    more = blocks(frame, 10)
    opts = SessionOptions(order="uncertainty", dimensions=["mood"])
    with closing(LabelSession(next(more), codebook, EMPTY, annotator="ann", output=project / "labels" / "ann.jsonl",
                      config=load_config(None), options=opts, model=MODEL, probabilities=probabilities,
                      more=more, window=30)) as s:
        got = asked(s)
    assert sorted(got) == sorted(frame["paragraph_id"])
    assert set(got[:30]) == set(frame["paragraph_id"][:30])  # each window ranked on its own, in turn
    assert no_scoring_thread()


def test_an_error_in_the_background_is_a_framing_error_in_the_main_thread(project):
    gate = Gated(fail=ValueError("boom"))
    s = session(project, corpus(), block=10, scorer=gate)
    assert s.question() is not None
    gate.release.set()
    with pytest.raises(FramingError, match="in the background failed: ValueError: boom"):
        s.scored()
    s.close()
    assert no_scoring_thread()
    # a reading error keeps its own message (file and fix)
    s = session(project, corpus(), block=10, fail_at=30)
    with pytest.raises(CorpusError, match="broken.txt"):
        asked(s)
    s.close()
    assert no_scoring_thread()


def test_close_stops_the_thread_mid_window(project):
    gate = Gated()
    s = session(project, corpus(), block=5, scorer=gate)
    s.question()
    assert not no_scoring_thread()
    gate.release.set()
    s.close()
    assert no_scoring_thread()


def test_going_back_while_scoring_keeps_what_was_shown(project):
    whole = asked(session(project, corpus(), scorer=rising))
    assert whole == corpus()["paragraph_id"][::-1].tolist()
    gate = Gated(scorer=rising)
    with closing(session(project, corpus(), block=8, scorer=gate)) as s:
        shown = []
        for _ in range(2):
            shown.append(s.question().row["paragraph_id"])
            s.skip()
        assert s.back()
        gate.release.set()
        s.scored()
        assert s.question().row["paragraph_id"] == shown[1]  # back to the one shown last, not a new one
        s.skip()
        rest = asked(s)
    assert rest == [p for p in whole if p not in shown]


def test_the_cli_streams_the_window_and_leaves_no_thread(project):
    from typer.testing import CliRunner

    from framing.cli import app

    runner = CliRunner()
    assert runner.invoke(app, ["train", "--root", str(project)]).exit_code == 0
    with (project / "experiments" / "default" / "config.toml").open("a", encoding="utf-8") as handle:
        handle.write("[active]\nblock = 2\n")  # a block of 2 paragraphs: the rest is scored in the background
    result = runner.invoke(app, ["label", "--root", str(project), "--annotator", "ann"], input="1\n\n2\n1\nq\n")
    assert result.exit_code == 0, result.output
    assert "saved: 4 answer(s)" in result.output and "Traceback" not in result.output
    assert no_scoring_thread()


def test_blocks_scored_before_a_retraining_are_scored_again(project):
    retrained = SimpleNamespace(dimensions=MODEL.dimensions)

    def by_model(model, pool):  # the retrained model ranks the other way round
        return rising(model, pool) if model is retrained else probabilities(model, pool)

    reference = session(project, corpus(), scorer=by_model)
    reference.model = retrained
    reference.queue = reference._build_queue(reference.paragraphs)  # the whole window ranked by the retrained model
    whole = asked(reference)
    gate = Gated(scorer=by_model)
    with closing(session(project, corpus(), block=8, scorer=gate, refresh=1)) as s:
        s.refit = lambda paragraphs, labels: retrained
        q = s.question()
        s.answer(q, ["upbeat"])  # retrains: the blocks in flight were scored by the first model
        assert s.model is retrained
        gate.release.set()
        s.scored()
        rest = asked(s)
    assert rest == [p for p in whole if p != q.row["paragraph_id"]]


def test_first_block_is_scored_by_the_model_itself_then_compiled(project):
    """The first call does not compile the model (the first question need not wait for it) and
    gives the fast path's probabilities; the next call compiles once and reuses it."""
    import numpy as np

    from framing.corpus.read import read_paragraphs
    from framing.model.lean import label_probabilities
    from framing.model.saved import load_model
    from framing.evaluate.experiment import train
    from framing.project import CompiledProbabilities

    train(load_config(project / "experiments/default/config.toml"), project)
    model = load_model(project / "experiments/default")
    pool = read_paragraphs(project / "corpus").head(12)
    scorer = CompiledProbabilities()
    first = scorer(model, pool)
    assert scorer._lean is None
    second = scorer(model, pool)
    lean = scorer._lean
    assert lean is not None
    scorer(model, pool)
    assert scorer._lean is lean
    fast = label_probabilities(model, pool)
    for name in fast:
        np.testing.assert_allclose(first[name], fast[name], rtol=1e-9, atol=1e-12)
        np.testing.assert_array_equal(second[name], fast[name])
