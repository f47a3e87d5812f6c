"""Where people were vaccinated: doses by delivery model or site, and for whom, protected.

Each figure is a protected count or a share derived from shown counts (docs/disclosure.md):

- a unit's (delivery model's or site's) doses are a count of people, protected with their
  cell key; its share of the cohort's doses has a Wilson 95% interval from the shown counts;
- a unit's doses to a group are a numerator of its doses, exactly the shape of an uptake
  figure, so `disclosure.protect` takes them as vaccinated of population and derives the share
  and its interval from the two shown counts; a unit with fewer than 50 shown doses is not
  broken down (`disclosure.breakdown_allowed`);
- the reference a unit's share is read against is the group's share of the unvaccinated in
  the MSOAs its recipients live in, each MSOA weighted by the unit's shown doses to its
  residents: the share the unit would have reached had it vaccinated the unvaccinated of the
  areas it served at random. It is worked out from shown counts (unvaccinated by MSOA and
  group from `protect`), in MSOAs of 50 people or more, with hidden cells counted as none.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from phm import disclosure
from phm.disclosure import DisclosureRule
from phm.levels import LEVELS
from phm.queries import DIMENSIONS
from phm.queries.delivery import UNITS

# Every characteristic of a person (the cohort field registry's breakdowns and the flags);
# places are where the units are compared, and age in single years is too fine to read.
BREAKDOWNS: dict[str, str] = {
    name: dim.label for name, dim in DIMENSIONS.items() if name not in LEVELS and name != "age"
}

SHARE_NAMES = {
    "vaccinated": "group_doses",
    "population": "doses",
    "vaccinated_suppressed": "group_doses_suppressed",
    "population_suppressed": "doses_suppressed",
    "uptake_pct": "share_pct",
    "ci_low_pct": "ci_low_pct",
    "ci_high_pct": "ci_high_pct",
    "uptake_suppressed": "share_suppressed",
}


def _as_uptake(frame: pd.DataFrame, counts: tuple[str, str], keys: tuple[str, str]) -> pd.DataFrame:
    """Return a frame with two counts and their key sums named as protect() reads them."""
    return frame.rename(
        columns={
            counts[0]: "vaccinated",
            counts[1]: "population",
            keys[0]: "vaccinated_key",
            keys[1]: "population_key",
        }
    )


def _shares(frame: pd.DataFrame, rule: DisclosureRule) -> pd.DataFrame:
    """Return protect()'s result renamed to doses and shares, without the unvaccinated columns."""
    shown = disclosure.protect(frame, rule)
    return shown.drop(columns=["unvaccinated", "unvaccinated_suppressed"]).rename(
        columns=SHARE_NAMES
    )


def unit_doses(raw: pd.DataFrame, rule: DisclosureRule) -> pd.DataFrame:
    """Return each unit's protected doses and its share of the cohort's doses, largest first.

    Columns: unit, unit_label, group_doses (the unit's doses), doses (the cohort's), their
    `_suppressed` flags, share_pct, ci_low_pct, ci_high_pct, share_suppressed.
    """
    units = raw.groupby(["unit", "unit_label"], as_index=False)[["doses", "doses_key"]].sum()
    units["all_doses"] = int(raw["doses"].sum())
    units["all_key"] = int(raw["doses_key"].sum())
    shown = _shares(_as_uptake(units, ("doses", "all_doses"), ("doses_key", "all_key")), rule)
    return shown.sort_values("group_doses", ascending=False, ignore_index=True)


