"""The demo's built-in interventions evaluated on the tiny database against their true effects."""

from datetime import date

import pytest

from phm.analysis import what_worked as W
from phm.cohort import Cohort
from phm.disclosure import DEFAULT_RULE
from phm.interventions import evaluate as E
from phm.interventions.record import META_KEY, loads
from phm.queries import uptake_by
from phm.queries.trends import weekly_doses
from phm.synth.interventions import PLANTED, true_effects


@pytest.fixture(scope="module")
def evaluated(tiny_con):
    records = loads(
        tiny_con.execute("SELECT value FROM dataset_meta WHERE key = ?", [META_KEY]).fetchone()[0]
    )
    truth = true_effects(tiny_con.execute("SELECT dose, site_id FROM vaccination").df())
    mix = uptake_by(tiny_con, Cohort(), ("msoa", "ethnic_group"))
    deprivation = uptake_by(tiny_con, Cohort(), ("msoa", "imd_quintile"))
    out = {}
    for planted, record in zip(PLANTED, records, strict=True):
        weekly = weekly_doses(tiny_con, record.cohort, "msoa")
        features = E.area_features(weekly, mix, deprivation, E.window(record)[1])
        out[planted.key] = (
            W.evaluate_one(
                record,
                weekly,
                features,
                W.overlapping(record, records),
                None,
                DEFAULT_RULE,
                date(2022, 3, 31),
            ),
            truth[planted.key],
        )
    return out


def test_each_evaluated_intervention_recovers_its_true_effect_within_its_interval(evaluated):
    assessed = 0
    for key, (item, truth) in evaluated.items():
        if item.estimate is None:
            assert "fewer than 50" in item.reason, key  # the tiny demo's small groups
            continue
        assessed += 1
        assert item.estimate.low <= truth <= item.estimate.high, (key, item.estimate, truth)
    assert assessed >= 3


def test_the_null_intervention_shows_no_clear_effect(evaluated):
    item, truth = evaluated["leaflets"]
    assert truth == 0
    assert item.estimate is None or not item.estimate.is_clear


def test_matched_comparison_areas_leave_out_the_interventions_own_and_overlapping_ones(evaluated):
    item, _ = evaluated["bus"]
    assert item.estimate is not None and item.estimate.method == "did"
    assert not set(item.estimate.comparison) & set(item.record.msoas)
