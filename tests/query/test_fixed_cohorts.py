"""Fixed cohort examples beside the random ones: additivity of age bands, the as-at day counted."""

from datetime import date

from phm.cohort import Cohort
from phm.queries import uptake_by

AS_AT = date(2022, 3, 31)


def counts(con, cohort: Cohort) -> tuple[int, int]:
    """Return (vaccinated, population) of a cohort."""
    row = uptake_by(con, cohort, ()).iloc[0]
    return int(row["vaccinated"]), int(row["population"])


def test_two_age_bands_together_equal_the_sum_of_each_alone(tiny_con):
    one = counts(tiny_con, Cohort(age_bands=("18-24",), as_at=AS_AT))
    other = counts(tiny_con, Cohort(age_bands=("50-54",), as_at=AS_AT))
    both = counts(tiny_con, Cohort(age_bands=("18-24", "50-54"), as_at=AS_AT))
    assert one[1] > 0 and other[1] > 0
    assert both == (one[0] + other[0], one[1] + other[1])


def test_a_dose_given_on_the_as_at_date_is_counted(tiny_con):
    # The busiest day of first doses: counted as at that day.
    day = tiny_con.execute(
        "SELECT first_dose_date FROM person WHERE first_dose_date IS NOT NULL"
        " GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
    ).fetchone()[0]
    registered = "registered_from <= $day AND coalesce(registered_to, DATE '9999-12-31') > $day"
    on_or_before, before, on_day = tiny_con.execute(
        f"SELECT count(*) FILTER (first_dose_date <= $day),"
        f" count(*) FILTER (first_dose_date < $day),"
        f" count(*) FILTER (first_dose_date = $day) FROM person WHERE {registered}",
        {"day": day},
    ).fetchone()
    assert on_day > 0 and on_or_before == before + on_day
    vaccinated, _ = counts(tiny_con, Cohort(dose="1", as_at=day))
    assert vaccinated == on_or_before
