"""The report: charts (PNG and SVG, a CSV of the numbers beside each) and one self-contained
``index.html`` — a summary of the largest differences first, then the charts, then method notes."""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from framing.report import charts
from framing._io import atomic_write
from framing.labels.codebook import Codebook


@dataclass
class ReportContent:
    """Everything a report shows, computed beforehand (see :func:`framing.report.build.report`)."""

    title: str
    codebook: Codebook
    profile: pd.DataFrame                       # outlet, dimension, label, share, ci_*, n_*, [predicted*, basis, ...]
    summary: list[dict] = field(default_factory=list)
    time: pd.DataFrame | None = None
    period: str = ""
    events: pd.DataFrame | None = None
    why: dict = field(default_factory=dict)      # (dim, label) -> {outlet: [(term, lift), ...]}
    examples: dict = field(default_factory=dict)  # (dim, label, outlet) -> [(probability, text, paragraph_id, evidence), ...]
    validation: pd.DataFrame | None = None      # outlet, dimension, label, hand, hand_low/high, predicted, predicted_low/high
    compare: pd.DataFrame | None = None
    compare_pair: tuple[str, str] | None = None
    compare_warnings: list[str] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)
    budget: pd.DataFrame | None = None          # outlet, basis, n_labelled, widest, extra_labels, target_width
    groups: dict[str, str] = field(default_factory=dict)   # outlet -> collection (the comparison group)
    min_articles: int = 1                       # outlets with fewer enter no summary, ranking chart or comparison
    self_sources: dict = field(default_factory=dict)       # outlet -> its own source labels
    unit: str = "paragraph"                     # what one row is in the whole page: "paragraph", "headline"
    units: dict[str, str] = field(default_factory=dict)   # outlet -> what one of its rows is
    omitted: dict[str, str] = field(default_factory=dict)  # section -> why it is not shown
    time_left_out: dict[str, str] = field(default_factory=dict)  # outlet -> why it has no time series
    validity: pd.DataFrame | None = None        # per dimension and collection: CV and time-forward macro-F1
    expected: str = ""
    time_min_articles: int = 1
    # Every outlet of the corpus the report was drawn from (before --collection/--outlet filters):
    # colours are assigned over these, so an outlet keeps its colour across the reports of a project.
    palette_outlets: list[str] = field(default_factory=list)
    articles: pd.DataFrame | None = None        # framing.model.articles.rank_articles (+ text): the articles per label

    @property
    def outlets(self) -> list[str]:
        """Every outlet, grouped by collection then by name: the order of every chart and table."""
        names = self.profile["outlet"].astype(str).unique()
        return sorted(names, key=lambda o: (self.groups.get(o, ""), o))

    @property
    def ranked(self) -> list[str]:
        """The outlets with enough articles to enter the ranking charts, in :attr:`outlets` order."""
        counts = self.profile.groupby("outlet")["n_articles"].max()
        return [o for o in self.outlets if counts.get(o, 0) >= self.min_articles]

    @property
    def colors(self) -> dict[str, str]:
        order = self.palette_outlets + [o for o in self.outlets if o not in set(self.palette_outlets)]
        return charts.outlet_colors(order)


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
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _figure(stem: Path, data: pd.DataFrame, size: tuple[float, float], draw) -> str:
    fig = Figure(figsize=size, layout="constrained")  # no pyplot state: nothing to close
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


