"""Which outlet-share estimator can a researcher trust? A simulation on the hand-labelled paragraphs.

For each outlet with enough hand labels, its labelled paragraphs are split into a small
"labelled" part and a "rest" treated as unlabelled; the rest's hand-labelled share is the truth
(the report's claim: the interval covers the hand share of the paragraphs it estimates). Two splits:

* random: a random ``--label-share`` of the outlet's articles is labelled, ``--reps`` times;
* time-forward: the earliest articles are labelled (cuts at 30, 40, 50, 60 and 70 % of the outlet's
  dated articles), the later ones estimated — the situation of new articles after labelling.

Coverage comes with a standard error: random, the spread of the replicates' coverage over
``--reps`` (Monte Carlo); time-forward, the spread over the outlet × cut splits (its cuts
overlap, so that one understates).

PPI's drift component (``report.drift = "blocks"``) needs the paragraphs' dates: the corpus's
article dates, as in the report. Random splits estimate paragraphs inside the labelled period
(mostly), so it adds little there; time-forward, every estimated paragraph is after it.

Every estimator sees only the out-of-fold probabilities of the model (cv_predictions.csv: each
paragraph predicted by a model that never saw its article) and the labelled part's hand labels.
Calibration maps are fitted on the other outlets' labelled paragraphs (never the outlet's own).

    .venv/bin/python experiments/outlet-inference/simulate.py --model experiments/default \
        --out experiments/outlet-inference
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from framing.config import ExperimentConfig, ReportConfig
from framing.evaluate.results import read_oof
from framing.report.inference import acc_binary, apply_calibration, emq_binary, fit_calibration, pacc_binary, ppi_mean
from framing.model.saved import load_model
from framing.report.profile import predicted_indicators, true_indicators
from framing.corpus.read import project_paragraphs

DRIFT_BLOCKS = (2, 3, 5, 6)   # alternatives to the default's 4 (report.drift_blocks)
ESTIMATORS = ["raw", "hand only", "ACC", "PACC", "EMQ", "PPI (λ=1), raw probabilities", "PPI (λ=1), normal quantile",
              "PPI++", "PPI (λ=1), no drift"] + [f"PPI (λ=1), drift {b} blocks" for b in DRIFT_BLOCKS] + ["PPI (λ=1)"]
CUTS = (0.3, 0.4, 0.5, 0.6, 0.7)


def article_weights(groups: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    codes, inv = np.unique(groups, return_inverse=True)
    return rng.multinomial(len(codes), np.full(len(codes), 1 / len(codes)), size=n_boot)[:, inv].astype(float)


def percentile(boots: np.ndarray, level: float) -> tuple[float, float]:
    a = (1 - level) / 2
    ok = boots[~np.isnan(boots)]
    return (float(np.quantile(ok, a)), float(np.quantile(ok, 1 - a))) if len(ok) else (np.nan, np.nan)


def estimate_all(y_l, p_l, d_l, g_l, t_l, p_u, d_u, g_u, t_u, coef, prior, *, n_boot, level, rng) -> dict:
    """Every estimator on one split: {name: (estimates, lows, highs)} with one entry per label."""
    k = y_l.shape[1]
    out = {}
    wl, wu = article_weights(g_l, n_boot, rng), article_weights(g_u, n_boot, rng)
    raw = d_u.mean(0)
    raw_boot = (wu @ d_u) / wu.sum(1)[:, None]
    out["raw"] = (raw, *np.array([percentile(raw_boot[:, j], level) for j in range(k)]).T)
    r = ppi_mean(y_l, p_l, g_l, p_u, g_u, level=level, lam=0.0)   # λ = 0: the hand labels alone, same target
    out["hand only"] = (r.estimate, r.low, r.high)
    for name, fn, s_l, s_u in (("ACC", acc_binary, d_l, d_u), ("PACC", pacc_binary, p_l, p_u)):
        est, lo, hi = [], [], []
        for j in range(k):
            est.append(float(fn(s_l[:, j], y_l[:, j], s_u[:, j])[0]))
            bounds = percentile(fn(s_l[:, j], y_l[:, j], s_u[:, j], wl, wu), level)
            lo.append(bounds[0])
            hi.append(bounds[1])
        out[name] = (np.array(est), np.array(lo), np.array(hi))
    c_u, c_l = apply_calibration(p_u, coef), apply_calibration(p_l, coef)
    est, lo, hi = [], [], []
    for j in range(k):
        est.append(float(emq_binary(c_u[:, j], prior[j])[0]))
        bounds = percentile(emq_binary(c_u[:, j], prior[j], wu), level)
        lo.append(bounds[0])
        hi.append(bounds[1])
    out["EMQ"] = (np.array(est), np.array(lo), np.array(hi))
    r = ppi_mean(y_l, p_l, g_l, p_u, g_u, level=level, lam=1.0)
    out["PPI (λ=1), raw probabilities"] = (r.estimate, r.low, r.high)
    r = ppi_mean(y_l, c_l, g_l, c_u, g_u, level=level, lam=1.0, small_sample=False)
    out["PPI (λ=1), normal quantile"] = (r.estimate, r.low, r.high)
    r = ppi_mean(y_l, c_l, g_l, c_u, g_u, level=level)
    out["PPI++"] = (r.estimate, r.low, r.high)
    r = ppi_mean(y_l, c_l, g_l, c_u, g_u, level=level, lam=1.0)
    out["PPI (λ=1), no drift"] = (r.estimate, r.low, r.high)    # the default until the drift component
    for b in DRIFT_BLOCKS:
        r = ppi_mean(y_l, c_l, g_l, c_u, g_u, level=level, lam=1.0, t_lab=t_l, t_unl=t_u, drift_blocks=b)
        out[f"PPI (λ=1), drift {b} blocks"] = (r.estimate, r.low, r.high)
    r = ppi_mean(y_l, c_l, g_l, c_u, g_u, level=level, lam=1.0, t_lab=t_l, t_unl=t_u,
                 drift_blocks=ReportConfig.drift_blocks)
    out["PPI (λ=1)"] = (r.estimate, r.low, r.high)                 # the report's default: drift, 4 blocks
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="experiments/default")
    ap.add_argument("--root", default=".")
    ap.add_argument("--out", default="experiments/outlet-inference")
    ap.add_argument("--reps", type=int, default=100)
    ap.add_argument("--label-share", type=float, default=0.25)
    ap.add_argument("--n-boot", type=int, default=200)
    ap.add_argument("--level", type=float, default=0.95)
    ap.add_argument("--min-articles", type=int, default=12)
    ap.add_argument("--min-paragraphs", type=int, default=80)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    started = time.time()
    rng = np.random.default_rng(args.seed)
    model = load_model(args.model)
    codebook = model.codebook
    oof = read_oof(Path(args.model) / "cv_predictions.csv", codebook)
    paragraphs = project_paragraphs(ExperimentConfig(), args.root)
    dates = pd.to_datetime(paragraphs.drop_duplicates("article_id").set_index("article_id")["date"], errors="coerce")
    oof["date"] = oof["article_id"].map(dates)
    days = ((oof["date"] - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1)).to_numpy(float)
    truth_ind, pred_ind = true_indicators(oof, codebook), predicted_indicators(oof, codebook, model.thresholds)
    rows = []
    for dim in codebook.dimensions:
        cols = [f"{dim.name}:{label}" for label in dim.label_names]
        ok = (truth_ind[cols].notna().all(axis=1) & oof[cols].notna().all(axis=1) & pred_ind[cols].notna().all(axis=1)).to_numpy()
        sub, T = oof[ok], days[ok]
        Y, P, D = truth_ind.loc[ok, cols].to_numpy(), sub[cols].to_numpy(float), pred_ind.loc[ok, cols].to_numpy()
        outlets, articles = sub["outlet"].astype(str).to_numpy(), sub["article_id"].astype(str).to_numpy()
        for outlet in sorted(set(outlets)):
            mine = outlets == outlet
            arts = np.unique(articles[mine])
            if len(arts) < args.min_articles or mine.sum() < args.min_paragraphs:
                continue
            coef = fit_calibration(P[~mine], Y[~mine])    # never the outlet's own labels
            prior = Y[~mine].mean(0)
            y, p, d, g, t = Y[mine], P[mine], D[mine], articles[mine], T[mine]
            splits = []
            for rep in range(args.reps):
                chosen = rng.choice(arts, size=max(2, int(round(args.label_share * len(arts)))), replace=False)
                splits.append(("random", rep, np.isin(g, chosen)))
            art_dates = dates.reindex(arts)
            if art_dates.notna().sum() >= args.min_articles:
                order = art_dates.sort_values(kind="stable").index.to_numpy()
                for cut in CUTS:
                    splits.append(("time-forward", cut, np.isin(g, order[: int(round(cut * len(order)))])))
            for scenario, rep, lab in splits:
                if len(np.unique(g[lab])) < 2 or len(np.unique(g[~lab])) < 2:
                    continue
                truth = y[~lab].mean(0)   # the hand share of exactly the paragraphs estimated
                found = estimate_all(y[lab], p[lab], d[lab], g[lab], t[lab], p[~lab], d[~lab], g[~lab], t[~lab], coef, prior,
                                     n_boot=args.n_boot, level=args.level, rng=rng)
                for name, (est, lo, hi) in found.items():
                    for j, label in enumerate(dim.label_names):
                        rows.append({"scenario": scenario, "rep": rep, "outlet": outlet, "dimension": dim.name,
                                     "label": label, "estimator": name, "truth": truth[j], "estimate": est[j],
                                     "low": lo[j], "high": hi[j], "n_labelled": int(lab.sum()),
                                     "n_unlabelled": int((~lab).sum()),
                                     "labelled_articles": len(np.unique(g[lab]))})
    res = pd.DataFrame(rows)
    res["error"] = res["estimate"] - res["truth"]
    res["covered"] = (res["low"] <= res["truth"] + 1e-12) & (res["truth"] <= res["high"] + 1e-12)
    res["width"] = res["high"] - res["low"]
    res["zero_width_edge"] = (res["width"] <= 1e-12) & ((res["estimate"] <= 0) | (res["estimate"] >= 1))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    res.to_csv(out / "replicates.csv.gz", index=False)
    summary = summarise(res)
    summary.to_csv(out / "summary.csv", index=False)
    print(summary.to_string(index=False))
    print(f"{len(res):,} estimates in {time.time() - started:.0f} s")


def summarise(res: pd.DataFrame) -> pd.DataFrame:
    """Per scenario and estimator: bias, mean absolute error, coverage and its standard error
    (over replicates, random; over outlet × cut splits, time-forward), mean width (points), the
    worst outlet's coverage and how often an interval is a point at 0 % or 100 %."""
    def one(g: pd.DataFrame) -> pd.Series:
        by_outlet = g.groupby("outlet")["covered"].mean()
        per = g.groupby(["outlet", "rep"] if g["scenario"].iloc[0] == "time-forward" else ["rep"])["covered"].mean()
        return pd.Series({"bias": 100 * g["error"].mean(), "mae": 100 * g["error"].abs().mean(),
                          "coverage": g["covered"].mean(), "coverage_se": per.std(ddof=1) / np.sqrt(len(per)),
                          "worst_outlet_coverage": by_outlet.min(), "worst_outlet": by_outlet.idxmin(),
                          "mean_width": 100 * g["width"].mean(), "zero_width_at_edge": int(g["zero_width_edge"].sum()),
                          "estimates": len(g)})
    table = res.groupby(["scenario", "estimator"], sort=False).apply(
        lambda g: one(g.assign(scenario=g.name[0])), include_groups=False).reset_index()
    return table.round({"bias": 2, "mae": 2, "coverage": 3, "coverage_se": 3, "worst_outlet_coverage": 3,
                        "mean_width": 1})


if __name__ == "__main__":
    main()
