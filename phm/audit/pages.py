"""What the administrator's Audit page reads: filtered entries and their CSV download."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from phm.audit import log
from phm.output.exports import to_csv

SHOWN_COLUMNS = log.CHAINED_FIELDS  # the hashes stay out: `verify` checks them
DEFAULT_LIMIT = 5000


def read_entries(
    path: Path,
    *,
    user_id: str | None = None,
    org_code: str | None = None,
    page: str | None = None,
    kinds: tuple[str, ...] = (),
    start: date | None = None,
    end: date | None = None,
    limit: int = DEFAULT_LIMIT,
) -> pd.DataFrame:
    """Return entries matching every filter given (dates inclusive, UTC), newest first."""
    clauses, params = [], []
    for column, value in (("user_id", user_id), ("org_code", org_code), ("page", page)):
        if value:
            clauses.append(f"{column} = ?")
            params.append(value)
    if kinds:
        clauses.append(f"kind IN ({', '.join('?' * len(kinds))})")
        params.extend(kinds)
    if start is not None:
        clauses.append("at_utc >= ?")
        params.append(start.isoformat())
    if end is not None:
        clauses.append("at_utc < ?")
        params.append((end + timedelta(days=1)).isoformat())
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    sql = f"SELECT {', '.join(SHOWN_COLUMNS)} FROM audit_event {where} ORDER BY seq DESC LIMIT ?"
    with log.reading(path) as con:
        rows = con.execute(sql, [*params, int(limit)]).fetchall()
    return pd.DataFrame(rows, columns=list(SHOWN_COLUMNS))


def filter_choices(path: Path) -> dict[str, list[str]]:
    """Return the users, organisations and pages in the log, for the page's selectors."""
    with log.reading(path) as con:
        return {
            column: [
                r[0]
                for r in con.execute(
                    f"SELECT DISTINCT {column} FROM audit_event WHERE {column} != ''"
                    f" ORDER BY {column}"
                )
            ]
            for column in ("user_id", "org_code", "page")
        }


def entries_csv(frame: pd.DataFrame, filters: str) -> str:
    """Return entries as CSV under a header naming the filters (formula-safe, like every export)."""
    header = [
        "PHM Vaccination Uptake Explorer: audit log extract",
        f"Filters: {filters or 'none'}",
        "User ids are pseudonymous (a keyed hash of the sign-in); synthetic=1 marks generated demo usage.",
    ]
    return to_csv(frame, header)
