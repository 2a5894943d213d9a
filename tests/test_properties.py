"""Property-based tests of every reader and the labels store: random bytes, random tables and
random JSON or TOML either read or raise a FramingError (never another exception), and never
change a byte of the files that were there."""

from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from framing import _io
from framing.errors import FramingError

from conftest import CODEBOOK

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Bytes that look like the files people leave in corpus folders: real text in several encodings,
# binary signatures, and plain junk.
TEXTS = st.text(st.characters(exclude_categories=("Cs",)), max_size=300)
ENCODINGS = st.sampled_from(["utf-8", "utf-16", "utf-8-sig", "cp1252", "latin-1", "cp1251"])


@st.composite
def file_bytes(draw) -> bytes:
    kind = draw(st.sampled_from(["text", "binary", "signature", "mixed"]))
    if kind == "text":
        encoding = draw(ENCODINGS)
        return draw(TEXTS).encode(encoding, errors="replace")
    if kind == "signature":
        head = draw(st.sampled_from([b"%PDF-1.4\n", b"\x89PNG\r\n\x1a\n", b"PK\x03\x04", b"\xff\xfe", b"\xfe\xff",
                                     b"\xef\xbb\xbf", b"PAR1", b"---\n"]))
        return head + draw(st.binary(max_size=200))
    if kind == "mixed":
        return draw(TEXTS).encode("utf-8") + draw(st.binary(max_size=20)) + draw(TEXTS).encode("utf-8")
    return draw(st.binary(max_size=400))


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
                    max_leaves=12)


def hashes(folder: Path) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def readable_or_framing_error(call, folder: Path):
    """Run ``call()``: its result, or None when it raised a FramingError; files in ``folder`` unchanged."""
    before = hashes(folder)
    try:
        return call()
    except FramingError:
        return None
    finally:
        assert hashes(folder) == before


def workdir() -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix="framing-prop-")


def codebook_file(folder: Path):
    from framing.labels.codebook import load_codebook

    path = folder / "codebook.toml"
    path.write_text(CODEBOOK, encoding="utf-8")
    return load_codebook(path)


# ----------------------------------------------------------------------------- articles and tables

@FAST
@given(data=file_bytes(), suffix=st.sampled_from([".txt", ".md", ".html", ".csv", ".jsonl", ".parquet"]))
def test_any_file_in_a_corpus_folder(data, suffix):
    from framing.corpus.read import read_paragraphs

    with workdir() as tmp:
        folder = Path(tmp)
        (folder / "good.txt").write_text("A good paragraph.\n\nAnother one.", encoding="utf-8")
        (folder / f"odd{suffix}").write_bytes(data)
        skipped = []
        got = readable_or_framing_error(lambda: read_paragraphs(folder, on_skip=lambda f, r: skipped.append(f)), folder)
        if got is not None and skipped:  # a skipped file costs nothing of the others
            assert {"A good paragraph.", "Another one."} <= set(got["text"])
        readable_or_framing_error(lambda: read_paragraphs(folder / f"odd{suffix}"), folder)


CELLS = st.one_of(st.none(), st.text(max_size=40), st.integers(), st.floats(allow_nan=True), st.booleans())


@st.composite
def tables(draw) -> pd.DataFrame:
    names = draw(st.lists(st.sampled_from(["id", "text", "outlet", "date", "title", "url", "article_id", "x", ""]),
                          min_size=1, max_size=6, unique=True))
    rows = draw(st.integers(0, 6))
    return pd.DataFrame({name: draw(st.lists(CELLS, min_size=rows, max_size=rows)) for name in names})


@FAST
@given(frame=tables(), suffix=st.sampled_from([".csv", ".jsonl", ".parquet"]), paragraphs=st.booleans(),
       encoding=st.sampled_from(["utf-8", "utf-16", "cp1252"]))
def test_random_tables(frame, suffix, paragraphs, encoding):
    from framing.corpus.read import read_paragraphs

    with workdir() as tmp:
        path = Path(tmp) / f"t{suffix}"
        if suffix == ".csv":
            path.write_bytes(frame.to_csv(index=False).encode(encoding, errors="replace"))
        elif suffix == ".jsonl":
            path.write_bytes(frame.to_json(orient="records", lines=True, force_ascii=False).encode(encoding, errors="replace"))
        else:
            try:
                frame.astype(str).to_parquet(path)
            except Exception:  # pyarrow refuses some column names; nothing to read then
                return
        got = readable_or_framing_error(lambda: read_paragraphs(path, paragraphs=paragraphs), Path(tmp))
        if got is not None:
            assert got["paragraph_id"].is_unique or paragraphs


