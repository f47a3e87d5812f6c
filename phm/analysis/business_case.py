"""Business cases for outreach: what an intervention costs and what it adds to uptake and equity."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import pandas as pd

from phm.levels import LEVELS
from phm.text import parse_whole_number

ASSUMPTION = "Assumption — replace with local figures."
IOS_FEE_GBP = 12.58
IOS_SOURCE = (
    "NHS England, COVID-19 vaccination programme enhanced service specification (December 2020):"
    " item-of-service fee of £12.58 per dose, a benchmark for the cost of a dose given in general"
    " practice."
)
SCENARIOS = ("low", "central", "high")


@dataclass(frozen=True)
class Range:
    """A low, central and high value of one quantity."""

    low: float
    central: float
    high: float

    def __post_init__(self) -> None:
        """Check the values are in order."""
        if not self.low <= self.central <= self.high:
            raise ValueError(f"need low <= central <= high, got {self}")

    def get(self, scenario: str) -> float:
        """Return the value of one scenario ('low', 'central' or 'high')."""
        return float(getattr(self, scenario))


@dataclass(frozen=True)
class Intervention:
    """One outreach intervention and its assumptions, each with where it comes from."""

    key: str
    name: str
    unit: str
    description: str
    cost_per_unit: float
    units: int
    capacity_per_unit: float | None  # most additional vaccinations one unit can deliver
    reach: Range  # share of the target group's unvaccinated people the intervention reaches
    conversion: Range  # share of those reached who then get vaccinated
    sources: tuple[tuple[str, str], ...] = ()

    def units_text(self, units: int) -> str:
        """Return a number of units in words: '1 bus day', '3 year-long posts'."""
        return f"{units:,} {self.unit}{'' if units == 1 else 's'}"

    def __post_init__(self) -> None:
        """Check the assumptions are within range."""
        if self.cost_per_unit < 0 or self.units < 0:
            raise ValueError("cost and number of units must not be negative")
        if self.capacity_per_unit is not None and self.capacity_per_unit < 0:
            raise ValueError("capacity must not be negative")
        for name in ("reach", "conversion"):
            value: Range = getattr(self, name)
            if value.low < 0 or value.high > 1:
                raise ValueError(f"{name} is a share from 0 to 1")

    def source(self, assumption: str) -> str:
        """Return where one assumption comes from ('Assumption — replace ...' when nowhere)."""
        return dict(self.sources).get(assumption, ASSUMPTION)

    def with_(self, **changes: object) -> Intervention:
        """Return a copy with some assumptions changed."""
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def total_cost(self) -> float:
        """Return the cost of all units."""
        return self.cost_per_unit * self.units

    @property
    def capacity(self) -> float:
        """Return the most additional vaccinations all units can deliver (inf when unlimited)."""
        if self.capacity_per_unit is None:
            return math.inf
        return self.capacity_per_unit * self.units


def _r(low: float, central: float, high: float) -> Range:
    """Return a Range (short form for the defaults below)."""
    return Range(low, central, high)


_AFC = (
    "Assumption (about NHS Agenda for Change band 4, with employer on-costs, for one year)"
    " — replace with local figures."
)
INTERVENTIONS: dict[str, Intervention] = {
    i.key: i
    for i in (
        Intervention(
            "popup",
            "Pop-up clinic sessions",
            "session",
            "A half-day vaccination clinic in a community venue (place of worship, market, library).",
            1_500.0,
            10,
            150.0,
            _r(0.05, 0.10, 0.20),
            _r(0.20, 0.30, 0.40),
        ),
        Intervention(
            "bus",
            "Vaccine-bus days",
            "bus day",
            "A mobile vaccination unit parked for a day at a stop chosen for the target group.",
            2_500.0,
            10,
            120.0,
            _r(0.04, 0.08, 0.15),
            _r(0.15, 0.25, 0.35),
        ),
        Intervention(
            "link_worker",
            "Community-language link worker",
            "year-long post",
            "A worker who speaks the group's language, answers questions and books appointments.",
            35_000.0,
            1,
            600.0,
            _r(0.15, 0.25, 0.40),
            _r(0.10, 0.20, 0.30),
            (("cost_per_unit", _AFC),),
        ),
        Intervention(
            "door_knocking",
            "Door-knocking",
            "team day",
            "Two trained staff or volunteers knocking on doors, offering information and bookings.",
            300.0,
            20,
            15.0,
            _r(0.10, 0.15, 0.25),
            _r(0.05, 0.10, 0.15),
        ),
        Intervention(
            "translated_comms",
            "Translated communications",
            "campaign",
            "Letters, leaflets, texts and social-media posts in the group's languages.",
            3_000.0,
            1,
            None,
            _r(0.20, 0.30, 0.50),
            _r(0.01, 0.03, 0.05),
        ),
        Intervention(
            "home_visits",
            "Housebound home visits",
            "visit day",
            "A clinician vaccinating housebound people at home, about 8 visits a day.",
            600.0,
            10,
            8.0,
            _r(0.50, 0.70, 0.90),
            _r(0.30, 0.50, 0.70),
        ),
    )
}


@dataclass(frozen=True)
class Counts:
    """Vaccinated and population of one group, as shown after disclosure control."""

    vaccinated: int
    population: int

    @property
    def unvaccinated(self) -> int:
        """Return the people not yet vaccinated."""
        return self.population - self.vaccinated

    def uptake(self, added: float = 0.0) -> float | None:
        """Return uptake in percent after `added` more vaccinations (None for no one)."""
        if self.population <= 0:
            return None
        return 100 * min(self.vaccinated + added, self.population) / self.population


@dataclass(frozen=True)
class Target:
    """The group an intervention aims at and what it is compared with (shown counts only)."""

    group: Counts
    comparator: Counts  # the ICS-wide figure the group is compared with; contains the group
    group_by_quintile: dict[int, Counts]  # the group's counts by IMD quintile (1 = most deprived)
    comparator_by_quintile: dict[int, Counts]  # the comparator's counts by IMD quintile


@dataclass(frozen=True)
class Outcome:
    """What one intervention does for one target, each quantity as low, central and high."""

    intervention: Intervention
    reached: Range
    additional: Range
    capacity_limited: tuple[bool, bool, bool]
    cost: float
    cost_per_vaccination: Range | None  # None when no additional vaccinations are expected
    uptake_before: float | None
    uptake_after: Range | None
    gap_to_comparator_before: float | None  # group minus comparator, percentage points
    gap_to_comparator_after: Range | None
    quintile_gap_before: float | None  # most minus least deprived quintile, percentage points
    quintile_gap_after: Range | None


def additional_vaccinations(
    intervention: Intervention, unvaccinated: int, scenario: str
) -> tuple[float, float, bool]:
    """Return people reached, additional vaccinations and whether capacity bounds them."""
    unvaccinated = max(unvaccinated, 0)
    reached = intervention.reach.get(scenario) * unvaccinated
    wanted = reached * intervention.conversion.get(scenario)
    added = min(wanted, intervention.capacity, unvaccinated)
    return reached, added, added < wanted


def quintile_gap(
    comparator_by_quintile: dict[int, Counts],
    group_by_quintile: dict[int, Counts] | None = None,
    added: float = 0.0,
) -> float | None:
    """Return the uptake gap, quintile 1 minus quintile 5, after sharing `added` among the group.

    Additional vaccinations are shared among quintiles in proportion to the group's
    unvaccinated people in each. None when either quintile has no one.
    """
    first, last = comparator_by_quintile.get(1), comparator_by_quintile.get(5)
    if first is None or last is None or first.population <= 0 or last.population <= 0:
        return None
    shares = {1: 0.0, 5: 0.0}
    groups = group_by_quintile or {}
    total = sum(max(c.unvaccinated, 0) for c in groups.values())
    if added and total > 0:
        for q in shares:
            if q in groups:
                shares[q] = added * max(groups[q].unvaccinated, 0) / total
    return first.uptake(shares[1]) - last.uptake(shares[5])  # type: ignore[operator]


def _difference(first: float | None, second: float | None) -> float | None:
    """Return first minus second, or None when either is missing."""
    return None if first is None or second is None else first - second


def _range(values: list[float | None]) -> Range | None:
    """Return a Range of three values sorted, or None when any is missing."""
    if any(v is None for v in values):
        return None
    low, central, high = sorted(values)  # type: ignore[type-var]
    return Range(low, central, high)  # type: ignore[arg-type]


def evaluate(intervention: Intervention, target: Target) -> Outcome:
    """Return people reached, additional vaccinations, cost per vaccination and equity effects."""
    reached, added, limited = [], [], []
    for scenario in SCENARIOS:
        r, a, capped = additional_vaccinations(intervention, target.group.unvaccinated, scenario)
        reached.append(r)
        added.append(a)
        limited.append(capped)
    cost = intervention.total_cost
    cost_per = None
    if added[0] > 0:
        # the fewest additional vaccinations give the highest cost per vaccination
        cost_per = Range(cost / added[2], cost / added[1], cost / added[0])
    before = target.group.uptake()
    comparator_before = target.comparator.uptake()
    gap_before = _difference(before, comparator_before)
    after = [target.group.uptake(a) for a in added]
    gap_after = [
        _difference(u, target.comparator.uptake(a)) for u, a in zip(after, added, strict=True)
    ]
    q_after = [
        quintile_gap(target.comparator_by_quintile, target.group_by_quintile, a) for a in added
    ]
    return Outcome(
        intervention=intervention,
        reached=Range(*reached),
        additional=Range(*added),
        capacity_limited=(limited[0], limited[1], limited[2]),
        cost=cost,
        cost_per_vaccination=cost_per,
        uptake_before=before,
        uptake_after=_range(after),
        gap_to_comparator_before=gap_before,
        gap_to_comparator_after=_range(gap_after),
        quintile_gap_before=quintile_gap(target.comparator_by_quintile),
        quintile_gap_after=_range(q_after),
    )


def assumption_rows(intervention: Intervention) -> list[dict[str, str]]:
    """Return the assumptions of an intervention as rows (name, value, source) for tables."""
    capacity = (
        "no limit"
        if intervention.capacity_per_unit is None
        else f"{intervention.capacity_per_unit:,.0f} per {intervention.unit}"
    )
    return [
        {
            "Assumption": "Cost",
            "Value": f"£{intervention.cost_per_unit:,.0f} per {intervention.unit}",
            "Source": intervention.source("cost_per_unit"),
        },
        {
            "Assumption": "Number of units",
            "Value": f"{intervention.units:,} × {intervention.unit}",
            "Source": "Chosen by the user.",
        },
        {
            "Assumption": "Capacity (most additional vaccinations)",
            "Value": capacity,
            "Source": intervention.source("capacity_per_unit"),
        },
        {
            "Assumption": "Share of the unvaccinated reached",
            "Value": _percent_range(intervention.reach),
            "Source": intervention.source("reach"),
        },
        {
            "Assumption": "Conversion among those reached",
            "Value": _percent_range(intervention.conversion),
            "Source": intervention.source("conversion"),
        },
    ]


def _percent_range(value: Range) -> str:
    """Return a share range as 'central% (low–high%)'."""
    return f"{100 * value.central:.0f}% ({100 * value.low:.0f}–{100 * value.high:.0f}%)"


DEFAULT_CHOICE = ("link_worker", "popup")
MAX_CHOICES = 2


def interventions_from_url(values: list[str]) -> list[str]:
    """Return the known intervention keys among URL values, in order, without repeats (at most 2)."""
    chosen: list[str] = []
    for value in values:
        key = value.strip().lower()
        if key in INTERVENTIONS and key not in chosen:
            chosen.append(key)
    return chosen[:MAX_CHOICES]


MAX_UNITS = 10_000


def units_param(key: str) -> str:
    """Return the URL parameter that sets an intervention's number of units, e.g. popup_units."""
    return f"{key}_units"


