"""The audit log (phm.audit): chain, tamper detection, concurrent writers, filters, CSV, CLI."""

import sqlite3
import subprocess
import sys
import threading
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from phm import settings
from phm.access import OrgType, Principal, Role
from phm.access.grants import (
    ensure_grant,
    grant_access,
    read_grants,
    remove_access,
    verify_log,
)
from phm.access.roles import Refused
from phm.audit import log
from phm.audit.pages import entries_csv, filter_choices, read_entries
from phm.cli import main
from phm.cohort import Cohort

PLANNER = Principal("u-planner", Role.PLANNER, "QMJ", OrgType.ICB, "Planner")
NURSE = Principal("u-nurse", Role.PRACTICE, "P00001", OrgType.GP_PRACTICE, "Nurse")
ADMIN = Principal("u-admin", Role.ADMINISTRATOR, "QMJ", OrgType.ICB, "Admin")


def write_some(path: Path) -> None:
    """Write five entries of every kind of detail."""
    cohort = Cohort().with_(languages=("Polish",), boroughs=("E09000010",))
    log.append(path, PLANNER, "sign_in", at=datetime(2021, 2, 1, 9, tzinfo=UTC))
    log.append(path, PLANNER, "page_view", page="explore", cohort=cohort, records=12)
    log.append(
        path, NURSE, "export", page="overview", records=40, file_sha256=log.file_sha256("a,b")
    )
    log.append(path, NURSE, "refused", page="audit", detail="Only an administrator can read it")
    log.append(path, PLANNER, "sign_out", at=datetime(2021, 3, 1, 17, tzinfo=UTC))


def test_append_then_verify_ok_and_entries_carry_codes_not_words(tmp_path):
    path = tmp_path / "audit.sqlite"
    write_some(path)
    result = log.verify(path)
    assert result.ok and result.entries == 5
    second = list(log.entries(path))[1]
    assert second.cohort == '{"borough": ["E09000010"], "language": ["Polish"]}'
    assert second.at_utc.endswith("Z") and second.prev_hash == list(log.entries(path))[0].hash
    assert list(log.entries(path))[0].at_utc == "2021-02-01T09:00:00.000000Z"
    with pytest.raises(ValueError):
        log.append(path, PLANNER, "deleted_everything")


