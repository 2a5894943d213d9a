"""framing: hand-label news paragraphs under a codebook, train TF-IDF + logistic-regression
taggers, and compare how outlets frame a story."""

from framing.codebook import Codebook, Dimension, Label, load_codebook
from framing.config import ExperimentConfig, load_config
from framing.corpus import Columns, corpus_stats, iter_paragraph_chunks, read_paragraphs, split_paragraphs
from framing.errors import (CodebookError, ConfigError, CorpusError, FramingError, LabelsError, ModelError,
                            ReportError)
from framing.evaluate import cross_validate
from framing.labels import read_labels, resolve, upsert_labels
from framing.model import FramingModel, load_model, save_model
from framing.predict import predict_file, predict_frame
from framing.profile import outlet_profile
from framing.report import write_report
from framing.workflow import add_labels, evaluate, load_project, report, train

__all__ = [
    "Codebook", "Dimension", "Label", "load_codebook",
    "ExperimentConfig", "load_config",
    "Columns", "corpus_stats", "iter_paragraph_chunks", "read_paragraphs", "split_paragraphs",
    "FramingError", "CodebookError", "ConfigError", "CorpusError", "LabelsError", "ModelError", "ReportError",
    "cross_validate",
    "read_labels", "resolve", "upsert_labels",
    "FramingModel", "load_model", "save_model",
    "predict_file", "predict_frame",
    "outlet_profile",
    "write_report",
    "add_labels", "evaluate", "load_project", "report", "train",
]
__version__ = "0.1.0"
