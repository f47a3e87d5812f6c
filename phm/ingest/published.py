"""Import NHS England's published COVID-19 vaccinations by MSOA and age band, with NIMS populations.

The layout is recognised from the header row, never from the file name:
- one column per dose and band (`1st dose Under 25`, ..., `2nd dose 80+`): doses as named;
- bands only (`Under 60`, `60-64`, ..., `80+`) with an `LTLA Code` column: first doses
  (the early weekly files, which do not name the dose);
- bands only with total columns (`16+`, `18+`) and no LTLA: NIMS population denominators.
Counts such as `" 1,499 "` are parsed; cells that cannot be read (`#VALUE!`, `12.5`, `-3`) are
reported by file, row and column and stored as missing, never as zero. Cells with more people
vaccinated than the NIMS population of their band are reported by file, row and column too, and
stored as published (borough rows stay the sums NHS England publishes); no rate is made from
them: phm.queries.published leaves the figure of an area (or borough) with such a cell missing,
as it does an unreadable cell's.
A band population worked out from NIMS totals that comes out below zero is reported and stored
as missing.

Files are CSV or NHS England's Excel workbooks (.xlsx): every sheet with an 'MSOA Code' cell near
its top holds a table (below a title block; its header may be a dose row merged over a band row),
read down to the first empty row so footnotes are left out.
"""

from __future__ import annotations

import csv
import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd

from phm import db, geo, schema
from phm.codes import band_range
from phm.ingest import headcheck, report
from phm.ingest.validate import NOTE, WARNING, CheckCount, Findings, Problem

DOSE_COLUMN = re.compile(r"^(1st|2nd|3rd|booster)\s+dose\s+(.+)$", re.IGNORECASE)
BAND = re.compile(r"^(under\s+\d+|\d+\s*-\s*\d+|\d+\s*\+)$", re.IGNORECASE)
DOSE_CODES = {"1st": "1", "2nd": "2", "3rd": "3", "booster": "3"}
TOTAL_BANDS = ("16+", "18+")
DATE_IN_NAME = re.compile(r"(20\d{2})(\d{2})(\d{2})")
DAY_MONTH_IN_NAME = re.compile(r"(?<!\d)(\d{1,2})[-_ ]([A-Za-z]{3,9})[-_ ](20\d{2})")
MSOA_CODE = re.compile(r"^[EW]02\d{6}$")
DOSE_HEADING = re.compile(r"\b(1st|2nd|3rd|first|second|third|booster)\s+doses?\b", re.IGNORECASE)
DOSE_WORDS = {"first": "1st", "second": "2nd", "third": "3rd"}
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
HEADER_SEARCH_ROWS = 40  # NHS England's title blocks run to 10-15 rows
DAYS_FROM_DATA_TO_PUBLICATION = 4  # weekly files published on Thursday, counts to the Sunday
# A count above a trillion (more people than live on Earth) is a damaged file, and sums of
# such counts could overflow the 64-bit integers they are stored in.
MAX_COUNT = 1_000_000_000_000
TOO_LARGE = "count too large"


class NoCountColumns(ValueError):
    """A table with an 'MSOA Code' column but no age-band columns (a lookup, not counts)."""


@dataclass
class ParsedFile:
    """One published table (a CSV file or a workbook sheet) in long form, one row per cell."""

    path: Path
    layout: str  # "vaccinations" or "population"
    frame: pd.DataFrame  # msoa_code, msoa_name, lad_code, lad_name, age_band, dose, value
    findings: Findings = field(default_factory=lambda: Findings([], []))
    sheet: str | None = None  # the workbook sheet, None for CSV
    # Where each row of `frame` came from (same index): row (1 = first data row), column
    # (its heading), cell (" (cell J16)" in a workbook, else "") and text (as published).
    origin: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def label(self) -> str:
        """Return the file name, with the sheet for a workbook: "week.xlsx, sheet 'MSOA'"."""
        return self.path.name + (f", sheet {self.sheet!r}" if self.sheet is not None else "")


