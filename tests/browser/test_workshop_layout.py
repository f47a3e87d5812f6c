"""The projector: at 1366x768 in presentation mode the Map's first screen holds the map and its
legend side by side; presentation mode and Explore's settings stay in the address bar."""

import re

import pytest
from playwright.sync_api import Page, expect
from streamlit_page import no_exception, settle

pytestmark = pytest.mark.browser

TIMEOUT_MS = 60_000
WIDTH, HEIGHT = 1366, 768


def drawn(page: Page) -> None:
    """Wait for the run and for lazily loaded widgets to replace their skeletons."""
    settle(page, TIMEOUT_MS)
    page.wait_for_function(
        "!document.querySelector('[data-testid=\"stSkeleton\"]')", timeout=TIMEOUT_MS
    )


def opened_on_a_projector(context, url: str, heading: str) -> Page:
    """Open a page at the projector's size and wait until it is drawn."""
    page = context.new_page()
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    page.goto(url)
    expect(page.get_by_role("heading", name=heading)).to_be_visible(timeout=TIMEOUT_MS)
    drawn(page)
    return page


def test_map_and_legend_share_the_first_screen_when_presenting(context, app_url, artifacts):
    page = opened_on_a_projector(context, f"{app_url}/map?present=1", "Map")
    canvas = page.locator("[data-testid='stDeckGlJsonChart']").first
    expect(canvas).to_be_visible(timeout=TIMEOUT_MS)
    legend = page.get_by_text("No one in this cohort lives here").first
    title = page.get_by_text("Uptake %", exact=True).first
    page.screenshot(path=str(artifacts / "map-1366x768-presenting-first-screen.png"))
    map_box, legend_box, title_box = (
        canvas.bounding_box(),
        legend.bounding_box(),
        title.bounding_box(),
    )
    assert map_box and legend_box and title_box
    for box in (map_box, legend_box, title_box):  # wholly inside the first screen, unscrolled
        assert box["y"] >= 0 and box["y"] + box["height"] <= HEIGHT, box
        assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, box
    assert map_box["height"] >= 280  # a map, not a strip
    assert legend_box["x"] >= map_box["x"] + map_box["width"]  # beside it, not under it
    # Presentation mode is in the address bar, and stays there after a change and a page switch.
    expect(page).to_have_url(re.compile(r"[?&]present=1"))
    page.get_by_role("radiogroup", name="Areas").get_by_role("radio", name="MSOA").click()
    drawn(page)
    expect(page).to_have_url(re.compile(r"[?&]present=1"))
    # Copy link sits in the header bar, on the first screen.
    link = page.get_by_role("button", name=re.compile("Copy link"))
    box = link.bounding_box()
    assert box and box["y"] + box["height"] <= 100, box
    link.click()
    shared = page.locator("[data-testid='stPopoverBody'] [data-testid='stCode']").inner_text()
    assert shared.strip().endswith("present=1") and "/map" in shared
    no_exception(page)


def test_explore_settings_survive_a_reload(context, app_url):
    page = context.new_page()
    page.goto(f"{app_url}/explore?by=sex&and_by=nothing&sort=uptake")
    expect(page.get_by_role("heading", name="Explore")).to_be_visible(timeout=TIMEOUT_MS)
    drawn(page)
    by = page.locator("[data-testid='stSelectbox']").filter(has_text="Break down by")
    sort = page.locator("[data-testid='stSelectbox']").filter(has_text="Sort by")
    expect(by.locator("input")).to_have_value("Sex")
    expect(sort.locator("input")).to_have_value("Uptake, lowest first")
    # Change the breakdown: the URL follows, and a reload keeps it.
    by.click()
    page.get_by_role("option", name="Age band", exact=True).click()
    drawn(page)
    expect(page).to_have_url(re.compile(r"[?&]by=age_band\b"))
    page.reload()
    expect(page.get_by_role("heading", name="Explore")).to_be_visible(timeout=TIMEOUT_MS)
    drawn(page)
    by = page.locator("[data-testid='stSelectbox']").filter(has_text="Break down by")
    expect(by.locator("input")).to_have_value("Age band")
    expect(page).to_have_url(re.compile(r"[?&]sort=uptake\b"))
    no_exception(page)


def test_the_finders_shared_link_opens_the_finder_with_its_settings(context, app_url):
    # The finder is the landing page, served at the root: its link must not be /targets
    # (Streamlit answers that with 'Page not found') and must carry the finder's settings.
    page = context.new_page()
    page.goto(app_url)
    expect(page.get_by_role("heading", name="Find target groups")).to_be_visible(timeout=TIMEOUT_MS)
    drawn(page)
    page.get_by_role("radiogroup", name="Places").get_by_role("radio", name="Borough").click()
    drawn(page)
    page.get_by_role("radiogroup", name="Sort by").get_by_role(
        "radio", name="Lowest uptake"
    ).click()
    drawn(page)
    page.get_by_role("button", name=re.compile("Copy link")).click()
    shared = page.locator("[data-testid='stPopoverBody'] [data-testid='stCode']").inner_text()
    assert re.search(r"[?&]find_level=borough\b", shared) and "find_order=" in shared, shared
    assert "/targets" not in shared, shared
    other = context.new_page()
    other.goto(shared.strip())
    expect(other.get_by_role("heading", name="Find target groups")).to_be_visible(
        timeout=TIMEOUT_MS
    )
    drawn(other)
    expect(other.get_by_text("Page not found")).to_have_count(0)
    places = other.get_by_role("radiogroup", name="Places")
    expect(places.get_by_role("radio", name="Borough")).to_be_checked()
    order = other.get_by_role("radiogroup", name="Sort by")
    expect(order.get_by_role("radio", name="Lowest uptake")).to_be_checked()
    no_exception(other)


