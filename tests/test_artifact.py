"""The saved model: arrays + JSON that load without running anything, one commit point per save."""

import hashlib
import io
import json
import pickle
import zipfile

import numpy as np
import pytest
from _kill import kill_forked, spread
from typer.testing import CliRunner

from framing import ExperimentConfig, ModelError, load_model, load_project, save_model
from framing.model.artifact import FORMAT, model_file_name
from framing.cli import app
from framing.config import ClassifierConfig
from framing.model.classifier import FramingModel


@pytest.fixture()
def data(project):
    return load_project(ExperimentConfig(), project)


def fit(data, config=None):
    model = FramingModel(data.codebook, config or ExperimentConfig())
    rationales = data.table["text"].str.split().str[:2].tolist()
    for dim in data.codebook.dimensions:
        model.fit_dimension(dim, data.table["text"].tolist(), data.table[dim.name].tolist(), rationales,
                            data.table["article_id"].tolist())
    return model


def test_every_feature_block_survives_the_round_trip(tmp_path, data):
    from framing.config import load_config

    texts = data.table["text"].tolist() + ["Sunny match, glorious win.", ""]
    for overrides in ([], ["features.analyzer=\"word+char\""], ["features.lexicon=\"rationale-by-label\""],
                      ["features.attribution=[\"topics\"]", "features.analyzer=\"prefix\""],
                      ["features.decades=[\"topics\"]", "features.analyzer=\"prefix\""],
                      ["features.indicators=[\"topics\"]", "features.analyzer=\"prefix\""]):
        model = fit(data, load_config(overrides=overrides))
        folder = tmp_path / str(len(overrides) and overrides[0][:20])
        save_model(model, folder)
        loaded = load_model(folder)
        assert loaded.config == model.config and loaded.codebook == model.codebook
        assert loaded.predict(texts).equals(model.predict(texts)), overrides
        for name, dim in model.dimensions.items():
            assert (loaded.dimensions[name].transform(texts) != dim.transform(texts)).nnz == 0
            assert list(loaded.dimensions[name].feature_names()) == list(dim.feature_names())
            step = loaded.dimensions[name].pipeline_.named_steps["tfidf"]
            analyzer = getattr(step, "analyzer", None)
            if overrides and "decades" in overrides[0]:  # only the dimension named reads decades, and keeps doing so
                assert analyzer.decades == (name == "topics") == dim.pipeline_.named_steps["tfidf"].analyzer.decades
            if overrides and "indicators" in overrides[0]:  # the codebook's indicators, for the dimension named only
                assert analyzer.indicators == (() if name != "topics" else
                                               (("sport", ("match*", "team")), ("weather", ("rain", "storm*", "sunny skies"))))
                assert analyzer.indicators == dim.pipeline_.named_steps["tfidf"].analyzer.indicators
                assert name != "topics" or "indicator:weather" in set(dim.feature_names())


def test_the_model_file_carries_its_hash_and_old_files_go(tmp_path, data):
    tmp_path = tmp_path / "model"
    first = save_model(fit(data), tmp_path)
    assert first.name == model_file_name(first.read_bytes())
    assert save_model(fit(data), tmp_path) == first  # the same model, the same bytes: the same file
    (tmp_path / "model.joblib").write_bytes(b"an old pickle")
    other = fit(data, ExperimentConfig(classifier=ClassifierConfig(C=0.5)))
    second = save_model(other, tmp_path)
    assert second != first
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["meta.json", second.name])
    assert json.loads((tmp_path / "meta.json").read_text())["model_file"] == second.name