@dataclass
class PublishedResult:
    """What an import wrote."""

    out: Path
    rows: int
    as_at: list[str]
    findings: Findings
    report_paths: list[Path]

    def lines(self) -> list[str]:
        """Return a short printed summary."""
        text = [
            f"Wrote {self.out}: {self.rows:,} published_uptake rows, as at {', '.join(self.as_at)}"
        ]
        text += [
            f"  {c.severity:7} {c.check}: {c.count:,} ({c.file}) - {c.message}"
            for c in self.findings.counts
        ]
        text.append("Report: " + ", ".join(str(p) for p in self.report_paths))
        return text


def normalise_band(text: str) -> str:
    """Return an age band label in one spelling: 'Under 60', '60-64', '80+'."""
    t = re.sub(r"\s+", " ", text.strip())
    if t.lower().startswith("under"):
        return "Under " + t.split()[-1]
    return t.replace(" ", "")


def parse_count(text: str | None) -> tuple[int | None, str | None]:
    """Return (count, None) for a readable cell, or (None, reason) when it is empty or unreadable."""
    if text is None or not text.strip():
        return None, "empty cell"
    cleaned = text.strip().replace(",", "")
    if re.fullmatch(r"-?\d+", cleaned):
        value = int(cleaned)
        if value > MAX_COUNT:
            return None, TOO_LARGE
        return (value, None) if value >= 0 else (None, "negative count")
    return None, "unreadable cell"


def _read_rows(path: Path) -> list[list[str]]:
    """Read a CSV file as rows of text; raise ValueError naming the problem."""
    if not path.is_file():
        raise ValueError(f"{path}: no such file")
    raw = path.read_bytes()
    if not raw.strip():
        raise ValueError(f"{path.name}: the file is empty")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(
            f"{path.name}: not UTF-8 text (byte {error.start}); save it as CSV UTF-8"
        ) from None
    return list(csv.reader(text.splitlines()))


def clean_header(text: str) -> str:
    """Return a header cell with its whitespace (line breaks in Excel headings) collapsed."""
    return re.sub(r"\s+", " ", text).strip()


def is_header_row(row: list[str]) -> bool:
    """Return whether a row holds the 'MSOA Code' heading of a table."""
    return any(clean_header(cell).lower() == "msoa code" for cell in row)


def dose_heading(text: str) -> str | None:
    """Return the dose a heading names in the spelling of the CSV files ('1st dose'), or None."""
    match = DOSE_HEADING.search(clean_header(text))
    if not match:
        return None
    word = match.group(1).lower()
    return f"{DOSE_WORDS.get(word, word)} dose"


def _has_band(row: list[str]) -> bool:
    """Return whether a row has an age-band heading such as 'Under 25' or '80+'."""
    return any(BAND.match(clean_header(cell)) for cell in row)


def combine_header(rows: list[list[str]], h: int) -> tuple[list[str], int]:
    """Return the header at row h and the index of its last row.

    A two-row header (a dose row merged over age-band columns, then the band row) becomes one
    row as the CSV files spell it: the dose is carried right over the band columns it spans, so
    '1st dose' over 'Under 25' reads '1st dose Under 25'. Either row may hold 'MSOA Code'.
    """
    header = rows[h]
    if not _has_band(header) and h + 1 < len(rows) and _has_band(rows[h + 1]):
        upper, lower, last = header, rows[h + 1], h + 1
    elif h > 0 and any(dose_heading(c) for c in rows[h - 1]) and _has_band(header):
        upper, lower, last = rows[h - 1], header, h
    else:
        return [clean_header(cell) for cell in header], h
    combined: list[str] = []
    dose: str | None = None
    for i in range(max(len(upper), len(lower))):
        top = clean_header(upper[i]) if i < len(upper) else ""
        low = clean_header(lower[i]) if i < len(lower) else ""
        if top:
            dose = dose_heading(top)  # a heading that is not a dose ends the span
        combined.append(f"{dose} {low}" if dose and BAND.match(low) else low or top)
    return combined, last


