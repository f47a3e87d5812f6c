"""The browser window's height, for views that fit a map to the space the page gives it.

The server cannot see the window (st.context has no viewport), so a small script reports its
height, in steps, once when a page opens and again after the window is resized; the page reruns
once with the new height and the cached view for that height is shared by every session.
"""

from __future__ import annotations

import streamlit as st

from phm.output.maps import WINDOW_STEP_PX

KEY = "phm_viewport"
_HEIGHT = "phm_window_height"  # the last height the browser reported, in this session

# Trusted code of ours, no user data in it: reports window.innerHeight rounded to a step,
# only when it differs from what the server already knows (so it never loops).
_JS = """
export default function ({ data, setStateValue }) {
  const report = () => {
    const height = Math.round(window.innerHeight / data.step) * data.step;
    if (height > 0 && height !== data.known) setStateValue("height", height);
  };
  report();
  let timer = null;
  const resized = () => { clearTimeout(timer); timer = setTimeout(report, 400); };
  window.addEventListener("resize", resized);
  return () => { window.removeEventListener("resize", resized); clearTimeout(timer); };
}
"""

_reporter = st.components.v2.component("phm_viewport", js=_JS)

# The reporter draws nothing; hide its empty container so it takes no space.
_CSS = f"<style>.st-key-{KEY} {{ display: none; }}</style>"


def _ignore() -> None:
    """Accept a new height (the rerun it starts is what uses it)."""


def window_height() -> int | None:
    """Return the browser window's height in pixels, or None until the browser has said."""
    st.html(_CSS)
    known = st.session_state.get(_HEIGHT)
    result = _reporter(
        key=KEY, data={"known": known, "step": WINDOW_STEP_PX}, on_height_change=_ignore
    )
    value = result.get("height") if result is not None else None
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 < value < 100_000:
        st.session_state[_HEIGHT] = int(value)
    return st.session_state.get(_HEIGHT)
