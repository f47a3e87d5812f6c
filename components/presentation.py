"""Workshop helpers: presentation mode (large type, high contrast, sidebar collapsed) and 'Copy link'."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

import streamlit as st

PRESENT_KEY = "present"
TRUE_VALUES = ("1", "yes", "true", "on")
CSS = """
<style>
[data-testid="stMain"] { background: #ffffff; color: #000000; }
[data-testid="stMain"] h1 { font-size: 3.2rem !important; color: #000000; }
[data-testid="stMain"] h2, [data-testid="stMain"] h3 { font-size: 2.2rem !important; color: #000000; }
[data-testid="stMain"] p, [data-testid="stMain"] li, [data-testid="stMain"] label,
[data-testid="stMain"] [data-testid="stCaptionContainer"],
[data-testid="stMain"] [data-testid="stCaptionContainer"] * {
  font-size: 1.45rem !important; color: #000000 !important; line-height: 1.5;
}
[data-testid="stMain"] [data-testid="stMetricValue"],
[data-testid="stMain"] [data-testid="stMetricValue"] * { font-size: 3.4rem !important; color: #000000 !important; }
[data-testid="stMain"] input { font-size: 1.4rem !important; color: #000000; }
[data-testid="stMain"] [data-testid="stMetricLabel"] p { font-size: 1.5rem !important; }
[data-testid="stMain"] a { color: #003087 !important; text-decoration: underline; }
[data-testid="stMain"] [data-testid="stAlert"] { border: 3px solid #000000; }
</style>
<span id="phm-presentation-mode" hidden></span>
"""


def presenting() -> bool:
    """Return True when presentation mode is on in this session."""
    return bool(st.session_state.get(PRESENT_KEY, False))


def apply() -> None:
    """Read ?present=1, draw the sidebar toggle and, when on, restyle the page for a projector.

    Call once per run from the entrypoint, before the cohort picker writes the URL.
    """
    raw = st.query_params.get(PRESENT_KEY)
    if raw is not None:
        st.session_state[PRESENT_KEY] = str(raw).lower() in TRUE_VALUES
    st.sidebar.toggle(
        "Presentation mode",
        key=PRESENT_KEY,
        help="Large type and high contrast for a projector; the sidebar starts collapsed."
        " Add ?present=1 to a link to open it this way.",
    )
    if presenting():
        st.set_page_config(initial_sidebar_state="collapsed")
        st.html(CSS)


def share_url(base: str, url_path: str, params: dict[str, list[str]], present: bool) -> str:
    """Return the link to a page with its query parameters (and present=1 when presenting)."""
    parts = urlsplit(base or "")
    root = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
    query = {k: v for k, v in params.items() if k != PRESENT_KEY}
    if present:
        query[PRESENT_KEY] = ["1"]
    encoded = urlencode(query, doseq=True)
    return f"{root}/{url_path}" + (f"?{encoded}" if encoded else "")


def copy_link(url_path: str) -> None:
    """Show the link to the current view with a copy button."""
    params = {key: st.query_params.get_all(key) for key in st.query_params}
    url = share_url(st.context.url or "", url_path, params, presenting())
    st.caption("Link to this view (copy it with the button on the right):")
    st.code(url, language=None, wrap_lines=True)
