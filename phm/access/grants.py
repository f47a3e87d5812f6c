"""Access grants with the dates they were given and removed, kept in the audit log's file.

NCL's evaluators could not tell what share of the people given access used it, because those
dates were not kept. Here every grant has a `granted_on` and, once removed, a `removed_on`;
each change is also an entry of the audit chain (access_granted, access_removed), so the
table cannot be edited unnoticed. The administrator records a grant when access is given;
a person who signs in with no open grant (their identity provider gave them a role the app
was not told about) gets one opened on that day, so nobody who used the app is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from phm.access.roles import Principal
from phm.audit import log

GRANT_COLUMNS = ("user_id", "role", "org_code", "org_type", "granted_on", "removed_on", "synthetic")


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
        con.execute(
            "INSERT INTO access_grant VALUES (?, ?, ?, ?, ?, NULL, 0)",
            [grantee.user_id, grantee.role, grantee.org_code, grantee.org_type, on.isoformat()],
        )
        detail = f"grantee={grantee.user_id} role={grantee.role} org={grantee.org_code} on={on}"
        log.append_within(con, log.event_fields(by, log.EventKind.ACCESS_GRANTED, detail=detail))


def remove_access(path: Path, user_id: str, on: date, by: Principal) -> None:
    """Record that a person's access ended on a day (ValueError if they have none open)."""
    with log.writing(path) as con:
        if not _open_grant(con, user_id):
            raise ValueError("this person has no access to remove")
        con.execute(
            "UPDATE access_grant SET removed_on = ? WHERE user_id = ? AND removed_on IS NULL",
            [on.isoformat(), user_id],
        )
        detail = f"grantee={user_id} on={on}"
        log.append_within(con, log.event_fields(by, log.EventKind.ACCESS_REMOVED, detail=detail))


def ensure_grant(path: Path, principal: Principal, on: date) -> bool:
    """Open a grant from `on` for a signed-in person who has none; return True if one was opened."""
    with log.writing(path) as con:
        if _open_grant(con, principal.user_id):
            return False
        con.execute(
            "INSERT INTO access_grant VALUES (?, ?, ?, ?, ?, NULL, 0)",
            [
                principal.user_id,
                principal.role,
                principal.org_code,
                principal.org_type,
                on.isoformat(),
            ],
        )
        return True


def write_grants(path: Path, grants: list[Grant]) -> None:
    """Write many grants at once (the synthetic usage year)."""
    with log.writing(path) as con:
        con.executemany(
            "INSERT INTO access_grant VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                [
                    g.user_id,
                    g.role,
                    g.org_code,
                    g.org_type,
                    g.granted_on.isoformat(),
                    None if g.removed_on is None else g.removed_on.isoformat(),
                    int(g.synthetic),
                ]
                for g in grants
            ],
        )


def read_grants(path: Path) -> pd.DataFrame:
    """Return every grant as a frame (dates as datetime64; removed_on NaT while open)."""
    with log.reading(path) as con:
        rows = con.execute(f"SELECT {', '.join(GRANT_COLUMNS)} FROM access_grant").fetchall()
    frame = pd.DataFrame(rows, columns=list(GRANT_COLUMNS))
    for column in ("granted_on", "removed_on"):
        frame[column] = pd.to_datetime(frame[column])
    frame["synthetic"] = frame["synthetic"].astype(bool)
    return frame
