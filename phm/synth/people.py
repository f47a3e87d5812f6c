"""Synthetic persons: age, sex, ethnicity, language, flags, JCVI cohort, registration."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from phm import codes
from phm.synth import assumptions as A
from phm.synth.areas import ETHNICITY_CODES, Areas
from phm.synth.calibration import Calibration
from phm.synth.random import rng_for, sample_rows, sigmoid, step_values

AGE_REFERENCE = date(2021, 3, 31)  # JCVI cohorts use age at 31 March 2021
MAX_AGE = 100
LANGUAGE_INDEX = {name: i for i, name in enumerate(codes.LANGUAGES)}


def _age_weights(areas: Areas, calibration: Calibration | None) -> np.ndarray:
    """Return per-LSOA probabilities over single years of age 0-100."""
    ages = np.arange(MAX_AGE + 1)
    inner = step_values(A.AGE_WEIGHTS["inner"], ages)
    outer = step_values(A.AGE_WEIGHTS["outer"], ages)
    is_inner = areas.lsoa["lad_code"].isin(A.INNER_BOROUGHS).to_numpy()
    w = np.where(is_inner[:, None], inner[None, :], outer[None, :]).astype(float)
    # Deprived areas are younger (assumed): fewer people over 60.
    w[:, 60:] *= (1 - 0.2 * areas.deprivation)[:, None]
    pop = None if calibration is None else calibration.population
    if pop is not None:
        real = areas.lsoa[["lsoa_code"]].merge(pop, on="lsoa_code", how="left")
        for low, high, column in (
            (0, 16, "age_0_15"),
            (16, 60, "age_16_59"),
            (60, MAX_AGE + 1, "age_60_plus"),
        ):
            target = (real[column] / real["total"]).to_numpy()
            current = w[:, low:high].sum(axis=1) / w.sum(axis=1)
            known = ~np.isnan(target)
            w[known, low:high] *= (target[known] / current[known])[:, None]
    return w / w.sum(axis=1, keepdims=True)


def _languages(
    areas: Areas,
    lsoa_idx: np.ndarray,
    ethnicity: np.ndarray,
    age: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Return first-language indices, by ethnicity, with local language communities."""
    n_lsoa = len(areas.lsoa)
    out = np.zeros(len(lsoa_idx), dtype=np.int64)  # English
    for e, code in enumerate(ETHNICITY_CODES):
        table = A.LANGUAGE_BY_ETHNICITY.get(code, {})
        if not table:
            continue
        people = np.flatnonzero(ethnicity == e)
        langs = list(table)
        probs = np.tile(np.array([table[x] for x in langs]), (n_lsoa, 1))
        for j, language in enumerate(langs):
            if language in areas.community:
                probs[:, j] *= 1 + A.COMMUNITY_STRENGTH * areas.community[language]
        total = probs.sum(axis=1, keepdims=True)
        probs = np.where(total > 0.9, probs / total * 0.9, probs)
        full = np.hstack([1 - probs.sum(axis=1, keepdims=True), probs])
        choice = sample_rows(full, lsoa_idx[people], rng)
        mapped = np.array([0] + [LANGUAGE_INDEX[x] for x in langs])[choice]
        child = age[people] < 18
        keep_english = child & (rng.random(people.size) > A.CHILD_NON_ENGLISH_FACTOR)
        out[people] = np.where(keep_english, 0, mapped)
    return out


