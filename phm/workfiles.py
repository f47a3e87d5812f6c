"""Work files of a load beside its target, claimed by a held lock, so a dead load's debris is cleaned.

Each load claims a token: it creates `.<target>.<token>.lock` and holds an exclusive `flock` on
it for as long as it runs; every work file it makes beside the target (`.building`, `.staging`,
their DuckDB `.wal`) is named `.<target>.<token>.<suffix>`. The kernel releases the lock when
the process ends, however it ends (SIGKILL included), so a lock that can be taken belongs to a
dead load: `clean_debris` removes its files. A live load's lock cannot be taken, so its files are
never touched, and no process id (which the system may reuse) is trusted.
"""

from __future__ import annotations

import fcntl
import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

LOCK_SUFFIX = ".lock"
TOKEN = re.compile(r"^\.(?P<target>.+)\.(?P<token>w[0-9a-f]{16})\.lock$")


@dataclass(frozen=True)
class Claim:
    """The work files of one running load beside `target`."""

    target: Path
    token: str

    def path(self, suffix: str) -> Path:
        """Return the work file with this suffix, e.g. '.building' -> .live.duckdb.w1a2b.building."""
        return self.target.with_name(f".{self.target.name}.{self.token}{suffix}")

    def files(self) -> list[Path]:
        """Return the work files of this claim that exist (the lock file last)."""
        prefix = f".{self.target.name}.{self.token}"
        found = [p for p in self.target.parent.glob(f"{glob_escape(prefix)}*") if p.is_file()]
        lock = self.path(LOCK_SUFFIX)
        return sorted(p for p in found if p != lock) + ([lock] if lock in found else [])


def glob_escape(text: str) -> str:
    """Return text with glob's special characters made literal."""
    return re.sub(r"([*?\[])", r"[\1]", text)


@contextmanager
def claim(target: Path) -> Iterator[Claim]:
    """Hold a lock beside `target` for the block; its work files are removed when it ends."""
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_debris(target.parent)
    item = Claim(target, "w" + secrets.token_hex(8))
    # Lock under another name, then rename: a cleaner never sees an unlocked .lock file.
    pending = item.path(".locking")
    handle = os.open(pending, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        os.write(handle, str(os.getpid()).encode())
        os.replace(pending, item.path(LOCK_SUFFIX))
        try:
            yield item
        finally:
            for path in item.files():
                path.unlink(missing_ok=True)
    finally:
        pending.unlink(missing_ok=True)
        os.close(handle)


def clean_debris(folder: Path) -> list[Path]:
    """Remove the work files of loads in `folder` that died; return what was removed."""
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for lock in sorted(folder.glob(".*" + LOCK_SUFFIX)):
        match = TOKEN.match(lock.name)
        if not match:
            continue
        try:
            handle = os.open(lock, os.O_RDWR)
        except OSError:
            continue  # removed meanwhile, or not ours to open
        try:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue  # held: a live load
            item = Claim(folder / match.group("target"), match.group("token"))
            for path in item.files():
                try:
                    path.unlink()
                    removed.append(path)
                except FileNotFoundError:
                    pass
        finally:
            os.close(handle)
    return removed
