"""Charts and a static HTML report of outlet profiles. Plots compute once (a DataFrame) and
draw on an ``ax``; a CSV of every chart's numbers is written beside it."""

from __future__ import annotations

import base64
import html
import io
from datetime import datetime, timezone
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from framing._io import atomic_write  # noqa: E402
from framing.codebook import Codebook  # noqa: E402


def _outlet_names(table: pd.DataFrame) -> dict[str, str]:
    counts = table.groupby("outlet")[["n_paragraphs", "n_articles"]].max()
    def plural(n: int, word: str) -> str:
        return f"{n} {word}" + ("" if n == 1 else "s")
    return {o: f"{o}\n(n={plural(int(r.n_paragraphs), 'paragraph')}, {plural(int(r.n_articles), 'article')}"
               + (", no CI" if r.n_articles < 2 else "") + ")" for o, r in counts.iterrows()}


def draw_heatmap(table: pd.DataFrame, dimension: str, ax: Axes) -> Axes:
    """Outlet × label heatmap of shares for one dimension, each cell annotated."""
    sub = table[table["dimension"] == dimension]
    grid = sub.pivot(index="outlet", columns="label", values="share")
    grid = grid[list(dict.fromkeys(sub["label"]))]
    names = _outlet_names(sub)
    image = ax.imshow(grid.to_numpy(dtype=float), cmap="Blues", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(grid.shape[1]), grid.columns, rotation=30, ha="right")
    ax.set_yticks(range(grid.shape[0]), [names[o] for o in grid.index])
    for (i, j), value in np.ndenumerate(grid.to_numpy(dtype=float)):
        if not np.isnan(value):
            ax.text(j, i, f"{value:.0%}", ha="center", va="center", fontsize=9,
                    color="white" if value > 0.6 else "black")
    ax.set_title(f"{dimension}: share of paragraphs per outlet")
    ax.set_xlabel("label")
    ax.figure.colorbar(image, ax=ax, label="share of paragraphs", fraction=0.04)
    return ax


def draw_bars(table: pd.DataFrame, dimension: str, ax: Axes) -> Axes:
    """Grouped bars (label × outlet) with 95 % bootstrap CI whiskers."""
    sub = table[table["dimension"] == dimension]
    labels = list(dict.fromkeys(sub["label"]))
    outlets = sorted(sub["outlet"].unique())
    names = _outlet_names(sub)
    width = 0.8 / max(len(outlets), 1)
    x = np.arange(len(labels))
    for i, outlet in enumerate(outlets):
        rows = sub[sub["outlet"] == outlet].set_index("label").reindex(labels)
        share = rows["share"].to_numpy(dtype=float)
        low = share - rows["ci_low"].to_numpy(dtype=float)
        high = rows["ci_high"].to_numpy(dtype=float) - share
        xs = x + (i - (len(outlets) - 1) / 2) * width
        ax.bar(xs, share, width, label=names[outlet].replace("\n", " "))
        has_ci = ~np.isnan(low)
        if has_ci.any():
            ax.errorbar(xs[has_ci], share[has_ci], yerr=[low[has_ci], high[has_ci]], fmt="none",
                        ecolor="black", capsize=3, linewidth=1)
    ax.set_xticks(x, labels, rotation=30, ha="right")
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of paragraphs (95% CI over articles)")
    ax.set_title(f"{dimension}: label shares by outlet")
    ax.legend(fontsize=8, loc="upper right")
    ax.grid(axis="y", alpha=0.3)
    return ax


def _figure(kind: str, table: pd.DataFrame, dimension: str) -> Figure:
    sub = table[table["dimension"] == dimension]
    n_outlets, n_labels = sub["outlet"].nunique(), sub["label"].nunique()
    if kind == "heatmap":
        fig, ax = plt.subplots(figsize=(2.2 + 1.1 * n_labels + 2.5, 1.4 + 0.7 * n_outlets))
        draw_heatmap(table, dimension, ax)
    else:
        fig, ax = plt.subplots(figsize=(max(7.0, 1.2 * n_labels * max(1, n_outlets) ** 0.5 + 3), 5))
        draw_bars(table, dimension, ax)
    fig.tight_layout()
    return fig


