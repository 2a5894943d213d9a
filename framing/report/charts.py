"""Drawing functions: each takes a table (computed once elsewhere) and an ``ax`` of a
:class:`matplotlib.figure.Figure` or a figure, draws, and returns it. No pyplot, no backend
switch: a notebook user's backend is left alone, and a ``Figure`` saves without one."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure


def plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def level_pct(level: float) -> str:
    """A confidence level as the page writes it: 0.95 → "95%", 0.975 → "97.5%"."""
    return f"{level * 100:.4g}%"


# Kelly's colours of maximum contrast (without white and black), then a few of tab10: an outlet
# keeps its colour in every chart of a report.
PALETTE = ["#0067A5", "#BE0032", "#008856", "#F38400", "#875692", "#882D17", "#8DB600", "#604E97", "#B3446C",
           "#2B3D26", "#E25822", "#654522", "#17becf", "#E68FAC", "#F6A600", "#848482", "#A1CAF1", "#C2B280",
           "#F99379", "#DCD300", "#F3C300", "#bcbd22", "#7f7f7f", "#1f77b4"]  # the paler ones last
WIDTH = 10.6  # inches: at 100 dpi (and a tight bounding box) every chart fits the page's ~1,090 px column


def outlet_colors(outlets: list[str]) -> dict[str, str]:
    """One fixed colour per outlet, in the order given (group outlets by collection first)."""
    return {outlet: PALETTE[i % len(PALETTE)] for i, outlet in enumerate(outlets)}


def _separators(ax: Axes, outlets: list[str], groups: dict[str, str] | None) -> None:
    """Lines between collections along the y axis, each group named at its top."""
    if not groups:
        return
    previous = None
    for i, outlet in enumerate(outlets):
        group = groups.get(outlet, "")
        if group != previous:
            if i:
                ax.axhline(i - 0.5, color="grey", linewidth=0.8)
            previous = group


def outlet_names(table: pd.DataFrame) -> dict[str, str]:
    """Outlet → "Outlet (n=… paragraphs, … articles)" for axis labels and legends."""
    counts = table.groupby("outlet")[["n_paragraphs", "n_articles"]].max()
    return {o: f"{o} (n={plural(int(r.n_paragraphs), 'paragraph')}, {plural(int(r.n_articles), 'article')}"
               + (", no CI" if r.n_articles < 2 else "") + ")" for o, r in counts.iterrows()}


def draw_heatmap(table: pd.DataFrame, dimension: str, ax: Axes, *, outlets: list[str] | None = None,
                 groups: dict[str, str] | None = None, unit: str = "paragraph") -> Axes:
    """Outlet × label heatmap of shares for one dimension, each cell annotated; outlets in the
    order given (grouped by collection, lines between groups)."""
    sub = table[table["dimension"] == dimension]
    outlets = outlets or sorted(sub["outlet"].unique())
    grid = sub.pivot(index="outlet", columns="label", values="share")[list(dict.fromkeys(sub["label"]))].reindex(outlets)
    image = ax.imshow(grid.to_numpy(dtype=float), cmap="Blues", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(grid.shape[1]), grid.columns, rotation=30, ha="right")
    ax.set_yticks(range(grid.shape[0]), [f"{o} · {groups.get(o, '')}" if groups else o for o in grid.index])
    for (i, j), value in np.ndenumerate(grid.to_numpy(dtype=float)):
        if not np.isnan(value):
            ax.text(j, i, f"{value:.0%}", ha="center", va="center", fontsize=9, color="white" if value > 0.6 else "black")
    _separators(ax, outlets, groups)
    ax.set_title(f"{dimension}: share of {unit}s per outlet" + (", grouped by collection" if groups else ""))
    ax.figure.colorbar(image, ax=ax, label=f"share of {unit}s", fraction=0.04)
    return ax


def draw_dots(table: pd.DataFrame, dimension: str, fig: Figure, *, outlets: list[str], colors: dict[str, str],
              groups: dict[str, str] | None = None, unit: str = "paragraph", cols: int = 3,
              level: float = 0.95) -> Figure:
    """Small multiples, one panel per label: each outlet's share as a dot in its own colour with
    its ``level`` interval (hollow: model-only), and the model's raw predicted share as a grey
    cross where the table has one (both in the legend). Outlets on the y axis, grouped by collection."""
    sub = table[table["dimension"] == dimension]
    labels = list(dict.fromkeys(sub["label"]))
    cols = min(cols, len(labels))
    rows_n = int(np.ceil(len(labels) / cols))
    axes = fig.subplots(rows_n, cols, sharey=True, squeeze=False).ravel()
    y = np.arange(len(outlets))
    for ax, label in zip(axes, labels):
        rows = sub[sub["label"] == label].set_index("outlet").reindex(outlets)
        v = rows["share"].to_numpy(dtype=float)
        err = np.vstack([v - rows["ci_low"].to_numpy(dtype=float), rows["ci_high"].to_numpy(dtype=float) - v])
        err = np.where(np.isnan(err), 0, np.clip(err, 0, None))
        if "predicted" in rows:
            ax.plot(rows["predicted"].to_numpy(dtype=float), y, "x", ms=6, color="grey", alpha=0.8,
                    label="the model's raw predicted share")
        model_only = (rows["basis"] == "model-only").to_numpy() if "basis" in rows else np.zeros(len(v), bool)
        for i, outlet in enumerate(outlets):
            if np.isnan(v[i]):
                continue
            color = colors.get(outlet, "black")
            ax.errorbar(v[i], y[i], xerr=err[:, [i]], fmt="o", ms=5, capsize=2, color=color,
                        mfc="white" if model_only[i] else color)
        _separators(ax, outlets, groups)
        ax.set_title(label, fontsize=10)
        ax.set_xlim(0, 1)
        ax.grid(axis="x", alpha=0.3)
        ax.set_xlabel(f"share of {unit}s")
    for ax in axes[len(labels):]:
        ax.set_visible(False)
    for ax in axes[::cols]:
        ax.set_yticks(y, [f"{o} · {groups.get(o, '')}" if groups else o for o in outlets])
        for tick, outlet in zip(ax.get_yticklabels(), outlets):
            tick.set_color(colors.get(outlet, "black"))
    axes[0].invert_yaxis()
    if "predicted" in sub:
        from matplotlib.lines import Line2D

        handles = axes[0].get_legend_handles_labels()[0][:1]
        if "basis" in sub and sub["basis"].eq("model-only").any():
            handles.append(Line2D([], [], marker="o", linestyle="", color="black", mfc="white",
                                  label="hollow dot: model-only (no hand labels of its own)"))
        fig.legend(handles=handles, fontsize=8, loc="outside lower center", ncols=len(handles))
    fig.suptitle(f"{dimension}: share of {unit}s per outlet with {level_pct(level)} intervals"
                 + (" (hollow dot: model-only; grey cross: the model's raw predicted share)" if "predicted" in sub else ""),
                 fontsize=11)
    return fig


def time_grid(table: pd.DataFrame, period: str) -> pd.DatetimeIndex:
    """Every period from the first to the last in ``table``: missing ones become gaps."""
    when = pd.to_datetime(table["period"])
    freq = "MS" if period == "month" else "W-MON"
    return pd.date_range(when.min(), when.max(), freq=freq)


def draw_time(table: pd.DataFrame, dimension: str, fig: Figure, events: pd.DataFrame | None = None, *,
              colors: dict[str, str] | None = None, period: str = "month", unit: str = "paragraph",
              max_bands: int = 4, level: float = 0.95, raw: bool = False) -> Figure:
    """One panel per label: each outlet's share per period in its own colour with a light
    ``level`` band (up to ``max_bands`` outlets; more would hide the lines: the CSV has the intervals);
    periods without enough articles are gaps, not joined; events as vertical lines. ``raw``: the
    shares are the model's own decisions, not corrected for its errors (the title says so)."""
    sub = table[table["dimension"] == dimension].copy()
    sub["when"] = pd.to_datetime(sub["period"])
    grid = time_grid(sub, period)
    labels = list(dict.fromkeys(sub["label"]))
    cols = min(3, len(labels))
    rows_n = int(np.ceil(len(labels) / cols))
    axes = fig.subplots(rows_n, cols, sharex=True, sharey=True, squeeze=False).ravel()
    colors = colors or {}
    bands = sub["outlet"].nunique() <= max_bands
    for ax, label in zip(axes, labels):
        for i, (outlet, rows) in enumerate(sub[sub["label"] == label].groupby("outlet")):
            rows = rows.set_index("when").reindex(grid)
            color = colors.get(outlet, PALETTE[i % len(PALETTE)])
            ax.plot(grid, rows["share"].astype(float), marker=".", label=outlet, color=color)
            if bands:
                ax.fill_between(grid, rows["ci_low"].astype(float), rows["ci_high"].astype(float), alpha=0.12, color=color)
        if events is not None:  # only those within the chart's dates: others would stretch its axis
            for event in events[(events["date"] >= grid.min()) & (events["date"] <= grid.max())].itertuples():
                ax.axvline(event.date, color="black", linestyle=":", linewidth=0.8)
                ax.text(event.date, 0.98, f" {event.label}", rotation=90, va="top", fontsize=7)
        ax.set_title(label, fontsize=10)
        ax.set_ylim(0, 1)
        ax.grid(alpha=0.3)
    for ax in axes[len(labels):]:
        ax.set_visible(False)
    handles, names = axes[0].get_legend_handles_labels()
    fig.legend(handles, names, fontsize=8, loc="outside lower center", ncols=min(6, max(1, len(names))))
    fig.autofmt_xdate()
    fig.suptitle(("model's raw reading (not corrected, see the table) · " if raw else "")
                 + f"{dimension}: share of {unit}s by {period}"
                 + (f" ({level_pct(level)} CI over articles)" if bands else " (intervals in the CSV: too many outlets to shade)"),
                 fontsize=11)
    return fig


