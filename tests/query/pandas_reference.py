"""An independent pandas computation of cohorts and uptake, to check SQL against."""

from datetime import date

import numpy as np
import pandas as pd
from hypothesis import strategies as st

from phm import codes
from phm.cohort import Cohort

NCL_BOROUGHS = {
    "E09000003": "Barnet",
    "E09000007": "Camden",
    "E09000010": "Enfield",
    "E09000014": "Haringey",
    "E09000019": "Islington",
}
DOSE_COLUMN = {"1": "first_dose_date", "2": "second_dose_date", "3": "booster_date"}
QUINTILE_OF_DECILE = {1: 1, 2: 1, 3: 2, 4: 2, 5: 3, 6: 3, 7: 4, 8: 4, 9: 5, 10: 5}
# Dimensions checked against pandas: dimension -> column of the `people` frame below.
PANDAS_DIMENSIONS = {
    "age_band": "age_band",
    "age": "age",
    "sex": "sex",
    "jcvi_cohort": "jcvi_cohort",
    "ethnicity_code": "ethnicity_code",
    "ethnic_group": "ethnic_group",
    "imd_quintile": "imd_quintile",
    "imd_decile": "imd_decile",
    "borough": "lad_code",
    "msoa": "msoa_code",
    "pcn": "pcn_code",
    "practice": "practice_code",
    "main_language": "main_language",
    "ltc_count": "ltc_capped",
    "has_diabetes": "has_diabetes",
    "is_housebound": "is_housebound",
    "needs_interpreter": "needs_interpreter",
}
# NHS England reporting bands, by lowest age (written out here, not taken from phm.codes).
AGE_BAND_LOWS = [0, 18, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80]
AGE_BAND_NAMES = np.array(
    [
        "Under 18",
        "18-24",
        "25-29",
        "30-34",
        "35-39",
        "40-44",
        "45-49",
        "50-54",
        "55-59",
        "60-64",
        "65-69",
        "70-74",
        "75-79",
        "80+",
    ],
    dtype=object,
)
BOOLEAN_FLAGS = ("has_diabetes", "is_housebound", "is_care_home_resident", "needs_interpreter")


def pandas_cohort(people: pd.DataFrame, cohort: Cohort) -> pd.DataFrame:
    """Return the people in the cohort, with their age and age band on the as-at date."""
    as_at = pd.Timestamp(cohort.as_at)
    birth = people["birth_date"]
    # Age in whole years: the birthday this year has not come yet if its (month, day) is later.
    before_birthday = (birth.dt.month > as_at.month) | (
        (birth.dt.month == as_at.month) & (birth.dt.day > as_at.day)
    )
    frame = people.assign(age=as_at.year - birth.dt.year - before_birthday.astype(int))
    band = np.searchsorted(AGE_BAND_LOWS, frame["age"].to_numpy(), side="right") - 1
    frame["age_band"] = np.where(band >= 0, AGE_BAND_NAMES[band.clip(0)], None)
    keep = (
        (frame["registered_from"] <= as_at)
        & (frame["registered_to"].isna() | (frame["registered_to"] > as_at))
        & (birth <= as_at)
    )
    if cohort.age_min is not None:
        keep &= frame["age"] >= cohort.age_min
    if cohort.age_max is not None:
        keep &= frame["age"] <= cohort.age_max
    for field, column in (
        ("age_bands", "age_band"),
        ("jcvi_cohorts", "jcvi_cohort"),
        ("sexes", "sex"),
        ("ethnicities", "ethnicity_code"),
        ("ethnic_groups", "ethnic_group"),
        ("languages", "main_language"),
        ("imd_quintiles", "imd_quintile"),
        ("imd_deciles", "imd_decile"),
        ("boroughs", "lad_code"),
        ("msoas", "msoa_code"),
        ("lsoas", "lsoa_code"),
        ("pcns", "pcn_code"),
        ("practices", "practice_code"),
    ):
        values = getattr(cohort, field)
        if values:
            keep &= frame[column].isin(list(values))
    for flag, wanted in cohort.flags:
        keep &= frame[flag] == wanted
    return frame[keep].copy()


