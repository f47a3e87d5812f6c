"""The finder's default list, its settings in the URL, and its comparator beside the business case."""

import re
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from phm import codes, disclosure, queries, settings
from phm.analysis import targeting
from phm.cohort import Cohort
from tests.signin import as_user

VIEWS = Path(__file__).resolve().parents[2] / "views"
FINDING = re.compile(r"^\*\*(\d+)\.\*\* (.+)$")


def rule() -> disclosure.DisclosureRule:
    """Return the rule the app applies to a synthetic dataset under the current environment."""
    return disclosure.rule_for(
        "synthetic", settings.get_int("PHM_SUPPRESS_BELOW"), settings.get_int("PHM_ROUND_TO")
    )


def sentences(at: AppTest) -> list[str]:
    """Return the findings as the page shows them."""
    return [m.group(2) for m in (FINDING.match(x.value) for x in at.markdown) if m]


def link_of(at: AppTest) -> dict[str, list[str]]:
    """Return the URL the page left, as lists of values."""
    return {k: [v] if isinstance(v, str) else list(v) for k, v in at.query_params.items()}


def app(page: str, params: dict[str, list[str]] | None = None, **state: object) -> AppTest:
    """Return a page run with the cohort picker's defaults, URL parameters and state."""
    at = as_user(AppTest.from_file(str(VIEWS / page), default_timeout=90))
    for key, value in {**dict.fromkeys(codes.FLAGS, "any"), "dose": "1", **state}.items():
        at.session_state[key] = value
    for key, values in (params or {}).items():
        at.query_params[key] = values
    return at.run()


def test_default_findings_are_communities_at_most_two_per_place(app_env):
    at = app("targets.py", targets_min_size=20)
    assert not at.exception
    shown = sentences(at)
    assert shown, "the default finder lists no findings on the tiny demo"
    cohort = Cohort(age_min=18)
    with duckdb.connect(str(app_env), read_only=True) as con:
        found = targeting.scan_cohort(
            con, cohort, "msoa", 20, queries.filter_options(con)["languages"], rule()
        )
    # Every group clearly below the comparator, uncapped: look each shown finding up in it.
    every = targeting.rank_choice(found, targeting.Choice(distinct=False, top=10_000), 20, rule())
    findings = targeting.present(every, cohort, "msoa", found.overall_rate, rule())
    by_text = {
        f.sentence(""): (f, row) for f, (_, row) in zip(findings, every.iterrows(), strict=True)
    }
    totals = disclosure.protect(found.place_totals, rule()).set_index("place_code")["population"]
    per_place: dict[str, int] = {}
    for text in shown:
        key = next(k for k in by_text if text.startswith(k.split(": ")[0] + ":"))
        _finding, row = by_text[key]
        share = float(row["population"]) / float(totals[row["place_code"]])
        assert share <= targeting.MAX_SHARE_OF_PLACE, f"{text!r} is {share:.0%} of its place"
        per_place[row["place_code"]] = per_place.get(row["place_code"], 0) + 1
    assert max(per_place.values()) <= targeting.PER_PLACE
    # The toggle brings the area-like groups back, and says what the default leaves out.
    assert any("at most 2" in m.value for m in at.markdown)
    at.toggle(key="targets_areas").set_value(True).run()
    assert not at.exception
    assert sentences(at) != shown


def test_when_every_group_is_most_of_its_place_the_list_says_so_and_shows_them(app_env):
    # Adults in the tiny demo's MSOAs number about 80: any group of 50 is most of its place.
    at = app("targets.py", targets_min_size=50)
    assert not at.exception
    assert sentences(at), "the fallback lists the area-like groups"
    assert any("area-like groups are listed too" in m.value for m in at.markdown)
    at.toggle(key="targets_areas").set_value(True).run()
    assert not any("area-like groups are listed too" in m.value for m in at.markdown)


