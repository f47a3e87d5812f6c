"""A database built by an earlier version (no record keys) is refused with a way out, not shown."""

import shutil

import duckdb
from streamlit.testing.v1 import AppTest

from tests.app.conftest import ROOT


def test_a_database_without_record_keys_shows_how_to_rebuild_it(app_env, tmp_path, monkeypatch):
    old = tmp_path / "old.duckdb"
    shutil.copy(app_env, old)
    with duckdb.connect(str(old)) as con:
        con.execute("ALTER TABLE person DROP COLUMN record_key")
    monkeypatch.setenv("PHM_DB", str(old))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert [t.value for t in at.title] == ["This database needs rebuilding"]
    assert "python -m phm demo" in at.error[0].value
    assert "record_key" in at.caption[0].value.replace("\\", "")  # shown escaped, as text
    assert not at.metric and not at.dataframe  # no figure from the old file
