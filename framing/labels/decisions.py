"""Decisions made outside a labelling session (a TSV/CSV of labels, or final labels that settle
disagreements), validated against codebook and corpus, then recorded in the label store."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import pandas as pd

from framing.config import ExperimentConfig
from framing.decode import read_text
from framing.corpus.read import project_paragraphs
from framing.errors import FramingWarning, LabelsError
from framing.labels.codebook import load_codebook
from framing.labels.store import check_rationale, check_record, now_iso, rationale_column, upsert_labels


# How a decisions file (and `framing agree --disagreements`) writes "no label" on a multi-label dimension.
NO_LABEL = "(none)"


def add_labels(decisions: str | Path, *, annotator: str, output: str | Path, config: ExperimentConfig,
               root: str | Path = ".", adjudicated: bool = False) -> int:
    """Record decisions from a TSV/CSV, validated against codebook and corpus before anything is written.

    Two layouts: wide (``paragraph_id`` + one column per dimension) or long (``paragraph_id``,
    ``dimension``, ``value``). Several labels are separated by ``,`` or ``|``; ``(none)`` is no
    label (multi-label), and so is an empty cell, except in an adjudication (``adjudicated``),
    where an empty cell is a case not decided yet: it is left out, with a warning. With
    ``adjudicated`` the records are final labels that settle a disagreement; the annotators' own
    labels are kept. An optional ``rationale`` column (long) or
    ``<dimension>__rationale`` columns (wide) give the words that decided a label, separated by
    ``;`` and each found in the paragraph (an empty cell: nothing marked). Two rows that label one
    paragraph and dimension differently are an error. Returns the number of records written.
    """
    root = Path(root)
    decisions = Path(decisions)
    codebook = load_codebook(root / config.data.codebook)
    frame = _read(decisions)
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
    records, undecided = [], []
    for number, row in enumerate(frame.to_dict("records"), start=2):
        if row["paragraph_id"] not in texts:
            raise LabelsError(f"paragraph {row['paragraph_id']!r} is not in the corpus", path=decisions, line=number,
                              fix="copy paragraph ids from the batch or `framing agree` output")
        cells = [(row["dimension"], row["value"])] if long else [(d, row[d]) for d in codebook.names]
        for name, cell in cells:
            if name not in codebook.names:
                raise LabelsError(f"unknown dimension {name!r}", path=decisions, line=number,
                                  fix=f"the codebook defines: {', '.join(codebook.names)}")
            if adjudicated and not cell.strip():
                undecided.append(number)
                continue
            value = [v.strip() for v in cell.replace("|", ",").split(",") if v.strip()]
            record = {"paragraph_id": row["paragraph_id"], "dimension": name,
                      "value": [] if [v.lower() for v in value] == [NO_LABEL] else value,
                      "annotator": annotator, "time": stamp, "codebook_version": codebook.version}
            if adjudicated:
                record["adjudicated"] = True
            _add_rationale(record, row, frame.columns, "rationale" if long else rationale_column(name),
                           texts[row["paragraph_id"]], decisions, number)
            records.append((number, record))
    for number, record in records:
        check_record(record, codebook, decisions, number)
    if undecided:
        warnings.warn(FramingWarning(f"{decisions}: left out {len(undecided)} case(s) with no value, not decided yet "
                                     f"(line {', '.join(map(str, sorted(set(undecided))[:5]))}"
                                     f"{', …' if len(set(undecided)) > 5 else ''}); write {NO_LABEL} for no label"),
                      stacklevel=2)
    return upsert_labels(output, _once_each(records, decisions), codebook)


def _read(decisions: Path) -> pd.DataFrame:
    """A decisions TSV/CSV as text cells, in whatever encoding a spreadsheet exported it."""
    sep = "\t" if decisions.suffix.lower() in (".tsv", ".tab", ".txt") else ","
    text = read_text(decisions, error=LabelsError)  # a spreadsheet's UTF-16 or cp1252 export too
    try:
        return pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        raise LabelsError("the file is empty", path=decisions, fix="write a header line and one line per paragraph") from None
    except pd.errors.ParserError as exc:
        raise LabelsError(f"cannot read decisions ({' '.join(str(exc).split())})", path=decisions,
                          fix="use a TSV or CSV with a header") from None


def _add_rationale(record: dict, row: dict, columns: pd.Index, column: str, text: str, decisions: Path,
                   number: int) -> None:
    """The row's rationale for the record's dimension, when the file has the column (asked: an
    empty cell records that nothing was marked)."""
    if column not in columns:
        return
    try:
        record["rationale"] = check_rationale(row.get(column, "").split(";"), text)
    except LabelsError as exc:
        raise LabelsError(f"rationale of {record['dimension']}: {exc.what}", path=decisions, line=number,
                          fix=exc.fix) from None


def _once_each(records: list[tuple[int, dict]], decisions: Path) -> list[dict]:
    """The records, one per paragraph and dimension: a row that repeats an earlier one is dropped,
    one that labels the same paragraph and dimension differently is an error naming both lines."""
    first: dict[tuple[str, str], tuple[int, dict]] = {}
    for number, record in records:
        key = (record["paragraph_id"], record["dimension"])
        if key not in first:
            first[key] = (number, record)
            continue
        line, earlier = first[key]
        if (sorted(earlier["value"]), earlier.get("rationale")) != (sorted(record["value"]), record.get("rationale")):
            shown = " vs ".join(", ".join(r["value"]) or "(none)" for r in (earlier, record))
            raise LabelsError(f"lines {line} and {number} both label paragraph {key[0]!r} on {key[1]}, differently "
                              f"({shown})", path=decisions, line=number,
                              fix="keep one row per paragraph (in the long layout, per paragraph and dimension)")
    return [record for _, record in first.values()]
