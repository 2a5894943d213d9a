import json
import xml.etree.ElementTree as ET

import pytest
from typer.testing import CliRunner

from framing import LabelsError, read_labels
from framing.cli import app
from framing.labels.labelstudio import import_export, labelling_config

runner = CliRunner()


def test_config_has_one_choices_block_per_dimension(codebook):
    root = ET.fromstring(labelling_config(codebook))
    blocks = {c.get("name"): c for c in root.iter("Choices")}
    assert blocks["mood"].get("choice") == "single" and blocks["topics"].get("choice") == "multiple"
    assert [c.get("value") for c in blocks["topics"]] == ["sport", "weather"]
    assert all(c.get("toName") == "text" for c in blocks.values())


def test_round_trip_returns_identical_labels(project, codebook):
    assert runner.invoke(app, ["train", "--root", str(project)]).exit_code == 0
    out = project / "ls"
    result = runner.invoke(app, ["export", "labelstudio", "--out", str(out), "--annotations", "--root", str(project),
                                 "--model", str(project / "experiments/default")])
    assert result.exit_code == 0, result.output
    tasks = json.loads((out / "tasks.json").read_text())
    assert len(tasks) == 18
    task = tasks[0]
    assert set(task["data"]) >= {"text", "paragraph_id", "outlet", "date", "title"}
    assert task["predictions"][0]["model_version"].startswith("framing") and 0 <= task["predictions"][0]["score"] <= 1
    assert {r["from_name"] for r in task["predictions"][0]["result"]} <= {"mood", "topics"}
    (project / "labels" / "tester.jsonl").rename(project / "original.jsonl")
    result = runner.invoke(app, ["import", "labelstudio", str(out / "tasks.json"), "--root", str(project),
                                 "--out", "labels/back.jsonl"])
    assert result.exit_code == 0, result.output
    fields = ["paragraph_id", "dimension", "annotator"]

    def key(frame):
        return sorted((r.paragraph_id, r.dimension, r.annotator, tuple(r.value)) for r in frame[fields + ["value"]].itertuples())

    assert key(read_labels(project / "labels" / "back.jsonl", codebook)) == key(read_labels(project / "original.jsonl", codebook))


def test_cancelled_skipped_and_users_mapped(tmp_path, codebook):
    export = [{"data": {"paragraph_id": "p1"}, "annotations": [
        {"completed_by": 7, "was_cancelled": False, "created_at": "2026-01-02T03:04:05.123Z", "lead_time": 12.5,
         "result": [{"from_name": "mood", "value": {"choices": ["gloomy"]}}]},
        {"completed_by": 8, "was_cancelled": True, "result": []}]}]
    path = tmp_path / "e.json"
    path.write_text(json.dumps(export))
    records, counts = import_export(path, codebook, users={7: "ann@example.org"})
    assert counts["cancelled"] == 1 and counts["annotations"] == 1
    assert {(r["dimension"], tuple(r["value"])) for r in records} == {("mood", ("gloomy",)), ("topics", ())}
    assert records[0]["annotator"] == "ann@example.org" and records[0]["seconds"] == 12.5


@pytest.mark.parametrize("result, message", [
    ([{"from_name": "sentiment", "value": {"choices": ["pos"]}}], "another labelling config"),
    ([{"from_name": "mood", "value": {"choices": ["meh"]}}], "not in the codebook"),
])
def test_export_from_another_config_is_refused(tmp_path, codebook, result, message):
    path = tmp_path / "e.json"
    path.write_text(json.dumps([{"data": {"paragraph_id": "p1"}, "annotations": [{"completed_by": 1, "result": result}]}]))
    with pytest.raises(LabelsError, match=message):
        import_export(path, codebook)


def test_not_json(tmp_path, codebook):
    path = tmp_path / "e.json"
    path.write_text("id,text\n1,x\n")
    with pytest.raises(LabelsError, match="not a Label Studio JSON export"):
        import_export(path, codebook)


