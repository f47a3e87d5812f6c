"""Breakdowns for the Explore page: protected uptake by one or two characteristics, and exports."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from phm.analysis.business_case import PLACE_FIELDS
from phm.analysis.targeting import Finding
from phm.cohort import Cohort
from phm.disclosure import DisclosureRule, format_count, format_rate, protect
from phm.output.exports import header_lines
from phm.queries import DIMENSIONS

SORTS: dict[str, str] = {
    "natural": "Natural order",
    "uptake": "Uptake, lowest first",
    "gap": "Gap to the cohort, largest below first",
    "unvaccinated": "Unvaccinated, most first",
}
COMPARISONS = ("lower", "similar", "higher")
DEFAULT_BY = "age_band"
NOTHING = "nothing"  # "and by" nothing: a one-way breakdown


def breakdown(raw: pd.DataFrame, overall_pct: float | None, rule: DisclosureRule) -> pd.DataFrame:
    """Return the protected breakdown with its gap to the cohort's uptake and a comparison.

    `gap_pts` is group minus cohort in percentage points and `compared` says whether the
    group's 95% interval lies wholly below or above the cohort's figure, both from the shown
    (protected) figures; both are missing where the group's uptake is suppressed.
    """
    out = protect(raw, rule)
    shown = ~out["uptake_suppressed"]
    if overall_pct is None:
        out["gap_pts"] = np.nan
        out["compared"] = None
        return out
    out["gap_pts"] = (out["uptake_pct"] - overall_pct).round(1).where(shown)
    compared = np.where(
        out["ci_high_pct"] < overall_pct,
        "lower",
        np.where(out["ci_low_pct"] > overall_pct, "higher", "similar"),
    )
    out["compared"] = pd.Series(compared, index=out.index, dtype=object).where(shown, None)
    return out


def overall_uptake(raw: pd.DataFrame, rule: DisclosureRule) -> pd.Series:
    """Return the cohort's protected uptake (one row of vaccinated/population) as a Series."""
    return protect(raw, rule).iloc[0]


