"""Case finding in Chromium: a practice nurse's own list through the real sign-in, audited.

The nurse signs in through the local OpenID Connect provider (as CIS2, her practice from the
nhsid_nrbac_roles claim), opens Patients to invite, narrows it with the sidebar to housebound
people aged 75 and over, downloads the home-visit list and the SMS batch; the audit log holds
both exports with their counts and the files' hashes; a planner opening her URL is refused.
"""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import duckdb
import pytest
from playwright.sync_api import expect
from streamlit_page import TIMEOUT_MS, no_exception, settle

from phm.audit import log

pytestmark = pytest.mark.browser
NURSE_SUBJECT = "910000000099"


def practice_with_housebound_elders(db: Path) -> str:
    """Return the practice with the most housebound people aged 75 and over not yet boosted."""
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "SELECT practice_code FROM person WHERE is_housebound AND booster_date IS NULL"
            " AND registered_to IS NULL AND birth_date < DATE '1946-01-01'"
            " GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
        ).fetchone()[0]


def rows_of(text: str) -> list[dict[str, str]]:
    """Return a downloaded CSV's rows (after any '# ' watermark lines)."""
    body = "\n".join(line for line in text.splitlines() if not line.startswith("# "))
    return list(csv.DictReader(io.StringIO(body)))


def download(page, name: str) -> bytes:
    """Press a download button and return the bytes the browser received."""
    with page.expect_download(timeout=TIMEOUT_MS) as got:
        page.get_by_role("button", name=name).click()
    return Path(got.value.path()).read_bytes()


def test_nurse_finds_housebound_elders_exports_lists_and_a_planner_is_refused(
    context, tiny_db, tmp_path, artifacts, start_provider_server, provider_sign_in, oidc_provider
):
    practice = practice_with_housebound_elders(tiny_db)
    oidc_provider.add_user(
        NURSE_SUBJECT,
        {
            "name": "Nia Practice-Nurse",
            "nhsid_nrbac_roles": [
                {"person_roleid": "555000000099", "org_code": practice, "role_code": "R8001"}
            ],
        },
    )
    with duckdb.connect(str(tiny_db), read_only=True) as con:
        people = (
            con.execute(
                "SELECT i.nhs_number, i.practice_code, i.accepts_messages, i.is_deceased,"
                " i.mobile, p.is_housebound, p.birth_date FROM identity i JOIN person p"
                " USING (person_id)"
            )
            .df()
            .set_index("nhs_number")
        )
    with start_provider_server(tiny_db, tmp_path) as url:
        page = context.new_page()
        page.set_viewport_size({"width": 1366, "height": 768})
        page.goto(url)
        page.get_by_role("button", name="Sign in with NHS Care Identity Service 2").click()
        page.locator("input[name='sub']").fill(NURSE_SUBJECT)
        page.get_by_role("button", name="Authorize").click()
        sidebar = page.locator("[data-testid='stSidebar']")
        expect(sidebar.get_by_text("Nia Practice-Nurse")).to_be_visible(timeout=TIMEOUT_MS)
        settle(page)
        page.locator("[data-testid='stSidebarNav']").get_by_role(
            "link", name="Patients to invite"
        ).click()
        expect(page.get_by_role("heading", name="Patients to invite")).to_be_visible(
            timeout=TIMEOUT_MS
        )
        settle(page)
        no_exception(page)
        everyone = rows_of(download(page, "Download the call list (CSV)").decode())
        numbers = {r["NHS number"].replace(" ", "") for r in everyone}
        assert numbers and set(people.loc[list(numbers), "practice_code"]) == {practice}

        # Narrow with the sidebar: aged 75 and over, housebound.
        sidebar.get_by_label("Age from").fill("75")
        sidebar.get_by_label("Age from").press("Enter")
        settle(page)
        sidebar.get_by_text("Clinical and social").click()
        housebound = sidebar.get_by_role("radiogroup", name="Housebound")
        expect(housebound).to_be_visible(timeout=TIMEOUT_MS)  # the section has opened
        # On a loaded machine a click landing while the section still moves can be lost
        # (CI saw 'any' still checked): click until the choice shows, then wait for its run.
        yes = housebound.get_by_role("radio", name="yes")
        for _ in range(3):
            yes.click()
            try:
                expect(yes).to_be_checked(timeout=10_000)
                break
            except AssertionError:
                continue
        settle(page)
        expect(page.get_by_text("who are housebound").first).to_be_visible(timeout=TIMEOUT_MS)
        no_exception(page)
        page.get_by_role("tab", name="Home visits").click()
        page.screenshot(path=str(artifacts / "case-finding-home-visits.png"), full_page=True)
        home_file = download(page, "Download the home-visit list (CSV)")
        home = rows_of(home_file.decode())
        assert home and all(int(r["Age"]) >= 75 for r in home)
        got = people.loc[[r["NHS number"].replace(" ", "") for r in home]]
        assert got["is_housebound"].all() and (got["practice_code"] == practice).all()
        assert "Made by Nia Practice-Nurse" in home_file.decode()
        page.get_by_role("tab", name="SMS batch").click()
        sms_file = download(page, "Download the SMS batch (CSV)")
        sms = rows_of(sms_file.decode())
        sent = people.loc[[r["NHS Number"] for r in sms]]
        assert sent["accepts_messages"].all() and not sent["is_deceased"].any()
        assert set(sent.index) <= {r["NHS number"].replace(" ", "") for r in home}
        shared = page.url
        settle(page)

        # A planner given the nurse's link sees only the refusal.
        planner_context = context.browser.new_context()
        try:
            planner = planner_context.new_page()
            provider_sign_in(planner, url, "planner")
            planner.goto(shared)
            expect(planner.get_by_text("Patient lists are only for staff")).to_be_visible(
                timeout=TIMEOUT_MS
            )
            settle(planner)
            expect(planner.locator("[data-testid='stDataFrame']")).to_have_count(0)
            expect(planner.locator("[data-testid='stDownloadButton']")).to_have_count(0)
        finally:
            planner_context.close()

    entries = [e for e in log.entries(tmp_path / "audit.sqlite") if not e.synthetic]
    exports = {
        e.detail.split("_")[0].removeprefix("SYNTHETIC-"): e for e in entries if e.kind == "export"
    }
    assert set(exports) == {"call-list", "home-visits", "sms-batch"}
    assert exports["home-visits"].records == len(home)
    assert exports["home-visits"].file_sha256 == hashlib.sha256(home_file).hexdigest()
    assert exports["sms-batch"].records == len(sms)
    assert exports["sms-batch"].file_sha256 == hashlib.sha256(sms_file).hexdigest()
    assert all(e.org_code == practice for e in exports.values())
    assert any(e.kind == "person_view" and e.records == len(home) for e in entries)
    refused = [e for e in entries if e.kind == "refused" and e.page == "patients"]
    assert refused and refused[-1].role == "planner"
    assert log.verify(tmp_path / "audit.sqlite").ok