def test_rationale_spans_round_trip(project, codebook):
    from framing import read_paragraphs

    row = read_paragraphs(project / "corpus").iloc[0]  # "The team won the match in a glorious victory, ..."
    labels = project / "labels" / "tester.jsonl"
    records = [json.loads(line) for line in labels.read_text().splitlines()]
    for record in records:
        if record["paragraph_id"] == row.paragraph_id and record["dimension"] == "mood":
            record["rationale"] = ["Glorious victory", "won"]
    labels.write_text("".join(json.dumps(r) + "\n" for r in records))
    out = project / "ls"
    result = runner.invoke(app, ["export", "labelstudio", "--out", str(out), "--annotations", "--rationale",
                                 "--root", str(project)])
    assert result.exit_code == 0, result.output
    spans = {b.get("name") for b in ET.fromstring((out / "config.xml").read_text()).iter("Labels")}
    assert spans == {"mood__rationale", "topics__rationale"}
    tasks = json.loads((out / "tasks.json").read_text())
    marked = [item["value"] for t in tasks for a in t["annotations"] for item in a["result"] if item["type"] == "labels"]
    assert [(m["text"], row.text[m["start"]:m["end"]]) for m in marked] == [("glorious victory", "glorious victory"),
                                                                             ("won", "won")]
    back, _ = import_export(out / "tasks.json", codebook)
    mood = [r for r in back if r["paragraph_id"] == row.paragraph_id and r["dimension"] == "mood"]
    assert mood[0]["rationale"] == ["glorious victory", "won"]
    assert all("rationale" not in r for r in back if r not in mood)
    asked, _ = import_export(out / "tasks.json", codebook, rationale=True)  # the config asked for them
    assert all(r["rationale"] == [] for r in asked if r["dimension"] == "topics")


def test_export_with_annotations_comes_back_without_duplicates(project):
    out = project / "ls"
    assert runner.invoke(app, ["export", "labelstudio", "--out", str(out), "--annotations", "--root", str(project)]).exit_code == 0
    result = runner.invoke(app, ["import", "labelstudio", str(out / "tasks.json"), "--root", str(project)])
    assert result.exit_code == 0, result.output
    assert "imported 0 label(s)" in result.output and "36 label(s) already in the project's labels" in result.output
    assert runner.invoke(app, ["labels", "validate", "--root", str(project)]).exit_code == 0
    tasks = json.loads((out / "tasks.json").read_text())
    mood = next(r for r in tasks[0]["annotations"][0]["result"] if r["from_name"] == "mood")
    mood["value"]["choices"] = ["gloomy" if mood["value"]["choices"] == ["upbeat"] else "upbeat"]
    (out / "tasks.json").write_text(json.dumps(tasks))
    result = runner.invoke(app, ["import", "labelstudio", str(out / "tasks.json"), "--root", str(project)])
    assert result.exit_code == 1
    assert "task 1: tester's mood of paragraph" in result.output and "labels/tester.jsonl:1 has" in result.output


def annotation(user, mood, **extra):
    return {"completed_by": user, "created_at": "2026-01-02T03:04:05Z",
            "result": [{"from_name": "mood", "value": {"choices": [mood]}}], **extra}


def export_file(tmp_path, *annotations):
    path = tmp_path / "e.json"
    path.write_text(json.dumps([{"data": {"paragraph_id": "p1"}, "annotations": list(annotations)}]))
    return path


def test_one_annotator_twice_on_a_task(tmp_path, codebook):
    records, counts = import_export(export_file(tmp_path, annotation(1, "gloomy"), annotation(1, "gloomy")), codebook)
    assert len(records) == counts["labels"] == 2 and counts["repeated"] == 2  # mood and topics, once each
    with pytest.raises(LabelsError, match=r"task 1: labelstudio-user-1 labelled paragraph 'p1' on mood twice, "
                                          r"differently \(gloomy vs upbeat\)"):
        import_export(export_file(tmp_path, annotation(1, "gloomy"), annotation(1, "upbeat")), codebook)


def test_an_annotation_without_its_annotator(tmp_path, codebook):
    path = export_file(tmp_path, annotation(None, "gloomy"))
    with pytest.raises(LabelsError, match=r"task 1: an annotation does not say who made it.*--annotator NAME"):
        import_export(path, codebook)
    records, _ = import_export(path, codebook, annotator="ann")
    assert {r["annotator"] for r in records} == {"ann"}


def test_an_unreadable_time_is_a_warning(tmp_path, codebook):
    from framing.errors import FramingWarning

    with pytest.warns(FramingWarning, match=r"1 annotation\(s\) with no readable time \(task 1: 'yesterday'\)"):
        records, _ = import_export(export_file(tmp_path, annotation(1, "gloomy", created_at="yesterday")), codebook)
    assert records[0]["time"] > "2026-01-02"


def test_controls_that_are_not_dimensions_are_left_out(project, codebook):
    from framing import read_paragraphs

    pid = read_paragraphs(project / "corpus")["paragraph_id"].iloc[0]
    comment = {"from_name": "comment", "type": "textarea", "value": {"text": ["unsure"]}}
    done = annotation("ann", "gloomy")
    done["result"].append(comment)
    path = project / "e.json"
    path.write_text(json.dumps([{"data": {"paragraph_id": pid}, "annotations": [done]}]))
    result = runner.invoke(app, ["import", "labelstudio", str(path), "--root", str(project)])
    assert result.exit_code == 0, result.output
    assert "imported 2 label(s)" in result.output and "not codebook dimensions: comment (1)" in result.output
