"""Workbooks laid out like NHS England's weekly COVID-19 vaccinations by MSOA, for import tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import openpyxl

TITLE_BLOCK = (
    "COVID-19 Vaccinations: cumulative people vaccinated by MSOA of residence",
    "Period: 8th December 2020 to 7th March 2021",
    "Source: National Immunisation Management Service (NIMS)",
    "Basis: Provider",
    "Published: 11th March 2021",
    "Revised: -",
    "Status: Official Statistics",
    "Contact: england.covid-vaccinations@nhs.net",
)
FOOTNOTES = (
    "Notes:",
    "1. MSOA of residence is taken from the postcode on the NIMS record.",
    "2. Figures may be revised; see the Contents sheet.",
)


@dataclass
class Table:
    """A sheet holding one table below a title block, with footnotes under it."""

    title: str
    header: list[str]
    rows: list[list[object]]
    doses: list[tuple[str, int, int]] = field(default_factory=list)  # label, first, last column
    names_in_dose_row: bool = True  # 'MSOA Code' merged down over both header rows
    first_row: int = 13
    blank_after_header: bool = False
    footnotes: tuple[str, ...] = FOOTNOTES


def _add_table(book: openpyxl.Workbook, table: Table) -> None:
    """Write one table sheet: merged title, one or two header rows, rows, footnotes."""
    sheet = book.create_sheet(table.title)
    left, width = 2, len(table.header)  # column A stays empty, as NHS England's sheets have it
    for i, line in enumerate(TITLE_BLOCK):
        sheet.cell(2 + i, left, line)
    sheet.merge_cells(start_row=2, start_column=left, end_row=2, end_column=left + width - 1)
    row = table.first_row
    if table.doses:
        banded = {c for _, first, last in table.doses for c in range(first, last + 1)}
        for label, first, last in table.doses:
            sheet.cell(row, left + first, label)
            sheet.merge_cells(
                start_row=row, start_column=left + first, end_row=row, end_column=left + last
            )
        for j, name in enumerate(table.header):
            if j in banded:
                sheet.cell(row + 1, left + j, name)
            elif table.names_in_dose_row:
                sheet.cell(row, left + j, name)
                sheet.merge_cells(
                    start_row=row, start_column=left + j, end_row=row + 1, end_column=left + j
                )
            else:
                sheet.cell(row + 1, left + j, name)
        row += 2
    else:
        for j, name in enumerate(table.header):
            sheet.cell(row, left + j, name)
        row += 1
    row += table.blank_after_header
    for values in table.rows:
        for j, value in enumerate(values):
            if value is not None and value != "":
                sheet.cell(row, left + j, value)
        row += 1
    row += 1  # an empty row, then the footnotes
    for line in table.footnotes:
        sheet.cell(row, left, line)
        sheet.merge_cells(start_row=row, start_column=left, end_row=row, end_column=left + 6)
        row += 1


def write_workbook(path: Path, tables: list[Table], contents: bool = True) -> Path:
    """Write a workbook with a Contents sheet, an LTLA sheet (no MSOA table) and the tables."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    if contents:
        sheet = book.create_sheet("Contents")
        sheet["B2"] = "COVID-19 Vaccinations - weekly announcement"
        sheet.merge_cells("B2:F2")
        sheet["B4"], sheet["C4"] = "Sheet", "Description"
        sheet["B5"], sheet["C5"] = "LTLA", "Vaccinations by lower tier local authority"
        for i, table in enumerate(tables, start=6):
            sheet.cell(i, 2, table.title)
            sheet.cell(i, 3, "Vaccinations or populations by MSOA of residence")
        ltla = book.create_sheet("LTLA")
        ltla["B2"] = TITLE_BLOCK[0].replace("MSOA", "LTLA")
        for j, name in enumerate(["LTLA Code", "LTLA Name", "Under 60", "80+"]):
            ltla.cell(12, 2 + j, name)
        for j, value in enumerate(["E09000003", "Barnet", 12_000, 9_000]):
            ltla.cell(13, 2 + j, value)
    for table in tables:
        _add_table(book, table)
    book.save(path)
    return path