def draw_agreement(table: pd.DataFrame, dimension: str, ax: Axes, *, colors: dict[str, str] | None = None) -> Axes:
    """Hand-labelled share (x) against out-of-fold predicted share (y) per outlet (colour) and
    label (marker), with the diagonal: points on it mean the model reproduces the hand-labelled
    profile."""
    sub = table[table["dimension"] == dimension]
    markers = "osD^v<>pP*hX"
    colors = colors or {}
    shape = {label: markers[i % len(markers)] for i, label in enumerate(dict.fromkeys(sub["label"]))}
    for row in sub.itertuples():
        ax.errorbar(row.hand, row.predicted,
                    xerr=np.clip([[row.hand - row.hand_low], [row.hand_high - row.hand]], 0, None),
                    yerr=np.clip([[row.predicted - row.predicted_low], [row.predicted_high - row.predicted]], 0, None),
                    fmt=shape[row.label], ms=6, capsize=0, elinewidth=0.6, alpha=0.85, color=colors.get(row.outlet, "black"))
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("share in hand labels")
    ax.set_ylabel("share in cross-validated predictions")
    ax.set_title(f"{dimension}: hand labels vs model")
    from matplotlib.lines import Line2D

    label_handles = [Line2D([], [], marker=m, linestyle="", color="black", label=lab) for lab, m in shape.items()]
    outlet_handles = [Line2D([], [], marker="o", linestyle="", color=colors.get(o, "black"), label=o)
                      for o in sorted(sub["outlet"].unique())]
    first = ax.legend(handles=label_handles, fontsize=8, title="label", loc="upper left", bbox_to_anchor=(1.02, 1))
    ax.add_artist(first)
    ax.legend(handles=outlet_handles, fontsize=8, title="outlet", loc="lower left", bbox_to_anchor=(1.02, 0))
    ax.grid(alpha=0.3)
    return ax


