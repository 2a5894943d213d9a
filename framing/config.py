"""Experiment configuration: one dataclass of defaults, read from TOML, overridable from the CLI.

``experiments/<name>/config.toml`` holds sections ``[data]``, ``[features]``, ``[classifier]``,
``[evaluate]``, ``[report]``, ``[articles]``, ``[active]`` (see experiments/default/config.toml).

Every key is optional; a missing key takes the default below. Paths are relative to the project
root (the folder the command runs in, or ``--root``).
"""

from __future__ import annotations

import copy
import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from framing._io import read_toml
from framing.config_checks import check_values
from framing.errors import ConfigError


@dataclass
class DataConfig:
    corpus: str = "corpus"
    labels: str = "labels"
    codebook: str = "labels/codebook.toml"
    # Only paragraphs from these corpus collections (top-level folders / table names); empty = all.
    collections: list[str] = field(default_factory=list)
    # The corpus tables' rows already are paragraphs (labelled sentence datasets): no splitting,
    # the id column is the paragraph id and an article_id column, if any, groups them.
    paragraph_rows: bool = False


@dataclass
class FeaturesConfig:
    analyzer: str = "word"            # "word", "char_wb", "word+char" (a union of both) or "prefix"
    prefix_len: int = 5               # "prefix": words cut to this many characters (a cheap stemmer)
    ngram_min: int = 1
    ngram_max: int = 2
    char_ngram_min: int = 2
    char_ngram_max: int = 5
    min_df: int = 1
    max_df: float = 1.0
    max_features: int | None = None
    sublinear_tf: bool = True
    lowercase: bool = True
    stop_words: str | None = None     # None or "english"
    # "rationale": add features from a lexicon learnt, inside each training set, from the words
    # annotators marked as their reason (label records' "rationale"); "rationale-by-label": one
    # lexicon from all marks plus one per label. Prediction reads the text only. "none": off.
    lexicon: str = "none"
    lexicon_dimensions: list[str] = field(default_factory=list)   # the lexicon only for these (empty: all)
    # The lexicon's word scores: (marked + s·base rate) / (seen + s) with s = lexicon_smoothing; a
    # word scoring at least lexicon_hit_threshold is a hit; training rows are scored by lexicons
    # learnt on lexicon_folds other folds (shuffled by lexicon_seed).
    lexicon_smoothing: float = 2.0
    lexicon_hit_threshold: float = 0.2
    lexicon_folds: int = 5
    lexicon_seed: int = 0
    # Dimensions that also get the attribution block (framing/model/attribution.py): tokens for cues of
    # attribution, speaker spans, words near a cue and the codebook's actors per label.
    attribution: list[str] = field(default_factory=list)
    attribution_window: int = 8        # words on each side of a cue that count as near it
    attribution_weight: float = 1.0    # weight of the block beside the text block (both L2-normalised)
    attribution_cues: list[str] = field(default_factory=list)   # empty: framing's English list
    # Earlier paragraphs of the same article the attribution block also reads, to resolve "he
    # said" and names introduced before (0 = none; needs analyzer = "prefix").
    context: int = 0
    # The attribution block also knows the paragraph's corpus collection (tokens for collections
    # other than the lead one, classifier.tune_on; text of an unknown collection reads as the lead's).
    collection_aware: bool = False
    # Dimensions whose text block also reads years as their decade ("in 2014" adds "decade:2010s"):
    # a history-like label learns from years not seen in training (needs analyzer = "prefix").
    decades: list[str] = field(default_factory=list)
    # Dimensions whose text block also reads the codebook's indicators of each label (the words and
    # phrases a definition names: each match adds "indicator:<label>"; needs analyzer = "prefix").
    indicators: list[str] = field(default_factory=list)


@dataclass
class ClassifierConfig:
    C: float = 4.0
    # Per-dimension regularisation where one C does not suit all: {tone = 2.0}.
    C_by_dimension: dict[str, float] = field(default_factory=dict)
    class_weight: str | None = "balanced"
    max_iter: int = 2000
    # Multi-label decision threshold: a number, or "oof" to choose one per label on
    # out-of-fold predictions (maximising F1) when evaluating.
    threshold: float | str = 0.5
    @property
    def fixed_threshold(self) -> float:
        """The multi-label threshold when none is chosen on out-of-fold predictions."""
        return float(self.threshold) if not isinstance(self.threshold, str) else 0.5

    # Single-choice dimensions: add a per-label offset to the scores (a prior shift), chosen on
    # out-of-fold predictions to maximise macro-F1, so that a label the training mix makes rare
    # (news optimism among press releases) is still predicted where it occurs.
    single_offsets: bool = False
    # The corpus collection whose out-of-fold predictions choose thresholds and offsets (the kind
    # of text the model will mostly tag, e.g. "news"); empty = all labelled paragraphs.
    tune_on: str = ""


