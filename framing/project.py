"""A project on disk: codebook, corpus, hand labels and an experiment's config, loaded
together; the labelling session opened on it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from framing._io import check_writable, sha256_file
from framing.config import ExperimentConfig, experiment_dir
from framing.config_checks import COLLECTION_SETTINGS, check_collections, check_dimensions, check_indicators
from framing.corpus.read import corpus_windows, project_paragraphs
from framing.errors import ConfigError, FramingError, LabelsError, ModelError
from framing.labels.codebook import Codebook, load_codebook
from framing.labels.sampling import MODEL_ORDERS, ORDERS, uncertainty_scores
from framing.labels.session import LabelSession, SessionOptions, remember_annotator, remembered_annotator, same_file
from framing.labels.store import label_files, labelled_paragraphs, read_labels
from framing.model.attribution import Reading
from framing.model.artifact import has_model
from framing.model.classifier import FramingModel, fit_model
from framing.model.lean import LeanModel, label_probabilities
from framing.model.saved import load_model


@dataclass
class ProjectData:
    codebook: Codebook
    paragraphs: pd.DataFrame
    labels: pd.DataFrame
    table: pd.DataFrame  # labelled paragraphs, one column per dimension
    hashes: dict = field(default_factory=dict)


def load_project(config: ExperimentConfig, root: str | Path = ".") -> ProjectData:
    """Codebook, corpus paragraphs and validated hand labels, joined into a training table. A
    setting that names a dimension the codebook lacks, or a collection the corpus lacks, is an error."""
    root = Path(root)
    codebook = load_codebook(root / config.data.codebook)
    check_dimensions(config, codebook.names, codebook.path)
    check_indicators(config, codebook)
    paragraphs = project_paragraphs(config, root)
    check_collections(config, COLLECTION_SETTINGS, paragraphs["collection"], root / config.data.corpus)
    labels_path = root / config.data.labels
    files = label_files(labels_path)
    if not files:
        raise LabelsError("no labels files (*.jsonl) found", path=labels_path,
                          fix="label paragraphs with `framing labels add` or point data.labels at your labels")
    try:
        labels = read_labels(labels_path, codebook, paragraph_ids=paragraphs["paragraph_id"])
    except LabelsError as error:
        raise _rows_hint(error, config, labels_path, codebook, paragraphs) from None
    reading = Reading.of(config)
    if not reading.plain:  # what the models read: each text with its article's earlier paragraphs, its collection
        paragraphs = paragraphs.assign(input=reading.inputs(paragraphs["article_id"].tolist(), paragraphs["text"].tolist(),
                                                            paragraphs["collection"].tolist()))
    table = labelled_paragraphs(paragraphs, labels, codebook)
    hashes = {"codebook_sha256": codebook.sha256,
              "labels_sha256": {str(f.relative_to(root) if f.is_relative_to(root) else f): sha256_file(f) for f in files}}
    return ProjectData(codebook, paragraphs, labels, table, hashes)



def _rows_hint(error: LabelsError, config: ExperimentConfig, labels_path: Path, codebook: Codebook,
               paragraphs: pd.DataFrame) -> LabelsError:
    """``error``, with the likely cause when labels name paragraphs the corpus lacks but its
    articles carry those ids: the corpus's rows are paragraphs and the config does not say so
    (a second experiment of an imported project started from an empty config)."""
    if config.data.paragraph_rows or "is not in the corpus" not in error.what:
        return error
    ids = set(read_labels(labels_path, codebook)["paragraph_id"].astype(str))
    if not ids & set(paragraphs["article_id"].astype(str)):
        return error
    where = f"in {config.file}" if config.file else "in the experiment's config"
    return LabelsError(error.what, path=error.path, line=error.line,
                       fix=f"the corpus's rows are paragraphs (their ids are the labels' paragraph ids): "
                           f"set paragraph_rows = true under [data] {where}, as an imported project's "
                           "experiments/default/config.toml does")


def uncertainty_scorer(config: ExperimentConfig, root: str | Path = ".") -> Callable[[pd.DataFrame], pd.Series]:
    """The uncertainty of paragraphs (a table with ``text``, ``article_id`` and ``collection``) by
    the experiment's trained model, for the uncertainty orders of ``framing labels sample``."""
    folder = experiment_dir(root, config.name)
    if not has_model(folder):
        raise ModelError(f"the uncertainty orders need a trained model; {folder} has none",
                         fix=f"run `framing train -e {config.name}` first, or use --order stratified")
    model = load_model(folder)
    lean = LeanModel.from_model(model)
    multi = {n: m.multi for n, m in model.dimensions.items()}

    def score(pool: pd.DataFrame) -> pd.Series:
        if not len(pool):
            return pd.Series(dtype=float, index=pool.index)
        return pd.Series(uncertainty_scores(label_probabilities(model, pool, lean), multi), index=pool.index)
    return score


