"""The repository stands on its own: no file points a reader at a document outside it.

comity was designed against a shared design file and notes kept beside the repository
(a DESIGN file, a notes directory). A user, an integrator or an auditor has only the
repository, so whatever they need of those documents lives in docs/, and a reference to
them would send the reader nowhere. This walks every text file of the repository, as
a checkout holds it, less what tools make (virtual environments, caches, builds).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Directories that tools make, never written by hand (and .git).
SKIPPED = {".git", ".venv", "venv", "build", "dist", "tmp", "__pycache__", "node_modules"}

#: What a reference to a document outside the repository looks like. Spelt in pieces so
#: that this file does not refer to them itself.
OUTSIDE = re.compile(
    "|".join(
        [
            r"\bDESIGN" + r"\.md\b",
            r"\.\./" + "shared",
            r"/work/" + "shared",
            "shared/" + "notes",
            r"\bnotes/(?:durable-rules|legal-sources|official-sources|style-models)" + r"\.md\b",
        ]
    )
)


def _skipped(name: str) -> bool:
    return (
        name in SKIPPED or name.startswith(".hypothesis") or name.endswith((".egg-info", "_cache"))
    )


def _files() -> list[Path]:
    out: list[Path] = []
    for directory, dirs, files in os.walk(ROOT):
        dirs[:] = sorted(d for d in dirs if not _skipped(d))  # pruned: never walked
        out.extend(Path(directory, name) for name in sorted(files))
    return out


def test_the_walk_sees_the_repository() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in _files()}
    assert {"README.md", "CHANGELOG.md", "pyproject.toml", "docs/events.md"} <= names
    assert "src/comity/events/time.py" in names
    assert "tests/test_self_contained.py" in names


def test_no_file_refers_to_a_document_outside_the_repository() -> None:
    found = []
    for path in _files():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # a binary file (an image, a compiled catalog) cites nothing
        for number, line in enumerate(text.splitlines(), start=1):
            if OUTSIDE.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "references to documents outside the repository:\n" + "\n".join(found)


def test_the_pattern_catches_what_it_is_for() -> None:
    design = "DESIGN" + ".md"
    for line in (
        f"see {design} section 6",
        "../" + "shared/" + design,
        "as notes/durable-rules" + ".md says",
        "/work/" + "shared/" + "notes/legal-sources" + ".md",
    ):
        assert OUTSIDE.search(line), line
    for line in ("docs/engine.md", "notes on the value", "a DESIGNER.md", "shared state"):
        assert not OUTSIDE.search(line), line
