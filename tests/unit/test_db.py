"""phm.db.building: a new database is swapped in only when the build succeeds."""

import os
import threading
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


# Readers: the app's shared read-only connections follow a file swapped in at the same path.


def _build(target: Path, value: int) -> None:
    """Build a database holding `value` beside `target` and swap it in (as every loader does)."""
    with db.building(target) as con:
        con.execute("CREATE TABLE t AS SELECT $v AS v", {"v": value})


def _value(con: duckdb.DuckDBPyConnection) -> int:
    return con.cursor().execute("SELECT v FROM t").fetchone()[0]


def test_duckdb_returns_the_old_file_while_a_connection_to_it_is_open(tmp_path):
    # Why Readers exists: DuckDB's instance cache is keyed by path.
    target = tmp_path / "phm.duckdb"
    _build(target, 1)
    old = duckdb.connect(str(target), read_only=True)
    _build(target, 2)
    with duckdb.connect(str(target), read_only=True) as again:
        assert _value(again) == 1
    old.close()
    assert _read(target) == 2


def test_a_database_rebuilt_at_the_same_path_is_read_after_the_swap(tmp_path):
    target = tmp_path / "phm.duckdb"
    _build(target, 1)
    readers = db.Readers()
    with readers.reading(target) as con:
        assert _value(con) == 1
    _build(target, 2)
    with readers.reading(target) as con:
        assert _value(con) == 2
    assert list(readers.open_versions().values()) == [[db.dataset_version(target)]]
    # The first file was closed, so this process no longer holds it (nor its disk space).
    assert _read(target) == 2
    _build(target, 3)
    with readers.reading(target) as first, readers.reading(target) as second:
        assert first is second and _value(first) == 3
    readers.close()
    assert readers.open_versions() == {}


def test_queries_on_the_old_file_finish_and_the_next_lease_waits_for_them(tmp_path):
    target = tmp_path / "phm.duckdb"
    _build(target, 1)
    readers = db.Readers()
    holding, finish = threading.Event(), threading.Event()
    seen: dict[str, int] = {}

    def old_session() -> None:
        with readers.reading(target) as con:
            holding.set()
            finish.wait(10)
            seen["old"] = _value(con)  # a query begun before the swap ends on the old file

    def new_session() -> None:
        with readers.reading(target) as con:
            seen["new"] = _value(con)

    first = threading.Thread(target=old_session)
    first.start()
    assert holding.wait(10)
    _build(target, 2)
    second = threading.Thread(target=new_session)
    second.start()
    second.join(0.5)
    assert second.is_alive() and "new" not in seen  # waits for the old file's last query
    assert len(readers.open_versions()[os.path.abspath(target)]) == 1
    finish.set()
    first.join(10)
    second.join(10)
    assert seen == {"old": 1, "new": 2}
    assert _read(target) == 2


def test_a_lease_nested_in_the_same_thread_keeps_its_file_across_a_swap(tmp_path):
    target = tmp_path / "phm.duckdb"
    _build(target, 1)
    readers = db.Readers(drain_timeout=1)
    with readers.reading(target) as outer:
        _build(target, 2)
        with readers.reading(target) as inner:  # never waits for itself
            assert inner is outer and _value(inner) == 1
    with readers.reading(target) as con:
        assert _value(con) == 2


def test_a_lease_gives_up_with_a_clear_error_when_the_old_file_stays_busy(tmp_path):
    target = tmp_path / "phm.duckdb"
    _build(target, 1)
    readers = db.Readers(drain_timeout=0.3)
    holding, finish = threading.Event(), threading.Event()

    def slow_session() -> None:
        with readers.reading(target):
            holding.set()
            finish.wait(10)

    slow = threading.Thread(target=slow_session)
    slow.start()
    assert holding.wait(10)
    _build(target, 2)
    with pytest.raises(db.DatabaseBusy, match="phm.duckdb was replaced"), readers.reading(target):
        pass
    finish.set()
    slow.join(10)
    with readers.reading(target) as con:
        assert _value(con) == 2


def test_reading_another_path_lets_the_previous_file_go(tmp_path):
    first, second = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    _build(first, 1)
    _build(second, 2)
    readers = db.Readers()
    with readers.reading(first) as con:
        assert _value(con) == 1
    with readers.reading(second) as con:
        assert _value(con) == 2
    assert list(readers.open_versions()) == [os.path.abspath(second)]
    _build(first, 3)
    with readers.reading(first) as con:
        assert _value(con) == 3


def test_reading_a_missing_database_names_it(tmp_path):
    with (
        pytest.raises(FileNotFoundError, match="nowhere.duckdb"),
        db.Readers().reading(tmp_path / "nowhere.duckdb"),
    ):
        pass
