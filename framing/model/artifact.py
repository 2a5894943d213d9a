"""The saved model: arrays and JSON, nothing that runs code when it is read.

A model folder holds ``model-<16 hex of its SHA-256>.npz`` and ``meta.json``. The ``.npz`` is
read with ``numpy.load(allow_pickle=False)``: numeric and text arrays only, plus one JSON
document (``spec``) that describes how the arrays fit together. Every object rebuilt from the
spec is one of the few kinds named in :data:`BUILDERS` (a TF-IDF vectoriser, a feature union,
a rationale lexicon, framing's two analyzers), built by calling its constructor with plain
values; a spec naming anything else is refused. Nothing is unpickled, no module is imported by
name from the file.

Saving has one commit point: the model file is written under a name that carries its hash (a
new file, never a replaced one), then ``meta.json``, which names it, is replaced atomically.
A save killed at any moment leaves the old ``meta.json`` pointing at the old model file (still
there) or the new one pointing at the new file; files no ``meta.json`` names are removed after
the next successful save.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from framing._io import atomic_write, sha256_file, write_json
from framing.errors import ModelError

META_FILE = "meta.json"
FORMAT = "framing-model/2"
LEGACY_FILE = "model.joblib"  # framing-model/1: a pickle, never loaded
_MODEL_NAME = re.compile(r"^model-[0-9a-f]{16}\.npz$")
_SPEC = "spec"


# ---------------------------------------------------------------------------------- encoding
class _Writer:
    """Collects arrays under short keys while a spec is built."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}

    def add(self, value: Any) -> str:
        key = f"a{len(self.arrays)}"
        array = np.asarray(value)
        if array.dtype == object:
            raise ModelError("cannot save an array of Python objects in a model file",
                             fix="this is a bug in framing: please report it")
        self.arrays[key] = array
        return key


def _vocabulary(writer: _Writer, vocabulary: dict[str, int]) -> str:
    terms = [""] * len(vocabulary)
    for term, j in vocabulary.items():
        terms[j] = term
    return writer.add(np.array(terms, dtype=str) if terms else np.zeros(0, dtype="<U1"))


def _analyzer(analyzer: Any) -> Any:
    from framing.model.attribution import AttributionAnalyzer
    from framing.model.classifier import PrefixAnalyzer

    if analyzer is None or isinstance(analyzer, str):
        return analyzer
    if type(analyzer) is PrefixAnalyzer:
        return {"kind": "prefix", "length": analyzer.length, "ngram_range": list(analyzer.ngram_range),
                "decades": bool(analyzer.decades),
                "indicators": [[label, list(phrases)] for label, phrases in analyzer.indicators]}
    if type(analyzer) is AttributionAnalyzer:
        return {"kind": "attribution", "actors": [[label, list(names)] for label, names in analyzer.actors],
                "cues": list(analyzer.cues), "window": analyzer.window, "prefix_len": analyzer.prefix_len,
                "span": analyzer.span}
    raise ModelError(f"cannot save an analyzer of type {type(analyzer).__name__}",
                     fix="use an analyzer framing knows (word, char_wb, prefix, attribution)")


_VECTORIZER_PARAMS = ("input", "encoding", "decode_error", "strip_accents", "lowercase", "token_pattern",
                      "stop_words", "ngram_range", "max_df", "min_df", "max_features", "binary", "norm",
                      "use_idf", "smooth_idf", "sublinear_tf")


def _encode(part: Any, writer: _Writer) -> dict:
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    from framing.model.lexicon import RationaleLexicon

    kind = type(part)
    if kind in (TfidfVectorizer, CountVectorizer):
        if part.tokenizer is not None or part.preprocessor is not None:
            raise ModelError("cannot save a vectoriser with a custom tokenizer or preprocessor")
        params = {k: getattr(part, k) for k in _VECTORIZER_PARAMS if hasattr(part, k)}
        params["ngram_range"] = list(params["ngram_range"])
        if isinstance(params.get("stop_words"), (set, frozenset, tuple)):
            params["stop_words"] = sorted(params["stop_words"])
        spec = {"type": "tfidf" if kind is TfidfVectorizer else "count", "params": params,
                "analyzer": _analyzer(part.analyzer), "dtype": np.dtype(part.dtype).name,
                "vocabulary": _vocabulary(writer, part.vocabulary_)}
        if kind is TfidfVectorizer and part.use_idf:
            spec["idf"] = writer.add(part.idf_)
        return spec
    if kind is FeatureUnion:
        return {"type": "union", "parts": [[name, _encode(p, writer)] for name, p in part.transformer_list],
                "weights": part.transformer_weights, "verbose_feature_names_out": part.verbose_feature_names_out}
    if kind is RationaleLexicon:
        return {"type": "lexicon", "analyzer": _analyzer(part.analyzer),
                "params": {"by_label": part.by_label, "smoothing": part.smoothing, "hit_threshold": part.hit_threshold,
                           "folds": part.folds, "seed": part.seed},
                "vocabulary": _vocabulary(writer, part.vocabulary_), "occurs": writer.add(part.occurs_),
                "lexicons": [[name, writer.add(part.scores_[name]), float(part.priors_[name])] for name in part.lexicons_],
                "mean": writer.add(part.mean_), "scale": writer.add(part.scale_)}
    raise ModelError(f"cannot save a feature step of type {kind.__name__}",
                     fix="use the feature blocks framing builds (TF-IDF, unions, rationale lexicons)")


