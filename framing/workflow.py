"""The steps a user runs, as library functions: each takes a config and a project root and
returns data. The CLI only parses arguments, calls one of these and prints."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from framing._io import atomic_write, sha256_file, write_json
from framing.attribution import Reading
from framing.codebook import Codebook, load_codebook
from framing.config import ExperimentConfig
from framing.corpus import read_paragraphs
from framing.decode import read_text
from framing.errors import ConfigError, LabelsError, ModelError
from framing.evaluate import (DimensionResult, chosen_rule, cross_validate, forward_evaluate,
                              merge_oof, metrics_table, shift_probabilities)
from framing.labels import label_files, labelled_paragraphs, read_labels
from framing.model import FramingModel, fit_inputs, save_model
from framing.predict import read_predictions


@dataclass
class ProjectData:
    codebook: Codebook
    paragraphs: pd.DataFrame
    labels: pd.DataFrame
    table: pd.DataFrame  # labelled paragraphs, one column per dimension
    hashes: dict = field(default_factory=dict)


def project_paragraphs(config: ExperimentConfig, root: str | Path = ".") -> pd.DataFrame:
    """The corpus paragraphs of a project, as its config says to read them."""
    paragraphs = read_paragraphs(Path(root) / config.data.corpus, paragraphs=config.data.paragraph_rows)
    if config.data.collections:
        paragraphs = paragraphs[paragraphs["collection"].isin(config.data.collections)]
    return paragraphs


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


def _label_counts(data: ProjectData) -> dict:
    counts: dict = {}
    for dim in data.codebook.dimensions:
        values = data.table[dim.name].dropna()
        flat = [v for value in values for v in (value if dim.multi else [value])]
        counts[dim.name] = {"paragraphs": int(len(values)),
                            **{label: flat.count(label) for label in dim.label_names}}
    return counts


def dimension_metrics(r: DimensionResult) -> dict:
    """One dimension's entry of ``metrics.json``."""
    return {"kind": r.kind, "n": r.n, "groups": r.groups, "folds": r.folds, "by": r.by, **r.metrics,
            "warnings": r.warnings}


def expected_figures(metrics: dict, config: ExperimentConfig) -> dict:
    """The figure a user should expect on new articles: macro-F1 per dimension on the lead
    collection, time-forward where that test ran, else grouped CV (pooled when no lead is set)."""
    collection = config.evaluate.collection
    forward = metrics.get("time_forward", {}).get("dimensions", {})
    out: dict = {"collection": collection or "all", "dimensions": {}}
    for name, m in metrics.items():
        if not isinstance(m, dict) or "macro_f1" not in m:
            continue
        f = forward.get(name, {})
        if collection and collection in f.get("by_collection", {}):
            out["dimensions"][name] = f["by_collection"][collection]["macro_f1"]
            out["basis"] = f"time-forward (trained before {metrics['time_forward']['cut']}), {collection} paragraphs"
        elif not collection and "macro_f1" in f:
            out["dimensions"][name] = f["macro_f1"]
            out["basis"] = f"time-forward (trained before {metrics['time_forward']['cut']})"
        elif collection and collection in m.get("by_collection", {}):
            out["dimensions"][name] = m["by_collection"][collection]["macro_f1"]
            out["basis"] = f"grouped CV, {collection} paragraphs"
        else:
            out["dimensions"][name] = m["macro_f1"]
            out["basis"] = "grouped CV, all paragraphs"
    return out


def _write_evaluation(results: list[DimensionResult], out_dir: Path, suffix: str = "", *,
                     forward: list[DimensionResult] | None = None, config: ExperimentConfig | None = None) -> dict:
    metrics: dict = {r.dimension: dimension_metrics(r) for r in results}
    if forward:
        metrics["time_forward"] = {"cut": forward[0].metrics.get("cut", forward[0].by.rsplit(" ", 1)[-1]),
                                   "dimensions": {r.dimension: dimension_metrics(r) for r in forward}}
    if config is not None:
        metrics["expected"] = expected_figures(metrics, config)
    write_json(out_dir / f"metrics{suffix}.json", metrics)
    with atomic_write(out_dir / f"cv_predictions{suffix}.csv") as handle:
        merge_oof(results).to_csv(handle, index=False)
    return metrics


def decision_rule(results: list[DimensionResult], codebook: Codebook, config: ExperimentConfig) -> tuple[dict, dict]:
    """The saved model's decision parameters, chosen on the out-of-fold predictions (of the
    ``classifier.tune_on`` collection): multi-label thresholds when ``threshold = "oof"``, and
    single-choice offsets when ``single_offsets``. The results' out-of-fold probabilities of
    single-choice dimensions are shifted by those offsets, as the saved model's will be."""
    thresholds: dict = {}
    offsets: dict = {}
    for dim, result in zip(codebook.dimensions, results):
        chosen = chosen_rule(result, dim, config)
        if chosen is None:
            continue
        if dim.multi:
            thresholds[dim.name] = chosen
        else:
            offsets[dim.name] = chosen
            columns = [f"{dim.name}:{name}" for name in dim.label_names]
            valid = result.oof[columns].notna().all(axis=1)
            shift = np.array([offsets[dim.name][name] for name in dim.label_names])
            result.oof.loc[valid, columns] = shift_probabilities(result.oof.loc[valid, columns].to_numpy(), shift)
    return thresholds, offsets