def group_shares(
    raw: pd.DataFrame, areas: pd.DataFrame, rule: DisclosureRule, dimension: str
) -> pd.DataFrame:
    """Return each unit's share of its doses given to each group, against the unvaccinated.

    `raw` is `phm.queries.delivery.doses_by` for the dimension; `areas` is
    `phm.queries.uptake_by(cohort, ("msoa", dimension))`. Columns: unit, unit_label, the
    dimension and its label, group_doses, doses, their `_suppressed` flags, share_pct,
    ci_low_pct, ci_high_pct, share_suppressed and unvaccinated_pct (the reference). Units
    whose shown doses are under the breakdown base are left out.
    """
    label = f"{dimension}_label"
    cells = raw.groupby(["unit", "unit_label", dimension, label], as_index=False, dropna=False)[
        ["doses", "doses_key"]
    ].sum()
    totals = raw.groupby("unit", as_index=False)[["doses", "doses_key"]].sum()
    cells = cells.merge(totals, on="unit", suffixes=("", "_unit"))
    shown = _shares(
        _as_uptake(cells, ("doses", "doses_unit"), ("doses_key", "doses_key_unit")), rule
    )
    # Only units with enough doses to break down (the same test as any group's breakdown).
    unit_totals = shown.groupby("unit").first()
    allowed = [
        unit
        for unit, row in unit_totals.iterrows()
        if disclosure.breakdown_allowed(
            pd.Series(
                {"population": row["doses"], "population_suppressed": row["doses_suppressed"]}
            ),
            rule,
        )
    ]
    shown = shown[shown["unit"].isin(allowed)].reset_index(drop=True)
    reference = unvaccinated_reference(raw, areas, rule, dimension)
    out = shown.merge(reference, on=["unit", dimension], how="left")
    # A group missing from the areas a unit served is 0% of their unvaccinated; a unit none of
    # whose areas could be weighed (every count of its doses there suppressed) has no reference.
    weighed = out["unit"].isin(set(reference["unit"]))
    out.loc[weighed, "unvaccinated_pct"] = out.loc[weighed, "unvaccinated_pct"].fillna(0.0)
    return out


def unvaccinated_reference(
    raw: pd.DataFrame, areas: pd.DataFrame, rule: DisclosureRule, dimension: str
) -> pd.DataFrame:
    """Return, per unit and group, the group's share of the unvaccinated where the unit's recipients live.

    Each MSOA's share of its shown unvaccinated in the group, averaged over MSOAs with weights
    the unit's shown doses to their residents (small, suppressed counts weigh nothing).
    Columns: unit, the dimension, unvaccinated_pct.
    """
    area = disclosure.protect(areas, rule)
    area["unvaccinated"] = area["unvaccinated"].astype("float64").fillna(0.0)
    area["population"] = area["population"].astype("float64").fillna(0.0)
    per_msoa = area.groupby("msoa")[["unvaccinated", "population"]].sum()
    big = per_msoa[(per_msoa["population"] >= disclosure.MIN_BREAKDOWN_BASE) | _no_control(rule)]
    area = area[area["msoa"].isin(big.index)]
    if area.empty:  # no area large enough to weigh: no reference for any unit
        return raw[["unit", dimension]].iloc[:0].assign(unvaccinated_pct=np.float64(0))
    in_msoa = area["msoa"].map(big["unvaccinated"]).astype("float64").replace(0, np.nan)
    area = area.assign(group_share=area["unvaccinated"] / in_msoa).dropna(subset=["group_share"])
    weights = raw.groupby(["unit", "msoa"], as_index=False)[["doses", "doses_key"]].sum()
    counts = weights["doses"].to_numpy(dtype="int64")
    shown = disclosure.perturb(counts, disclosure.cell_keys(weights["doses_key"]), rule)
    weights["weight"] = np.where((counts >= 1) & (counts < rule.threshold), 0, shown)
    weights = weights[weights["msoa"].isin(set(area["msoa"])) & (weights["weight"] > 0)]
    joined = weights[["unit", "msoa", "weight"]].merge(
        area[["msoa", dimension, "group_share"]], on="msoa"
    )
    joined["weighted"] = joined["weight"] * joined["group_share"]
    total = weights.groupby("unit")["weight"].sum()
    out = joined.groupby(["unit", dimension], as_index=False)["weighted"].sum()
    # float64 even when no unit is left: mapping an empty text column keeps it text.
    unit_total = out["unit"].map(total).astype("float64")
    out["unvaccinated_pct"] = (100 * out["weighted"] / unit_total).round(1)
    return out[["unit", dimension, "unvaccinated_pct"]]


def _no_control(rule: DisclosureRule) -> bool:
    """Return True when the rule is switched off (synthetic data only): nothing is held back."""
    return rule.threshold <= 1 and rule.rounding <= 1


@dataclass(frozen=True)
class Reading:
    """One unit's share of its doses to one group, read against the unvaccinated it served."""

    sentence: str
    over: bool | None  # True above the reference, False below, None within the interval


