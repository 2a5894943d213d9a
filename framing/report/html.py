"""The page's HTML pieces: charts saved as PNG, SVG and CSV and embedded, number formats, the
summary sentences, and the page around the sections."""

from __future__ import annotations

import base64
import html
import io
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from framing._io import atomic_write
from framing.report.charts import level_pct
from framing.report.content import ReportContent


def save_chart(fig: Figure, stem: Path, data: pd.DataFrame) -> str:
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


def chart(stem: Path, data: pd.DataFrame, size: tuple[float, float], draw) -> str:
    fig = Figure(figsize=size, layout="constrained")  # no pyplot state: nothing to close
    draw(fig)
    return save_chart(fig, stem, data)


def img(stem: str, data: str, alt: str) -> str:
    return (f'<figure><img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'
            f'<figcaption>{html.escape(alt)} · <a href="{stem}.png">PNG</a> · <a href="{stem}.svg">SVG</a> · '
            f'<a href="{stem}.csv">CSV</a></figcaption></figure>')


def anchor(*parts: str) -> str:
    return "why-" + "-".join("".join(c if c.isalnum() else "_" for c in p) for p in parts)


def pct(v: float) -> str:
    return "—" if v is None or (isinstance(v, float) and np.isnan(v)) else f"{v:.0%}"


