"""Comparing outlets: per label, the difference of two outlets' shares with its interval and a
p-value adjusted across the comparison's tests (``--compare``), and the summary's largest
differences, which take their gap and interval from the same test and its p-value adjusted
further for the outlet pairs searched.

One uncertainty throughout: the outlet's articles are a sample of what it publishes. With outlet
shares (hand labels + model, :mod:`framing.report.shares`) each share's interval covers that
sampling and the classifier's error, and a difference combines the two outlets' standard errors;
without them (hand labels alone, or the model's raw reading) the difference is bootstrapped over
articles within each outlet."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy.stats import norm

from framing.config import ReportConfig
from framing.errors import ReportError
from framing.labels.codebook import Codebook
from framing.report.profile import _article_counts, _boot, eligible_outlets, indicators

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



def date_ranges(frame: pd.DataFrame, outlets: list[str]) -> dict[str, tuple[pd.Timestamp, pd.Timestamp] | None]:
    """Outlet → (first, last) date of its articles, None when undated."""
    dates = pd.to_datetime(frame["date"], errors="coerce", utc=True) if "date" in frame else \
        pd.Series(pd.NaT, index=frame.index)
    out = {}
    for outlet in outlets:
        d = dates[(frame["outlet"].astype(str) == outlet).to_numpy()].dropna()
        out[outlet] = (d.min().tz_localize(None), d.max().tz_localize(None)) if len(d) else None
    return out


def date_warning(frame: pd.DataFrame, a: str, b: str, *, max_gap_days: int = 30, source: str = "predictions") -> str | None:
    """A warning when outlets ``a`` and ``b`` cover different dates (first or last article more
    than ``max_gap_days`` apart, or one of them undated): differences may be differences of time.
    Its advice follows the report's ``source`` ("predictions" or "labels")."""
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
            f"reflect what happened when rather than how each outlet frames it; " + (
                "compare over the common period before citing them: cut the predictions table to those dates (in pandas "
                "or a spreadsheet) and report that table."
                if source == "predictions" else
                "the hand-labels report cannot be cut to the common period: label articles of the same dates, or "
                "compare on predictions cut to those dates, before citing them."))



def compare_outlets(frame: pd.DataFrame, codebook: Codebook, a: str, b: str, *, n_boot: int = ReportConfig.n_boot, seed: int = 0,
                    level: float = 0.95, ind: pd.DataFrame | None = None, correction: str = "holm",
                    shares: pd.DataFrame | None = None) -> pd.DataFrame:
    """Where outlets ``a`` and ``b`` differ: share of each, the difference (a − b) with its
    interval, Cohen's h, a two-sided p-value, the p-value adjusted across all of the comparison's
    tests (``correction``: "holm", "bh" or "none"), and ``significant`` (adjusted p below
    1 − ``level``). Sorted by the size of the difference.

    ``shares``: outlet shares with standard errors (:func:`framing.report.shares.outlet_shares`);
    a dimension they cover is compared on them (normal interval and z test of the difference, the
    standard errors of independent outlets combined). Otherwise the shares of ``frame`` and a
    bootstrap over articles within each outlet (percentile interval, bootstrap p-value). The
    bootstrap runs in the outlets' name order, so ``(a, b)`` and ``(b, a)`` mirror each other exactly.
    ``table.attrs["basis"]``: "shares", "bootstrap" or "mixed"."""
    if a == b:
        raise ReportError(f"--compare names {a!r} twice: an outlet cannot be compared with itself",
                          fix="give two different outlets")
    outlets = set(frame["outlet"].astype(str))
    for name in (a, b):
        if name not in outlets:
            raise ReportError(f"no outlet {name!r} in the predictions", fix=f"outlets: {', '.join(sorted(outlets))}")
    ind = indicators(frame, codebook) if ind is None else ind
    articles = frame["article_id"].astype(str)
    rng = np.random.default_rng(seed)
    rows, bases = [], set()
    first, second = sorted((a, b))
    for dim in codebook.dimensions:
        cols = [f"{dim.name}:{label}" for label in dim.label_names]
        k1, n1 = _article_counts(ind, articles, (frame["outlet"].astype(str) == first).to_numpy(), cols)
        k2, n2 = _article_counts(ind, articles, (frame["outlet"].astype(str) == second).to_numpy(), cols)
        if not len(n1) or not len(n2):
            continue
        on_shares = _dimension_shares(shares, dim, a, b)
        bases.add("shares" if on_shares is not None else "bootstrap")
        if on_shares is not None:
            sa, sb, low, high, pvalues = _normal_difference(*on_shares, level)
            if min(len(n1), len(n2)) < 2:  # one article: no variation between articles to test against
                pvalues = np.full(len(sa), np.nan)
        else:
            sa, sb, low, high, pvalues = _boot_difference(k1, n1, k2, n2, rng, n_boot, level, flip=first != a)
        na, nb = (len(n1), len(n2)) if first == a else (len(n2), len(n1))
        for j, label in enumerate(dim.label_names):
            h = 2 * np.arcsin(np.sqrt(sa[j])) - 2 * np.arcsin(np.sqrt(sb[j]))
            rows.append({"dimension": dim.name, "label": label, a: sa[j], b: sb[j], "difference": sa[j] - sb[j],
                         "ci_low": low[j], "ci_high": high[j], "cohens_h": float(h), "p_value": float(pvalues[j]),
                         "articles_a": na, "articles_b": nb})
    return _finish(pd.DataFrame(rows), a, b, level, correction, bases)


