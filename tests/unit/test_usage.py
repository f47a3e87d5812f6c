"""Usage analytics (phm.analysis.usage, phm.queries.usage) on the synthetic year, against pandas."""

import json
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from phm import disclosure
from phm.access import OrgType, Principal, Role
from phm.access.grants import grant_access, read_grants, verify_log
from phm.analysis import usage
from phm.audit import log
from phm.queries import usage as queries
from phm.synth.usage import POPULATION, TOTAL_EVENTS, usage_events, write_usage_year

SEED = 2020


@pytest.fixture(scope="module")
def year(tmp_path_factory):
    path = tmp_path_factory.mktemp("usage") / "audit.sqlite"
    write_usage_year(path, SEED)
    return path


@pytest.fixture(scope="module")
def events(year):
    frame = pd.DataFrame([e.__dict__ for e in log.entries(year)])
    frame["month"] = frame["at_utc"].str[:7]
    return frame[frame["kind"].isin(queries.USAGE_KINDS)]


def reference_counts(frame: pd.DataFrame, group: list[str]) -> pd.DataFrame:
    """Return users and events with their key sums per group, the plain pandas way."""
    frame = frame.assign(
        user_key=frame["user_id"].map(queries.record_key),
        event_key=(frame["user_id"] + ":" + frame["seq"].astype(str)).map(queries.record_key),
    )
    per_event = frame.groupby(group).agg(events=("seq", "size"), events_key=("event_key", "sum"))
    distinct = frame.drop_duplicates([*group, "user_id"])
    per_user = distinct.groupby(group).agg(users=("user_id", "size"), users_key=("user_key", "sum"))
    return per_event.join(per_user).reset_index()


def same(got: pd.DataFrame, expected: pd.DataFrame, keys: list[str]) -> None:
    """Assert two count frames are equal whatever their order and integer widths."""
    columns = [*keys, "events", "events_key", "users", "users_key"]
    pd.testing.assert_frame_equal(
        got[columns]
        .sort_values(keys)
        .reset_index(drop=True)
        .astype({c: "int64" for c in columns[len(keys) :]}),
        expected[columns]
        .sort_values(keys)
        .reset_index(drop=True)
        .astype({c: "int64" for c in columns[len(keys) :]}),
    )


def test_counts_by_month_org_type_page_and_exports_match_pandas(year, events):
    same(queries.by_month(year), reference_counts(events, ["month"]), ["month"])
    same(
        queries.by_org_type(year),
        reference_counts(events, ["month", "org_type"]),
        ["month", "org_type"],
    )
    views = events[(events["kind"] == "page_view") & (events["page"] != "")]
    same(queries.by_page(year), reference_counts(views, ["page"]), ["page"])
    exports = events[events["kind"] == "export"]
    same(queries.exports_by_month(year), reference_counts(exports, ["month"]), ["month"])


def test_characteristics_used_match_pandas(year, events):
    views = events[events["kind"] == "page_view"].copy()
    views["characteristic"] = views["cohort"].map(lambda text: sorted(json.loads(text)))
    exploded = views.explode("characteristic").dropna(subset=["characteristic"])
    same(
        queries.by_characteristic(year),
        reference_counts(exploded, ["characteristic"]),
        ["characteristic"],
    )


def test_share_of_people_given_access_who_used_it_matches_pandas(year, events):
    grants = read_grants(year)
    got = usage.share_counts(year).set_index("month")
    for month in ("2020-12", "2021-02", "2021-07", "2021-11"):
        start = pd.Timestamp(f"{month}-01")
        end = start + pd.offsets.MonthEnd(0)
        held = grants[
            (grants["granted_on"] <= end)
            & (grants["removed_on"].isna() | (grants["removed_on"] >= start))
        ]
        used = set(events.loc[events["month"] == month, "user_id"]) & set(held["user_id"])
        assert (got.loc[month, "population"], got.loc[month, "vaccinated"]) == (
            len(held),
            len(used),
        )
    shares = usage.share_using(year)
    assert (shares["used"] <= shares["with_access"]).all()
    feb = shares.set_index("month").loc["2021-02"]
    assert feb["share_ci_low_pct"] <= feb["share_pct"] <= feb["share_ci_high_pct"]


