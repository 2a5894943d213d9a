"""Drawing functions: each takes a table (computed once elsewhere) and an ``ax`` or a figure
size, draws, and returns the figure. Matplotlib's Agg backend; no global pyplot state is kept."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402


def plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def outlet_names(table: pd.DataFrame) -> dict[str, str]:
    """Outlet → "Outlet (n=… paragraphs, … articles)" for axis labels and legends."""
    counts = table.groupby("outlet")[["n_paragraphs", "n_articles"]].max()
    return {o: f"{o} (n={plural(int(r.n_paragraphs), 'paragraph')}, {plural(int(r.n_articles), 'article')}"
               + (", no CI" if r.n_articles < 2 else "") + ")" for o, r in counts.iterrows()}


def draw_heatmap(table: pd.DataFrame, dimension: str, ax: Axes) -> Axes:
    """Outlet × label heatmap of shares for one dimension, each cell annotated."""
    sub = table[table["dimension"] == dimension]
    grid = sub.pivot(index="outlet", columns="label", values="share")[list(dict.fromkeys(sub["label"]))]
    names = outlet_names(sub)
    image = ax.imshow(grid.to_numpy(dtype=float), cmap="Blues", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(grid.shape[1]), grid.columns, rotation=30, ha="right")
    ax.set_yticks(range(grid.shape[0]), [names[o].replace(" (", "\n(") for o in grid.index])
    for (i, j), value in np.ndenumerate(grid.to_numpy(dtype=float)):
        if not np.isnan(value):
            ax.text(j, i, f"{value:.0%}", ha="center", va="center", fontsize=9, color="white" if value > 0.6 else "black")
    ax.set_title(f"{dimension}: share of paragraphs per outlet")
    ax.set_xlabel("label")
    ax.figure.colorbar(image, ax=ax, label="share of paragraphs", fraction=0.04)
    return ax


def draw_bars(table: pd.DataFrame, dimension: str, ax: Axes) -> Axes:
    """Grouped bars (label × outlet) with 95 % bootstrap CI whiskers."""
    sub = table[table["dimension"] == dimension]
    labels = list(dict.fromkeys(sub["label"]))
    outlets = sorted(sub["outlet"].unique())
    names = outlet_names(sub)
    width = 0.8 / max(len(outlets), 1)
    x = np.arange(len(labels))
    colors = plt.get_cmap("tab20")(np.linspace(0, 1, 20))
    for i, outlet in enumerate(outlets):
        rows = sub[sub["outlet"] == outlet].set_index("label").reindex(labels)
        share = rows["share"].to_numpy(dtype=float)
        low, high = share - rows["ci_low"].to_numpy(dtype=float), rows["ci_high"].to_numpy(dtype=float) - share
        xs = x + (i - (len(outlets) - 1) / 2) * width
        ax.bar(xs, share, width, label=names[outlet], color=colors[i % 20])
        ok = ~np.isnan(low)
        if ok.any():
            ax.errorbar(xs[ok], share[ok], yerr=[low[ok], high[ok]], fmt="none", ecolor="black", capsize=2, linewidth=0.8)
    ax.set_xticks(x, labels, rotation=30, ha="right")
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of paragraphs (95% CI over articles)")
    ax.set_title(f"{dimension}: label shares by outlet")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1), borderaxespad=0)
    ax.grid(axis="y", alpha=0.3)
    return ax


def draw_estimates(table: pd.DataFrame, dimension: str, fig: Figure) -> Figure:
    """Small multiples, one per label: the model's predicted share (hollow, no interval: it does
    not include the classifier's error) and the outlet share from hand labels + model (filled,
    95 % interval; grey where the outlet is model-only)."""
    sub = table[table["dimension"] == dimension]
    labels = list(dict.fromkeys(sub["label"]))
    outlets = sorted(sub["outlet"].unique())
    axes = fig.subplots(1, len(labels), sharey=True, squeeze=False)[0]
    y = np.arange(len(outlets))
    for ax, label in zip(axes, labels):
        rows = sub[sub["label"] == label].set_index("outlet").reindex(outlets)
        ax.plot(rows["predicted"].to_numpy(dtype=float), y - 0.15, "o", ms=4, mfc="white", color="grey", label="model's predicted share")
        v = rows["share"].to_numpy(dtype=float)
        err = np.vstack([v - rows["ci_low"].to_numpy(dtype=float), rows["ci_high"].to_numpy(dtype=float) - v])
        err = np.where(np.isnan(err), 0, np.clip(err, 0, None))
        model_only = (rows["basis"] == "model-only").to_numpy() if "basis" in rows else np.zeros(len(v), bool)
        for pick, color, name in ((~model_only, "tab:blue", "hand labels + model"), (model_only, "tab:orange", "model-only")):
            if pick.any():
                ax.errorbar(v[pick], y[pick] + 0.15, xerr=err[:, pick], fmt="o", ms=4, capsize=2, color=color, label=name)
        ax.set_title(label, fontsize=10)
        ax.set_xlim(0, 1)
        ax.grid(axis="x", alpha=0.3)
        ax.set_xlabel("share")
    axes[0].set_yticks(y, outlets)
    axes[0].invert_yaxis()
    handles, names = [], []
    for ax in axes:
        for h, n in zip(*ax.get_legend_handles_labels()):
            if n not in names:
                handles.append(h)
                names.append(n)
    fig.legend(handles, names, fontsize=8, loc="outside lower center", ncols=3)
    fig.suptitle(f"{dimension}: outlet share from hand labels + model (95% CI) and the model's predicted share (hollow)")
    return fig


def draw_time(table: pd.DataFrame, dimension: str, fig: Figure, events: pd.DataFrame | None = None) -> Figure:
    """One panel per label: each outlet's share per period as a line with a CI band; events as
    vertical lines."""
    sub = table[table["dimension"] == dimension].copy()
    sub["when"] = pd.to_datetime(sub["period"])
    labels = list(dict.fromkeys(sub["label"]))
    cols = min(3, len(labels))
    rows_n = int(np.ceil(len(labels) / cols))
    axes = fig.subplots(rows_n, cols, sharex=True, sharey=True, squeeze=False).ravel()
    colors = plt.get_cmap("tab10")
    for ax, label in zip(axes, labels):
        for i, (outlet, rows) in enumerate(sub[sub["label"] == label].groupby("outlet")):
            rows = rows.sort_values("when")
            ax.plot(rows["when"], rows["share"], marker=".", label=outlet, color=colors(i % 10))
            ax.fill_between(rows["when"], rows["ci_low"].astype(float), rows["ci_high"].astype(float), alpha=0.15,
                            color=colors(i % 10))
        if events is not None:
            for event in events.itertuples():
                ax.axvline(event.date, color="black", linestyle=":", linewidth=0.8)
                ax.text(event.date, 0.98, f" {event.label}", rotation=90, va="top", fontsize=7)
        ax.set_title(label, fontsize=10)
        ax.set_ylim(0, 1)
        ax.grid(alpha=0.3)
    for ax in axes[len(labels):]:
        ax.set_visible(False)
    handles, names = axes[0].get_legend_handles_labels()
    fig.legend(handles, names, fontsize=8, loc="outside lower center", ncols=min(5, max(1, len(names))))
    fig.autofmt_xdate()
    fig.suptitle(f"{dimension}: share of paragraphs over time (95% CI over articles)")
    return fig


def draw_agreement(table: pd.DataFrame, dimension: str, ax: Axes) -> Axes:
    """Hand-labelled share (x) against out-of-fold predicted share (y) per outlet and label,
    with the diagonal: points on it mean the model reproduces the hand-labelled profile."""
    sub = table[table["dimension"] == dimension]
    markers = "osD^v<>pP*hX"
    for i, (label, rows) in enumerate(sub.groupby("label", sort=False)):
        ax.errorbar(rows["hand"], rows["predicted"],
                    xerr=np.clip([rows["hand"] - rows["hand_low"], rows["hand_high"] - rows["hand"]], 0, None),
                    yerr=np.clip([rows["predicted"] - rows["predicted_low"], rows["predicted_high"] - rows["predicted"]], 0, None),
                    fmt=markers[i % len(markers)], ms=5, capsize=2, alpha=0.8, label=label)
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("share in hand labels")
    ax.set_ylabel("share in cross-validated predictions")
    ax.set_title(f"{dimension}: hand labels vs model, per outlet and label")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return ax


def draw_compare(table: pd.DataFrame, a: str, b: str, ax: Axes) -> Axes:
    """Forest plot of share differences (a − b) with 95 % CIs, largest first."""
    rows = table.iloc[::-1].reset_index(drop=True)
    y = np.arange(len(rows))
    err = np.clip(np.vstack([rows["difference"] - rows["ci_low"], rows["ci_high"] - rows["difference"]]).astype(float), 0, None)
    for significant, color in ((True, "tab:red"), (False, "grey")):
        pick = (rows["significant"] == significant).to_numpy()
        if pick.any():
            ax.errorbar(rows["difference"][pick], y[pick], xerr=np.nan_to_num(err[:, pick]), fmt="o", color=color, capsize=2)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(y, [f"{d}: {lab}" for d, lab in zip(rows["dimension"], rows["label"])])
    ax.set_xlabel(f"difference in share of paragraphs ({a} − {b}), 95% CI; red = CI excludes 0")
    ax.set_title(f"Where {a} and {b} differ")
    ax.grid(axis="x", alpha=0.3)
    return ax
