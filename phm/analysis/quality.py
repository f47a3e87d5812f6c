"""Data quality: recording completeness, linkage, and how far missing ethnicity could move findings.

Every figure here is worked out from counts phm.disclosure has protected: a completeness is a
shown numerator over a shown denominator with its 95% Wilson interval; a funnel compares shown
completeness with the ICS's shown completeness; the sensitivity analysis moves shown counts
of people with no known ethnic group between groups.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from phm import codes, schema
from phm.analysis import overdispersion
from phm.cohort import Cohort
from phm.disclosure import (
    DisclosureRule,
    breakdown_allowed,
    breakdown_allowed_rows,
    format_count,
    format_rate,
    protect,
)
from phm.output.exports import header_lines, to_csv

# measure -> (label, what 'recorded' means). Flags cannot be told apart from 'not recorded',
# so theirs is the share recorded as having it: a practice far below the ICS may under-record.
MEASURE_LABELS: dict[str, str] = {
    "ethnicity": "Ethnicity (GP + linked records)",
    "ethnicity_gp": "Ethnicity (GP records only)",
    "ethnicity_hospital": "Ethnicity added by linked hospital records",
    "ethnic_group_known": "Ethnic group known (not 'not stated' or 'not known')",
    "language": "First language",
    **{flag: f"{label} (recorded prevalence)" for flag, label in codes.FLAGS.items()},
}
COMPLETENESS_MEASURES: tuple[str, ...] = ("ethnicity", "ethnicity_gp", "language")
FLAG_MEASURES: tuple[str, ...] = tuple(codes.FLAGS)
# Below these (per cent of people with a usable record) a finding about the characteristic is
# flagged: a group defined by it may be missing many of its members. The standards are the
# contract's expectations (phm.schema, after NHS England's 95% ambition for ethnicity).
LOW_COMPLETENESS_PCT: dict[str, float] = {
    measure: float(schema.expected_completeness("person", column) or 0.0)
    for column, measure in (("ethnicity_code", "ethnicity"), ("main_language", "language"))
}
# The measures the finder's and Explore's caveats read: ask phm.queries.quality.completeness
# for these only (two of its 27 measures, a tenth of the scan).
CAVEAT_MEASURES: tuple[str, ...] = tuple(LOW_COMPLETENESS_PCT)
# Which findings' groups each measure bears on (their dimensions, phm.cohort.FIELDS).
MEASURE_DIMENSIONS: dict[str, tuple[str, ...]] = {
    "ethnicity": ("ethnicity_code", "ethnic_group"),
    "language": ("main_language",),
}
UNKNOWN_GROUPS = frozenset(
    {codes.ETHNICITY_NOT_STATED, codes.ETHNICITY_NOT_KNOWN, "Not stated or not known"}
)
SCENARIOS: dict[str, str] = {
    "recorded": "As recorded (people with no known ethnic group left out)",
    "lowest": "All of them in the lowest-uptake group",
    "highest": "All of them in the highest-uptake group",
    "proportional": "Spread over the groups in proportion to their size",
}


def protect_completeness(raw: pd.DataFrame, rule: DisclosureRule) -> pd.DataFrame:
    """Return completeness rows with protected counts and rates from the shown counts.

    `raw` (phm.queries.quality.completeness): code, name, measure, recorded, population and
    their key sums. Adds not_recorded, completeness_pct, ci_low_pct, ci_high_pct and the
    `_suppressed` flags; areas whose shown population is under the breakdown base are dropped
    (they are not broken down into recorded and not recorded).
    """
    renamed = raw.rename(columns={"recorded": "vaccinated", "recorded_key": "vaccinated_key"})
    shown = protect(renamed, rule).rename(
        columns={
            "vaccinated": "recorded",
            "unvaccinated": "not_recorded",
            "uptake_pct": "completeness_pct",
            "vaccinated_suppressed": "recorded_suppressed",
            "unvaccinated_suppressed": "not_recorded_suppressed",
            "uptake_suppressed": "completeness_suppressed",
        }
    )
    return shown[breakdown_allowed_rows(shown, rule)].reset_index(drop=True)


def of_measure(frame: pd.DataFrame, measure: str) -> pd.DataFrame:
    """Return the rows of one measure."""
    return frame[frame["measure"] == measure].reset_index(drop=True)


def ics_value(ics: pd.DataFrame, measure: str) -> float | None:
    """Return the ICS's shown completeness (per cent) of a measure, None when not shown."""
    row = of_measure(ics, measure)
    if row.empty or bool(row["completeness_suppressed"].iat[0]):
        return None
    value = row["completeness_pct"].iat[0]
    return None if pd.isna(value) else float(value)


