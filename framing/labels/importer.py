"""Turn any labelled table (sentences or paragraphs with label columns) into a framing project:
a paragraph-rows corpus, hand labels and a generated codebook, so public datasets run through
the same commands as a user's own."""

from __future__ import annotations

import ast
import hashlib
import re
from pathlib import Path

import numpy as np
import pandas as pd

from framing._io import atomic_write, toml_text
from framing.config import config_file
from framing.corpus.tables import iter_table
from framing.labels.codebook import load_codebook
from framing.labels.names import slug
from framing.labels.staging import check_target, staged_folder
from framing.errors import CorpusError, LabelsError
from framing.labels.store import now_iso, write_labels


_LIST_OF_STRINGS = re.compile(r"""^\[\s*['"]""")


def _marks(cell: object, sep: str, path: Path, row: int, column: str) -> list[str]:
    """A rationale cell as a list of words (empty: nothing marked): a JSON or Python list literal,
    or text split on ``sep``."""
    if cell is None or isinstance(cell, float) and pd.isna(cell):
        return []
    if isinstance(cell, list | tuple | np.ndarray):
        words = list(cell)
    else:
        text = str(cell).strip()
        try:
            words = ast.literal_eval(text) if text.startswith("[") and text.endswith("]") else None
        except (ValueError, SyntaxError):
            words = None  # e.g. a cue "[AP.]": bracketed text, not a list
        if words is None and _LIST_OF_STRINGS.match(text):
            raise LabelsError(f"row {row + 1}: {column} value {text[:60]!r} looks like a list but cannot be read",
                              path=path, fix="write it as a list, e.g. ['cult', 'fringe'], or as words separated "
                                             f"by {sep!r}")
        if words is None:
            words = text.split(sep)
        elif not isinstance(words, list):
            words = [words]
    words = [str(w).strip() for w in words if str(w).strip()]
    return list(dict.fromkeys(words))


def _read_checked(path: Path, columns: dict[str, str | None], labels: dict[str, str], multi: set[str],
                  rationales: dict[str, str]) -> pd.DataFrame:
    """The whole table, once every column named for a role is known to be there."""
    frame = pd.concat(list(iter_table(path, chunk_size=100_000)), ignore_index=True)
    wanted = {"text": columns["text"], **{f"label {d}": c for d, c in labels.items()},
              **{f"rationale {d}": c for d, c in rationales.items()},
              **{k: v for k, v in columns.items() if v and k != "text"}}
    for role, column in wanted.items():
        if column not in frame.columns:
            raise CorpusError(f"no column {column!r} for {role} (columns: {', '.join(map(str, frame.columns))})", path=path,
                              fix="name an existing column")
    for option, given in (("--multi", multi), ("--rationale", set(rationales))):
        if given - set(labels):
            raise LabelsError(f"{option} names {sorted(given - set(labels))}, which is not a --label dimension", path=path,
                              fix="use a dimension given with --label")
    return frame


def _corpus(frame: pd.DataFrame, path: Path, stem: str, columns: dict[str, str | None]) -> pd.DataFrame:
    """The imported rows as corpus articles: ids (given or numbered), groups as article ids."""
    id_col, group, outlet, date, split = (columns[k] for k in ("id", "group", "outlet", "date", "split"))
    ids = frame[id_col].astype(str) if id_col else pd.Series([f"{stem}-{i}" for i in frame.index], index=frame.index)
    if ids.duplicated().any():
        raise CorpusError(f"id column {id_col!r} has duplicates (e.g. {ids[ids.duplicated()].iloc[0]!r})", path=path,
                          fix="choose a unique id column, or leave --id out to number the rows")
    groups = frame[group].astype(str).map(lambda g: "g" + hashlib.sha1(g.encode()).hexdigest()[:10]) if group else ids
    corpus = pd.DataFrame({"id": ids, "article_id": groups, "text": frame[columns["text"]].astype(str),
                           "outlet": frame[outlet].astype(str) if outlet else "unknown",
                           "date": frame[date] if date else None, "title": None})
    if split:
        corpus["split"] = frame[split].astype(str)
    return corpus


