"""Attacks on sign-in, roles and the audit log, run as an outsider would.

Only what a browser tab sends and receives is used: the URL and query string, widget values
over the websocket (tests/browser/streamlit_ws.Tab), the BackMsg a tab sends to fetch a
deferred download, plain HTTP GETs of the URLs the server hands out, and Chromium driving a
real OpenID Connect provider (oidc-provider-mock) for the production sign-in. The audit log is
read afterwards only to score the attacks; the tampering tests work on a copy of a log.

Each finding (the FINDING_* texts: what was found, before the fix) has a test that failed
while the weakness was there and passes since it was fixed.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlencode

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from components.pages import PAGES
from phm.access.demo import DEMO_USERS
from phm.audit import log
from tests.browser.conftest import CIS2_USERS
from tests.browser.streamlit_ws import Element, Run, Tab, Trigger

ROOT = Path(__file__).resolve().parents[2]
PICKER_HEADING = "Demo sign-in"
# Element kinds that carry figures: none of them may reach a tab that may not see figures.
DATA_KINDS = (
    "dataframe",
    "arrow_data_frame",
    "vega_lite_chart",
    "arrow_vega_lite_chart",
    "deck_gl_json_chart",
    "plotly_chart",
    "metric",
    "download_button",
    "table",
    "json",
)
PERSON_PAGES = [name for name in PAGES if not name.startswith("published_")]
# Pages of a cohort (their frame scopes it to the principal), as opposed to info pages.
COHORT_PAGES = [
    name
    for name in PERSON_PAGES
    if "open_page(" in (ROOT / "views" / PAGES[name].file).read_text(encoding="utf-8")
]
EVIL = "X\nINJECTED\r\x1b[31m\x00<script>alert(1)</script>[a](javascript:alert(1))" + "A" * 4000

FINDING_EXPORT_URL = (
    "finding 1: an export's bytes can be taken without an `export` audit entry: the eager"
    " download's /media/ URL is in the page's ForwardMsg and any HTTP client (no cookie, no"
    " click) gets the file; the on_click audit only records the button press"
)
FINDING_EXPORT_DEFERRED = (
    "finding 1: a deferred download (the business case brief) is generated and served on a"
    " BackMsg backend_operation_request(deferred_file) with no button press, so no `export`"
    " entry is written; the audit needs to happen where the bytes are made"
)
FINDING_PDF_HASH = (
    "finding 2: the business case PDF is rebuilt (fpdf2 stamps the creation time) between the"
    " on_click audit and the download, so the audited file_sha256 never matches the file the"
    " person got: an exported PDF found later cannot be traced through the log"
)
FINDING_OTHER_TABS = (
    "finding 3: signing out ends only the tab it was pressed in; another open tab of the same"
    " browser keeps its principal (session state) and keeps reading figures, audited under"
    " the person after their sign_out entry"
)
FINDING_COOKIE_REPLAY = (
    "finding 4: the identity cookie is stateless (signed, 30 days): a copy taken before"
    " sign-out still signs in after it; sign-out revokes nothing on the server"
)
FINDING_REMOVED_ACCESS = (
    "finding 5: `phm access remove` is not enforced: the removed person signs in again, the"
    " gate opens a new grant for them (ensure_grant) and they see figures as before"
)
FINDING_GRANTS_UNCHAINED = (
    "finding 6: the access_grant table is outside the hash chain and `audit verify` does not"
    " compare it with the access_granted/access_removed entries, so editing or deleting a"
    " grant (which the Usage page's share of people using the app is computed from) passes"
    " verification"
)


# --- helpers -----------------------------------------------------------------------------


class _Recorder:
    """Wraps a tab's websocket to remember its session id (from the new_session message)."""

    def __init__(self, socket) -> None:
        self.socket = socket
        self.session_id = ""

    def send(self, message: bytes) -> None:
        self.socket.send(message)

    def recv(self, timeout: float | None = None) -> bytes:
        raw = self.socket.recv(timeout=timeout)
        forward = ForwardMsg()
        forward.ParseFromString(raw)
        if forward.WhichOneof("type") == "new_session":
            self.session_id = forward.new_session.initialize.session_id
        return raw


