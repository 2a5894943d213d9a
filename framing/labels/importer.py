"""Turn any labelled table (sentences or paragraphs with label columns) into a framing project:
a paragraph-rows corpus, hand labels and a generated codebook, so public datasets run through
the same commands as a user's own."""

from __future__ import annotations

import ast
import hashlib
import re
from pathlib import Path

import pandas as pd

from framing._io import atomic_write, toml_text
from framing.config import config_file
from framing.corpus.tables import iter_table
from framing.labels.codebook import load_codebook
from framing.labels.staging import check_target, staged_folder
from framing.errors import CorpusError, LabelsError
from framing.labels.store import now_iso, write_labels


def slug(value: str) -> str:
    """A codebook label name for a raw value: "Non-biased" → "non_biased"."""
    name = re.sub(r"[^a-z0-9]+", "_", str(value).strip().lower()).strip("_")
    return name if name and name[0].isalpha() else f"l_{name}"


_LIST_OF_STRINGS = re.compile(r"""^\[\s*['"]""")


def _marks(cell: object, sep: str, path: Path, row: int, column: str) -> list[str]:
    """A rationale cell as a list of words (empty: nothing marked): a JSON or Python list literal,
    or text split on ``sep``."""
    if cell is None or isinstance(cell, float) and pd.isna(cell):
        return []
    if isinstance(cell, list | tuple):
        words = cell
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
    ids = frame[id_col].astype(str) if id_col else pd.Series([f"{stem}-{i}" for i in range(len(frame))])
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

    ``rationales`` maps a dimension to a column of marked words (a list such as ``['cult',
    'fringe']``, or values split on ``sep``); they become the label records' ``rationale``.

    ``out_dir`` must be new or empty unless ``force`` (then it is replaced whole); it appears
    complete or not at all (:func:`framing.labels.staging.staged_folder`)."""
    path, out = Path(path), Path(out_dir)
    check_target(out, force=force)
    multi = multi or set()
    rationales = rationales or {}
    skip = {str(v).strip() for v in (["No agreement"] if skip_values is None else skip_values)}
    columns = {"text": text, "id": id_col, "outlet": outlet, "date": date, "group": group, "split": split}
    frame = _read_checked(path, columns, labels, multi, rationales)
    stem = slug(name or path.stem)
    corpus = _corpus(frame, path, stem, columns)
    ids = corpus["id"]

    stamp = now_iso()
    records, summary = [], {"rows": len(frame), "dimensions": {}}
    codebook_data = {"name": name or path.stem, "version": "1.0",
                     "description": f"Generated by framing import table from {path.name}.", "dimensions": []}
    for dim, column in labels.items():
        raw = frame[column].fillna("").astype(str).str.strip()
        keep = ~raw.isin(skip) & (raw != "" if dim not in multi else True)
        values = raw[keep].map(lambda v: [x.strip() for x in v.split(sep) if x.strip()] if dim in multi else [v])
        originals = sorted({x for v in values for x in v})
        names = {o: slug(o) for o in originals}
        if len(set(names.values())) != len(names):
            raise LabelsError(f"values of {column!r} collide when turned into label names: {names}", path=path,
                              fix="rename the values so that they differ in letters or digits")
        if dim not in multi and len(originals) < 2:
            raise LabelsError(f"column {column!r} has fewer than two label values", path=path,
                              fix="a single-choice dimension needs at least two labels")
        codebook_data["dimensions"].append({
            "name": slug(dim), "kind": "multi" if dim in multi else "single", "question": f"Imported from column {column}.",
            "labels": [{"name": names[o], "definition": f"Rows whose {column} is {o!r}."} for o in originals]})
        marks = [None] * int(keep.sum()) if dim not in rationales else \
            [_marks(cell, sep, path, row, rationales[dim]) for row, cell in frame.loc[keep, rationales[dim]].items()]
        for pid, value, marked in zip(ids[keep], values, marks):
            record = {"paragraph_id": pid, "dimension": slug(dim), "value": sorted(names[v] for v in value),
                      "annotator": annotator, "time": stamp, "codebook_version": "1.0", "note": f"imported from {path.name}"}
            if marked is not None:  # the dimension has a rationale column: [] = nothing marked
                record["rationale"] = marked
            records.append(record)
        counts = pd.Series([names[x] for v in values for x in v]).value_counts().to_dict()
        summary["dimensions"][slug(dim)] = {"labelled": int(keep.sum()), "skipped": int((~keep).sum()),
                                            "skip_reason": f"value in {sorted(skip)} or empty", "labels": counts,
                                            "with_rationale": int(sum(bool(m) for m in marks))}

    with staged_folder(out, force=force) as stage:
        _write_project(stage, path.name, stem, corpus, split, codebook_data, records, annotator)
    return summary


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
