"""`python -m phm access`: the administrator grants and removes access with dates, audited."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def phm(*args: str) -> subprocess.CompletedProcess:
    """Run the command line as an operator would."""
    return subprocess.run(
        [sys.executable, "-m", "phm", *args], cwd=ROOT, capture_output=True, text=True
    )


def test_grant_list_remove_and_the_chain_still_verifies(tmp_path):
    db = str(tmp_path / "audit.sqlite")
    granted = phm(
        "access",
        "grant",
        "--db",
        db,
        "--user-id",
        "u1",
        "--role",
        "practice",
        "--org",
        "P00001",
        "--org-type",
        "gp_practice",
        "--on",
        "2021-01-04",
        "--by",
        "Sam Reid",
    )
    assert granted.returncode == 0, granted.stderr
    again = phm("access", "grant", "--db", db, "--user-id", "u1", "--on", "2021-01-05")
    assert again.returncode == 1 and "already has access" in again.stderr
    removed = phm("access", "remove", "--db", db, "--user-id", "u1", "--on", "2021-03-01")
    assert removed.returncode == 0, removed.stderr
    listed = phm("access", "list", "--db", db)
    lines = listed.stdout.strip().splitlines()
    assert lines[0].startswith("user_id,role,org_code,org_type,granted_on,removed_on")
    assert lines[1].startswith("u1,practice,P00001,gp_practice,2021-01-04,2021-03-01")
    verified = phm("audit", "verify", "--db", db)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    nothing = phm("access", "remove", "--db", db, "--user-id", "u1")
    assert nothing.returncode == 1 and "no access to remove" in nothing.stderr


def test_a_grant_needs_someone_to_grant_it_to(tmp_path):
    result = phm("access", "grant", "--db", str(tmp_path / "audit.sqlite"))
    assert result.returncode == 2 and "--user-id" in result.stderr
