"""Does a labelling order save labels? Replay labelling on the labelled pool.

For each seed, whole articles (``active.test_share`` of them) are held out to evaluate on; the
rest is the pool. Each order then "labels" the pool: it starts from its own first
``active.start`` paragraphs and adds ``active.batch`` at a time, retraining after each batch (the
model orders rank what is left by the new model's uncertainty), up to ``active.max_labels``.
After every batch each dimension's macro-F1 on the held-out articles is recorded. Every order sees
the same held-out articles and the same budgets, so the curves compare like with like.

The model is :mod:`framing.model.refit`'s (the config's text block and classifier). Caveat: the pool
is what annotators already chose to label, not the whole corpus, so an order can only pick among
those paragraphs.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from sklearn.metrics import f1_score
from sklearn.model_selection import GroupShuffleSplit

from framing.labels.codebook import Codebook, Dimension
from framing.config import ExperimentConfig
from framing.errors import ConfigError, LabelsError
from framing.model.refit import TextCounts, fit_predict, targets
from framing.labels.sampling import MODEL_ORDERS, ORDERS, order_paragraphs, uncertainty_scores
from framing.labels.store import rare_labels


def macro_f1(dim: Dimension, y: np.ndarray, proba: np.ndarray) -> float:
    """Macro-F1 over the labels present in ``y``: argmax (single-choice) or p >= 0.5 per label."""
    if dim.multi:
        present = np.flatnonzero(y.sum(axis=0) > 0)
        return float(f1_score(y[:, present], (proba >= 0.5)[:, present].astype(int), average="macro", zero_division=0))
    present = np.unique(y)
    return float(f1_score(y, proba.argmax(axis=1), labels=present, average="macro", zero_division=0))


def _budgets(config: ExperimentConfig, pool: int) -> list[int]:
    a = config.active
    top = min(pool, a.max_labels) if a.max_labels else pool
    budgets = list(range(a.start, top + 1, a.batch))
    return budgets if budgets and budgets[-1] == top else budgets + [top]


def _replay(order: str, pool: pd.DataFrame, test: pd.DataFrame, codebook: Codebook, config: ExperimentConfig,
            counts: TextCounts, ys: dict, seed: int) -> list[dict]:
    """One order, one seed: macro-F1 per dimension after each batch."""
    start_order = "stratified" if order in ("stratified", "uncertainty-stratified") else "random"
    fixed = order_paragraphs(pool.assign(_i=pool.index), start_order, seed=seed)["_i"].to_numpy()
    budgets = _budgets(config, len(pool))
    taken = list(fixed[: budgets[0]])
    rows = []
    for step, budget in enumerate(budgets):
        if order not in MODEL_ORDERS:
            taken = list(fixed[:budget])
        chosen = set(taken)
        rest = np.array([i for i in pool.index if i not in chosen])
        proba_rest = {}
        for dim in codebook.dimensions:
            labelled = np.array([i for i in taken if ys[dim.name][1][i]])
            test_rows = test.index[ys[dim.name][1][test.index]].to_numpy()
            y_train = ys[dim.name][0][labelled]
            ranks = order in MODEL_ORDERS and len(rest) > 0
            X_train, *X_eval = counts.fit_transform(labelled, test_rows, *([rest] if ranks else []))
            p_test, *p_rest = fit_predict(dim, config, X_train, y_train, *X_eval)
            if ranks:
                proba_rest[dim.name] = p_rest[0]
            rows.append({"order": order, "seed": seed, "labels": len(taken), "dimension": dim.name,
                         "macro_f1": macro_f1(dim, ys[dim.name][0][test_rows], p_test)})
        if order in MODEL_ORDERS and step + 1 < len(budgets) and len(rest):
            scores = pd.Series(uncertainty_scores(proba_rest, {d.name: d.multi for d in codebook.dimensions}), index=rest)
            ranked = order_paragraphs(pool.loc[rest].assign(_i=rest), order, seed=seed, uncertainty=scores)
            taken += ranked["_i"].tolist()[: budgets[step + 1] - budget]
    return rows


def simulate(table: pd.DataFrame, codebook: Codebook, config: ExperimentConfig, *,
             progress=None) -> pd.DataFrame:
    """Replay labelling with each order of ``active.orders`` for ``active.seeds`` seeds.

    Parameters
    ----------
    table : labelled paragraphs (``framing.labels.store.labelled_paragraphs``): text, article_id,
        outlet and one column per dimension.
    progress : called with (done, total) after each replay, if given.

    Returns
    -------
    One row per order, seed, budget (``labels``: paragraphs labelled) and dimension, with the
    macro-F1 on that seed's held-out articles.
    """
    from threadpoolctl import threadpool_limits

    a = config.active
    unknown = [o for o in a.orders if o not in ORDERS or o == "corpus"]
    if unknown or not a.orders:
        raise ConfigError(f"active.orders: unknown or unusable order(s) {unknown}",
                          fix=f"choose among: {', '.join(o for o in ORDERS if o != 'corpus')}")
    table = table.reset_index(drop=True)
    n_articles = table["article_id"].nunique()
    if n_articles < 4:
        raise LabelsError("too few labelled articles to hold some out", fix="label paragraphs from more articles")
    if math.ceil(a.test_share * n_articles) >= n_articles:
        raise ConfigError(f"active.test_share = {a.test_share} holds out all {n_articles} labelled articles, "
                          "leaving none to replay labelling on", fix="lower active.test_share, e.g. 0.25")
    ys = {}
    for dim in codebook.dimensions:
        has = table[dim.name].notna().to_numpy()
        values = [v if has[i] else (dim.label_names[0] if not dim.multi else []) for i, v in enumerate(table[dim.name])]
        ys[dim.name] = (targets(dim, values), has)
    counts = TextCounts(table["text"].tolist(), config)
    rows: list[dict] = []
    total, done = a.seeds * len(a.orders), 0
    with threadpool_limits(1):  # one BLAS thread: the many small fits run faster without contention
        for seed in range(a.seeds):
            splitter = GroupShuffleSplit(n_splits=1, test_size=a.test_share, random_state=config.evaluate.seed + seed)
            pool_i, test_i = next(splitter.split(table, groups=table["article_id"].astype(str)))
            pool, test = table.iloc[pool_i], table.iloc[test_i]
            if len(pool) <= a.start:
                raise ConfigError(f"active.start ({a.start}) is not below the pool of {len(pool)} paragraphs",
                                  fix="lower active.start")
            for order in a.orders:
                rows += _replay(order, pool, test, codebook, config, counts, ys, seed)
                done += 1
                if progress is not None:
                    progress(done, total)
    return pd.DataFrame(rows)


def curves(runs: pd.DataFrame) -> pd.DataFrame:
    """Mean and spread over seeds of macro-F1 per dimension, order and budget — only the budgets
    every seed reached (seeds hold out different articles, so their pools and last budgets
    differ: a mean of the one seed that went further would be that seed's curve, not a mean)."""
    table = (runs.groupby(["dimension", "order", "labels"])["macro_f1"]
             .agg(macro_f1="mean", sd="std", seeds="size").reset_index())
    return table[table["seeds"] == runs["seed"].nunique()].reset_index(drop=True) if "seed" in runs else table


def labels_to_reach(curve: pd.DataFrame, target: float) -> float:
    """Labels at which a mean curve (``labels``, ``macro_f1``) first reaches ``target``,
    interpolated linearly between budgets; NaN if it never does."""
    x, y = curve["labels"].to_numpy(float), curve["macro_f1"].to_numpy(float)
    above = np.flatnonzero(y >= target)
    if not len(above):
        return float("nan")
    i = above[0]
    if i == 0:
        return float(x[0])
    return float(x[i - 1] + (target - y[i - 1]) * (x[i] - x[i - 1]) / (y[i] - y[i - 1]))


def savings(table: pd.DataFrame, config: ExperimentConfig) -> pd.DataFrame:
    """Per dimension and order: the target macro-F1, the labels needed to reach it, and the labels
    saved against random order (positive: fewer labels than random). ``final_macro_f1`` is the
    mean over all seeds at ``final_labels``, the largest budget every seed reached (:func:`curves`)."""
    a = config.active
    rows = []
    for dim, group in table.groupby("dimension", sort=False):
        reference = group[group["order"] == "random"] if "random" in set(group["order"]) else group
        target = a.target_f1 or a.target_share * reference["macro_f1"].max()
        needed = {order: labels_to_reach(g.sort_values("labels"), target) for order, g in group.groupby("order", sort=False)}
        base = needed.get("random", float("nan"))
        for order, n in needed.items():
            top = group[group["order"] == order].sort_values("labels").iloc[-1]
            rows.append({"dimension": dim, "order": order, "target_f1": round(target, 3), "labels_to_target": n,
                         "saved_vs_random": base - n, "saved_share": (base - n) / base if base == base else float("nan"),
                         "final_labels": int(top["labels"]), "final_macro_f1": top["macro_f1"]})
    return pd.DataFrame(rows)


def winner(saved: pd.DataFrame) -> tuple[str, float]:
    """The order that needs the fewest labels on average over dimensions (an order that never
    reaches a target counts the replay's last budget there), and its mean share saved vs random."""
    filled = saved.assign(n=saved["labels_to_target"].fillna(saved["final_labels"]))
    means = filled.groupby("order")["n"].mean()
    best = str(means.idxmin())
    base = means.get("random", float("nan"))
    return best, float((base - means[best]) / base) if base == base else float("nan")


def draw_learning_curves(table: pd.DataFrame, dimension: str, ax: Axes, target: float | None = None) -> Axes:
    """Mean macro-F1 (± one sd over seeds) against labels, one line per order."""
    rows = table[table["dimension"] == dimension]
    for order, group in rows.groupby("order", sort=False):
        group = group.sort_values("labels")
        line, = ax.plot(group["labels"], group["macro_f1"], marker=".", label=order)
        sd = group["sd"].fillna(0)
        ax.fill_between(group["labels"], group["macro_f1"] - sd, group["macro_f1"] + sd, color=line.get_color(), alpha=0.12)
    if target is not None:
        ax.axhline(target, color="grey", linestyle="--", linewidth=0.8, label=f"target {target:.3f}")
    ax.set_title(dimension)
    ax.set_xlabel("paragraphs labelled")
    ax.set_ylabel("macro-F1 on held-out articles")
    ax.legend(fontsize="small")
    return ax


def learning_figure(table: pd.DataFrame, saved: pd.DataFrame) -> Figure:
    """One panel per dimension (a Figure, no pyplot state)."""
    dims = list(dict.fromkeys(table["dimension"]))
    fig = Figure(figsize=(5 * len(dims), 4), constrained_layout=True)
    axes = fig.subplots(1, len(dims), squeeze=False)[0]
    for ax, dim in zip(axes, dims):
        target = saved.loc[saved["dimension"] == dim, "target_f1"]
        draw_learning_curves(table, dim, ax, float(target.iloc[0]) if len(target) else None)
    return fig


def labels_for_gain(curve: pd.DataFrame, current: float, gain: float) -> float:
    """Roughly how many more labels move macro-F1 by ``gain``, from a learning curve
    (``labels``, ``macro_f1``): a fit of macro-F1 = a + b·ln(labels), extrapolated from
    ``current`` labels; NaN when the curve does not rise. Only the curve's upper half (budgets
    from half the largest on) is fitted: the first labels' steep gains say little about the next."""
    curve = curve[curve["labels"] >= curve["labels"].max() / 2]
    x, y = np.log(curve["labels"].to_numpy(float)), curve["macro_f1"].to_numpy(float)
    if len(x) < 2 or np.ptp(x) == 0:
        return float("nan")
    b = np.polyfit(x, y, 1)[0]
    if b <= 0:
        return float("nan")
    return float(current * (np.exp(gain / b) - 1))


def gain_estimate(curve: pd.DataFrame, current: int, gain: float, *, reach: float = 4.0) -> tuple[float, str]:
    """:func:`labels_for_gain`, or NaN with the reason in words: no curve, a curve already within
    ``gain`` of a perfect macro-F1, a curve that does not rise, or an extrapolation past ``reach``
    times the curve's largest budget (a guess, not an estimate)."""
    if curve.empty:
        return float("nan"), "no learning curve for it: run `framing labels simulate`"
    top = float(curve.sort_values("labels")["macro_f1"].iloc[-1])
    if top + gain > 1:
        return float("nan"), f"already at the top (macro-F1 {top:.2f} on the curve): +{gain:.2f} is not there to gain"
    more = labels_for_gain(curve, current, gain)
    if np.isnan(more):
        return more, "the curve does not rise: more labels alike may not help"
    largest = int(curve["labels"].max())
    if current + more > reach * largest:
        return float("nan"), (f"beyond the curve's range (over {reach:g}x its largest budget, {largest} labels): "
                              "label more, then simulate again")
    return more, ""


def write_simulation(runs: pd.DataFrame, config: ExperimentConfig, out_dir) -> dict:
    """Write the replay's tables and chart to ``out_dir``: ``runs.csv`` (every seed),
    ``learning_curve_<dimension>.csv`` (means), ``savings.csv`` and ``learning_curves.png``.
    Returns the savings table and the winning order with its mean share of labels saved."""
    from pathlib import Path

    from framing._io import atomic_write

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    table = curves(runs)
    saved = savings(table, config)
    with atomic_write(out_dir / "runs.csv") as handle:
        runs.to_csv(handle, index=False)
    for dim, group in table.groupby("dimension"):
        with atomic_write(out_dir / f"learning_curve_{dim}.csv") as handle:
            group.to_csv(handle, index=False, float_format="%.4f")
    with atomic_write(out_dir / "savings.csv") as handle:
        saved.to_csv(handle, index=False, float_format="%.4f")
    with atomic_write(out_dir / "learning_curves.png", mode="wb", encoding=None) as handle:
        learning_figure(table, saved).savefig(handle, format="png", dpi=110)
    best, share = winner(saved)
    return {"savings": saved, "winner": best, "saved_share": share, "curves": table}


def label_budget(table: pd.DataFrame, codebook: Codebook, config: ExperimentConfig,
                 curve: pd.DataFrame | None) -> dict[str, pd.DataFrame]:
    """Where more labels would pay.

    ``rare``: labels with fewer than ``evaluate.min_examples`` paragraphs or found in fewer
    articles than there are folds (their F1 cannot be estimated reliably). ``gain``: per
    dimension, the labelled paragraphs now and roughly how many more would move its macro-F1 by
    ``active.gain`` (:func:`gain_estimate` on ``curve``: a learning curve with ``dimension``,
    ``labels`` and ``macro_f1``, e.g. random order's from the simulation), or a ``note`` why not.
    """
    gain = []
    for dim in codebook.dimensions:
        now = int(table[dim.name].notna().sum())
        mine = curve[curve["dimension"] == dim.name] if curve is not None else pd.DataFrame(columns=["labels", "macro_f1"])
        more, note = gain_estimate(mine.sort_values("labels"), now, config.active.gain)
        gain.append({"dimension": dim.name, "labelled": now, "more_for_gain": more, "gain": config.active.gain,
                     "note": note})
    return {"rare": rare_labels(table, codebook, minimum=config.evaluate.min_examples, folds=config.evaluate.folds),
            "gain": pd.DataFrame(gain)}


def read_curve(folder, order: str = "random") -> pd.DataFrame | None:
    """One order's mean learning curve from `framing labels simulate` output in ``folder``
    (``learning_curve_<dimension>.csv``), or None if it has not been run there."""
    from pathlib import Path

    files = sorted(Path(folder).glob("learning_curve_*.csv"))
    if not files:
        return None
    curve = pd.concat([pd.read_csv(f) for f in files], ignore_index=True)
    return curve[curve["order"] == order]