def _header_index(rows: list[list[str]], path: Path) -> int:
    """Return the index of the header row: the first with an 'MSOA Code' cell."""
    for i, row in enumerate(rows[:20]):
        if is_header_row(row):
            return i
    first = ", ".join(c.strip() for c in (rows[0] if rows else []) if c.strip())[:200]
    raise ValueError(
        f"{path.name}: no 'MSOA Code' column in the first 20 rows, so this is not an NHS England"
        f" MSOA file (header: {first})"
    )


def recognise_layout(header: list[str], where: str) -> tuple[str, list[tuple[int, str, str]]]:
    """Return the layout and the count columns (position, band, dose) named by a header."""
    lower = [c.lower() for c in header]
    columns: list[tuple[int, str, str]] = []
    for i, name in enumerate(header):
        match = DOSE_COLUMN.match(name)
        if match:
            columns.append((i, normalise_band(match.group(2)), DOSE_CODES[match.group(1).lower()]))
    if columns:
        return "vaccinations", columns
    bands = [(i, normalise_band(n)) for i, n in enumerate(header) if BAND.match(n)]
    if not bands:
        raise NoCountColumns(
            f"{where}: no age-band columns in the header ({', '.join(header)[:200]})"
        )
    if "ltla code" in lower:
        return "vaccinations", [(i, band, "1") for i, band in bands]
    if any(band in TOTAL_BANDS for _, band in bands):
        return "population", [(i, band, "") for i, band in bands]
    raise ValueError(
        f"{where}: age-band columns without doses, LTLA columns or 16+/18+ totals;"
        " cannot tell vaccinations from population"
    )


def _is_empty(row: list[str]) -> bool:
    """Return whether no cell of a row holds anything."""
    return not any(cell.strip() for cell in row)


def parse_table(path: Path, rows: list[list[str]], h: int, sheet: str | None = None) -> ParsedFile:
    """Parse the table whose header starts at rows[h], down to its first empty row."""
    where = path.name + (f", sheet {sheet!r}" if sheet is not None else "")
    header, last = combine_header(rows, h)
    layout, columns = recognise_layout(header, where)
    lower = [c.lower() for c in header]
    index = {
        name: lower.index(name)
        for name in ("msoa code", "msoa name", "ltla code", "ltla name")
        if name in lower
    }
    parsed = ParsedFile(path, layout, pd.DataFrame(), sheet=sheet)
    records = []
    origins = []
    counts: dict[str, int] = {}
    r = 0  # data row number, 1 = the first row below the header
    end: int | None = None
    for at in range(last + 1, len(rows)):
        row = rows[at]
        if _is_empty(row):
            if r:
                end = at
                break
            continue  # spacing between the header and the first row
        r += 1
        cells = [c.strip() for c in row]
        code = cells[index["msoa code"]] if index["msoa code"] < len(cells) else ""
        if not code:
            continue  # totals or note lines
        for position, band, dose in columns:
            text = row[position] if position < len(row) else None
            value, problem = parse_count(text)
            cell = f" (cell {column_letter(position)}{at + 1})" if sheet else ""
            if problem == TOO_LARGE:
                raise ValueError(
                    f"{where}, row {r}, column {header[position]!r}{cell}: the count"
                    f" {str(text).strip()[:40]} ({len(str(text).strip())} characters) is more"
                    f" than {MAX_COUNT:,}, more people than live on Earth; the file is damaged"
                )
            origins.append({"row": r, "column": header[position], "cell": cell, "text": text})
            if problem:
                counts[problem] = counts.get(problem, 0) + 1
                parsed.findings.problems.append(
                    Problem(
                        problem,
                        WARNING,
                        parsed.label,
                        r,
                        header[position],
                        text,
                        "stored as missing" + cell,
                    )
                )
            records.append(
                {
                    "msoa_code": code,
                    "msoa_name": cells[index["msoa name"]] if "msoa name" in index else code,
                    "lad_code": cells[index["ltla code"]] if "ltla code" in index else None,
                    "lad_name": cells[index["ltla name"]] if "ltla name" in index else None,
                    "age_band": band,
                    "dose": dose,
                    "value": value,
                }
            )
    if not records:
        raise ValueError(f"{where}: an 'MSOA Code' header at row {h + 1} but no MSOA rows below it")
    if end is not None:  # below the first empty row are footnotes, never more MSOAs
        for at in range(end + 1, len(rows)):
            row = rows[at]
            code = row[index["msoa code"]].strip() if index["msoa code"] < len(row) else ""
            if MSOA_CODE.match(code):
                raise ValueError(
                    f"{where}: MSOA {code} at row {at + 1} is below the empty row {end + 1} that"
                    " ends the table; remove the empty rows inside the table"
                )
    for problem, n in counts.items():
        parsed.findings.counts.append(
            CheckCount(
                problem,
                WARNING,
                parsed.label,
                None,
                n,
                f"{problem}s are stored as missing, never as zero",
            )
        )
    parsed.frame = pd.DataFrame.from_records(
        records,
        columns=["msoa_code", "msoa_name", "lad_code", "lad_name", "age_band", "dose", "value"],
    )
    parsed.frame["value"] = parsed.frame["value"].astype("Int64")
    parsed.origin = pd.DataFrame.from_records(origins, columns=["row", "column", "cell", "text"])
    return parsed


