"""Read an input file (CSV, Parquet or Excel) into a staging table, streaming where DuckDB can."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from phm.ingest import headcheck
from phm.ingest.contract import InputFile

CSV_OPTIONS = (
    "all_varchar = true, header = true, delim = ',', quote = '\"', escape = '\"',"
    " strict_mode = true, null_padding = false, encoding = 'utf-8'"
)
EXCEL_SUFFIXES = (".xlsx", ".xlsm")


class UnreadableFile(ValueError):
    """A file that cannot be read at all (encoding, truncation, format)."""


@dataclass
class Staged:
    """An input file copied into a staging table, with what was found in its header."""

    kind: str
    path: Path
    table: str  # staging table name, e.g. stage.persons
    rows: int
    present: list[str]
    missing: list[str]
    ignored: list[str] = field(default_factory=list)
    sheet_note: str = ""


def file_format(path: Path) -> str:
    """Return csv, parquet or excel from the file's suffix, or raise UnreadableFile."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt", ".gz"):
        return "csv"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    if suffix in EXCEL_SUFFIXES:
        return "excel"
    raise UnreadableFile(f"{path.name}: unknown file type {suffix!r}; use .csv, .parquet or .xlsx")


def _first_line(error: Exception) -> str:
    """Return the first useful line of a DuckDB error, in plain words where it is a known one."""
    text = str(error)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    where = re.search(r"Line: (\d+)", text)
    line = f" (line {where.group(1)})" if where else ""
    if "unicode" in text.lower():
        return f"the file is not UTF-8 encoded text{line}; save it as 'CSV UTF-8'"
    fields = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", text)
    if fields and where:
        return (
            f"line {where.group(1)} has {fields.group(2)} fields but the header has"
            f" {fields.group(1)}; check its commas and quotes"
        )
    if "unterminated quote" in text.lower():
        return f"a quoted value is not closed{line}; check its quotes"
    if "sniffing file" in text.lower():
        return "not comma-separated CSV text with a header row (check the delimiter and quotes)"
    return " ".join(line for line in lines[:3] if not line.startswith("Original Line"))[:300]


def _cell_text(value: object) -> str | None:
    """Return an Excel cell value as the text a CSV would hold."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    return text if text.strip() else None


def read_excel(path: Path, spec: InputFile) -> tuple[pd.DataFrame, str]:
    """Return the sheet of a workbook named for the file's kind (or its only sheet) as text cells."""
    import openpyxl

    kind = spec.kind

    try:
        headcheck.check_workbook_size(path)
    except headcheck.HeadProblem as error:
        raise UnreadableFile(str(error)) from None
    try:
        book = openpyxl.load_workbook(path, data_only=False)
    except Exception as error:  # openpyxl raises many types for broken files
        raise UnreadableFile(f"{path.name}: not a readable Excel workbook ({error})") from None
    names = book.sheetnames
    if kind in names:
        sheet = book[kind]
    elif len(names) == 1:
        sheet = book[names[0]]
    else:
        raise UnreadableFile(
            f"{path.name}: the workbook has {len(names)} sheets ({', '.join(names)});"
            f" name the sheet to load {kind!r} or keep only one"
        )
    if sheet.merged_cells.ranges:
        merged = ", ".join(str(r) for r in list(sheet.merged_cells.ranges)[:5])
        raise UnreadableFile(
            f"{path.name}: sheet {sheet.title!r} has merged cells ({merged}); unmerge them"
        )
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        raise UnreadableFile(f"{path.name}: sheet {sheet.title!r} is empty")
    names_row = [str(h).strip() if h is not None else "" for h in header]
    body = [[_cell_text(v) for v in row] for row in rows]
    body = [row for row in body if any(v is not None for v in row)]
    try:
        headcheck.check_header(
            names_row,
            spec,
            f"{path.name}, sheet {sheet.title!r}",
            [[c or "" for c in r] for r in body],
        )
    except headcheck.HeadProblem as error:
        raise UnreadableFile(str(error)) from None
    frame = pd.DataFrame(body, columns=names_row, dtype="string")
    if frame.empty:
        frame = pd.DataFrame({n: pd.Series([], dtype="string") for n in names_row})
    return frame, f"sheet {sheet.title!r}"


def stage_file(
    con: duckdb.DuckDBPyConnection, spec: InputFile, path: Path, schema_name: str = "stage"
) -> Staged:
    """Copy one input file into `schema_name.<kind>`, keeping only the contract's columns.

    Columns are picked by position (`#n`) after matching the trimmed header names, so
    nothing from the file's header ever becomes SQL text.
    """
    if not path.is_file():
        raise UnreadableFile(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise UnreadableFile(f"{path.name}: the file is empty")
    fmt = file_format(path)
    note = ""
    source_sql = ""
    params: dict[str, object] = {"path": str(path)}
    if fmt == "csv":
        try:
            headcheck.check_csv_head(path, spec)
        except headcheck.HeadProblem as error:
            raise UnreadableFile(str(error)) from None
        source_sql = f"read_csv($path, {CSV_OPTIONS})"
    elif fmt == "parquet":
        source_sql = "read_parquet($path)"
    else:
        frame, note = read_excel(path, spec)
        view = f"excel_{spec.kind}"
        con.register(view, frame)
        source_sql = view
        params = {}
    describe = "DESCRIBE SELECT * FROM " + source_sql
    try:
        header = [row[0] for row in con.execute(describe, params).fetchall()]
    except duckdb.Error as error:
        raise UnreadableFile(f"{path.name}: cannot read as {fmt}: {_first_line(error)}") from None
    positions = {str(name).strip(): i + 1 for i, name in reversed(list(enumerate(header)))}
    wanted = [f.name for f in spec.fields]
    present = [name for name in wanted if name in positions]
    missing = [f.name for f in spec.fields if f.required and f.name not in positions]
    ignored = [str(name) for name in header if str(name).strip() not in wanted]
    table = f"{schema_name}.{spec.kind}"
    columns = [f"#{positions[name]} AS {name}" for name in present] or ["NULL AS _empty"]
    create = f"CREATE OR REPLACE TABLE {table} AS SELECT {', '.join(columns)} FROM {source_sql}"
    try:
        rows = con.execute(create, params).fetchall()[0][0]  # CREATE ... AS answers its row count
    except duckdb.Error as error:
        raise UnreadableFile(f"{path.name}: cannot read as {fmt}: {_first_line(error)}") from None
    return Staged(spec.kind, path, table, int(rows), present, missing, ignored, note)
