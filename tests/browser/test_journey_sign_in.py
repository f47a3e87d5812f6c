"""Signing in, in Chromium: through a real OpenID Connect provider on localhost, and the demo.

The provider journey is the production path: `[auth]` in the server's secrets, st.login to the
provider's page, the callback, UserInfo for the CIS2 roles, the mapped role and practice, a
refused page and a refused shared link, and sign-out at the provider. The demo journey is
`make run` with no set-up: the labelled picker, a download audited with its hash, sign-out.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from playwright.sync_api import expect
from streamlit_page import TIMEOUT_MS, no_exception, settle

from phm.audit import log

pytestmark = pytest.mark.browser


def real_kinds(audit: Path) -> list[tuple[str, str]]:
    """Return (kind, page) of the log's entries that are not the demo's generated year."""
    return [(e.kind, e.page) for e in log.entries(audit) if not e.synthetic]


def test_practice_nurse_signs_in_through_the_provider_is_refused_and_signs_out(
    context, tiny_db, tmp_path, artifacts, start_provider_server, provider_sign_in
):
    with start_provider_server(tiny_db, tmp_path) as url:
        page = context.new_page()
        provider_sign_in(page, url, "practice")
        # Landed on the first page as the practice role, narrowed to her practice.
        sidebar = page.locator("[data-testid='stSidebar']")
        expect(sidebar.get_by_text("Practice (direct care)")).to_be_visible(timeout=TIMEOUT_MS)
        expect(page.get_by_role("heading", name="Find target groups")).to_be_visible()
        settle(page)
        no_exception(page)
        nav = page.locator("[data-testid='stSidebarNav']")
        expect(nav.get_by_role("link", name="Business case")).to_have_count(0)
        page.screenshot(path=str(artifacts / "signin-1-practice.png"))

        # A page of another role, by its URL: only the refusal.
        page.goto(f"{url}/business_case")
        expect(page.get_by_text("The business case is for commissioners")).to_be_visible(
            timeout=TIMEOUT_MS
        )
        expect(page.locator("[data-testid='stMetric']")).to_have_count(0)
        # A planner's link to another practice: refused, not silently narrowed.
        page.goto(f"{url}/overview?practice=P00002")
        expect(
            page.get_by_text("Practice staff see their own practice's figures only")
        ).to_be_visible(timeout=TIMEOUT_MS)
        expect(page.locator("[data-testid='stMetric']")).to_have_count(0)
        page.screenshot(path=str(artifacts / "signin-2-refused-link.png"))

        # Sign out: audited, then the provider's end of session, then the sign-in page again.
        page.goto(f"{url}/overview")
        expect(page.get_by_role("heading", name="Overview")).to_be_visible(timeout=TIMEOUT_MS)
        settle(page)
        sidebar.get_by_role("button", name="Sign out").click()
        end = page.get_by_role("button", name="End session")
        end.or_(
            page.get_by_role("button", name="Sign in with NHS Care Identity Service 2")
        ).first.wait_for(timeout=TIMEOUT_MS)
        if end.count():
            end.click()
        page.goto(url)
        expect(
            page.get_by_role("button", name="Sign in with NHS Care Identity Service 2")
        ).to_be_visible(timeout=TIMEOUT_MS)

    audit = tmp_path / "audit.sqlite"
    entries = real_kinds(audit)
    # A first sign-in opens the person's grant (an entry of the chain), then signs in.
    assert entries[:2] == [("access_granted", ""), ("sign_in", "")]
    assert ("refused", "business_case") in entries and ("refused", "overview") in entries
    assert entries[-1] == ("sign_out", "")
    assert ("page_view", "targets") in entries and ("page_view", "overview") in entries
    nurse = [e for e in log.entries(audit) if not e.synthetic]
    assert {(e.role, e.org_code, e.org_type) for e in nurse} == {
        ("practice", "P00001", "gp_practice")
    }
    assert log.verify(audit).ok


def test_demo_sign_in_download_audited_with_its_hash_and_sign_out(
    start_server, context, tiny_db, tmp_path, artifacts
):
    with start_server(tiny_db, tmp_path / "server.log", {"PHM_DEMO_USER": ""}) as url:
        page = context.new_page()
        page.goto(f"{url}/explore")
        expect(page.get_by_role("heading", name="Demo sign-in")).to_be_visible(timeout=TIMEOUT_MS)
        expect(page.get_by_text("Synthetic data, demo users.")).to_be_visible()
        expect(page.locator("[data-testid='stDataFrame']")).to_have_count(0)
        page.screenshot(path=str(artifacts / "signin-3-demo-picker.png"))
        page.get_by_text("ICS analyst (planner)").click()
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="Find target groups")).to_be_visible(
            timeout=TIMEOUT_MS
        )
        settle(page)
        page.locator("[data-testid='stSidebarNav']").get_by_role("link", name="Explore").click()
        expect(page.get_by_role("heading", name="Explore")).to_be_visible(timeout=TIMEOUT_MS)
        sidebar = page.locator("[data-testid='stSidebar']")
        expect(sidebar.get_by_text("Asha Patel (demo)")).to_be_visible()
        settle(page)
        no_exception(page)

        with page.expect_download() as download:
            page.get_by_role("button", name="Download table (CSV)").click()
        sent = Path(download.value.path()).read_bytes()
        settle(page)
        sidebar.get_by_role("button", name="Sign out").click()
        expect(page.get_by_role("heading", name="Demo sign-in")).to_be_visible(timeout=TIMEOUT_MS)

    audit = tmp_path / "audit.sqlite"
    entries = [e for e in log.entries(audit) if not e.synthetic]
    kinds = [e.kind for e in entries]
    assert kinds[:2] == ["access_granted", "sign_in"] and kinds[-1] == "sign_out"
    exports = [e for e in entries if e.kind == "export"]
    assert len(exports) == 1 and exports[0].page == "explore"
    assert exports[0].file_sha256 == hashlib.sha256(sent).hexdigest()
    assert kinds.count("page_view") >= 2  # the landing page and Explore
    assert any(e.synthetic for e in log.entries(audit))  # the demo's labelled year of usage
    assert log.verify(audit).ok


def test_administrator_reads_usage_and_the_audit_log_planner_is_refused_them(
    start_server, context, tiny_db, tmp_path, artifacts
):
    with start_server(tiny_db, tmp_path / "server.log", {"PHM_DEMO_USER": ""}) as url:
        page = context.new_page()
        page.goto(f"{url}/usage")
        expect(page.get_by_role("heading", name="Demo sign-in")).to_be_visible(timeout=TIMEOUT_MS)
        page.get_by_text("Administrator", exact=True).click()
        page.get_by_role("button", name="Sign in").click()
        nav = page.locator("[data-testid='stSidebarNav']")
        nav.get_by_role("link", name="Usage").click()
        expect(page.get_by_role("heading", name="Usage", exact=True)).to_be_visible(
            timeout=TIMEOUT_MS
        )
        settle(page)
        no_exception(page)
        expect(page.get_by_text("Synthetic usage, generated for the demo")).to_be_visible()
        expect(page.get_by_role("heading", name="Users and events by month")).to_be_visible()
        charts = page.locator("[data-testid='stVegaLiteChart']")
        expect(charts.first).to_be_visible(timeout=TIMEOUT_MS)
        assert charts.count() >= 4
        page.screenshot(path=str(artifacts / "signin-4-usage.png"), full_page=True)
        with page.expect_download() as download:
            page.get_by_role("button", name="Download users and events by month (CSV)").click()
        text = Path(download.value.path()).read_text(encoding="utf-8")
        assert "SYNTHETIC" in text.upper()
        settle(page)

        nav.get_by_role("link", name="Audit log").click()
        expect(page.get_by_role("heading", name="Audit log")).to_be_visible(timeout=TIMEOUT_MS)
        settle(page)
        no_exception(page)
        expect(page.get_by_text("chain intact").first).to_be_visible(timeout=TIMEOUT_MS)
        expect(page.locator("[data-testid='stDataFrame']").first).to_be_visible()
        page.screenshot(path=str(artifacts / "signin-5-audit.png"), full_page=True)

        # A planner opening the same link signs in and has no Usage page in the menu (a direct
        # URL in a signed-in session is refused in its frame: tests/app/test_access_pages.py).
        other = context.browser.new_context(viewport={"width": 1400, "height": 1000})
        planner = other.new_page()
        planner.goto(f"{url}/usage")
        expect(planner.get_by_role("heading", name="Demo sign-in")).to_be_visible(
            timeout=TIMEOUT_MS
        )
        planner.get_by_text("ICS analyst (planner)").click()
        planner.get_by_role("button", name="Sign in").click()
        expect(planner.get_by_role("heading", name="Find target groups")).to_be_visible(
            timeout=TIMEOUT_MS
        )
        settle(planner)
        expect(
            planner.locator("[data-testid='stSidebarNav']").get_by_role("link", name="Usage")
        ).to_have_count(0)
        other.close()
