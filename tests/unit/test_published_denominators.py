"""Published figures without a population: warned at import, and each page says which and why."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from phm import geo
from phm.analysis import aggregate
from phm.ingest.published import import_published
from phm.queries import published
from tests.conftest import PUBLISHED_NIMS, PUBLISHED_WEEK

REF = geo.REFERENCE_ROOT / "north-central-london"
AS_AT = date(2021, 3, 7)
ALL = aggregate.PublishedChoice(dose="1", as_at=AS_AT)


def _import(tmp_path: Path, week: str, nims: bool) -> tuple[Path, list]:
    (tmp_path / "week.csv").write_text(week)
    files = [tmp_path / "week.csv"]
    if nims:
        (tmp_path / "nims.csv").write_text(PUBLISHED_NIMS)
        files.append(tmp_path / "nims.csv")
    out = tmp_path / "pub.duckdb"
    result = import_published(files, out, REF, as_at=AS_AT)
    return out, result.findings.counts


def _page_words(out: Path, choice: aggregate.PublishedChoice) -> tuple[list[str], pd.DataFrame]:
    con = duckdb.connect(str(out), read_only=True)
    try:
        gaps = published.population_gaps(con, choice.dose, choice.as_at)
        rows = published.published_uptake(con, "msoa", choice.dose, choice.as_at, choice.age_bands)
        boroughs = published.msoa_boroughs(con)
    finally:
        con.close()
    _, missing = aggregate.area_counts(rows, boroughs, choice, "msoa")
    return aggregate.denominator_sentences(gaps, choice), missing


def test_no_population_file_is_warned_at_import_and_said_on_the_pages(tmp_path) -> None:
    out, counts = _import(tmp_path, PUBLISHED_WEEK, nims=False)
    warned = [c for c in counts if c.check == "no population file"]
    assert warned and warned[0].severity == "warning"
    assert "no NIMS population file among the inputs" in warned[0].message
    sentences, missing = _page_words(out, ALL)
    assert sentences and "imported without NIMS populations" in sentences[0]
    assert set(missing["reason"]) == {aggregate.NO_POPULATION, aggregate.UNREADABLE}
    assert "No published figures for this choice" not in aggregate.nothing_to_show(missing)
    assert any("no NIMS population" in s for s in aggregate.missing_sentences(missing, "msoa"))


def test_a_band_without_a_nims_population_is_warned_and_named(tmp_path) -> None:
    week = PUBLISHED_WEEK.replace("1st dose 80+,", "1st dose 80+,1st dose 90+,")
    week = week.replace(",583,", ",583,90,").replace(",#VALUE!,", ",#VALUE!,91,")
    week = week.replace(",400,", ",400,92,")
    out, counts = _import(tmp_path, week, nims=True)
    warned = [c for c in counts if c.check == "age band without population"]
    assert [(c.column, c.severity) for c in warned] == [("90+", "warning")]
    assert "no NIMS population for age band '90+'" in warned[0].message
    choice = aggregate.PublishedChoice(dose="1", as_at=AS_AT, age_bands=("90+",))
    sentences, missing = _page_words(out, choice)
    assert sentences == [
        "Age band 90+ has no figure: the NIMS population file imported with these figures"
        " has no population for it (no denominator)."
    ]
    assert set(missing["reason"]) == {aggregate.NO_POPULATION}
    other = aggregate.PublishedChoice(dose="1", as_at=AS_AT, age_bands=("80+",))
    assert _page_words(out, other)[0] == []


def test_a_complete_import_warns_of_no_missing_denominator(tmp_path) -> None:
    out, counts = _import(tmp_path, PUBLISHED_WEEK, nims=True)
    assert not [c for c in counts if "population" in c.check and c.severity == "warning"]
    assert _page_words(out, ALL)[0] == []
