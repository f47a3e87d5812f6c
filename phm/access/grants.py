"""Access grants with the dates they were given and removed, kept in the audit log's file.

NCL's evaluators could not tell what share of the people given access used it, because those
dates were not kept. Here every grant has a `granted_on` and, once removed, a `removed_on`;
each change is also an entry of the audit chain (access_granted, access_removed) whose detail
holds the grant as JSON, and `verify_grants` rebuilds the table from the chain, so the table
cannot be edited unnoticed (`python -m phm audit verify` runs both checks). The administrator
records a grant when access is given; a person who signs in for the first time with no grant
(their identity provider gave them a role the app was not told about) gets one opened on that
day, so nobody who used the app is missing. A person whose access was removed is refused at
sign-in until an administrator grants it again, and their open sessions end at their next
click (`phm.audit.log.ended_since`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from phm.access.roles import Principal, Refused
from phm.audit import log

GRANT_COLUMNS = ("user_id", "role", "org_code", "org_type", "granted_on", "removed_on", "synthetic")
GRANT_ROWS_SQL = (
    "SELECT user_id, role, org_code, org_type, granted_on, removed_on, synthetic FROM access_grant"
)


@dataclass(frozen=True)
class Grant:
    """One period of access: who (pseudonymous), as what, from when, until when (None: now)."""

    user_id: str
    role: str
    org_code: str
    org_type: str
    granted_on: date
    removed_on: date | None = None
    synthetic: bool = False


def _open_grant(con: object, user_id: str) -> bool:
    """Return True when the user has a grant not yet removed."""
    row = con.execute(  # type: ignore[attr-defined]
        "SELECT 1 FROM access_grant WHERE user_id = ? AND removed_on IS NULL", [user_id]
    ).fetchone()
    return row is not None


def grant_access(path: Path, grantee: Principal, on: date, by: Principal) -> None:
    """Record that `grantee` was given access on a day (ValueError if already open)."""
    with log.writing(path) as con:
        if _open_grant(con, grantee.user_id):
            raise ValueError("this person already has access; remove it before granting again")
        _append_grant(con, by, _grant_of(grantee, on))


def remove_access(path: Path, user_id: str, on: date, by: Principal) -> None:
    """Record that a person's access ended on a day (ValueError if they have none open)."""
    with log.writing(path) as con:
        if not _open_grant(con, user_id):
            raise ValueError("this person has no access to remove")
        con.execute(
            "UPDATE access_grant SET removed_on = ? WHERE user_id = ? AND removed_on IS NULL",
            [on.isoformat(), user_id],
        )
        detail = json.dumps({"grantee": user_id, "on": on.isoformat()}, sort_keys=True)
        log.append_within(con, log.event_fields(by, log.EventKind.ACCESS_REMOVED, detail=detail))


def _grant_of(principal: Principal, on: date, synthetic: bool = False) -> Grant:
    """Return the grant that gives a principal's role and organisation from a day."""
    return Grant(
        principal.user_id,
        str(principal.role),
        principal.org_code,
        str(principal.org_type),
        on,
        synthetic=synthetic,
    )


def grant_detail(grant: Grant) -> str:
    """Return a grant as the access_granted entry's detail (canonical JSON)."""
    return json.dumps(
        {
            "grantee": grant.user_id,
            "role": grant.role,
            "org_code": grant.org_code,
            "org_type": grant.org_type,
            "on": grant.granted_on.isoformat(),
        },
        sort_keys=True,
    )


def _append_grant(con: object, by: Principal, grant: Grant) -> None:
    """Insert a grant and its access_granted entry in the open transaction."""
    con.execute(  # type: ignore[attr-defined]
        "INSERT INTO access_grant VALUES (?, ?, ?, ?, ?, NULL, ?)",
        [
            grant.user_id,
            grant.role,
            grant.org_code,
            grant.org_type,
            grant.granted_on.isoformat(),
            int(grant.synthetic),
        ],
    )
    fields = log.event_fields(
        by, log.EventKind.ACCESS_GRANTED, detail=grant_detail(grant), synthetic=grant.synthetic
    )
    log.append_within(con, fields)  # type: ignore[arg-type]