def _open_tab(url: str) -> tuple[Tab, _Recorder]:
    """Return an entered Tab whose socket remembers the session id."""
    tab = Tab(url).__enter__()
    recorder = _Recorder(tab.socket)
    tab.socket = recorder  # type: ignore[assignment]
    return tab, recorder


def _http_get(url: str) -> bytes:
    """GET a URL as a plain client: no cookie, no websocket, no session."""
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read()


def _take_file(base_url: str, recorder: _Recorder, button: Element) -> bytes:
    """Return a download button's bytes the way a client can, without pressing the button.

    An eager download's file is at the URL the page already sent; a deferred one is made on
    a backend_operation_request (what the frontend sends), which answers with its URL.
    """
    if button.proto.url:
        return _http_get(base_url + button.proto.url)
    message = BackMsg()
    request = message.backend_operation_request
    request.request_id = str(uuid.uuid4())
    request.session_id = recorder.session_id
    request.deferred_file.file_id = button.proto.deferred_file_id
    recorder.send(message.SerializeToString())
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        forward = ForwardMsg()
        forward.ParseFromString(recorder.recv(timeout=60))
        if forward.WhichOneof("type") == "backend_operation_response":
            answer = forward.backend_operation_response
            if answer.request_id != request.request_id:
                continue
            assert answer.deferred_file.url, f"deferred file refused: {answer}"
            return _http_get(base_url + answer.deferred_file.url)
    raise TimeoutError("no answer to the deferred-file request")


def _data_elements(run: Run) -> list[str]:
    """Return the kinds of the elements of a run that carry figures."""
    return [e.kind for e in run.elements if e.kind in DATA_KINDS]


def _headings(run: Run) -> list[str]:
    return [e.proto.body for e in run.of("heading")]


def _alerts(run: Run) -> str:
    return "\n".join(e.proto.body for e in run.of("alert"))


def _real(audit: Path) -> list[log.Entry]:
    """Return the log's entries that are not the demo's generated year."""
    return [e for e in log.entries(audit) if not e.synthetic] if audit.exists() else []


def _signed_in_as(run: Run) -> str:
    """Return the sidebar's 'who is signed in' text of a run ('' when nobody)."""
    for element in run.of("markdown"):
        if " · " in element.proto.body and "**" in element.proto.body:
            return element.proto.body
    return ""


def _demo_label(key: str) -> str:
    return next(u.label for u in DEMO_USERS if u.key == key)


def _pick(tab: Tab, key: str, page: str = "") -> Run:
    """Sign a tab in through the demo picker as a demo user."""
    picker = tab.run(page)
    assert PICKER_HEADING in _headings(picker), _headings(picker)
    return tab.run(
        page,
        "",
        {
            picker.widget_id("phm_demo_user"): _demo_label(key),
            picker.widget_id("phm_demo_sign_in"): Trigger(),
        },
    )


# --- nobody signed in ----------------------------------------------------------------------


@pytest.mark.browser
def test_nobody_signed_in_gets_no_figures_from_any_page_url(start_server, tiny_db, tmp_path):
    """Every page's URL, with cohort and page parameters, shows only the picker before sign-in."""
    query = urlencode(
        {"practice": "P00001", "borough": "E09000007", "dose": "2", "due": "second", "by": "sex"}
    )
    with start_server(tiny_db, tmp_path / "server.log", {"PHM_DEMO_USER": ""}) as url:
        for page in ["", *(PAGES[name].url_path for name in PERSON_PAGES), "no_such_page"]:
            with Tab(url) as tab:
                for q in ("", query):
                    run = tab.run(page, q)
                    assert _headings(run) == [PICKER_HEADING], (page, _headings(run))
                    assert _data_elements(run) == [], (page, _data_elements(run))
                    assert not _signed_in_as(run), page
        # A plain HTTP client gets the static shell only.
        shell = _http_get(url + "/audit").decode("utf-8", "replace")
        assert "audit_event" not in shell and "user_id" not in shell
    assert _real(tmp_path / "audit.sqlite") == []


# --- forged widget values and session state ------------------------------------------------


