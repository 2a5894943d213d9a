"""The report's outlet shares: per outlet and label, the prediction-powered share of its
paragraphs with an interval clustered by article (:mod:`framing.report.inference`), the label
budget, and the method section's words on them."""

from __future__ import annotations

import numpy as np

from framing.report.inference import CAP, apply_calibration, fit_calibration, labels_for_width, ppi_mean
from framing.report.profile import true_indicators


SHARE_COLUMNS = ["outlet", "dimension", "label", "share", "ci_low", "ci_high", "se", "basis", "n_labelled",
                 "n_known", "lam", "extra_labels"]


def _days(dates) -> np.ndarray:
    """Dates (strings or timestamps) as days since 1970, NaN where missing or unreadable."""
    import pandas as pd

    stamps = pd.to_datetime(pd.Series(dates, dtype=object), errors="coerce", utc=True)
    return ((stamps - pd.Timestamp("1970-01-01", tz="UTC")) / pd.Timedelta(days=1)).to_numpy(float)


def _dates(frame, oof) -> tuple[np.ndarray, np.ndarray]:
    """Days of the predicted paragraphs, and of the labelled ones (their own date, else their article's in ``frame``)."""
    import pandas as pd

    f_days = _days(frame["date"]) if "date" in frame else np.full(len(frame), np.nan)
    article_day = pd.Series(f_days, index=frame["article_id"].astype(str).to_numpy()).groupby(level=0).min()
    o_days = _days(oof["date"]) if "date" in oof else np.full(len(oof), np.nan)
    return f_days, np.where(np.isnan(o_days), oof["article_id"].astype(str).map(article_day).to_numpy(float), o_days)


def _calibrated(p: np.ndarray, coef: np.ndarray, multi: bool) -> np.ndarray:
    """Platt-calibrated probabilities (one label against the rest); in a single-choice dimension each
    paragraph's normalised to add up to 1, as scikit-learn's CalibratedClassifierCV does for several
    classes, so that (with λ = 1) the shares of its labels add up to 100 % as its hand labels do."""
    q = apply_calibration(p, coef)
    return q if multi else q / q.sum(1, keepdims=True)


def _to_simplex(est) -> None:
    """A single-choice dimension's shares rescaled to add up to 100 % where cutting to [0, 1] (or a
    λ tuned per label) left them off it; each interval moves with its share."""
    total = est.estimate.sum()
    if not total > 0:
        return
    shift = est.estimate / total - est.estimate
    est.estimate = est.estimate + shift
    est.low, est.high = np.clip(est.low + shift, 0, 1), np.clip(est.high + shift, 0, 1)


def _outlet_rows(outlet: str, dim, population: tuple, labelled: tuple, *, level: float, calibrate: bool,
                 min_labelled: int, target_width: float, power_tuning: bool, blocks: int) -> list[dict]:
    """One outlet's rows of the shares table for one dimension. ``population``: its hand labels
    and their articles where known, then the probabilities, articles and days of the rest; ``labelled``: every
    labelled paragraph's labels, out-of-fold probabilities, outlet, article and day."""
    y_known, g_known, f_rest, g_rest, t_rest = population
    Y, P, o_outlet, o_article, o_days = labelled
    k = len(dim.label_names)
    own = o_outlet == outlet
    basis = "outlet" if own.sum() >= min_labelled and len(np.unique(o_article[own])) >= 2 else "model-only"
    lab = own if basis == "outlet" else np.ones(len(Y), bool)
    coef = fit_calibration(P[~own], Y[~own]) if calibrate and (~own).sum() >= 2 else np.tile([1.0, 0.0], (k, 1))
    est = ppi_mean(Y[lab], _calibrated(P[lab], coef, dim.multi), o_article[lab],
                   _calibrated(f_rest, coef, dim.multi) if len(f_rest) else f_rest, g_rest,
                   level=level, y_known=y_known, g_known=g_known, finite=False, lam=None if power_tuning else 1.0,
                   t_lab=o_days[lab], t_unl=t_rest, drift_blocks=blocks)
    if not dim.multi:
        _to_simplex(est)
    if est.n_unlabelled == 0:
        basis = "all hand-labelled"
    extra = labels_for_width(est.var_unlabelled, est.var_rectifier, int(lab.sum()), target_width, level=level,
                             var_drift=est.var_drift, df=len(np.unique(o_article[lab])) - 1)
    if basis == "model-only":
        # the pooled rectifier says nothing about how this outlet's own would shrink: the
        # budget is the labels that give it its own rectifier; the report then gives the rest
        extra = np.full(k, max(min_labelled - int(own.sum()), 0))
    if basis == "all hand-labelled":  # nothing left to label: only more articles would narrow it
        extra = np.where(est.high - est.low > target_width, CAP, 0)
    return [{"outlet": outlet, "dimension": dim.name, "label": label, "share": est.estimate[j],
             "ci_low": est.low[j], "ci_high": est.high[j], "se": est.se[j], "basis": basis,
             "n_labelled": int(own.sum()), "n_known": est.n_known, "lam": est.lam[j], "extra_labels": int(extra[j])}
            for j, label in enumerate(dim.label_names)]