INTERVENTION_PARAM = "intervention"  # the URL parameter naming the interventions to cost
# What worked's link: use the reach and conversion observed in a register's intervention (its id)
OBSERVED_PARAM = "observed"
URL_PARAMS = (INTERVENTION_PARAM, *(units_param(key) for key in INTERVENTIONS), OBSERVED_PARAM)


def link_params(key: str, units: int) -> dict[str, str | list[str]]:
    """Return the URL parameters of a link that costs `units` of one intervention, e.g. a plan's."""
    if key not in INTERVENTIONS:
        raise ValueError(
            f"Unknown intervention {key!r}: expected one of {', '.join(INTERVENTIONS)}"
        )
    return {INTERVENTION_PARAM: [key], units_param(key): str(units)}


def units_from_url(params: dict[str, list[str]]) -> tuple[dict[str, int], list[str]]:
    """Return intervention -> units given in URL parameters (whole, 0 to 10,000), and warnings."""
    units: dict[str, int] = {}
    warnings: list[str] = []
    for key in INTERVENTIONS:
        values = params.get(units_param(key)) or []
        if not values:
            continue
        number = parse_whole_number(values[-1], MAX_UNITS)
        if number is None:
            warnings.append(
                f"Ignored {units_param(key)}={values[-1][:40]!r}:"
                f" not a whole number from 0 to {MAX_UNITS:,}."
            )
        else:
            units[key] = number
    return units, warnings


