"""Secret record keys for the cell key method: a keyed hash of each pseudonymous id.

A person's record key (0-255) must be the same in every weekly refresh, or two refreshes
could be differenced, and must not be computable by anyone who knows the pseudonymous ids
but not the secret. It is the first byte of SHA-256(secret ":" person_id), computed in
DuckDB when a database is built, with the secret held outside the database (a file named by
PHM_RECORD_KEY_FILE). The demo's secret comes from its seed, so its figures are reproducible;
synthetic people need no secret.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

RECORD_KEY_SQL = (
    "CAST(('0x' || left(sha256($record_key_secret || ':' || CAST(person_id AS VARCHAR)), 2))"
    " AS UTINYINT)"
)
MIN_SECRET_LENGTH = 32


def demo_secret(seed: int) -> str:
    """Return the record-key secret of a synthetic demo: public, from its seed (synthetic only)."""
    return f"synthetic-demo-seed-{seed}-not-secret"


def fingerprint(secret: str) -> str:
    """Return a short fingerprint of a secret, to check two builds used the same one."""
    return hashlib.sha256(b"phm record-key fingerprint:" + secret.encode()).hexdigest()[:12]


def load_secret(path: Path) -> tuple[str, bool]:
    """Return (secret, created): read the secret file, creating it (mode 600) when missing."""
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        secret = path.read_text(encoding="utf-8").strip()
        if len(secret) < MIN_SECRET_LENGTH:
            raise ValueError(
                f"the record-key secret in {path.name} is shorter than {MIN_SECRET_LENGTH}"
                " characters; restore the file the earlier loads used"
            ) from None
        return secret, False
    secret = secrets.token_hex(32)
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        file.write(secret + "\n")
    return secret, True
