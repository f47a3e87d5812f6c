"""A database rebuilt at the same path (the weekly refresh) is read on the next run of a page.

DuckDB keeps one database instance per path in each process: while the app holds a connection
to the old file, connecting to the path again returns the old data. These tests rebuild the
database in place through phm.db.building (as `ingest --out PHM_DB` and `demo --out` do) while
the app, in this same process, has it open.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from phm import db
from tests.signin import as_user

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT / "views"


def rebuild_in_place(live: Path, source: Path, name: str, keep_every: int) -> None:
    """Rebuild `live` from `source` with a new name and every `keep_every`-th person, swapped in."""
    with db.building(live) as con:
        con.execute("ATTACH ? AS source (READ_ONLY)", [str(source)])
        tables = [
            row[0]
            for row in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = 'source'"
            ).fetchall()
        ]
        for table in tables:
            con.execute(f'CREATE TABLE "{table}" AS SELECT * FROM source."{table}"')
        con.execute("DETACH source")
        con.execute("UPDATE dataset_meta SET value = ? WHERE key = 'name'", [name])
        con.execute(
            "DELETE FROM person WHERE hash(person_id) % $n <> 0", {"n": keep_every}
        )  # other figures


@pytest.fixture
def live_env(tiny_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the app at a copy of the tiny demo that the test may replace."""
    live = tmp_path / "phm.duckdb"
    shutil.copy(tiny_db, live)
    monkeypatch.setenv("PHM_DB", str(live))
    for name in ("PHM_SUPPRESS_BELOW", "PHM_ROUND_TO"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(ROOT)
    monkeypatch.syspath_prepend(str(ROOT))
    return live


def _banner(at: AppTest) -> str:
    return at.warning[0].value if at.warning else at.info[0].value


def _figures(at: AppTest) -> list[str]:
    return [m.value for m in at.metric] + [c.value for c in at.caption]


def test_a_rebuilt_database_is_shown_on_the_next_run_of_an_open_session(
    live_env: Path, tiny_db: Path
) -> None:
    at = as_user(AppTest.from_file(str(PAGES / "overview.py"), default_timeout=60))
    at.session_state["dose"] = "1"
    at.run()
    assert not at.exception
    assert "Rebuilt in place" not in _banner(at)
    before = _figures(at)

    rebuild_in_place(live_env, tiny_db, "Rebuilt in place", keep_every=2)
    at.run()  # the same session's next run
    assert not at.exception, [e.value for e in at.exception]
    assert "Rebuilt in place" in _banner(at)
    assert _figures(at) != before

    fresh = as_user(AppTest.from_file(str(PAGES / "overview.py"), default_timeout=60))
    fresh.session_state["dose"] = "1"
    fresh.run()  # a new session
    assert "Rebuilt in place" in _banner(fresh)
    assert _figures(fresh) == _figures(at)


def test_every_rebuild_is_picked_up_and_the_old_file_is_let_go(
    live_env: Path, tiny_db: Path
) -> None:
    at = as_user(AppTest.from_file(str(PAGES / "overview.py"), default_timeout=60))
    at.session_state["dose"] = "1"
    at.run()
    for week in (1, 2, 3):
        rebuild_in_place(live_env, tiny_db, f"Week {week}", keep_every=week + 1)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        assert f"Week {week}" in _banner(at)
    # No connection of this process keeps an earlier file: connecting anew reads the last one.
    with duckdb.connect(str(live_env), read_only=True) as con:
        name = con.execute("SELECT value FROM dataset_meta WHERE key = 'name'").fetchone()[0]
    assert name == "Week 3"
