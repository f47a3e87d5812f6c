"""Shared fixtures: one small synthetic demo database per test session."""

import os
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest

from phm import geo
from phm.ingest.published import import_published
from phm.synth.build import build_demo

NCL_REF_DIR = geo.REFERENCE_ROOT / "north-central-london"
from tests.signin import ACCESS_TOML  # noqa: E402

# Ingests in tests make their record-key secret in a temporary folder, never in data/; the
# app's audit log, state database, user-key secret and claims mapping go there too (app_env makes its own).
_KEYS = Path(tempfile.mkdtemp(prefix="phm-keys-"))
os.environ.setdefault("PHM_RECORD_KEY_FILE", str(_KEYS / "record-key.secret"))
os.environ.setdefault("PHM_AUDIT_DB", str(_KEYS / "audit.sqlite"))
os.environ.setdefault("PHM_USER_KEY_FILE", str(_KEYS / "user-key.secret"))
os.environ.setdefault("PHM_STATE_DB", str(_KEYS / "state.sqlite"))
(_KEYS / "access.toml").write_text(ACCESS_TOML)
os.environ.setdefault("PHM_ACCESS_FILE", str(_KEYS / "access.toml"))
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


# A small NHS England weekly file in the published layout (quoted thousands, a #VALUE! cell)
# and NIMS populations for its three MSOAs.
PUBLISHED_WEEK = (
    ",LTLA Code,LTLA Name,MSOA Code,MSOA Name,1st dose Under 60,1st dose 60-64,1st dose 80+,"
    "2nd dose Under 60,2nd dose 60-64,2nd dose 80+\n"
    ',E09000003,Barnet,E02000024,High Barnet," 1,499 ",577,583,10,20,30\n'
    ",E09000003,Barnet,E02000025,Hadley Wood,1152,397,#VALUE!,5,6,7\n"
    ",E09000007,Camden,E02000166,Hampstead Town,900,300,400,3,4,5\n"
)
PUBLISHED_NIMS = (
    "MSOA Code,MSOA Name,Under 18,18-59,60-64,65-79,80+,16+\n"
    "E02000024,A,2000,9000,724,1500,606,11900\n"
    "E02000025,B,1700,7000,515,900,375,8900\n"
    "E02000166,C,1000,8000,600,1200,500,10400\n"
)


@pytest.fixture(scope="session")
def published_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return the path of a published-aggregate database imported from the small files above."""
    folder = tmp_path_factory.mktemp("published")
    (folder / "week.csv").write_text(PUBLISHED_WEEK)
    (folder / "nims.csv").write_text(PUBLISHED_NIMS)
    out = folder / "pub.duckdb"
    import_published(
        [folder / "week.csv", folder / "nims.csv"], out, NCL_REF_DIR, as_at=date(2021, 3, 7)
    )
    return out


# The same week with a cell NHS England's files have held: more people vaccinated than the NIMS
# population (Hampstead Town, Camden 001: 700 first doses at 60-64, of 600 people).
EXCEEDING_WEEK = PUBLISHED_WEEK.replace(
    "Hampstead Town,900,300,400,", "Hampstead Town,900,700,400,"
)


@pytest.fixture(scope="session")
def exceeding_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a published-aggregate database in which Camden 001 has more 60-64 doses than people."""
    assert EXCEEDING_WEEK != PUBLISHED_WEEK
    folder = tmp_path_factory.mktemp("exceeding")
    (folder / "week.csv").write_text(EXCEEDING_WEEK)
    (folder / "nims.csv").write_text(PUBLISHED_NIMS)
    out = folder / "pub.duckdb"
    import_published(
        [folder / "week.csv", folder / "nims.csv"], out, NCL_REF_DIR, as_at=date(2021, 3, 7)
    )
    return out
