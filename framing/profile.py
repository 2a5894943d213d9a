"""Outlet profiles: the share of paragraphs carrying each label, with bootstrap confidence
intervals that resample whole articles (paragraphs of one article are not independent)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from framing.codebook import Codebook
from framing.errors import ReportError

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
                              fix="use predictions made with a model of this codebook, or pass --codebook")
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
    weights = rng.multinomial(len(n), np.full(len(n), 1.0 / len(n)), size=n_boot)
    num, den = weights @ k, weights @ n
    boot = num[den > 0] / den[den > 0]
    alpha = (1 - level) / 2
    low, high = np.quantile(boot, [alpha, 1 - alpha])
    return share, float(low), float(high)


def outlet_profile(frame: pd.DataFrame, codebook: Codebook, *, group: str = "outlet", n_boot: int = 2000,
                   seed: int = 0, level: float = 0.95) -> pd.DataFrame:
    """Share of paragraphs per ``group`` (outlet by default) and label, with article-bootstrap CIs.

    ``frame`` needs ``article_id``, the ``group`` column and one column per codebook dimension.
    """
    for column in ("article_id", group):
        if column not in frame.columns:
            raise ReportError(f"no column {column!r} in the input", fix="use predictions from `framing predict`")
    ind = indicators(frame, codebook)
    rng = np.random.default_rng(seed)
    rows = []
    keys = frame[[group, "article_id"]].astype(str)
    for outlet in sorted(keys[group].unique()):
        mask = (keys[group] == outlet).to_numpy()
        for dim in codebook.dimensions:
            cols = [f"{dim.name}:{label}" for label in dim.label_names]
            sub = ind.loc[mask, cols]
            has = sub.notna().all(axis=1).to_numpy()
            articles = keys.loc[mask, "article_id"].to_numpy()[has]
            values = sub.to_numpy()[has]
            codes, inverse = np.unique(articles, return_inverse=True)
            n = np.bincount(inverse, minlength=len(codes)).astype(float)
            for j, label in enumerate(dim.label_names):
                k = np.bincount(inverse, weights=values[:, j], minlength=len(codes))
                share, low, high = bootstrap_share(k, n, n_boot=n_boot, rng=rng, level=level)
                rows.append({"outlet": outlet, "dimension": dim.name, "label": label, "share": share,
                             "ci_low": low, "ci_high": high, "n_paragraphs": int(has.sum()),
                             "n_articles": len(codes)})
    return pd.DataFrame(rows, columns=PROFILE_COLUMNS)
