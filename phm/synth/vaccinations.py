"""Synthetic COVID-19 doses: JCVI order and dates, published uptake patterns, sites that fit."""

from __future__ import annotations

import numpy as np
import pandas as pd

from phm.geo import distance_matrix
from phm.synth import assumptions as A
from phm.synth.areas import Areas
from phm.synth.random import rng_for, sigmoid, step_values

NAT = np.datetime64("NaT", "D")


def _d(value: object) -> np.datetime64:
    """Return a day-precision datetime64."""
    return np.datetime64(value, "D")


def first_dose_logit(people: pd.DataFrame, areas: Areas) -> np.ndarray:
    """Return each person's log odds of ever taking a first dose."""
    age = people["age"].to_numpy()
    logit = step_values(A.FIRST_DOSE_AGE_LOGIT, age).astype(float)
    # Uptake follows the true ethnicity and language (phm.synth.recording), not what reached
    # the record; people with no usable ethnicity record take up less (assumed).
    language = people["language_true"].to_numpy()
    logit += people["ethnicity_true"].map(A.FIRST_DOSE_ETHNICITY).fillna(0).to_numpy()
    no_record = people["ethnicity_source"].to_numpy() == "none"
    logit += A.FIRST_DOSE_NO_ETHNICITY_RECORD * no_record
    lsoa = people["lsoa_index"].to_numpy()
    logit += A.FIRST_DOSE_DEPRIVATION * areas.deprivation[lsoa]
    logit += areas.uptake_effect[lsoa]
    non_english = language != "English"
    logit += A.FIRST_DOSE_NON_ENGLISH * non_english
    logit += A.FIRST_DOSE_INTERPRETER * people["needs_interpreter"].to_numpy()
    for flag, effect in A.FIRST_DOSE_FLAGS.items():
        logit += effect * people[flag].to_numpy()
    logit += A.FIRST_DOSE_PER_CONDITION * np.minimum(people["ltc_count"].to_numpy(), 3)
    for spoken, intensity in areas.community.items():
        mine = language == spoken
        logit -= A.COMMUNITY_UPTAKE_PENALTY * mine * intensity[lsoa]
    return logit


def _eligible_from(people: pd.DataFrame) -> np.ndarray:
    """Return the date each person could first book a first dose (NaT if never eligible)."""
    cohort = people["jcvi_cohort"].to_numpy()
    age = people["age"].to_numpy()
    dates = np.array([_d(A.COHORT_FIRST_DOSE_FROM.get(c, A.PROGRAMME_END)) for c in range(13)])
    eligible = dates[cohort]
    eligible = np.where(age >= 45, np.minimum(eligible, _d("2021-04-13")), eligible)
    eligible = np.where((cohort == 10) & (age < 45), _d("2021-04-30"), eligible)
    eligible = np.where((age >= 16) & (age < 18), _d(A.AGE_16_17_FROM), eligible)
    eligible = np.where((age >= 12) & (age < 16), _d(A.AGE_12_15_FROM), eligible)
    eligible = np.where(age < 12, NAT, eligible)
    housebound = people["is_housebound"].to_numpy()
    eligible = np.where(housebound, np.maximum(eligible, _d(A.HOUSEBOUND_VISITS_FROM)), eligible)
    return eligible


def _delay(
    rng: np.random.Generator, n: int, fast: np.ndarray, reluctance: np.ndarray
) -> np.ndarray:
    """Return days from eligibility to a dose: most soon, some late (more so when reluctant)."""
    quick = rng.gamma(1.5, np.where(fast, 8.0, 16.0), size=n)
    late = rng.uniform(25, 420, size=n)
    is_late = rng.random(n) < 0.12 + 0.35 * reluctance
    return np.where(is_late, late, quick).astype(int)