def column_letter(position: int) -> str:
    """Return the spreadsheet letters of a 0-based column position: 0 -> 'A', 27 -> 'AB'."""
    letters = ""
    n = position + 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def cell_text(value: object) -> str:
    """Return a workbook cell as the text a CSV would hold ('' when empty, '1499' for 1499.0)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def read_workbook_tables(path: Path) -> list[tuple[str, list[list[str]], int]]:
    """Return (sheet, rows as text, header index) of every sheet holding an MSOA table.

    A sheet holds one when an 'MSOA Code' cell is among its first rows; other sheets (Contents,
    notes, LTLA tables) are passed over without reading them to the end.
    """
    import openpyxl

    if not path.is_file():
        raise ValueError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise ValueError(f"{path.name}: the file is empty")
    headcheck.check_workbook_size(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for broken files
        raise ValueError(f"{path.name}: not a readable Excel workbook ({error})") from None
    tables, looked = [], []
    try:
        for sheet in book.worksheets:
            looked.append(sheet.title)
            sheet.reset_dimensions()  # some writers record a wrong used range
            rows: list[list[str]] = []
            header: int | None = None
            try:
                for values in sheet.iter_rows(values_only=True):
                    rows.append([cell_text(v) for v in values])
                    if header is None and is_header_row(rows[-1]):
                        header = len(rows) - 1
                    if header is None and len(rows) >= HEADER_SEARCH_ROWS:
                        break
            except Exception as error:  # a damaged part of the archive
                raise ValueError(
                    f"{path.name}, sheet {sheet.title!r}: cannot be read ({error})"
                ) from None
            if header is not None:
                tables.append((sheet.title, rows, header))
    finally:
        book.close()
    if not tables:
        raise ValueError(
            f"{path.name}: no sheet holds an MSOA table (no 'MSOA Code' cell in the first"
            f" {HEADER_SEARCH_ROWS} rows of sheets {', '.join(repr(t) for t in looked)})"
        )
    return tables


def parse_workbook(path: Path) -> list[ParsedFile]:
    """Parse every MSOA table of an NHS England workbook, preferring NIMS populations.

    When several sheets hold populations (NIMS and ONS), those named NIMS are kept and the others
    noted, so one denominator is used.
    """
    parsed, passed_over = [], []
    for sheet, rows, h in read_workbook_tables(path):
        try:
            parsed.append(parse_table(path, rows, h, sheet))
        except NoCountColumns as error:  # e.g. an MSOA lookup sheet
            passed_over.append((sheet, str(error)))
    if not parsed:
        raise ValueError("; ".join(reason for _, reason in passed_over))
    if passed_over:
        names = ", ".join(repr(sheet) for sheet, _ in passed_over)
        message = f"sheet(s) {names} list MSOAs without age-band counts and were left out"
        parsed[0].findings.counts.append(
            CheckCount("sheet not used", NOTE, path.name, None, len(passed_over), message)
        )
    population = [p for p in parsed if p.layout == "population"]
    nims = [p for p in population if "nims" in (p.sheet or "").lower()]
    if nims and len(nims) < len(population):
        left = [p for p in population if all(p is not n for n in nims)]
        parsed = [p for p in parsed if all(p is not o for o in left)]
        names = ", ".join(repr(p.sheet) for p in left)
        parsed[0].findings.counts.append(
            CheckCount(
                "population sheet not used",
                NOTE,
                path.name,
                None,
                len(left),
                f"populations of sheet(s) {names} left out: the NIMS sheet is the denominator",
            )
        )
    return parsed


def parse_tables(path: Path) -> list[ParsedFile]:
    """Parse a published file: a CSV (one table) or a workbook (one table per MSOA sheet)."""
    if path.suffix.lower() in EXCEL_SUFFIXES:
        return parse_workbook(path)
    if path.suffix.lower() == ".xls":
        raise ValueError(f"{path.name}: an Excel 97-2003 workbook; save it as .xlsx or CSV UTF-8")
    return [parse_file(path)]


def parse_file(path: Path) -> ParsedFile:
    """Parse one published file into long form, recognising its layout from the header."""
    if path.suffix.lower() in EXCEL_SUFFIXES:
        tables = parse_workbook(path)
        if len(tables) > 1:
            sheets = ", ".join(repr(t.sheet) for t in tables)
            raise ValueError(f"{path.name}: {len(tables)} MSOA tables ({sheets}); use parse_tables")
        return tables[0]
    rows = _read_rows(path)
    return parse_table(path, rows, _header_index(rows, path))


def population_for(band: str, nims: dict[str, int | None]) -> int | None:
    """Return the NIMS population of a band, summing whole NIMS bands; None when it can't be made.

    'Under N' is 16 to N-1: the NIMS 16+ total minus the NIMS bands from N up.
    """
    if band in nims:
        return nims[band]
    low, high = band_range(band)
    parts = {b: band_range(b) for b in nims if b not in TOTAL_BANDS and not b.startswith("Under")}
    if band.startswith("Under ") and "16+" in nims:
        older = [b for b, (lo, _) in parts.items() if lo >= high + 1]
        values = [nims[b] for b in older]
        if nims["16+"] is None or any(v is None for v in values):
            return None
        return nims["16+"] - sum(values)  # type: ignore[operator]
    inside = [
        b
        for b, (lo, hi) in parts.items()
        if lo >= low and (high is None or (hi is not None and hi <= high))
    ]
    covered = sum(
        ((hi if hi is not None else 200) - lo + 1) for lo, hi in (parts[b] for b in inside)
    )
    if not inside or covered != ((high if high is not None else 200) - low + 1):
        return None
    values = [nims[b] for b in inside]
    return None if any(v is None for v in values) else sum(values)  # type: ignore[arg-type]


def publication_date(name: str) -> date | None:
    """Return the date in a file name: '20210311' or NHS England's '11-March-2021'."""
    match = DATE_IN_NAME.search(name)
    if match:
        try:
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            raise ValueError(
                f"{name}: {match.group(0)} in the name is not a date (YYYYMMDD);"
                " correct the name or give --as-at YYYY-MM-DD"
            ) from None
    match = DAY_MONTH_IN_NAME.search(name)
    if match:
        day, month, year = match.groups()
        for spelling in ("%d %B %Y", "%d %b %Y"):
            try:
                return datetime.strptime(f"{day} {month} {year}", spelling).date()
            except ValueError:
                continue
        if month[:3].lower() in MONTHS:  # a month, but no such day in it
            raise ValueError(
                f"{name}: {match.group(0)} in the name is not a date (such as 11-March-2021);"
                " correct the name or give --as-at YYYY-MM-DD"
            )
    return None


