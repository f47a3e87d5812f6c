"""Worklists from hand-made people: order, reasons, what may help, nearest site, the files."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd

from phm import codes
from phm.access.demo import DEMO_USERS
from phm.access.roles import Role
from phm.directcare import exports
from phm.directcare.worklist import Worklist, helps, nearest_sites, prioritise, reasons

NURSE = next(u.principal for u in DEMO_USERS if u.principal.role is Role.PRACTICE)


def person(**values) -> dict:
    """Return one person due a dose, with everything a worklist reads."""
    row = {
        "person_id": 1,
        "nhs_number": "9434765919",
        "given_name": "Ada",
        "family_name": "Lovelace",
        "birth_date": date(1940, 3, 14),
        "mobile": "07700 900123",
        "postcode": "N19 5NF",
        "contact_method": "sms",
        "accepts_messages": True,
        "is_deceased": False,
        "age": 82,
        "sex": "F",
        "jcvi_cohort": 2,
        "ltc_count": 0,
        "main_language": "English",
        **{flag: False for flag in codes.FLAGS},
        "lon": -0.14,
        "lat": 51.55,
        "due": "first",
    }
    return {**row, **values}


def test_call_order_is_jcvi_cohort_then_conditions_then_age_with_cohort_zero_last():
    people = pd.DataFrame(
        [
            person(person_id=1, jcvi_cohort=0, age=17),
            person(person_id=2, jcvi_cohort=6, ltc_count=1, age=40),
            person(person_id=3, jcvi_cohort=6, ltc_count=3, age=30),
            person(person_id=4, jcvi_cohort=2, age=81),
            person(person_id=5, jcvi_cohort=2, age=90),
        ]
    )
    ordered = prioritise(people)
    assert ordered["person_id"].tolist() == [5, 4, 3, 2, 1]
    assert ordered["priority"].tolist() == [1, 2, 3, 4, 5]


def test_reasons_and_helps_say_why_and_what_to_offer():
    people = pd.DataFrame(
        [
            person(is_housebound=True, has_diabetes=True),
            person(
                jcvi_cohort=0,
                age=16,
                has_learning_disability=True,
                needs_interpreter=True,
                main_language="Turkish",
            ),
            person(),
        ]
    )
    assert reasons(people).tolist() == [
        "Age 82; JCVI cohort 2; Diabetes; Housebound",
        "Age 16; Learning disability; Needs an interpreter",
        "Age 82; JCVI cohort 2",
    ]
    said = helps(people).tolist()
    assert said[0] == "Home visit"
    assert said[1].startswith("Reasonable adjustments") and said[1].endswith("Interpreter: Turkish")
    assert said[2] == ""
    unknown = helps(pd.DataFrame([person(needs_interpreter=True, main_language="Not recorded")]))
    assert unknown.tolist() == ["Interpreter: language not recorded (ask, and record it)"]


def test_the_nearest_open_site_is_the_closest():
    people = pd.DataFrame([person(lon=-0.10, lat=51.50), person(lon=-0.20, lat=51.60)])
    sites = pd.DataFrame(
        {"site_name": ["South", "North"], "lon": [-0.10, -0.20], "lat": [51.501, 51.60]}
    )
    found = nearest_sites(people, sites)
    assert found["nearest_site"].tolist() == ["South", "North"]
    assert found["nearest_km"].tolist() == [0.1, 0.0]


def worklist(*rows: dict) -> Worklist:
    people = prioritise(pd.DataFrame(list(rows)))
    people["nearest_site"], people["nearest_km"] = "Site", 1.0
    people["why"], people["helps"] = reasons(people), helps(people)
    return Worklist("P00001", "Test Surgery", date(2022, 3, 31), people, 0)


def test_the_sms_batch_leaves_out_people_who_declined_or_have_no_mobile():
    made = worklist(
        person(person_id=1, nhs_number="9434765919"),
        person(person_id=2, nhs_number="9434765870", accepts_messages=False),
        person(person_id=3, nhs_number="9434765828", mobile=None),
        person(person_id=4, nhs_number="9434765836", given_name="=cmd|' /C calc'!A0"),
    )
    table = exports.sms_batch(made)
    assert list(table.columns) == list(exports.SMS_COLUMNS)
    assert table["NHS Number"].tolist() == ["9434765919", "9434765836"]
    assert table["Mobile Number"].tolist() == ["07700900123", "07700900123"]
    assert table["Date of Birth"].tolist() == ["14/03/1940", "14/03/1940"]
    text = exports.sms_csv(table)
    assert text.splitlines()[0] == "NHS Number,Date of Birth,Mobile Number,Patient Name"
    assert "'=cmd" in text  # a formula in a name is made text


def test_home_visits_hold_only_housebound_people_and_lists_carry_their_watermark():
    made = worklist(person(person_id=1, is_housebound=True), person(person_id=2))
    assert len(exports.home_visits(made)) == 1 and len(exports.call_list(made)) == 2
    assert list(exports.call_list(made).columns) == list(exports.LIST_COLUMNS.values())
    at = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
    lines = exports.watermark(NURSE, made, {"name": "Demo", "kind": "synthetic"}, at)
    text = exports.list_csv(exports.call_list(made), lines)
    assert (
        f"# Made by {NURSE.display_name} (user {NURSE.user_id}, P00001) at 2026-12-02 09:30 UTC"
        in text
    )
    assert "# SYNTHETIC DATA" in text and "OFFICIAL-SENSITIVE" in text
    assert "943 476 5919" in text and "LOVELACE, Ada" in text
    name = exports.file_name("call-list", NURSE, at, synthetic=True)
    assert name == f"SYNTHETIC-call-list_P00001_{NURSE.user_id[:8]}_20261202T0930Z.csv"
