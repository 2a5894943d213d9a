#!/usr/bin/env python
"""Build the multi-outlet Russia/Ukraine news corpus for `framing`.

Usage:  python build_corpus.py SHARED_DATA_DIR OUT_DIR

Reads four source folders under SHARED_DATA_DIR (nyt_guardian_russia_ukraine_2022,
kremlin_zelenskyy_press_releases, us_gov_russia_ukraine_statements, ruwa) and writes
JSONL files (one JSON object per article per line, UTF-8) plus SOURCES.md and stats.json
under OUT_DIR.  Deterministic: same input -> byte-identical output.

Record keys: id, outlet, date (YYYY-MM-DD or null), title, url (or null), text, source;
plus "truncated": true and "n_paragraphs_original" on rows capped at MAX_PARAGRAPHS.

Text policy: the source text is kept verbatim except for paragraph structure.  Any run of
line breaks (LF, CR, and the Excel escape "_x000D_" that stands for a CR), together with the
horizontal whitespace (spaces, tabs, NBSP) around it, is one paragraph boundary.
Paragraphs are stripped of leading/trailing whitespace, empty ones are dropped, and the rest
are joined with exactly one blank line ("\n\n").  Nothing inside a paragraph is changed.
"""
import hashlib
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pandas as pd

MAX_PARAGRAPHS = 60
# A text with no paragraph breaks (Kremlin transcripts run to 176,000 characters on one line)
# is cut at the last sentence end before this many characters; framing's reader then splits it
# into paragraph-sized pieces at sentence ends.
MAX_UNBROKEN_CHARS = 40_000
NYT_GUARDIAN_CUTOFF = "2022-07-16"  # articles on/after this date are reserved (not in data/)

RUWA_OUTLETS = {
    "ukrinform.net": "Ukrinform",
    "censor.net": "Censor.net",
    "reuters.com": "Reuters",
    "rt.com": "RT",
    "aljazeera.com": "Al Jazeera",
    "bbc.co.uk": "BBC",
    "www.msnbc.com": "MSNBC",
    "en.news-front.info": "News-Front",
    "tass.com": "TASS",
}
US_OUTLETS = {
    "whitehouse": "White House",
    "department_of_state": "US State Department",
    "department_of_defense": "US Department of Defense",
    "department_of_treasury": "US Treasury",
}
# Some State Department rows hold a scraped state.gov site page (navigation, "about" or
# index page) instead of the statement named in the title; the same page recurs under
# several unrelated titles and dates.  Rows whose body starts with one of these page
# openings are dropped (and counted).  Matched on the exact opening text.
STATE_NON_STATEMENT_PAGES = (
    "Our Mission\n\nThe Deputy Secretary serves as the principal deputy",
    "A\n\nB\n\nC\n\nD\n\nE\n\nF\n\nG",
    "Certificates of Competency for the Nominees to be Chiefs of Mission",
    "Diplomats in Residence\n\nDiplomats in Residence (DIRs)",
    "Antony J. Blinken was sworn in as the 71st U.S. Secretary of State on January 26, 2021.",
    "Countries & Areas\n\nSearch for country or area",
    "Contact Us\n\nEmail: partnerships@state.gov",
)
MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}

# A paragraph boundary: optional horizontal whitespace, then one or more line-break
# markers, each possibly surrounded by more whitespace.
_BREAK = re.compile(r"[^\S\r\n]*(?:_x000D_|\r|\n)(?:\s|_x000D_)*")


def read_csv(path):
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def split_paragraphs(raw):
    if raw is None:
        return []
    parts = _BREAK.split(raw)
    return [p.strip() for p in parts if p.strip()]


def none_if_blank(s):
    s = (s or "").strip()
    return s or None


