"""The interventions register (phm.interventions): records, the state database, its table."""

import json
from datetime import date

import pytest

from phm.cohort import Cohort
from phm.interventions import register
from phm.interventions.record import META_KEY, RecordedIntervention, dumps, loads
from phm.output.exports import neutralise_formulas


def bus(**changes: object) -> RecordedIntervention:
    values: dict = dict(
        name="Bus in Tottenham",
        kind="bus",
        msoas=("E02000411", "E02000407"),
        site_id="",
        start=date(2021, 10, 4),
        end=date(2021, 11, 14),
        cohort=Cohort(ethnicities=("C", "M"), age_min=18),
        cost_gbp=36_000.0,
        note="after door-knocking",
    )
    values.update(changes)
    return RecordedIntervention(**values)


def test_a_record_goes_to_json_and_back_unchanged():
    record = bus(msoas=("E02000407", "E02000411"))
    assert RecordedIntervention.from_json(record.to_json()) == record
    assert loads(dumps([record, record])) == [record, record]
    assert record.to_json()["cohort"] == {"ethnicity": ["C", "M"], "age_min": "18"}


def test_the_target_is_the_cohort_in_its_areas_and_weeks_count_mondays():
    record = bus()
    assert record.target().msoas == ("E02000407", "E02000411")
    assert record.target().ethnicities == ("C", "M")
    assert record.weeks == 6  # Mon 4 Oct to Sun 14 Nov 2021
    assert bus(start=date(2021, 10, 3), end=date(2021, 10, 4)).weeks == 2  # a Sunday, a Monday


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": " "}, "name"),
        ({"kind": "rocket"}, "kind"),
        ({"msoas": (), "site_id": ""}, "say where"),
        ({"msoas": ("E02'; DROP",)}, "malformed"),
        ({"end": date(2021, 10, 1)}, "before the start"),
        ({"cost_gbp": -1.0}, "cost"),
        ({"cost_gbp": float("nan")}, "cost"),
        ({"cohort": Cohort(boroughs=("E09000014",))}, "not in the cohort"),
        ({"note": "x" * 1001}, "note"),
    ],
)
def test_bad_records_are_refused_with_a_reason(changes, message):
    with pytest.raises(ValueError, match=message):
        bus(**changes)


def test_json_that_is_not_a_record_is_refused():
    with pytest.raises(ValueError, match="not an intervention record"):
        RecordedIntervention.from_json({"name": "x"})
    broken = bus().to_json() | {"cohort": {"ethnicity": ["nonsense"]}}
    with pytest.raises(ValueError, match="Ignored"):
        RecordedIntervention.from_json(broken)


def test_the_register_adds_changes_and_removes_without_deleting(tmp_path):
    path = tmp_path / "state.sqlite"
    assert register.stored(path) == []
    first = register.add(path, bus(), "user-a")
    second = register.add(path, bus(name="Second bus"), "user-b")
    assert [i.id for i in register.stored(path)] == [first, second]
    register.update(path, first, bus(name="Bus, corrected"), "user-b")
    assert register.stored(path)[0].record.name == "Bus, corrected"
    assert register.stored(path)[0].recorded_by == "user-b"
    register.remove(path, second, "user-a")
    assert [i.id for i in register.stored(path)] == [first]
    with pytest.raises(KeyError):
        register.remove(path, second, "user-a")
    with pytest.raises(KeyError):
        register.update(path, 999, bus(), "user-a")
    import sqlite3

    rows = sqlite3.connect(path).execute("SELECT id, removed FROM intervention").fetchall()
    assert rows == [(first, 0), (second, 1)]  # removed, kept


def test_only_users_records_are_stored(tmp_path):
    with pytest.raises(ValueError, match="recorded by users"):
        register.add(tmp_path / "s.sqlite", bus(source="synthetic dataset"), "user-a")


def test_the_datasets_own_interventions_are_listed_first_and_read_only(tmp_path):
    path = tmp_path / "state.sqlite"
    register.add(path, bus(name="Mine"), "user-a")
    meta = {META_KEY: dumps([bus(name="Planted", source="synthetic dataset")]), "built_at": "x"}
    items = register.listed(path, meta)
    assert [(i.record.name, i.editable) for i in items] == [("Planted", False), ("Mine", True)]
    assert items[0].id > register.DATASET_ID_BASE
    assert register.listed(path, {}) == items[1:]


def test_the_table_keeps_user_text_as_data_and_exports_neutralised():
    item = register.Listed(
        1, bus(name="=HYPERLINK(1)", note="**bold**"), "u", "2021-10-01T00", True
    )
    shown = register.table([item])
    assert list(shown.columns) == list(register.TABLE_COLUMNS)
    assert shown.at[0, "Name"] == "=HYPERLINK(1)" and shown.at[0, "Note"] == "**bold**"
    assert shown.at[0, "Kind"] == "Vaccine-bus days"
    assert json.loads(shown.at[0, "For whom (codes)"]) == {"age_min": "18", "ethnicity": ["C", "M"]}
    assert neutralise_formulas(shown).at[0, "Name"] == "'=HYPERLINK(1)"
