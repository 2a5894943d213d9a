"""Labelling commands: the interactive session, label statistics, agreement and adjudication."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from rich.console import Console
from rich.text import Text

from framing.cli._common import (ConfigPath, Experiment, Overrides, Root, _config, _progress, _project, app, friendly,
                                 labels_app, literal, out, tagged)

# The labelling screen wraps at word boundaries (the shared console prints tables unwrapped).
screen = Console(highlight=False)

COMMANDS = {"s": "skip", "u": "undo", "b": "back", "q": "quit", "?": "definitions"}


def _keys(dim) -> dict[str, str]:
    keys = {}
    for i, label in enumerate(dim.labels, 1):
        key = str(label.key) if label.key else (str(i) if i < 10 else chr(ord("a") + i - 10))
        keys[key] = label.name
    return keys


def _show(session, question, keys: dict[str, str], *, tty: bool, chosen: set[str] | None = None,
          notice: str = "") -> None:
    if tty:
        screen.clear()
    p = session.progress()
    outlets = " · ".join(f"{o} {n}" for o, n in sorted(p["per_outlet"].items(), key=lambda x: -x[1])[:6])
    target = f"{p['target']}+" if p.get("more") else str(p["target"])  # "+": the corpus is not read to its end yet
    screen.print(f"[bold]framing label[/] — {escape(session.annotator)} · labelled {p['done']}/{target} "
              f"· this session {p['this_session']}" + (f" · {escape(outlets)}" if outlets else ""), highlight=False)
    row = question.row
    screen.rule(style="grey50")
    screen.print(f"[bold]{escape(_field(row, 'title', '(no title)'))}[/] — {escape(_field(row, 'outlet', 'no outlet'))}, "
              f"{escape(_field(row, 'date', 'no date'))}  [grey50]{escape(row['paragraph_id'])}[/]", highlight=False)
    if question.previous:
        screen.print(f"[grey50]  … {escape(_clip(question.previous))}[/]", highlight=False)
    screen.print(f"[bold]▶ {escape(row['text'])}[/]", highlight=False)
    if question.following:
        screen.print(f"[grey50]  … {escape(_clip(question.following))}[/]", highlight=False)
    screen.rule(style="grey50")
    dim = question.dimension
    kind = "any number, a key again takes it back, Enter to confirm (Enter alone = none)" if dim.multi else "one"
    screen.print(f"[bold cyan]{dim.name}[/] ({kind}) — {escape(dim.question)}", highlight=False)
    screen.print("  ".join(f"[bold]\\[{k}][/] " + (f"[reverse]{v}[/] ✔" if chosen and v in chosen else v)
                           for k, v in keys.items()), highlight=False)
    if question.suggestion is not None:
        screen.print(f"suggested: [green]{', '.join(question.suggestion) or '(none)'}[/] — Enter accepts", highlight=False)
    if question.current is not None:
        screen.print(f"your earlier answer: [yellow]{', '.join(question.current) or '(none)'}[/]", highlight=False)
    screen.print("[grey50]s skip · u undo · b back · ? definitions · q quit[/]")
    if notice:
        screen.print(f"[yellow]{escape(notice)}[/]")


def _field(row, key: str, missing: str) -> str:
    """A paragraph's metadata as shown: ``missing`` for none, NaN included (a truthy float)."""
    import pandas as pd

    value = row.get(key)
    return missing if value is None or not isinstance(value, str) and pd.isna(value) or not str(value).strip() \
        else str(value)


def _clip(text: str, n: int = 220) -> str:
    return text if len(text) <= n else text[:n] + "…"


def _definitions(dim) -> None:
    for label in dim.labels:
        screen.print(f"[bold]{label.name}[/]: {escape(label.definition)}", highlight=False)


def _read_key() -> str:
    import termios
    import tty

    fd = sys.stdin.fileno()
    old = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd)
        return sys.stdin.read(1)
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, old)


