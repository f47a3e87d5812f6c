"""Aggregate mode run by AppTest: a published-figures dataset gets its own Map and Compare."""

from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from phm.analysis import aggregate
from tests.signin import as_user, provider_sign_in

ROOT = Path(__file__).resolve().parents[2]
CHOICE = {"pub_dose": "1", "pub_as_at": date(2021, 3, 7)}


@pytest.fixture
def published_env(published_db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the app at the small published-aggregate database."""
    monkeypatch.setenv("PHM_DB", str(published_db))
    monkeypatch.chdir(ROOT)
    monkeypatch.syspath_prepend(str(ROOT))
    return published_db


def run_view(page: str, **state: object) -> AppTest:
    """Run one aggregate-mode page file with the sidebar's choice in session state."""
    at = as_user(AppTest.from_file(str(ROOT / "views" / page), default_timeout=60))
    for key, value in {**CHOICE, **state}.items():
        at.session_state[key] = value
    return at.run()


def test_the_app_offers_only_what_published_figures_support(published_env):
    at = provider_sign_in(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)).run()
    assert not at.exception
    greyed = [m for m in at.sidebar.multiselect if m.disabled]
    assert {m.label for m in greyed} >= {"Sex", "Ethnicity", "First language", "Flags"}
    assert any(
        "NHS England publishes counts by MSOA and age band only" in c.value for c in at.caption
    )
    assert at.title[0].value == "Map"  # the landing page of aggregate mode


def test_map_draws_the_published_msoas_and_names_the_one_with_an_unreadable_cell(published_env):
    at = run_view("published_map.py")
    assert not at.exception
    assert "NHS England published figures" in at.markdown[0].value
    assert any("Barnet 002" in w.value and "unreadable" in w.value for w in at.warning)
    assert at.get("deck_gl_json_chart")
    assert at.metric[0].label == "Uptake across the chosen areas"


def test_compare_boroughs_leaves_out_a_borough_with_a_missing_cell(published_env):
    at = run_view("published_compare.py", pub_compare_level="borough")
    assert not at.exception
    assert any("Barnet" in w.value for w in at.warning)
    table = at.dataframe[0].value
    assert list(table["Borough"]) == ["Camden"]
    # Under 60 only: every cell readable, both boroughs compared.
    at = run_view("published_compare.py", pub_compare_level="borough", pub_age_bands=["Under 60"])
    assert not at.exception and not at.warning
    assert sorted(at.dataframe[0].value["Borough"]) == ["Barnet", "Camden"]


@pytest.mark.parametrize("page", ["published_compare.py", "data.py", "about.py"])
def test_every_aggregate_page_runs_from_the_app(published_env, page):
    at = provider_sign_in(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)).run()
    at.switch_page(f"views/{page}").run()
    assert not at.exception, [e.value for e in at.exception]


@pytest.mark.parametrize("page", ["published_map.py", "published_compare.py"])
def test_aggregate_pages_on_person_records_say_there_are_no_published_figures(run_page, page):
    at = run_page(page)
    assert not at.exception
    assert any("has none" in i.value for i in at.info)


def test_a_link_sets_the_published_choice_and_the_choice_goes_into_the_url(published_env):
    at = provider_sign_in(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60))
    at.query_params.update({"dose": ["2"], "age_band": ["80+"], "borough": ["E09000007", "x"]})
    at.run()
    assert not at.exception
    assert at.session_state["pub_dose"] == "2"
    assert at.session_state["pub_age_bands"] == ["80+"]
    assert at.session_state["pub_boroughs"] == ["E09000007"]
    assert any("Ignored borough='x'" in w.value for w in at.warning)
    assert "second dose" in at.markdown[0].value and "Camden" in at.markdown[0].value
    at.sidebar.multiselect(key="pub_age_bands").set_value(["60-64"]).run()
    written = at.query_params["age_band"]
    assert ([written] if isinstance(written, str) else list(written)) == ["60-64"]


# NHS England's files hold cells with more people vaccinated than the NIMS population: in
# `exceeding_db` (tests/conftest.py), Camden 001's 60-64 first doses (700 of 600). Such an area
# has no figure, as an unreadable cell's area has none, and the pages say why instead of failing.


@pytest.fixture
def exceeding_env(exceeding_db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PHM_DB", str(exceeding_db))
    monkeypatch.chdir(ROOT)
    monkeypatch.syspath_prepend(str(ROOT))
    return exceeding_db


def _exceeding_warning(at: AppTest) -> str:
    [warning] = [w.value for w in at.warning if "more people vaccinated" in w.value]
    return warning


# 60-64 alone: Camden 001's sum exceeds its population too; with Under 60 it would not (1,600
# of 8,700), and the cell must still be kept out.
@pytest.mark.parametrize("bands", [["60-64"], ["Under 60", "60-64"]])
@pytest.mark.parametrize("level", ["msoa", "borough"])
def test_map_shows_an_area_with_more_vaccinated_than_people_as_its_own_state(
    exceeding_env, level, bands
):
    at = run_view("published_map.py", pub_map_level=level, pub_age_bands=bands)
    assert not at.exception, [e.value for e in at.exception]
    name = "Camden 001" if level == "msoa" else "Camden"
    assert name in _exceeding_warning(at)
    deck = at.get("deck_gl_json_chart")[0].proto.json
    assert aggregate.EXCEEDS_LABEL in deck
    legend = "".join(h.proto.body for h in at.get("html"))
    assert aggregate.EXCEEDS_LABEL in legend
    table = at.dataframe[0].value
    assert name not in set(table.iloc[:, 1])  # no rate for it
    assert len(table) == (2 if level == "msoa" else 1)


def test_map_explains_when_every_chosen_area_lacks_a_figure(exceeding_env):
    at = run_view(
        "published_map.py",
        pub_map_level="borough",
        pub_age_bands=["60-64"],
        pub_boroughs=["E09000007"],
    )
    assert not at.exception, [e.value for e in at.exception]
    assert "Camden" in _exceeding_warning(at)
    assert any("No area of this choice has a figure" in i.value for i in at.info)


@pytest.mark.parametrize("bands", [["60-64"], []])
def test_compare_leaves_out_an_area_with_more_vaccinated_than_people(exceeding_env, bands):
    at = run_view("published_compare.py", pub_compare_level="msoa", pub_age_bands=bands)
    assert not at.exception, [e.value for e in at.exception]
    assert "Camden 001" in _exceeding_warning(at)
    shown = sorted(at.dataframe[0].value["MSOA"])
    if bands:
        assert shown == ["Barnet 001", "Barnet 002"]
    else:  # Barnet 002's 80+ cell is unreadable (#VALUE!)
        assert any("Barnet 002" in w.value and "unreadable" in w.value for w in at.warning)
        assert shown == ["Barnet 001"]
    # Bands without the bad cells: every MSOA is compared.
    at = run_view("published_compare.py", pub_compare_level="msoa", pub_age_bands=["Under 60"])
    assert not at.exception and not at.warning
    assert len(at.dataframe[0].value) == 3
