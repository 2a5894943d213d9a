"""Errors raised by framing's library code.

Every error is meant for a person: it names the file (and line or row where there is one),
says what is wrong and what to do. The CLI prints the message and exits non-zero; library code
never prints or exits.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path


class FramingError(Exception):
    """Base class of every error framing raises on purpose."""

    def __init__(self, what: str, *, path: str | Path | None = None, line: int | None = None,
                 fix: str | None = None) -> None:
        self.what = what
        self.path = str(path) if path is not None else None
        self.line = line
        self.fix = fix
        super().__init__(self.message)

    @property
    def message(self) -> str:
        where = ""
        if self.path is not None:
            where = self.path + (f":{self.line}" if self.line is not None else "") + ": "
        text = where + self.what
        if self.fix:
            text += f" — {self.fix}"
        return text


class FramingWarning(UserWarning):
    """A problem a run goes on past (a corpus file that is not text, skipped). The CLI prints it
    as one ``warning:`` line; library code only warns."""


def warning_display(write: Callable[[str], None]) -> Callable[..., None]:
    """A ``warnings.showwarning`` that hands each :class:`FramingWarning`'s text to ``write`` (the
    CLI and its worker processes print it as one ``warning:`` line), and shows any other warning
    as Python would."""
    python = warnings.showwarning

    def show(message, category, *rest) -> None:
        if issubclass(category, FramingWarning):
            write(str(message))
        else:
            python(message, category, *rest)
    return show


class CorpusError(FramingError):
    """An article file or table cannot be read."""


class CodebookError(FramingError):
    """The codebook is malformed."""


class LabelsError(FramingError):
    """Hand labels are malformed or disagree with the codebook or corpus."""


class ConfigError(FramingError):
    """An experiment config or a CLI override is invalid."""


class ModelError(FramingError):
    """A model cannot be trained, loaded or applied."""


class ReportError(FramingError):
    """A report cannot be built from the given inputs."""