def as_at_of(path: Path, given: date | None, findings: Findings) -> date:
    """Return the date a file's counts run to: given, or the Sunday before its publication date."""
    if given is not None:
        return given
    published = publication_date(path.name)
    if published is None:
        raise ValueError(f"{path.name}: give --as-at (the date the counts run to)")
    as_at = published - timedelta(days=DAYS_FROM_DATA_TO_PUBLICATION)
    message = (
        f"as_at {as_at} inferred as 4 days before the publication date {published} in the name"
    )
    findings.counts.append(CheckCount("as_at inferred", NOTE, path.name, None, 1, message))
    return as_at


def build_rows(
    parsed: list[ParsedFile], lsoa: pd.DataFrame, as_at: date | None, findings: Findings
) -> pd.DataFrame:
    """Return published_uptake rows (MSOA and borough) for the ICB's MSOAs."""
    areas = lsoa[["msoa_code", "msoa_name", "lad_code", "lad_name"]].drop_duplicates("msoa_code")
    vaccination_files = [p for p in parsed if p.layout == "vaccinations"]
    if not vaccination_files:
        raise ValueError("no vaccination file among the inputs (only population files)")
    if as_at is not None and len(vaccination_files) > 1:
        raise ValueError(
            "--as-at applies to one vaccination file; import weeks one by one or name them by date"
        )
    population = pd.concat(
        [p.frame.join(p.origin).assign(file=p.label) for p in parsed if p.layout == "population"]
        or [pd.DataFrame()]
    )
    nims: dict[str, dict[str, int | None]] = {}
    nims_rows: dict[str, pd.DataFrame] = {}  # where each MSOA's NIMS figures are
    if not population.empty:
        for code, group in population.groupby("msoa_code"):
            nims[str(code)] = {
                b: (None if pd.isna(v) else int(v))
                for b, v in zip(group["age_band"], group["value"], strict=True)
            }
            nims_rows[str(code)] = group.set_index("age_band")
    below_zero: set[tuple[str, str]] = set()
    frames = []
    for item in vaccination_files:
        when = as_at_of(item.path, as_at, findings)
        frame = item.frame.join(item.origin).merge(
            areas, on="msoa_code", how="inner", suffixes=("_file", "")
        )
        outside = item.frame["msoa_code"].nunique() - frame["msoa_code"].nunique()
        if outside:
            message = f"{outside:,} MSOAs outside the ICB's geography were left out"
            findings.counts.append(
                CheckCount("outside the ICB", NOTE, item.label, None, outside, message)
            )
        absent = sorted(set(areas["msoa_code"]) - set(item.frame["msoa_code"]))
        if absent:
            message = f"MSOAs of the ICB not in the file: {', '.join(absent[:10])}"
            findings.counts.append(
                CheckCount("MSOA not published", NOTE, item.label, None, len(absent), message)
            )
        frame["population"] = [
            population_for(b, nims[c]) if c in nims else None
            for c, b in zip(frame["msoa_code"], frame["age_band"], strict=True)
        ]
        frame["population"] = _without_negative_populations(frame, nims_rows, below_zero, findings)
        _report_vaccinated_above_population(frame, item.label, nims_rows, findings)
        frame["as_at"] = when
        frame["source"] = item.label + (
            f"; population: {', '.join(p.label for p in parsed if p.layout == 'population')}"
            if nims
            else ""
        )
        frames.append(frame)
    msoa = pd.concat(frames, ignore_index=True)
    if msoa.empty:
        labels = ", ".join(item.label for item in vaccination_files)
        raise ValueError(
            f"{labels}: none of its MSOAs is in the ICB's reference geography"
            f" ({len(areas):,} MSOAs, e.g. {areas['msoa_code'].iloc[0]}); is it for another"
            " area, or is --icb wrong?"
        )
    _report_missing_denominators(msoa, population, findings)
    twice = msoa[msoa.duplicated(["msoa_code", "age_band", "dose", "as_at"], keep=False)]
    if not twice.empty:
        first = twice.iloc[0]
        sources = sorted(set(twice["source"].str.split(";").str[0]))
        raise ValueError(
            f"MSOA {first['msoa_code']}, {first['age_band']}, dose {first['dose']} as at"
            f" {first['as_at']} appears more than once ({'; '.join(sources)});"
            " import each week once"
        )
    msoa["population"] = msoa["population"].astype("Int64")
    out_msoa = pd.DataFrame(
        {
            "level": "msoa",
            "area_code": msoa["msoa_code"],
            "area_name": msoa["msoa_name"],
            "age_band": msoa["age_band"],
            "dose": msoa["dose"],
            "as_at": msoa["as_at"],
            "vaccinated": msoa["value"],
            "population": msoa["population"],
            "source": msoa["source"],
        }
    )
    keys = ["lad_code", "lad_name", "age_band", "dose", "as_at", "source"]
    # A borough total is missing when any of its MSOA cells is missing (never a partial sum).
    # Otherwise it is the sum NHS England publishes, even over a cell above its population:
    # phm.queries.published gives no figure for a borough with such a cell.
    lad = (
        msoa.groupby(keys, dropna=False)
        .agg(
            vaccinated=("value", lambda s: s.sum() if s.notna().all() else pd.NA),
            population=("population", lambda s: s.sum() if s.notna().all() else pd.NA),
        )
        .reset_index()
    )
    out_lad = pd.DataFrame(
        {
            "level": "lad",
            "area_code": lad["lad_code"],
            "area_name": lad["lad_name"],
            "age_band": lad["age_band"],
            "dose": lad["dose"],
            "as_at": lad["as_at"],
            "vaccinated": lad["vaccinated"].astype("Int64"),
            "population": lad["population"].astype("Int64"),
            "source": lad["source"],
        }
    )
    return pd.concat([out_msoa, out_lad], ignore_index=True)


