"""framing: hand-label news paragraphs under a codebook, train TF-IDF + logistic-regression
taggers, and compare how outlets frame a story."""

from framing.codebook import Codebook, Dimension, Label, load_codebook
from framing.config import ExperimentConfig, load_config
from framing.corpus import Columns, corpus_stats, iter_paragraph_chunks, read_paragraphs, split_paragraphs
from framing.errors import (CodebookError, ConfigError, CorpusError, FramingError, LabelsError, ModelError,
                            ReportError)
from framing.agreement import agreement, disagreements
from framing.annotate import LabelSession, SessionOptions, open_session
from framing.evaluate import cross_validate, learning_curve
from framing.importer import import_table
from framing.labels import label_stats, read_labels, resolve, upsert_labels
from framing.model import FramingModel, load_model, save_model
from framing.predict import predict_file, predict_frame
from framing.profile import compare_outlets, corrected_profile, outlet_profile, time_profile
from framing.report import ReportContent, write_report
from framing.sampling import order_paragraphs, stratified_order
from framing.workflow import add_labels, evaluate, load_project, report, sample_batch, train

__all__ = [
    "Codebook", "Dimension", "Label", "load_codebook",
    "ExperimentConfig", "load_config",
    "Columns", "corpus_stats", "iter_paragraph_chunks", "read_paragraphs", "split_paragraphs",
    "FramingError", "CodebookError", "ConfigError", "CorpusError", "LabelsError", "ModelError", "ReportError",
    "agreement", "disagreements",
    "LabelSession", "SessionOptions", "open_session",
    "cross_validate", "learning_curve",
    "import_table",
    "label_stats", "read_labels", "resolve", "upsert_labels",
    "FramingModel", "load_model", "save_model",
    "predict_file", "predict_frame",
    "compare_outlets", "corrected_profile", "outlet_profile", "time_profile",
    "ReportContent", "write_report",
    "order_paragraphs", "stratified_order",
    "add_labels", "evaluate", "load_project", "report", "sample_batch", "train",
]
__version__ = "0.1.0"
