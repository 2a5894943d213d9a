"""The report: charts (PNG and SVG, a CSV of the numbers beside each) and one self-contained
``index.html`` — a summary of the largest differences first, then the charts, then method notes."""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from framing import charts
from framing._io import atomic_write
from framing.codebook import Codebook


@dataclass
class ReportContent:
    """Everything a report shows, computed beforehand (see :func:`framing.workflow.report`)."""

    title: str
    codebook: Codebook
    profile: pd.DataFrame                       # outlet, dimension, label, share, ci_*, n_*, [predicted*, basis, ...]
    summary: list[dict] = field(default_factory=list)
    time: pd.DataFrame | None = None
    period: str = ""
    events: pd.DataFrame | None = None
    why: dict = field(default_factory=dict)      # (dim, label) -> {outlet: [(term, lift), ...]}
    examples: dict = field(default_factory=dict)  # (dim, label, outlet) -> [(probability, text, paragraph_id), ...]
    validation: pd.DataFrame | None = None      # outlet, dimension, label, hand, hand_low/high, predicted, predicted_low/high
    compare: pd.DataFrame | None = None
    compare_pair: tuple[str, str] | None = None
    notes: dict[str, str] = field(default_factory=dict)
    budget: pd.DataFrame | None = None          # outlet, basis, n_labelled, widest, extra_labels, target_width
    articles: pd.DataFrame | None = None        # framing.articles.rank_articles (+ text): the articles per label


