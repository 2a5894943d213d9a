"""The page's sections: per dimension (charts, shares, time, why), articles, hand labels vs model,
validity per collection, label budget and the comparison of two outlets."""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import pandas as pd

from framing._io import atomic_write
from framing.evaluate.experiment import interval_text
from framing.report import charts
from framing.report.content import ReportContent
from framing.report.html import anchor, chart, count, cutoff, img, level_pct, pct, points
from framing.report.inference import CAP


def dimension_section(dim, sub: pd.DataFrame, content: ReportContent, out: Path) -> str:
    """One dimension: heatmap and dot plots of the ranked outlets, the table of shares, time, why."""
    unit, colors = content.unit, content.colors
    ranked = content.ranked or content.outlets  # nothing to rank: show every outlet, said in the caption
    groups = content.groups if len(set(content.groups.values())) > 1 else None
    small = [o for o in content.outlets if o not in content.ranked]
    n_labels = len(dim.labels)
    shown = sub[sub["outlet"].isin(ranked)]
    parts = [f'<p class="q">{html.escape(dim.question)}</p>']
    if not content.ranked:
        parts.append(f'<p class="note">No outlet has {content.min_articles} or more articles: the charts show '
                     f"every outlet for reference, not to rank them.</p>")
    png = chart(out / f"{dim.name}_heatmap", shown,
                  (min(charts.WIDTH, 4.5 + 1.1 * n_labels), 1.4 + 0.32 * len(ranked)),
                  lambda fig, d=dim.name: charts.draw_heatmap(shown, d, fig.add_subplot(), outlets=ranked,
                                                              groups=groups, unit=unit))
    parts.append(img(f"{dim.name}_heatmap", png, f"{dim.name}: share of {unit}s per outlet (heatmap)"))
    cols = min(3, n_labels)
    rows_n = int(np.ceil(n_labels / cols))
    png = chart(out / f"{dim.name}_dots", shown, (charts.WIDTH, rows_n * (0.8 + 0.24 * len(ranked)) + 1.0),
                  lambda fig, d=dim.name: charts.draw_dots(shown, d, fig, outlets=ranked, colors=colors,
                                                           groups=groups, unit=unit, cols=cols,
                                                           level=content.level))
    parts.append(img(f"{dim.name}_dots", png, f"{dim.name}: share of {unit}s per outlet with {level_pct(content.level)} intervals"))
    if small:
        parts.append(f'<p class="note">Not in the charts (fewer than {content.min_articles} articles; in the table '
                     f"below): {html.escape(', '.join(small))}.</p>" if content.ranked else "")
    parts.append(share_table(sub, dim, content))
    parts.append(time_part(dim, content, out, colors))
    parts.append(why_part(dim, content))
    return f'<section id="{dim.name}"><h2>{html.escape(dim.name)}</h2>{"".join(parts)}</section>'


def validation_section(content: ReportContent, out: Path) -> str:
    """Hand labels against the cross-validated predictions of the same paragraphs, per dimension."""
    unit, colors = content.unit, content.colors
    parts = [f"<p>On the hand-labelled {unit}s, each outlet's share in the hand labels (x) against its share in "
             "the cross-validated predictions (y): predictions for a paragraph come from a model that never saw it "
             "(nor any paragraph of its article), each with its 95% article-bootstrap interval (at 95% whatever "
             "report.level). Colour: outlet (as in every chart); marker: label. Points near "
             "the diagonal mean the model's raw reading can be trusted for that outlet and label.</p>"]
    validation = content.validation
    single = validation["n_articles"] < 2 if "n_articles" in validation else pd.Series(False, index=validation.index)
    for dim in content.codebook.dimensions:
        vsub = validation[validation["dimension"] == dim.name]
        drawn = vsub[~single[vsub.index]]
        if drawn.empty:
            continue
        png = chart(out / f"{dim.name}_validation", vsub, (8.5, 5.5),  # the CSV keeps every outlet
                      lambda fig, v=drawn, d=dim.name: charts.draw_agreement(v, d, fig.add_subplot(), colors=colors))
        parts.append(img(f"{dim.name}_validation", png, f"{dim.name}: hand labels vs cross-validated predictions"))
    if single.any():
        parts.append(f'<p class="note">Not drawn (one hand-labelled article: no interval, and their points crowd the '
                     f"others; in the CSVs): {html.escape(', '.join(sorted(set(validation.loc[single, 'outlet']))))}.</p>")
    return f'<section id="validation"><h2>Hand labels vs model</h2>{"".join(parts)}</section>'


