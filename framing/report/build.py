"""The report step as a library function: from predictions (or hand labels) to the numbers a
page shows — outlet profiles and shares, comparisons, time, why, validity, method notes — then
:func:`framing.report.page.write_report`."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from framing._io import make_folder, sha256_file
from framing.config import ExperimentConfig, ReportConfig, experiment_dir
from framing.corpus.read import project_paragraphs
from framing.corpus.tables import read_predictions
from framing.errors import ReportError
from framing.evaluate.results import read_oof
from framing.labels.codebook import load_codebook
from framing.model.saved import load_model
from framing.project import load_project
from framing.report.content import ReportContent
from framing.report.html import cutoff, level_pct
from framing.report.held_out import out_of_fold, validation_table
from framing.report.method import (agreement_note, count_line, expected_line, model_note, reads_note,
                                   sampling_note, summary_caveats, unit_word, validity_table)
from framing.report.events import events_in_range, read_events
from framing.report.page import write_report
from framing.report.provenance import check_model
from framing.report.ranking import ranked_articles
from framing.report.compare import date_warning, largest_differences, outlet_tester
from framing.report.profile import eligible_outlets, indicators, outlet_collections, outlet_profile, time_profile
from framing.report.shares import corpus_room, label_budget, method_notes, outlet_shares
from framing.report.why import duplicate_count, outlet_why


@dataclass
class _Source:
    """What the report is drawn from: the rows (predictions or hand labels) and what explains them."""
    frame: pd.DataFrame
    codebook: object
    corpus: pd.DataFrame                  # the paragraphs the outlets' colours are assigned over
    model: object = None
    oof: pd.DataFrame | None = None
    metrics: dict = field(default_factory=dict)
    kind: str = "predictions"             # or "labels"
    shares: pd.DataFrame | None = None    # outlet shares with the classifier's error, when there are hand labels
    texts: pd.DataFrame | None = None     # the project's corpus by paragraph id (text, title), once read


def _metrics_file(model_path: Path, default: dict) -> dict:
    path = model_path / "metrics.json"  # `framing evaluate` may have run since training
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else default


def _from_labels(config: ExperimentConfig, root: Path, model_path: Path, collections: list[str] | None,
                 notes: dict[str, str]) -> _Source:
    data = load_project(config, root)
    frame, codebook = data.table, data.codebook
    notes["Labels"] = "; ".join(f"{f}: sha256 {h[:12]}" for f, h in data.hashes["labels_sha256"].items())
    notes["Codebook"] = f"{codebook.name} v{codebook.version} ({config.data.codebook}, sha256 {codebook.sha256[:12]})"
    labelled_collections = set(frame["collection"]) if "collection" in frame else set()
    paragraphs = data.paragraphs
    if collections:
        paragraphs = paragraphs[paragraphs["collection"].isin(collections)]
    readme = Path(config.data.labels) / "README.md"
    readme = readme.as_posix() if (root / readme).is_file() else None  # cited only where the project has one
    notes["Sampling"] = sampling_note(paragraphs[paragraphs["collection"].isin(labelled_collections)]
                                      if labelled_collections else paragraphs, frame, config.report.units, readme)
    notes["Agreement"] = agreement_note(data.labels, codebook, readme)
    return _Source(frame, codebook, data.paragraphs, metrics=_metrics_file(model_path, {}), kind="labels")


def _from_predictions(config: ExperimentConfig, root: Path, model_path: Path, predictions: str | Path,
                      notes: dict[str, str]) -> _Source:
    model = load_model(model_path)
    meta = model.meta
    codebook = model.codebook
    frame = read_predictions(predictions)
    missing = [c for c in ["article_id", "outlet", *codebook.names] if c not in frame.columns]
    if missing:
        raise ReportError(f"no column(s) {', '.join(missing)} in the predictions", path=predictions,
                          fix=f"give predictions written by `framing predict --model {model_path}` "
                              "(its codebook names the columns)")
    if frame.empty:
        raise ReportError("the predictions hold no paragraph", path=predictions,
                          fix="predict articles that have text, then report on those predictions")
    notes["Data"] = f"model predictions, {predictions} (sha256 {sha256_file(predictions)[:12]})"
    notes["Model"] = model_note(model_path, meta, codebook)
    notes["Codebook"] = f"{codebook.name} v{codebook.version} (sha256 {codebook.sha256[:12]}, the model's copy)"
    project_codebook = root / config.data.codebook
    if project_codebook.is_file():
        current = load_codebook(project_codebook)
        if current.sha256 != codebook.sha256:
            notes["Codebook"] += (f"; the project's {config.data.codebook} is now v{current.version} "
                                  f"(sha256 {current.sha256[:12]}): retrain the model to report under it")
    notes["Labels"] = "; ".join(f"{k}: sha256 {v[:12]}" for k, v in meta.get("data", {}).get("labels_sha256", {}).items())
    counts = meta.get("label_counts", {})
    notes["Training labels"] = "; ".join(f"{d}: {c['paragraphs']} paragraphs" for d, c in counts.items())
    oof_path = model_path / "cv_predictions.csv"
    oof = read_oof(oof_path, codebook) if oof_path.is_file() else None
    src = _Source(frame, codebook, frame, model, oof, _metrics_file(model_path, meta.get("cv_metrics", {})))
    _model_check(src, config, root, model_path, notes)
    return src


def _filtered(frame: pd.DataFrame, collections: list[str] | None, outlets: list[str] | None,
              compare: tuple[str, str] | None = None) -> pd.DataFrame:
    """The rows the report is drawn from; refuses, before any work, a --compare outlet not among them."""
    if collections:
        if "collection" not in frame:
            raise ReportError("the predictions have no collection column", fix="re-run framing predict")
        frame = frame[frame["collection"].isin(collections)]
    if outlets:
        frame = frame[frame["outlet"].isin(outlets)]
    if frame.empty:
        raise ReportError("nothing to report after filtering", fix="check --collection / --outlet against the data")
    known = set(frame["outlet"].astype(str))
    for name in compare or ():
        if name not in known:
            raise ReportError(f"--compare names {name!r}, which is not an outlet of the {len(frame):,} rows reported",
                              fix=f"outlets: {', '.join(sorted(known))}")
    return frame


def _shares(src: _Source, profile: pd.DataFrame, config: ExperimentConfig, root: Path, collections: list[str] | None,
            *, n_boot: int, seed: int, notes: dict, omitted: dict, parts: dict) -> pd.DataFrame:
    """Outlet shares with the classifier's error (PPI) beside the model's own, the label budget, and
    the hand labels against the cross-validated predictions; returns the profile with the shares joined."""
    oof, frame, settings = src.oof, src.frame, config.report
    if settings.estimator == "ppi":
        if "collection" in oof and collections:
            oof = oof[oof["collection"].isin(collections)]
        shares = outlet_shares(frame, oof, src.codebook, level=settings.level, calibrate=settings.calibrate,
                               min_labelled=settings.min_labelled, target_width=settings.target_width,
                               power_tuning=settings.power_tuning, drift=settings.drift,
                               drift_blocks=settings.drift_blocks)
        keys = ["outlet", "dimension", "label"]
        profile = profile.rename(columns={"share": "predicted", "ci_low": "predicted_low",
                                          "ci_high": "predicted_high"}).merge(shares, on=keys, how="left")
        parts["budget"] = corpus_room(label_budget(shares, target_width=settings.target_width), config, root,
                                      read=lambda: _corpus_texts(src, config, root).reset_index())
        src.shares = shares
        notes.update(method_notes(shares, settings))
    validation = validation_table(oof, src.codebook, src.model.thresholds, outlets=sorted(frame["outlet"].unique()),
                                  n_boot=min(n_boot, 1000), seed=seed)
    parts["validation"] = validation
    if validation.empty:
        omitted["Hand labels vs model"] = "none of these outlets has hand-labelled paragraphs to check the model on"
    return profile


def _why(src: _Source, config: ExperimentConfig, root: Path, *, seed: int, notes: dict, omitted: dict,
         parts: dict) -> None:
    """The words and paragraphs behind the shares, and the articles per label."""
    frame, settings = src.frame, config.report
    corpus = _corpus_texts(src, config, root) if "text" not in frame else None
    corpus = pd.DataFrame(columns=["text", "title"]) if corpus is None else corpus
    texts = corpus["text"]
    why, examples = outlet_why(src.model, frame, texts, seed=seed, k=settings.why_terms, n_examples=settings.why_examples)
    parts["why"], parts["examples"] = why, examples
    parts["reads"] = reads_note(src.model.config.features)
    if not why:
        omitted["why"] = ("the predictions carry no text and their paragraphs are not in the project's corpus: "
                          "predict with `framing predict --keep-text` to see the words and paragraphs behind "
                          "the shares")
    else:
        dupes = duplicate_count(frame, texts)
        if dupes:
            notes["Repeated paragraphs"] = (f"{dupes:,} paragraphs repeat an earlier paragraph of their article "
                                            "(pull quotes, repeated captions); they count in the shares, as "
                                            "published, and are shown once among the examples.")
    article_texts = frame.drop_duplicates("paragraph_id").set_index("paragraph_id")["text"] if "text" in frame else texts
    least = config.articles.report_min_paragraphs
    parts["articles"] = ranked_articles(src.model, frame, src.codebook, config.articles.report_top, article_texts,
                                        corpus["title"], min_paragraphs=least)
    if parts["articles"] is not None and parts["articles"].empty:
        omitted["Articles"] = (f"no article has {least} or more paragraphs (articles.report_min_paragraphs; a "
                               "headline is an article of one): the share of a label in fewer says little about an article")


def _corpus_texts(src: _Source, config: ExperimentConfig, root: Path) -> pd.DataFrame | None:
    """The project's paragraphs by id (text, title), read once; None without a corpus."""
    if src.texts is None and (root / config.data.corpus).exists():
        table = project_paragraphs(config, root).set_index("paragraph_id")
        src.texts = table[~table.index.duplicated()]
    return src.texts


