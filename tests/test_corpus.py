import json

import pandas as pd
import pytest

from framing import Columns, CorpusError, corpus_stats, iter_paragraph_chunks, read_paragraphs, split_paragraphs
from framing.corpus.text import boilerplate_reason


def test_split_on_blank_lines_and_normalise_whitespace():
    assert split_paragraphs("One  line\nwrapped.\n\n  Two.\n \nThree.") == ["One line wrapped.", "Two.", "Three."]


def test_split_on_single_newlines_when_no_blank_line():
    assert split_paragraphs("First.\nSecond.\r\nThird.") == ["First.", "Second.", "Third."]


@pytest.mark.parametrize("text, reason", [
    ("Leave a Reply", "comment prompt"), ("0 Comments", "comment prompt"), ("Add a comment", "comment prompt"),
    ("Your email address will not be published. Required fields are marked *", "comment prompt"),
    ("0 0", "share counter"), ("Reference", "reference line"), ("Read more: the war in maps", "reference line"),
    ("Sign up to First Edition, our free daily newsletter", "newsletter prompt"),
    ("Photograph: Sergei Supinsky/AFP/Getty Images", "caption or credit"),
    ("17 Mar 2025, Mon", "dateline"), ("By Jane Smith", "byline"),
    ("Watch: Zelenskyy addresses parliament 2:41", "video link"),
    ("Updated at 23.36 BST", "update note"), ("Sign up", "newsletter prompt"),
    ("If you have any questions or comments about any of our newsletters please email x@example.org", "newsletter prompt"),
    ("For more news: www.example.org", "newsletter prompt"), ("Get in touch", "contact prompt"),
    ("This interview has been edited and condensed for clarity.", "editor's note"),
    ("Reuters, Agence France-Presse and Associated Press contributed to this report", "contribution credit"),
    ("With Reuters, the Associated Press and AFP", "contribution credit"),
    ("00:43 Russia-Ukraine crisis: Putin orders military operation in Ukraine – video", "video link"),
    ("Composite: Alamy/Guardian design", "caption or credit"), ("courtney stein", "speaker name"),
])
def test_boilerplate_is_recognised(text, reason):
    assert boilerplate_reason(text) == reason


@pytest.mark.parametrize("text", [
    "Critics argue that Russia's willingness to engage in dialogue is often dictated by its strategic interests.",
    "Global Reactions", "By signaling openness to a high-level call, Moscow may be attempting to assess Washington.",
    "The 2 leaders spoke for 90 minutes on Tuesday.",
    "Missile strikes", "Courtney Stein", "Reuters reported that the talks had stalled.",
    "Sign up for the draft, officials urged, as mobilisation widened.",
])
def test_content_is_kept(text):
    assert boilerplate_reason(text) is None


def test_title_and_site_name_repeats_are_dropped():
    assert boilerplate_reason("My Title", title="My Title") == "repeated title"
    assert boilerplate_reason("dailysite news", outlet="dailysite") == "site name"


def test_folder_reading_ids_and_metadata(project):
    paragraphs = read_paragraphs(project / "corpus")
    assert len(paragraphs) == 18
    assert set(paragraphs["outlet"]) == {"Daily", "Herald"}
    assert paragraphs["paragraph_id"].is_unique
    first = paragraphs.iloc[0]
    assert first["article_id"] == "daily-1" and first["date"] == "2025-03-01" and first["title"] == "Story daily-1"
    assert not paragraphs["text"].str.contains("Leave a Reply").any()


def test_ids_are_stable_and_track_text(project):
    before = read_paragraphs(project / "corpus")
    again = read_paragraphs(project / "corpus")
    assert before["paragraph_id"].tolist() == again["paragraph_id"].tolist()
    path = project / "corpus" / "daily-1.txt"
    path.write_text(path.read_text().replace("glorious", "splendid"), encoding="utf-8")
    after = read_paragraphs(project / "corpus")
    changed = set(before["paragraph_id"]) ^ set(after["paragraph_id"])
    assert len(changed) == 2  # the edited paragraph's old and new id; every other id survives


def test_stats_count_boilerplate(project):
    stats = corpus_stats(project / "corpus").set_index("outlet")
    assert stats.loc["Daily", "articles"] == 3
    assert stats.loc["Daily", "paragraphs"] == 9
    assert stats.loc["Daily", "boilerplate_dropped"] == 3
    assert stats.loc["TOTAL", "paragraphs"] == 18


