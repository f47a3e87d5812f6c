"""Connections to the DuckDB file: read-only for the app, built beside and swapped in atomically."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb


def connect_read_only(path: Path) -> duckdb.DuckDBPyConnection:
    """Open a database for reading; raise FileNotFoundError with the path when it is missing."""
    if not path.exists():
        raise FileNotFoundError(f"no database at {path}; build one with: python -m phm demo")
    return duckdb.connect(str(path), read_only=True)


@contextmanager
def building(target: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a connection to a new database beside `target`, moved over it only on success.

    A crash or exception leaves `target` untouched; the partial file is removed.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".building", dir=target.parent
    )
    os.close(handle)
    temp = Path(name)
    temp.unlink()
    con = duckdb.connect(str(temp))
    try:
        yield con
        con.execute("CHECKPOINT")
        con.close()
        os.replace(temp, target)
    except BaseException:
        con.close()
        temp.unlink(missing_ok=True)
        Path(f"{temp}.wal").unlink(missing_ok=True)
        raise


def dataset_version(path: Path) -> str:
    """Return a token that changes whenever the database file is replaced (a cache key)."""
    stat = path.stat()
    return f"{stat.st_ino}-{stat.st_mtime_ns}-{stat.st_size}"