def test_lowest_uptake_order_sorts_by_shown_uptake(app_env):
    at = app("targets.py", targets_min_size=20, targets_order="uptake")
    assert not at.exception
    rates = [float(re.search(r": ([\d.]+)% \(", s).group(1)) for s in sentences(at)]
    assert rates and rates == sorted(rates)


def test_every_finder_setting_survives_a_reload_from_the_link(app_env):
    at = app("targets.py")
    at.segmented_control(key="targets_level").set_value("borough").run()
    at.number_input(key="targets_min_size").set_value(30).run()
    at.multiselect(key="targets_by").set_value(["main_language", "flags"]).run()
    at.segmented_control(key="targets_order").set_value("uptake").run()
    at.toggle(key="targets_areas").set_value(True).run()
    at.toggle(key="targets_adults").set_value(False).run()
    assert not at.exception
    link = link_of(at)
    assert {k: v for k, v in link.items() if k.startswith("find_")} == {
        "find_level": ["borough"],
        "find_min": ["30"],
        "find_by": ["main_language", "flags"],
        "find_order": ["uptake"],
        "find_distinct": ["1"],
        "find_adults": ["0"],
    }
    again = app("targets.py", params=link)
    assert not again.exception
    assert again.segmented_control(key="targets_level").value == "borough"
    assert again.number_input(key="targets_min_size").value == 30
    assert again.multiselect(key="targets_by").value == ["main_language", "flags"]
    assert again.segmented_control(key="targets_order").value == "uptake"
    assert again.toggle(key="targets_areas").value is True
    assert again.toggle(key="targets_adults").value is False
    assert sentences(again) == sentences(at)


def test_explore_settings_survive_a_reload_from_the_link(app_env):
    at = app("explore.py")
    at.selectbox(key="explore_by").set_value("ethnic_group").run()
    at.selectbox(key="explore_sort").set_value("uptake").run()
    link = link_of(at)
    assert link["by"] == ["ethnic_group"] and link["sort"] == ["uptake"]
    again = app("explore.py", params=link)
    assert again.selectbox(key="explore_by").value == "ethnic_group"
    assert again.selectbox(key="explore_sort").value == "uptake"
    assert not app("explore.py", params={"by": ["=cmd()"]}).exception


@pytest.fixture
def turkish_place(app_env) -> tuple[str, str]:
    """Return the level's cohort key and the place with most Turkish-speaking adults.

    On the full-scale demo this is one MSOA (Enfield 021); the tiny demo has too few people
    in any MSOA to cost, so the group is taken in its borough, which the same rule covers.
    """
    with duckdb.connect(str(app_env), read_only=True) as con:
        ((borough,),) = con.execute(
            "SELECT l.lad_code FROM person p JOIN lsoa l USING (lsoa_code)"
            " WHERE p.main_language = 'Turkish' GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
        ).fetchall()
    return "borough", borough


def test_finder_and_business_case_give_the_same_comparator(app_env, turkish_place):
    key, place = turkish_place
    state = {"language": ["Turkish"], key: [place]}
    finder = app("targets.py")  # a finding's Cost link opens the business case of its group
    assert not finder.exception
    said = next(m.value for m in finder.markdown if "with 95% confidence" in m.value)
    figure = re.search(r"lower than ([\d.]+% for adults \(18 and over\) across [^,]+) with", said)
    assert figure, said
    case = app("business_case.py", age_min=18, **state)
    assert not case.exception
    metric = next(m for m in case.metric if m.label == "Uptake of the comparator")
    assert metric.help.startswith("Adults (18 and over) across")  # named in the metric's help
    assert figure.group(1).startswith(f"{metric.value} for adults (18 and over)")
    assert any(figure.group(1) in c.value for c in case.caption)
    # With no age filter the business case compares with everyone, and says so.
    everyone = app("business_case.py", **state)
    metric = next(m for m in everyone.metric if m.label == "Uptake of the comparator")
    assert metric.help.startswith("Everyone (all ages)")