NO_POPULATION_FILE = "no population file"
BAND_WITHOUT_POPULATION = "age band without population"


def _report_missing_denominators(
    msoa: pd.DataFrame, population: pd.DataFrame, findings: Findings
) -> None:
    """Warn when figures are stored without a population: no NIMS file, or a band NIMS lacks."""
    if population.empty:
        message = (
            "no NIMS population file among the inputs: every figure is stored without a"
            " denominator, so no uptake can be shown; import the NIMS population file"
            " (or the workbook's NIMS sheet) with the weekly file"
        )
        findings.counts.append(
            CheckCount(NO_POPULATION_FILE, WARNING, "(inputs)", None, len(msoa), message)
        )
        findings.problems.append(
            Problem(NO_POPULATION_FILE, WARNING, "(inputs)", None, None, None, message)
        )
        return
    nims_bands = sorted(set(population["age_band"]) - set(TOTAL_BANDS), key=band_range)
    for (label, band), group in msoa.groupby(
        [msoa["source"].str.split(";").str[0], "age_band"], sort=True
    ):
        if group["population"].notna().any():
            continue
        message = (
            f"no NIMS population for age band {band!r} (NIMS bands: {', '.join(nims_bands)}):"
            " its figures are stored without a denominator and shown without uptake"
        )
        findings.counts.append(
            CheckCount(BAND_WITHOUT_POPULATION, WARNING, label, band, len(group), message)
        )
        findings.problems.append(
            Problem(BAND_WITHOUT_POPULATION, WARNING, label, None, band, None, message)
        )


