"""The server's page gate (phm.admission) and what a session sees while its page waits."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from phm import admission


@st.cache_resource(show_spinner=False)
def gate() -> admission.Gate:
    """Return the one gate every session's page run passes through."""
    return admission.Gate(admission.slots())


def waiting_words(ahead: int) -> str:
    """Return what a session is told while its page waits behind `ahead` others."""
    others = "1 other" if ahead == 1 else f"{ahead} others"
    return f"The server is busy: this page follows {others} being prepared."


@contextmanager
def turn() -> Iterator[None]:
    """Run the block (a page) when the gate admits it, saying so while it waits.

    The session is the gate's owner, so it never holds two slots (a run it left behind still
    computing, and its new one). Each update of the notice is also where Streamlit stops a run
    the session has moved on from: that run leaves the queue instead of keeping its place.
    """
    notice: list = []

    def waiting(ahead: int) -> None:
        if not notice:
            notice.append(st.empty())
        notice[0].caption(waiting_words(ahead))

    context = get_script_run_ctx()
    owner = context.session_id if context is not None else None
    with gate().slot(on_wait=waiting, owner=owner):
        if notice:
            notice[0].empty()
        yield