def parse_us_date(s):
    """'September 30, 2022' / 'Aug. 3, 2022' -> '2022-08-03'; None if unparseable."""
    m = re.fullmatch(r"\s*([A-Za-z]+)\.?\s+(\d{1,2}),\s*(\d{4})\s*", s or "")
    if not m or m.group(1)[:3].lower() not in MONTHS:
        return None
    return f"{int(m.group(3)):04d}-{MONTHS[m.group(1)[:3].lower()]:02d}-{int(m.group(2)):02d}"


def iso_prefix(s):
    """'2022-06-21T16:28:56Z' or '2022/06/23' -> '2022-06-21' (the date as given, UTC for
    timestamps); None if not a date."""
    m = re.match(r"\s*(\d{4})[-/](\d{2})[-/](\d{2})", s or "")
    return f"{m.group(1)}-{m.group(2)}-{m.group(3)}" if m else None


def mdy(s):
    m = re.fullmatch(r"\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*", s or "")
    return f"{m.group(3)}-{int(m.group(1)):02d}-{int(m.group(2)):02d}" if m else None


class Collection:
    """Collects records for one output file, applying cap and per-outlet dedup."""

    def __init__(self, relpath):
        self.relpath = relpath
        self.rows = []
        self.seen = set()
        self.drops = Counter()  # (outlet, reason) -> n

    def add(self, *, id, outlet, date, title, url, paragraphs, source):
        if not paragraphs:
            self.drops[(outlet, "empty text")] += 1
            return
        full = "\n\n".join(paragraphs)
        key = (outlet, hashlib.sha256(full.encode("utf-8")).hexdigest())
        if key in self.seen:
            self.drops[(outlet, "exact duplicate text")] += 1
            return
        self.seen.add(key)
        rec = {"id": id, "outlet": outlet, "date": date, "title": title, "url": url,
               "text": "\n\n".join(paragraphs[:MAX_PARAGRAPHS]), "source": source}
        if len(paragraphs) > MAX_PARAGRAPHS:
            rec["truncated"] = True
            rec["n_paragraphs_original"] = len(paragraphs)
        elif len(paragraphs) == 1 and len(full) > MAX_UNBROKEN_CHARS:
            cut = full.rfind(". ", 0, MAX_UNBROKEN_CHARS)
            rec["text"] = full[: cut + 1 if cut > 0 else MAX_UNBROKEN_CHARS]
            rec["truncated"] = True
            rec["n_chars_original"] = len(full)
        self.rows.append(rec)

    def write(self, out_dir):
        path = Path(out_dir) / self.relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            for r in self.rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        return path


def build_nyt_guardian(data, stats):
    src = "nyt_guardian_russia_ukraine_2022"
    col = Collection("news/nyt_guardian_2022.jsonl")
    for fname, outlet, prefix in [("NYT_Russia_Ukraine.csv", "NYT", "nyt"),
                                  ("Guardians_Russia_Ukraine.csv", "Guardian", "guardian")]:
        df = read_csv(data / src / fname)
        for i, r in df.iterrows():
            date = iso_prefix(r["published"])
            # Date filter as in SOURCE.md: only articles before the eval cut belong here.
            if date is None or date >= NYT_GUARDIAN_CUTOFF:
                col.drops[(outlet, f"dated {NYT_GUARDIAN_CUTOFF} or later / undated")] += 1
                continue
            col.add(id=f"{prefix}-{i:04d}", outlet=outlet, date=date,
                    title=none_if_blank(r["headlines"]), url=None,
                    paragraphs=split_paragraphs(r["articles"]), source=src)
    return [col]


def build_kremlin_zelenskyy(data, stats):
    src = "kremlin_zelenskyy_press_releases"
    out = []
    for fname, outlet, prefix, rel in [
            ("putin_kremlin.csv", "Kremlin", "kremlin", "official/kremlin_press_releases.jsonl"),
            ("zelenskyy_president_gov_ua.csv", "Office of the President of Ukraine", "ukrpres",
             "official/ukraine_president_press_releases.jsonl")]:
        col = Collection(rel)
        df = read_csv(data / src / fname)
        for i, r in df.iterrows():
            col.add(id=f"{prefix}-{i:04d}", outlet=outlet, date=iso_prefix(r["date"]),
                    title=none_if_blank(r["headline"]), url=none_if_blank(r["link"]),
                    paragraphs=split_paragraphs(r["body"]), source=src)
        out.append(col)
    return out


