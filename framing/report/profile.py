"""Outlet profiles: the share of paragraphs carrying each label, with bootstrap confidence
intervals that resample whole articles (paragraphs of one article are not independent)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import norm

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


# ----------------------------------------------------------------------------- comparisons and time

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


def adjust_pvalues(p: np.ndarray | list[float], method: str = "holm") -> np.ndarray:
    """p-values adjusted for multiple comparisons: ``"holm"`` (Holm–Bonferroni, controls the
    family-wise error rate), ``"bh"`` (Benjamini–Hochberg, controls the false discovery rate) or
    ``"none"``. NaN p-values stay NaN and do not count as tests."""
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    m = int(ok.sum())
    if m == 0:
        return out
    q = p[ok]
    order = np.argsort(q, kind="stable")
    ranked = q[order]
    if method == "holm":
        adjusted = np.maximum.accumulate((m - np.arange(m)) * ranked)
    elif method == "bh":
        adjusted = np.minimum.accumulate((m / np.arange(1, m + 1) * ranked)[::-1])[::-1]
    elif method == "none":
        adjusted = ranked
    else:
        raise ReportError(f"unknown correction {method!r}", fix='use "holm", "bh" or "none"')
    back = np.empty(m)
    back[order] = np.minimum(adjusted, 1.0)
    out[ok] = back
    return out


def bootstrap_pvalue(replicates: np.ndarray) -> np.ndarray:
    """Two-sided p-value of "no difference" per column of bootstrap replicates of a difference:
    twice the smaller share of replicates on either side of zero (with the +1 of a permutation
    p-value, so never 0). Its 5 % test agrees with the 95 % percentile interval excluding zero."""
    replicates = np.atleast_2d(np.asarray(replicates, dtype=float))
    valid = (~np.isnan(replicates)).sum(0)
    below = (replicates <= 0).sum(0)
    above = (replicates >= 0).sum(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = 2 * (np.minimum(below, above) + 1) / (valid + 1)
    return np.where(valid > 0, np.minimum(p, 1.0), np.nan)


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


def date_ranges(frame: pd.DataFrame, outlets: list[str]) -> dict[str, tuple[pd.Timestamp, pd.Timestamp] | None]:
    """Outlet → (first, last) date of its articles, None when undated."""
    dates = pd.to_datetime(frame["date"], errors="coerce", utc=True) if "date" in frame else \
        pd.Series(pd.NaT, index=frame.index)
    out = {}
    for outlet in outlets:
        d = dates[(frame["outlet"].astype(str) == outlet).to_numpy()].dropna()
        out[outlet] = (d.min().tz_localize(None), d.max().tz_localize(None)) if len(d) else None
    return out


def date_warning(frame: pd.DataFrame, a: str, b: str, *, max_gap_days: int = 30) -> str | None:
    """A warning when outlets ``a`` and ``b`` cover different dates (first or last article more
    than ``max_gap_days`` apart, or one of them undated): differences may be differences of time."""
    ranges = date_ranges(frame, [a, b])
    ra, rb = ranges[a], ranges[b]
    if ra is None and rb is None:
        return None
    if ra is None or rb is None:
        undated = a if ra is None else b
        return f"{undated} has no dates: whether the two cover the same period cannot be checked."
    start_gap, end_gap = abs((ra[0] - rb[0]).days), abs((ra[1] - rb[1]).days)
    if max(start_gap, end_gap) <= max_gap_days:
        return None
    fmt = "%d %b %Y"
    return (f"{a} covers {ra[0]:{fmt}} – {ra[1]:{fmt}} and {b} {rb[0]:{fmt}} – {rb[1]:{fmt}}: differences may "
            f"reflect what happened when rather than how each outlet frames it; compare over the common period "
            f"(--outlet with a date-filtered table) before citing them.")


def compare_outlets(frame: pd.DataFrame, codebook: Codebook, a: str, b: str, *, n_boot: int = ReportConfig.n_boot, seed: int = 0,
                    level: float = 0.95, ind: pd.DataFrame | None = None, correction: str = "holm") -> pd.DataFrame:
    """Where outlets ``a`` and ``b`` differ: share of each, the difference (a − b) with a bootstrap
    CI (articles resampled within each outlet), Cohen's h, a two-sided bootstrap p-value, the
    p-value adjusted across all of the comparison's tests (``correction``: "holm", "bh" or
    "none"), and ``significant`` (adjusted p below 1 − ``level``). Sorted by the size of the
    difference."""
    outlets = set(frame["outlet"].astype(str))
    for name in (a, b):
        if name not in outlets:
            raise ReportError(f"no outlet {name!r} in the predictions", fix=f"outlets: {', '.join(sorted(outlets))}")
    ind = indicators(frame, codebook) if ind is None else ind
    articles = frame["article_id"].astype(str)
    rng = np.random.default_rng(seed)
    alpha = (1 - level) / 2
    rows = []
    for dim in codebook.dimensions:
        cols = [f"{dim.name}:{label}" for label in dim.label_names]
        ka, na = _article_counts(ind, articles, (frame["outlet"].astype(str) == a).to_numpy(), cols)
        kb, nb = _article_counts(ind, articles, (frame["outlet"].astype(str) == b).to_numpy(), cols)
        if not len(na) or not len(nb):
            continue
        sa, sb = ka.sum(0) / na.sum(), kb.sum(0) / nb.sum()
        diff_boot = _boot(ka, na, rng, n_boot) - _boot(kb, nb, rng, n_boot) if len(na) > 1 and len(nb) > 1 else None
        pvalues = bootstrap_pvalue(diff_boot) if diff_boot is not None else np.full(len(cols), np.nan)
        for j, label in enumerate(dim.label_names):
            low = high = float("nan")
            if diff_boot is not None:
                low, high = (float(x) for x in np.nanquantile(diff_boot[:, j], [alpha, 1 - alpha]))
            h = 2 * np.arcsin(np.sqrt(sa[j])) - 2 * np.arcsin(np.sqrt(sb[j]))
            rows.append({"dimension": dim.name, "label": label, a: sa[j], b: sb[j], "difference": sa[j] - sb[j],
                         "ci_low": low, "ci_high": high, "cohens_h": float(h), "p_value": float(pvalues[j]),
                         "articles_a": len(na), "articles_b": len(nb)})
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    # a label present in neither outlet is no test
    table.loc[(table[a] == table[b]) & table[a].isin([0.0, 1.0]), "p_value"] = np.nan
    table["p_adjusted"] = adjust_pvalues(table["p_value"].to_numpy(), correction)
    table["significant"] = table["p_adjusted"].lt(1 - level)
    table.attrs.update(correction=correction, tests=int(table["p_value"].notna().sum()))
    table = table.reindex(table["difference"].abs().sort_values(ascending=False).index).reset_index(drop=True)
    return table


def choose_period(dates: pd.Series) -> str:
    """'month' for spans over four months, else 'week'."""
    span = (dates.max() - dates.min()).days if dates.notna().any() else 0
    return "month" if span > 120 else "week"


def time_profile(frame: pd.DataFrame, codebook: Codebook, *, period: str = "auto", n_boot: int = 500, seed: int = 0,
                 min_articles: int = 3) -> tuple[pd.DataFrame, str]:
    """Shares per outlet and period (week or month) with article-bootstrap CIs.

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
    period = choose_period(dates) if period == "auto" else period
    start = dates.dt.to_period("M" if period == "month" else "W").dt.start_time
    dated["_group"] = dated["outlet"].astype(str) + "\t" + start.dt.strftime("%Y-%m-%d")
    table = outlet_profile(dated, codebook, group="_group", n_boot=n_boot, seed=seed)
    table[["outlet", "period"]] = table["outlet"].str.split("\t", expand=True)
    table = table[table["n_articles"] >= min_articles]
    table = table[["outlet", "period", *PROFILE_COLUMNS[1:]]].reset_index(drop=True)
    shown = set(table["outlet"])
    table.attrs["left_out"] = {o: "no dates" if o in undated else f"no {period} with {min_articles} or more articles"
                               for o in outlets if o not in shown}
    return table, period


