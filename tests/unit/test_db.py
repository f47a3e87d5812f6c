"""phm.db.building: a new database is swapped in only when the build succeeds."""

from pathlib import Path

import duckdb
import pytest

from phm import db


def _make(path: Path, value: int) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE t AS SELECT $v AS v", {"v": value})


def _read(path: Path) -> int:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("SELECT v FROM t").fetchone()[0]


def test_a_failed_build_leaves_the_target_untouched_and_no_partial_file(tmp_path):
    target = tmp_path / "phm.duckdb"
    _make(target, 1)
    before = target.read_bytes()
    with pytest.raises(RuntimeError, match="boom"), db.building(target) as con:
        con.execute("CREATE TABLE t AS SELECT 2 AS v")
        raise RuntimeError("boom")
    assert target.read_bytes() == before
    assert _read(target) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["phm.duckdb"]


def test_a_successful_build_replaces_the_target(tmp_path):
    target = tmp_path / "phm.duckdb"
    _make(target, 1)
    with db.building(target) as con:
        con.execute("CREATE TABLE t AS SELECT 2 AS v")
        # Until the block ends, readers still see the old database.
        assert _read(target) == 1
    assert _read(target) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["phm.duckdb"]


def test_a_build_creates_a_missing_target_and_its_folder(tmp_path):
    target = tmp_path / "new" / "phm.duckdb"
    with db.building(target) as con:
        con.execute("CREATE TABLE t AS SELECT 3 AS v")
    assert _read(target) == 3


def test_a_failed_first_build_leaves_no_target(tmp_path):
    target = tmp_path / "phm.duckdb"
    with pytest.raises(KeyboardInterrupt), db.building(target) as con:
        con.execute("CREATE TABLE t AS SELECT 3 AS v")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_dataset_version_changes_when_the_file_is_replaced(tmp_path):
    target = tmp_path / "phm.duckdb"
    _make(target, 1)
    first = db.dataset_version(target)
    with db.building(target) as con:
        con.execute("CREATE TABLE t AS SELECT 2 AS v")
    assert db.dataset_version(target) != first


def test_connect_read_only_names_the_missing_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere.duckdb"):
        db.connect_read_only(tmp_path / "nowhere.duckdb")