def _answer(session, question, keys: dict[str, str], tty: bool) -> tuple[str, list[str] | None]:
    """Return (action, values): action is 'answer', a COMMANDS value, or 'eof'."""
    dim = question.dimension
    if tty:
        chosen: set[str] = set()
        while True:
            key = _read_key()
            if key in COMMANDS:
                return COMMANDS[key], None
            if key in keys and not dim.multi:
                return "answer", [keys[key]]
            if key in keys:
                chosen ^= {keys[key]}
                _show(session, question, keys, tty=True, chosen=chosen)
            elif key in ("\n", "\r"):
                if not chosen and question.suggestion is not None:
                    return "answer", list(question.suggestion)
                if dim.multi:
                    return "answer", sorted(chosen)
    line = sys.stdin.readline()
    if line == "":
        return "eof", None
    line = line.strip()
    if line in COMMANDS:
        return COMMANDS[line], None
    if line == "" and question.suggestion is not None:
        return "answer", list(question.suggestion)
    picked = [k for k in line.replace(",", " ").split()] if " " in line or "," in line else list(line)
    if any(k not in keys for k in picked) or (not dim.multi and len(picked) != 1):
        return "invalid", None
    twice = [k for k in dict.fromkeys(picked) if picked.count(k) > 1]
    if twice:  # in the terminal a second press takes a label back: "11" is neither "1" nor a plain none
        return "invalid", [f"{', '.join(twice)} given twice; give each key once"]
    return "answer", [keys[k] for k in picked]


def _rationale(question) -> list[str] | None:
    """Ask which words decided the answer until every one is found in the paragraph; None at end of input."""
    from rich.markup import escape

    from framing.labels.store import check_rationale
    from framing.errors import LabelsError

    while True:
        screen.print("words that decided it (separate with ';', Enter: none): ", end="", highlight=False)
        line = sys.stdin.readline()
        if line == "":
            return None
        try:
            return check_rationale(line.split(";"), question.row["text"])
        except LabelsError as exc:
            screen.print(f"[red]{escape(exc.what)}[/] — {escape(exc.fix or '')}", highlight=False)


@app.command("label")
@friendly
def label_cmd(
    annotator: Annotated[str | None, typer.Option(help="Your annotator id (required the first time, then remembered).")] = None,
    order: Annotated[str | None, typer.Option(help="corpus, random, stratified, uncertainty or uncertainty-stratified "
                                                   "(active learning). Default: the config's active.order (uncertainty: "
                                                   "it saved the most labels in experiments/active-learning), or "
                                                   "active.fallback_order while there is no trained model.")] = None,
    seed: Annotated[int, typer.Option(help="Seed for random and stratified order.")] = 0,
    suggest: Annotated[bool, typer.Option(help="Preselect the model's prediction as a suggestion.")] = False,
    refresh: Annotated[int, typer.Option(min=1, help="Retrain for uncertainty/suggestions every N answers.")] = 25,
    outlet: Annotated[list[str] | None, typer.Option(help="Only this outlet (repeatable).")] = None,
    article: Annotated[list[str] | None, typer.Option(help="Only this article id (repeatable).")] = None,
    missing: Annotated[str | None, typer.Option(help="Only paragraphs with no label yet on this dimension.")] = None,
    dimension: Annotated[list[str] | None, typer.Option(help="Ask only this dimension (repeatable).")] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Stop after this many paragraphs.")] = None,
    target: Annotated[int | None, typer.Option(min=1, help="Target shown in the progress line.")] = None,
    output: Annotated[Path | None, typer.Option("--out", help="Labels file (default labels/ANNOTATOR.jsonl).")] = None,
    rationale: Annotated[bool, typer.Option(help="After each answer, ask which words decided it (kept as the label's "
                                                 "rationale; features.lexicon learns from them).")] = False,
    root: Root = Path("."), experiment: Experiment = "default", config: ConfigPath = None,
) -> None:
    """Label paragraphs one at a time in the terminal; every answer is saved at once."""
    from contextlib import closing

    from framing.labels.session import SessionOptions
    from framing.project import open_session

    options = SessionOptions(order=order, seed=seed, outlets=outlet or [], articles=article or [], missing=missing,
                             dimensions=dimension or [], limit=limit, target=target, suggest=suggest, refresh=refresh)
    with _progress() as bar:  # the first window of the corpus (and its ranking, for model orders)
        task = bar.add_task("reading the corpus", total=None)
        session = open_session(root, _config(root, experiment, config, None), annotator=annotator, options=options,
                               output=output, progress=lambda n: bar.advance(task, n))
    with closing(session):  # stops the background scoring of model orders, however the session ends
        question = _ask_all(session, rationale)
    p = session.progress()
    out.print(f"saved: {p['this_session']} answer(s) this session, {p['done']} paragraph(s) fully labelled by "
              f"{session.annotator} in {session.output}" + ("" if question else
                                                 f" — the --limit of {limit} paragraph(s) is done" if limit and len(session.queue) >= limit
                                                 else " — nothing left to label with these filters"))


