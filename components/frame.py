"""The opening every page shares: access check, title, dataset banner and the cohort.

A page calls one of these first and lays out from what it returns:

    page = open_page("Overview")
    doses = protected_uptake(
        data.uptake_all_doses(page.principal, page.cohort, page.version), page.rule
    )

Each opening first asks `phm.access.authorise_page` whether the signed-in principal may see
the page (found from the calling file's name in components.pages.PAGES), so a direct URL or a
link shared by someone with a wider role shows only the refusal, audited as `refused`, and
stops before any data is read. A page it lets through is audited as `page_view` with the
cohort narrowed to what the principal may see (`data.scope`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, NoReturn

import streamlit as st

from components import data, pages, render, signin
from components.cohort_picker import current_cohort, place_names
from components.published_picker import current_choice
from phm import access
from phm.access import Principal, Refused
from phm.analysis.aggregate import NOT_PUBLISHED, PublishedChoice
from phm.audit import log
from phm.audit.log import EventKind
from phm.cohort import Cohort
from phm.disclosure import DisclosureRule
from phm.text import escape_markdown

_SHOWN_COHORT = "phm_shown_cohort"  # (page, scoped cohort) of the last person-level page run


@dataclass(frozen=True)
class Frame:
    """What a person-level page is about: the dataset, the cohort in words, the rule in force."""

    meta: dict[str, str]  # dataset_meta of the database on screen
    cohort: Cohort
    names: dict[str, str]  # code -> name of every place and practice, for descriptions
    description: str  # the cohort in plain English
    rule: DisclosureRule
    version: str  # the dataset version token that keys the caches
    principal: Principal  # who is signed in; every data call takes it

    def with_cohort(self, cohort: Cohort) -> Frame:
        """Return the frame of a page that narrows the shared cohort (e.g. to adults)."""
        return replace(self, cohort=cohort, description=cohort.describe(self.names))


@dataclass(frozen=True)
class PublishedFrame:
    """What an aggregate-mode page is about: the dataset and the published figures chosen."""

    meta: dict[str, str]
    choice: PublishedChoice
    description: str  # the chosen figures in plain English
    rule: DisclosureRule
    version: str
    principal: Principal


def _page_key() -> str:
    """Return the key (components.pages.PAGES) of the view file that is opening its page."""
    by_file = {spec.file: key for key, spec in pages.PAGES.items()}
    caller = sys._getframe(1)
    while caller is not None:
        path = Path(caller.f_code.co_filename)
        if path.parent == pages.VIEWS and path.name in by_file:
            return by_file[path.name]
        caller = caller.f_back
    return ""  # not a view: authorise_page refuses an unknown page


def refuse(title: str, principal: Principal | None, page: str, message: str) -> NoReturn:
    """Show only the refusal's message under the page's title, audit it, and stop the run."""
    st.title(title)
    if principal is not None:
        render.banner()  # which dataset (synthetic or not), as on every page; no figures
    st.error(escape_markdown(message), icon=":material/block:")
    if principal is not None:
        signin.audit(principal, EventKind.REFUSED, page=page, detail=message)
    st.stop()
    raise AssertionError("unreachable")  # st.stop raises


def _authorised(title: str) -> tuple[Principal, str]:
    """Return the principal and page key when the principal may open the calling page, else refuse."""
    principal, page = signin.current_principal(), _page_key()
    try:
        allowed = access.authorise_page(principal, page)
    except Refused as refused:
        refuse(title, principal, page, str(refused))
    assert allowed is not None  # authorise_page refuses nobody signed in
    return allowed, page


def current_principal() -> Principal:
    """Return the signed-in principal of a page already opened (every page opens first)."""
    principal = signin.current_principal()
    if principal is None:
        raise Refused("Sign in to see this.")
    return principal


def open_info_page(title: str) -> dict[str, str]:
    """Check access, draw the title and dataset banner of a page without a cohort; return the metadata."""
    principal, page = _authorised(title)
    signin.audit(principal, EventKind.PAGE_VIEW, page=page)
    st.title(title)
    return render.banner()


def open_page(title: str, show_cohort: bool = True) -> Frame:
    """Draw a page's title, dataset banner and (unless told not to) its cohort sentence.

    A page that narrows the cohort first passes show_cohort=False, then draws the sentence of
    `frame.with_cohort(narrower)` itself.
    """
    principal, page = _authorised(title)
    version = data.version()
    try:
        cohort = data.scope(principal, current_cohort(), version)
    except Refused as refused:
        refuse(title, principal, page, str(refused))
    signin.audit(principal, EventKind.PAGE_VIEW, page=page, cohort=cohort)
    st.session_state[_SHOWN_COHORT] = (page, cohort)
    st.title(title)
    meta = render.banner()
    names = place_names()
    description = cohort.describe(names)
    if show_cohort:
        render.cohort_sentence(description)
    return Frame(meta, cohort, names, description, data.disclosure_rule(), version, principal)


def open_published_page(title: str, caveat: str = "") -> PublishedFrame:
    """Draw an aggregate page's title, banner and chosen figures, with what is not published.

    Stops the page with an explanation when the active dataset has no published figures.
    """
    principal, page = _authorised(title)
    signin.audit(principal, EventKind.PAGE_VIEW, page=page)
    st.title(title)
    render.banner()
    choice = current_choice()
    if choice is None:
        st.info(
            "This page shows NHS England's published figures, and the active dataset has none."
            " Import them with `python -m phm import-published`, or switch dataset on the Data"
            " page.",
            icon=":material/info:",
        )
        st.stop()
    version = data.version()
    places = data.options(version)
    description = choice.describe({**places["boroughs"], **places["msoas"]})
    st.markdown(f"**Figures:** {description}")
    st.caption(" ".join(filter(None, (NOT_PUBLISHED, caveat))))
    return PublishedFrame(
        data.meta(version), choice, description, data.disclosure_rule(), version, principal
    )


def download(
    label: str,
    data: str | bytes | Callable[[], str | bytes],
    file_name: str,
    mime: str | None = None,
    *,
    where: Any = None,
    records: int | None = None,
    **kwargs: Any,
) -> bool:
    """Draw `st.download_button` (in `where`, default the page) whose file is audited as `export`.

    The file is made only when the browser asks for it, by a function that appends the
    `export` entry (the file's name, the cohort on screen, the records exported when the page
    says, and the SHA-256 of exactly the bytes sent) before returning the bytes: however the
    file is fetched (the button, or its URL replayed), it is recorded, and a file found later
    can be traced to who took it.
    """
    target = st if where is None else where
    principal = signin.current_principal()
    since = signin.signed_in_at()
    page = _page_key()
    shown_page, cohort = st.session_state.get(_SHOWN_COHORT, ("", None))
    shown = cohort if shown_page == page else None
    return target.download_button(
        label,
        _audited(data, file_name, principal, since, page, shown, records),
        file_name,
        mime,
        on_click="ignore",
        **kwargs,
    )


def _audited(
    content: str | bytes | Callable[[], str | bytes],
    file_name: str,
    principal: Principal | None,
    since: str | None,
    page: str,
    cohort: Cohort | None,
    records: int | None,
) -> Callable[[], str | bytes]:
    """Return a function that makes a download's bytes and audits them as they are sent.

    A file asked for after the session ended elsewhere (a sign-out in another tab, access
    removed) is refused, as the session's next page run would be.
    """

    def send() -> str | bytes:
        if principal is None:
            raise Refused("Sign in to download.")
        ended = signin.ended_reason(principal, since)
        if ended:
            raise Refused(ended)
        made = content() if callable(content) else content
        signin.audit(
            principal,
            EventKind.EXPORT,
            page=page,
            cohort=cohort,
            records=records,
            file_sha256=log.file_sha256(made),
            detail=file_name,
        )
        return made

    return send
