"""The append-only audit log: one SQLite file beside the dataset, each entry chained to the last.

Why SQLite, in WAL mode, with BEGIN IMMEDIATE and a commit per event:
- it is its own file, so the dataset (DuckDB, read-only in the app) is never written to, and
  the Python standard library writes it (no server to run);
- BEGIN IMMEDIATE takes the write lock before the last hash is read, so writers in other
  processes queue (busy timeout) instead of forking the chain (threads of one server queue
  on a lock of the process first, woken in turn rather than retrying), and WAL lets the
  Audit and Usage pages read while they do;
- each event is its own committed transaction with synchronous=FULL, so a killed server or a
  crash loses at most the event being written, never one that was acknowledged, and leaves
  no half-written entry (SQLite rolls an unfinished transaction back on the next open).

Each entry's hash is SHA-256 of the previous entry's hash and the entry's canonical JSON, so
changing, inserting or deleting an entry breaks the chain at that point (`verify`). Triggers
refuse UPDATE and DELETE through SQLite; the chain is what detects edits made any other way.
A chain can be recomputed end to end by whoever can write the file, and the newest entries
can be cut off: `verify` prints the head (count and last hash) so it can be kept elsewhere.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from phm.transactions import immediate

if TYPE_CHECKING:
    from phm.access.roles import Principal
    from phm.cohort import Cohort

GENESIS = "0" * 64
BUSY_TIMEOUT_S = 30.0
CHAINED_FIELDS = (
    "seq",
    "at_utc",
    "user_id",
    "role",
    "org_code",
    "org_type",
    "kind",
    "page",
    "cohort",
    "records",
    "file_sha256",
    "detail",
    "synthetic",
)
SCHEMA = """
CREATE TABLE IF NOT EXISTS audit_event (
    seq INTEGER PRIMARY KEY,          -- 1, 2, 3... with no gaps
    at_utc TEXT NOT NULL,             -- ISO 8601, UTC, microseconds: 2021-02-15T09:30:00.000000Z
    user_id TEXT NOT NULL,            -- pseudonymous id (phm.access.claims.pseudonymous_id)
    role TEXT NOT NULL,
    org_code TEXT NOT NULL,
    org_type TEXT NOT NULL,
    kind TEXT NOT NULL,               -- phm.audit.log.EventKind
    page TEXT NOT NULL DEFAULT '',
    cohort TEXT NOT NULL DEFAULT '{}', -- the cohort's URL parameters as JSON: codes, not words
    records INTEGER,                  -- records shown or exported
    file_sha256 TEXT,                 -- of an exported file
    detail TEXT NOT NULL DEFAULT '',  -- e.g. why something was refused
    synthetic INTEGER NOT NULL DEFAULT 0, -- 1: generated demo usage, not a real person's
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_event_at ON audit_event (at_utc);
CREATE INDEX IF NOT EXISTS audit_event_kind_user ON audit_event (kind, user_id);
CREATE TRIGGER IF NOT EXISTS audit_event_no_update BEFORE UPDATE ON audit_event
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON audit_event
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TABLE IF NOT EXISTS access_grant (
    user_id TEXT NOT NULL,
    role TEXT NOT NULL,
    org_code TEXT NOT NULL,
    org_type TEXT NOT NULL,
    granted_on TEXT NOT NULL,         -- YYYY-MM-DD
    removed_on TEXT,                  -- YYYY-MM-DD; NULL while access lasts
    synthetic INTEGER NOT NULL DEFAULT 0
);
"""


class EventKind(StrEnum):
    """What an audit entry records."""

    SIGN_IN = "sign_in"
    SIGN_OUT = "sign_out"
    PAGE_VIEW = "page_view"
    EXPORT = "export"
    REFUSED = "refused"
    PERSON_VIEW = "person_view"  # person-level data shown (direct care)
    ACCESS_GRANTED = "access_granted"
    ACCESS_REMOVED = "access_removed"
    INTERVENTION_SAVED = "intervention_saved"  # recorded or changed in the register
    INTERVENTION_REMOVED = "intervention_removed"


@dataclass(frozen=True)
class Entry:
    """One audit entry as stored."""

    seq: int
    at_utc: str
    user_id: str
    role: str
    org_code: str
    org_type: str
    kind: str
    page: str
    cohort: str
    records: int | None
    file_sha256: str | None
    detail: str
    synthetic: int
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class Verification:
    """The result of checking a log's chain: ok, or the first entry where it breaks."""

    ok: bool
    entries: int
    head: str  # hash of the last good entry (GENESIS for an empty log)
    broken_seq: int | None = None
    reason: str = ""

    def describe(self) -> str:
        """Return the result in one line for the command line."""
        if self.ok:
            return f"OK: {self.entries} entries, chain intact, head {self.head}"
        if self.broken_seq is None:
            return f"TAMPERED: {self.reason} ({self.entries} entries, chain intact)"
        return f"TAMPERED at entry {self.broken_seq}: {self.reason} ({self.entries} good before it)"


def utc_stamp(moment: datetime | None = None) -> str:
    """Return a UTC time as the log stores it (naive times are taken as UTC)."""
    moment = moment or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def cohort_codes(cohort: Cohort | None) -> str:
    """Return a cohort as the log stores it: its URL parameters (codes, not words) as JSON."""
    return "{}" if cohort is None else json.dumps(cohort.to_query_params(), sort_keys=True)


def entry_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    """Return an entry's hash: SHA-256 of the previous hash, a newline and its canonical JSON."""
    canonical = json.dumps(
        {k: fields[k] for k in CHAINED_FIELDS}, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(f"{prev_hash}\n{canonical}".encode()).hexdigest()


_READY: set[str] = set()
_READY_LOCK = threading.Lock()
# One lock per log file for this process's writers: threads of one server queue on it and are
# woken in turn, where SQLite's busy handler would have them sleep and retry (up to 100 ms at a
# time); other processes still queue through BEGIN IMMEDIATE and the busy timeout.
_WRITE_LOCKS: dict[str, threading.RLock] = {}


def _open(path: Path) -> sqlite3.Connection:
    """Return a connection in autocommit mode (transactions are explicit), WAL, full sync."""
    con = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None)
    con.execute("PRAGMA synchronous=FULL")
    return con


def _write_lock(path: Path) -> threading.RLock:
    """Return this process's lock for writing the log at `path`."""
    with _READY_LOCK:
        return _WRITE_LOCKS.setdefault(str(path.resolve()), threading.RLock())


def _create(path: Path) -> None:
    """Create the log's file and tables once per process (every process may try; all succeed)."""
    key = str(path.resolve())
    with _READY_LOCK:
        if key in _READY:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        con = _open(path)
        try:
            con.execute("PRAGMA journal_mode=WAL")
            con.executescript(f"BEGIN IMMEDIATE;{SCHEMA}COMMIT;")
        finally:
            con.close()
        _READY.add(key)


@contextmanager
def writing(path: Path) -> Iterator[sqlite3.Connection]:
    """Hold the log's write lock (BEGIN IMMEDIATE) for the block, commit at its end."""
    _create(path)
    with _write_lock(path):
        con = _open(path)
        try:
            with immediate(con):
                yield con
        finally:
            con.close()


@contextmanager
def reading(path: Path) -> Iterator[sqlite3.Connection]:
    """Return a connection for reads (the file must exist)."""
    if not path.exists():
        raise FileNotFoundError(f"no audit log at {path}")
    con = _open(path)
    try:
        yield con
    finally:
        con.close()


def _head(con: sqlite3.Connection) -> tuple[int, str]:
    """Return the last entry's seq and hash (0 and GENESIS when empty)."""
    row = con.execute("SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1").fetchone()
    return (0, GENESIS) if row is None else (int(row[0]), str(row[1]))


def _insert(con: sqlite3.Connection, fields: dict[str, Any], prev: tuple[int, str]) -> Entry:
    """Chain and insert one entry after `prev` (seq, hash); return it."""
    fields = {**fields, "seq": prev[0] + 1}
    digest = entry_hash(prev[1], fields)
    row = {**fields, "prev_hash": prev[1], "hash": digest}
    columns = ", ".join(row)
    con.execute(
        f"INSERT INTO audit_event ({columns}) VALUES ({', '.join('?' * len(row))})",
        list(row.values()),
    )
    return Entry(**row)


def event_fields(
    principal: Principal,
    kind: EventKind | str,
    *,
    page: str = "",
    cohort: Cohort | None = None,
    records: int | None = None,
    file_sha256: str | None = None,
    detail: str = "",
    at: datetime | None = None,
    synthetic: bool = False,
) -> dict[str, Any]:
    """Return the fields of one event (everything but its place in the chain)."""
    return {
        "at_utc": utc_stamp(at),
        "user_id": principal.user_id,
        "role": str(principal.role),
        "org_code": principal.org_code,
        "org_type": str(principal.org_type),
        "kind": str(EventKind(kind)),
        "page": page,
        "cohort": cohort_codes(cohort),
        "records": None if records is None else int(records),
        "file_sha256": file_sha256,
        "detail": detail,
        "synthetic": int(synthetic),
    }


def append_within(con: sqlite3.Connection, fields: dict[str, Any]) -> Entry:
    """Append one event inside a `writing` block (committed with the rest of the block)."""
    return _insert(con, fields, _head(con))


def append(path: Path, principal: Principal, kind: EventKind | str, **details: Any) -> Entry:
    """Append one event (keyword details as in `event_fields`), committed before returning."""
    fields = event_fields(principal, kind, **details)
    with writing(path) as con:
        return append_within(con, fields)


def append_many(path: Path, events: Iterable[dict[str, Any]]) -> int:
    """Append many events (from `event_fields`) in one transaction; return how many."""
    count = 0
    with writing(path) as con:
        head = _head(con)
        for fields in events:
            entry = _insert(con, fields, head)
            head = (entry.seq, entry.hash)
            count += 1
    return count


def file_sha256(content: bytes | str) -> str:
    """Return the SHA-256 of an exported file's bytes (text is encoded as UTF-8)."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    return hashlib.sha256(data).hexdigest()


# Every stored column of an entry, from the fixed list above (no caller's text reaches SQL).
ENTRY_COLUMNS = (*CHAINED_FIELDS, "prev_hash", "hash")
SELECT_ENTRIES = "SELECT " + ", ".join(ENTRY_COLUMNS) + " FROM audit_event ORDER BY seq"


def entries(path: Path) -> Iterator[Entry]:
    """Yield every entry in order of seq."""
    with reading(path) as con:
        for row in con.execute(SELECT_ENTRIES):
            yield Entry(**dict(zip(ENTRY_COLUMNS, row, strict=True)))


def count(path: Path) -> int:
    """Return the number of entries."""
    with reading(path) as con:
        return int(con.execute("SELECT count(*) FROM audit_event").fetchone()[0])


def verify(path: Path) -> Verification:
    """Check every link of the chain; return OK or the first entry that breaks it, and why."""
    good, head = 0, GENESIS
    for entry in entries(path):
        fields = entry.__dict__
        if entry.seq != good + 1:
            reason = f"expected entry {good + 1}, found {entry.seq} (entries removed or inserted)"
        elif entry.prev_hash != head:
            reason = "its previous-hash does not match the entry before it"
        elif entry_hash(head, fields) != entry.hash:
            reason = "its content does not match its hash (the entry was changed)"
        else:
            good, head = entry.seq, entry.hash
            continue
        return Verification(False, good, head, good + 1, reason)
    return Verification(True, good, head)


def ended_since(path: Path, user_id: str, since_utc: str) -> str:
    """Return why a session signed in at `since_utc` has ended ('' if it has not).

    A sign-out by the same person in any tab or browser, or their access removed by an
    administrator, ends every session of theirs that began before it.
    """
    if not path.exists():
        return ""
    with reading(path) as con:
        out = con.execute(
            "SELECT 1 FROM audit_event WHERE kind = ? AND user_id = ? AND at_utc > ? LIMIT 1",
            [EventKind.SIGN_OUT.value, user_id, since_utc],
        ).fetchone()
        if out is not None:
            return "You signed out (in another tab or browser). Sign in again to go on."
        removed = con.execute(
            "SELECT 1 FROM audit_event WHERE kind = ? AND at_utc > ?"
            " AND CASE WHEN json_valid(detail) THEN json_extract(detail, '$.grantee') END = ?"
            " LIMIT 1",
            [EventKind.ACCESS_REMOVED.value, since_utc, user_id],
        ).fetchone()
    if removed is not None:
        return "Your access was removed by the service's administrator."
    return ""
