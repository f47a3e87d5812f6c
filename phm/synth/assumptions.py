"""Parameters of the synthetic population; each says where it comes from or that it is assumed.

docs/synthetic-data.md explains them for readers; keep the two in step.
"""

from __future__ import annotations

from datetime import date

from phm import codes

PERSONS_AT_SCALE_1 = 1_600_000  # NCL GP registrations, about 1.6-1.7M in 2021 (NHS Digital)
PRACTICES_AT_SCALE_1 = 180  # NCL had about 180 practices in 2021 (NHS Digital)
PCNS_AT_SCALE_1 = 30  # NCL had about 30 PCNs (NHS England PCN lists)

# Relative weights per single year of age, by band edge (assumed, shaped on ONS mid-2019
# estimates for inner and outer London). Inner: Camden, Islington; outer: the others.
AGE_WEIGHTS = {
    "inner": [
        (0, 0.95),
        (18, 1.5),
        (25, 2.3),
        (35, 1.75),
        (45, 1.3),
        (55, 1.0),
        (65, 0.55),
        (75, 0.33),
        (85, 0.16),
        (90, 0.06),
        (101, 0.0),
    ],
    "outer": [
        (0, 1.25),
        (18, 1.05),
        (25, 1.6),
        (35, 1.6),
        (45, 1.4),
        (55, 1.15),
        (65, 0.7),
        (75, 0.45),
        (85, 0.22),
        (90, 0.09),
        (101, 0.0),
    ],
}
INNER_BOROUGHS = {"E09000007", "E09000019", "E09000001", "E09000033"}

# Ethnic mix per borough, per cent of people with a stated ethnicity (assumed, rounded from
# Census 2011 borough tables). Keys are NHS ethnic category codes.
BOROUGH_ETHNICITY = {
    "E09000003": dict(
        A=45,
        B=2.4,
        C=16,
        D=1,
        E=1,
        F=1.5,
        G=1.5,
        H=7.4,
        J=1.2,
        K=0.3,
        L=6.5,
        M=1.3,
        N=5.2,
        P=1.1,
        R=2.3,
        S=4.7,
    ),  # Barnet
    "E09000007": dict(
        A=44,
        B=2.7,
        C=19,
        D=1.2,
        E=1,
        F=1.7,
        G=1.6,
        H=2.4,
        J=0.4,
        K=5.6,
        L=2.5,
        M=1.6,
        N=4.6,
        P=1.7,
        R=2.5,
        S=4.2,
    ),  # Camden
    "E09000010": dict(
        A=40,
        B=2.2,
        C=18,
        D=1.7,
        E=0.8,
        F=0.9,
        G=1.5,
        H=3.6,
        J=0.9,
        K=1.7,
        L=3.5,
        M=4.6,
        N=9.4,
        P=3.0,
        R=1.0,
        S=5.3,
    ),  # Enfield
    "E09000014": dict(
        A=35,
        B=2.7,
        C=23,
        D=1.9,
        E=1.0,
        F=1.1,
        G=2.4,
        H=2.3,
        J=0.8,
        K=1.7,
        L=2.9,
        M=7.1,
        N=9.0,
        P=2.6,
        R=1.5,
        S=4.5,
    ),  # Haringey
    "E09000019": dict(
        A=48,
        B=3.0,
        C=16.5,
        D=2.0,
        E=1.0,
        F=1.4,
        G=2.0,
        H=1.4,
        J=0.4,
        K=2.6,
        L=1.5,
        M=4.0,
        N=6.4,
        P=2.4,
        R=1.9,
        S=2.5,
    ),  # Islington
}
# Used for any borough outside NCL (assumed: an English average, Census 2011).
DEFAULT_ETHNICITY = dict(
    A=80,
    B=1,
    C=4.6,
    D=0.8,
    E=0.3,
    F=0.6,
    G=0.5,
    H=2.6,
    J=2.1,
    K=0.8,
    L=1.5,
    M=1.1,
    N=1.8,
    P=0.5,
    R=0.7,
    S=1.0,
)
NOT_STATED_SHARE = 0.075  # Z: a recorded answer (assumed, GP data quality audits)
# 99 (not known) is not drawn as an ethnicity: it is what is left when neither the GP record
# nor a linked record holds one (phm.synth.recording, the targets below).
# Log-multipliers of each group's share per unit of deprivation (-1 least, +1 most; assumed,
# after Census 2011 x IMD 2019 patterns in London).
ETHNICITY_DEPRIVATION = dict(
    A=-0.5, B=-0.2, C=0.2, D=0.4, E=0.3, H=-0.2, J=0.3, K=0.6, M=0.6, N=0.6, P=0.5, R=-0.2, S=0.3
)
# Multipliers of shares by age group (assumed: older London residents are more often White
# British, Irish or Caribbean; children more often Mixed).
ETHNICITY_AGE = {
    "child": dict(A=0.8, D=2.2, E=2.2, F=2.2, G=2.2),
    "older": dict(A=1.6, B=2.0, C=0.8, D=0.3, E=0.3, F=0.3, G=0.3, K=0.7, M=1.3, N=0.5, P=0.6),
}

