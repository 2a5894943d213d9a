"""What a report shows, computed beforehand by :func:`framing.report.build.build_report` and
drawn by :func:`framing.report.page.write_report`."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from framing.labels.codebook import Codebook
from framing.report import charts


@dataclass
class ReportContent:
    """Everything a report shows, computed beforehand (see :func:`framing.report.build.build_report`)."""

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
    kind: str = "predictions"                   # what the shares are read from: "predictions" or "labels"
    articles: pd.DataFrame | None = None        # framing.model.articles.rank_articles (+ text): the articles per label
    reads: str = ""                             # what the model reads, in words ("whole words", ...), for the why hint
    within_collection: bool = True             # report.within_collection: outlets compared within their collection
    level: float = 0.95                         # report.level: the confidence level of the intervals and tests

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
