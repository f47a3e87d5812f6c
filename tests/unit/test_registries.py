"""The level and cohort-field registries: every entry works end to end (SQL, words, URL, breakdown)."""

import pytest

from phm import levels
from phm.analysis.targeting import finding_cohort, place_phrase
from phm.cohort import FIELDS, Cohort
from phm.queries import DIMENSIONS

FIXED = [f for f in FIELDS if f.values is not None]


@pytest.mark.parametrize("field", FIELDS, ids=lambda f: f.name)
def test_each_field_round_trips_through_the_url_and_reaches_sql(field):
    value = next(iter(field.values)) if field.values is not None else "E02000001"
    cohort = Cohort().with_(**{field.name: [value]})
    params = cohort.to_query_params()
    assert params[field.url_key] == [str(value)]
    back, warnings = Cohort.from_query_params(params)
    assert (back, warnings) == (cohort, [])
    where, bound = cohort.to_where()
    if field.name != "age_bands":  # age bands become birth-date ranges
        assert f"{field.sql} IN ($" in where
        assert value in bound.values()


@pytest.mark.parametrize("field", [f for f in FIELDS if f.phrase], ids=lambda f: f.name)
def test_each_field_is_described_in_words(field):
    value = next(iter(field.values)) if field.values is not None else "X1"
    names = {"X1": "Somewhere Place"}
    words = Cohort().with_(**{field.name: [value]}).describe(names)
    spoken = (
        "Somewhere Place" if field.place else (field.spoken(value) if field.spoken else str(value))
    )
    assert field.phrase.format(spoken) in words


@pytest.mark.parametrize("field", FIXED, ids=lambda f: f.name)
def test_unknown_fixed_values_are_refused_and_reported(field):
    with pytest.raises(ValueError, match=field.url_key):
        Cohort().with_(**{field.name: ["not-a-code"]})
    _, warnings = Cohort.from_query_params({field.url_key: ["not-a-code"]})
    assert warnings == [f"Ignored {field.url_key}='not-a-code': not a known value."]


def test_every_field_is_a_breakdown_with_its_labels():
    for field in FIELDS:
        dimension = DIMENSIONS[field.dimension]
        assert (dimension.label, dimension.code_sql) == (field.dimension_label, field.sql)
        if field.values is not None:
            assert dimension.labels == dict(field.values)


@pytest.mark.parametrize("level", levels.LEVELS.values(), ids=lambda lv: lv.key)
def test_each_level_has_its_cohort_field_and_named_breakdown(level):
    field = next(f for f in FIELDS if f.name == level.cohort_field)
    assert field.place and field.url_key == level.key and field.sql == level.code_sql
    assert DIMENSIONS[level.key].name_sql == level.name_sql
    assert level.name_sql.split(".")[1] == level.name_column


def test_views_offer_only_declared_levels_and_refuse_others():
    for offered in (
        levels.MAP_LEVELS,
        levels.COMPARE_LEVELS,
        levels.FINDER_LEVELS,
        levels.PUBLISHED_LEVELS,
    ):
        assert set(offered) <= set(levels.LEVELS)
    assert levels.MAP_LEVELS == ("lsoa", "msoa", "borough")
    assert levels.PUBLISHED_LEVELS == ("msoa", "borough")
    with pytest.raises(ValueError, match="unknown place level 'practice'"):
        levels.level_of("practice", levels.MAP_LEVELS)


@pytest.mark.parametrize("key", levels.FINDER_LEVELS)
def test_a_finding_narrows_by_its_levels_field_and_reads_naturally(key):
    level = levels.LEVELS[key]
    cohort = finding_cohort(Cohort(), key, "CODE1", [("main_language", "Polish")])
    assert getattr(cohort, level.cohort_field) == ("CODE1",)
    assert cohort.languages == ("Polish",)
    assert place_phrase(key, "Northside") == level.finding.format("Northside")
