"""Hand labels: read, validate, write safely, and resolve several annotators into training labels.

A labels file is JSONL, one record per paragraph, dimension and annotator::

    {"paragraph_id": "seed-001:7:a4a7252c", "dimension": "sources", "value": ["kremlin"],
     "annotator": "dev-agent-1", "time": "2026-11-25T13:02:11+00:00",
     "codebook_version": "1.1", "seconds": 14.2}

``value`` is always a list: exactly one label for a single-choice dimension, any number
(possibly none) for a multi-label one. Optional keys: ``seconds`` (time spent),
``suggestion`` (what a model proposed) and ``accepted`` (whether the annotator kept it),
``adjudicated`` (true on a final label recorded after a disagreement), ``note``, and
``rationale``: the words or phrases of the paragraph that decided the label (``["bizarre",
"fringe"]``), which ``features.lexicon`` learns from. ``"rationale": []`` means the annotator
was asked and marked nothing; no key means nobody was asked (the lexicon learns only from
paragraphs that were asked).

All ``*.jsonl`` files under the labels folder are read together. Training uses, per paragraph
and dimension: the adjudicated label if there is one; else the only annotator's label; else the
majority of annotators (single-choice: the label most annotators chose, ties left out;
multi-label: each label chosen by more than half of them).
"""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from framing._io import atomic_write, json_object
from framing.decode import read_text
from framing.labels.codebook import Codebook
from framing.errors import LabelsError

REQUIRED = ("paragraph_id", "dimension", "value", "annotator", "time")
OPTIONAL = ("codebook_version", "seconds", "suggestion", "accepted", "adjudicated", "note", "rationale")
# Labels moved aside by a corpus revision (their paragraphs became boilerplate) live in this
# sub-folder of labels/, kept for the record and never read as labels.
RETIRED = "retired"