def _codebook_spec(codebook: Any) -> dict:
    spec = dataclasses.asdict(codebook)
    spec["path"] = None if codebook.path is None else str(codebook.path)
    return spec


def encode(model: Any) -> tuple[dict, dict[str, np.ndarray]]:
    """``(spec, arrays)`` of a fitted :class:`~framing.model.classifier.FramingModel`."""
    writer = _Writer()
    dims = {}
    for name, dim in model.dimensions.items():
        dims[name] = {"labels": list(dim.labels_), "multi": bool(dim.multi), "attribution": bool(dim.attribution),
                      "actors": [[label, list(names)] for label, names in dim.actors],
                      "indicators": [[label, list(phrases)] for label, phrases in dim.indicators],
                      "features": dataclasses.asdict(dim.features) if dim.features else None,
                      "classifier": dataclasses.asdict(dim.classifier) if dim.classifier else None,
                      "vectorizer": _encode(dim.pipeline_.named_steps["tfidf"], writer),
                      "coef": writer.add(dim.coef_), "intercept": writer.add(dim.intercept_)}
    spec = {"format": FORMAT, "codebook": _codebook_spec(model.codebook), "config": dataclasses.asdict(model.config),
            "thresholds": model.thresholds, "offsets": model.offsets, "dimensions": dims}
    return spec, writer.arrays


def to_bytes(model: Any) -> bytes:
    """The model file's bytes (a compressed ``.npz``)."""
    spec, arrays = encode(model)
    text = json.dumps(spec, ensure_ascii=False, default=_json_default)  # key order is model order
    buffer = io.BytesIO()
    # a .npz (what numpy.load reads) with fixed entry dates, so that the same model gives the same
    # bytes, hence the same file name, on every save
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for key, array in {_SPEC: np.frombuffer(text.encode("utf-8"), dtype=np.uint8), **arrays}.items():
            info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w", force_zip64=True) as handle:
                np.lib.format.write_array(handle, np.asanyarray(array), allow_pickle=False)
    return buffer.getvalue()


