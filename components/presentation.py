"""Workshop helpers: presentation mode (large type, tables and charts, high contrast) and 'Copy link'.

Presentation mode lives in the URL (`?present=1`), so a reload, a page change or a shared link
keeps it; the sidebar toggle writes it there. The link to the current view sits at the top of
the page, where a facilitator finds it without scrolling.
"""

from __future__ import annotations

from collections.abc import Collection
from urllib.parse import urlencode, urlsplit

import streamlit as st

from components import pages

PRESENT_KEY = "present"
TRUE_VALUES = ("1", "yes", "true", "on")
_WRITTEN = "_present_written"  # the value of ?present= this session last wrote or read
_LINK_SLOT = "_copy_link_slot"  # the container at the top of this run's page
LINK_LABEL = "Copy link"
LINK_KEY = "phm_copy_link"
# Every page: the link button sits in the app's header bar, top right, whatever the scroll;
# less empty space above the title leaves the first screen to the content.
BASE_CSS = f"""
<style>
.st-key-{LINK_KEY} {{
  position: fixed; top: 0.55rem; right: 3.5rem; z-index: 999991; width: auto !important;
}}
[data-testid="stMainBlockContainer"] {{ padding-top: 4rem; }}
/* Sections are h2 under the page's h1 (headings in order, for screen readers), sized as
   Streamlit's subheaders; subsections are h3. */
[data-testid="stMain"] h2 {{ font-size: 1.75rem; }}
[data-testid="stMain"] h3 {{ font-size: 1.35rem; }}
/* Streamlit's captions and code tokens are too faint on white for WCAG AA (4.5:1). */
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] * {{
  color: #4f5160 !important; opacity: 1 !important;
}}
[data-testid="stCode"] .token {{ color: #1d2b36 !important; }}
/* A chart's toolbar appears inside the chart's own title row, not over the heading above it. */
[data-testid="stElementContainer"]:has([data-testid="stVegaLiteChart"])
  [data-testid="stElementToolbar"] {{ top: 0 !important; }}
</style>
"""
# Tables (a canvas grid) and charts (a canvas) draw their own text at fixed sizes, so they are
# zoomed whole; everything else has its type set here.
ZOOM = 1.35
CSS = f"""
<style>
[data-testid="stMain"] [data-testid="stVegaLiteChart"],
[data-testid="stMain"] [data-testid="stElementContainer"]:has([data-testid="stDataFrame"]) {{
  zoom: {ZOOM}; width: calc(100% / {ZOOM}) !important; max-width: calc(100% / {ZOOM});
}}
[data-testid="stMain"] {{ background: #ffffff; color: #000000; }}
[data-testid="stMain"] h1 {{ font-size: 3.2rem !important; color: #000000; }}
[data-testid="stMain"] h2, [data-testid="stMain"] h3 {{ font-size: 2.2rem !important; color: #000000; }}
[data-testid="stMain"] p, [data-testid="stMain"] li, [data-testid="stMain"] label,
[data-testid="stMain"] [data-testid="stCaptionContainer"],
[data-testid="stMain"] [data-testid="stCaptionContainer"] * {{
  font-size: 1.45rem !important; color: #000000 !important; line-height: 1.5;
}}
[data-testid="stMain"] [data-testid="stMetricValue"],
[data-testid="stMain"] [data-testid="stMetricValue"] * {{ font-size: 3.4rem !important; color: #000000 !important; }}
[data-testid="stMain"] input {{ font-size: 1.4rem !important; color: #000000; }}
[data-testid="stMain"] [data-testid="stButtonGroup"] button *,
[data-testid="stMain"] [role="tab"] *,
[data-testid="stMain"] [data-testid^="stBaseButton-secondary"] * {{ font-size: 1.3rem !important; }}
[data-testid="stMain"] [data-testid="stTable"] th,
[data-testid="stMain"] [data-testid="stTable"] td {{ font-size: 1.3rem !important; color: #000000; }}
[data-testid="stMain"] [data-tag] {{ height: auto; }}
[data-testid="stMain"] [data-tag], [data-testid="stMain"] [data-tag] span {{ font-size: 1.25rem !important; }}
[data-testid="stMain"] [data-testid="stMetricLabel"] p {{ font-size: 1.5rem !important; }}
[data-testid="stMain"] a {{ color: #003087 !important; text-decoration: underline; }}
[data-testid="stMain"] button[kind^="primary"] * {{ color: #ffffff !important; }}
[data-testid="stMain"] [data-testid="stAlert"] {{ border: 3px solid #000000; }}
</style>
<span id="phm-presentation-mode" hidden></span>
"""


