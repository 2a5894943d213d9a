"""A tiny project built fresh for each test: two outlets, a dozen-odd paragraphs, a small codebook."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

CODEBOOK = """
name = "tiny"
version = "0.1"

[[dimensions]]
name = "mood"
kind = "single"
question = "How does it feel?"
[[dimensions.labels]]
name = "upbeat"
definition = "Good news."
[[dimensions.labels]]
name = "gloomy"
definition = "Bad news."

[[dimensions]]
name = "topics"
kind = "multi"
[[dimensions.labels]]
name = "sport"
definition = "Games and matches."
indicators = ["match*", "team"]
[[dimensions.labels]]
name = "weather"
definition = "Rain, sun and storms."
indicators = ["rain", "storm*", "sunny skies"]
"""

# (text, mood, topics) — word choice carries the signal so that a model can learn it.
PARAGRAPHS = {
    "upbeat sport": ("The team won the match in a glorious victory, fans cheered the great win.", "upbeat", ["sport"]),
    "gloomy sport": ("The team lost the match badly, a dismal defeat and fans left in despair.", "gloomy", ["sport"]),
    "upbeat weather": ("Sunny skies and warm weather bring a wonderful bright weekend.", "upbeat", ["weather"]),
    "gloomy weather": ("Storms and cold rain flood the town, a dismal grey week of despair.", "gloomy", ["weather"]),
    "upbeat both": ("The match went ahead under sunny skies and the team won, a great day.", "upbeat", ["sport", "weather"]),
    "gloomy none": ("Prices rose again and families face a dismal, hard winter of despair.", "gloomy", []),
}

ARTICLES = [
    ("daily-1", "Daily", "2025-03-01", ["upbeat sport", "gloomy weather", "upbeat both"]),
    ("daily-2", "Daily", "2025-03-08", ["gloomy sport", "upbeat weather", "gloomy none"]),
    ("daily-3", "Daily", "2025-03-15", ["upbeat sport", "upbeat weather", "gloomy sport"]),
    ("herald-1", "Herald", "2025-03-02", ["gloomy weather", "gloomy sport", "gloomy none"]),
    ("herald-2", "Herald", "2025-03-09", ["upbeat both", "gloomy weather", "upbeat sport"]),
    ("herald-3", "Herald", "2025-03-16", ["gloomy none", "upbeat weather", "gloomy sport"]),
]


def variant(text: str, article: str, index: int) -> str:
    """Make each paragraph's text unique (ids hash the text) without changing its signal."""
    return f"{text} Report {article} part {index}."


def write_article(folder: Path, ident: str, outlet: str, date: str, keys: list[str], extra: str = "") -> None:
    body = "\n\n".join(variant(PARAGRAPHS[k][0], ident, i) for i, k in enumerate(keys))
    header = f"---\nid: {ident}\ntitle: Story {ident}\noutlet: {outlet}\ndate: {date}\n---\n"
    (folder / f"{ident}.txt").write_text(header + body + extra, encoding="utf-8")


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    """A project folder with corpus/, labels/codebook.toml and labels/tester.jsonl."""
    return make_project(tmp_path)


def make_project(tmp_path: Path) -> Path:
    """Write the tiny project into the folder ``tmp_path`` and return it."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for ident, outlet, date, keys in ARTICLES:
        write_article(corpus, ident, outlet, date, keys, extra="\n\nLeave a Reply")
    labels = tmp_path / "labels"
    labels.mkdir()
    (labels / "codebook.toml").write_text(CODEBOOK, encoding="utf-8")
    from framing.corpus.read import read_paragraphs

    paragraphs = read_paragraphs(corpus)
    lines = []
    for row in paragraphs.itertuples():
        key = next(k for k, v in PARAGRAPHS.items() if row.text.startswith(v[0]))
        _, mood, topics = PARAGRAPHS[key]
        for dim, value in (("mood", [mood]), ("topics", topics)):
            lines.append(json.dumps({"paragraph_id": row.paragraph_id, "dimension": dim, "value": value,
                                     "annotator": "tester", "time": "2026-11-25T10:00:00+00:00"}))
    (labels / "tester.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "experiments" / "default").mkdir(parents=True)
    (tmp_path / "experiments" / "default" / "config.toml").write_text(
        '[features]\nngram_max = 1\n[classifier]\nC = 10.0\n[evaluate]\nfolds = 3\nmin_examples = 3\n', encoding="utf-8")
    return tmp_path


@pytest.fixture()
def codebook(project: Path):
    from framing import load_codebook

    return load_codebook(project / "labels" / "codebook.toml")


@pytest.fixture()
def context_model(project):
    """A model whose attribution block reads each paragraph with the 2 before it in its article."""
    from dataclasses import replace

    from framing import load_model, train
    from framing.config import load_config

    book = project / "labels/codebook.toml"
    book.write_text(book.read_text().replace('indicators = ["match*", "team"]', 'indicators = ["match*", "team"]\n'
                                             'actors = ["coach", "league"]').replace(
        'indicators = ["rain", "storm*", "sunny skies"]', 'indicators = ["rain", "storm*", "sunny skies"]\n'
                                                           'actors = ["forecasters"]'))
    cfg = load_config(project / "experiments/default/config.toml")
    cfg = replace(cfg, features=replace(cfg.features, analyzer="prefix", attribution=["topics"], attribution_weight=0.5,
                                        context=2))
    train(cfg, project)
    return load_model(project / "experiments/default")


def context_rows():
    """18 paragraph rows of 5 articles (4 rows each but the last), whose topics evidence needs the context."""
    import pandas as pd

    texts = ["The coach said the team won.", "“Glorious victory,” he said.", "Storms again, forecasters warned.",
             "rain and gloom", "according to the league, the match was a victory", "he said it again."] * 3
    return pd.DataFrame({"id": [f"q{i}" for i in range(18)], "article_id": [f"a{i // 4}" for i in range(18)],
                         "text": texts})
