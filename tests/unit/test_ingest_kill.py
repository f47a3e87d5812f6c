"""A load killed mid-way (SIGKILL, no cleanup) leaves the live database byte-identical and usable."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from phm import cli, geo, workfiles
from phm.check import check_database
from phm.ingest import datasets, report
from phm.ingest.load import ingest
from phm.ingest.sample import write_sample_extract

REF = geo.REFERENCE_ROOT / "north-central-london"
ROOT = Path(__file__).resolve().parents[2]

# Runs a load whose progress callback, at the chosen step, says so and then waits to be killed.
CHILD = """
import json, sys, time
from datetime import date
from pathlib import Path
from phm.ingest import datasets, report
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


def _start(files, live: Path, step: str) -> subprocess.Popen:
    """Start a load that stops at `step` and waits (to be killed); return it once it is there."""
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
    line = child.stdout.readline()
    assert line.startswith("REACHED"), line
    return child


def _kill(child: subprocess.Popen) -> None:
    os.kill(child.pid, signal.SIGKILL)
    child.wait()


def _work_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.mark.parametrize("cleaner", ["next load", "phm check"])
def test_a_killed_load_leaves_debris_that_the_next_load_or_check_removes(
    cleaner, tiny_db, tmp_path, capsys
) -> None:
    files = write_sample_extract(tiny_db, tmp_path / "extract", "csv")
    live = tmp_path / "data" / "live.duckdb"
    assert ingest(files, live, REF, as_at=date(2022, 3, 31)).loaded
    _kill(_start(files, live, "Validating"))
    _kill(_start(files, live, "Writing tables"))  # this load cleaned the first one's debris
    debris = _work_files(live.parent)
    assert any(n.endswith(".building") for n in debris)
    assert any(n.endswith(".staging") for n in debris)
    assert sum(n.endswith(".lock") for n in debris) == 1
    if cleaner == "phm check":
        assert cli.main(["check", str(live)]) == 0
        assert "left by a load that was interrupted" in capsys.readouterr().out
    else:
        assert ingest(files, live, REF, as_at=date(2022, 3, 31)).loaded
    assert _work_files(live.parent) == []


def test_cleaning_never_touches_a_live_load(tiny_db, tmp_path) -> None:
    files = write_sample_extract(tiny_db, tmp_path / "extract", "csv")
    live = tmp_path / "data" / "live.duckdb"
    assert ingest(files, live, REF, as_at=date(2022, 3, 31)).loaded
    running = _start(files, live, "Writing tables")
    try:
        mine = _work_files(live.parent)
        assert any(n.endswith(".building") for n in mine)
        _kill(_start(files, live, "Validating"))  # its start left the running load's files be
        assert set(mine) < set(_work_files(live.parent))
        dead = [n for n in _work_files(live.parent) if n not in mine]
        removed = {p.name for p in workfiles.clean_debris(live.parent)}
        assert removed == set(dead)
        assert _work_files(live.parent) == mine  # the running load's files are all there
    finally:
        _kill(running)


def _shown_report(live: Path) -> Path | None:
    (item,) = [d for d in datasets.list_datasets(live) if d.path == live]
    return item.report


def test_a_kill_between_report_and_swap_shows_no_report_for_the_old_database(
    tiny_db, tmp_path
) -> None:
    files = write_sample_extract(tiny_db, tmp_path / "extract", "csv")
    live = tmp_path / "data" / "live.duckdb"
    assert ingest(files, live, REF, as_at=date(2022, 3, 31), name="first").loaded
    first = report.read(live.with_name("live.report.json"))
    assert report.describes(first, datasets.read_meta(live))
    assert _shown_report(live) == live.with_name("live.report.json")
    _kill(_start(files, live, "Swapping in"))  # the new report is written, the swap not done
    beside = report.read(live.with_name("live.report.json"))
    assert beside["build_id"] != first["build_id"]
    assert not report.describes(beside, datasets.read_meta(live))
    assert _shown_report(live) is None  # never the report of another database


def test_a_database_built_by_another_command_does_not_inherit_the_report(tiny_db, tmp_path) -> None:
    files = write_sample_extract(tiny_db, tmp_path / "extract", "csv")
    live = tmp_path / "data" / "live.duckdb"
    assert ingest(files, live, REF, as_at=date(2022, 3, 31)).loaded
    assert _shown_report(live) is not None
    shutil.copy(tiny_db, live)  # e.g. `demo --out` to the same path
    assert _shown_report(live) is None