def pandas_uptake(people: pd.DataFrame, cohort: Cohort, dimensions: list[str]) -> dict:
    """Return {dimension values: (vaccinated, population, their record-key sums)} with pandas."""
    frame = pandas_cohort(people, cohort)
    frame["vaccinated"] = (frame[DOSE_COLUMN[cohort.dose]] <= pd.Timestamp(cohort.as_at)).astype(
        int
    )
    frame["key"] = frame["record_key"].astype(int)
    frame["vaccinated_key"] = frame["key"] * frame["vaccinated"]
    if not dimensions:
        return {
            (): (
                int(frame["vaccinated"].sum()),
                len(frame),
                int(frame["vaccinated_key"].sum()),
                int(frame["key"].sum()),
            )
        }
    columns = [PANDAS_DIMENSIONS[d] for d in dimensions]
    grouped = frame.groupby(columns, dropna=False).agg(
        vaccinated=("vaccinated", "sum"),
        population=("vaccinated", "size"),
        vaccinated_key=("vaccinated_key", "sum"),
        population_key=("key", "sum"),
    )
    out = {}
    for key, row in grouped.iterrows():
        key = key if isinstance(key, tuple) else (key,)
        out[tuple(_plain(k) for k in key)] = tuple(int(v) for v in row)
    return out


def _plain(value):
    """Return a numpy scalar as the matching Python value."""
    return value.item() if isinstance(value, np.generic) else value


def sql_uptake(frame: pd.DataFrame, dimensions: list[str]) -> dict:
    """Return uptake_by's frame as {dimension values: (vaccinated, population, key sums)}."""
    out = {}
    for row in frame.itertuples(index=False):
        row = row._asdict()
        key = tuple(_plain(row[d]) for d in dimensions)
        assert key not in out, f"duplicate row for {key}"
        out[key] = tuple(
            int(row[c]) for c in ("vaccinated", "population", "vaccinated_key", "population_key")
        )
    return out


FILTER_FIELDS = (
    "ages",
    "age_bands",
    "jcvi_cohorts",
    "sexes",
    "ethnicities",
    "ethnic_groups",
    "languages",
    "imd_quintiles",
    "imd_deciles",
    "boroughs",
    "msoas",
    "lsoas",
    "pcns",
    "practices",
    "flags",
)


@st.composite
def cohorts(draw, options):
    """Draw a cohort combining up to four filters, for a dose and an as-at date."""
    fixed = {
        "age_bands": codes.AGE_BAND_LABELS,
        "jcvi_cohorts": codes.JCVI_COHORTS,
        "sexes": codes.SEXES,
        "ethnicities": codes.ETHNICITY_LABELS,
        "ethnic_groups": codes.ETHNIC_GROUPS,
        "imd_quintiles": codes.IMD_QUINTILES,
        "imd_deciles": codes.IMD_DECILES,
    }
    changes: dict[str, object] = {
        "dose": draw(st.sampled_from(["1", "2", "3"])),
        "as_at": draw(st.dates(date(2020, 12, 1), date(2022, 3, 31))),
    }
    for field in draw(st.lists(st.sampled_from(FILTER_FIELDS), max_size=4, unique=True)):
        if field == "ages":
            low, high = sorted(draw(st.lists(st.integers(0, 95), min_size=2, max_size=2)))
            bounds = draw(st.sampled_from([(low, None), (None, high), (low, high)]))
            changes["age_min"], changes["age_max"] = bounds
        elif field == "flags":
            changes["flags"] = {draw(st.sampled_from(BOOLEAN_FLAGS)): draw(st.booleans())}
        else:
            values = sorted(fixed[field] if field in fixed else options[field], key=str)
            changes[field] = draw(st.lists(st.sampled_from(values), min_size=1, max_size=3))
    return Cohort().with_(**changes)