def count(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def cutoff(level: float) -> str:
    """The adjusted p-value below which a difference is significant at ``level``: 0.95 → "0.05"."""
    return f"{1 - level:.4g}"


def points(v: float, digits: int = 0) -> str:
    """A signed difference in points (``digits`` decimals), "+0" rather than "-0"."""
    text = f"{v * 100:+.{digits}f}"
    return "+" + text[1:] if text.startswith("-") and not text.strip("-0.") else text


def summary_sentence(item: dict, unit: str = "paragraph", level: float = 0.95) -> str:
    """One plain sentence for one of the largest differences: both shares with n and their
    intervals, and the gap (high − low) with its interval and verdict — those of the comparison of
    the two outlets (``--compare``), adjusted across its tests, where the item carries them."""
    def side(end: str) -> str:
        basis = item.get(f"basis_{end}", "")
        interval = (f"{level_pct(level)} interval {pct(item[f'{end}_low'])}–{pct(item[f'{end}_high'])}"
                    + {"model-only": ", model-only", "all hand-labelled": ", all hand-labelled"}.get(basis, ""))
        articles = "" if item[f"articles_{end}"] == item[f"n_{end}"] else f"{count(item[f'articles_{end}'], 'article')}; "
        return f"{pct(item[f'share_{end}'])} of {item[end]}'s {count(item[f'n_{end}'], unit)} ({articles}{interval})"
    interval = f"{level_pct(level)} interval {points(item['ci_low'])} to {points(item['ci_high'])}"
    if item.get("tests"):
        p = item["p_adjusted"]
        p = "< 0.001" if p < 0.001 else f"{p:.2g}"
        across = (f"the {item['tests']} tests of the {item['pairs']} outlet pairs searched" if item.get("pairs")
                  else f"the comparison's {item['tests']} tests")
        verdict = (f"p {p} adjusted across {across}: " + (
            "significant" if item["significant"] else "not significant — too uncertain to cite as a difference"
            + (" (the interval, unadjusted, excludes 0; the adjusted test does not)"
               if item["ci_low"] > 0 else "")))
    else:
        verdict = "significant" if item["significant"] else "not distinguishable from none"
    return (f"{item['label']} ({item['dimension']}): {side('high')} against {side('low')}: {item['high']} − "
            f"{item['low']} = {points(item['difference'])} points ({interval}; {verdict}).")


CSS = """body{font:15px/1.45 system-ui,sans-serif;max-width:1120px;margin:1.5em auto;padding:0 1em;color:#222}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:2em}
nav{position:sticky;top:0;background:#fff;padding:.4em 0;border-bottom:1px solid #eee;z-index:1}nav a{margin-right:1em}
img{max-width:100%;height:auto}figure{margin:1em 0}figcaption,.hint{font-size:.85em;color:#555}
table{border-collapse:collapse;font-size:.88em;margin:.5em 0}td,th{padding:.25em .5em;border-bottom:1px solid #eee;text-align:right;vertical-align:top}
th:first-child,td:first-child{text-align:left}.q{color:#555;font-style:italic}.ci,.corr{color:#777;font-size:.85em}
tr.group th{background:#f4f4f4;text-align:left;font-variant:small-caps}.note{font-size:.9em;color:#444}
.warn{color:#a33;font-size:.9em}.evidence{color:#255;font-style:italic}
.scroll{overflow-x:auto;max-width:100%}.summary li{margin:.3em 0}details{margin:.2em 0}details ul{font-size:.9em}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em;font-size:.9em}dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}"""


def summary_part(content: ReportContent) -> str:
    """The largest differences, collection by collection, and what was left out of them."""
    groups = sorted(set(content.groups.get(o, "all") for o in content.outlets))
    counts = content.profile.groupby("outlet")["n_articles"].max()
    parts = []
    for group in groups:
        items = [i for i in content.summary if i.get("group", "all") == group]
        members = [o for o in content.ranked if content.groups.get(o, "all") == group]
        head = f"<h3>{html.escape(group)}</h3>" if len(groups) > 1 else ""
        if items:
            body = "".join(f"<li>{html.escape(summary_sentence(item, content.units.get(item['high'], content.unit), content.level))}"
                           + "".join(f'<br><span class="warn">Caveat: {html.escape(c.rstrip("."))}.</span>'
                                     for c in item.get("caveats", []))
                           + "</li>" for item in items)
        elif len(members) < 2:
            body = (f"<li>Fewer than two outlets with {content.min_articles} or more articles "
                    f"({html.escape(', '.join(members) or 'none')}): nothing to compare.</li>")
        else:
            body = "<li>No label with intervals to compare.</li>"
        parts.append(f'{head}<ul class="summary">{body}</ul>')
    small = [f"{o} ({count(int(counts[o]), 'article')})" for o in content.outlets if o not in content.ranked]
    notes = []
    if small:
        notes.append(f"Not compared (fewer than {content.min_articles} articles): {', '.join(small)}.")
    own = [f"{o} → {', '.join(labels)}" for o, labels in sorted(content.self_sources.items()) if o in content.outlets]
    if own:
        notes.append(f"An outlet quoting itself is not a finding, so these are left out of the differences: {'; '.join(own)}.")
    estimate = ("outlet shares whose intervals cover both which articles were sampled and the classifier's error "
                "(see the method)" if "predicted" in content.profile else
                "shares with intervals from resampling each outlet's articles")
    together = ("Outlets are compared within their collection" if content.within_collection else
                "Outlets of all collections are compared together (report.within_collection = false)")
    notes.append(f"{together}; shares are {estimate}. Each gap, its interval and "
                 f"its p-value are those of comparing the two outlets (framing report --compare), the p-value "
                 f"adjusted across that comparison's tests and then for the outlet pairs searched for the largest "
                 f"gap (Bonferroni); differences are ranked by the smallest gap the interval allows.")
    return "".join(parts) + "".join(f'<p class="hint">{html.escape(n)}</p>' for n in notes)


def mixed_units(content: ReportContent) -> str:
    others = sorted(set(content.units.values()) - {content.unit})
    return f" (a {', '.join(others)} counts as one)" if others else ""


def page_html(content: ReportContent, sections: list[str], nav: list[str]) -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    method = "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(str(v))}</dd>" for k, v in content.notes.items())
    omitted = "".join(f"<li><b>{html.escape(k)}</b>: {html.escape(v)}</li>" for k, v in content.omitted.items())
    omitted = f'<section id="not-shown"><h2>Not shown, and why</h2><ul>{omitted}</ul></section>' if omitted else ""
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(content.title)}</title><style>{CSS}</style></head><body>"
            f"<h1>{html.escape(content.title)}</h1><p class=\"hint\">Generated {stamp}. "
            f"{html.escape(content.notes.get('Data', ''))}. Shares are of {content.unit}s"
            f"{mixed_units(content)}; intervals are {level_pct(content.level)} intervals; "
            f"how each is made is in the method section.</p>"
            f'<section id="summary"><h2>Summary: the largest differences between outlets</h2>{summary_part(content)}</section>'
            f'<nav><a href="#summary">summary</a>{"".join(nav)}<a href="#method">method</a></nav>'
            + omitted + "".join(sections)
            + f'<section id="method"><h2>Method</h2><dl>{method}</dl></section></body></html>')
