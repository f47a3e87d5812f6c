"""Where vaccinated: doses by delivery model or site against a pandas reference, and their protection."""

import pandas as pd
import pytest

from phm import codes
from phm.analysis import delivery as D
from phm.cohort import Cohort
from phm.disclosure import DEFAULT_RULE, MIN_BREAKDOWN_BASE, DisclosureRule
from phm.queries import uptake_by
from phm.queries.delivery import doses_by
from tests.query.pandas_reference import DOSE_COLUMN, PANDAS_DIMENSIONS, pandas_cohort

COHORTS = [
    Cohort(),
    Cohort(dose="2", sexes=("F",)),
    Cohort(dose="3", age_min=50),
    Cohort(ethnic_groups=("White",), boroughs=("E09000014", "E09000010")),
]


def pandas_doses(tiny_con, people: pd.DataFrame, cohort: Cohort, unit: str, dimension: str) -> dict:
    """Return {(unit, group, msoa): (doses, key sum)} worked out in pandas."""
    vaccination = tiny_con.execute("SELECT * FROM vaccination").df()
    doses = vaccination[vaccination["dose"] == cohort.dose].sort_values(
        ["person_id", "vaccination_date", "site_id"]
    )
    first = doses.drop_duplicates("person_id")  # the first dose of the number, per person
    frame = pandas_cohort(people, cohort)
    frame = frame[frame[DOSE_COLUMN[cohort.dose]] <= pd.Timestamp(cohort.as_at)]
    frame = frame.merge(first[["person_id", "site_id", "delivery_model"]], on="person_id")
    unit_column = "site_id" if unit == "site" else "delivery_model"
    grouped = frame.groupby([unit_column, PANDAS_DIMENSIONS[dimension], "msoa_code"]).agg(
        doses=("person_id", "size"), key=("record_key", "sum")
    )
    return {
        (str(u), g.item() if hasattr(g, "item") else g, m): (int(r["doses"]), int(r["key"]))
        for (u, g, m), r in grouped.iterrows()
    }


@pytest.mark.parametrize("cohort", COHORTS, ids=lambda c: c.describe({}))
@pytest.mark.parametrize(
    ("unit", "dimension"),
    [
        ("delivery_model", "ethnicity_code"),
        ("site", "age_band"),
        ("delivery_model", "is_housebound"),
    ],
)
def test_doses_by_matches_pandas(tiny_con, people, cohort, unit, dimension):
    result = doses_by(tiny_con, cohort, unit, dimension)
    got = {
        (
            str(r["unit"]),
            r[dimension].item() if hasattr(r[dimension], "item") else r[dimension],
            r["msoa"],
        ): (
            int(r["doses"]),
            int(r["doses_key"]),
        )
        for _, r in result.iterrows()
    }
    expected = pandas_doses(tiny_con, people, cohort, unit, dimension)
    assert got == expected
    assert sum(d for d, _ in expected.values()) > 0  # not a vacuous comparison


def test_doses_add_up_to_the_vaccinated_and_are_labelled(tiny_con):
    cohort = Cohort()
    by_model = doses_by(tiny_con, cohort, "delivery_model", "ethnicity_code")
    vaccinated = int(uptake_by(tiny_con, cohort)["vaccinated"].iloc[0])
    assert int(by_model["doses"].sum()) == vaccinated  # each vaccinated person once
    assert set(by_model["unit"]) <= set(codes.DELIVERY_MODELS)
    assert set(by_model["unit_label"]) <= set(codes.DELIVERY_MODELS.values())
    assert "vaccine_bus" in set(by_model["unit"])
    for code, label in zip(
        by_model["ethnicity_code"], by_model["ethnicity_code_label"], strict=True
    ):
        assert label == codes.ETHNICITY_LABELS[code]
    by_site = doses_by(tiny_con, cohort, "site", "sex")
    names = {
        site: f"{name} ({codes.DELIVERY_MODELS[model]})"
        for site, name, model in tiny_con.execute(
            "SELECT site_id, site_name, delivery_model FROM site"
        ).fetchall()
    }
    for site, label in zip(by_site["unit"], by_site["unit_label"], strict=True):
        assert label in (names[site], f"{names[site]} {site}")  # the id where names repeat
    # Each site has its own label, so no two are drawn as one.
    labels = by_site.drop_duplicates("unit")["unit_label"]
    assert labels.is_unique