def _json_default(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    raise ModelError(f"cannot save a setting of type {type(value).__name__} in a model file")


# ---------------------------------------------------------------------------------- decoding
class _Reader:
    def __init__(self, arrays: Any, path: Path) -> None:
        self.arrays = arrays
        self.path = path

    def get(self, key: Any) -> np.ndarray:
        if not isinstance(key, str) or key not in self.arrays:
            raise _bad(self.path, f"array {key!r} is missing")
        return self.arrays[key]

    def vocabulary(self, key: Any) -> dict[str, int]:
        return {str(term): j for j, term in enumerate(self.get(key).tolist())}


def _bad(path: Path, what: str) -> ModelError:
    return ModelError(f"not a model file framing can read ({what})", path=path,
                      fix="retrain with `framing train`; framing only reads the model files it writes")


def _pairs(spec: list) -> tuple:
    """``((label, (name, ...)), ...)`` of a saved list of ``[label, [name, ...]]`` (actors, indicators)."""
    return tuple((str(label), tuple(str(n) for n in names)) for label, names in spec)


def _build_analyzer(spec: Any, path: Path) -> Any:
    if spec is None or isinstance(spec, str):
        return spec
    from framing.model.attribution import AttributionAnalyzer
    from framing.model.classifier import PrefixAnalyzer

    kind = spec.get("kind") if isinstance(spec, dict) else None
    if kind == "prefix":
        return PrefixAnalyzer(int(spec["length"]), tuple(spec["ngram_range"]), decades=spec.get("decades") is True,
                              indicators=_pairs(spec.get("indicators", [])))
    if kind == "attribution":
        return AttributionAnalyzer(_pairs(spec["actors"]),
                                   tuple(spec["cues"]), window=int(spec["window"]), prefix_len=int(spec["prefix_len"]),
                                   span=int(spec["span"]))
    raise _bad(path, f"unknown analyzer {kind!r}")


def _build_vectorizer(spec: dict, reader: _Reader) -> Any:
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

    kind = TfidfVectorizer if spec["type"] == "tfidf" else CountVectorizer
    params = {k: v for k, v in spec["params"].items() if k in _VECTORIZER_PARAMS}
    params["ngram_range"] = tuple(params["ngram_range"])
    if kind is CountVectorizer:
        for key in ("norm", "use_idf", "smooth_idf", "sublinear_tf"):
            params.pop(key, None)
    analyzer = _build_analyzer(spec["analyzer"], reader.path)
    vec = kind(analyzer=analyzer, dtype=np.dtype(spec["dtype"]), **params)
    vec.vocabulary_ = reader.vocabulary(spec["vocabulary"])
    vec.fixed_vocabulary_ = False
    if "idf" in spec:
        vec.idf_ = reader.get(spec["idf"])
    return vec


def _build_union(spec: dict, reader: _Reader) -> Any:
    from sklearn.pipeline import FeatureUnion

    return FeatureUnion([(str(name), build_part(part, reader)) for name, part in spec["parts"]],
                        transformer_weights=spec["weights"],
                        verbose_feature_names_out=bool(spec["verbose_feature_names_out"]))


def _build_lexicon(spec: dict, reader: _Reader) -> Any:
    from framing.model.lexicon import RationaleLexicon

    lexicon = RationaleLexicon(_build_analyzer(spec["analyzer"], reader.path), **spec["params"])
    lexicon.vocabulary_ = reader.vocabulary(spec["vocabulary"])
    vectorizer = lexicon._vectorizer()
    vectorizer.vocabulary_, vectorizer.fixed_vocabulary_ = lexicon.vocabulary_, False
    lexicon.vectorizer_ = vectorizer
    lexicon.occurs_ = reader.get(spec["occurs"])
    lexicon.lexicons_ = [str(name) for name, _, _ in spec["lexicons"]]
    lexicon.scores_ = {str(name): reader.get(key) for name, key, _ in spec["lexicons"]}
    lexicon.priors_ = {str(name): float(prior) for name, _, prior in spec["lexicons"]}
    lexicon.mean_, lexicon.scale_ = reader.get(spec["mean"]), reader.get(spec["scale"])
    return lexicon


# The only kinds of object a model file can describe.
BUILDERS = {"tfidf": _build_vectorizer, "count": _build_vectorizer, "union": _build_union, "lexicon": _build_lexicon}


def build_part(spec: Any, reader: _Reader) -> Any:
    kind = spec.get("type") if isinstance(spec, dict) else None
    if kind not in BUILDERS:
        raise _bad(reader.path, f"unknown feature step {kind!r}")
    return BUILDERS[kind](spec, reader)


def _codebook(spec: dict) -> Any:
    from framing.labels.codebook import Codebook, Dimension, Label

    dims = tuple(Dimension(d["name"], d["kind"], tuple(Label(lab["name"], lab["definition"], lab["key"], tuple(lab["actors"]),
                                                             tuple(lab.get("indicators", [])))
                                                       for lab in d["labels"]), d["question"])
                 for d in spec["dimensions"])
    return Codebook(spec["name"], spec["version"], dims, spec["description"],
                    None if spec["path"] is None else Path(spec["path"]), spec["sha256"])


def _config(spec: dict) -> Any:
    from framing.config import ExperimentConfig

    config = ExperimentConfig()
    for key, value in spec.items():
        if isinstance(value, dict) and dataclasses.is_dataclass(getattr(config, key, None)):
            section = getattr(config, key)
            known = {f.name for f in dataclasses.fields(section)}
            for option, setting in value.items():
                if option in known:
                    setattr(section, option, setting)
        elif key == "name":
            config.name = str(value)
    return config


def decode(spec: dict, reader: _Reader) -> Any:
    """The :class:`~framing.model.classifier.FramingModel` a spec and its arrays describe."""
    from sklearn.pipeline import Pipeline

    from framing.config import ClassifierConfig, FeaturesConfig
    from framing.model.classifier import DimensionModel, FramingModel

    model = FramingModel(_codebook(spec["codebook"]), _config(spec["config"]))
    for name, d in spec["dimensions"].items():
        features = FeaturesConfig(**d["features"]) if d["features"] else None
        classifier = ClassifierConfig(**d["classifier"]) if d["classifier"] else None
        dim = DimensionModel(tuple(d["labels"]), bool(d["multi"]), features, classifier, attribution=bool(d["attribution"]),
                             actors=_pairs(d["actors"]), indicators=_pairs(d.get("indicators", [])))
        # The classifier itself is not kept: scoring uses the weights (coef_, intercept_) only.
        dim.pipeline_ = Pipeline([("tfidf", build_part(d["vectorizer"], reader)), ("clf", "passthrough")])
        dim.labels_ = list(d["labels"])
        dim.coef_ = reader.get(d["coef"])
        dim.intercept_ = reader.get(d["intercept"])
        model.dimensions[str(name)] = dim
    model.thresholds = spec["thresholds"]
    model.offsets = spec.get("offsets", {})
    return model


def from_file(path: Path) -> Any:
    """Read a model file without executing anything from it (no pickles, known kinds only)."""
    try:
        with np.load(path, allow_pickle=False) as arrays:
            reader = _Reader({k: arrays[k] for k in arrays.files}, path)
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as exc:
        raise _bad(path, f"{type(exc).__name__}: {exc}") from None
    try:
        spec = json.loads(reader.get(_SPEC).tobytes().decode("utf-8"))
        if not isinstance(spec, dict) or spec.get("format") != FORMAT:
            raise _bad(path, "unknown format")
        return decode(spec, reader)
    except ModelError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, UnicodeDecodeError) as exc:
        raise _bad(path, f"{type(exc).__name__}: {exc}") from None