def validity_section(content: ReportContent, out: Path) -> str:
    """Macro-F1 per collection: grouped CV, time-forward and baseline (also ``validity.csv``)."""
    with atomic_write(out / "validity.csv") as handle:
        content.validity.to_csv(handle, index=False)
    return ('<section id="validity"><h2>Validity per collection</h2><p>How well the model reproduces '
                    "the hand labels of each collection, as macro-F1: in cross-validation grouped by article / on "
                    "the time-forward test (trained on earlier articles, tested on later ones: the closest to new "
                    "articles) / of a majority-label baseline. Read each collection's charts with its own row: "
                    f"where the model is weak, lean on the outlet shares' intervals.</p>{validity_table(content.validity, {d.name for d in content.codebook.dimensions if d.multi})}"
                    f"<p class=\"hint\">{html.escape(content.expected)} "
                    '<a href="validity.csv">CSV</a></p></section>')


def budget_section(content: ReportContent, out: Path) -> str:
    """More hand labels per outlet that would narrow every interval to the target (also
    ``label_budget.csv``), and the `labels sample` command that can draw them from the corpus."""
    unit, budget = content.unit, content.budget
    with atomic_write(out / "label_budget.csv") as handle:
        budget.to_csv(handle, index=False)
    shown = budget.assign(
        widest=budget["widest"].map(lambda v: f"{v * 100:.0f} points"),
        extra_labels=[_need(r) for r in budget.itertuples()])
    target = float(budget["target_width"].iloc[0])
    quota, notes = _quotas(budget)
    hints = (f'<p class="hint">framing labels sample {html.escape(quota)}</p>' if quota else "") + "".join(
        f'<p class="hint">{html.escape(n)}</p>' for n in notes)
    return (f'<section id="budget"><h2>Label budget</h2><p>More hand-labelled {unit}s per outlet that '
            f'would bring every interval under {target * 100:.0f} points.</p><div class="scroll">'
            + shown.drop(columns=["target_width"]).to_html(index=False, border=0) + "</div>" + hints
            + '<p class="hint"><a href="label_budget.csv">CSV</a></p></section>')




def _need(r) -> str:
    if r.extra_labels < CAP:
        return f"{r.extra_labels:,}" + (" (to give it a labelled sample of its own; its intervals' need follows from "
                                          "that)" if r.basis == "model-only" and r.extra_labels else "")
    if r.basis == "all hand-labelled":
        return "no number of labels would do: every paragraph is labelled; more articles would narrow it"
    if r.n_labelled == 0:
        return "no estimate: no labels of its own to extrapolate from, label some first"
    return ("no number of labels would do: the outlet's article-to-article variation alone is wider than the "
            "target (more articles would narrow it)")


def _quotas(budget: pd.DataFrame) -> tuple[str, list[str]]:
    """The --quota options that can run — each at most the outlet's unlabelled paragraphs in the
    project's corpus (``unlabelled_in_corpus``) — and notes on the outlets capped or left out."""
    quotas, notes = [], []
    for r in budget.itertuples():
        if not 0 < r.extra_labels < CAP:
            continue
        room = int(getattr(r, "unlabelled_in_corpus", r.extra_labels))
        if room == 0:
            notes.append(f"{r.outlet}: no unlabelled paragraph of it in the project's corpus, so `labels sample` "
                         f"cannot draw its {r.extra_labels:,}: add its predicted articles to the corpus first.")
            continue
        if room < r.extra_labels:
            notes.append(f"{r.outlet}: capped at the {count(room, 'unlabelled paragraph')} the corpus has (of "
                         f"{r.extra_labels:,} needed): add more of its articles to the corpus for the rest.")
        quotas.append(f'--quota "{r.outlet}={min(room, r.extra_labels)}"')
    return " ".join(quotas), notes


def validity_table(validity: pd.DataFrame, multi: set[str] | frozenset = frozenset()) -> str:
    """One row per collection, one cell per dimension: CV / time-forward / baseline macro-F1 (no
    baseline for the ``multi``-label dimensions: predicting no label, their majority, scores 0)."""
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
            ci = r.get("time-forward interval")
            ci = f" <span class=\"ci\">({interval_text(ci)})</span>" if isinstance(ci, list | tuple) else ""
            base = "—" if d in multi else f(r["baseline macro-F1"])
            cells.append(f"<td><b>{f(r['CV macro-F1'])}</b> / {f(r['time-forward macro-F1'])}{ci} "
                         f"<span class=\"ci\">/ {base}</span></td>")
        name = "all collections" if collection == "all" else collection
        rows.append(f"<tr><th>{html.escape(name)} <span class=\"ci\">{int(n):,} labelled</span></th>{''.join(cells)}</tr>"
                    if not pd.isna(n) else f"<tr><th>{html.escape(name)}</th>{''.join(cells)}</tr>")
    return (f'<div class="scroll"><table><tr><th>collection</th>{head}</tr>{"".join(rows)}</table></div>'
            '<p class="hint">Each cell: CV / time-forward (its interval from resampling the test articles) / baseline '
            'macro-F1' + ('; no baseline for a multi-label dimension (its majority, no label, always scores 0)'
                          if multi & set(dims) else '') + '.</p>')