def build_us_gov(data, stats):
    src = "us_gov_russia_ukraine_statements"
    col = Collection("official/us_government_statements.jsonl")
    df = read_csv(data / src / "Government_Data.csv")
    unparsed = []
    # A body whose rows all carry one identical date (Treasury: every row says
    # "April 17, 2023", although its releases span 2022-2023) has a retrieval date, not a
    # publication date: its dates are set to null.
    n_dates = df.groupby("source")["date"].nunique()
    constant = sorted(b for b, n in n_dates.items() if n == 1 and (df["source"] == b).sum() > 1)
    stats["us_gov_constant_date_sources"] = {
        US_OUTLETS[b]: df.loc[df["source"] == b, "date"].iloc[0] for b in constant}
    for i, r in df.iterrows():
        if r["source"] not in US_OUTLETS:
            raise ValueError(f"unknown US source {r['source']!r} in row {i}")
        if r["source"] == "department_of_state" and \
                r["article"].lstrip().startswith(STATE_NON_STATEMENT_PAGES):
            col.drops[(US_OUTLETS[r["source"]],
                       "body is a scraped state.gov site page, not the statement")] += 1
            continue
        date = None if r["source"] in constant else parse_us_date(r["date"])
        if date is None and r["source"] not in constant:
            unparsed.append(r["date"])
        col.add(id=f"usgov-{i:04d}", outlet=US_OUTLETS[r["source"]], date=date,
                title=none_if_blank(r["title"]), url=none_if_blank(r["url"]),
                paragraphs=split_paragraphs(r["article"]), source=src)
    stats["us_gov_unparsed_dates"] = unparsed
    stats["us_gov_rows_at_excel_cell_limit"] = int((df["article"].str.len() == 32767).sum())
    return [col]


def build_ruwa(data, stats):
    src = "ruwa"
    col = Collection("headlines/ruwa.jsonl")
    df = read_csv(data / src / "RUWA_04.08.23.csv")
    for i, r in df.iterrows():
        if r["Site"] not in RUWA_OUTLETS:
            raise ValueError(f"unknown RUWA Site {r['Site']!r} in row {i}")
        outlet = RUWA_OUTLETS[r["Site"]]
        parts = [" ".join(split_paragraphs(r[c])) for c in ("title", "desc")]
        parts = [part for part in parts if part]
        if not parts:
            col.drops[(outlet, "no title and no subheading")] += 1
            continue
        # One item = one paragraph: the headline and the subheading joined by " — ". The
        # headline is the item's content, so it is not also given as a separate title.
        col.add(id=f"ruwa-{i:05d}", outlet=outlet, date=mdy(r["Date"]),
                title=None, url=none_if_blank(r["src"]),
                paragraphs=[" — ".join(parts)], source=src)
    return [col]


def outlet_stats(cols):
    per = defaultdict(lambda: {"articles": 0, "paragraphs": 0, "truncated": 0,
                               "date_min": None, "date_max": None, "undated": 0})
    for c in cols:
        for r in c.rows:
            s = per[(c.relpath, r["outlet"])]
            s["articles"] += 1
            s["paragraphs"] += len([p for p in r["text"].split("\n\n") if p.strip()])
            s["truncated"] += int(r.get("truncated", False))
            d = r["date"]
            if d is None:
                s["undated"] += 1
            else:
                s["date_min"] = d if s["date_min"] is None else min(s["date_min"], d)
                s["date_max"] = d if s["date_max"] is None else max(s["date_max"], d)
    return per