def test_every_shown_count_is_protected_and_small_counts_are_suppressed(year):
    rule = disclosure.DEFAULT_RULE
    raw = queries.by_org_type(year)
    shown = usage.protect_counts(raw, rule)
    assert "users_key" not in shown and "events_key" not in shown
    for count in ("users", "events"):
        values = raw[count].to_numpy()
        small = (values >= 1) & (values < rule.threshold)
        assert small.any() or count == "events", "the year has small user counts to suppress"
        assert list(shown[f"{count}_suppressed"]) == list(small)
        assert shown.loc[small, count].isna().all()
        visible = shown.loc[~small, count].astype("int64").to_numpy()
        assert (visible % rule.rounding == 0).all()
        assert (np.abs(visible - values[~small]) <= rule.rounding - 1).all()
        assert (visible >= disclosure.smallest_shown(rule)).all()


def test_a_share_among_few_people_is_suppressed(tmp_path):
    path = tmp_path / "audit.sqlite"
    admin = Principal("admin", Role.ADMINISTRATOR, "QMJ", OrgType.ICB, "a")
    for i in range(3):
        user = Principal(f"u{i}", Role.PLANNER, "QMJ", OrgType.ICB, "u")
        grant_access(path, user, datetime(2021, 1, 4).date(), by=admin)
        log.append(path, user, "page_view", page="map", at=datetime(2021, 1, 5, tzinfo=UTC))
    share = usage.share_using(path).iloc[0]
    assert share["with_access_suppressed"] and pd.isna(share["share_pct"])


def test_synthetic_year_has_the_seeds_shape(year, events):
    kinds = pd.Series([e.kind for e in log.entries(year)])
    # The year's events, plus each grant and removal as its own chain entry.
    assert (~kinds.isin(["access_granted", "access_removed"])).sum() == TOTAL_EVENTS == len(events)
    grant_entries = (kinds == "access_granted").sum()
    assert grant_entries == len(read_grants(year))
    assert verify_log(year).ok
    assert usage.has_synthetic_usage(year)
    assert (pd.DataFrame([e.__dict__ for e in log.entries(year)])["synthetic"] == 1).all()
    grants = read_grants(year)
    assert len(grants) == sum(n for n, _, _ in POPULATION.values()) == 289
    assert set(grants["org_type"]) == {str(t) for t in OrgType} and grants["synthetic"].all()
    assert events["month"].min() == "2020-12" and events["month"].max() == "2021-11"
    assert events["at_utc"].min() >= "2020-12-08"
    per_month = events.groupby("month").size()
    assert per_month.idxmax() == "2021-02"
    users = events.groupby(["month", "org_type"])["user_id"].nunique().unstack()
    assert users["icb"].between(25, 35).all()
    practice = users["gp_practice"]
    assert practice.idxmax() == "2021-02"
    assert (practice.loc["2021-03":] < practice.loc["2021-02"]).all()
    feb = events[(events["month"] == "2021-02") & (events["org_type"] == "gp_practice")]
    assert (feb["at_utc"] < "2021-02-15").mean() > 0.6  # practice use falls after mid-February


def test_synthetic_year_is_deterministic_from_its_seed():
    events, grants = usage_events(SEED)
    assert (events, grants) == usage_events(SEED)
    assert events != usage_events(SEED + 1)[0]


def test_usage_csv_labels_synthetic_usage_and_shows_suppressed_as_such(year):
    rule = disclosure.DEFAULT_RULE
    table = usage.usage_report(year, rule)["by_org_type"]
    text = usage.usage_csv(table, "users and events by organisation type", rule, synthetic=True)
    assert "# SYNTHETIC USAGE: generated for the demo" in text
    assert "<8" in text and "users_suppressed" not in text
