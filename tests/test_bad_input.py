"""Bad input fed to every command through the real CLI: a non-zero exit, one readable message
naming what is wrong, no traceback, and not one changed byte in the files that were there."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from framing.cli import app
from framing.corpus.read import read_paragraphs

from conftest import CODEBOOK, make_project

runner = CliRunner()

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00"
JUNK = bytes(range(256)) * 16
SHIPPED_CONFIG = (Path(__file__).resolve().parents[1] / "experiments" / "default" / "config.toml").read_text(encoding="utf-8")
OTHER_CODEBOOK = """name = "other"
version = "1"
[[dimensions]]
name = "stance"
kind = "single"
[[dimensions.labels]]
name = "pro"
definition = "For."
[[dimensions.labels]]
name = "anti"
definition = "Against."
"""


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    """The tiny project with a trained model and a predictions file (built once)."""
    root = make_project(tmp_path_factory.mktemp("trained"))
    assert runner.invoke(app, ["train", "--root", str(root)]).exit_code == 0
    result = runner.invoke(app, ["predict", str(root / "corpus"), "--model", str(root / "experiments/default"),
                                 "--out", str(root / "preds.csv")])
    assert result.exit_code == 0, result.output
    return root


def tree_hashes(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")
    return path


def label_line(p: Path, **changes) -> str:
    """A labels line for the first paragraph of the tiny corpus, with ``changes``."""
    first = json.loads((p / "labels" / "tester.jsonl").read_text(encoding="utf-8").splitlines()[0])
    first.update(changes)
    return json.dumps({k: v for k, v in first.items() if v is not ...})


def labels_case(**changes) -> Callable[[Path], list]:
    def setup(p: Path) -> list:
        write(p / "labels" / "extra.jsonl", label_line(p, **{"annotator": "second", **changes}) + "\n")
        return ["labels", "validate", "--root", p]
    return setup


def labels_file(data: str | bytes) -> Callable[[Path], list]:
    def setup(p: Path) -> list:
        write(p / "labels" / "extra.jsonl", data)
        return ["train", "--root", p]
    return setup


def codebook(data: str | bytes) -> Callable[[Path], list]:
    def setup(p: Path) -> list:
        write(p / "labels" / "codebook.toml", data)
        return ["labels", "validate", "--root", p]
    return setup


def config(data: str | bytes, command: str = "train") -> Callable[[Path], list]:
    def setup(p: Path) -> list:
        write(p / "experiments" / "default" / "config.toml", data)
        return [command, "--root", p]
    return setup


def corpus_file(name: str, data: str | bytes, *extra: str, folder: bool = False) -> Callable[[Path], list]:
    """A corpus that is one bad file, or a folder with it (``folder``; with ``--strict`` beside good files)."""
    def setup(p: Path) -> list:
        if "--strict" in extra:
            shutil.copytree(p / "corpus", p / "incoming")
        target = write(p / "incoming" / name, data)
        return ["corpus", "stats", target.parent if folder or "--strict" in extra else target, *extra]
    return setup


def predict_on(name: str, data: str | bytes, *extra: str) -> Callable[[Path], list]:
    def setup(p: Path) -> list:
        target = write(p / "incoming" / name, data)
        return ["predict", target, "--model", p / "experiments/default", "--out", p / "new.csv", *extra]
    return setup


def predict_args(*extra) -> Callable[[Path], list]:
    return lambda p: ["predict", p / "corpus", "--model", p / "experiments/default",
                      *[a(p) if callable(a) else a for a in extra]]


def decisions(data: str | bytes, name: str = "decisions.tsv", command: str = "add") -> Callable[[Path], list]:
    def setup(p: Path) -> list:
        target = write(p / "incoming" / name, data)
        if command == "add":
            return ["labels", "add", target, "--annotator", "second", "--root", p]
        return ["adjudicate", target, "--adjudicator", "judge", "--root", p]
    return setup


def ls_import(data: str | bytes | object) -> Callable[[Path], list]:
    def setup(p: Path) -> list:
        raw = data if isinstance(data, (str, bytes)) else json.dumps(data)
        target = write(p / "incoming" / "export.json", raw)
        return ["import", "labelstudio", target, "--root", p, "--out", p / "labels" / "ls.jsonl"]
    return setup


def report_on(data: str | bytes | Callable[[Path], bytes], name: str = "preds.csv", *extra: str) -> Callable[[Path], list]:
    def setup(p: Path) -> list:
        target = write(p / "incoming" / name, data(p) if callable(data) else data)
        return ["report", "--predictions", target, "--model", p / "experiments/default", "--root", p,
                "--out", p / "reports" / "x", "--n-boot", "100", *extra]
    return setup


def preds_without(column: str) -> Callable[[Path], bytes]:
    def make(p: Path) -> bytes:
        frame = pd.read_csv(p / "preds.csv", keep_default_na=False)
        return frame.drop(columns=[column]).to_csv(index=False).encode()
    return make


def other_model(p: Path) -> list:
    (p / "other").mkdir()
    other = make_project(p / "other")
    write(other / "labels" / "codebook.toml", OTHER_CODEBOOK)
    moods = [line for line in (other / "labels" / "tester.jsonl").read_text().splitlines() if '"mood"' in line]
    lines = [json.dumps({**json.loads(line), "dimension": "stance", "value": ["pro" if i % 2 else "anti"]})
             for i, line in enumerate(moods)]
    write(other / "labels" / "tester.jsonl", "\n".join(lines) + "\n")
    result = runner.invoke(app, ["train", "--root", str(other)])
    assert result.exit_code == 0, result.output
    return ["export", "labelstudio", "--root", p, "--out", p / "ls", "--model", other / "experiments/default"]


def events(data: str) -> Callable[[Path], list]:
    def setup(p: Path) -> list:
        target = write(p / "incoming" / "events.csv", data)
        return ["report", "--predictions", p / "preds.csv", "--model", p / "experiments/default", "--root", p,
                "--out", p / "reports" / "x", "--n-boot", "100", "--events", target]
    return setup


def missing_meta(p: Path) -> list:
    (p / "experiments/default/meta.json").unlink()
    return ["predict", p / "corpus", "--model", p / "experiments/default", "--out", p / "new.csv"]


def garbage_meta(p: Path) -> list:
    write(p / "experiments/default/meta.json", JUNK)
    return ["predict", p / "corpus", "--model", p / "experiments/default", "--out", p / "new.csv"]


def tampered_model(p: Path) -> list:
    model = next(f for f in (p / "experiments/default").iterdir() if f.name.startswith("model"))
    write(model, model.read_bytes()[:-10] + b"0123456789")
    return ["predict", p / "corpus", "--model", p / "experiments/default", "--out", p / "new.csv"]


def record_errors(monkeypatch) -> list:
    """Every FramingError created from now on (the one the CLI prints is among them)."""
    from framing.errors import FramingError

    raised: list[FramingError] = []
    original = FramingError.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        raised.append(self)
    monkeypatch.setattr(FramingError, "__init__", init)
    return raised


GOOD_TASK = {"data": {"paragraph_id": "x", "text": "t"}, "annotations": []}

# (id, setup(project) -> CLI arguments, words the message must contain)
CASES: list[tuple[str, Callable[[Path], list], str]] = [
    # --- corpus readers
    ("corpus-missing", lambda p: ["corpus", "stats", p / "nowhere"], "no such file or folder"),
    ("corpus-empty-folder", lambda p: ["corpus", "stats", (p / "empty").mkdir() or p / "empty"], "no articles found"),
    ("corpus-only-readme", corpus_file("README.md", "# about\n", folder=True), "no articles found"),
    ("corpus-docx", corpus_file("a.docx", b"PK\x03\x04junk"), "unsupported file type"),
    ("corpus-binary-txt", corpus_file("a.txt", JUNK), "not a text file"),
    ("corpus-pdf-as-html", corpus_file("a.html", PDF), "PDF"),
    ("corpus-png-as-md", corpus_file("a.md", PNG), "PNG"),
    ("corpus-strict-stops", corpus_file("b.html", PDF, "--strict"), "PDF"),
    ("corpus-empty-csv", corpus_file("t.csv", ""), "cannot read table"),
    ("corpus-csv-no-text-column", corpus_file("t.csv", "id,body\n1,hello\n"), "no text column 'text'"),
    ("corpus-csv-binary", corpus_file("t.csv", JUNK), "not a text file"),
    ("corpus-csv-unbalanced-quote", corpus_file("t.csv", 'id,text\n1,"never closed\n'), "cannot read table"),
    ("corpus-jsonl-bad-json", corpus_file("t.jsonl", '{"id": 1, "text": "a"}\n{"id": 2,\n'), "t.jsonl:2"),
    ("corpus-jsonl-list-line", corpus_file("t.jsonl", '["a", "b"]\n'), "not a JSON object"),
    ("corpus-jsonl-number-line", corpus_file("t.jsonl", '{"id": 1, "text": "a"}\n42\n'), "t.jsonl:2"),
    ("corpus-parquet-junk", corpus_file("t.parquet", JUNK), "Parquet"),
    ("corpus-parquet-empty", corpus_file("t.parquet", b""), "Parquet"),
    ("corpus-header-unclosed", corpus_file("a.txt", "---\nid: a\ntitle: x\n"), "never closed"),
    ("corpus-header-unknown-key", corpus_file("a.txt", "---\nid: a\ncolour: red\n---\nText.\n"), "unknown header key"),
    ("corpus-header-no-colon", corpus_file("a.txt", "---\nid: a\njust words\n---\nText.\n"), "a.txt:3"),
    ("corpus-duplicate-ids-csv", corpus_file("t.csv", "id,text\na,one\na,two\n"), "already used"),
    ("corpus-text-col-missing", lambda p: ["corpus", "stats", write(p / "t.csv", "id,text\n1,a\n"), "--text-col", "body"],
     "no text column 'body'"),
    # --- hand labels
    ("labels-binary", labels_file(JUNK), "not a text file"),
    ("labels-png", labels_file(PNG), "PNG"),
    ("labels-bad-json", labels_file('{"paragraph_id": \n'), "extra.jsonl:1"),
    ("labels-json-list", labels_file('[1, 2]\n'), "not a JSON object"),
    ("labels-json-string", labels_file('"text"\n'), "not a JSON object"),
    ("labels-missing-key", labels_case(annotator=..., time=...), "missing key"),
    ("labels-unknown-key", labels_case(colour="red"), "unknown key"),
    ("labels-bad-time", labels_case(time="yesterday"), "ISO 8601"),
    ("labels-time-number", labels_case(time=5), "non-empty string"),
    ("labels-unknown-dimension", labels_case(dimension="vibe"), "unknown dimension 'vibe'"),
    ("labels-value-string", labels_case(value="upbeat"), "must be a list"),
    ("labels-value-numbers", labels_case(value=[1, 2]), "list of label names"),
    ("labels-value-dict", labels_case(value={"a": 1}), "value"),
    ("labels-unknown-label", labels_case(value=["ecstatic"]), "unknown label"),
    ("labels-two-single-choice", labels_case(value=["upbeat", "gloomy"]), "mood"),
    ("labels-unknown-paragraph", labels_case(paragraph_id="nowhere:0:abcdef12"), "not in the corpus"),
    ("labels-empty-annotator", labels_case(annotator=" "), "non-empty string"),
    ("labels-rationale-not-list", labels_case(rationale=5), "rationale"),
    ("labels-duplicate", lambda p: [write(p / "labels" / "tester.jsonl",
                                          (p / "labels" / "tester.jsonl").read_text() + label_line(p) + "\n"),
                                    "labels", "validate", "--root", p][1:], "duplicate label"),
    # --- codebook
    ("codebook-missing", lambda p: [(p / "labels" / "codebook.toml").unlink(), "train", "--root", p][1:], "codebook not found"),
    ("codebook-binary", codebook(JUNK), "not a text file"),
    ("codebook-bad-toml", codebook("name = \n[[dimensions]\n"), "not valid TOML"),
    ("codebook-empty", codebook(""), "codebook.toml"),
    ("codebook-no-dimension-name", codebook('name = "x"\nversion = "1"\n[[dimensions]]\nkind = "single"\n'), "codebook.toml"),
    ("codebook-bad-kind", codebook('name = "x"\nversion = "1"\n[[dimensions]]\nname = "a"\nkind = "sometimes"\n'), "sometimes"),
    ("codebook-dimensions-number", codebook('name = "x"\nversion = "1"\ndimensions = 3\n'), "codebook.toml"),
    ("codebook-duplicate-labels", codebook('name = "x"\nversion = "1"\n[[dimensions]]\nname = "a"\nkind = "single"\n'
                                           '[[dimensions.labels]]\nname = "b"\ndefinition = "d"\n'
                                           '[[dimensions.labels]]\nname = "b"\ndefinition = "d"\n'), "codebook.toml"),
    ("codebook-misspelt-labels-table", codebook(CODEBOOK.replace('[[dimensions.labels]]\nname = "sport"',
                                                                 '[[dimensions.lables]]\nname = "sport"')),
     "codebook.toml:19: unknown key 'lables' in dimension 'topics'"),
    ("codebook-misspelt-key", codebook(CODEBOOK.replace("question =", "qestion =")), "codebook.toml:8: unknown key 'qestion'"),
    ("codebook-label-without-definition", codebook(CODEBOOK.replace('definition = "Bad news."\n', "")),
     "label 'gloomy' of dimension 'mood' has no definition"),
    # --- config and overrides
    ("config-unknown-top-level-key", config('nmae = "x"\n'), "unknown key 'nmae' — the top-level keys are name and the sections"),
    ("config-codebook-missing", config('[data]\ncodebook = "nope.toml"\n'),
     "nope.toml: codebook not found — create it, or set data.codebook"),
    # the shipped config copied into a project without its dimensions and collections
    ("config-of-another-codebook", config(SHIPPED_CONFIG), "config.toml: features.attribution names 'sources', which is not "
                                                           "a dimension of the codebook"),
    ("config-names-no-collection", config('[classifier]\ntune_on = "news"\n'),
     "classifier.tune_on names collection 'news', which the corpus at"),
    ("set-names-no-dimension", lambda p: ["train", "--root", p, "--set", 'features.attribution=["zzz"]'],
     """--set features.attribution=["zzz"]: features.attribution names 'zzz', which is not a dimension of the codebook"""),
    ("config-binary", config(JUNK), "not a text file"),
    ("config-bad-toml", config("[features\n"), "not valid TOML"),
    ("config-unknown-section", config("[classifer]\nC = 2\n"), "[classifer]"),
    ("config-unknown-label-section", config("[[dimensions.labels]]\nname = 'x'\n"), "[dimensions]"),
    ("config-unknown-key", config("[features]\nngrams = 2\n"), "ngrams"),
    ("config-wrong-type", config('[classifier]\nC = "lots"\n'), "C"),
    ("set-no-equals", lambda p: ["train", "--root", p, "--set", "classifier.C"], "section.key=value"),
    ("set-unknown-section", lambda p: ["train", "--root", p, "--set", "classifer.C=2"], "[classifer]"),
    ("set-bad-value", lambda p: ["train", "--root", p, "--set", "features.ngram_max=lots"], "should be int"),
    ("config-option-missing", lambda p: ["train", "--root", p, "--config", p / "nope.toml"], "config file not found"),
    ("experiment-missing", lambda p: ["train", "--root", p, "-e", "nosuch"], "no such experiment"),
    # --- labels add / adjudicate decisions
    ("decisions-empty", decisions(""), "empty"),
    ("decisions-binary", decisions(JUNK), "not a text file"),
    ("decisions-no-paragraph-column", decisions("id\tmood\tx\n1\tupbeat\t\n"), "missing column"),
    ("decisions-unknown-paragraph", decisions("paragraph_id\tmood\ttopics\nnowhere:0:1\tupbeat\tsport\n"), "nowhere:0:1"),
    ("adjudicate-binary", decisions(PDF, "final.csv", "adjudicate"), "PDF"),
    ("sample-bad-quota", lambda p: ["labels", "sample", "--root", p, "--out", p / "b.jsonl", "--quota", "Daily"],
     "OUTLET=N"),
    ("sample-bad-order", lambda p: ["labels", "sample", "--root", p, "--out", p / "b.jsonl", "--quota", "Daily=1",
                                    "--order", "sideways"], "sideways"),
    # --- Label Studio and table imports, export
    ("ls-list-of-strings", ls_import(["a", "b"]), "task 1"),
    ("ls-object", ls_import({"tasks": []}), "list of tasks"),
    ("ls-binary", ls_import(PNG), "PNG"),
    ("ls-bad-json", ls_import("[{"), "not a Label Studio JSON export"),
    ("ls-empty", ls_import(""), "export.json"),
    ("ls-no-paragraph-id", ls_import([{"data": {"text": "x"}}]), "paragraph_id"),
    ("ls-data-string", ls_import([{"data": "x"}]), "task 1"),
    ("ls-annotations-dict", ls_import([{**GOOD_TASK, "annotations": {"a": 1}}]), "annotations"),
    ("ls-result-strings", ls_import([{**GOOD_TASK, "annotations": [{"result": ["mood"]}]}]), "result"),
    ("ls-choices-string", ls_import([{**GOOD_TASK, "annotations": [{"result": [
        {"from_name": "mood", "value": {"choices": "upbeat"}}]}]}]), "choices"),
    ("export-other-codebook", other_model, "another codebook"),
    ("import-table-missing-text", lambda p: ["import", "table", write(p / "in.csv", "a,b\n1,2\n"), "--text", "sentence",
                                             "--label", "bias=b", "--out", p / "imported"], "sentence"),
    ("import-table-binary", lambda p: ["import", "table", write(p / "in.csv", JUNK), "--text", "sentence",
                                       "--label", "bias=b", "--out", p / "imported"], "in.csv"),
    # --- predict
    ("predict-no-model", lambda p: ["predict", p / "corpus", "--model", p / "nowhere", "--out", p / "x.csv"], "no trained model"),
    ("predict-model-no-meta", missing_meta, "meta.json"),
    ("predict-model-garbage-meta", garbage_meta, "meta.json"),
    ("predict-model-tampered", tampered_model, "does not match"),
    ("predict-bad-engine", predict_args("--out", lambda p: p / "x.csv", "--engine", "gpu"), "--engine 'gpu'"),
    ("predict-articles-without-out", predict_args("--articles", lambda p: p / "a.csv"), "--articles goes with --out"),
    ("predict-json-and-out", predict_args("--json", "--out", lambda p: p / "x.csv"), "--json"),
    ("predict-out-xlsx", predict_args("--out", lambda p: p / "x.xlsx"), "x.xlsx"),
    ("predict-source-missing", lambda p: ["predict", p / "nowhere", "--model", p / "experiments/default", "--out", p / "x.csv"],
     "no such file or folder"),
    ("predict-pdf-table", predict_on("t.csv", PDF), "PDF"),
    ("predict-out-is-input", lambda p: ["predict", write(p / "t.csv", "id,text\na1,Talks were constructive.\n"),
                                        "--model", p / "experiments/default", "--out", p / "t.csv"],
     "t.csv: the output would overwrite the input articles — give --out another file name"),
    ("predict-articles-is-input", lambda p: ["predict", write(p / "t.jsonl", '{"id": "a", "text": "Talks."}\n'),
                                             "--model", p / "experiments/default", "--out", p / "x.csv",
                                             "--articles", p / "t.jsonl"], "give --articles another file name"),
    ("predict-out-inside-input", predict_args("--out", lambda p: p / "corpus" / "preds.csv"),
     "is inside the input folder"),
    ("predict-strict-png", lambda p: ["predict", write(p / "incoming" / "x.html", PNG).parent, "--strict", "--model",
                                      p / "experiments/default", "--out", p / "new.csv"], "PNG"),
    # --- report
    ("report-empty-predictions", report_on(""), "empty"),
    ("report-binary-predictions", report_on(JUNK, "preds.parquet"), "Parquet"),
    ("report-predictions-missing-outlet", report_on(preds_without("outlet")), "preds.csv: no column(s) outlet"),
    ("report-predictions-missing-dimension", report_on(preds_without("mood")), "preds.csv: no column(s) mood"),
    ("report-predictions-header-only", report_on(b"paragraph_id,article_id\n"), "preds.csv"),
    ("report-predictions-no-rows", report_on(lambda p: (p / "preds.csv").read_bytes().split(b"\n")[0] + b"\n"),
     "preds.csv: the predictions hold no paragraph"),
    ("report-predictions-missing", lambda p: ["report", "--predictions", p / "nope.csv", "--model",
                                              p / "experiments/default", "--root", p, "--out", p / "r"], "no such file"),
    ("report-nothing-to-profile", lambda p: ["report", "--root", p, "--out", p / "r"], "--predictions FILE or --labels"),
    ("report-bad-period", lambda p: ["report", "--labels", "--root", p, "--out", p / "r", "--period", "year"], "--period"),
    ("report-events-no-columns", events("when,what\n2025-03-01,x\n"), "events.csv"),
    ("report-events-bad-date", events("date,label\nsoon,x\n"), "events.csv"),
    ("report-compare-unknown", lambda p: ["report", "--labels", "--root", p, "--out", p / "r", "--n-boot", "100",
                                          "--compare", "Daily", "Nowhere"], "Nowhere"),
    # --- evaluate, suspects, label
    ("evaluate-bad-by", lambda p: ["evaluate", "--root", p, "--by", "year"], "--by article or --by outlet"),
    ("evaluate-unknown-collection", lambda p: ["evaluate", "--root", p, "--train-on", "nowhere", "--test-on", "x"], "nowhere"),
    ("evaluate-corpus-without-collections", lambda p: ["evaluate", "--root", p, "--train-on", "news", "--test-on", "news"],
     "no collection 'news' among the labelled paragraphs — the corpus has no collections (a collection is a subfolder"),
    ("suspects-no-oof", lambda p: ["labels", "suspects", "--root", p, "--predictions", p / "nope.csv"], "out-of-fold"),
    ("suspects-empty-oof", lambda p: ["labels", "suspects", "--root", p, "--predictions", write(p / "oof.csv", "")],
     "oof.csv"),
    ("suspects-oof-of-other-codebook", lambda p: ["labels", "suspects", "--root", p, "--predictions",
                                                  write(p / "oof.csv", "paragraph_id,stance__true\nx,pro\n")],
     "no column(s) mood__true"),
    ("predict-model-meta-list", lambda p: [write(p / "experiments/default/meta.json", "[1, 2]"),
                                           "predict", p / "corpus", "--model", p / "experiments/default",
                                           "--out", p / "x.csv"][1:], "meta.json is not a JSON object"),
    ("label-no-annotator", lambda p: ["label", "--root", p], "who is labelling"),
    ("label-bad-order", lambda p: ["label", "--root", p, "--annotator", "x", "--order", "sideways"], "sideways"),
    # --- bad flags (typer's own errors)
    ("flag-unknown", lambda p: ["train", "--root", p, "--bogus"], "No such option"),
    ("flag-not-integer", predict_args("--out", lambda p: p / "x.csv", "--chunk-size", "many"), "--chunk-size"),
    ("flag-below-minimum", predict_args("--out", lambda p: p / "x.csv", "--workers", "0"), "--workers"),
    ("flag-missing-argument", lambda p: ["predict"], "Missing argument"),
    ("flag-root-missing", lambda p: ["train", "--root", p / "nowhere"], "--root"),
]


def test_enough_kinds_of_bad_input():
    assert len(CASES) >= 60 and len({c[0] for c in CASES}) == len(CASES)


@pytest.mark.parametrize("setup, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_gets_one_clear_message(trained, tmp_path, monkeypatch, setup, expected):
    project = tmp_path / "p"
    shutil.copytree(trained, project)
    args = [str(a) for a in setup(project)]
    before = tree_hashes(project)
    raised = record_errors(monkeypatch)
    result = runner.invoke(app, args)
    text = result.output
    assert result.exit_code not in (0, None), f"{args} succeeded:\n{text}"
    assert isinstance(result.exception, SystemExit), \
        f"{args} raised {type(result.exception).__name__}: {str(result.exception)[:300]}\n{text[-2000:]}"
    assert "Traceback" not in text
    assert expected in " ".join(text.replace("│", " ").split()), text
    framing_errors = [line for line in text.splitlines() if line.startswith("error:")]
    assert len(framing_errors) <= 1, text
    if framing_errors:  # the message reaches the terminal whole: no bracketed word eaten by markup
        assert framing_errors[0] in {f"error: {e.message}" for e in raised}, (framing_errors, [e.message for e in raised])
    after = tree_hashes(project)
    changed = [name for name, digest in before.items() if after.get(name) != digest]
    assert not changed, f"{args} changed or removed {changed}"


BRACKETED = ("unknown section [classifer] — sections are [features], [classifier]; [[dimensions.labels]] "
             "[bold]not bold[/] [/] \\[escaped] [link=x]y[/link] [red]")


def error_classes() -> list[type]:
    """FramingError and every subclass defined anywhere in the package."""
    import importlib
    import pkgutil

    import framing
    from framing.errors import FramingError

    for module in pkgutil.walk_packages(framing.__path__, "framing."):
        if module.name != "framing.predict.distributed":  # needs the optional dask extra
            importlib.import_module(module.name)

    found, todo = [], [FramingError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return sorted(set(found), key=lambda c: c.__name__)


def test_every_error_class_is_known():
    names = {c.__name__ for c in error_classes()}
    assert {"FramingError", "CorpusError", "LabelsError", "ConfigError", "ModelError", "ReportError",
            "CodebookError", "NotTextError"} <= names


@pytest.mark.parametrize("cls", error_classes(), ids=lambda c: c.__name__)
def test_every_error_prints_its_brackets(cls):
    import typer

    from framing.cli._common import friendly

    error = cls(BRACKETED, path="[draft]/a [1].txt", line=3, fix="[features] takes: a, b")
    mini = typer.Typer()

    @mini.command()
    @friendly
    def boom() -> None:
        raise error

    result = CliRunner().invoke(mini, [])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output == f"error: {error.message}\n"


def test_warnings_and_typer_errors_keep_brackets(trained, tmp_path):
    folder = tmp_path / "[draft] corpus"
    shutil.copytree(trained / "corpus", folder)
    write(folder / "[scan] page.html", PDF)
    result = runner.invoke(app, ["corpus", "stats", str(folder)])
    assert result.exit_code == 0, result.output
    assert f"warning: skipped {folder / '[scan] page.html'}: not a text file: looks like a PDF document" in result.output
    assert "skipped 1 file(s) that are not text" in result.output
    result = runner.invoke(app, ["train", "--root", str(tmp_path / "[nowhere]")])
    assert result.exit_code == 2 and "[nowhere]" in result.output


def test_project_commands_skip_a_corpus_file_that_is_not_text(trained, tmp_path):
    """train, labels stats and label read the project's corpus as predict does: a PDF saved as
    .html is left out with one warning line, not an error."""
    project = tmp_path / "project"
    shutil.copytree(trained, project)
    write(project / "corpus" / "scan.html", PDF)
    warning = f"warning: skipped {project / 'corpus' / 'scan.html'}: not a text file: looks like a PDF document"
    for args in (["labels", "stats"], ["train", "--set", "evaluate.folds=2"], ["label", "--annotator", "z", "--order", "corpus"]):
        result = runner.invoke(app, [*args, "--root", str(project)], input="q\n")
        assert result.exit_code == 0, result.output
        assert result.output.count(warning) == 1, result.output


def test_a_project_with_one_labelled_article_is_told_so_in_words(trained, tmp_path):
    """evaluate says why nothing was evaluated (no empty table printed); train names the dimension
    whose labels are all one."""
    project = tmp_path / "project"
    shutil.copytree(trained, project)
    for old in (project / "labels").glob("*.jsonl"):
        old.unlink()
    first = read_paragraphs(project / "corpus").groupby("article_id").head(3)
    first = first[first["article_id"] == first["article_id"].iloc[0]]
    rows = "".join(f"{pid}\tupbeat\t\n" for pid in first["paragraph_id"])
    write(project / "d.tsv", "paragraph_id\tmood\ttopics\n" + rows)
    assert runner.invoke(app, ["labels", "add", str(project / "d.tsv"), "--annotator", "x", "--root", str(project)]).exit_code == 0
    result = runner.invoke(app, ["evaluate", "--root", str(project)])
    assert result.exit_code == 0 and "mood: not evaluated — only 1 article(s) with labels" in result.output
    assert "Empty DataFrame" not in result.output
    result = runner.invoke(app, ["train", "--root", str(project)])
    assert result.exit_code == 1 and f"error: mood: only one label (upbeat) among {len(first)} paragraphs" in result.output


def test_a_date_that_cannot_be_read_is_one_warning_line(tmp_path):
    write(tmp_path / "c" / "a.txt", "---\nid: a\noutlet: Daily\ndate: 2032-13-45\n---\nText.\n")
    result = runner.invoke(app, ["corpus", "stats", str(tmp_path / "c")])
    assert result.exit_code == 0, result.output
    assert "warning: article a: date '2032-13-45' is not a date; read as undated" in result.output


def test_one_bad_file_no_longer_ends_a_corpus_run(trained, tmp_path):
    """A PDF saved as .html, a PNG as .txt and a cp1252 article among good ones: predict reads the
    cp1252 one, skips the other two with a warning each, lists them at the end and writes the rest."""
    corpus = tmp_path / "incoming"
    shutil.copytree(trained / "corpus", corpus)
    write(corpus / "scan.html", PDF)
    write(corpus / "photo.txt", PNG)
    write(corpus / "legacy.txt", "---\nid: legacy\noutlet: Daily\n---\nThe café team won the match, señor.\n".encode("cp1252"))
    out = tmp_path / "preds.csv"
    for workers in ("1", "2"):
        result = runner.invoke(app, ["predict", str(corpus), "--model", str(trained / "experiments/default"),
                                     "--out", str(out), "--workers", workers])
        assert result.exit_code == 0, result.output
        assert "skipped 2 file(s) that are not text" in result.output
        assert f"{corpus / 'scan.html'}: not a text file: looks like a PDF document" in result.output
        assert f"{corpus / 'photo.txt'}: not a text file: looks like a PNG image" in result.output
        frame = pd.read_csv(out, keep_default_na=False)
        expected = pd.read_csv(trained / "preds.csv", keep_default_na=False)
        assert set(frame["article_id"]) == set(expected["article_id"]) | {"legacy"}
    strict = runner.invoke(app, ["predict", str(corpus), "--model", str(trained / "experiments/default"),
                                 "--out", str(tmp_path / "strict.csv"), "--strict"])
    assert strict.exit_code == 1 and "photo.txt: not a text file" in strict.output
    assert not (tmp_path / "strict.csv").exists()