@dataclass
class EvaluateConfig:
    folds: int = 5
    seed: int = 0
    # Fewer positives than this (or present in fewer articles than there are folds) and a
    # label's metrics are reported as unreliable.
    min_examples: int = 10
    # The collection whose figures lead (README, report, `framing experiments`): new articles of
    # this kind are what users tag; empty = all labelled paragraphs pooled.
    collection: str = ""
    # Time-forward test: train on paragraphs dated before a cut, test on those from the cut on.
    # The cut is chosen so that this share of the lead collection's labelled articles (all
    # collections' when none is set) falls on or after it; 0 turns the test off. Undated
    # paragraphs are always on the training side.
    forward_share: float = 0.2
    level: float = 0.95              # each macro-F1's interval from resampling the test side's articles ...
    n_boot: int = 1000               # ... this many times (0: no interval)
    rule_seeds: list[int] = field(default_factory=list)  # time-forward rule also chosen with these fold seeds: its spread


@dataclass
class ReportConfig:
    # Outlet shares: "ppi" (prediction-powered inference, the default; see framing/report/inference.py and
    # experiments/outlet-inference) or "none" (the model's decisions only).
    estimator: str = "ppi"
    # λ tuned per label (PPI++) instead of 1: in the simulation no narrower, and it covered less when
    # the labelled articles were older than the estimated ones.
    power_tuning: bool = False
    level: float = 0.95                # confidence level of every interval
    n_boot: int = 2000                 # bootstrap resamples of the article-bootstrap intervals
    calibrate: bool = True             # Platt-scale the probabilities on the other outlets' hand labels
    # An outlet with fewer hand-labelled paragraphs than this gets the pooled rectifier of all
    # labelled paragraphs and is marked model-only.
    min_labelled: int = 30
    # The label budget: more labelled paragraphs per outlet that bring every interval under this width.
    target_width: float = 0.10
    # The classifier's error may drift over time: "blocks" (the default) cuts an outlet's labelled
    # articles, in date order, into drift_blocks blocks, estimates the between-block variance of the
    # rectifier and adds it for paragraphs dated outside the labelled period; "none" assumes no drift
    # (time-forward coverage 0.914 instead of 0.943 in experiments/outlet-inference).
    drift: str = "blocks"
    drift_blocks: int = 4
    # An outlet with fewer articles than this is shown in the tables but enters no summary
    # sentence, ranking chart or comparison (a handful of articles makes extremes by chance).
    min_articles: int = 10
    # Outlets are compared with outlets of their own corpus collection (news with news, press
    # releases with press releases); false: all outlets together.
    within_collection: bool = True
    # Outlet → its own source label(s) ("Kremlin" = ["kremlin"]): an outlet quoting itself is
    # shown, never a headline finding.
    self_sources: dict = field(default_factory=dict)
    # What one row is in each collection, for the page's words ("headlines" = "headline"); others: paragraph.
    units: dict = field(default_factory=lambda: {"headlines": "headline"})
    # Largest differences per collection in the summary.
    summary_top: int = 5
    # Time charts: a point (outlet × period) needs at least this many articles; fewer leave a gap.
    time_min_articles: int = 10
    # Correction of a comparison's tests for multiplicity: "holm", "bh" (Benjamini–Hochberg) or "none".
    correction: str = "holm"
    # Compared outlets whose date ranges start or end more than this many days apart get a warning.
    date_gap_days: int = 30
    # "Why": terms per outlet and label, and example paragraphs.
    why_terms: int = 8
    why_examples: int = 3


@dataclass
class ArticlesConfig:
    # Article-level results (`framing predict --articles`, the terminal view, the report's articles
    # table). A multi-label label counts for an article when at least this many of its paragraphs
    # carry it; a single-choice dimension takes the label with the most paragraph probability mass.
    min_paragraphs: int = 1
    # `framing predict` without --out shows the articles in the terminal up to this many; more need --out.
    show_max: int = 20
    # The report's ranked table: this many articles per label.
    report_top: int = 5
    # ... among the articles with at least this many paragraphs (a share of one or two says nothing).
    report_min_paragraphs: int = 3


