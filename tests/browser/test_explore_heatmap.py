"""Explore's two-way heatmap as Chromium draws it: readable rows, whatever the row count."""

import pytest
from playwright.sync_api import Page, expect
from streamlit_page import no_exception, settle

pytestmark = pytest.mark.browser

TIMEOUT_MS = 30_000


def pick(page: Page, label: str, option: str) -> None:
    """Choose an option in the select box with this label, as a user types it."""
    box = page.locator("[data-testid='stSelectbox']").filter(has_text=label)
    box.locator("input").click()
    page.keyboard.type(option)
    page.keyboard.press("Enter")
    settle(page, TIMEOUT_MS)


@pytest.mark.parametrize(
    ("rows", "columns", "n_rows"),
    [("Broad ethnic group", "IMD quintile", 6), ("Sex", "Age band", 2)],
)
def test_each_heatmap_row_is_tall_enough_to_read(
    context, app_url, artifacts, rows, columns, n_rows
):
    page = context.new_page()
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{app_url}/explore")
    expect(page.get_by_role("heading", name="Explore")).to_be_visible(timeout=TIMEOUT_MS)
    settle(page, TIMEOUT_MS)
    pick(page, "Break down by", rows)
    pick(page, "and by", columns)
    chart = page.locator("[data-testid='stVegaLiteChart']").first
    cells = chart.locator("g.mark-rect path")
    expect(cells.first).to_be_attached(timeout=TIMEOUT_MS)
    chart.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / f"explore-heatmap-{n_rows}-rows.png"))
    no_exception(page)

    # The cells: rect marks outside the legends (whose swatches and gradient are rects too).
    boxes = chart.evaluate(
        """chart => [...chart.querySelectorAll('g.mark-rect.role-mark path')]
            .filter(path => !path.closest('.role-legend'))
            .map(path => path.getBoundingClientRect())
            .map(r => ({y: r.y, height: r.height}))"""
    )
    heights = [box["height"] for box in boxes]
    assert heights and min(heights) >= 20, heights  # the collapsed chart drew rows of ~2 px
    tops = sorted({round(box["y"]) for box in boxes})
    assert len(tops) == n_rows, tops  # one band per row, none squashed onto another
