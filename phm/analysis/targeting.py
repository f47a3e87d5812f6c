"""The targeting finder: which group, in which place, has the most people left unvaccinated.

Every place (MSOA, borough or PCN) is crossed with every group: each value of ethnicity,
broad ethnic group, first language, age band and IMD quintile, each clinical or social
flag, and each pair of those. A group is a finding when its whole 95% interval lies below
the cohort's uptake and it has at least `min_size` people; findings are ranked by excess
unvaccinated, the people who would be vaccinated if the group had the cohort's uptake.
Counting is done with numpy bincounts over the cohort's members as small integer codes,
one pass per pair of characteristics, because a GROUPING SETS query over the ~280 pairs
takes several seconds at NCL scale.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

import duckdb
import numpy as np
import pandas as pd

from phm import codes
from phm.codes import FLAG_PHRASES
from phm.cohort import FIELD_BY_DIMENSION, Cohort
from phm.disclosure import DEFAULT_RULE, KEY_COLUMNS, DisclosureRule, format_rate, protect
from phm.levels import FINDER_LEVELS, LEVELS, level_of
from phm.queries import targeting as sql
from phm.stats import wilson_interval

# The characteristics the finder crosses with every place, as breakdown keys of cohort fields.
CHARACTERISTICS: dict[str, str] = {
    key: FIELD_BY_DIMENSION[key].dimension_label
    for key in ("ethnicity_code", "ethnic_group", "main_language", "age_band", "imd_quintile")
}
# Pairs that describe one thing twice (every ethnicity lies in one broad group).
NESTED_PAIRS = {("ethnicity_code", "ethnic_group")}
FINDING_COLUMNS = [
    "place_code",
    "place_name",
    "first",
    "first_value",
    "second",
    "second_value",
    "vaccinated",
    "population",
    "vaccinated_key",
    "population_key",
]


@dataclass(frozen=True)
class Members:
    """The cohort's members as parallel integer arrays (codes are 1-based; 0 = not coded)."""

    place: np.ndarray
    place_codes: tuple[str, ...]
    place_names: tuple[str, ...]
    characteristics: Mapping[str, np.ndarray]
    values: Mapping[str, tuple]
    flags: np.ndarray
    vaccinated: np.ndarray
    record_key: np.ndarray

    @property
    def size(self) -> int:
        """Return the number of members."""
        return len(self.vaccinated)


def _age_band_of_age() -> np.ndarray:
    """Return a lookup from age in years (0-127) to the 1-based index of its age band."""
    lookup = np.zeros(128, dtype=np.int16)
    for i, (_label, low, high) in enumerate(codes.AGE_BANDS, start=1):
        lookup[low : (high + 1 if high is not None else 128)] = i
    return lookup


def build_members(
    raw: Mapping[str, np.ndarray],
    lsoas: pd.DataFrame,
    practices: pd.DataFrame,
    languages: Sequence[str],
    level: str,
) -> Members:
    """Turn the coded rows of phm.queries.targeting into Members with places of `level`."""
    place = level_of(level, FINDER_LEVELS)
    code_column, name_column = place.code_column, place.name_column
    lookup, row_column = (
        (lsoas, "lsoa_row") if place.table == "lsoa" else (practices, "practice_row")
    )
    place_index, place_codes = pd.factorize(lookup[code_column], sort=True)
    names = lookup.groupby(code_column)[name_column].first()
    by_row = np.zeros(int(lookup["row"].max()) + 1, dtype=np.int32)
    by_row[lookup["row"].to_numpy()] = place_index
    quintile_by_row = np.zeros(int(lsoas["row"].max()) + 1, dtype=np.int16)
    quintile_by_row[lsoas["row"].to_numpy()] = (lsoas["imd_decile"].to_numpy() + 1) // 2
    ethnicities = list(codes.ETHNICITY_LABELS)
    groups = list(codes.ETHNIC_GROUPS)
    group_of_ethnicity = np.array(
        [0] + [groups.index(codes.ETHNICITY_GROUP[e]) + 1 for e in ethnicities], dtype=np.int16
    )
    ethnicity = np.asarray(raw["ethnicity"], dtype=np.int16)
    return Members(
        place=by_row[np.asarray(raw[row_column])],
        place_codes=tuple(str(c) for c in place_codes),
        place_names=tuple(str(names[c]) for c in place_codes),
        characteristics={
            "ethnicity_code": ethnicity,
            "ethnic_group": group_of_ethnicity[ethnicity],
            "main_language": np.asarray(raw["language"], dtype=np.int16),
            "age_band": _age_band_of_age()[np.asarray(raw["age"], dtype=np.int16)],
            "imd_quintile": quintile_by_row[np.asarray(raw["lsoa_row"])],
        },
        values={
            "ethnicity_code": tuple(ethnicities),
            "ethnic_group": tuple(groups),
            "main_language": tuple(languages),
            "age_band": codes.AGE_BAND_LABELS,
            "imd_quintile": tuple(codes.IMD_QUINTILES),
        },
        flags=np.asarray(raw["flags"], dtype=np.int64),
        vaccinated=np.asarray(raw["vaccinated"], dtype=bool),
        record_key=np.asarray(raw["record_key"], dtype=np.int64),
    )