def _save(fig: Figure, stem: Path, data: pd.DataFrame) -> str:
    """Write PNG, SVG and CSV for one chart; return the PNG as base64 for embedding."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    with atomic_write(stem.with_suffix(".png"), "wb") as handle:
        handle.write(buffer.getvalue())
    with atomic_write(stem.with_suffix(".svg")) as handle:
        fig.savefig(handle, format="svg", bbox_inches="tight")
    with atomic_write(stem.with_suffix(".csv")) as handle:
        data.to_csv(handle, index=False)
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _figure(stem: Path, data: pd.DataFrame, size: tuple[float, float], draw) -> str:
    fig = plt.figure(figsize=size, layout="constrained")
    draw(fig)
    return _save(fig, stem, data)


def _img(stem: str, data: str, alt: str) -> str:
    return (f'<figure><img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'
            f'<figcaption>{html.escape(alt)} · <a href="{stem}.png">PNG</a> · <a href="{stem}.svg">SVG</a> · '
            f'<a href="{stem}.csv">CSV</a></figcaption></figure>')


def _anchor(*parts: str) -> str:
    return "why-" + "-".join("".join(c if c.isalnum() else "_" for c in p) for p in parts)


def _pct(v: float) -> str:
    return "—" if v is None or (isinstance(v, float) and np.isnan(v)) else f"{v:.0%}"


def summary_sentence(item: dict) -> str:
    """One plain sentence for one of the largest differences."""
    ci = ("" if np.isnan(item["ci_low"]) else
          f" (95% CI {item['ci_low'] * 100:+.0f} to {item['ci_high'] * 100:+.0f} points"
          + ("" if item["significant"] else ", not distinguishable from no difference") + ")")
    return (f"{item['label']} ({item['dimension']}): {_pct(item['share_high'])} of {item['high']} paragraphs against "
            f"{_pct(item['share_low'])} of {item['low']}, a gap of {item['difference'] * 100:.0f} points{ci}.")


def write_report(content: ReportContent, out_dir: str | Path) -> Path:
    """Write every chart, its CSV and ``index.html`` to ``out_dir``; return the page's path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    profile = content.profile
    with atomic_write(out / "profile.csv") as handle:
        profile.to_csv(handle, index=False)
    n_outlets = profile["outlet"].nunique()
    sections, nav = [], []
    if content.articles is not None and not content.articles.empty:
        sections.append(_articles_section(content, out))
        nav.append('<a href="#articles">articles</a>')
    for dim in content.codebook.dimensions:
        sub = profile[profile["dimension"] == dim.name]
        if sub.empty:
            continue
        n_labels = len(dim.labels)
        parts = [f'<p class="q">{html.escape(dim.question)}</p>']
        png = _figure(out / f"{dim.name}_heatmap", sub, (2.5 + 1.1 * n_labels + 2.5, 1.2 + 0.55 * n_outlets),
                      lambda fig, d=dim.name: charts.draw_heatmap(profile, d, fig.add_subplot()))
        parts.append(_img(f"{dim.name}_heatmap", png, f"{dim.name}: share of paragraphs per outlet (heatmap)"))
        png = _figure(out / f"{dim.name}_bars", sub, (max(8.0, 0.9 * n_labels * max(1, n_outlets) ** 0.5 + 4), 5),
                      lambda fig, d=dim.name: charts.draw_bars(profile, d, fig.add_subplot()))
        parts.append(_img(f"{dim.name}_bars", png, f"{dim.name}: label shares by outlet with 95% CIs"))
        parts.append(_share_table(sub, dim, content))
        if "predicted" in sub:
            png = _figure(out / f"{dim.name}_estimates", sub, (2.2 * n_labels + 2, 0.35 * n_outlets + 2.4),
                          lambda fig, d=dim.name: charts.draw_estimates(profile, d, fig))
            parts.append("<h3>Outlet shares and the model's raw reading</h3>" + _img(
                f"{dim.name}_estimates", png, f"{dim.name}: outlet shares (hand labels + model) and the model's predicted shares"))
        if content.time is not None and not content.time.empty:
            tsub = content.time[content.time["dimension"] == dim.name]
            if not tsub.empty:
                rows_n = int(np.ceil(n_labels / 3))
                png = _figure(out / f"{dim.name}_time", tsub, (12, 3 * rows_n + 1),
                              lambda fig, t=tsub, d=dim.name: charts.draw_time(t, d, fig, content.events))
                parts.append(f"<h3>Over time (by {content.period})</h3>"
                             + _img(f"{dim.name}_time", png, f"{dim.name}: shares by {content.period}"))
        parts.append(_why(dim, content))
        sections.append(f'<section id="{dim.name}"><h2>{html.escape(dim.name)}</h2>{"".join(parts)}</section>')
        nav.append(f'<a href="#{dim.name}">{html.escape(dim.name)}</a>')
    if content.validation is not None and not content.validation.empty:
        parts = ["<p>On the hand-labelled paragraphs, each outlet's share in the hand labels (x) against its share in "
                 "the cross-validated predictions (y): predictions for a paragraph come from a model that never saw it "
                 "(nor any paragraph of its article). Points near the diagonal mean the charts above can be trusted "
                 "for that outlet and label.</p>"]
        for dim in content.codebook.dimensions:
            vsub = content.validation[content.validation["dimension"] == dim.name]
            if vsub.empty:
                continue
            png = _figure(out / f"{dim.name}_validation", vsub, (6.5, 6),
                          lambda fig, v=vsub, d=dim.name: charts.draw_agreement(v, d, fig.add_subplot()))
            parts.append(_img(f"{dim.name}_validation", png, f"{dim.name}: hand labels vs cross-validated predictions"))
        sections.append(f'<section id="validation"><h2>Hand labels vs model</h2>{"".join(parts)}</section>')
        nav.append('<a href="#validation">hand labels vs model</a>')
    if content.budget is not None and not content.budget.empty:
        with atomic_write(out / "label_budget.csv") as handle:
            content.budget.to_csv(handle, index=False)
        shown = content.budget.assign(widest=content.budget["widest"].map(lambda v: f"{v * 100:.0f} points"))
        target = float(content.budget["target_width"].iloc[0])
        quota = " ".join(f'--quota "{r.outlet}={r.extra_labels}"' for r in content.budget.itertuples() if r.extra_labels > 0)
        sections.append(f'<section id="budget"><h2>Label budget</h2><p>More hand-labelled paragraphs per outlet that '
                        f'would bring every interval under {target * 100:.0f} points.</p>'
                        + shown.drop(columns=["target_width"]).to_html(index=False, border=0)
                        + (f"<p class=\"hint\">framing labels sample {html.escape(quota)}</p>" if quota else "")
                        + '<p class="hint"><a href="label_budget.csv">CSV</a></p></section>')
        nav.append('<a href="#budget">label budget</a>')
    if content.compare is not None and content.compare_pair:
        a, b = content.compare_pair
        png = _figure(out / "compare", content.compare, (9, 0.28 * len(content.compare) + 1.5),
                      lambda fig: charts.draw_compare(content.compare, a, b, fig.add_subplot()))
        shown = content.compare.assign(**{c: content.compare[c].map(_pct) for c in (a, b)},
                                       difference=content.compare["difference"].map(lambda v: f"{v * 100:+.1f}"),
                                       ci=[f"{lo * 100:+.1f} to {hi * 100:+.1f}" if not np.isnan(lo) else "—"
                                           for lo, hi in zip(content.compare["ci_low"], content.compare["ci_high"])])
        table = shown[["dimension", "label", a, b, "difference", "ci", "cohens_h", "significant"]].to_html(
            index=False, border=0, float_format=lambda v: f"{v:.2f}")
        sections.append(f'<section id="compare"><h2>{html.escape(a)} vs {html.escape(b)}</h2>'
                        f'{_img("compare", png, f"Differences between {a} and {b}")}{table}</section>')
        nav.append('<a href="#compare">compare</a>')
    page = _page(content, sections, nav)
    with atomic_write(out / "index.html") as handle:
        handle.write(page)
    return out / "index.html"