class _Marker:
    """Unpickling this writes a file: the proof that a loader ran code from the model folder."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        import os

        return (os.system, (f"touch {self.path}",))


def _meta(name: str, data: bytes, fmt: str = FORMAT) -> str:
    return json.dumps({"format": fmt, "model_file": name, "model_sha256": hashlib.sha256(data).hexdigest(),
                       "versions": {}, "codebook": {"name": "x"}})


def plant(folder, crafted: bytes) -> None:
    """Put a crafted model file in ``folder`` with a meta.json whose hash matches it (as someone
    handing over a model folder would: the hash guards against corruption, not against them)."""
    name = model_file_name(crafted)
    (folder / name).write_bytes(crafted)
    (folder / "meta.json").write_text(_meta(name, crafted))


def test_an_old_pickled_model_is_refused_unread(tmp_path, project):
    marker = tmp_path / "ran"
    payload = pickle.dumps(_Marker(marker))
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "model.joblib").write_bytes(payload)
    (folder / "meta.json").write_text(_meta("model.joblib", payload, "framing-model/1"))
    with pytest.raises(ModelError, match="old format.*retrain it: `framing train"):
        load_model(folder)
    # the same pickle named by a meta.json of the current format
    (folder / "meta.json").write_text(_meta("model.joblib", payload))
    with pytest.raises(ModelError, match="names no valid model file"):
        load_model(folder)
    (folder / "meta.json").write_text(_meta("model.joblib", payload, "framing-model/1"))
    result = CliRunner().invoke(app, ["predict", str(project / "corpus"), "--model", str(folder)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "old format" in result.output and "framing train" in result.output
    assert not marker.exists()


def test_a_model_file_holding_a_pickle_is_refused_and_nothing_runs(tmp_path, data):
    marker = tmp_path / "ran"
    folder = tmp_path / "model"
    good = save_model(fit(data), folder)
    # a crafted .npz: the real spec and arrays, plus an object array (a pickle inside the .npy)
    buffer = io.BytesIO()
    with zipfile.ZipFile(good) as real, zipfile.ZipFile(buffer, "w") as crafted:
        for name in real.namelist():
            if name != "a0.npy":
                crafted.writestr(name, real.read(name))
        inner = io.BytesIO()
        np.save(inner, np.array([_Marker(marker)], dtype=object), allow_pickle=True)
        crafted.writestr("a0.npy", inner.getvalue())  # replaces an array the spec uses
    plant(folder, buffer.getvalue())
    with pytest.raises(ModelError, match="not a model file framing can read"):
        load_model(folder)
    assert not marker.exists()


@pytest.mark.parametrize("where", ["step", "analyzer"])
def test_a_spec_naming_other_code_is_refused(tmp_path, data, where):
    folder = tmp_path / "model"
    good = save_model(fit(data), folder)
    with np.load(good, allow_pickle=False) as arrays:
        content = {k: arrays[k] for k in arrays.files}
    spec = json.loads(content["spec"].tobytes())
    vectorizer = spec["dimensions"]["mood"]["vectorizer"]
    if where == "step":
        vectorizer["type"] = "os.system"
    else:
        vectorizer["analyzer"] = {"kind": "os.system", "command": "touch ran"}
    content["spec"] = np.frombuffer(json.dumps(spec).encode(), dtype=np.uint8)
    buffer = io.BytesIO()
    np.savez(buffer, **content)
    plant(folder, buffer.getvalue())
    with pytest.raises(ModelError, match="unknown (feature step|analyzer) 'os.system'"):
        load_model(folder)
    assert not (folder / "ran").exists() and not (tmp_path / "ran").exists()


def test_meta_cannot_point_outside_the_folder(tmp_path, data):
    folder = tmp_path / "model"
    save_model(fit(data), folder)
    meta = json.loads((folder / "meta.json").read_text())
    meta["model_file"] = "../model-0123456789abcdef.npz"
    (folder / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="names no valid model file"):
        load_model(folder)


def test_killing_a_save_at_any_moment_leaves_a_loadable_model(tmp_path, data):
    folder = tmp_path / "model"
    save_model(fit(data), folder)
    texts = ["A glorious sunny win.", "Storms and a dismal defeat."]
    seen = set()

    def check(i, delay):
        model = load_model(folder)  # never "does not match the hash", never missing
        seen.add(round(float(model.predict(texts)["mood:upbeat"][0]), 6))
        named = json.loads((folder / "meta.json").read_text())["model_file"]
        assert (folder / named).is_file()

    models = [fit(data, ExperimentConfig(classifier=ClassifierConfig(C=C))) for C in (1.0, 0.25)]

    def save_forever():
        for i in range(10_000):
            save_model(models[i % 2], folder)

    ends = kill_forked(save_forever, spread(0.005, 1.0, 16), check)
    assert ends == ["killed"] * len(ends)
    assert len(seen) >= 2  # kills landed in different saves, not always the same state
    save_model(fit(data), folder)  # the next successful save leaves one model file and no litter
    assert sorted(p.name for p in folder.iterdir() if p.name != "meta.json") == \
        [json.loads((folder / "meta.json").read_text())["model_file"]]
