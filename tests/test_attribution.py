"""Attribution features and evidence phrases, on real paragraphs of the bundled news collection."""

import pickle
from pathlib import Path

import pytest

from framing import load_codebook, read_paragraphs
from framing.model.attribution import AttributionAnalyzer, codebook_actors

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def analyzer():
    codebook = load_codebook(ROOT / "labels" / "codebook.toml")
    return AttributionAnalyzer(codebook_actors(codebook.dimension("sources")))


@pytest.fixture(scope="module")
def news():
    paragraphs = read_paragraphs(ROOT / "corpus" / "news")
    return dict(zip(paragraphs["paragraph_id"], paragraphs["text"]))


def test_a_quoted_spokesman_is_a_speaker(analyzer, news):
    tokens = analyzer(news["guardian-0029:5:9a35bfde"])  # "…," Vladimir Putin's spokesperson, Dmitry Peskov, said
    assert {"CUE", "QUOTE", "ACTSPK:kremlin", "SPK:pesko"} <= set(tokens)
    assert "ACTSPK:ukraine" not in tokens


def test_according_to_takes_the_speaker_after_it(analyzer, news):
    text = news["guardian-0128:1:3088932b"]  # "…, according to Vadym Boichenko, mayor of Mariupol"
    tokens = analyzer(text)
    assert {"SPK:vadym", "SPK:boich", "ACTSPK:ukraine"} <= set(tokens)  # Boichenko is a listed actor
    assert analyzer.evidence(text, ["ukraine"])["ukraine"].startswith("according to Vadym Boichenko")


def test_a_mention_without_attribution_is_no_speaker(analyzer, news):
    tokens = analyzer(news["nyt-0052:2:617f40c5"])  # Blinken declined to meet with Mr. Lavrov
    assert "ACT:kremlin" in tokens and "ACTSPK:kremlin" not in tokens


@pytest.mark.parametrize("pid, label, words", [
    ("guardian-0029:5:9a35bfde", "kremlin", "Putin’s spokesperson"),
    ("guardian-0015:23:0e6ef7cf", "ukraine", "Zelenskiy said"),
    ("guardian-0129:5:7c15d752", "kremlin", "defence ministry said"),
])
def test_evidence_names_the_attribution(analyzer, news, pid, label, words):
    assert words in analyzer.evidence(news[pid], [label])[label]


def test_no_cue_and_no_actor_gives_no_evidence(analyzer):
    assert analyzer.evidence("Heavy rain fell over the fields on Tuesday.", ["kremlin"]) == {}


def test_pickles_without_its_compiled_patterns(analyzer, news):
    text = news["guardian-0029:5:9a35bfde"]
    copy = pickle.loads(pickle.dumps(analyzer))
    assert "_patterns" not in analyzer.__getstate__()
    assert copy(text) == analyzer(text) and copy.evidence(text, ["kremlin"]) == analyzer.evidence(text, ["kremlin"])


def test_context_joins_earlier_paragraphs_of_the_same_article_only():
    from framing.model.attribution import CONTEXT_MARK, with_context

    out = with_context(["a", "a", "a", "b"], ["one", "two", "three", "four"], 2)
    assert out == ["one", f"two{CONTEXT_MARK}one", f"three{CONTEXT_MARK}two{CONTEXT_MARK}one", "four"]
    assert with_context(["a", "a"], ["one", "two"], 0) == ["one", "two"]


def test_he_said_borrows_the_speaker_named_before(analyzer, news):
    from framing.model.attribution import CONTEXT_MARK

    before = news["guardian-0029:5:9a35bfde"]  # … Vladimir Putin's spokesperson, Dmitry Peskov, said
    after = "“We will not change course,” he said."
    assert "CTXSPK:kremlin" in analyzer(after + CONTEXT_MARK + before)
    assert not any(t.startswith("CTX") for t in analyzer(after))
    assert "earlier:" in analyzer.evidence(after + CONTEXT_MARK + before, ["kremlin"])["kremlin"]
    # a paragraph whose own speaker is a listed actor takes nothing from the context
    own = news["guardian-0015:23:0e6ef7cf"]  # Zelenskiy said …
    assert not any(t.startswith("CTX") for t in analyzer(own + CONTEXT_MARK + before))


def test_text_features_ignore_the_context():
    from framing.model.attribution import CONTEXT_MARK
    from framing.model.classifier import PrefixAnalyzer

    prefix = PrefixAnalyzer(5, (1, 2))
    assert prefix("He said so." + CONTEXT_MARK + "Peskov spoke") == prefix("He said so.")


def test_collection_tokens_only_for_collections_other_than_the_lead(analyzer):
    from framing.model.attribution import Reading

    reading = Reading(context=0, collection_aware=True, baseline="news")
    press, news, new = reading.inputs(["a", "b", "c"], ["Putin met the governor."] * 3, ["official", "news", "mine"])
    assert {"COLL:official", "COLLACT:official:kremlin"} <= set(analyzer(press))
    assert news == "Putin met the governor."  # the lead collection reads as plain text
    assert not any(t.startswith("COLL") for t in analyzer(news))
    assert "COLL:mine" in analyzer(new)  # unseen in training: the vectoriser has no column for it
    assert Reading().inputs(["a"], ["x"], ["official"]) == ["x"]