def default_order(config: ExperimentConfig, root: Path, model_dir: Path | None = None) -> str:
    """The labelling order when none is asked for: ``active.order``, or ``active.fallback_order``
    when that order needs a model and the experiment has none yet."""
    order = config.active.order
    folder = model_dir or experiment_dir(root, config.name)
    if order in MODEL_ORDERS and not has_model(folder):
        return config.active.fallback_order
    return order


# The corpus order is the corpus read front to back: any window gives the same sequence, so the
# session starts after this many paragraphs.
FIRST_WINDOW = 2_000


def open_session(root: Path, config: ExperimentConfig, *, annotator: str | None, options: SessionOptions,
                 output: Path | None = None, model_dir: Path | None = None,
                 progress: Callable[[int], None] | None = None) -> LabelSession:
    """Load codebook, labels (and a model when the order or suggestions need one) and the corpus
    as far as the first questions need: the first window (``active.window`` paragraphs; for the
    corpus order a few thousand), the rest as the session gets there. ``progress(n)`` counts the
    paragraphs read. Labels are checked against the codebook here; against the corpus by
    ``framing labels validate`` (the session does not read the whole corpus).

    ``annotator`` None: the one this project's last session used. ``options.order`` None: the
    config's (:func:`default_order`)."""
    annotator = annotator or remembered_annotator(root)
    if not annotator:
        raise ConfigError("who is labelling?", fix="pass --annotator NAME the first time (it is remembered afterwards)")
    if options.order is None:
        options = replace(options, order=default_order(config, root, model_dir))
    if options.order not in ORDERS:
        raise ConfigError(f"unknown --order {options.order!r}", fix=f"use one of: {', '.join(ORDERS)}")
    remember_annotator(root, annotator)
    codebook = load_codebook(root / config.data.codebook)
    check_dimensions(config, codebook.names, codebook.path)  # the session's refits read them
    check_indicators(config, codebook)
    labels_dir = root / config.data.labels
    output = output or labels_dir / f"{annotator}.jsonl"
    if output.exists() and not output.is_file():
        raise LabelsError("--out is not a file", path=output, fix="name a .jsonl file")
    check_writable(output)  # before the first question, not after its answer
    files = label_files(labels_dir)
    labels = read_labels(labels_dir, codebook) if files \
        else pd.DataFrame(columns=["paragraph_id", "dimension", "value", "annotator", "time", "file", "line"])
    if output.is_file() and not any(same_file(f, output) for f in files):
        # a labels file outside the labels folder: resume from it (its answers count as this session's)
        extra = read_labels(output, codebook)
        labels = pd.concat([labels, extra], ignore_index=True) if len(labels) else extra
    model = None
    if options.order in MODEL_ORDERS or options.suggest:
        model = load_model(model_dir or experiment_dir(root, config.name))

    def refit(paragraphs: pd.DataFrame, labels_now: pd.DataFrame) -> FramingModel | None:
        """A model retrained on the labels so far; None while there are too few to train."""
        try:
            return fit_model(labelled_paragraphs(paragraphs, labels_now, codebook), codebook, config)
        except FramingError:
            return None

    # Model orders rank a window block by block: the first block before the first question, the
    # rest in the background (LabelSession); the others read their first window whole.
    streamed = options.order in MODEL_ORDERS
    size = FIRST_WINDOW if options.order == "corpus" else config.active.block if streamed else config.active.window
    windows = corpus_windows(config, root, size=size, progress=progress)
    return LabelSession(next(windows), codebook, labels, annotator=annotator, output=output, config=config,
                        options=options, model=model, refit=refit, probabilities=CompiledProbabilities(), more=windows,
                        window=config.active.window if streamed else None)


class CompiledProbabilities:
    """:func:`label_probabilities` with each model compiled once, not once per block (the
    session scores a window block by block, from its background thread and its own).

    A model's first call scores with the model itself (scikit-learn's transforms: the same
    probabilities to 1e-9, tested), so the first question does not wait for the compiling
    (≈ 0.4 s); later calls compile once and use the fast path."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._model: FramingModel | None = None
        self._lean: LeanModel | None = None
        self._seen: FramingModel | None = None

    def __call__(self, model: FramingModel, paragraphs: pd.DataFrame) -> dict:
        with self._lock:
            first = model is not self._seen
            self._seen = model
            if not first and model is not self._model:
                self._model, self._lean = model, LeanModel.from_model(model)
            lean = self._lean if model is self._model else None
        if lean is None:
            return reference_probabilities(model, paragraphs)
        return label_probabilities(model, paragraphs, lean)


def reference_probabilities(model: FramingModel, paragraphs: pd.DataFrame) -> dict:
    """Per dimension, the label probabilities of ``paragraphs`` by the model's own transforms."""
    texts = Reading.of(model.config).inputs(paragraphs["article_id"].tolist(), paragraphs["text"].tolist(),
                                           paragraphs["collection"].tolist())
    return {name: dim.proba_from_features(dim.transform(texts)) for name, dim in model.dimensions.items()}
