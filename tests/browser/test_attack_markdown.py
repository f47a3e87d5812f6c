"""Attack in Chromium: text an outsider controls is drawn as text, in tables and alerts alike.

Backslash escapes are not enough for Streamlit's Markdown: after reading them it still turns
bare links (www.…, https://…, someone@host.tld) into live links, `:material/…:` into icons and
`:streamlit:` into a logo. An intervention name typed in "Record an intervention" reaches What
worked's side-by-side table and, through `?observed=<id>`, the business case's assumptions
table and note; a cohort value in a link reaches a page's warning. Each is checked as Chromium
draws it: no link, image or icon, and the words read as typed.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect
from streamlit_page import no_exception, settle

from phm.interventions import register
from phm.text import WORD_JOINER
from tests.browser.streamlit_ws import Tab, Trigger

pytestmark = pytest.mark.browser

TIMEOUT_MS = 60_000
# At most 120 characters (the form's limit), every kind of text Streamlit rewrites after escapes.
NAME = "Pop-up :material/lock: :streamlit: sign in: https://phish.example www.phish.example a@phish.example"
PHISHING = "Session expired: sign in at https://phish.example/login or www.phish.example"
LIVE = "a, img, svg, [role=img], [data-testid=stIconMaterial], .katex, span[class*=Colored]"


def shown(locator: Locator) -> str:
    """Return the text a reader sees in an element (word joiners are invisible)."""
    return locator.inner_text().replace(WORD_JOINER, "")


def assert_drawn_as_text(cell: Locator, text: str) -> None:
    """Assert a cell or alert shows `text` literally, with nothing live in it."""
    expect(cell.locator(LIVE)).to_have_count(0)
    assert text in shown(cell)


def settled(page: Page) -> None:
    """Wait until the run is over and check that no traceback is shown."""
    settle(page, TIMEOUT_MS)
    no_exception(page)


def record(url: str, name: str) -> None:
    """Record an intervention named `name` through What worked's form, as a browser tab sends it."""
    with Tab(url) as tab:
        run = tab.run("what_worked")
        ids = {
            label: element.proto.id
            for element in run.elements
            if (label := getattr(element.proto, "label", "")) and getattr(element.proto, "id", "")
        }
        tab.run(
            "what_worked",
            "",
            {ids["Name"]: name, ids["Where: MSOAs"]: ["Barnet 001"], ids["Record"]: Trigger()},
        )


def test_typed_names_and_link_text_show_no_live_link_icon_or_logo(
    context, start_server, tiny_db, tmp_path
):
    state = tmp_path / "state.sqlite"
    context.set_default_timeout(TIMEOUT_MS)
    with start_server(tiny_db, tmp_path / "server.log", env={"PHM_STATE_DB": str(state)}) as url:
        record(url, NAME)
        (saved,) = [s for s in register.stored(state) if s.record.name == NAME]
        page = context.new_page()

        # What worked: the typed name is among the six evaluated side by side.
        page.goto(f"{url}/what_worked")
        row = page.locator("[data-testid=stTable] tbody tr").filter(has_text="phish")
        expect(row).to_have_count(1, timeout=TIMEOUT_MS)
        settled(page)
        assert_drawn_as_text(row.locator("td").first, NAME)

        # The business case opened on it: the note and the assumptions' Source column.
        page.goto(f"{url}/business_case?observed={saved.id}&intervention={saved.record.kind}")
        page.get_by_text("Assumptions and their sources").click()
        source = page.locator("[data-testid=stTable] td").filter(
            has_text=re.compile("^Observed in")
        )
        expect(source.first).to_be_visible(timeout=TIMEOUT_MS)
        settled(page)
        for number in range(source.count()):
            assert_drawn_as_text(source.nth(number), f"Observed in {NAME}")
        note = page.locator("[data-testid=stAlert]").filter(has_text="Reach and conversion")
        assert_drawn_as_text(note, f"Observed in {NAME}")

        # A cohort value in a link: the page says it ignored it, as text.
        page.goto(f"{url}/overview?ethnicity={PHISHING}")
        warning = page.locator("[data-testid=stAlert]").filter(has_text="Ignored")
        expect(warning).to_be_visible(timeout=TIMEOUT_MS)
        settled(page)
        assert_drawn_as_text(warning, PHISHING)
