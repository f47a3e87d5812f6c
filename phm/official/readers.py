"""Read official area files as published (CSV, gzipped CSV or Excel), rejecting bad input clearly.

Every error is a ValueError naming the file and, where there is one, the row (counting the
header as row 1, as a spreadsheet does) and the column.
"""

from __future__ import annotations

import gzip
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

LSOA_CODE = re.compile(r"[EW]01\d{6}")
MSOA_CODE = re.compile(r"[EW]02\d{6}")
HEADER_SCAN_ROWS = 30
SHARE_SUM_TOLERANCE = 0.03
ETHNIC_GROUPS = ("white", "mixed", "asian", "black", "other")
NOMIS_CELLS = {0: "total", 100: "white", 200: "mixed", 300: "asian", 400: "black", 500: "other"}


@dataclass(frozen=True)
class Raw:
    """A file's table as text cells, with the spreadsheet row number of its header."""

    name: str
    frame: pd.DataFrame
    header_row: int
    container: str  # csv | csv.gz | xlsx

    def row(self, position: int) -> int:
        """Return the spreadsheet row number of the data row at `position` (blank rows count)."""
        return self.header_row + 1 + int(self.frame.index[position])


@dataclass(frozen=True)
class AreaTable:
    """Validated area figures read from one official file."""

    frame: pd.DataFrame
    layout: str
    rows_read: int


def _clean_header(value: object) -> str:
    """Return a header cell without BOM, padding or repeated spaces ('0.0' becomes '0')."""
    text = " ".join(str(value).replace("\ufeff", "").split())
    return text[:-2] if re.fullmatch(r"\d+\.0", text) else text


def _read_text(path: Path, compression: str | None) -> pd.DataFrame:
    """Read a CSV as text cells, turning the ways it can fail into clear errors."""
    try:
        return pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            encoding="utf-8-sig",
            compression=compression,
        )
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        raise ValueError(f"{path.name}: the file is truncated or damaged ({error})") from None
    except UnicodeDecodeError as error:
        raise ValueError(
            f"{path.name}: not UTF-8 text (byte {error.start}); save it as CSV UTF-8"
        ) from None
    except pd.errors.EmptyDataError:
        raise ValueError(f"{path.name}: the file is empty") from None
    except pd.errors.ParserError as error:
        raise ValueError(f"{path.name}: not a readable CSV table ({error})") from None


def _read_workbook(path: Path, wanted: tuple[str, ...]) -> Raw:
    """Find the sheet and header row naming one of `wanted` and return the table below it."""
    try:
        sheets = pd.read_excel(path, sheet_name=None, header=None, dtype=str)
    except Exception as error:  # openpyxl raises many kinds for a damaged workbook
        raise ValueError(f"{path.name}: not a readable Excel workbook ({error})") from None
    keys = {w.casefold() for w in wanted}
    for sheet in sheets.values():
        for i in range(min(HEADER_SCAN_ROWS, len(sheet))):
            cells = [_clean_header(c) for c in sheet.iloc[i].fillna("")]
            if keys & {c.casefold() for c in cells}:
                body = sheet.iloc[i + 1 :].fillna("").reset_index(drop=True)
                body.columns = cells
                return Raw(path.name, body, i + 1, "xlsx")
    raise ValueError(
        f"{path.name}: no sheet has a header naming {' or '.join(repr(w) for w in wanted)}"
    )


