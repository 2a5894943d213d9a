import framing


def test_public_surface_resolves():
    missing = [name for name in framing.__all__ if not hasattr(framing, name)]
    assert not missing
    assert {"train", "evaluate", "predict_file", "report", "load_codebook", "FramingError"} <= set(framing.__all__)