def _flags(
    age: np.ndarray,
    deprivation: np.ndarray,
    ethnicity: np.ndarray,
    sex: np.ndarray,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """Return clinical and social flags whose prevalence rises with age and deprivation."""
    flags = {}
    eth_codes = np.array(ETHNICITY_CODES)[ethnicity]
    for name, (intercept, per_year, per_dep, min_age) in A.FLAG_MODELS.items():
        logit = intercept + per_year * (age - 50) + per_dep * deprivation
        if name == "has_diabetes":
            logit += np.vectorize(lambda c: A.DIABETES_ETHNICITY.get(c, 0.0))(eth_codes)
        if name in ("is_care_home_resident", "is_housebound"):
            logit = intercept + per_year * (np.minimum(age, 95) - 50) + per_dep * deprivation
        eligible = (age >= min_age) & (age <= A.FLAG_MAX_AGE.get(name, 200))
        if name == "is_pregnant":
            eligible &= sex == "F"
        flags[name] = eligible & (rng.random(age.size) < sigmoid(logit))
    # People in care homes are not also counted as housebound.
    flags["is_housebound"] &= ~flags["is_care_home_resident"]
    flags["is_health_care_worker"] &= ~flags["is_care_home_resident"]
    return flags


def _jcvi_cohort(age: np.ndarray, flags: dict[str, np.ndarray], ltc: np.ndarray) -> np.ndarray:
    """Return each person's JCVI priority cohort (lowest number that applies; 0 under 18)."""
    at_risk = (
        (ltc > 0)
        | flags["has_learning_disability"]
        | flags["has_severe_mental_illness"]
        | (flags["is_unpaid_carer"])
    )
    conditions = [
        (flags["is_care_home_resident"] & (age >= 65), 1),
        ((age >= 80) | (flags["is_health_care_worker"] & (age >= 16)), 2),
        (age >= 75, 3),
        ((age >= 70) | (flags["is_clinically_extremely_vulnerable"] & (age >= 16)), 4),
        (age >= 65, 5),
        (at_risk & (age >= 16), 6),
        (age >= 60, 7),
        (age >= 55, 8),
        (age >= 50, 9),
        (age >= 40, 10),
        (age >= 30, 11),
        (age >= 18, 12),
    ]
    cohort = np.zeros(age.size, dtype=np.int8)
    for condition, number in reversed(conditions):
        cohort = np.where(condition, number, cohort)
    return cohort


def _registration(
    age: np.ndarray, care_home: np.ndarray, birth: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return registration start and end dates and the end reason (moves and deaths)."""
    start = np.datetime64(A.PROGRAMME_START)
    end = np.datetime64(A.PROGRAMME_END)
    window_days = int((end - start).astype(int))
    years = window_days / 365.25
    n = age.size
    new = rng.random(n) < A.NEW_REGISTRATION_SHARE
    earlier = start - rng.integers(30, 365 * 20, size=n).astype("timedelta64[D]")
    earlier = np.maximum(earlier, birth)
    during = start + rng.integers(0, window_days, size=n).astype("timedelta64[D]")
    registered_from = np.where(new, np.maximum(during, birth), earlier)
    move = 1 - np.exp(-step_values(A.MOVE_HAZARD, age) * years)
    a, b = A.MORTALITY_GOMPERTZ
    death_rate = np.exp(a + b * age) * np.where(care_home, A.CARE_HOME_MORTALITY_FACTOR, 1.0)
    die = 1 - np.exp(-np.minimum(death_rate, 2.0) * years)
    u = rng.random(n)
    reason = np.where(u < die, "died", np.where(u < die + move, "moved", None))
    offset = rng.integers(1, window_days, size=n).astype("timedelta64[D]")
    registered_to = np.where(reason != None, start + offset, np.datetime64("NaT"))  # noqa: E711
    ends_early = (reason != None) & (registered_to <= registered_from)  # noqa: E711
    registered_to = np.where(ends_early, np.datetime64("NaT"), registered_to)
    reason = np.where(ends_early, None, reason)
    return registered_from.astype("datetime64[D]"), registered_to.astype("datetime64[D]"), reason


def build_people(
    areas: Areas,
    weights: np.ndarray,
    eth_weights: dict[str, np.ndarray],
    n: int,
    seed: int,
    calibration: Calibration | None,
) -> pd.DataFrame:
    """Return the person table (without practice or vaccination columns), sorted by LSOA.

    Ethnicity and first language are the true ones; phm.synth.recording decides what reaches
    the record (and adds ethnicity_source) once practices are assigned.
    """
    counts = np.floor(weights * n).astype(int)
    counts[np.argsort(-(weights * n - counts))[: n - counts.sum()]] += 1
    lsoa_idx = np.repeat(np.arange(len(weights)), counts)
    rng = rng_for(seed, "people.age")
    age = sample_rows(_age_weights(areas, calibration), lsoa_idx, rng)
    rng = rng_for(seed, "people.sex")
    female_share = np.where(age >= 75, 0.58, np.where(age >= 65, 0.53, 0.5))
    sex = np.where(rng.random(n) < female_share, "F", "M")
    rng = rng_for(seed, "people.birth")
    months = age * 12 + rng.integers(0, 12, size=n)
    ref = np.datetime64(AGE_REFERENCE, "M")
    birth = (ref - months.astype("timedelta64[M]")).astype("datetime64[D]")
    rng = rng_for(seed, "people.ethnicity")
    ethnicity = np.empty(n, dtype=np.int64)
    for group, selector in (
        ("child", age < 18),
        ("adult", (age >= 18) & (age < 65)),
        ("older", age >= 65),
    ):
        people = np.flatnonzero(selector)
        ethnicity[people] = sample_rows(eth_weights[group], lsoa_idx[people], rng)
    rng = rng_for(seed, "people.language")
    language = _languages(areas, lsoa_idx, ethnicity, age, rng)
    rng = rng_for(seed, "people.interpreter")
    interpreter = (language > 0) & (rng.random(n) < sigmoid(-2.2 + 0.03 * (age - 40))) & (age >= 16)
    deprivation = areas.deprivation[lsoa_idx]
    flags = _flags(age, deprivation, ethnicity, sex, rng_for(seed, "people.flags"))
    ltc = np.sum([flags[c] for c in codes.AT_RISK_CONDITIONS], axis=0).astype(np.int8)
    rng = rng_for(seed, "people.cev")
    a, per_year, per_ltc = A.CEV_LOGIT
    flags["is_clinically_extremely_vulnerable"] = rng.random(n) < sigmoid(
        a + per_year * (age - 50) + per_ltc * ltc + 1.5 * flags["has_learning_disability"]
    )
    flags["needs_interpreter"] = interpreter
    jcvi = _jcvi_cohort(age, flags, ltc)
    registered_from, registered_to, reason = _registration(
        age, flags["is_care_home_resident"], birth, rng_for(seed, "people.registration")
    )
    rng = rng_for(seed, "people.ids")
    person_id = rng.permutation(np.arange(1, n + 1) * 7919 + 10_000_000)
    eth_codes = np.array(ETHNICITY_CODES, dtype=object)[ethnicity]
    frame = pd.DataFrame(
        {
            "person_id": person_id.astype(np.int64),
            "lsoa_index": lsoa_idx,
            "lsoa_code": areas.lsoa["lsoa_code"].to_numpy()[lsoa_idx],
            "age": age,
            "birth_date": birth,
            "sex": sex,
            "ethnicity_code": eth_codes,
            "main_language": np.array(codes.LANGUAGES, dtype=object)[language],
        }
    )
    for name in codes.FLAGS:
        frame[name] = flags[name]
    frame["ltc_count"] = ltc
    frame["jcvi_cohort"] = jcvi
    frame["registered_from"] = registered_from
    frame["registered_to"] = registered_to
    frame["registration_end_reason"] = pd.array(reason, dtype="string")
    return frame
