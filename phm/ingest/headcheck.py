"""Check the head of an input file before DuckDB reads it, so a malformed file gets a plain reason.

DuckDB's CSV sniffer reports a ragged row or a wrongly compressed file in its first lines with
no line number, and names a repeated or title-row header `sex_1` or `column5`; these checks say
what is wrong and where.
"""

from __future__ import annotations

import csv
import gzip
import io
import zipfile
from collections import Counter
from pathlib import Path

from phm.ingest.contract import InputFile

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
HEAD_ROWS = 20_480  # DuckDB's sniffer sample size: ragged rows beyond it carry a line number
HEAD_BYTES = 8 << 20
TITLE_SEARCH_ROWS = 10
# A workbook is read into memory several times over its XML; a small file whose parts expand
# far beyond this (a "zip bomb", or shared strings repeated millions of times) is refused.
MAX_WORKBOOK_EXPANDED = 400 << 20


class HeadProblem(ValueError):
    """A problem found in the head of a file (the message names the file, line and column)."""


def check_compression(path: Path) -> None:
    """Raise HeadProblem when a file's name and its compression disagree."""
    with path.open("rb") as handle:
        magic = handle.read(4)
    named_gzip = path.suffix.lower() == ".gz"
    if named_gzip and not magic.startswith(GZIP_MAGIC):
        raise HeadProblem(f"{path.name}: named .gz but not gzip-compressed; rename it .csv")
    if not named_gzip and magic.startswith(GZIP_MAGIC):
        raise HeadProblem(f"{path.name}: gzip-compressed but not named .gz; rename it .csv.gz")
    if magic.startswith(ZIP_MAGIC):
        raise HeadProblem(
            f"{path.name}: a zip archive or Excel workbook named {path.suffix}; unzip it, or"
            " name a workbook .xlsx"
        )


def head_rows(path: Path) -> list[tuple[int, list[str]]]:
    """Return (line number, fields) of the first rows of a CSV file (gzip or plain)."""
    opener = gzip.open if path.suffix.lower() == ".gz" else open
    rows: list[tuple[int, list[str]]] = []
    with opener(path, "rb") as raw:  # type: ignore[operator]
        data = raw.read(HEAD_BYTES)
    text = data.decode("utf-8-sig", errors="replace")
    if len(data) == HEAD_BYTES:  # the last line may be cut: leave it to DuckDB
        text = text[: text.rfind("\n") + 1]
    reader = csv.reader(io.StringIO(text, newline=""), strict=False)
    try:
        for fields in reader:
            rows.append((reader.line_num, fields))
            if len(rows) >= HEAD_ROWS:
                break
    except csv.Error:
        pass  # an unterminated quote: DuckDB reports it with its line
    return rows


def check_header(names: list[str], spec: InputFile, where: str, rows: list[list[str]]) -> None:
    """Raise HeadProblem for a repeated column name, or a header that is not the first row."""
    cleaned = [str(n).strip() for n in names]
    twice = [name for name, n in Counter(c for c in cleaned if c).items() if n > 1]
    if twice:
        columns = ", ".join(
            f"{name!r} (columns {', '.join(str(i + 1) for i, c in enumerate(cleaned) if c == name)})"
            for name in twice
        )
        raise HeadProblem(f"{where}: column {columns} appears twice in the header; keep one")
    wanted = {f.name for f in spec.fields}
    if wanted & set(cleaned):
        return
    for i, row in enumerate(rows[:TITLE_SEARCH_ROWS], start=2):
        found = wanted & {str(c).strip() for c in row}
        if len(found) >= 2:
            raise HeadProblem(
                f"{where}: the header row looks wrong: row 1 holds none of the contract's"
                f" columns, but row {i} does ({', '.join(sorted(found)[:3])}...); delete the"
                f" {i - 1} row(s) above the header"
            )


def delimiter_hint(header: list[str]) -> str:
    """Return a hint when a one-column header looks delimited by semicolons or tabs."""
    if len(header) != 1:
        return ""
    for mark, name in ((";", "semicolon"), ("\t", "tab")):
        if header[0].count(mark) >= 2:
            return (
                f"the file looks {name}-delimited (its header is one column holding"
                f" {header[0].count(mark)} {name}s); save it as comma-separated CSV UTF-8"
            )
    return ""


def check_csv_head(path: Path, spec: InputFile) -> None:
    """Raise HeadProblem for a CSV whose first rows are mislabelled, ragged or badly headed."""
    check_compression(path)
    rows = head_rows(path)
    if not rows:
        return
    header_line, header = rows[0]
    hint = delimiter_hint(header)
    if hint:
        raise HeadProblem(f"{path.name}: {hint}")
    check_header(header, spec, path.name, [fields for _, fields in rows[1:]])
    previous = header_line
    for line, fields in rows[1:]:
        start, previous = previous + 1, line
        if fields and len(fields) != len(header) and any("\n" in f for f in fields):
            raise HeadProblem(
                f"{path.name}: line {start}: a quoted value is not closed (it runs on to line"
                f" {line}); check its quotes"
            )
        if fields and len(fields) != len(header):
            raise HeadProblem(
                f"{path.name}: line {line} has {len(fields)} fields but the header (line"
                f" {header_line}) has {len(header)}; check its commas and quotes"
            )


def check_workbook_size(path: Path, limit: int | None = None) -> None:
    """Raise HeadProblem when a workbook's parts expand beyond `limit` bytes (checked unread)."""
    limit = MAX_WORKBOOK_EXPANDED if limit is None else limit
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        return  # not a zip: the workbook reader says why
    total = sum(m.file_size for m in members)
    if total > limit:
        largest = max(members, key=lambda m: m.file_size)
        raise HeadProblem(
            f"{path.name}: the workbook expands to {total / 2**20:,.0f} MB when opened (its part"
            f" {largest.filename} alone {largest.file_size / 2**20:,.0f} MB), more than the"
            f" {limit / 2**20:,.0f} MB allowed; save the sheet as CSV UTF-8 instead"
        )