def _exceeding(frame: pd.DataFrame) -> pd.Series:
    """Return where a cell has more people vaccinated than the population of its band."""
    value = frame["value"].astype("Float64")
    population = pd.Series(frame["population"], index=frame.index).astype("Float64")
    return (value > population).fillna(False).astype(bool)


def _report_vaccinated_above_population(
    frame: pd.DataFrame, label: str, nims_rows: dict[str, pd.DataFrame], findings: Findings
) -> None:
    """Report each cell with more people vaccinated than its population, by row and column."""
    over = frame[_exceeding(frame)]
    for row in over.itertuples(index=False):
        files = nims_rows[row.msoa_code]["file"].unique()
        findings.problems.append(
            Problem(
                "vaccinated above population",
                WARNING,
                label,
                int(row.row),
                row.column,
                row.text,
                f"{int(row.value):,} vaccinated, population {int(row.population):,}"
                f" ({', '.join(files)}): left out of rates, as unreadable cells are{row.cell}",
            )
        )
    if len(over):
        findings.counts.append(
            CheckCount(
                "vaccinated above population",
                WARNING,
                label,
                None,
                len(over),
                "cells with more people vaccinated than the NIMS population are kept as"
                " published and left out of every rate, as unreadable cells are",
            )
        )


def _without_negative_populations(
    frame: pd.DataFrame,
    nims_rows: dict[str, pd.DataFrame],
    reported: set[tuple[str, str]],
    findings: Findings,
) -> list[int | None]:
    """Return the populations with those below zero made missing, each reported once.

    Only a derived 'Under N' band (the 16+ total less the bands from N up) can fall below zero.
    """
    populations: list[int | None] = []
    new = 0
    for code, band, value in zip(
        frame["msoa_code"], frame["age_band"], frame["population"], strict=True
    ):
        if value is None or pd.isna(value) or value >= 0:
            populations.append(value)
            continue
        populations.append(None)
        if (code, band) in reported:
            continue
        reported.add((code, band))
        new += 1
        rows = nims_rows[code]
        total = rows.loc["16+"]
        older = band_range(band)[1] + 1
        findings.problems.append(
            Problem(
                "population below zero",
                WARNING,
                total["file"],
                int(total["row"]),
                total["column"],
                total["text"],
                f"the {band} population worked out from NIMS (the 16+ total less the bands"
                f" from {older} up) is {int(value):,}: stored as missing{total['cell']}",
            )
        )
    if new:
        findings.counts.append(
            CheckCount(
                "population below zero",
                WARNING,
                ", ".join(sorted({nims_rows[c]["file"].iloc[0] for c, _ in reported})),
                "16+",
                new,
                "a 16+ total below the bands it holds leaves the 'Under N' band without a"
                " population; its figures are stored without one",
            )
        )
    return populations


