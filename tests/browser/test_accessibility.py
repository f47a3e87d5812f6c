"""Every page, normal and presenting, against axe-core's WCAG 2.2 AA rules and heading order;
and keyboard-only use."""

import re

import pytest
from playwright.sync_api import Page, expect
from streamlit_page import no_exception, settle

from components.pages import AGGREGATE_PAGES, PAGES

pytestmark = pytest.mark.browser

TIMEOUT_MS = 60_000
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PERSON_PAGES = [name for name in PAGES if name not in AGGREGATE_PAGES[:2]]
# Parts of Streamlit's own widgets that the app cannot change, each with the reason.
EXCLUDED: list[list[str]] = []


def wait_until_drawn(page: Page) -> None:
    """Wait for the run to finish and for lazily loaded widgets and charts to replace skeletons."""
    settle(page, TIMEOUT_MS)
    page.wait_for_function(
        "!document.querySelector('[data-testid=\"stSkeleton\"]')", timeout=TIMEOUT_MS
    )
    page.wait_for_timeout(1000)


def axe_violations(page: Page) -> list[str]:
    """Return each violation of the WCAG 2.2 AA rules on the page, with the elements at fault."""
    from axe_playwright_python.sync_playwright import Axe

    context = {"exclude": EXCLUDED} if EXCLUDED else None
    # Headings in order (h1, then h2 sections) is axe best practice, not WCAG: checked as well,
    # because screen-reader users move through a page by its headings.
    options = {
        "runOnly": {"type": "tag", "values": WCAG_22_AA},
        "rules": {"heading-order": {"enabled": True}},
    }
    results = Axe().run(page, context=context, options=options)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + "; ".join(
            f"{' '.join(node['target'])} [{node.get('failureSummary', '')}]"
            for node in v["nodes"][:5]
        )
        for v in results.response["violations"]
    ]


@pytest.mark.parametrize("present", [False, True], ids=["normal", "presenting"])
@pytest.mark.parametrize("name", PERSON_PAGES)
def test_every_page_passes_axe(context, app_url, artifacts, name, present):
    page = context.new_page()
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{app_url}/{PAGES[name].url_path}" + ("?present=1" if present else ""))
    expect(page.get_by_role("heading", level=1).first).to_be_visible(timeout=TIMEOUT_MS)
    wait_until_drawn(page)
    no_exception(page)
    violations = axe_violations(page)
    if violations:
        page.screenshot(path=str(artifacts / f"axe-{name}-{present}.png"))
    assert not violations, "\n".join(violations)


def test_keyboard_only_choose_a_cohort_then_reach_the_pages_control(context, app_url):
    page = context.new_page()
    page.goto(f"{app_url}/explore")
    expect(page.get_by_role("heading", name="Explore")).to_be_visible(timeout=TIMEOUT_MS)
    wait_until_drawn(page)

    def tab_to(predicate: str, limit: int = 80) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate(
                f"(() => {{ const e = document.activeElement; return {predicate}; }})()"
            ):
                return
        pytest.fail(f"Tab never reached {predicate}")

    # The sidebar's dose picker: Tab reaches its chosen button, an arrow key the next one, and
    # Enter chooses it.
    tab_to("['First dose', 'Second dose'].includes((e.innerText || '').trim())")
    if page.evaluate("document.activeElement.innerText.trim()") == "First dose":
        page.keyboard.press("ArrowRight")
    if page.evaluate("document.activeElement.innerText.trim()") != "Second dose":
        tab_to("(e.innerText || '').trim() === 'Second dose'", limit=3)
    page.keyboard.press("Enter")
    settle(page, TIMEOUT_MS)
    expect(page.get_by_text(re.compile(r"second dose of COVID-19 vaccine")).first).to_be_visible()
    # Onwards to the page's main control, "Break down by", and choose a value from the keyboard.
    tab_to("e.closest('[data-testid=\"stSelectbox\"]') && e.closest('[data-testid=\"stMain\"]')")
    page.keyboard.press("Enter")
    page.keyboard.type("Sex")
    page.keyboard.press("Enter")
    settle(page, TIMEOUT_MS)
    expect(page).to_have_url(re.compile(r"[?&]by=sex\b"), timeout=TIMEOUT_MS)
    no_exception(page)