def describe(row: pd.Series, unit_noun: str, group: str, dose: str) -> Reading:
    """Return a unit's share of its doses given to a group, in words, against the reference."""
    name = str(row["unit_label"])
    if bool(row["share_suppressed"]) or pd.isna(row["share_pct"]):
        return Reading(f"{name}: too few {dose}s given to {group} people to show a share.", None)
    share, low, high = float(row["share_pct"]), float(row["ci_low_pct"]), float(row["ci_high_pct"])
    if pd.isna(row["unvaccinated_pct"]):
        return Reading(
            f"Of the {int(row['doses']):,} {dose}s given by {name} ({unit_noun}), {share:.1f}%"
            f" (95% interval {low:.1f}% to {high:.1f}%) went to {group} people. Too few of its"
            " doses went to any one area to say who the unvaccinated were where it served.",
            None,
        )
    reference = float(row["unvaccinated_pct"])
    if reference < low:
        over: bool | None = True
        verdict = "more than their share of the unvaccinated"
    elif reference > high:
        over = False
        verdict = "less than their share of the unvaccinated"
    else:
        over = None
        verdict = "in line with their share of the unvaccinated (within the interval)"
    sentence = (
        f"Of the {int(row['doses']):,} {dose}s given by {name} ({unit_noun}), {share:.1f}%"
        f" (95% interval {low:.1f}% to {high:.1f}%) went to {group} people, against"
        f" {reference:.1f}% of the unvaccinated in the areas its recipients live in: {verdict}."
    )
    return Reading(sentence, over)


def share_table(
    frame: pd.DataFrame, label_column: str, label: str, rule: DisclosureRule
) -> pd.DataFrame:
    """Return shares as a labelled text table for the page and its CSV (suppressed cells marked)."""
    rows = []
    for _, r in frame.iterrows():
        hidden = bool(r["share_suppressed"])
        rows.append(
            {
                label: r[label_column],
                "Doses to the group": disclosure.format_count(
                    r["group_doses"], bool(r["group_doses_suppressed"]), rule
                ),
                "All its doses": disclosure.format_count(
                    r["doses"], bool(r["doses_suppressed"]), rule
                ),
                "Share of its doses": disclosure.format_rate(r["share_pct"], hidden, rule),
                "95% interval": "–"
                if hidden or pd.isna(r["ci_low_pct"])
                else f"{r['ci_low_pct']:.1f}% to {r['ci_high_pct']:.1f}%",
                "Share of the unvaccinated where its recipients live": "–"
                if pd.isna(r["unvaccinated_pct"])
                else f"{r['unvaccinated_pct']:.1f}%",
            }
        )
    return pd.DataFrame(rows)


def units_table(frame: pd.DataFrame, noun: str, rule: DisclosureRule) -> pd.DataFrame:
    """Return each unit's doses and share of the cohort's doses as a labelled text table."""
    rows = []
    for _, r in frame.iterrows():
        hidden = bool(r["share_suppressed"])
        rows.append(
            {
                noun: r["unit_label"],
                "Doses": disclosure.format_count(
                    r["group_doses"], bool(r["group_doses_suppressed"]), rule
                ),
                "Share of the cohort's doses": disclosure.format_rate(r["share_pct"], hidden, rule),
                "95% interval": "–"
                if hidden or pd.isna(r["ci_low_pct"])
                else f"{r['ci_low_pct']:.1f}% to {r['ci_high_pct']:.1f}%",
            }
        )
    return pd.DataFrame(rows)


def most_over(frame: pd.DataFrame, dimension: str) -> object | None:
    """Return the group whose share of one unit's doses most exceeds its share of the unvaccinated."""
    shown = frame[~frame["share_suppressed"]]
    if shown.empty:
        return None
    excess = (shown["share_pct"].astype("float64") - shown["unvaccinated_pct"]).dropna()
    if excess.empty:  # no area could be weighted: nothing to compare with
        return None
    return shown.loc[excess.idxmax(), dimension]


def default_unit(units: list[str]) -> str:
    """Return the unit a page opens on: the vaccine bus where there is one, else the first."""
    return "vaccine_bus" if "vaccine_bus" in units else units[0]


__all__ = [
    "BREAKDOWNS",
    "UNITS",
    "Reading",
    "default_unit",
    "describe",
    "group_shares",
    "most_over",
    "unit_doses",
]