def test_tables_in_every_format_with_mapped_columns(tmp_path):
    frame = pd.DataFrame({"doc": ["a", "b"], "body": ["One.\n\nTwo.", "Three."], "site": ["X", "Y"],
                          "published": ["2024/05/01", "2024-05-02T10:00:00Z"]})
    cols = Columns(id="doc", text="body", outlet="site", date="published")
    frame.to_csv(tmp_path / "t.csv", index=False)
    frame.to_parquet(tmp_path / "t.parquet")
    frame.to_json(tmp_path / "t.jsonl", orient="records", lines=True)
    for name in ("t.csv", "t.parquet", "t.jsonl"):
        got = read_paragraphs(tmp_path / name, columns=cols)
        assert got["text"].tolist() == ["One.", "Two.", "Three."]
        assert got["outlet"].tolist() == ["X", "X", "Y"]
        assert got["date"].tolist() == ["2024-05-01", "2024-05-01", "2024-05-02"]


def test_tables_stream_in_chunks(tmp_path):
    pd.DataFrame({"id": [f"a{i}" for i in range(25)], "text": [f"Paragraph {i}." for i in range(25)]}).to_csv(
        tmp_path / "t.csv", index=False)
    sizes = [len(c) for c in iter_paragraph_chunks(tmp_path / "t.csv", chunk_size=10)]
    assert sizes == [10, 10, 5]


def test_paragraph_rows_keep_their_ids(tmp_path):
    pd.DataFrame({"id": ["p1", "p2"], "text": ["First text.\n\nstill first", "Second."]}).to_csv(tmp_path / "p.csv", index=False)
    got = read_paragraphs(tmp_path / "p.csv", paragraphs=True)
    assert got["paragraph_id"].tolist() == ["p1", "p2"]
    assert got["text"].tolist() == ["First text. still first", "Second."]


def test_html_pages(tmp_path):
    (tmp_path / "page.html").write_text(
        "<html><head><title>T</title><meta property='og:site_name' content='Site'>"
        "<meta property='article:published_time' content='2024-01-02T03:04:05Z'></head><body>"
        "<nav>Menu</nav><h1>Headline</h1><p>First <b>para</b>.</p><p>Second para.</p>"
        "<script>var x;</script><footer>Footer</footer></body></html>", encoding="utf-8")
    got = read_paragraphs(tmp_path)
    assert got["text"].tolist() == ["Headline", "First para.", "Second para."]
    assert got["outlet"].iloc[0] == "Site" and got["date"].iloc[0] == "2024-01-02"


