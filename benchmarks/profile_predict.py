"""cProfile of predict_file on a Parquet of paragraphs, one process: the sklearn reference engine
(per-row top terms) against the fast engine. Writes benchmarks/profiles/<engine>.txt.

    python benchmarks/profile_predict.py INPUT.parquet [--rows N]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import tempfile
import time
from pathlib import Path

import pandas as pd

from framing import load_model, predict_file

HERE = Path(__file__).parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("source", type=Path)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--model", default="experiments/default")
    args = parser.parse_args()
    model = load_model(args.model)
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "in.parquet"
        pd.read_parquet(args.source).head(args.rows).to_parquet(source, row_group_size=10_000)
        for engine in ("sklearn", "fast"):
            profile = cProfile.Profile()
            cpu, wall = time.process_time(), time.perf_counter()
            profile.enable()
            predict_file(model, source, Path(tmp) / f"{engine}.parquet", paragraphs=True, engine=engine)
            profile.disable()
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            text = io.StringIO()
            pstats.Stats(profile, stream=text).sort_stats("cumulative").print_stats(35)
            head = f"engine={engine} rows={args.rows} cpu={cpu:.2f}s wall={wall:.2f}s (under cProfile)\n"
            (HERE / "profiles" / f"{engine}.txt").write_text(head + text.getvalue())
            print(head, end="")


if __name__ == "__main__":
    main()
