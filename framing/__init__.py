"""framing: hand-label news paragraphs under a codebook, train TF-IDF + logistic-regression
taggers, and compare how outlets frame a story."""

# Names are imported on first use (PEP 562), so that `import framing.x` (e.g. in a worker process)
# loads only what x needs, not scikit-learn, pandas and matplotlib.
_WHERE = {
    **dict.fromkeys(['CodebookError', 'ConfigError', 'CorpusError', 'FramingError', 'LabelsError', 'ModelError', 'ReportError'], "framing.errors"),
    **dict.fromkeys(['ExperimentConfig', 'load_config'], "framing.config"),
    **dict.fromkeys(['corpus_stats', 'iter_paragraph_chunks', 'read_paragraphs'], "framing.corpus.read"),
    **dict.fromkeys(['Columns'], "framing.corpus.tables"),
    **dict.fromkeys(['split_paragraphs'], "framing.corpus.text"),
    **dict.fromkeys(['Codebook', 'Dimension', 'Label', 'load_codebook'], "framing.labels.codebook"),
    **dict.fromkeys(['label_stats', 'read_labels', 'resolve', 'upsert_labels'], "framing.labels.store"),
    **dict.fromkeys(['add_labels'], "framing.labels.decisions"),
    **dict.fromkeys(['agreement', 'disagreements'], "framing.labels.agreement"),
    **dict.fromkeys(['order_paragraphs', 'sample_batch', 'stratified_order'], "framing.labels.sampling"),
    **dict.fromkeys(['LabelSession', 'SessionOptions'], "framing.labels.session"),
    **dict.fromkeys(['import_table'], "framing.labels.importer"),
    **dict.fromkeys(['FramingModel'], "framing.model.classifier"),
    **dict.fromkeys(['load_model', 'save_model'], "framing.model.saved"),
    **dict.fromkeys(['load_project', 'open_session'], "framing.project"),
    **dict.fromkeys(['cross_validate', 'learning_curve'], "framing.evaluate.cv"),
    **dict.fromkeys(['evaluate_experiment', 'train'], "framing.evaluate.experiment"),
    **dict.fromkeys(['predict_articles', 'predict_file', 'predict_frame'], "framing.predict.local"),
    **dict.fromkeys(['outlet_profile', 'time_profile'], "framing.report.profile"),
    **dict.fromkeys(['compare_outlets'], "framing.report.compare"),
    **dict.fromkeys(['ReportContent'], "framing.report.content"),
    **dict.fromkeys(['write_report'], "framing.report.page"),
    **dict.fromkeys(['build_report'], "framing.report.build"),
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


__all__ = list(_WHERE)
__version__ = "0.1.0"