def _share_table(sub: pd.DataFrame, dim, content: ReportContent) -> str:
    """Outlets × labels with shares; each cell links to the 'why' details of that outlet and label."""
    head = "".join(f"<th>{html.escape(label)}</th>" for label in dim.label_names)
    body = []
    for outlet, rows in sub.groupby("outlet"):
        rows = rows.set_index("label")
        cells = []
        for label in dim.label_names:
            r = rows.loc[label]
            ci = "" if np.isnan(r["ci_low"]) else f' <span class="ci">{_pct(r["ci_low"])}–{_pct(r["ci_high"])}</span>'
            corrected = (f'<br><span class="corr">model {_pct(r["predicted"])}'
                         + (" · model-only" if r.get("basis") == "model-only" else "") + "</span>") if "predicted" in r else ""
            link = _anchor(dim.name, label, outlet)
            cells.append(f'<td><a href="#{link}">{_pct(r["share"])}</a>{ci}{corrected}</td>')
        n = rows["n_paragraphs"].iloc[0]
        body.append(f"<tr><th>{html.escape(str(outlet))} <span class=\"ci\">n={n}</span></th>{''.join(cells)}</tr>")
    return (f'<div class="scroll"><table class="shares"><tr><th>outlet</th>{head}</tr>{"".join(body)}</table></div>'
            f'<p class="hint">Share of paragraphs with 95% CI ("model": the model\'s own predicted share; "model-only": '
            f'no hand-labelled sample of that outlet, see the method section); click a share for the terms and '
            f'paragraphs behind it.</p>')


