"""Outlet profiles: the share of paragraphs carrying each label, with bootstrap confidence
intervals that resample whole articles (paragraphs of one article are not independent)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from framing.config import ReportConfig
from framing.labels.codebook import Codebook
from framing.errors import ReportError
from framing.model.decision import hits
from framing.report.inference import wilson

PROFILE_COLUMNS = ["outlet", "dimension", "label", "share", "ci_low", "ci_high", "n_paragraphs", "n_articles"]


def indicators(frame: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """0/1 columns ``dim:label`` from predicted or hand-label values (NaN where a paragraph has
    no value on that dimension).

    A value may be a label, a list of labels, or labels joined by ``|`` (empty = none).
    """
    out = pd.DataFrame(index=frame.index)
    for dim in codebook.dimensions:
        if dim.name not in frame.columns:
            raise ReportError(f"no column {dim.name!r} in the predictions",
                              fix="use predictions made by the model given with --model (its codebook names the columns)")
        values = frame[dim.name]
        present = values.notna()
        as_sets = values.map(_as_set)
        for label in dim.label_names:
            col = as_sets.map(lambda s, label=label: float(label in s) if s is not None else np.nan)
            out[f"{dim.name}:{label}"] = col.where(present, np.nan)
    return out


def _as_set(value: object) -> set[str] | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (list, tuple, set, np.ndarray)):
        return set(map(str, value))
    text = str(value)
    return set(filter(None, text.split("|")))


def bootstrap_share(k: np.ndarray, n: np.ndarray, *, n_boot: int, rng: np.random.Generator,
                    level: float = 0.95) -> tuple[float, float, float]:
    """Share ``sum(k)/sum(n)`` and its percentile CI, resampling the units (articles) of ``k, n``.

    ``k[a]`` is article ``a``'s count of paragraphs with the label, ``n[a]`` its paragraphs.
    Fewer than two articles: the CI is undefined (NaN).
    """
    total = n.sum()
    if total == 0:
        return float("nan"), float("nan"), float("nan")
    share = float(k.sum() / total)
    if len(n) < 2:
        return share, float("nan"), float("nan")
    alpha = (1 - level) / 2
    low, high = np.nanquantile(_boot(np.asarray(k, float)[:, None], n, rng, n_boot)[:, 0], [alpha, 1 - alpha])
    return share, float(low), float(high)


def outlet_profile(frame: pd.DataFrame, codebook: Codebook, *, group: str = "outlet", n_boot: int = ReportConfig.n_boot,
                   seed: int = 0, level: float = 0.95, ind: pd.DataFrame | None = None) -> pd.DataFrame:
    """Share of paragraphs per ``group`` (outlet by default) and label, with article-bootstrap CIs.

    Where no paragraph (or every one) carries the label, every resample agrees and the bootstrap
    interval is a point; it is then widened to the Wilson interval of 0 (or all) in as many
    draws as there are articles — a handful of articles without the label does not show it is
    absent. ``ind``: :func:`indicators` of ``frame``, when the caller has them already.

    ``frame`` needs ``article_id``, the ``group`` column and one column per codebook dimension.
    """
    for column in ("article_id", group):
        if column not in frame.columns:
            raise ReportError(f"no column {column!r} in the input", fix="use predictions from `framing predict`")
    ind = indicators(frame, codebook) if ind is None else ind
    rng = np.random.default_rng(seed)
    alpha = (1 - level) / 2
    rows = []
    groups = frame[group].astype(str)
    articles = frame["article_id"].astype(str)
    for outlet in sorted(groups.unique()):
        mask = (groups == outlet).to_numpy()
        for dim in codebook.dimensions:
            cols = [f"{dim.name}:{label}" for label in dim.label_names]
            k, n = _article_counts(ind, articles, mask, cols)
            total = n.sum()
            shares = k.sum(0) / total if total else np.full(len(cols), np.nan)
            bounds = np.full((2, len(cols)), np.nan)
            if len(n) >= 2:
                bounds = np.nanquantile(_boot(k, n, rng, n_boot), [alpha, 1 - alpha], axis=0)
                edge = (k.sum(0) == 0) | (k.sum(0) == total)
                if edge.any():
                    w_low, w_high = wilson(np.where(k.sum(0) == 0, 0, len(n)), len(n), level)
                    bounds = np.where(edge, [np.minimum(bounds[0], w_low), np.maximum(bounds[1], w_high)], bounds)
            for j, label in enumerate(dim.label_names):
                rows.append({"outlet": outlet, "dimension": dim.name, "label": label, "share": float(shares[j]),
                             "ci_low": float(bounds[0, j]), "ci_high": float(bounds[1, j]),
                             "n_paragraphs": int(total), "n_articles": len(n)})
    return pd.DataFrame(rows, columns=PROFILE_COLUMNS)


# ----------------------------------------------------------------------------- hand labels and out-of-fold predictions

def predicted_indicators(oof: pd.DataFrame, codebook: Codebook, thresholds: dict) -> pd.DataFrame:
    """Turn out-of-fold probabilities into 0/1 predictions with the model's own decision rule
    (top label for single-choice, per-label threshold for multi-label)."""
    out = pd.DataFrame(index=oof.index)
    for dim in codebook.dimensions:
        cols = [f"{dim.name}:{label}" for label in dim.label_names]
        if not set(cols) <= set(oof.columns):
            continue
        proba = oof[cols].to_numpy(dtype=float)
        valid = ~np.isnan(proba).any(axis=1)
        cut = np.array([thresholds.get(dim.name, {}).get(label, 0.5) for label in dim.label_names]) if dim.multi else None
        pred = hits(proba, dim.multi, cut).astype(float)
        pred[~valid] = np.nan
        for j, col in enumerate(cols):
            out[col] = pred[:, j]
    return out


def true_indicators(oof: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """0/1 hand labels from the ``<dim>__true`` columns of out-of-fold predictions."""
    frame = pd.DataFrame({dim.name: oof[f"{dim.name}__true"].where(oof[f"{dim.name}__true"].notna(), None)
                          for dim in codebook.dimensions if f"{dim.name}__true" in oof})
    for dim in codebook.dimensions:
        if dim.name not in frame:
            frame[dim.name] = None
    return indicators(frame, codebook)


# ----------------------------------------------------------------------------- articles, outlets and time

def _article_counts(ind: pd.DataFrame, articles: pd.Series, mask: np.ndarray, cols: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Per article of the masked rows: counts of each label (articles × labels) and paragraphs."""
    sub = ind.loc[mask, cols]
    has = sub.notna().all(axis=1).to_numpy()
    codes, inv = np.unique(articles.to_numpy()[mask][has], return_inverse=True)
    values = sub.to_numpy()[has]
    n = np.bincount(inv, minlength=len(codes)).astype(float)
    k = np.stack([np.bincount(inv, weights=values[:, j], minlength=len(codes)) for j in range(len(cols))], axis=1) \
        if len(codes) else np.zeros((0, len(cols)))
    return k, n


