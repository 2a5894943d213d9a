"""Label Studio round trip: tasks (with the model's predictions) and a labelling config out;
a Label Studio JSON export back in as hand labels.

With rationales, each dimension also gets a ``<Labels name="<dimension>__rationale">`` span
control: the annotator highlights the words that decided the answer, and the highlighted text
comes back as the label record's ``rationale``."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from xml.sax.saxutils import quoteattr

import pandas as pd

from framing.decode import read_text
from framing.labels.codebook import Codebook
from framing.errors import LabelsError
from framing.labels.store import rationale_column

TEXT_NAME = "text"


def labelling_config(codebook: Codebook, *, rationale: bool = False) -> str:
    """A Label Studio ``<View>`` with one ``<Choices>`` block per codebook dimension (and, with
    ``rationale``, one span-labelling block for the words that decided it)."""
    parts = ["<View>", '  <Header value="$title"/>', '  <Text name="text" value="$text"/>']
    for dim in codebook.dimensions:
        parts.append(f"  <Header value={quoteattr(dim.name + (' — ' + dim.question if dim.question else ''))}/>")
        parts.append(f'  <Choices name={quoteattr(dim.name)} toName="{TEXT_NAME}" '
                     f'choice="{"multiple" if dim.multi else "single"}" showInLine="true"'
                     f'{"" if dim.multi else " required=" + chr(34) + "true" + chr(34)}>')
        for label in dim.labels:
            parts.append(f"    <Choice value={quoteattr(label.name)} hint={quoteattr(label.definition)}/>")
        parts.append("  </Choices>")
        if rationale:
            parts.append(f'  <Labels name={quoteattr(rationale_column(dim.name))} toName="{TEXT_NAME}">')
            parts.append(f"    <Label value={quoteattr(dim.name + ': decided it')}/>")
            parts.append("  </Labels>")
    parts.append("</View>")
    return "\n".join(parts) + "\n"


def _result(dim_name: str, value: list[str], score: float | None = None) -> dict:
    item = {"from_name": dim_name, "to_name": TEXT_NAME, "type": "choices", "value": {"choices": value}}
    if score is not None:
        item["score"] = score
    return item


def _spans(dim_name: str, text: str, phrases: object) -> list[dict]:
    """Label Studio span results for a record's rationale (each phrase's first occurrence)."""
    if not isinstance(phrases, list):
        return []
    spans = []
    for phrase in phrases:
        start = text.lower().find(phrase.lower())
        if start >= 0:
            spans.append({"from_name": rationale_column(dim_name), "to_name": TEXT_NAME, "type": "labels",
                          "value": {"start": start, "end": start + len(phrase), "text": text[start:start + len(phrase)],
                                    "labels": [f"{dim_name}: decided it"]}})
    return spans


def export_tasks(paragraphs: pd.DataFrame, codebook: Codebook, *, predictions: pd.DataFrame | None = None,
                 model_version: str | None = None, labels: pd.DataFrame | None = None,
                 model_path: str | Path | None = None) -> list[dict]:
    """Label Studio tasks: ``data`` holds the paragraph and its metadata; ``predictions`` the
    model's labels with their probability as ``score``; ``annotations`` existing hand labels
    (one per annotator) when ``labels`` is given. ``model_path`` names the model that made
    ``predictions`` in the error raised when it was trained under another codebook."""
    if predictions is not None:
        _check_predictions(predictions, codebook, model_path)
    preds = predictions.set_index("paragraph_id") if predictions is not None else None
    by_paragraph = labels.groupby("paragraph_id") if labels is not None and len(labels) else None
    tasks = []
    for row in paragraphs.itertuples(index=False):
        data = {"text": row.text, "paragraph_id": row.paragraph_id, "article_id": row.article_id,
                "outlet": row.outlet, "date": row.date, "title": row.title or ""}
        task: dict = {"data": data}
        if preds is not None and row.paragraph_id in preds.index:
            p = preds.loc[row.paragraph_id]
            result, scores = [], []
            for dim in codebook.dimensions:
                value = [v for v in str(p[dim.name]).split("|") if v] if dim.multi else [str(p[dim.name])]
                probs = [float(p[f"{dim.name}:{v}"]) for v in value]
                score = min(probs) if probs else float(1 - max(p[f"{dim.name}:{lab}"] for lab in dim.label_names))
                scores.append(score)
                if value:
                    result.append(_result(dim.name, value, round(score, 4)))
            task["predictions"] = [{"model_version": model_version or "framing", "score": round(min(scores), 4),
                                    "result": result}]
        if by_paragraph is not None and row.paragraph_id in by_paragraph.groups:
            group = by_paragraph.get_group(row.paragraph_id)
            task["annotations"] = [
                {"completed_by": {"email": who}, "was_cancelled": False,
                 "created_at": max(g["time"]), "lead_time": float(pd.to_numeric(g.get("seconds"), errors="coerce").sum()),
                 "result": [item for r in g.itertuples() for item in
                            ([_result(r.dimension, list(r.value))] if list(r.value) else [])
                            + _spans(r.dimension, row.text, getattr(r, "rationale", None))]}
                for who, g in group.groupby("annotator")]
        tasks.append(task)
    return tasks


def _annotator(completed_by: object, users: dict) -> str:
    if isinstance(completed_by, dict):
        return str(completed_by.get("email") or completed_by.get("username") or completed_by.get("id"))
    if isinstance(completed_by, str | int) and completed_by in users:
        return users[completed_by]
    return f"labelstudio-user-{completed_by}"


def _answers(task: dict, annotation: dict, n: int, dims: dict, span_controls: dict,
             path: Path) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """One annotation's choices per dimension and highlighted rationale spans per dimension."""
    values: dict[str, list[str]] = {}
    marked: dict[str, list[str]] = {}
    for item in annotation.get("result", []):
        name = item.get("from_name")
        if name in span_controls:
            span = item.get("value") or {}
            text = span.get("text")
            if not isinstance(text, str):
                start, end = span.get("start", 0), span.get("end", 0)
                whole = str((task.get("data") or {}).get("text", ""))
                text = whole[start:end] if isinstance(start, int) and isinstance(end, int) else ""
            if text.strip():
                marked.setdefault(span_controls[name], []).append(text.strip())
            continue
        if name not in dims:
            raise LabelsError(f"task {n}: control {name!r} is not a codebook dimension", path=path,
                              fix=f"this export comes from another labelling config; the codebook has {', '.join(dims)}")
        choices = (item.get("value") or {}).get("choices", [])
        unknown = [c for c in choices if c not in dims[name].label_names]
        if unknown:
            raise LabelsError(f"task {n}: {name} choice(s) {unknown} not in the codebook", path=path,
                              fix=f"{name} takes: {', '.join(dims[name].label_names)}")
        values.setdefault(name, []).extend(choices)
    return values, marked


