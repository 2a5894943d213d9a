"""Label Studio round trip: tasks (with the model's predictions) and a labelling config out;
a Label Studio JSON export back in as hand labels.

With rationales, each dimension also gets a ``<Labels name="<dimension>__rationale">`` span
control: the annotator highlights the words that decided the answer, and the highlighted text
comes back as the label record's ``rationale``."""

from __future__ import annotations

import json
import warnings
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import quoteattr

import pandas as pd

from framing.config import ExperimentConfig
from framing.corpus.read import project_paragraphs
from framing.decode import read_text
from framing.labels.codebook import Codebook, load_codebook
from framing.errors import FramingWarning, LabelsError
from framing.labels.store import now_iso, rationale_column, read_labels, upsert_labels

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


def _annotator(completed_by: object, users: dict, fallback: str | None, n: int, path: Path) -> str:
    """Who made an annotation: the user's email, username or id (``users`` maps ids to names);
    ``fallback`` when the export does not say."""
    who = completed_by
    if isinstance(who, dict):
        who = next((who[k] for k in ("email", "username", "id") if who.get(k) not in (None, "")), None)
    if isinstance(who, bool) or not isinstance(who, str | int) or not str(who).strip():
        if fallback:
            return fallback
        said = "no completed_by" if completed_by is None else f"completed_by is {completed_by!r}"
        raise LabelsError(f"task {n}: an annotation does not say who made it ({said})",
                          path=path, fix="pass --annotator NAME to record such annotations under NAME")
    if isinstance(completed_by, dict):
        return str(who)
    return users.get(who) or f"labelstudio-user-{who}"