def evaluate(config: ExperimentConfig, root: str | Path = ".", *, by: str = "article",
             out_dir: str | Path | None = None, train_on: list[str] | None = None,
             test_on: list[str] | None = None,
             progress: Callable[[str], None] | None = None) -> tuple[list[DimensionResult], pd.DataFrame]:
    """Grouped cross-validation (or, with ``train_on``/``test_on`` collections, a predefined
    train/test split); writes ``metrics[_suffix].json`` and the out-of-fold predictions.
    ``progress(step)`` is told each step as it starts (reading, each dimension, the time-forward test)."""
    from framing.evaluate import cross_validate_dimension, holdout_dimension

    step = progress or (lambda _: None)
    step("reading corpus, codebook and labels")
    data = load_project(config, root)
    out = Path(out_dir) if out_dir else Path(root) / "experiments" / config.name
    if train_on or test_on:
        if not (train_on and test_on):
            raise ConfigError("give both --train-on and --test-on", fix="e.g. --train-on train --test-on test")
        known = set(data.table["collection"])
        for name in [*train_on, *test_on]:
            if name not in known:
                raise ConfigError(f"no collection {name!r}", fix=f"collections: {', '.join(sorted(known))}")
        train = data.table["collection"].isin(train_on)
        test = data.table["collection"].isin(test_on)
        label = f"train {'+'.join(train_on)}, test {'+'.join(test_on)}"
        results = [holdout_dimension(data.table, dim, config, train, test, label) for dim in data.codebook.dimensions]
        _write_evaluation(results, out, "_holdout")
        return results, metrics_table(results)
    results = []
    for dim in data.codebook.dimensions:
        step(f"cross-validating {dim.name} (folds grouped by {by})")
        results.append(cross_validate_dimension(data.table, dim, config, by))
    if by == "article":
        decision_rule(results, data.codebook, config)
        step("time-forward test")
        forward = forward_evaluate(data.table, data.codebook, config)
        _write_evaluation(results, out, forward=forward, config=config)
    else:
        _write_evaluation(results, out, f"_by_{by}")
    return results, metrics_table(results)


@dataclass
class TrainResult:
    model_dir: Path
    counts: dict
    metrics: dict
    seconds: float


def train(config: ExperimentConfig, root: str | Path = ".", *, out_dir: str | Path | None = None,
          progress: Callable[[str], None] | None = None) -> TrainResult:
    """Fit every dimension on all labels, cross-validate (grouped by article) for the meta,
    choose multi-label thresholds if the config asks for ``"oof"``, and save the artifact.
    ``progress(step)`` is told each step as it starts."""
    step = progress or (lambda _: None)
    started = time.perf_counter()
    step("reading corpus, codebook and labels")
    data = load_project(config, root)
    out = Path(out_dir) if out_dir else Path(root) / "experiments" / config.name
    model = FramingModel(data.codebook, config)
    step("cross-validating every dimension (for the meta and the decision rule)")
    results = cross_validate(data.table, data.codebook, config)
    thresholds, offsets = decision_rule(results, data.codebook, config)
    for dim in data.codebook.dimensions:
        step(f"fitting {dim.name} on all labels")
        rows = data.table[data.table[dim.name].notna()]
        if rows.empty:
            raise ModelError(f"dimension {dim.name!r} has no labelled paragraphs", fix="label some paragraphs first")
        model.fit_dimension(dim, *fit_inputs(rows, dim.name))
        if dim.name in thresholds:
            model.thresholds[dim.name] = thresholds[dim.name]
        if dim.name in offsets:
            model.set_offsets(dim.name, offsets[dim.name])
    step("time-forward test")
    forward = forward_evaluate(data.table, data.codebook, config)
    metrics = _write_evaluation(results, out, forward=forward, config=config)
    seconds = time.perf_counter() - started
    counts = _label_counts(data)
    save_model(model, out, extra_meta={"data": data.hashes, "label_counts": counts,
                                       "cv_metrics": metrics, "train_seconds": round(seconds, 2)})
    with atomic_write(out / "config.resolved.toml") as handle:
        handle.write(_toml(config.to_dict()))
    return TrainResult(out, counts, metrics, seconds)