def build_doses(people: pd.DataFrame, areas: Areas, seed: int) -> pd.DataFrame:
    """Return one row per dose (person_id, dose, vaccination_date) within the programme window."""
    rng = rng_for(seed, "vaccinations.doses")
    n = len(people)
    end = _d(A.PROGRAMME_END)
    age = people["age"].to_numpy()
    logit = first_dose_logit(people, areas)
    p1 = sigmoid(logit)
    takes1 = rng.random(n) < p1
    eligible = _eligible_from(people)
    care_home = people["is_care_home_resident"].to_numpy()
    eligible = np.where(care_home & (age >= 65), _d(A.CARE_HOME_VISITS_FROM), eligible)
    fast = (age >= 70) | care_home
    dose1 = eligible + _delay(rng, n, fast, 1 - p1).astype("timedelta64[D]")
    registered_to = people["registered_to"].to_numpy().astype("datetime64[D]")
    alive_or_here = np.isnat(registered_to) | (dose1 < registered_to)
    has1 = takes1 & ~np.isnat(eligible) & (dose1 <= end) & alive_or_here
    dose1 = np.where(has1, dose1, NAT)

    inequality = logit - step_values(A.FIRST_DOSE_AGE_LOGIT, age)
    p2 = sigmoid(A.SECOND_DOSE_GIVEN_FIRST_LOGIT + 0.4 * logit)
    interval = np.where(dose1 < _d("2021-05-14"), rng.normal(77, 7, n), rng.normal(58, 5, n))
    interval = np.where(age < 18, rng.normal(90, 14, n), interval)
    interval = np.maximum(interval, 21) + np.where(rng.random(n) < 0.08, rng.uniform(0, 150, n), 0)
    dose2 = dose1 + interval.astype(int).astype("timedelta64[D]")
    has2 = (
        has1
        & (rng.random(n) < p2)
        & (dose2 <= end)
        & (np.isnat(registered_to) | (dose2 < registered_to))
    )
    dose2 = np.where(has2, dose2, NAT)

    cohort = people["jcvi_cohort"].to_numpy()
    booster_from = np.where(
        cohort <= 9,
        _d(A.BOOSTER_FROM["1-9"]),
        np.where(cohort == 10, _d(A.BOOSTER_FROM["10"]), _d(A.BOOSTER_FROM["11-12"])),
    )
    short = _d(A.BOOSTER_SHORT_INTERVAL_FROM)
    after_long = dose2 + np.timedelta64(182, "D")
    after_short = np.maximum(dose2 + np.timedelta64(91, "D"), short)
    booster_eligible = np.maximum(booster_from, np.minimum(after_long, after_short))
    p3 = sigmoid(
        A.BOOSTER_GIVEN_SECOND_LOGIT
        + 0.5 * step_values(A.FIRST_DOSE_AGE_LOGIT, age)
        + A.BOOSTER_INEQUALITY_FACTOR * inequality
    )
    dose3 = booster_eligible + _delay(rng, n, fast, 1 - p3).astype("timedelta64[D]")
    has3 = (
        has2
        & (age >= 18)
        & (rng.random(n) < p3)
        & (dose3 <= end)
        & (np.isnat(registered_to) | (dose3 < registered_to))
    )
    dose3 = np.where(has3, dose3, NAT)

    ids = people["person_id"].to_numpy()
    frames = []
    for dose, dates, has in (("1", dose1, has1), ("2", dose2, has2), ("3", dose3, has3)):
        frames.append(
            pd.DataFrame(
                {
                    "person_index": np.flatnonzero(has),
                    "reluctance": 1 - p1[has],
                    "person_id": ids[has],
                    "dose": dose,
                    "vaccination_date": dates[has],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def assign_sites(
    doses: pd.DataFrame, people: pd.DataFrame, areas: Areas, sites: pd.DataFrame, seed: int
) -> pd.DataFrame:
    """Add site_id and delivery_model to each dose: a model that fits the person, a site near them."""
    rng = rng_for(seed, "vaccinations.sites")
    n = len(doses)
    who = doses["person_index"].to_numpy()
    date = doses["vaccination_date"].to_numpy().astype("datetime64[D]")
    age = people["age"].to_numpy()[who]
    care_home = people["is_care_home_resident"].to_numpy()[who]
    housebound = people["is_housebound"].to_numpy()[who]
    hcw = people["is_health_care_worker"].to_numpy()[who]
    reluctance = doses["reluctance"].to_numpy()
    models = [
        "vaccination_centre",
        "hospital_hub",
        "gp_pcn_site",
        "community_pharmacy",
        "pop_up",
        "vaccine_bus",
    ]
    early = date < _d("2021-01-11")
    w = np.zeros((n, len(models)))
    w[:, 0] = np.where(early, 0, 0.28)
    w[:, 1] = np.where(early, 0.45, 0.05) + np.where(hcw & (date < _d("2021-03-01")), 3.0, 0)
    w[:, 2] = np.where(early, 0.55, 0.40) + 0.2 * (age >= 70)
    w[:, 3] = np.where(date < _d("2021-01-14"), 0, 0.22)
    outreach = date >= _d("2021-04-01")
    w[:, 4] = np.where(outreach, 0.03 + 0.12 * reluctance, 0)
    w[:, 5] = np.where(date >= _d("2021-05-01"), 0.02 + 0.08 * reluctance, 0)
    w[:, 0] = np.where(date > _d("2021-11-30"), 0, w[:, 0])
    cdf = np.cumsum(w / w.sum(axis=1, keepdims=True), axis=1)
    choice = (cdf < rng.random(n)[:, None]).sum(axis=1)
    model = np.array(models, dtype=object)[np.minimum(choice, len(models) - 1)]
    model = np.where(care_home | housebound, "housebound_visit", model)

    lsoa_of = people["lsoa_index"].to_numpy()[who]
    site_ids = np.empty(n, dtype=object)
    fallback = "gp_pcn_site"
    for name in ["housebound_visit", *models]:
        rows = np.flatnonzero(model == name)
        candidates = sites[sites["delivery_model"] == name].reset_index(drop=True)
        if rows.size == 0:
            continue
        if candidates.empty:
            model[rows] = fallback
            continue
        d = distance_matrix(
            areas.lsoa["centroid_lon"],
            areas.lsoa["centroid_lat"],
            candidates["lon"],
            candidates["lat"],
        )
        k = min(3, len(candidates))
        nearest = np.argsort(d, axis=1)[:, :k]
        pick = nearest[
            lsoa_of[rows],
            rng.choice(
                k, size=rows.size, p=np.array([0.6, 0.25, 0.15][:k]) / sum([0.6, 0.25, 0.15][:k])
            ),
        ]
        opened = candidates["opened"].to_numpy().astype("datetime64[D]")[pick]
        closed = pd.to_datetime(candidates["closed"]).to_numpy().astype("datetime64[D]")[pick]
        open_then = (opened <= date[rows]) & (np.isnat(closed) | (closed >= date[rows]))
        site_ids[rows[open_then]] = candidates["site_id"].to_numpy()[pick[open_then]]
        model[rows[~open_then]] = "__fallback__"
    # Where the chosen site was closed that day: the nearest GP/PCN site, or before those
    # opened (14 Dec 2020) the nearest hospital hub.
    for name, wanted in (
        (fallback, date >= _d("2020-12-14")),
        ("hospital_hub", date < _d("2020-12-14")),
    ):
        rest = np.flatnonzero((model == "__fallback__") & wanted)
        if rest.size == 0:
            continue
        near = sites[sites["delivery_model"] == name].reset_index(drop=True)
        d = distance_matrix(
            areas.lsoa["centroid_lon"], areas.lsoa["centroid_lat"], near["lon"], near["lat"]
        )
        site_ids[rest] = near["site_id"].to_numpy()[np.argmin(d, axis=1)[lsoa_of[rest]]]
        model[rest] = name
    out = doses.drop(columns=["person_index", "reluctance"]).copy()
    out["programme"] = "covid19"
    out["site_id"] = site_ids
    out["delivery_model"] = model
    return out[["person_id", "programme", "dose", "vaccination_date", "site_id", "delivery_model"]]