def outlet_shares(frame, oof, codebook, *, level: float = 0.95, calibrate: bool = True, min_labelled: int = 30,
                  target_width: float = 0.10, power_tuning: bool = False, group: str = "outlet",
                  drift: str | None = None, drift_blocks: int | None = None):
    """Per outlet and label: the PPI share of the outlet's paragraphs in ``frame`` (predictions
    with ``dim:label`` probabilities) and its interval, clustered by article.

    ``oof``: out-of-fold predictions of the hand-labelled paragraphs (``cv_predictions.csv``).
    Paragraphs of ``frame`` that are hand-labelled count with their hand labels; the rest get the
    outlet's calibrated probabilities rectified by the outlet's labelled paragraphs. An outlet with
    fewer than ``min_labelled`` of them is ``model-only``: the rectifier of all labelled paragraphs
    pooled, which assumes the classifier errs there as it does on average. ``basis`` says which;
    ``extra_labels`` is the label budget (:func:`labels_for_width`) for ``target_width``.
    ``power_tuning``: λ tuned per label (PPI++) instead of 1.

    ``drift``: "blocks" adds the drift component of :func:`ppi_mean` (``drift_blocks`` blocks) for
    paragraphs dated outside the outlet's labelled period; "none" leaves it out. Both default to
    the [report] config's defaults. Dates: the ``date`` column of ``frame`` (and of ``oof`` if it
    has one); a labelled article's date is looked up in ``frame`` by article when ``oof`` has none.
    Without any dated labelled article there is no drift component.
    """
    import pandas as pd

    from framing.config import ReportConfig

    drift = ReportConfig.drift if drift is None else drift
    drift_blocks = ReportConfig.drift_blocks if drift_blocks is None else drift_blocks
    blocks = drift_blocks if drift == "blocks" else 0
    truth = true_indicators(oof, codebook)
    groups = frame[group].astype(str).to_numpy()
    pids = frame["paragraph_id"].astype(str).to_numpy() if "paragraph_id" in frame else np.full(len(frame), "")
    f_days, o_days_all = _dates(frame, oof)
    rows = []
    for dim in codebook.dimensions:
        cols = [f"{dim.name}:{label}" for label in dim.label_names]
        if not set(cols) <= set(frame.columns) or not set(cols) <= set(oof.columns):
            continue
        ok = (truth[cols].notna().all(axis=1) & oof[cols].notna().all(axis=1)).to_numpy()
        Y, P = truth.loc[ok, cols].to_numpy(float), oof.loc[ok, cols].to_numpy(float)
        if len(Y) < 2:  # no hand labels on this dimension: nothing to rectify with
            continue
        o_outlet = oof.loc[ok, "outlet"].astype(str).to_numpy()
        o_article = oof.loc[ok, "article_id"].astype(str).to_numpy()
        o_days = o_days_all[ok]
        hand = dict(zip(oof.loc[ok, "paragraph_id"].astype(str), Y)) if "paragraph_id" in oof else {}
        probs = frame[cols].to_numpy(float)
        have = ~np.isnan(probs).any(axis=1)
        for outlet in sorted(set(groups)):
            mine_f = (groups == outlet) & have
            known_mask = np.array([p in hand for p in pids[mine_f]], dtype=bool)
            mine_articles = frame.loc[mine_f, "article_id"].astype(str).to_numpy()
            population = (np.array([hand[p] for p in pids[mine_f][known_mask]]).reshape(-1, len(cols)),
                          mine_articles[known_mask], probs[mine_f][~known_mask], mine_articles[~known_mask],
                          f_days[mine_f][~known_mask])
            rows += _outlet_rows(outlet, dim, population, (Y, P, o_outlet, o_article, o_days), level=level,
                                 calibrate=calibrate, min_labelled=min_labelled, target_width=target_width,
                                 power_tuning=power_tuning, blocks=blocks)
    return pd.DataFrame(rows, columns=SHARE_COLUMNS)