# Vega-Lite draws a chart's text itself (axis labels 10 px, titles 11 px): zoomed 1.35x they
# were about 15 px beside 23 px body text, so when presenting the charts' own type is larger
# too (about 19-23 px once zoomed). Marks keep their own sizes (milestone labels).
CHART_TYPE = {
    "axis": {"labelFontSize": 14, "titleFontSize": 15},
    "legend": {"labelFontSize": 14, "titleFontSize": 15, "symbolSize": 140},
    "header": {"labelFontSize": 14, "titleFontSize": 15},
    "title": {"fontSize": 17},
}


def chart_config(config: dict | None) -> dict | None:
    """Return a chart spec's Vega-Lite config with presentation mode's type sizes when presenting."""
    if not presenting():
        return config
    merged = dict(config or {})
    for part, sizes in CHART_TYPE.items():
        merged[part] = {**merged.get(part, {}), **sizes}
    return merged


def presenting() -> bool:
    """Return True when presentation mode is on in this session."""
    return bool(st.session_state.get(PRESENT_KEY, False))


def apply() -> None:
    """Read ?present=1, draw the sidebar toggle, keep the URL in step and, when on, restyle.

    Call once per run from the entrypoint, before the cohort picker writes the URL (which keeps
    `present`, one of the page parameters). Also opens the slot at the top of the page that
    `copy_link` fills.
    """
    state = st.session_state
    raw = st.query_params.get(PRESENT_KEY)
    # A link (or the address bar) that says something new wins; the URL this session wrote
    # itself does not override the toggle the user has just flipped.
    if raw is not None and raw != state.get(_WRITTEN):
        state[PRESENT_KEY] = str(raw).lower() in TRUE_VALUES
    state[_WRITTEN] = raw
    st.sidebar.toggle(
        "Presentation mode",
        key=PRESENT_KEY,
        help="Large type, tables and charts in high contrast for a projector; the sidebar"
        " starts collapsed. Links to this view keep it (present=1).",
    )
    if presenting():
        if st.query_params.get(PRESENT_KEY) != "1":
            st.query_params[PRESENT_KEY] = "1"
        state[_WRITTEN] = "1"
        st.set_page_config(initial_sidebar_state="collapsed")
        st.html(CSS)
    elif PRESENT_KEY in st.query_params:
        del st.query_params[PRESENT_KEY]
        state[_WRITTEN] = None
    st.html(BASE_CSS)
    state[_LINK_SLOT] = st.container(key=LINK_KEY)


def side_by_side(count: int) -> list:
    """Return columns on a screen, and the same number of sections one under the other when
    presenting: at a projector's type a table's last columns would not fit a half-width column.
    """
    if presenting():
        return [st.container() for _ in range(count)]
    return list(st.columns(count))


def share_url(
    base: str,
    url_path: str,
    params: dict[str, list[str]],
    present: bool,
    leave_out: Collection[str] = (),
) -> str:
    """Return the link to a page with its query parameters (and present=1 when presenting).

    `leave_out` names parameters that are not part of this view (other pages' own, which the
    address bar keeps for page changes): whatever a link put there is not passed on.
    """
    parts = urlsplit(base or "")
    root = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
    query = {k: v for k, v in params.items() if k != PRESENT_KEY and k not in leave_out}
    if present:
        query[PRESENT_KEY] = ["1"]
    encoded = urlencode(query, doseq=True)
    return f"{root}/{url_path}" + (f"?{encoded}" if encoded else "")


def copy_link(name: str) -> None:
    """Show the link to the current view of page `name` (a key of pages.PAGES), under a 'Copy
    link' button at the top of the page: the cohort and this page's own parameters only.

    Call at the end of a page's run, once its settings are in the URL. Without the entrypoint's
    slot (a page run on its own) the link is drawn where the call is.
    """
    params = {key: st.query_params.get_all(key) for key in st.query_params}
    url = share_url(
        st.context.url or "",
        pages.link_path(name),
        params,
        presenting(),
        leave_out=pages.foreign_params(name),
    )
    slot = st.session_state.get(_LINK_SLOT)
    where = (slot or st.container()).popover(LINK_LABEL, icon=":material/link:")
    where.caption("Link to this view (copy it with the button on the right):")
    where.code(url, language=None, wrap_lines=True)