def import_published(
    files: list[Path],
    out: Path,
    ref_dir: Path,
    *,
    as_at: date | None = None,
    name: str | None = None,
) -> PublishedResult:
    """Build an aggregate dataset from published files and swap it in over `out` atomically."""
    from phm.ingest.load import reference_lsoas

    db.ensure_replaceable(out)
    findings = Findings([], [])
    parsed = []
    for path in files:
        for item in parse_tables(Path(path)):
            parsed.append(item)
            findings.counts.extend(item.findings.counts)
            findings.problems.extend(item.findings.problems)
    lsoa, imd_source, area_sources = reference_lsoas(ref_dir, None)
    rows = build_rows(parsed, lsoa, as_at, findings)
    latest = max(rows["as_at"])
    meta_values = {
        "name": name or f"NHS England published uptake by MSOA ({latest})",
        "kind": "published aggregate",
        "as_at": latest.isoformat(),
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "sources": json.dumps(
            [f"NHS England published statistics: {p.name}" for p in files] + area_sources
        ),
        "licence": "NHS England COVID-19 Vaccinations, Open Government Licence v3.0."
        " Contains public sector information licensed under the Open Government Licence v3.0.",
    }
    build_id = secrets.token_hex(8)
    meta_values[report.BUILD_ID_KEY] = build_id
    meta = pd.DataFrame({"key": list(meta_values), "value": list(meta_values.values())})
    data = report.summary(
        {f"published {i + 1}": Path(p) for i, p in enumerate(files)},
        out,
        meta_values["name"],
        latest,
        findings,
        True,
        "",
        {"published_uptake": len(rows)},
        imd_source,
        build_id,
    )
    with db.building(out) as con:
        for table in schema.TABLES:
            con.execute(schema.create_table_sql(table))
        con.register("new_lsoa", lsoa)
        con.execute("INSERT INTO lsoa BY NAME SELECT * EXCLUDE (uptake_effect) FROM new_lsoa")
        con.register("new_rows", rows)
        con.execute("INSERT INTO published_uptake BY NAME SELECT * FROM new_rows")
        con.register("new_meta", meta)
        con.execute("INSERT INTO dataset_meta SELECT * FROM new_meta")
        # Written before the swap, naming the build: never taken for another database's report.
        paths = report.write(out.with_suffix("").with_name(out.stem + ".report"), data)
    return PublishedResult(
        out, len(rows), sorted({d.isoformat() for d in rows["as_at"]}), findings, paths
    )


__all__ = [
    "geo",
    "import_published",
    "parse_count",
    "parse_file",
    "parse_tables",
    "parse_workbook",
    "population_for",
]
