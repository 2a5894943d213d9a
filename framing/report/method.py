"""What the report says about itself, computed rather than written by hand: the agreement of
the hand labels, how the labelled paragraphs were sampled, the model's validity per collection
(from the evaluation's metrics.json) and the word for one row of each collection."""

from __future__ import annotations

import numpy as np
import pandas as pd

from framing.evaluate.experiment import expected_text, few_tested
from framing.labels.codebook import Codebook
from framing.report.compare import date_warning


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
    caution = few_tested(expected)
    return f"macro-F1 {expected_text(expected)} ({expected.get('basis', '')})." + (f" {caution}." if caution else "")


def weak_dimensions(metrics: dict) -> dict[str, str]:
    """Dimension → why its model is too weak to rest a finding on: its expected macro-F1 on new
    articles (time-forward) no better than the majority baseline, or measured on too few paragraphs."""
    expected = metrics.get("expected", {})
    intervals, weak = expected.get("intervals", {}), {}
    for name, value in expected.get("dimensions", {}).items():
        baseline = metrics.get(name, {}).get("baseline_macro_f1", 0.0) if isinstance(metrics.get(name), dict) else 0.0
        low = intervals.get(name, [value])[0]
        if low <= baseline:
            weak[name] = (f"the {name} model scores macro-F1 {value:.2f} on new articles (time-forward), no better "
                          f"than the majority baseline {baseline:.2f} (see the validity section)")
    for name, n in expected.get("n", {}).items():
        if name not in weak and few_tested({"n": {name: n}}):
            weak[name] = f"the {name} model's accuracy was measured on only {n} test paragraph(s)"
    return weak


def summary_caveats(items: list[dict], frame: pd.DataFrame, metrics: dict, collections: dict[str, str], *,
                    max_gap_days: int, source: str) -> list[dict]:
    """The summary's items, each with the ``caveats`` the comparison and method sections attach to
    the same numbers: the outlets' dates differ, an outlet's share is the model's reading alone
    (no hand labels of its own), the dimension's model is weak, the outlets are of different collections."""
    weak = weak_dimensions(metrics)
    for item in items:
        high, low = item["high"], item["low"]
        caveats = [w for w in [date_warning(frame, high, low, max_gap_days=max_gap_days, source=source)] if w]
        only = [o for o, end in ((high, "high"), (low, "low")) if item.get(f"basis_{end}") == "model-only"]
        if only:
            caveats.append(f"{' and '.join(only)} {'has' if len(only) == 1 else 'have'} no hand-labelled sample of "
                           "its own: the share is the model's reading, not a measurement")
        if item["dimension"] in weak:
            caveats.append(weak[item["dimension"]])
        if collections.get(high) != collections.get(low):
            caveats.append(f"{high} ({collections.get(high)}) and {low} ({collections.get(low)}) belong to different "
                           "collections: the difference may be one of genre, not of framing")
        item["caveats"] = caveats
    return items


def _text_block(f: dict) -> str:
    analyzer = {"prefix": f"{f.get('prefix_len', 5)}-character word prefixes", "word": "whole words",
                "char_wb": f"character {f.get('char_ngram_min')}–{f.get('char_ngram_max')}-grams",
                "word+char": f"whole words and character {f.get('char_ngram_min')}–{f.get('char_ngram_max')}-grams"}
    return (f"TF-IDF of {analyzer.get(f['analyzer'], f['analyzer'])} ({f['ngram_min']}–{f['ngram_max']}-grams, "
            f"min_df={f.get('min_df', 1)}, sublinear_tf={f['sublinear_tf']})")


def _blocks(name: str, f: dict) -> list[str]:
    """The feature blocks a dimension reads beside the text block, from the features config."""
    blocks = []
    if f.get("lexicon", "none") != "none" and (not f.get("lexicon_dimensions") or name in f["lexicon_dimensions"]):
        blocks.append(f"rationale lexicon ({f['lexicon']})")
    if name in f.get("attribution", []):
        blocks.append("attribution block (cues, speaker spans, words within "
                      f"{f.get('attribution_window', 8)} of a cue, the codebook's actors"
                      + (f", {plural(f['context'], 'earlier paragraph')}" if f.get("context") else "")
                      + (", the paragraph's collection" if f.get("collection_aware") else "") + ")")
    if name in f.get("decades", []):
        blocks.append("years read as their decade")
    if name in f.get("indicators", []):
        blocks.append("the codebook's indicators of each label")
    return blocks


def _rule(dim, meta: dict) -> str:
    """How a dimension's scores become labels in the saved model."""
    c = meta["config"]["classifier"]
    tuned = f" chosen out of fold on {c['tune_on']} paragraphs" if c.get("tune_on") else " chosen out of fold"
    if dim.multi:
        chosen = meta.get("thresholds", {}).get(dim.name)
        if chosen:
            values = ", ".join(f"{label} {t:.2f}" for label, t in chosen.items())
            return f"every label whose probability reaches its threshold ({values}; {tuned.strip()})"
        return f"every label whose probability reaches {float(c['threshold']) if c['threshold'] != 'oof' else 0.5:.2f}"
    offsets = {k: v for k, v in meta.get("offsets", {}).get(dim.name, {}).items() if v}
    if offsets:
        values = ", ".join(f"{label} {v:+.2f}" for label, v in offsets.items())
        return f"the top label after per-label offsets ({values};{tuned})"
    return "the top label"


def reads_note(features) -> str:
    """What the "why" words are made of, for a model with these features (a FeaturesConfig)."""
    if features.analyzer == "prefix":
        return (f"{features.prefix_len}-letter word beginnings, shown as the commonest whole word they stand for "
                "in the texts")
    return {"word": "whole words", "char_wb": "character n-grams within words",
            "word+char": "whole words and character n-grams"}.get(features.analyzer, features.analyzer)


def model_note(model_path, meta: dict, codebook: Codebook) -> str:
    """The method's "Model" line: each dimension's model as the saved model was trained (its C,
    feature blocks and decision rule), from the model's own config."""
    f, c = meta["config"]["features"], meta["config"]["classifier"]
    parts = []
    for dim in codebook.dimensions:
        blocks = " + ".join([_text_block(f), *_blocks(dim.name, f)])
        C = c.get("C_by_dimension", {}).get(dim.name, c["C"])
        parts.append(f"{dim.name}: {blocks} → logistic regression (C={C:g}, class_weight={c['class_weight']}); "
                     f"decision: {_rule(dim, meta)}")
    return f"{model_path}, trained {meta['created']}. " + "; ".join(parts)
