"""The speaker spans the attribution parser finds, rule by rule, on short invented sentences."""

import pytest

from framing.model.attribution import AttributionAnalyzer


def speakers(text: str) -> list[str]:
    """The paragraph's speaker spans as text (words joined by spaces)."""
    words, _, spans, _ = AttributionAnalyzer()._parse(text)
    return [" ".join(words[a:b]) for a, b in spans]


@pytest.mark.parametrize("text, speaker", [
    ("Sen. John Cornyn told reporters the vote would pass.", "Sen . John Cornyn"),
    ("“We will not retreat,” said Mr. Peskov.", "Mr . Peskov"),
    ("A lawyer for Anna K. Smith said nothing.", "A lawyer for Anna K . Smith"),
])
def test_a_title_or_an_initial_ends_no_sentence(text, speaker):
    assert speaker in speakers(text)


def test_a_full_stop_before_a_new_sentence_still_ends_the_span():
    assert speakers("The talks failed. Ministers said more were needed.") == ["Ministers"]


@pytest.mark.parametrize("text, speaker", [
    ("Sen. Amy Klobuchar (D-Minn.) said the bill was fair.", "Sen . Amy Klobuchar ( D-Minn . )"),
    ("“It is a start,” said Rep. Jane Doe (R-Texas), who backs the bill.", "Rep . Jane Doe ( R-Texas )"),
])
def test_a_short_bracket_after_a_name_belongs_to_the_speaker(text, speaker):
    assert speaker in speakers(text)


def test_a_long_subject_gives_its_name_before_the_first_comma():
    text = "Anna Petrova, a senior researcher at the Institute of World Economy in Moscow, said the sanctions bit."
    found = speakers(text)
    assert "Anna Petrova" in found
    assert "Anna Petrova" not in speakers("Anna Petrova, the researcher, said the sanctions bit.")[1:]  # short: one span


def test_an_adverbial_opening_is_no_speaker_name():
    text = "In a long session of the parliament in Kyiv on Friday, the minister said the war would go on."
    assert not any(s.startswith("In") for s in speakers(text))


@pytest.mark.parametrize("text, speaker, not_speaker", [
    ("Zelenskiy condemned the strike on the port, saying it showed Moscow wanted no peace.", "Zelenskiy", "port"),
    ("The retired general has criticised the plan, calling it reckless.", "The retired general", "plan"),
    ("On Friday, two Democratic senators cautioned against the deal, warning of costs.", "two Democratic senators",
     "deal"),
])
def test_a_participle_after_a_comma_takes_the_clauses_subject(text, speaker, not_speaker):
    found = speakers(text)
    assert speaker in found
    assert not any(not_speaker in s for s in found)


def test_a_second_verb_of_saying_takes_the_clauses_subject():
    found = speakers("The Kremlin rejected the proposal on Monday and said talks were over.")
    assert found == ["The Kremlin"]


@pytest.mark.parametrize("text, speaker", [
    ("“We are ready to talk,” said Dmitry Peskov, the Kremlin spokesman.", "Dmitry Peskov"),
    ("The grain deal is dead, said one official in Ankara.", "one official in Ankara"),
    ("Prices rose sharply, according to the central bank.", "the central bank"),
])
def test_an_inverted_cue_takes_the_speaker_after_it(text, speaker):
    assert speaker in speakers(text)


@pytest.mark.parametrize("text, content", [
    ("The ministry said in a statement that the convoy had left.", "in a statement"),
    ("The president’s aide told Reuters that no talks were planned.", "Reuters"),
    ("Experts, however, said it was too early to judge.", "it was too early"),
])
def test_words_after_a_cue_that_follows_its_subject_are_no_speaker(text, content):
    assert not any(content in s for s in speakers(text))


ACTORS = (("kremlin", ("Russian", "Peskov", "Putin")), ("ukraine", ("Ukrainian officials",)))


@pytest.mark.parametrize("text, label", [
    ("The Kremlin spokesman, Dmitry Peskov, said talks were over.", "kremlin"),  # after the last comma
    ("Dmitry Peskov, Putin’s spokesman, said talks were over.", "kremlin"),  # the appositive is the head
    ("The Russian envoy said talks were over.", "kremlin"),  # no comma: the whole span
    ("“Talks are over,” said Dmitry Peskov.", "kremlin"),  # a span after its cue is all head
])
def test_an_actor_in_the_speaker_spans_head(text, label):
    assert f"ACTHD:{label}" in AttributionAnalyzer(ACTORS)(text)


@pytest.mark.parametrize("text, label", [
    ("After Russian shelling hit the market, Ukrainian officials said five people died.", "kremlin"),
    ("Russian strikes hit the depot, local officials said.", "kremlin"),
])
def test_an_actor_before_the_last_comma_is_in_the_span_but_not_its_head(text, label):
    tokens = AttributionAnalyzer(ACTORS)(text)
    assert f"ACTSPK:{label}" in tokens and f"ACTHD:{label}" not in tokens
