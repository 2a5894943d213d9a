"""The report's "why": per outlet and label, the terms that push its paragraphs towards the label
more than other outlets' do, in words a reader knows (a 5-character prefix feature shown as the
commonest whole word it stands for in the texts, function words left out), and the outlet's
paragraphs the model is surest of — each text once, with the attribution phrase for sources."""

from __future__ import annotations

import re
from collections import Counter, defaultdict

import pandas as pd

from framing.model.explain import outlet_terms

_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # the models' token pattern (scikit-learn's default)

# Closed-class English words (pronouns, determiners, prepositions, conjunctions, auxiliaries):
# they carry no framing of their own, and a reader takes "we, our" as noise. A fixed part of the
# language, not a tunable.
FUNCTION_WORDS = frozenset("""
a about above after again against all am an and any are as at be because been before being below between both
but by can could did do does doing down during each few for from further had has have having he her here hers
herself him himself his how i if in into is it its itself just me more most my myself no nor not now of off on
once only or other ought our ours ourselves out over own same shall she should so some such than that the their
theirs them themselves then there these they this those through to too under until up very was we were what when
where which while who whom why will with would you your yours yourself yourselves also however whether since
upon via per amid among within without across along around onto toward towards would've it's that's s t ll ve re
d m don won isn aren wasn weren hasn haven hadn doesn didn us must may might every many much like mr mrs ms yet
still even ever thus
""".split())


def surface_forms(texts: list[str], length: int | None, keys: set[str] | None = None) -> dict[str, str]:
    """Feature (a lower-cased word, or two, cut to ``length`` characters when the model reads
    prefixes) → the commonest words in ``texts`` it stands for, as written: "unite state" →
    "United States". ``keys``: only these features (all single words and pairs otherwise)."""
    counts: dict[str, Counter] = defaultdict(Counter)
    pairs = keys is None or any(" " in k for k in keys)
    for text in texts:
        tokens = _TOKEN.findall(text)
        cut = [t.lower()[:length] if length else t.lower() for t in tokens]
        for i, key in enumerate(cut):
            if keys is None or key in keys:
                counts[key][tokens[i]] += 1
            if pairs and i:
                pair = f"{cut[i - 1]} {key}"
                if keys is None or pair in keys:
                    counts[pair][f"{tokens[i - 1]} {tokens[i]}"] += 1
    return {key: forms.most_common(1)[0][0] for key, forms in counts.items()}


def _function_word(word: str) -> bool:
    # "US" (an acronym) is not "us"
    return word.lower() in FUNCTION_WORDS and not (word.isupper() and len(word) > 1)


def readable_term(term: str, forms: dict[str, str]) -> str | None:
    """A feature (one or two tokens) as whole words; None when any word is a function word or a
    number (they explain nothing to a reader)."""
    phrase = forms.get(term) or " ".join(forms.get(part, part) for part in term.split(" "))
    words = phrase.split(" ")
    if any(_function_word(w) or w.isdigit() or len(w) < 2 for w in words):
        return None
    return phrase


def readable_terms(terms: list[tuple[str, float]], forms: dict[str, str], k: int) -> list[tuple[str, float]]:
    """The first ``k`` readable terms, each shown once."""
    out, seen = [], set()
    for term, weight in terms:
        word = readable_term(term, forms)
        if word is None or word.lower() in seen:
            continue
        seen.add(word.lower())
        out.append((word, weight))
        if len(out) == k:
            break
    return out


def parse_evidence(value: object) -> dict[str, str]:
    """``"kremlin: Peskov said; ukraine: Zelensky told"`` → ``{label: phrase}``."""
    if not isinstance(value, str) or not value:
        return {}
    found = {}
    for part in value.split("; "):
        label, sep, phrase = part.partition(": ")
        if sep:
            found[label.strip()] = phrase.strip()
    return found


