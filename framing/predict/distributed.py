"""``framing predict --engine dask``: tag a folder of Parquet/JSONL shards on a Dask cluster.

Each input shard is one partition of a Dask dataframe of paragraphs; the same
:func:`framing.predict.local.predict_frame` is mapped over the partitions and each partition is written
atomically to ``OUTPUT/<shard name>.parquet``. A rerun skips the shards already written, so an
interrupted run resumes where it stopped. Needs the optional extra ``framing[dask]``.
"""

from __future__ import annotations

import functools
import logging
import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from framing.corpus.read import iter_paragraph_chunks
from framing.corpus.tables import Columns
from framing.corpus.text import PARAGRAPH_COLUMNS
from framing.errors import ConfigError, CorpusError, FramingWarning
from framing.model.attribution import Reading
from framing.model.classifier import FramingModel
from framing.predict import partial
from framing.predict.local import arrow_table, predict_frame

SHARD_SUFFIXES = (".parquet", ".jsonl")
_SCORERS: dict[int, object] = {}


@dataclass
class DaskRun:
    """What a run did: paragraphs written, shards written now, shards skipped as already done."""
    rows: int
    written: int
    skipped: int


def shard_files(source: str | Path) -> list[Path]:
    """The input shards: ``.parquet``/``.jsonl`` files directly in ``source``, sorted by name."""
    source = Path(source)
    if not source.is_dir():
        raise CorpusError("--engine dask reads a folder of shards", path=source,
                          fix="point at a folder of .parquet or .jsonl files (or use --engine fast)")
    listed = sorted(p for p in source.iterdir() if not p.name.startswith((".", "_")))
    files = [p for p in listed if p.suffix.lower() in SHARD_SUFFIXES and p.is_file()]
    others = [p.name for p in listed if p not in files]
    if others and files:
        warnings.warn(f"{source}: left out {len(others)} file(s) that are not shards ({', '.join(others[:3])}"
                      f"{', …' if len(others) > 3 else ''}): --engine dask reads .parquet and .jsonl files only",
                      FramingWarning, stacklevel=2)
    if not files:
        raise CorpusError("no .parquet or .jsonl shards in this folder", path=source,
                          fix="write the paragraphs or articles as .parquet/.jsonl files in one folder")
    stems = [p.stem for p in files]
    if len(set(stems)) != len(stems):
        raise CorpusError("two shards share a name (e.g. a.parquet and a.jsonl)", path=source,
                          fix="give every shard its own name: outputs are named after them")
    return files


@dataclass
class Carried:
    """What comes into a shard from the shards before it (paragraph rows): the article the last of
    them ends with, how many of its rows they hold, and their last paragraphs (``article_id``,
    ``text``, ``collection``), the context of a continuing article's first paragraphs."""
    article: str | None = None
    rows: int = 0
    tail: tuple = ()

    def then(self, frame: pd.DataFrame, context: int) -> Carried:
        """What comes out of a shard of paragraphs ``frame`` that this comes into."""
        if not len(frame):
            return self
        ids = frame["article_id"].tolist()
        last = ids[-1]
        run = len(ids) - next((i + 1 for i in range(len(ids) - 1, -1, -1) if ids[i] != last), 0)
        rows = run + (self.rows if run == len(ids) and last == self.article else 0)
        tail = frame[["article_id", "text", "collection"]].tail(context).to_dict("records") if context else []
        return Carried(last, rows, tuple([*self.tail, *tail][-context:]) if context else ())


def _read_shard(file: Path, carried: Carried = Carried(), *, columns: Columns, paragraphs: bool,
                chunk_size: int) -> pd.DataFrame:
    chunks = list(iter_paragraph_chunks(file, columns=columns, paragraphs=paragraphs, chunk_size=chunk_size))
    frame = pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame(columns=PARAGRAPH_COLUMNS)
    if carried.rows:  # an article that earlier shards began: its numbering goes on
        frame.loc[frame["article_id"] == carried.article, "p_index"] += carried.rows
    return frame


def _carried(files: list[Path], todo: list[Path], read, context: int) -> list[Carried]:
    """Per shard to do, what comes into it from the shards before (read once more, in parallel)."""
    import dask

    frames = dask.compute(*[dask.delayed(read)(f) for f in files[:files.index(todo[-1])]])
    out = [Carried()]
    for frame in frames:
        out.append(out[-1].then(frame, context))
    return [c for c, f in zip(out, files) if f in todo]


