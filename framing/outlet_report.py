"""The report step as a library function: from predictions (or hand labels) to the numbers a
page shows — outlet profiles and shares, comparisons, time, why, validity, method notes — then
:func:`framing.report.write_report`. Re-exported by :mod:`framing.workflow`."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from framing._io import sha256_file
from framing.codebook import Codebook, load_codebook
from framing.config import ExperimentConfig
from framing.errors import ReportError
from framing.evaluate import read_oof
from framing.model import load_model
from framing.predict import read_predictions
from framing.profile import outlet_profile


def _labelled_profile_frame(oof: pd.DataFrame, codebook: Codebook, thresholds: dict, which: str) -> pd.DataFrame:
    """Out-of-fold table → a frame of hand (``which="hand"``) or predicted values per dimension."""
    from framing.profile import predicted_indicators

    frame = oof[["article_id", "outlet"]].copy()
    pred = predicted_indicators(oof, codebook, thresholds) if which == "predicted" else None
    for dim in codebook.dimensions:
        true_col = f"{dim.name}__true"
        if true_col not in oof:
            continue
        has = oof[true_col].notna()
        if which == "hand":
            values = oof[true_col].where(has)
        else:
            cols = [f"{dim.name}:{label}" for label in dim.label_names]
            hits = pred[cols].to_numpy()
            values = pd.Series(["|".join(dim.label_names[j] for j in np.flatnonzero(row == 1)) for row in np.nan_to_num(hits)],
                               index=oof.index).where(has & pred[cols].notna().all(axis=1))
        frame[dim.name] = values
    return frame


def _out_of_fold(frame: pd.DataFrame, oof: pd.DataFrame, codebook: Codebook, thresholds: dict) -> tuple[pd.DataFrame, int]:
    """Predictions with each training paragraph's in-sample values replaced, dimension by dimension,
    by its out-of-fold prediction; and how many paragraphs were replaced."""
    if "paragraph_id" not in frame:
        return frame, 0
    held_out = _labelled_profile_frame(oof, codebook, thresholds, "predicted").set_index(oof["paragraph_id"].astype(str))
    held_out = held_out[~held_out.index.duplicated()]
    ids = frame["paragraph_id"].astype(str)
    inside = ids.isin(held_out.index)
    if not inside.any():
        return frame, 0
    frame = frame.copy()
    for dim in codebook.dimensions:
        if dim.name in frame and dim.name in held_out:
            values = ids[inside].map(held_out[dim.name])
            frame.loc[values.index[values.notna()], dim.name] = values[values.notna()]
    return frame, int(inside.sum())


def validation_table(oof: pd.DataFrame, codebook: Codebook, thresholds: dict, *, outlets: list[str] | None = None,
                     n_boot: int = 1000, seed: int = 0) -> pd.DataFrame:
    """Per outlet and label: share in the hand labels and in the cross-validated predictions of
    the same paragraphs, each with an article-bootstrap CI."""
    if outlets is not None:
        oof = oof[oof["outlet"].isin(outlets)]
    hand = outlet_profile(_labelled_profile_frame(oof, codebook, thresholds, "hand"), codebook, n_boot=n_boot, seed=seed)
    pred = outlet_profile(_labelled_profile_frame(oof, codebook, thresholds, "predicted"), codebook, n_boot=n_boot, seed=seed)
    keys = ["outlet", "dimension", "label"]
    table = hand.rename(columns={"share": "hand", "ci_low": "hand_low", "ci_high": "hand_high"}).merge(
        pred[keys + ["share", "ci_low", "ci_high"]].rename(
            columns={"share": "predicted", "ci_low": "predicted_low", "ci_high": "predicted_high"}), on=keys)
    return table


def report(source: str, root: str | Path = ".", *, predictions: str | Path | None = None,
           model_dir: str | Path | None = None, config: ExperimentConfig | None = None,
           out_dir: str | Path, title: str | None = None, n_boot: int = 2000, seed: int = 0,
           collections: list[str] | None = None, outlets: list[str] | None = None,
           compare: tuple[str, str] | None = None, events: str | Path | None = None,
           period: str = "auto", progress: Callable[[str], None] | None = None) -> Path:
    """Build the outlet report from predictions (``source="predictions"``) or hand labels
    (``source="labels"``). Returns the path of ``index.html``. ``progress`` is called with a
    short description at the start of each step."""
    from framing.inference import label_budget, method_notes, outlet_shares
    from framing.method import agreement_note, count_line, expected_line, sampling_note, unit_word, validity_table
    from framing.profile import (compare_outlets, date_warning, eligible_outlets, indicators, largest_differences,
                                 outlet_collections, time_profile)
    from framing.report import ReportContent, write_report
    from framing.why import duplicate_count, outlet_why

    from framing.workflow import load_project, project_paragraphs

    step = progress or (lambda text: None)
    root = Path(root)
    config = config or ExperimentConfig()
    settings = config.report
    notes: dict[str, str] = {}
    omitted: dict[str, str] = {}
    model = meta = oof = None
    metrics: dict = {}
    model_path = Path(model_dir) if model_dir else root / "experiments" / config.name
    step("reading the hand labels" if source == "labels" else "reading the predictions and the model")
    project_codebook = root / config.data.codebook
    if source == "labels":
        data = load_project(config, root)
        frame, codebook = data.table, data.codebook
        notes["Labels"] = "; ".join(f"{f}: sha256 {h[:12]}" for f, h in data.hashes["labels_sha256"].items())
        notes["Codebook"] = f"{codebook.name} v{codebook.version} ({config.data.codebook}, sha256 {codebook.sha256[:12]})"
        labelled_collections = set(frame["collection"]) if "collection" in frame else set()
        paragraphs = data.paragraphs
        if collections:
            paragraphs = paragraphs[paragraphs["collection"].isin(collections)]
        notes["Sampling"] = sampling_note(paragraphs[paragraphs["collection"].isin(labelled_collections)]
                                          if labelled_collections else paragraphs, frame, settings.units)
        notes["Agreement"] = agreement_note(data.labels, codebook)
        if (model_path / "metrics.json").is_file():
            metrics = json.loads((model_path / "metrics.json").read_text(encoding="utf-8"))
    else:
        model = load_model(model_path)
        meta = model.meta
        codebook = model.codebook
        frame = read_predictions(predictions)
        missing = [c for c in ["article_id", "outlet", *codebook.names] if c not in frame.columns]
        if missing:
            raise ReportError(f"no column(s) {', '.join(missing)} in the predictions", path=predictions,
                              fix=f"give predictions written by `framing predict --model {model_path}` "
                                  "(its codebook names the columns)")
        notes["Data"] = f"model predictions, {predictions} (sha256 {sha256_file(predictions)[:12]})"
        f = meta["config"]["features"]
        lexicon = f" + rationale lexicon ({f['lexicon']})" if f.get("lexicon", "none") != "none" else ""
        notes["Model"] = (f"{model_path}: TF-IDF ({f['analyzer']}, {f['ngram_min']}–{f['ngram_max']}-grams, "
                          f"sublinear_tf={f['sublinear_tf']}){lexicon} + logistic regression (C={meta['config']['classifier']['C']}, "
                          f"class_weight={meta['config']['classifier']['class_weight']}), trained {meta['created']}")
        notes["Codebook"] = f"{codebook.name} v{codebook.version} (sha256 {codebook.sha256[:12]}, the model's copy)"
        if project_codebook.is_file():
            current = load_codebook(project_codebook)
            if current.sha256 != codebook.sha256:
                notes["Codebook"] += (f"; the project's {config.data.codebook} is now v{current.version} "
                                      f"(sha256 {current.sha256[:12]}): retrain the model to report under it")
        notes["Labels"] = "; ".join(f"{k}: sha256 {v[:12]}" for k, v in meta.get("data", {}).get("labels_sha256", {}).items())
        counts = meta.get("label_counts", {})
        notes["Training labels"] = "; ".join(f"{d}: {c['paragraphs']} paragraphs" for d, c in counts.items())
        metrics = meta.get("cv_metrics", {})
        if (model_path / "metrics.json").is_file():  # `framing evaluate` may have run since training
            metrics = json.loads((model_path / "metrics.json").read_text(encoding="utf-8"))
        oof_path = model_path / "cv_predictions.csv"
        if oof_path.is_file():
            oof = read_oof(oof_path, codebook)
    every = outlet_collections(data.paragraphs if source == "labels" else frame)
    palette = sorted(every, key=lambda o: (every[o], o))  # the same colours in every report of the corpus
    if collections:
        if "collection" not in frame:
            raise ReportError("the predictions have no collection column", fix="re-run framing predict")
        frame = frame[frame["collection"].isin(collections)]
    if outlets:
        frame = frame[frame["outlet"].isin(outlets)]
    if frame.empty:
        raise ReportError("nothing to report after filtering", fix="check --collection / --outlet against the data")
    shown_collections = sorted(frame["collection"].astype(str).unique()) if "collection" in frame else []
    unit = unit_word(shown_collections, settings.units)
    what = "hand-labelled" if source == "labels" else "predicted"
    notes["Data"] = f"{what}: {count_line(frame, settings.units)}" + (
        "" if source == "labels" else f" — {notes['Data']}")
    if metrics:
        validity = validity_table(metrics, codebook)
        validity = validity[validity["collection"].isin([*shown_collections, "all"])]
        notes["Expected on new articles"] = expected_line(metrics) or "no time-forward figures (run framing evaluate)"
    else:
        validity = None
        omitted["Validity per collection"] = f"no metrics.json in {model_path}: run `framing evaluate` to measure it"
    if oof is not None:
        frame, swapped = _out_of_fold(frame, oof, codebook, model.thresholds)
        if swapped:
            notes["Training paragraphs"] = (
                f"{swapped:,} of the {len(frame):,} predicted paragraphs are hand-labelled paragraphs the model was "
                "trained on; their in-sample predictions are replaced by their out-of-fold predictions from "
                "cross-validation (cv_predictions.csv), so they count as the model would label unseen text and "
                "the outlet shares below stay valid.")
    step("outlet profiles")
    ind = indicators(frame, codebook)  # the 0/1 table every profile below starts from, built once
    profile = outlet_profile(frame, codebook, n_boot=n_boot, seed=seed, ind=ind)
    groups = outlet_collections(frame) if settings.within_collection else {o: "all" for o in profile["outlet"]}
    content_kwargs: dict = {}
    step("outlet shares with the classifier's error")
    if oof is not None:
        thresholds = model.thresholds
        if settings.estimator == "ppi":
            if "collection" in oof and collections:
                oof = oof[oof["collection"].isin(collections)]
            shares = outlet_shares(frame, oof, codebook, level=settings.level, calibrate=settings.calibrate,
                                   min_labelled=settings.min_labelled, target_width=settings.target_width,
                                   power_tuning=settings.power_tuning, drift=settings.drift,
                                   drift_blocks=settings.drift_blocks)
            keys = ["outlet", "dimension", "label"]
            profile = profile.rename(columns={"share": "predicted", "ci_low": "predicted_low",
                                              "ci_high": "predicted_high"}).merge(shares, on=keys, how="left")
            content_kwargs["budget"] = label_budget(shares, target_width=settings.target_width)
            notes.update(method_notes(shares, settings))
        validation = validation_table(oof, codebook, thresholds, outlets=sorted(frame["outlet"].unique()),
                                      n_boot=min(n_boot, 1000), seed=seed)
        content_kwargs["validation"] = validation
        if validation.empty:
            omitted["Hand labels vs model"] = "none of these outlets has hand-labelled paragraphs to check the model on"
    elif source != "labels":
        omitted["Outlet shares"] = (f"no cv_predictions.csv in {model_path}: shares are the model's raw reading, "
                                    "without the classifier's error")
    step("words and paragraphs behind the shares")
    if model is not None:
        texts = project_paragraphs(config, root).set_index("paragraph_id")["text"] \
            if "text" not in frame and (root / config.data.corpus).exists() else pd.Series(dtype=str)
        why, examples = outlet_why(model, frame, texts, seed=seed, k=settings.why_terms, n_examples=settings.why_examples)
        content_kwargs["why"], content_kwargs["examples"] = why, examples
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
        content_kwargs["articles"] = _ranked_articles(model, frame, codebook, config.articles.report_top, article_texts)
    else:
        omitted["why"] = "the hand-labels report has no model to explain: see a predictions report"
    step("time series")
    left_out: dict[str, str] = {}
    if "date" in frame:
        time_table, used = time_profile(frame, codebook, period=period, n_boot=min(n_boot, 500), seed=seed,
                                        min_articles=settings.time_min_articles)
        left_out = time_table.attrs.get("left_out", {})
        content_kwargs.update(time=time_table, period=used)
        if time_table.empty:
            omitted["Over time"] = (f"no outlet has a {used if used != 'none' else 'period'} with "
                                    f"{settings.time_min_articles} or more dated articles (report.time_min_articles)")
        if events is not None:
            content_kwargs["events"] = read_events(events)
    else:
        omitted["Over time"] = "the table has no date column"
    step("comparison")
    if compare:
        a, b = compare
        small = [o for o in compare if o not in eligible_outlets(profile[profile["outlet"] == o], settings.min_articles)]
        if small and set(compare) <= set(profile["outlet"]):
            raise ReportError(f"{' and '.join(small)} {'has' if len(small) == 1 else 'have'} fewer than "
                              f"{settings.min_articles} articles: too few to compare",
                              fix="choose outlets with more articles, or lower report.min_articles in the config "
                                  "(--min-articles)")
        table = compare_outlets(frame, codebook, a, b, n_boot=n_boot, seed=seed, ind=ind,
                                level=settings.level, correction=settings.correction)
        warnings = []
        if groups.get(a) != groups.get(b):
            warnings.append(f"{a} ({groups.get(a)}) and {b} ({groups.get(b)}) belong to different collections: "
                            "differences may be differences of genre, not of framing.")
        dated = date_warning(frame, a, b, max_gap_days=settings.date_gap_days)
        if dated:
            warnings.append(dated)
        content_kwargs.update(compare=table, compare_pair=compare, compare_warnings=warnings)
    notes["Confidence intervals"] = (
        ("Outlet shares: see above. The model's predicted shares, time charts and comparisons" if "predicted" in profile
         else "Shares, time charts and comparisons")
        + f": 95% percentile bootstrap over articles within each outlet, {n_boot} resamples, seed {seed}"
        + (" — these cover the sampling of articles, not the classifier's error." if source != "labels" else
           " (hand labels: no classifier error to cover).")
        + " A summary gap's interval combines the two outlets' intervals as independent normal errors.")
    notes["Fair comparisons"] = (
        ("outlets are compared within their collection (report.within_collection)" if settings.within_collection
           else "outlets of all collections are compared together (report.within_collection = false)")
        + f"; an outlet needs {settings.min_articles} or more articles (report.min_articles) "
        f"for the summary, the charts and --compare; a time point needs {settings.time_min_articles} or more "
        f"(report.time_min_articles); an outlet's own voice (report.self_sources) is never a finding; --compare "
        f"adjusts its p-values across its tests by "
        f"{ {'holm': 'Holm', 'bh': 'Benjamini–Hochberg', 'none': 'nothing'}[settings.correction]} (report.correction).")
    step("summary")
    content = ReportContent(
        title=title or ("Outlet framing profile — hand labels" if source == "labels" else "Outlet framing profile"),
        codebook=codebook, profile=profile, notes=notes, omitted=omitted, groups=groups, unit=unit,
        units={o: settings.units.get(c, "paragraph") for o, c in outlet_collections(frame).items()},
        palette_outlets=palette,
        min_articles=settings.min_articles, time_min_articles=settings.time_min_articles,
        self_sources={o: list(v) for o, v in settings.self_sources.items()}, time_left_out=left_out,
        validity=validity, expected=expected_line(metrics) if metrics else "",
        summary=largest_differences(profile, groups=groups, top=settings.summary_top,
                                    min_articles=settings.min_articles, self_sources=settings.self_sources,
                                    level=settings.level),
        **content_kwargs)
    step("drawing the charts")
    return write_report(content, out_dir, progress=step)


def read_events(path: str | Path) -> pd.DataFrame:
    """An events file: CSV with ``date`` and ``label`` columns (one row per event to mark)."""
    path = Path(path)
    try:
        events = pd.read_csv(path)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ReportError(f"cannot read events ({exc})", path=path, fix="give a CSV with columns date,label") from None
    if not {"date", "label"} <= set(events.columns):
        raise ReportError(f"events need columns date and label (found {', '.join(events.columns)})", path=path,
                          fix="write a header line: date,label")
    events["date"] = pd.to_datetime(events["date"], errors="coerce")
    bad = events["date"].isna()
    if bad.any():
        raise ReportError("unreadable date", path=path, line=int(bad.idxmax()) + 2, fix="write dates as YYYY-MM-DD")
    return events


def _ranked_articles(model, frame: pd.DataFrame, codebook, top: int, texts: pd.Series | None) -> pd.DataFrame | None:
    """The report's articles table (:func:`framing.articles.rank_articles`), with each supporting
    paragraph's text where the corpus (or the predictions) has it; None when the predictions lack
    probability columns."""
    from framing.articles import ArticleSpec, articles_from_predictions, rank_articles

    spec = ArticleSpec.from_model(model)
    if any(c not in frame for c in spec.columns):
        return None
    ranked = rank_articles(articles_from_predictions(frame, spec, support="carried"), codebook, top=top)
    if texts is not None and len(texts):
        ranked["text"] = ranked["paragraph_id"].map(texts)
    return ranked