def compare_section(content: ReportContent, out: Path) -> str:
    a, b = content.compare_pair
    table_data = content.compare
    png = chart(out / "compare", table_data, (9, 0.28 * len(table_data) + 1.5),
                  lambda fig: charts.draw_compare(table_data, a, b, fig.add_subplot(), level=content.level))
    shown = table_data.assign(**{c: table_data[c].map(pct) for c in (a, b)},
                              difference=table_data["difference"].map(lambda v: points(v, 1)),
                              ci=[f"{points(lo, 1)} to {points(hi, 1)}" if not np.isnan(lo) else "—"
                                  for lo, hi in zip(table_data["ci_low"], table_data["ci_high"])])
    table = shown[["dimension", "label", a, b, "difference", "ci", "cohens_h", "p_value", "p_adjusted",
                   "significant"]].to_html(index=False, border=0, float_format=lambda v: f"{v:.3g}", na_rep="—")
    correction = {"holm": "Holm's step-down correction (family-wise error)",
                  "bh": "the Benjamini–Hochberg correction (false discovery rate)",
                  "none": "no correction"}[table_data.attrs.get("correction", "none")]
    tests = table_data.attrs.get("tests", len(table_data))
    warnings = "".join(f'<p class="warn">{html.escape(w)}</p>' for w in content.compare_warnings)
    return (f'<section id="compare"><h2>{html.escape(a)} vs {html.escape(b)}</h2>{warnings}'
            f"<p>Difference = {html.escape(a)} − {html.escape(b)}, in points; {compare_basis(content)}; adjusted "
            f"across the comparison's {tests} tests by {correction}; significant: adjusted p below {cutoff(content.level)} "
            f"({int(table_data['significant'].sum())} of {tests}); cohens_h: Cohen's h, the gap between the two "
            "shares on the arcsine scale (about 0.2 small, 0.5 medium, 0.8 large). The summary quotes these same "
            "tests.</p>"
            f'{img("compare", png, f"Differences between {a} and {b}")}<div class="scroll">{table}</div></section>')


def compare_basis(content: ReportContent) -> str:
    """What the comparison's shares and intervals are, by report kind and by how they were tested."""
    basis = content.compare.attrs.get("basis", "bootstrap")
    shares = {"labels": "the hand-labelled shares", "predictions": "the model's predicted shares"}[content.kind]
    level = level_pct(content.level)
    boot = (f"{shares}, {level} bootstrap intervals resampling each outlet's articles; p: two-sided bootstrap p-value"
            + (" (the model's raw reading: its error is not covered)" if content.kind == "predictions" else ""))
    corrected = (f"the outlet shares (the model corrected with the hand labels), {level} normal intervals from the two "
                 "outlets' standard errors, which cover the sampling of articles and the classifier's error; "
                 "p: two-sided z test")
    return {"shares": corrected, "bootstrap": boot}.get(basis, f"{corrected} (dimensions without hand labels: {boot})")


def time_part(dim, content: ReportContent, out: Path, colors: dict[str, str]) -> str:
    if content.time is None or content.time.empty:
        return ""
    tsub = content.time[content.time["dimension"] == dim.name]
    if tsub.empty:
        return ""
    if tsub["period"].nunique() < 2:
        return (f"<h3>Over time (by {content.period})</h3><p class=\"note\">Not drawn: only the {content.period} of "
                f"{html.escape(str(tsub['period'].iloc[0]))} has {content.time_min_articles} or more articles of an "
                f"outlet (report.time_min_articles), and one point shows no change over time.</p>")
    rows_n = int(np.ceil(len(dim.labels) / 3))
    png = chart(out / f"{dim.name}_time", tsub, (charts.WIDTH, 2.8 * rows_n + 1.6),
                  lambda fig: charts.draw_time(tsub, dim.name, fig, content.events, colors=colors,
                                               period=content.period, unit=content.unit,
                                               level=content.level, raw=content.kind == "predictions"))
    left = content.time_left_out
    note = ("Left out: " + "; ".join(f"{o} ({why})" for o, why in sorted(left.items())) + ". ") if left else ""
    return (f"<h3>Over time (by {content.period})</h3>"
            + img(f"{dim.name}_time", png, f"{dim.name}: "
                  + ("the model's raw (uncorrected) shares" if content.kind == "predictions" else "shares")
                  + f" by {content.period}")
            + (f"<p class=\"warn\">These are the model's raw decisions per {content.period}, not corrected for its "
               "errors with the hand labels: they can sit far from the outlet shares in the table above, which "
               "are the figures to quote; read the lines for ups and downs, not for levels.</p>"
               if content.kind == "predictions" else "")
            + f'<p class="note">A point needs {content.time_min_articles} or more articles of the outlet in the '
              f"{content.period}; periods with fewer are gaps. {html.escape(note)}</p>")


