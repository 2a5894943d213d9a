"""Label Studio tasks for a project's paragraphs, with a model's predictions as pre-annotations."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from framing._io import atomic_write
from framing.config import ExperimentConfig
from framing.labels.labelstudio import export_tasks, labelling_config
from framing.model.saved import load_model
from framing.predict.local import predict_frame
from framing.project import load_project


@dataclass
class Exported:
    tasks: int
    tasks_path: Path
    config_path: Path


def export_labelstudio(config: ExperimentConfig, root: str | Path, output: str | Path, *,
                       model_dir: str | Path | None = None, outlets: list[str] | None = None, unlabelled: bool = False,
                       annotations: bool = False, limit: int | None = None, rationale: bool = False) -> Exported:
    """Write ``output/tasks.json`` (paragraphs, metadata, and with ``model_dir`` that model's
    predictions; with ``annotations`` the hand labels) and ``output/config.xml`` (the labelling
    config; with ``rationale`` annotators can also highlight the words that decided an answer).
    ``outlets``, ``unlabelled`` (nobody has labelled them yet) and ``limit`` choose the paragraphs."""
    data = load_project(config, root)
    paragraphs = data.paragraphs
    if outlets:
        paragraphs = paragraphs[paragraphs["outlet"].isin(outlets)]
    if unlabelled:
        paragraphs = paragraphs[~paragraphs["paragraph_id"].isin(data.labels["paragraph_id"])]
    if limit:
        paragraphs = paragraphs.head(limit)
    predictions, version = None, None
    if model_dir is not None:
        loaded = load_model(model_dir)
        meta = loaded.meta
        predictions = predict_frame(loaded, paragraphs, terms=0)
        version = f"framing {meta['codebook']['name']} {meta['created']}"
    tasks = export_tasks(paragraphs, data.codebook, predictions=predictions, model_version=version,
                         labels=data.labels if annotations else None, model_path=model_dir)
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    with atomic_write(output / "tasks.json") as handle:
        json.dump(tasks, handle, ensure_ascii=False, indent=1, default=str)
    with atomic_write(output / "config.xml") as handle:
        handle.write(labelling_config(data.codebook, rationale=rationale))
    return Exported(len(tasks), output / "tasks.json", output / "config.xml")
