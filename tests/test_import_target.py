"""`framing import table --out DIR`: a non-empty DIR is refused unless --force, and DIR is never
left half-written (kill loop)."""

import os

import pandas as pd
import pytest
from _kill import kill_forked, spread
from typer.testing import CliRunner

from framing import load_codebook, load_config, load_project, read_labels
from framing.cli import app
from framing.labels.importer import import_table
from framing.labels.staging import TargetError

runner = CliRunner()


def make_table(folder, name, rows=40, word="Outrageous"):
    data = [{"sentence": f"{word if i % 2 else 'The committee met'} story {i}.", "bias": "b" if i % 2 else "n",
             "link": f"http://x/{i // 3}"} for i in range(rows)]
    path = folder / f"{name}.csv"
    pd.DataFrame(data).to_csv(path, index=False)
    return path


def snapshot(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def run_import(table, out, *more):
    return runner.invoke(app, ["import", "table", str(table), "--out", str(out), "--text", "sentence",
                               "--label", "bias=bias", "--group", "link", *more])


def test_an_earlier_import_is_refused_untouched_and_replaced_with_force(tmp_path):
    out = tmp_path / "proj"
    first, second = make_table(tmp_path, "first"), make_table(tmp_path, "second", rows=10, word="Disgraceful")
    assert run_import(first, out).exit_code == 0
    (out / "experiments/default/notes.txt").write_text("mine")
    before = snapshot(out)
    result = run_import(second, out)
    assert result.exit_code != 0 and "not empty" in result.output and "--force" in result.output
    assert "Traceback" not in result.output
    assert snapshot(out) == before  # the earlier project still validates, byte for byte
    assert run_import(second, out, "--force").exit_code == 0
    data = load_project(load_config(out / "experiments/default/config.toml"), out)
    assert data.codebook.name == "second" and len(data.paragraphs) == 10
    assert sorted(p.name for p in (out / "corpus").iterdir()) == ["second.jsonl"]
    assert not (out / "experiments/default/notes.txt").exists()  # replaced whole, not mixed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["first.csv", "proj", "second.csv"]


def test_an_empty_folder_or_a_file_as_target(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    import_table(make_table(tmp_path, "t"), empty, text="sentence", labels={"bias": "bias"})
    assert (empty / "labels/codebook.toml").is_file()
    (tmp_path / "afile").write_text("x")
    with pytest.raises(TargetError, match="is a file"):
        import_table(make_table(tmp_path, "t"), tmp_path / "afile", text="sentence", labels={"bias": "bias"})


def test_a_folder_left_aside_by_a_killed_replacement_comes_back(tmp_path):
    out = tmp_path / "proj"
    import_table(make_table(tmp_path, "first"), out, text="sentence", labels={"bias": "bias"})
    before = snapshot(out)
    os.rename(out, tmp_path / ".proj.999999999.replaced")  # as a kill between the two renames leaves it
    (tmp_path / ".proj.999999998.staging").mkdir()
    with pytest.raises(TargetError, match="not empty"):
        import_table(make_table(tmp_path, "second"), out, text="sentence", labels={"bias": "bias"})
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["first.csv", "proj", "second.csv"]


def test_killing_an_import_at_any_moment_leaves_old_or_new(tmp_path):
    out = tmp_path / "proj"
    tables = [make_table(tmp_path, "first", rows=3000), make_table(tmp_path, "second", rows=2000, word="Disgraceful")]
    import_table(tables[0], out, text="sentence", labels={"bias": "bias"}, group="link")
    names = set()

    def import_forever():
        for i in range(10_000):
            import_table(tables[(i + 1) % 2], out, text="sentence", labels={"bias": "bias"}, group="link", force=True)

    def check(i, delay):
        from framing.labels.staging import recover

        recover(out)  # what the next import does first
        codebook = load_codebook(out / "labels/codebook.toml")
        assert codebook.name in ("first", "second")
        assert [p.name for p in (out / "corpus").iterdir()] == [f"{codebook.name}.jsonl"]
        corpus = pd.read_json(out / "corpus" / f"{codebook.name}.jsonl", lines=True)
        assert len(corpus) == {"first": 3000, "second": 2000}[codebook.name]
        labels = read_labels(out / "labels", codebook, paragraph_ids=corpus["id"].astype(str))  # validates every line
        assert len(labels) == len(corpus)
        assert load_config(out / "experiments/default/config.toml").data.paragraph_rows
        names.add(codebook.name)
        leftover = [p.name for p in tmp_path.iterdir() if p.name.startswith(".proj.")]
        assert leftover == []

    ends = kill_forked(import_forever, spread(0.05, 3.0, 14), check)
    assert ends == ["killed"] * len(ends)
    assert names == {"first", "second"}  # the kills landed in different imports