def _model_check(src: _Source, config: ExperimentConfig, root: Path, model_path: Path, notes: dict) -> None:
    """Refuse predictions the model did not make (:func:`check_model`); say so where it cannot tell."""
    texts = _corpus_texts(src, config, root) if "text" not in src.frame else None
    unchecked = check_model(src.model, src.frame, None if texts is None else texts["text"], model_path)
    if unchecked:
        notes["Model check"] = unchecked


def _over_time(src: _Source, settings: ReportConfig, *, period: str, n_boot: int, seed: int,
               events: pd.DataFrame | None, omitted: dict, parts: dict) -> dict[str, str]:
    """Shares by week or month, and the events within the data's dates; returns the outlets left out and why."""
    if "date" not in src.frame:
        omitted["Over time"] = "the table has no date column"
        return {}
    time_table, used = time_profile(src.frame, src.codebook, period=period, n_boot=min(n_boot, 500), seed=seed,
                                    min_articles=settings.time_min_articles, level=settings.level)
    parts.update(time=time_table, period=used)
    if time_table.empty:
        omitted["Over time"] = (f"no outlet has a {used if used != 'none' else 'period'} with "
                                f"{settings.time_min_articles} or more dated articles (report.time_min_articles)"
                                + ("; try --period month" if used == "week" else ""))
    dates = pd.to_datetime(src.frame["date"], errors="coerce", utc=True).dropna().dt.tz_localize(None)
    if events is not None and len(dates):
        parts["events"], outside = events_in_range(events, dates.min().normalize(), dates.max())
        if outside:
            omitted["Events"] = (f"outside the data's dates ({dates.min():%Y-%m-%d} – {dates.max():%Y-%m-%d}), not "
                                 f"marked: {'; '.join(outside)}")
    return time_table.attrs.get("left_out", {})


