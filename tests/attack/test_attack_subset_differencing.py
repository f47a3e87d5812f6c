"""Attack 5: a suppressed cell is the average difference of many language subsets with and without it.

The cell key method gives the same people the same figure, but the cohort picker lets anyone
choose *which* people: first languages are combined with OR, so "English, Polish, Farsi" and
"English, Polish, Farsi, Urdu" differ by exactly the Urdu speakers. Each random choice of the
other languages gives another pair of sets with their own cell keys, so another independent
draw of (rounding of the set with the cell) - (rounding of the set without it), whose mean is
the cell's exact count. A few dozen pairs, read from one breakdown by area per set (Explore by
MSOA or LSOA; the Map's LSOA table needs no click at all, only `/map?language=...`), pin every
"<8" cell of the target language in every area at once.

Found at full scale (1.6 million people; Explore by LSOA read over the websocket, 426 page
runs): 2,003 suppressed Urdu/Yoruba/Amharic x LSOA cells (true values 1-7), 100 pairs each:
93% estimated exactly and 100% within ±1, against 22% for guessing the commonest small
value; an integer model (CP-SAT) over the same runs proves 221 of 300 sampled cells exactly.

The attacker reads only the shown tables (tests.attack.shown.show_table, as Explore and the
Map show them); the truth (tests.attack.truth) only scores it.
"""

from __future__ import annotations

import random
from collections import Counter
from functools import cache
from math import floor, log

import duckdb
import pandas as pd
import pytest

from phm.cohort import DEFAULT_AS_AT, Cohort
from phm.disclosure import DEFAULT_RULE
from tests.attack import truth
from tests.attack.shown import list_languages, show_table

PAIRS = 60  # random sets of other languages, each shown with and without the target
TARGETS = 2  # target languages attacked at once (the ones with most "<8" MSOAs)
SEED = 12
KEY_RANGE = 256
SMALL = range(1, DEFAULT_RULE.threshold)

# A known, documented weakness: this test fails until it is fixed (strict xfail).
SUBSET_AVERAGING = "known limit of the cell key method, left open: averaging many OR-subsets with and without one value recovers its suppressed cells; needs a per-user query budget and audit (sign-in, issue 16) or fixed groupings of OR-able values (docs/disclosure.md, residual risks)"


def shown_populations(con: duckdb.DuckDBPyConnection, languages: list[str]) -> dict[str, object]:
    """Return msoa -> shown population of the cohort 'first language in `languages`' by MSOA."""
    frame = show_table(con, Cohort(languages=tuple(languages)), ("msoa",))
    out: dict[str, object] = {}
    for msoa, value, hidden in zip(
        frame["msoa"], frame["population"], frame["population_suppressed"], strict=True
    ):
        out[msoa] = "<8" if hidden else (None if pd.isna(value) else int(value))
    return out


def _round_up(remainder: int) -> float:
    """Return the published chance that a count `remainder` past a multiple of the base rounds up."""
    return floor(KEY_RANGE * remainder / DEFAULT_RULE.rounding + 0.5) / KEY_RANGE


@cache
def difference_distribution(cell: int) -> dict[int, float]:
    """Return P(shown(S + cell) - shown(S)) for a large set S, from the published rule alone.

    The remainder of |S| is uniform and the two cell keys independent (different sets).
    """
    base = DEFAULT_RULE.rounding
    dist: Counter[int] = Counter()
    for r in range(base):
        r2 = (r + cell) % base
        for up1, p1 in ((0, 1 - _round_up(r)), (1, _round_up(r))):
            for up2, p2 in ((0, 1 - _round_up(r2)), (1, _round_up(r2))):
                dist[cell - r2 + r + base * (up2 - up1)] += p1 * p2 / base
    return dict(dist)


def estimate(differences: list[int]) -> int:
    """Return the small count (1-7) most likely to give these shown differences."""

    def loglik(cell: int) -> float:
        dist = difference_distribution(cell)
        return sum(log(max(dist.get(d, 0.0), 1e-300)) for d in differences)

    return max(SMALL, key=loglik)


def subset_attack(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Return how many '<8' language x MSOA cells the attack estimates exactly, and a baseline."""
    languages = list_languages(con)
    singles = {language: shown_populations(con, [language]) for language in languages}
    small = {lang: [m for m, v in shown.items() if v == "<8"] for lang, shown in singles.items()}
    common = "English" if "English" in languages else max(languages, key=lambda x: len(singles[x]))
    candidates = [x for x in languages if x != common]
    targets = sorted(candidates, key=lambda x: (-len(small[x]), x))[:TARGETS]
    others = [x for x in candidates if x not in targets]
    rng = random.Random(SEED)
    differences: dict[tuple[str, str], list[int]] = {(t, m): [] for t in targets for m in small[t]}
    for _ in range(PAIRS):
        chosen = [common, *[x for x in others if rng.random() < 0.5]]
        without = shown_populations(con, chosen)
        for target in targets:
            with_cell = shown_populations(con, [*chosen, target])
            for msoa in small[target]:
                a, b = without.get(msoa), with_cell.get(msoa)
                if isinstance(a, int) and isinstance(b, int) and a >= 15:  # clear of 8-9 -> 10
                    differences[(target, msoa)].append(b - a)
    exact_counts = truth.msoa_language_populations(con, DEFAULT_AS_AT)
    true = {
        (r.main_language, r.msoa): int(r.population) for r in exact_counts.itertuples(index=False)
    }
    tried = [(key, diffs) for key, diffs in differences.items() if len(diffs) >= PAIRS // 2]
    values = [true[key] for key, _ in tried]
    mode = Counter(values).most_common(1)[0][0] if values else 0
    return {
        "tried": len(tried),
        "exact": sum(estimate(diffs) == true[key] for key, diffs in tried),
        "within_one": sum(abs(estimate(diffs) - true[key]) <= 1 for key, diffs in tried),
        "baseline_exact": sum(v == mode for v in values),
    }


@pytest.mark.xfail(strict=True, reason=SUBSET_AVERAGING)
def test_suppressed_cells_are_not_recovered_by_averaging_language_subsets(
    tiny_con: duckdb.DuckDBPyConnection,
) -> None:
    """Pairs of language subsets with and without a '<8' cell do no better than guessing it."""
    figures = subset_attack(tiny_con)
    report = (
        f"5. Subset differencing: {figures['tried']} '<8' language x MSOA cells, {PAIRS} pairs"
        f" each: estimated exactly {figures['exact']}, within ±1 {figures['within_one']};"
        f" guessing the commonest small value: {figures['baseline_exact']}"
    )
    print(report)
    assert figures["tried"] >= 20, report
    # Guessing from the rule alone gets the baseline; the attack must not do materially better.
    assert figures["exact"] <= figures["baseline_exact"] * 1.25 + 2, report
