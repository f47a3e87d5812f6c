"""Ready-made workshop scenarios: a story, a cohort and the page that tells it."""

from __future__ import annotations

from dataclasses import dataclass

from phm.analysis.business_case import INTERVENTION_PARAM
from phm.cohort import Cohort


@dataclass(frozen=True)
class Scenario:
    """One workshop story: what to look at, on which page, and what to ask the room."""

    key: str
    title: str
    story: str
    prompt: str
    page: str  # a key of components.pages.PAGES
    cohort: Cohort
    icon: str = ":material/play_circle:"
    interventions: tuple[str, ...] = ()  # business-case interventions the story compares

    def query_params(self) -> dict[str, str | list[str]]:
        """Return the URL parameters that open this scenario's cohort (and interventions)."""
        params = self.cohort.to_query_params()
        if self.interventions:
            params[INTERVENTION_PARAM] = list(self.interventions)
        return params


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "white_other_bus",
        "White Other communities and a vaccine bus",
        "Adults of 'Any other White background' have some of the lowest first-dose uptake."
        " Where do they live, and where should a vaccine bus stop?",
        "Which stops would reach most unvaccinated people in a week?",
        "outreach",
        Cohort().with_(ethnicities=["C"], age_min=18),
        ":material/directions_bus:",
    ),
    Scenario(
        "polish_link_worker",
        "A Polish-speaking link worker",
        "People whose first language is Polish: is a community-language link worker worth the"
        " money? Compare it with pop-up clinics.",
        "What conversion rate would make the post cost less per vaccination than pop-ups?",
        "business_case",
        Cohort().with_(languages=["Polish"]),
        ":material/translate:",
        ("link_worker", "popup"),
    ),
    Scenario(
        "young_housebound",
        "Younger housebound people",
        "Housebound people under 65 are easy to miss: they are not in the oldest cohorts"
        " that home-visiting teams were first sent to.",
        "How many are unvaccinated, and in which boroughs?",
        "overview",
        Cohort().with_(flags={"is_housebound": True}, age_max=64),
        ":material/home:",
    ),
    Scenario(
        "learning_disability",
        "People with a learning disability",
        "People with a learning disability were prioritised (JCVI cohort 6) but uptake varies"
        " between practices and PCNs.",
        "Which PCNs are below the ICS, and is the difference more than chance?",
        "compare",
        Cohort().with_(flags={"has_learning_disability": True}),
        ":material/accessibility_new:",
    ),
    Scenario(
        "core20_gap",
        "The Core20 gap",
        "The most deprived fifth of areas (Core20) lag the least deprived. What would ten"
        " pop-up sessions in Core20 areas do to the gap?",
        "How much of the gap between the most and least deprived quintiles could we close?",
        "business_case",
        Cohort().with_(imd_quintiles=[1]),
        ":material/balance:",
        ("popup", "door_knocking"),
    ),
    Scenario(
        "care_home_boosters",
        "Boosters in care homes",
        "Care-home residents had high first-dose uptake; did boosters keep up?",
        "Which boroughs' care homes are behind on boosters?",
        "overview",
        Cohort().with_(flags={"is_care_home_resident": True}, dose="3"),
        ":material/elderly:",
    ),
)
