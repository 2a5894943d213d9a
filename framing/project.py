"""A project on disk: codebook, corpus, hand labels and an experiment's config, loaded
together; the labelling session opened on it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from framing._io import sha256_file
from framing.config import ExperimentConfig, experiment_dir
from framing.corpus.read import project_paragraphs
from framing.errors import ConfigError, FramingError, LabelsError
from framing.labels.codebook import Codebook, load_codebook
from framing.labels.sampling import MODEL_ORDERS, ORDERS
from framing.labels.session import LabelSession, SessionOptions, remember_annotator, remembered_annotator
from framing.labels.store import label_files, labelled_paragraphs, read_labels
from framing.model.attribution import Reading
from framing.model.classifier import MODEL_FILE, FramingModel, fit_model, load_model


@dataclass
class ProjectData:
    codebook: Codebook
    paragraphs: pd.DataFrame
    labels: pd.DataFrame
    table: pd.DataFrame  # labelled paragraphs, one column per dimension
    hashes: dict = field(default_factory=dict)


def load_project(config: ExperimentConfig, root: str | Path = ".") -> ProjectData:
    """Codebook, corpus paragraphs and validated hand labels, joined into a training table."""
    root = Path(root)
    codebook = load_codebook(root / config.data.codebook)
    paragraphs = project_paragraphs(config, root)
    labels_path = root / config.data.labels
    files = label_files(labels_path)
    if not files:
        raise LabelsError("no labels files (*.jsonl) found", path=labels_path,
                          fix="label paragraphs with `framing labels add` or point data.labels at your labels")
    labels = read_labels(labels_path, codebook, paragraph_ids=paragraphs["paragraph_id"])
    reading = Reading.of(config)
    if not reading.plain:  # what the models read: each text with its article's earlier paragraphs, its collection
        paragraphs = paragraphs.assign(input=reading.inputs(paragraphs["article_id"].tolist(), paragraphs["text"].tolist(),
                                                            paragraphs["collection"].tolist()))
    table = labelled_paragraphs(paragraphs, labels, codebook)
    hashes = {"codebook_sha256": codebook.sha256,
              "labels_sha256": {str(f.relative_to(root) if f.is_relative_to(root) else f): sha256_file(f) for f in files}}
    return ProjectData(codebook, paragraphs, labels, table, hashes)



def default_order(config: ExperimentConfig, root: Path, model_dir: Path | None = None) -> str:
    """The labelling order when none is asked for: ``active.order``, or ``active.fallback_order``
    when that order needs a model and the experiment has none yet."""
    order = config.active.order
    folder = model_dir or experiment_dir(root, config.name)
    if order in MODEL_ORDERS and not (folder / MODEL_FILE).is_file():
        return config.active.fallback_order
    return order


def open_session(root: Path, config: ExperimentConfig, *, annotator: str | None, options: SessionOptions,
                 output: Path | None = None, model_dir: Path | None = None) -> LabelSession:
    """Load corpus, codebook, labels (and a model when the order or suggestions need one).

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
    paragraphs = project_paragraphs(config, root)
    labels_dir = root / config.data.labels
    output = output or labels_dir / f"{annotator}.jsonl"
    labels = read_labels(labels_dir, codebook, paragraph_ids=paragraphs["paragraph_id"]) if label_files(labels_dir) \
        else pd.DataFrame(columns=["paragraph_id", "dimension", "value", "annotator", "time", "file", "line"])
    model = None
    if options.order in MODEL_ORDERS or options.suggest:
        model = load_model(model_dir or experiment_dir(root, config.name))[0]

    def refit(labels_now: pd.DataFrame) -> FramingModel | None:
        """A model retrained on the labels so far; None while there are too few to train."""
        try:
            return fit_model(labelled_paragraphs(paragraphs, labels_now, codebook), codebook, config)
        except FramingError:
            return None

    return LabelSession(paragraphs, codebook, labels, annotator=annotator, output=output, config=config,
                        options=options, model=model, refit=refit)