def _ask_all(session, rationale: bool):
    """Ask until the queue is done or the annotator quits; returns the question left open, if any."""
    tty = sys.stdin.isatty()
    notice = ""
    while (question := session.question()) is not None:
        keys = _keys(question.dimension)
        _show(session, question, keys, tty=tty, notice=notice)
        notice = ""
        action, values = _answer(session, question, keys, tty)
        if action == "answer":
            marked = _rationale(question) if rationale else None
            if marked is None and rationale:
                break  # end of input while asking for the words
            session.answer(question, values, marked)
        elif action == "skip":
            session.skip()
        elif action == "undo":
            notice = "undone: answer it again" if session.undo() else "nothing to undo in this session"
        elif action == "back":
            notice = "back: change or keep each answer (Enter keeps a suggestion)" if session.back() \
                else "already at the first paragraph"
        elif action == "definitions":
            _definitions(question.dimension)
            if tty:
                screen.print("[grey50](any key)[/]")
                _read_key()
        elif action == "invalid":
            notice = f"not an answer{f' ({values[0]})' if values else ''}: use {', '.join(keys)} or s/u/b/?/q"
        elif action in ("quit", "eof"):
            break
    return question


@labels_app.command("stats")
@friendly
def labels_stats_cmd(
    min_examples: Annotated[int | None, typer.Option(help="Name the labels with fewer examples as too rare to evaluate "
                                                          "reliably (default: the config's evaluate.min_examples).")] = None,
    curve_from: Annotated[Path | None, typer.Option("--curve", help=literal(
        "Folder of `framing labels simulate` output whose random-order learning curve estimates the labels needed "
        "[default: experiments/active-learning, if there]."))] = None,
    root: Root = Path("."), experiment: Experiment = "default", config: ConfigPath = None,
) -> None:
    """Counts per label, outlet and annotator; pace; what is unlabelled; labels too rare to evaluate."""
    from framing.evaluate.simulate import label_budget, read_curve
    from framing.labels.store import label_stats

    cfg = _config(root, experiment, config, None)
    data = _project(cfg, root)
    stats = label_stats(data.labels, data.paragraphs, data.codebook, min_examples=min_examples or cfg.evaluate.min_examples,
                        folds=cfg.evaluate.folds)
    out.print("Paragraphs per label and outlet (training labels)", style="bold")
    out.print(stats["per_label"].to_string(index=False))
    out.print("\nAnnotators", style="bold")
    out.print(stats["per_annotator"].to_string(index=False))
    out.print("\nCoverage", style="bold")
    out.print(stats["coverage"].to_string())
    out.print(Text("\nLabels too rare to evaluate reliably", style="bold")
              + Text(" (evaluate scores them as unreliable; train uses every label that has examples)"))
    out.print(stats["rare"].to_string(index=False) if len(stats["rare"]) else "none")
    folder = curve_from or Path("experiments/active-learning")
    curve = read_curve(root / folder)
    gain = label_budget(data.table, data.codebook, cfg, curve)["gain"]
    if curve is not None and len(curve):  # a learning curve (framing labels simulate): every dimension, or why not
        out.print(Text(f"\nMore labels for +{cfg.active.gain:.2f} macro-F1", style="bold")
                  + Text(f" (a + b·ln(labels) fitted to the upper half of random order's learning curve in {folder}; rough)"))
        more = gain["more_for_gain"]  # to tens from 100 on: a rough figure (but 3 is not 0)
        out.print(gain.assign(more_for_gain=more.where(more < 100, more.round(-1)).round()).to_string(index=False, na_rep=""),
                  markup=False)
    elif curve_from is not None:
        out.print(f"\nno learning curve for these dimensions in {folder}: run `framing labels simulate --out {folder}` first")


