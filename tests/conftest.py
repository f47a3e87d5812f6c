"""Shared fixtures: one small synthetic demo database per test session."""

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from phm import geo
from phm.synth.build import build_demo

NCL_REF_DIR = geo.REFERENCE_ROOT / "north-central-london"
TINY_SCALE = 0.01  # about 16,000 people, built in about 2 s
TINY_SEED = 7


@pytest.fixture(scope="session")
def tiny_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return the path of a demo DuckDB built at scale 0.01 with seed 7 (read it, don't edit it)."""
    out = tmp_path_factory.mktemp("tiny_db") / "tiny.duckdb"
    build_demo(out, NCL_REF_DIR, scale=TINY_SCALE, seed=TINY_SEED)
    return out


@pytest.fixture(scope="session")
def tiny_con(tiny_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """Return a read-only connection to `tiny_db`, closed at the end of the session."""
    con = duckdb.connect(str(tiny_db), read_only=True)
    yield con
    con.close()
