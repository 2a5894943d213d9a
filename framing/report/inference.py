"""Outlet-level inference: the share of an outlet's paragraphs carrying a label, with an interval
that includes the classifier's error.

Prediction-powered inference (PPI; Angelopoulos et al., Science 2023): the mean of the model's
calibrated probabilities over the outlet's unlabelled paragraphs, rectified by the mean error of
those probabilities on the outlet's hand-labelled paragraphs (out-of-fold predictions: from
models that never saw them)::

    share = λ · mean_unlabelled(f) + mean_labelled(y − λ f)

λ = 1 is plain PPI, the report's default; λ = 0 is the hand labels alone; ``lam=None`` tunes λ
in [0, 1] to minimise the variance (PPI++, arXiv:2311.01453). In experiments/outlet-inference
tuning did not narrow the intervals and covered less when the labelled articles were older than
the estimated ones, so it is an option (``report.power_tuning``), not the default.

Why our own code and not ``ppi_py.ppi_mean_ci``: paragraphs cluster in articles, and the
library's variances treat them as independent (too narrow intervals); ``ppi-python`` also pulls
in numba, statsmodels and a downloader. The functions below reduce to the library's when every
article has one paragraph, and the tests check that on the same numbers. ACC, PACC and EMQ
(quapy's names) are here for the comparison in ``experiments/outlet-inference``; they are
vectorised over article-bootstrap replicates (quapy fits one sample per call) and tested
against quapy on the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm
from scipy.stats import t as student_t

__all__ = ["CAP", "cluster_cov", "drift_variance", "ppi_mean", "wilson", "fit_calibration", "apply_calibration",
           "acc_binary", "pacc_binary", "emq_binary", "labels_for_width", "ShareEstimate"]


@dataclass
class ShareEstimate:
    """Per-label arrays: the estimate, its interval, standard error and its two variance parts
    (unlabelled mean, rectifier), the tuned λ and the sample sizes."""

    estimate: np.ndarray
    low: np.ndarray
    high: np.ndarray
    se: np.ndarray
    var_unlabelled: np.ndarray
    var_rectifier: np.ndarray
    lam: np.ndarray
    n_labelled: int
    n_unlabelled: int
    n_known: int
    var_drift: np.ndarray | None = None    # the drift component (in the share's units), 0 without
    outside: float = 0.0                   # share of the unknown paragraphs dated outside the labelled period


def _2d(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a, dtype=float)
    return a[:, None] if a.ndim == 1 else a


def cluster_cov(a: np.ndarray, b: np.ndarray, clusters: np.ndarray) -> np.ndarray:
    """Per column, the cluster-robust covariance of the means of ``a`` and ``b`` (paragraph
    values; ``clusters`` the article of each): ``G/(G−1) · Σ_g A_g B_g / n²`` with ``A_g`` the
    article's summed deviations from the mean. One paragraph per article gives the usual
    ``cov/n`` (with ddof=1)."""
    a, b = _2d(a), _2d(b)
    n = len(a)
    if n == 0:
        return np.full(a.shape[1], np.nan)
    codes, inv = np.unique(np.asarray(clusters), return_inverse=True)
    g = len(codes)
    if g < 2:
        return np.full(a.shape[1], np.nan)
    da, db = a - a.mean(0), b - b.mean(0)
    sa = np.stack([np.bincount(inv, weights=da[:, j], minlength=g) for j in range(a.shape[1])], axis=1)
    sb = np.stack([np.bincount(inv, weights=db[:, j], minlength=g) for j in range(b.shape[1])], axis=1)
    return g / (g - 1) * (sa * sb).sum(0) / n ** 2


def _quantile(level: float, df: int | None) -> float:
    """The two-sided quantile: normal, or Student's t with ``df`` degrees of freedom (at least 1)."""
    if df is None:
        return float(norm.ppf(0.5 + level / 2))
    return float(student_t.ppf(0.5 + level / 2, max(df, 1)))


