"""Decisions made outside a labelling session (a TSV/CSV of labels, or final labels that settle
disagreements), validated against codebook and corpus, then recorded in the label store."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from framing.config import ExperimentConfig
from framing.decode import read_text
from framing.corpus.read import project_paragraphs
from framing.errors import LabelsError
from framing.labels.codebook import load_codebook
from framing.labels.store import check_rationale, check_record, now_iso, rationale_column, upsert_labels


def add_labels(decisions: str | Path, *, annotator: str, output: str | Path, config: ExperimentConfig,
               root: str | Path = ".", adjudicated: bool = False) -> int:
    """Record decisions from a TSV/CSV, validated against codebook and corpus before anything is written.

    Two layouts: wide (``paragraph_id`` + one column per dimension) or long (``paragraph_id``,
    ``dimension``, ``value``). Several labels are separated by ``,`` or ``|``; an empty cell is
    "none" (multi-label). With ``adjudicated`` the records are final labels that settle a
    disagreement; the annotators' own labels are kept. An optional ``rationale`` column (long) or
    ``<dimension>__rationale`` columns (wide) give the words that decided a label, separated by
    ``;`` and each found in the paragraph (an empty cell: nothing marked). Two rows that label one
    paragraph and dimension differently are an error. Returns the number of records written.
    """
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
    for number, record in records:
        check_record(record, codebook, decisions, number)
    return upsert_labels(output, _once_each(records, decisions), codebook)


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