# ---------------------------------------------------------------------------------- folders
def model_file_name(data: bytes) -> str:
    return f"model-{hashlib.sha256(data).hexdigest()[:16]}.npz"


def save(model: Any, directory: Path, meta: dict) -> Path:
    """Write the model file (a new, hash-named file), then replace ``meta.json`` (the commit),
    then remove model files and temporary files no longer named."""
    directory.mkdir(parents=True, exist_ok=True)
    data = to_bytes(model)
    path = directory / model_file_name(data)
    if not (path.is_file() and sha256_file(path) == hashlib.sha256(data).hexdigest()):
        with atomic_write(path, "wb") as handle:
            handle.write(data)
    write_json(directory / META_FILE, {"format": FORMAT, "model_file": path.name,
                                       "model_sha256": hashlib.sha256(data).hexdigest(), **meta})
    clean(directory, keep=path.name)
    return path


def clean(directory: Path, keep: str) -> None:
    """Remove model files other than ``keep``, the old pickle and leftovers of killed saves."""
    for old in [*directory.glob("model-*.npz"), directory / LEGACY_FILE, *directory.glob(".model-*.tmp"),
                *directory.glob(f".{META_FILE}.*.tmp")]:
        if old.name != keep:
            with contextlib.suppress(FileNotFoundError):
                old.unlink()


def read_meta(directory: Path) -> dict:
    """``meta.json`` of a model folder, checked: our format, a model file it names and that exists."""
    meta_path = directory / META_FILE
    if not meta_path.is_file():
        if (directory / LEGACY_FILE).is_file() or any(directory.glob("model-*.npz")):
            raise ModelError(f"{META_FILE} is missing beside the model", path=directory,
                             fix="retrain with `framing train`; a model without its meta is not loaded")
        raise ModelError("no trained model here", path=directory, fix="run `framing train` first, or pass --model DIR")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelError(f"{META_FILE} is not valid JSON ({exc})", path=meta_path, fix="retrain the model") from None
    if not isinstance(meta, dict):
        raise ModelError(f"{META_FILE} is not a JSON object", path=meta_path, fix="retrain the model")
    if meta.get("format") == "framing-model/1":
        raise ModelError("this model was saved in framing's old format (model.joblib, a pickle), which framing no "
                         "longer loads because reading a pickle can run code", path=directory,
                         fix=f"retrain it: `framing train --experiment {directory.name}` (or with the config it was "
                             "trained with), which saves it in the safe format")
    if meta.get("format") != FORMAT:
        raise ModelError(f"not a framing model (format {meta.get('format')!r})", path=meta_path,
                         fix="point --model at a folder written by `framing train`")
    name = meta.get("model_file")
    if not isinstance(name, str) or not _MODEL_NAME.match(name):
        raise ModelError(f"{META_FILE} names no valid model file ({name!r})", path=meta_path, fix="retrain the model")
    if not (directory / name).is_file():
        raise ModelError(f"the model file {name} named in {META_FILE} is missing", path=directory,
                         fix="retrain with `framing train`")
    return meta


def has_model(directory: Path) -> bool:
    """True if ``directory`` holds a model in the current format (not checked further)."""
    try:
        read_meta(directory)
    except ModelError:
        return False
    return True
