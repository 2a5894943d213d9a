"""Two BABE checks behind experiments/babe/README.md, on the project that
`benchmarks/public_datasets.py --only babe` imports into benchmarks/work/babe:

1. Calibration: does a sigmoid or isotonic calibration of the bias probabilities, fitted on
   out-of-fold predictions *inside* each training fold, change grouped-CV macro-F1 at 0.5?
2. Cross-fitting of the rationale lexicon: macro-F1 when training rows get in-sample lexicon
   scores (one "fold") instead of scores from lexicons learnt without their own article.

    .venv/bin/python benchmarks/babe_ablations.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

from framing import load_config, load_project
from framing.evaluate.cv import _splits, cross_validate, cross_validate_dimension
from framing.model.lexicon import RationaleLexicon
from framing.model.classifier import dimension_model, fit_inputs

ROOT = Path(__file__).resolve().parent / "work" / "babe"
VARIANTS = {"default": [], "prefix": ["features.analyzer=prefix"],
            "prefix-lexicon": ["features.analyzer=prefix", "features.lexicon=rationale"]}
POSITIVE = "biased"


def calibration(overrides: list[str]) -> dict[str, float]:
    config = load_config(ROOT / "experiments/default/config.toml", overrides)
    data = load_project(config, ROOT)
    dim = data.codebook.dimension("bias")
    rows = data.table[data.table["bias"].notna()].reset_index(drop=True)
    y = rows["bias"].to_numpy()
    other = next(label for label in dim.label_names if label != POSITIVE)
    column = dim.label_names.index(POSITIVE)
    predicted = {name: np.empty(len(rows), dtype=object) for name in ("none", "sigmoid", "isotonic")}
    for train, test in _splits(dim, list(y), rows["article_id"].astype(str).to_numpy(), config, "article"):
        part = rows.iloc[train].reset_index(drop=True)
        inner = cross_validate_dimension(part, dim, config).oof[f"bias:{POSITIVE}"].to_numpy()
        truth = (part["bias"].to_numpy() == POSITIVE).astype(int)
        model = dimension_model(dim, config)
        p = model.fit(*fit_inputs(part, "bias")).predict_proba(rows["text"].iloc[test].tolist())[:, column]
        logit = lambda q: np.log(q / (1 - q)).reshape(-1, 1)  # noqa: E731
        sigmoid = LogisticRegression().fit(logit(inner), truth).predict_proba(logit(p))[:, 1]
        isotonic = IsotonicRegression(out_of_bounds="clip").fit(inner, truth).predict(p)
        for name, q in (("none", p), ("sigmoid", sigmoid), ("isotonic", isotonic)):
            predicted[name][test] = np.where(q >= 0.5, POSITIVE, other)
    return {name: f1_score(y, values, average="macro") for name, values in predicted.items()}


def without_cross_fitting() -> float:
    config = load_config(ROOT / "experiments/default/config.toml", VARIANTS["prefix-lexicon"])
    data = load_project(config, ROOT)
    defaults = RationaleLexicon.__init__.__defaults__
    try:  # folds = 1: the lexicon scores its own training rows
        RationaleLexicon.__init__.__defaults__ = tuple(1 if name == "folds" else value for name, value in
                                                       zip(RationaleLexicon.__init__.__code__.co_varnames[1:], defaults))
        result = next(r for r in cross_validate(data.table, data.codebook, config) if r.dimension == "bias")
    finally:
        RationaleLexicon.__init__.__defaults__ = defaults
    return result.metrics["macro_f1"]


def main() -> None:
    print("| variant | no calibration | sigmoid | isotonic |\n|---|---|---|---|")
    for name, overrides in VARIANTS.items():
        scores = calibration(overrides)
        print(f"| {name} | {scores['none']:.4f} | {scores['sigmoid']:.4f} | {scores['isotonic']:.4f} |")
    print(f"\nprefix-lexicon without cross-fitting the lexicon: {without_cross_fitting():.4f}")


if __name__ == "__main__":
    main()