def _n(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def summary_sentence(item: dict, unit: str = "paragraph") -> str:
    """One plain sentence for one of the largest differences: both shares with n and their
    intervals, and the gap with its interval."""
    exact = {"high": item.get("basis_high") == "all hand-labelled", "low": item.get("basis_low") == "all hand-labelled"}

    def side(end: str) -> str:
        basis = item.get(f"basis_{end}", "")
        interval = ("every one hand-labelled, so exact" if exact[end] else
                    f"95% interval {_pct(item[f'{end}_low'])}–{_pct(item[f'{end}_high'])}"
                    + (", model-only" if basis == "model-only" else ""))
        articles = "" if item[f"articles_{end}"] == item[f"n_{end}"] else f"{_n(item[f'articles_{end}'], 'article')}; "
        return f"{_pct(item[f'share_{end}'])} of {item[end]}'s {_n(item[f'n_{end}'], unit)} ({articles}{interval})"
    if exact["high"] and exact["low"]:
        gap = f"a gap of {item['difference'] * 100:.0f} points"
    else:
        gap = (f"a gap of {item['difference'] * 100:.0f} points (95% interval {item['ci_low'] * 100:+.0f} to "
               f"{item['ci_high'] * 100:+.0f}" + ("" if item["significant"] else ", not distinguishable from none") + ")")
    return f"{item['label']} ({item['dimension']}): {side('high')} against {side('low')}: {gap}."


def write_report(content: ReportContent, out_dir: str | Path, progress=None) -> Path:
    """Write every chart, its CSV and ``index.html`` to ``out_dir``; return the page's path.
    ``progress``: called with a short text before each dimension's charts."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    profile = content.profile
    with atomic_write(out / "profile.csv") as handle:
        profile.to_csv(handle, index=False)
    unit = content.unit
    colors = content.colors
    ranked = content.ranked or content.outlets  # nothing to rank: show every outlet, said in the caption
    groups = content.groups if len(set(content.groups.values())) > 1 else None
    small = [o for o in content.outlets if o not in content.ranked]
    sections, nav = [], []
    if content.articles is not None and not content.articles.empty:
        sections.append(_articles_section(content, out))
        nav.append('<a href="#articles">articles</a>')
    for dim in content.codebook.dimensions:
        sub = profile[profile["dimension"] == dim.name]
        if sub.empty:
            continue
        if progress:
            progress(f"drawing {dim.name}")
        n_labels = len(dim.labels)
        shown = sub[sub["outlet"].isin(ranked)]
        parts = [f'<p class="q">{html.escape(dim.question)}</p>']
        if not content.ranked:
            parts.append(f'<p class="note">No outlet has {content.min_articles} or more articles: the charts show '
                         f"every outlet for reference, not to rank them.</p>")
        png = _figure(out / f"{dim.name}_heatmap", shown,
                      (min(charts.WIDTH, 4.5 + 1.1 * n_labels), 1.4 + 0.32 * len(ranked)),
                      lambda fig, d=dim.name: charts.draw_heatmap(shown, d, fig.add_subplot(), outlets=ranked,
                                                                  groups=groups, unit=unit))
        parts.append(_img(f"{dim.name}_heatmap", png, f"{dim.name}: share of {unit}s per outlet (heatmap)"))
        cols = min(3, n_labels)
        rows_n = int(np.ceil(n_labels / cols))
        png = _figure(out / f"{dim.name}_dots", shown, (charts.WIDTH, rows_n * (0.8 + 0.24 * len(ranked)) + 1.0),
                      lambda fig, d=dim.name: charts.draw_dots(shown, d, fig, outlets=ranked, colors=colors,
                                                               groups=groups, unit=unit, cols=cols))
        parts.append(_img(f"{dim.name}_dots", png, f"{dim.name}: share of {unit}s per outlet with 95% intervals"))
        if small:
            parts.append(f'<p class="note">Not in the charts (fewer than {content.min_articles} articles; in the table '
                         f"below): {html.escape(', '.join(small))}.</p>" if content.ranked else "")
        parts.append(_share_table(sub, dim, content))
        parts.append(_time_part(dim, content, out, colors))
        parts.append(_why(dim, content))
        sections.append(f'<section id="{dim.name}"><h2>{html.escape(dim.name)}</h2>{"".join(parts)}</section>')
        nav.append(f'<a href="#{dim.name}">{html.escape(dim.name)}</a>')
    if content.validation is not None and not content.validation.empty:
        parts = [f"<p>On the hand-labelled {unit}s, each outlet's share in the hand labels (x) against its share in "
                 "the cross-validated predictions (y): predictions for a paragraph come from a model that never saw it "
                 "(nor any paragraph of its article). Colour: outlet (as in every chart); marker: label. Points near "
                 "the diagonal mean the model's raw reading can be trusted for that outlet and label.</p>"]
        for dim in content.codebook.dimensions:
            vsub = content.validation[content.validation["dimension"] == dim.name]
            if vsub.empty:
                continue
            png = _figure(out / f"{dim.name}_validation", vsub, (8.5, 5.5),
                          lambda fig, v=vsub, d=dim.name: charts.draw_agreement(v, d, fig.add_subplot(), colors=colors))
            parts.append(_img(f"{dim.name}_validation", png, f"{dim.name}: hand labels vs cross-validated predictions"))
        sections.append(f'<section id="validation"><h2>Hand labels vs model</h2>{"".join(parts)}</section>')
        nav.append('<a href="#validation">hand labels vs model</a>')
    if content.validity is not None and not content.validity.empty:
        with atomic_write(out / "validity.csv") as handle:
            content.validity.to_csv(handle, index=False)
        sections.append('<section id="validity"><h2>Validity per collection</h2><p>How well the model reproduces '
                        "the hand labels of each collection, as macro-F1: in cross-validation grouped by article / on "
                        "the time-forward test (trained on earlier articles, tested on later ones: the closest to new "
                        "articles) / of a majority-label baseline. Read each collection's charts with its own row: "
                        f"where the model is weak, lean on the outlet shares' intervals.</p>{_validity_table(content.validity)}"
                        f"<p class=\"hint\">{html.escape(content.expected)} "
                        '<a href="validity.csv">CSV</a></p></section>')
        nav.append('<a href="#validity">validity</a>')
    if content.budget is not None and not content.budget.empty:
        with atomic_write(out / "label_budget.csv") as handle:
            content.budget.to_csv(handle, index=False)
        cap = 100_000  # framing.report.inference.labels_for_width's "no number of labels would do"
        shown = content.budget.assign(
            widest=content.budget["widest"].map(lambda v: f"{v * 100:.0f} points"),
            extra_labels=content.budget["extra_labels"].map(
                lambda v: "no estimate: no labels of its own to extrapolate from, label some first" if v >= cap
                else f"{v:,}"))
        target = float(content.budget["target_width"].iloc[0])
        quota = " ".join(f'--quota "{r.outlet}={r.extra_labels}"' for r in content.budget.itertuples()
                         if 0 < r.extra_labels < cap)
        sections.append(f'<section id="budget"><h2>Label budget</h2><p>More hand-labelled {unit}s per outlet that '
                        f'would bring every interval under {target * 100:.0f} points.</p><div class="scroll">'
                        + shown.drop(columns=["target_width"]).to_html(index=False, border=0) + "</div>"
                        + (f"<p class=\"hint\">framing labels sample {html.escape(quota)}</p>" if quota else "")
                        + '<p class="hint"><a href="label_budget.csv">CSV</a></p></section>')
        nav.append('<a href="#budget">label budget</a>')
    if content.compare is not None and content.compare_pair and not content.compare.empty:
        sections.append(_compare_section(content, out))
        nav.append('<a href="#compare">compare</a>')
    page = _page(content, sections, nav)
    with atomic_write(out / "index.html") as handle:
        handle.write(page)
    return out / "index.html"


def _validity_table(validity: pd.DataFrame) -> str:
    """One row per collection, one cell per dimension: CV / time-forward / baseline macro-F1."""
    dims = list(dict.fromkeys(validity["dimension"]))
    collections = list(dict.fromkeys(validity["collection"]))
    head = "".join(f"<th>{html.escape(d)}</th>" for d in dims)
    rows = []
    for collection in collections:
        sub = validity[validity["collection"] == collection].set_index("dimension")
        n = sub["paragraphs"].max()
        cells = []
        for d in dims:
            if d not in sub.index:
                cells.append("<td>—</td>")
                continue
            r = sub.loc[d]
            f = lambda v: "—" if pd.isna(v) else f"{v:.2f}"  # noqa: E731
            cells.append(f"<td><b>{f(r['CV macro-F1'])}</b> / {f(r['time-forward macro-F1'])} "
                         f"<span class=\"ci\">/ {f(r['baseline macro-F1'])}</span></td>")
        name = "all collections" if collection == "all" else collection
        rows.append(f"<tr><th>{html.escape(name)} <span class=\"ci\">{int(n):,} labelled</span></th>{''.join(cells)}</tr>"
                    if not pd.isna(n) else f"<tr><th>{html.escape(name)}</th>{''.join(cells)}</tr>")
    return (f'<div class="scroll"><table><tr><th>collection</th>{head}</tr>{"".join(rows)}</table></div>'
            '<p class="hint">Each cell: CV / time-forward / baseline macro-F1.</p>')


def _compare_section(content: ReportContent, out: Path) -> str:
    a, b = content.compare_pair
    table_data = content.compare
    png = _figure(out / "compare", table_data, (9, 0.28 * len(table_data) + 1.5),
                  lambda fig: charts.draw_compare(table_data, a, b, fig.add_subplot()))
    shown = table_data.assign(**{c: table_data[c].map(_pct) for c in (a, b)},
                              difference=table_data["difference"].map(lambda v: f"{v * 100:+.1f}"),
                              ci=[f"{lo * 100:+.1f} to {hi * 100:+.1f}" if not np.isnan(lo) else "—"
                                  for lo, hi in zip(table_data["ci_low"], table_data["ci_high"])])
    table = shown[["dimension", "label", a, b, "difference", "ci", "cohens_h", "p_value", "p_adjusted",
                   "significant"]].to_html(index=False, border=0, float_format=lambda v: f"{v:.3g}", na_rep="—")
    correction = {"holm": "Holm's step-down correction (family-wise error)",
                  "bh": "the Benjamini–Hochberg correction (false discovery rate)",
                  "none": "no correction"}[table_data.attrs.get("correction", "none")]
    tests = table_data.attrs.get("tests", len(table_data))
    warnings = "".join(f'<p class="warn">{html.escape(w)}</p>' for w in content.compare_warnings)
    return (f'<section id="compare"><h2>{html.escape(a)} vs {html.escape(b)}</h2>{warnings}'
            f"<p>Differences in the model's predicted shares, 95% bootstrap intervals over articles; p: two-sided "
            f"bootstrap p-value; adjusted across the comparison's {tests} tests by {correction}; significant: "
            f"adjusted p below 0.05 ({int(table_data['significant'].sum())} of {tests}).</p>"
            f'{_img("compare", png, f"Differences between {a} and {b}")}<div class="scroll">{table}</div></section>')


def _time_part(dim, content: ReportContent, out: Path, colors: dict[str, str]) -> str:
    if content.time is None or content.time.empty:
        return ""
    tsub = content.time[content.time["dimension"] == dim.name]
    if tsub.empty:
        return ""
    rows_n = int(np.ceil(len(dim.labels) / 3))
    png = _figure(out / f"{dim.name}_time", tsub, (charts.WIDTH, 2.8 * rows_n + 1.6),
                  lambda fig: charts.draw_time(tsub, dim.name, fig, content.events, colors=colors,
                                               period=content.period, unit=content.unit))
    left = content.time_left_out
    note = ("Left out: " + "; ".join(f"{o} ({why})" for o, why in sorted(left.items())) + ". ") if left else ""
    return (f"<h3>Over time (by {content.period})</h3>"
            + _img(f"{dim.name}_time", png, f"{dim.name}: shares by {content.period}")
            + f'<p class="note">A point needs {content.time_min_articles} or more articles of the outlet in the '
              f"{content.period}; periods with fewer are gaps. {html.escape(note)}</p>")


def _share_table(sub: pd.DataFrame, dim, content: ReportContent) -> str:
    """Outlets × labels with shares, grouped by collection; a share links to the 'why' details of
    that outlet and label where there are any."""
    head = "".join(f"<th>{html.escape(label)}</th>" for label in dim.label_names)
    body, previous = [], None
    ranked = set(content.ranked)
    for outlet in content.outlets:
        rows = sub[sub["outlet"] == outlet].set_index("label")
        if rows.empty:
            continue
        group = content.groups.get(outlet, "")
        if group != previous and len(set(content.groups.values())) > 1:
            body.append(f'<tr class="group"><th colspan="{len(dim.label_names) + 1}">{html.escape(group)}</th></tr>')
        previous = group
        cells = []
        for label in dim.label_names:
            r = rows.loc[label]
            ci = "" if np.isnan(r["ci_low"]) else f' <span class="ci">{_pct(r["ci_low"])}–{_pct(r["ci_high"])}</span>'
            corrected = (f'<br><span class="corr">model {_pct(r["predicted"])}'
                         + (" · model-only" if r.get("basis") == "model-only" else "") + "</span>") if "predicted" in r else ""
            own = " <span class=\"ci\">(own voice)</span>" if label in content.self_sources.get(outlet, ()) else ""
            share = _pct(r["share"])
            if content.why.get((dim.name, label), {}).get(outlet) is not None:
                share = f'<a href="#{_anchor(dim.name, label, outlet)}">{share}</a>'
            cells.append(f"<td>{share}{ci}{own}{corrected}</td>")
        n, articles = int(rows["n_paragraphs"].iloc[0]), int(rows["n_articles"].iloc[0])
        flag = "" if outlet in ranked else f' <span class="warn">not ranked: under {content.min_articles} articles</span>'
        body.append(f'<tr><th>{html.escape(str(outlet))} <span class="ci">{_n(n, content.units.get(outlet, content.unit))}, '
                    f"{_n(articles, 'article')}</span>{flag}</th>{''.join(cells)}</tr>")
    linked = any(content.why.get((dim.name, label)) for label in dim.label_names)
    return (f'<div class="scroll"><table class="shares"><tr><th>outlet</th>{head}</tr>{"".join(body)}</table></div>'
            f'<p class="hint">Share of {content.unit}s with its 95% interval ("model": the model\'s own predicted share; '
            f'"model-only": no hand-labelled sample of that outlet, see the method section; "own voice": the outlet '
            f"quoting itself, never a headline finding)"
            + ("; click a share for the words and paragraphs behind it." if linked else ".") + "</p>")


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
        for outlet in [o for o in content.outlets if o in terms]:
            examples = content.examples.get((dim.name, label, outlet), [])
            words = ", ".join(html.escape(t) for t, _ in terms[outlet]) or "(no word stands out)"
            items = []
            for p, text, pid, *rest in examples:
                evidence = rest[0] if rest and rest[0] else ""
                said = f' <span class="evidence">attribution: “{html.escape(evidence)}”</span>' if evidence else ""
                items.append(f"<li><b>{p:.2f}</b> {html.escape(text[:400])}{'…' if len(text) > 400 else ''}{said} "
                             f'<span class="ci">{html.escape(pid)}</span></li>')
            ex = "".join(items) or f"<li>No {content.unit} of this outlet has a probability of 0.5 or more.</li>"
            blocks.append(f'<details id="{_anchor(dim.name, label, outlet)}"><summary>{html.escape(outlet)} · '
                          f"{html.escape(label)}: {words}</summary><ul>{ex}</ul></details>")
    if not blocks:
        reason = content.omitted.get("why")
        return f'<h3>Why</h3><p class="note">{html.escape(reason)}</p>' if reason else ""
    return ("<h3>Why</h3><p class=\"hint\">Words that push this outlet's text towards the label more than other "
            "outlets' (TF-IDF × model weight, outlet mean minus the others' mean; the model reads 5-letter word "
            "beginnings, shown as the commonest whole word; function words left out), and the outlet's distinct "
            "paragraphs the model is surest carry the label, with their probability and, for sources, the phrase "
            "that attributes them (the predictions' evidence column, or found with the codebook's actors and "
            "the attribution cues).</p>" + "".join(blocks))


_CSS = """body{font:15px/1.45 system-ui,sans-serif;max-width:1120px;margin:1.5em auto;padding:0 1em;color:#222}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:2em}
nav{position:sticky;top:0;background:#fff;padding:.4em 0;border-bottom:1px solid #eee;z-index:1}nav a{margin-right:1em}
img{max-width:100%;height:auto}figure{margin:1em 0}figcaption,.hint{font-size:.85em;color:#555}
table{border-collapse:collapse;font-size:.88em;margin:.5em 0}td,th{padding:.25em .5em;border-bottom:1px solid #eee;text-align:right;vertical-align:top}
th:first-child,td:first-child{text-align:left}.q{color:#555;font-style:italic}.ci,.corr{color:#777;font-size:.85em}
tr.group th{background:#f4f4f4;text-align:left;font-variant:small-caps}.note{font-size:.9em;color:#444}
.warn{color:#a33;font-size:.9em}.evidence{color:#255;font-style:italic}
.scroll{overflow-x:auto;max-width:100%}.summary li{margin:.3em 0}details{margin:.2em 0}details ul{font-size:.9em}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em;font-size:.9em}dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}"""


def _summary(content: ReportContent) -> str:
    """The largest differences, collection by collection, and what was left out of them."""
    groups = sorted(set(content.groups.get(o, "all") for o in content.outlets))
    counts = content.profile.groupby("outlet")["n_articles"].max()
    parts = []
    for group in groups:
        items = [i for i in content.summary if i.get("group", "all") == group]
        members = [o for o in content.ranked if content.groups.get(o, "all") == group]
        head = f"<h3>{html.escape(group)}</h3>" if len(groups) > 1 else ""
        if items:
            body = "".join(f"<li>{html.escape(summary_sentence(item, content.units.get(item['high'], content.unit)))}</li>"
                           for item in items)
        elif len(members) < 2:
            body = (f"<li>Fewer than two outlets with {content.min_articles} or more articles "
                    f"({html.escape(', '.join(members) or 'none')}): nothing to compare.</li>")
        else:
            body = "<li>No label with intervals to compare.</li>"
        parts.append(f'{head}<ul class="summary">{body}</ul>')
    small = [f"{o} ({_n(int(counts[o]), 'article')})" for o in content.outlets if o not in content.ranked]
    notes = []
    if small:
        notes.append(f"Not compared (fewer than {content.min_articles} articles): {', '.join(small)}.")
    own = [f"{o} → {', '.join(labels)}" for o, labels in sorted(content.self_sources.items()) if o in content.outlets]
    if own:
        notes.append(f"An outlet quoting itself is not a finding, so these are left out of the differences: {'; '.join(own)}.")
    estimate = ("outlet shares with intervals that include the classifier's error (see the method)"
                if "predicted" in content.profile else "shares with article-bootstrap intervals")
    notes.append(f"Outlets are compared within their collection; shares are {estimate}; the gap's interval combines "
                 f"the two outlets' intervals, and differences are ranked by the smallest gap it allows.")
    return "".join(parts) + "".join(f'<p class="hint">{html.escape(n)}</p>' for n in notes)


def _mixed(content: ReportContent) -> str:
    others = sorted(set(content.units.values()) - {content.unit})
    return f" (a {', '.join(others)} counts as one)" if others else ""


def _page(content: ReportContent, sections: list[str], nav: list[str]) -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    method = "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(str(v))}</dd>" for k, v in content.notes.items())
    omitted = "".join(f"<li><b>{html.escape(k)}</b>: {html.escape(v)}</li>" for k, v in content.omitted.items())
    omitted = f'<section id="not-shown"><h2>Not shown, and why</h2><ul>{omitted}</ul></section>' if omitted else ""
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(content.title)}</title><style>{_CSS}</style></head><body>"
            f"<h1>{html.escape(content.title)}</h1><p class=\"hint\">Generated {stamp}. "
            f"{html.escape(content.notes.get('Data', ''))}. Shares are of {content.unit}s"
            f"{_mixed(content)}; intervals are 95% intervals; "
            f"how each is made is in the method section.</p>"
            f'<section id="summary"><h2>Summary: the largest differences between outlets</h2>{_summary(content)}</section>'
            f'<nav><a href="#summary">summary</a>{"".join(nav)}<a href="#method">method</a></nav>'
            + omitted + "".join(sections)
            + f'<section id="method"><h2>Method</h2><dl>{method}</dl></section></body></html>')
