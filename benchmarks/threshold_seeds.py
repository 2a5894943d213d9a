"""How much the time-forward figure depends on the folds that choose the decision rule.

For each dimension: one model fitted on the training side of the shipped time-forward cut; its
thresholds (offsets for single-choice dimensions) chosen on the out-of-fold predictions of
grouped CV on that training side, split with each ``evaluate.seed``, and once on those splits'
predictions together; each rule scored (macro-F1) on the news paragraphs from the cut on.

    .venv/bin/python benchmarks/threshold_seeds.py sources,frames 0,1,2
"""

from __future__ import annotations

import dataclasses
import sys

import numpy as np
import pandas as pd
from sklearn.metrics import f1_score

from framing.config import load_config
from framing.evaluate.cv import cross_validate_dimension
from framing.evaluate.forward import forward_cut
from framing.evaluate.thresholds import chosen_rule, shift_probabilities
from framing.model.classifier import dimension_model, fit_inputs, model_texts
from framing.model.decision import decide, hits
from framing.project import load_project


def score(dim, config, inner, proba: np.ndarray, truth: list) -> tuple[float, dict]:
    """Macro-F1 on the test rows of the rule chosen on ``inner``'s out-of-fold predictions."""
    chosen = chosen_rule(inner, dim, config)
    if dim.multi:
        pred = hits(proba, True, np.array([chosen[n] for n in dim.label_names])).astype(int)
        gold = np.array([[n in value for n in dim.label_names] for value in truth], dtype=int)
        return f1_score(gold, pred, average="macro", zero_division=0), chosen
    shifted = shift_probabilities(proba, np.array([chosen[n] for n in dim.label_names]))
    pred = decide(dim.label_names, shifted, False)
    return f1_score(truth, pred, average="macro", labels=dim.label_names, zero_division=0), chosen


def main(dims: list[str], seeds: list[int]) -> None:
    config = load_config("experiments/default/config.toml")
    data = load_project(config, ".")
    table = data.table
    cut = forward_cut(table, config)
    for dim in data.codebook.dimensions:
        if dim.name not in dims:
            continue
        labelled = table[table[dim.name].notna()]
        dated = labelled["date"].notna()
        train = labelled[~dated | (labelled["date"] < cut)].reset_index(drop=True)
        test = labelled[dated & (labelled["date"] >= cut) & (labelled["collection"] == "news")]
        model = dimension_model(dim, config)
        model.fit(*fit_inputs(train, dim.name))
        proba, truth = model.predict_proba(model_texts(test)), list(test[dim.name])
        inners = []
        for seed in seeds:
            split = dataclasses.replace(config, evaluate=dataclasses.replace(config.evaluate, seed=seed))
            inners.append(cross_validate_dimension(train, dim, split))
            f1, chosen = score(dim, config, inners[-1], proba, truth)
            print(f"{dim.name} seed {seed}: {f1:.3f}", {k: round(v, 2) for k, v in chosen.items()}, flush=True)
        together = dataclasses.replace(inners[0], oof=pd.concat([i.oof for i in inners], ignore_index=True))
        f1, chosen = score(dim, config, together, proba, truth)
        print(f"{dim.name} seeds {seeds} together: {f1:.3f}", {k: round(v, 2) for k, v in chosen.items()}, flush=True)


if __name__ == "__main__":
    main(sys.argv[1].split(","), [int(s) for s in sys.argv[2].split(",")])