@dataclass(frozen=True)
class Funnel:
    """Practices against the ICS on one measure: points and the (widened) control limits."""

    points: pd.DataFrame  # name, code, recorded, population, completeness_pct, position
    limits: pd.DataFrame  # population, lower_95, upper_95, lower_998, upper_998 (per cent)
    target_pct: float
    overdispersed: bool


def funnel(areas: pd.DataFrame, ics: pd.DataFrame, measure: str) -> Funnel | None:
    """Return each area's completeness against the ICS's, with Spiegelhalter's limits.

    Uses shown counts only; areas with a hidden count are left out. None when the ICS figure
    or every area is hidden.
    """
    target_pct = ics_value(ics, measure)
    rows = of_measure(areas, measure)
    rows = rows[~rows["completeness_suppressed"] & rows["population"].notna()]
    rows = rows[rows["population"].astype("int64") > 0]
    if target_pct is None or rows.empty or not 0 < target_pct < 100:
        return None
    target = target_pct / 100
    x = rows["recorded"].astype("int64").to_numpy()
    n = rows["population"].astype("int64").to_numpy()
    spread = overdispersion.estimate(x, n, target)
    points = rows[["code", "name", "recorded", "population", "completeness_pct"]].copy()
    points["position"] = overdispersion.significance(x, n, target, spread.tau2)
    grid = np.unique(np.linspace(max(1, n.min() * 0.8), n.max() * 1.1, 60).round())
    low95, high95 = overdispersion.limits(target, grid, spread.tau2, 0.95)
    low998, high998 = overdispersion.limits(target, grid, spread.tau2, 0.998)
    limits = pd.DataFrame(
        {
            "population": grid,
            "lower_95": 100 * low95,
            "upper_95": 100 * high95,
            "lower_998": 100 * low998,
            "upper_998": 100 * high998,
        }
    )
    return Funnel(points.reset_index(drop=True), limits, target_pct, spread.found)


