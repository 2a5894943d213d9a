"""``framing predict`` as one library call: which options go together, and which engine runs —
local processes (the exact fast path or scikit-learn's reference path) or Dask over shards."""

from __future__ import annotations

import joblib
from collections.abc import Callable
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from framing.corpus.tables import Columns
from framing.errors import ConfigError
from framing.model.articles import ArticleSpec
from framing.model.classifier import FramingModel
from framing.predict.local import ENGINES as LOCAL_ENGINES
from framing.predict.local import predict_file

ENGINES = (*LOCAL_ENGINES, "dask")


def check_options(*, engine: str, output: Path | None, articles: Path | None = None, as_json: bool = False,
                  keep_text: bool = False) -> None:
    """Refuse combinations of predict's options that cannot work, saying what to do instead."""
    if engine not in ENGINES:
        raise ConfigError(f"--engine {engine!r} is not supported", fix="use " + ", ".join(ENGINES[:-1]) + " or " + ENGINES[-1])
    if keep_text and engine == "dask":
        raise ConfigError("--keep-text is not supported with --engine dask", fix="use --engine fast for --keep-text")
    if output is None and articles is not None:
        raise ConfigError("--articles goes with --out", fix="add --out FILE for the paragraph predictions, "
                                                             "or leave both out to see a few articles in the terminal")
    if output is not None and as_json:
        raise ConfigError("--json prints the terminal view as JSON", fix="leave out --out, or --json")
    if engine == "dask" and (output is None or articles is not None):
        raise ConfigError("--engine dask writes shards only (no terminal view, no --articles)",
                          fix="use --engine fast for these, or framing.model.articles.articles_from_predictions on the shards")


@dataclass
class PredictRun:
    """What a run wrote: paragraph rows, and for Dask the shards written now and skipped as done;
    with an article table, the rules its decisions follow."""
    rows: int
    shards_written: int | None = None
    shards_skipped: int | None = None
    article_rules: dict[str, str] | None = None
    dropped: dict[str, int] = field(default_factory=dict)  # paragraphs dropped as boilerplate, by reason


def predict_to(model: FramingModel, source: str | Path, output: str | Path, *, columns: Columns = Columns(),
               paragraphs: bool = False, chunk_size: int = 5000, terms: int = 3, engine: str = "fast",
               workers: int | None = None, scheduler: str | None = None, keep_text: bool = False,
               articles: str | Path | None = None, progress: Callable[[int], None] | None = None,
               on_skip: Callable[[Path, str], None] | None = None) -> PredictRun:
    """Tag every paragraph of ``source`` into ``output`` with the chosen engine (``workers``
    defaults to the cores this process may use). ``on_skip(file, reason)`` hears of files that are not text
    (without it they stop the run) or hold no article text (without it they are articles without paragraphs)."""
    check_options(engine=engine, output=Path(output), articles=Path(articles) if articles else None, keep_text=keep_text)
    n_workers = workers or joblib.cpu_count()  # the cores this process may use (affinity, cgroup quota)
    if engine == "dask":
        from framing.predict.distributed import predict_dask

        done = predict_dask(model, source, output, columns=columns, paragraphs=paragraphs, terms=terms,
                            scheduler=scheduler, workers=n_workers, chunk_size=chunk_size)
        return PredictRun(done.rows, done.written, done.skipped)
    dropped: Counter[str] = Counter()
    rows = predict_file(model, source, output, columns=columns, paragraphs=paragraphs, chunk_size=chunk_size,
                        terms=terms, progress=progress, engine=engine, workers=n_workers, keep_text=keep_text,
                        articles=articles, on_skip=on_skip, on_dropped=dropped.update)
    return PredictRun(rows, article_rules=ArticleSpec.from_model(model).rules() if articles is not None else None,
                      dropped=dict(dropped.most_common()))
