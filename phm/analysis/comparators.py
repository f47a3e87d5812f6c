"""The one rule for what a group is compared with, on every page that compares.

The comparator of any group is everyone in the same age range across the ICS: the group's
cohort with only its age filters (age from/to, age bands, JCVI cohorts), programme, dose and
date kept. So Turkish-speaking adults in one MSOA, adults in one borough and all adults are
each compared with adults (18 and over) across the ICS, and a cohort with no age filter with
everyone. Uptake differs most by age (each age was offered vaccination at a different time),
so keeping the age range keeps the comparison about the group, not about its ages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from phm import codes
from phm.cohort import Cohort

# What a comparator keeps of the group's cohort (everything else is dropped).
AGE_FIELDS = ("age_min", "age_max", "age_bands", "jcvi_cohorts")
ADULT_AGE = 18

RULE = (
    "Every group is compared with everyone in the same age range across the ICS (same dose"
    " and date), whatever its other filters: the figure a programme lead would quote for the"
    " ICS."
)


@dataclass(frozen=True)
class Comparator:
    """The cohort a group is compared with and its name ('adults (18 and over) across NCL')."""

    cohort: Cohort
    words: str

    def figure(self, uptake_pct: float) -> str:
        """Return the comparator's figure in words, e.g. '71.9% for adults (18 and over) ...'."""
        return f"{uptake_pct:.1f}% for {self.words}"


def area_name(meta: Mapping[str, str]) -> str:
    """Return the ICS's short name from the dataset's metadata ('North Central London')."""
    return meta.get("icb", "the ICS").removeprefix("NHS ").removesuffix(" ICB") or "the ICS"


def age_words(cohort: Cohort) -> str:
    """Return who is in a cohort's age range as a plural noun phrase ('adults (18 and over)')."""
    low, high = cohort.age_min, cohort.age_max
    parts = []
    if low == ADULT_AGE and high is None:
        parts.append(f"adults ({ADULT_AGE} and over)")
    elif low and high is not None:
        parts.append(f"people aged {low} to {high}")
    elif low:
        parts.append(f"people aged {low} and over")
    elif high is not None:
        parts.append(f"people aged {high} and under")
    if cohort.age_bands:
        bands = " or ".join(_band(b) for b in cohort.age_bands)
        parts.append(f"{'in age band' if parts else 'people aged'} {bands}")
    if cohort.jcvi_cohorts:
        numbers = ", ".join(str(n) for n in cohort.jcvi_cohorts)
        plural = "s" if len(cohort.jcvi_cohorts) > 1 else ""
        parts.append(f"{'in' if parts else 'people in'} JCVI cohort{plural} {numbers}")
    return " ".join(parts) if parts else "everyone (all ages)"


def _band(label: str) -> str:
    """Return an age band label as words ('80 and over' for '80+')."""
    if label not in codes.AGE_BAND_LABELS:
        return label
    return f"{label[:-1]} and over" if label.endswith("+") else label


def comparator_for(cohort: Cohort, meta: Mapping[str, str] | None = None) -> Comparator:
    """Return the comparator of a group: everyone in its age range across the ICS, named."""
    kept = {name: getattr(cohort, name) for name in AGE_FIELDS}
    compared = Cohort(programme=cohort.programme, dose=cohort.dose, as_at=cohort.as_at).with_(
        **kept
    )
    return Comparator(compared, f"{age_words(cohort)} across {area_name(meta or {})}")


def is_own_comparator(cohort: Cohort) -> bool:
    """Return whether a cohort is its own comparator (it is limited by age range only)."""
    return comparator_for(cohort).cohort == cohort
