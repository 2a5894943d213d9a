"""The labelling session behind ``framing label``: which paragraph and dimension to ask next,
recording each answer the moment it is given, undo, back, skip and progress.

No terminal code here: the CLI shows what :class:`LabelSession` offers and passes answers back.
Every answer rewrites the annotator's labels file atomically, so killing the process at any
moment loses at most the question on screen, and a new session resumes where this one stopped
(paragraphs this annotator has fully labelled are not asked again).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from framing.labels.background import ScoredBlocks
from framing.labels.codebook import Codebook, Dimension
from framing.config import ExperimentConfig
from framing.errors import FramingError, LabelsError
from framing._io import atomic_write
from framing.labels.store import check_rationale, clean_record, now_iso, raw_lines
from framing.labels.sampling import MODEL_ORDERS, order_paragraphs, uncertainty_scores

STATE_DIR = ".framing"


def same_file(a: str | Path, b: str | Path) -> bool:
    """True if two paths name the same file (relative or absolute, through links)."""
    return Path(a).resolve() == Path(b).resolve()


def remembered_annotator(root: Path) -> str | None:
    """The annotator name the last session in this project used, if any."""
    path = root / STATE_DIR / "annotator.json"
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("annotator")
    except (OSError, json.JSONDecodeError):
        return None


def remember_annotator(root: Path, name: str) -> None:
    (root / STATE_DIR).mkdir(exist_ok=True)
    (root / STATE_DIR / "annotator.json").write_text(json.dumps({"annotator": name}), encoding="utf-8")


@dataclass
class Question:
    """One paragraph × dimension to answer."""

    row: dict
    dimension: Dimension
    previous: str | None
    following: str | None
    suggestion: list[str] | None
    current: list[str] | None  # this annotator's earlier answer (when going back)
    started: float = field(default_factory=time.monotonic)


@dataclass
class SessionOptions:
    order: str | None = "corpus"   # None: the config's (framing.project.default_order)
    seed: int = 0
    outlets: list[str] = field(default_factory=list)
    articles: list[str] = field(default_factory=list)
    missing: str | None = None      # only paragraphs with no label yet on this dimension
    dimensions: list[str] = field(default_factory=list)
    limit: int | None = None
    target: int | None = None
    suggest: bool = False
    refresh: int = 25               # uncertainty order / suggestions: retrain every N answers


class LabelSession:
    """State of one annotator's session over a corpus."""

    def __init__(self, paragraphs: pd.DataFrame, codebook: Codebook, labels: pd.DataFrame, *, annotator: str,
                 output: Path, config: ExperimentConfig, options: SessionOptions, model=None,
                 refit: Callable[[pd.DataFrame, pd.DataFrame], Any] | None = None,
                 probabilities: Callable[[Any, pd.DataFrame], dict[str, np.ndarray]] | None = None,
                 more: Iterator[pd.DataFrame] | None = None, window: int | None = None) -> None:
        """``paragraphs``: the corpus, or its first window when ``more`` yields the next ones;
        ``refit(paragraphs, labels)``: a model retrained on the labels so far, None while too few;
        ``probabilities(model, paragraphs)``: per dimension, the model's label probabilities.

        ``window`` (model orders): ``paragraphs`` and ``more`` are blocks, a window of this many
        paragraphs ranked as one: its first block scored before its first question, the rest read and
        scored in a background thread, folded in as questions are chosen. :meth:`close` stops it."""
        self.codebook = codebook
        self.annotator = annotator
        self.output = output
        self.config = config
        self.options = options
        self.model = model
        self.refit = refit
        self.probabilities = probabilities
        self.dimensions = [codebook.dimension(d) for d in options.dimensions] or list(codebook.dimensions)
        self.all_labels = labels
        mine = labels[labels["annotator"] == annotator] if len(labels) else labels
        is_output = {f: same_file(f, output) for f in set(labels["file"])} if len(labels) else {}
        elsewhere = sorted({f for f in mine["file"] if not is_output[f]}) if len(mine) else []
        if elsewhere:
            raise LabelsError(f"labels by {annotator!r} also live in {elsewhere[0]}", path=output,
                              fix="keep one labels file per annotator (or choose another --out)")
        if len(labels):
            theirs = labels[(labels["annotator"] != annotator).to_numpy()
                            & labels["file"].map(is_output).to_numpy(dtype=bool)]
            if len(theirs):
                raise LabelsError(f"this file holds labels by {theirs['annotator'].iloc[0]!r} too (line "
                                  f"{theirs['line'].iloc[0]}); a session writes one annotator's file", path=output,
                                  fix="choose another --out for this annotator")
        self.mine: dict[tuple[str, str], dict] = {}
        # The lines already in the file are written back byte for byte while their record stands.
        self._lines: dict[tuple[str, str], tuple[str, dict]] = {}
        lines = raw_lines(output) if len(mine) else []
        for r in mine.to_dict("records"):
            key, record = (r["paragraph_id"], r["dimension"]), clean_record(r)
            self.mine[key] = record
            line = lines[int(r["line"]) - 1]
            self._lines[key] = (line, record)
        self.paragraphs = paragraphs.reset_index(drop=True)
        # row positions of each article's paragraphs (sorted when a question needs its neighbours)
        self.by_article: dict[str, np.ndarray] = dict(self.paragraphs.groupby("article_id", sort=False).indices)
        self.answered_here: list[tuple[str, str, dict | None]] = []  # (pid, dim, previous record) for undo
        self.position = 0
        self.review: list[str] = []  # dimensions still to re-ask after `back`
        self._shown = 0  # queue[:_shown] has been shown: folding in new blocks never reorders it
        self._scores = pd.Series(dtype=float)  # model orders: uncertainty of queued rows under self.model
        self._scoring: ScoredBlocks | None = None
        self._window = window if options.order in MODEL_ORDERS else None
        self.queue = self._build_queue(self.paragraphs)
        self.labelled_now = 0
        self._more = None if paragraphs.attrs.get("last") else more  # the corpus is read to its end already
        if self._window is not None and self._more is not None:
            self._score_rest(self._window - len(self.paragraphs))

    # ------------------------------------------------------------------ queue
    def _next_window(self) -> bool:
        """Read the next window of the corpus and queue its paragraphs; False when there is none."""
        limit = self.options.limit
        if limit and len(self.queue) >= limit:
            return False
        if self._scoring is not None:
            self._fold(wait=True)  # the rest of this window is still being scored: wait for the next block
            return True
        if self._more is None:
            return False
        frame = next(self._more, None)
        self._more = None if frame is None or frame.attrs.get("last") else self._more
        if frame is None:
            return False
        self._append(frame)
        added = self._build_queue(frame)
        self.queue += added[: limit - len(self.queue)] if limit else added
        if self._window is not None:
            self._score_rest(self._window - len(frame))
        return True

    def _append(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Add paragraphs read since (indexed after the ones held); returns them re-indexed."""
        frame.index = pd.RangeIndex(len(self.paragraphs), len(self.paragraphs) + len(frame))
        self.paragraphs = pd.concat([self.paragraphs, frame])
        for article, rows in frame.groupby("article_id", sort=False).indices.items():
            old = self.by_article.get(article)
            rows = rows + frame.index[0]
            self.by_article[article] = rows if old is None else np.concatenate([old, rows])
        return frame

    def _score_rest(self, rows: int) -> None:
        """Read and score the window's remaining ``rows`` paragraphs in the background."""
        if rows > 0 and self._more is not None:
            self._scoring = ScoredBlocks(self._more, self._score_block, rows)

    def _score_block(self, frame: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, Any]:
        """(In the background thread.) The block, the positions its filters keep, their
        uncertainty and the model that scored it. Reads the session's model, writes nothing."""
        model = self.model
        pool = self._filter(frame.reset_index(drop=True))
        return frame, pool.index.to_numpy(), self._uncertainty(pool, model), model

    def _fold(self, *, wait: bool = False) -> None:
        """Fold in what the background has scored since and re-rank what has not been shown."""
        if self._scoring is None:
            return
        blocks = self._scoring.take(wait=wait)
        if self._scoring.done:  # the window is read (and the corpus too, when its blocks ran out)
            self._more, self._scoring = None if self._scoring.exhausted else self._more, None
        if not blocks:
            return
        first, offsets = len(self.paragraphs), np.cumsum([0] + [len(b[0]) for b in blocks])
        frame = self._append(pd.concat([b[0] for b in blocks], ignore_index=True))  # one copy, not one per block
        added = []
        for (_, kept, scores, model), offset in zip(blocks, offsets):
            pool = frame.loc[kept + first + offset]
            keep = np.array([not self._complete(pid) for pid in pool["paragraph_id"]], dtype=bool)
            pool, scores = pool[keep], scores[keep]
            if model is not self.model:  # retrained while this block was scored
                scores = self._uncertainty(pool)
            self._scores = pd.concat([self._scores, pd.Series(scores, index=pool.index)])
            added += pool.index.tolist()
        start = max(self._shown, self.position)
        rest = sorted(self.queue[start:] + added)  # corpus order first: ties rank as in one whole window
        pool = self.paragraphs.loc[rest]
        ranked = order_paragraphs(pool.assign(_i=pool.index), self.options.order, seed=self.options.seed,
                                  uncertainty=self._scores.reindex(pool.index))["_i"].tolist()
        limit = self.options.limit
        self.queue = self.queue[:start] + (ranked[: max(limit - start, 0)] if limit else ranked)

    def scored(self) -> None:
        """Wait until the window in hand is read and scored, and fold it into the queue."""
        while self._scoring is not None:
            self._fold(wait=True)

    def close(self) -> None:
        """Stop the background scoring, if any (no thread outlives the session)."""
        if self._scoring is not None:
            self._scoring.close()
            self._scoring = None

    def _build_queue(self, pool: pd.DataFrame) -> list[int]:
        o = self.options
        pool = self._filter(pool)
        # Order the whole filtered pool first and only then drop finished paragraphs, so that a
        # resumed session continues the same sequence where the last one stopped.
        scores = None
        if o.order in MODEL_ORDERS:
            pool = pool.loc[[not self._complete(pid) for pid in pool["paragraph_id"]]]  # .loc: [] is no rows (not no columns)
            scores = pd.Series(self._uncertainty(pool), index=pool.index)
            self._scores = pd.concat([self._scores, scores]) if len(self._scores) else scores
        ordered = order_paragraphs(pool.assign(_i=pool.index), o.order, seed=o.seed, uncertainty=scores)
        index = [i for i, pid in zip(ordered["_i"], ordered["paragraph_id"]) if not self._complete(pid)]
        return index[: o.limit] if o.limit else index

    def _filter(self, pool: pd.DataFrame) -> pd.DataFrame:
        """The paragraphs of ``pool`` that --outlet, --article and --missing keep."""
        o = self.options
        if o.outlets:
            pool = pool[pool["outlet"].isin(o.outlets)]
        if o.articles:
            pool = pool[pool["article_id"].isin(o.articles)]
        if o.missing:
            self.codebook.dimension(o.missing)
            done = set(self.all_labels.loc[self.all_labels["dimension"] == o.missing, "paragraph_id"]) if len(self.all_labels) else set()
            pool = pool[~pool["paragraph_id"].isin(done)]
        return pool

    def _complete(self, pid: str) -> bool:
        return all((pid, d.name) in self.mine for d in self.dimensions)

    def _uncertainty(self, pool: pd.DataFrame, model: Any = None) -> np.ndarray:
        model = model if model is not None else self.model
        if model is None:
            raise FramingError("uncertainty order needs a trained model", fix="run `framing train` first, or use another --order")
        if not len(pool):
            return np.zeros(0)
        proba = self.probabilities(model, pool)
        return uncertainty_scores(proba, {n: m.multi for n, m in model.dimensions.items()})

    def _refresh(self) -> None:
        """Retrain on all labels so far and re-rank what is left (active learning)."""
        model = self.refit(self.paragraphs, self._labels_now()) if self.refit else None
        if model is None:
            return  # too few labels to retrain yet; keep the current model
        self.model = model
        if self.options.order in MODEL_ORDERS:
            start = max(self._shown, self.position)  # what was shown keeps its place
            pool = self.paragraphs.loc[sorted(self.queue[start:])]
            scores = pd.Series(self._uncertainty(pool), index=pool.index)
            self._scores = scores.combine_first(self._scores)  # what later blocks are ranked against
            ranked = order_paragraphs(pool.assign(_i=pool.index), self.options.order, seed=self.options.seed,
                                      uncertainty=scores)
            self.queue = self.queue[:start] + ranked["_i"].tolist()

    def _labels_now(self) -> pd.DataFrame:
        others = self.all_labels[self.all_labels["annotator"] != self.annotator] if len(self.all_labels) else self.all_labels
        return pd.concat([others.drop(columns=["file", "line"], errors="ignore"), pd.DataFrame(list(self.mine.values()))],
                         ignore_index=True)

    # ------------------------------------------------------------------ questions
    def question(self) -> Question | None:
        """The next question, or None when the queue is done."""
        self._fold()
        while self.position < len(self.queue) or self._next_window():
            if self.position >= len(self.queue):
                continue  # a window with nothing left to ask
            row = self.paragraphs.loc[self.queue[self.position]].to_dict()
            for dim in self.dimensions:
                if (self.review and dim.name == self.review[0]) or (
                        not self.review and (row["paragraph_id"], dim.name) not in self.mine):
                    prev = self.mine.get((row["paragraph_id"], dim.name))
                    self._shown = max(self._shown, self.position + 1)
                    return Question(row, dim, *self._context(row), self._suggest(row, dim), prev["value"] if prev else None)
            self.review = []
            self.position += 1
        return None

    def _context(self, row: dict) -> tuple[str | None, str | None]:
        article = self.paragraphs.iloc[self.by_article[row["article_id"]]].sort_values("p_index")
        texts = article["text"].tolist()
        i = article["paragraph_id"].tolist().index(row["paragraph_id"])
        return (texts[i - 1] if i > 0 else None, texts[i + 1] if i + 1 < len(texts) else None)

    def _suggest(self, row: dict, dim: Dimension) -> list[str] | None:
        if not self.options.suggest or self.model is None or dim.name not in self.model.dimensions:
            return None
        proba = self.model.dimensions[dim.name].predict_proba([row["text"]])
        return [v for v in self.model.decide(dim.name, proba)[0].split("|") if v] if dim.multi \
            else [self.model.decide(dim.name, proba)[0]]

    # ------------------------------------------------------------------ answers
    def answer(self, question: Question, values: list[str], rationale: list[str] | None = None) -> None:
        """Record an answer now (atomically); validate it against the codebook first.

        ``rationale``: the words or phrases of the paragraph that decided the answer, each found in
        the paragraph; ``[]`` records that the annotator was asked and marked nothing, ``None``
        that nobody asked."""
        dim = question.dimension
        unknown = [v for v in values if v not in dim.label_names]
        if unknown or (not dim.multi and len(values) != 1) or len(set(values)) != len(values):
            raise LabelsError(f"invalid answer {values} for {dim.name}", fix=f"choose from {', '.join(dim.label_names)}")
        rationale = None if rationale is None else check_rationale(rationale, question.row["text"])
        key = (question.row["paragraph_id"], dim.name)
        record = {"paragraph_id": key[0], "dimension": dim.name, "value": [v for v in dim.label_names if v in values],
                  "annotator": self.annotator, "time": now_iso(), "codebook_version": self.codebook.version,
                  "seconds": round(time.monotonic() - question.started, 1)}
        if rationale is not None:
            record["rationale"] = rationale
        if question.suggestion is not None:
            record["suggestion"] = question.suggestion
            record["accepted"] = sorted(question.suggestion) == sorted(record["value"])
        self.answered_here.append((key[0], dim.name, self.mine.get(key)))
        self.mine[key] = record
        self._save()
        self.labelled_now += 1
        if self.review:
            self.review.pop(0)
            if not self.review:
                self.position += 1
        elif self._complete(key[0]):
            self.position += 1
        if (self.options.suggest or self.options.order in MODEL_ORDERS) and self.labelled_now % self.options.refresh == 0:
            self._refresh()

    def skip(self) -> None:
        """Leave the current paragraph (unlabelled, or as it was when going back) for now."""
        self.review = []
        self.position += 1

    def undo(self) -> bool:
        """Take back the last answer of this session and ask it again."""
        if not self.answered_here:
            return False
        pid, dim, previous = self.answered_here.pop()
        if previous is None:
            self.mine.pop((pid, dim), None)
        else:
            self.mine[(pid, dim)] = previous
        self._save()
        self.labelled_now -= 1
        self.review = []
        index = self.paragraphs.index[self.paragraphs["paragraph_id"] == pid][0]
        if index in self.queue:
            self.position = self.queue.index(index)
        else:
            self.queue.insert(self.position, index)
            self._shown = self._shown + 1 if self.position < self._shown else self.position + 1
        return True

    def back(self) -> bool:
        """Go to the previous paragraph of the queue (its answers can then be changed)."""
        if self.position == 0:
            return False
        self.position -= 1
        self.review = [d.name for d in self.dimensions]
        return True

    def _save(self) -> None:
        """Rewrite the file atomically: earlier lines as they were, changed and new records after."""
        with atomic_write(self.output) as handle:
            for key, record in self.mine.items():
                kept = self._lines.get(key)
                handle.write(kept[0] if kept is not None and kept[1] is record
                             else json.dumps(clean_record(record), ensure_ascii=False) + "\n")

    # ------------------------------------------------------------------ progress
    def progress(self) -> dict:
        """Paragraphs this annotator has fully labelled, the target, and counts per outlet."""
        done = {pid for (pid, _) in self.mine if self._complete(pid)}
        frame = self.paragraphs[self.paragraphs["paragraph_id"].isin(done)]
        return {"done": len(done), "target": self.options.target or (len(done) + len(self.queue) - self.position),
                "per_outlet": frame["outlet"].value_counts().to_dict(), "this_session": self.labelled_now,
                "more": self._more is not None}  # the corpus is not read to its end yet: more than target

