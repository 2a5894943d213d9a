"""Folders written whole: build a new folder beside the target, then move it into place.

Used by the import commands (a new project folder). A non-empty target is refused unless
``force``; with ``force`` it is replaced whole, the old folder removed only once the new one is in
place. A run killed while building leaves a hidden staging folder that the next run removes; a
run killed between the two renames of a replacement leaves the old folder hidden beside the
target, and the next run puts it back (old-or-new, never a mix).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

from framing._io import pid_alive
from framing.errors import FramingError


class TargetError(FramingError):
    """A target folder cannot be written as asked."""


def _hidden(target: Path, kind: str, pid: int | None = None) -> Path:
    return target.with_name(f".{target.name}.{pid or os.getpid()}.{kind}")


def recover(target: Path) -> None:
    """Tidy what killed runs left beside ``target``: staging folders go, a replaced folder whose
    successor never arrived comes back."""
    pattern = re.compile(rf"^\.{re.escape(target.name)}\.(\d+)\.(staging|replaced)$")
    try:
        names = sorted(os.listdir(target.parent))
    except OSError:
        return
    for name in names:
        m = pattern.match(name)
        if not m or pid_alive(int(m.group(1))):
            continue
        left = target.parent / name
        if m.group(2) == "replaced" and not target.exists():
            os.replace(left, target)
        else:
            shutil.rmtree(left, ignore_errors=True)


def check_target(target: Path, *, force: bool) -> None:
    """Refuse a target that is a file, or a non-empty folder without ``force``."""
    recover(target)
    if target.exists() and not target.is_dir():
        raise TargetError("the output is a file, not a folder", path=target, fix="give a folder for --out")
    if target.is_dir() and any(target.iterdir()) and not force:
        raise TargetError("the output folder is not empty", path=target,
                          fix="choose a new folder, or pass --force to replace this one whole")


@contextlib.contextmanager
def staged_folder(target: str | Path, *, force: bool = False) -> Iterator[Path]:
    """Yield an empty folder to write into; on success it becomes ``target`` (see the module
    docstring). On an error nothing changes at ``target``."""
    target = Path(target)
    check_target(target, force=force)
    stage = _hidden(target, "staging")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(stage, ignore_errors=True)
        stage.mkdir()
    except OSError as exc:
        raise TargetError(f"cannot write here ({exc.strerror})", path=target,
                          fix="choose a folder you can write to") from None
    try:
        yield stage
        _fsync_dir(stage)
        if target.is_dir() and any(target.iterdir()):
            if not force:
                raise TargetError("the output folder was filled while this run wrote", path=target,
                                  fix="choose a new folder, or pass --force to replace it whole")
            old = _hidden(target, "replaced")
            os.replace(target, old)
            os.replace(stage, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(stage, target)  # onto nothing or an empty folder
        _fsync_dir(target.parent)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
