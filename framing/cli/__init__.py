"""The ``framing`` command: parses arguments, calls one library function, prints the result."""

from __future__ import annotations

from framing.cli import exchange, labelling, pipeline  # noqa: F401  (register the commands)
from framing.cli._common import app, stop_on_sigterm

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the installed ``framing`` command."""
    stop_on_sigterm()
    app()