@pytest.mark.browser
def test_pinned_demo_user_cannot_be_swapped_by_forged_picker_or_state_values(
    start_server, tiny_db, tmp_path
):
    """A kiosk pinned to the practice nurse: picker values and state keys sent over the
    websocket (with the picker's real widget ids) do not make the session anyone else."""
    env = {"PHM_DEMO_USER": "practice-nurse"}
    with start_server(tiny_db, tmp_path / "server.log", env) as url:
        # The picker is never drawn in a pinned session, so its widget ids are forged (ids end
        # with the widget's key), and bare session-state keys are sent as widget ids too.
        forged_values = {
            "principal": "administrator",
            "phm_demo_user": _demo_label("administrator"),
            "phm_signed_out": True,
        }
        with Tab(url) as tab:
            first = tab.run("audit")
            assert "Marta Nowak" in _signed_in_as(first)
            for forged in (
                {f"$$ID-{uuid.uuid4().hex}-phm_demo_user": _demo_label("administrator")},
                {f"$$ID-{uuid.uuid4().hex}-phm_demo_sign_in": Trigger()},
            ):
                run = tab.run("audit", "", forged)
                assert "Marta Nowak" in _signed_in_as(run)
                assert "Only an administrator can read the audit log" in _alerts(run)
                assert _data_elements(run) == []
        with Tab(url) as tab:
            # Bare session-state keys as widget ids: the run fails (generic error, no details)
            # but nothing of another role is drawn.
            run = tab.run("audit", "", forged_values)
            assert "Sam Reid" not in _signed_in_as(run)
            assert _data_elements(run) == []
            assert "Only an administrator can read the audit log" in _alerts(run) or any(
                e.kind == "exception" for e in run.elements
            )
            for exception in run.of("exception"):
                assert "Traceback" not in exception.proto.message
                assert "/work" not in exception.proto.message and not exception.proto.stack_trace
    entries = _real(tmp_path / "audit.sqlite")
    assert {e.role for e in entries} == {"practice"}


@pytest.mark.browser
def test_practice_nurse_gets_no_other_practice_figures_from_any_page(
    start_server, tiny_db, tmp_path
):
    """A planner's link naming another practice, opened by a practice nurse, on every page."""
    env = {"PHM_DEMO_USER": "practice-nurse"}
    with start_server(tiny_db, tmp_path / "server.log", env) as url, Tab(url) as tab:
        assert {"overview", "explore", "map", "targets"} <= set(COHORT_PAGES)
        for name in COHORT_PAGES:
            path = PAGES[name].url_path
            for query in ("practice=P00002", "practice=P00001&practice=P00002"):
                run = tab.run(path, query)
                assert _data_elements(run) == [], (path, query, _data_elements(run))
                assert _alerts(run), (path, query)  # the refusal's reason
            tab.run(path, "practice=P00001")  # back to her own, so the next link is new
    entries = _real(tmp_path / "audit.sqlite")
    refused = [e for e in entries if e.kind == "refused"]
    assert refused and all(e.org_code == "P00001" for e in entries)
    assert not any(e.kind == "page_view" and "P00002" in e.cohort for e in entries)


@pytest.mark.browser
def test_url_parameters_do_not_inject_text_into_the_audit_log(start_server, tiny_db, tmp_path):
    """Newlines, control characters, markup and huge values in every URL parameter."""
    params = ("practice", "borough", "ethnicity", "age_min", "dose", "as_at", "due", "by")
    query = urlencode({**{p: EVIL for p in params}, EVIL[:30]: EVIL})
    with start_server(tiny_db, tmp_path / "server.log") as url, Tab(url) as tab:
        for name in ("explore", "overview", "business_case", "audit", "targets", "map"):
            run = tab.run(PAGES[name].url_path, query)
            assert "<script>" not in run.text()  # reflected only escaped, to the sender
    entries = _real(tmp_path / "audit.sqlite")
    assert len(entries) >= 6
    for entry in entries:
        for text in (entry.cohort, entry.detail, entry.page):
            assert "INJECTED" not in text and "\x00" not in text and len(text) < 2000
    assert log.verify(tmp_path / "audit.sqlite").ok


