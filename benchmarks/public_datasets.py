"""Rerun framing on three public, human-labelled datasets from scratch, through the same commands
a user runs (`framing import table`, `framing evaluate`, `framing predict`), and write the results
to experiments/<dataset>/ (README.md with the tables and commands, metrics*.json).

    .venv/bin/python benchmarks/public_datasets.py [--data ../shared/data] [--only babe]

Derived label columns are prepared with pandas first (rules stated below and in each README);
the imported projects live in benchmarks/work/ (not committed: they are copies of the data).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / "work"
FRAMING = str(Path(sys.executable).with_name("framing"))


def run(*args: str) -> float:
    """Run a framing command, echo it, return its wall time in seconds."""
    print("$ framing " + " ".join(args), flush=True)
    started = time.perf_counter()
    subprocess.run([FRAMING, *args], check=True)
    return time.perf_counter() - started


def prepare_babe(data: Path) -> tuple[Path, list[str]]:
    src = data / "babe" / "final_labels_SG2.csv"
    return src, ["--text", "text", "--label", "bias=label_bias", "--label", "opinion=label_opinion",
                 "--outlet", "outlet", "--group", "news_link", "--annotator", "babe-experts",
                 "--rationale", "bias=biased_words"]


def prepare_polnear(data: Path) -> tuple[Path, list[str]]:
    frame = pd.read_csv(data / "polnear" / "polnear_paragraphs.csv", dtype=str, keep_default_na=False)
    frame = frame[frame["split"].isin(["train", "test"])].copy()   # the dev month is not used
    frame["attribution"] = frame["has_attribution"].map({"1": "attributed", "0": "not_attributed"})

    def who(sources: str) -> str:
        """Source kinds from the human-marked source spans of the paragraph's attributions."""
        kinds = set()
        for span in filter(None, (s.strip() for s in sources.split(" | "))):
            low = span.lower()
            if "trump" in low:
                kinds.add("trump")
            elif "clinton" in low or "hillary" in low:
                kinds.add("clinton")
            else:
                kinds.add("other")
        return "|".join(sorted(kinds))

    frame["source_kind"] = frame["sources"].map(who)
    frame["pid"] = frame["article_id"] + ":" + frame["paragraph_idx"]
    path = WORK / "polnear_input.csv"
    frame.to_csv(path, index=False)
    return path, ["--text", "text", "--id", "pid", "--label", "attribution=attribution", "--label",
                  "source_kind=source_kind", "--multi", "source_kind", "--outlet", "publisher",
                  "--date", "publication_date", "--group", "article_id", "--split", "split", "--annotator", "polnear-annotators",
                  "--rationale", "attribution=cues", "--rationale", "source_kind=sources"]


def prepare_faerber(data: Path) -> tuple[Path, list[str]]:
    frame = pd.read_csv(data / "ukraine_news_bias_faerber2020" / "ukraine_news_bias_sentences.csv")
    frame["bias"] = frame["bin_bias"].map({1: "biased", 0: "not_biased"})
    russia, west = frame["bias_pro_russia_avg"], frame["bias_pro_west_avg"]
    frame["leaning"] = "neither"
    frame.loc[(russia > 1) & (russia >= west), "leaning"] = "pro_russia"
    frame.loc[(west > 1) & (west > russia), "leaning"] = "pro_west"
    frame["sid"] = frame["article_id"] + ":" + frame["sentence_id"]
    path = WORK / "faerber_input.csv"
    frame.to_csv(path, index=False)
    return path, ["--text", "text", "--id", "sid", "--label", "bias=bias", "--label", "leaning=leaning",
                  "--group", "article_id", "--annotator", "faerber-crowd"]


DATASETS = {
    "babe": (prepare_babe, [("default", []), ("prefix", ["--set", "features.analyzer=prefix"]),
                            ("prefix-lexicon", ["--set", "features.analyzer=prefix", "--set", "features.lexicon=rationale"]),
                            ("word-lexicon", ["--set", "features.lexicon=rationale"])], None),
    "polnear": (prepare_polnear, [("default", []), ("prefix", ["--set", "features.analyzer=prefix"]),
                                  ("word-lexicon", ["--set", "features.lexicon=rationale"])], ("train", "test")),
    "faerber": (prepare_faerber, [("default", [])], None),
}