def sort_breakdown(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    """Return a one-way breakdown sorted by `by` (see SORTS); suppressed rows go last."""
    if by == "natural":
        return frame
    key = {"uptake": "uptake_pct", "gap": "gap_pts", "unvaccinated": "unvaccinated"}[by]
    ascending = by != "unvaccinated"
    return frame.sort_values(key, ascending=ascending, na_position="last", kind="stable")


def label_of(dimension: str) -> str:
    """Return a dimension's display name."""
    return DIMENSIONS[dimension].label


def display_table(
    frame: pd.DataFrame, dimensions: Sequence[str], rule: DisclosureRule
) -> pd.DataFrame:
    """Return the text table of a protected breakdown, suppressed and missing cells marked."""
    out = pd.DataFrame(index=frame.index)
    for name in dimensions:
        out[label_of(name)] = frame[f"{name}_label"].astype(str)
    hidden = frame["uptake_suppressed"]
    out["Uptake"] = [
        format_rate(v, s, rule) for v, s in zip(frame["uptake_pct"], hidden, strict=True)
    ]
    out["95% CI"] = [
        "suppressed" if s else f"{lo:.1f}–{hi:.1f}%"
        for s, lo, hi in zip(hidden, frame["ci_low_pct"], frame["ci_high_pct"], strict=True)
    ]
    for column, title in (
        ("vaccinated", "Vaccinated"),
        ("population", "Population"),
        ("unvaccinated", "Unvaccinated"),
    ):
        out[title] = [
            format_count(v, s, rule)
            for v, s in zip(frame[column], frame[f"{column}_suppressed"], strict=True)
        ]
    if "gap_pts" in frame.columns:
        out["Gap to comparator (pts)"] = [
            "suppressed" if s else ("–" if pd.isna(g) else f"{g:+.1f}")
            for s, g in zip(hidden, frame["gap_pts"], strict=True)
        ]
        out["Interval vs comparator"] = [
            "suppressed" if s else (c or "–")
            for s, c in zip(hidden, frame["compared"], strict=True)
        ]
    return out


def full_grid(
    frame: pd.DataFrame, dimensions: Sequence[str], labels: Mapping[str, Sequence[str]]
) -> pd.DataFrame:
    """Return a two-way breakdown with every combination of the given labels; empty ones marked.

    Combinations with no residents are absent from a query result; here they come back
    with `status` 'no residents', distinct from 'suppressed' and 'shown'.
    """
    first, second = (f"{d}_label" for d in dimensions)
    frame = frame.copy()
    frame[first] = frame[first].astype(str)
    frame[second] = frame[second].astype(str)
    grid = pd.MultiIndex.from_product(
        [list(labels[first]), list(labels[second])], names=[first, second]
    )
    out = frame.set_index([first, second]).reindex(grid).reset_index()
    out["status"] = np.where(
        out["population"].isna() & ~out["population_suppressed"].fillna(False).astype(bool),
        "no residents",
        np.where(out["uptake_suppressed"].fillna(False).astype(bool), "suppressed", "shown"),
    )
    return out


def export_header(
    description: str, meta: Mapping[str, str], rule: DisclosureRule, dose_label: str, view: str
) -> list[str]:
    """Return the header block of an Explore export: the common lines, the view and the dose."""
    extra = [f"View: {view}", f"Dose: {dose_label}", "Interval: 95% Wilson score interval"]
    return header_lines(description, meta, rule, extra)


HEATMAP_MAX_CELLS = 2_500  # beyond this a heatmap is unreadable (and too big to send)


def heatmap_fits(grid: pd.DataFrame) -> bool:
    """Return True when a two-way grid is small enough to draw as a heatmap."""
    return len(grid) <= HEATMAP_MAX_CELLS


def heatmap_frame(
    grid: pd.DataFrame, dimensions: Sequence[str], rule: DisclosureRule
) -> pd.DataFrame:
    """Return the full grid with text columns for tooltips (figures as shown in the table)."""
    present = grid["status"] != "no residents"
    filled = grid.copy()
    for column in ("vaccinated", "population", "unvaccinated"):
        filled[f"{column}_suppressed"] = filled[f"{column}_suppressed"].fillna(False).astype(bool)
    filled["uptake_suppressed"] = filled["uptake_suppressed"].fillna(False).astype(bool)
    texts = display_table(filled, dimensions, rule)
    out = grid[[f"{d}_label" for d in dimensions] + ["uptake_pct", "status"]].copy()
    for column in ("Uptake", "95% CI", "Vaccinated", "Population", "Unvaccinated"):
        out[column] = texts[column].where(present, "no residents")
    out["uptake_pct"] = out["uptake_pct"].where(out["status"] == "shown")
    out["cell_text"] = np.where(
        out["status"] == "shown",
        out["uptake_pct"].map(lambda v: "" if pd.isna(v) else f"{v:.0f}"),
        np.where(out["status"] == "suppressed", rule.suppressed_text, "–"),
    )
    return out


def findings_table(findings: Sequence[Finding]) -> pd.DataFrame:
    """Return targeting findings (already protected) as a table for download."""
    return pd.DataFrame(
        {
            "Rank": [f.rank for f in findings],
            "Group": [f.group for f in findings],
            "Place": [f.place for f in findings],
            "Uptake": [f.uptake for f in findings],
            "95% CI": [f.interval for f in findings],
            "Unvaccinated": [f.unvaccinated for f in findings],
            "Excess unvaccinated": [f.excess for f in findings],
        }
    )


# Explore's settings in a link (page parameters, not the cohort's).
EXPLORE_PARAMS = {"by": "by", "then": "and_by", "sort": "sort"}


def adults_by_default(cohort: Cohort) -> bool:
    """Return whether a search for target groups starts with adults only: the cohort sets no age.

    Children were offered vaccination late and narrowly, so with all ages the list would be
    nothing but under-18s; adults are the usual scope of a targeting question.
    """
    return not (
        cohort.age_min or cohort.age_max is not None or cohort.age_bands or cohort.jcvi_cohorts
    )


def benchmark_words(uptake_pct: float, cohort: Cohort, meta: Mapping[str, str]) -> str:
    """Return the figure target groups are compared with, in words.

    '71.2% across North Central London' when the cohort is not limited to places (the ICB's
    name from the dataset's metadata), else '71.2% for the whole cohort'.
    """
    everywhere = not any(getattr(cohort, name) for name in PLACE_FIELDS)
    area = meta.get("icb", "the ICS").removeprefix("NHS ").removesuffix(" ICB")
    return f"{uptake_pct:.1f}% " + (f"across {area}" if everywhere else "for the whole cohort")


def grid_labels(frame: pd.DataFrame, dimensions: Sequence[str]) -> dict[str, list[str]]:
    """Return each dimension's labels for a full grid: its code list, else the labels present."""
    out = {}
    for name in dimensions:
        labels = DIMENSIONS[name].labels
        present = [str(v) for v in dict.fromkeys(frame[f"{name}_label"])]
        if labels:
            out[f"{name}_label"] = [str(v) for v in labels.values()] + [
                v for v in present if v not in {str(x) for x in labels.values()}
            ]
        else:
            out[f"{name}_label"] = present
    return out
