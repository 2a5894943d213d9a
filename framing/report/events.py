"""Events to mark on the time charts: a CSV of ``date,label`` rows, read with the corpus's rule
for dates (a date that reads as day/month and as month/day is refused), and kept to the dates
the data covers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from framing.corpus.text import _parse_date
from framing.errors import ReportError

__all__ = ["read_events", "events_in_range"]


def read_events(path: str | Path) -> pd.DataFrame:
    """An events file: CSV with ``date`` and ``label`` columns (one row per event to mark)."""
    path = Path(path)
    try:
        events = pd.read_csv(path, dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        raise ReportError("the events file is empty", path=path, fix="write a header line date,label and one event "
                                                                    "a line") from None
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ReportError(f"cannot read events ({exc})", path=path, fix="give a CSV with columns date,label") from None
    if not {"date", "label"} <= set(events.columns):
        raise ReportError(f"events need columns date and label (found {', '.join(events.columns)})", path=path,
                          fix="write a header line: date,label")
    dates = []
    for line, text in enumerate(events["date"].str.strip(), start=2):
        iso, wrong = _parse_date(text) if text else (None, "is empty")
        if iso is None:
            what = "unreadable date" if wrong == "is not a date" or text == "" else f"ambiguous date {text!r}: {wrong}"
            raise ReportError(what, path=path, line=line, fix="write dates as YYYY-MM-DD")
        dates.append(iso)
    return events.assign(date=pd.to_datetime(pd.Series(dates, index=events.index, dtype=object)))


def events_in_range(events: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp) -> tuple[pd.DataFrame, list[str]]:
    """The events between the data's ``first`` and ``last`` dates (a chart's axis stays on the
    data), and the labels of those left out."""
    inside = events["date"].between(first, last)
    outside = [f"{r.label} ({r.date:%Y-%m-%d})" for r in events[~inside].itertuples()]
    return events[inside].reset_index(drop=True), outside
