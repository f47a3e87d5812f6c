"""The page registry: each page declares its own URL parameters, which the cohort picker keeps."""

from components import cohort_picker, pages
from phm.analysis import business_case
from phm.cohort import FIELDS


def test_the_business_case_declares_its_url_parameters():
    assert pages.PAGES["business_case"].params == business_case.URL_PARAMS
    assert pages.PAGES["explore"].params == ("by", "then", "sort")
    assert pages.PAGES["overview"].params == ()


def test_the_cohort_picker_keeps_every_pages_parameters_and_no_cohort_key():
    assert pages.page_params() == cohort_picker.PAGE_PARAMS
    assert set(business_case.URL_PARAMS) <= set(cohort_picker.PAGE_PARAMS)
    assert not set(cohort_picker.PAGE_PARAMS) & {f.url_key for f in FIELDS}
    assert len(set(pages.page_params())) == len(pages.page_params())
