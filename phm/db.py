"""Connections to the DuckDB file: read-only for the app, built beside and swapped in atomically."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from phm import workfiles

# How long a lease waits for the queries still running on a replaced file before giving up.
DRAIN_TIMEOUT_S = 120.0


def connect_read_only(path: Path) -> duckdb.DuckDBPyConnection:
    """Open a database for reading; raise FileNotFoundError with the path when it is missing."""
    if not path.exists():
        raise FileNotFoundError(f"no database at {path}; build one with: python -m phm demo")
    return duckdb.connect(str(path), read_only=True)


def ensure_replaceable(target: Path) -> None:
    """Raise ValueError unless a database can be built beside `target` and moved over it."""
    if target.is_dir():
        raise ValueError(
            f"{target} is a folder, not a database file; give a file name such as"
            f" {target / 'NAME.duckdb'}"
        )
    folder = target.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise ValueError(
            f"cannot write in {folder} (read-only or permission denied): the new database"
            f" {target.name} is built beside the live one there"
        )


@contextmanager
def building(
    target: Path, work: workfiles.Claim | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a connection to a new database beside `target`, moved over it only on success.

    A crash or exception leaves `target` untouched; the partial file is removed, and one left
    by a killed process is removed by the next load (phm.workfiles). `work`: the claim of a
    load that has other work files beside the target (else one is made here).
    """
    ensure_replaceable(target)
    if work is None:
        with workfiles.claim(target) as claimed, building(target, claimed) as con:
            yield con
        return
    temp = work.path(".building")
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


class DatabaseBusy(RuntimeError):
    """The database was replaced, and queries on the old file did not finish in time."""


@dataclass(eq=False)
class _Open:
    """One open read-only connection: the file version it reads and the leases holding it."""

    path: str
    version: str
    con: duckdb.DuckDBPyConnection
    users: int = 0
    retired: bool = False


class Readers:
    """Shared read-only connections, one per database path, that follow a file swapped in there.

    DuckDB keeps one database instance per file in a process (its instance cache, keyed by the
    resolved path, so no alias of the path escapes it), and connecting while that instance is
    open returns it: the file it opened, even after another file was swapped in at the path.
    So the new file can be opened only once every connection to the old one is closed.

    Each lease (`reading`) compares the file's version (`dataset_version`) with the version of
    the open connection. When they differ the connection is retired: the leases holding it
    finish their queries on the old file, it is closed when the last of them ends, and then the
    new file is opened. Leases taken meanwhile wait for that (at most `drain_timeout` seconds,
    then DatabaseBusy), so every lease begun after a swap reads the new file. Connections to
    other paths (a dataset no longer active) are retired in the same way, so no replaced or
    deleted file is kept open.

    A lease taken inside another lease of the same thread gets the same connection.
    Connections are shared by threads: run each query on its own `con.cursor()`.
    """

    def __init__(self, drain_timeout: float = DRAIN_TIMEOUT_S) -> None:
        self._drain_timeout = drain_timeout
        self._changed = threading.Condition()
        self._current: dict[str, _Open] = {}
        self._retired: list[_Open] = []
        self._local = threading.local()

    @contextmanager
    def reading(self, path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
        """Yield a read-only connection to the file now at `path`, held open until the block ends."""
        key = os.path.abspath(path)
        held: dict[str, _Open] = self._local.__dict__.setdefault("held", {})
        if key in held:  # nested in a lease of this thread: the same file
            yield held[key].con
            return
        lease = self._acquire(key, Path(key))
        held[key] = lease
        try:
            yield lease.con
        finally:
            del held[key]
            self._release(lease)

    def open_versions(self) -> dict[str, list[str]]:
        """Return the file versions each path has open (the current one last), for tests."""
        with self._changed:
            found: dict[str, list[str]] = {}
            for item in [*self._retired, *self._current.values()]:
                found.setdefault(item.path, []).append(item.version)
            return found

    def close(self) -> None:
        """Retire every connection: idle ones close now, the others when their leases end."""
        with self._changed:
            for item in list(self._current.values()):
                self._retire(item)
            self._changed.notify_all()

    def _acquire(self, key: str, path: Path) -> _Open:
        """Return the open connection to the file at `path` with one more lease on it."""
        deadline = time.monotonic() + self._drain_timeout
        with self._changed:
            while True:
                try:
                    version = dataset_version(path)
                except FileNotFoundError:
                    raise FileNotFoundError(
                        f"no database at {path}; build one with: python -m phm demo"
                    ) from None
                current = self._current.get(key)
                if current is not None and current.version == version:
                    current.users += 1
                    return current
                for item in list(self._current.values()):
                    self._retire(item)  # a replaced file, or another path than the one read now
                if not any(item.path == key for item in self._retired):
                    con = connect_read_only(path)
                    if dataset_version(path) != version:  # replaced while being opened
                        con.close()
                        continue
                    opened = _Open(key, version, con, users=1)
                    self._current[key] = opened
                    return opened
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise DatabaseBusy(
                        f"{path.name} was replaced, and queries on the previous file have run for"
                        f" more than {self._drain_timeout:.0f} s; try again in a moment"
                    )
                self._changed.wait(remaining)

    def _retire(self, item: _Open) -> None:
        """Stop handing out a connection; close it now when no lease holds it (lock held)."""
        if self._current.get(item.path) is item:
            del self._current[item.path]
        item.retired = True
        if item.users == 0:
            item.con.close()
        elif item not in self._retired:
            self._retired.append(item)

    def _release(self, item: _Open) -> None:
        """End one lease; close a retired connection when it was the last."""
        with self._changed:
            item.users -= 1
            if item.retired and item.users == 0:
                item.con.close()
                self._retired.remove(item)
                self._changed.notify_all()