def now_iso() -> str:
    """The current UTC time, ISO 8601 with seconds."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def label_files(path: str | Path) -> list[Path]:
    """The labels files a path stands for: the file itself, or every ``*.jsonl`` under a folder (but ``retired/``)."""
    path = Path(path)
    if path.is_file():
        return [path]
    if path.is_dir():
        return sorted(p for p in path.rglob("*.jsonl")
                      if not p.name.startswith(".") and RETIRED not in p.relative_to(path).parts[:-1])
    return []


def read_labels(path: str | Path, codebook: Codebook, *, paragraph_ids: Iterable[str] | None = None) -> pd.DataFrame:
    """Read and validate every labels file under ``path``.

    Parameters
    ----------
    path : a ``.jsonl`` file or a folder of them.
    codebook : labels are checked against its dimensions and label names.
    paragraph_ids : if given, every label must point at one of these paragraphs.

    Returns
    -------
    DataFrame with the record keys as columns, plus ``file`` and ``line``.
    """
    known = set(paragraph_ids) if paragraph_ids is not None else None
    rows: list[dict] = []
    seen: dict[tuple, tuple[Path, int]] = {}
    for file in label_files(path):
        # any encoding a labels file comes in (a UTF-16 export of a spreadsheet, cp1252); lines as open() splits them
        with io.StringIO(read_text(file, error=LabelsError), newline=None) as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                record = _parse_line(line, file, number)
                check_record(record, codebook, file, number)
                key = _key(record)
                if key in seen:
                    first_file, first_line = seen[key]
                    raise LabelsError(
                        f"duplicate label: paragraph {key[0]} dimension {key[1]!r} by {key[2]!r} "
                        f"is already labelled at {first_file}:{first_line}",
                        path=file, line=number, fix="keep one of the two lines (the labelling tools replace, never repeat)")
                seen[key] = (file, number)
                if known is not None and record["paragraph_id"] not in known:
                    raise LabelsError(
                        f"paragraph {record['paragraph_id']!r} is not in the corpus",
                        path=file, line=number,
                        fix="the paragraph's text or article id changed, or the label belongs to another corpus; "
                            "relabel it or remove the line")
                rows.append({**record, "file": str(file), "line": number})
    columns = list(REQUIRED) + list(OPTIONAL) + ["file", "line"]
    frame = pd.DataFrame(rows)
    return frame.reindex(columns=columns) if not frame.empty else pd.DataFrame(columns=columns)


def _parse_line(line: str, file: Path, number: int) -> dict:
    return json_object(line, path=file, number=number, error=LabelsError,
                       fix="each line must be one JSON object; fix or remove this line",
                       example='{"paragraph_id": ..., "dimension": ..., "value": [...], ...}')


def check_record(record: dict, codebook: Codebook, file: Path, number: int) -> None:
    def fail(what: str, fix: str) -> LabelsError:
        return LabelsError(what, path=file, line=number, fix=fix)

    missing = [k for k in REQUIRED if k not in record]
    if missing:
        raise fail(f"missing key(s) {missing}", f"every label needs {', '.join(REQUIRED)}")
    extra = set(record) - set(REQUIRED) - set(OPTIONAL)
    if extra:
        raise fail(f"unknown key(s) {sorted(extra)}", f"allowed optional keys: {', '.join(OPTIONAL)}")
    for key in ("paragraph_id", "dimension", "annotator", "time"):
        if not isinstance(record[key], str) or not record[key].strip():
            raise fail(f"{key!r} must be a non-empty string", f"give {key} as text")
    try:
        datetime.fromisoformat(record["time"])
    except ValueError:
        raise fail(f"time {record['time']!r} is not an ISO 8601 timestamp",
                   "write e.g. 2026-11-25T13:02:11+00:00") from None
    names = codebook.names
    if record["dimension"] not in names:
        raise fail(f"unknown dimension {record['dimension']!r}", f"the codebook defines: {', '.join(names)}")
    dim = codebook.dimension(record["dimension"])
    value = record["value"]
    if isinstance(value, str):
        raise fail(f"value must be a list, not the string {value!r}", f'write "value": ["{value}"]')
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise fail("value must be a list of label names", 'write e.g. "value": ["neutral"]')
    unknown = [v for v in value if v not in dim.label_names]
    if unknown:
        raise fail(f"unknown label(s) {unknown} for dimension {dim.name!r}",
                   f"{dim.name} takes: {', '.join(dim.label_names)}")
    if len(set(value)) != len(value):
        raise fail(f"label repeated in {value}", "list each label once")
    if not dim.multi and len(value) != 1:
        raise fail(f"dimension {dim.name!r} is single-choice but has {len(value)} values {value}",
                   f"choose exactly one of: {', '.join(dim.label_names)}")
    rationale = record.get("rationale")
    if rationale is not None and (not isinstance(rationale, list)
                                  or not all(isinstance(r, str) and r.strip() for r in rationale)):
        raise fail("rationale must be a list of words or phrases from the paragraph",
                   'write e.g. "rationale": ["bizarre", "fringe group"], or leave the key out')


def rationale_column(dimension: str) -> str:
    """Where a dimension's rationales go in tables (training table, decisions files, Label Studio
    span controls): ``<dimension>__rationale``."""
    return f"{dimension}__rationale"


def asked(rationale: object) -> bool:
    """True when a record's (or training row's) annotator was asked for a rationale: a list,
    possibly empty; missing (None/NaN) means nobody asked."""
    return isinstance(rationale, list | tuple | np.ndarray)


def has_marks(rationale: object) -> bool:
    """True when a rationale marks at least one word or phrase."""
    return asked(rationale) and len(rationale) > 0


def check_rationale(phrases: list[str], text: str) -> list[str]:
    """The phrases, stripped and each once, after checking that every one occurs in ``text``
    (ignoring case); a LabelsError names the first that does not."""
    cleaned = list(dict.fromkeys(p.strip() for p in phrases if p.strip()))
    missing = [p for p in cleaned if p.lower() not in text.lower()]
    if missing:
        raise LabelsError(f"{missing[0]!r} does not occur in the paragraph",
                          fix="type words exactly as they appear in the paragraph, separated by ';'")
    return cleaned


def write_labels(path: str | Path, records: Iterable[dict]) -> None:
    """Write records to one labels file, atomically (the old file survives any interruption)."""
    with atomic_write(path) as handle:
        for record in records:
            handle.write(json.dumps(clean_record(record), ensure_ascii=False) + "\n")


def raw_lines(path: str | Path) -> list[str]:
    """A labels file's lines as written (numbered as :func:`read_labels` numbers them), each
    ending in its own line break (one is added to a last line without)."""
    with open(path, encoding="utf-8", newline="") as handle:
        return [line if line.endswith(("\n", "\r")) else line + "\n" for line in handle]


def upsert_labels(path: str | Path, new: Iterable[dict], codebook: Codebook) -> int:
    """Add records to a labels file, replacing the same annotator's earlier label for the same
    paragraph and dimension. Validates everything before writing; returns the number written."""
    path = Path(path)
    existing = read_labels(path, codebook) if path.exists() else pd.DataFrame(columns=REQUIRED)
    # Lines already in the file are written back byte for byte unless their label is replaced.
    lines = raw_lines(path) if len(existing) else []
    entries = {_key(r): lines[int(r["line"]) - 1] for r in existing.to_dict("records")}
    count = 0
    for record in new:
        check_record(record, codebook, path, 0)
        entries[_key(record)] = json.dumps(clean_record(record), ensure_ascii=False) + "\n"
        count += 1
    with atomic_write(path) as handle:
        handle.writelines(entries.values())
    return count


def _key(record: dict) -> tuple:
    """What makes a label unique: paragraph, dimension, annotator, and whether it is an adjudication."""
    return (record["paragraph_id"], record["dimension"], record["annotator"], record.get("adjudicated") is True)


def clean_record(record: dict) -> dict:
    """The record's label keys only (no ``file``/``line``), leaving out missing values
    (None or NaN, as rows read back through a DataFrame carry them)."""
    return {k: record[k] for k in (*REQUIRED, *OPTIONAL)
            if k in record and record[k] is not None and not (isinstance(record[k], float) and pd.isna(record[k]))}


def resolve(labels: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """One training label per paragraph and dimension (see the module docstring for the policy).

    Returns a DataFrame indexed by ``paragraph_id`` with one column per dimension; a cell holds
    the label (single-choice) or a list of labels (multi-label), or is missing where the
    paragraph has no usable label on that dimension.
    """
    out: dict[str, dict[str, object]] = {}
    for (pid, dim_name), group in labels.groupby(["paragraph_id", "dimension"], sort=False):
        dim = codebook.dimension(dim_name)
        adjudicated = group[group["adjudicated"].eq(True)] if "adjudicated" in group else group.iloc[:0]
        values = [list(v) for v in (adjudicated if len(adjudicated) else group)["value"]]
        if len(values) == 1:
            chosen: object = values[0] if dim.multi else values[0][0]
        elif dim.multi:
            counts = Counter(label for value in values for label in value)
            chosen = [name for name in dim.label_names if counts[name] * 2 > len(values)]
        else:
            ranked = Counter(value[0] for value in values).most_common()
            if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
                continue  # a tie: no training label until adjudicated
            chosen = ranked[0][0]
        out.setdefault(pid, {})[dim_name] = chosen
    frame = pd.DataFrame.from_dict(out, orient="index").reindex(columns=codebook.names)
    frame.index.name = "paragraph_id"
    return frame


def rationales(labels: pd.DataFrame) -> pd.DataFrame:
    """Per paragraph (index) and dimension (``<dimension>__rationale`` columns), every annotator's
    marked words, each once, for the paragraphs whose annotators were asked for them (an empty
    list: asked, nothing marked; missing: not asked). Marks say which words carry the dimension's
    signal, whoever marked them, so they are pooled rather than resolved."""
    was_asked = labels["rationale"].map(asked) if "rationale" in labels else pd.Series(False, index=labels.index)
    if not was_asked.any():
        return pd.DataFrame(index=pd.Index([], name="paragraph_id"))
    pooled = (labels[was_asked].groupby(["paragraph_id", "dimension"], sort=False)["rationale"]
              .agg(lambda lists: list(dict.fromkeys(word for words in lists for word in words))))
    frame = pooled.unstack("dimension")
    frame.columns = [rationale_column(name) for name in frame.columns]
    return frame


def labelled_paragraphs(paragraphs: pd.DataFrame, labels: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """Paragraphs joined with their resolved labels (one column per dimension) and, where label
    records carry them, their rationales (``<dimension>__rationale``); labelled ones only."""
    resolved = resolve(labels, codebook).join(rationales(labels))
    table = paragraphs.merge(resolved, left_on="paragraph_id", right_index=True, how="inner")
    return table.reset_index(drop=True)


def rare_labels(table: pd.DataFrame, codebook: Codebook, *, minimum: int, folds: int) -> pd.DataFrame:
    """Labels of ``table`` (labelled paragraphs) too rare for evaluation to score reliably: fewer
    than ``minimum`` paragraphs, or in fewer articles than ``max(folds, 2)`` — the rule of
    ``evaluate`` (config ``evaluate.min_examples`` and ``evaluate.folds``). Training uses them all
    the same."""
    folds = max(folds, 2)
    rare = []
    for dim in codebook.dimensions:
        values = table[dim.name]
        has = values.notna()
        for name in dim.label_names:
            hit = values[has].map(lambda v, name=name: name in v if isinstance(v, list) else v == name).astype(bool)
            n, articles = int(hit.sum()), int(table.loc[has[has].index[hit.to_numpy()], "article_id"].nunique())
            if n < minimum or articles < folds:
                rare.append({"dimension": dim.name, "label": name, "paragraphs": n, "articles": articles,
                             "want": f">= {minimum} in >= {folds} articles"})
    return pd.DataFrame(rare, columns=["dimension", "label", "paragraphs", "articles", "want"])


def label_stats(labels: pd.DataFrame, paragraphs: pd.DataFrame, codebook: Codebook, *,
                min_examples: int = 10, folds: int = 5) -> dict[str, pd.DataFrame | list[str]]:
    """Counts a labelling team needs: per label and outlet (resolved labels), per annotator,
    labelling pace, what is still unlabelled, and labels too rare to evaluate reliably
    (``rare``: :func:`rare_labels` with ``min_examples`` and ``folds``; ``warnings``: the same in words)."""
    table = labelled_paragraphs(paragraphs, labels, codebook)
    rows = []
    for dim in codebook.dimensions:
        values = table[["outlet", dim.name]].dropna()
        for label in dim.label_names:
            hit = values[dim.name].map(lambda v, label=label: label in v if isinstance(v, list) else v == label).astype(bool)
            counts = values.loc[hit, "outlet"].value_counts()
            rows.append({"dimension": dim.name, "label": label, "total": int(hit.sum()), **counts.to_dict()})
    per_label = pd.DataFrame(rows).fillna(0)
    for column in per_label.columns[2:]:
        per_label[column] = per_label[column].astype(int)

    ann_rows = []
    for who, group in labels.groupby("annotator"):
        stamps = pd.to_datetime(group["time"], utc=True, format="ISO8601").sort_values()
        # Pace only from the seconds `framing label` records per answer; labels recorded in
        # batches (labels add, imports) carry one time per batch, which says nothing about pace.
        seconds = pd.to_numeric(group["seconds"], errors="coerce") if "seconds" in group else pd.Series(dtype=float)
        active = seconds.sum() if seconds.notna().any() else 0.0
        n_par = group["paragraph_id"].nunique()
        marked = int(group["rationale"].map(has_marks).sum()) if "rationale" in group else 0
        ann_rows.append({"annotator": who, "paragraphs": n_par, "labels": len(group), "with_rationale": marked,
                         "first": stamps.iloc[0].strftime("%Y-%m-%d %H:%M"), "last": stamps.iloc[-1].strftime("%Y-%m-%d %H:%M"),
                         "paragraphs_per_hour": round(n_par / (active / 3600), 1) if active > 0 else float("nan")})
    per_annotator = pd.DataFrame(ann_rows)

    labelled = set(labels["paragraph_id"])
    left = paragraphs[~paragraphs["paragraph_id"].isin(labelled)]
    coverage = pd.DataFrame({"paragraphs": paragraphs.groupby("outlet").size(),
                             "labelled": paragraphs[paragraphs["paragraph_id"].isin(labelled)].groupby("outlet").size(),
                             "unlabelled": left.groupby("outlet").size()}).fillna(0).astype(int)
    rare = rare_labels(table, codebook, minimum=min_examples, folds=folds)
    warnings_ = [f"{r.dimension}:{r.label} has {r.paragraphs} example(s) in {r.articles} article(s): too few to evaluate "
                 f"reliably (want {r.want})" + ("; training uses it all the same" if r.paragraphs else "")
                 for r in rare.itertuples()]
    return {"per_label": per_label, "per_annotator": per_annotator, "coverage": coverage, "rare": rare,
            "warnings": warnings_}
