import json

import pandas as pd
import pytest

from framing import LabelsError, read_labels, read_paragraphs, resolve, upsert_labels

T = "2026-11-25T10:00:00+00:00"


def write(path, *records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")


def rec(pid="p1", dim="mood", value=("upbeat",), who="ann", **extra):
    return {"paragraph_id": pid, "dimension": dim, "value": list(value), "annotator": who, "time": T, **extra}


def test_fixture_labels_are_valid(project, codebook):
    ids = read_paragraphs(project / "corpus")["paragraph_id"]
    labels = read_labels(project / "labels", codebook, paragraph_ids=ids)
    assert len(labels) == 36 and set(labels["dimension"]) == {"mood", "topics"}


@pytest.mark.parametrize("record, message", [
    (rec(dim="tone"), "unknown dimension 'tone'"),
    (rec(value=("happy",)), r"unknown label\(s\) \['happy'\]"),
    (rec(value=("upbeat", "gloomy")), "single-choice but has 2 values"),
    (rec(value=()), "single-choice but has 0 values"),
    (rec(dim="topics", value=("sport", "sport")), "label repeated"),
    ({**rec(), "value": "upbeat"}, "must be a list"),
    ({k: v for k, v in rec().items() if k != "annotator"}, r"missing key\(s\) \['annotator'\]"),
    ({**rec(), "time": "yesterday"}, "not an ISO 8601"),
    ({**rec(), "colour": "red"}, r"unknown key\(s\)"),
])
def test_invalid_records_name_file_and_line(tmp_path, codebook, record, message):
    path = tmp_path / "l.jsonl"
    write(path, rec(pid="p0"), record)
    with pytest.raises(LabelsError, match=message) as info:
        read_labels(path, codebook)
    assert f"{path}:2:" in info.value.message and " — " in info.value.message


def test_duplicate_entries(tmp_path, codebook):
    path = tmp_path / "l.jsonl"
    write(path, rec(), rec(value=("gloomy",)))
    with pytest.raises(LabelsError, match=r"duplicate label.*already labelled at .*l\.jsonl:1"):
        read_labels(path, codebook)


def test_label_for_unknown_paragraph(tmp_path, codebook):
    path = tmp_path / "l.jsonl"
    write(path, rec(pid="gone"))
    with pytest.raises(LabelsError, match="'gone' is not in the corpus"):
        read_labels(path, codebook, paragraph_ids=["p1"])


def test_retired_labels_are_kept_but_not_read(tmp_path, codebook):
    folder = tmp_path / "mine"
    (folder / "retired").mkdir(parents=True)
    write(folder / "a.jsonl", rec())
    write(folder / "retired" / "old.jsonl", rec(pid="gone"))
    frame = read_labels(folder, codebook, paragraph_ids=["p1"])
    assert list(frame["paragraph_id"]) == ["p1"]


def test_bad_json(tmp_path, codebook):
    path = tmp_path / "l.jsonl"
    path.write_text(json.dumps(rec()) + "\n{nope\n", encoding="utf-8")
    with pytest.raises(LabelsError, match=r"l\.jsonl:2: not valid JSON"):
        read_labels(path, codebook)


def test_resolve_policy(codebook):
    labels = pd.DataFrame([
        rec("p1", who="a"), rec("p1", who="b"), rec("p1", value=("gloomy",), who="c"),          # majority
        rec("p2", who="a"), rec("p2", value=("gloomy",), who="b"),                               # tie: left out
        rec("p3", who="a"), rec("p3", value=("gloomy",), who="b"),
        rec("p3", value=("gloomy",), who="adjudicated", adjudicated=True),                       # adjudicated wins
        rec("p4", "topics", ("sport", "weather"), "a"), rec("p4", "topics", ("sport",), "b"),
        rec("p4", "topics", ("sport",), "c"),                                                    # multi: > half
    ])
    out = resolve(labels, codebook)
    assert out.loc["p1", "mood"] == "upbeat"
    assert "p2" not in out.index or pd.isna(out.loc["p2", "mood"])
    assert out.loc["p3", "mood"] == "gloomy"
    assert out.loc["p4", "topics"] == ["sport"]


def test_upsert_replaces_same_annotator_and_keeps_others(tmp_path, codebook):
    path = tmp_path / "l.jsonl"
    upsert_labels(path, [rec(who="a"), rec(who="b")], codebook)
    upsert_labels(path, [rec(value=("gloomy",), who="a")], codebook)
    got = read_labels(path, codebook).set_index("annotator")["value"]
    assert got["a"] == ["gloomy"] and got["b"] == ["upbeat"]


def test_upsert_validates_before_writing(tmp_path, codebook):
    path = tmp_path / "l.jsonl"
    upsert_labels(path, [rec()], codebook)
    before = path.read_bytes()
    with pytest.raises(LabelsError):
        upsert_labels(path, [rec(pid="p2"), rec(value=("nope",))], codebook)
    assert path.read_bytes() == before


def test_written_files_get_ordinary_permissions(tmp_path, codebook):
    import os

    path = tmp_path / "l.jsonl"
    upsert_labels(path, [rec()], codebook)
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
    path.chmod(0o640)
    upsert_labels(path, [rec(pid="p2")], codebook)
    assert path.stat().st_mode & 0o777 == 0o640  # an existing file keeps its mode


def test_pace_comes_only_from_recorded_seconds(project, codebook):
    from framing import label_stats

    paragraphs = read_paragraphs(project / "corpus")
    ids = paragraphs["paragraph_id"].tolist()
    timed = [rec(pid, "mood", who="fast", seconds=30.0) for pid in ids[:4]]           # 4 paragraphs in 2 minutes
    batch = [rec(pid, "mood", who="batch") for pid in ids[:4]]                       # recorded in one go
    stats = label_stats(pd.DataFrame(timed + batch), paragraphs, codebook)["per_annotator"].set_index("annotator")
    assert stats.loc["fast", "paragraphs_per_hour"] == pytest.approx(120.0)
    assert pd.isna(stats.loc["batch", "paragraphs_per_hour"])