@dataclass
class ActiveConfig:
    """`framing labels simulate` (replaying labelling orders on the labelled pool) and
    `framing labels suspects` (labels the out-of-fold model contradicts)."""
    # The order `framing label` uses unless --order says otherwise: the one that reached the target
    # macro-F1 with the fewest labels in this project's replay (experiments/active-learning). It
    # needs a trained model; without one the session falls back to fallback_order.
    order: str = "uncertainty"
    fallback_order: str = "stratified"
    orders: list[str] = field(default_factory=lambda: ["random", "stratified", "uncertainty", "uncertainty-stratified"])
    seeds: int = 3                     # replays per order, each with its own held-out articles
    test_share: float = 0.25           # share of labelled articles held out (whole articles) to evaluate on
    start: int = 100                   # paragraphs labelled before the first model (the order's own first ones)
    batch: int = 100                   # paragraphs added between retrainings
    max_labels: int = 1600             # stop the replay here (0 = the whole pool)
    # The macro-F1 each order must reach: per dimension, this share of the best mean macro-F1
    # random order reaches within max_labels (target_f1, if above 0, is used instead).
    target_share: float = 0.95
    target_f1: float = 0.0
    # `framing labels stats`: how much macro-F1 to buy with more labels.
    gain: float = 0.05
    # Suspects: contradictions the model makes with at least this probability for the alternative.
    min_probability: float = 0.5
    # `framing label` reads the corpus a window of this many paragraphs at a time and orders each
    # window (random, stratified, uncertainty) on its own, so that a session on millions of
    # paragraphs starts at once; the corpus order needs no window. A corpus smaller than a window
    # is ordered whole.
    window: int = 50_000
    # The uncertainty orders score a window this many paragraphs at a time: the first block before
    # the first question, the rest of the window in the background while the annotator answers.
    block: int = 500


