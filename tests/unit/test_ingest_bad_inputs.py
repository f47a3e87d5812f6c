"""Malformed inputs across all loaders: each gives a clear error and the live database is untouched."""

from __future__ import annotations

import gzip
import hashlib
import io
import shutil
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from phm import geo
from phm.ingest.load import ingest
from phm.ingest.published import import_published
from phm.ingest.sample import write_sample_extract
from phm.ingest.sites import add_sites_to_database, import_sites
from tests.published_workbook import Table, write_workbook

REF = geo.REFERENCE_ROOT / "north-central-london"
AS_AT = date(2022, 3, 31)
N_PERSONS = 150

Files = dict[str, Path]


@pytest.fixture(scope="module")
def mini(tiny_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Files:
    """Return a small valid extract: the first persons of the tiny demo with their doses."""
    folder = tmp_path_factory.mktemp("mini")
    full = write_sample_extract(tiny_db, folder / "full", "csv")
    persons = pd.read_csv(full["persons"], dtype=str, keep_default_na=False).head(N_PERSONS)
    vacc = pd.read_csv(full["vaccinations"], dtype=str, keep_default_na=False)
    vacc = vacc[vacc["person_id"].isin(set(persons["person_id"]))]
    files = {
        "persons": folder / "persons.csv",
        "vaccinations": folder / "vaccinations.csv",
        "practices": full["practices"],
        "sites": full["sites"],
    }
    persons.to_csv(files["persons"], index=False)
    vacc.to_csv(files["vaccinations"], index=False)
    return files


@pytest.fixture(scope="module")
def live_db(mini: Files, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a live database loaded from the valid mini extract."""
    out = tmp_path_factory.mktemp("live") / "live.duckdb"
    assert ingest(mini, out, REF, as_at=AS_AT).loaded
    return out


def _frame(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _edit(
    kind: str, change: Callable[[pd.DataFrame], pd.DataFrame]
) -> Callable[[Files, Path], Files]:
    """Return a case that rewrites one CSV file through `change`."""

    def make(files: Files, folder: Path) -> Files:
        path = folder / files[kind].name
        change(_frame(files[kind]).copy()).to_csv(path, index=False)
        return {**files, kind: path}

    return make


def _set(kind: str, row: int, column: str, value: str) -> Callable[[Files, Path], Files]:
    def change(frame: pd.DataFrame) -> pd.DataFrame:
        frame.loc[row, column] = value
        return frame

    return _edit(kind, change)


def _raw(kind: str, content: Callable[[bytes], bytes], name: str | None = None):
    """Return a case that rewrites one file's bytes."""

    def make(files: Files, folder: Path) -> Files:
        path = folder / (name or files[kind].name)
        path.write_bytes(content(files[kind].read_bytes()))
        return {**files, kind: path}

    return make


def _excel(kind: str, extra_sheet: bool = False, merge: bool = False):
    def make(files: Files, folder: Path) -> Files:
        frame = _frame(files[kind])
        path = folder / f"{kind}.xlsx"
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = "Sheet1"
        sheet.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            sheet.append(list(row))
        if extra_sheet:
            book.create_sheet("Notes").append(["exported by the GP system"])
        if merge:
            sheet.merge_cells("A2:B2")
        book.save(path)
        return {**files, kind: path}

    return make


def _first_dose_of_someone_with_two(frame: pd.DataFrame) -> pd.DataFrame:
    twice = frame.loc[frame["dose"] == "2", "person_id"].iloc[0]
    return frame.drop(frame.index[(frame["person_id"] == twice) & (frame["dose"] == "1")])


def _booster_before_second(frame: pd.DataFrame) -> pd.DataFrame:
    who = frame.loc[frame["dose"] == "2", "person_id"].iloc[0]
    extra = frame[(frame["person_id"] == who) & (frame["dose"] == "2")].copy()
    extra["dose"] = "3"
    extra["vaccination_date"] = "2021-01-02"
    return pd.concat([frame, extra])


def _duplicate_dose(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([frame, frame.iloc[[0]]])


def _stranger(frame: pd.DataFrame) -> pd.DataFrame:
    frame.loc[0, "person_id"] = "99999999999"
    return frame


def _leading_zeros(frame: pd.DataFrame) -> pd.DataFrame:
    """Write one person's id with leading zeros (their doses keep the plain id)."""
    frame.loc[2, "person_id"] = "00" + str(frame.loc[2, "person_id"])
    return frame


def _latin1(data: bytes) -> bytes:
    text = data.decode("utf-8").splitlines()
    column = text[0].split(",").index("main_language")
    cells = text[1].split(",")
    cells[column] = "Français"  # whatever the first person's language was, now not UTF-8
    text[1] = ",".join(cells)
    return ("\n".join(text) + "\n").encode("latin-1")


def _truncate(data: bytes) -> bytes:
    lines = data.splitlines()
    cut = lines[-1][: len(lines[-1]) // 3]
    return b"\n".join(lines[:-1] + [cut.split(b",")[0] + b',"unterminated'])


LINKED_CASES: dict[str, tuple[Callable[[Files, Path], Files], str]] = {
    "wrong encoding": (_raw("persons", _latin1), "not utf-8"),
    "missing column": (_edit("persons", lambda f: f.drop(columns=["sex"])), "no sex column"),
    "renamed column": (
        _edit("persons", lambda f: f.rename(columns={"birth_date": "dob"})),
        "no birth_date column",
    ),
    "bad sex code": (_set("persons", 3, "sex", "U"), "sex must be one of"),
    "bad ethnicity code": (
        _set("persons", 3, "ethnicity_code", "Q"),
        "ethnicity_code must be one of",
    ),
    "bad flag": (_set("persons", 2, "has_diabetes", "maybe"), "must be a boolean"),
    "duplicate person id": (
        _edit("persons", lambda f: pd.concat([f, f.iloc[[5]]])),
        "person_id appears more than once",
    ),
    "person id not a number": (_set("persons", 1, "person_id", "A12"), "whole number"),
    "future birth date": (
        _set("persons", 1, "birth_date", "2031-02-01"),
        "birth_date must be from",
    ),
    "ancient birth date": (
        _set("persons", 1, "birth_date", "1850-02-01"),
        "birth_date must be from",
    ),
    "birth date in another format": (_set("persons", 1, "birth_date", "31/12/1950"), "YYYY-MM-DD"),
    "unknown LSOA": (_set("persons", 0, "lsoa_code", "E01999999"), "not an LSOA of the ICB"),
    "registration ends before it starts": (
        _edit(
            "persons",
            lambda f: f.assign(
                registered_to=["2000-01-01"] + list(f["registered_to"][1:]),
                registration_end_reason=["moved"] + list(f["registration_end_reason"][1:]),
            ),
        ),
        "registered_to must be after",
    ),
    "huge field value": (_set("persons", 0, "main_language", "x" * 100_000), "longer than"),
    "formula injection": (
        _set("practices", 0, "practice_name", '=HYPERLINK("http://evil.example","Click")'),
        "formula injection",
    ),
    "future vaccination": (
        _set("vaccinations", 0, "vaccination_date", "2030-01-01"),
        "after the as-at",
    ),
    "vaccination before programme": (
        _set("vaccinations", 0, "vaccination_date", "2020-11-01"),
        "before the programme",
    ),
    "unknown dose": (_set("vaccinations", 0, "dose", "4"), "dose must be one of"),
    "unknown programme": (_set("vaccinations", 0, "programme", "flu"), "programme must be one of"),
    "vaccination of unknown person": (
        _edit("vaccinations", _stranger),
        "must be in the persons file",
    ),
    "duplicate dose": (_edit("vaccinations", _duplicate_dose), "more than once"),
    "second dose without first": (
        _edit("vaccinations", _first_dose_of_someone_with_two),
        "dose 2 has no dose 1",
    ),
    "booster before second dose": (
        _edit("vaccinations", _booster_before_second),
        "booster has no dose 2",
    ),
    "vaccinated before birth": (
        _edit(
            "persons",
            lambda f: f.assign(birth_date=["2021-03-01"] * len(f)),
        ),
        "before the person's birth_date",
    ),
    "site outside England": (_set("sites", 0, "lon", "20.5"), "within England"),
    "truncated file": (
        _raw("vaccinations", _truncate),
        "has 2 fields but the header (line 1) has 6",
    ),
    "empty file": (_raw("persons", lambda _data: b""), "the file is empty"),
    "header only": (_raw("persons", lambda d: d.splitlines()[0] + b"\n"), "no rows"),
    "not a parquet file": (
        _raw("persons", lambda d: d[:200], "persons.parquet"),
        "cannot read as parquet",
    ),
    "unknown file type": (_raw("persons", lambda d: d, "persons.json"), "unknown file type"),
    "excel with extra sheets": (_excel("persons", extra_sheet=True), "2 sheets"),
    "excel with merged cells": (_excel("persons", merge=True), "merged cells"),
}


def _same_id_as_number(frame: pd.DataFrame) -> pd.DataFrame:
    frame.loc[1, "person_id"] = "00" + frame.loc[0, "person_id"]
    return frame


def _lines(kind: str, change: Callable[[list[bytes]], list[bytes]], name: str | None = None):
    """Return a case that rewrites one file's lines."""
    return _raw(kind, lambda d: b"\n".join(change(d.splitlines())) + b"\n", name)


def _delimited(mark: bytes) -> Callable[[list[bytes]], list[bytes]]:
    return lambda lines: [line.replace(b",", mark) for line in lines]


def _excel_rows(kind: str, change: Callable[[list[list[str]]], list[list[str]]]):
    """Return a case that writes one file as a one-sheet workbook, its rows changed."""

    def make(files: Files, folder: Path) -> Files:
        frame = _frame(files[kind])
        rows = change([list(frame.columns)] + [list(r) for r in frame.itertuples(index=False)])
        path = folder / f"{kind}.xlsx"
        book = openpyxl.Workbook()
        for row in rows:
            book.active.append(row)
        book.save(path)
        return {**files, kind: path}

    return make


def _gzip_named_csv(data: bytes) -> bytes:
    return gzip.compress(data)


def _workbook_bytes(_data: bytes) -> bytes:
    buffer = io.BytesIO()
    openpyxl.Workbook().save(buffer)
    return buffer.getvalue()


LINKED_CASES.update(
    {
        "ids equal as numbers (leading zeros)": (
            _edit("persons", _same_id_as_number),
            "leading zeros do not make ids differ",
        ),
        "person id out of range": (
            _set("persons", 2, "person_id", "99999999999999999999"),
            "person_id is too large",
        ),
        "vaccination person id out of range": (
            _set("vaccinations", 2, "person_id", "99999999999999999999"),
            "person_id is too large",
        ),
        "negative person id": (_set("persons", 2, "person_id", "-17"), "must not be negative"),
        "flag 'yes'": (_set("persons", 2, "has_diabetes", "yes"), "not yes/no"),
        "flag 'Y'": (_set("persons", 3, "is_unpaid_carer", "Y"), "not yes/no"),
        "flag 'no'": (_set("persons", 3, "is_unpaid_carer", "no"), "not yes/no"),
        "NUL byte inside a field": (
            _set("persons", 2, "main_language", "Eng\x00lish"),
            "nul or other control character",
        ),
        "control character inside a code": (
            _set("vaccinations", 2, "site_id", "S0\x0701"),
            "site_id holds a nul",
        ),
        "BC birth date": (
            _set("persons", 2, "birth_date", "0044-03-01 (BC)"),
            "birth_date must be from",
        ),
        "BC registration date": (
            _set("persons", 2, "registered_from", "0044-03-15 (BC)"),
            "registered_from must be from 1900",
        ),
        "year 1 registration date": (
            _set("persons", 2, "registered_from", "0001-01-01"),
            "registered_from must be from 1900",
        ),
        "BC site opening date": (
            _set("sites", 0, "opened", "0100-01-01 (BC)"),
            "opened must be from",
        ),
        "ragged row near the top": (
            _lines("persons", lambda ls: ls[:3] + [ls[3] + b",extra"] + ls[4:]),
            "line 4 has 30 fields but the header (line 1) has 29",
        ),
        "short row near the top": (
            _lines("vaccinations", lambda ls: ls[:2] + [ls[2].split(b",")[0]] + ls[3:]),
            "line 3 has 1 fields but the header (line 1) has 6",
        ),
        "semicolon-delimited": (
            _lines("persons", _delimited(b";")),
            "semicolon-delimited",
        ),
        "tab-delimited": (_lines("vaccinations", _delimited(b"\t")), "tab-delimited"),
        "duplicated header": (
            _lines("persons", lambda ls: [ls[0].replace(b"ethnicity_source", b"sex")] + ls[1:]),
            "column 'sex' (columns 5, 7) appears twice",
        ),
        "title row above the header": (
            _lines("persons", lambda ls: [b"Persons extract, March 2022", b""] + ls),
            "the header row looks wrong",
        ),
        "gzip-compressed but named .csv": (
            _raw("persons", _gzip_named_csv),
            "gzip-compressed but not named .gz",
        ),
        "named .gz but not compressed": (
            _raw("vaccinations", lambda d: d, "vaccinations.csv.gz"),
            "named .gz but not gzip-compressed",
        ),
        "workbook named .csv": (_raw("persons", _workbook_bytes), "a zip archive or excel"),
        "unterminated quote near the top": (
            _lines("persons", lambda ls: ls[:2] + [ls[2] + b',"'] + ls[3:]),
            "line 3: a quoted value is not closed",
        ),
        "excel with a duplicated header": (
            _excel_rows("persons", lambda rows: [rows[0][:-1] + ["sex"]] + rows[1:]),
            "column 'sex' (columns 5, 29) appears twice",
        ),
        "excel with a title row": (
            _excel_rows("vaccinations", lambda rows: [["Vaccinations, March 2022"]] + rows),
            "sheet 'Sheet': the header row looks wrong",
        ),
        "empty site name": (_set("sites", 0, "site_name", ""), "site_name is required"),
    }
)


@pytest.mark.parametrize("case", sorted(LINKED_CASES))
def test_bad_extract_is_refused_and_live_db_unchanged(case, mini, live_db, tmp_path) -> None:
    make, expected = LINKED_CASES[case]
    live = tmp_path / "live.duckdb"
    shutil.copy(live_db, live)
    before = hashlib.sha256(live.read_bytes()).hexdigest()
    files = make(mini, tmp_path)
    result = ingest(files, live, REF, as_at=AS_AT)
    assert not result.loaded
    errors = [p for p in result.findings.problems if p.severity == "error"]
    text = " | ".join(f"{p.check}: {p.message}" for p in errors).lower()
    assert expected.lower() in text, text
    assert hashlib.sha256(live.read_bytes()).hexdigest() == before
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert leftovers == []


def _published(content: bytes, name: str = "vaccinations-MSOA-20210311.csv"):
    def make(folder: Path) -> list[Path]:
        path = folder / name
        path.write_bytes(content)
        return [path]

    return make


GOOD_HEADER = b",LTLA Code,LTLA Name,MSOA Code,MSOA Name,Under 60,60-64,80+,\n"
PUBLISHED_CASES = {
    "published: no MSOA column": (_published(b"Area,Count\nBarnet,12\n"), "no 'MSOA Code' column"),
    "published: empty file": (_published(b""), "the file is empty"),
    "published: wrong encoding": (
        _published(GOOD_HEADER + b",E09000003,Barnet,E02000024,Caf\xe9,1,2,3,\n"),
        "not UTF-8",
    ),
    "published: population only": (
        _published(b"MSOA Code,MSOA Name,Under 18,18-24,16+\nE02000024,X,1,2,3\n", "NIMS.csv"),
        "no vaccination file",
    ),
    "published: bands of unknown meaning": (
        _published(b"MSOA Code,MSOA Name,Under 60,60-64\nE02000024,X,1,2\n"),
        "cannot tell vaccinations from population",
    ),
    "published: no band columns": (
        _published(b"MSOA Code,MSOA Name,Total\nE02000024,X,1\n"),
        "no age-band columns",
    ),
}

WORKBOOK = "COVID-19-weekly-announced-vaccinations-11-March-2021.xlsx"
EARLY_HEADER = ["LTLA Code", "LTLA Name", "MSOA Code", "MSOA Name", "Under 60", "60-64", "80+"]
EARLY_ROW: list[object] = ["E09000003", "Barnet", "E02000024", "High Barnet", 1499, 577, 583]


def _published_workbook(*tables: Table, contents: bool = True):
    def make(folder: Path) -> list[Path]:
        return [write_workbook(folder / WORKBOOK, list(tables), contents)]

    return make


def _damaged_workbook(keep: float):
    """Return a maker of a real workbook cut to `keep` of its bytes (0: random bytes)."""

    def make(folder: Path) -> list[Path]:
        path = write_workbook(folder / WORKBOOK, [Table("MSOA", EARLY_HEADER, [EARLY_ROW] * 50)])
        data = path.read_bytes()
        path.write_bytes(data[: int(len(data) * keep)] if keep else bytes(range(256)) * 20)
        return [path]

    return make


def _workbook_with_damaged_sheet(folder: Path) -> list[Path]:
    """Return a workbook whose zip is whole but whose MSOA sheet's XML is cut off mid-row."""
    table = Table("MSOA", EARLY_HEADER, [EARLY_ROW] * 50)
    whole = write_workbook(folder / "whole.xlsx", [table])
    path = folder / WORKBOOK
    with zipfile.ZipFile(whole) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet3.xml":  # Contents, LTLA, then MSOA
                data = data[: len(data) // 2]
            target.writestr(item, data)
    whole.unlink()
    return [path]


PUBLISHED_CASES.update(
    {
        "published xlsx: no sheet with an MSOA table": (
            _published_workbook(),  # only the Contents and LTLA sheets
            r"no sheet holds an MSOA table \(.*'Contents', 'LTLA'",
        ),
        "published xlsx: header but no rows": (
            _published_workbook(Table("MSOA", EARLY_HEADER, [])),
            r"WORKBOOK, sheet 'MSOA': an 'MSOA Code' header at row 13 but no MSOA rows".replace(
                "WORKBOOK", WORKBOOK
            ),
        ),
        "published xlsx: truncated": (_damaged_workbook(0.6), "not a readable Excel workbook"),
        "published xlsx: not a workbook": (_damaged_workbook(0), "not a readable Excel workbook"),
        "published xlsx: damaged sheet": (
            _workbook_with_damaged_sheet,
            "sheet 'MSOA': cannot be read",
        ),
        "published xlsx: empty file": (_published(b"", WORKBOOK), "the file is empty"),
        "published xlsx: MSOA rows below an empty row": (
            _published_workbook(
                Table("MSOA", EARLY_HEADER, [EARLY_ROW, [], EARLY_ROW[:2] + ["E02000025"]])
            ),
            "sheet 'MSOA': MSOA E02000025 at row 16 is below the empty row 15",
        ),
        "published xlsx: bands of unknown meaning": (
            _published_workbook(
                Table("MSOA", ["MSOA Code", "MSOA Name", "Under 60", "60-64"], [["E02000024"]])
            ),
            "sheet 'MSOA': age-band columns without doses",
        ),
    }
)


PUBLISHED_CASES.update(
    {
        "published: 23-digit count": (
            _published(
                GOOD_HEADER + b",E09000003,Barnet,E02000024,X,1,12345678901234567890123,3,\n"
            ),
            r"vaccinations-MSOA-20210311.csv, row 1, column '60-64': the count 1234.* more people than live on Earth",
        ),
        "published: none of the ICB's MSOAs": (
            _published(GOOD_HEADER + b",E08000001,Bolton,E02000984,Bolton 001,1,2,3,\n"),
            "none of its MSOAs is in the ICB's reference geography",
        ),
        "published xlsx: 23-digit count": (
            _published_workbook(Table("MSOA", EARLY_HEADER, [EARLY_ROW[:4] + ["1" * 23, 2, 3]])),
            r"sheet 'MSOA', row 1, column 'Under 60' \(cell F14\): the count 1111",
        ),
        "published xlsx: none of the ICB's MSOAs": (
            _published_workbook(
                Table("MSOA", EARLY_HEADER, [["E08000001", "Bolton", "E02000984", "B", 1, 2, 3]])
            ),
            "none of its MSOAs is in the ICB",
        ),
    }
)


@pytest.mark.parametrize("case", sorted(PUBLISHED_CASES))
def test_bad_published_file_is_refused_and_live_db_unchanged(case, live_db, tmp_path) -> None:
    make, expected = PUBLISHED_CASES[case]
    live = tmp_path / "live.duckdb"
    shutil.copy(live_db, live)
    before = hashlib.sha256(live.read_bytes()).hexdigest()
    with pytest.raises(ValueError, match=expected):
        import_published(make(tmp_path), live, REF, as_at=date(2021, 3, 7))
    assert hashlib.sha256(live.read_bytes()).hexdigest() == before
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".") or "report" in p.name]
    assert leftovers == []


def _sites_workbook(sheets: dict[str, list[list[object]]] | None, raw: bytes = b""):
    def make(folder: Path) -> Path:
        path = folder / "sites.xlsx"
        if sheets is None:
            path.write_bytes(raw)
            return path
        book = openpyxl.Workbook()
        book.remove(book.active)
        for title, rows in sheets.items():
            sheet = book.create_sheet(title)
            for row in rows:
                sheet.append(row)
        book.save(path)
        return path

    return make


SITES_CASES = {
    "sites: not a workbook": (
        _sites_workbook(None, b"Name,Postcode\nX,N1 1AA\n"),
        "not a readable Excel",
    ),
    "sites: unknown kind of sheet": (
        _sites_workbook({"Care homes": [["Name", "Postcode"], ["X", "N1 1AA"]]}),
        "cannot tell which kind",
    ),
    "sites: no name column": (
        _sites_workbook({"Pharmacies": [["Address", "Postcode"], ["1 High St", "N1 1AA"]]}),
        "no site name column",
    ),
    "sites: no postcode column anywhere": (
        _sites_workbook({"Pharmacies": [["Name", "Address"], ["X", "1 High St"]]}),
        "no sites found",
    ),
}


SITES_CASES.update(
    {
        "sites: empty site name": (
            _sites_workbook({"Pharmacies": [["Name", "Postcode"], [None, "N1 9GU"]]}),
            r"sites.xlsx, sheet 'Pharmacies', row 1, column 'name': the site name is empty",
        ),
        "sites: formula as site name": (
            _sites_workbook(
                {
                    "GP sites": [
                        ["Site name", "Postcode"],
                        ["X", "N1 9GU"],
                        ["+HYPERLINK(1)", "N1 9GU"],
                    ]
                }
            ),
            r"sheet 'GP sites', row 2, column 'site name': .* \(a spreadsheet formula\)",
        ),
        "sites: name starting with @": (
            _sites_workbook({"Hospital hubs": [["Site name", "Postcode"], ["@SUM(1)", "N1 9GU"]]}),
            "a spreadsheet formula",
        ),
    }
)


@pytest.mark.parametrize("case", sorted(SITES_CASES))
def test_bad_site_list_is_refused_and_live_db_unchanged(case, live_db, tmp_path) -> None:
    make, expected = SITES_CASES[case]
    live = tmp_path / "live.duckdb"
    shutil.copy(live_db, live)
    before = hashlib.sha256(live.read_bytes()).hexdigest()
    with pytest.raises(ValueError, match=expected):
        result = import_sites(make(tmp_path), REF, date(2021, 2, 26))
        add_sites_to_database(live, result.sites)
    assert hashlib.sha256(live.read_bytes()).hexdigest() == before


def test_there_are_at_least_eighty_malformed_inputs() -> None:
    assert len(LINKED_CASES) + len(PUBLISHED_CASES) + len(SITES_CASES) >= 80


def _accepted_csv(change: Callable[[bytes], bytes]):
    return _raw("persons", change)


# Variants the contract allows: each is loaded.
ACCEPTED_CASES: dict[str, Callable[[Files, Path], Files]] = {
    "CRLF line endings": _accepted_csv(lambda d: d.replace(b"\n", b"\r\n")),
    "a byte-order mark": _accepted_csv(lambda d: b"\xef\xbb\xbf" + d),
    "flags as TRUE/False": _set("persons", 2, "has_diabetes", "TRUE"),
    "flags as 1/0": _set("persons", 3, "has_diabetes", "0"),
    "a quoted name with a comma": _set("practices", 0, "practice_name", "Smith, Jones & Partners"),
    "gzip-compressed and named .csv.gz": _raw("persons", gzip.compress, "persons.csv.gz"),
    "a person id with leading zeros": _edit("persons", _leading_zeros),
}


@pytest.mark.parametrize("case", sorted(ACCEPTED_CASES))
def test_variants_the_contract_allows_are_loaded(case, mini, live_db, tmp_path) -> None:
    live = tmp_path / "live.duckdb"
    shutil.copy(live_db, live)
    result = ingest(
        ACCEPTED_CASES[case](mini, tmp_path), live, REF, as_at=AS_AT, accept_warnings=True
    )
    assert result.loaded, [p.message for p in result.findings.problems if p.severity == "error"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
