"""Aggregate mode: NHS England's published uptake by MSOA and age band, chosen and summed.

A published dataset has no person records, so only dose, date, age band and place can be
chosen. Figures come from MSOA rows (borough figures are their sums, which equal NHS
England's published borough totals); an area with an unreadable published cell, with a cell
that has more people vaccinated than its population, or without a population for a chosen band,
has no figure, never a partial one: it is listed with its reason and drawn in its own colour.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from phm import codes
from phm.disclosure import key_published
from phm.levels import LEVELS, PUBLISHED_LEVELS, level_of
from phm.output.maps import tooltip_text

# What a person-level cohort offers and published figures do not, with the reason shown.
NOT_PUBLISHED = (
    "Sex, ethnicity, first language, deprivation, JCVI cohort, registration (PCN and"
    " practice) and clinical and social flags: NHS England publishes counts by MSOA and age"
    " band only."
)
MISSING_RGBA = (203, 190, 230, 220)  # light violet: not the grey of suppression
MISSING_LABEL = "Not published (unreadable cell in the source file)"
EXCEEDS_RGBA = (161, 217, 155, 220)  # light green: in neither the uptake nor the gap palette
EXCEEDS_LABEL = "No figure (more people vaccinated than the population in the published figures)"
NO_POPULATION_RGBA = (253, 208, 162, 220)  # light orange: no denominator
NO_POPULATION_LABEL = "No figure (no population published for the chosen age bands)"
# Why an area has no figure: its map state, colour, legend label and words in a sentence.
UNREADABLE = "missing"
EXCEEDS = "exceeds"
NO_POPULATION = "no population"
REASONS: dict[str, tuple[tuple[int, int, int, int], str, str]] = {
    EXCEEDS: (
        EXCEEDS_RGBA,
        EXCEEDS_LABEL,
        "the published figures have more people vaccinated than the population (NIMS) in a"
        " cell, so no rate can be made",
    ),
    UNREADABLE: (MISSING_RGBA, MISSING_LABEL, "a published cell was unreadable (e.g. #VALUE!)"),
    NO_POPULATION: (
        NO_POPULATION_RGBA,
        NO_POPULATION_LABEL,
        "no NIMS population was imported for a chosen age band, so there is no denominator",
    ),
}


@dataclass(frozen=True)
class PublishedChoice:
    """Which published figures are on screen: dose, date, age bands and places."""

    dose: str
    as_at: date
    age_bands: tuple[str, ...] = ()
    boroughs: tuple[str, ...] = ()
    msoas: tuple[str, ...] = ()

    def describe(self, names: Mapping[str, str] | None = None) -> str:
        """Return the choice in plain English, e.g. 'People in age band 80+ in Camden: first dose ...'."""
        names = names or {}
        words = "People"
        if self.age_bands:
            words += f" in age band {_or_list(self.age_bands)}"
        places = [names.get(code, code) for code in (*self.boroughs, *self.msoas)]
        if places:
            words += f" in {_or_list(places)}"
        dose = codes.DOSES.get(self.dose, f"dose {self.dose}").lower()
        return (
            f"{words}: {dose} of COVID-19 vaccine by {self.as_at:%-d %B %Y}"
            " (NHS England published figures)"
        )

    def to_query_params(self) -> dict[str, list[str]]:
        """Return the choice as URL parameters (codes and ISO dates), for shareable links."""
        params = {"dose": [self.dose], "as_at": [self.as_at.isoformat()]}
        for key, values in URL_KEYS.items():
            if getattr(self, values):
                params[key] = list(getattr(self, values))
        return params


# URL key -> choice field: the age band, and the cohort field of each published level.
URL_KEYS = {
    "age_band": "age_bands",
    **{key: LEVELS[key].cohort_field for key in PUBLISHED_LEVELS},
}


def choice_from_query_params(
    params: Mapping[str, Sequence[str]],
    options: Mapping[str, Sequence],
    places: Mapping[str, Mapping[str, str]],
) -> tuple[PublishedChoice | None, list[str]]:
    """Return the choice a link describes (unknown values left out) and a warning for each.

    `options`: the published doses, dates and age bands; `places`: boroughs and msoas (code ->
    name). None when the dataset has no published figures.
    """
    if not options["dose"] or not options["as_at"]:
        return None, []
    warnings: list[str] = []

    def last(key: str) -> str | None:
        values = params.get(key) or []
        return values[-1] if values else None

    dose = last("dose")
    if dose is not None and dose not in options["dose"]:
        warnings.append(f"Ignored dose={dose!r}: no published figures for it.")
        dose = None
    as_at = None
    text = last("as_at")
    if text is not None:
        match = [d for d in options["as_at"] if d.isoformat() == text]
        if match:
            as_at = match[0]
        else:
            warnings.append(f"Ignored as_at={text!r}: not a published date.")
    allowed = {key: set(places.get(field, ())) for key, field in URL_KEYS.items()}
    allowed["age_band"] = set(options["age_band"])
    chosen: dict[str, tuple[str, ...]] = {}
    for key, field in URL_KEYS.items():
        values = list(dict.fromkeys(params.get(key) or []))
        bad = [v for v in values if v not in allowed[key]]
        warnings += [f"Ignored {key}={v!r}: not in the published figures." for v in bad]
        chosen[field] = tuple(v for v in values if v in allowed[key])
    choice = PublishedChoice(
        dose=dose or options["dose"][0], as_at=as_at or options["as_at"][0], **chosen
    )
    return choice, warnings


def _or_list(values: Sequence[str]) -> str:
    """Return 'a', 'a or b', 'a, b or c'."""
    values = list(values)
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " or " + values[-1]


def area_counts(
    msoa_rows: pd.DataFrame, msoa_boroughs: pd.DataFrame, choice: PublishedChoice, level: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return raw counts by area of a level for the chosen places, and the areas without figures.

    `msoa_rows`: area_code, area_name, vaccinated, population (missing where unreadable),
    summed over the chosen bands, and optionally exceeding_cells (cells with more people
    vaccinated than their population, as phm.queries.published counts them). `msoa_boroughs`:
    msoa_code, lad_code, lad_name. The first frame has `<level>`, `<level>_label`,
    vaccinated, population and key sums (published figures are keyed by themselves:
    phm.disclosure.key_published), and never more vaccinated than population; the second
    the code, name and `reason` (EXCEEDS or UNREADABLE) of each area left out because a
    published cell is missing or above its population.
    """
    chosen = level_of(level, PUBLISHED_LEVELS)
    rows = msoa_rows.merge(msoa_boroughs, left_on="area_code", right_on="msoa_code", how="left")
    keep = pd.Series(True, index=rows.index)
    if choice.boroughs:
        keep &= rows["lad_code"].isin(choice.boroughs)
    if choice.msoas:
        keep &= rows["area_code"].isin(choice.msoas)
    rows = rows[keep]
    if level == "msoa":
        code, name = rows["area_code"], rows["area_name"]
    else:
        code, name = rows[chosen.code_column], rows[chosen.name_column]
    vaccinated = pd.array(rows["vaccinated"], dtype="Int64")
    population = pd.array(rows["population"], dtype="Int64")
    exceeds = np.asarray((vaccinated > population).fillna(False), dtype=bool)
    if "exceeding_cells" in rows:
        exceeds |= rows["exceeding_cells"].fillna(0).to_numpy() > 0
    frame = pd.DataFrame(
        {
            level: code.to_numpy(),
            f"{level}_label": name.to_numpy(),
            "vaccinated": vaccinated,
            "population": population,
            "exceeds": exceeds,
            "unreadable": np.asarray(pd.isna(vaccinated), dtype=bool) & ~exceeds,
        }
    )
    grouped = frame.groupby([level, f"{level}_label"], sort=True, dropna=False)
    counts = grouped[["vaccinated", "population"]].sum(min_count=1)
    # A sum over a missing cell, or over one above its population, is missing, never partial.
    incomplete = grouped[["vaccinated", "population"]].agg(lambda s: s.isna().any()).any(axis=1)
    over = grouped["exceeds"].any().to_numpy()
    unreadable = grouped["unreadable"].any().to_numpy()
    left_out = incomplete.to_numpy() | over
    counts = counts.reset_index()
    missing = counts.loc[left_out, [level, f"{level}_label"]].reset_index(drop=True)
    # The first reason that applies: above the population, unreadable, else no population.
    missing["reason"] = np.select(
        [over[left_out], unreadable[left_out]], [EXCEEDS, UNREADABLE], NO_POPULATION
    )
    complete = counts.loc[~left_out].reset_index(drop=True)
    complete = complete.astype({"vaccinated": "int64", "population": "int64"})
    return key_published(complete), missing


