"""Code lists: ethnicity, age bands, JCVI cohorts, deprivation, flags, languages, doses, sites."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

PROGRAMMES: dict[str, str] = {"covid19": "COVID-19"}

DOSES: dict[str, str] = {"1": "First dose", "2": "Second dose", "3": "Booster"}

SEXES: dict[str, str] = {"F": "Female", "M": "Male"}


@dataclass(frozen=True)
class Ethnicity:
    """One NHS Data Dictionary ethnic category with its broad group."""

    code: str
    label: str
    group: str


# NHS Data Dictionary ethnic category (2001 census categories), plus Z and 99.
ETHNICITIES: tuple[Ethnicity, ...] = (
    Ethnicity("A", "White British", "White"),
    Ethnicity("B", "White Irish", "White"),
    Ethnicity("C", "Any other White background", "White"),
    Ethnicity("D", "White and Black Caribbean", "Mixed"),
    Ethnicity("E", "White and Black African", "Mixed"),
    Ethnicity("F", "White and Asian", "Mixed"),
    Ethnicity("G", "Any other mixed background", "Mixed"),
    Ethnicity("H", "Indian", "Asian or Asian British"),
    Ethnicity("J", "Pakistani", "Asian or Asian British"),
    Ethnicity("K", "Bangladeshi", "Asian or Asian British"),
    Ethnicity("L", "Any other Asian background", "Asian or Asian British"),
    Ethnicity("M", "Caribbean", "Black or Black British"),
    Ethnicity("N", "African", "Black or Black British"),
    Ethnicity("P", "Any other Black background", "Black or Black British"),
    Ethnicity("R", "Chinese", "Other ethnic groups"),
    Ethnicity("S", "Any other ethnic group", "Other ethnic groups"),
    Ethnicity("Z", "Not stated", "Not stated or not known"),
    Ethnicity("99", "Not known", "Not stated or not known"),
)
ETHNICITY_LABELS: dict[str, str] = {e.code: e.label for e in ETHNICITIES}
ETHNICITY_GROUP: dict[str, str] = {e.code: e.group for e in ETHNICITIES}
ETHNIC_GROUPS: tuple[str, ...] = tuple(dict.fromkeys(e.group for e in ETHNICITIES))

# NHS England reporting bands: (label, lowest age, highest age or None).
AGE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("Under 18", 0, 17),
    ("18-24", 18, 24),
    ("25-29", 25, 29),
    ("30-34", 30, 34),
    ("35-39", 35, 39),
    ("40-44", 40, 44),
    ("45-49", 45, 49),
    ("50-54", 50, 54),
    ("55-59", 55, 59),
    ("60-64", 60, 64),
    ("65-69", 65, 69),
    ("70-74", 70, 74),
    ("75-79", 75, 79),
    ("80+", 80, None),
)
AGE_BAND_LABELS: tuple[str, ...] = tuple(b[0] for b in AGE_BANDS)

# NHS England's published tables use their own bands ('Under 60', '60-64', '80+'); their
# 'Under N' band starts at the first age offered vaccination.
PUBLISHED_FIRST_AGE = 16

# JCVI priority cohorts: phase 1 (1-9) from the 30 Dec 2020 advice, phase 2 (10-12).
# The day each JCVI priority cohort was first offered a first dose, and the teenagers after
# them (docs/product.md, from JCVI and NHS England announcements): the synthetic generator
# draws doses from these, and Trends starts a group's "is the gap closing?" chart at them.
JCVI_FIRST_OFFERED: dict[int, date] = {
    1: date(2020, 12, 8),
    2: date(2020, 12, 8),
    3: date(2021, 1, 18),
    4: date(2021, 1, 18),
    5: date(2021, 2, 15),
    6: date(2021, 2, 15),
    7: date(2021, 3, 1),
    8: date(2021, 3, 8),
    9: date(2021, 3, 17),
    10: date(2021, 4, 13),
    11: date(2021, 5, 13),
    12: date(2021, 6, 8),
}
AGE_16_17_FIRST_OFFERED = date(2021, 8, 23)
AGE_12_15_FIRST_OFFERED = date(2021, 9, 20)

JCVI_COHORTS: dict[int, str] = {
    1: "1: care-home residents",
    2: "2: 80+ and frontline health and social care workers",
    3: "3: 75-79",
    4: "4: 70-74 and clinically extremely vulnerable",
    5: "5: 65-69",
    6: "6: 16-64 at risk (underlying conditions, carers)",
    7: "7: 60-64",
    8: "8: 55-59",
    9: "9: 50-54",
    10: "10: 40-49",
    11: "11: 30-39",
    12: "12: 18-29",
    0: "Not in a priority cohort (under 18)",
}

IMD_DECILES: tuple[int, ...] = tuple(range(1, 11))
IMD_QUINTILES: dict[int, str] = {
    1: "1 (most deprived)",
    2: "2",
    3: "3",
    4: "4",
    5: "5 (least deprived)",
}

DELIVERY_MODELS: dict[str, str] = {
    "vaccination_centre": "Vaccination centre",
    "hospital_hub": "Hospital hub",
    "gp_pcn_site": "GP/PCN site",
    "community_pharmacy": "Community pharmacy",
    "pop_up": "Pop-up clinic",
    "vaccine_bus": "Vaccine bus",
    "housebound_visit": "Housebound or care-home visit",
}

# Clinical and social flags: column name -> label. The first seven are the at-risk
# conditions counted in person.ltc_count.
AT_RISK_CONDITIONS: dict[str, str] = {
    "has_diabetes": "Diabetes",
    "has_chronic_respiratory": "Chronic respiratory disease",
    "has_chronic_heart": "Chronic heart disease",
    "has_chronic_kidney": "Chronic kidney disease",
    "has_chronic_liver": "Chronic liver disease",
    "is_immunosuppressed": "Immunosuppression",
    "has_severe_obesity": "Severe obesity (BMI 40+)",
}
FLAGS: dict[str, str] = {
    "has_learning_disability": "Learning disability",
    "has_severe_mental_illness": "Severe mental illness",
    "is_clinically_extremely_vulnerable": "Clinically extremely vulnerable (shielding)",
    **AT_RISK_CONDITIONS,
    "is_housebound": "Housebound",
    "is_care_home_resident": "Care-home resident",
    "is_health_care_worker": "Health or social care worker",
    "is_unpaid_carer": "Unpaid carer",
    "is_pregnant": "Pregnant",
    "is_homeless": "Homeless",
    "needs_interpreter": "Needs an interpreter",
}

# Each flag as it reads after a noun ('people who are housebound'), for cohorts and findings.
FLAG_PHRASES: dict[str, str] = {
    "has_learning_disability": "with a learning disability",
    "has_severe_mental_illness": "with a severe mental illness",
    "is_clinically_extremely_vulnerable": "who are clinically extremely vulnerable",
    "has_diabetes": "with diabetes",
    "has_chronic_respiratory": "with chronic respiratory disease",
    "has_chronic_heart": "with chronic heart disease",
    "has_chronic_kidney": "with chronic kidney disease",
    "has_chronic_liver": "with chronic liver disease",
    "is_immunosuppressed": "who are immunosuppressed",
    "has_severe_obesity": "with severe obesity",
    "is_housebound": "who are housebound",
    "is_care_home_resident": "living in a care home",
    "is_health_care_worker": "who are health or social care workers",
    "is_unpaid_carer": "who are unpaid carers",
    "is_pregnant": "who are pregnant",
    "is_homeless": "who are homeless",
    "needs_interpreter": "who need an interpreter",
}

# A first language that was never recorded is its own value, never English (issue 18): a
# missing record says nothing about the language spoken, and counting it as English hid the
# people a language-based intervention is for.
LANGUAGE_NOT_RECORDED = "Not recorded"

# Where an ethnic category came from (person.ethnicity_source): the GP record, a linked
# record (hospital), or nowhere (the code is 99, not known).
ETHNICITY_SOURCES: dict[str, str] = {
    "gp": "GP record",
    "hospital": "Linked hospital record",
    "none": "No usable record",
}
ETHNICITY_NOT_KNOWN = "99"
ETHNICITY_NOT_STATED = "Z"

# Languages used by the demo; real data may hold others (codes are the names).
LANGUAGES: tuple[str, ...] = (
    "English",
    "Turkish",
    "Polish",
    "Bengali",
    "Somali",
    "Greek",
    "Albanian",
    "Romanian",
    "Bulgarian",
    "Portuguese",
    "Spanish",
    "Italian",
    "French",
    "Arabic",
    "Kurdish",
    "Farsi",
    "Urdu",
    "Gujarati",
    "Tamil",
    "Punjabi",
    "Chinese",
    "Lithuanian",
    "Russian",
    "Tigrinya",
    "Amharic",
    "Yoruba",
)

# How a person prefers to be contacted (identity.contact_method), for direct care.
CONTACT_METHODS: dict[str, str] = {"sms": "Text message", "phone": "Phone call", "letter": "Letter"}

LTC_COUNT_LABELS: dict[int, str] = {0: "None", 1: "1", 2: "2", 3: "3 or more"}


def imd_quintile(decile: int) -> int:
    """Return the IMD quintile (1 most deprived) of an IMD decile."""
    if not 1 <= decile <= 10:
        raise ValueError(f"IMD decile must be 1-10, got {decile}")
    return (decile + 1) // 2


def band_range(band: str) -> tuple[int, int | None]:
    """Return the ages (lowest, highest or None) of a published band; 'Under N' starts at 16."""
    if band.startswith("Under "):
        return PUBLISHED_FIRST_AGE, int(band.split()[1]) - 1
    if band.endswith("+"):
        return int(band[:-1]), None
    low, high = band.split("-")
    return int(low), int(high)
