"""When a dose is due, and what may help someone have it: direct care's rules, declared once.

From JCVI's advice in docs/product.md's timeline: a first dose once a person's priority cohort
(or, for 12-17s, their age) has been offered one; a second dose at least 8 weeks after the
first (12 weeks for 12-17-year-olds); a booster from 16 September 2021 for cohorts 1-9 at least
6 months (182 days) after the second dose, and from 29 November 2021 for everyone 18 and over
at least 3 months (91 days) after it. phm.queries.worklist turns these into SQL parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from phm import codes

SECOND_DOSE_MIN_DAYS = 56  # 8 weeks (JCVI: 8-12 weeks between first and second doses)
SECOND_DOSE_MIN_DAYS_UNDER_18 = 84  # 12 weeks for 12-17-year-olds (JCVI, 2021)
YOUNGEST_OFFERED = 12  # no one under 12 was offered a dose in the programme's first phases


@dataclass(frozen=True)
class BoosterRule:
    """Who may have a booster from a day, and the least time since their second dose."""

    from_day: date
    who: str
    max_jcvi_cohort: int | None  # cohorts 1..this; None: by age instead
    min_age: int | None
    min_days: int


BOOSTER_RULES: tuple[BoosterRule, ...] = (
    BoosterRule(date(2021, 9, 16), "JCVI cohorts 1-9", 9, None, 182),
    BoosterRule(date(2021, 11, 29), "everyone aged 18 and over", None, 18, 91),
)

# Why a person is on the list, as the list says it (the query's `due` codes).
DUE: dict[str, str] = {
    "first": "Never vaccinated",
    "second": "Second dose due",
    "booster": "Booster due",
}

# What may help a person with a flag have their dose, in the order a clinician reads them.
HELPS: dict[str, str] = {
    "is_housebound": "Home visit",
    "is_care_home_resident": "Visit at their care home",
    "has_learning_disability": "Reasonable adjustments: longer appointment, quiet time,"
    " easy-read invitation",
    "has_severe_mental_illness": "Contact through their care coordinator; longer appointment",
    "is_homeless": "Offer through homeless health outreach",
    "is_pregnant": "Offer at an antenatal appointment",
}
INTERPRETER = "Interpreter: {language}"
INTERPRETER_LANGUAGE_UNKNOWN = "Interpreter: language not recorded (ask, and record it)"

# The flags a list gives as reasons (clinical and social), with the words it uses.
REASON_FLAGS: dict[str, str] = dict(codes.FLAGS)


def first_dose_offered(jcvi_cohort: int, age: int) -> date | None:
    """Return the day a person of this JCVI cohort and age was first offered a first dose."""
    if jcvi_cohort in codes.JCVI_FIRST_OFFERED and jcvi_cohort > 0:
        return codes.JCVI_FIRST_OFFERED[jcvi_cohort]
    if age >= 16:
        return codes.AGE_16_17_FIRST_OFFERED
    if age >= YOUNGEST_OFFERED:
        return codes.AGE_12_15_FIRST_OFFERED
    return None
