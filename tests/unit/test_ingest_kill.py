"""A load killed mid-way (SIGKILL, no cleanup) leaves the live database byte-identical and usable."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from phm import geo
from phm.check import check_database
from phm.ingest.load import ingest
from phm.ingest.sample import write_sample_extract

REF = geo.REFERENCE_ROOT / "north-central-london"
ROOT = Path(__file__).resolve().parents[2]

# Runs a load whose progress callback, at the chosen step, says so and then waits to be killed.
CHILD = """
import json, sys, time
from datetime import date
from pathlib import Path
from phm.ingest.load import ingest
files, out, ref, step = json.loads(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
def progress(message, fraction):
    if message.startswith(step):
        print("REACHED", message, flush=True)
        time.sleep(600)
ingest({k: Path(v) for k, v in files.items()}, out, ref, as_at=date(2022, 3, 31), progress=progress)
print("FINISHED", flush=True)
"""


@pytest.mark.parametrize("step", ["Validating", "Writing tables", "Swapping in"])
def test_kill_mid_load_leaves_live_database_untouched(step, tiny_db, tmp_path) -> None:
    files = write_sample_extract(tiny_db, tmp_path / "extract", "csv")
    live = tmp_path / "data" / "live.duckdb"
    assert ingest(files, live, REF, as_at=date(2022, 3, 31)).loaded
    before = hashlib.sha256(live.read_bytes()).hexdigest()
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            CHILD,
            json.dumps({k: str(v) for k, v in files.items()}),
            str(live),
            str(REF),
            step,
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        line = child.stdout.readline()
        assert line.startswith("REACHED"), line
        building = [p for p in live.parent.iterdir() if p.name.endswith(".building")]
        assert building, "the new database is being built beside the live one"
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL
    assert hashlib.sha256(live.read_bytes()).hexdigest() == before
    assert check_database(live) == []
    # A later load still works despite the debris the killed one left behind.
    assert ingest(files, live, REF, as_at=date(2022, 3, 31)).loaded