# The cohort fields that narrow a cohort to places (one per level).
PLACE_FIELDS = tuple(level.cohort_field for level in LEVELS.values())


def counts_by(shown: pd.DataFrame, key: str) -> dict[int, Counts]:
    """Return shown (protected) counts by a key column, leaving out suppressed rows."""
    out: dict[int, Counts] = {}
    for _, row in shown.iterrows():
        counts = shown_counts(row)
        if counts is not None:
            out[int(row[key])] = counts
    return out


def shown_counts(row: pd.Series) -> Counts | None:
    """Return the shown counts of one protected row, or None when either is hidden."""
    if bool(row["vaccinated_suppressed"]) or bool(row["population_suppressed"]):
        return None
    if pd.isna(row["vaccinated"]) or pd.isna(row["population"]):
        return None
    return Counts(int(row["vaccinated"]), int(row["population"]))


def target_from(
    group: pd.Series,
    comparator: pd.Series,
    group_by_quintile: pd.DataFrame,
    comparator_by_quintile: pd.DataFrame,
) -> Target | None:
    """Return the target of a business case from protected uptake (never from exact counts).

    `group` and `comparator` are the protected whole-cohort rows of the target group and its
    comparator (phm.analysis.comparators.comparator_for), the frames their protected rows by `imd_quintile`. None
    when the group cannot be costed: either overall count is hidden, or no one is in the group.
    """
    group_counts = shown_counts(group)
    comparator_counts = shown_counts(comparator)
    if group_counts is None or comparator_counts is None or group_counts.population == 0:
        return None
    return Target(
        group=group_counts,
        comparator=comparator_counts,
        group_by_quintile=counts_by(group_by_quintile, "imd_quintile"),
        comparator_by_quintile=counts_by(comparator_by_quintile, "imd_quintile"),
    )