def _finish(table: pd.DataFrame, a: str, b: str, level: float, correction: str, bases: set) -> pd.DataFrame:
    """Adjusted p-values, the verdict, sorted by the size of the difference."""
    if table.empty:
        return table
    # a label present in neither outlet is no test
    table.loc[(table[a] == table[b]) & table[a].isin([0.0, 1.0]), "p_value"] = np.nan
    table["p_adjusted"] = adjust_pvalues(table["p_value"].to_numpy(), correction)
    table["significant"] = table["p_adjusted"].lt(1 - level)
    table.attrs.update(correction=correction, tests=int(table["p_value"].notna().sum()), pair=(a, b),
                       basis=bases.pop() if len(bases) == 1 else "mixed")
    return table.reindex(table["difference"].abs().sort_values(ascending=False).index).reset_index(drop=True)


def _dimension_shares(shares: pd.DataFrame | None, dim, a: str, b: str):
    """Both outlets' shares and standard errors on ``dim`` from the outlet shares, None where they lack any."""
    if shares is None or shares.empty:
        return None
    sub = shares[shares["dimension"] == dim.name].set_index(["outlet", "label"])
    keys = [(o, label) for o in (a, b) for label in dim.label_names]
    if not all(key in sub.index for key in keys) or sub.loc[keys, ["share", "ci_low", "ci_high"]].isna().any().any():
        return None
    pick = lambda o, c: sub.loc[[(o, label) for label in dim.label_names], c].to_numpy(float)  # noqa: E731
    return tuple(pick(o, c) for o in (a, b) for c in ("share", "se", "ci_low", "ci_high"))


def share_se(se: np.ndarray, low: np.ndarray, high: np.ndarray, level: float) -> np.ndarray:
    """A share's standard error for comparing it: its own, or its interval's half-width over the
    normal quantile where that is larger (Student's t quantile, Wilson widening at 0 or 100 %)."""
    z = float(norm.ppf(0.5 + level / 2))
    return np.fmax(np.nan_to_num(np.asarray(se, float)), (np.asarray(high) - np.asarray(low)) / (2 * z))


def _normal_difference(sa, se_a, lo_a, hi_a, sb, se_b, lo_b, hi_b, level):
    z = float(norm.ppf(0.5 + level / 2))
    se = np.hypot(share_se(se_a, lo_a, hi_a, level), share_se(se_b, lo_b, hi_b, level))
    diff = sa - sb
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(se > 0, 2 * norm.sf(np.abs(diff) / se), np.where(diff == 0, np.nan, 0.0))
    return sa, sb, diff - z * se, diff + z * se, p


def _boot_difference(k1, n1, k2, n2, rng, n_boot, level, *, flip: bool):
    """Shares, percentile interval and p-value of the difference, bootstrapped in the outlets' name order."""
    alpha = (1 - level) / 2
    s1, s2 = k1.sum(0) / n1.sum(), k2.sum(0) / n2.sum()
    low = high = np.full(len(s1), np.nan)
    pvalues = np.full(len(s1), np.nan)
    if len(n1) > 1 and len(n2) > 1:
        diff = _boot(k1, n1, rng, n_boot) - _boot(k2, n2, rng, n_boot)
        diff = -diff if flip else diff
        pvalues = bootstrap_pvalue(diff)
        low, high = np.nanquantile(diff, [alpha, 1 - alpha], axis=0)
    return (s2, s1, low, high, pvalues) if flip else (s1, s2, low, high, pvalues)


def outlet_tester(frame: pd.DataFrame, codebook: Codebook, ind: pd.DataFrame, settings: ReportConfig, *,
                  shares: pd.DataFrame | None, n_boot: int, seed: int) -> Callable[..., pd.DataFrame]:
    """``test(a, b)``: :func:`compare_outlets` as --compare shows it and the summary quotes it (on
    the outlet ``shares`` where there are any, else bootstrapped), each pair computed once; with
    ``either_order`` (the summary, which reads a comparison either way round) the table of (b, a)
    is reused for (a, b), while --compare gets its own order."""
    done: dict[tuple[str, str], pd.DataFrame] = {}

    def test(a: str, b: str, either_order: bool = False) -> pd.DataFrame:
        key = (b, a) if either_order and (b, a) in done else (a, b)
        if key not in done:
            done[key] = compare_outlets(frame, codebook, a, b, n_boot=n_boot, seed=seed, ind=ind, level=settings.level,
                                        correction=settings.correction, shares=shares)
        return done[key]
    return test


