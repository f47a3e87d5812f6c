"""One SQLite write transaction, taken before anything is read (the audit log, the register)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def immediate(con: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Run the block in BEGIN IMMEDIATE (the write lock first), commit it, roll back on error.

    The connection must be in autocommit mode (isolation_level=None): the transaction is ours.
    """
    con.execute("BEGIN IMMEDIATE")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