# First language within each ethnic category; English takes the rest (assumed, after
# Census 2011 main language x ethnicity tables for London).
LANGUAGE_BY_ETHNICITY = {
    "A": {},
    "B": {},
    "C": dict(
        Turkish=0.14,
        Polish=0.12,
        Romanian=0.07,
        Bulgarian=0.05,
        Greek=0.08,
        Albanian=0.04,
        Portuguese=0.06,
        Italian=0.07,
        Spanish=0.06,
        French=0.04,
        Lithuanian=0.03,
        Russian=0.03,
        Kurdish=0.02,
    ),
    "D": {},
    "E": dict(French=0.02, Portuguese=0.01),
    "F": {},
    "G": dict(Portuguese=0.02, Spanish=0.02, French=0.01),
    "H": dict(Gujarati=0.18, Punjabi=0.06, Tamil=0.05),
    "J": dict(Urdu=0.25, Punjabi=0.08),
    "K": dict(Bengali=0.45),
    "L": dict(Tamil=0.18, Farsi=0.10),
    "M": {},
    "N": dict(
        Somali=0.18,
        Tigrinya=0.05,
        Amharic=0.04,
        Yoruba=0.04,
        French=0.04,
        Portuguese=0.02,
        Arabic=0.02,
    ),
    "P": dict(Somali=0.02, French=0.02),
    "R": dict(Chinese=0.50),
    "S": dict(Arabic=0.22, Kurdish=0.15, Turkish=0.15, Farsi=0.12),
    "Z": dict(Turkish=0.03, Polish=0.03, Romanian=0.02, Somali=0.02, Bengali=0.02),
}
CHILD_NON_ENGLISH_FACTOR = 0.5  # assumed: children are more often recorded as English speakers

# Language communities concentrated in parts of NCL (assumed, after local authority
# community profiles): language, host ethnic categories, boroughs, number of centres.
COMMUNITIES = (
    ("Turkish", ("C", "S"), ("E09000010", "E09000014"), 4),
    ("Kurdish", ("S",), ("E09000014", "E09000010"), 2),
    ("Romanian", ("C",), ("E09000010", "E09000014"), 3),
    ("Bulgarian", ("C",), ("E09000010", "E09000014"), 2),
    ("Polish", ("C",), ("E09000014", "E09000003", "E09000010"), 3),
    ("Greek", ("C",), ("E09000010", "E09000003"), 2),
    ("Albanian", ("C",), ("E09000010", "E09000014"), 2),
    ("Somali", ("N",), ("E09000007", "E09000019", "E09000010", "E09000003"), 4),
    ("Bengali", ("K",), ("E09000007", "E09000019"), 3),
    ("Gujarati", ("H",), ("E09000003",), 2),
    ("Tigrinya", ("N",), ("E09000019", "E09000014"), 1),
)
COMMUNITY_RADIUS_M = 900.0
COMMUNITY_STRENGTH = 2.5  # language share multiplier at a centre (assumed)
# Distribution of NCL LSOAs over national IMD 2019 deciles when simulated (assumed, near the
# real NCL shares in IoD 2019).
SYNTHETIC_IMD_DECILE_SHARES = [0.04, 0.16, 0.18, 0.14, 0.12, 0.10, 0.08, 0.07, 0.06, 0.05]