def import_table(path: str | Path, out_dir: str | Path, *, text: str, labels: dict[str, str], multi: set[str] | None = None,
                 sep: str = "|", id_col: str | None = None, outlet: str | None = None, date: str | None = None,
                 group: str | None = None, split: str | None = None, skip_values: list[str] | None = None,
                 annotator: str = "imported", name: str | None = None, rationales: dict[str, str] | None = None,
                 force: bool = False) -> dict:
    """Write ``out_dir/corpus/<name>.jsonl``, ``out_dir/labels/{codebook.toml,<annotator>.jsonl}`` and
    ``out_dir/experiments/default/config.toml``. Returns a summary of what was kept and skipped.

    A multi-label cell is a list (``["economy", "politics"]`` in ``.jsonl``/``.parquet``, or the
    same written as text), or values split on ``sep``; an empty one means "none of the labels".
    Rows with no text are left out (counted as ``no_text``). Label names are the values made
    codebook names (:func:`framing.labels.names.slug`); ``names`` in the summary maps each value to
    its name. ``rationales`` maps a dimension to a column of marked words (a list such as
    ``['cult', 'fringe']``, or values split on ``sep``); they become the label records' ``rationale``.

    ``out_dir`` must be new or empty unless ``force`` (then it is replaced whole); it appears
    complete or not at all (:func:`framing.labels.staging.staged_folder`)."""
    path, out = Path(path), Path(out_dir)
    check_target(out, force=force)
    multi = multi or set()
    rationales = rationales or {}
    skip = {str(v).strip() for v in (["No agreement"] if skip_values is None else skip_values)}
    columns = {"text": text, "id": id_col, "outlet": outlet, "date": date, "group": group, "split": split}
    frame = _read_checked(path, columns, labels, multi, rationales)
    rows = len(frame)
    frame = frame[~frame[text].map(_blank)]  # no paragraph to label (the index keeps the row numbers)
    stem = slug(name or path.stem)
    corpus = _corpus(frame, path, stem, columns)
    stamp = now_iso()
    records, summary = [], {"rows": rows, "no_text": rows - len(frame), "dimensions": {}}
    codebook_data = {"name": name or path.stem, "version": "1.0",
                     "description": f"Generated by framing import table from {path.name}.", "dimensions": []}
    for dim, column in labels.items():
        values = pd.Series({row: _cell_values(cell, dim in multi, sep, skip, path, row, column)
                            for row, cell in frame[column].items()}, dtype=object)
        keep = values.notna()
        names = _label_names(values[keep], dim in multi, column, path)
        codebook_data["dimensions"].append({
            "name": slug(dim), "kind": "multi" if dim in multi else "single", "question": f"Imported from column {column}.",
            "labels": [{"name": n, "definition": f"Rows whose {column} is {o!r}."} for o, n in names.items()]})
        marks = [None] * int(keep.sum()) if dim not in rationales else \
            [_marks(cell, sep, path, row, rationales[dim]) for row, cell in frame.loc[keep, rationales[dim]].items()]
        for pid, value, marked in zip(corpus["id"][keep], values[keep], marks):
            record = {"paragraph_id": pid, "dimension": slug(dim), "value": sorted(names[v] for v in value),
                      "annotator": annotator, "time": stamp, "codebook_version": "1.0", "note": f"imported from {path.name}"}
            if marked is not None:  # the dimension has a rationale column: [] = nothing marked
                record["rationale"] = marked
            records.append(record)
        counts = pd.Series([names[x] for v in values[keep] for x in v]).value_counts().to_dict()
        summary["dimensions"][slug(dim)] = {"labelled": int(keep.sum()), "skipped": int((~keep).sum()),
                                            "skip_reason": f"value in {sorted(skip)} or empty", "labels": counts,
                                            "names": names, "with_rationale": int(sum(bool(m) for m in marks))}

    with staged_folder(out, force=force) as stage:
        _write_project(stage, path.name, stem, corpus, split, codebook_data, records, annotator)
    return summary


def _blank(cell: object) -> bool:
    """True for a text cell with nothing to read (missing, empty or white space)."""
    return cell is None or isinstance(cell, float) and pd.isna(cell) or not str(cell).strip()


def _cell_values(cell: object, multi: bool, sep: str, skip: set[str], path: Path, row: int,
                 column: str) -> list[str] | None:
    """A label cell's values, each once, or None when the row gives no label on the dimension (a
    skip value; a single-choice cell left empty). A multi-label cell is a list or values split
    on ``sep``; empty, it is "none of the labels"."""
    if isinstance(cell, list | tuple | np.ndarray):
        values = list(dict.fromkeys(str(v).strip() for v in cell if not _blank(v)))
    elif _blank(cell):
        values = []
    elif str(cell).strip() in skip:
        return None
    else:
        values = _marks(cell, sep, path, row, column) if multi else [str(cell).strip()]
    if values and set(values) <= skip or not multi and not values:
        return None
    if not multi and len(values) > 1:
        raise LabelsError(f"row {row + 1}: {column} holds several values {values} for a single-choice dimension",
                          path=path, fix="name the dimension with --multi, or give one value per row")
    return values


def _label_names(values: pd.Series, multi: bool, column: str, path: Path) -> dict[str, str]:
    """Each raw value of a dimension (sorted) → its codebook label name, checked distinct."""
    originals = sorted({x for v in values for x in v})
    names = {o: slug(o) for o in originals}
    if len(set(names.values())) != len(names):
        clash = next(n for n in names.values() if list(names.values()).count(n) > 1)
        same = [o for o, n in names.items() if n == clash]
        raise LabelsError(f"values of {column!r} {same} would all be the label {clash!r}", path=path,
                          fix="make them one value in the table if they mean the same, or rename them so that "
                              "they differ in more than case, accents or punctuation")
    if not multi and len(originals) < 2:
        raise LabelsError(f"column {column!r} has fewer than two label values", path=path,
                          fix="a single-choice dimension needs at least two labels")
    return names


def _write_project(out: Path, source: str, stem: str, corpus: pd.DataFrame, split: str | None, codebook_data: dict,
                   records: list[dict], annotator: str) -> None:
    (out / "corpus").mkdir(parents=True, exist_ok=True)
    # One file per predefined split (its name becomes the collection: --train-on / --test-on).
    parts = corpus.groupby("split") if split else [(stem, corpus)]
    for part, rows in parts:
        with atomic_write(out / "corpus" / f"{slug(str(part))}.jsonl") as handle:
            handle.write(rows.drop(columns="split", errors="ignore").to_json(orient="records", lines=True, force_ascii=False))
    with atomic_write(out / "labels" / "codebook.toml") as handle:
        handle.write(toml_text(codebook_data))
    codebook = load_codebook(out / "labels" / "codebook.toml")
    for record in records:
        record["value"] = [v for v in codebook.dimension(record["dimension"]).label_names if v in record["value"]]
    write_labels(out / "labels" / f"{slug(annotator)}.jsonl", records)
    with atomic_write(config_file(out, "default")) as handle:
        handle.write(f"# Generated by framing import table from {source}\n[data]\nparagraph_rows = true\n")