def test_unclosed_header_names_file_and_line(tmp_path):
    (tmp_path / "a.txt").write_text("---\nid: a\ntitle: b\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"a\.txt:1: header opened"):
        read_paragraphs(tmp_path)


def test_bad_header_line(tmp_path):
    (tmp_path / "a.txt").write_text("---\nid: a\nthis is not a key value\n---\nText", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"a\.txt:3: header line"):
        read_paragraphs(tmp_path)


def test_bad_jsonl_line(tmp_path):
    (tmp_path / "t.jsonl").write_text(json.dumps({"id": "a", "text": "x"}) + "\n{oops\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"t\.jsonl:2: not valid JSON \(.* at line 2, column 2\)"):
        read_paragraphs(tmp_path / "t.jsonl")


def _parquet(path, **columns):
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table(columns), path)


@pytest.mark.parametrize("name, write, message", [
    ("ft.parquet", lambda p: _parquet(p, id=["a", "b"], text=[1.5, None]),
     r"ft\.parquet: row 1: column 'text' holds a number \(1\.5\), not text"),
    ("list.parquet", lambda p: _parquet(p, id=["a", "b"], text=[["x", "y"], ["z"]]),
     r"row 1: column 'text' holds a list \(\['x', 'y'\]\)"),
    ("bin.parquet", lambda p: _parquet(p, id=["a"], text=__import__("pyarrow").array([b"abc"], "binary")),
     r"row 1: column 'text' holds bytes"),
    ("num.jsonl", lambda p: p.write_text('{"id": "n0", "text": "fine words"}\n{"id": "n1", "text": 12345}\n'),
     r"num\.jsonl: row 2: column 'text' holds a number \(12345\)"),
    ("ids.jsonl", lambda p: p.write_text('{"id": ["n1"], "text": "words"}\n'), r"column 'id' holds a list.*--id-col"),
    ("first.csv", lambda p: p.write_text("id,text\na1,hello,extra,fields\na2,world\n"),
     r"first\.csv:2: 4 fields where the header has 2"),
    ("later.csv", lambda p: p.write_text("id,text\n" + "".join(f"a{i},x\n" for i in range(3)) + "b,x,y\n"),
     r"later\.csv:5: 3 fields where the header has 2 — quote"),
    ("semi.csv", lambda p: p.write_text("id;text\na;hello\n"), r"separated by ';'"),
])
def test_tables_of_the_wrong_shape_are_one_error_naming_file_and_row(tmp_path, name, write, message):
    write(tmp_path / name)
    with pytest.raises(CorpusError, match=message):
        read_paragraphs(tmp_path / name)


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_one_legacy_byte_deep_in_a_utf8_table_is_named_by_its_line(tmp_path, suffix):
    rows = [{"id": f"a{i}", "text": f"Paragraph {i} on the talks in Kyiv, the minister said."} for i in range(4000)]
    rows.insert(2500, {"id": "zz", "text": "Caf\u00e9 au lait"})
    frame = pd.DataFrame(rows)
    data = (frame.to_json(orient="records", lines=True) if suffix == ".jsonl" else frame.to_csv(index=False))
    lines = data.encode("utf-8").replace("\\u00e9".encode(), b"\xe9").replace("\u00e9".encode(), b"\xe9")
    (tmp_path / f"t{suffix}").write_bytes(lines)
    assert lines.index(b"\xe9") > 65_536  # beyond the sample the encoding is judged from
    line = 2501 + (suffix == ".csv")
    with pytest.raises(CorpusError, match=rf"t\{suffix}:{line}: byte 0xE9 is not UTF-8"):
        read_paragraphs(tmp_path / f"t{suffix}")


def test_missing_text_column(tmp_path):
    pd.DataFrame({"id": ["a"], "body": ["x"]}).to_csv(tmp_path / "t.csv", index=False)
    with pytest.raises(CorpusError, match="no text column 'text'.*--text-col"):
        read_paragraphs(tmp_path / "t.csv")


def test_duplicate_article_ids(tmp_path):
    pd.DataFrame({"id": ["a", "a"], "text": ["x", "y"]}).to_csv(tmp_path / "t.csv", index=False)
    with pytest.raises(CorpusError, match=r"t\.csv:2: article id 'a'"):
        read_paragraphs(tmp_path / "t.csv")


LEGACY = ("Le café « Ôtez » coûte 3 € — naïve résumé, dit le maire de Zürich.\n\n"
          "Straße und Bürgermeister: “quoted” words, señor.")


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1", "utf-16", "utf-8-sig", "utf-8"])
def test_legacy_encodings_are_read(tmp_path, encoding):
    # latin-1 has no €, dash or curly quotes (cp1252 does)
    text = LEGACY.translate(str.maketrans({"€": "EUR", "—": "-", "“": '"', "”": '"'})) if encoding == "latin-1" else LEGACY
    (tmp_path / "a.txt").write_bytes(text.encode(encoding))
    (tmp_path / "b.html").write_bytes(f"<html><body><p>{text}</p></body></html>".encode(encoding))
    got = read_paragraphs(tmp_path)
    assert list(got["text"]) == split_paragraphs(text) + [" ".join(text.split())]


def test_legacy_encoding_in_tables(tmp_path):
    frame = pd.DataFrame({"id": ["a", "b"], "text": ["Déjà vu at the café, señor.", "Straße in München."]})
    frame.to_csv(tmp_path / "t.csv", index=False, encoding="cp1252")
    frame.to_json(tmp_path / "u.jsonl", orient="records", lines=True, force_ascii=False)
    (tmp_path / "u.jsonl").write_bytes((tmp_path / "u.jsonl").read_text(encoding="utf-8").encode("utf-16"))
    for name in ("t.csv", "u.jsonl"):
        assert list(read_paragraphs(tmp_path / name)["text"]) == list(frame["text"])


NOT_TEXT = {"scan.html": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
            "photo.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00",
            "junk.md": bytes(range(256)) * 8,
            "table.csv": b"id,text\n\x00\x01\x02\x03,\xff\xfe\x00\x00"}


def test_non_text_files_are_skipped_and_reported(tmp_path):
    (tmp_path / "good.txt").write_text("A paragraph of news.\n\nAnother one.", encoding="utf-8")
    for name, data in NOT_TEXT.items():
        (tmp_path / name).write_bytes(data)
    skipped = {}
    got = read_paragraphs(tmp_path, on_skip=lambda file, reason: skipped.setdefault(file.name, reason))
    assert list(got["text"]) == ["A paragraph of news.", "Another one."]
    assert set(skipped) == set(NOT_TEXT)
    assert "PDF" in skipped["scan.html"] and "PNG" in skipped["photo.txt"]
    # without on_skip (--strict) the first bad file stops the run, named
    from framing.decode import NotTextError

    with pytest.raises(NotTextError, match=r"junk\.md: not a text file"):
        read_paragraphs(tmp_path)
    # a corpus that is one bad file is an error either way
    with pytest.raises(NotTextError, match="scan.html"):
        read_paragraphs(tmp_path / "scan.html", on_skip=lambda file, reason: None)


def test_missing_and_unsupported_paths(tmp_path):
    with pytest.raises(CorpusError, match="no such file"):
        read_paragraphs(tmp_path / "nope")
    (tmp_path / "x.docx").write_text("x")
    with pytest.raises(CorpusError, match="unsupported file type"):
        read_paragraphs(tmp_path / "x.docx")
    with pytest.raises(CorpusError, match="no articles found"):
        read_paragraphs(tmp_path)


def test_long_unbroken_text_is_cut_at_sentence_ends_without_losing_text():
    sentences = [f"Sentence number {i} says something about the talks in Geneva." for i in range(80)]
    text = " ".join(sentences)
    pieces = split_paragraphs(text)
    assert len(pieces) > 3 and all(len(p) < 1500 for p in pieces)
    assert " ".join(pieces) == text
    assert all(p.endswith(".") for p in pieces)
    assert split_paragraphs("Short. Text.") == ["Short. Text."]


def test_a_date_that_cannot_be_read_or_could_be_swapped_leaves_the_article_undated_with_a_warning(tmp_path):
    from framing.errors import FramingWarning

    dates = {"bad": "2031-13-45", "swappable": "11/04/2031", "day-first": "25/04/2031", "iso": "2031-04-11",
             "words": "11 April 2031", "same": "04/04/2031"}
    (tmp_path / "t.csv").write_text("id,date,text\n" + "".join(f"{k},{v},Text of {k}.\n" for k, v in dates.items()),
                                    encoding="utf-8")
    with pytest.warns(FramingWarning) as caught:
        got = read_paragraphs(tmp_path).set_index("article_id")["date"]
    assert got.isna().tolist() == [True, True, False, False, False, False]
    assert got[["day-first", "iso", "words", "same"]].tolist() == ["2031-04-25", "2031-04-11", "2031-04-11", "2031-04-04"]
    messages = sorted(str(w.message) for w in caught)
    assert len(messages) == 2
    assert messages[0].startswith("article bad: date '2031-13-45' is not a date; read as undated")
    assert messages[1].startswith("article swappable: date '11/04/2031' could be day/month or month/day")
    assert all(m.endswith("write dates as YYYY-MM-DD") for m in messages)


EMPTY = {"empty.txt": "", "blank.md": "\n \n\t\n", "header.txt": "---\nid: h\ntitle: Only a header\noutlet: Daily\n---\n\n",
         "page.html": "  \n"}


def test_empty_articles_are_skipped_and_reported(tmp_path):
    from typer.testing import CliRunner

    from framing.cli import app

    (tmp_path / "good.txt").write_text("---\noutlet: Daily\n---\nA paragraph of news.", encoding="utf-8")
    for name, text in EMPTY.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    skipped = {}
    got = read_paragraphs(tmp_path, on_skip=lambda file, reason: skipped.setdefault(file.name, reason))
    assert list(got["text"]) == ["A paragraph of news."]
    assert skipped == {"page.html": "no article text: the file is blank", "blank.md": "no article text: the file is blank",
                       "empty.txt": "no article text: the file is empty",
                       "header.txt": "no article text: a header and nothing after it"}
    # without on_skip (--strict) an empty article is no error: it simply has no paragraphs
    pd.testing.assert_frame_equal(read_paragraphs(tmp_path), got)
    result = CliRunner().invoke(app, ["corpus", "stats", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert f"warning: skipped {tmp_path / 'empty.txt'}: no article text: the file is empty" in result.output
    summary = result.output[result.output.index("skipped 4 file(s)"):]
    assert all(f"  {tmp_path / name}: no article text" in summary for name in EMPTY)
