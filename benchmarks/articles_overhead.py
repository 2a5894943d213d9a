"""CPU cost of the article table (`--articles`) in the prediction pass, measured in one process.

On a shared machine wall time says little; the CPU time of one process running the same
prediction with and without the article table, in interleaved repeats, isolates the cost of
grouping paragraphs into articles (summaries, merging, the table's write). Input: the first
100k rows of benchmarks/data/paragraphs_1m.parquet (`predict_speed.py` writes it), read as
paragraph rows grouped by their `article` column (as `--paragraphs --article-col article`).

    .venv/bin/python benchmarks/articles_overhead.py [--repeats 5] [--model experiments/default]

Results are appended as JSON lines to benchmarks/out/results.jsonl and printed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def one_run(model, source: Path, out: Path, articles: Path | None) -> float:
    from framing.corpus.tables import Columns
    from framing.predict.local import predict_file

    start = time.process_time()
    predict_file(model, source, out, columns=Columns(article="article"), paragraphs=True, workers=1,
                 articles=articles)
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--model", default=str(HERE.parent / "experiments" / "default"))
    parser.add_argument("--input", default=str(HERE / "data" / "paragraphs_100k.parquet"))
    args = parser.parse_args()
    import os

    import framing

    loaded = framing.load_model(args.model)
    model = loaded[0] if isinstance(loaded, tuple) else loaded
    times: dict[str, list[float]] = {"none": [], "articles": []}
    with tempfile.TemporaryDirectory() as tmp:
        out, table = Path(tmp) / "preds.parquet", Path(tmp) / "articles.csv"
        one_run(model, Path(args.input), out, None)  # warm-up: caches, imports
        for _ in range(args.repeats):
            times["none"].append(one_run(model, Path(args.input), out, None))
            times["articles"].append(one_run(model, Path(args.input), out, table))
    row = {"benchmark": "articles_overhead", "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
           "load": os.getloadavg()[0], "input": args.input, **{f"cpu_{k}": v for k, v in times.items()}}
    for stat in (statistics.median, min):
        base, with_articles = stat(times["none"]), stat(times["articles"])
        row[f"{stat.__name__}_overhead"] = with_articles / base - 1
        print(f"{stat.__name__}: no articles {base:.2f} s CPU, with articles {with_articles:.2f} s "
              f"({100 * (with_articles / base - 1):+.1f} %)")
    (HERE / "out").mkdir(exist_ok=True)
    with open(HERE / "out" / "results.jsonl", "a", encoding="utf-8") as handle:
        handle.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