def _predict_partition(frame: pd.DataFrame, model: FramingModel, terms: int, carried: list[Carried],
                       partition_info: dict | None = None) -> pd.DataFrame:
    from framing.model.lean import LeanModel

    scorer = _SCORERS.get(id(model))
    if scorer is None:  # built once per worker process for the model it holds
        scorer = _SCORERS[id(model)] = LeanModel.from_model(model)
    before = carried[partition_info["number"]].tail if partition_info is not None else ()
    return predict_frame(model, frame, terms=terms, scorer=scorer, before=before)


def _write_shard(frame: pd.DataFrame, path: str) -> int:
    target = Path(path)
    tmp = partial.start(target)  # and removes what killed runs left of this shard
    try:
        import pyarrow.parquet as pq

        pq.write_table(arrow_table(frame), tmp)  # typed as the single-process output is
    except BaseException:
        partial.abort(tmp)
        raise
    partial.commit(tmp, target)  # a shard appears only when complete
    return len(frame)


def predict_dask(model: FramingModel, source: str | Path, output: str | Path, *, columns: Columns = Columns(),
                 paragraphs: bool = False, terms: int = 3, scheduler: str | None = None, workers: int = 2,
                 chunk_size: int = 10_000, processes: bool = True) -> DaskRun:
    """Tag every shard of the folder ``source`` on Dask, writing ``output/<shard>.parquet``.

    ``scheduler`` is the address of a running cluster; without it a ``LocalCluster`` of
    ``workers`` single-threaded workers starts (threads instead of processes when not ``processes``).
    Article ids are checked for duplicates within each shard only.
    """
    try:
        import dask
        import dask.dataframe as dd
        from distributed import Client, LocalCluster
    except ImportError:
        raise ConfigError("--engine dask needs Dask", fix="pip install 'framing[dask]'") from None
    files = shard_files(source)
    output = Path(output)
    if output.suffix:
        raise CorpusError("--engine dask writes a folder of shards", path=output,
                          fix="name an output folder (no suffix), e.g. --out preds/")
    output.mkdir(parents=True, exist_ok=True)
    todo = [f for f in files if not (output / f"{f.stem}.parquet").is_file()]
    if len(todo) < len(files):
        warnings.warn(f"{output}: {len(files) - len(todo)} shard(s) skipped because the output folder already has "
                      "them, whatever model and options wrote them — delete them (or the folder) to redo them",
                      FramingWarning, stacklevel=2)
    if not todo:
        return DaskRun(0, 0, len(files))
    # silence_logs: the workers' warnings as they are stopped mid-task (Ctrl-C) are noise, not news
    cluster = None if scheduler else LocalCluster(n_workers=workers, threads_per_worker=1, processes=processes,
                                                  dashboard_address=None, silence_logs=logging.ERROR)
    try:
        with Client(scheduler or cluster) as client, dask.config.set({"dataframe.convert-string": False}):
            shared = client.scatter(model, broadcast=True)
            empty = pd.DataFrame({c: pd.Series(dtype="int64" if c == "p_index" else object)
                                  for c in PARAGRAPH_COLUMNS})
            meta = predict_frame(model, empty, terms=terms)
            read = functools.partial(_read_shard, columns=columns, paragraphs=paragraphs, chunk_size=chunk_size)
            context = Reading.of(model.config).context
            carried = _carried(files, todo, read, context) if paragraphs else [Carried()] * len(todo)
            frames = dd.from_map(read, todo, carried, meta=empty, enforce_metadata=False)
            predicted = frames.map_partitions(_predict_partition, shared, terms, carried, meta=meta,
                                              enforce_metadata=False)
            writes = [dask.delayed(_write_shard)(part, str(output / f"{f.stem}.parquet"))
                      for part, f in zip(predicted.to_delayed(), todo)]
            try:
                rows = sum(client.compute(writes, sync=True))
            except KeyboardInterrupt:
                _quiet()
                raise
    except KeyboardInterrupt:
        _quiet()
        raise
    finally:
        if cluster is not None:
            cluster.close()
    return DaskRun(int(rows), len(todo), len(files) - len(todo))


def _quiet() -> None:
    """After Ctrl-C: the client's pending gathers would end in "Task exception was never retrieved"
    tracebacks as it closes; the CLI's one line says what happened."""
    for name in ("asyncio", "distributed"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
