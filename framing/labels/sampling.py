"""Which paragraphs to label next: corpus order, random, stratified across outlets and
articles, the ones the current model is least sure of (uncertainty sampling), or the least sure
of each outlet in turn (uncertainty-stratified)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from framing._io import atomic_write
from framing.config import ExperimentConfig
from framing.corpus.read import project_paragraphs
from framing.corpus.tables import read_predictions
from framing.errors import ConfigError, FramingError
from framing.labels.codebook import load_codebook
from framing.labels.store import label_files, read_labels

ORDERS = ("corpus", "random", "stratified", "uncertainty", "uncertainty-stratified")
# Orders that rank paragraphs by a model's uncertainty (they need a trained model).
MODEL_ORDERS = ("uncertainty", "uncertainty-stratified")


def stratified_order(paragraphs: pd.DataFrame, *, seed: int = 0, by: str = "outlet") -> pd.DataFrame:
    """Interleave outlets (round robin) and, within an outlet, articles (round robin, articles
    in random order, paragraphs of an article in random order), so that any prefix of the result
    is spread over many outlets and articles rather than the first paragraphs of a few."""
    rng = np.random.default_rng(seed)
    frame = paragraphs.assign(_r=rng.random(len(paragraphs)))
    article_rank = {a: r for r, a in enumerate(rng.permutation(frame["article_id"].unique()))}
    frame["_article"] = frame["article_id"].map(article_rank)
    frame = frame.sort_values(["_article", "_r"])
    frame["_turn"] = frame.groupby("article_id").cumcount()  # k-th paragraph drawn from its article
    frame = frame.sort_values(["_turn", "_article"])
    frame["_slot"] = frame.groupby(by).cumcount()             # k-th paragraph drawn for its outlet
    outlet_rank = {o: r for r, o in enumerate(rng.permutation(frame[by].unique()))}
    frame["_outlet"] = frame[by].map(outlet_rank)
    frame = frame.sort_values(["_slot", "_outlet"])
    return frame.drop(columns=["_r", "_article", "_turn", "_slot", "_outlet"]).reset_index(drop=True)


def order_paragraphs(paragraphs: pd.DataFrame, order: str, *, seed: int = 0,
                     uncertainty: pd.Series | None = None) -> pd.DataFrame:
    """Return ``paragraphs`` in the requested labelling order."""
    if order == "corpus":
        return paragraphs.reset_index(drop=True)
    if order == "random":
        return paragraphs.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    if order == "stratified":
        return stratified_order(paragraphs, seed=seed)
    if order in MODEL_ORDERS:
        if uncertainty is None:
            raise FramingError(f"{order} order needs a trained model", fix="run `framing train` first")
        if order == "uncertainty-stratified":
            return uncertainty_stratified(paragraphs, uncertainty.reindex(paragraphs.index).to_numpy(), seed=seed)
        ranked = paragraphs.assign(_u=uncertainty.reindex(paragraphs.index).to_numpy())
        return ranked.sort_values("_u", ascending=False, kind="stable").drop(columns="_u").reset_index(drop=True)
    raise FramingError(f"unknown order {order!r}", fix=f"use one of: {', '.join(ORDERS)}")


def uncertainty_stratified(paragraphs: pd.DataFrame, uncertainty: np.ndarray, *, seed: int = 0,
                           by: str = "outlet") -> pd.DataFrame:
    """Outlets in turn (round robin, outlets in random order), each giving its most uncertain
    paragraph not yet taken: uncertainty sampling that cannot spend a batch on one outlet."""
    rng = np.random.default_rng(seed)
    frame = paragraphs.assign(_u=uncertainty).sort_values("_u", ascending=False, kind="stable")
    frame["_slot"] = frame.groupby(by).cumcount()
    outlet_rank = {o: r for r, o in enumerate(rng.permutation(frame[by].unique()))}
    frame["_outlet"] = frame[by].map(outlet_rank)
    frame = frame.sort_values(["_slot", "_outlet"], kind="stable")
    return frame.drop(columns=["_u", "_slot", "_outlet"]).reset_index(drop=True)


def uncertainty_scores(proba: dict[str, np.ndarray], multi: dict[str, bool]) -> np.ndarray:
    """Least-confidence score per paragraph, averaged over dimensions: 1 − max probability for a
    single-choice dimension; for a multi-label one, the mean closeness of each label's
    probability to 0.5 (1 at 0.5, 0 at 0 or 1)."""
    scores = []
    for name, p in proba.items():
        if multi[name]:
            scores.append((1 - np.abs(2 * p - 1)).mean(axis=1))
        else:
            scores.append(1 - p.max(axis=1))
    return np.mean(scores, axis=0)


def take_quotas(ordered: pd.DataFrame, quotas: dict[str, int], *, by: str = "outlet") -> pd.DataFrame:
    """The first ``quotas[group]`` rows of each group, keeping the given order.

    Raises if a group named in ``quotas`` does not exist.
    """
    unknown = sorted(set(quotas) - set(ordered[by]))
    if unknown:
        left = sorted(ordered[by].unique())
        raise FramingError(f"no paragraphs for {by} {unknown}", fix=f"choose among: {', '.join(left)}" if left else
                           "no paragraph is left to choose from (labelled and excluded ones are left out)")
    rank = ordered.groupby(by).cumcount()
    limit = ordered[by].map(quotas)
    return ordered[limit.notna() & (rank < limit.fillna(0))].reset_index(drop=True)


def parse_quotas(items: list[str]) -> dict[str, int]:
    """``OUTLET=N`` items (``--quota``) as {outlet: N}; the outlet name may itself contain ``=``.
    N is at least 1, and each outlet has one quota."""
    quotas = {}
    for item in items:
        name, sep, count = item.rpartition("=")
        if not sep or not count.isdigit():
            raise ConfigError(f"--quota {item!r} is not OUTLET=N", fix='e.g. --quota "Guardian=300"')
        if int(count) < 1:
            raise ConfigError(f"--quota {item!r} asks for no paragraphs", fix=f"give N >= 1, or leave {name} out")
        if name in quotas:
            raise ConfigError(f"--quota {item!r}: {name} already has a quota ({quotas[name]})",
                              fix=f"give {name} one --quota")
        quotas[name] = int(count)
    return quotas


def _excluded(paths: list[Path]) -> set[str]:
    """The paragraph ids of earlier batch files (``--exclude``)."""
    ids: set[str] = set()
    for path in paths:
        if not Path(path).is_file():
            raise FramingError("--exclude: no such file", path=path, fix="give an earlier batch file (written by "
                               "`framing labels sample --out`), or check the path")
        frame = read_predictions(path)
        if "paragraph_id" not in frame:
            raise FramingError(f"--exclude: no paragraph_id column (columns: {', '.join(map(str, frame.columns))})",
                               path=path, fix="give a batch or predictions file, which name each paragraph_id")
        ids |= set(frame["paragraph_id"].astype(str))
    return ids


BATCH_COLUMNS = ["paragraph_id", "article_id", "outlet", "date", "title", "text"]


def sample_batch(config: ExperimentConfig, root: str | Path = ".", *, quotas: dict[str, int], order: str = "stratified",
                 seed: int = 0, skip_labelled: bool = True, exclude: list[Path] | None = None,
                 output: str | Path | None = None,
                 scorer: Callable[[pd.DataFrame], pd.Series] | None = None) -> pd.DataFrame:
    """Paragraphs to label next: ``quotas[outlet]`` per outlet, in the given order, leaving out
    labelled paragraphs and those of earlier batches. Written to ``output`` (.jsonl or .csv).
    The uncertainty orders need ``scorer``: a trained model's uncertainty of each paragraph
    (:func:`framing.project.uncertainty_scorer`)."""
    root = Path(root)
    paragraphs = project_paragraphs(config, root)
    codebook = load_codebook(root / config.data.codebook)
    labelled: set[str] = set()
    if skip_labelled and label_files(root / config.data.labels):
        labelled = set(read_labels(root / config.data.labels, codebook)["paragraph_id"])
    excluded = _excluded(exclude or [])
    pool = paragraphs[~paragraphs["paragraph_id"].isin(labelled | excluded)]
    scores = scorer(pool) if order in MODEL_ORDERS and scorer is not None else None
    ordered = order_paragraphs(pool, order, seed=seed, uncertainty=scores)  # an unknown --order is the first thing to say
    _check_left(paragraphs, pool, quotas, labelled)
    batch = take_quotas(ordered, quotas)[BATCH_COLUMNS]
    if output is not None:
        output = Path(output)
        with atomic_write(output) as handle:
            if output.suffix.lower() == ".csv":
                batch.to_csv(handle, index=False)
            else:
                handle.write(batch.to_json(orient="records", lines=True, force_ascii=False))
    return batch


def _check_left(paragraphs: pd.DataFrame, pool: pd.DataFrame, quotas: dict[str, int], labelled: set[str]) -> None:
    """Raise if a quota's outlet is not in the corpus, or has no paragraph left in ``pool`` once
    the labelled paragraphs (``labelled``: --skip-labelled) and earlier batches (--exclude) are out."""
    outlets = set(paragraphs["outlet"])
    unknown = sorted(set(quotas) - outlets)
    if unknown:
        raise FramingError(f"no outlet {', '.join(map(repr, unknown))} in the corpus",
                           fix=f"choose among: {', '.join(sorted(outlets))}")
    for outlet in sorted(set(quotas) - set(pool["outlet"])):
        ids = paragraphs.loc[paragraphs["outlet"] == outlet, "paragraph_id"]
        done = int(ids.isin(labelled).sum())
        fixes = []
        if done:
            fixes.append("pass --no-skip-labelled to sample labelled paragraphs again")
        if done < len(ids):
            fixes.append("drop an --exclude batch")
        reason = ("labelled already" if done == len(ids) else "in the --exclude batches" if not done
                  else f"labelled already ({done}) or in the --exclude batches")
        raise FramingError(f"all {len(ids)} paragraphs of {outlet} are {reason}",
                           fix=f"{' and '.join(fixes)}, or drop the quota for {outlet}")