@dataclass(frozen=True)
class _Rows:
    """Rows to count: each with a place, characteristic codes, and a weight of people."""

    place: np.ndarray
    characteristics: Mapping[str, np.ndarray]
    population: np.ndarray | None  # None: one person per row
    vaccinated: np.ndarray  # bool per person, or a count per row when weighted
    population_key: np.ndarray  # record key per person, or their sum per row
    vaccinated_key: np.ndarray  # record key of the vaccinated (0 otherwise), or their sum


def _person_rows(members: Members, rows: np.ndarray) -> _Rows:
    """Return the members at `rows`, one person per row."""
    key = members.record_key[rows]
    vaccinated = members.vaccinated[rows]
    return _Rows(
        members.place[rows],
        {k: v[rows] for k, v in members.characteristics.items()},
        None,
        vaccinated,
        key,
        key * vaccinated,
    )


SPARSE_CELLS = 8  # members per cell of the key space below which collapsing sorts them


def _cells_of(key: np.ndarray, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the distinct keys (ascending) in `range(length)` and each key's position among them.

    A full cohort fills much of the key space (a few million cells), where one pass over it
    beats sorting; a narrower cohort fills a sliver of it, where sorting its members costs
    less than allocating and scanning the whole space (tens of MB for each count).
    """
    if len(key) * SPARSE_CELLS < length:
        return np.unique(key, return_inverse=True)
    present = np.zeros(length, dtype=bool)
    present[key] = True
    distinct = np.flatnonzero(present)
    position = np.cumsum(present, dtype=np.int64) - 1
    return distinct, position[key]


def _collapse(members: Members) -> _Rows:
    """Return one weighted row per distinct place x ethnicity x language x age band x quintile.

    At NCL scale this turns 1.6 million people into about 10 times fewer rows, which every
    single characteristic and pair is then counted over.
    """
    parts = ["ethnicity_code", "main_language", "age_band", "imd_quintile"]
    sizes = [len(members.place_codes)] + [len(members.values[p]) + 1 for p in parts]
    key = members.place.astype(np.int64)
    for part, size in zip(parts, sizes[1:], strict=True):
        key = key * size + members.characteristics[part]
    distinct, cell = _cells_of(key, int(np.prod(sizes, dtype=np.int64)))
    population = np.bincount(cell, minlength=len(distinct))
    vaccinated = np.bincount(cell[members.vaccinated], minlength=len(distinct))
    keys = members.record_key
    population_key = np.bincount(cell, weights=keys, minlength=len(distinct))
    vaccinated_key = np.bincount(cell, weights=keys * members.vaccinated, minlength=len(distinct))
    index = np.unravel_index(distinct, sizes)
    characteristics = dict(zip(parts, (ix.astype(np.int16) for ix in index[1:]), strict=True))
    lookup = np.zeros(len(members.values["ethnicity_code"]) + 1, dtype=np.int16)
    ethnicity, group = (
        members.characteristics["ethnicity_code"],
        members.characteristics["ethnic_group"],
    )
    lookup[ethnicity] = group
    characteristics["ethnic_group"] = lookup[characteristics["ethnicity_code"]]
    return _Rows(
        index[0].astype(np.int32),
        characteristics,
        population,
        vaccinated,
        population_key.astype(np.int64),
        vaccinated_key.astype(np.int64),
    )


def _count_cells(
    rows: _Rows,
    values: Mapping[str, tuple],
    n_places: int,
    parts: Sequence[str],
    min_size: int,
    overall_rate: float,
    slack: int = 0,
) -> dict[str, np.ndarray]:
    """Count each place x values of `parts`; keep cells of `min_size` lying below the rate.

    With `slack` s, a cell is kept when it could pass once each count moves by up to s
    (the protection's largest change), so the final choice can be made on shown figures.
    """
    sizes = [len(values[p]) + 1 for p in parts]
    key = rows.place.astype(np.int64)
    for part, size in zip(parts, sizes, strict=True):
        key = key * size + rows.characteristics[part]
    length = n_places * int(np.prod(sizes, dtype=np.int64))
    if rows.population is None:
        population = np.bincount(key, minlength=length)
        done = np.bincount(key[rows.vaccinated], minlength=length)
    else:
        population = np.bincount(key, weights=rows.population, minlength=length).astype(np.int64)
        done = np.bincount(key, weights=rows.vaccinated, minlength=length).astype(np.int64)
    cells = np.flatnonzero(population >= max(min_size - slack, 1))
    done, population = done[cells], population[cells]
    # The lowest uptake (and narrowest interval) the protection could show for the cell.
    _low, high = wilson_interval(np.maximum(done - slack, 0), population + slack)
    below = high < overall_rate
    cells, done, population = cells[below], done[below], population[below]
    population_key = np.bincount(key, weights=rows.population_key, minlength=length)[cells]
    vaccinated_key = np.bincount(key, weights=rows.vaccinated_key, minlength=length)[cells]
    index = np.unravel_index(cells, (n_places, *sizes))
    coded = np.all([ix > 0 for ix in index[1:]], axis=0) if parts else np.ones(len(cells), bool)
    out = {
        "place_index": index[0][coded],
        "vaccinated": done[coded].astype("int64"),
        "population": population[coded].astype("int64"),
        "vaccinated_key": vaccinated_key[coded].astype("int64"),
        "population_key": population_key[coded].astype("int64"),
    }
    for i, part in enumerate(parts):
        lookup = np.array((None, *values[part]), dtype=object)
        out[f"value{i}"] = lookup[index[i + 1][coded]]
    return out


def scan(
    members: Members,
    min_size: int,
    overall_rate: float,
    characteristics: Sequence[str] = tuple(CHARACTERISTICS),
    flags: bool = True,
    slack: int = 0,
) -> pd.DataFrame:
    """Return every place x group of `min_size` or more whose 95% interval lies below the rate.

    Groups are made of the chosen `characteristics` and, when `flags`, each clinical or
    social flag: one of them alone, or a pair. `slack` widens the test (see _count_cells).
    """
    unknown = set(characteristics) - set(CHARACTERISTICS)
    if unknown:
        raise ValueError(f"unknown characteristic(s) {sorted(unknown)}")
    columns: dict[str, list[np.ndarray]] = {c: [] for c in FINDING_COLUMNS}

    def add(cells: dict[str, np.ndarray], labels: Sequence[str], fixed: Sequence = ()) -> None:
        n = len(cells["place_index"])
        if n == 0:
            return
        values = [np.full(n, v, dtype=object) for v in fixed]
        values += [cells[f"value{i}"] for i in range(len(labels) - len(fixed))]
        columns["place_code"].append(cells["place_index"])
        columns["first"].append(np.full(n, labels[0], dtype=object))
        columns["first_value"].append(values[0])
        second = labels[1] if len(labels) > 1 else None
        columns["second"].append(np.full(n, second, dtype=object))
        columns["second_value"].append(values[1] if second else np.full(n, None, dtype=object))
        for count in ("vaccinated", "population", "vaccinated_key", "population_key"):
            columns[count].append(cells[count])

    def count(rows: _Rows, parts: Sequence[str]) -> dict[str, np.ndarray]:
        n_places = len(members.place_codes)
        return _count_cells(rows, members.values, n_places, parts, min_size, overall_rate, slack)

    names = [c for c in CHARACTERISTICS if c in characteristics]
    collapsed = _collapse(members)
    for name in names:
        add(count(collapsed, [name]), [name])
    for a, b in combinations(names, 2):
        if (a, b) not in NESTED_PAIRS:
            add(count(collapsed, [a, b]), [a, b])
    flag_names = list(codes.FLAGS) if flags else []
    for i, flag in enumerate(flag_names):
        with_flag = np.flatnonzero(members.flags & (1 << i))
        if with_flag.size < min_size - slack:
            continue
        rows = _person_rows(members, with_flag)
        add(count(rows, []), [flag], [True])
        for name in names:
            add(count(rows, [name]), [flag, name], [True])
        for j in range(i + 1, len(flag_names)):
            both = with_flag[(members.flags[with_flag] & (1 << j)) != 0]
            if both.size >= min_size - slack:
                pair = [flag, flag_names[j]]
                add(count(_person_rows(members, both), []), pair, [True, True])
    places = np.concatenate(columns.pop("place_code") or [np.zeros(0, dtype=np.int64)])
    del columns["place_name"]
    found = pd.DataFrame(
        {
            "place_code": np.array(members.place_codes, dtype=object)[places],
            "place_name": np.array(members.place_names, dtype=object)[places],
            **{
                name: np.concatenate(parts) if parts else np.zeros(0, dtype=object)
                for name, parts in columns.items()
            },
        }
    )
    return found.astype({c: "int64" for c in FINDING_COLUMNS[-4:]})


ORDERS: dict[str, str] = {
    "excess": "Most excess unvaccinated",
    "uptake": "Lowest uptake",
}
# A programme lead looks for communities, not areas: a group that is most of its place (the
# most deprived fifth of an MSOA lying wholly in quintile 1, English speakers in an English-
# speaking MSOA) is the place itself, and one place should not fill the list.
MAX_SHARE_OF_PLACE = 0.5
PER_PLACE = 2


def _place_shares(
    shown: pd.DataFrame, place_totals: pd.DataFrame, rule: DisclosureRule
) -> np.ndarray:
    """Return each finding's shown population as a share of its place's shown population."""
    places = protect(place_totals.reset_index(drop=True), rule)
    total = dict(
        zip(places["place_code"], places["population"].astype("Float64").fillna(0), strict=True)
    )
    denominator = shown["place_code"].map(total).astype(float).to_numpy()
    population = shown["population"].astype("Float64").fillna(0).to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > 0, population / denominator, 1.0)


def _chosen(candidates: pd.DataFrame, characteristics: Sequence[str], flags: bool) -> np.ndarray:
    """Return which candidates are made only of the chosen characteristics (and flags)."""
    allowed = set(characteristics) | (set(codes.FLAGS) if flags else set())
    first = candidates["first"].isin(allowed).to_numpy()
    second = (candidates["second"].isna() | candidates["second"].isin(allowed)).to_numpy()
    return first & second


def rank(
    candidates: pd.DataFrame,
    overall_rate: float,
    rule: DisclosureRule,
    min_size: int = 1,
    top: int = 20,
    characteristics: Sequence[str] | None = None,
    flags: bool = True,
    place_totals: pd.DataFrame | None = None,
    max_share_of_place: float | None = None,
    per_place: int | None = None,
    order: str = "excess",
) -> pd.DataFrame:
    """Return the `top` groups clearly below `overall_rate`, all as shown, in `order`.

    Every choice is made on protected figures: a group is kept when its shown population
    is at least `min_size` and its shown 95% interval lies below the rate, and ranked by the
    excess unvaccinated worked out from its shown counts (or by shown uptake), ties by name.
    `characteristics` and `flags` keep only groups made of them (a scan of all, filtered);
    with `place_totals` (place_code, population and its key sum), `max_share_of_place` leaves
    out groups that are most of their place, and `per_place` caps the findings of one place.
    Raw counts and key sums do not leave this function.
    """
    if order not in ORDERS:
        raise ValueError(f"unknown order {order!r}; choose from {sorted(ORDERS)}")
    counts = {c: "int64" for c in FINDING_COLUMNS[-4:]}
    candidates = candidates.reset_index(drop=True).astype(counts)
    if characteristics is not None:
        candidates = candidates[_chosen(candidates, characteristics, flags)].reset_index(drop=True)
    shown = protect(candidates, rule)
    # The same place and the same people reached as a single characteristic and as a
    # pair add nothing (children in an MSOA that lies wholly in quintile 1): keep the simpler.
    same_people = candidates[["place_code", *KEY_COLUMNS, "vaccinated", "population"]]
    shown["_conditions"] = shown["second"].notna().astype(int)
    visible = ~shown["uptake_suppressed"]
    population = shown["population"].astype("Float64").fillna(0).to_numpy(dtype=float)
    vaccinated = shown["vaccinated"].astype("Float64").fillna(0).to_numpy(dtype=float)
    keep = (
        visible.to_numpy()
        & (population >= min_size)
        & (shown["ci_high_pct"].fillna(100).to_numpy() < 100 * overall_rate)
    )
    if place_totals is not None and max_share_of_place is not None and len(shown):
        keep &= _place_shares(shown, place_totals, rule) <= max_share_of_place
    shown["excess_unvaccinated"] = population * overall_rate - vaccinated
    shown["_first"] = ~same_people.duplicated()
    ranked = shown[keep & shown["_first"].to_numpy()].sort_values(
        ["_conditions", "place_code", "first", "second"], kind="stable", na_position="first"
    )
    if order == "excess":
        ranked = ranked.sort_values("excess_unvaccinated", ascending=False, kind="stable")
    else:
        ranked = ranked.sort_values("uptake_pct", ascending=True, kind="stable")
    if per_place is not None:
        ranked = ranked[ranked.groupby("place_code").cumcount() < per_place]
    return ranked.drop(columns=["_conditions", "_first"]).head(top).reset_index(drop=True)


@dataclass(frozen=True)
class Scan:
    """Every place x group of a cohort below its uptake, as raw counts, ready to rank often.

    Scanning takes seconds at full scale; ranking a scan by other characteristics, order or
    caps takes milliseconds, so a page scans once per cohort, level and size.
    """

    candidates: pd.DataFrame  # raw counts and key sums: rank() them, never show them
    place_totals: pd.DataFrame  # place_code, population, population_key (raw)
    overall: pd.Series  # the cohort's protected uptake
    overall_rate: float  # its shown rate, the benchmark (0 when suppressed or empty)


def scan_cohort(
    con: duckdb.DuckDBPyConnection,
    cohort: Cohort,
    level: str = "msoa",
    min_size: int = 50,
    languages: Sequence[str] | None = None,
    rule: DisclosureRule = DEFAULT_RULE,
    benchmark_rate: float | None = None,
) -> Scan:
    """Return the scan of every characteristic, pair and flag of a cohort at a place level.

    Groups are compared with `benchmark_rate` (the shown uptake of the cohort's comparator,
    phm.analysis.comparators) when given, else with the cohort's own shown uptake.
    """
    if languages is None:
        languages = sql.language_list(con)
    raw = sql.member_codes(con, cohort, list(languages))
    members = build_members(raw, sql.lsoa_lookup(con), sql.practice_lookup(con), languages, level)
    overall = protect(
        pd.DataFrame(
            {
                "vaccinated": [int(members.vaccinated.sum())],
                "population": [members.size],
                "vaccinated_key": [int((members.record_key * members.vaccinated).sum())],
                "population_key": [int(members.record_key.sum())],
            }
        ),
        rule,
    ).iloc[0]
    n_places = len(members.place_codes)
    place_totals = pd.DataFrame(
        {
            "place_code": list(members.place_codes),
            "population": np.bincount(members.place, minlength=n_places).astype("int64"),
            "population_key": np.bincount(
                members.place, weights=members.record_key, minlength=n_places
            ).astype("int64"),
        }
    )
    place_totals["vaccinated"] = 0  # protect() wants both counts; only the population is read
    place_totals["vaccinated_key"] = 0
    if members.size == 0 or bool(overall["uptake_suppressed"]):
        return Scan(pd.DataFrame(columns=FINDING_COLUMNS), place_totals, overall, 0.0)
    overall_rate = float(overall["uptake_pct"]) / 100
    if benchmark_rate is not None:
        overall_rate = benchmark_rate
    slack = max(rule.rounding - 1, 0)
    found = scan(members, min_size, overall_rate, tuple(CHARACTERISTICS), True, slack)
    return Scan(found, place_totals, overall, overall_rate)


@dataclass(frozen=True)
class Choice:
    """What the finder's list shows of a scan: which groups, whether distinct, in which order.

    With `distinct` (the default list) a group that is more than MAX_SHARE_OF_PLACE of its
    place's people is left out (it is the place, not a community in it) and a place gives at
    most PER_PLACE findings; without it every group clearly below the benchmark is ranked.
    """

    characteristics: tuple[str, ...] = tuple(CHARACTERISTICS)
    flags: bool = True
    distinct: bool = True
    order: str = "excess"
    top: int = 20


def rank_choice(found: Scan, choice: Choice, min_size: int, rule: DisclosureRule) -> pd.DataFrame:
    """Return the top findings of a scan for one choice (phm.analysis.targeting.rank)."""
    return rank(
        found.candidates,
        found.overall_rate,
        rule,
        min_size,
        choice.top,
        choice.characteristics,
        choice.flags,
        found.place_totals if choice.distinct else None,
        MAX_SHARE_OF_PLACE if choice.distinct else None,
        PER_PLACE if choice.distinct else None,
        choice.order,
    )


# The finder's settings in a link (page parameters, not the cohort's).
FINDER_PARAMS = {
    "level": "find_level",
    "min_size": "find_min",
    "by": "find_by",
    "adults": "find_adults",
    "distinct": "find_distinct",
    "order": "find_order",
}


def find_targets(
    con: duckdb.DuckDBPyConnection,
    cohort: Cohort,
    level: str = "msoa",
    min_size: int = 50,
    top: int = 20,
    languages: Sequence[str] | None = None,
    characteristics: Sequence[str] = tuple(CHARACTERISTICS),
    flags: bool = True,
    rule: DisclosureRule = DEFAULT_RULE,
) -> tuple[pd.DataFrame, pd.Series]:
    """Return the top findings and the cohort's overall uptake, both protected.

    The cohort's shown uptake is the benchmark, so a finding is below the figure the page
    shows beside it.
    """
    found = scan_cohort(con, cohort, level, min_size, languages, rule)
    ranked = rank(found.candidates, found.overall_rate, rule, min_size, top, characteristics, flags)
    return ranked, found.overall


# --- words and links --------------------------------------------------------------------


def _ethnicity_noun(code: str) -> str:
    """Return people of an NHS ethnic category as a plural noun phrase."""
    label = codes.ETHNICITY_LABELS[code]
    if label.startswith("Any other"):
        return "people of any other" + label[len("Any other") :]
    if code in ("Z", "99"):
        return f"people whose ethnicity is {label.lower()}"
    return f"{label} people"


def _group_noun(group: str) -> str:
    """Return people of a broad ethnic group as a plural noun phrase."""
    special = {
        "Mixed": "people of mixed ethnicity",
        "Other ethnic groups": "people of other ethnic groups",
        "Not stated or not known": "people whose ethnicity is not stated or not known",
    }
    return special.get(group, f"{group} people")


def _age_phrase(band: str) -> str:
    """Return an age band as 'aged 40-44', 'aged under 18' or 'aged 80 and over'."""
    if band.endswith("+"):
        return f"aged {band[:-1]} and over"
    return f"aged {band[0].lower() + band[1:]}" if band[0].isalpha() else f"aged {band}"


def _quintile_phrase(quintile: int) -> str:
    """Return an IMD quintile as a phrase about where people live."""
    if quintile == 1:
        return "in the most deprived fifth of areas (Core20)"
    if quintile == 5:
        return "in the least deprived fifth of areas"
    return f"in IMD quintile {quintile}"


def describe_group(conditions: Sequence[tuple[str, object]]) -> str:
    """Return a group in words, e.g. 'Romanian speakers aged 40-44 who are housebound'."""
    given = dict(conditions)
    subject = "people"
    if "ethnicity_code" in given:
        subject = _ethnicity_noun(str(given["ethnicity_code"]))
    elif "ethnic_group" in given:
        subject = _group_noun(str(given["ethnic_group"]))
    tail = []
    if "main_language" in given:
        language = str(given["main_language"])
        if language == codes.LANGUAGE_NOT_RECORDED:
            tail.append("whose first language is not recorded")
        elif subject == "people":
            subject = f"{language} speakers"
        else:
            tail.append(f"whose first language is {language}")
    if "age_band" in given:
        tail.append(_age_phrase(str(given["age_band"])))
    for flag in codes.FLAGS:
        if flag in given:
            tail.append(FLAG_PHRASES[flag])
    if "imd_quintile" in given:
        tail.append(_quintile_phrase(int(given["imd_quintile"])))  # type: ignore[call-overload]
    text = " ".join([subject, *tail])
    return text[0].upper() + text[1:]


def conditions_of(row: Mapping[str, object]) -> list[tuple[str, object]]:
    """Return a finding row's group as (characteristic or flag, value) pairs."""
    out = [(str(row["first"]), row["first_value"])]
    if row.get("second") is not None and not pd.isna(row.get("second")):  # type: ignore[arg-type]
        out.append((str(row["second"]), row["second_value"]))
    return out


def finding_cohort(
    base: Cohort, level: str, place_code: str, conditions: Sequence[tuple[str, object]]
) -> Cohort:
    """Return the base cohort narrowed to one finding's group and place (for links)."""
    changes: dict[str, object] = {LEVELS[level].cohort_field: [place_code]}
    flags = dict(base.flags)
    for name, value in conditions:
        if name in codes.FLAGS:
            flags[name] = True
        else:
            changes[FIELD_BY_DIMENSION[name].name] = [value]
    changes["flags"] = flags
    return base.with_(**changes)


def place_phrase(level: str, name: str) -> str:
    """Return where a finding is, e.g. 'in Enfield 012 (MSOA)' or 'registered with X PCN'."""
    return LEVELS[level].finding.format(name)


@dataclass(frozen=True)
class Finding:
    """One ranked finding, with figures already through disclosure control."""

    rank: int
    group: str
    place: str
    uptake: str
    interval: str
    unvaccinated: str
    excess: str
    cohort: Cohort
    dimensions: tuple[str, ...] = ()  # the characteristics that define the group
    place_code: str = ""

    def sentence(self, benchmark: str) -> str:
        """Return the finding as one plain sentence against the cohort's figure."""
        more = f"fewer than {self.excess[1:]}" if self.excess.startswith("<") else self.excess
        return (
            f"{self.group} {self.place}: {self.uptake} ({self.interval}) against {benchmark};"
            f" {self.unvaccinated} unvaccinated, about {more} more than at that uptake"
        )


def _format_excess(excess: float, rule: DisclosureRule) -> str:
    """Return excess unvaccinated rounded like a count, and below the threshold as '<8'."""
    step = max(rule.rounding, 1)
    value = int(max(round(excess / step) * step, 0))
    return rule.suppressed_text if 0 < value < rule.threshold else f"{value:,}"


def present(
    ranked: pd.DataFrame, base: Cohort, level: str, overall_rate: float, rule: DisclosureRule
) -> list[Finding]:
    """Return ranked (already protected) findings as sentences' parts."""
    findings = []
    for _, row in ranked.iterrows():
        if bool(row["uptake_suppressed"]):
            continue  # rank() keeps only shown figures; never show a hidden one
        conditions = conditions_of(row)
        findings.append(
            Finding(
                rank=len(findings) + 1,
                group=describe_group(conditions),
                place=place_phrase(level, str(row["place_name"])),
                uptake=format_rate(row["uptake_pct"], False, rule),
                interval=f"{row['ci_low_pct']:.1f}–{row['ci_high_pct']:.1f}%",
                unvaccinated=f"{int(row['unvaccinated']):,}",
                excess=_format_excess(float(row["excess_unvaccinated"]), rule),
                cohort=finding_cohort(base, level, str(row["place_code"]), conditions),
                dimensions=tuple(dimension for dimension, _ in conditions),
                place_code=str(row["place_code"]),
            )
        )
    return findings
