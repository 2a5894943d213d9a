"""Exchange with other tools: Label Studio tasks and config out, Label Studio exports in."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from framing.cli._common import ConfigPath, Experiment, Root, _config, app, friendly, out

export_app = typer.Typer(help="Export tasks for other tools.", no_args_is_help=True)
import_app = typer.Typer(help="Import labelled tables and Label Studio exports.", no_args_is_help=True)
app.add_typer(export_app, name="export")
app.add_typer(import_app, name="import")


@export_app.command("labelstudio")
@friendly
def export_labelstudio_cmd(
    output: Annotated[Path, typer.Option("--out", "-o", help="Folder for tasks.json and config.xml.")],
    model: Annotated[Path | None, typer.Option(help="Add this model's predictions to each task.")] = None,
    outlet: Annotated[list[str] | None, typer.Option(help="Only this outlet (repeatable).")] = None,
    unlabelled: Annotated[bool, typer.Option(help="Only paragraphs nobody has labelled yet.")] = False,
    annotations: Annotated[bool, typer.Option(help="Include existing hand labels as annotations.")] = False,
    limit: Annotated[int | None, typer.Option(min=1, help="At most this many tasks.")] = None,
    rationale: Annotated[bool, typer.Option(help="Also let annotators highlight the words that decided each answer "
                                                 "(imported back as rationales).")] = False,
    root: Root = Path("."), experiment: Experiment = "default", config: ConfigPath = None,
) -> None:
    """Write Label Studio tasks (paragraph, metadata, model predictions) and a matching labelling config."""
    from framing.predict.tasks import export_labelstudio

    done = export_labelstudio(_config(root, experiment, config, None), root, output, model_dir=model, outlets=outlet,
                              unlabelled=unlabelled, annotations=annotations, limit=limit, rationale=rationale)
    out.print(f"wrote {done.tasks} tasks to {done.tasks_path} and the labelling config to {done.config_path}")


@import_app.command("labelstudio")
@friendly
def import_labelstudio_cmd(
    export: Annotated[Path, typer.Argument(help="Label Studio JSON export.", exists=True, dir_okay=False)],
    output: Annotated[Path, typer.Option("--out", help="Labels file to write into.")] = Path("labels/labelstudio.jsonl"),
    rationale: Annotated[bool, typer.Option(help="The tasks were exported with --rationale: a dimension with no "
                                                 "highlighted words records an empty rationale (asked, nothing marked).")] = False,
    annotator: Annotated[str | None, typer.Option(help="Annotator of annotations whose completed_by is missing "
                                                       "(without it they are an error).")] = None,
    root: Root = Path("."), experiment: Experiment = "default", config: ConfigPath = None,
) -> None:
    """Read a Label Studio JSON export into hand labels (annotator from completed_by; cancelled skipped;
    labels the project already has are not written twice)."""
    from framing.labels.labelstudio import import_into_project

    counts = import_into_project(export, _config(root, experiment, config, None), root, output, rationale=rationale,
                                 annotator=annotator)
    skipped = [f"{counts['cancelled']} cancelled annotation(s)"]
    if counts["already"]:
        skipped.append(f"{counts['already']} label(s) already in the project's labels")
    if counts["repeated"]:
        skipped.append(f"{counts['repeated']} label(s) repeated by the same annotator")
    out.print(f"imported {counts['written']} label(s) from {counts['annotations']} annotation(s) on {counts['tasks']} "
              f"task(s); skipped {', '.join(skipped)} — into {counts['target']}")
    if counts["ignored"]:
        controls = ", ".join(f"{name} ({n})" for name, n in sorted(counts["ignored"].items()))
        out.print(f"note: left out the answers of controls that are not codebook dimensions: {controls}")


@import_app.command("table")
@friendly
def import_table_cmd(
    table: Annotated[Path, typer.Argument(help="Labelled .csv, .jsonl or .parquet: one row per sentence or paragraph.",
                                          exists=True, dir_okay=False)],
    output: Annotated[Path, typer.Option("--out", "-o", help="Folder of the new framing project.")],
    text: Annotated[str, typer.Option(help="Text column.")],
    label: Annotated[list[str], typer.Option(help="DIMENSION=COLUMN: a label column (repeatable).")],
    multi: Annotated[list[str] | None, typer.Option(help="This dimension is multi-label (values split on --sep).")] = None,
    sep: Annotated[str, typer.Option(help="Separator of multi-label values.")] = "|",
    id_col: Annotated[str | None, typer.Option("--id", help="Row id column (default: row number).")] = None,
    outlet: Annotated[str | None, typer.Option(help="Outlet column.")] = None,
    date: Annotated[str | None, typer.Option(help="Date column.")] = None,
    group: Annotated[str | None, typer.Option(help="Article (group) column: rows of a group never straddle CV folds.")] = None,
    split: Annotated[str | None, typer.Option(help="Column naming a predefined split (train/dev/test), kept as collection.")] = None,
    skip_value: Annotated[list[str] | None, typer.Option(help="Label value meaning no agreement (default \"No agreement\"): the row is skipped for that dimension.")] = None,
    annotator: Annotated[str, typer.Option(help="Who made the labels (recorded on every label).")] = "imported",
    name: Annotated[str | None, typer.Option(help="Codebook name (default: the table's name).")] = None,
    rationale: Annotated[list[str] | None, typer.Option(help="DIMENSION=COLUMN: the words annotators marked as the reason for that dimension's label (a list, or values split on --sep); used by features.lexicon.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace a non-empty --out folder whole (otherwise it is refused).")] = False,
) -> None:
    """Turn a labelled table into a framing project: corpus, hand labels and a generated codebook."""
    from framing.errors import ConfigError
    from framing.labels.importer import import_table

    def pairs(option: str, items: list[str], example: str) -> dict[str, str]:
        found = {}
        for item in items:
            dim, eq, column = item.partition("=")
            if not eq:
                raise ConfigError(f"{option} {item!r} is not DIMENSION=COLUMN", fix=f"e.g. {option} {example}")
            found[dim.strip()] = column.strip()
        return found

    summary = import_table(table, output, text=text, labels=pairs("--label", label, "bias=label_bias"), multi=set(multi or []),
                           sep=sep, id_col=id_col, outlet=outlet, date=date, group=group, split=split,
                           skip_values=skip_value, annotator=annotator, name=name,
                           rationales=pairs("--rationale", rationale or [], "bias=biased_words"), force=force)
    empty = f"; left out {summary['no_text']} row(s) with no text" if summary["no_text"] else ""
    out.print(f"{summary['rows']} rows → {output}/corpus, labels and codebook{empty}")
    for dim, info in summary["dimensions"].items():
        counts = ", ".join(f"{k} {v}" for k, v in info["labels"].items())
        marked = f"; {info['with_rationale']} with a rationale" if info["with_rationale"] else ""
        out.print(f"  {dim}: {info['labelled']} labelled ({counts}); skipped {info['skipped']} ({info['skip_reason']}){marked}")
        renamed = [f"{value!r} → {label}" for value, label in info["names"].items() if value != label]
        if renamed:
            out.print(f"    label names: {', '.join(renamed)}")
    out.print(f"next: framing evaluate --root {output}")