def label_budget(shares, *, target_width: float):
    """Per outlet: the labelled paragraphs it has, the widest interval now, and how many more
    would bring every label's interval under ``target_width`` (the largest need over labels)."""
    table = shares.assign(width=shares["ci_high"] - shares["ci_low"]).groupby("outlet").agg(
        basis=("basis", "first"), n_labelled=("n_labelled", "max"), widest=("width", "max"),
        extra_labels=("extra_labels", "max")).reset_index()
    table["target_width"] = target_width
    return table


# Measured in experiments/outlet-inference (RESULTS.md): coverage of the 95 % intervals of the
# hand-labelled share of paragraphs held out as unlabelled, and their mean width in points.
SIMULATED = {"random": "covered the hand share in 93.4% (± 0.3) of 5,600 estimates (worst outlet NYT, 18 labelled "
                       "articles, 89.9%), mean width 15.8 points against 21.2 for hand labels alone",
             "time-forward": "covered it in 93.9% (± 1.5) of 280 estimates (worst outlet Guardian 91.4%; without the "
                             "drift component 91.4%; hand labels alone 79.6%), mean width 17.4 points (14.5 without "
                             "the drift component)"}


def method_notes(shares, settings) -> dict[str, str]:
    """The method section's words on the outlet shares, from the table and the settings."""
    model_only = sorted(shares.loc[shares["basis"] == "model-only", "outlet"].unique())
    own = sorted(shares.loc[shares["basis"] == "outlet", "outlet"].unique())
    complete = sorted(shares.loc[shares["basis"] == "all hand-labelled", "outlet"].unique())
    tuned = settings.power_tuning
    notes = {"Outlet shares": (
        f"prediction-powered inference ({'PPI++, power-tuned' if tuned else 'PPI'}, Angelopoulos et al. 2023): per "
        f"outlet, the mean of the model's {'Platt-calibrated ' if settings.calibrate else ''}probabilities over its "
        f"unlabelled paragraphs, rectified by the mean error of the out-of-fold probabilities on its hand-labelled "
        f"paragraphs ("
        + ("λ·mean f + mean(y − λ·f), λ in [0, 1] chosen per label to minimise the variance" if tuned else
           "mean f + mean(y − f)")
        + f"); hand-labelled paragraphs of the report count with their hand labels. In a single-choice dimension "
        f"each paragraph's calibrated probabilities (calibrated one label against the rest) are normalised to add up "
        f"to 1, as scikit-learn's CalibratedClassifierCV does, so its shares add up to 100% as its labels do; where "
        f"cutting to [0, 1]{' or λ' if tuned else ''} leaves them off 100%, they are rescaled to it, each interval "
        f"moving with its share. {int(settings.level * 100)}% "
        f"intervals, for the share in the outlet's coverage at large (its articles here a sample of it): the variance, "
        f"clustered by article, adds the article-to-article variation of the outlet's paragraphs (hand labels where "
        f"known, the model's probabilities elsewhere) to the rectifier's (the classifier's error, measured on the "
        f"labelled paragraphs); the quantile is Student's t with (labelled articles − 1) degrees of freedom; cut to "
        f"[0, 1]. "
        + (f"The classifier's error may drift over time: the outlet's labelled articles, in date order, are cut into "
           f"{settings.drift_blocks} blocks, the between-block variance of the rectifier is estimated (method of "
           f"moments, floored at 0) and added, in proportion to the share of paragraphs dated outside the labelled "
           f"period, to their variance. " if getattr(settings, "drift", "blocks") == "blocks" else
           "No drift component: the rectifier is assumed to hold outside the labelled period. ")
        + f"Where the labelled sample has no paragraph with "
        f"(or without) a label, or the interval lies wholly outside [0, 1], the Wilson interval of that sample is the "
        f"least they show; an outlet of one article shows no variation between articles to measure, so its "
        f"interval is the Wilson interval of one article and --compare does not test it. The classifier-error part "
        f"alone was measured on the hand labels, as the hand share of "
        f"held-out paragraphs (experiments/outlet-inference, default settings): random labelled samples "
        f"{SIMULATED['random']}; labelling earlier articles and estimating later ones {SIMULATED['time-forward']}. "
        f"The intervals shown add the sampling of articles, so they are wider than those.")}
    notes["Assumptions"] = (
        "The rectifier comes from the outlet's hand-labelled paragraphs, which may be older than the ones estimated. "
        "The drift component assumes the model's error on a later period differs from the labelled period's about as "
        "much as it varies between blocks of the labelled period; a change larger than any seen while labelling (or "
        "undated labelled articles: no component) still leaves intervals too narrow. Calibration maps are fitted on the other outlets' "
        "labelled paragraphs, never the outlet's own.")
    notes["Which outlets"] = (
        f"own labelled sample (≥ {settings.min_labelled} paragraphs): {', '.join(own) or 'none'}; every paragraph "
        f"hand-labelled (no classifier error: the interval is the sampling of articles alone): {', '.join(complete) or 'none'}; model-only: "
        f"{', '.join(model_only) or 'none'}" + (
            " — their shares use the rectifier of all labelled paragraphs pooled, which assumes the classifier errs "
            "there as it does on average over the labelled outlets; treat them as the model's reading, not a "
            "measurement." if model_only else ""))
    notes["Label budget"] = (
        f"label_budget.csv: per outlet, how many more hand-labelled paragraphs (drawn like the present ones) would "
        f"bring every label's interval under {settings.target_width * 100:.0f} points (the rectifier's variance falls "
        f"as 1/n); for a model-only outlet, the labels that give it a sample of its own (report.min_labelled), "
        f"after which the budget says what its intervals need; for an outlet with every paragraph labelled whose "
        f"intervals are wider, none would do (more articles would); draw them with "
        f"`framing labels sample --quota OUTLET=N`.")
    return notes


