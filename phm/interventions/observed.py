"""Use what we observed: an evaluated intervention's realised figures for the business case.

The business case models additional vaccinations as

    unvaccinated people of the target group x share reached x conversion among those reached.

An evaluation does not see who met the bus, so the observed figures are defined from what it
can see, such that the same formula gives back the evaluated effect for the same group:

- **share reached**: the people of the intervention's target group who were still
  unvaccinated at the start *and lived in its areas*, as a share of the group's unvaccinated
  at the start everywhere the principal sees (the share of the group the intervention was
  within reach of). Both counts are protected (phm.disclosure) before they are divided.
- **conversion**: the evaluation's additional first doses (a model estimate with a 95%
  interval) divided by those people in its areas; the interval gives low and high.
- **cost per additional vaccination**: the recorded cost over the additional first doses
  (phm.interventions.evaluate.cost_per_additional).

So reach x conversion x the group's unvaccinated at the start equals the additional first
doses. Applied to the business case's group now (fewer unvaccinated than at the start), it
says what the same intervention would add if it worked again as it did.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import pandas as pd

from phm.analysis.business_case import INTERVENTION_PARAM, OBSERVED_PARAM, Intervention, Range
from phm.analysis.trends import cumulative_uptake
from phm.disclosure import DisclosureRule
from phm.interventions import evaluate as E
from phm.interventions.record import RecordedIntervention

__all__ = ["OBSERVED_PARAM", "Observed", "observed"]


@dataclass(frozen=True)
class Observed:
    """What an evaluated intervention realised, as the business case's reach and conversion."""

    record: RecordedIntervention
    method: str  # an E.METHODS key
    additional: Range  # additional first doses, low/central/high (model estimate)
    unvaccinated_in_areas: int  # of the group in its areas at the start (protected)
    unvaccinated_everywhere: int  # of the group everywhere the principal sees (protected)
    cost: E.CostPer

    @property
    def reach(self) -> float:
        """Return the share of the group's unvaccinated who lived in the intervention's areas."""
        return self.unvaccinated_in_areas / self.unvaccinated_everywhere

    @property
    def conversion(self) -> Range:
        """Return additional first doses per unvaccinated person in its areas (0 to 1)."""
        people = self.unvaccinated_in_areas

        def share(value: float) -> float:
            return min(max(value / people, 0.0), 1.0)

        return Range(
            share(self.additional.low),
            share(self.additional.central),
            share(self.additional.high),
        )

    @property
    def source(self) -> str:
        """Return where the figures come from: 'Observed in <name> (dates)'."""
        r = self.record
        return f"Observed in {r.name} ({r.start:%d %b %Y} to {r.end:%d %b %Y})"

    def reach_source(self) -> str:
        """Return the reach's source in words."""
        return (
            f"{self.source}: {self.unvaccinated_in_areas:,} of the group's"
            f" {self.unvaccinated_everywhere:,} unvaccinated people lived in its areas at the start."
        )

    def conversion_source(self) -> str:
        """Return the conversion's source in words."""
        a = self.additional
        return (
            f"{self.source}: an estimated {round(a.central):,} additional first doses (95%"
            f" interval {round(a.low):,} to {round(a.high):,}; {E.METHODS[self.method].lower()})"
            f" among the {self.unvaccinated_in_areas:,} unvaccinated people of the group in its"
            " areas at the start."
        )

    def apply(self, intervention: Intervention) -> Intervention:
        """Return the business case's intervention with the observed reach and conversion."""
        sources = dict(intervention.sources)
        sources["reach"] = self.reach_source()
        sources["conversion"] = self.conversion_source()
        return replace(
            intervention,
            reach=Range(self.reach, self.reach, self.reach),
            conversion=self.conversion,
            sources=tuple(sources.items()),
        )

    def matches(self, reach: Range, conversion: Range) -> bool:
        """Return True when inputs (as the page rounds them, 0.1%) still hold the observed figures."""

        def same(a: Range, b: Range) -> bool:
            return all(abs(a.get(s) - b.get(s)) < 0.0005 + 1e-9 for s in ("low", "central", "high"))

        return same(reach, Range(self.reach, self.reach, self.reach)) and same(
            conversion, self.conversion
        )


def _unvaccinated_before(
    weekly: pd.DataFrame, areas: tuple[str, ...] | None, before: date, rule: DisclosureRule
) -> int | None:
    """Return the group's protected unvaccinated people at the end of the last week before `before`."""
    rows = weekly if areas is None else weekly[weekly["msoa"].isin(areas)]
    if rows.empty:
        return None
    grouped = E._group_weekly(rows, tuple(rows["msoa"].unique()), "x")
    shown = cumulative_uptake(grouped, rule)
    weeks = pd.to_datetime(shown["week"]).dt.date
    earlier = shown[weeks < before]
    if earlier.empty:
        row = shown.iloc[0]
        vaccinated = 0
    else:
        row = earlier.iloc[-1]
        if bool(row["vaccinated_suppressed"]):
            return None
        vaccinated = int(row["vaccinated"])
    if bool(row.get("population_suppressed", False)) or pd.isna(row["population"]):
        return None
    return int(row["population"]) - vaccinated


def observed(
    record: RecordedIntervention,
    estimate: E.Estimate,
    weekly: pd.DataFrame,
    rule: DisclosureRule,
) -> Observed | None:
    """Return an evaluated intervention's observed figures, or None when they cannot be shown.

    `weekly` is the evaluation's weekly doses of the target cohort by MSOA (raw, every area
    the principal sees). None when either count of unvaccinated people is suppressed or 0.
    """
    first = E.window(record)[1]
    in_areas = _unvaccinated_before(weekly, tuple(record.msoas), first, rule)
    everywhere = _unvaccinated_before(weekly, None, first, rule)
    if not in_areas or not everywhere or in_areas > everywhere:
        return None
    return Observed(
        record=record,
        method=estimate.method,
        additional=Range(
            *sorted((estimate.low, estimate.additional, estimate.high))  # type: ignore[arg-type]
        ),
        unvaccinated_in_areas=in_areas,
        unvaccinated_everywhere=everywhere,
        cost=E.cost_per_additional(record.cost_gbp, estimate),
    )


def link_params(intervention_id: int, record: RecordedIntervention) -> dict[str, str | list[str]]:
    """Return the business case's URL parameters costing this kind with its observed figures.

    The link carries the intervention's cohort too, so the business case costs the same group.
    """
    return {
        **record.cohort.to_query_params(),
        INTERVENTION_PARAM: [record.kind],
        OBSERVED_PARAM: str(intervention_id),
    }
