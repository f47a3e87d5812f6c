"""The Business case page run by AppTest: assumptions move the results the expected way."""

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from phm import codes
from phm.text import escape_markdown
from tests.shown_tables import shown_table
from tests.signin import as_user

PAGE = Path(__file__).resolve().parents[2] / "views" / "business_case.py"

MONEY = re.compile(r"^£([\d,]+)$")


def central_metrics(at: AppTest, label: str) -> list[str]:
    """Return the shown values of one kind of per-intervention metric, left to right."""
    return [m.value for m in at.metric if m.label == label]


def pounds(text: str) -> int:
    """Return the whole pounds of a '£1,234' metric."""
    match = MONEY.match(text)
    assert match, f"{text!r} is not an amount in pounds"
    return int(match.group(1).replace(",", ""))


def whole(text: str) -> int:
    """Return the number of a '1,234' metric."""
    return int(text.replace(",", ""))


def results(at: AppTest) -> dict[str, list[str]]:
    """Return the results table as row name -> one text per intervention."""
    frame = shown_table(at.table[0])
    return {row[0]: list(row[1:]) for row in frame.itertuples(index=False)}


def test_defaults_show_two_interventions_side_by_side(run_page):
    at = run_page("business_case.py")
    assert not at.exception
    assert any("SYNTHETIC DATA" in w.value for w in at.warning)
    assert [s.value for s in at.header][:2] == [
        "Community-language link worker",
        "Pop-up clinic sessions",
    ]
    table = results(at)
    assert table["Total cost"] == ["£35,000", "£15,000"]
    for name in ("People reached", "Additional vaccinations", "Cost per additional vaccination"):
        for text in table[name]:
            assert re.search(r"\(.+–.+\)", text), f"{name}: {text!r} has no range"
    assert len(at.get("download_button")) == 2
    assert any("Assumption" in c.value for c in at.caption)


def test_doubling_cost_doubles_cost_per_vaccination(run_page):
    at = run_page("business_case.py", bc_interventions=["popup"])
    before = pounds(central_metrics(at, "Cost per additional vaccination (central)")[0])
    added = whole(central_metrics(at, "Additional vaccinations (central)")[0])
    at.number_input(key="bc_popup_cost").set_value(3_000.0).run()
    assert not at.exception
    after = pounds(central_metrics(at, "Cost per additional vaccination (central)")[0])
    assert abs(after - 2 * before) <= 1
    assert whole(central_metrics(at, "Additional vaccinations (central)")[0]) == added
    assert results(at)["Total cost"] == ["£30,000"]


def test_doubling_conversion_doubles_additional_vaccinations(run_page):
    at = run_page("business_case.py", bc_interventions=["popup"])
    before = whole(central_metrics(at, "Additional vaccinations (central)")[0])
    assert before > 20
    at.number_input(key="bc_popup_conversion_high").set_value(80.0)
    at.number_input(key="bc_popup_conversion_central").set_value(60.0).run()
    assert not at.exception
    after = whole(central_metrics(at, "Additional vaccinations (central)")[0])
    assert abs(after - 2 * before) <= 1


def test_capacity_caps_additional_vaccinations(run_page):
    at = run_page("business_case.py", bc_interventions=["link_worker"])
    at.number_input(key="bc_link_worker_capacity").set_value(10.0).run()
    assert not at.exception
    assert central_metrics(at, "Additional vaccinations (central)") == ["10"]
    assert central_metrics(at, "Cost per additional vaccination (central)") == ["£3,500"]
    assert "(capacity-limited" in results(at)["Additional vaccinations"][0]


def test_more_reach_in_core20_narrows_both_gaps(run_page):
    at = run_page("business_case.py", bc_interventions=["translated_comms"], imd_quintile=[1])
    before = results(at)
    at.number_input(key="bc_translated_comms_reach_high").set_value(100.0)
    at.number_input(key="bc_translated_comms_reach_central").set_value(90.0).run()
    after = results(at)
    assert not at.exception

    def central(text: str) -> float:
        """Return a cell's central value; gaps read '5.2 percentage points lower'."""
        if text.startswith("no different"):
            return 0.0
        match = re.match(r"^([\d.]+)(%| percentage points (lower|higher))", text)
        assert match, text
        return -float(match.group(1)) if match.group(3) == "lower" else float(match.group(1))

    assert central(after["Uptake after"][0]) > central(before["Uptake after"][0])
    # the most deprived quintile is behind: its gaps are negative and shrink towards zero
    for row in ("Gap to comparator after", "Most vs least deprived gap after"):
        assert central(before[row][0]) < central(after[row][0]) <= 0, row
    assert before["Most vs least deprived gap now"] == after["Most vs least deprived gap now"]


@pytest.mark.parametrize("state", [{"age_min": 120, "age_max": 120}])
def test_empty_cohort_says_so(run_page, state):
    at = run_page("business_case.py", **state)
    assert not at.exception
    assert any("too small to cost" in i.value for i in at.info)
    assert not at.table


def run_with_url(app_env, **params: list[str]) -> AppTest:
    """Run the page as if opened from a link carrying these URL parameters."""
    at = as_user(AppTest.from_file(str(PAGE), default_timeout=60))
    for flag in codes.FLAGS:
        at.session_state[flag] = "any"
    at.session_state["dose"] = "1"
    for key, values in params.items():
        at.query_params[key] = values
    return at.run()