def total_counts(counts: pd.DataFrame) -> pd.DataFrame:
    """Return the one-row total of the complete areas (the figure areas are compared with)."""
    total = pd.DataFrame(
        {
            "vaccinated": [int(counts["vaccinated"].sum())],
            "population": [int(counts["population"].sum())],
        }
    )
    return key_published(total)


def mark_missing(frame: pd.DataFrame, missing: pd.DataFrame, level: str, level_label: str) -> None:
    """Draw areas without published figures in the colour of their reason, with a tooltip that says why.

    `missing`: the second frame of area_counts (`<level>` codes and their `reason`).
    """
    reasons = dict(zip(missing[level], missing["reason"], strict=True))
    rows = frame["code"].isin(list(reasons)).to_numpy()
    if not rows.any():
        return
    frame.loc[rows, "value"] = np.nan
    for index in frame.index[rows]:
        reason = reasons[frame.at[index, "code"]]
        colour, label, _ = REASONS[reason]
        frame.at[index, "state"] = reason
        frame.at[index, "fill"] = list(colour)
        frame.at[index, "tooltip"] = tooltip_text(
            str(frame.at[index, "name"]), f"{level_label} {frame.at[index, 'code']}", label
        )


def missing_legend(missing: pd.DataFrame) -> list[tuple[tuple[int, int, int, int], str]]:
    """Return the colour and label of each reason the areas without figures have."""
    present = set(missing["reason"])
    return [(colour, label) for reason, (colour, label, _) in REASONS.items() if reason in present]