@FAST
@given(lines=st.lists(JSON, max_size=5))
def test_random_json_lines_as_a_table(lines):
    from framing.corpus.read import read_paragraphs

    with workdir() as tmp:
        path = Path(tmp) / "t.jsonl"
        path.write_text("\n".join(json.dumps(v) for v in lines), encoding="utf-8")
        readable_or_framing_error(lambda: read_paragraphs(path), Path(tmp))


# ----------------------------------------------------------------------------- hand labels

LABEL_KEYS = ["paragraph_id", "dimension", "value", "annotator", "time", "seconds", "rationale", "accepted", "note"]
LABEL_VALUES = st.one_of(JSON, st.sampled_from(["mood", "topics", "upbeat", "gloomy", "2026-01-01T00:00:00",
                                                 "p:0:abc"]),
                         st.lists(st.sampled_from(["upbeat", "gloomy", "sport", "weather", "x"]), max_size=3))


@FAST
@given(records=st.lists(st.one_of(JSON, st.dictionaries(st.sampled_from(LABEL_KEYS), LABEL_VALUES, max_size=8)),
                        max_size=4),
       junk=st.one_of(st.none(), file_bytes()))
def test_random_labels_files(records, junk):
    from framing.labels.store import read_labels

    with workdir() as tmp:
        folder = Path(tmp)
        codebook = codebook_file(folder)
        (folder / "a.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
        if junk is not None:
            (folder / "b.jsonl").write_bytes(junk)
        readable_or_framing_error(lambda: read_labels(folder, codebook), folder)


@FAST
@given(records=st.lists(st.dictionaries(st.sampled_from(LABEL_KEYS), LABEL_VALUES, max_size=8), min_size=1, max_size=3),
       existing=st.one_of(st.none(), file_bytes()))
def test_labels_store_writes_all_or_nothing(records, existing):
    from framing.labels.store import read_labels, upsert_labels

    good = {"paragraph_id": "a:0:12345678", "dimension": "mood", "value": ["upbeat"], "annotator": "tester",
            "time": "2026-01-01T00:00:00+00:00"}
    with workdir() as tmp:
        folder = Path(tmp)
        codebook = codebook_file(folder)
        store = folder / "labels.jsonl"
        store.write_bytes((json.dumps(good) + "\n").encode() if existing is None else existing)
        before = store.read_bytes()
        try:
            upsert_labels(store, records, codebook)
        except FramingError:
            assert store.read_bytes() == before
            return
        assert len(read_labels(store, codebook)) >= (1 if existing is None else 0)  # what was written reads back


def mostly(good, bad=JSON):
    """``good`` three times in four, else ``bad``: deep shapes get explored past their first level."""
    return st.integers(0, 3).flatmap(lambda pick: bad if pick == 0 else good)


CHOICES = st.lists(st.sampled_from(["upbeat", "gloomy", "sport", "weather", "x"]), max_size=2)
RESULT_ITEM = st.fixed_dictionaries(
    {"from_name": st.sampled_from(["mood", "topics", "mood__rationale", "x"]),
     "value": mostly(st.fixed_dictionaries({}, optional={"choices": mostly(CHOICES), "start": JSON, "end": JSON,
                                                         "text": JSON}))})
ANNOTATION = st.fixed_dictionaries({"result": mostly(st.lists(mostly(RESULT_ITEM), max_size=2)),
                                    "completed_by": JSON, "lead_time": JSON},
                                   optional={"updated_at": JSON, "created_at": JSON, "was_cancelled": JSON})
TASK = st.fixed_dictionaries({"data": mostly(st.fixed_dictionaries({"paragraph_id": mostly(st.sampled_from(["p1", "p2"]))},
                                                                   optional={"text": JSON}))},
                             optional={"annotations": mostly(st.lists(mostly(ANNOTATION), max_size=2))})


@FAST
@given(tasks=mostly(st.lists(mostly(TASK), max_size=3)), junk=st.one_of(st.none(), file_bytes()))
def test_random_label_studio_exports(tasks, junk):
    from framing.labels.labelstudio import import_export

    with workdir() as tmp:
        folder = Path(tmp)
        codebook = codebook_file(folder)
        path = folder / "export.json"
        if junk is not None:
            path.write_bytes(junk)
        else:
            path.write_text(json.dumps(tasks), encoding="utf-8")
        readable_or_framing_error(lambda: import_export(path, codebook), folder)


# ----------------------------------------------------------------------------- codebook and config TOML

def toml_value(value) -> str:
    """framing's own TOML value writer, plus inline tables (which framing never writes)."""
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    return _io.toml_value(value)


def write_toml(path: Path, junk: bytes | None, lines: list[str]) -> None:
    """``junk`` if drawn, else the TOML ``lines``."""
    if junk is not None:
        path.write_bytes(junk)
    else:
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")


TOML_SCALARS = st.one_of(st.booleans(), st.integers(-5, 5), st.floats(-10, 10), st.text(max_size=12))
TOML_VALUES = st.recursive(TOML_SCALARS, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.sampled_from(["name", "kind", "labels", "definition", "x"]), inner,
                                             max_size=3), max_leaves=8)


