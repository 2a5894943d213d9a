"""Codebooks: the dimensions a paragraph is labelled on, and the labels of each.

The codebook is the only list of labels in the project; no other module names a label.
A codebook is a TOML file::

    name = "my-study"
    version = "1.0"

    [[dimensions]]
    name = "tone"
    kind = "single"          # exactly one label per paragraph
    question = "What outlook does the paragraph convey?"

    [[dimensions.labels]]
    name = "optimistic"
    definition = "..."

``kind = "multi"`` means any number of labels, possibly none. A label may list ``actors``
(``actors = ["Peskov", "the Kremlin"]``): who typically speaks for it, which the attribution
features use as hints (never as rules). A label of any dimension may list ``indicators``
(``indicators = ["nuclear", "NATO membership", "deter*"]``): the words and phrases its definition
names, which ``features.indicators`` turns into features beside the text (again hints, never rules;
matching in :mod:`framing.model.tokens`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from framing._io import read_toml, sha256_file
from framing.decode import read_text
from framing.errors import CodebookError

KINDS = ("single", "multi")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
# The keys each level of a codebook takes: any other is a typo that would be ignored without a word.
TOP_KEYS = ("name", "version", "description", "dimensions")
DIMENSION_KEYS = ("name", "kind", "question", "labels")
LABEL_KEYS = ("name", "definition", "key", "actors", "indicators")


@dataclass(frozen=True)
class Label:
    name: str
    definition: str = ""
    key: str | None = None
    # Who typically speaks for this label (names, institutions): feature hints, never rules.
    actors: tuple[str, ...] = ()
    # Words and phrases the definition names ("deter*": any ending): feature hints, never rules.
    indicators: tuple[str, ...] = ()


@dataclass(frozen=True)
class Dimension:
    name: str
    kind: str
    labels: tuple[Label, ...]
    question: str = ""

    @property
    def multi(self) -> bool:
        return self.kind == "multi"

    def label_lists(self, key: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """``(label, its list)`` for each label whose list ``key`` (``"actors"``, ``"indicators"``) is not empty."""
        return tuple((label.name, getattr(label, key)) for label in self.labels if getattr(label, key))

    @property
    def label_names(self) -> list[str]:
        return [label.name for label in self.labels]


@dataclass(frozen=True)
class Codebook:
    name: str
    version: str
    dimensions: tuple[Dimension, ...]
    description: str = ""
    path: Path | None = field(default=None, compare=False)
    sha256: str = field(default="", compare=False)

    def dimension(self, name: str) -> Dimension:
        """Return the dimension called ``name`` or raise a CodebookError listing the known ones."""
        for dim in self.dimensions:
            if dim.name == name:
                return dim
        known = ", ".join(d.name for d in self.dimensions)
        raise CodebookError(f"unknown dimension {name!r}", path=self.path,
                            fix=f"the codebook defines: {known}")

    @property
    def names(self) -> list[str]:
        return [d.name for d in self.dimensions]

    def columns(self) -> list[str]:
        """Probability column names, ``<dimension>:<label>``, in codebook order."""
        return [f"{d.name}:{label}" for d in self.dimensions for label in d.label_names]


def load_codebook(path: str | Path) -> Codebook:
    """Read and validate a codebook TOML file.

    Raises
    ------
    CodebookError
        If the file is missing, is not TOML, or breaks a rule (names, kinds, duplicates).
    """
    path = Path(path)
    data = read_toml(path, error=CodebookError, missing="codebook not found",
                     fix_missing="create it, or set data.codebook in the experiment's config.toml to the "
                                 "codebook's path (relative to the project folder)")
    return _parse(data, path)


def _parse(data: dict, path: Path) -> Codebook:
    def fail(what: str, fix: str) -> CodebookError:
        return CodebookError(what, path=path, fix=fix)

    _known_keys(data, TOP_KEYS, "at the top level", path)
    dims_raw = data.get("dimensions")
    if not isinstance(dims_raw, list) or not dims_raw:
        raise fail("no [[dimensions]] defined", "add at least one [[dimensions]] table")
    dimensions = []
    seen_dims: set[str] = set()
    for i, raw in enumerate(dims_raw, 1):
        if not isinstance(raw, dict):
            raise fail(f"dimension #{i} is {raw!r}, not a table", "write each dimension as a [[dimensions]] table")
        name = raw.get("name")
        if not isinstance(name, str) or not _NAME.match(name):
            raise fail(f"dimension #{i} has a missing or invalid name {name!r}",
                       "use lower-case letters, digits and underscores, starting with a letter")
        if name in seen_dims:
            raise fail(f"dimension {name!r} is defined twice", "give each dimension a unique name")
        seen_dims.add(name)
        _known_keys(raw, DIMENSION_KEYS, f"in dimension {name!r}", path)
        kind = raw.get("kind")
        if kind not in KINDS:
            raise fail(f"dimension {name!r} has kind {kind!r}",
                       'set kind = "single" (exactly one label) or "multi" (any number)')
        labels_raw = raw.get("labels")
        if not isinstance(labels_raw, list) or len(labels_raw) < (2 if kind == "single" else 1):
            need = "two labels" if kind == "single" else "one label"
            raise fail(f"dimension {name!r} needs at least {need}",
                       f"add [[dimensions.labels]] tables under dimension {name!r}")
        labels = []
        seen_labels: set[str] = set()
        for j, lab in enumerate(labels_raw, 1):
            if not isinstance(lab, dict):
                raise fail(f"label #{j} of dimension {name!r} is {lab!r}, not a table",
                           f"write each label as a [[dimensions.labels]] table under dimension {name!r}")
            lname = lab.get("name")
            if not isinstance(lname, str) or not _NAME.match(lname):
                raise fail(f"label #{j} of dimension {name!r} has a missing or invalid name {lname!r}",
                           "use lower-case letters, digits and underscores, starting with a letter")
            if lname in seen_labels:
                raise fail(f"label {lname!r} appears twice in dimension {name!r}",
                           "give each label of a dimension a unique name")
            seen_labels.add(lname)
            labels.append(_label(lab, lname, name, path))
        dimensions.append(Dimension(name, kind, tuple(labels), str(raw.get("question", "")).strip()))
    return Codebook(
        name=str(data.get("name", path.stem)),
        version=str(data.get("version", "0")),
        dimensions=tuple(dimensions),
        description=str(data.get("description", "")).strip(),
        path=path,
        sha256=sha256_file(path),
    )


def _label(table: dict, name: str, dimension: str, path: Path) -> Label:
    """The label of the table ``table`` (its name already checked) under dimension ``dimension``."""
    where = f"label {name!r} of dimension {dimension!r}"
    _known_keys(table, LABEL_KEYS, f"in {where}", path)
    actors = _phrases(table, "actors", where, path, 'write actors = ["Name", "Institution", ...] or leave the key out')
    indicators = _phrases(table, "indicators", where, path,
                          'write indicators = ["word", "a phrase", "stem*"] or leave the key out')
    definition = table.get("definition")
    if not isinstance(definition, str) or not definition.strip():
        raise CodebookError(f"{where} has no definition", path=path,
                            fix='write definition = "..." under it: what the label means, for annotators and the report')
    return Label(name, definition.strip(), table.get("key"), actors, indicators)


def _phrases(table: dict, key: str, where: str, path: Path, fix: str) -> tuple[str, ...]:
    """The label's list ``key`` (actors, indicators): non-empty strings, stripped."""
    values = table.get(key, [])
    if not isinstance(values, list) or not all(isinstance(v, str) and v.strip().rstrip("*").strip() for v in values):
        raise CodebookError(f"{where} has {key} that are not a list of words or names", path=path, fix=fix)
    return tuple(v.strip() for v in values)


def _known_keys(table: dict, allowed: tuple[str, ...], where: str, path: Path) -> None:
    """A CodebookError for the first key of ``table`` not in ``allowed``, with its line when the file
    has it once."""
    unknown = [key for key in table if key not in allowed]
    if not unknown:
        return
    key = unknown[0]
    lines = [n for n, text in enumerate(read_text(path, error=CodebookError).splitlines(), 1)
             if re.match(rf"""\s*(\[\[?\s*)?(dimensions\.)?["']?{re.escape(key)}["']?\s*(=|\]\]?)""", text)]
    tables = {"dimensions": "[[dimensions]]", "labels": "[[dimensions.labels]]"}
    raise CodebookError(f"unknown key {key!r} {where}", path=path, line=lines[0] if len(lines) == 1 else None,
                        fix=f"the keys here are {', '.join(tables.get(k, k) for k in allowed)}")
