"""Refusals before any work: an output that is a folder or cannot be written, a bad --as-at or a
date in a file name that does not exist, a workbook that would expand beyond memory; and the
sample extract an operator can copy."""

from __future__ import annotations

import os
import re
import stat
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from phm import cli, geo
from phm.ingest import headcheck, load
from phm.ingest.load import ingest
from phm.ingest.published import import_published
from phm.ingest.sample import write_sample_extract
from phm.ingest.sites import import_sites
from tests.conftest import PUBLISHED_NIMS, PUBLISHED_WEEK

REF = geo.REFERENCE_ROOT / "north-central-london"


@pytest.fixture
def extract(tiny_db: Path, tmp_path: Path) -> dict[str, Path]:
    """Return a valid extract written from the tiny demo."""
    return write_sample_extract(tiny_db, tmp_path / "extract", "csv")


def _ingest_args(files: dict[str, Path], out: Path) -> list[str]:
    args = ["ingest", "--out", str(out), "--as-at", "2022-03-31", "--accept-warnings"]
    for kind, path in files.items():
        args += [f"--{kind}", str(path)]
    return args


def _week(folder: Path) -> list[str]:
    (folder / "week.csv").write_text(PUBLISHED_WEEK)
    (folder / "nims.csv").write_text(PUBLISHED_NIMS)
    return [str(folder / "week.csv"), str(folder / "nims.csv")]


def _sites(folder: Path, name: str = "sites-26-feb-2021.xlsx") -> Path:
    path = folder / name
    book = openpyxl.Workbook()
    book.active.title = "Pharmacies"
    book.active.append(["Name", "Postcode"])
    book.active.append(["Archway Pharmacy", "N19 5NF"])
    book.save(path)
    return path


def _no_work(*_args, **_kwargs):
    raise AssertionError("the loader started work before refusing")


def test_ingest_to_a_folder_is_refused_before_reading_with_a_rejected_report(
    extract, tmp_path, monkeypatch, capsys
) -> None:
    out = tmp_path / "data" / "live.duckdb"
    out.mkdir(parents=True)
    monkeypatch.setattr(load, "reference_lsoas", _no_work)
    assert cli.main(_ingest_args(extract, out)) == 1
    assert "is a folder, not a database file" in capsys.readouterr().err
    report = tmp_path / "data" / "live.rejected.json"
    assert "is a folder" in report.read_text()
    assert list(out.iterdir()) == []


def test_import_published_to_a_folder_is_refused_before_reading(tmp_path, capsys) -> None:
    out = tmp_path / "pub.duckdb"
    out.mkdir()
    assert cli.main(["import-published", *_week(tmp_path), "--out", str(out)]) == 2
    assert "is a folder, not a database file" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("option", ["--db", "--out"])
def test_import_sites_to_a_folder_is_refused(option, tmp_path, capsys) -> None:
    target = tmp_path / "target"
    target.mkdir()
    assert cli.main(["import-sites", str(_sites(tmp_path)), option, str(target)]) == 2
    assert "is a folder" in capsys.readouterr().err


