"""The Cohort: SQL with bound parameters, plain-English descriptions, URL round trips."""

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phm import codes
from phm.cohort import DEFAULT_AS_AT, Cohort

NCL_BOROUGHS = {
    "E09000003": "Barnet",
    "E09000007": "Camden",
    "E09000010": "Enfield",
    "E09000014": "Haringey",
    "E09000019": "Islington",
}
MALICIOUS = "E09000003'; DROP TABLE person; --"


# --- to_where ---------------------------------------------------------------------------


def test_default_cohort_counts_people_registered_and_born_by_the_as_at_date():
    sql, params = Cohort().to_where()
    assert sql == (
        "p.registered_from <= $as_at AND coalesce(p.registered_to, DATE '9999-12-31') > $as_at"
        " AND p.birth_date <= $as_at"
    )
    assert params == {"as_at": DEFAULT_AS_AT}


def test_to_where_binds_each_filter_value_as_a_named_parameter():
    cohort = Cohort(
        age_min=50,
        age_max=64,
        sexes=("F",),
        boroughs=("E09000007", "E09000010"),
        imd_quintiles=(1, 2),
        flags=(("has_diabetes", True),),
        as_at=date(2021, 6, 30),
    )
    sql, params = cohort.to_where()
    assert "p.sex IN ($sexes_0)" in sql
    assert "l.lad_code IN ($boroughs_0, $boroughs_1)" in sql
    assert "((l.imd_decile + 1) // 2) IN ($imd_quintiles_0, $imd_quintiles_1)" in sql
    assert "p.has_diabetes = $has_diabetes" in sql
    # Ages are bound as birth-date bounds: aged 50-64 on 30 June 2021 means born from
    # July 1956 (64 years 11 months) to June 1971 (50 years 0 months).
    assert "p.birth_date <= $born_by" in sql and "p.birth_date >= $born_from" in sql
    assert params == {
        "as_at": date(2021, 6, 30),
        "born_by": date(1971, 6, 1),
        "born_from": date(1956, 7, 1),
        "sexes_0": "F",
        "imd_quintiles_0": 1,
        "imd_quintiles_1": 2,
        "boroughs_0": "E09000007",
        "boroughs_1": "E09000010",
        "has_diabetes": True,
    }
    # No value appears in the SQL text itself.
    for value in ("E09000007", "E09000010", "'F'", "2021"):
        assert value not in sql


def test_a_malicious_borough_value_reaches_only_the_parameters():
    cohort = Cohort(boroughs=(MALICIOUS,), languages=("English' OR '1'='1",))
    sql, params = cohort.to_where()
    assert "DROP" not in sql
    assert "'1'='1" not in sql
    assert ";" not in sql and "--" not in sql
    assert params["boroughs_0"] == MALICIOUS
    assert params["languages_0"] == "English' OR '1'='1"


def test_every_filter_field_adds_a_clause():
    base_sql, _ = Cohort().to_where()
    cohorts = [
        Cohort(age_bands=("80+",)),
        Cohort(jcvi_cohorts=(1,)),
        Cohort(ethnicities=("N",)),
        Cohort(ethnic_groups=("Mixed",)),
        Cohort(languages=("Somali",)),
        Cohort(imd_deciles=(3,)),
        Cohort(msoas=("E02000001",)),
        Cohort(lsoas=("E01000001",)),
        Cohort(pcns=("U00001",)),
        Cohort(practices=("P00001",)),
    ]
    for cohort in cohorts:
        sql, params = cohort.to_where()
        assert sql.startswith(base_sql + " AND ")
        assert len(params) == 2


# --- describe ---------------------------------------------------------------------------


def test_describe_women_of_an_age_range_in_a_named_borough():
    cohort = Cohort(sexes=("F",), age_min=50, age_max=64, boroughs=("E09000010",))
    assert cohort.describe(NCL_BOROUGHS) == (
        "Women and girls aged 50-64 living in Enfield: first dose of COVID-19 vaccine by 31 March 2022"
    )


def test_describe_everyone_with_defaults():
    assert Cohort().describe() == "Everyone: first dose of COVID-19 vaccine by 31 March 2022"


def test_describe_lists_ethnicities_deprivation_flags_and_the_measure():
    cohort = Cohort(
        age_min=80,
        ethnicities=("H", "N"),
        imd_quintiles=(1,),
        flags=(("has_diabetes", True), ("is_housebound", False)),
        dose="3",
        as_at=date(2021, 6, 1),
    )
    assert cohort.describe() == (
        "People aged 80 and over of Indian or African ethnicity living in IMD quintile 1"
        " areas (1 = most deprived) with diabetes not recorded as housebound:"
        " booster of COVID-19 vaccine by 1 June 2021"
    )


