"""The page registry: each page declares its own URL parameters, which the cohort picker keeps."""

from components import cohort_picker, pages
from components.presentation import PRESENT_KEY
from phm.analysis import business_case
from phm.cohort import FIELDS


def test_the_business_case_and_explore_declare_their_url_parameters():
    assert pages.PAGES["business_case"].params == business_case.URL_PARAMS
    assert pages.PAGES["explore"].params == ("by", "and_by", "sort")
    assert pages.PAGES["overview"].params == ()


def test_the_cohort_picker_keeps_every_pages_parameters_and_no_cohort_key():
    # presentation mode (?present=1) is kept too, on every page
    assert (*pages.page_params(), PRESENT_KEY) == cohort_picker.PAGE_PARAMS
    assert set(business_case.URL_PARAMS) <= set(cohort_picker.PAGE_PARAMS)
    assert not set(cohort_picker.PAGE_PARAMS) & {f.url_key for f in FIELDS}
    assert len(set(pages.page_params())) == len(pages.page_params())


def test_a_shared_link_keeps_the_cohort_and_the_pages_own_parameters_only():
    from components.presentation import share_url

    assert set(pages.foreign_params("overview")) == set(pages.page_params())
    assert not set(pages.foreign_params("business_case")) & set(business_case.URL_PARAMS)
    params = {"borough": ["Barnet"], "intervention": ["bus"], "due": ["Call 0800 000 000"]}
    for name, kept in (("business_case", "intervention=bus"), ("overview", "")):
        link = share_url(
            "http://host:8501/x", pages.link_path(name), params, False, pages.foreign_params(name)
        )
        assert "borough=Barnet" in link and kept in link
        assert "0800" not in link and ("intervention" in kept or "intervention" not in link)
