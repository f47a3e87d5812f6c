"""The app's pages, defined once: the entrypoint's navigation and links between pages use them."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import streamlit as st

from phm.access import Principal, pages_for
from phm.analysis import business_case, explore, targeting

VIEWS = Path(__file__).resolve().parents[1] / "views"


class PageSpec(NamedTuple):
    """One page: its file in views/, title, icon, URL path and its own URL parameters.

    `params` are the page's settings carried in a link (not the cohort's): the cohort picker
    keeps them when it writes the cohort into the URL.
    """

    file: str
    title: str
    icon: str
    url_path: str
    params: tuple[str, ...] = ()


PAGES: dict[str, PageSpec] = {
    # First in the menu of practice staff; other roles never see it listed.
    "patients": PageSpec(
        "patients.py", "Patients to invite", ":material/contact_phone:", "patients", ("due",)
    ),
    "targets": PageSpec(
        "targets.py",
        "Find target groups",
        ":material/target:",
        "targets",
        tuple(targeting.FINDER_PARAMS.values()),
    ),
    "explore": PageSpec(
        "explore.py",
        "Explore",
        ":material/layers:",
        "explore",
        tuple(explore.EXPLORE_PARAMS.values()),
    ),
    "overview": PageSpec("overview.py", "Overview", ":material/insights:", "overview"),
    "compare": PageSpec("compare.py", "Compare", ":material/leaderboard:", "compare"),
    "trends": PageSpec("trends.py", "Trends", ":material/timeline:", "trends"),
    "map": PageSpec("map.py", "Map", ":material/map:", "map"),
    "outreach": PageSpec("outreach.py", "Plan outreach", ":material/route:", "outreach"),
    "business_case": PageSpec(
        "business_case.py",
        "Business case",
        ":material/request_quote:",
        "business_case",
        business_case.URL_PARAMS,
    ),
    "delivery": PageSpec(
        "delivery.py", "Where vaccinated", ":material/vaccines:", "where_vaccinated"
    ),
    "what_worked": PageSpec("what_worked.py", "What worked", ":material/verified:", "what_worked"),
    "scenarios": PageSpec("scenarios.py", "Scenarios", ":material/slideshow:", "scenarios"),
    "data": PageSpec("data.py", "Data", ":material/database:", "data"),
    "quality": PageSpec("quality.py", "Data quality", ":material/fact_check:", "data_quality"),
    "usage": PageSpec("usage.py", "Usage", ":material/monitoring:", "usage"),
    "audit": PageSpec("audit.py", "Audit log", ":material/policy:", "audit"),
    "about": PageSpec("about.py", "About", ":material/info:", "about"),
    # Aggregate mode (published figures, no person records): its own Map and Compare.
    "published_map": PageSpec("published_map.py", "Map", ":material/map:", "map"),
    "published_compare": PageSpec(
        "published_compare.py", "Compare", ":material/leaderboard:", "compare"
    ),
}
LANDING = "targets"
AGGREGATE_PAGES = ("published_map", "published_compare", "data", "usage", "audit", "about")


def page_params() -> tuple[str, ...]:
    """Return every page's own URL parameters, in page order, without repeats."""
    return tuple(dict.fromkeys(param for spec in PAGES.values() for param in spec.params))


def foreign_params(name: str) -> tuple[str, ...]:
    """Return the URL parameters of other pages that are not also page `name`'s own."""
    own = set(PAGES[name].params)
    return tuple(param for param in page_params() if param not in own)


def link_path(name: str) -> str:
    """Return the path of a page's link: the landing page is the app's root, not its url_path.

    Streamlit serves the default page at '/', and '/<its url_path>' is 'Page not found'.
    """
    return "" if name == LANDING else PAGES[name].url_path


def page(name: str, landing: str = LANDING, shown: bool = True) -> st.Page:
    """Return the st.Page of one page (equal to the one in the navigation, so links work)."""
    spec = PAGES[name]
    return st.Page(
        VIEWS / spec.file,
        title=spec.title,
        icon=spec.icon,
        url_path=spec.url_path,
        default=name == landing,
        visibility="visible" if shown else "hidden",
    )


def mode_pages(aggregate: bool = False) -> list[str]:
    """Return the keys of the pages of a mode in menu order: person-level, or aggregate's few."""
    if aggregate:
        return list(AGGREGATE_PAGES)
    return [name for name in PAGES if name not in AGGREGATE_PAGES[:2]]


def navigation(principal: Principal, aggregate: bool = False) -> list[st.Page]:
    """Return the mode's pages; the menu lists only those the principal may open.

    The others stay registered but hidden, so their URL still reaches the page, whose frame
    shows the refusal (and audits it) instead of silently landing somewhere else.
    """
    names = mode_pages(aggregate)
    allowed = set(pages_for(principal, names))
    # The landing page is the finder wherever the principal may open it: a default page has
    # no URL path of its own in Streamlit, and every other page must keep its link (a
    # practice's /patients, refused for anyone else).
    landing = LANDING if LANDING in allowed else next(n for n in names if n in allowed)
    return [page(name, landing, name in allowed) for name in names]
