"""The Data quality page run by AppTest against the tiny demo."""

import duckdb

from phm import disclosure, settings
from phm.access import Role
from phm.analysis import quality
from phm.cohort import Cohort
from phm.queries.quality import completeness
from tests.app.conftest import demo_user


def rule() -> disclosure.DisclosureRule:
    return disclosure.rule_for(
        "synthetic", settings.get_int("PHM_SUPPRESS_BELOW"), settings.get_int("PHM_ROUND_TO")
    )


def expected(db, level: str):
    with duckdb.connect(str(db), read_only=True) as con:
        return quality.protect_completeness(completeness(con, Cohort(), level), rule())


def test_page_ranks_practices_and_opens_the_worst_practices_feedback(run_page, tiny_db):
    at = run_page("quality.py")
    assert not at.exception
    assert any("SYNTHETIC DATA" in w.value for w in at.warning)
    assert [t.label for t in at.tabs] == [
        "Practices",
        "PCNs and boroughs",
        "Linkage",
        "Sensitivity",
        "Practice feedback",
    ]
    ics = expected(tiny_db, "ics")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[quality.MEASURE_LABELS["ethnicity_gp"]] == (
        f"{quality.ics_value(ics, 'ethnicity_gp'):.1f}%"
    )
    practices = expected(tiny_db, "practice")
    ranked = next(d.value for d in at.dataframe if "Against the ICS" in d.value.columns)
    want = quality.ranked(practices, "ethnicity_gp")
    assert ranked["Area"].tolist() == want["Area"].tolist()
    assert ranked["Completeness"].tolist() == want["Completeness"].tolist()
    assert any(v.startswith("lower") for v in ranked["Against the ICS"])
    worst = quality.worst_area(practices)
    assert worst is not None and ranked["Area"].iat[0] == worst[1]
    assert at.selectbox(key="dq_practice").value == worst[0]
    assert any(s.value == f"Recording feedback: {worst[1]}" for s in at.header)
    sensitivity = next(d.value for d in at.dataframe if "Finding" in d.value.columns)
    assert set(sensitivity["Finding"]) <= {
        "reference (highest uptake as recorded)",
        "could be an artefact of missing ethnicity",
        "holds under every assumption",
    }
    assert any("could be an artefact" in v or "holds" in v for v in sensitivity["Finding"].tolist())


def test_choosing_first_language_ranks_by_its_completeness(run_page, tiny_db):
    at = run_page("quality.py")
    at.selectbox(key="dq_measure").set_value("language").run()
    assert not at.exception
    ranked = next(d.value for d in at.dataframe if "Against the ICS" in d.value.columns)
    want = quality.ranked(expected(tiny_db, "practice"), "language")
    assert ranked["Area"].tolist() == want["Area"].tolist()


def test_a_practice_user_sees_only_their_own_practice(run_page):
    at = run_page("quality.py", principal=demo_user(Role.PRACTICE))
    assert not at.exception
    ranked = next(d.value for d in at.dataframe if "Against the ICS" in d.value.columns)
    assert len(ranked) == 1


def test_finder_flags_findings_about_poorly_recorded_characteristics(run_page):
    at = run_page("targets.py", targets_level="borough", targets_by=["main_language"])
    assert not at.exception
    caveats = [c.value for c in at.caption if "Low completeness" in c.value]
    assert caveats, "the demo's first language is recorded for about 82%: its findings flagged"
    assert all("first language" in c or "ethnicity" in c for c in caveats)


def test_explore_by_first_language_warns_of_low_completeness(run_page):
    at = run_page("explore.py", explore_by="main_language", explore_then="nothing")
    assert not at.exception
    assert any("first language is recorded for only" in w.value for w in at.warning)
    at = run_page("explore.py", explore_by="age_band", explore_then="nothing")
    assert not any("Low completeness" in w.value for w in at.warning)
