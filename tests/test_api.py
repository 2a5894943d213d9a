import importlib

import framing


def test_public_surface_resolves():
    missing = [name for name in framing.__all__ if not hasattr(framing, name)]
    assert not missing
    assert {"train", "evaluate_experiment", "predict_file", "build_report", "load_codebook", "FramingError"} \
        <= set(framing.__all__)


def test_public_names_are_not_shadowed_by_the_stage_packages():
    """``framing.evaluate`` and ``framing.report`` are packages (stages), never also functions:
    importing a stage leaves every public function as it was."""
    for stage in ("corpus", "labels", "model", "evaluate", "predict", "report"):
        importlib.import_module(f"framing.{stage}")
    assert callable(framing.evaluate_experiment) and callable(framing.build_report) and callable(framing.agreement)
    assert framing.evaluate.__name__ == "framing.evaluate" and framing.report.__name__ == "framing.report"
    assert set(framing.__all__).isdisjoint({"corpus", "labels", "model", "evaluate", "predict", "report"})