def test_unknown_unit_or_dimension_is_refused(tiny_con):
    with pytest.raises(ValueError, match="unknown unit"):
        doses_by(tiny_con, Cohort(), "site_id; DROP TABLE person", "sex")
    with pytest.raises(ValueError, match="unknown dimension"):
        doses_by(tiny_con, Cohort(), "site", "p.record_key")


def test_group_shares_are_protected_and_derived_from_shown_counts(tiny_con):
    cohort = Cohort()
    raw = doses_by(tiny_con, cohort, "delivery_model", "ethnicity_code")
    areas = uptake_by(tiny_con, cohort, ("msoa", "ethnicity_code"))
    shares = D.group_shares(raw, areas, DEFAULT_RULE, "ethnicity_code")
    assert not any(c.endswith("_key") for c in shares.columns)  # keys never leave disclosure
    shown = shares[~shares["share_suppressed"]]
    assert (shown["group_doses"] % 5 == 0).all() and (shown["doses"] % 5 == 0).all()
    assert (shown["doses"] >= MIN_BREAKDOWN_BASE).all()
    share = 100 * shown["group_doses"].astype(float) / shown["doses"].astype(float)
    assert (share.round(1) - shown["share_pct"]).abs().max() < 1e-9
    assert (shown["ci_low_pct"] <= shown["share_pct"]).all()
    assert (shown["share_pct"] <= shown["ci_high_pct"]).all()
    # The reference is a weighted average of shares: each unit's adds up to about 100%.
    # A unit none of whose areas can be weighed has no reference (not 0%).
    totals = shares.groupby("unit")["unvaccinated_pct"].sum(min_count=1).dropna()
    assert len(totals) >= 3
    assert ((totals > 95) & (totals <= 100.5)).all()
    units = D.unit_doses(raw, DEFAULT_RULE)
    assert set(units["unit"]) == set(raw["unit"])
    assert (units["doses"].iloc[0] % 5) == 0


def test_the_demo_bus_reaches_white_other_people_beyond_their_share_of_the_unvaccinated(tiny_con):
    """The demo's vaccine bus was built to reach White Other people (docs/synthetic-data.md).

    The tiny demo's bus gives too few doses to break down under the default rule, so this
    reads exact counts (a synthetic dataset's rule switched off).
    """
    raw = doses_by(tiny_con, Cohort(), "delivery_model", "ethnicity_code")
    areas = uptake_by(tiny_con, Cohort(), ("msoa", "ethnicity_code"))
    shares = D.group_shares(raw, areas, DisclosureRule(threshold=1, rounding=1), "ethnicity_code")
    bus = shares[(shares["unit"] == "vaccine_bus") & (shares["ethnicity_code"] == "C")]
    row = bus.iloc[0]
    reading = D.describe(row, "delivery model", "White Other", "first dose")
    assert "Vaccine bus" in reading.sentence and "95% interval" in reading.sentence
    assert row["share_pct"] > row["unvaccinated_pct"]


def test_the_group_most_over_its_share_needs_a_share_to_compare_with():
    frame = pd.DataFrame(
        {
            "ethnicity": ["A", "B", "C"],
            "share_suppressed": [False, False, True],
            "share_pct": [30.0, 10.0, None],
            "unvaccinated_pct": [20.0, 2.0, 5.0],
        }
    )
    assert D.most_over(frame, "ethnicity") == "A"  # 10 points over its share; B only 8
    # No area could be weighted (every reference missing): no group is picked, nothing fails.
    unweighted = frame.assign(unvaccinated_pct=float("nan"))
    assert D.most_over(unweighted, "ethnicity") is None


def test_no_recipient_living_in_a_weighed_area_gives_no_reference_not_an_error(tiny_con):
    """Found by the page fuzzer: with no unit's doses in an area that can be weighed, the
    empty result's unit column stayed text and dividing by it raised a TypeError."""
    cohort = Cohort()
    raw = doses_by(tiny_con, cohort, "delivery_model", "ethnicity_code")
    areas = uptake_by(tiny_con, cohort, ("msoa", "ethnicity_code"))
    elsewhere = raw.assign(msoa="E02999999")  # every recipient outside the areas weighed
    reference = D.unvaccinated_reference(elsewhere, areas, DEFAULT_RULE, "ethnicity_code")
    assert reference.empty
    assert str(reference["unvaccinated_pct"].dtype) == "float64"