# --- exports: every way to get an export's bytes must be audited --------------------------


def _export_hashes(audit: Path) -> set[str]:
    return {e.file_sha256 for e in _real(audit) if e.kind == "export" and e.file_sha256}


@pytest.mark.browser
@pytest.mark.parametrize(
    ("user", "page"),
    [
        ("borough-commissioner", "explore"),  # a protected table
        ("practice-nurse", "patients"),  # identifiable worklists and the SMS batch
    ],
)
def test_export_cannot_be_taken_by_its_url_without_an_export_entry(
    start_server, tiny_db, tmp_path, user, page
):
    """Each download's file fetched from the URL the page sent, by a client with no cookie."""
    if page not in PAGES:
        pytest.skip(f"no {page} page in this version")
    with start_server(tiny_db, tmp_path / "server.log", {"PHM_DEMO_USER": user}) as url:
        tab, recorder = _open_tab(url)
        try:
            run = tab.run(PAGES[page].url_path)
            buttons = run.of("download_button")
            assert buttons, f"{page} has no download button"
            taken = {hashlib.sha256(_take_file(url, recorder, b)).hexdigest() for b in buttons}
        finally:
            tab.__exit__(None, None, None)
    missing = taken - _export_hashes(tmp_path / "audit.sqlite")
    assert not missing, f"{len(missing)} of {len(taken)} files exported with no audit entry"


@pytest.mark.browser
def test_business_case_brief_cannot_be_taken_without_an_export_entry(
    start_server, tiny_db, tmp_path
):
    """The brief's deferred download asked for over the websocket, with no button press."""
    with start_server(tiny_db, tmp_path / "server.log") as url:
        tab, recorder = _open_tab(url)
        try:
            run = tab.run("business_case")
            buttons = run.of("download_button")
            assert buttons, "the business case has no download button"
            taken = [_take_file(url, recorder, b) for b in buttons]
        finally:
            tab.__exit__(None, None, None)
    assert all(len(body) > 1000 for body in taken)
    audited = _export_hashes(tmp_path / "audit.sqlite")
    assert {hashlib.sha256(body).hexdigest() for body in taken} <= audited


@pytest.mark.browser
def test_audited_hash_is_the_hash_of_the_brief_downloaded(start_server, tiny_db, tmp_path):
    """Press each brief button as the browser does, then download: the hashes must match."""
    with start_server(tiny_db, tmp_path / "server.log") as url:
        tab, recorder = _open_tab(url)
        got = {}
        try:
            first = tab.run("business_case")
            for button in first.of("download_button"):
                pressed = tab.run("business_case", "", {button.proto.id: Trigger()})
                again = next(
                    b for b in pressed.of("download_button") if b.proto.label == button.proto.label
                )
                time.sleep(1.1)  # a person takes a moment; timestamps in a file tick over
                got[button.proto.label] = hashlib.sha256(
                    _take_file(url, recorder, again)
                ).hexdigest()
        finally:
            tab.__exit__(None, None, None)
    audited = _export_hashes(tmp_path / "audit.sqlite")
    assert len(got) == 2
    missing = {label for label, digest in got.items() if digest not in audited}
    assert not missing, f"downloaded files whose hash is not in the log: {missing}"


@pytest.mark.browser
def test_export_files_cannot_be_had_after_sign_out(start_server, tiny_db, tmp_path):
    """No file URL is handed out before a click, and a signed-out tab gets no file at all."""
    with start_server(tiny_db, tmp_path / "server.log") as url:
        tab, recorder = _open_tab(url)
        try:
            run = tab.run("explore")
            button = run.of("download_button")[0]
            assert not button.proto.url  # made on request (and audited), never sent ahead
            assert _take_file(url, recorder, button)  # signed in: the file, audited
            out = tab.run("explore", "", {run.widget_id("sign_out"): Trigger()})
            assert PICKER_HEADING in _headings(out)
            with pytest.raises((AssertionError, TimeoutError, urllib.error.HTTPError)):
                _take_file(url, recorder, button)
        finally:
            tab.__exit__(None, None, None)


# --- usage: small counts --------------------------------------------------------------------