def largest_differences(profile: pd.DataFrame, *, groups: dict[str, str] | None = None, top: int = 5,
                        min_articles: int = 10, self_sources: dict[str, list[str]] | None = None,
                        level: float = 0.95) -> list[dict]:
    """Per group of outlets (their collection; ``groups`` maps outlet → group, one group when
    None), the ``top`` labels on which two outlets differ most: highest against lowest share
    among outlets with at least ``min_articles`` articles, leaving out an outlet's own source
    label (``self_sources``: outlet → labels, e.g. the Kremlin quoting the Kremlin).

    Each outlet's interval is the profile's (with outlet shares: one that includes the
    classifier's error); the difference's interval combines the two as independent normal
    errors (standard error from each interval's half-width). Labels are ranked by the smallest
    gap the interval allows, so that a large gap between small samples does not lead.
    """
    z = float(norm.ppf(0.5 + level / 2))
    self_sources = self_sources or {}
    keep = set(eligible_outlets(profile, min_articles))
    table = profile[profile["outlet"].astype(str).isin(keep) & profile["share"].notna() & profile["ci_low"].notna()].copy()
    table["group"] = table["outlet"].astype(str).map(groups or {}).fillna("all") if groups else "all"
    own = [label in self_sources.get(str(outlet), ()) for outlet, label in zip(table["outlet"], table["label"])]
    table = table[~np.asarray(own, dtype=bool)]
    table["se"] = (table["ci_high"] - table["ci_low"]) / (2 * z)
    out = []
    for group, sub in table.groupby("group", sort=True):
        found = []
        for (dim, label), rows in sub.groupby(["dimension", "label"], sort=False):
            if rows["outlet"].nunique() < 2:
                continue
            hi, lo = rows.loc[rows["share"].idxmax()], rows.loc[rows["share"].idxmin()]
            gap = float(hi["share"] - lo["share"])
            se = float(np.hypot(hi["se"], lo["se"]))
            found.append({"group": group, "dimension": dim, "label": label, "high": hi["outlet"], "low": lo["outlet"],
                          "share_high": float(hi["share"]), "share_low": float(lo["share"]),
                          "high_low": float(hi["ci_low"]), "high_high": float(hi["ci_high"]),
                          "low_low": float(lo["ci_low"]), "low_high": float(lo["ci_high"]),
                          "n_high": int(hi["n_paragraphs"]), "n_low": int(lo["n_paragraphs"]),
                          "articles_high": int(hi["n_articles"]), "articles_low": int(lo["n_articles"]),
                          "basis_high": hi.get("basis", ""), "basis_low": lo.get("basis", ""),
                          "difference": gap, "ci_low": gap - z * se, "ci_high": gap + z * se,
                          "significant": bool(gap - z * se > 0)})
        found.sort(key=lambda item: item["ci_low"], reverse=True)
        out.extend(found[:top])
    return out