def corpus_room(budget, config, root, read=None):
    """The label budget with ``unlabelled_in_corpus``: per outlet, the paragraphs of the project's
    corpus not labelled yet — all that `framing labels sample --quota` can draw from (predicted
    articles that are not in the corpus cannot be sampled). No corpus: 0 for every outlet; a
    corpus that cannot be read, or no quota to suggest: the budget as it is. ``read()`` gives the
    project's paragraphs where the caller has read them already (else they are read here)."""
    from pathlib import Path

    from framing.corpus.read import project_paragraphs
    from framing.errors import FramingError
    from framing.labels.codebook import load_codebook
    from framing.labels.store import label_files, read_labels

    root = Path(root)
    if not (root / config.data.corpus).exists():
        return budget.assign(unlabelled_in_corpus=0)
    if not budget["extra_labels"].between(1, 100_000 - 1).any():
        return budget
    try:
        paragraphs = read() if read is not None else project_paragraphs(config, root)
    except FramingError:  # the quotas stay unchecked: labels sample says what is wrong
        return budget
    labelled: set[str] = set()
    if label_files(root / config.data.labels):
        try:
            labelled = set(read_labels(root / config.data.labels, load_codebook(root / config.data.codebook))["paragraph_id"])
        except FramingError:  # labels the project's codebook cannot read: count none as labelled
            pass
    counts = paragraphs.loc[~paragraphs["paragraph_id"].isin(labelled), "outlet"].astype(str).value_counts().to_dict()
    return budget.assign(unlabelled_in_corpus=budget["outlet"].astype(str).map(counts).fillna(0).astype(int))
