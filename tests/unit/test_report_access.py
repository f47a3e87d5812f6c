"""Who sees what of a validation report: problem rows and server paths for the administrator only."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from phm.ingest import datasets, report
from phm.ingest.validate import ERROR, WARNING, CheckCount, Findings, Problem

SERVER = "/srv/phm/data"
EXACT_BIRTH = "1957-03-14"


def sample_report() -> dict:
    """Return a report of a load with an exact birth date among its problems and paths in text."""
    findings = Findings([], [])
    findings.add(
        CheckCount("birth date not first of month", WARNING, "persons.csv", "birth_date", 1, "m"),
        [
            Problem(
                "birth date not first of month",
                WARNING,
                "persons.csv",
                3,
                "birth_date",
                EXACT_BIRTH,
                "m",
            )
        ],
    )
    message = f"{SERVER}/in/sites.csv: no such file"
    findings.add(
        CheckCount("unreadable file", ERROR, "sites.csv", None, 1, message),
        [Problem("unreadable file", ERROR, "sites.csv", None, None, None, message)],
    )
    files = {"persons": Path(f"{SERVER}/in/persons.csv"), "sites": Path(f"{SERVER}/in/sites.csv")}
    return report.summary(
        files,
        Path(f"{SERVER}/march.duckdb"),
        "March",
        date(2022, 3, 31),
        findings,
        False,
        f"1 error(s): nothing was loaded; see {SERVER}/march.rejected.md",
        {},
    )


def test_the_administrator_sees_the_whole_report() -> None:
    data = sample_report()
    assert report.for_viewer(data, administrator=True) == data
    assert EXACT_BIRTH in report.to_markdown(data) and SERVER in report.to_markdown(data)


def test_others_see_no_problem_rows_and_no_server_paths() -> None:
    data = sample_report()
    shown = report.for_viewer(data, administrator=False)
    assert shown["problems"] == []
    assert shown["database"] == "march.duckdb"
    assert shown["files"] == {"persons": "persons.csv", "sites": "sites.csv"}
    assert shown["counts"][1]["message"] == "sites.csv: no such file"
    assert shown["reason"].endswith("see march.rejected.md")
    assert [c["count"] for c in shown["counts"]] == [1, 1]  # the summary stays
    for text in (json.dumps(shown), report.to_markdown(shown), report.to_html(shown)):
        assert SERVER not in text and "/in/" not in text
        assert EXACT_BIRTH not in text and "Every problem" not in text
    for text in (report.to_markdown(shown), report.to_html(shown)):
        assert "administrator only" in text
    assert data["problems"] and data["database"].startswith(SERVER)  # the original is unchanged


def test_the_active_dataset_line_names_the_folder_to_the_administrator_only() -> None:
    live, active = Path(f"{SERVER}/phm.duckdb"), Path(f"{SERVER}/march.duckdb")
    assert datasets.active_line(active, live, administrator=False) == (
        "**Active dataset:** `march.duckdb`"
    )
    assert SERVER in datasets.active_line(active, live, administrator=True)
