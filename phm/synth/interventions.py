"""The synthetic demo's interventions, declared once, with real effects built into the doses.

Each `Planted` intervention says what, where, when, for whom and at what cost (as a register
record, `phm.interventions.record.RecordedIntervention`) and how well it worked: the share of
its target group's people who would otherwise never have had a first dose that it vaccinated
(`effect`, by ethnic category or for everyone). `plant` draws those people, gives each a first
dose on a day of the period at the intervention's own site, and returns the new doses, the new
sites and the records; the demo writes the records into `dataset_meta` (key
`phm.interventions.record.META_KEY`), so the app's register lists them.

The true effect of an intervention in a built database is the number of first doses given at
its sites (no other dose is given there); `true_effects` counts them. docs/synthetic-data.md
describes the interventions for readers; keep the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from phm import schema
from phm.cohort import Cohort
from phm.geo import distance_matrix
from phm.interventions.record import RecordedIntervention
from phm.synth import assumptions as A
from phm.synth.areas import Areas
from phm.synth.random import rng_for

HARINGEY, ENFIELD, BARNET, CAMDEN = "E09000014", "E09000010", "E09000003", "E09000007"
SITE_PREFIX = "SI"  # the interventions' own sites: SI1A, SI1B... (SI<n><letter>)


@dataclass(frozen=True)
class Planted:
    """One built-in intervention: where it was chosen, for whom, and its true effect."""

    key: str
    name: str
    kind: str  # phm.analysis.business_case.INTERVENTIONS key
    start: date
    end: date
    cohort: Cohort  # for whom (no places)
    cost_gbp: float
    note: str
    delivery_model: str  # of the doses it gives ('' when it gives none)
    effect: dict[
        str, float
    ]  # ethnicity code ('*' for anyone) -> share of would-be never-vaccinated vaccinated
    # Where: the `msoas_per_borough` MSOAs of these boroughs with the most target people,
    # or the MSOAs whose centroid is within `radius_m` of `place` (lon, lat).
    boroughs: tuple[str, ...] = ()
    msoas_per_borough: tuple[int, ...] = ()
    place: tuple[float, float] | None = None
    place_name: str = ""
    radius_m: float = 0.0
    one_site_per_msoa: bool = False  # the bus: a stop in each MSOA
    stops: dict[str, str] = field(default_factory=dict)


PLANTED: tuple[Planted, ...] = (
    Planted(
        "bus",
        "Vaccine bus after door-knocking (Haringey and Enfield)",
        "bus",
        date(2021, 10, 4),
        date(2021, 11, 14),
        Cohort(ethnicities=("C", "M"), age_min=18),
        36_000.0,
        "Door-knocking teams visited homes in the fortnight before; the bus then stopped in"
        " each area twice a week. Cost: 20 door-knocking team days and 12 bus days.",
        "vaccine_bus",
        {"C": 0.15, "M": 0.08},
        boroughs=(HARINGEY, ENFIELD),
        msoas_per_borough=(3, 2),
        one_site_per_msoa=True,
    ),
    Planted(
        "link_worker",
        "Polish-speaking link worker (Barnet)",
        "link_worker",
        date(2021, 11, 15),
        date(2022, 2, 13),
        Cohort(languages=("Polish",), age_min=18),
        9_000.0,
        "A link worker who speaks Polish answered questions and booked appointments at the"
        " PCN site for three months.",
        "gp_pcn_site",
        {"*": 0.30},
        boroughs=(BARNET,),
        msoas_per_borough=(6,),
    ),
    Planted(
        "stadium",
        "Pop-up at the football stadium (Tottenham)",
        "popup",
        date(2021, 8, 30),
        date(2021, 9, 12),
        Cohort(age_min=18, age_max=39),
        6_000.0,
        "Walk-in sessions on match days and the weekends between.",
        "pop_up",
        {"*": 0.05},
        place=(-0.0662, 51.6043),
        place_name="Pop-up: Tottenham football stadium",
        radius_m=1_500.0,
    ),
    Planted(
        "university",
        "Pop-up at the university (Hendon)",
        "popup",
        date(2021, 9, 13),
        date(2021, 9, 26),
        Cohort(age_min=18, age_max=29),
        4_500.0,
        "Walk-in sessions on campus in freshers' fortnight.",
        "pop_up",
        {"*": 0.06},
        place=(-0.2285, 51.5898),
        place_name="Pop-up: Hendon university campus",
        radius_m=1_500.0,
    ),
    Planted(
        "leaflets",
        "Translated leaflets in Bengali (Camden)",
        "translated_comms",
        date(2021, 11, 15),
        date(2021, 12, 26),
        Cohort(languages=("Bengali",), age_min=18),
        3_000.0,
        "Leaflets and texts in Bengali to every household; built with no effect.",
        "",
        {},
        boroughs=(CAMDEN,),
        msoas_per_borough=(3,),
    ),
)


def _age_at(birth: np.ndarray, when: date) -> np.ndarray:
    """Return age in whole years on a date (birth dates are firsts of months, as in Cohort)."""
    b = pd.DatetimeIndex(birth)
    return ((when.year - b.year) * 12 + when.month - b.month).to_numpy() // 12


def _targets(planted: Planted, people: pd.DataFrame, msoa: np.ndarray) -> np.ndarray:
    """Return True for each person of the intervention's cohort (ages at the data's date)."""
    cohort = planted.cohort
    keep = np.ones(len(people), dtype=bool)
    age = _age_at(people["birth_date"].to_numpy(), A.PROGRAMME_END)
    if cohort.age_min is not None:
        keep &= age >= cohort.age_min
    if cohort.age_max is not None:
        keep &= age <= cohort.age_max
    if cohort.ethnicities:
        keep &= people["ethnicity_code"].isin(cohort.ethnicities).to_numpy()
    if cohort.languages:
        keep &= people["main_language"].isin(cohort.languages).to_numpy()
    return keep & (msoa != "")


def _where(planted: Planted, areas: Areas, msoa: np.ndarray, target: np.ndarray) -> tuple[str, ...]:
    """Return the MSOAs an intervention ran in (empty when its boroughs are not in the data)."""
    lsoa = areas.lsoa
    if planted.place is not None:
        centres = lsoa.groupby("msoa_code")[["centroid_lon", "centroid_lat"]].mean()
        d = distance_matrix(
            centres["centroid_lon"],
            centres["centroid_lat"],
            pd.Series([planted.place[0]]),
            pd.Series([planted.place[1]]),
        )[:, 0]
        return tuple(sorted(centres.index[d <= planted.radius_m]))
    chosen: list[str] = []
    lad_of = dict(zip(lsoa["msoa_code"], lsoa["lad_code"], strict=False))
    counts = pd.Series(msoa[target]).value_counts()
    for borough, k in zip(planted.boroughs, planted.msoas_per_borough, strict=True):
        mine = counts[[lad_of.get(m) == borough for m in counts.index]]
        ranked = sorted(mine.items(), key=lambda kv: (-kv[1], kv[0]))
        chosen += [m for m, _ in ranked[:k]]
    return tuple(sorted(chosen))


def _sites_of(
    planted: Planted, msoas: tuple[str, ...], areas: Areas, gp_sites: pd.DataFrame
) -> list[tuple]:
    """Return the intervention's own sites as site rows (none when it gives no doses)."""
    if not planted.delivery_model:
        return []
    lsoa = areas.lsoa
    centres = lsoa.groupby("msoa_code").agg(
        lon=("centroid_lon", "mean"), lat=("centroid_lat", "mean"), name=("msoa_name", "first")
    )
    places: list[tuple[str, float, float]] = []
    if planted.one_site_per_msoa:
        places = [
            (
                f"Vaccine bus stop: {centres.at[m, 'name']}",
                centres.at[m, "lon"],
                centres.at[m, "lat"],
            )
            for m in msoas
        ]
    elif planted.place is not None:
        places = [(planted.place_name, *planted.place)]
    else:
        lon = float(centres.loc[list(msoas), "lon"].mean())
        lat = float(centres.loc[list(msoas), "lat"].mean())
        d = distance_matrix(pd.Series([lon]), pd.Series([lat]), gp_sites["lon"], gp_sites["lat"])[0]
        near = gp_sites.iloc[int(np.argmin(d))]
        places = [(f"{planted.name}: clinics at {near['site_name']}", near["lon"], near["lat"])]
    return [
        (
            f"{site_prefix(planted)}{chr(ord('A') + i)}",
            name,
            planted.delivery_model,
            None,
            float(lon),
            float(lat),
            planted.start,
            planted.end,
            "synthetic",
        )
        for i, (name, lon, lat) in enumerate(places)
    ]