def _toml(data: dict, prefix: str = "") -> str:
    lines, tables = [], []
    for key, value in data.items():
        if isinstance(value, dict):
            tables.append(_toml(value, f"{prefix}{key}."))
        elif value is not None:
            lines.append(f"{key} = {_toml_value(value)}")
    head = f"[{prefix[:-1]}]\n" if prefix else ""
    return head + "\n".join(lines) + "\n\n" + "".join(tables)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def add_labels(decisions: str | Path, *, annotator: str, output: str | Path, config: ExperimentConfig,
               root: str | Path = ".", adjudicated: bool = False) -> int:
    """Record decisions from a TSV/CSV, validated against codebook and corpus before anything is written.

    Two layouts: wide (``paragraph_id`` + one column per dimension) or long (``paragraph_id``,
    ``dimension``, ``value``). Several labels are separated by ``,`` or ``|``; an empty cell is
    "none" (multi-label). With ``adjudicated`` the records are final labels that settle a
    disagreement; the annotators' own labels are kept. An optional ``rationale`` column (long) or
    ``<dimension>__rationale`` columns (wide) give the words that decided a label, separated by
    ``;`` and each found in the paragraph (an empty cell: nothing marked). Returns the number of
    records written.
    """
    from framing.labels import check_rationale, now_iso, rationale_column, upsert_labels

    root = Path(root)
    decisions = Path(decisions)
    codebook = load_codebook(root / config.data.codebook)
    sep = "\t" if decisions.suffix.lower() in (".tsv", ".tab", ".txt") else ","
    text = read_text(decisions, error=LabelsError)  # a spreadsheet's UTF-16 or cp1252 export too
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        raise LabelsError("the file is empty", path=decisions, fix="write a header line and one line per paragraph") from None
    except pd.errors.ParserError as exc:
        raise LabelsError(f"cannot read decisions ({' '.join(str(exc).split())})", path=decisions,
                          fix="use a TSV or CSV with a header") from None
    long = {"paragraph_id", "dimension", "value"} <= set(frame.columns)
    if not long:
        missing = [c for c in ["paragraph_id", *codebook.names] if c not in frame.columns]
        if missing:
            raise LabelsError(f"missing column(s) {missing}", path=decisions,
                              fix=f"the header must be: paragraph_id, {', '.join(codebook.names)} "
                                  "(or paragraph_id, dimension, value)")
    paragraphs = project_paragraphs(config, root)
    texts = dict(zip(paragraphs["paragraph_id"], paragraphs["text"]))
    stamp = now_iso()
    records = []
    for number, row in enumerate(frame.to_dict("records"), start=2):
        if row["paragraph_id"] not in texts:
            raise LabelsError(f"paragraph {row['paragraph_id']!r} is not in the corpus", path=decisions, line=number,
                              fix="copy paragraph ids from the batch or `framing agree` output")
        cells = [(row["dimension"], row["value"])] if long else [(d, row[d]) for d in codebook.names]
        for name, cell in cells:
            if name not in codebook.names:
                raise LabelsError(f"unknown dimension {name!r}", path=decisions, line=number,
                                  fix=f"the codebook defines: {', '.join(codebook.names)}")
            value = [v.strip() for v in cell.replace("|", ",").split(",") if v.strip()]
            record = {"paragraph_id": row["paragraph_id"], "dimension": name, "value": value,
                      "annotator": annotator, "time": stamp, "codebook_version": codebook.version}
            if adjudicated:
                record["adjudicated"] = True
            column = "rationale" if long else rationale_column(name)
            marks = row.get(column, "")
            if column in frame.columns:  # asked: an empty cell records that nothing was marked
                try:
                    record["rationale"] = check_rationale(marks.split(";"), texts[row["paragraph_id"]])
                except LabelsError as exc:
                    raise LabelsError(f"rationale of {name}: {exc.what}", path=decisions, line=number, fix=exc.fix) from None
            records.append((number, record))
    from framing.labels import check_record

    for number, record in records:
        check_record(record, codebook, decisions, number)
    return upsert_labels(output, [r for _, r in records], codebook)


BATCH_COLUMNS = ["paragraph_id", "article_id", "outlet", "date", "title", "text"]


def sample_batch(config: ExperimentConfig, root: str | Path = ".", *, quotas: dict[str, int], order: str = "stratified",
                 seed: int = 0, skip_labelled: bool = True, exclude: list[Path] | None = None,
                 output: str | Path | None = None) -> pd.DataFrame:
    """Paragraphs to label next: ``quotas[outlet]`` per outlet, in the given order, leaving out
    labelled paragraphs and those of earlier batches. Written to ``output`` (.jsonl or .csv)."""
    from framing.sampling import order_paragraphs, take_quotas

    root = Path(root)
    paragraphs = project_paragraphs(config, root)
    codebook = load_codebook(root / config.data.codebook)
    drop: set[str] = set()
    if skip_labelled and label_files(root / config.data.labels):
        drop |= set(read_labels(root / config.data.labels, codebook)["paragraph_id"])
    for path in exclude or []:
        drop |= set(read_predictions(path)["paragraph_id"].astype(str))
    pool = paragraphs[~paragraphs["paragraph_id"].isin(drop)]
    batch = take_quotas(order_paragraphs(pool, order, seed=seed), quotas)[BATCH_COLUMNS]
    if output is not None:
        output = Path(output)
        with atomic_write(output) as handle:
            if output.suffix.lower() == ".csv":
                batch.to_csv(handle, index=False)
            else:
                handle.write(batch.to_json(orient="records", lines=True, force_ascii=False))
    return batch


# The report step lives in its own module; importable from here as before.
from framing.outlet_report import read_events, report, validation_table  # noqa: E402,F401
