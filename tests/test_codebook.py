from pathlib import Path

import pytest

from framing import CodebookError, load_codebook

ROOT = Path(__file__).resolve().parents[1]


def test_default_codebook_implements_the_guide():
    book = load_codebook(ROOT / "labels" / "codebook.toml")
    assert book.names == ["tone", "sources", "frames"]
    assert book.dimension("tone").kind == "single"
    assert book.dimension("tone").label_names == ["optimistic", "skeptical", "neutral"]
    assert book.dimension("sources").multi and len(book.dimension("sources").labels) == 5
    assert book.dimension("frames").multi and len(book.dimension("frames").labels) == 6
    assert all(label.definition for dim in book.dimensions for label in dim.labels)
    assert len(book.sha256) == 64
    assert "Peskov" in book.dimension("sources").labels[0].actors
    assert not book.dimension("tone").labels[0].actors
    assert all(label.indicators for label in book.dimension("frames").labels)  # the words each definition names


def test_columns_follow_codebook_order(codebook):
    assert codebook.columns() == ["mood:upbeat", "mood:gloomy", "topics:sport", "topics:weather"]


@pytest.mark.parametrize("text, message", [
    ("name = 'x'\n", r"no \[\[dimensions\]\]"),
    ("[[dimensions]]\nname = 'a'\nkind = 'maybe'\n", "kind 'maybe'"),
    ("[[dimensions]]\nname = 'Bad Name'\nkind = 'single'\n", "invalid name"),
    ("[[dimensions]]\nname = 'a'\nkind = 'single'\n[[dimensions.labels]]\nname = 'x'\n", "at least two labels"),
    ("[[dimensions]]\nname = 'a'\nkind = 'multi'\n[[dimensions.labels]]\nname = 'x'\ndefinition = 'd'\n"
     "[[dimensions.labels]]\nname = 'x'\ndefinition = 'd'\n", "appears twice"),
    ("[[dimensions]\n", "not valid TOML"),
    ("[[dimensions]]\nname = 'a'\nkind = 'multi'\n[[dimensions.labels]]\nname = 'x'\nactors = 'Peskov'\n",
     "actors that are not a list"),
    ("[[dimensions]]\nname = 'a'\nkind = 'multi'\n[[dimensions.labels]]\nname = 'x'\ndefinition = 'd'\n"
     "indicators = ['nuclear', '*']\n", "indicators that are not a list of words"),
])
def test_bad_codebooks_are_explained(tmp_path, text, message):
    path = tmp_path / "codebook.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CodebookError, match=message) as info:
        load_codebook(path)
    assert str(path) in info.value.message


def test_missing_codebook(tmp_path):
    with pytest.raises(CodebookError, match="not found"):
        load_codebook(tmp_path / "nope.toml")


def test_unknown_dimension_lists_known(codebook):
    with pytest.raises(CodebookError, match="mood, topics"):
        codebook.dimension("tone")


@pytest.mark.parametrize("old, new, message, line", [
    # a misspelt table: its labels would be dropped and the labels file blamed later
    ("[[dimensions.labels]]\nname = \"sport\"", "[[dimensions.lables]]\nname = \"sport\"",
     r"unknown key 'lables' in dimension 'topics' — the keys here are name, kind, question, \[\[dimensions.labels\]\]", 19),
    ('version = "0.1"', 'version = "0.1"\ndescripton = "x"',
     r"unknown key 'descripton' at the top level — the keys here are name, version, description, \[\[dimensions\]\]", 4),
    ('question = "How does it feel?"', 'qestion = "How does it feel?"', "unknown key 'qestion' in dimension 'mood'", 8),
    ('definition = "Good news."', 'definiton = "Good news."',
     "unknown key 'definiton' in label 'upbeat' of dimension 'mood' — the keys here are name, definition, key, actors", 11),
    ('definition = "Bad news."\n', "", "label 'gloomy' of dimension 'mood' has no definition", None),
    ('definition = "Bad news."', 'definition = " "', "label 'gloomy' of dimension 'mood' has no definition", None),
])
def test_unknown_keys_and_missing_definitions_are_errors(tmp_path, old, new, message, line):
    from conftest import CODEBOOK

    assert old in CODEBOOK
    path = tmp_path / "codebook.toml"
    path.write_text(CODEBOOK.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(CodebookError, match=message) as info:
        load_codebook(path)
    assert info.value.path == str(path) and info.value.line == line


def test_a_missing_codebook_names_the_config_setting_not_a_missing_option(tmp_path):
    with pytest.raises(CodebookError) as info:
        load_codebook(tmp_path / "nope.toml")
    assert "data.codebook" in info.value.fix and "--codebook" not in info.value.message
