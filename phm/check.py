"""Validate a built database against the schema and its integrity rules."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from phm import codes, schema

KINDS = ("synthetic", "linked extract", "published aggregate")


@dataclass(frozen=True)
class Problem:
    """One failed rule, with how many rows break it and a few examples."""

    rule: str
    count: int
    examples: str = ""

    def __str__(self) -> str:
        """Return the problem as one report line."""
        tail = f" (e.g. {self.examples})" if self.examples else ""
        return f"FAIL {self.rule}: {self.count:,} row(s){tail}"


def _in_list(values: list[str]) -> str:
    """Return a SQL list literal of fixed code values (from phm.codes, never user text)."""
    return "(" + ", ".join("'" + str(v).replace("'", "''") + "'" for v in values) + ")"


RULES: tuple[tuple[str, str], ...] = (
    ("person_id is unique", "SELECT person_id FROM person GROUP BY person_id HAVING count(*) > 1"),
    (
        "every vaccination's person exists",
        "SELECT v.person_id FROM vaccination v ANTI JOIN person p USING (person_id)",
    ),
    (
        "every vaccination's site exists",
        "SELECT v.site_id FROM vaccination v ANTI JOIN site s USING (site_id)",
    ),
    (
        "every person's practice exists",
        "SELECT p.practice_code FROM person p ANTI JOIN practice USING (practice_code)",
    ),
    (
        "every person's LSOA exists",
        "SELECT p.lsoa_code FROM person p ANTI JOIN lsoa USING (lsoa_code)",
    ),
    (
        "every identity's person exists, at the same practice",
        "SELECT i.person_id FROM identity i LEFT JOIN person p USING (person_id)"
        " WHERE p.person_id IS NULL OR p.practice_code <> i.practice_code",
    ),
    (
        "identity birth dates in the person's birth month",
        "SELECT i.person_id FROM identity i JOIN person p USING (person_id)"
        " WHERE date_trunc('month', i.birth_date) <> p.birth_date",
    ),
    (
        "NHS numbers distinct",
        "SELECT nhs_number FROM identity GROUP BY nhs_number HAVING count(*) > 1",
    ),
    (
        "at most one dose of each number per person",
        "SELECT person_id, dose FROM vaccination GROUP BY ALL HAVING count(*) > 1",
    ),
    (
        "vaccination dates within the programme (8 Dec 2020 to the as-at date)",
        "SELECT vaccination_date FROM vaccination WHERE vaccination_date < DATE '2020-12-08' "
        "OR vaccination_date > (SELECT CAST(value AS DATE) FROM dataset_meta WHERE key = 'as_at')",
    ),
    (
        "second dose follows a first dose by at least 19 days",
        "SELECT v2.person_id FROM vaccination v2 LEFT JOIN vaccination v1 ON v1.person_id = v2.person_id "
        "AND v1.dose = '1' WHERE v2.dose = '2' AND (v1.person_id IS NULL "
        "OR v2.vaccination_date < v1.vaccination_date + INTERVAL 19 DAY)",
    ),
    (
        "booster follows a second dose by at least 8 weeks",
        "SELECT v3.person_id FROM vaccination v3 LEFT JOIN vaccination v2 ON v2.person_id = v3.person_id "
        "AND v2.dose = '2' WHERE v3.dose = '3' AND (v2.person_id IS NULL "
        "OR v3.vaccination_date < v2.vaccination_date + INTERVAL 56 DAY)",
    ),
    (
        "vaccinated on or after birth",
        "SELECT v.person_id FROM vaccination v JOIN person p USING (person_id) "
        "WHERE v.vaccination_date < p.birth_date",
    ),
    (
        "birth dates plausible (1900 on, first of the month, not in the future)",
        "SELECT birth_date FROM person WHERE birth_date < DATE '1900-01-01' "
        "OR birth_date > current_date OR day(birth_date) <> 1",
    ),
    (
        "registration ends after it starts",
        "SELECT person_id FROM person WHERE registered_to IS NOT NULL AND registered_to <= registered_from",
    ),
    (
        "registration end has a reason",
        "SELECT person_id FROM person WHERE (registered_to IS NULL) <> (registration_end_reason IS NULL)",
    ),
    ("sex codes valid", "SELECT sex FROM person WHERE sex NOT IN " + _in_list(list(codes.SEXES))),
    (
        "ethnicity codes valid",
        "SELECT ethnicity_code FROM person WHERE ethnicity_code NOT IN "
        + _in_list(list(codes.ETHNICITY_LABELS)),
    ),
    (
        "ethnicity sources valid, 'none' exactly for code 99",
        "SELECT ethnicity_source FROM person WHERE ethnicity_source NOT IN "
        + _in_list(list(codes.ETHNICITY_SOURCES))
        + " OR (ethnicity_source = 'none') <> (ethnicity_code = "
        + _in_list([codes.ETHNICITY_NOT_KNOWN])
        + ")",
    ),
    (
        "first language recorded or 'Not recorded', never empty",
        "SELECT main_language FROM person WHERE main_language IS NULL OR trim(main_language) = ''",
    ),
    ("JCVI cohorts valid", "SELECT jcvi_cohort FROM person WHERE jcvi_cohort NOT BETWEEN 0 AND 12"),
    (
        "ltc_count matches the at-risk flags",
        "SELECT person_id FROM person WHERE ltc_count <> "
        + " + ".join(f"CAST({c} AS INTEGER)" for c in codes.AT_RISK_CONDITIONS),
    ),
    ("IMD deciles valid", "SELECT imd_decile FROM lsoa WHERE imd_decile NOT BETWEEN 1 AND 10"),
    (
        "imd_source valid",
        "SELECT imd_source FROM lsoa WHERE imd_source NOT IN ('IoD2019', 'synthetic')",
    ),
    (
        "doses valid",
        "SELECT dose FROM vaccination WHERE dose NOT IN " + _in_list(list(codes.DOSES)),
    ),
    (
        "programmes valid",
        "SELECT programme FROM vaccination WHERE programme NOT IN "
        + _in_list(list(codes.PROGRAMMES)),
    ),
    (
        "delivery models valid",
        "SELECT delivery_model FROM site WHERE delivery_model NOT IN "
        + _in_list(list(codes.DELIVERY_MODELS))
        + " UNION ALL SELECT delivery_model FROM vaccination WHERE delivery_model NOT IN "
        + _in_list(list(codes.DELIVERY_MODELS)),
    ),
    (
        "vaccination delivery model matches its site",
        "SELECT v.site_id FROM vaccination v JOIN site s USING (site_id) "
        "WHERE v.delivery_model <> s.delivery_model",
    ),
    (
        "vaccination given while its site was open",
        "SELECT v.site_id FROM vaccination v JOIN site s USING (site_id) "
        "WHERE v.vaccination_date < s.opened OR v.vaccination_date > coalesce(s.closed, DATE '9999-12-31')",
    ),
    (
        "person dose dates match vaccination",
        "SELECT p.person_id FROM person p LEFT JOIN (SELECT person_id, "
        "min(vaccination_date) FILTER (WHERE dose = '1') AS d1, "
        "min(vaccination_date) FILTER (WHERE dose = '2') AS d2, "
        "min(vaccination_date) FILTER (WHERE dose = '3') AS d3 FROM vaccination GROUP BY person_id) v "
        "USING (person_id) WHERE p.first_dose_date IS DISTINCT FROM v.d1 "
        "OR p.second_dose_date IS DISTINCT FROM v.d2 OR p.booster_date IS DISTINCT FROM v.d3",
    ),
    (
        "dataset kind known",
        "SELECT value FROM dataset_meta WHERE key = 'kind' AND value NOT IN "
        + _in_list(list(KINDS)),
    ),
)


def check_schema(con: duckdb.DuckDBPyConnection) -> list[Problem]:
    """Return problems with missing tables or columns."""
    problems = []
    present = con.execute(
        "SELECT table_name, column_name FROM information_schema.columns"
    ).fetchall()
    have: dict[str, set[str]] = {}
    for table, column in present:
        have.setdefault(table, set()).add(column)
    for table in schema.TABLES:
        if table not in have:
            problems.append(Problem(f"table {table} exists", 1, table))
            continue
        missing = [c for c in schema.column_names(table) if c not in have[table]]
        if missing:
            problems.append(
                Problem(f"table {table} has every column", len(missing), ", ".join(missing))
            )
    meta = (
        dict(con.execute("SELECT key, value FROM dataset_meta").fetchall())
        if "dataset_meta" in have
        else {}
    )
    missing_keys = [k for k in ("name", "kind", "as_at") if k not in meta]
    if missing_keys:
        problems.append(
            Problem(
                "dataset_meta has name, kind and as_at", len(missing_keys), ", ".join(missing_keys)
            )
        )
    return problems


def check_database(path: Path) -> list[Problem]:
    """Return every problem found in the database at `path` (empty when it is valid)."""
    if not path.exists():
        return [Problem(f"database exists at {path}", 1)]
    con = duckdb.connect(str(path), read_only=True)
    try:
        problems = check_schema(con)
        if problems:
            return problems
        for rule, sql in RULES:
            count = con.execute("SELECT count(*) FROM (" + sql + ")").fetchone()[0]
            if count:
                examples = con.execute(sql + " LIMIT 3").fetchall()
                problems.append(Problem(rule, int(count), "; ".join(str(e) for e in examples)))
        return problems
    finally:
        con.close()
