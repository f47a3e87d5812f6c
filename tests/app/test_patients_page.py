"""The practice's Patients to invite page: its own list only, reasons, worklists, audited exports."""

from __future__ import annotations

from dataclasses import replace

import duckdb
import pandas as pd

from phm.access import Role
from phm.access.demo import DEMO_PRACTICE
from phm.audit import log
from phm.directcare.exports import SMS_COLUMNS
from tests.signin import demo_user

NURSE = demo_user(Role.PRACTICE)


def identities(db, practice: str | None = None) -> pd.DataFrame:
    """Return the identity table of the test database (one practice's rows when named)."""
    with duckdb.connect(str(db), read_only=True) as con:
        frame = con.execute("SELECT * FROM identity").df()
    return frame if practice is None else frame[frame["practice_code"] == practice]


def shown_nhs_numbers(at) -> set[str]:
    """Return every NHS number in the page's tables, as 10 digits."""
    found: set[str] = set()
    for frame in at.dataframe:
        for column in ("NHS number", SMS_COLUMNS[0]):
            if column in frame.value.columns:
                found |= {str(v).replace(" ", "") for v in frame.value[column]}
    return found


def test_the_nurse_sees_only_their_practices_patients_and_the_view_is_audited(
    run_page, audit_db, tiny_db
):
    at = run_page("patients.py", principal=NURSE)
    assert not at.exception, [e.value for e in at.exception]
    shown = shown_nhs_numbers(at)
    own = set(identities(tiny_db, DEMO_PRACTICE)["nhs_number"])
    assert shown and shown <= own
    call = next(f.value for f in at.dataframe if "Why on the list" in f.value.columns)
    assert call["Priority"].tolist() == list(range(1, len(call) + 1))
    assert any("SYNTHETIC" in w.value for w in at.warning)  # the dataset banner
    views = [e for e in log.entries(audit_db) if e.kind == "person_view"]
    assert len(views) == 1 and views[0].records == len(call) and views[0].page == "patients"
    assert f'"practice": ["{DEMO_PRACTICE}"]' in views[0].cohort
    # The benchmark: practice, PCN and ICS, each with an interval.
    bench = next(f.value for f in at.dataframe if "95% CI" in f.value.columns)
    assert bench.iloc[:, 0].tolist()[2] == "Whole ICS" and "(PCN)" in bench.iloc[1, 0]


def busiest_housebound_practice(db) -> str:
    """Return the practice with the most housebound people aged 75 and over not yet boosted."""
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "SELECT practice_code FROM person WHERE is_housebound AND booster_date IS NULL"
            " AND registered_to IS NULL AND birth_date < DATE '1946-01-01'"
            " GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
        ).fetchone()[0]


def test_housebound_over_75_narrows_the_list_to_the_right_people(run_page, tiny_db):
    nurse = replace(NURSE, org_code=busiest_housebound_practice(tiny_db))
    at = run_page("patients.py", principal=nurse, is_housebound="yes", age_min=75)
    assert not at.exception, [e.value for e in at.exception]
    call = next(f.value for f in at.dataframe if "Why on the list" in f.value.columns)
    home = [f.value for f in at.dataframe if "Why on the list" in f.value.columns][1]
    assert len(call) == len(home) and (call["Age"] >= 75).all()
    assert call["Why on the list"].str.contains("Housebound").all()
    assert call["What may help"].str.contains("Home visit").all()
    everyone = run_page("patients.py", principal=nurse)
    full = next(f.value for f in everyone.dataframe if "Why on the list" in f.value.columns)
    assert 0 < len(call) < len(full)


def test_downloads_are_watermarked_audited_and_the_sms_file_leaves_out_who_it_must(
    run_page, audit_db, tiny_db, downloads
):
    at = run_page("patients.py", principal=NURSE)
    assert not at.exception
    names = sorted(downloads)
    assert len(names) == 3 and all(NURSE.user_id[:8] in n and DEMO_PRACTICE in n for n in names)
    call_file = next(v for k, v in downloads.items() if "call-list" in k)
    assert "Made by Marta Nowak (demo)" in call_file and "OFFICIAL-SENSITIVE" in call_file
    assert "SYNTHETIC DATA" in call_file
    sms_file = next(v for k, v in downloads.items() if "sms-batch" in k)
    assert sms_file.splitlines()[0] == ",".join(SMS_COLUMNS)
    sent = {line.split(",")[0] for line in sms_file.splitlines()[1:]}
    people = identities(tiny_db, DEMO_PRACTICE).set_index("nhs_number")
    assert sent and people.loc[list(sent), "accepts_messages"].all()
    assert not people.loc[list(sent), "is_deceased"].any()
    assert people.loc[list(sent), "mobile"].notna().all()
    # Making a file (however it is fetched) appends an export entry with its count and the
    # fingerprint of exactly the bytes sent.
    exports = {e.detail: e for e in log.entries(audit_db) if e.kind == "export"}
    assert set(exports) == set(downloads)
    sms = next(f.value for f in at.dataframe if SMS_COLUMNS[0] in f.value.columns)
    sms_name = next(k for k in downloads if "sms-batch" in k)
    assert exports[sms_name].records == len(sms) == len(sms_file.splitlines()) - 1
    assert exports[sms_name].file_sha256 == log.file_sha256(sms_file.encode())
    assert exports[sms_name].page == "patients"


def test_other_roles_are_refused_and_see_no_one(run_page, audit_db):
    for role in (Role.PLANNER, Role.COMMISSIONER, Role.PROGRAMME_LEAD, Role.ADMINISTRATOR):
        at = run_page("patients.py", principal=demo_user(role))
        assert not at.exception
        assert any("Patient lists are only for staff" in e.value for e in at.error)
        assert len(at.dataframe) == 0 and shown_nhs_numbers(at) == set()
    assert not [e for e in log.entries(audit_db) if e.kind == "person_view"]


def test_a_link_naming_another_practice_is_refused(run_page, audit_db):
    at = run_page("patients.py", principal=NURSE, practice=["P00002"])
    assert not at.exception
    assert any("their own practice's figures only" in e.value for e in at.error)
    assert len(at.dataframe) == 0
    assert not [e for e in log.entries(audit_db) if e.kind == "person_view"]


def test_a_nurse_who_moves_practice_sees_only_the_new_practices_list(run_page, tiny_db):
    moved = replace(NURSE, org_code="P00002")
    at = run_page("patients.py", principal=moved)
    assert not at.exception
    shown = shown_nhs_numbers(at)
    assert shown and shown <= set(identities(tiny_db, "P00002")["nhs_number"])
    assert not shown & set(identities(tiny_db, DEMO_PRACTICE)["nhs_number"])
