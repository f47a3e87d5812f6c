"""The page registry: each page declares its own URL parameters, which the cohort picker keeps."""

from components import cohort_picker, pages
from components.presentation import PRESENT_KEY
from phm.analysis import business_case, explore
from phm.cohort import FIELDS


def test_the_business_case_and_explore_declare_their_url_parameters():
    assert pages.PAGES["business_case"].params == business_case.URL_PARAMS
    assert pages.PAGES["explore"].params == explore.URL_PARAMS == ("by", "and_by", "sort")


def test_explore_settings_from_a_link_keep_known_values_only():
    params = {"by": ["ethnic_group"], "and_by": ["imd_quintile"], "sort": ["uptake"]}
    assert explore.settings_from_url(params) == {
        "by": "ethnic_group",
        "and_by": "imd_quintile",
        "sort": "uptake",
    }
    assert explore.settings_from_url({"by": ["'; drop"], "sort": ["sideways"]}) == {}
    # "and by" the same characteristic cannot be offered, so it is dropped
    assert explore.settings_from_url({"by": ["sex"], "and_by": ["sex"]}) == {"by": "sex"}
    assert explore.settings_to_url("sex", "nothing", "gap") == {
        "by": "sex",
        "and_by": "nothing",
        "sort": "gap",
    }
    assert "sort" not in explore.settings_to_url("sex", "age_band", "gap")


def test_the_cohort_picker_keeps_every_pages_parameters_and_no_cohort_key():
    # presentation mode (?present=1) is kept too, on every page
    assert (*pages.page_params(), PRESENT_KEY) == cohort_picker.PAGE_PARAMS
    assert set(business_case.URL_PARAMS) <= set(cohort_picker.PAGE_PARAMS)
    assert not set(cohort_picker.PAGE_PARAMS) & {f.url_key for f in FIELDS}
    assert len(set(pages.page_params())) == len(pages.page_params())