def _save(fig: Figure, stem: Path) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    png = buffer.getvalue()
    with atomic_write(stem.with_suffix(".png"), "wb") as handle:
        handle.write(png)
    with atomic_write(stem.with_suffix(".svg"), "w") as handle:
        fig.savefig(handle, format="svg")
    plt.close(fig)
    return png


def write_report(table: pd.DataFrame, codebook: Codebook, out_dir: str | Path, *, title: str,
                 notes: dict[str, str] | None = None) -> Path:
    """Write charts (PNG, SVG), a CSV per chart and ``index.html`` (charts embedded) to ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with atomic_write(out / "profile.csv") as handle:
        table.to_csv(handle, index=False)
    sections = []
    for dim in codebook.dimensions:
        sub = table[table["dimension"] == dim.name]
        if sub.empty:
            continue
        images = []
        for kind in ("heatmap", "bars"):
            stem = out / f"{dim.name}_{kind}"
            with atomic_write(stem.with_suffix(".csv")) as handle:
                sub.to_csv(handle, index=False)
            png = _save(_figure(kind, table, dim.name), stem)
            images.append((stem.name, base64.b64encode(png).decode("ascii")))
        shown = sub.assign(share=sub["share"].map("{:.1%}".format),
                           ci=[("—" if np.isnan(lo) else f"{lo:.1%} – {hi:.1%}") for lo, hi in zip(sub["ci_low"], sub["ci_high"])])
        wide = shown.pivot(index="outlet", columns="label", values="share")[dim.label_names]
        sections.append(_section(dim.name, dim.question, images, wide.to_html(classes="grid", border=0),
                                 shown[["outlet", "label", "share", "ci", "n_paragraphs", "n_articles"]]
                                 .to_html(index=False, classes="long", border=0)))
    page = _page(title, sections, notes or {})
    with atomic_write(out / "index.html") as handle:
        handle.write(page)
    return out / "index.html"


def _section(name: str, question: str, images: list[tuple[str, str]], wide: str, long: str) -> str:
    imgs = "".join(
        f'<figure><img alt="{html.escape(stem)}" src="data:image/png;base64,{data}">'
        f'<figcaption><a href="{stem}.png">PNG</a> · <a href="{stem}.svg">SVG</a> · '
        f'<a href="{stem}.csv">CSV</a></figcaption></figure>' for stem, data in images)
    return (f'<section><h2>{html.escape(name)}</h2><p class="q">{html.escape(question)}</p>{imgs}'
            f"<h3>Shares</h3>{wide}<details><summary>With 95% confidence intervals</summary>{long}</details></section>")


_CSS = """body{font:15px/1.45 system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.6em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:2em}
img{max-width:100%;height:auto}figure{margin:1em 0}figcaption{font-size:.85em;color:#555}
table{border-collapse:collapse;font-size:.9em;margin:.5em 0}td,th{padding:.25em .6em;border-bottom:1px solid #eee;text-align:right}
th:first-child,td:first-child{text-align:left}.q{color:#555;font-style:italic}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em;font-size:.9em}dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}"""


def _page(title: str, sections: list[str], notes: dict[str, str]) -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    method = "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(str(v))}</dd>" for k, v in notes.items())
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>"
            f"<h1>{html.escape(title)}</h1><p>Share of paragraphs carrying each label, per outlet. "
            f"Whiskers and intervals are 95% bootstrap confidence intervals that resample whole articles; "
            f"an outlet with a single article has no interval. Generated {stamp}.</p>"
            + "".join(sections)
            + f"<section><h2>Method</h2><dl>{method}</dl></section></body></html>")
