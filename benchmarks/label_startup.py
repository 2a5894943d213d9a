"""Time to the first question of `framing label` on a 1,000,000-paragraph corpus.

1. Project (built once in benchmarks/work/label-1m/): the codebook of labels/codebook.toml, no
   hand labels, the shipped model (experiments/default: meta.json and its model file, copied), and a
   corpus of one Parquet table, corpus/articles.parquet: 100,000 articles of 10 paragraphs each
   (row groups of 10,000 articles), each paragraph drawn with replacement (seed 2026) from the
   project's corpus paragraphs, with the article's number appended so that every id is new.
2. Each run is the CLI in a subprocess, `framing label --root PROJECT --annotator bench --order O`
   with "q" on stdin: the session starts, shows its first question, and quits. The time to the
   first question is from the process start to the moment the question's marker (▶) appears
   on stdout (imports, model load, reading the corpus as far as needed, ranking); the whole run
   also counts writing nothing and exiting.

    .venv/bin/python benchmarks/label_startup.py [--orders corpus stratified uncertainty] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PROJECT = HERE / "work" / "label-1m"
ARTICLES, PER_ARTICLE, GROUP = 100_000, 10, 10_000
SEED = 2026


def build_project() -> Path:
    """Write the benchmark project once; return its folder."""
    table = PROJECT / "corpus" / "articles.parquet"
    if table.is_file() and (PROJECT / "experiments" / "default" / "meta.json").is_file():
        return PROJECT
    import pyarrow as pa
    import pyarrow.parquet as pq

    import framing

    (PROJECT / "labels").mkdir(parents=True, exist_ok=True)
    (PROJECT / "corpus").mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "labels" / "codebook.toml", PROJECT / "labels" / "codebook.toml")
    model = PROJECT / "experiments" / "default"
    model.mkdir(parents=True, exist_ok=True)
    shipped = ROOT / "experiments" / "default"
    for name in ("meta.json", "config.toml", json.loads((shipped / "meta.json").read_text())["model_file"]):
        shutil.copy(shipped / name, model / name)
    texts = framing.read_paragraphs(ROOT / "corpus")["text"].to_numpy()
    outlets = np.array(["Daily", "Herald", "Courier", "Gazette", "Tribune"])
    rng = np.random.default_rng(SEED)
    writer = None
    for start in range(0, ARTICLES, GROUP):
        numbers = range(start, start + GROUP)
        picks = rng.integers(0, len(texts), size=(GROUP, PER_ARTICLE))
        body = ["\n\n".join(f"{texts[j]} (article {n})" for j in row) for n, row in zip(numbers, picks)]
        group = pa.table({"id": [f"a{n:06d}" for n in numbers], "text": body,
                          "outlet": outlets[rng.integers(0, len(outlets), GROUP)].tolist(),
                          "date": [f"2025-{1 + n % 12:02d}-{1 + n % 28:02d}" for n in numbers],
                          "title": [f"Article {n}" for n in numbers]})
        writer = writer or pq.ParquetWriter(table, group.schema)
        writer.write_table(group)
    writer.close()
    return PROJECT


def first_question(order: str) -> dict:
    """One subprocess run: seconds to the first question, and to the end of the run."""
    exe = Path(sys.executable).with_name("framing")
    state = PROJECT / ".framing"
    shutil.rmtree(state, ignore_errors=True)
    started = time.perf_counter()
    proc = subprocess.Popen([str(exe), "label", "--root", str(PROJECT), "--annotator", "bench", "--order", order],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            env={**os.environ, "COLUMNS": "120"})
    proc.stdin.write(b"q\n")
    proc.stdin.flush()
    seen = b""
    first = None
    while chunk := proc.stdout.read1(4096):
        seen += chunk
        if first is None and "▶".encode() in seen:
            first = time.perf_counter() - started
    proc.wait()
    total = time.perf_counter() - started
    (PROJECT / "labels" / "bench.jsonl").unlink(missing_ok=True)
    if proc.returncode != 0 or first is None:
        raise SystemExit(f"framing label --order {order} failed:\n{seen.decode(errors='replace')[-2000:]}")
    return {"order": order, "first_question_s": round(first, 2), "run_s": round(total, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", nargs="+", default=["corpus", "stratified", "uncertainty"])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    build_project()
    rows = []
    for order in args.orders:
        runs = [first_question(order) for _ in range(args.repeats)]
        best = min(runs, key=lambda r: r["first_question_s"])
        rows.append({**best, "median_first_question_s": float(np.median([r["first_question_s"] for r in runs])),
                     "paragraphs": ARTICLES * PER_ARTICLE, "load_1min": round(os.getloadavg()[0], 2)})
        print(json.dumps(rows[-1]), flush=True)


if __name__ == "__main__":
    main()