def import_export(path: str | Path, codebook: Codebook, *, known_ids: set[str] | None = None,
                  users: dict | None = None, rationale: bool = False) -> tuple[list[dict], dict]:
    """Read a Label Studio JSON export into label records.

    Cancelled annotations are skipped; a task that was shown but left empty on a single-choice
    dimension gives no label for it; an empty multi-label dimension means "none". Highlighted
    rationale spans become the records' ``rationale``; with ``rationale`` (the config asked for
    them) a dimension with none highlighted records ``[]``, "asked, nothing marked".
    Returns the records and counts (tasks, annotations, skipped).
    """
    path = Path(path)
    try:
        tasks = json.loads(read_text(path, error=LabelsError))
    except json.JSONDecodeError as exc:
        raise LabelsError(f"not a Label Studio JSON export ({exc})", path=path,
                          fix="export the project from Label Studio as JSON (not JSON-MIN or CSV)") from None
    if not isinstance(tasks, list):
        raise LabelsError("expected a list of tasks", path=path, fix="export the project from Label Studio as JSON")
    users = users or {}
    dims = {d.name: d for d in codebook.dimensions}
    span_controls = {rationale_column(name): name for name in dims}
    records, counts = [], {"tasks": len(tasks), "annotations": 0, "cancelled": 0, "labels": 0}
    for n, task in enumerate(tasks, 1):
        _check_task(task, n, path)
        pid = (task.get("data") or {}).get("paragraph_id")
        if not pid:
            raise LabelsError(f"task {n} has no data.paragraph_id", path=path,
                              fix="import tasks made by `framing export labelstudio`, which carry the paragraph id")
        if known_ids is not None and pid not in known_ids:
            raise LabelsError(f"task {n}: paragraph {pid!r} is not in the corpus", path=path,
                              fix="the corpus changed since the export; re-export the tasks")
        for annotation in task.get("annotations", []):
            if annotation.get("was_cancelled"):
                counts["cancelled"] += 1
                continue
            counts["annotations"] += 1
            who = _annotator(annotation.get("completed_by"), users)
            stamp = annotation.get("updated_at") or annotation.get("created_at") or datetime.now(timezone.utc).isoformat()
            values, marked = _answers(task, annotation, n, dims, span_controls, path)
            for name, dim in dims.items():
                if name not in values and not dim.multi:
                    continue
                value = [v for v in dim.label_names if v in values.get(name, [])]
                if not dim.multi and len(value) != 1:
                    raise LabelsError(f"task {n}: single-choice {name} has {value}", path=path,
                                      fix='mark the Choices choice="single" in the labelling config')
                records.append({"paragraph_id": pid, "dimension": name, "value": value, "annotator": who,
                                "time": _iso(stamp), "codebook_version": codebook.version,
                                **({"seconds": round(float(annotation["lead_time"]), 1)}
                                   if isinstance(annotation.get("lead_time"), int | float) and annotation["lead_time"] else {}),
                                **({"rationale": list(dict.fromkeys(marked.get(name, [])))}
                                   if marked.get(name) or rationale else {})})
                counts["labels"] += 1
    return records, counts


