"""Attack over the websocket: forged window heights from the Map page's viewport reporter.

The reporter (components/viewport.py) sends `{"height": <px>}`; a client may send anything in
its place. Nothing it sends raises, nothing but a plausible height changes the map's view, and
however many heights it sends, the views (each a cached deck) stay a handful.
"""

from __future__ import annotations

import json

import pytest

from tests.browser.streamlit_ws import Json, Run, Tab

pytestmark = pytest.mark.browser

BOGUS = [
    "-500",
    "0",
    "NaN",
    "Infinity",
    "-Infinity",
    "1e308",
    '"900"',
    '{"a": 1}',
    "[900]",
    "true",
    "null",
    "1" + "0" * 400,
]


def view(run: Run) -> dict:
    """Return the map's initial view from the deck the run sent."""
    assert not run.of("exception"), [e.proto.message for e in run.of("exception")]
    (deck,) = run.of("deck_gl_json_chart")
    return deck.data["initialViewState"]


def test_forged_window_heights_never_raise_and_give_a_handful_of_views(app_url):
    with Tab(app_url) as tab:
        first = tab.run("map")
        reporter = first.widget_id("phm_viewport")
        default = view(first)
        for value in BOGUS:
            run = tab.run("map", "", {reporter: Json(f'{{"height": {value}}}')})
            assert view(run) == default, value  # ignored: still the 768-pixel view
        for state in ("[1, 2]", '"hello"', "{}"):
            assert view(tab.run("map", "", {reporter: Json(state)})) == default
        views = {
            json.dumps(view(tab.run("map", "", {reporter: Json(json.dumps({"height": h}))})))
            for h in [*range(100, 4000, 97), 99_999, 1080.6]
        }
        assert 2 < len(views) <= 20  # heights change the view, within a few stepped sizes
