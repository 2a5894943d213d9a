"""Output files that are written over a long run and appear only when it completes.

A run writes ``.<name>.<pid>.partial`` beside the target and renames it into place at the end.
A run killed before that leaves its partial file behind; the next run writing the same target
removes partial files whose process is gone, and refuses to start while a run still going writes
the same target (the last rename would silently win). Paths that cannot be written (a parent
that is a file, a read-only folder) are refused up front with a
:class:`~framing.errors.FramingError`, not a traceback.
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

from framing._io import OutputError, cannot_write, make_folder, pid_alive


def _suffix_re(path: Path) -> re.Pattern:
    return re.compile(rf"^\.{re.escape(path.name)}\.(\d+)\.partial$")


def _partials(path: Path) -> list[tuple[Path, int]]:
    """Partial files of ``path`` (this run's too) and the process id each names."""
    pattern = _suffix_re(path)
    try:
        names = os.listdir(path.parent)
    except OSError:
        return []
    return [(path.parent / name, int(m.group(1))) for name in names if (m := pattern.match(name))]


def leftovers(path: Path) -> list[Path]:
    """Partial files of ``path`` left by runs that no longer exist."""
    return [file for file, pid in _partials(path) if not pid_alive(pid)]


def start(path: Path) -> Path:
    """Create the folder, remove dead runs' leftovers, create this run's (empty) partial file and
    return its path. Raises :class:`OutputError` when ``path`` cannot be written, or when another
    live run is writing it too (one of the two results would silently replace the other)."""
    if path.is_dir():
        raise OutputError("the output is a folder", path=path, fix="give a file name, e.g. predictions.parquet")
    make_folder(path.parent, path)
    try:
        for old in leftovers(path):
            with contextlib.suppress(FileNotFoundError):
                old.unlink()
        tmp = path.with_name(f".{path.name}.{os.getpid()}.partial")
        tmp.open("wb").close()
    except OSError as exc:
        raise cannot_write(path, exc) from None
    # checked after creating ours: of two runs starting together, at least one sees the other
    others = [(file, pid) for file, pid in _partials(path) if pid != os.getpid() and pid_alive(pid)]
    if others:
        abort(tmp)
        raise OutputError(f"another run (process {others[0][1]}) is writing this output", path=path,
                          fix=f"wait for it to end or choose another output; if no run is going, delete {others[0][0]}")
    return tmp


def check_apart(source: Path, output: Path, option: str) -> None:
    """Refuse an output that is the input (it would be overwritten) or lies inside the input folder
    (the next run would read it as an article table)."""
    source, target = source.resolve(), output.resolve()
    if target == source:
        raise OutputError("the output would overwrite the input articles", path=output,
                          fix=f"give {option} another file name than the input")
    if source.is_dir() and target.is_relative_to(source):
        raise OutputError(f"the output is inside the input folder {source}, where a later run would read it "
                          "as articles", path=output, fix=f"give {option} a path outside the input folder")


def commit(tmp: Path, path: Path) -> None:
    """Flush ``tmp`` to disk and move it onto ``path`` (the run's one commit point)."""
    try:
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        raise cannot_write(path, exc) from None


def abort(tmp: Path) -> None:
    with contextlib.suppress(OSError):
        tmp.unlink()
