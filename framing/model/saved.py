"""A model folder: the model saved as arrays + JSON (:mod:`framing.model.artifact`) and
``meta.json`` (codebook, config, decision rule, library versions, what the caller adds), loaded
back only when the file matches the hash its meta names."""

from __future__ import annotations

import platform
from datetime import datetime, timezone
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn

from framing._io import sha256_file
from framing.errors import ModelError
from framing.model import artifact
from framing.model.classifier import FramingModel


def _versions() -> dict[str, str]:
    return {"python": platform.python_version(), "scikit-learn": sklearn.__version__,
            "numpy": np.__version__, "pandas": pd.__version__}


def save_model(model: FramingModel, directory: str | Path, *, extra_meta: dict | None = None) -> Path:
    """Save the model as arrays + JSON (:mod:`framing.model.artifact`), a hash-named file, and
    ``meta.json`` naming it: one commit point, old-or-new after any interruption."""
    meta = {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "codebook": {"name": model.codebook.name, "version": model.codebook.version,
                     "sha256": model.codebook.sha256},
        "config": asdict(model.config),
        "thresholds": model.thresholds,
        "offsets": model.offsets,
        "versions": _versions(),
        **(extra_meta or {}),
    }
    return artifact.save(model, Path(directory), meta)


def load_model(directory: str | Path) -> FramingModel:
    """Load a saved model; refuse it if its file does not match the hash in ``meta.json``.

    Nothing from the folder is executed (no pickle). Returns the model, with ``meta`` (the
    folder's ``meta.json``) and ``notes`` (warnings, e.g. a scikit-learn version mismatch) set;
    it is what :func:`framing.predict_file` and the other predict functions take.
    """
    directory = Path(directory)
    meta = artifact.read_meta(directory)
    path = directory / meta["model_file"]
    if sha256_file(path) != meta.get("model_sha256"):
        raise ModelError("model file does not match the hash in meta.json (altered or corrupted)", path=path,
                         fix="retrain with `framing train`; framing does not load files it cannot verify")
    notes = []
    trained = meta.get("versions", {}).get("scikit-learn")
    if trained and trained != sklearn.__version__:
        notes.append(f"model trained with scikit-learn {trained}, running {sklearn.__version__}: "
                     "predictions may differ slightly; retrain to be sure")
    model = artifact.from_file(path)
    model.meta, model.notes = meta, notes
    return model