def draw_compare(table: pd.DataFrame, a: str, b: str, ax: Axes, *, level: float = 0.95) -> Axes:
    """Forest plot of share differences (a − b) with ``level`` CIs, largest first; red where the
    difference survives the correction for multiple comparisons."""
    rows = table.iloc[::-1].reset_index(drop=True)
    y = np.arange(len(rows))
    err = np.clip(np.vstack([rows["difference"] - rows["ci_low"], rows["ci_high"] - rows["difference"]]).astype(float), 0, None)
    for significant, color in ((True, "tab:red"), (False, "grey")):
        pick = (rows["significant"] == significant).to_numpy()
        if pick.any():
            ax.errorbar(rows["difference"][pick], y[pick], xerr=np.nan_to_num(err[:, pick]), fmt="o", color=color, capsize=2)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(y, [f"{d}: {lab}" for d, lab in zip(rows["dimension"], rows["label"])])
    correction = {"holm": "Holm", "bh": "Benjamini–Hochberg", "none": "no"}.get(table.attrs.get("correction", ""), "")
    ax.set_xlabel(f"difference in share ({a} − {b}), {level_pct(level)} CI; red = significant after {correction} correction")
    ax.set_title(f"Where {a} and {b} differ")
    ax.grid(axis="x", alpha=0.3)
    return ax