def _comparison(src: _Source, profile: pd.DataFrame, settings: ReportConfig,
                compare: tuple[str, str], *, test: Callable[[str, str], pd.DataFrame], parts: dict) -> None:
    a, b = compare
    small = [o for o in compare if o not in eligible_outlets(profile[profile["outlet"] == o], settings.min_articles)]
    if small and set(compare) <= set(profile["outlet"]):
        raise ReportError(f"{' and '.join(small)} {'has' if len(small) == 1 else 'have'} fewer than "
                          f"{settings.min_articles} articles: too few to compare",
                          fix="choose outlets with more articles, or lower report.min_articles in the config "
                              "(--min-articles)")
    table = test(a, b)
    warnings = []
    collections = outlet_collections(src.frame)  # the outlets' own, also when all are compared together
    if collections.get(a) != collections.get(b):
        warnings.append(f"{a} ({collections.get(a)}) and {b} ({collections.get(b)}) belong to different collections: "
                        "differences may be differences of genre, not of framing.")
    dated = date_warning(src.frame, a, b, max_gap_days=settings.date_gap_days, source=src.kind)
    if dated:
        warnings.append(dated)
    parts.update(compare=table, compare_pair=compare, compare_warnings=warnings)


def _interval_notes(settings: ReportConfig, *, model_shares: bool, labels: bool, n_boot: int, seed: int) -> dict[str, str]:
    """The method section's words on intervals and fair comparisons, from the settings."""
    correction = {"holm": "Holm", "bh": "Benjamini–Hochberg", "none": "nothing"}[settings.correction]
    return {
        "Confidence intervals": (
            "What they cover: each outlet's articles are taken as a sample of what it publishes, so an interval "
            "says how far the share could be from the share in its coverage at large (not only in these articles). "
            + ("Outlet shares: see above — their intervals cover that sampling and the classifier's error; "
               "--compare and the summary's gaps combine the two outlets' standard errors (normal interval, z test). "
               "The model's raw predicted shares and the time charts" if model_shares
               else "Shares, time charts, --compare and the summary's gaps")
            + f": {level_pct(settings.level)} percentile bootstrap over articles within each outlet (report.level), "
              f"{n_boot} resamples, seed {seed}"
            + (" — these cover the sampling of articles, not the classifier's error." if not labels else
               " (hand labels: no classifier error to cover).")
            + " A summary gap's interval and p-value are those of --compare for the same two outlets, the "
              "p-value then multiplied by the number of outlet pairs in the collection (Bonferroni), as the pair was "
              f"picked as the largest gap among them; a difference is significant when that p is below "
              f"{cutoff(settings.level)} (1 − report.level)."
            + (" The hand labels vs model panel is drawn at 95% whatever report.level." if model_shares else "")),
        "Fair comparisons": (
            ("outlets are compared within their collection (report.within_collection)" if settings.within_collection
             else "outlets of all collections are compared together (report.within_collection = false)")
            + f"; an outlet needs {settings.min_articles} or more articles (report.min_articles) "
            f"for the summary, the charts and --compare; a time point needs {settings.time_min_articles} or more "
            f"(report.time_min_articles); an outlet's own voice (report.self_sources) is never a finding; --compare "
            f"adjusts its p-values across its tests by "
            f"{correction} (report.correction)."),
    }


