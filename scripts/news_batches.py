"""Split the unlabelled news paragraphs into labelling batches, whole articles per annotator.

Used for the full labelling of `corpus/news` (codebook v1.3). Each primary annotator gets whole
articles (so "he said" can be resolved from the article), with paragraphs already labelled shown
as context only; a random share of the new paragraphs also goes, with its neighbours as context,
to a second annotator who never sees the first one's labels (the agreement study).

    python scripts/news_batches.py --out DIR --annotators j k l m n o p q --double 0.16
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from framing import load_codebook, read_labels, read_paragraphs

COLUMNS = ["paragraph_id", "tone", "sources", "frames", "tone__rationale", "sources__rationale", "frames__rationale"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--annotators", nargs="+", required=True)
    parser.add_argument("--double", type=float, default=0.16)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    paras = read_paragraphs("corpus/news")
    codebook = load_codebook("labels/codebook.toml")
    labelled = set(read_labels("labels", codebook)["paragraph_id"])
    paras["todo"] = ~paras["paragraph_id"].isin(labelled)
    todo_per_article = paras.groupby("article_id", sort=False)["todo"].sum()
    todo_per_article = todo_per_article[todo_per_article > 0]
    # Greedy balance: largest articles first, each to the annotator with the fewest paragraphs so far.
    load = {a: 0 for a in args.annotators}
    owner: dict[str, str] = {}
    for article, n in todo_per_article.sort_values(ascending=False).items():
        who = min(load, key=load.get)
        owner[article] = who
        load[who] += int(n)
    todo = paras[paras["todo"]].copy()
    todo["primary"] = todo["article_id"].map(owner)
    doubles = todo.sample(frac=args.double, random_state=args.seed)
    second: dict[str, str] = {}
    for pid, primary in zip(doubles["paragraph_id"], doubles["primary"]):
        others = [a for a in args.annotators if a != primary]
        second[pid] = min(others, key=lambda a: (sum(1 for v in second.values() if v == a), rng.random()))
    args.out.mkdir(parents=True, exist_ok=True)
    by_article = {a: g.reset_index(drop=True) for a, g in paras.groupby("article_id", sort=False)}
    manifest = {}
    for who in args.annotators:
        lines = [f"# Batch for annotator-{who}", ""]
        ids: list[str] = []
        for article, group in by_article.items():
            if owner.get(article) != who:
                continue
            first = group.iloc[0]
            lines += [f"## ARTICLE {article} — {first['title']} — {first['outlet']}, {first['date']}", ""]
            for _, row in group.iterrows():
                if row["todo"]:
                    lines.append(f"[LABEL {row['paragraph_id']}] {row['text']}")
                    ids.append(row["paragraph_id"])
                else:
                    lines.append(f"(context) {row['text']}")
                lines.append("")
        mine = [pid for pid, a in second.items() if a == who]
        if mine:
            lines += ["# Second reading: single paragraphs from other articles (neighbours shown as context)", ""]
        for pid in mine:
            row = todo[todo["paragraph_id"] == pid].iloc[0]
            group = by_article[row["article_id"]]
            i = int(group.index[group["paragraph_id"] == pid][0])
            lines += [f"## ARTICLE {row['article_id']} — {row['title']} — {row['outlet']}, {row['date']}", ""]
            if i > 0:
                lines += [f"(context) {group.loc[i - 1, 'text']}", ""]
            lines += [f"[LABEL {pid}] {row['text']}", ""]
            if i + 1 < len(group):
                lines += [f"(context) {group.loc[i + 1, 'text']}", ""]
            ids.append(pid)
        (args.out / f"batch-{who}.md").write_text("\n".join(lines), encoding="utf-8")
        pd.DataFrame({c: (ids if c == "paragraph_id" else [""] * len(ids)) for c in COLUMNS}).to_csv(
            args.out / f"decisions-{who}.tsv", sep="\t", index=False)
        manifest[who] = {"paragraphs": len(ids), "primary": load[who], "second_reading": len(mine)}
    (args.out / "manifest.json").write_text(json.dumps({"second": second, "per_annotator": manifest}, indent=1))
    print(json.dumps(manifest, indent=1))


if __name__ == "__main__":
    main()
