"""Data page: datasets with their reports; only an administrator can switch the active one."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from phm import geo
from phm.access import Role
from phm.ingest import datasets
from phm.ingest.load import ingest
from phm.ingest.sample import write_sample_extract
from tests.app.conftest import demo_user

REF = geo.REFERENCE_ROOT / "north-central-london"
ADMIN = demo_user(Role.ADMINISTRATOR)
EXACT_BIRTH = "1957-03-14"  # an exact birth date (a warning): for the administrator only


@pytest.fixture(scope="module")
def folder(tiny_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a data folder: the demo as phm.duckdb, a loaded extract and a refused load."""
    root = tmp_path_factory.mktemp("data")
    shutil.copy(tiny_db, root / "phm.duckdb")
    files = write_sample_extract(tiny_db, root / "in", "csv")
    ingest(files, root / "extract.duckdb", REF, as_at=date(2022, 3, 31), name="March extract")
    persons = pd.read_csv(files["persons"], dtype=str, keep_default_na=False)
    persons.loc[0, "sex"] = "Q"
    persons.to_csv(root / "in" / "bad.csv", index=False)
    ingest({**files, "persons": root / "in" / "bad.csv"}, root / "april.duckdb", REF)
    return root


@pytest.fixture
def data_env(app_env: Path, folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point PHM_DB at a fresh copy of the folder (so switching in one test can't leak)."""
    copy = tmp_path / "data"
    shutil.copytree(folder, copy)
    monkeypatch.setenv("PHM_DB", str(copy / "phm.duckdb"))
    return copy / "phm.duckdb"


def _texts(at) -> str:
    return " ".join(
        str(e.value) for kind in (at.markdown, at.info, at.caption, at.warning) for e in kind
    )


def test_lists_datasets_with_validation_and_the_active_one(run_page, data_env) -> None:
    at = run_page("data.py")
    assert not at.exception
    table = at.dataframe[0].value
    assert set(table["file"]) == {"phm.duckdb", "extract.duckdb"}
    assert table.set_index("file").loc["phm.duckdb", "active"]
    assert "0 errors" in table.set_index("file").loc["extract.duckdb", "validation"]
    labels = [e.label for e in at.expander]
    assert any(label.startswith("extract.duckdb: loaded") for label in labels)
    assert any("april.rejected.json" in label and "error" in label for label in labels)
    assert "phm.duckdb" in _texts(at)


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMINISTRATOR])
def test_switching_is_the_administrators(run_page, data_env, role) -> None:
    at = run_page("data.py", principal=demo_user(role))
    assert not at.exception
    assert len(at.button) == 0 and len(at.text_input) == 0  # no token box any more
    assert any("Only an administrator can switch" in str(e.value) for e in at.info)
    assert datasets.active_path(data_env) == data_env


def test_the_administrator_switches_the_active_dataset(run_page, data_env) -> None:
    at = run_page("data.py", principal=ADMIN)
    at.selectbox(key="data_choice").select("extract.duckdb").run()
    at.button[0].click().run()
    assert not at.exception
    assert datasets.active_path(data_env) == data_env.with_name("extract.duckdb")
    assert "March extract" in _texts(at)  # the banner names the newly active dataset


def test_a_folder_without_loaded_datasets_says_why_it_has_no_reports(
    run_page, data_env, monkeypatch
) -> None:
    for path in data_env.parent.iterdir():
        if path.name != "phm.duckdb":
            path.unlink() if path.is_file() else shutil.rmtree(path)
    at = run_page("data.py")
    assert not at.exception
    assert len(at.expander) == 0
    assert any("none has a validation report" in str(e.value) for e in at.caption)


@pytest.fixture(scope="module")
def warned_folder(tiny_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a data folder with the demo and an extract loaded despite an exact birth date."""
    root = tmp_path_factory.mktemp("warned")
    shutil.copy(tiny_db, root / "phm.duckdb")
    files = write_sample_extract(tiny_db, root / "in", "csv")
    persons = pd.read_csv(files["persons"], dtype=str, keep_default_na=False)
    persons.loc[2, "birth_date"] = EXACT_BIRTH
    persons.to_csv(files["persons"], index=False)
    # The person's identity has the same birth date (identities keep the full date).
    who = pd.read_csv(files["identities"], dtype=str, keep_default_na=False)
    who.loc[who["person_id"] == persons.loc[2, "person_id"], "birth_date"] = EXACT_BIRTH
    who.to_csv(files["identities"], index=False)
    result = ingest(
        files, root / "march.duckdb", REF, as_at=date(2022, 3, 31), accept_warnings=True
    )
    assert result.loaded and result.findings.problems
    return root


@pytest.fixture
def warned_env(app_env: Path, warned_folder: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point PHM_DB at the folder with the warned extract."""
    monkeypatch.setenv("PHM_DB", str(warned_folder / "phm.duckdb"))
    return warned_folder / "phm.duckdb"


def test_others_get_the_report_without_problem_rows_or_server_paths(
    run_page, warned_env, downloads
) -> None:
    at = run_page("data.py")
    assert not at.exception
    server = str(warned_env.parent)  # the folder of the data and of the extract's files
    shown = _texts(at) + " ".join(e.label for e in at.expander)
    assert server not in shown and "phm.duckdb" in shown
    for table in at.dataframe:
        assert server not in table.value.to_string()
        assert EXACT_BIRTH not in table.value.to_string()
    assert {"march.report.md", "march.report.html"} <= set(downloads)
    for name, text in downloads.items():
        assert server not in text and EXACT_BIRTH not in text, name
        assert "Every problem" not in text and "administrator only" in text, name
    assert "- database: `march.duckdb`" in downloads["march.report.md"]
    assert "- persons: `persons.csv`" in downloads["march.report.md"]


def test_the_administrator_gets_the_rows_behind_problems_and_the_folder(
    run_page, warned_env, downloads
) -> None:
    at = run_page("data.py", principal=ADMIN)
    assert not at.exception
    assert str(warned_env.parent) in _texts(at)
    assert EXACT_BIRTH in " ".join(t.value.to_string() for t in at.dataframe)
    report = downloads["march.report.md"]
    assert EXACT_BIRTH in report and "Every problem" in report
    assert str(warned_env.parent / "in" / "persons.csv") in report