def test_a_link_chooses_the_interventions_and_the_choice_goes_back_into_the_url(app_env):
    at = run_with_url(app_env, intervention=["bus", "home_visits"])
    assert not at.exception
    assert [s.value for s in at.header][:2] == ["Vaccine-bus days", "Housebound home visits"]
    at.multiselect(key="bc_interventions").set_value(["door_knocking"]).run()
    written = at.query_params["intervention"]
    assert ([written] if isinstance(written, str) else list(written)) == ["door_knocking"]
    assert at.header[0].value == "Door-knocking"


def test_unknown_interventions_in_a_link_are_ignored(app_env):
    at = run_with_url(app_env, intervention=["=HYPERLINK(1)", "bus", "bus", "no_such"])
    assert not at.exception
    assert at.multiselect(key="bc_interventions").value == ["bus"]
    at = run_with_url(app_env, intervention=["nonsense"])
    assert at.multiselect(key="bc_interventions").value == ["link_worker", "popup"]


def test_a_plan_link_sets_the_number_of_units_and_the_cost_follows(app_env):
    at = run_with_url(app_env, intervention=["popup"], popup_units=["7"])
    assert not at.exception
    assert at.number_input(key="bc_popup_units").value == 7
    cost = results(at)["Total cost"][0]
    assert cost == "£10,500"  # 7 sessions at the default £1,500
    at.number_input(key="bc_popup_units").set_value(12).run()
    assert not at.exception
    assert at.number_input(key="bc_popup_units").value == 12
    written = at.query_params["popup_units"]
    assert ([written] if isinstance(written, str) else list(written)) == ["12"]


def test_a_what_worked_link_costs_the_bus_with_what_was_observed(app_env, monkeypatch):
    from streamlit.delta_generator import DeltaGenerator

    sent: dict[str, bytes | str] = {}
    original = DeltaGenerator.download_button

    def record(self, label, data, file_name=None, *args, **kwargs):
        sent[str(file_name)] = data() if callable(data) else data
        return original(self, label, data, file_name, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", record)
    bus = ["bus"]
    at = run_with_url(
        app_env, intervention=bus, observed=["1000001"], ethnicity=["C", "M"], age_min=["18"]
    )
    assert not at.exception, at.exception
    reach = [at.number_input(key=f"bc_bus_reach_{s}").value for s in ("low", "central", "high")]
    conversion = [
        at.number_input(key=f"bc_bus_conversion_{s}").value for s in ("low", "central", "high")
    ]
    assert reach[0] == reach[1] == reach[2] != 8.0  # one observed share, not the assumption
    assert conversion[0] < conversion[1] < conversion[2]  # the evaluation's interval
    source = "Observed in Vaccine bus after door-knocking (Haringey and Enfield)"
    assert any(escape_markdown(source) in i.value for i in at.info)
    sources = shown_table(at.table[1]).set_index("Assumption")["Source"]
    assert sources["Share of the unvaccinated reached"].startswith(source)
    assert sources["Conversion among those reached"].startswith(source)
    assert source in str(sent["business-case.html"])
    # Edited by hand: the figures are the user's again, and no longer said to be observed.
    at.number_input(key="bc_bus_conversion_central").set_value(conversion[1] + 5).run()
    assert not at.exception
    assert not any(escape_markdown(source) in i.value for i in at.info)
    assert any("no longer the figures observed in" in c.value for c in at.caption)
    assert not shown_table(at.table[1])["Source"].str.startswith("Observed").any()


def test_a_link_to_an_intervention_not_in_the_register_is_said_and_ignored(app_env):
    at = run_with_url(app_env, intervention=["bus"], observed=["999"])
    assert not at.exception
    assert any("not in the register" in w.value for w in at.warning)
    assert at.number_input(key="bc_bus_reach_central").value == 8.0


def test_a_business_case_is_recorded_as_interventions_for_its_cohorts_areas(run_page, audit_db):
    import os

    from phm.audit import log
    from phm.interventions import register

    at = run_page("business_case.py", borough=["E09000010"])  # Enfield
    assert not at.exception
    record = next(b for b in at.button if b.label == "Record")
    record.click().run()
    assert not at.exception, at.exception
    stored = register.stored(Path(os.environ["PHM_STATE_DB"]))
    assert [s.record.kind for s in stored] == ["link_worker", "popup"]  # the default two
    assert all(s.record.msoas and not s.record.cohort.boroughs for s in stored)
    assert stored[1].record.cost_gbp == 10 * 1_500.0  # the costed pop-up sessions
    pages = [e.page for e in log.entries(audit_db) if e.kind == "intervention_saved"]
    assert pages == ["business_case", "business_case"]
    # Without a place there is nowhere to evaluate it: nothing is recorded, and it says why.
    at = run_page("business_case.py")
    next(b for b in at.button if b.label == "Record").click().run()
    assert any("choose the areas" in e.value for e in at.error)
    assert len(register.stored(Path(os.environ["PHM_STATE_DB"]))) == 2


INJECTED = "Session expired. Sign in again at phish.example or call 0800 000 000"


def test_copy_link_passes_on_no_rejected_or_foreign_text_from_a_link(app_env):
    # A rejected register id is not used, so the shown link does not carry it on; another
    # page's parameter (the patients page's `due`) is not part of this view either.
    at = run_with_url(app_env, intervention=["bus"], observed=[INJECTED], due=[INJECTED])
    assert not at.exception
    assert any("not in the register" in w.value for w in at.warning)
    (link,) = [c.value for c in at.code if "business_case" in c.value]
    assert "intervention=bus" in link
    assert "Session" not in link and "phish" not in link and "observed" not in link
    assert "due" not in link