@pytest.mark.browser
def test_usage_page_does_not_show_this_months_handful_of_users(start_server, tiny_db, tmp_path):
    """Two real people used the app this month: the Usage page must not show the count."""
    with start_server(tiny_db, tmp_path / "server.log", {"PHM_DEMO_USER": ""}) as url:
        with Tab(url) as tab:
            _pick(tab, "ics-analyst", "overview")
            tab.run("overview")
        with Tab(url) as tab:
            _pick(tab, "programme-lead", "usage")
            run = tab.run("usage")
    month = time.strftime("%Y-%m", time.gmtime())
    shown = []
    for element in run.of("vega_lite_chart"):
        for frame in element.data.values():
            if frame is None or "month" not in frame.columns or "users" not in frame.columns:
                continue
            rows = frame[frame["month"].astype(str) == month]
            shown += [v for v in rows["users"] if v == v]  # NaN: suppressed (a gap)
    assert all(v == 0 or v >= 8 for v in shown), shown
    for element in run.of("dataframe"):
        assert "user_id" not in set(element.data.columns)


# --- the production sign-in: a real OIDC provider ---------------------------------------------


def _provider_sign_in(page, url: str, subject: str, expect_text: str) -> None:
    """Sign a Chromium page in at the local provider as a subject."""
    from playwright.sync_api import expect

    page.goto(url)
    button = page.get_by_role("button", name="Sign in with NHS Care Identity Service 2")
    expect(button).to_be_visible(timeout=60_000)
    button.click()
    page.locator("input[name='sub']").fill(subject)
    page.get_by_role("button", name="Authorize").click()
    expect(page.get_by_text(expect_text).first).to_be_visible(timeout=60_000)


def _cis2_user(oidc_provider, subject: str, name: str, org: str, role_code: str) -> None:
    oidc_provider.add_user(
        subject,
        {
            "name": name,
            "nhsid_nrbac_roles": [
                {"person_roleid": f"777{subject[-6:]}", "org_code": org, "role_code": role_code}
            ],
        },
    )


def _no_figures(page) -> None:
    from playwright.sync_api import expect

    for testid in ("stDataFrame", "stTable", "stMetric", "stVegaLiteChart", "stDeckGlJsonChart"):
        expect(page.locator(f"[data-testid='{testid}']")).to_have_count(0)
    expect(page.locator("[data-testid='stDownloadButton']")).to_have_count(0)


@pytest.mark.browser
def test_provider_sign_ins_with_no_role_or_an_unknown_practice_see_nothing(
    context, tiny_db, tmp_path, start_provider_server, oidc_provider
):
    from playwright.sync_api import expect
    from streamlit_page import settle

    _cis2_user(oidc_provider, "910000000091", "Nora Norole", "QMJ", "S8000:G8000:R9999")
    _cis2_user(oidc_provider, "910000000092", "Una Unknown", "P99999", "S0030:G0100:R8001")
    with start_provider_server(tiny_db, tmp_path) as url:
        page = context.new_page()
        _provider_sign_in(page, url, "910000000091", "No access")
        for path in ("overview", "audit", "patients", "explore?practice=P00001"):
            page.goto(f"{url}/{path}")
            expect(page.get_by_text("No access").first).to_be_visible(timeout=30_000)
            settle(page)
            _no_figures(page)
        other = context.browser.new_context()
        try:
            unknown = other.new_page()
            _provider_sign_in(unknown, url, "910000000092", "Una Unknown")
            for path in ("overview", "patients", "map", "explore?practice=P99999"):
                unknown.goto(f"{url}/{path}")
                settle(unknown)
                expect(unknown.get_by_text("Una Unknown").first).to_be_visible()
                _no_figures(unknown)
        finally:
            other.close()
    entries = _real(tmp_path / "audit.sqlite")
    nobody = [e for e in entries if e.role == "none"]
    assert nobody and all(e.kind == "refused" for e in nobody)
    assert not any(e.kind == "page_view" and e.org_code == "P99999" for e in entries)