# Clinical and social flags: logit at age 50 in an average area, change per year of age,
# change per unit of deprivation, minimum age. Assumed, shaped on QOF 2020/21 prevalence and
# the Green Book at-risk groups; conditions rise with age and deprivation.
FLAG_MODELS = {
    "has_learning_disability": (-5.6, -0.01, 0.3, 0),
    "has_severe_mental_illness": (-4.6, 0.0, 0.6, 16),
    "has_diabetes": (-3.0, 0.045, 0.4, 18),
    "has_chronic_respiratory": (-2.6, 0.02, 0.4, 0),
    "has_chronic_heart": (-3.6, 0.07, 0.3, 18),
    "has_chronic_kidney": (-4.4, 0.08, 0.2, 18),
    "has_chronic_liver": (-4.9, 0.01, 0.4, 18),
    "is_immunosuppressed": (-3.6, 0.03, 0.1, 0),
    "has_severe_obesity": (-3.6, 0.0, 0.5, 18),
    "is_housebound": (-6.0, 0.10, 0.4, 50),
    "is_care_home_resident": (-8.0, 0.15, 0.3, 60),
    "is_health_care_worker": (-2.5, 0.0, -0.1, 18),
    "is_unpaid_carer": (-2.7, 0.01, 0.2, 16),
    "is_pregnant": (-3.1, 0.0, 0.1, 16),
    "is_homeless": (-6.2, -0.01, 1.2, 18),
}
FLAG_MAX_AGE = {"is_health_care_worker": 67, "is_pregnant": 45, "is_homeless": 80}
# Ethnic differences in diabetes prevalence (log odds; assumed from Diabetes UK summaries).
DIABETES_ETHNICITY = dict(H=0.9, J=1.0, K=1.1, L=0.6, M=0.5, N=0.5, P=0.4)
CEV_LOGIT = (-3.4, 0.035, 0.6)  # intercept, per year of age, per at-risk condition (assumed)

# Registration churn over the programme window (assumed): annual moving-away hazard by age,
# share of people who registered during the window, and Gompertz mortality (ONS life tables).
MOVE_HAZARD = [(0, 0.06), (18, 0.10), (25, 0.14), (40, 0.06), (65, 0.02)]
NEW_REGISTRATION_SHARE = 0.10
MORTALITY_GOMPERTZ = (-10.4, 0.095)  # log annual death rate = a + b * age
CARE_HOME_MORTALITY_FACTOR = 3.0

# Vaccination programme dates (docs/product.md timeline; JCVI and NHS England announcements).
PROGRAMME_START = date(2020, 12, 8)
PROGRAMME_END = date(2022, 3, 31)
COHORT_FIRST_DOSE_FROM = codes.JCVI_FIRST_OFFERED
AGE_16_17_FROM = codes.AGE_16_17_FIRST_OFFERED
AGE_12_15_FROM = codes.AGE_12_15_FIRST_OFFERED
CARE_HOME_VISITS_FROM = date(2020, 12, 15)  # PCN roving teams start (the sites open that day)
HOUSEBOUND_VISITS_FROM = date(2021, 1, 25)  # assumed: housebound rounds lag clinic rollout
BOOSTER_FROM = {"1-9": date(2021, 9, 16), "10": date(2021, 11, 22), "11-12": date(2021, 12, 13)}
BOOSTER_SHORT_INTERVAL_FROM = date(2021, 12, 13)  # interval cut from 6 to 3 months

# Log odds of a first dose (assumed, calibrated so that the generated marginals sit near the
# published NCL figures, see `python -m phm marginals`): by age band, ethnicity, deprivation.
FIRST_DOSE_AGE_LOGIT = [
    (0, -9.0),
    (12, 0.0),
    (16, 0.6),
    (18, 1.3),
    (30, 1.5),
    (40, 1.9),
    (50, 2.4),
    (55, 2.6),
    (60, 2.8),
    (65, 2.9),
    (70, 3.1),
    (75, 3.2),
    (80, 3.0),
]
FIRST_DOSE_ETHNICITY = dict(
    A=0.0,
    B=-0.1,
    C=-0.9,
    D=-1.2,
    E=-0.9,
    F=-0.4,
    G=-0.6,
    H=0.1,
    J=-0.8,
    K=-0.3,
    L=-0.4,
    M=-1.5,
    N=-1.1,
    P=-1.3,
    R=-0.5,
    S=-0.7,
    Z=-0.5,
)
# People with no usable ethnicity record are less often in contact with services (assumed):
# uptake is drawn from their true ethnicity and this extra log odds.
FIRST_DOSE_NO_ETHNICITY_RECORD = -0.5
FIRST_DOSE_DEPRIVATION = -0.4  # per unit of deprivation (-1 least to +1 most deprived)
FIRST_DOSE_NON_ENGLISH = -0.35
FIRST_DOSE_INTERPRETER = -0.3
FIRST_DOSE_FLAGS = dict(
    is_clinically_extremely_vulnerable=0.5,
    is_health_care_worker=0.6,
    is_care_home_resident=1.2,
    has_severe_mental_illness=-0.5,
    has_learning_disability=-0.2,
    is_homeless=-1.3,
    is_pregnant=-0.9,
    is_housebound=-0.4,
)
FIRST_DOSE_PER_CONDITION = 0.25
AREA_EFFECT_SD = 0.25  # LSOA random effect (log odds)
POCKETS_PER_100_LSOAS = 2.5  # clustered low-uptake pockets (assumed)
POCKET_DEPTH = 0.9  # log odds at a pocket centre
POCKET_RADIUS_M = 800.0
COMMUNITY_UPTAKE_PENALTY = 0.5  # extra log odds lost by a concentrated language community
SECOND_DOSE_GIVEN_FIRST_LOGIT = 1.9
BOOSTER_GIVEN_SECOND_LOGIT = 1.5
BOOSTER_INEQUALITY_FACTOR = 1.3  # assumed: booster gaps were wider than first-dose gaps

