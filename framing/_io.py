"""Small file helpers shared by the modules: atomic writes, hashing, TOML text."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import tempfile
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from framing.errors import FramingError


class OutputError(FramingError):
    """An output file or folder cannot be written where it was asked for."""


def cannot_write(path: Path, exc: OSError) -> OutputError:
    """The error for an output ``path`` whose writing failed with ``exc``."""
    reason = exc.strerror or type(exc).__name__
    where = Path(exc.filename) if getattr(exc, "filename", None) else path
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return OutputError(f"the disk is full ({reason}: {where})", path=path,
                           fix="free space on that disk, or choose an output path on another disk")
    return OutputError(f"cannot write here ({reason}: {where})", path=path,
                       fix="choose an output path in a folder you can write to (no part of it may be a file)")


def make_folder(folder: Path, target: Path) -> None:
    """Create ``folder`` (and its parents) to write ``target`` in; :class:`OutputError` naming
    ``target`` when a part of the path is a file or the folder cannot be created."""
    blocking = next((p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        raise OutputError(f"cannot write here: {blocking} is a file, not a folder", path=target,
                          fix="choose an output path whose folders are folders")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise cannot_write(target, exc) from None


def _temporary(path: Path) -> tuple[int, str]:
    """A new temporary file beside ``path`` (descriptor, name); :class:`OutputError` if none can be made."""
    try:
        return tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:  # named by the folder, not by the temporary file's name
        raise cannot_write(path, OSError(exc.errno, exc.strerror, str(path.parent))) from None


def check_writable(path: str | Path) -> None:
    """Raise :class:`OutputError` now if :func:`atomic_write` could not write ``path`` (before work that
    would be lost), creating its folder."""
    path = Path(path)
    make_folder(path.parent, path)
    fd, tmp = _temporary(path)
    os.close(fd)
    os.unlink(tmp)


@contextlib.contextmanager
def atomic_write(path: str | Path, mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO[Any]]:
    """Write ``path`` all or nothing: a temporary file in the same folder, fsync, then rename.

    An interrupted write (exception, Ctrl-C, SIGKILL) leaves the previous file untouched.
    """
    path = Path(path)
    make_folder(path.parent, path)
    if path.is_dir():
        raise OutputError("cannot write here: it is a folder", path=path, fix="give a file name, not a folder")
    remove_dead_temporaries(path)
    fd, tmp = _temporary(path)
    # mkstemp creates 0600 files; give the result the mode a plain open() would (or the old file's).
    try:
        permissions = path.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        permissions = 0o666 & ~umask
    os.chmod(tmp, permissions)
    try:
        with os.fdopen(fd, mode, encoding=None if "b" in mode else encoding) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.replace(tmp, path)
        except OSError as exc:
            raise cannot_write(path, exc) from None
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def pid_alive(pid: int) -> bool:
    """True if a process with this id exists (ours included)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def remove_dead_temporaries(path: Path) -> None:
    """Remove the temporary files of ``path`` left by writers that were killed (their process is gone)."""
    prefix = f".{path.name}."
    try:
        names = [n for n in os.listdir(path.parent) if n.startswith(prefix) and n.endswith(".tmp")]
    except OSError:
        return
    for name in names:
        pid = name[len(prefix):].split(".", 1)[0]
        if pid.isdigit() and not pid_alive(int(pid)):
            with contextlib.suppress(OSError):
                os.unlink(path.parent / name)


def write_json(path: str | Path, data: Any) -> None:
    """Write ``data`` as indented JSON, atomically."""
    with atomic_write(path) as handle:
        json.dump(data, handle, indent=2, ensure_ascii=False, default=str)
        handle.write("\n")


def sha256_file(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def toml_text(data: dict, prefix: str = "", *, item: bool = False) -> str:
    """``data`` (nested dicts of scalars and lists) as TOML: scalars first, then one table per dict
    and one ``[[array]]`` entry per dict of a list of dicts."""
    lines, tables = [], []
    for key, value in data.items():
        if isinstance(value, dict):
            tables.append(toml_text(value, f"{prefix}{key}."))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            tables += [toml_text(v, f"{prefix}{key}.", item=True) for v in value]
        elif value is not None:
            lines.append(f"{key} = {toml_value(value)}")
    head = (f"[[{prefix[:-1]}]]\n" if item else f"[{prefix[:-1]}]\n") if prefix else ""
    return head + "\n".join(lines) + "\n\n" + "".join(tables)


def toml_value(value: object) -> str:
    """One TOML value: a boolean, number, list or basic string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a valid TOML basic string


def json_object(line: str, *, path: Path, number: int, error: type[FramingError], fix: str, example: str) -> dict:
    """One JSON-lines line as a dict; ``error`` names the file and line when it is not valid JSON
    (``fix``) or not an object (``example`` shows what one looks like)."""
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise error(f"not valid JSON ({exc.msg.removesuffix(' at')} at line {number}, column {exc.colno})",
                    path=path, line=number, fix=fix) from None
    if not isinstance(row, dict):
        raise error("line is not a JSON object", path=path, line=number, fix=f"write {example}")
    return row


def read_toml(path: Path, *, error: type[FramingError], missing: str, fix_missing: str) -> dict:
    """A TOML file as a dict, in whatever encoding it comes; ``error`` when it is missing or not TOML."""
    from framing.decode import read_text

    if not path.is_file():
        raise error(missing, path=path, fix=fix_missing)
    try:
        return tomllib.loads(read_text(path, error=error))
    except tomllib.TOMLDecodeError as exc:
        raise error(f"not valid TOML ({exc})", path=path, fix="fix the syntax at the position shown") from None