def evidence_analyzer(model, name: str):
    """What finds the attribution phrase of a dimension's labels: the model's own attribution
    block, else one built from the codebook's actors and the config's cues (so that a model
    without the block still shows who is quoted); None for a dimension without actors."""
    from framing.model.attribution import DEFAULT_CUES, AttributionAnalyzer, codebook_actors
    from framing.model.classifier import attribution_analyzer

    dim_model = model.dimensions[name]
    if not dim_model.multi:
        return None
    found = attribution_analyzer(dim_model)
    if found is not None:
        return found
    dim = next((d for d in model.codebook.dimensions if d.name == name), None)
    actors = codebook_actors(dim) if dim is not None else ()
    if not actors:
        return None
    f = model.config.features
    return AttributionAnalyzer(actors, tuple(f.attribution_cues) or DEFAULT_CUES, window=f.attribution_window,
                               prefix_len=f.prefix_len)


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def outlet_why(model, frame: pd.DataFrame, texts: pd.Series, *, per_outlet: int = 3000, seed: int = 0,
               k: int = 8, n_examples: int = 3) -> tuple[dict, dict]:
    """Per (dimension, label): {outlet: [(word, lift), ...]}; per (dimension, label, outlet):
    [(probability, text, paragraph id, evidence phrase), ...] (distinct texts, probability ≥ 0.5).
    The phrase comes from the predictions' ``<dim>__evidence`` column, else from
    :func:`evidence_analyzer`.

    ``texts``: paragraph id → text (the corpus, or the predictions' own ``text`` column)."""
    if "text" in frame:
        rows = frame.copy()
    else:
        rows = frame.assign(text=frame["paragraph_id"].astype(str).map(texts))
    rows = rows.dropna(subset=["text"])
    if rows.empty:
        return {}, {}
    rows = rows.sample(frac=1.0, random_state=seed).groupby("outlet").head(per_outlet).reset_index(drop=True)
    outlets = rows["outlet"].astype(str).to_numpy()
    features = model.config.features
    rows["_key"] = rows["text"].map(_norm)
    raw, examples = {}, {}
    for name, dim_model in model.dimensions.items():
        X = dim_model.transform(rows["text"].tolist())
        evidence = rows[f"{name}__evidence"].map(parse_evidence) if f"{name}__evidence" in rows else None
        analyzer = evidence_analyzer(model, name) if evidence is None else None
        for label in dim_model.labels_:
            raw[(name, label)] = outlet_terms(dim_model, X, outlets, label, k=max(5 * k, 40))
            column = f"{name}:{label}"
            if column not in rows:
                continue
            for outlet, group in rows.groupby("outlet"):
                top = group[group[column] >= 0.5].sort_values(column, ascending=False).drop_duplicates("_key")
                examples[(name, label, str(outlet))] = [
                    (float(r[column]), r["text"], str(r["paragraph_id"]),
                     evidence.loc[i].get(label, "") if evidence is not None else
                     analyzer.evidence(r["text"], [label]).get(label, "") if analyzer is not None else "")
                    for i, r in top.head(n_examples).iterrows()]
    keys = {term for found in raw.values() for terms in found.values() for term, _ in terms}
    forms = surface_forms(rows["text"].tolist(), features.prefix_len if features.analyzer == "prefix" else None, keys)
    why = {key: {outlet: readable_terms(terms, forms, k) for outlet, terms in found.items()} for key, found in raw.items()}
    return why, examples


def duplicate_count(frame: pd.DataFrame, texts: pd.Series) -> int:
    """Paragraphs whose text repeats another paragraph of the same article (shown once in examples)."""
    text = frame["text"] if "text" in frame else frame["paragraph_id"].astype(str).map(texts)
    keys = pd.DataFrame({"a": frame["article_id"].astype(str), "t": text.fillna("").map(_norm)})
    keys = keys[keys["t"] != ""]
    return int(keys.duplicated().sum())


__all__ = ["FUNCTION_WORDS", "surface_forms", "readable_term", "readable_terms", "parse_evidence", "outlet_why",
           "duplicate_count", "evidence_analyzer"]
