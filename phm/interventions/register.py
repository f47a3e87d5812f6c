"""The interventions register: the app's own state database (SQLite at PHM_STATE_DB).

The dataset (DuckDB) is read-only in the app, so what users record lives in a separate
SQLite file beside the audit log. A record is never deleted: removing one marks it removed
(and the audit log says who did it and when). Every change is one transaction; the page
audits it (`intervention_saved`, `intervention_removed`) right after it commits.

The synthetic demo's own interventions are not copied here: they are part of the dataset
(`phm.interventions.record.META_KEY` in `dataset_meta`) and are listed beside the stored ones
(`listed`), read-only, so they always match the doses of the dataset on screen.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from phm.analysis.business_case import INTERVENTIONS
from phm.interventions.record import META_KEY, RecordedIntervention, loads
from phm.transactions import immediate

BUSY_TIMEOUT_S = 30.0
SCHEMA = """
CREATE TABLE IF NOT EXISTS intervention (
    id INTEGER PRIMARY KEY,
    record TEXT NOT NULL,             -- RecordedIntervention.to_json(), canonical JSON
    recorded_by TEXT NOT NULL,        -- pseudonymous user id of the last change
    recorded_at TEXT NOT NULL,        -- UTC, ISO 8601, of the last change
    removed INTEGER NOT NULL DEFAULT 0
);
"""
DATASET_ID_BASE = 1_000_000  # the dataset's own interventions are listed as 1000001, 1000002...


@dataclass(frozen=True)
class Listed:
    """One intervention in the register, with its id and whether users may change it."""

    id: int
    record: RecordedIntervention
    recorded_by: str
    recorded_at: str
    editable: bool


def _stamp() -> str:
    """Return now in UTC, ISO 8601 to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


@contextmanager
def _connect(path: Path) -> Iterator[sqlite3.Connection]:
    """Return a connection in one immediate transaction (created on first use), committed at the end."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None)
    try:
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=FULL")
        with immediate(con):
            con.execute(SCHEMA)
            yield con
    finally:
        con.close()


def add(path: Path, record: RecordedIntervention, user_id: str) -> int:
    """Store a new intervention; return its id."""
    if record.source != "user":
        raise ValueError("only interventions recorded by users are stored")
    with _connect(path) as con:
        cursor = con.execute(
            "INSERT INTO intervention (record, recorded_by, recorded_at) VALUES (?, ?, ?)",
            [json.dumps(record.to_json(), sort_keys=True), user_id, _stamp()],
        )
        return int(cursor.lastrowid or 0)


def update(path: Path, intervention_id: int, record: RecordedIntervention, user_id: str) -> None:
    """Replace a stored intervention's record; raise KeyError when there is none to change."""
    with _connect(path) as con:
        done = con.execute(
            "UPDATE intervention SET record = ?, recorded_by = ?, recorded_at = ? "
            "WHERE id = ? AND removed = 0",
            [json.dumps(record.to_json(), sort_keys=True), user_id, _stamp(), intervention_id],
        )
        if done.rowcount != 1:
            raise KeyError(f"no intervention {intervention_id} to change")


def remove(path: Path, intervention_id: int, user_id: str) -> None:
    """Mark a stored intervention removed; raise KeyError when there is none to remove."""
    with _connect(path) as con:
        done = con.execute(
            "UPDATE intervention SET removed = 1, recorded_by = ?, recorded_at = ? "
            "WHERE id = ? AND removed = 0",
            [user_id, _stamp(), intervention_id],
        )
        if done.rowcount != 1:
            raise KeyError(f"no intervention {intervention_id} to remove")


def stored(path: Path) -> list[Listed]:
    """Return the stored interventions that are not removed, oldest first."""
    if not path.exists():
        return []
    with _connect(path) as con:
        rows = con.execute(
            "SELECT id, record, recorded_by, recorded_at FROM intervention "
            "WHERE removed = 0 ORDER BY id"
        ).fetchall()
    return [
        Listed(int(i), RecordedIntervention.from_json(json.loads(r)), by, at, True)
        for i, r, by, at in rows
    ]


def from_dataset(meta: Mapping[str, str]) -> list[Listed]:
    """Return the dataset's own interventions (the synthetic demo's), read-only."""
    text = meta.get(META_KEY)
    if not text:
        return []
    built = meta.get("built_at", "")
    return [
        Listed(DATASET_ID_BASE + i + 1, record, "synthetic dataset", built, False)
        for i, record in enumerate(loads(text))
    ]


def listed(path: Path, meta: Mapping[str, str]) -> list[Listed]:
    """Return the dataset's own interventions, then the stored ones."""
    return from_dataset(meta) + stored(path)


TABLE_COLUMNS = (
    "ID",
    "Name",
    "Kind",
    "MSOAs",
    "Site",
    "Start",
    "End",
    "For whom (codes)",
    "Cost (£)",
    "Note",
    "Recorded",
    "Source",
)


def table(items: list[Listed]) -> pd.DataFrame:
    """Return the register as a table for the page and its CSV (text as data, not markup)."""
    rows = [
        (
            item.id,
            item.record.name,
            INTERVENTIONS[item.record.kind].name,
            " ".join(item.record.msoas),
            item.record.site_id,
            item.record.start.isoformat(),
            item.record.end.isoformat(),
            json.dumps(item.record.cohort.to_query_params(), sort_keys=True),
            round(item.record.cost_gbp, 2),
            item.record.note,
            item.recorded_at[:10],
            item.record.source,
        )
        for item in items
    ]
    return pd.DataFrame(rows, columns=list(TABLE_COLUMNS))