def ensure_grant(path: Path, principal: Principal, on: date) -> bool:
    """Open a grant from `on` for a first sign-in; return True if one was opened.

    Refuses (Refused) a person whose access was removed and not granted again: removing
    access is the administrator's decision, which signing in again must not undo.
    """
    with log.writing(path) as con:
        if _open_grant(con, principal.user_id):
            return False
        removed = con.execute(
            "SELECT max(removed_on) FROM access_grant WHERE user_id = ?", [principal.user_id]
        ).fetchone()[0]
        if removed is not None:
            raise Refused(
                f"Your access was removed on {removed}. Ask the service's administrator if you"
                " need it again."
            )
        _append_grant(con, principal, _grant_of(principal, on))
        return True


def write_grants(path: Path, grants: list[Grant], by: Principal) -> None:
    """Write many grants at once, each with its chain entries (the synthetic usage year)."""
    with log.writing(path) as con:
        for grant in grants:
            _append_grant(con, by, grant)
            if grant.removed_on is not None:
                con.execute(
                    "UPDATE access_grant SET removed_on = ? WHERE user_id = ?"
                    " AND removed_on IS NULL",
                    [grant.removed_on.isoformat(), grant.user_id],
                )
                detail = json.dumps(
                    {"grantee": grant.user_id, "on": grant.removed_on.isoformat()}, sort_keys=True
                )
                fields = log.event_fields(
                    by, log.EventKind.ACCESS_REMOVED, detail=detail, synthetic=grant.synthetic
                )
                log.append_within(con, fields)


def _table_rows(path: Path) -> list[tuple]:
    """Return the access_grant table's rows as stored, columns in GRANT_COLUMNS order."""
    with log.reading(path) as con:
        return [tuple(r) for r in con.execute(GRANT_ROWS_SQL).fetchall()]


def read_grants(path: Path) -> pd.DataFrame:
    """Return every grant as a frame (dates as datetime64; removed_on NaT while open)."""
    rows = _table_rows(path)
    frame = pd.DataFrame(rows, columns=list(GRANT_COLUMNS))
    for column in ("granted_on", "removed_on"):
        frame[column] = pd.to_datetime(frame[column])
    frame["synthetic"] = frame["synthetic"].astype(bool)
    return frame


def grants_from_chain(path: Path) -> list[tuple]:
    """Return the grants the chain's access entries describe, as access_grant rows."""
    rows: list[list] = []
    for entry in log.entries(path):
        if entry.kind == log.EventKind.ACCESS_GRANTED:
            d = json.loads(entry.detail)
            rows.append(
                [
                    d["grantee"],
                    d["role"],
                    d["org_code"],
                    d["org_type"],
                    d["on"],
                    None,
                    entry.synthetic,
                ]
            )
        elif entry.kind == log.EventKind.ACCESS_REMOVED:
            d = json.loads(entry.detail)
            for row in rows:
                if row[0] == d["grantee"] and row[5] is None:
                    row[5] = d["on"]
    return sorted(tuple(r) for r in rows)


def verify_grants(path: Path) -> str:
    """Return '' when the access_grant table is what the chain says, else what differs."""
    table = sorted(_table_rows(path))
    try:
        chain = grants_from_chain(path)
    except (ValueError, KeyError):
        return "an access entry of the chain does not hold a readable grant"
    if table == chain:
        return ""
    extra, missing = set(table) - set(chain), set(chain) - set(table)
    return (
        f"the access grants differ from the chain's access entries: {len(extra)} row(s) not in"
        f" the chain, {len(missing)} of the chain's missing or changed"
    )


def verify_log(path: Path) -> log.Verification:
    """Check the chain entry by entry, then that the grants table is what the chain says."""
    result = log.verify(path)
    if not result.ok:
        return result
    problem = verify_grants(path)
    if problem:
        return log.Verification(False, result.entries, result.head, None, problem)
    return result