def main(argv):
    if len(argv) != 3:
        sys.exit("usage: python build_corpus.py SHARED_DATA_DIR OUT_DIR")
    data, out = Path(argv[1]), Path(argv[2])
    stats = {"max_paragraphs": MAX_PARAGRAPHS}
    cols = (build_nyt_guardian(data, stats) + build_kremlin_zelenskyy(data, stats)
            + build_us_gov(data, stats) + build_ruwa(data, stats))
    ids = [r["id"] for c in cols for r in c.rows]
    assert len(ids) == len(set(ids)), "duplicate ids"
    for c in cols:
        c.write(out)
    per = outlet_stats(cols)
    stats["outlets"] = [{"file": f, "outlet": o, **v} for (f, o), v in per.items()]
    stats["dropped"] = [{"file": c.relpath, "outlet": o, "reason": why, "n": n}
                        for c in cols for (o, why), n in sorted(c.drops.items())]
    (out / "stats.json").write_text(json.dumps(stats, ensure_ascii=False, indent=1) + "\n",
                                    encoding="utf-8")
    (out / "SOURCES.md").write_text(render_sources_md(stats), encoding="utf-8")
    for s in stats["outlets"]:
        print(f"{s['file']:48} {s['outlet']:36} {s['articles']:6} {s['paragraphs']:7} "
              f"{s['date_min']}..{s['date_max']} trunc={s['truncated']} undated={s['undated']}")
    for d in stats["dropped"]:
        print("dropped:", d)


