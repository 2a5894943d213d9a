"""``framing predict`` without ``--out``: a few articles predicted whole, for reading in the terminal."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from framing.corpus.read import OnSkip, iter_corpus_units
from framing.corpus.tables import Columns
from framing.errors import CorpusError
from framing.model.articles import ArticleSpec, supporting
from framing.model.classifier import FramingModel
from framing.model.lean import META_COLUMNS
from framing.predict.local import _article_columns, _check_run, _stream


@dataclass
class ArticleView:
    """A few articles predicted whole, for reading: the article table (:func:`predict_articles`), the
    paragraph predictions with their ``text``, the article rules and the model's dimensions."""
    articles: pd.DataFrame
    paragraphs: pd.DataFrame
    rules: dict[str, str]
    dimensions: list[tuple[str, list[str], bool]]  # (name, labels, multi-label)

    def records(self) -> list[dict]:
        """One JSON-ready dict per article: metadata, per dimension its decision, shares and
        supporting paragraphs, and its paragraphs with their tags, probabilities, terms and evidence."""
        out = []
        by_article = dict(iter(self.paragraphs.groupby("article_id", sort=False))) if len(self.paragraphs) else {}
        for a in self.articles.to_dict("records"):
            dims = {}
            for name, labels, multi in self.dimensions:
                decided = [v for v in str(a[name]).split("|") if v]
                dims[name] = {"decision": decided if multi else (decided[0] if decided else None),
                              "rule": self.rules[name],
                              "share": {lab: round(float(a[f"{name}:{lab}"]), 4) for lab in labels},
                              "supporting_paragraph": supporting(a[f"{name}__paragraphs"])}
            paragraphs = []
            rows = by_article.get(a["article_id"])
            for p in ([] if rows is None else rows.to_dict("records")):
                tags = {}
                for name, labels, multi in self.dimensions:
                    value = [v for v in str(p[name]).split("|") if v]
                    tags[name] = {"labels": value if multi else value[0],
                                  "probability": {lab: round(float(p[f"{name}:{lab}"]), 4) for lab in labels},
                                  "terms": [t for t in str(p.get(f"{name}__terms", "") or "").split("; ") if t]}
                    if f"{name}__evidence" in p:
                        tags[name]["evidence"] = _evidence(p[f"{name}__evidence"])
                paragraphs.append({"paragraph_id": p["paragraph_id"], "p_index": int(p["p_index"]),
                                   "text": p.get("text"), "tags": tags})
            out.append({"article_id": a["article_id"], "title": a["title"] or None, "outlet": a["outlet"],
                        "date": a["date"] or None, "paragraphs": int(a["paragraphs"]), "dimensions": dims,
                        "paragraph_predictions": paragraphs})
        return out


def _evidence(value: object) -> dict[str, str]:
    """``{label: phrase}`` from an ``__evidence`` cell (``label: phrase; ...``)."""
    pairs = (item.split(": ", 1) for item in str(value or "").split("; ") if ": " in item)
    return {label: phrase for label, phrase in pairs}


def count_articles(source: str | Path, *, columns: Columns = Columns(), paragraphs: bool = False,
                   chunk_size: int = 5_000, stop: int | None = None, on_skip: OnSkip | None = None) -> int:
    """Articles in ``source`` (paragraph rows: distinct article ids), counting no further than ``stop``."""
    seen: set[str] = set()
    for unit in iter_corpus_units(source, chunk_size=chunk_size, on_skip=on_skip):
        for article in unit.articles(columns):
            seen.add(str(article.get("article") or article["id"]) if paragraphs else str(article["id"]))
            if stop is not None and len(seen) >= stop:
                return len(seen)
    return len(seen)


def preview(model: FramingModel, source: str | Path, *, columns: Columns = Columns(), paragraphs: bool = False,
            terms: int = 3, engine: str = "fast", limit: int | None = None,
            on_skip: OnSkip | None = None) -> ArticleView:
    """Predict a handful of articles whole, for the terminal (``framing predict`` without ``--out``).

    ``limit`` (default: the model config's ``articles.show_max``) caps the articles: more raise a
    :class:`~framing.errors.CorpusError` that asks for ``--out``, since a bigger corpus is for files.
    """
    _check_run(engine, 1)
    settings = getattr(model.config, "articles", None)
    limit = limit or getattr(settings, "show_max", 20)
    if count_articles(source, columns=columns, paragraphs=paragraphs, stop=limit + 1, on_skip=on_skip) > limit:
        raise CorpusError(f"more than {limit} articles: the terminal view shows at most {limit} "
                          "(articles.show_max in the config)", path=source,
                          fix="write the predictions to a file with --out FILE, and one row per article with --articles FILE")
    spec = ArticleSpec.from_model(model)
    frames, tables = [], []
    for frame, finished in _stream(model, source, columns=columns, paragraphs=paragraphs, chunk_size=limit + 1,
                                   terms=terms, engine=engine, workers=1, spec=spec, on_skip=on_skip):
        if frame is not None:
            frames.append(frame)
        if finished is not None:
            tables.append(finished)
    table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=_article_columns(spec))
    found = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=[*META_COLUMNS, "text_sha1"])
    if len(found):
        from framing.corpus.read import read_paragraphs

        texts = read_paragraphs(source, columns=columns, paragraphs=paragraphs,
                                on_skip=on_skip)[["paragraph_id", "text"]]
        found = found.merge(texts.drop_duplicates("paragraph_id"), on="paragraph_id", how="left")
    return ArticleView(table, found, spec.rules(), [(d.name, list(d.labels), d.multi) for d in spec.dims])
