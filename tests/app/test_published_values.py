"""The published Map and Compare survive any figures the importer accepts (property tests).

Hypothesis writes an NHS England weekly file and a NIMS population file for three MSOAs in two
boroughs, with any counts the importer reads (0 up to a billion, with thousands separators and
spaces), unreadable cells (#VALUE!, empty, 12.5, -3) and, often, cells with more people
vaccinated than the population of their band, or NIMS totals below the bands they hold. The
import must accept them; then the Map and Compare pages, run by AppTest with a random choice
(dose, age bands, boroughs, level, colour), must show no exception, must give no area a figure
when one of its chosen cells has more people vaccinated than people, and must name each such
area in a warning with the reason.

Every example rebuilds the database at the same path, as a weekly refresh does, so the pages
also show that a database swapped in at their path is read on their next run.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import date
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from phm.ingest.published import import_published
from phm.levels import PUBLISHED_LEVELS
from phm.output import maps
from tests.conftest import NCL_REF_DIR
from tests.signin import as_user

ROOT = Path(__file__).resolve().parents[2]
AS_AT = date(2021, 3, 7)
MSOAS = [
    ("E09000003", "Barnet", "E02000024", "High Barnet"),
    ("E09000003", "Barnet", "E02000025", "Hadley Wood"),
    ("E09000007", "Camden", "E02000166", "Hampstead Town"),
]
BANDS = ["Under 60", "60-64", "80+"]
DOSES = ["1st dose", "2nd dose"]
NIMS_BANDS = ["Under 18", "18-59", "60-64", "65-79", "80+", "16+"]
UNREADABLE = ["#VALUE!", "", "12.5", "-3", "n/a"]
EXAMPLES = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Small numbers often, so that vaccinated and population cross; large ones sometimes.
numbers = st.one_of(st.integers(0, 40), st.integers(0, 3_000), st.integers(0, 1_000_000_000))
cells = st.one_of(
    numbers.map(str),
    numbers.map(lambda n: f" {n:,} "),
    st.sampled_from(UNREADABLE),
)


@st.composite
def published_files(draw) -> tuple[str, str]:
    """Return the text of a weekly vaccinations file and of a NIMS population file."""
    header = ",LTLA Code,LTLA Name,MSOA Code,MSOA Name," + ",".join(
        f"{dose} {band}" for dose in DOSES for band in BANDS
    )
    week = [header]
    nims = ["MSOA Code,MSOA Name," + ",".join(NIMS_BANDS)]
    for lad_code, lad_name, code, name in MSOAS:
        values = draw(st.lists(cells, min_size=6, max_size=6), label=f"{name} doses")
        week.append(f",{lad_code},{lad_name},{code},{name}," + ",".join(_quoted(v) for v in values))
        people = draw(st.lists(cells, min_size=6, max_size=6), label=f"{name} NIMS")
        nims.append(f"{code},{name}," + ",".join(_quoted(v) for v in people))
    return "\n".join(week) + "\n", "\n".join(nims) + "\n"


def _quoted(text: str) -> str:
    """Return a CSV field: quoted when it holds a comma."""
    return f'"{text}"' if "," in text else text


choices = st.fixed_dictionaries(
    {
        "pub_dose": st.sampled_from(["1", "2"]),
        "pub_as_at": st.just(AS_AT),
        "pub_age_bands": st.lists(st.sampled_from(BANDS), unique=True, max_size=3),
        "pub_boroughs": st.lists(
            st.sampled_from(["E09000003", "E09000007"]), unique=True, max_size=2
        ),
        "pub_map_level": st.sampled_from(list(PUBLISHED_LEVELS)),
        "pub_map_metric": st.sampled_from(list(maps.METRICS)),
        "pub_compare_level": st.sampled_from(list(PUBLISHED_LEVELS)),
    }
)


@pytest.fixture
def live(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the app at a published database path that each example rebuilds."""
    path = tmp_path / "published.duckdb"
    monkeypatch.setenv("PHM_DB", str(path))
    monkeypatch.chdir(ROOT)
    monkeypatch.syspath_prepend(str(ROOT))
    return path


def _import(live: Path, week: str, nims: str) -> None:
    """Import the two files to `live` (swapped in over the previous example's database)."""
    folder = Path(tempfile.mkdtemp(prefix="published-values-"))
    try:
        (folder / "week.csv").write_text(week)
        (folder / "nims.csv").write_text(nims)
        import_published([folder / "week.csv", folder / "nims.csv"], live, NCL_REF_DIR, as_at=AS_AT)
    finally:
        shutil.rmtree(folder)


def _exceeding(live: Path, choice: dict, level: str) -> set[str]:
    """Return the names of chosen areas with a chosen cell above its population (from the rows)."""
    sql = (
        "SELECT DISTINCT CASE WHEN $level = 'msoa' THEN m.area_name ELSE b.lad_name END"
        " FROM published_uptake m JOIN (SELECT DISTINCT msoa_code, lad_code, lad_name FROM lsoa) b"
        " ON b.msoa_code = m.area_code WHERE m.level = 'msoa' AND m.dose = $dose"
        " AND (len($bands) = 0 OR list_contains($bands, m.age_band))"
        " AND (len($boroughs) = 0 OR list_contains($boroughs, b.lad_code))"
        " AND m.vaccinated > m.population"
    )
    params = {
        "level": level,
        "dose": choice["pub_dose"],
        "bands": choice["pub_age_bands"],
        "boroughs": choice["pub_boroughs"],
    }
    with duckdb.connect(str(live), read_only=True) as con:
        return {row[0] for row in con.execute(sql, params).fetchall()}


def _run(page: str, choice: dict) -> AppTest:
    at = as_user(AppTest.from_file(str(ROOT / "views" / page), default_timeout=60))
    for key, value in choice.items():
        at.session_state[key] = value
    return at.run()


def _check(at: AppTest, page: str, names: set[str]) -> None:
    """No exception; each area above its population named with the reason, and given no rate."""
    assert not at.exception, f"{page}: {[e.value for e in at.exception]}"
    warned = " ".join(w.value for w in at.warning if "more people vaccinated" in w.value)
    for name in names:
        assert name in warned, f"{page}: {name} is not named as above its population"
    for table in at.dataframe:
        frame = table.value
        labels = set(frame.iloc[:, 0].astype(str)) | set(frame.iloc[:, 1].astype(str))
        assert not names & labels, f"{page}: {names & labels} shown with a rate"


@EXAMPLES
@given(files=published_files(), choice=choices)
def test_published_pages_survive_any_figures_the_importer_accepts(live, files, choice):
    _import(live, *files)
    map_page = _run("published_map.py", choice)
    _check(map_page, "Map", _exceeding(live, choice, choice["pub_map_level"]))
    compare = _run("published_compare.py", choice)
    _check(compare, "Compare", _exceeding(live, choice, choice["pub_compare_level"]))


def test_the_strategy_reaches_cells_above_their_population(live):
    # The property above is only as good as its data: most examples hold such cells.
    found = []

    @settings(max_examples=30, deadline=None, database=None)
    @given(files=published_files())
    def count(files):
        week, nims = files
        _import(live, week, nims)
        choice = {"pub_dose": "1", "pub_age_bands": [], "pub_boroughs": []}
        found.append(bool(_exceeding(live, choice, "msoa")))

    count()
    assert sum(found) >= len(found) // 3