def _boot(k: np.ndarray, n: np.ndarray, rng: np.random.Generator, n_boot: int) -> np.ndarray:
    """Bootstrap replicates (n_boot × labels) of the shares, resampling articles."""
    weights = rng.multinomial(len(n), np.full(len(n), 1.0 / len(n)), size=n_boot)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (weights @ k) / (weights @ n)[:, None]


def eligible_outlets(profile: pd.DataFrame, min_articles: int) -> list[str]:
    """Outlets with at least ``min_articles`` articles: the ones that enter the summary, the
    ranking charts and comparisons."""
    counts = profile.groupby("outlet")["n_articles"].max()
    return sorted(counts.index[counts >= min_articles].astype(str))


def outlet_collections(frame: pd.DataFrame) -> dict[str, str]:
    """Outlet → its corpus collection (the commonest, should an outlet appear in several);
    "all" when the table has no collection column."""
    if "collection" not in frame:
        return {str(o): "all" for o in frame["outlet"].unique()}
    pairs = frame[["outlet", "collection"]].astype(str).value_counts()
    out: dict[str, str] = {}
    for (outlet, collection), _ in pairs.items():  # most frequent first
        out.setdefault(outlet, collection)
    return out


def choose_period(dates: pd.Series) -> str:
    """'month' for spans over four months, else 'week'."""
    span = (dates.max() - dates.min()).days if dates.notna().any() else 0
    return "month" if span > 120 else "week"


def time_profile(frame: pd.DataFrame, codebook: Codebook, *, period: str = "auto", n_boot: int = 500, seed: int = 0,
                 min_articles: int = 3, level: float = 0.95) -> tuple[pd.DataFrame, str]:
    """Shares per outlet and period (week or month; "auto": week for spans up to four months, unless
    no outlet has a week with enough articles, then month) with article-bootstrap CIs.

    Periods with fewer than ``min_articles`` articles of an outlet are left out (a gap, not a
    point). Returns the table (with a ``period`` column, the period's first day) and the period
    used; ``table.attrs["left_out"]`` maps each outlet that has no point to the reason.
    """
    outlets = sorted(frame["outlet"].astype(str).unique())
    dates = pd.to_datetime(frame["date"], errors="coerce", utc=True) if "date" in frame else \
        pd.Series(pd.NaT, index=frame.index)
    dated = frame[dates.notna()].copy()
    undated = [o for o in outlets if o not in set(dated["outlet"].astype(str))]
    if dated.empty:
        empty = pd.DataFrame(columns=["period", *PROFILE_COLUMNS])
        empty.attrs["left_out"] = {o: "no dates" for o in outlets}
        return empty, "none"
    dates = dates[dates.notna()].dt.tz_localize(None)
    if period == "auto":  # the finest period that shows something
        table, used = time_profile(frame, codebook, period=choose_period(dates), n_boot=n_boot, seed=seed,
                                   min_articles=min_articles, level=level)
        if table.empty and used == "week":
            return time_profile(frame, codebook, period="month", n_boot=n_boot, seed=seed, min_articles=min_articles,
                                level=level)
        return table, used
    start = dates.dt.to_period("M" if period == "month" else "W").dt.start_time
    dated["_group"] = dated["outlet"].astype(str) + "\t" + start.dt.strftime("%Y-%m-%d")
    table = outlet_profile(dated, codebook, group="_group", n_boot=n_boot, seed=seed, level=level)
    table[["outlet", "period"]] = table["outlet"].str.split("\t", expand=True)
    table = table[table["n_articles"] >= min_articles]
    table = table[["outlet", "period", *PROFILE_COLUMNS[1:]]].reset_index(drop=True)
    shown = set(table["outlet"])
    table.attrs["left_out"] = {o: "no dates" if o in undated else f"no {period} with {min_articles} or more articles"
                               for o in outlets if o not in shown}
    return table, period
