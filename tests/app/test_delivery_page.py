"""The Where vaccinated page run by AppTest against the tiny demo."""

from phm.access import Role
from tests.signin import demo_user


def test_delivery_models_compared_with_intervals_and_downloads(run_page, downloads):
    at = run_page("delivery.py")
    assert not at.exception
    headers = [s.value for s in at.header]
    assert headers[0] == "First doses by delivery model"
    assert headers[1] == "Whom one delivery model reached"
    assert headers[2].startswith("Delivery models compared: share of first doses to ")
    assert len(at.get("vega_lite_chart")) == 3
    models = at.dataframe[0].value
    assert "Vaccination centre" in set(models["Delivery model"])
    assert all(c == "<8" or c.replace(",", "").isdigit() for c in models["Doses"])
    shown = [int(c.replace(",", "")) for c in models["Doses"] if c != "<8"]
    assert shown and all(n % 5 == 0 for n in shown)  # protected counts
    sentence = next(m.value for m in at.markdown if "95% interval" in m.value)
    assert "of the unvaccinated in the areas its recipients live in" in sentence
    breakdown = at.dataframe[1].value
    assert "Share of the unvaccinated where its recipients live" in breakdown.columns
    csv = downloads["doses-by-delivery_model.csv"]
    assert "SYNTHETIC DATA" in csv and "Disclosure control" in csv
    assert "Vaccination centre" in csv


def test_sites_broken_down_by_age_band(run_page):
    at = run_page("delivery.py")
    at.segmented_control(key="delivery_unit").set_value("site").run()
    at.selectbox(key="delivery_dimension").set_value("age_band").run()
    assert not at.exception
    assert [s.value for s in at.header][:2] == ["First doses by site", "Whom one site reached"]
    assert at.dataframe[1].value.columns[0] == "Age band"
    assert at.selectbox(key="delivery_chosen_site").value is not None


def test_a_cohort_too_small_is_not_broken_down(run_page):
    at = run_page("delivery.py", age_min=100, age_max=100)
    assert not at.exception
    assert not at.get("vega_lite_chart")


def _doses(at) -> int:
    """Return the doses of the page's first table, suppressed cells as none."""
    return sum(int(c.replace(",", "")) for c in at.dataframe[0].value["Doses"] if c != "<8")


def test_practice_staff_see_their_own_practice_only(run_page):
    everyone = run_page("delivery.py")
    practice = run_page("delivery.py", principal=demo_user(Role.PRACTICE))
    assert not practice.exception
    # Scoped to their practice: the counts or the refusal to break a small one down.
    assert not practice.dataframe or 0 < _doses(practice) < _doses(everyone) / 5