@pytest.mark.parametrize("present", ["", "?present=1"])
def test_overview_tables_show_every_column_on_a_projector(context, app_url, present):
    # In half-width columns at presentation mode's type the tables' last column (Unvaccinated)
    # was cut off; when presenting the sections now stand one under the other.
    page = opened_on_a_projector(context, f"{app_url}/overview{present}", "Overview")
    tables = page.locator("[data-testid='stTable']")
    expect(tables).to_have_count(2, timeout=TIMEOUT_MS)
    for index in range(2):
        table = tables.nth(index)
        expect(table.get_by_text("Unvaccinated", exact=True)).to_be_visible()
        # The whole table fits its box: nothing scrolls sideways or is hidden.
        overflow = table.evaluate(
            "t => [...t.querySelectorAll('*')].some(e => e.scrollWidth > e.clientWidth + 1"
            " && getComputedStyle(e).overflowX !== 'visible')"
        )
        assert not overflow
        box = table.bounding_box()
        assert box and box["x"] + box["width"] <= WIDTH


def test_compare_inequality_table_is_whole_and_large_when_presenting(context, app_url, artifacts):
    # The summary table (gap, SII, RII) was a canvas grid whose columns were cut off and whose
    # type did not grow for the projector; it is now a table that wraps and grows with the text.
    page = context.new_page()
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    sizes = {}
    for present in ("", "&present=1"):
        page.goto(f"{app_url}/compare?age_min=18{present}")
        expect(page.get_by_role("heading", name="Compare localities")).to_be_visible(
            timeout=TIMEOUT_MS
        )
        drawn(page)
        page.get_by_role("tab", name="Inequality").click()
        drawn(page)
        cells = page.locator("[data-testid='stTable'] td, [data-testid='stTable'] th")
        expect(cells.first).to_be_visible(timeout=TIMEOUT_MS)
        # Every cell shows its whole text: nothing is clipped by the column.
        clipped = cells.evaluate_all(
            "cells => cells.filter(c => c.scrollWidth > c.clientWidth + 1).map(c => c.innerText)"
        )
        assert clipped == []
        text = " ".join(cells.all_inner_texts())
        assert "SII: most vs least deprived end (95% CI)" in text and "ICS (whole cohort)" in text
        sizes[present] = {
            kind: float(
                page.locator(selector)
                .first.evaluate("e => getComputedStyle(e).fontSize")
                .removesuffix("px")
            )
            for kind, selector in (
                ("cell", "[data-testid='stTable'] td"),
                ("tab", "[role='tab'] p"),
                ("chip", "[data-testid='stMultiSelect'] [data-tag] span"),  # a chosen borough
            )
        }
        page.screenshot(path=str(artifacts / f"compare-inequality{present or '-normal'}.png"))
    for kind in ("cell", "tab", "chip"):
        assert sizes["&present=1"][kind] >= 1.4 * sizes[""][kind], (kind, sizes)
    no_exception(page)


def areas_share_of_map_height(page: Page) -> float:
    """Return the share of the map's drawn height that its coloured areas span, from pixels."""
    import io

    import numpy as np
    from PIL import Image

    canvas = page.locator("[data-testid='stDeckGlJsonChart']").first
    pixels = np.asarray(Image.open(io.BytesIO(canvas.screenshot())).convert("RGB"), dtype=int)
    pixels = pixels[:, : pixels.shape[1] - 80]  # leave out the zoom buttons at the right
    coloured = (255 - pixels).max(axis=2) > 24
    rows = np.flatnonzero(coloured.any(axis=1))
    return (rows.max() - rows.min() + 1) / pixels.shape[0] if len(rows) else 0.0


def test_the_map_fits_its_areas_to_the_window_and_refits_when_it_is_resized(
    context, app_url, artifacts
):
    page = context.new_page()
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{app_url}/map")
    expect(page.get_by_role("heading", name="Map")).to_be_visible(timeout=TIMEOUT_MS)
    drawn(page)
    page.wait_for_timeout(1_500)  # the browser reports its height; the page reruns once
    drawn(page)
    page.wait_for_timeout(1_000)  # deck.gl draws the new view
    page.screenshot(path=str(artifacts / "map-1920x1080-fitted.png"))
    tall = page.locator("[data-testid='stDeckGlJsonChart']").first.bounding_box()
    assert tall and tall["height"] >= 600  # the map grows with the window
    # ... and pushes the controls under it down rather than being drawn over them.
    under = page.get_by_text("Existing sites (open on the as-at date)").bounding_box()
    assert under and under["y"] >= tall["y"] + tall["height"], (tall, under)
    # The areas fill the taller map (fitted to 1366x768 only, they spanned under half of it).
    assert areas_share_of_map_height(page) >= 0.6
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    page.wait_for_timeout(1_500)
    drawn(page)
    page.wait_for_timeout(1_000)
    page.screenshot(path=str(artifacts / "map-1366x768-refitted.png"))
    short = page.locator("[data-testid='stDeckGlJsonChart']").first.bounding_box()
    assert short and short["height"] < tall["height"]
    share = areas_share_of_map_height(page)
    assert 0.6 <= share < 0.98, share  # refitted: the whole ICS in the smaller map, not cut off
    no_exception(page)
