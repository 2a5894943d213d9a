"""What the report says about itself, computed rather than written by hand: the agreement of
the hand labels, how the labelled paragraphs were sampled, the model's validity per collection
(from the evaluation's metrics.json) and the word for one row of each collection."""

from __future__ import annotations

import numpy as np
import pandas as pd

from framing.evaluate.experiment import expected_text
from framing.labels.codebook import Codebook


def unit_word(collections: list[str], units: dict[str, str]) -> str:
    """What one row is ("headline", "paragraph") for a report of these collections; rows of
    mixed kinds are "paragraph"s (a headline counts as one)."""
    words = {units.get(c, "paragraph") for c in collections} or {"paragraph"}
    return words.pop() if len(words) == 1 else "paragraph"


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def count_line(frame: pd.DataFrame, units: dict[str, str]) -> str:
    """"news: 2,539 paragraphs of 205 articles; headlines: 16,254 headlines" — counts of the rows
    a page shows, per collection, in that collection's word."""
    if "collection" not in frame or frame["collection"].fillna("").astype(str).eq("").all():
        return f"{plural(len(frame), 'paragraph')} of {plural(frame['article_id'].nunique(), 'article')}"
    parts = []
    for collection, rows in frame.groupby("collection", sort=True):
        word = units.get(str(collection), "paragraph")
        n, articles = len(rows), rows["article_id"].nunique()
        parts.append(f"{collection}: {plural(n, word)}" + ("" if n == articles else f" of {plural(articles, 'article')}"))
    return "; ".join(parts)


def agreement_note(labels: pd.DataFrame, codebook: Codebook, readme: str | None = None) -> str:
    """Inter-annotator agreement per dimension, with the project's own agreement functions;
    ``readme``: the labels' README to cite, where the project has one."""
    from framing.labels.agreement import agreement
    from framing.errors import LabelsError

    try:
        table = agreement(labels, codebook)
    except LabelsError as exc:
        return f"not measured ({exc.what})"
    overall = table[table["label"] == "ALL"]
    if overall.empty:
        return "not measured: no paragraph was labelled by two annotators"
    parts = [f"{r.dimension} κ {r.kappa:.2f}, α {r.alpha:.2f}, {r.agreement:.0%} agreement ({r.items} paragraphs)"
             for r in overall.itertuples()]
    return ("independent double labels, Cohen's κ (mean over annotator pairs; multi-label dimensions: mean over "
            "labels), Krippendorff's α (nominal), observed agreement (exact set for multi-label): " + "; ".join(parts)
            + ". Disagreements were adjudicated; training uses the adjudicated label"
            + (f" ({readme})." if readme else "."))


def sampling_note(paragraphs: pd.DataFrame, labelled: pd.DataFrame, units: dict[str, str] | None = None,
                  readme: str | None = None) -> str:
    """Per collection, how much of it is hand-labelled, and so how it was sampled; ``readme``: the
    labels' README to cite, where the project has one."""
    if "collection" not in paragraphs or "collection" not in labelled:
        return f"{plural(len(labelled), 'paragraph')} hand-labelled of {len(paragraphs):,}"
    parts = []
    for collection, rows in paragraphs.groupby("collection", sort=True):
        done = labelled[labelled["collection"] == collection]
        share = len(done) / len(rows) if len(rows) else 0.0
        how = "labelled in full" if share >= 0.95 else (
            f"a stratified sample ({share:.0%}; framing labels sample draws across outlets and articles with quotas "
            f"per outlet)")
        word = (units or {}).get(str(collection), "paragraph")
        parts.append(f"{collection}: {len(done):,} of {plural(len(rows), word)}, {how}")
    return ("; ".join(parts) + ". Shares of a collection labelled in full describe its articles exactly (their intervals are then the "
            "sampling of articles alone: these articles as a sample of what each outlet publishes); those of sampled "
            "collections are estimates from their sample" + (f" ({readme} tells who labelled what)." if readme else "."))


def validity_table(metrics: dict, codebook: Codebook) -> pd.DataFrame:
    """Per dimension and collection: macro-F1 in grouped cross-validation, on the time-forward
    test (trained on earlier articles) and the majority baseline, from ``metrics.json``."""
    forward = metrics.get("time_forward", {}).get("dimensions", {})
    rows = []
    for dim in codebook.dimensions:
        m = metrics.get(dim.name)
        if not isinstance(m, dict):
            continue
        f = forward.get(dim.name, {})
        for collection, c in sorted(m.get("by_collection", {}).items()):
            fc = f.get("by_collection", {}).get(collection, {})
            rows.append({"dimension": dim.name, "collection": collection, "paragraphs": c.get("n", np.nan),
                         "CV macro-F1": c.get("macro_f1", np.nan),
                         "time-forward macro-F1": fc.get("macro_f1", np.nan),
                         "time-forward interval": fc.get("macro_f1_interval"),
                         "baseline macro-F1": c.get("baseline_macro_f1", np.nan)})
        rows.append({"dimension": dim.name, "collection": "all", "paragraphs": m.get("n", np.nan),
                     "CV macro-F1": m.get("macro_f1", np.nan), "time-forward macro-F1": f.get("macro_f1", np.nan),
                     "time-forward interval": f.get("macro_f1_interval"),
                     "baseline macro-F1": m.get("baseline_macro_f1", np.nan)})
    return pd.DataFrame(rows, columns=["dimension", "collection", "paragraphs", "CV macro-F1", "time-forward macro-F1",
                                       "time-forward interval",
                                       "baseline macro-F1"])


def expected_line(metrics: dict) -> str:
    expected = metrics.get("expected", {})
    if not expected.get("dimensions"):
        return ""
    return f"macro-F1 {expected_text(expected)} ({expected.get('basis', '')})."
