"""Shared pieces of the CLI: the typer apps, consoles, option types and the error handler."""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.text import Text
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from framing.errors import FramingError, FramingWarning, warning_display

app = typer.Typer(help="Label news paragraphs, train framing taggers, and chart outlet profiles.",
                  no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)
corpus_app = typer.Typer(help="Inspect the corpus.", no_args_is_help=True)
labels_app = typer.Typer(help="Add, check and count hand labels.", no_args_is_help=True)
app.add_typer(corpus_app, name="corpus")
app.add_typer(labels_app, name="labels")

# Plain text by default: messages and data carry brackets ("[classifer]", "[[dimensions.labels]]",
# "[mood]") that rich markup would swallow. Style goes in as rich Text (see `tagged`), never as markup.
out = Console(soft_wrap=True, markup=False, highlight=False)
err = Console(stderr=True, soft_wrap=True, markup=False, highlight=False)


def literal(text: str) -> str:
    """Help text shown as written: typer reads help as rich markup, where "[dask]" is a tag and vanishes."""
    return escape(text) if app.rich_markup_mode == "rich" else text


def tagged(tag: str, text: str, style: str = "yellow", indent: str = "") -> Text:
    """``indent`` + ``tag`` in ``style`` + `` text``, with ``text`` taken literally."""
    return Text.assemble(indent, (tag, style), " ", text)

Root = Annotated[Path, typer.Option("--root", help="Project folder (paths in configs are relative to it).",
                                    exists=True, file_okay=False)]
Experiment = Annotated[str, typer.Option("--experiment", "-e", help="Experiment name: experiments/NAME/.")]
ConfigPath = Annotated[Path | None, typer.Option("--config", help="Config TOML (default experiments/NAME/config.toml).",
                                                 dir_okay=False)]
Overrides = Annotated[list[str] | None, typer.Option("--set", help="Override a config value: section.key=value.")]


class Terminated(KeyboardInterrupt):
    """SIGTERM (``kill``, a batch system cancelling the job), met the way Ctrl-C is."""


def stop_on_sigterm() -> None:
    """SIGTERM raises :class:`Terminated` in the main thread, so that a killed run discards its
    partial output and stops its workers as Ctrl-C does (the installed command sets this)."""
    def handler(signum: int, frame: Any) -> None:
        raise Terminated()
    signal.signal(signal.SIGTERM, handler)
    # a forked child (a library's worker pool: cleanlab's in `labels suspects`) is stopped with
    # SIGTERM by its pool; it must simply end, not raise Terminated with a traceback
    os.register_at_fork(after_in_child=lambda: signal.signal(signal.SIGTERM, signal.SIG_DFL))


def friendly(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn FramingError into one line on stderr and exit code 1; Ctrl-C into exit code 130,
    SIGTERM into 143."""
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("default", FramingWarning)
                warnings.showwarning = warning_display(lambda text: err.print(tagged("warning:", text), soft_wrap=True))
                return func(*args, **kwargs)
        except FramingError as exc:
            # the message is plain text: "[classifer]" or "[[dimensions.labels]]" must not be read as markup
            err.print(tagged("error:", exc.message, "bold red"), soft_wrap=True)
            raise typer.Exit(1) from None
        except KeyboardInterrupt as exc:
            stopped = isinstance(exc, Terminated)
            err.print(f"{'terminated' if stopped else 'interrupted'}: files written so far are complete; "
                      "partial output was discarded")
            raise typer.Exit(143 if stopped else 130) from None
    return wrapper


def _config(root: Path, experiment: str, config: Path | None, overrides: list[str] | None):
    from framing.config import experiment_config

    return experiment_config(root, experiment, config, overrides)


Strict = Annotated[bool, typer.Option("--strict", help="Stop at the first file that is not text (a PDF or image "
                                                       "saved as .html, binary junk) instead of skipping it.")]


class Skipped:
    """Files of a corpus folder left out because they are not text or hold no article text: warned
    about as they are met, listed in the run's summary."""

    def __init__(self) -> None:
        self.files: dict[Path, str] = {}

    def __call__(self, file: Path, reason: str) -> None:
        if file not in self.files:
            self.files[file] = reason
            err.print(tagged("warning:", f"skipped {file}: {reason}"))

    def summary(self) -> None:
        """The run summary's list of skipped files (nothing when none was skipped)."""
        if not self.files:
            return
        err.print(f"skipped {len(self.files)} file(s) that are not text or hold no article text "
                  "(--strict stops at the first that is not text):")
        for file, reason in self.files.items():
            err.print(f"  {file}: {reason}")


@contextlib.contextmanager
def steps(what: str) -> Iterator[Callable[[str], None]]:
    """A live line on stderr naming the step under way (a log line per step when not a terminal);
    yields the callback to hand to the library as ``progress``."""
    with _progress() as bar:
        task = bar.add_task(what, total=None)

        def step(text: str) -> None:
            bar.update(task, description=f"{what}: {text}", advance=1)  # n of ? steps done
            if not err.is_terminal:  # a log rather than a live bar
                err.print(f"{what}: {text}")
        yield step


def _project(config, root: Path):
    """The project's data (load_project), with a line saying so while the corpus is read."""
    from framing.project import load_project

    with steps("project") as step:
        step("reading corpus, codebook and labels")
        return load_project(config, root)


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=err, transient=False, disable=not err.is_terminal)




def columns(ctx: typer.Context, **names: str):
    """The table's :class:`~framing.corpus.tables.Columns` from ``--ROLE-col`` options (``names``
    by role); a role whose option was given must have its column in the table."""
    from framing.corpus.tables import Columns

    # by name: typer vendors its own click, whose ParameterSource is not click's
    given = tuple(role for role in names
                  if getattr(ctx.get_parameter_source(f"{role}_col"), "name", "DEFAULT") in ("COMMANDLINE", "ENVIRONMENT"))
    return Columns(**names, required=given)