@pytest.mark.browser
def test_sign_out_ends_the_persons_other_open_tabs(
    context, tiny_db, tmp_path, start_provider_server, provider_sign_in
):
    from playwright.sync_api import expect
    from streamlit_page import settle

    with start_provider_server(tiny_db, tmp_path) as url:
        first = context.new_page()
        provider_sign_in(first, url, "planner")
        second = context.new_page()  # a second tab of the same browser: same cookie
        second.goto(f"{url}/overview")
        expect(second.get_by_role("heading", name="Overview")).to_be_visible(timeout=60_000)
        settle(second)
        first.locator("[data-testid='stSidebar']").get_by_role("button", name="Sign out").click()
        end = first.get_by_role("button", name="End session")
        end.or_(
            first.get_by_role("button", name="Sign in with NHS Care Identity Service 2")
        ).first.wait_for(timeout=30_000)
        if end.count():
            end.click()
        # The other tab moves on inside the app (same websocket session).
        second.locator("[data-testid='stSidebarNav']").get_by_role("link", name="Explore").click()
        settle(second)
        figures = second.locator("[data-testid='stDataFrame']").count()
    entries = _real(tmp_path / "audit.sqlite")
    out = max(i for i, e in enumerate(entries) if e.kind == "sign_out")
    after = [e for e in entries[out + 1 :] if e.kind == "page_view"]
    assert figures == 0 and not after, (
        f"{figures} tables and {len(after)} page views after sign-out"
    )


@pytest.mark.browser
def test_identity_cookie_copied_before_sign_out_no_longer_signs_in(
    context, tiny_db, tmp_path, start_provider_server, provider_sign_in
):
    from streamlit_page import settle

    with start_provider_server(tiny_db, tmp_path) as url:
        page = context.new_page()
        provider_sign_in(page, url, "planner")
        settle(page)
        copied = [c for c in context.cookies() if c["name"].startswith("_streamlit_user")]
        assert copied, [c["name"] for c in context.cookies()]
        page.locator("[data-testid='stSidebar']").get_by_role("button", name="Sign out").click()
        end = page.get_by_role("button", name="End session")
        end.or_(
            page.get_by_role("button", name="Sign in with NHS Care Identity Service 2")
        ).first.wait_for(timeout=30_000)
        if end.count():
            end.click()
        thief = context.browser.new_context()
        try:
            thief.add_cookies(copied)
            stolen = thief.new_page()
            stolen.goto(f"{url}/overview")
            stolen.get_by_role("heading", name="Overview").or_(
                stolen.get_by_role("button", name="Sign in with NHS Care Identity Service 2")
            ).or_(stolen.get_by_role("button", name="Sign in again")).first.wait_for(timeout=60_000)
            settle(stolen)
            signed_in = stolen.get_by_text("Ada Planner").count()
        finally:
            thief.close()
    assert signed_in == 0, "a cookie copied before sign-out signed in after it"


