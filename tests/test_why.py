import pandas as pd
import pytest

from framing import load_model, read_paragraphs, train
from framing.config import load_config
from framing.predict.local import predict_frame
from framing.report.why import (duplicate_count, outlet_why, parse_evidence, readable_term, readable_terms,
                         surface_forms)


def test_prefixes_read_as_their_commonest_whole_words():
    texts = ["Ukraine said the United States and Ukraine agreed.", "Ukrainian troops; the United States said"]
    forms = surface_forms(texts, 5)
    assert forms["ukrai"] == "Ukraine"                       # 2 × Ukraine against 1 × Ukrainian
    assert forms["unite state"] == "United States"            # pairs read as the pair that occurs
    assert readable_term("unite state", forms) == "United States"
    assert surface_forms(texts, 5, keys={"said"}) == {"said": "said"}   # only what is asked for


def test_function_words_and_numbers_are_left_out_but_acronyms_stay():
    forms = {"we": "we", "our": "our", "us": "us", "kreml": "Kremlin", "000": "000"}
    assert readable_term("we", forms) is None and readable_term("our", forms) is None
    assert readable_term("our kreml", forms) is None and readable_term("000", forms) is None
    assert readable_term("us", {"us": "US"}) == "US"          # the country, not the pronoun
    terms = [("we", 0.9), ("kreml", 0.5), ("kreml", 0.4), ("said", 0.3)]
    assert readable_terms(terms, forms, k=5) == [("Kremlin", 0.5), ("said", 0.3)]  # each word once
    assert readable_terms(terms, forms, k=1) == [("Kremlin", 0.5)]


def test_evidence_phrases_parse_per_label():
    assert parse_evidence("kremlin: Putin's spokesperson, Dmitry Peskov, said; ukraine: Zelensky told") == {
        "kremlin": "Putin's spokesperson, Dmitry Peskov, said", "ukraine": "Zelensky told"}
    assert parse_evidence("") == {} and parse_evidence(None) == {}


@pytest.fixture()
def model(project):
    train(load_config(project / "experiments/default/config.toml"), project)
    return load_model(project / "experiments/default")


def test_why_examples_are_distinct_and_carry_their_evidence(project, model):
    paragraphs = read_paragraphs(project / "corpus")
    # the same paragraph twice in one article (a pull quote): shown once
    twice = pd.concat([paragraphs, paragraphs.iloc[[0]].assign(paragraph_id="dup", p_index=99)], ignore_index=True)
    frame = predict_frame(model, twice)
    frame["text"] = twice["text"].to_numpy()
    frame["topics__evidence"] = [f"sport: phrase {i}" for i in range(len(frame))]
    assert duplicate_count(frame, pd.Series(dtype=str)) == 1
    why, examples = outlet_why(model, frame, pd.Series(dtype=str), k=4, n_examples=5)
    assert set(why[("mood", "upbeat")]) == {"Daily", "Herald"}
    assert all(len(words) <= 4 for found in why.values() for words in found.values())
    for shown in examples.values():
        texts = [text for _, text, _, _ in shown]
        assert len(texts) == len(set(texts))
    sport = [e for key, found in examples.items() if key[1] == "sport" for e in found]
    assert sport and all(e[3].startswith("phrase ") for e in sport)
    weather = [e for key, found in examples.items() if key[1] == "weather" for e in found]
    assert all(e[3] == "" for e in weather)  # no phrase for a label the evidence does not name


def test_why_without_text_is_empty(project, model):
    frame = predict_frame(model, read_paragraphs(project / "corpus"))
    assert outlet_why(model, frame, pd.Series(dtype=str)) == ({}, {})


def test_evidence_needs_actors_or_the_models_own_block(project, model):
    from framing.report.why import evidence_analyzer

    assert evidence_analyzer(model, "mood") is None      # single-choice: no attribution
    assert evidence_analyzer(model, "topics") is None    # no actors in the tiny codebook
    frame = predict_frame(model, read_paragraphs(project / "corpus"))
    frame["text"] = read_paragraphs(project / "corpus")["text"].to_numpy()
    _, examples = outlet_why(model, frame, pd.Series(dtype=str))
    assert all(e[3] == "" for found in examples.values() for e in found)


def test_outlet_terms_never_list_words_that_count_against_the_label():
    """Outlet A says 'criticised' less than B: the term's (negative) contribution to 'supportive'
    is then higher in A, but a word that counts against the label is no reason A is supportive."""
    import numpy as np
    from scipy import sparse

    from framing.model.explain import outlet_terms

    class Stub:
        labels_ = ["critical", "supportive"]

        def feature_names(self):
            return np.array(["praised", "criticised", "budget"])

        def term_coef(self, names):
            return np.array([[-1.0, 1.0], [1.0, -1.0], [0.0, 0.0]])

    X = sparse.csr_matrix(np.array([[1.0, 0.0, 1.0], [1.0, 0.0, 1.0], [0.0, 1.0, 1.0], [0.5, 1.0, 1.0]]))
    terms = outlet_terms(Stub(), X, np.array(["A", "A", "B", "B"]), "supportive")
    assert [t for t, _ in terms["A"]] == ["praised"]
    assert terms["B"] == []