def _check_predictions(predictions: pd.DataFrame, codebook: Codebook, model_path: str | Path | None) -> None:
    """Refuse predictions of a model trained under another codebook (other dimensions or labels)."""
    wanted = ["paragraph_id"] + [c for d in codebook.dimensions for c in [d.name, *(f"{d.name}:{lab}" for lab in d.label_names)]]
    missing = [c for c in wanted if c not in predictions.columns]
    if missing:
        from framing.errors import ModelError

        raise ModelError(f"the model was trained under another codebook: its predictions lack {', '.join(missing[:6])}"
                         + (f" and {len(missing) - 6} more" if len(missing) > 6 else ""), path=model_path,
                         fix=f"pass a model trained on this project's codebook ({codebook.path}), or train one with "
                             "`framing train`")


def _check_task(task: object, n: int, path: Path) -> None:
    """Refuse a task whose shape is not Label Studio's (objects where objects belong)."""
    def fail(what: str) -> LabelsError:
        return LabelsError(f"task {n}: {what}", path=path,
                           fix="export the project from Label Studio as JSON (a list of task objects)")

    if not isinstance(task, dict):
        raise fail(f"is a {type(task).__name__}, not a task object")
    if not isinstance(task.get("data") or {}, dict):
        raise fail("data is not an object")
    annotations = task.get("annotations", [])
    if not isinstance(annotations, list) or not all(isinstance(a, dict) for a in annotations):
        raise fail("annotations is not a list of objects")
    for annotation in annotations:
        result = annotation.get("result", [])
        if not isinstance(result, list) or not all(isinstance(r, dict) and isinstance(r.get("value") or {}, dict)
                                                   for r in result):
            raise fail("an annotation's result is not a list of objects with a value object")
        for item in result:
            choices = (item.get("value") or {}).get("choices", [])
            if not isinstance(choices, list) or not all(isinstance(c, str) for c in choices):
                raise fail("an annotation's choices are not a list of label names")


def _iso(stamp: str) -> str:
    try:
        return datetime.fromisoformat(str(stamp).replace("Z", "+00:00")).isoformat(timespec="seconds")
    except ValueError:
        return datetime.now(timezone.utc).isoformat(timespec="seconds")