@pytest.mark.browser
def test_access_removed_by_the_administrator_is_not_reopened_at_next_sign_in(
    context, tiny_db, tmp_path, start_provider_server, provider_sign_in
):
    from streamlit_page import settle

    audit = tmp_path / "audit.sqlite"
    with start_provider_server(tiny_db, tmp_path) as url:
        page = context.new_page()
        provider_sign_in(page, url, "planner")
        settle(page)
        planner = next(e.user_id for e in _real(audit) if e.kind == "sign_in")
        removed = subprocess.run(
            [sys.executable, "-m", "phm", "access", "remove", "--db", str(audit)]
            + ["--user-id", planner, "--by", "ig-lead"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        assert removed.returncode == 0, removed.stderr
        later = context.browser.new_context()
        try:
            again = later.new_page()
            again.goto(url)  # the provider still gives the role
            again.get_by_role("button", name="Sign in with NHS Care Identity Service 2").click()
            again.locator("input[name='sub']").fill(CIS2_USERS["planner"][0])
            again.get_by_role("button", name="Authorize").click()
            again.get_by_text("Your access was removed").first.wait_for(timeout=60_000)
            again.goto(f"{url}/overview")
            settle(again)
            figures = again.locator("[data-testid='stMetric']").count()
        finally:
            later.close()
    with sqlite3.connect(audit) as con:
        open_grants = con.execute(
            "SELECT count(*) FROM access_grant WHERE user_id = ? AND removed_on IS NULL",
            [planner],
        ).fetchone()[0]
    assert figures == 0 and open_grants == 0, (
        f"after removal: {figures} figures shown, {open_grants} grant(s) reopened"
    )


# --- the audit log's chain, tampered with on a copy --------------------------------------------


def _small_log(folder: Path) -> Path:
    """Return a log with a few real-looking entries and a grant, written by the app's code."""
    from datetime import date

    from phm.access.grants import ensure_grant, remove_access

    path = folder / "audit.sqlite"
    admin = next(u.principal for u in DEMO_USERS if u.key == "administrator")
    nurse = next(u.principal for u in DEMO_USERS if u.key == "practice-nurse")
    planner = next(u.principal for u in DEMO_USERS if u.key == "ics-analyst")
    ensure_grant(path, nurse, date(2024, 1, 1))
    ensure_grant(path, planner, date(2024, 1, 1))
    for kind, page in (("sign_in", ""), ("page_view", "overview"), ("export", "explore")):
        log.append(path, nurse, kind, page=page, detail="x")
    remove_access(path, planner.user_id, date(2024, 2, 1), admin)
    log.append(path, nurse, "sign_out")
    assert log.verify(path).ok
    return path


def _raw(path: Path, *sql: str) -> None:
    """Edit a copy of the log as someone with the file would: drop the triggers, then write."""
    with sqlite3.connect(path) as con:
        con.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        con.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
        for statement in sql:
            con.execute(statement)


def _verify_cli(path: Path) -> int:
    return subprocess.run(
        [sys.executable, "-m", "phm", "audit", "verify", "--db", str(path)],
        cwd=ROOT,
        capture_output=True,
        check=False,
    ).returncode


@pytest.mark.parametrize(
    "edit",
    [
        "UPDATE audit_event SET detail = 'y' WHERE seq = 3",
        "UPDATE audit_event SET user_id = 'someone-else' WHERE seq = 2",
        "UPDATE audit_event SET records = '1' WHERE seq = 4",
        "DELETE FROM audit_event WHERE seq = 2",
        "UPDATE audit_event SET seq = seq + 100 WHERE seq = 2",
        "UPDATE audit_event SET at_utc = '2020-01-01T00:00:00.000000Z' WHERE seq = 1",
        "INSERT INTO audit_event SELECT seq + 1000, at_utc, user_id, role, org_code, org_type,"
        " kind, page, cohort, records, file_sha256, detail, synthetic, prev_hash, hash"
        " FROM audit_event WHERE seq = 2",
    ],
)
def test_verify_notices_an_edited_deleted_reordered_or_copied_entry(tmp_path, edit):
    path = _small_log(tmp_path)
    copy = tmp_path / "copy.sqlite"
    shutil.copy(path, copy)
    _raw(copy, edit)
    assert not log.verify(copy).ok
    assert _verify_cli(copy) == 1


def test_verify_on_a_swapped_pair_of_entries(tmp_path):
    path = _small_log(tmp_path)
    copy = tmp_path / "copy.sqlite"
    shutil.copy(path, copy)
    _raw(
        copy,
        "UPDATE audit_event SET seq = -2 WHERE seq = 2",
        "UPDATE audit_event SET seq = 2 WHERE seq = 3",
        "UPDATE audit_event SET seq = 3 WHERE seq = -2",
    )
    assert _verify_cli(copy) == 1


@pytest.mark.parametrize(
    "edit",
    [
        "DELETE FROM access_grant WHERE removed_on IS NOT NULL",
        "UPDATE access_grant SET removed_on = NULL",
        "UPDATE access_grant SET granted_on = '2020-01-01'",
    ],
)
def test_verify_notices_edited_access_grants(tmp_path, edit):
    path = _small_log(tmp_path)
    copy = tmp_path / "copy.sqlite"
    shutil.copy(path, copy)
    with sqlite3.connect(copy) as con:
        con.execute(edit)
    assert _verify_cli(copy) == 1, "an edited grant passed `phm audit verify`"
