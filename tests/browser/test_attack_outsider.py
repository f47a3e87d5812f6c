"""Attacks run as an outsider would: only what the server sends to a browser tab, over its websocket.

The tab client (streamlit_ws.Tab) sends what Chromium sends (the URL's query string and the
widgets' values) and reads the protobufs that come back; nothing else is read. The truth
(tests.attack.truth, straight SQL on the database) only scores the attacks.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

import duckdb
import pytest

from phm import codes
from phm.cohort import DEFAULT_AS_AT
from tests.attack import truth
from tests.attack.test_attack_subset_differencing import estimate
from tests.browser.streamlit_ws import Tab, Trigger

pytestmark = pytest.mark.browser

PAIRS = 25
SEED = 3

# A known, documented weakness: this test fails until it is fixed (strict xfail).
SUBSET_AVERAGING = "known limit of the cell key method, left open: averaging many OR-subsets with and without one value recovers its suppressed cells; needs a per-user query budget and audit (sign-in, issue 16) or fixed groupings of OR-able values (docs/disclosure.md, residual risks)"


def _shown_by_msoa(tab: Tab, by: dict[str, str], languages: list[str]) -> dict[str, str]:
    """Return MSOA name -> shown population text of Explore by MSOA for 'first language in ...'."""
    run = tab.run("explore", urlencode({"language": languages}, doseq=True), by)
    table = run.dataframe_with("MSOA", "Population")
    return dict(zip(table["MSOA"], table["Population"], strict=True))


def _number(text: str | None) -> int | None:
    """Return a shown count as a number, None when hidden or missing."""
    if text is None or text in ("<8", "–"):
        return None
    return int(text.replace(",", ""))


@pytest.mark.xfail(strict=True, reason=SUBSET_AVERAGING)
def test_explore_language_subsets_do_not_give_back_suppressed_cells(
    app_url: str, tiny_db: Path
) -> None:
    """Explore by MSOA over language subsets with and without a '<8' cell does no better than guessing.

    Only URLs and the 'Break down by' box are used: `/explore?language=English&language=...`.
    """
    with Tab(app_url) as tab:
        first = tab.run("explore")
        picker = next(e for e in first.of("multiselect") if e.proto.id.endswith("-language"))
        languages = list(picker.proto.options)
        # One two-way table (first language x MSOA) shows where each language is '<8'.
        grid = tab.run(
            "explore",
            "",
            {
                first.widget_id("explore_by"): "First language",
                first.widget_id("explore_then"): "MSOA",
            },
        ).dataframe_with("First language", "MSOA", "Population")
        small: dict[str, list[str]] = {x: [] for x in languages}
        for language, msoa, shown in zip(
            grid["First language"], grid["MSOA"], grid["Population"], strict=True
        ):
            if shown == "<8":
                small[language].append(msoa)
        by = {first.widget_id("explore_by"): "MSOA"}
        target = max((x for x in languages if x != "English"), key=lambda x: len(small[x]))
        others = [x for x in languages if x not in ("English", target)]
        rng = random.Random(SEED)
        differences: dict[str, list[int]] = {m: [] for m in small[target]}
        for _ in range(PAIRS):
            chosen = ["English", *[x for x in others if rng.random() < 0.5]]
            without = _shown_by_msoa(tab, by, chosen)
            with_cell = _shown_by_msoa(tab, by, [*chosen, target])
            for msoa in differences:
                a, b = _number(without.get(msoa)), _number(with_cell.get(msoa))
                if a is not None and b is not None and a >= 15:
                    differences[msoa].append(b - a)
    with duckdb.connect(str(tiny_db), read_only=True) as con:
        exact_counts = truth.msoa_language_populations(con, DEFAULT_AS_AT)
        names = dict(con.execute("SELECT DISTINCT msoa_code, msoa_name FROM lsoa").fetchall())
    true = {
        names[r.msoa]: int(r.population)
        for r in exact_counts.itertuples(index=False)
        if r.main_language == target
    }
    tried = {m: d for m, d in differences.items() if len(d) >= PAIRS // 2}
    values = [true[m] for m in tried]
    mode = Counter(values).most_common(1)[0][0]
    exact = sum(estimate(d) == true[m] for m, d in tried.items())
    baseline = sum(v == mode for v in values)
    report = (
        f"{target}: {len(tried)} '<8' MSOA cells, {PAIRS} pairs of language subsets each,"
        f" {2 + 2 * PAIRS} page runs: estimated exactly {exact};"
        f" guessing the commonest small value: {baseline}"
    )
    print(report)
    assert len(tried) >= 10, report
    assert exact <= baseline * 1.25 + 2, report


# --- Weekly as-at points: the one person who joined or left a small area, and their first dose ---

WEEKS_BACK = 8  # pairs of consecutive weekly as-at points searched for a one-person change
AS_AT_TARGETS = 20


def _one_person_changes(con: duckdb.DuckDBPyConnection) -> list[tuple[str, date, bool]]:
    """Return (msoa, earlier weekly point, had a first dose before that week) for one-person changes.

    Ground truth, only to choose targets (an attacker's side knowledge: 'someone I know moved
    out of, died in, or moved into this area that week') and to score the answer.
    """
    found = []
    for k in range(WEEKS_BACK):
        later = DEFAULT_AS_AT - timedelta(days=7 * k)
        earlier = later - timedelta(days=7)
        week_start = earlier - timedelta(days=earlier.weekday())
        sql = (
            "SELECT l.msoa_code, count(*) AS changed, bool_and(p.first_dose_date < $week) AS dosed"
            " FROM person p JOIN lsoa l ON l.lsoa_code = p.lsoa_code WHERE"
            f" ({truth.PRESENT.replace('$day', '$earlier')})"
            f" <> ({truth.PRESENT.replace('$day', '$later')}) GROUP BY ALL HAVING count(*) = 1"
        )
        rows = con.execute(sql, {"earlier": earlier, "later": later, "week": week_start})
        found += [(m, earlier, bool(dosed)) for m, _, dosed in rows.fetchall()]
    return found


def _trend(tab: Tab, dimension: dict[str, str], msoa: str, day: date) -> dict:
    """Return group -> (population, {week: cumulative first doses}) from the Trends chart data."""
    run = tab.run("trends", urlencode({"msoa": msoa, "as_at": day.isoformat()}), dimension)
    frame = run.chart_data_with("group", "week", "vaccinated", "population")
    out: dict[str, tuple[object, dict[str, object]]] = {}
    for group, week, vaccinated, population in frame[
        ["group", "week", "vaccinated", "population"]
    ].itertuples(index=False):
        series = out.setdefault(group, (population, {}))[1]
        series[str(week)[:10]] = vaccinated
    return out


def test_weekly_as_at_points_do_not_tell_whether_a_leaver_was_vaccinated(
    app_url: str, tiny_db: Path
) -> None:
    """Trends at two consecutive weekly as-at points must not tell a one-person change's first dose.

    Same people, same figure: every cumulative count before the week of the person's first
    dose is the same on both dates, and (with a 36% chance each week a count changes) one
    differs after it. Any difference proves that the person who joined or left had a first
    dose by then; a population that changed with no dose series changed says they had none.
    """
    with duckdb.connect(str(tiny_db), read_only=True) as con:
        changes = _one_person_changes(con)
    rng = random.Random(SEED)
    targets = rng.sample(changes, min(AS_AT_TARGETS, len(changes)))
    answers = []
    with Tab(app_url) as tab:
        first = tab.run("trends")
        by_sex = {first.widget_id("trends_dimension"): "Sex"}
        for msoa, earlier, dosed in targets:
            before = _trend(tab, by_sex, msoa, earlier)
            after = _trend(tab, by_sex, msoa, earlier + timedelta(days=7))
            last_week = (earlier - timedelta(days=earlier.weekday())).isoformat()
            series_differ = population_differs = False
            for group in set(before) | set(after):
                if group not in before or group not in after:
                    population_differs = True
                    continue
                (p1, s1), (p2, s2) = before[group], after[group]
                population_differs |= str(p1) != str(p2)
                series_differ |= any(
                    str(v) != str(s2.get(w)) for w, v in s1.items() if w < last_week
                )
            answer = True if series_differ else (False if population_differs else None)
            answers.append((answer, dosed))
    proved = sum(a is True for a, _ in answers)
    certain = sum(a is True and d for a, d in answers)
    right = sum(a is not None and a == d for a, d in answers)
    majority = max(sum(d for _, d in answers), sum(not d for _, d in answers))
    report = (
        f"{len(answers)} one-person changes between consecutive weekly as-at points (MSOA):"
        f" 'had a first dose' claimed {proved} times, right {certain}; answered right {right}"
        f" (guessing the commoner answer: {majority})"
    )
    print(report)
    assert len(answers) >= 8, report
    # A difference between the two dates must not be a proof (a claim that is never wrong)...
    assert proved < 5 or certain < proved, report
    # ...and the answers must do no better than guessing the commoner one.
    assert right <= majority + 0.1 * len(answers), report


# --- Exact zeros: the Map's flags table for a cohort narrowed to one neighbour ---------------

FLAG_TARGETS = 12


def test_map_flags_table_does_not_list_a_singled_out_persons_conditions(
    app_url: str, tiny_db: Path
) -> None:
    """The Map's side panel must not list the clinical and social flags of one person.

    An attacker who knows a neighbour's area, age, sex, first language and ethnic category
    (all cohort filters in the URL) narrows the cohort to them and picks their LSOA: the
    'Clinical and social flags' table lists only the flags someone in the cohort has, each
    '<8', and leaves out the rest (0 is shown exactly). When the neighbour is alone in that
    cohort, the listed flags are exactly theirs; in every case an unlisted flag is one they
    certainly do not have.
    """
    flags = list(codes.FLAGS)
    label_of = {label: flag for flag, label in codes.FLAGS.items()}
    present = truth.PRESENT.replace("$day", "$as_at")
    age = "((year($as_at) - year(p.birth_date)) * 12 + month($as_at) - month(p.birth_date)) // 12"
    with duckdb.connect(str(tiny_db), read_only=True) as con:
        # Ground truth, to pick neighbours who have at least one flag and to score the answer.
        people = con.execute(
            f"SELECT p.person_id, p.lsoa_code, l.lsoa_name, {age} AS age, p.sex,"
            f" p.main_language, p.ethnicity_code, {', '.join('p.' + f for f in flags)}"
            f" FROM person p JOIN lsoa l ON l.lsoa_code = p.lsoa_code WHERE {present}"
            f" AND ({' OR '.join('p.' + f for f in flags)}) ORDER BY p.person_id",
            {"as_at": DEFAULT_AS_AT},
        ).df()
    targets = people.sample(FLAG_TARGETS, random_state=SEED)
    disclosed = 0
    with Tab(app_url) as tab:
        pick = tab.run("map").widget_id("map_area_pick")
        for r in targets.itertuples(index=False):
            query = urlencode(
                {
                    "age_min": r.age,
                    "age_max": r.age,
                    "sex": r.sex,
                    "language": r.main_language,
                    "ethnicity": r.ethnicity_code,
                }
            )
            run = tab.run("map", query, {pick: f"{r.lsoa_name} ({r.lsoa_code})"})
            try:
                listed = {label_of[x] for x in run.dataframe_with("Recorded as")["Recorded as"]}
            except LookupError:
                listed = set()
            disclosed += listed == {f for f in flags if getattr(r, f)}
    report = (
        f"{disclosed} of {len(targets)} neighbours with at least one clinical or social flag:"
        " the Map's flags table for their cohort lists exactly their flags"
    )
    print(report)
    assert disclosed <= 1, report


# --- Plan outreach: where the optimiser puts a pop-up site for a narrow cohort --------------

OUTREACH_LANGUAGES = 3  # narrow cohorts: one first language each, its rarest ones


def test_popup_plan_does_not_reveal_unvaccinated_people_in_suppressed_areas(
    app_url: str, tiny_db: Path
) -> None:
    """A pop-up plan must not put a site in an LSOA where the cohort's counts are shown as '<8'.

    With one candidate per LSOA and a 100 m walk, each site reaches only its own LSOA, and the
    optimiser picks sites only where its weight (unvaccinated people) is above 0. A weight
    taken from a count the pages suppress (1-7 people) turns '<8' back into 'at least one of
    these people is unvaccinated': for someone alone in a narrow cohort in their LSOA, that
    is their vaccination status.
    """
    with duckdb.connect(str(tiny_db), read_only=True) as con:
        cells = truth.count_by_msoa(con, DEFAULT_AS_AT, "main_language")
        totals = cells.groupby("main_language")["population"].sum().sort_values()
        languages = [x for x in totals.index if totals[x] >= 20][:OUTREACH_LANGUAGES]
        # Ground truth, only to score: the cohort's population per LSOA.
        lsoa_counts = con.execute(
            "SELECT l.lsoa_name, p.main_language, count(*) AS n FROM person p"
            " JOIN lsoa l ON l.lsoa_code = p.lsoa_code"
            f" WHERE {truth.PRESENT.replace('$day', '$as_at')} GROUP BY ALL",
            {"as_at": DEFAULT_AS_AT},
        ).fetchall()
    counts = {(name, language): n for name, language, n in lsoa_counts}
    chosen_small = chosen = 0
    with Tab(app_url) as tab:
        form = tab.run("outreach")
        widgets: dict[str, object] = {
            form.widget_id("popup_n"): 50,
            form.widget_id("popup_walk"): 100,
            form.widget_id("FormSubmitter:popup_form-Find the best sites"): Trigger(),
        }
        for language in languages:
            run = tab.run("outreach", urlencode({"language": language}), widgets)
            sites = run.dataframe_with("Site")
            for site in sites["Site"]:
                lsoa = str(site).split(" (")[0]
                chosen += 1
                chosen_small += 1 <= counts.get((lsoa, language), 0) < 8
    report = (
        f"{chosen} pop-up sites for {languages}: {chosen_small} in LSOAs where the cohort is"
        " shown as '<8' (each says: someone there is unvaccinated)"
    )
    print(report)
    assert chosen_small == 0, report