def _validity(src: _Source, shown_collections: list[str], model_path: Path, notes: dict,
              omitted: dict) -> pd.DataFrame | None:
    """Macro-F1 per collection shown (from ``metrics.json``), and what to expect on new articles."""
    if not src.metrics:
        omitted["Validity per collection"] = f"no metrics.json in {model_path}: run `framing evaluate` to measure it"
        return None
    validity = validity_table(src.metrics, src.codebook)
    notes["Expected on new articles"] = expected_line(src.metrics) or "no time-forward figures (run framing evaluate)"
    return validity[validity["collection"].isin([*shown_collections, "all"])]


def _held_out_swapped(src: _Source, notes: dict) -> pd.DataFrame:
    """The predictions with training paragraphs counted by their out-of-fold predictions."""
    frame, swapped = out_of_fold(src.frame, src.oof, src.codebook, src.model.thresholds)
    if swapped:
        notes["Training paragraphs"] = (
            f"{swapped:,} of the {len(frame):,} predicted paragraphs are hand-labelled paragraphs the model was "
            "trained on; their in-sample predictions are replaced by their out-of-fold predictions from "
            "cross-validation (cv_predictions.csv), so they count as the model would label unseen text and "
            "the outlet shares below stay valid.")
    return frame


def _content(src: _Source, settings: ReportConfig, profile: pd.DataFrame, groups: dict, validity: pd.DataFrame | None,
             *, title: str, unit: str, palette: list[str], left_out: dict, notes: dict, omitted: dict,
             parts: dict, test: Callable[[str, str], pd.DataFrame]) -> ReportContent:
    return ReportContent(
        title=title, codebook=src.codebook, profile=profile, notes=notes, omitted=omitted, groups=groups, unit=unit,
        units={o: settings.units.get(c, "paragraph") for o, c in outlet_collections(src.frame).items()},
        palette_outlets=palette,
        min_articles=settings.min_articles, time_min_articles=settings.time_min_articles,
        self_sources={o: list(v) for o, v in settings.self_sources.items()}, time_left_out=left_out,
        validity=validity, expected=expected_line(src.metrics) if src.metrics else "",
        summary=summary_caveats(largest_differences(
            profile, groups=groups, top=settings.summary_top, min_articles=settings.min_articles,
            self_sources=settings.self_sources, level=settings.level, compare=functools.partial(test, either_order=True)),
            src.frame, src.metrics, outlet_collections(src.frame), max_gap_days=settings.date_gap_days, source=src.kind),
        kind=src.kind, level=settings.level, within_collection=settings.within_collection,
        **parts)