def ranked(
    areas: pd.DataFrame, measure: str, positions: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Return areas from the lowest shown completeness to the highest (ties by name), as text."""
    rows = of_measure(areas, measure)
    shown = rows["completeness_pct"].astype("float64")
    order = rows.assign(_v=shown.fillna(np.inf)).sort_values(["_v", "name"], kind="stable")
    out = pd.DataFrame(
        {
            "Rank": range(1, len(order) + 1),
            "Area": order["name"].to_list(),
            "Code": order["code"].to_list(),
            "Recorded": _counts(order, "recorded"),
            "Not recorded": _counts(order, "not_recorded"),
            "People": _counts(order, "population"),
            "Completeness": _rates(order, "completeness_pct"),
            "95% interval": _intervals(order),
        }
    )
    if positions is not None:
        where = dict(zip(positions["code"], positions["position"], strict=True))
        out["Against the ICS"] = [where.get(c, "not compared") for c in out["Code"]]
    return out


def _counts(frame: pd.DataFrame, column: str) -> list[str]:
    """Return a protected count column as text ('<8' when suppressed)."""
    return [
        format_count(v, bool(s))
        for v, s in zip(frame[column], frame[f"{column}_suppressed"], strict=True)
    ]


def _rates(frame: pd.DataFrame, column: str) -> list[str]:
    """Return a protected rate column as text."""
    return [
        format_rate(v, bool(s))
        for v, s in zip(frame[column], frame["completeness_suppressed"], strict=True)
    ]


def _intervals(frame: pd.DataFrame) -> list[str]:
    """Return '(low-high%)' for each row, '–' when hidden."""
    out = []
    for low, high, hidden in zip(
        frame["ci_low_pct"], frame["ci_high_pct"], frame["completeness_suppressed"], strict=True
    ):
        out.append("–" if hidden or pd.isna(low) else f"{low:.1f}-{high:.1f}%")
    return out


def linkage_table(areas: pd.DataFrame) -> pd.DataFrame:
    """Return, per area, ethnicity completeness from GP records alone and with linked records.

    Columns: code, name, gp_pct, linked_pct (shown rates), gain_pts, added (people the linked
    hospital records added, shown count) and its text; sorted by the GP-only figure.
    """
    gp = of_measure(areas, "ethnicity_gp").set_index("code")
    linked = of_measure(areas, "ethnicity").set_index("code")
    added = of_measure(areas, "ethnicity_hospital").set_index("code")
    codes_ = [c for c in gp.index if c in linked.index and c in added.index]
    out = pd.DataFrame(
        {
            "code": codes_,
            "name": [gp.at[c, "name"] for c in codes_],
            "gp_pct": [gp.at[c, "completeness_pct"] for c in codes_],
            "linked_pct": [linked.at[c, "completeness_pct"] for c in codes_],
            "added": [added.at[c, "recorded"] for c in codes_],
            "added_text": [
                format_count(added.at[c, "recorded"], bool(added.at[c, "recorded_suppressed"]))
                for c in codes_
            ],
        }
    )
    out["gain_pts"] = (out["linked_pct"].astype("float64") - out["gp_pct"].astype("float64")).round(
        1
    )
    return out.sort_values(["gp_pct", "name"], kind="stable").reset_index(drop=True)


# --- Sensitivity of uptake by ethnic group to the people with no known ethnic group ---------


def sensitivity(groups: pd.DataFrame, group_column: str) -> pd.DataFrame:
    """Return uptake and the gap to the reference group under each scenario of SCENARIOS.

    `groups`: one row per ethnic group with shown (protected) vaccinated and population and a
    `group_column`; rows whose code is in UNKNOWN_GROUPS are the people with no known ethnic
    group, whose shown counts are moved. Groups with a hidden count are left out. The
    reference is the group with the highest uptake as recorded; each scenario moves the
    unknown people (with their own shown uptake) into: the group with the lowest uptake as
    recorded, the highest, or every group in proportion to its shown population.
    Columns: group, scenario, vaccinated, population, uptake_pct, gap_pts (to the reference
    in the same scenario).
    """
    usable = groups[
        ~groups["uptake_suppressed"].astype(bool)
        & groups["population"].notna()
        & groups["vaccinated"].notna()
    ]
    unknown_rows = usable[usable[group_column].isin(UNKNOWN_GROUPS)]
    known = usable[~usable[group_column].isin(UNKNOWN_GROUPS)]
    known = known[known["population"].astype("int64") > 0]
    if known.empty:
        return pd.DataFrame(
            columns=["group", "scenario", "vaccinated", "population", "uptake_pct", "gap_pts"]
        )
    names = known[group_column].astype(str).to_list()
    v = known["vaccinated"].astype("float64").to_numpy()
    n = known["population"].astype("float64").to_numpy()
    v_u = float(unknown_rows["vaccinated"].astype("float64").sum())
    n_u = float(unknown_rows["population"].astype("float64").sum())
    rate = v / n
    lowest, highest = int(np.argmin(rate)), int(np.argmax(rate))
    reference = highest
    moved: dict[str, tuple[np.ndarray, np.ndarray]] = {"recorded": (v, n)}
    for scenario, target in (("lowest", lowest), ("highest", highest)):
        add = np.zeros_like(n)
        add[target] = 1.0
        moved[scenario] = (v + v_u * add, n + n_u * add)
    share = n / n.sum()
    moved["proportional"] = (v + v_u * share, n + n_u * share)
    rows = []
    for scenario, (vs, ns) in moved.items():
        uptake = 100 * vs / ns
        for i, name in enumerate(names):
            rows.append(
                {
                    "group": name,
                    "scenario": scenario,
                    "vaccinated": vs[i],
                    "population": ns[i],
                    "uptake_pct": uptake[i],
                    "gap_pts": uptake[i] - uptake[reference],
                }
            )
    return pd.DataFrame(rows)


def sensitivity_summary(
    scenarios: pd.DataFrame, labels: dict[str, str] | None = None
) -> pd.DataFrame:
    """Return per group: uptake as recorded, its range over the scenarios, and the gap's range.

    A gap 'could be an artefact of missing ethnicity' when some scenario halves it, closes it
    or turns it round; otherwise it 'holds under every assumption'.
    """
    rows = []
    for group, mine in scenarios.groupby("group", sort=False):
        recorded = mine[mine["scenario"] == "recorded"].iloc[0]
        gap0 = float(recorded["gap_pts"])
        gaps = mine["gap_pts"].astype("float64")
        if abs(gap0) < 1e-9:
            verdict = "reference (highest uptake as recorded)"
        elif (np.sign(gaps) != np.sign(gap0)).any() or (gaps.abs() < abs(gap0) / 2).any():
            verdict = "could be an artefact of missing ethnicity"
        else:
            verdict = "holds under every assumption"
        rows.append(
            {
                "Ethnic group": (labels or {}).get(str(group), str(group)),
                "Uptake as recorded": f"{recorded['uptake_pct']:.1f}%",
                "Uptake, lowest to highest": (
                    f"{mine['uptake_pct'].min():.1f}% to {mine['uptake_pct'].max():.1f}%"
                ),
                "Gap to the reference as recorded": f"{gap0:+.1f} pts",
                "Gap, smallest to largest": f"{gaps.min():+.1f} to {gaps.max():+.1f} pts",
                "Finding": verdict,
            }
        )
    return pd.DataFrame(rows)


def unknown_share_words(groups: pd.DataFrame, group_column: str) -> str:
    """Return a sentence on how many people have no known ethnic group (shown counts)."""
    usable = groups[groups["population"].notna()]
    unknown = usable[usable[group_column].isin(UNKNOWN_GROUPS)]
    total = float(usable["population"].astype("float64").sum())
    if total <= 0:
        return "No people are counted."
    count = float(unknown["population"].astype("float64").sum())
    return (
        f"{int(count):,} of {int(total):,} people ({100 * count / total:.1f}%) have no known"
        " ethnic group ('not stated' or 'not known'); the scenarios move them, with their own"
        " uptake, between groups."
    )


# --- Flags on findings ---------------------------------------------------------------------


def low_measures(ics: pd.DataFrame) -> dict[str, float]:
    """Return the measures of LOW_COMPLETENESS_PCT whose shown completeness is below standard."""
    out = {}
    for measure, standard in LOW_COMPLETENESS_PCT.items():
        value = ics_value(ics, measure)
        if value is not None and value < standard:
            out[measure] = value
    return out


def completeness_caveat(dimensions: Iterable[str], low: dict[str, float]) -> str:
    """Return the caveat of a finding whose group uses a poorly recorded characteristic, or ''."""
    parts = []
    dims = set(dimensions)
    for measure, value in low.items():
        if dims & set(MEASURE_DIMENSIONS[measure]):
            noun = "ethnicity" if measure == "ethnicity" else "first language"
            parts.append(
                f"{noun} is recorded for only {value:.1f}% of people here"
                f" (standard {LOW_COMPLETENESS_PCT[measure]:.0f}%)"
            )
    if not parts:
        return ""
    return "Low completeness: " + "; ".join(parts) + ". The group may be larger than counted."


def low_by_area(areas: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Return area code -> the measures below standard there (shown completeness).

    As `low_measures` of each area's rows (its first row of each measure), for every area at
    once.
    """
    out: dict[str, dict[str, float]] = {}
    codes_seen = areas["code"].astype(str).to_numpy()
    order = {code: i for i, code in enumerate(dict.fromkeys(codes_seen))}
    for measure, standard in LOW_COMPLETENESS_PCT.items():
        rows = areas[(areas["measure"] == measure).to_numpy(dtype=bool)]
        rows = rows.assign(code=rows["code"].astype(str)).drop_duplicates("code")
        value = rows["completeness_pct"].astype("Float64")
        low = (value < standard).fillna(False).to_numpy(dtype=bool)
        low &= ~rows["completeness_suppressed"].to_numpy(dtype=bool)
        for code, pct in zip(rows["code"][low], value[low], strict=True):
            out.setdefault(code, {})[measure] = float(pct)
    # In the order the areas come, each area's measures in LOW_COMPLETENESS_PCT's order.
    return {
        code: {m: found[m] for m in LOW_COMPLETENESS_PCT if m in found}
        for code, found in sorted(out.items(), key=lambda item: order[item[0]])
    }


def finding_caveat(
    dimensions: Iterable[str], place_code: str, by_area: dict[str, dict[str, float]]
) -> str:
    """Return the low-completeness caveat of a finder's finding in its place, or ''."""
    return completeness_caveat(dimensions, by_area.get(place_code, {}))


# --- The worst practice and its feedback ---------------------------------------------------


def worst_area(areas: pd.DataFrame, measure: str = "ethnicity_gp") -> tuple[str, str] | None:
    """Return (code, name) of the area with the lowest shown completeness, ties by name."""
    rows = of_measure(areas, measure)
    rows = rows[~rows["completeness_suppressed"]].sort_values(
        ["completeness_pct", "name"], kind="stable"
    )
    if rows.empty:
        return None
    return str(rows["code"].iat[0]), str(rows["name"].iat[0])


@dataclass(frozen=True)
class Feedback:
    """A practice's completeness against its PCN and the ICS, and its people with no record."""

    practice_code: str
    practice_name: str
    pcn_name: str
    table: pd.DataFrame  # Measure, Practice, PCN, ICS (text, with intervals)
    no_ethnicity: str  # shown count of patients with no usable ethnicity record (code 99)
    no_language: str  # shown count with no first language recorded
    population: str


def feedback(
    practice_code: str,
    practices: pd.DataFrame,
    pcns: pd.DataFrame,
    ics: pd.DataFrame,
    pcn_of: dict[str, tuple[str, str]],
    measures: Sequence[str] = (*COMPLETENESS_MEASURES, "ethnic_group_known"),
) -> Feedback | None:
    """Return a practice's feedback from protected rows; None when the practice is not shown."""
    mine = practices[practices["code"] == practice_code]
    if mine.empty:
        return None
    pcn_code, pcn_name = pcn_of.get(practice_code, ("", ""))
    theirs = pcns[pcns["code"] == pcn_code]

    def cell(rows: pd.DataFrame, measure: str) -> str:
        row = of_measure(rows, measure)
        if row.empty or bool(row["completeness_suppressed"].iat[0]):
            return "not shown"
        r = row.iloc[0]
        return (
            f"{r['completeness_pct']:.1f}% ({r['ci_low_pct']:.1f}-{r['ci_high_pct']:.1f}%)"
            f" of {format_count(r['population'], bool(r['population_suppressed']))}"
        )

    table = pd.DataFrame(
        {
            "Measure": [MEASURE_LABELS[m] for m in measures],
            "This practice": [cell(mine, m) for m in measures],
            "Its PCN": [cell(theirs, m) for m in measures],
            "ICS": [cell(ics, m) for m in measures],
        }
    )
    eth = of_measure(mine, "ethnicity").iloc[0]
    lang = of_measure(mine, "language").iloc[0]
    return Feedback(
        practice_code,
        str(mine["name"].iat[0]),
        pcn_name,
        table,
        format_count(eth["not_recorded"], bool(eth["not_recorded_suppressed"])),
        format_count(lang["not_recorded"], bool(lang["not_recorded_suppressed"])),
        format_count(eth["population"], bool(eth["population_suppressed"])),
    )


@dataclass(frozen=True)
class Sensitivity:
    """Uptake by ethnic group under each scenario, its summary and the sentence above it."""

    scenarios: pd.DataFrame
    summary: pd.DataFrame
    words: str


def sensitivity_of(
    raw: pd.DataFrame, group_column: str, rule: DisclosureRule, labels: dict[str, str]
) -> Sensitivity | None:
    """Protect raw uptake by ethnic group and return its sensitivity; None when not shown.

    A cohort whose shown population is under the breakdown base is not broken down.
    """
    shown = protect(raw, rule)
    total = shown["population"].astype("float64").sum()
    overall = pd.Series(
        {"population": int(total), "population_suppressed": bool(total <= 0)}, dtype=object
    )
    if shown.empty or not breakdown_allowed(overall, rule):
        return None
    scenarios = sensitivity(shown, group_column)
    if scenarios.empty:
        return None
    return Sensitivity(
        scenarios,
        sensitivity_summary(scenarios, labels),
        unknown_share_words(shown, group_column),
    )


def measure_choices() -> dict[str, str]:
    """Return the measures a user can look at, in order, with their labels."""
    keep = ("ethnicity_gp", "ethnicity", "language", *FLAG_MEASURES)
    return {m: MEASURE_LABELS[m] for m in keep}


def ics_summary(ics: pd.DataFrame) -> list[tuple[str, str, str]]:
    """Return (label, completeness, detail) of the headline measures for the cohort."""
    out = []
    for measure in ("ethnicity_gp", "ethnicity", "language"):
        row = of_measure(ics, measure)
        if row.empty or bool(row["completeness_suppressed"].iat[0]):
            out.append((MEASURE_LABELS[measure], "not shown", ""))
            continue
        r = row.iloc[0]
        detail = (
            f"{format_count(r['recorded'], bool(r['recorded_suppressed']))} of"
            f" {format_count(r['population'], bool(r['population_suppressed']))}"
            f" (95% CI {r['ci_low_pct']:.1f}-{r['ci_high_pct']:.1f}%)"
        )
        out.append((MEASURE_LABELS[measure], f"{r['completeness_pct']:.1f}%", detail))
    return out


def ranked_csv(
    table: pd.DataFrame,
    meta: Mapping[str, str],
    description: str,
    rule: DisclosureRule,
    measure_label: str,
) -> str:
    """Return the ranked table as a labelled, formula-safe CSV."""
    header = header_lines(description, meta, rule, [f"Completeness of: {measure_label}"])
    return to_csv(table, header)


def linkage_display(table: pd.DataFrame) -> pd.DataFrame:
    """Return the linkage table as text for display."""
    return pd.DataFrame(
        {
            "Practice": table["name"],
            "GP records only": [_pct(v) for v in table["gp_pct"]],
            "GP + linked records": [_pct(v) for v in table["linked_pct"]],
            "Gain (points)": [_pct(v, suffix="") for v in table["gain_pts"]],
            "People added by hospital records": table["added_text"],
        }
    )


def _pct(value: object, suffix: str = "%") -> str:
    """Return a shown rate as text, '–' when hidden."""
    return "–" if value is None or pd.isna(value) else f"{float(value):.1f}{suffix}"


def sources_display(ics: pd.DataFrame) -> pd.DataFrame:
    """Return how many people each source gave an ethnicity to (shown counts), and none."""
    rows = []
    for measure, source in (
        ("ethnicity_gp", codes.ETHNICITY_SOURCES["gp"]),
        ("ethnicity_hospital", codes.ETHNICITY_SOURCES["hospital"]),
    ):
        row = of_measure(ics, measure)
        if row.empty:
            continue
        r = row.iloc[0]
        rows.append(
            {
                "Source": source,
                "People": format_count(r["recorded"], bool(r["recorded_suppressed"])),
                "Share": format_rate(r["completeness_pct"], bool(r["completeness_suppressed"])),
            }
        )
    linked = of_measure(ics, "ethnicity")
    if not linked.empty:
        r = linked.iloc[0]
        rows.append(
            {
                "Source": codes.ETHNICITY_SOURCES["none"],
                "People": format_count(r["not_recorded"], bool(r["not_recorded_suppressed"])),
                "Share": _pct(100 - r["completeness_pct"])
                if not r["completeness_suppressed"]
                else "suppressed",
            }
        )
    return pd.DataFrame(rows, columns=["Source", "People", "Share"])


def scenario_display(scenarios: pd.DataFrame) -> pd.DataFrame:
    """Return uptake by group (rows) under each scenario (columns), as text."""
    wide = scenarios.pivot(index="group", columns="scenario", values="uptake_pct")
    wide = wide[[s for s in SCENARIOS if s in wide.columns]]
    out = pd.DataFrame({"Ethnic group": wide.index})
    for scenario in wide.columns:
        out[SCENARIOS[scenario]] = [f"{v:.1f}%" for v in wide[scenario]]
    return out


def practice_choices(practices: pd.DataFrame) -> dict[str, str]:
    """Return practice code -> name, lowest shown GP-only ethnicity completeness first."""
    rows = of_measure(practices, "ethnicity_gp")
    rows = rows.assign(_v=rows["completeness_pct"].astype("float64").fillna(np.inf))
    rows = rows.sort_values(["_v", "name"], kind="stable")
    return dict(zip(rows["code"], rows["name"], strict=True))


# The cohort fields that narrow by a characteristic whose completeness is measured; the
# completeness is read on the cohort without them (a cohort of one ethnicity has no 99s).
RECORDED_FIELDS: dict[str, str] = {
    "ethnicities": "ethnicity_code",
    "ethnic_groups": "ethnic_group",
    "languages": "main_language",
}


def without_recorded_filters(cohort: Cohort) -> Cohort:
    """Return the cohort without its ethnicity and language filters (to measure completeness)."""
    return cohort.with_(**{name: () for name in RECORDED_FIELDS})


def explore_caveat(cohort: Cohort, dimensions: Iterable[str], ics: pd.DataFrame) -> str:
    """Return the caveat of a breakdown whose groups use a poorly recorded characteristic.

    `ics`: protected completeness of `without_recorded_filters(cohort)`; the groups use a
    characteristic when the breakdown or the cohort's own filters do.
    """
    used = set(dimensions) | {
        dimension for name, dimension in RECORDED_FIELDS.items() if getattr(cohort, name)
    }
    return completeness_caveat(used, low_measures(ics))
