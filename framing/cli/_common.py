"""Shared pieces of the CLI: the typer apps, consoles, option types and the error handler."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.text import Text
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from framing.errors import FramingError

app = typer.Typer(help="Label news paragraphs, train framing taggers, and chart outlet profiles.",
                  no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)
corpus_app = typer.Typer(help="Inspect the corpus.", no_args_is_help=True)
labels_app = typer.Typer(help="Add, check and count hand labels.", no_args_is_help=True)
app.add_typer(corpus_app, name="corpus")
app.add_typer(labels_app, name="labels")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

Root = Annotated[Path, typer.Option("--root", help="Project folder (paths in configs are relative to it).",
                                    exists=True, file_okay=False)]
Experiment = Annotated[str, typer.Option("--experiment", "-e", help="Experiment name: experiments/NAME/.")]
ConfigPath = Annotated[Path | None, typer.Option("--config", help="Config TOML (default experiments/NAME/config.toml).",
                                                 dir_okay=False)]
Overrides = Annotated[list[str] | None, typer.Option("--set", help="Override a config value: section.key=value.")]


def friendly(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn FramingError into one line on stderr and exit code 1; Ctrl-C into exit code 130."""
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except FramingError as exc:
            # the message is plain text: "[classifer]" or "[[dimensions.labels]]" must not be read as markup
            err.print(Text.assemble(("error:", "bold red"), " ", exc.message), highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            err.print("interrupted: files written so far are complete; partial output was discarded")
            raise typer.Exit(130) from None
    return wrapper


def _config(root: Path, experiment: str, config: Path | None, overrides: list[str] | None):
    from framing.config import experiment_config

    return experiment_config(root, experiment, config, overrides)


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=err, transient=False, disable=not err.is_terminal)