def _check_request(source: str, period: str, out_dir: Path, compare: tuple[str, str] | None = None) -> None:
    """Refuse what cannot be reported before any work: the source, the period, an outlet compared
    with itself, an output folder that cannot be made (not after the bootstrap)."""
    if compare and compare[0] == compare[1]:
        raise ReportError(f"--compare names {compare[0]!r} twice: an outlet cannot be compared with itself",
                          fix="give two different outlets")
    if source not in ("labels", "predictions"):
        raise ReportError(f"unknown report source {source!r}", fix="report from 'predictions' or 'labels'")
    if period not in ("auto", "week", "month"):
        raise ReportError(f"--period {period!r} is not supported", fix="use week, month or auto")
    make_folder(out_dir, out_dir)


def build_report(source: str, root: str | Path = ".", *, predictions: str | Path | None = None,
                 model_dir: str | Path | None = None, config: ExperimentConfig | None = None,
                 out_dir: str | Path, title: str | None = None, n_boot: int | None = None, seed: int = 0,
                 collections: list[str] | None = None, outlets: list[str] | None = None,
                 compare: tuple[str, str] | None = None, events: str | Path | None = None,
                 period: str = "auto", progress: Callable[[str], None] | None = None) -> Path:
    """Build the outlet report from predictions (``source="predictions"``) or hand labels
    (``source="labels"``). Returns the path of ``index.html``. ``progress`` is called with a
    short description at the start of each step; ``n_boot`` defaults to ``report.n_boot``."""
    _check_request(source, period, Path(out_dir), compare)
    events = read_events(events) if events is not None else None  # a bad file is refused before any work
    step = progress or (lambda text: None)
    root, config = Path(root), config or ExperimentConfig()
    settings = config.report
    n_boot = settings.n_boot if n_boot is None else n_boot
    notes: dict[str, str] = {}
    omitted: dict[str, str] = {}
    parts: dict = {}
    model_path = Path(model_dir) if model_dir else experiment_dir(root, config.name)
    step("reading the hand labels" if source == "labels" else "reading the predictions and the model")
    src = _from_labels(config, root, model_path, collections, notes) if source == "labels" \
        else _from_predictions(config, root, model_path, predictions, notes)
    every = outlet_collections(src.corpus)
    palette = sorted(every, key=lambda o: (every[o], o))  # the same colours in every report of the corpus
    src.frame = frame = _filtered(src.frame, collections, outlets, compare)
    shown_collections = sorted(frame["collection"].astype(str).unique()) if "collection" in frame else []
    what = "hand-labelled" if source == "labels" else "predicted"
    notes["Data"] = f"{what}: {count_line(frame, settings.units)}" + ("" if source == "labels" else f" — {notes['Data']}")
    validity = _validity(src, shown_collections, model_path, notes, omitted)
    if src.oof is not None:
        src.frame = frame = _held_out_swapped(src, notes)
    step("outlet profiles")
    ind = indicators(frame, src.codebook)  # the 0/1 table every profile below starts from, built once
    profile = outlet_profile(frame, src.codebook, n_boot=n_boot, seed=seed, level=settings.level, ind=ind)
    groups = outlet_collections(frame) if settings.within_collection else {o: "all" for o in profile["outlet"]}
    step("outlet shares with the classifier's error")
    if src.oof is not None:
        profile = _shares(src, profile, config, root, collections, n_boot=n_boot, seed=seed, notes=notes,
                          omitted=omitted, parts=parts)
    elif source != "labels":
        omitted["Outlet shares"] = (f"no cv_predictions.csv in {model_path}: shares are the model's raw reading, "
                                    "without the classifier's error")
    step("words and paragraphs behind the shares")
    if src.model is not None:
        _why(src, config, root, seed=seed, notes=notes, omitted=omitted, parts=parts)
    else:
        omitted["why"] = "the hand-labels report has no model to explain: see a predictions report"
    step("time series")
    left_out = _over_time(src, settings, period=period, n_boot=n_boot, seed=seed, events=events, omitted=omitted,
                          parts=parts)
    step("comparison")
    test = outlet_tester(src.frame, src.codebook, ind, settings, shares=src.shares, n_boot=n_boot, seed=seed)
    if compare:
        _comparison(src, profile, settings, compare, test=test, parts=parts)
    notes.update(_interval_notes(settings, model_shares="predicted" in profile, labels=source == "labels",
                                 n_boot=n_boot, seed=seed))
    step("summary")
    content = _content(src, settings, profile, groups, validity, title=title or (
        "Outlet framing profile — hand labels" if source == "labels" else "Outlet framing profile"),
        unit=unit_word(shown_collections, settings.units), palette=palette, left_out=left_out, notes=notes,
        omitted=omitted, parts=parts, test=test)
    step("drawing the charts")
    return write_report(content, out_dir, progress=step)