@pytest.fixture
def read_only(tmp_path, monkeypatch) -> Path:
    """Return a folder without write permission (as root, os.access is made to honour it)."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    if os.geteuid() == 0:
        real = os.access

        def access(path, mode, *args, **kwargs):
            if Path(path) == folder and mode & os.W_OK:
                return False
            return real(path, mode, *args, **kwargs)

        monkeypatch.setattr(os, "access", access)
    yield folder
    folder.chmod(stat.S_IRWXU)


def test_ingest_into_a_read_only_folder_is_refused(extract, read_only, monkeypatch, capsys):
    monkeypatch.setattr(load, "reference_lsoas", _no_work)
    assert cli.main(_ingest_args(extract, read_only / "live.duckdb")) == 1
    err = capsys.readouterr().err
    assert "cannot write in" in err and "read-only or permission denied" in err
    # Nothing but the rejected report (which only root, for whom the folder is writable, gets).
    assert {p.name for p in read_only.iterdir()} <= {
        f"live.rejected{suffix}" for suffix in (".json", ".md", ".html")
    }


def test_import_published_into_a_read_only_folder_is_refused(tmp_path, read_only, capsys):
    args = ["import-published", *_week(tmp_path), "--out", str(read_only / "pub.duckdb")]
    assert cli.main(args) == 2
    assert "read-only or permission denied" in capsys.readouterr().err
    assert list(read_only.iterdir()) == []


@pytest.mark.parametrize("option", ["--db", "--out"])
def test_import_sites_into_a_read_only_folder_is_refused(option, tmp_path, read_only, capsys):
    args = ["import-sites", str(_sites(tmp_path)), option, str(read_only / "x.duckdb")]
    assert cli.main(args) == 2
    assert "read-only or permission denied" in capsys.readouterr().err


@pytest.mark.parametrize(
    "command",
    [
        ["ingest", "--persons", "p.csv", "--vaccinations", "v.csv"],
        ["import-published", "week.csv"],
        ["import-sites", "sites.xlsx", "--out", "s.csv"],
    ],
)
@pytest.mark.parametrize("text", ["2021-02-30", "07/03/2021", "2021-13-01"])
def test_a_bad_as_at_names_the_argument_and_the_format(command, text, capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main([*command, "--as-at", text])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert f"--as-at: {text!r} is not a date; use YYYY-MM-DD" in err
    assert "day is out of range" not in err


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("vaccinations-MSOA-20210230.csv", "20210230 in the name is not a date (YYYYMMDD)"),
        ("COVID-19-weekly-31-February-2021.csv", "31-February-2021 in the name is not a date"),
    ],
)
def test_a_published_file_named_with_a_date_that_does_not_exist(tmp_path, name, expected):
    (tmp_path / name).write_text(PUBLISHED_WEEK)
    with pytest.raises(ValueError, match=re.escape(f"{name}: {expected}")):
        import_published([tmp_path / name], tmp_path / "pub.duckdb", REF)
    assert not (tmp_path / "pub.duckdb").exists()


def test_a_site_list_named_with_a_date_that_does_not_exist(tmp_path) -> None:
    path = _sites(tmp_path, "sites-31-feb-2021.xlsx")
    with pytest.raises(ValueError, match="31-feb-2021 in the name is not a date"):
        import_sites(path, REF)


def _big_workbook(path: Path) -> Path:
    book = openpyxl.Workbook()
    book.active.title = "Pharmacies"
    book.active.append(["Name", "Postcode", "MSOA Code"])
    for i in range(2000):
        book.active.append([f"Pharmacy number {i} " + "x" * 200, "N19 5NF", "E02000024"])
    book.save(path)
    return path


def test_workbooks_that_expand_too_far_are_refused_before_reading(
    extract, tmp_path, monkeypatch
) -> None:
    monkeypatch.setattr(headcheck, "MAX_WORKBOOK_EXPANDED", 200_000)
    big = _big_workbook(tmp_path / "sites-26-feb-2021.xlsx")
    reason = r"expands to \d+ MB when opened .* more than the 0 MB allowed"
    with pytest.raises(ValueError, match=reason):
        import_sites(big, REF)
    with pytest.raises(ValueError, match=reason):
        import_published([big], tmp_path / "pub.duckdb", REF, as_at=date(2021, 3, 7))
    result = ingest(
        {**extract, "sites": big}, tmp_path / "live.duckdb", REF, as_at=date(2022, 3, 31)
    )
    assert not result.loaded
    assert any("expands to" in p.message for p in result.findings.problems)


def test_sample_extract_writes_files_that_ingest_loads(tmp_path, capsys) -> None:
    out = tmp_path / "sample"
    assert cli.main(["sample-extract", "--out", str(out), "--scale", "0.002"]) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "identities.csv",
        "persons.csv",
        "practices.csv",
        "sites.csv",
        "vaccinations.csv",
    ]
    assert "python -m phm ingest --persons" in capsys.readouterr().out
    files = {p.stem: p for p in out.iterdir()}
    result = ingest(files, tmp_path / "sample.duckdb", REF, as_at=date(2022, 3, 31))
    assert result.loaded, result.reason


def test_sample_extract_refuses_a_file_as_its_folder(tmp_path, capsys) -> None:
    (tmp_path / "file").write_text("x")
    assert cli.main(["sample-extract", "--out", str(tmp_path / "file")]) == 2
    assert "give a folder" in capsys.readouterr().err
