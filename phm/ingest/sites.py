"""Import NHS England's published list of vaccination sites: one sheet per kind of site.

Each sheet is mapped to a delivery model by its name; the header row is the one with a
postcode column; names lose stray newlines and padding; postcodes are geocoded with the
ICB's committed postcode reference, so only sites in the ICB's area are kept, and sites the
list places in the ICB whose postcode is not found are reported.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from phm import db, geo, schema, workfiles
from phm.geo.postcodes import normalise_postcode
from phm.ingest import headcheck
from phm.ingest.validate import FORMULA_PATTERN
from phm.text import too_long

SHEET_MODELS: tuple[tuple[str, str], ...] = (
    ("hospital", "hospital_hub"),
    ("gp", "gp_pcn_site"),
    ("pharmac", "community_pharmacy"),
    ("vaccination centre", "vaccination_centre"),
    ("mass vaccination", "vaccination_centre"),
)
NAME_HEADERS = ("site name", "trust or site name", "site_name", "name of site", "centre", "name")
AREA_HEADERS = ("ics/stp", "ccg", "stp", "region")
SITE_COLUMNS = schema.column_names("site")
DATE_IN_NAME = re.compile(r"(\d{1,2})-([a-z]{3})[a-z]*-(20\d{2})", re.IGNORECASE)


@dataclass
class SiteImport:
    """Sites kept in the ICB, and what was left out or could not be placed."""

    sites: pd.DataFrame
    outside: int
    unmatched: pd.DataFrame  # sheet, row, site_name, postcode, area of sites listed under the ICB
    skipped_sheets: list[str]

    def lines(self) -> list[str]:
        """Return a printed summary."""
        by_model = self.sites["delivery_model"].value_counts().to_dict()
        text = [f"Kept {len(self.sites)} sites in the ICB: {by_model}"]
        text.append(f"Left out {self.outside:,} sites whose postcode is not in the ICB's area")
        for row in self.unmatched.itertuples(index=False):
            text.append(
                f"  unmatched postcode: sheet {row.sheet!r} row {row.row}: {row.site_name}"
                f" ({row.postcode!r}, listed under {row.area})"
            )
        text += [f"Skipped sheet {name!r}: no postcode column" for name in self.skipped_sheets]
        return text


def clean_text(value: object) -> str:
    """Return a cell as one line of text: newlines, non-breaking spaces and padding removed."""
    if value is None:
        return ""
    return re.sub(r"\s+", " ", str(value).replace("\xa0", " ")).strip()


def delivery_model_of(sheet: str) -> str:
    """Return the delivery model of a sheet from its name, or raise ValueError."""
    lower = clean_text(sheet).lower()
    for keyword, model in SHEET_MODELS:
        if keyword in lower:
            return model
    raise ValueError(
        f"sheet {sheet!r}: cannot tell which kind of site it lists (hospital, GP, pharmacy, centre)"
    )


def list_date(path: Path, given: date | None) -> date:
    """Return the date of the list: given, or from the file name (e.g. '26-feb-2021')."""
    if given is not None:
        return given
    match = DATE_IN_NAME.search(path.name)
    if not match:
        raise ValueError(f"{path.name}: give --as-at (the date of the list)")
    try:
        return pd.to_datetime(
            f"{match.group(1)} {match.group(2)} {match.group(3)}", format="%d %b %Y"
        ).date()
    except ValueError:
        raise ValueError(
            f"{path.name}: {match.group(0)} in the name is not a date (such as 26-feb-2021);"
            " correct the name or give --as-at YYYY-MM-DD"
        ) from None


def check_lengths(
    path: Path, sheet: str, number: int, header: list[str], cells: list, used: list[int]
) -> None:
    """Raise ValueError naming file, sheet, row and column of a used cell longer than MAX_TEXT."""
    for i in used:
        where = f"{path.name}, sheet {sheet!r}, row {number}, column {header[i]!r}"
        problem = None if cells[i] is None else too_long(where, cells[i])
        if problem:
            raise ValueError(problem)


def check_name(where: str, column: str, name: str) -> None:
    """Raise ValueError for a site name that `ingest` would refuse: empty, or a formula."""
    if not name:
        raise ValueError(f"{where}, column {column!r}: the site name is empty; ingest needs one")
    if re.match(FORMULA_PATTERN, name):
        raise ValueError(
            f"{where}, column {column!r}: the site name {name[:40]!r} starts with =, +, -"
            " or @ (a spreadsheet formula); ingest refuses it"
        )


def read_sheets(path: Path) -> tuple[pd.DataFrame, list[str]]:
    """Return every site of the workbook (sheet, row, site_name, postcode, area, delivery_model)."""
    import openpyxl

    if not path.is_file():
        raise ValueError(f"{path}: no such file")
    headcheck.check_workbook_size(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for broken files
        raise ValueError(f"{path.name}: not a readable Excel workbook ({error})") from None
    rows, skipped = [], []
    for sheet in book.worksheets:
        values = list(sheet.iter_rows(values_only=True))
        header_at = next(
            (
                i
                for i, r in enumerate(values[:20])
                if any(clean_text(c).lower().startswith("postcode") for c in r)
            ),
            None,
        )
        if header_at is None:
            skipped.append(sheet.title)
            continue
        model = delivery_model_of(sheet.title)
        header = [clean_text(c).lower() for c in values[header_at]]
        postcode_col = next(i for i, h in enumerate(header) if h.startswith("postcode"))
        name_col = next((header.index(h) for h in NAME_HEADERS if h in header), None)
        if name_col is None:
            raise ValueError(f"sheet {sheet.title!r}: no site name column in {header}")
        area_col = next((header.index(h) for h in AREA_HEADERS if h in header), None)
        used = [i for i in (name_col, postcode_col, area_col) if i is not None]
        for number, row in enumerate(values[header_at + 1 :], start=1):
            cells = list(row) + [None] * len(header)
            check_lengths(path, sheet.title, number, header, cells, used)
            name, postcode = clean_text(cells[name_col]), normalise_postcode(cells[postcode_col])
            if not name and not postcode:
                continue
            check_name(f"{path.name}, sheet {sheet.title!r}, row {number}", header[name_col], name)
            rows.append(
                {
                    "sheet": clean_text(sheet.title),
                    "row": number,
                    "site_name": name,
                    "postcode": postcode,
                    "area": clean_text(cells[area_col]) if area_col is not None else "",
                    "delivery_model": model,
                }
            )
    return pd.DataFrame(rows), skipped


def import_sites(path: Path, ref_dir: Path, as_at: date | None = None) -> SiteImport:
    """Return the sites of the list that stand in the ICB (geocoded), and those left out."""
    listed = list_date(path, as_at)
    frame, skipped = read_sheets(path)
    if frame.empty:
        raise ValueError(f"{path.name}: no sites found (no sheet has a postcode column)")
    postcodes = geo.load_postcodes(ref_dir)[["postcode", "lon", "lat"]]
    postcodes = postcodes.assign(postcode=postcodes["postcode"].map(normalise_postcode))
    postcodes = postcodes.drop_duplicates("postcode")
    merged = frame.merge(postcodes, on="postcode", how="left")
    found = merged[merged["lon"].notna()].reset_index(drop=True)
    missing = merged[merged["lon"].isna()]
    meta = geo.load_reference_meta(ref_dir)
    words = clean_text(str(meta.get("icb_name", ""))).replace("NHS ", "").replace(" ICB", "")
    in_icb = missing["area"].str.contains(words, case=False, regex=False) if words else False
    sites = pd.DataFrame(
        {
            "site_id": [f"NHSE-{m}-{i + 1:04d}" for i, m in enumerate(found["delivery_model"])],
            "site_name": found["site_name"],
            "delivery_model": found["delivery_model"],
            "postcode": found["postcode"],
            "lon": found["lon"].astype(float),
            "lat": found["lat"].astype(float),
            "opened": listed,
            "closed": pd.NaT,
            "source": path.name,
        }
    )
    unmatched = missing[in_icb][["sheet", "row", "site_name", "postcode", "area"]]
    return SiteImport(
        sites[SITE_COLUMNS], int(len(missing)), unmatched.reset_index(drop=True), skipped
    )


def add_sites_to_database(database: Path, sites: pd.DataFrame) -> None:
    """Replace the sites of the same list in a database: edit a copy beside it, then swap it in.

    The copy is a work file of phm.workfiles: removed on failure, or by the next load when
    this process is killed.
    """
    if not database.exists():
        raise ValueError(f"no database at {database}")
    db.ensure_replaceable(database)
    with workfiles.claim(database) as work:
        temp = work.path(".building")
        shutil.copyfile(database, temp)
        con = duckdb.connect(str(temp))
        try:
            con.register("new_sites", sites)
            con.execute("DELETE FROM site WHERE source IN (SELECT DISTINCT source FROM new_sites)")
            con.execute("INSERT INTO site BY NAME SELECT * FROM new_sites")
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(temp, database)