SPEED_ROWS = 200_000  # predict speed is measured on the dataset's rows repeated to about this many


def speed_input(project: Path) -> Path:
    """The imported corpus repeated to about ``SPEED_ROWS`` rows (unique ids): enough that start-up
    does not dominate the measured predict speed."""
    corpus = pd.concat([pd.read_json(p, lines=True) for p in sorted((project / "corpus").glob("*.jsonl"))])
    copies = pd.concat([corpus.assign(id=corpus["id"].astype(str) + f"~{k}")
                        for k in range(max(1, SPEED_ROWS // len(corpus)))])
    path = WORK / f"{project.name}_speed.parquet"
    copies.to_parquet(path, index=False)
    return path


def scoring_speed(project: Path, texts: list[str]) -> dict[str, float]:
    """Per dimension, sentences scored per second in-process by the trained model (vectorise +
    score, no I/O or start-up; best of 3), one dimension at a time."""
    import copy

    from framing.model.scoring import FastScorer
    from framing.model.saved import load_model

    model = load_model(project / "experiments" / "default")
    speeds = {}
    for name, dim in model.dimensions.items():
        alone = copy.copy(model)
        alone.dimensions = {name: dim}
        scorer = FastScorer(alone)
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            scorer.score(texts)
            best = min(best, time.perf_counter() - started)
        speeds[name] = len(texts) / best
    return speeds


def table_md(metrics: dict) -> str:
    lines = ["| dimension | label | precision | recall | F1 | support |", "|---|---|---|---|---|---|"]
    for dim, m in metrics.items():
        if "labels" not in m:
            continue
        for label, v in m["labels"].items():
            lines.append(f"| {dim} | {label} | {v['precision']:.3f} | {v['recall']:.3f} | {v['f1']:.3f} | {v['support']} |")
        lines.append(f"| {dim} | **macro** | | | **{m['macro_f1']:.3f}** (majority baseline {m['baseline_macro_f1']:.3f}) | {m['n']} |")
    return "\n".join(lines)


OUTLET_VARIANTS = ("default", "prefix-lexicon")


def babe_outlet_check() -> None:
    """BABE outlet profile: hand-labelled bias share vs the cross-validated predicted share per
    outlet (the report's "hand labels vs model" section), and whether each prediction falls in
    the hand labels' 95% interval; for the default model and the best variant."""
    project = WORK / "babe"
    sections = []
    for variant in OUTLET_VARIANTS:
        # the variant's model and out-of-fold predictions
        run("train", "--root", str(project), *dict(DATASETS["babe"][1])[variant])
        run("predict", str(project / "corpus" / "final_labels_sg2.jsonl"), "--paragraphs", "--model",
            str(project / "experiments/default"), "--out", str(project / "predictions.parquet"), "--terms", "0")
        run("report", "--predictions", str(project / "predictions.parquet"), "--model", str(project / "experiments/default"),
            "--root", str(project), "--out", str(WORK / f"babe_report_{variant}"), "--title", f"BABE: bias by outlet ({variant})")
        sections.append(outlet_table(variant))
    path = ROOT / "experiments" / "babe" / "OUTLETS.md"
    path.write_text("# BABE: does the model reproduce each outlet's bias share?\n\n"
                    "Share of sentences labelled Biased per outlet in the expert labels, beside the share in the "
                    "5-fold grouped-CV predictions of the same sentences. From `framing report` (its hand labels vs "
                    "model section, `bias_validation.csv`), for two variants of RESULTS.md.\n\n" + "\n".join(sections),
                    encoding="utf-8")
    print(path.read_text())


def rank_correlation(table: pd.DataFrame) -> float:
    return float(table["hand"].rank().corr(table["predicted"].rank()))


def outlet_table(variant: str) -> str:
    """One variant's section of OUTLETS.md, from its report's bias_validation.csv."""
    table = pd.read_csv(WORK / f"babe_report_{variant}" / "bias_validation.csv")
    table = table[table["label"] == "biased"].sort_values("n_articles", ascending=False)
    has_ci = table["hand_low"].notna() & (table["n_articles"] >= 2)
    table["within"] = ((table["predicted"] >= table["hand_low"]) & (table["predicted"] <= table["hand_high"])).where(has_ci)
    lines = ["| outlet | articles | hand-labelled biased share (95% CI) | cross-validated predicted share | within CI |",
             "|---|---|---|---|---|"]
    for r in table.itertuples():
        ci = "—" if pd.isna(r.hand_low) else f"{r.hand_low:.2f}–{r.hand_high:.2f}"
        within = "—" if pd.isna(r.within) else ("yes" if r.within else "no")
        lines.append(f"| {r.outlet} | {r.n_articles} | {r.hand:.2f} ({ci}) | {r.predicted:.2f} | {within} |")
    return (f"## {variant}\n\n" + "\n".join(lines) + f"\n\n{int(table['within'].fillna(False).sum())} of "
            f"{int(has_ci.sum())} outlets with an interval (two or more articles) are within it. Rank correlation "
            f"(Spearman) of hand-labelled and predicted shares over those outlets: {rank_correlation(table[has_ci]):.2f}.\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    summary = []
    for name, (prepare, variants, split) in DATASETS.items():
        if args.only and name not in args.only.split(","):
            continue
        project = WORK / name
        shutil.rmtree(project, ignore_errors=True)
        source, options = prepare(args.data)
        commands = [f"framing import table {source.name} --out {name} " + " ".join(options)]
        run("import", "table", str(source), "--out", str(project), *options)
        results_dir = ROOT / "experiments" / name
        results_dir.mkdir(parents=True, exist_ok=True)
        sections = []
        for variant, extra in variants:
            eval_args = ["evaluate", "--root", str(project), *extra]
            if split:
                eval_args += ["--train-on", split[0], "--test-on", split[1]]
            seconds = run(*eval_args)
            metrics_file = project / "experiments" / "default" / ("metrics_holdout.json" if split else "metrics.json")
            metrics = json.loads(metrics_file.read_text())
            shutil.copy(metrics_file, results_dir / f"metrics_{variant}.json")
            train_args = ["train", "--root", str(project), *extra]
            train_seconds = run(*train_args)
            predict_seconds = run("predict", str(speed_input(project)), "--paragraphs", "--model",
                                  str(project / "experiments/default"), "--workers", "1",
                                  "--out", str(project / f"predictions_{variant}.parquet"), "--terms", "0")
            n_pred = len(pd.read_parquet(project / f"predictions_{variant}.parquet"))
            speeds = scoring_speed(project, pd.read_parquet(WORK / f"{name}_speed.parquet")["text"].tolist())
            commands.append("framing " + " ".join(a if not a.startswith("/") else Path(a).name for a in eval_args))
            sections.append(f"### {variant}\n\n{'Train on the train split, report on the test split' if split else 'Grouped 5-fold CV by article'}"
                            f" ({seconds:.0f} s for the evaluation; `framing train` on all rows {train_seconds:.0f} s; "
                            f"`framing predict --workers 1` of {n_pred:,} rows (the data repeated) "
                            f"{predict_seconds:.1f} s, {n_pred / predict_seconds:,.0f} rows/s on one core including start-up; "
                            f"in-process scoring one dimension at a time: "
                            f"{', '.join(f'{d} {v:,.0f}/s' for d, v in speeds.items())}).\n\n{table_md(metrics)}\n")
            for dim, m in metrics.items():
                if "macro_f1" in m:
                    summary.append({"dataset": name, "variant": variant, "dimension": dim, "macro_f1": round(m["macro_f1"], 3),
                                    "baseline": round(m["baseline_macro_f1"], 3), "n": m["n"],
                                    "evaluation": "holdout" if split else "grouped 5-fold CV",
                                    "predict rows/s": round(n_pred / predict_seconds),
                                    "scoring rows/s (this dimension)": round(speeds.get(dim, float("nan")))})
        (results_dir / "RESULTS.md").write_text(
            f"# {name}: measured by benchmarks/public_datasets.py\n\nCommands (from benchmarks/work/):\n\n```\n"
            + "\n".join(commands) + "\n```\n\n" + "\n".join(sections), encoding="utf-8")
    if not args.only or "babe" in args.only.split(","):
        babe_outlet_check()
    table = pd.DataFrame(summary)
    print(table.to_markdown(index=False))
    if not args.only:
        (ROOT / "experiments" / "public_datasets.md").write_text(table.to_markdown(index=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
