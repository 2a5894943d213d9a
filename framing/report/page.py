"""The report: charts (PNG and SVG, a CSV of the numbers beside each) and one self-contained
``index.html`` — a summary of the largest differences first, then the charts, then method notes."""

from __future__ import annotations

import html
from pathlib import Path

from framing._io import atomic_write, cannot_write, make_folder
from framing.report.content import ReportContent
from framing.report.html import page_html
from framing.report.sections import (articles_section, budget_section, compare_section, dimension_section,
                                     validation_section, validity_section)


def write_report(content: ReportContent, out_dir: str | Path, progress=None) -> Path:
    """Write every chart, its CSV and ``index.html`` to ``out_dir``; return the page's path.
    ``progress``: called with a short text before each dimension's charts. A folder that cannot be
    written (a part of it is a file, no permission, disk full) is an :class:`~framing._io.OutputError`."""
    out = Path(out_dir)
    make_folder(out, out)
    try:
        return _write(content, out, progress)
    except OSError as exc:
        raise cannot_write(out, exc) from None


def _write(content: ReportContent, out: Path, progress) -> Path:
    profile = content.profile
    with atomic_write(out / "profile.csv") as handle:
        profile.to_csv(handle, index=False)
    sections, nav = [], []
    if content.articles is not None and not content.articles.empty:
        sections.append(articles_section(content, out))
        nav.append('<a href="#articles">articles</a>')
    for dim in content.codebook.dimensions:
        sub = profile[profile["dimension"] == dim.name]
        if sub.empty:
            continue
        if progress:
            progress(f"drawing {dim.name}")
        sections.append(dimension_section(dim, sub, content, out))
        nav.append(f'<a href="#{dim.name}">{html.escape(dim.name)}</a>')
    if content.validation is not None and not content.validation.empty:
        sections.append(validation_section(content, out))
        nav.append('<a href="#validation">hand labels vs model</a>')
    if content.validity is not None and not content.validity.empty:
        sections.append(validity_section(content, out))
        nav.append('<a href="#validity">validity</a>')
    if content.budget is not None and not content.budget.empty:
        sections.append(budget_section(content, out))
        nav.append('<a href="#budget">label budget</a>')
    if content.compare is not None and content.compare_pair and not content.compare.empty:
        sections.append(compare_section(content, out))
        nav.append('<a href="#compare">compare</a>')
    with atomic_write(out / "index.html") as handle:
        handle.write(page_html(content, sections, nav))
    return out / "index.html"
