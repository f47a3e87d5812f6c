"""Validation rules for staged linked extracts: every problem by file, row and column."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import duckdb

from phm.ingest import contract
from phm.ingest.contract import INPUTS, InputFile
from phm.ingest.readers import Staged

ERROR = "error"
WARNING = "warning"
NOTE = "note"  # shown in the report, never blocks a load
EXAMPLES_PER_CHECK = 100
INTEGER_PATTERN = r"^\s*-?[0-9]+\s*$"
FORMULA_PATTERN = r"^[=+@\-\t\r]"
CONTROL_PATTERN = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"  # NUL and other control characters
BOOLEAN_TEXT = ("true", "false", "1", "0")  # the contract's spellings, any case
INTEGER_LIMITS = {"BIGINT": 2**63 - 1, "INTEGER": 2**31 - 1, "TINYINT": 127}
ENGLAND_LON = (-6.5, 2.0)
ENGLAND_LAT = (49.8, 55.9)


@dataclass(frozen=True)
class Problem:
    """One problem in one place: file, row (1 = first data row), column and value."""

    check: str
    severity: str
    file: str
    row: int | None
    column: str | None
    value: str | None
    message: str


@dataclass(frozen=True)
class CheckCount:
    """How many rows break one check, with its description."""

    check: str
    severity: str
    file: str
    column: str | None
    count: int
    message: str


@dataclass
class Findings:
    """All counts and example problems of a validation run."""

    counts: list[CheckCount]
    problems: list[Problem]

    def errors(self) -> int:
        """Return the number of rows with errors."""
        return sum(c.count for c in self.counts if c.severity == ERROR)

    def warnings(self) -> int:
        """Return the number of rows with warnings."""
        return sum(c.count for c in self.counts if c.severity == WARNING)

    def add(self, count: CheckCount, problems: Iterable[Problem] = ()) -> None:
        """Record a check that found something."""
        self.counts.append(count)
        self.problems.extend(problems)


@dataclass(frozen=True)
class RowCheck:
    """A per-row rule on one column: a SQL predicate over the staging table (allow-listed text)."""

    check: str
    severity: str
    column: str
    predicate: str
    message: str


def _typed(spec: InputFile, name: str) -> str:
    """Return SQL that casts a staged column to its contract type (NULL when unreadable)."""
    return f"TRY_CAST({name} AS {spec.sql_type(name)})"


def row_checks(spec: InputFile, present: list[str], as_at: date) -> list[RowCheck]:
    """Return the per-row checks of a file whose staged columns are `present`."""
    checks: list[RowCheck] = []
    limit = f"DATE '{as_at.isoformat()}'"
    for field in spec.fields:
        name = field.name
        if name not in present:
            continue
        sql_type = spec.sql_type(name)
        text = f"CAST({name} AS VARCHAR)"
        if field.required:
            checks.append(
                RowCheck(
                    "missing value",
                    ERROR,
                    name,
                    f"{name} IS NULL OR trim({text}) = ''",
                    f"{name} is required",
                )
            )
        checks.append(
            RowCheck(
                "control character",
                ERROR,
                name,
                f"regexp_matches({text}, '{CONTROL_PATTERN}')",
                f"{name} holds a NUL or other control character (a damaged export?)",
            )
        )
        if sql_type in ("BIGINT", "INTEGER", "TINYINT"):
            whole = f"regexp_matches({text}, '{INTEGER_PATTERN}')"
            checks += [
                RowCheck(
                    "not a whole number",
                    ERROR,
                    name,
                    f"{name} IS NOT NULL AND NOT {whole}",
                    f"{name} must be a whole number",
                ),
                RowCheck(
                    "number out of range",
                    ERROR,
                    name,
                    f"{name} IS NOT NULL AND {whole} AND {_typed(spec, name)} IS NULL",
                    f"{name} is too large for a {sql_type} (whole numbers of at most"
                    f" {len(str(INTEGER_LIMITS[sql_type]))} digits)",
                ),
            ]
            if name.endswith("_id"):
                checks.append(
                    RowCheck(
                        "negative id",
                        ERROR,
                        name,
                        f"{_typed(spec, name)} < 0",
                        f"{name} must not be negative",
                    )
                )
        elif sql_type == "BOOLEAN":
            allowed = ", ".join(f"'{b}'" for b in BOOLEAN_TEXT)
            checks.append(
                RowCheck(
                    "not a boolean",
                    ERROR,
                    name,
                    f"{name} IS NOT NULL AND trim({text}) <> ''"
                    f" AND lower(trim({text})) NOT IN ({allowed})",
                    f"{name} must be a boolean: true/false or 1/0 (not yes/no or Y/N)",
                )
            )
        elif sql_type != "VARCHAR":
            checks.append(
                RowCheck(
                    f"not a {sql_type.lower()}",
                    ERROR,
                    name,
                    f"{name} IS NOT NULL AND trim({text}) <> '' AND {_typed(spec, name)} IS NULL",
                    f"{name} must be a {sql_type.lower()}"
                    + (" (YYYY-MM-DD)" if sql_type == "DATE" else ""),
                )
            )
        if field.codes:
            allowed = ", ".join("'" + c + "'" for c in field.codes)  # fixed code lists only
            checks.append(
                RowCheck(
                    "code not allowed",
                    ERROR,
                    name,
                    f"{name} IS NOT NULL AND trim({text}) <> '' AND trim({text}) NOT IN ({allowed})",
                    f"{name} must be one of {', '.join(field.codes)}",
                )
            )
        if sql_type == "VARCHAR":
            checks.append(
                RowCheck(
                    "text too long",
                    ERROR,
                    name,
                    f"length({text}) > {contract.MAX_TEXT_LENGTH}",
                    f"{name} is longer than {contract.MAX_TEXT_LENGTH} characters",
                )
            )
            checks.append(
                RowCheck(
                    "spreadsheet formula",
                    ERROR,
                    name,
                    f"regexp_matches({text}, '{FORMULA_PATTERN}')",
                    f"{name} starts with =, +, -, @ or a control character (formula injection)",
                )
            )
    typed = {name: _typed(spec, name) for name in present}
    if "nhs_number" in present:
        digits = "replace(trim(CAST(nhs_number AS VARCHAR)), ' ', '')"
        weighted = " + ".join(
            f"{11 - k} * TRY_CAST(substr({digits}, {k}, 1) AS INTEGER)" for k in range(1, 10)
        )
        checks += [
            RowCheck(
                "not an NHS number",
                ERROR,
                "nhs_number",
                f"nhs_number IS NOT NULL AND NOT regexp_full_match({digits}, '[0-9]{{10}}')",
                "nhs_number must be 10 digits",
            ),
            RowCheck(
                "NHS number check digit",
                ERROR,
                "nhs_number",
                f"regexp_full_match({digits}, '[0-9]{{10}}')"
                f" AND (11 - ({weighted}) % 11) % 11 <> TRY_CAST(substr({digits}, 10, 1) AS INTEGER)",
                "nhs_number fails the Modulus 11 check digit (a typing slip or not an NHS number)",
            ),
        ]
    if "birth_date" in typed:
        b = typed["birth_date"]
        checks += [
            RowCheck(
                "implausible birth date",
                ERROR,
                "birth_date",
                f"{b} < DATE '{contract.EARLIEST_BIRTH}' OR {b} > {limit}",
                f"birth_date must be from {contract.EARLIEST_BIRTH} and not after {as_at}",
            ),
        ]
        if spec.kind == "persons":  # identities keep the full date, for direct care
            checks.append(
                RowCheck(
                    "birth date not first of month",
                    WARNING,
                    "birth_date",
                    f"day({b}) <> 1",
                    "birth_date is truncated to the first of the month when loaded",
                )
            )
    if "vaccination_date" in typed:
        v = typed["vaccination_date"]
        checks += [
            RowCheck(
                "date before the programme",
                ERROR,
                "vaccination_date",
                f"{v} < DATE '{contract.PROGRAMME_START}'",
                f"vaccination_date is before the programme began ({contract.PROGRAMME_START})",
            ),
            RowCheck(
                "date in the future",
                ERROR,
                "vaccination_date",
                f"{v} > {limit}",
                f"vaccination_date is after the as-at date {as_at}",
            ),
        ]
    for name in ("registered_from", "registered_to", "opened", "closed"):
        if name in typed:
            checks.append(
                RowCheck(
                    "implausible date",
                    ERROR,
                    name,
                    f"{typed[name]} < DATE '{contract.EARLIEST_BIRTH}'",
                    f"{name} must be from {contract.EARLIEST_BIRTH} (a BC date or a typing slip?)",
                )
            )
    if "registered_from" in typed:
        checks.append(
            RowCheck(
                "date in the future",
                ERROR,
                "registered_from",
                f"{typed['registered_from']} > {limit}",
                f"registered_from is after the as-at date {as_at}",
            )
        )
    if "registered_to" in typed and "registered_from" in typed:
        checks.append(
            RowCheck(
                "registration ends before it starts",
                ERROR,
                "registered_to",
                f"{typed['registered_to']} <= {typed['registered_from']}",
                "registered_to must be after registered_from",
            )
        )
    if "registered_to" in present:
        reason = "registration_end_reason" if "registration_end_reason" in present else "NULL"
        checks.append(
            RowCheck(
                "registration end without reason",
                ERROR,
                "registration_end_reason",
                f"(nullif(trim(CAST(registered_to AS VARCHAR)), '') IS NULL)"
                f" <> (nullif(trim(CAST({reason} AS VARCHAR)), '') IS NULL)",
                "registered_to and registration_end_reason (moved or died) go together",
            )
        )
    if "opened" in typed and "closed" in typed:
        checks.append(
            RowCheck(
                "site closes before it opens",
                ERROR,
                "closed",
                f"{typed['closed']} < {typed['opened']}",
                "closed must not be before opened",
            )
        )
    for axis, (low, high) in (("lon", ENGLAND_LON), ("lat", ENGLAND_LAT)):
        if axis in typed:
            checks.append(
                RowCheck(
                    "location outside England",
                    ERROR,
                    axis,
                    f"{typed[axis]} NOT BETWEEN {low} AND {high}",
                    f"{axis} must be WGS84 degrees within England ({low} to {high})",
                )
            )
    return checks


def run_row_checks(
    con: duckdb.DuckDBPyConnection, staged: Staged, as_at: date, findings: Findings
) -> None:
    """Run every per-row check of one staged file in one scan, then fetch examples of failures."""
    spec = INPUTS[staged.kind]
    checks = row_checks(spec, staged.present, as_at)
    if not checks or staged.rows == 0:
        return
    counts_sql = (
        "SELECT "
        + ", ".join(f"count(*) FILTER (WHERE {c.predicate})" for c in checks)
        + f" FROM {staged.table}"
    )
    counts = con.execute(counts_sql).fetchall()[0]
    for check, count in zip(checks, counts, strict=True):
        if not count:
            continue
        example_sql = (
            f"SELECT rowid + 1, CAST({check.column} AS VARCHAR) FROM {staged.table}"
            f" WHERE {check.predicate} ORDER BY rowid LIMIT {EXAMPLES_PER_CHECK}"
        )
        if check.column not in staged.present:
            example_sql = example_sql.replace(f"CAST({check.column} AS VARCHAR)", "NULL", 1)
        rows = con.execute(example_sql).fetchall()
        findings.add(
            CheckCount(
                check.check,
                check.severity,
                staged.path.name,
                check.column,
                int(count),
                check.message,
            ),
            (
                Problem(
                    check.check,
                    check.severity,
                    staged.path.name,
                    int(r),
                    check.column,
                    v,
                    check.message,
                )
                for r, v in rows
            ),
        )


@dataclass(frozen=True)
class SetCheck:
    """A rule across rows or files: SQL returning (row, value) of each failing row."""

    check: str
    severity: str
    kind: str
    column: str
    sql: str
    message: str
    needs: tuple[str, ...]


DOSE_TABLES = (
    # Typed doses and one row per person and programme with each dose's date: built once,
    # so that the dose checks are hash joins, not self-joins of the whole vaccinations file.
    "CREATE OR REPLACE TABLE stage.dose_typed AS SELECT rowid + 1 AS r,"
    " TRY_CAST(person_id AS BIGINT) AS pid, trim(CAST(programme AS VARCHAR)) AS prog,"
    " trim(CAST(dose AS VARCHAR)) AS d, TRY_CAST(vaccination_date AS DATE) AS vd"
    " FROM stage.vaccinations",
    "CREATE OR REPLACE TABLE stage.dose_pivot AS SELECT pid, prog,"
    " min(vd) FILTER (WHERE d = '1') AS d1, min(vd) FILTER (WHERE d = '2') AS d2"
    " FROM stage.dose_typed WHERE pid IS NOT NULL GROUP BY pid, prog",
)


def _set_checks() -> list[SetCheck]:
    """Return the cross-row and cross-file checks (all SQL fixed text over staging tables)."""
    checks = [
        SetCheck(
            "duplicate id",
            ERROR,
            kind,
            key,
            f"SELECT rowid + 1, CAST({key} AS VARCHAR) FROM stage.{kind}"
            f" WHERE {same} IN (SELECT {same}"
            f" FROM stage.{kind} WHERE {key} IS NOT NULL GROUP BY 1 HAVING count(*) > 1)",
            f"{key} appears more than once" + note,
            (kind,),
        )
        for kind, key, same, note in (
            (
                "persons",
                "person_id",
                # As the whole number it is loaded as: 0054678998 and 54678998 are one id.
                "coalesce(CAST(TRY_CAST(trim(CAST(person_id AS VARCHAR)) AS BIGINT) AS VARCHAR),"
                " trim(CAST(person_id AS VARCHAR)))",
                " (as a whole number: leading zeros do not make ids differ)",
            ),
            (
                "identities",
                "person_id",
                "coalesce(CAST(TRY_CAST(trim(CAST(person_id AS VARCHAR)) AS BIGINT) AS VARCHAR),"
                " trim(CAST(person_id AS VARCHAR)))",
                " (each person has one identity)",
            ),
            (
                "identities",
                "nhs_number",
                "replace(trim(CAST(nhs_number AS VARCHAR)), ' ', '')",
                " (two people cannot share an NHS number)",
            ),
            ("practices", "practice_code", "trim(CAST(practice_code AS VARCHAR))", ""),
            ("sites", "site_id", "trim(CAST(site_id AS VARCHAR))", ""),
        )
    ]
    checks += [
        SetCheck(
            "duplicate dose",
            ERROR,
            "vaccinations",
            "dose",
            "SELECT t.r, CAST(t.pid AS VARCHAR) || ' dose ' || t.d FROM stage.dose_typed t"
            " SEMI JOIN (SELECT pid, prog, d FROM stage.dose_typed WHERE pid IS NOT NULL"
            " GROUP BY ALL HAVING count(*) > 1) x USING (pid, prog, d)",
            "the same person has this dose more than once",
            ("vaccinations",),
        ),
        SetCheck(
            "person not in persons file",
            ERROR,
            "vaccinations",
            "person_id",
            "SELECT t.r, CAST(t.pid AS VARCHAR) FROM stage.dose_typed t ANTI JOIN"
            " (SELECT TRY_CAST(person_id AS BIGINT) AS pid FROM stage.persons) p USING (pid)"
            " WHERE t.pid IS NOT NULL",
            "every vaccination's person must be in the persons file",
            ("vaccinations", "persons"),
        ),
        SetCheck(
            "person not in persons file",
            ERROR,
            "identities",
            "person_id",
            "SELECT rowid + 1, CAST(person_id AS VARCHAR) FROM stage.identities i"
            " WHERE TRY_CAST(person_id AS BIGINT) IS NOT NULL AND TRY_CAST(person_id AS BIGINT)"
            " NOT IN (SELECT TRY_CAST(person_id AS BIGINT) FROM stage.persons"
            " WHERE TRY_CAST(person_id AS BIGINT) IS NOT NULL)",
            "every identity's person must be in the persons file",
            ("identities", "persons"),
        ),
        SetCheck(
            "birth date differs from persons file",
            ERROR,
            "identities",
            "birth_date",
            "SELECT i.rowid + 1, CAST(i.birth_date AS VARCHAR) FROM stage.identities i JOIN"
            " (SELECT TRY_CAST(person_id AS BIGINT) AS pid, TRY_CAST(birth_date AS DATE) AS b"
            " FROM stage.persons) p ON p.pid = TRY_CAST(i.person_id AS BIGINT)"
            " WHERE date_trunc('month', TRY_CAST(i.birth_date AS DATE)) <> date_trunc('month', p.b)",
            "birth_date is not in the month of the person's birth_date in the persons file"
            " (identity and record of different people?)",
            ("identities", "persons"),
        ),
        SetCheck(
            "vaccinated before birth",
            ERROR,
            "vaccinations",
            "vaccination_date",
            "SELECT t.r, CAST(t.vd AS VARCHAR) FROM stage.dose_typed t JOIN"
            " (SELECT TRY_CAST(person_id AS BIGINT) AS pid, TRY_CAST(birth_date AS DATE) AS b"
            " FROM stage.persons) p USING (pid) WHERE t.vd < p.b",
            "vaccination_date is before the person's birth_date",
            ("vaccinations", "persons"),
        ),
        SetCheck(
            "unknown LSOA",
            ERROR,
            "persons",
            "lsoa_code",
            "SELECT rowid + 1, CAST(lsoa_code AS VARCHAR) FROM stage.persons p"
            " WHERE lsoa_code IS NOT NULL AND trim(CAST(lsoa_code AS VARCHAR)) NOT IN"
            " (SELECT lsoa_code FROM ref_lsoa)",
            "lsoa_code is not an LSOA of the ICB's reference geography",
            ("persons",),
        ),
        SetCheck(
            "unknown practice",
            WARNING,
            "persons",
            "practice_code",
            "SELECT rowid + 1, CAST(practice_code AS VARCHAR) FROM stage.persons p"
            " WHERE practice_code IS NOT NULL AND trim(CAST(practice_code AS VARCHAR)) NOT IN"
            " (SELECT trim(CAST(practice_code AS VARCHAR)) FROM stage.practices"
            " WHERE practice_code IS NOT NULL)",
            "practice_code is not in the practices file; listed by code only",
            ("persons", "practices"),
        ),
        SetCheck(
            "unknown site",
            WARNING,
            "vaccinations",
            "site_id",
            "SELECT rowid + 1, CAST(site_id AS VARCHAR) FROM stage.vaccinations"
            " WHERE site_id IS NOT NULL AND trim(CAST(site_id AS VARCHAR)) NOT IN"
            " (SELECT trim(CAST(site_id AS VARCHAR)) FROM stage.sites WHERE site_id IS NOT NULL)",
            "site_id is not in the sites file; listed by id only, without a location",
            ("vaccinations", "sites"),
        ),
        SetCheck(
            "delivery model differs from site",
            WARNING,
            "vaccinations",
            "delivery_model",
            "SELECT v.rowid + 1, CAST(v.delivery_model AS VARCHAR) FROM stage.vaccinations v"
            " JOIN stage.sites s ON trim(CAST(s.site_id AS VARCHAR)) = trim(CAST(v.site_id AS VARCHAR))"
            " WHERE trim(CAST(v.delivery_model AS VARCHAR)) <> trim(CAST(s.delivery_model AS VARCHAR))",
            "delivery_model differs from the site's delivery model in the sites file",
            ("vaccinations", "sites"),
        ),
    ]
    for later, earlier, gap, label, column in (
        ("2", "1", contract.MIN_DAYS_DOSE_2, "dose 2", "d1"),
        ("3", "2", contract.MIN_DAYS_BOOSTER, "booster", "d2"),
    ):
        pair = (
            f"SELECT t.r, t.vd, p.{column} AS prior FROM stage.dose_typed t JOIN stage.dose_pivot p"
            f" USING (pid, prog) WHERE t.d = '{later}'"
        )
        checks += [
            SetCheck(
                "dose order",
                ERROR,
                "vaccinations",
                "dose",
                f"SELECT r, CAST(vd AS VARCHAR) FROM ({pair}) WHERE prior IS NULL OR vd < prior",
                f"{label} has no dose {earlier} before it",
                ("vaccinations",),
            ),
            SetCheck(
                "dose interval too short",
                WARNING,
                "vaccinations",
                "vaccination_date",
                f"SELECT r, CAST(vd AS VARCHAR) FROM ({pair})"
                f" WHERE vd >= prior AND vd < prior + INTERVAL {gap} DAY",
                f"{label} is less than {gap} days after dose {earlier}",
                ("vaccinations",),
            ),
        ]
    return checks


SET_CHECKS = _set_checks()


def run_set_checks(
    con: duckdb.DuckDBPyConnection, staged: dict[str, Staged], findings: Findings
) -> None:
    """Run the cross-row and cross-file checks whose files are present and complete."""
    if "vaccinations" in staged and not staged["vaccinations"].missing:
        for sql in DOSE_TABLES:
            con.execute(sql)
    for check in SET_CHECKS:
        if not all(k in staged and not staged[k].missing for k in check.needs):
            continue
        if check.column not in staged[check.kind].present:
            continue
        count = con.execute("SELECT count(*) FROM (" + check.sql + ")").fetchall()[0][0]
        if not count:
            continue
        examples = con.execute(
            "SELECT * FROM (" + check.sql + f") ORDER BY 1 LIMIT {EXAMPLES_PER_CHECK}"
        ).fetchall()
        name = staged[check.kind].path.name
        findings.add(
            CheckCount(check.check, check.severity, name, check.column, int(count), check.message),
            (
                Problem(
                    check.check, check.severity, name, int(r), check.column, str(v), check.message
                )
                for r, v in examples
            ),
        )


def file_findings(staged: Staged, findings: Findings) -> None:
    """Record problems with a file as a whole: missing or ignored columns, no rows."""
    name = staged.path.name
    for column in staged.missing:
        findings.add(
            CheckCount(
                "missing column", ERROR, name, column, 1, f"the file has no {column} column"
            ),
            [
                Problem(
                    "missing column",
                    ERROR,
                    name,
                    None,
                    column,
                    None,
                    f"the file has no {column} column",
                )
            ],
        )
    for column in staged.ignored:
        message = f"column {column!r} is not in the data contract and is ignored"
        findings.add(
            CheckCount("ignored column", WARNING, name, column, 1, message),
            [Problem("ignored column", WARNING, name, None, column, None, message)],
        )
    if staged.rows == 0:
        message = "the file has a header but no rows"
        findings.add(
            CheckCount("no rows", ERROR, name, None, 1, message),
            [Problem("no rows", ERROR, name, None, None, None, message)],
        )


def validate(con: duckdb.DuckDBPyConnection, staged: dict[str, Staged], as_at: date) -> Findings:
    """Return every problem of the staged files (reference LSOAs must be in table ref_lsoa)."""
    findings = Findings([], [])
    for item in staged.values():
        file_findings(item, findings)
    for item in staged.values():
        if not item.missing:
            run_row_checks(con, item, as_at, findings)
    run_set_checks(con, staged, findings)
    return findings
