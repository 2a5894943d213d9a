"""Throughput and memory of `framing predict` at corpus scale (the CLI, as a subprocess).

1. Input: 1,000,000 paragraphs sampled with replacement (seed 2026) from the project's corpus
   (`framing.read_paragraphs("corpus")`), written once to benchmarks/data/paragraphs_1m.parquet
   (row groups of 10k; unique ids `b0000000`...); its first 100k rows are paragraphs_100k.parquet.
2. `framing predict DATA --paragraphs --model experiments/default --workers N` on 100k and 1M,
   N = 1 and 2: wall time, CPU time of the whole process tree (user+sys, getrusage of children),
   paragraphs/s, peak RSS of the process tree (psutil, sampled every 20 ms).
3. The regex floor: `re.findall(r"\\b\\w\\w+\\b", text.lower())` per paragraph in one process
   (reading the same Parquet by row groups), nothing else.

    .venv/bin/pip install psutil
    .venv/bin/python benchmarks/predict_speed.py [--sizes 100k 1m] [--workers 1 2] [--engine fast]

Results are appended as JSON lines to benchmarks/out/results.jsonl and printed as a table.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data"
OUT = HERE / "out"
SIZES = {"100k": 100_000, "1m": 1_000_000}
SEED = 2026

REGEX_FLOOR = r"""
import re, sys, pyarrow.parquet as pq
pattern = re.compile(r"\b\w\w+\b")
f = pq.ParquetFile(sys.argv[1]); n = 0
for g in range(f.num_row_groups):
    for text in f.read_row_group(g, columns=["text"]).column("text").to_pylist():
        pattern.findall(text.lower()); n += 1
print(n)
"""


def build_inputs() -> dict[str, Path]:
    """Write the sampled inputs once; return {size: path}."""
    import pandas as pd

    paths = {name: DATA / f"paragraphs_{name}.parquet" for name in SIZES}
    if all(p.is_file() for p in paths.values()):
        return paths
    import framing

    DATA.mkdir(parents=True, exist_ok=True)
    corpus = framing.read_paragraphs(ROOT / "corpus")
    rng = np.random.default_rng(SEED)
    pick = rng.integers(0, len(corpus), SIZES["1m"])
    frame = pd.DataFrame({"id": [f"b{i:07d}" for i in range(len(pick))],
                          "article": corpus["article_id"].to_numpy()[pick],
                          "text": corpus["text"].to_numpy()[pick],
                          "outlet": corpus["outlet"].to_numpy()[pick],
                          "date": corpus["date"].to_numpy()[pick]})
    for name, n in SIZES.items():
        tmp = paths[name].with_suffix(".partial")
        frame.head(n).to_parquet(tmp, row_group_size=10_000, index=False)
        os.replace(tmp, paths[name])
    return paths


def measure(command: list[str], env: dict | None = None) -> dict:
    """Run ``command``; wall, CPU (user+sys of the tree) and peak summed RSS of the tree."""
    import psutil

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    root = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            tree = [root, *root.children(recursive=True)]
            rss = 0
            for p in tree:
                try:
                    rss += p.memory_info().rss
                except psutil.Error:
                    pass
            peak = max(peak, rss)
        except psutil.Error:
            pass
        time.sleep(0.02)
    wall = time.perf_counter() - start
    out, err = proc.communicate()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{err.decode()[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "peak_rss_mib": round(peak / 2**20, 1),
            "stdout": out.decode().strip()[-200:]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", nargs="+", default=list(SIZES), choices=list(SIZES))
    parser.add_argument("--workers", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--engine", default="fast")
    parser.add_argument("--no-regex", action="store_true")
    parser.add_argument("--model", default="experiments/default")
    parser.add_argument("--articles", action="store_true", help="also write the article table (--articles)")
    parser.add_argument("--article-col", default=None, help="group the paragraph rows into articles by this column "
                                                            "(the input's is 'article'; default: each row its own)")
    args = parser.parse_args()
    paths = build_inputs()
    OUT.mkdir(parents=True, exist_ok=True)
    framing_bin = str(Path(sys.executable).with_name("framing"))
    results = []
    for size in args.sizes:
        n = SIZES[size]
        if not args.no_regex:
            r = measure([sys.executable, "-c", REGEX_FLOOR, str(paths[size])])
            results.append({"method": "regex floor", "size": size, "workers": 1, **r})
        for workers in args.workers:
            out = OUT / f"pred_{size}_{workers}.parquet"
            extra, label = [], f"framing predict ({args.engine})"
            articles = OUT / f"articles_{size}_{workers}.parquet"
            if args.articles:
                extra += ["--articles", str(articles)]
                label += " --articles"
            if args.article_col:
                extra += ["--article-col", args.article_col]
                label += f" by {args.article_col}"
            r = measure([framing_bin, "predict", str(paths[size]), "--paragraphs", "--model", args.model,
                         "--out", str(out), "--workers", str(workers), "--engine", args.engine, "--chunk-size", "10000",
                         *extra])
            results.append({"method": label, "size": size, "workers": workers, **r})
            out.unlink(missing_ok=True)
            articles.unlink(missing_ok=True)
        for r in results[-(len(args.workers) + (0 if args.no_regex else 1)):]:
            r["paragraphs_per_s"] = round(n / r["wall_s"])
            r["load_1min"] = round(os.getloadavg()[0], 2)
            with open(OUT / "results.jsonl", "a") as handle:
                handle.write(json.dumps({**r, "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}) + "\n")
            print(f"{r['method']:<28} {r['size']:>5} w={r['workers']} wall {r['wall_s']:7.2f} s  cpu {r['cpu_s']:7.2f} s  "
                  f"{r['paragraphs_per_s']:>8}/s  peak RSS {r['peak_rss_mib']:7.1f} MiB  load {r['load_1min']}", flush=True)
    by = {(r["size"], r["workers"]): r["peak_rss_mib"] for r in results if r["method"].startswith("framing")}
    for workers in args.workers:
        if ("100k", workers) in by and ("1m", workers) in by:
            change = by[("1m", workers)] / by[("100k", workers)] - 1
            verdict = "ok" if abs(change) <= 0.10 else "NOT within 10 %"
            print(f"peak RSS 100k -> 1M, {workers} worker(s): {by[('100k', workers)]} -> {by[('1m', workers)]} MiB "
                  f"({change:+.1%}, {verdict})")


if __name__ == "__main__":
    main()