def test_sqlite_refuses_updates_and_deletes(tmp_path):
    path = tmp_path / "audit.sqlite"
    write_some(path)
    con = sqlite3.connect(path)
    for sql in ("UPDATE audit_event SET records = 1", "DELETE FROM audit_event WHERE seq = 2"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            con.execute(sql)
    con.close()


def tamper(path: Path, *statements: str) -> None:
    """Change the file as someone with write access could: around the triggers."""
    con = sqlite3.connect(path)
    con.execute("DROP TRIGGER audit_event_no_update")
    con.execute("DROP TRIGGER audit_event_no_delete")
    for sql in statements:
        con.execute(sql)
    con.commit()
    con.close()


@pytest.mark.parametrize(
    ("statements", "broken", "reason"),
    [
        (["UPDATE audit_event SET records = 1 WHERE seq = 3"], 3, "content does not match"),
        (["UPDATE audit_event SET user_id = 'someone' WHERE seq = 1"], 1, "content does not match"),
        (["DELETE FROM audit_event WHERE seq = 2"], 2, "entries removed or inserted"),
        (
            # An entry's link to the one before it changed.
            ["UPDATE audit_event SET prev_hash = hash WHERE seq = 4"],
            4,
            "previous-hash does not match",
        ),
    ],
)
def test_verify_reports_the_first_tampered_entry(tmp_path, statements, broken, reason):
    path = tmp_path / "audit.sqlite"
    write_some(path)
    tamper(path, *statements)
    result = log.verify(path)
    assert not result.ok and result.broken_seq == broken and reason in result.reason
    assert result.entries == broken - 1


def test_cli_verify_exits_non_zero_on_tampering(tmp_path, capsys):
    path = tmp_path / "audit.sqlite"
    write_some(path)
    assert main(["audit", "verify", "--db", str(path)]) == 0
    assert "OK: 5 entries" in capsys.readouterr().out
    tamper(path, "UPDATE audit_event SET page = 'about' WHERE seq = 2")
    assert main(["audit", "verify", "--db", str(path)]) == 1
    assert "TAMPERED at entry 2" in capsys.readouterr().out
    assert main(["audit", "verify", "--db", str(tmp_path / "missing.sqlite")]) == 2


def test_concurrent_writers_in_threads_lose_nothing(tmp_path):
    path = tmp_path / "audit.sqlite"
    threads, per_thread = 16, 25

    def session(i: int) -> None:
        user = Principal(f"u{i}", Role.PLANNER, "QMJ", OrgType.ICB, "x")
        for n in range(per_thread):
            log.append(path, user, "page_view", page="explore", records=n)

    workers = [threading.Thread(target=session, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert log.count(path) == threads * per_thread
    assert log.verify(path).ok


def test_threads_of_one_server_take_turns_without_sqlites_busy_retries(tmp_path, monkeypatch):
    """A server's sessions queue on the process's own lock, woken in turn: with no busy
    timeout at all, SQLite would refuse the writers that find the log locked."""
    monkeypatch.setattr(log, "BUSY_TIMEOUT_S", 0.0)
    path = tmp_path / "audit.sqlite"
    errors: list[BaseException] = []

    def session(i: int) -> None:
        user = Principal(f"u{i}", Role.PLANNER, "QMJ", OrgType.ICB, "x")
        try:
            for n in range(20):
                log.append(path, user, "page_view", page="explore", records=n)
        except BaseException as error:  # noqa: BLE001 - collected for the assertion
            errors.append(error)

    workers = [threading.Thread(target=session, args=(i,)) for i in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    assert log.count(path) == 8 * 20 and log.verify(path).ok


WRITER = """
import sys
from pathlib import Path
from phm.access import OrgType, Principal, Role
from phm.audit import log
user = Principal(sys.argv[2], Role.PLANNER, "QMJ", OrgType.ICB, "x")
for n in range(int(sys.argv[3])):
    log.append(Path(sys.argv[1]), user, "page_view", page="trends", records=n)
"""


def test_concurrent_writers_in_two_processes_and_threads_lose_nothing(tmp_path):
    path = tmp_path / "audit.sqlite"
    command = [sys.executable, "-c", WRITER, str(path)]
    processes = [
        subprocess.Popen([*command, f"proc{i}", "150"], cwd=settings.ROOT) for i in range(2)
    ]
    for n in range(100):  # this process writes too, while they do
        log.append(path, PLANNER, "page_view", page="map", records=n)
    assert [p.wait(timeout=120) for p in processes] == [0, 0]
    assert log.count(path) == 2 * 150 + 100
    assert log.verify(path).ok
    users = {e.user_id for e in log.entries(path)}
    assert users == {"proc0", "proc1", PLANNER.user_id}


KILLED_WRITER = """
import sys
from pathlib import Path
from phm.access import OrgType, Principal, Role
from phm.audit import log
user = Principal("killed", Role.PLANNER, "QMJ", OrgType.ICB, "x")
while True:
    entry = log.append(Path(sys.argv[1]), user, "page_view", page="map")
    print(entry.seq, flush=True)
"""


def test_a_writer_killed_mid_stream_leaves_a_log_that_verifies_with_every_acknowledged_entry(
    tmp_path,
):
    path = tmp_path / "audit.sqlite"
    writer = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(path)],
        cwd=settings.ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    acknowledged = [int(writer.stdout.readline()) for _ in range(200)]
    writer.kill()  # SIGKILL: no clean-up runs
    writer.wait(timeout=30)
    writer.stdout.close()
    result = log.verify(path)
    assert result.ok
    assert result.entries >= acknowledged[-1] == 200


def test_audit_page_filters_by_user_organisation_page_kind_and_date(tmp_path):
    path = tmp_path / "audit.sqlite"
    write_some(path)
    assert len(read_entries(path)) == 5
    assert set(read_entries(path, user_id="u-nurse")["kind"]) == {"export", "refused"}
    assert list(read_entries(path, org_code="P00001")["seq"]) == [4, 3]
    assert list(read_entries(path, page="explore")["records"]) == [12]
    assert list(read_entries(path, kinds=("sign_in", "sign_out"))["seq"]) == [5, 1]
    february = read_entries(path, start=date(2021, 2, 1), end=date(2021, 2, 28))
    assert list(february["seq"]) == [1]
    assert list(read_entries(path, start=date(2021, 3, 1), end=date(2021, 3, 1))["seq"]) == [5]
    choices = filter_choices(path)
    assert choices["org_code"] == ["P00001", "QMJ"]
    assert choices["page"] == ["audit", "explore", "overview"]


def test_audit_csv_neutralises_formulas_and_names_its_filters(tmp_path):
    path = tmp_path / "audit.sqlite"
    log.append(path, PLANNER, "refused", detail='=HYPERLINK("http://x")')
    text = entries_csv(read_entries(path), "user u-planner")
    assert text.startswith("# PHM Vaccination Uptake Explorer: audit log extract\r\n")
    assert "# Filters: user u-planner" in text
    assert "'=HYPERLINK" in text


def test_grants_open_and_close_with_dates_and_are_chained(tmp_path):
    path = tmp_path / "audit.sqlite"
    grant_access(path, NURSE, date(2021, 1, 4), by=ADMIN)
    with pytest.raises(ValueError, match="already has access"):
        grant_access(path, NURSE, date(2021, 1, 5), by=ADMIN)
    assert not ensure_grant(path, NURSE, date(2021, 2, 1))
    assert ensure_grant(path, PLANNER, date(2021, 2, 1))
    remove_access(path, NURSE.user_id, date(2021, 3, 31), by=ADMIN)
    with pytest.raises(ValueError, match="no access to remove"):
        remove_access(path, NURSE.user_id, date(2021, 4, 1), by=ADMIN)
    grants = read_grants(path).set_index("user_id")
    assert str(grants.loc["u-nurse", "removed_on"].date()) == "2021-03-31"
    assert str(grants.loc["u-planner", "granted_on"].date()) == "2021-02-01"
    # Every grant, the one opened at a first sign-in too, is an entry of the chain.
    assert [e.kind for e in log.entries(path)] == [
        "access_granted",
        "access_granted",
        "access_removed",
    ]
    assert log.verify(path).ok and verify_log(path).ok
    # Removed access is not reopened by signing in again; a new grant reopens it.
    with pytest.raises(Refused, match="Your access was removed on 2021-03-31"):
        ensure_grant(path, NURSE, date(2021, 4, 2))
    grant_access(path, NURSE, date(2021, 5, 1), by=ADMIN)
    assert not ensure_grant(path, NURSE, date(2021, 5, 2))
