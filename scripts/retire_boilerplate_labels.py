"""Move the labels of paragraphs that the corpus reader now drops as boilerplate to labels/retired/.

A corpus revision that adds a boilerplate pattern drops some paragraphs. Paragraph ids count the
article's raw paragraphs (before boilerplate is dropped), so every kept paragraph keeps its id and
its labels; only labels of newly dropped paragraphs would point at nothing. This script moves
those records, unchanged, to ``labels/retired/<date>-boilerplate.jsonl`` (the label reader skips
``retired/``), each with the reason it was dropped, and rewrites the files they came from
atomically. Run it from the project root after changing the boilerplate patterns:

    python scripts/retire_boilerplate_labels.py [--dry-run]
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path

from framing._io import atomic_write
from framing.corpus.read import iter_paragraph_chunks
from framing.labels.store import label_files


def _write(path: Path, text: str) -> None:
    with atomic_write(path) as handle:
        handle.write(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path("."))
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args()
    dropped: dict[str, str] = {}

    def note(frame) -> None:
        dropped.update(zip(frame["paragraph_id"], frame["reason"]))

    for _ in iter_paragraph_chunks(args.root / "corpus", on_dropped=note):
        pass
    retired: list[str] = []
    for file in label_files(args.root / "labels"):
        keep, moved = [], []
        for line in file.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            record = json.loads(line)
            if record["paragraph_id"] in dropped:
                moved.append(json.dumps({**record, "retired_because": f"boilerplate: {dropped[record['paragraph_id']]}",
                                         "retired_from": file.name}, ensure_ascii=False))
            else:
                keep.append(line)
        if moved:
            print(f"{file}: {len(moved)} records of boilerplate paragraphs retired")
            retired.extend(moved)
            if not args.dry_run:
                _write(file, "\n".join(keep) + "\n")
    if retired and not args.dry_run:
        out = args.root / "labels" / "retired" / f"{date.today().isoformat()}-boilerplate.jsonl"
        out.parent.mkdir(parents=True, exist_ok=True)
        previous = out.read_text(encoding="utf-8") if out.exists() else ""
        _write(out, previous + "\n".join(retired) + "\n")
        print(f"{len(retired)} records → {out}")


if __name__ == "__main__":
    main()