def _answers(task: dict, annotation: dict, n: int, dims: dict, span_controls: dict, path: Path,
             ignored: dict[str, int]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """One annotation's choices per dimension and highlighted rationale spans per dimension; the
    results of other controls are counted in ``ignored`` (by control name)."""
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
        if name not in dims:  # a comment box, a rating: not a dimension of the codebook
            ignored[str(name)] = ignored.get(str(name), 0) + 1
            continue
        choices = (item.get("value") or {}).get("choices", [])
        unknown = [c for c in choices if c not in dims[name].label_names]
        if unknown:
            raise LabelsError(f"task {n}: {name} choice(s) {unknown} not in the codebook", path=path,
                              fix=f"{name} takes: {', '.join(dims[name].label_names)}")
        values.setdefault(name, []).extend(choices)
    return values, marked


def import_export(path: str | Path, codebook: Codebook, *, known_ids: set[str] | None = None,
                  users: dict | None = None, rationale: bool = False,
                  annotator: str | None = None) -> tuple[list[dict], dict]:
    """Read a Label Studio JSON export into label records.

    Cancelled annotations are skipped; a task that was shown but left empty on a single-choice
    dimension gives no label for it; an empty multi-label dimension means "none". Highlighted
    rationale spans become the records' ``rationale``; with ``rationale`` (the config asked for
    them) a dimension with none highlighted records ``[]``, "asked, nothing marked". An
    annotation that does not say who made it is ``annotator``'s (an error without it); one with
    no readable time gets the time of the import, with a warning. Controls that are not codebook
    dimensions (a comment box) are left out and counted; an annotator who labels a paragraph twice
    the same way gives one label, differently an error.
    Returns the records and counts (tasks, annotations, cancelled, labels, repeated, ignored controls).
    """
    found, counts = read_export(path, codebook, known_ids=known_ids, users=users, rationale=rationale,
                                annotator=annotator)
    return [record for _, record in found.values()], counts


def import_into_project(export: str | Path, config: ExperimentConfig, root: str | Path, output: str | Path, *,
                        rationale: bool = False, annotator: str | None = None) -> dict:
    """Add a Label Studio export's labels to the labels file ``output`` of the project at ``root``.

    A label its annotator already has in another of the project's labels files (as an export
    with ``--annotations`` carries them) is not written again: the same one is counted as
    ``already``, a different one is an error naming the task and the file and line. Labels in
    ``output`` itself are replaced (a re-import). Returns :func:`import_export`'s counts with
    ``written``, ``already`` and ``target``."""
    root = Path(root)
    codebook = load_codebook(root / config.data.codebook)
    known = set(project_paragraphs(config, root)["paragraph_id"])
    found, counts = read_export(export, codebook, known_ids=known, rationale=rationale, annotator=annotator)
    target = Path(output) if Path(output).is_absolute() else root / output
    existing = read_labels(root / config.data.labels, codebook)
    existing = existing[existing["adjudicated"].ne(True) & existing["file"].map(lambda f: not _same(f, target))]
    held = {(r.paragraph_id, r.dimension, r.annotator): r for r in existing.itertuples()}
    new = []
    for key, (n, record) in found.items():
        if key not in held:
            new.append(record)
            continue
        other = held[key]
        marks = other.rationale if isinstance(other.rationale, list) else None
        if sorted(other.value) != sorted(record["value"]) or record.get("rationale") and record["rationale"] != marks:
            raise LabelsError(f"task {n}: {key[2]}'s {key[1]} of paragraph {key[0]!r} is {record['value']}, but "
                              f"{other.file}:{other.line} has {list(other.value)}", path=export,
                              fix="settle which one stands: change it in Label Studio or in that file, then import again")
    counts["already"] = len(found) - len(new)
    counts["written"] = upsert_labels(target, new, codebook) if new or target.exists() else 0
    counts["target"] = target
    return counts


def _same(file: str, target: Path) -> bool:
    return target.exists() and Path(file).resolve() == target.resolve()


def read_export(path: str | Path, codebook: Codebook, *, known_ids: set[str] | None = None, users: dict | None = None,
                rationale: bool = False, annotator: str | None = None) -> tuple[dict[tuple, tuple[int, dict]], dict]:
    """:func:`import_export`'s records by (paragraph, dimension, annotator), each with its task number."""
    path = Path(path)
    tasks = _tasks(path)
    dims = {d.name: d for d in codebook.dimensions}
    span_controls = {rationale_column(name): name for name in dims}
    found: dict[tuple, tuple[int, dict]] = {}
    counts = {"tasks": len(tasks), "annotations": 0, "cancelled": 0, "labels": 0, "repeated": 0, "ignored": {}}
    untimed, answered = [], False
    for n, task in enumerate(tasks, 1):
        pid = _paragraph(task, n, path, known_ids)
        for annotation in task.get("annotations", []):
            if annotation.get("was_cancelled"):
                counts["cancelled"] += 1
                continue
            counts["annotations"] += 1
            who = _annotator(annotation.get("completed_by"), users or {}, annotator, n, path)
            stamp = annotation.get("updated_at") or annotation.get("created_at")
            if _iso(stamp) is None:
                untimed.append((n, stamp))
            values, marked = _answers(task, annotation, n, dims, span_controls, path, counts["ignored"])
            answered = answered or bool(values)
            for name, dim in dims.items():
                if name not in values and not dim.multi:
                    continue
                value = [v for v in dim.label_names if v in values.get(name, [])]
                if not dim.multi and len(value) != 1:
                    raise LabelsError(f"task {n}: single-choice {name} has {value}", path=path,
                                      fix='mark the Choices choice="single" in the labelling config')
                _add_once(found, n, {"paragraph_id": pid, "dimension": name, "value": value, "annotator": who,
                                     "time": _iso(stamp) or now_iso(), "codebook_version": codebook.version,
                                     **_seconds(annotation),
                                     **({"rationale": list(dict.fromkeys(marked.get(name, [])))}
                                        if marked.get(name) or rationale else {})}, counts, path)
    _check_answered(counts["ignored"], answered, dims, path)
    if untimed:
        warnings.warn(FramingWarning(f"{path}: {len(untimed)} annotation(s) with no readable time (task {untimed[0][0]}: "
                                     f"{untimed[0][1]!r}) recorded at the time of this import"), stacklevel=2)
    counts["labels"] = len(found)
    return found, counts


def _tasks(path: Path) -> list:
    """The tasks of a Label Studio JSON export, each checked for Label Studio's shape."""
    try:
        tasks = json.loads(read_text(path, error=LabelsError))
    except json.JSONDecodeError as exc:
        raise LabelsError(f"not a Label Studio JSON export ({exc})", path=path,
                          fix="export the project from Label Studio as JSON (not JSON-MIN or CSV)") from None
    if not isinstance(tasks, list):
        raise LabelsError("expected a list of tasks", path=path, fix="export the project from Label Studio as JSON")
    for n, task in enumerate(tasks, 1):
        _check_task(task, n, path)
    return tasks


def _paragraph(task: dict, n: int, path: Path, known_ids: set[str] | None) -> str:
    pid = (task.get("data") or {}).get("paragraph_id")
    if not pid:
        raise LabelsError(f"task {n} has no data.paragraph_id", path=path,
                          fix="import tasks made by `framing export labelstudio`, which carry the paragraph id")
    if known_ids is not None and pid not in known_ids:
        raise LabelsError(f"task {n}: paragraph {pid!r} is not in the corpus", path=path,
                          fix="the corpus changed since the export; re-export the tasks")
    return pid


def _seconds(annotation: dict) -> dict:
    lead = annotation.get("lead_time")
    return {"seconds": round(float(lead), 1)} if isinstance(lead, int | float) and lead else {}


def _add_once(found: dict[tuple, tuple[int, dict]], n: int, record: dict, counts: dict, path: Path) -> None:
    """Keep ``record`` (from task ``n``) unless its annotator already labelled the paragraph on the
    dimension: the same way, it is counted as repeated; differently, an error naming both tasks."""
    key = (record["paragraph_id"], record["dimension"], record["annotator"])
    if key not in found:
        found[key] = (n, record)
        return
    first, earlier = found[key]
    if (earlier["value"], earlier.get("rationale")) != (record["value"], record.get("rationale")):
        shown = " vs ".join(", ".join(r["value"]) or "(none)" for r in (earlier, record))
        where = f"tasks {first} and {n}" if first != n else f"task {n}"
        raise LabelsError(f"{where}: {key[2]} labelled paragraph {key[0]!r} on {key[1]} twice, differently ({shown})",
                          path=path, fix="delete one of the two annotations in Label Studio and export again")
    counts["repeated"] += 1


def _check_answered(ignored: dict[str, int], answered: bool, dims: dict, path: Path) -> None:
    """Refuse an export none of whose answers is on a codebook dimension (another labelling config)."""
    if ignored and not answered:
        raise LabelsError(f"no answer is on a codebook dimension: the controls are {', '.join(sorted(ignored))}",
                          path=path, fix=f"this export comes from another labelling config; the codebook has "
                                         f"{', '.join(dims)}")


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


def _iso(stamp: object) -> str | None:
    """An annotation's time as ISO 8601 with seconds, or None when it has none that can be read."""
    if not isinstance(stamp, str):
        return None
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).isoformat(timespec="seconds")
    except ValueError:
        return None