def _articles_section(content: ReportContent, out: Path) -> str:
    """Per label, the articles with the largest share of paragraphs carrying it; each links to the
    "why" details of its outlet and label and shows the paragraph that most supports the label."""
    ranked = content.articles
    with atomic_write(out / "articles.csv") as handle:
        ranked.to_csv(handle, index=False)
    blocks = []
    for (dim, label), rows in ranked.groupby(["dimension", "label"], sort=False):
        items = []
        for r in rows.itertuples():
            text = str(getattr(r, "text", "") or "")
            quote = f"<br><q>{html.escape(text[:300])}{'…' if len(text) > 300 else ''}</q>" if text and text != "nan" else ""
            name = r.title if isinstance(r.title, str) and r.title else r.article_id
            why = (f'<a href="#{_anchor(dim, label, str(r.outlet))}">why</a> '
                   if str(r.outlet) in content.why.get((dim, label), {}) else "")
            items.append(f'<li><b>{_pct(r.share)}</b> of {r.paragraphs} paragraphs · {html.escape(str(name))} '
                         f'<span class="ci">{html.escape(str(r.outlet))} {html.escape(str(r.date or ""))}</span> · '
                         f'{why}<span class="ci">{html.escape(str(r.paragraph_id))}</span>{quote}</li>')
        blocks.append(f"<details><summary>{html.escape(dim)} · {html.escape(label)}</summary><ol>{''.join(items)}</ol></details>")
    return ('<section id="articles"><h2>Articles</h2><p class="hint">Per label, the articles with the largest share of '
            'paragraphs carrying it, the paragraph that most supports it there, and a link to the outlet\'s "why" '
            'details for that label. <a href="articles.csv">CSV</a></p>' + "".join(blocks) + "</section>")


def _why(dim, content: ReportContent) -> str:
    blocks = []
    for label in dim.label_names:
        terms = content.why.get((dim.name, label), {})
        for outlet in sorted(terms):
            examples = content.examples.get((dim.name, label, outlet), [])
            words = ", ".join(html.escape(t) for t, _ in terms[outlet]) or "(no term stands out)"
            ex = "".join(f"<li><b>{p:.2f}</b> {html.escape(text[:400])}{'…' if len(text) > 400 else ''} "
                         f'<span class="ci">{html.escape(pid)}</span></li>' for p, text, pid in examples)
            blocks.append(f'<details id="{_anchor(dim.name, label, outlet)}"><summary>{html.escape(outlet)} · '
                          f"{html.escape(label)}: {words}</summary><ul>{ex}</ul></details>")
    if not blocks:
        return ""
    return ("<h3>Why</h3><p class=\"hint\">Terms that push this outlet's paragraphs towards the label more than other "
            "outlets' (TF-IDF × model weight, outlet mean minus the others' mean), and the outlet's paragraphs the "
            "model is most sure carry the label, with their probability.</p>" + "".join(blocks))


_CSS = """body{font:15px/1.45 system-ui,sans-serif;max-width:1120px;margin:1.5em auto;padding:0 1em;color:#222}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:2em}
nav{position:sticky;top:0;background:#fff;padding:.4em 0;border-bottom:1px solid #eee;z-index:1}nav a{margin-right:1em}
img{max-width:100%;height:auto}figure{margin:1em 0}figcaption,.hint{font-size:.85em;color:#555}
table{border-collapse:collapse;font-size:.88em;margin:.5em 0}td,th{padding:.25em .5em;border-bottom:1px solid #eee;text-align:right;vertical-align:top}
th:first-child,td:first-child{text-align:left}.q{color:#555;font-style:italic}.ci,.corr{color:#777;font-size:.85em}
.scroll{overflow-x:auto;max-width:100%}.summary li{margin:.3em 0}details{margin:.2em 0}details ul{font-size:.9em}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em;font-size:.9em}dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}"""


def _page(content: ReportContent, sections: list[str], nav: list[str]) -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    summary = "".join(f"<li>{html.escape(summary_sentence(item))}</li>" for item in content.summary) \
        or "<li>Too few outlets with enough articles to compare.</li>"
    method = "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(str(v))}</dd>" for k, v in content.notes.items())
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(content.title)}</title><style>{_CSS}</style></head><body>"
            f"<h1>{html.escape(content.title)}</h1><p class=\"hint\">Generated {stamp}. Shares are of paragraphs; "
            f"intervals are 95% intervals; how each is made is in the method section.</p>"
            f'<section id="summary"><h2>Summary: the largest differences between outlets</h2><ul class="summary">{summary}</ul></section>'
            f'<nav><a href="#summary">summary</a>{"".join(nav)}<a href="#method">method</a></nav>'
            + "".join(sections)
            + f'<section id="method"><h2>Method</h2><dl>{method}</dl></section></body></html>')