# --------------------------------------------------------------------------- SOURCES.md
SOURCES_PROSE = """\
# Corpus sources

Built by `build_corpus.py SHARED_DATA_DIR OUT_DIR` (deterministic; rerunning gives the same
ids and the same bytes). Every JSONL line is one article with the keys `id`, `outlet`,
`date` (ISO date or null), `title`, `url` (or null), `text`, `source` (name of the dataset
folder); capped rows also carry `"truncated": true` and `"n_paragraphs_original"`.

**Copyright.** None of these texts belong to this project. Every article, headline, subheading
and press release remains © its publisher (news outlets) or is an official government
publication of its issuing office. Where a licence is stated it is given below; for the
CC BY-NC-SA 4.0 collections any redistribution of this corpus or derived data must be
non-commercial, attributed and shared alike.

## Common processing

- **Text is verbatim apart from paragraph structure.** Any run of line breaks (LF, CR, or the
  Excel escape `_x000D_`, which stands for a carriage return left over from an xlsx
  conversion), with the spaces/tabs/non-breaking spaces around it, counts as one paragraph
  boundary. Paragraphs are stripped of surrounding whitespace, empty paragraphs are dropped,
  and the rest are joined by exactly one blank line (`\\n\\n`). Nothing inside a paragraph is
  changed: double spaces, typographic quotes, zero-width characters, soft hyphens and
  boilerplate lines are left as they are. No paragraph breaks were invented where a source
  has none.
- **Cap.** A document with more than {cap} paragraphs keeps only its first {cap} paragraphs and
  gets `"truncated": true` and `"n_paragraphs_original"`. A document without paragraph breaks
  longer than 40,000 characters (Kremlin speech transcripts) is cut at the last sentence end
  before 40,000 characters and gets `"truncated": true` and `"n_chars_original"`. framing's
  reader splits text blocks longer than 1,500 characters at sentence ends into pieces of about
  700 characters, so break-less releases become paragraph-sized units when read.
- **Dedup.** Within a file, a second article with the same outlet and exactly the same
  (paragraph-normalised, uncapped) text is dropped; the first one in source order is kept.
- **ids** are the collection prefix plus the 0-based row index in the source CSV
  (`nyt-0000`, `guardian-0000`, `kremlin-0000`, `ukrpres-0000`, `usgov-0000`,
  `ruwa-00000`). Dropped rows leave gaps; ids never depend on what else was dropped.
- **Titles** are stripped of surrounding whitespace (some US-government and Ukrinform titles
  are padded with spaces, tabs or newlines).
- **Dates** are the date as given in the source (for ISO timestamps the UTC date, without
  converting to local time).

## news/nyt_guardian_2022.jsonl — NYT and Guardian, Feb–Jul 2022

- Origin: folder `nyt_guardian_russia_ukraine_2022`, copied unchanged from
  github.com/subina-maharjan/News_Analytics_Project at commit
  fcdec379b8674a2df410affa943fa9167ea13d8f (`NYT_Russia_Ukraine.csv`,
  `Guardians_Russia_Ukraine.csv`); the original upload is the Kaggle dataset
  `hskhawaja/russia-ukraine-conflict` by H. S. Khawaja (also Hugging Face
  `hugginglearners/russia-ukraine-conflict-articles`). It is a Kaggle upload, not an
  academic release.
- Licence as stated: CC BY-NC-SA 4.0 on the Kaggle/Hugging Face card. The MIT licence of the
  GitHub copy covers that repository's code, not the articles. Texts © The New York Times /
  Guardian News & Media.
- Outlet = the file (`NYT`, `Guardian`). Title = `headlines`; no URL in the source.
- Paragraphs: the texts use `\\n\\n` between paragraphs (Guardian also `\\n\\n\\n\\n` around
  embedded items such as tweets and newsletter sign-up lines); 21 short Guardian items
  (372–717 characters, mostly "what we know on day N" summaries) have no line break at all
  and stay one paragraph. NYT bodies are often only the opening paragraphs of the article.
- Date filter: the folder holds only articles published before 2022-07-16 (later ones are
  reserved for evaluation and are not part of this corpus). The script re-applies that filter
  and drops anything dated 2022-07-16 or later or undated: it dropped {ng_filter} rows.

## official/kremlin_press_releases.jsonl and official/ukraine_president_press_releases.jsonl

- Origin: folder `kremlin_zelenskyy_press_releases`, from github.com/PeiYiZhuo/zelenskyy-putin
  at commit 134450b5183c05bcbaac31d87e0e0ed65d54986e (`press_release_data/putin.csv`,
  `press_release_data/zelenskyy.csv`, renamed only). Cite as: Pei Yi Zhuo (2022), "An Alarmed
  Zelenskyy vs. a Nonchalant Putin: Analyzing Ukrainian and Russian Press Releases" (blog
  post in that repository); scraped from en.kremlin.ru and president.gov.ua/en. Also on Kaggle
  as `peiyizhuo/zelenskyy-and-putin-press-releases`.
- Licence as stated: none. These are official press releases of the Presidential Executive
  Office of Russia and the Office of the President of Ukraine; the sites' own terms were not
  checked.
- Outlet: `Kremlin` (putin_kremlin.csv) and `Office of the President of Ukraine`
  (zelenskyy_president_gov_ua.csv). Title = `headline`, url = `link`, date = `date`
  (UTC timestamp → date). The Kremlin `summary` and `location` columns are not used.
- Paragraphs: **the Kremlin bodies contain no line breaks at all** (paragraphs were joined with
  a single space when scraped, in a few places with no space, e.g. "it.There"), so every
  Kremlin release is a single paragraph, including full speech and press-conference
  transcripts of up to ~176,000 characters; none is capped. **The Zelenskyy bodies have no
  paragraph markup either**, apart from a stray `\\n\\r ` in 12 releases (mostly at the end;
  in 4 releases it splits the text into 2–3 paragraphs) and a leading `\\n` in one.
- Dedup: identical bodies published as separate releases (e.g. the same congratulatory
  message to two brigades, the same joint statement on two dates) are dropped after the
  first.

## official/us_government_statements.jsonl — White House, State, Defense, Treasury

- Origin: folder `us_gov_russia_ukraine_statements`, from
  github.com/dxlabskku/Russia-Ukraine-conflict at commit
  f720bf6d271120f411cfb6045983f891583f4f0f (`data/Government_Data.xlsx`, converted to CSV).
  Cite as: DX Lab, Sungkyunkwan University, repository "Russia-Ukraine-conflict" (no paper).
- Licence as stated: none. US federal government press statements (whitehouse.gov,
  state.gov, defense.gov, treasury.gov).
- Outlet from `source`: whitehouse → `White House`, department_of_state →
  `US State Department`, department_of_defense → `US Department of Defense`,
  department_of_treasury → `US Treasury`. Dates parsed from free text ("September 30, 2022",
  "Aug. 3, 2022"); unparsed: {us_unparsed}. **Treasury dates are null**: all {us_const}
  Treasury rows carry the same date ({us_const_date}), evidently the retrieval date, while the
  releases are numbered jy0607 … jy1298 and include e.g. the fact sheet "One Year of U.S.
  Sanctions on Russia", so they span about a year before that date. State Department rows have no
  URL (url null). Treasury titles end in " | U.S. Department of the Treasury" (kept).
- Paragraphs: White House uses `\\n\\n` and `\\n\\n\\n\\n`; Treasury `\\n\\n` (one row has no
  break); State `\\n\\n` (3 single `\\n`); Defense is mixed: 39 of 65 rows (26 of the 40
  kept) have **no line breaks** (paragraphs were run together, often with no space, e.g.
  "October 2022.While"), the other 26 use single line breaks written as `_x000D_\\n` with NBSP-only lines in between
  (list items and bullets become one paragraph per line).
- **State Department scraping errors.** In {state_bad} of the 40 State rows the `article` is
  not the statement but a state.gov site page (the "Our Mission" page of the Deputy
  Secretary, an empty A–Z index, "Certificates of Competency", "Diplomats in Residence",
  the Secretary's biography, the country list, the partnerships contact page); each such page
  recurs under several unrelated titles and dates. These rows are dropped (exact openings
  listed in `STATE_NON_STATEMENT_PAGES` in the script). The remaining State rows look like
  the real statements/transcripts.
- {us_excel} Treasury rows were cut at Excel's 32,767-character cell limit in the source (one is
  a duplicate; the other three have 69–118 paragraphs and are capped at {cap}, so the cut end
  is not in the corpus).
- Dedup: exact repeats (same outlet and text; for Defense and Treasury also the same URL)
  are dropped: see the table below.

## headlines/ruwa.jsonl — RUWA headlines and subheadings, 9 outlets

- Origin: folder `ruwa`, from github.com/ninakhairova/dataset_RUWA at commit
  5eab65389306e7adf7d2aef95b803b9308c72e61 (`RUWA_01.08.23.csv.zip` → `RUWA_04.08.23.csv`).
  Cite: N. Khairova, B. Ivasiuk, F. Lo Scudo, C. Comito, A. Galassi (2023). "A First Attempt
  to Detect Misinformation in Russia-Ukraine War News through Text Similarity". LDK 2023,
  pp. 559–564.
- Licence as stated: CC BY-NC-SA 4.0 (README). Headlines and subheadings © their outlets.
  The dataset deliberately has no article bodies, so each item is one paragraph.
- One item per row: `text` = the title and the subheading (`desc`) joined by " — " into one
  paragraph, or whichever exists (line breaks inside a field — some Ukrinform titles end in
  newlines, some subheadings contain blank lines — are folded to spaces). `title` is null: the
  headline is the item's text (RT rows never have a title). url = `src`; date = `Date` (MM/DD/YYYY). Rows with neither field are
  dropped; exact duplicate texts within an outlet are dropped (counts below).
- Outlet from `Site`: rt.com → RT, tass.com → TASS, en.news-front.info → News-Front,
  reuters.com → Reuters, bbc.co.uk → BBC, aljazeera.com → Al Jazeera, www.msnbc.com → MSNBC,
  ukrinform.net → Ukrinform, censor.net → Censor.net.

## Known oddities (kept verbatim, not cleaned)

- Boilerplate: Guardian newsletter promos ("Sign up to First Edition, our free daily
  newsletter …" in 40 articles, "Sign up to the daily Business Today email …", "Get in
  touch") and embedded tweets (`pic.twitter.com`, 12 articles); White House (66) and Treasury
  (36) releases end with a `###` paragraph; 32 Defense rows end with the site footer "Choose
  which Defense.gov products you want delivered to your inbox.The Department of Defense
  provides …" glued to the last paragraph; every Treasury title ends in
  " | U.S. Department of the Treasury" (one title contains the HTML entity `&amp;`).
- RUWA: every Censor.net title carries "(dd.mm.yy hh:mm) « Section | Censor.NET" and almost
  every Censor.net subheading starts with the timestamp and ends "View news." (or "View photo
  news." etc.); almost every Ukrinform subheading ends "— Ukrinform." (18 times as a separate
  paragraph); 315 MSNBC rows point to nbcnews.com live-blog entries, whose shared ledes are
  the MSNBC duplicates; RT rows have no title.
- Non-English: 75 Censor.net items contain Ukrainian/Russian (Cyrillic) text, 5 of them
  mostly; a few Kremlin, Zelenskyy and Ukrinform texts contain Cyrillic letters inside Latin
  words (homoglyphs, e.g. "Baerboсk" with a Cyrillic "с").
- Characters: zero-width spaces (U+200B) in Kremlin, Zelenskyy, Censor.net, Ukrinform and
  Guardian texts; soft hyphens; a U+FEFF inside one BBC title ("W<U+FEFF>ind farm …");
  non-breaking spaces inside many Defense and White House paragraphs and titles. No
  mojibake and no U+FFFD replacement characters were found.
- Run-together sentences ("it.There", "2022.While") where the scrapers dropped paragraph
  breaks: Kremlin, Zelenskyy and especially Defense.
- NYT `nyt-0058` is a podcast transcript (speaker-name lines as paragraphs) and is capped.
- No empty bodies in the four article sources; RUWA rows with neither title nor
  subheading are dropped (table below).
"""


