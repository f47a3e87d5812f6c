"""Every design document the code and docs point at is a file in the repository."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("app.py", "README.md", "Makefile", "phm", "components", "views", "docs", "tests")
DOC_REFERENCE = re.compile(r"\bdocs/[\w.-]+\.md\b")
# The design notes the project started from live outside the repository; point at docs/ instead.
OUTSIDE = re.compile(r"\b(PRODUCT|STYLE|ARCHITECTURE)\.md\b|shared/design")


def texts() -> dict[Path, str]:
    """Return the text of every Python and Markdown file the project keeps, by path."""
    found: dict[Path, str] = {}
    for name in SOURCES:
        path = ROOT / name
        files = [path] if path.is_file() else [*path.rglob("*.py"), *path.rglob("*.md")]
        for file in files:
            if file.is_file():
                found[file.relative_to(ROOT)] = file.read_text(encoding="utf-8")
    return found


def test_every_docs_reference_names_a_file_in_the_repository() -> None:
    named = {(path, m) for path, text in texts().items() for m in DOC_REFERENCE.findall(text)}
    assert named, "the scan found no reference at all"
    assert sorted((str(p), m) for p, m in named if not (ROOT / m).is_file()) == []


def test_nothing_points_at_design_notes_outside_the_repository() -> None:
    outside = {
        str(path): sorted(set(m.group(0) for m in OUTSIDE.finditer(text)))
        for path, text in texts().items()
        if path != Path(__file__).relative_to(ROOT) and OUTSIDE.search(text)
    }
    assert outside == {}