def share_table(sub: pd.DataFrame, dim, content: ReportContent) -> str:
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
            ci = "" if np.isnan(r["ci_low"]) else f' <span class="ci">{pct(r["ci_low"])}–{pct(r["ci_high"])}</span>'
            corrected = (f'<br><span class="corr">model {pct(r["predicted"])}'
                         + (" · model-only" if r.get("basis") == "model-only" else "") + "</span>") if "predicted" in r else ""
            own = " <span class=\"ci\">(own voice)</span>" if label in content.self_sources.get(outlet, ()) else ""
            share = pct(r["share"])
            if content.why.get((dim.name, label), {}).get(outlet) is not None:
                share = f'<a href="#{anchor(dim.name, label, outlet)}">{share}</a>'
            cells.append(f"<td>{share}{ci}{own}{corrected}</td>")
        n, articles = int(rows["n_paragraphs"].iloc[0]), int(rows["n_articles"].iloc[0])
        flag = "" if outlet in ranked else f' <span class="warn">not ranked: under {content.min_articles} articles</span>'
        body.append(f'<tr><th>{html.escape(str(outlet))} <span class="ci">{count(n, content.units.get(outlet, content.unit))}, '
                    f"{count(articles, 'article')}</span>{flag}</th>{''.join(cells)}</tr>")
    linked = any(content.why.get((dim.name, label)) for label in dim.label_names)
    tags = [text for shown, text in (
        ("predicted" in sub, '"model": the model\'s own predicted share'),
        ("basis" in sub and sub["basis"].eq("model-only").any(),
         f'"model-only": too few hand-labelled {content.unit}s of that outlet for its own correction (see the method '
         "section), so the classifier is assumed to err there as on average"),
        (any(set(content.self_sources.get(o, ())) & set(dim.label_names) for o in content.outlets),
         '"own voice": the outlet quoting itself, never a headline finding')) if shown]
    return (f'<div class="scroll"><table class="shares"><tr><th>outlet</th>{head}</tr>{"".join(body)}</table></div>'
            f'<p class="hint">Share of {content.unit}s with its {level_pct(content.level)} interval'
            + (f" ({'; '.join(tags)})" if tags else "")
            + ("; click a share for the words and paragraphs behind it." if linked else ".") + "</p>")


def articles_section(content: ReportContent, out: Path) -> str:
    """Per label, the articles with the largest share of rows (paragraphs, headlines) carrying it; each links to the
    "why" details of its outlet and label and shows the row that most supports the label."""
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
            why = (f'<a href="#{anchor(dim, label, str(r.outlet))}">why</a> '
                   if str(r.outlet) in content.why.get((dim, label), {}) else "")
            unit = content.units.get(str(r.outlet), content.unit)
            items.append(f'<li><b>{pct(r.share)}</b> of {count(r.paragraphs, unit)} · {html.escape(str(name))} '
                         f'<span class="ci">{html.escape(str(r.outlet))} {html.escape(str(r.date or ""))}</span> · '
                         f'{why}<span class="ci">{html.escape(str(r.paragraph_id))}</span>{quote}</li>')
        blocks.append(f"<details><summary>{html.escape(dim)} · {html.escape(label)}</summary><ol>{''.join(items)}</ol></details>")
    return ('<section id="articles"><h2>Articles</h2><p class="hint">Per label, the articles with the largest share of '
            f'{content.unit}s carrying it (ties: the label\'s mean probability over the article), the '
            f'{content.unit} that most supports it there, and a link to the outlet\'s "why" details for that label. '
            '<a href="articles.csv">CSV</a></p>' + "".join(blocks) + "</section>")


def why_part(dim, content: ReportContent) -> str:
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
            blocks.append(f'<details id="{anchor(dim.name, label, outlet)}"><summary>{html.escape(outlet)} · '
                          f"{html.escape(label)}: {words}</summary><ul>{ex}</ul></details>")
    if not blocks:
        reason = content.omitted.get("why")
        return f'<h3>Why</h3><p class="note">{html.escape(reason)}</p>' if reason else ""
    attributed = any(rest and rest[0] for key, examples in content.examples.items() if key[0] == dim.name
                     for _, _, _, *rest in examples)
    reads = f"; the model reads {content.reads}" if content.reads else ""
    return ("<h3>Why</h3><p class=\"hint\">Words that push this outlet's text towards the label more than other "
            f"outlets' (TF-IDF × model weight, outlet mean minus the others' mean{reads}; function words left out), "
            f"and the outlet's distinct {content.unit}s the model is surest carry the label, with their probability"
            + (" and the phrase that attributes them (the predictions' evidence column, or found with the "
               "codebook's actors and the attribution cues)" if attributed else "") + ".</p>" + "".join(blocks))