def render_sources_md(stats):
    drops = stats["dropped"]
    ng_filter = sum(d["n"] for d in drops if d["file"].startswith("news/") and "dated" in d["reason"])
    md = SOURCES_PROSE.format(
        cap=stats["max_paragraphs"], ng_filter=ng_filter,
        us_unparsed=(", ".join(stats["us_gov_unparsed_dates"]) or "none"),
        us_excel=stats["us_gov_rows_at_excel_cell_limit"],
        state_bad=sum(d["n"] for d in drops if "state.gov site page" in d["reason"]),
        us_const=next((s["articles"] + sum(d["n"] for d in drops if d["outlet"] == "US Treasury")
                       for s in stats["outlets"] if s["outlet"] == "US Treasury"), 0),
        us_const_date=", ".join(stats["us_gov_constant_date_sources"].values()) or "none")
    md += "\n## Counts\n\nParagraphs = non-empty blank-line-separated paragraphs in the written " \
          "(capped) `text`.\n\n"
    md += "| file | outlet | articles | paragraphs | capped | first date | last date | undated |\n"
    md += "|---|---|---:|---:|---:|---|---|---:|\n"
    for s in stats["outlets"]:
        md += (f"| {s['file']} | {s['outlet']} | {s['articles']:,} | {s['paragraphs']:,} | "
               f"{s['truncated']} | {s['date_min'] or '–'} | {s['date_max'] or '–'} | "
               f"{s['undated']} |\n")
    md += "\n### Dropped rows\n\n| file | outlet | reason | rows |\n|---|---|---|---:|\n"
    for d in drops:
        md += f"| {d['file']} | {d['outlet']} | {d['reason']} | {d['n']} |\n"
    if not drops:
        md += "| – | – | none | 0 |\n"
    return md


if __name__ == "__main__":
    main(sys.argv)