def read_raw(path: Path, wanted: tuple[str, ...]) -> Raw:
    """Read a CSV, gzipped CSV or Excel file (told apart by content, not name) as text cells."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path}: file not found")
    with path.open("rb") as handle:
        magic = handle.read(4)
    if not magic:
        raise ValueError(f"{path.name}: the file is empty")
    if magic.startswith(b"PK"):
        raw = _read_workbook(path, wanted)
    else:
        is_gzip = magic.startswith(b"\x1f\x8b")
        frame = _read_text(path, "gzip" if is_gzip else None)
        frame.columns = [_clean_header(c) for c in frame.columns]
        raw = Raw(path.name, frame, 1, "csv.gz" if is_gzip else "csv")
    text = raw.frame.astype(str)
    blank = text.apply(lambda column: column.str.strip().isin(["", "nan"])).all(axis=1)
    frame = raw.frame[~blank]
    if frame.empty:
        raise ValueError(f"{path.name}: the table has a header but no rows")
    return Raw(raw.name, frame, raw.header_row, raw.container)


def _column(raw: Raw, layout: str, *prefixes: str) -> str:
    """Return the column named, or else starting with, one of `prefixes`; explain when absent."""
    for prefix in prefixes:
        folded = prefix.casefold()
        exact = [c for c in raw.frame.columns if c.casefold() == folded]
        starting = [c for c in raw.frame.columns if c.casefold().startswith(folded)]
        if exact or starting:
            return (exact or starting)[0]
    shown = ", ".join(repr(c) for c in list(raw.frame.columns)[:8])
    raise ValueError(
        f"{raw.name}: missing column {prefixes[0]!r} for the {layout} layout (found: {shown})"
    )


def _has_column(raw: Raw, *prefixes: str) -> bool:
    """Say whether some header starts with one of `prefixes`."""
    folded = [c.casefold() for c in raw.frame.columns]
    return any(c.startswith(p.casefold()) for p in prefixes for c in folded)


def _first_bad(raw: Raw, column: str, bad: pd.Series, problem: str) -> ValueError:
    """Return the error naming the first bad row of a column and how many rows are bad."""
    position = int(bad.to_numpy().nonzero()[0][0])
    value = raw.frame[column].iloc[position]
    text = "" if pd.isna(value) else str(value)
    shown = repr(text if len(text) <= 40 else text[:40] + "...") if text.strip() else "(empty)"
    more = int(bad.sum()) - 1
    extra = f" ({more:,} more rows like it)" if more else ""
    return ValueError(
        f"{raw.name}, row {raw.row(position)}, column {column!r}: {shown} {problem}{extra}"
    )


def _codes(raw: Raw, column: str, pattern: re.Pattern[str], what: str) -> pd.Series:
    """Return the area codes of a column, refusing malformed or repeated codes."""
    codes = raw.frame[column].astype(str).str.strip()
    bad = ~codes.str.fullmatch(pattern.pattern)
    if bad.any():
        raise _first_bad(raw, column, bad, f"is not {what}")
    repeated = codes.duplicated()
    if repeated.any():
        raise _first_bad(raw, column, repeated, "appears more than once")
    return codes


def _numbers(raw: Raw, column: str, low: float, high: float, whole: bool) -> pd.Series:
    """Parse published numbers (' 1,499 '), refusing blanks, text and values out of range."""
    text = raw.frame[column].astype(str).str.strip().str.replace(",", "", regex=False)
    values = pd.to_numeric(text, errors="coerce")
    bad = values.isna() | (values < low) | (values > high)
    if whole:
        bad |= values.notna() & (values % 1 != 0)
    if bad.any():
        kind = "a whole number" if whole else "a number"
        raise _first_bad(raw, column, bad, f"is not {kind} from {low:g} to {high:g}")
    return values.astype("int64") if whole else values.astype("float64")


def read_imd(path: Path) -> AreaTable:
    """Read IoD 2019 File 1 (or File 7): IMD rank and decile per LSOA."""
    layout = "IoD 2019 File 1"
    raw = read_raw(path, ("LSOA code (2011)",))
    code = _column(raw, layout, "LSOA code (2011)")
    rank = _column(raw, layout, "Index of Multiple Deprivation (IMD) Rank")
    decile = _column(raw, layout, "Index of Multiple Deprivation (IMD) Decile")
    frame = pd.DataFrame(
        {
            "lsoa_code": _codes(raw, code, LSOA_CODE, "an LSOA code (E01 and six digits)"),
            "imd_rank": _numbers(raw, rank, 1, 32_844, whole=True),
            "imd_decile": _numbers(raw, decile, 1, 10, whole=True),
        }
    ).reset_index(drop=True)
    return AreaTable(frame, f"{layout} ({raw.container})", len(frame))


def _read_iod_population(raw: Raw) -> AreaTable:
    """Read the IoD 2019 File 6 layout (population mid-2015 in three broad ages)."""
    layout = "IoD 2019 File 6"
    code = _column(raw, layout, "LSOA code (2011)")
    columns = {
        "total": _column(raw, layout, "Total population"),
        "age_0_15": _column(raw, layout, "Dependent Children aged 0-15"),
        "age_16_59": _column(raw, layout, "Population aged 16-59"),
        "age_60_plus": _column(raw, layout, "Older population aged 60 and over"),
    }
    frame = pd.DataFrame(
        {"lsoa_code": _codes(raw, code, LSOA_CODE, "an LSOA code (E01 and six digits)")}
        | {name: _numbers(raw, c, 0, 100_000, whole=True) for name, c in columns.items()}
    )
    parts = frame[["age_0_15", "age_16_59", "age_60_plus"]].sum(axis=1)
    wrong = (parts - frame["total"]).abs() > 1
    if wrong.any():
        raise _first_bad(raw, columns["total"], wrong, "is not the sum of the three age groups")
    return AreaTable(frame.reset_index(drop=True), f"{layout} ({raw.container})", len(frame))


def _read_ons_population(raw: Raw) -> AreaTable:
    """Read an ONS LSOA population estimates table (All Ages and single years 0 to 90+)."""
    layout = "ONS LSOA population estimates"
    code = _column(raw, layout, "LSOA Code", "LSOA 2011 Code", "LSOA11CD")
    ages = [str(a) for a in range(90)] + ["90+"]
    missing = [a for a in ages if a not in raw.frame.columns]
    if missing:
        raise ValueError(f"{raw.name}: missing single-year age columns {missing[:5]} ({layout})")
    years = {a: _numbers(raw, a, 0, 100_000, whole=True) for a in ages}
    frame = pd.DataFrame(
        {
            "lsoa_code": _codes(raw, code, LSOA_CODE, "an LSOA code (E01 and six digits)"),
            "total": _numbers(raw, _column(raw, layout, "All Ages"), 0, 100_000, whole=True),
            "age_0_15": sum(years[str(a)] for a in range(16)),
            "age_16_59": sum(years[str(a)] for a in range(16, 60)),
            "age_60_plus": sum(years[a] for a in ages[60:]),
        }
    )
    return AreaTable(frame.reset_index(drop=True), f"{layout} ({raw.container})", len(frame))


def read_population(path: Path) -> AreaTable:
    """Read population by LSOA: IoD 2019 File 6 (or File 7), or an ONS single-year-of-age table."""
    raw = read_raw(path, ("LSOA code (2011)", "LSOA Code", "LSOA 2011 Code", "LSOA11CD"))
    if _has_column(raw, "Total population"):
        return _read_iod_population(raw)
    if _has_column(raw, "All Ages"):
        return _read_ons_population(raw)
    return _read_iod_population(raw)  # names the missing IoD column


def _read_ethnic_shares(raw: Raw) -> AreaTable:
    """Read broad ethnic group shares per MSOA (MSOA, White%, Mixed%, Asian%, Black%, Other%)."""
    layout = "Census 2011 broad ethnic group shares"
    code = _column(raw, layout, "MSOA")
    frame = pd.DataFrame(
        {"msoa_code": _codes(raw, code, MSOA_CODE, "an MSOA code (E02 and six digits)")}
        | {
            group: _numbers(raw, _column(raw, layout, f"{group}%"), 0, 1, whole=False)
            for group in ETHNIC_GROUPS
        }
    )
    total = frame[list(ETHNIC_GROUPS)].sum(axis=1)
    wrong = (total - 1).abs() > SHARE_SUM_TOLERANCE
    if wrong.any():
        raise _first_bad(raw, code, wrong, "has shares that do not add up to 1")
    return AreaTable(frame.reset_index(drop=True), f"{layout} ({raw.container})", len(frame))


def _read_nomis_ks201(raw: Raw) -> AreaTable:
    """Read Nomis KS201EW rows (GEOGRAPHY_CODE, CELL, OBS_VALUE) into shares per MSOA."""
    layout = "Nomis KS201EW"
    code = _column(raw, layout, "GEOGRAPHY_CODE")
    cell = _column(raw, layout, "CELL")
    value = _column(raw, layout, "OBS_VALUE")
    codes = raw.frame[code].astype(str).str.strip()
    bad = ~codes.str.fullmatch(MSOA_CODE.pattern)
    if bad.any():
        raise _first_bad(raw, code, bad, "is not an MSOA code (E02 and six digits)")
    cells = _numbers(raw, cell, 0, 500, whole=True)
    unknown = ~cells.isin(list(NOMIS_CELLS))
    if unknown.any():
        raise _first_bad(raw, cell, unknown, "is not a KS201EW cell (0, 100, ..., 500)")
    counts = pd.DataFrame(
        {
            "msoa_code": codes,
            "cell": cells.map(NOMIS_CELLS),
            "count": _numbers(raw, value, 0, 1e6, whole=True),
        }
    )
    repeated = counts.duplicated(["msoa_code", "cell"])
    if repeated.any():
        raise _first_bad(raw, code, repeated, "repeats a cell of the same MSOA")
    wide = counts.pivot(index="msoa_code", columns="cell", values="count")
    incomplete = wide.isna().any(axis=1) | (wide.get("total", 0) <= 0)
    if incomplete.any():
        raise ValueError(
            f"{raw.name}: {int(incomplete.sum())} MSOAs lack a cell or have no residents,"
            f" e.g. {incomplete[incomplete].index[0]}"
        )
    frame = (wide[list(ETHNIC_GROUPS)].div(wide["total"], axis=0)).reset_index()
    return AreaTable(frame.rename_axis(None, axis=1), f"{layout} ({raw.container})", len(frame))


def read_ethnicity(path: Path) -> AreaTable:
    """Read Census 2011 broad ethnic group by MSOA: shares per MSOA, or Nomis KS201EW counts."""
    raw = read_raw(path, ("MSOA", "GEOGRAPHY_CODE"))
    if _has_column(raw, "GEOGRAPHY_CODE"):
        return _read_nomis_ks201(raw)
    return _read_ethnic_shares(raw)


READERS = {"imd": read_imd, "population": read_population, "ethnicity": read_ethnicity}