def missing_sentences(missing: pd.DataFrame, level: str) -> list[str]:
    """Return one sentence per reason naming the areas without figures, e.g. for a warning."""
    sentences = []
    for reason, (_, _, why) in REASONS.items():
        names = missing.loc[missing["reason"] == reason, f"{level}_label"].astype(str)
        if len(names):
            sentences.append(
                f"{len(names)} {LEVELS[level].noun}(s) have no figure: {why}: {', '.join(names)}."
            )
    return sentences


def denominator_sentences(gaps: pd.DataFrame, choice: PublishedChoice) -> list[str]:
    """Return what a page says about chosen figures stored without a population, and why.

    `gaps`: phm.queries.published.population_gaps (age_band, cells, without_population) for
    the chosen dose and date.
    """
    chosen = gaps if not choice.age_bands else gaps[gaps["age_band"].isin(choice.age_bands)]
    lacking = chosen[chosen["without_population"] > 0]
    if lacking.empty:
        return []
    if int(gaps["without_population"].sum()) == int(gaps["cells"].sum()):
        return [
            "These published figures were imported without NIMS populations, so no uptake can"
            " be shown: import the NIMS population file (or the workbook's NIMS sheet) with"
            " the weekly file (`python -m phm import-published WEEK NIMS`)."
        ]
    whole = lacking[lacking["without_population"] == lacking["cells"]]["age_band"].tolist()
    partial = lacking[lacking["without_population"] < lacking["cells"]]["age_band"].tolist()
    sentences = []
    if whole:
        sentences.append(
            f"Age band {_or_list(whole)} has no figure: the NIMS population file imported"
            " with these figures has no population for it (no denominator)."
        )
    if partial:
        sentences.append(
            f"Some areas in age band {_or_list(partial)} have no figure: their NIMS"
            " population is missing (unreadable, or below zero when worked out from NIMS totals)."
        )
    return sentences


def nothing_to_show(missing: pd.DataFrame) -> str:
    """Return what a page says when no chosen area has a figure."""
    if missing.empty:
        return "No published figures for this choice. Widen it in the sidebar."
    return "No area of this choice has a figure (see above why). Widen it in the sidebar."


def left_out_line(missing: pd.DataFrame) -> str:
    """Return the export header line counting the areas without figures, by reason."""
    parts = {
        EXCEEDS: "more people vaccinated than the population",
        UNREADABLE: "unreadable published cells",
        NO_POPULATION: "no population (denominator)",
    }
    counts = missing["reason"].value_counts()
    detail = "; ".join(f"{parts[r]}: {int(counts[r])}" for r in REASONS if r in counts)
    return f"Left out (no published figure): {len(missing)}" + (f" ({detail})" if detail else "")
