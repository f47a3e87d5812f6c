"""Benchmarking localities: significance against the comparator's figure, funnel limits, export with a header."""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np
import pandas as pd

from phm.analysis import overdispersion
from phm.analysis.summaries import protected_uptake
from phm.disclosure import DisclosureRule, to_display
from phm.output.exports import to_csv
from phm.stats import compare_with_benchmark, funnel_limits, funnel_significance


def benchmark_table(
    raw: pd.DataFrame,
    level: str,
    rule: DisclosureRule,
    ics_pct: float | None,
    allow_for_spread: bool = False,
) -> pd.DataFrame:
    """Return protected uptake per locality with its comparison against the comparator's figure.

    Adds `compared` ('higher' / 'similar' / 'lower' than the comparator, from the 95% interval;
    '' when suppressed) and `funnel` (position against the 95% and 99.8% funnel limits,
    from the protected counts; with `allow_for_spread`, limits widened by the between-area
    variance that phm.analysis.overdispersion estimates from the shown localities, kept in
    `table.attrs["spread"]`). Rows are ranked by uptake, highest first, suppressed last.
    """
    table = protected_uptake(raw, rule)
    table["compared"] = ""
    table["funnel"] = ""
    shown = ~table["uptake_suppressed"] & (table["population"].fillna(0) > 0)
    if ics_pct is not None and shown.any():
        part = table.loc[shown]
        table.loc[shown, "compared"] = compare_with_benchmark(
            part["ci_low_pct"], part["ci_high_pct"], ics_pct
        )
        vaccinated = part["vaccinated"].astype(float).clip(upper=part["population"].astype(float))
        population = part["population"].astype(float)
        if allow_for_spread and 0 < ics_pct < 100:
            spread = overdispersion.estimate(vaccinated, population, ics_pct / 100)
            table.attrs["spread"] = spread
            table.loc[shown, "funnel"] = overdispersion.significance(
                vaccinated, population, ics_pct / 100, spread.tau2
            )
        else:
            table.loc[shown, "funnel"] = funnel_significance(vaccinated, population, ics_pct / 100)
    table["label"] = table[f"{level}_label"].astype(str)
    order = table["uptake_pct"].fillna(-1).sort_values(ascending=False, kind="stable").index
    return table.loc[order].reset_index(drop=True)


COMPARED = ("higher", "similar", "lower")  # the words benchmark_table puts in `compared`


def compared_counts(table: pd.DataFrame) -> dict[str, int]:
    """Return how many localities of a benchmark table are higher, similar and lower."""
    counts = table["compared"].value_counts()
    return {word: int(counts.get(word, 0)) for word in COMPARED}


def default_localities(
    table: pd.DataFrame, level: str, each_end: int = 3, leave_out: Collection = ()
) -> list:
    """Return the codes to compare side by side at first: the top and bottom of a ranked table.

    All of them when there are no more than twice `each_end`. Codes in `leave_out` (e.g. those
    whose deprivation gradient cannot be measured) are not chosen, so the first view has data.
    """
    codes = [code for code in table[level] if code not in leave_out]
    if len(codes) > 2 * each_end:
        codes = codes[:each_end] + codes[-each_end:]
    return list(dict.fromkeys(codes))


def funnel_curve(
    ics_pct: float,
    min_population: float,
    max_population: float,
    points: int = 120,
    tau2: float | None = None,
) -> pd.DataFrame:
    """Return the 95% and 99.8% control limits (percentages) along denominators over a range.

    With `tau2` (phm.analysis.overdispersion), the limits allow for that between-area variance.
    """
    low = max(1.0, min_population * 0.8)
    n = np.unique(np.geomspace(low, max(low + 1, max_population * 1.05), points).round())
    if tau2 is None:
        low95, high95 = funnel_limits(ics_pct / 100, n, 0.95)
        low998, high998 = funnel_limits(ics_pct / 100, n, 0.998)
    else:
        low95, high95 = overdispersion.limits(ics_pct / 100, n, tau2, 0.95)
        low998, high998 = overdispersion.limits(ics_pct / 100, n, tau2, 0.998)
    return pd.DataFrame(
        {
            "population": n,
            "low95": 100 * low95,
            "high95": 100 * high95,
            "low998": 100 * low998,
            "high998": 100 * high998,
            "ics": ics_pct,
        }
    )


def spread_words(spread: overdispersion.Overdispersion | None, allowed: bool) -> str:
    """Return what the funnel's limits allow for, with phi and tau, in one sentence."""
    if spread is None:
        return "Too few localities are shown to estimate how much they vary between themselves."
    tau_pp = 100 * spread.tau2**0.5
    measured = (
        f"Localities vary {spread.phi:.1f} times as much as chance alone would make them"
        f" (overdispersion phi = {spread.phi:.1f}; between-area standard deviation tau ="
        f" {tau_pp:.1f} percentage points)."
        if spread.found
        else f"Localities vary no more than chance would make them (phi = {spread.phi:.1f})."
    )
    if allowed and spread.found:
        return (
            f"{measured} The limits allow for that variation (the additive random-effects"
            " method Fingertips and NHS Digital use), so a point outside them stands out from"
            " the usual spread between areas, not only from chance."
        )
    if spread.found:
        return (
            f"{measured} The limits allow for chance only, so many localities fall outside"
            " them; switch on the allowance to see which stand out from the usual spread."
        )
    return f"{measured} The limits allow for chance only."


def funnel_for(table: pd.DataFrame, ics_pct: float, points: int = 120) -> pd.DataFrame | None:
    """Return the funnel limits over the populations of the localities a funnel plot draws.

    A locality is drawn when its uptake is shown (not suppressed) and it has people; None when
    there is none (e.g. a small cohort whose every locality is suppressed), so nothing is drawn.
    """
    drawn = table.loc[~table["uptake_suppressed"] & (table["population"].fillna(0) > 0)]
    if drawn.empty:
        return None
    populations = drawn["population"].astype(float)
    spread = table.attrs.get("spread")
    tau2 = spread.tau2 if isinstance(spread, overdispersion.Overdispersion) else None
    return funnel_curve(ics_pct, populations.min(), populations.max(), points, tau2)


def outliers(table: pd.DataFrame) -> pd.DataFrame:
    """Return the localities outside the 99.8% funnel limits (then 95%), lowest uptake first."""
    out = table[table["funnel"].isin(["lower (99.8%)", "higher (99.8%)"])]
    return out.sort_values("uptake_pct").reset_index(drop=True)


EXPORT_COLUMNS: dict[str, str] = {
    "label": "Locality",
    "vaccinated": "Vaccinated",
    "population": "Population",
    "unvaccinated": "Unvaccinated",
    "uptake_pct": "Uptake %",
    "ci_low_pct": "95% CI from %",
    "ci_high_pct": "95% CI to %",
    "compared": "Compared with comparator",
    "funnel": "Funnel plot",
}


def export_csv(
    table: pd.DataFrame, rule: DisclosureRule, header: Sequence[str], code_column: str
) -> str:
    """Return a protected table as CSV text, preceded by '# ' header lines (cohort, dataset, rule)."""
    columns = [code_column, *EXPORT_COLUMNS]
    extra = [c for c in table.columns if c.endswith("_suppressed")]
    shown = to_display(table[columns + extra], rule).rename(
        columns={**EXPORT_COLUMNS, code_column: "Code"}
    )
    return to_csv(shown, header)