def wilson(k: np.ndarray, n: float, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for ``k`` successes in ``n``: never zero-width, even at 0 or n."""
    z = norm.ppf(0.5 + level / 2)
    k = np.asarray(k, dtype=float)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def _article_times(g: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Articles, their time (the earliest of their paragraphs', NaN if none is dated) and each
    paragraph's article index."""
    codes, inv = np.unique(np.asarray(g), return_inverse=True)
    t = np.asarray(t, dtype=float)
    first = np.full(len(codes), np.inf)
    np.minimum.at(first, inv, np.where(np.isnan(t), np.inf, t))
    return codes, np.where(np.isinf(first), np.nan, first), inv


def drift_variance(resid: np.ndarray, g: np.ndarray, t: np.ndarray, blocks: int = 4) -> np.ndarray:
    """Per column, the between-period variance τ² of the mean of ``resid`` (the rectifier y − λf)
    over time: the labelled articles, in date order, are cut into ``blocks`` consecutive blocks of
    equal article count (at least 2 articles each; undated articles left out); the method-of-moments
    random-effects estimate (Hedges' unweighted form of DerSimonian–Laird: the spread of the block
    means less their mean clustered sampling variance), floored at 0. 0 where fewer than two
    blocks can be formed."""
    resid = _2d(resid)
    k = resid.shape[1]
    codes, times, inv = _article_times(g, t)
    dated = np.flatnonzero(~np.isnan(times))
    b = min(int(blocks), len(dated) // 2)
    if b < 2:
        return np.zeros(k)
    order = dated[np.lexsort((codes[dated], times[dated]))]
    means, variances = [], []
    for part in np.array_split(order, b):
        rows = np.isin(inv, part)
        means.append(resid[rows].mean(0))
        variances.append(np.nan_to_num(cluster_cov(resid[rows], resid[rows], inv[rows])))
    means, variances = np.array(means), np.array(variances)
    return np.maximum(means.var(0, ddof=1) - variances.mean(0), 0.0)


def _power(y: np.ndarray, f_lab: np.ndarray, g_lab: np.ndarray, var_u: np.ndarray, lam, k: int) -> np.ndarray:
    """λ per column: the given one, or (``lam=None``) the variance-minimising one in [0, 1] (PPI++)."""
    if lam is not None:
        return np.broadcast_to(np.asarray(lam, dtype=float), (k,)).copy()
    cov_yf = np.nan_to_num(cluster_cov(y, f_lab, g_lab))
    var_f = np.nan_to_num(cluster_cov(f_lab, f_lab, g_lab))
    with np.errstate(divide="ignore", invalid="ignore"):
        lam_ = np.where(var_u + var_f > 0, cov_yf / (var_u + var_f), 0.0)
    return np.clip(lam_, 0.0, 1.0)


def _drift(resid: np.ndarray, g_lab: np.ndarray, t_lab: np.ndarray | None, t_unl: np.ndarray | None, blocks: int,
           k: int) -> tuple[np.ndarray, float]:
    """The drift component of the variance (``o² · τ²``, see :func:`ppi_mean`) and ``o``, the share
    of unknown paragraphs dated outside the labelled period."""
    if blocks < 2 or t_lab is None or t_unl is None:
        return np.zeros(k), 0.0
    tau2 = drift_variance(resid, g_lab, t_lab, blocks)
    _, times, _ = _article_times(g_lab, t_lab)
    t_u = np.asarray(t_unl, dtype=float)
    span = times[~np.isnan(times)]
    if not len(span):
        return np.zeros(k), 0.0
    outside = float(np.mean(np.isnan(t_u) | (t_u < span.min()) | (t_u > span.max())))
    return outside ** 2 * tau2, outside


def ppi_mean(y: np.ndarray, f_lab: np.ndarray, g_lab: np.ndarray, f_unl: np.ndarray, g_unl: np.ndarray, *,
             level: float = 0.95, lam: float | np.ndarray | None = None, y_known: np.ndarray | None = None,
             g_known: np.ndarray | None = None, finite: bool = True, small_sample: bool = True, clip: bool = True, t_lab: np.ndarray | None = None,
             t_unl: np.ndarray | None = None, drift_blocks: int = 0) -> ShareEstimate:
    """PPI(++) mean of 0/1 labels per column, clustered by article.

    ``y, f_lab, g_lab``: hand labels, out-of-fold probabilities and articles of the labelled
    paragraphs that teach the rectifier; ``f_unl, g_unl``: probabilities and articles of the
    paragraphs whose labels are unknown. ``y_known``: labels of population paragraphs that are
    hand-labelled (they count as they are; the estimate is then the share over known + unknown
    paragraphs, and only the unknown part is uncertain). ``lam=None`` tunes λ per column; λ = 0
    is the hand labels alone.

    ``finite``: the target is the hand share of these unlabelled paragraphs (not of an infinite
    population like them), so the model's mean over them is exact and the uncertainty is the
    rectifier's, on the labelled and on the unlabelled side. ``finite=False``: the target is the
    share in what the source publishes, of which these articles are a sample; the variance adds
    the article-to-article variation of the outlet's paragraphs (hand labels where known — their
    articles ``g_known`` — the model's λf elsewhere), clustered by article, so a perfect model
    still gets the interval its articles allow. ``small_sample``: the quantile is
    Student's t with (labelled articles − 1) degrees of freedom, not the normal one — the variance
    is estimated from a few dozen articles, and with the normal quantile intervals covered 1–4
    points too rarely in experiments/outlet-inference.

    Drift (``drift_blocks`` ≥ 2, with ``t_lab``/``t_unl`` the paragraphs' times as numbers, NaN if
    undated): the classifier's error may change over time, so the rectifier measured on the
    labelled period need not hold outside it. Its between-period variance τ² is estimated from the
    labelled articles themselves (:func:`drift_variance`), and the unknown paragraphs dated outside
    the labelled period (before its first or after its last article; undated ones count as
    outside), a share ``o`` of them, add ``o² · τ²`` to the variance: a new period's rectifier
    differs from the labelled period's by a random effect of variance τ² (the labelled mean's own
    share of it is in the article-clustered variance already). Paragraphs inside the labelled
    period add nothing, so random labelled samples keep the interval they had.

    The interval is cut to [0, 1]. Where the labelled sample has no positive (or no negative) of
    a label, or the interval lies wholly outside [0, 1] so that cutting leaves a point, the
    interval is widened to the Wilson interval of the labelled sample: an estimate of 0 % or
    100 % is never a zero-width interval unless every paragraph is known. With ``finite=False``
    and one article in all, the variation between articles cannot be estimated: ``se`` is NaN and
    the interval the Wilson interval of one article.
    """
    y, f_lab, f_unl = _2d(y), _2d(f_lab), _2d(f_unl)
    k = y.shape[1]
    known = np.zeros((0, k)) if y_known is None else _2d(y_known)
    n, big_n, n_known = len(y), len(f_unl), len(known)
    total = big_n + n_known
    z = _quantile(level, len(np.unique(np.asarray(g_lab))) - 1 if small_sample else None)
    if big_n == 0 and finite:  # every paragraph known: the share is exact
        share = known.mean(0) if n_known else np.full(k, np.nan)
        zero = np.zeros(k)
        return ShareEstimate(share, share.copy(), share.copy(), zero, zero, zero, np.ones(k), n, 0, n_known, zero)
    if big_n == 0:
        return _known_only(known, g_known, level, n, k)
    var_u = np.zeros(k) if finite or big_n < 2 else np.nan_to_num(cluster_cov(f_unl, f_unl, g_unl))
    lam_ = _power(y, f_lab, g_lab, var_u, lam, k)
    rest = lam_ * f_unl.mean(0) + (y - lam_ * f_lab).mean(0)
    var_r = np.nan_to_num(cluster_cov(y - lam_ * f_lab, y - lam_ * f_lab, g_lab))
    if finite:  # the unlabelled paragraphs' own deviations, at the labelled ones' rate per paragraph
        var_r = var_r * (1 + n / big_n)
    var_d, outside = _drift(y - lam_ * f_lab, g_lab, t_lab, t_unl, drift_blocks, k)
    weight = big_n / total
    share = (known.sum(0) + big_n * rest) / total
    var_s = weight ** 2 * lam_ ** 2 * var_u if finite else _sampling_var(known, g_known, lam_ * f_unl, g_unl)
    se = np.sqrt(var_s + weight ** 2 * (var_r + var_d))
    low, high = _widen(y, share - z * se, share + z * se, known.sum(0) / total, weight, level)
    low, high = _one_article(share, var_s, low, high, level)
    if clip:
        share, low, high = np.clip(share, 0, 1), np.clip(low, 0, 1), np.clip(high, 0, 1)
    return ShareEstimate(share, low, high, se, var_s, weight ** 2 * var_r, lam_, n, big_n, n_known,
                         weight ** 2 * var_d, outside)


def _sampling_var(known: np.ndarray, g_known, values: np.ndarray, g_unl) -> np.ndarray:
    """The variance of the share from which articles the outlet happened to publish: the
    article-clustered variance of the mean over all its paragraphs (hand labels where known, the
    model's λf elsewhere). NaN for an outlet of one article: it shows no variation between articles
    (not none), so :func:`ppi_mean` gives it the Wilson interval of one article, not a narrow one."""
    g_k = np.asarray(g_known if g_known is not None else [f"known{i}" for i in range(len(known))], dtype=str)
    both = np.vstack([known, values])
    return cluster_cov(both, both, np.concatenate([g_k, np.asarray(g_unl, dtype=str)]))


def _one_article(share: np.ndarray, var_s: np.ndarray, low: np.ndarray, high: np.ndarray,
                 level: float) -> tuple[np.ndarray, np.ndarray]:
    """The Wilson interval of one article where the variation between articles is unknown (``var_s`` NaN)."""
    if not np.isnan(var_s).any():
        return low, high
    w_low, w_high = wilson(np.clip(share, 0, 1), 1, level)
    return np.where(np.isnan(var_s), w_low, low), np.where(np.isnan(var_s), w_high, high)


def _widen(y: np.ndarray, low: np.ndarray, high: np.ndarray, base: np.ndarray, weight: float,
           level: float) -> tuple[np.ndarray, np.ndarray]:
    """At least the Wilson interval of the labelled sample where it has no positive (or no negative)
    of a label, or where cutting to [0, 1] would leave a point (the interval wholly outside)."""
    n, positives = len(y), y.sum(0)
    degenerate = (positives == 0) | (positives == n) | (low >= 1) | (high <= 0)
    if degenerate.any() and n:
        w_low, w_high = wilson(positives, n, level)
        low = np.where(degenerate, np.minimum(low, base + weight * w_low), low)
        high = np.where(degenerate, np.maximum(high, base + weight * w_high), high)
    return low, high


def _known_only(known: np.ndarray, g_known, level: float, n: int, k: int) -> ShareEstimate:
    """Every paragraph of the outlet hand-labelled, the target its publishing: the hand share with
    the article-clustered interval (Student's t, articles − 1 df; Wilson where it would be a point)."""
    if not len(known):
        nan = np.full(k, np.nan)
        return ShareEstimate(nan, nan, nan, nan, nan, nan, np.ones(k), n, 0, 0, np.zeros(k))
    g_k = np.asarray(g_known if g_known is not None else np.arange(len(known)), dtype=str)
    articles = len(np.unique(g_k))
    share = known.mean(0)
    var_s = np.nan_to_num(cluster_cov(known, known, g_k))
    se = np.sqrt(var_s)
    z = _quantile(level, articles - 1)
    low, high = share - z * se, share + z * se
    w_low, w_high = wilson(share * articles, articles, level)
    flat = se == 0
    low, high = np.where(flat, np.minimum(low, w_low), low), np.where(flat, np.maximum(high, w_high), high)
    zero = np.zeros(k)
    return ShareEstimate(share, np.clip(low, 0, 1), np.clip(high, 0, 1), se, var_s, zero, np.ones(k), n, 0,
                         len(known), zero)


# ----------------------------------------------------------------------------- calibration

def _logit(p: np.ndarray, eps: float) -> np.ndarray:
    p = np.clip(p, eps, 1 - eps)
    return np.log(p / (1 - p))


def fit_calibration(p: np.ndarray, y: np.ndarray, *, eps: float = 1e-4, C: float = 1e4) -> np.ndarray:
    """Platt scaling per label: (slope, intercept) of a logistic regression of ``y`` on
    logit(``p``). The classifier is trained with balanced class weights, so its probabilities
    overstate rare labels; the mean of calibrated probabilities is close to the share, which
    keeps the rectifier small (and model-only shares sensible)."""
    from sklearn.linear_model import LogisticRegression

    p, y = _2d(p), _2d(y)
    coef = np.zeros((p.shape[1], 2))
    for j in range(p.shape[1]):
        ok = ~(np.isnan(p[:, j]) | np.isnan(y[:, j]))
        yj = y[ok, j]
        if ok.sum() < 2 or yj.min() == yj.max():
            coef[j] = (1.0, 0.0)  # nothing to learn from: keep the probabilities
            continue
        model = LogisticRegression(C=C, max_iter=1000).fit(_logit(p[ok, j], eps)[:, None], yj)
        coef[j] = (model.coef_[0, 0], model.intercept_[0])
    return coef


def apply_calibration(p: np.ndarray, coef: np.ndarray, *, eps: float = 1e-4) -> np.ndarray:
    p = _2d(p)
    return 1 / (1 + np.exp(-(coef[:, 0] * _logit(p, eps) + coef[:, 1])))


# ----------------------------------------------------------------------------- quantifiers (comparison)

def acc_binary(pred_lab: np.ndarray, y: np.ndarray, pred_unl: np.ndarray, w_lab: np.ndarray | None = None,
               w_unl: np.ndarray | None = None) -> np.ndarray:
    """Adjusted classify-and-count for one label (0/1 decisions); ``w_*``: bootstrap weights
    (replicates × paragraphs) or None. Returns one estimate per replicate, clipped to [0, 1]."""
    return _adjusted(pred_lab, y, pred_unl, w_lab, w_unl)


def pacc_binary(p_lab: np.ndarray, y: np.ndarray, p_unl: np.ndarray, w_lab: np.ndarray | None = None,
                w_unl: np.ndarray | None = None) -> np.ndarray:
    """Probabilistic ACC: as :func:`acc_binary` with probabilities in place of decisions."""
    return _adjusted(p_lab, y, p_unl, w_lab, w_unl)


def _adjusted(s_lab, y, s_unl, w_lab, w_unl) -> np.ndarray:
    w_lab = np.ones((1, len(y))) if w_lab is None else np.atleast_2d(w_lab)
    w_unl = np.ones((1, len(s_unl))) if w_unl is None else np.atleast_2d(w_unl)
    with np.errstate(divide="ignore", invalid="ignore"):
        tpr = (w_lab @ (s_lab * y)) / (w_lab @ y)
        fpr = (w_lab @ (s_lab * (1 - y))) / (w_lab @ (1 - y))
        q = (w_unl @ s_unl) / w_unl.sum(1)
        p = np.where(tpr - fpr > 1e-9, (q - fpr) / (tpr - fpr), np.nan)
    return np.clip(p, 0, 1)


def emq_binary(p_unl: np.ndarray, prior: float, w_unl: np.ndarray | None = None, *, epsilon: float = 1e-4,
               max_iter: int = 1000) -> np.ndarray:
    """EM for a prior shift (Saerens–Latinne–Decaestecker; quapy's EMQ) for one label:
    posteriors ``p_unl`` calibrated for training prevalence ``prior``. One estimate per replicate."""
    w = np.ones((1, len(p_unl))) if w_unl is None else np.atleast_2d(w_unl)
    prior = float(np.clip(prior, epsilon, 1 - epsilon))
    px = np.clip(p_unl, 0, 1)
    q = np.full(len(w), prior)
    for step in range(max_iter):
        a = (q / prior)[:, None] * px
        b = ((1 - q) / (1 - prior))[:, None] * (1 - px)
        new = (w * (a / (a + b))).sum(1) / w.sum(1)
        done = np.abs(new - q).max() < epsilon and step > 10
        q = new
        if done:
            break
    return q


# ----------------------------------------------------------------------------- label budget

CAP = 100_000  # the label budget's "no number of labels would do"


def labels_for_width(var_unlabelled: np.ndarray, var_rectifier: np.ndarray, n_labelled: int, target_width: float,
                     *, level: float = 0.95, cap: int = CAP, var_drift: np.ndarray | float = 0.0,
                     df: int | None = None) -> np.ndarray:
    """More hand-labelled paragraphs (drawn like the present ones) that bring each interval under
    ``target_width``: the rectifier's variance falls as 1/n, the unlabelled part's and the drift
    component's do not. ``df``: the estimate's t degrees of freedom (labelled articles − 1; None
    for the normal quantile) — the same quantile as the interval, kept at the present df, which
    errs towards more labels. 0 where the interval is narrow enough already; ``cap`` where no
    number of labels would do (the fixed parts alone are too wide), or there are no labels to
    extrapolate from."""
    z = _quantile(level, df)
    room = (target_width / (2 * z)) ** 2 - np.asarray(var_unlabelled, dtype=float) - np.asarray(var_drift, dtype=float)
    var_r = np.asarray(var_rectifier, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        need = np.where(room > 0, np.ceil(n_labelled * var_r / room) - n_labelled, cap)
    need = np.where(n_labelled > 0, need, cap)
    return np.clip(np.nan_to_num(need, nan=cap), 0, cap).astype(int)