def plant(
    people: pd.DataFrame, areas: Areas, doses: pd.DataFrame, sites: pd.DataFrame, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame, list[RecordedIntervention]]:
    """Return the interventions' first doses, their sites and their register records.

    `doses` are the doses already generated (person_id, dose, ...): an intervention only
    vaccinates people with no first dose at all, registered before it started and still
    registered at the data's date, so every dose it gives is one that would not otherwise
    have been given. People reached by an earlier intervention are not drawn again.
    """
    msoa = np.asarray(
        areas.lsoa["msoa_code"].to_numpy()[people["lsoa_index"].to_numpy()], dtype=object
    )
    ethnicity = people["ethnicity_code"].to_numpy()
    had_first = people["person_id"].isin(doses.loc[doses["dose"] == "1", "person_id"]).to_numpy()
    registered_from = people["registered_from"].to_numpy().astype("datetime64[D]")
    still_here = np.isnat(people["registered_to"].to_numpy().astype("datetime64[D]"))
    taken = np.zeros(len(people), dtype=bool)
    gp_sites = sites[sites["delivery_model"] == "gp_pcn_site"].reset_index(drop=True)
    new_doses: list[pd.DataFrame] = []
    new_sites: list[tuple] = []
    records: list[RecordedIntervention] = []
    for planted in PLANTED:
        rng = rng_for(seed, f"interventions.{planted.key}")
        target = _targets(planted, people, msoa)
        msoas = _where(planted, areas, msoa, target)
        if not msoas:
            continue  # an ICB without these places: the intervention is not part of its demo
        pool = (
            target
            & np.isin(msoa, msoas)
            & ~had_first
            & ~taken
            & still_here
            & (registered_from <= np.datetime64(planted.start, "D"))
        )
        share = np.array([planted.effect.get(e, planted.effect.get("*", 0.0)) for e in ethnicity])
        chosen = np.flatnonzero(pool & (rng.random(len(people)) < share))
        taken[chosen] = True
        own = _sites_of(planted, msoas, areas, gp_sites)
        new_sites += own
        records.append(
            RecordedIntervention(
                name=planted.name,
                kind=planted.kind,
                msoas=msoas,
                site_id=own[0][0] if len(own) == 1 else "",
                start=planted.start,
                end=planted.end,
                cohort=planted.cohort,
                cost_gbp=planted.cost_gbp,
                note=planted.note,
                source="synthetic dataset",
            )
        )
        if chosen.size == 0 or not own:
            continue
        days = (planted.end - planted.start).days + 1
        offsets = rng.integers(0, days, chosen.size).astype("timedelta64[D]")
        stop_of = dict(zip(msoas, [row[0] for row in own], strict=False))
        new_doses.append(
            pd.DataFrame(
                {
                    "person_id": people["person_id"].to_numpy()[chosen],
                    "programme": "covid19",
                    "dose": "1",
                    "vaccination_date": np.datetime64(planted.start, "D") + offsets,
                    "site_id": [stop_of.get(m, own[0][0]) for m in msoa[chosen]],
                    "delivery_model": planted.delivery_model,
                }
            )
        )
    columns = ["person_id", "programme", "dose", "vaccination_date", "site_id", "delivery_model"]
    dose_frame = (
        pd.concat(new_doses, ignore_index=True) if new_doses else pd.DataFrame(columns=columns)
    )
    site_frame = pd.DataFrame(
        new_sites,
        columns=[
            "site_id",
            "site_name",
            "delivery_model",
            "postcode",
            "lon",
            "lat",
            "opened",
            "closed",
            "source",
        ],
    )
    return dose_frame[columns], site_frame[schema.column_names("site")], records


def site_prefix(planted: Planted) -> str:
    """Return the prefix of an intervention's own site ids (SI1A, SI1B... for the first)."""
    return f"{SITE_PREFIX}{PLANTED.index(planted) + 1}"


def true_effects(vaccination: pd.DataFrame) -> dict[str, int]:
    """Return, per planted intervention's key, the first doses given at its own sites."""
    site = vaccination.loc[vaccination["dose"] == "1", "site_id"].astype(str)
    return {p.key: int(site.str.fullmatch(site_prefix(p) + "[A-Z]").sum()) for p in PLANTED}