# Identifiable details of the demo (phm.synth.identities): invented so that no one can take
# them for a real person, and every share below is assumed.
TEST_NHS_NUMBER_FIRST = 900_000_000  # NHS numbers 900 000 000x-999 999 999x: the range the
TEST_NHS_NUMBER_SPAN = 100_000_000  # Spine never issues (synthetic and test patients)
DRAMA_MOBILE_PREFIX = "07700 900"  # Ofcom's range for TV and radio drama: 07700 900000-900999
HAS_MOBILE = 0.82  # share with a mobile on the record (assumed)
CONTACT_METHOD_SHARES = {"sms": 0.62, "phone": 0.28, "letter": 0.10}  # among those with a mobile
DECLINES_MESSAGES = 0.04  # share who have declined text messages (assumed)
SPINE_DECEASED_AHEAD = 0.002  # still registered, already deceased on the Spine (assumed)

# Recording completeness (phm.synth.recording, issue 18). Targets: in Suffolk and North East
# Essex ICS, ethnicity was recorded for about 70% of people in GP records, varying by
# practice; linking hospital and other records raised completeness to 93.6% (the figures the
# issue quotes). A record counts as complete when it holds an ethnic category or 'not stated'
# (Z, an answer); 99 (not known) is incomplete. The intercepts are solved on each generated
# population so the demo meets the targets; everything else here is assumed.
ETHNICITY_GP_COMPLETENESS = 0.70
ETHNICITY_LINKED_COMPLETENESS = 0.936
ETHNICITY_GP_PRACTICE_SD = 0.9  # log odds between practices (assumed: "wide variation")
# GP recording by age (assumed: children and young adults are asked less often).
ETHNICITY_GP_AGE_LOGIT = [(0, -0.6), (18, -0.4), (30, -0.1), (50, 0.2), (65, 0.5)]
ETHNICITY_GP_MALE_LOGIT = -0.2  # assumed
ETHNICITY_GP_NEW_REGISTRATION_LOGIT = -0.8  # registered during the programme (assumed)
# GP recording by true ethnic category (assumed: 'any other' categories are recorded less
# often, as in published completeness audits of GP records).
ETHNICITY_GP_GROUP_LOGIT = dict(C=-0.5, G=-0.4, L=-0.3, P=-0.4, S=-0.6)
# A linked hospital record fills a gap more often for older people (more admissions, assumed).
ETHNICITY_HOSPITAL_AGE_LOGIT = [(0, 0.3), (18, -0.3), (40, 0.0), (60, 0.6), (75, 1.0)]
# First language: share of people whose GP record holds none (assumed: London practices'
# 'main spoken language' recording), by practice (correlated with ethnicity recording), age,
# and lower again where the ethnicity is missing from the GP record too.
LANGUAGE_NOT_RECORDED_SHARE = 0.18
LANGUAGE_PRACTICE_SD = 0.8  # log odds between practices (assumed)
LANGUAGE_PRACTICE_CORRELATION = 0.6  # with the practice's ethnicity recording (assumed)
LANGUAGE_MISSING_AGE_LOGIT = [(0, 0.4), (18, 0.3), (40, 0.0), (65, -0.4)]  # assumed
LANGUAGE_MISSING_NO_ETHNICITY_LOGIT = 1.4  # assumed