def test_describe_men_with_several_languages_a_named_pcn_and_two_conditions():
    cohort = Cohort(
        age_max=17,
        sexes=("M",),
        jcvi_cohorts=(1, 2),
        languages=("Turkish", "Somali", "Greek"),
        pcns=("U00001",),
        flags=(("has_diabetes", True), ("has_chronic_heart", True)),
        dose="2",
    )
    assert cohort.describe({"U00001": "Barnet North PCN"}) == (
        "Men and boys aged 17 and under in JCVI cohort 1 or 2 whose first language is"
        " Turkish, Somali or Greek registered with Barnet North PCN"
        " with diabetes and with chronic heart disease:"
        " second dose of COVID-19 vaccine by 31 March 2022"
    )


def test_describe_both_sexes_as_people_and_falls_back_to_codes_without_names():
    cohort = Cohort(sexes=("F", "M"), ethnic_groups=("White",), boroughs=("E09000007",))
    assert cohort.describe() == (
        "People in the White ethnic group living in borough E09000007:"
        " first dose of COVID-19 vaccine by 31 March 2022"
    )


# --- URL round trip -----------------------------------------------------------------------


def _subset(values):
    return st.lists(st.sampled_from(sorted(values, key=str)), max_size=3)


@st.composite
def cohorts(draw):
    ages = draw(st.tuples(st.none() | st.integers(0, 120), st.none() | st.integers(0, 120)))
    age_min, age_max = ages
    if age_min is not None and age_max is not None and age_min > age_max:
        age_min, age_max = age_max, age_min
    flags = draw(st.dictionaries(st.sampled_from(sorted(codes.FLAGS)), st.booleans(), max_size=3))
    return Cohort().with_(
        age_min=age_min,
        age_max=age_max,
        age_bands=draw(_subset(codes.AGE_BAND_LABELS)),
        jcvi_cohorts=draw(_subset(codes.JCVI_COHORTS)),
        sexes=draw(_subset(codes.SEXES)),
        ethnicities=draw(_subset(codes.ETHNICITY_LABELS)),
        ethnic_groups=draw(_subset(codes.ETHNIC_GROUPS)),
        languages=draw(_subset(codes.LANGUAGES)),
        imd_quintiles=draw(_subset(codes.IMD_QUINTILES)),
        imd_deciles=draw(_subset(codes.IMD_DECILES)),
        boroughs=draw(_subset(NCL_BOROUGHS)),
        msoas=draw(_subset(["E02000001", "E02000123"])),
        lsoas=draw(_subset(["E01000001", "E01000907"])),
        pcns=draw(_subset(["U00001", "U00017"])),
        practices=draw(_subset(["P00001", "P00150"])),
        flags=flags,
        dose=draw(st.sampled_from(sorted(codes.DOSES))),
        as_at=draw(st.dates(date(2020, 12, 8), date(2022, 3, 31))),
    )


@settings(max_examples=100)
@given(cohorts())
def test_cohort_survives_a_url_round_trip(cohort):
    params = cohort.to_query_params()
    assert all(isinstance(v, str | list) for v in params.values())
    back, warnings = Cohort.from_query_params(params)
    assert warnings == []
    assert back == cohort
    assert hash(back) == hash(cohort)


def test_url_round_trip_of_hand_written_cohorts():
    examples = [
        Cohort(),
        Cohort().with_(sexes=["F"], age_min=50, age_max=64, boroughs=["E09000010"]),
        Cohort().with_(jcvi_cohorts=[0, 12], imd_quintiles=[1], dose="2"),
        Cohort().with_(flags={"is_housebound": False, "has_diabetes": True}, ethnicities=["99"]),
        Cohort().with_(as_at=date(2021, 1, 31), age_max=0, languages=["Somali", "English"]),
    ]
    for cohort in examples:
        assert Cohort.from_query_params(cohort.to_query_params()) == (cohort, [])


def test_to_query_params_holds_only_non_default_fields():
    assert Cohort().to_query_params() == {}
    cohort = Cohort().with_(sexes=["F"], flags={"has_diabetes": False}, dose="3", age_min=5)
    assert cohort.to_query_params() == {
        "sex": ["F"],
        "age_min": "5",
        "has_diabetes": "no",
        "dose": "3",
    }