@dataclass
class ExperimentConfig:
    name: str = "default"
    data: DataConfig = field(default_factory=DataConfig)
    features: FeaturesConfig = field(default_factory=FeaturesConfig)
    classifier: ClassifierConfig = field(default_factory=ClassifierConfig)
    evaluate: EvaluateConfig = field(default_factory=EvaluateConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    articles: ArticlesConfig = field(default_factory=ArticlesConfig)
    active: ActiveConfig = field(default_factory=ActiveConfig)

    # Where the settings came from, for messages (load_config sets them; not fields: neither saved nor compared).
    file = None         # the config file read, if any
    set_items = ()      # (section.option, the --set item that gave it)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def origin(self, key: str) -> str | None:
        """The ``--set`` item that gave setting ``key`` (``section.option``); None: the file or the default."""
        return dict(self.set_items).get(key)


_SECTIONS = {"data": DataConfig, "features": FeaturesConfig, "classifier": ClassifierConfig,
             "evaluate": EvaluateConfig, "report": ReportConfig, "articles": ArticlesConfig,
             "active": ActiveConfig}


EXPERIMENTS = "experiments"  # experiments/<name>/ holds a config and what training writes


def experiment_dir(root: str | Path, name: str) -> Path:
    """The folder of experiment ``name`` in the project at ``root``."""
    return Path(root) / EXPERIMENTS / name


def config_file(root: str | Path, name: str) -> Path:
    """The config file of experiment ``name``."""
    return experiment_dir(root, name) / "config.toml"


def experiment_config(root: str | Path, name: str, path: str | Path | None = None,
                      overrides: list[str] | None = None) -> ExperimentConfig:
    """Experiment ``name``'s config (``experiments/NAME/config.toml``, or the file ``path``) with
    ``section.key=value`` overrides. A missing file is an error naming it: never silent defaults."""
    if path is None and not config_file(root, name).is_file():
        wanted = config_file(root, name)
        others = sorted(p.parent.name for p in Path(root, EXPERIMENTS).glob("*/config.toml"))
        raise ConfigError("no such experiment: its config is missing", path=wanted,
                          fix=f"create {wanted}: " + _start_from(root, name)
                              + (f"or pick an existing -e NAME ({', '.join(others)})" if others else "or pass --config FILE"))
    return load_config(path if path is not None else config_file(root, name), overrides, name=name)


def _start_from(root: str | Path, name: str) -> str:
    """How to start experiment ``name``'s config: from an empty file, or — where the default
    experiment's config says the corpus rows are paragraphs (an imported project) — from a copy."""
    default = config_file(root, "default")
    try:
        rows = name != "default" and tomllib.loads(default.read_text(encoding="utf-8"))["data"]["paragraph_rows"] is True
    except (OSError, UnicodeError, tomllib.TOMLDecodeError, KeyError, TypeError):
        rows = False
    if rows:
        return f"copy {default}, which sets data.paragraph_rows = true as this project's corpus needs, "
    return "an empty file uses every default (set only what you change), "


def load_config(path: str | Path | None = None, overrides: list[str] | None = None,
                name: str | None = None) -> ExperimentConfig:
    """Defaults, then the TOML file (if any), then ``section.key=value`` overrides."""
    raw: dict[str, Any] = {}
    if path is not None:
        path = Path(path)
        raw = read_toml(path, error=ConfigError, missing="config file not found",
                        fix_missing="create it, or run without --config to use the defaults")
    from_file = copy.deepcopy(raw)
    given: dict[str, str] = {}  # section.option -> the --set that gave it
    for item in overrides or []:
        key, sep, value = item.partition("=")
        section, dot, option = key.strip().partition(".")
        if not sep or not dot:
            raise ConfigError(f"override {item!r} is not section.key=value", fix="e.g. --set classifier.C=2.0")
        raw.setdefault(section, {})[option.strip()] = _parse_value(value.strip())
        given[f"{section}.{option.strip()}"] = item
    try:
        config = _build(raw, path)
    except ConfigError as error:
        try:
            _build(from_file, path)  # the file without the --set values
        except ConfigError:
            raise error from None
        keys = getattr(error, "keys", None)  # check_values names the settings it is about
        named = [item for key, item in given.items()
                 if (key in keys if keys else key in error.what or f"[{key.split('.')[0]}]" in error.what)]
        raise ConfigError(f"--set {' --set '.join(named or given.values())}: {error.what}", fix=error.fix) from None
    config.file, config.set_items = path, tuple(given.items())
    if name:
        config.name = name
    elif path is not None and "name" not in raw:
        config.name = Path(path).parent.name
    return config


def config_from_dict(raw: dict[str, Any]) -> ExperimentConfig:
    """A config from its :meth:`ExperimentConfig.to_dict` (as recorded in metrics.json), checked."""
    return _build(copy.deepcopy(raw), None)


def _parse_value(text: str) -> Any:
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text  # a bare word: take it as a string


def _build(raw: dict[str, Any], path: Path | None) -> ExperimentConfig:
    config = ExperimentConfig()
    for key, value in raw.items():
        if key == "name":
            config.name = str(value)
            continue
        if key not in _SECTIONS or not isinstance(value, dict):
            what = (f"{key} must be a section [{key}]" if key in _SECTIONS else f"unknown section [{key}]"
                    if isinstance(value, dict | list) else f"unknown key {key!r}")
            raise ConfigError(what, path=path, fix=f"the top-level keys are name and the sections [{'], ['.join(_SECTIONS)}]")
        section = getattr(config, key)
        fields = {f.name: f for f in dataclasses.fields(section)}
        for option, setting in value.items():
            if option not in fields:
                raise ConfigError(f"unknown option {key}.{option}", path=path,
                                  fix=f"[{key}] takes: {', '.join(fields)}")
            default = getattr(section, option)
            if isinstance(setting, str) and "str" in str(fields[option].type):
                setattr(section, option, setting)  # a field that also takes text (e.g. threshold = "oof")
                continue
            setattr(section, option, _coerce(setting, default, f"{key}.{option}", path))
    check_values(config, path)
    return config


BOOL_WORDS = {"true": True, "yes": True, "false": False, "no": False}


def _coerce(value: Any, default: Any, name: str, path: Path | None) -> Any:
    if default is None or isinstance(default, str) and not isinstance(value, str):
        return value
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in BOOL_WORDS:  # --set x=True: TOML wants lowercase
            return BOOL_WORDS[value.lower()]
    elif isinstance(default, int) and isinstance(value, int) and not isinstance(value, bool):
        return value
    elif isinstance(default, float) and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    elif isinstance(default, str) and isinstance(value, str):
        return value
    elif isinstance(default, list) and isinstance(value, list):
        return value
    elif isinstance(default, dict) and isinstance(value, dict):
        return value
    raise ConfigError(f"{name} = {value!r} should be {type(default).__name__}", path=path,
                      fix=f"the default is {default!r}")