def largest_differences(profile: pd.DataFrame, *, groups: dict[str, str] | None = None, top: int = 5,
                        min_articles: int = 10, self_sources: dict[str, list[str]] | None = None,
                        level: float = 0.95, compare: Callable[[str, str], pd.DataFrame] | None = None) -> list[dict]:
    """Per group of outlets (their collection; ``groups`` maps outlet → group, one group when
    None), the ``top`` labels on which two outlets differ most: highest against lowest share
    among outlets with at least ``min_articles`` articles, leaving out an outlet's own source
    label (``self_sources``: outlet → labels, e.g. the Kremlin quoting the Kremlin).

    ``compare(a, b)``: the comparison of two outlets (:func:`compare_outlets`, as ``--compare``
    runs it); the gap and its interval are taken from it, and its adjusted p-value multiplied by
    the number of outlet pairs in the group (:func:`_searched`): the pair was chosen as the largest
    gap, not in advance, so the summary calls significant only what survives that search (a gap
    --compare supports may not). Without it, the two outlets' intervals are
    combined as independent normal errors and the verdict is unadjusted. Labels are ranked by the
    smallest gap the interval allows, so that a large gap between small samples does not lead.
    """
    z = float(norm.ppf(0.5 + level / 2))
    self_sources = self_sources or {}
    keep = set(eligible_outlets(profile, min_articles))
    table = profile[profile["outlet"].astype(str).isin(keep) & profile["share"].notna() & profile["ci_low"].notna()].copy()
    table["group"] = table["outlet"].astype(str).map(groups or {}).fillna("all") if groups else "all"
    own = [label in self_sources.get(str(outlet), ()) for outlet, label in zip(table["outlet"], table["label"])]
    table = table[~np.asarray(own, dtype=bool)]
    table["se"] = share_se(table["se"] if "se" in table else np.zeros(len(table)), table["ci_low"], table["ci_high"],
                           level)
    tests: dict[frozenset, pd.DataFrame] = {}
    out = []
    for group, sub in table.groupby("group", sort=True):
        found = []
        for (dim, label), rows in sub.groupby(["dimension", "label"], sort=False):
            if rows["outlet"].nunique() < 2:
                continue
            hi = rows.loc[rows["share"].idxmax()]
            others = rows[rows["outlet"] != hi["outlet"]]   # equal shares: idxmin could pick hi again
            lo = others.loc[others["share"].idxmin()]
            gap = float(hi["share"] - lo["share"])
            se = float(np.hypot(hi["se"], lo["se"]))
            item = {"group": group, "dimension": dim, "label": label, "high": hi["outlet"], "low": lo["outlet"],
                    "share_high": float(hi["share"]), "share_low": float(lo["share"]),
                    "high_low": float(hi["ci_low"]), "high_high": float(hi["ci_high"]),
                    "low_low": float(lo["ci_low"]), "low_high": float(lo["ci_high"]),
                    "n_high": int(hi["n_paragraphs"]), "n_low": int(lo["n_paragraphs"]),
                    "articles_high": int(hi["n_articles"]), "articles_low": int(lo["n_articles"]),
                    "basis_high": hi.get("basis", ""), "basis_low": lo.get("basis", ""),
                    "difference": gap, "ci_low": gap - z * se, "ci_high": gap + z * se,
                    "significant": bool(gap - z * se > 0), "p_adjusted": float("nan"), "tests": 0}
            if compare is not None:
                pair = frozenset((str(hi["outlet"]), str(lo["outlet"])))
                if pair not in tests:
                    tests[pair] = compare(str(hi["outlet"]), str(lo["outlet"]))
                item.update(_searched(_from_test(tests[pair], str(hi["outlet"]), str(lo["outlet"]), dim, label),
                                      sub["outlet"].nunique(), level))
            found.append(item)
        found.sort(key=lambda item: item["ci_low"], reverse=True)
        out.extend(found[:top])
    return out


def _searched(test: dict, outlets: int, level: float) -> dict:
    """A pair's test as the summary may quote it: the pair was picked as the highest against the
    lowest of ``outlets`` outlets, so its p-value (adjusted across the pair's labels) is multiplied
    by the number of pairs searched (Bonferroni), which holds the family-wise error across every
    pair and label; the interval stays the pair's own."""
    pairs = outlets * (outlets - 1) // 2
    if not test or pairs < 2:
        return test
    p = min(test["p_adjusted"] * pairs, 1.0)
    return {**test, "p_adjusted": p, "significant": bool(p < 1 - level), "tests": test["tests"] * pairs,
            "pairs": pairs}


def _from_test(table: pd.DataFrame, high: str, low: str, dim: str, label: str) -> dict:
    """The gap high − low, its interval and verdict from a comparison of the two outlets (in either order)."""
    row = table[(table["dimension"] == dim) & (table["label"] == label)]
    if row.empty:
        return {}
    r = row.iloc[0]
    sign = 1.0 if table.attrs.get("pair", (high, low))[0] == high else -1.0
    low_end, high_end = sorted((sign * float(r["ci_low"]), sign * float(r["ci_high"])))
    return {"difference": sign * float(r["difference"]), "ci_low": low_end, "ci_high": high_end,
            "p_adjusted": float(r["p_adjusted"]), "significant": bool(r["significant"]),
            "tests": int(table.attrs.get("tests", len(table))), "correction": table.attrs.get("correction", "none")}
