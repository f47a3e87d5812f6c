"""The opening every page shares: title, dataset banner and the cohort (or published figures).

A page calls one of these first and lays out from what it returns:

    page = open_page("Overview")
    doses = protected_uptake(data.uptake_all_doses(page.cohort, page.version), page.rule)
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import streamlit as st

from components import data, render
from components.cohort_picker import current_cohort, place_names
from components.published_picker import current_choice
from phm.analysis.aggregate import NOT_PUBLISHED, PublishedChoice
from phm.cohort import Cohort
from phm.disclosure import DisclosureRule


@dataclass(frozen=True)
class Frame:
    """What a person-level page is about: the dataset, the cohort in words, the rule in force."""

    meta: dict[str, str]  # dataset_meta of the database on screen
    cohort: Cohort
    names: dict[str, str]  # code -> name of every place and practice, for descriptions
    description: str  # the cohort in plain English
    rule: DisclosureRule
    version: str  # the dataset version token that keys the caches

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


def open_info_page(title: str) -> dict[str, str]:
    """Draw the title and dataset banner of a page without a cohort; return the dataset's metadata."""
    st.title(title)
    return render.banner()


def open_page(title: str, show_cohort: bool = True) -> Frame:
    """Draw a page's title, dataset banner and (unless told not to) its cohort sentence.

    A page that narrows the cohort first passes show_cohort=False, then draws the sentence of
    `frame.with_cohort(narrower)` itself.
    """
    meta = open_info_page(title)
    cohort = current_cohort()
    names = place_names()
    description = cohort.describe(names)
    if show_cohort:
        render.cohort_sentence(description)
    return Frame(meta, cohort, names, description, data.disclosure_rule(), data.version())


def open_published_page(title: str, caveat: str = "") -> PublishedFrame:
    """Draw an aggregate page's title, banner and chosen figures, with what is not published.

    Stops the page with an explanation when the active dataset has no published figures.
    """
    open_info_page(title)
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
    return PublishedFrame(data.meta(version), choice, description, data.disclosure_rule(), version)
