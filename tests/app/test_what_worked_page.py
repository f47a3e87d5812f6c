"""The What worked page run by AppTest against the tiny demo: register, recording, evaluation."""

import csv
import io
import os
from pathlib import Path

import duckdb

from phm.access import Role
from phm.analysis import what_worked as W
from phm.audit import log
from phm.interventions import evaluate as E
from phm.interventions import register
from phm.interventions.record import META_KEY, loads
from phm.synth.interventions import PLANTED
from tests.shown_tables import shown_table
from tests.signin import demo_user


def test_the_register_lists_the_demos_interventions_and_evaluates_them(
    run_page, tiny_db, downloads
):
    at = run_page("what_worked.py")
    assert not at.exception
    assert [s.value for s in at.header] == ["Interventions register", "Evaluate"]
    names = list(at.dataframe[0].value["Name"])
    assert names == [p.name for p in PLANTED]
    assert set(at.dataframe[0].value["Source"]) == {"synthetic dataset"}
    side = shown_table(at.table[0])
    assert list(side.columns) == list(W.SIDE_BY_SIDE_COLUMNS)
    assert list(side["Intervention"]) == names
    # The CSV: labelled synthetic, every intervention, user text neutralised.
    sent = downloads["interventions-register.csv"]
    assert "SYNTHETIC DATA" in sent
    body = "\n".join(line for line in sent.splitlines() if not line.startswith("#"))
    rows = list(csv.reader(io.StringIO(body)))
    assert [r[1] for r in rows[1:]] == names
    # The first (the bus) has its summary, a chart and its method.
    assert any(
        "additional first doses" in m.value or "fewer than 50" in m.value for m in at.markdown
    )


def test_an_intervention_is_recorded_audited_listed_and_removed(run_page, app_env, audit_db):
    at = run_page("what_worked.py", principal=demo_user(Role.PLANNER))
    with duckdb.connect(str(app_env), read_only=True) as con:
        msoas = loads(
            con.execute("SELECT value FROM dataset_meta WHERE key = ?", [META_KEY]).fetchone()[0]
        )[0].msoas
    at.text_input[0].set_value("**Bus** =HYPERLINK(1)")
    at.multiselect[0].set_value(list(msoas))
    at.multiselect[1].set_value(["C"])
    at.number_input[0].set_value(5000.0)
    at.button[0].click().run()
    assert not at.exception, at.exception
    state = Path(os.environ["PHM_STATE_DB"])  # set by app_env for this test
    mine = register.stored(state)
    assert [i.record.name for i in mine] == ["**Bus** =HYPERLINK(1)"]
    assert mine[0].record.cohort.ethnicities == ("C",)
    kinds = [e.kind for e in log.entries(audit_db)]
    assert "intervention_saved" in kinds
    at.run()
    assert "**Bus** =HYPERLINK(1)" in list(at.dataframe[0].value["Name"])
    # The side-by-side table is Markdown: the typed name is escaped there and reads literally.
    # The side-by-side table is Markdown: the typed name is escaped there and reads literally.
    at.multiselect(key="ww_chosen").set_value([mine[0].id]).run()
    assert not at.exception, at.exception
    assert list(shown_table(at.table[0])["Intervention"]) == ["**Bus** =HYPERLINK(1)"]
    assert list(at.table[0].value["Intervention"]) == [r"\*\*Bus\*\* =HYPERLINK\(1\)"]
    # Removed: gone from the list, audited (kept in the file: see the unit tests).
    at.button(key="remove_intervention").click().run()
    assert register.stored(state) == []
    assert "intervention_removed" in [e.kind for e in log.entries(audit_db)]


def test_roles_without_the_capability_see_no_recording_form(run_page):
    at = run_page("what_worked.py", principal=demo_user(Role.PROGRAMME_LEAD))
    assert not at.exception
    assert not at.text_input and not any(b.label == "Record" for b in at.button)


def test_with_no_comparison_areas_chosen_each_is_its_own_comparison(run_page):
    at = run_page("what_worked.py")
    at.radio(key="ww_mode").set_value("chosen").run()
    assert not at.exception
    methods = set(shown_table(at.table[0])["Method"]) - {""}
    assert methods <= {E.METHODS["its"]}
    matched = shown_table(run_page("what_worked.py").table[0])
    assert E.METHODS["did"] in set(matched["Method"])


def test_the_chart_sends_only_what_it_draws(run_page):
    from tests.chart_fields import sent_vega_lite, unused_altair_columns

    at = run_page("what_worked.py")
    charts = at.get("vega_lite_chart")
    assert charts
    for chart in charts:
        assert unused_altair_columns(sent_vega_lite(chart.proto)) == {}


def test_an_evaluated_intervention_offers_its_observed_figures_to_the_business_case(run_page):
    at = run_page("what_worked.py")
    assert not at.exception
    assert any(m.value == "**Use what we observed**" for m in at.markdown)
    assert any("Share reached" in m.value and "Conversion" in m.value for m in at.markdown)
    links = [link.proto for link in at.get("page_link") if "observed figures" in link.proto.label]
    assert len(links) == 1
    assert links[0].page.endswith("business_case") or "business_case" in links[0].page
    assert "observed=1000001" in links[0].query_string
    assert "intervention=bus" in links[0].query_string
