"""The report's articles per label: articles with enough paragraphs, ranked by the share of them
carrying the label (ties: the label's mean probability), each with its supporting paragraph's
text and the article's title."""

from __future__ import annotations

import pandas as pd

from framing.model.articles import ArticleSpec, articles_from_predictions, rank_articles


def ranked_articles(model, frame: pd.DataFrame, codebook, top: int, texts: pd.Series | None,
                    titles: pd.Series | None = None, *, min_paragraphs: int = 3) -> pd.DataFrame | None:
    """The report's articles table (:func:`framing.model.articles.rank_articles`) over the articles
    with ``min_paragraphs`` or more paragraphs (the share of one or two says nothing), ties broken by
    the label's mean probability over the article (``probability``), with each supporting
    paragraph's text where the corpus (or the predictions) has it, and the article's title where the
    predictions have none (``titles``: the corpus titles by paragraph id; the predictions of
    ``framing predict`` carry no title column unless made with ``--keep-text``); None when the
    predictions lack probability columns."""
    spec = ArticleSpec.from_model(model)
    if any(c not in frame for c in spec.columns):
        return None
    articles = articles_from_predictions(frame, spec, support="carried")
    articles = articles[articles["paragraphs"] >= min_paragraphs].reset_index(drop=True)
    mean = frame.groupby(frame["article_id"].astype(str))[spec.columns].mean()
    ranked = rank_articles(articles, codebook, top=top, probability=mean)
    if texts is not None and len(texts):
        ranked["text"] = ranked["paragraph_id"].map(texts)
    if "title" not in frame and titles is not None and len(titles):
        ranked["title"] = ranked["paragraph_id"].map(titles)  # by paragraph id: the text hash confirms the article
    return ranked
