"""A practice's worklists as the tables a page shows and the files it downloads.

Call and home-visit lists are for people to read: CSV after '# ' lines naming the practice,
who made the file and when, that it holds identifiable data, and (for the demo) that the
people are invented. The SMS batch is for a messaging tool, whose upload wants only a header
row and one row per patient, so its watermark is its file name (practice, user, time) and
the SHA-256 the audit log records for it; it leaves out anyone who has declined messages or
has no mobile, and (as every list) anyone recorded as deceased.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import pandas as pd

from phm import codes
from phm.access import Principal
from phm.directcare import rules
from phm.directcare.worklist import Worklist
from phm.output.exports import neutralise_formulas, to_csv

# The columns of a list as read on screen and in its file.
LIST_COLUMNS: dict[str, str] = {
    "priority": "Priority",
    "nhs_number": "NHS number",
    "name": "Name",
    "birth_date": "Date of birth",
    "age": "Age",
    "due_label": "Due",
    "helps": "What may help",
    "contact": "Preferred contact",
    "mobile": "Mobile",
    "nearest_site": "Nearest open site",
    "nearest_km": "Distance (km)",
    "postcode": "Postcode",
    "why": "Why on the list",
}
# The layout practices' messaging tools take in a batch upload (e.g. Accurx with SystmOne:
# NHS number, telecom number and date of birth, and the name to greet the patient by).
SMS_COLUMNS = ("NHS Number", "Date of Birth", "Mobile Number", "Patient Name")


def _display(people: pd.DataFrame) -> pd.DataFrame:
    """Return people as the list shows them, in the order they came."""
    nhs = people["nhs_number"].astype(str)
    return pd.DataFrame(
        {
            "priority": people["priority"].to_numpy(),
            "nhs_number": nhs.str[:3] + " " + nhs.str[3:6] + " " + nhs.str[6:],
            "name": (people["family_name"].str.upper() + ", " + people["given_name"]).to_numpy(),
            "birth_date": pd.to_datetime(people["birth_date"]).dt.strftime("%d/%m/%Y").to_numpy(),
            "age": people["age"].astype(int).to_numpy(),
            "due_label": people["due"].map(rules.DUE).to_numpy(),
            "why": people["why"].to_numpy(),
            "helps": people["helps"].to_numpy(),
            "nearest_site": people["nearest_site"].to_numpy(),
            "nearest_km": people["nearest_km"].to_numpy(),
            "contact": people["contact_method"].map(codes.CONTACT_METHODS).to_numpy(),
            "mobile": people["mobile"].fillna("").to_numpy(),
            "postcode": people["postcode"].fillna("").to_numpy(),
        }
    )[list(LIST_COLUMNS)].rename(columns=LIST_COLUMNS)


def call_list(worklist: Worklist) -> pd.DataFrame:
    """Return everyone due, in priority order (JCVI cohort, then conditions, then age)."""
    return _display(worklist.people)


def home_visits(worklist: Worklist) -> pd.DataFrame:
    """Return the housebound people due, in priority order, with their postcodes."""
    people = worklist.people
    return _display(people[people["is_housebound"].astype(bool)])


def sms_batch(worklist: Worklist) -> pd.DataFrame:
    """Return the SMS upload: people due with a mobile who have not declined messages."""
    people = worklist.people
    reachable = people[people["accepts_messages"].astype(bool) & people["mobile"].notna()]
    table = pd.DataFrame(
        {
            SMS_COLUMNS[0]: reachable["nhs_number"].astype(str).to_numpy(),
            SMS_COLUMNS[1]: pd.to_datetime(reachable["birth_date"]).dt.strftime("%d/%m/%Y"),
            SMS_COLUMNS[2]: reachable["mobile"].str.replace(" ", "").to_numpy(),
            SMS_COLUMNS[3]: (reachable["given_name"] + " " + reachable["family_name"]).to_numpy(),
        }
    )
    return table.reset_index(drop=True)


def watermark(
    principal: Principal, worklist: Worklist, meta: Mapping[str, str], made_at: datetime
) -> list[str]:
    """Return the lines that say who made a list file, when, from what, and how to treat it."""
    lines = [
        f"Patients of {worklist.practice_name} due a COVID-19 dose as at {worklist.as_at}",
        f"Made by {principal.display_name} (user {principal.user_id}, {principal.org_code})"
        f" at {made_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC",
        "OFFICIAL-SENSITIVE: identifiable data for direct care by this practice only;"
        " do not forward. This download is recorded in the audit log.",
        f"Dataset: {meta.get('name', 'unknown')}",
    ]
    if meta.get("kind") == "synthetic":
        lines.append("SYNTHETIC DATA: invented people, test-range NHS numbers, drama-range phones")
    return lines


def list_csv(table: pd.DataFrame, lines: list[str]) -> str:
    """Return a list for people to read as CSV after its watermark lines."""
    return to_csv(table, lines)


def sms_csv(table: pd.DataFrame) -> str:
    """Return the SMS upload as plain CSV (header row only, as messaging tools take it)."""
    return neutralise_formulas(table).to_csv(index=False, lineterminator="\r\n")


def file_name(kind: str, principal: Principal, made_at: datetime, synthetic: bool) -> str:
    """Return a file name that carries its watermark: what, practice, who (short id), when."""
    stamp = made_at.astimezone(UTC).strftime("%Y%m%dT%H%MZ")
    prefix = "SYNTHETIC-" if synthetic else ""
    return f"{prefix}{kind}_{principal.org_code}_{principal.user_id[:8]}_{stamp}.csv"