LABEL_TABLES = st.lists(st.one_of(TOML_SCALARS, st.dictionaries(
    st.sampled_from(["name", "definition", "key", "actors", "x"]),
    st.one_of(TOML_VALUES, st.sampled_from(["upbeat", "gloomy", "Bad Name"]), st.lists(st.text(max_size=5), max_size=2)),
    max_size=4)), max_size=3)
DIMENSION_TABLES = st.lists(st.one_of(TOML_SCALARS, st.dictionaries(
    st.sampled_from(["name", "kind", "labels", "question", "x"]),
    st.one_of(TOML_VALUES, st.sampled_from(["single", "multi", "mood", "Bad Name"]), LABEL_TABLES), max_size=5)),
    max_size=3)


@FAST
@given(top=st.dictionaries(st.sampled_from(["name", "version", "description", "x"]), TOML_VALUES, max_size=3),
       dims=st.one_of(TOML_VALUES, DIMENSION_TABLES), junk=st.one_of(st.none(), file_bytes()))
def test_random_codebooks(top, dims, junk):
    from framing.labels.codebook import load_codebook

    with workdir() as tmp:
        path = Path(tmp) / "codebook.toml"
        write_toml(path, junk, [f"{key} = {toml_value(value)}" for key, value in {**top, "dimensions": dims}.items()])
        readable_or_framing_error(lambda: load_codebook(path), Path(tmp))


SECTIONS = ["data", "features", "classifier", "evaluate", "report", "active", "articles", "classifer", "name"]


@FAST
@given(raw=st.dictionaries(st.sampled_from(SECTIONS), st.one_of(TOML_SCALARS, st.dictionaries(
           st.sampled_from(["C", "ngram_max", "analyzer", "folds", "min_examples", "lexicon", "threshold", "x"]),
           TOML_VALUES, max_size=3)), max_size=4),
       overrides=st.lists(st.text(max_size=30), max_size=2), junk=st.one_of(st.none(), file_bytes()))
def test_random_configs(raw, overrides, junk):
    from framing.config import load_config

    with workdir() as tmp:
        path = Path(tmp) / "config.toml"
        lines = [f"{k} = {toml_value(v)}" for k, v in raw.items() if not isinstance(v, dict)]
        for section, values in raw.items():
            if isinstance(values, dict):
                lines.append(f"[{section}]")
                lines += [f"{key} = {toml_value(value)}" for key, value in values.items()]
        write_toml(path, junk, lines)
        readable_or_framing_error(lambda: load_config(path, overrides), Path(tmp))


@pytest.mark.parametrize("encoding", ["utf-16", "cp1252", "utf-8-sig"])
def test_labels_and_codebook_in_legacy_encodings(tmp_path, encoding):
    from framing.labels.codebook import load_codebook
    from framing.labels.store import read_labels

    record = {"paragraph_id": "a:0:12345678", "dimension": "mood", "value": ["upbeat"], "annotator": "tester",
              "time": "2026-01-01T00:00:00+00:00", "note": "café — “quoted”"}
    (tmp_path / "codebook.toml").write_bytes(CODEBOOK.replace("Good news.", "Good news, café.").encode(encoding))
    codebook = load_codebook(tmp_path / "codebook.toml")
    assert codebook.dimension("mood").labels[0].definition == "Good news, café."
    (tmp_path / "a.jsonl").write_bytes((json.dumps(record, ensure_ascii=False) + "\n").encode(encoding))
    got = read_labels(tmp_path / "a.jsonl", codebook)
    assert got.loc[0, "note"] == "café — “quoted”"
