"""framing: hand-label news paragraphs under a codebook, train TF-IDF + logistic-regression
taggers, and compare how outlets frame a story."""

import sys
import types

# Names are imported on first use (PEP 562), so that `import framing.x` (e.g. in a worker process)
# loads only what x needs, not scikit-learn, pandas and matplotlib.
_WHERE = {
    **dict.fromkeys(['Codebook', 'Dimension', 'Label', 'load_codebook'], "framing.codebook"),
    **dict.fromkeys(['ExperimentConfig', 'load_config'], "framing.config"),
    **dict.fromkeys(['Columns', 'corpus_stats', 'iter_paragraph_chunks', 'read_paragraphs', 'split_paragraphs'], "framing.corpus"),
    **dict.fromkeys(['CodebookError', 'ConfigError', 'CorpusError', 'FramingError', 'LabelsError', 'ModelError', 'ReportError'], "framing.errors"),
    **dict.fromkeys(['agreement', 'disagreements'], "framing.agreement"),
    **dict.fromkeys(['LabelSession', 'SessionOptions', 'open_session'], "framing.annotate"),
    **dict.fromkeys(['cross_validate', 'learning_curve'], "framing.evaluate"),
    **dict.fromkeys(['import_table'], "framing.importer"),
    **dict.fromkeys(['label_stats', 'read_labels', 'resolve', 'upsert_labels'], "framing.labels"),
    **dict.fromkeys(['FramingModel', 'load_model', 'save_model'], "framing.model"),
    **dict.fromkeys(['predict_articles', 'predict_file', 'predict_frame'], "framing.predict"),
    **dict.fromkeys(['compare_outlets', 'outlet_profile', 'time_profile'], "framing.profile"),
    **dict.fromkeys(['ReportContent', 'write_report'], "framing.report"),
    **dict.fromkeys(['order_paragraphs', 'stratified_order'], "framing.sampling"),
    **dict.fromkeys(['add_labels', 'evaluate', 'load_project', 'report', 'sample_batch', 'train'], "framing.workflow"),
}


def __getattr__(name: str) -> object:
    if name in _WHERE:
        import importlib

        value = getattr(importlib.import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'framing' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])


class _Package(types.ModuleType):
    """Keeps ``framing.agreement``, ``framing.evaluate`` and ``framing.report`` the functions (as with
    eager imports) when their same-named submodules are imported later."""

    def __setattr__(self, name: str, value: object) -> None:
        if not (name in _WHERE and isinstance(value, types.ModuleType)):
            super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


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
    "predict_articles", "predict_file", "predict_frame",
    "compare_outlets", "outlet_profile", "time_profile",
    "ReportContent", "write_report",
    "order_paragraphs", "stratified_order",
    "add_labels", "evaluate", "load_project", "report", "sample_batch", "train",
]
__version__ = "0.1.0"