# --- malformed URL values -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected", "warning_start"),
    [
        ({"sex": "X"}, Cohort(), "Ignored sex='X'"),
        ({"sex": ["X", "F"]}, Cohort(sexes=("F",)), "Ignored sex='X'"),
        ({"jcvi": ["13", "abc", "2"]}, Cohort(jcvi_cohorts=(2,)), "Ignored jcvi='13'"),
        ({"as_at": "2022-02-30"}, Cohort(), "Ignored as_at='2022-02-30'"),
        ({"as_at": "31/03/2022"}, Cohort(), "Ignored as_at='31/03/2022'"),
        ({"age_min": "70", "age_max": "60"}, Cohort(), "Ignored age_min and age_max"),
        ({"age_min": "200"}, Cohort(), "Ignored age_min='200'"),
        ({"has_diabetes": "maybe"}, Cohort(), "Ignored has_diabetes='maybe'"),
        ({"dose": "4"}, Cohort(), "Ignored dose='4'"),
        ({"programme": "flu"}, Cohort(), "Ignored programme='flu'"),
        ({"imd_quintile": "9"}, Cohort(), "Ignored imd_quintile='9'"),
        ({"ethnicity": "Q"}, Cohort(), "Ignored ethnicity='Q'"),
    ],
)
def test_malformed_url_values_are_ignored_with_a_warning(params, expected, warning_start):
    cohort, warnings = Cohort.from_query_params(params)
    assert cohort == expected
    assert warnings[0].startswith(warning_start)
    # One warning per bad value: the jcvi case holds two.
    assert len(warnings) == (2 if "jcvi" in params else 1)


@pytest.mark.parametrize("text", ["١٢", "１２", "²", "+12", "-1", "012x", "1_2", "9" * 5000])
@pytest.mark.parametrize(("key", "name"), [("jcvi", "jcvi_cohorts"), ("age_min", "age_min")])
def test_url_numbers_are_ascii_digits_only(key, name, text):
    cohort, warnings = Cohort.from_query_params({key: text})
    assert getattr(cohort, name) == getattr(Cohort(), name)
    assert len(warnings) == 1 and warnings[0].startswith(f"Ignored {key}=")


def test_place_values_outside_the_known_codes_are_ignored_with_a_warning():
    known = {"boroughs": set(NCL_BOROUGHS)}
    cohort, warnings = Cohort.from_query_params({"borough": [MALICIOUS, "E09000019"]}, known=known)
    assert cohort.boroughs == ("E09000019",)
    assert warnings == [f"Ignored borough={MALICIOUS!r}: not a known value."]


def test_flag_any_means_no_filter_without_a_warning():
    assert Cohort.from_query_params({"has_diabetes": "any"}) == (Cohort(), [])


def test_unknown_url_keys_are_ignored():
    assert Cohort.from_query_params({"utm_source": "email"}) == (Cohort(), [])


@pytest.mark.parametrize("params", [{"borough": ""}, {"language": "x" * 61}])
def test_malformed_place_values_without_known_codes_are_ignored_not_raised(params):
    cohort, warnings = Cohort.from_query_params(params)
    assert cohort == Cohort()
    assert len(warnings) == 1


# --- validation and equality --------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"sexes": ("X",)},
        {"ethnicities": ("Q",)},
        {"ethnic_groups": ("Martian",)},
        {"age_bands": ("18-29",)},
        {"jcvi_cohorts": (13,)},
        {"imd_quintiles": (6,)},
        {"imd_deciles": (0,)},
        {"flags": (("has_wings", True),)},
        {"flags": (("has_diabetes", True), ("has_diabetes", False))},
        {"age_min": -1},
        {"age_max": 121},
        {"age_min": 70, "age_max": 60},
        {"programme": "flu"},
        {"dose": "4"},
        {"as_at": "2022-03-31"},
        {"boroughs": ("",)},
        {"practices": ("P" * 61,)},
    ],
)
def test_unknown_or_impossible_values_raise_value_error(kwargs):
    with pytest.raises(ValueError):
        Cohort(**kwargs)


def test_with_normalises_so_equal_cohorts_are_equal_and_hash_equal():
    a = Cohort().with_(sexes=["M", "F", "F"], flags={"is_housebound": True, "has_diabetes": False})
    b = Cohort().with_(sexes=("F", "M"), flags=[("has_diabetes", False), ("is_housebound", True)])
    assert a == b
    assert hash(a) == hash(b)
    assert len({a, b, Cohort()}) == 2
    assert a.sexes == ("F", "M")
    assert a.flags == (("has_diabetes", False), ("is_housebound", True))


def test_with_empties_a_field_and_leaves_the_original_unchanged():
    original = Cohort(sexes=("F",), age_min=30)
    changed = original.with_(sexes=[], age_min=None)
    assert changed == Cohort()
    assert original.sexes == ("F",) and original.age_min == 30


def test_with_validates_the_new_values():
    with pytest.raises(ValueError):
        Cohort().with_(sexes=["X"])