def _versus_random(saved: float) -> str:
    """A share of labels saved against random order, in words that cannot be read the wrong way."""
    if saved != saved:
        return "no random order to compare with"
    if abs(saved) < 0.0005:
        return "as many labels as random"
    return f"{abs(saved):.1%} {'fewer' if saved > 0 else 'more'} labels than random"


@app.command("agree")
@friendly
def agree_cmd(
    annotator: Annotated[list[str] | None, typer.Option(help="Compare only these annotators (repeatable; default all).")] = None,
    disagreements_out: Annotated[Path | None, typer.Option("--disagreements", help="Write the cases to adjudicate (.csv).")] = None,
    show: Annotated[int, typer.Option(help="Print this many disagreements.")] = 10,
    root: Root = Path("."), experiment: Experiment = "default", config: ConfigPath = None,
) -> None:
    """Inter-annotator agreement: Cohen's κ, Krippendorff's α and percent agreement per dimension and label."""
    from framing.labels.agreement import agreement, disagreements, pair_table
    from framing.labels.decisions import NO_LABEL

    data = _project(_config(root, experiment, config, None), root)
    table = agreement(data.labels, data.codebook, annotator)
    # "ALL" rows leave prevalence blank (NaN in the table): a share is one label's
    share = table["prevalence"].map(lambda v: "" if v != v else f"{v:.2f}")
    out.print(table.assign(prevalence=share).to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    out.print("\nPairs", style="bold")
    out.print(pair_table(data.labels, data.codebook, annotator).to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    cases = disagreements(data.labels, data.codebook, data.paragraphs, annotator, output=disagreements_out)
    out.print(f"\n{len(cases)} disagreement(s) not yet adjudicated")
    for row in cases.head(show).to_dict("records"):
        votes = "; ".join(f"{k[3:]}: {v}" for k, v in row.items() if k.startswith("by ") and isinstance(v, str))
        out.print(f"- {row['paragraph_id']} [{row['dimension']}] {votes}\n  {_clip(row['text'], 300)}")
    if disagreements_out is not None and cases.empty:
        out.print(f"nothing to adjudicate: {disagreements_out} holds only its header")
    elif disagreements_out is not None:
        out.print(f"disagreements written to {disagreements_out}: fill in value where you decide ({NO_LABEL} for no "
                  f"label), then `framing adjudicate {disagreements_out} --adjudicator NAME`")


@app.command("adjudicate")
@friendly
def adjudicate_cmd(
    decisions: Annotated[Path, typer.Argument(help="TSV/CSV: paragraph_id and the final value of each dimension decided "
                                                   "(wide), or paragraph_id, dimension, value (long, as `framing agree "
                                                   "--disagreements` writes it); (none) = no label, empty = not decided yet.",
                                              exists=True, dir_okay=False)],
    adjudicator: Annotated[str, typer.Option(help="Who decided.")],
    output: Annotated[Path, typer.Option("--out", help="Adjudications file.")] = Path("labels/adjudicated.jsonl"),
    root: Root = Path("."), experiment: Experiment = "default", config: ConfigPath = None,
) -> None:
    """Record final labels for disagreements; the annotators' original labels are kept."""
    from framing.labels.decisions import add_labels

    written = add_labels(decisions, annotator=adjudicator, output=root / output if not output.is_absolute() else output,
                         config=_config(root, experiment, config, None), root=root, adjudicated=True)
    out.print(f"recorded {written} adjudicated label(s) by {adjudicator} in {output}")


@labels_app.command("simulate")
@friendly
def labels_simulate_cmd(
    output: Annotated[Path | None, typer.Option("--out", help="Folder for the tables and chart (default experiments/NAME/).",
                                                file_okay=False)] = None,
    root: Root = Path("."), experiment: Experiment = "active-learning", config: ConfigPath = None,
    overrides: Overrides = None,
) -> None:
    """Replay labelling on the labelled pool with each order (the config's active.orders) and compare their
    learning curves on held-out articles: labels each order needs to reach a target macro-F1."""
    from framing.config import experiment_dir
    from framing.evaluate.simulate import simulate, write_simulation

    cfg = _config(root, experiment, config, overrides)
    data = _project(cfg, root)
    with _progress() as bar:
        task = bar.add_task("replaying", total=cfg.active.seeds * len(cfg.active.orders))
        runs = simulate(data.table, data.codebook, cfg, progress=lambda done, total: bar.update(task, completed=done))
    folder = output or experiment_dir(root, cfg.name)
    result = write_simulation(runs, cfg, folder)
    table = result["savings"][["dimension", "order", "target_f1", "labels_to_target", "saved_vs_random", "final_macro_f1"]]
    table = table.round({"target_f1": 3, "labels_to_target": 0, "saved_vs_random": 0, "final_macro_f1": 3})
    out.print(table.to_string(index=False))
    out.print(Text.assemble("fewest labels to the targets: ", (str(result["winner"]), "bold"),
                            f" ({_versus_random(result['saved_share'])}, mean over dimensions)"))
    out.print(f"tables and chart in {folder}")


@labels_app.command("suspects")
@friendly
def labels_suspects_cmd(
    predictions: Annotated[Path | None, typer.Option(help="Out-of-fold predictions (default experiments/NAME/cv_predictions.csv, "
                                                          "written by `framing evaluate`).", dir_okay=False)] = None,
    output: Annotated[Path | None, typer.Option("--out", help="Write the review batch (.csv) for `framing adjudicate`.",
                                                dir_okay=False)] = None,
    top: Annotated[int | None, typer.Option(min=1, help="Keep only the top N suspects in the batch.")] = None,
    show: Annotated[int, typer.Option(help="Print this many suspects.")] = 10,
    planted: Annotated[float | None, typer.Option(min=0.0, max=1.0,
                                                  help="Instead: flip this share of labels at random (e.g. 0.05) and "
                                                       "report how many flipped labels the top suspects find.")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the planted-noise test.")] = 0,
    root: Root = Path("."), experiment: Experiment = "default", config: ConfigPath = None, overrides: Overrides = None,
) -> None:
    """Labels the out-of-fold model contradicts with confidence (confident learning), ranked, as a
    review batch: edit `value` where the label is wrong, delete the rows that stand, then
    `framing adjudicate BATCH --adjudicator NAME`."""
    from framing.evaluate.suspects import planted_noise, review_suspects

    cfg = _config(root, experiment, config, overrides)
    if planted is not None:
        data = _project(cfg, root)
        result = planted_noise(data.table, data.codebook, cfg, share=planted, seed=seed)
        out.print(f"planted noise: {planted:.0%} of each dimension's labels flipped at random (seed {seed}); "
                  "k = labels flipped; precision at k = flipped labels among the top k suspects")
        out.print(result.to_string(index=False, na_rep="", float_format=lambda v: f"{v:.3f}"))
        return
    suspects, batch, labelled = review_suspects(cfg, root, predictions=predictions, top=top, output=output)
    out.print(f"{len(suspects)} suspect label(s) (model's alternative at p >= {cfg.active.min_probability:.2f}) "
              f"among {labelled} labelled paragraphs; by dimension: "
              + ", ".join(f"{d} {n}" for d, n in suspects["dimension"].value_counts().items()))
    for row in batch.head(show).to_dict("records"):
        out.print(f"{row['rank']}. {row['paragraph_id']} [{row['dimension']}] label {row['label'] or '(none)'} → "
                  f"model {row['alternative'] or '(none)'} (p {row['probability']:.2f}; {row['change']})\n"
                  f"   {_clip(row['text'], 400)}")
    if output is not None:
        out.print(f"review batch written to {output}: edit `value` where the label is wrong, delete the rows that stand, "
                  f"then `framing adjudicate {output} --adjudicator NAME`")
