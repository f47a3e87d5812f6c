"""SQL over the audit log for usage analytics: raw counts with the key sums that protect them.

Users are people, so their counts get record keys like everyone else's: a user's key is the
first byte of SHA-256 of their pseudonymous id (itself a keyed hash, so not computable from
a sign-in name); a count of users carries the sum of their keys, a count of events the sum
of per-event keys (the same hash of user id and entry number). phm.analysis.usage protects them.
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pandas as pd

from phm.audit import log

# Events that count as use; refusals, sign-outs and access changes do not.
USAGE_KINDS = ("sign_in", "page_view", "export", "person_view")
MONTH_SQL = "substr(e.at_utc, 1, 7)"


def record_key(text: str) -> int:
    """Return the record key (0-255) of a user id or event: the first byte of its SHA-256."""
    return hashlib.sha256(text.encode()).digest()[0]


def _connect(path: Path) -> sqlite3.Connection:
    """Return a connection with the record-key function registered."""
    if not path.exists():
        raise FileNotFoundError(f"no audit log at {path}")
    con = sqlite3.connect(str(path), timeout=log.BUSY_TIMEOUT_S)
    con.create_function("record_key", 1, record_key, deterministic=True)
    return con


def _frame(path: Path, sql: str, params: list[object] | None = None) -> pd.DataFrame:
    """Return a query's result as a frame."""
    con = _connect(path)
    try:
        cursor = con.execute(sql, params or [])
        columns = [c[0] for c in cursor.description]
        return pd.DataFrame(cursor.fetchall(), columns=columns)
    finally:
        con.close()


def _used(where: str = "") -> str:
    """Return the WHERE clause selecting usage events (and any extra condition)."""
    kinds = ", ".join(f"'{k}'" for k in USAGE_KINDS)
    return f"WHERE e.kind IN ({kinds})" + (f" AND {where}" if where else "")


def _counted(group: str, where: str = "") -> str:
    """Return SQL counting users and events (with key sums) per `group` columns."""
    return f"""
        WITH used AS (SELECT e.*, {MONTH_SQL} AS month FROM audit_event e {_used(where)}),
        users AS (SELECT {group}, user_id FROM used GROUP BY {group}, user_id)
        SELECT g.*, u.users, u.users_key FROM (
            SELECT {group}, count(*) AS events,
                   sum(record_key(user_id || ':' || seq)) AS events_key
            FROM used GROUP BY {group}
        ) g JOIN (
            SELECT {group}, count(*) AS users, sum(record_key(user_id)) AS users_key
            FROM users GROUP BY {group}
        ) u USING ({group})
        ORDER BY {group}
    """


def by_month(path: Path) -> pd.DataFrame:
    """Return users and events by month (YYYY-MM)."""
    return _frame(path, _counted("month"))


def by_org_type(path: Path) -> pd.DataFrame:
    """Return users and events by month and organisation type."""
    return _frame(path, _counted("month, org_type"))


def by_page(path: Path) -> pd.DataFrame:
    """Return users and page views by page over the whole log."""
    return _frame(path, _counted("page", "e.kind = 'page_view' AND e.page != ''"))


def exports_by_month(path: Path) -> pd.DataFrame:
    """Return users who exported, and exports, by month."""
    return _frame(path, _counted("month", "e.kind = 'export'"))


def by_characteristic(path: Path) -> pd.DataFrame:
    """Return users and page views by each characteristic the cohort was narrowed by (URL key)."""
    return _frame(
        path,
        f"""
        WITH used AS (
            SELECT e.user_id, e.seq, j.key AS characteristic FROM audit_event e, json_each(e.cohort) j
            {_used("e.kind = 'page_view'")}
        ),
        users AS (SELECT characteristic, user_id FROM used GROUP BY characteristic, user_id)
        SELECT g.*, u.users, u.users_key FROM (
            SELECT characteristic, count(*) AS events,
                   sum(record_key(user_id || ':' || seq)) AS events_key
            FROM used GROUP BY characteristic
        ) g JOIN (
            SELECT characteristic, count(*) AS users, sum(record_key(user_id)) AS users_key
            FROM users GROUP BY characteristic
        ) u USING (characteristic)
        ORDER BY characteristic
        """,
    )


def active_user_months(path: Path) -> pd.DataFrame:
    """Return each (user, month) with at least one usage event."""
    return _frame(
        path, f"SELECT DISTINCT e.user_id, {MONTH_SQL} AS month FROM audit_event e {_used()}"
    )
