"""Load a linked extract: stage, validate, build beside the live database, swap in atomically."""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pandas as pd

from phm import codes, db, geo, record_keys, schema, settings, workfiles
from phm.cohort import Cohort
from phm.disclosure import DEFAULT_RULE, protect
from phm.geo import ATTRIBUTION
from phm.ingest import report
from phm.ingest.contract import INPUTS
from phm.ingest.readers import Staged, UnreadableFile, stage_file
from phm.ingest.validate import ERROR, NOTE, WARNING, CheckCount, Findings, Problem, validate
from phm.queries import quality as quality_queries

Progress = Callable[[str, float], None]
# JCVI priority cohorts from age at 31 March 2021 and the flags (as in phm.synth.people).
AGE_SQL = "(date_diff('month', birth_date, DATE '2021-03-31') // 12)"
JCVI_SQL = f"""CASE
  WHEN is_care_home_resident AND {AGE_SQL} >= 65 THEN 1
  WHEN {AGE_SQL} >= 80 OR (is_health_care_worker AND {AGE_SQL} >= 16) THEN 2
  WHEN {AGE_SQL} >= 75 THEN 3
  WHEN {AGE_SQL} >= 70 OR (is_clinically_extremely_vulnerable AND {AGE_SQL} >= 16) THEN 4
  WHEN {AGE_SQL} >= 65 THEN 5
  WHEN (ltc_count > 0 OR has_learning_disability OR has_severe_mental_illness
        OR is_unpaid_carer) AND {AGE_SQL} >= 16 THEN 6
  WHEN {AGE_SQL} >= 60 THEN 7 WHEN {AGE_SQL} >= 55 THEN 8 WHEN {AGE_SQL} >= 50 THEN 9
  WHEN {AGE_SQL} >= 40 THEN 10 WHEN {AGE_SQL} >= 30 THEN 11 WHEN {AGE_SQL} >= 18 THEN 12 ELSE 0 END"""


def _silent(_message: str, _fraction: float) -> None:
    """Ignore progress messages."""


@dataclass
class IngestResult:
    """What a load did: whether it was refused, the findings and where the report went."""

    loaded: bool
    findings: Findings
    report_paths: list[Path]
    seconds: float
    rows: dict[str, int] = field(default_factory=dict)
    reason: str = ""


ROW_COUNT_SQL = {
    "person": "SELECT count(*) FROM person",
    "vaccination": "SELECT count(*) FROM vaccination",
    "practice": "SELECT count(*) FROM practice",
    "site": "SELECT count(*) FROM site",
    "lsoa": "SELECT count(*) FROM lsoa",
}


def _sha256(path: Path) -> str:
    """Return the SHA-256 of a file (read in 1 MB blocks)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _value(spec_kind: str, name: str, present: list[str]) -> str:
    """Return SQL for a staged column cast to its schema type, or its default when absent."""
    spec = INPUTS[spec_kind]
    if name in present:
        sql_type = spec.sql_type(name)
        text = f"nullif(trim(CAST({name} AS VARCHAR)), '')"
        return f"CAST({text} AS {sql_type})"
    default = spec.field(name).default
    return f"CAST({'NULL' if default is None else default} AS {spec.sql_type(name)})"


def data_quality(con: duckdb.DuckDBPyConnection, as_at: date) -> list[dict[str, object]]:
    """Return the load's data-quality rows: each column's completeness against the contract.

    Counted over the people registered at the as-at date and protected with the default rule
    (a report is read beside the app); per cent from the shown counts.
    """
    raw = quality_queries.completeness(con, Cohort(as_at=as_at), quality_queries.ICS)
    shown = protect(
        raw.rename(columns={"recorded": "vaccinated", "recorded_key": "vaccinated_key"}),
        DEFAULT_RULE,
    ).set_index("measure")
    rows: list[dict[str, object]] = []
    items = [
        *[(column, measure) for column, measure in quality_queries.COLUMN_MEASURES.items()],
        *[(flag, flag) for flag in codes.FLAGS],
    ]
    for column, measure in items:
        if measure not in shown.index:
            continue
        pct = shown.at[measure, "uptake_pct"]
        value = None if pd.isna(pct) else float(pct)
        expected = schema.expected_completeness("person", column)
        rows.append(
            {
                "column": column,
                "measure": {
                    "ethnicity": "usable ethnic category or 'not stated' (GP + linked)",
                    "ethnicity_gp": "ethnicity from the GP record (before linkage)",
                    "language": "first language recorded",
                }.get(measure, "recorded as yes (prevalence; absent cannot be told from no)"),
                "completeness_pct": value,
                "expected_pct": expected,
                "meets": None if expected is None or value is None else value >= expected,
            }
        )
    return rows


def _write_tables(
    con: duckdb.DuckDBPyConnection, staged: dict[str, Staged], lsoa: pd.DataFrame, secret: str
) -> dict[str, int]:
    """Create the schema tables and fill them from the staged files (all SQL fixed text)."""
    for table in schema.TABLES:
        con.execute(schema.create_table_sql(table))
    con.register("new_lsoa", lsoa)
    con.execute("INSERT INTO lsoa BY NAME SELECT * EXCLUDE (uptake_effect) FROM new_lsoa")
    persons = staged["persons"].present
    v = {n: _value("persons", n, persons) for n in (f.name for f in INPUTS["persons"].fields)}
    flags = ", ".join(f"coalesce({v[flag]}, false) AS {flag}" for flag in codes.FLAGS)
    ltc = " + ".join(f"CAST(coalesce({v[c]}, false) AS INTEGER)" for c in codes.AT_RISK_CONDITIONS)
    con.execute(
        "CREATE TEMP TABLE person_in AS SELECT "
        f"{v['person_id']} AS person_id, trim({v['practice_code']}) AS practice_code, "
        f"trim({v['lsoa_code']}) AS lsoa_code, date_trunc('month', {v['birth_date']})::DATE"
        f" AS birth_date, trim({v['sex']}) AS sex, trim({v['ethnicity_code']}) AS ethnicity_code,"
        f" CASE WHEN trim({v['ethnicity_code']}) = '{codes.ETHNICITY_NOT_KNOWN}' THEN 'none'"
        f" ELSE coalesce(nullif(trim({v['ethnicity_source']}), ''), 'gp') END AS ethnicity_source,"
        f" coalesce(nullif(trim({v['main_language']}), ''), '{codes.LANGUAGE_NOT_RECORDED}')"
        f" AS main_language, {flags},"
        f" CAST({ltc} AS TINYINT) AS ltc_count, {v['jcvi_cohort']} AS jcvi_cohort,"
        f" {v['registered_from']} AS registered_from, {v['registered_to']} AS registered_to,"
        f" trim({v['registration_end_reason']}) AS registration_end_reason"
        " FROM stage.persons"
    )
    con.execute("UPDATE person_in SET jcvi_cohort = " + JCVI_SQL + " WHERE jcvi_cohort IS NULL")
    vacc = staged["vaccinations"].present
    w = {
        n: _value("vaccinations", n, vacc) for n in (f.name for f in INPUTS["vaccinations"].fields)
    }
    con.execute(
        "INSERT INTO vaccination SELECT "
        f"{w['person_id']}, trim({w['programme']}), trim({w['dose']}), {w['vaccination_date']},"
        f" trim({w['site_id']}), trim({w['delivery_model']}) FROM stage.vaccinations"
        " ORDER BY 1, 3"
    )
    if "practices" in staged:
        present = staged["practices"].present
        p = {n: _value("practices", n, present) for n in schema.column_names("practice")}
        con.execute(
            "INSERT INTO practice SELECT "
            + ", ".join(
                f"trim({p[c]})" if INPUTS["practices"].sql_type(c) == "VARCHAR" else p[c]
                for c in schema.column_names("practice")
            )
            + " FROM stage.practices"
        )
    # Practices referenced but not listed: by code only, placed at their patients' centre.
    con.execute(
        "INSERT INTO practice SELECT p.practice_code, 'Practice ' || p.practice_code,"
        " 'UNLISTED', 'Practices not in the practices file', mode(l.lad_code),"
        " avg(l.centroid_lon), avg(l.centroid_lat) FROM person_in p"
        " JOIN lsoa l USING (lsoa_code)"
        " WHERE p.practice_code NOT IN (SELECT practice_code FROM practice)"
        " GROUP BY p.practice_code"
    )
    if "sites" in staged:
        present = staged["sites"].present
        s = {n: _value("sites", n, present) for n in schema.column_names("site") if n != "source"}
        con.execute(
            "INSERT INTO site SELECT "
            + ", ".join(
                f"trim({s[c]})" if INPUTS["sites"].sql_type(c) == "VARCHAR" else s[c]
                for c in schema.column_names("site")
                if c != "source"
            )
            + ", $source FROM stage.sites",
            {"source": staged["sites"].path.name},
        )
    # Sites used but not listed: by id only, placed at the centre of the people vaccinated there.
    con.execute(
        "INSERT INTO site SELECT v.site_id, 'Site ' || v.site_id || ' (not in the sites file;"
        " location estimated)', mode(v.delivery_model), NULL, avg(l.centroid_lon),"
        " avg(l.centroid_lat), min(v.vaccination_date), NULL, 'unlisted' FROM vaccination v"
        " JOIN person_in p USING (person_id) JOIN lsoa l ON l.lsoa_code = p.lsoa_code"
        " WHERE v.site_id NOT IN (SELECT site_id FROM site) GROUP BY v.site_id"
    )
    con.execute(
        "INSERT INTO person BY NAME SELECT p.*, d.first_dose_date, d.second_dose_date,"
        f" d.booster_date, {record_keys.RECORD_KEY_SQL} AS record_key"
        " FROM person_in p LEFT JOIN (SELECT person_id,"
        " min(vaccination_date) FILTER (WHERE dose = '1') AS first_dose_date,"
        " min(vaccination_date) FILTER (WHERE dose = '2') AS second_dose_date,"
        " min(vaccination_date) FILTER (WHERE dose = '3') AS booster_date"
        " FROM vaccination GROUP BY person_id) d USING (person_id)"
        f" ORDER BY {schema.PERSON_ORDER}",
        {"record_key_secret": secret},
    )
    if "identities" in staged:
        present = staged["identities"].present
        i = {
            n: _value("identities", n, present)
            for n in (f.name for f in INPUTS["identities"].fields)
        }
        text = ("given_name", "family_name", "mobile", "postcode")
        con.execute(
            "INSERT INTO identity BY NAME SELECT * FROM (SELECT s.*, p.practice_code FROM (SELECT"
            f" {i['person_id']} AS person_id,"
            f" replace(trim({i['nhs_number']}), ' ', '') AS nhs_number, "
            + "".join(f"trim({i[c]}) AS {c}, " for c in text)
            + f"coalesce(trim({i['contact_method']}), 'letter') AS contact_method,"
            f" {i['birth_date']} AS birth_date,"
            f" coalesce({i['accepts_messages']}, false) AS accepts_messages,"
            f" coalesce({i['is_deceased']}, false) AS is_deceased"
            " FROM stage.identities) s JOIN person_in p ON p.person_id = s.person_id)"
            f" ORDER BY {schema.IDENTITY_ORDER}"
        )
    con.execute("DROP TABLE person_in")
    return {table: int(con.execute(sql).fetchall()[0][0]) for table, sql in ROW_COUNT_SQL.items()}


def _missing_file_findings(staged: dict[str, Staged], findings: Findings) -> None:
    """Warn when the optional practices or sites file is absent."""
    for kind, what in (("practices", "practices"), ("sites", "vaccination sites")):
        if kind not in staged:
            message = f"no {kind} file: {what} are listed by code only, without names or places"
            findings.add(
                CheckCount(f"no {kind} file", WARNING, "(none)", None, 1, message),
                [Problem(f"no {kind} file", WARNING, "(none)", None, None, None, message)],
            )


def reference_lsoas(
    ref_dir: Path, reference_dir: Path | None
) -> tuple[pd.DataFrame, str, list[str]]:
    """Return the ICB's LSOA table, its IMD source and the real area data used.

    IMD is real when the ICB's official data store or --reference-dir holds IoD 2019.
    """
    from phm.synth.areas import build_areas
    from phm.synth.calibration import calibration_for

    calibration = calibration_for(ref_dir, reference_dir)
    areas = build_areas(geo.load_lsoas(ref_dir), 0, calibration)
    sources = sorted(set(areas.lsoa["imd_source"]))
    return areas.lsoa, "/".join(sources), calibration.sources if calibration else []


def ingest(
    files: dict[str, Path],
    out: Path,
    ref_dir: Path,
    *,
    as_at: date | None = None,
    name: str | None = None,
    accept_warnings: bool = False,
    reference_dir: Path | None = None,
    report_stem: Path | None = None,
    progress: Progress = _silent,
    record_key_secret: str | None = None,
) -> IngestResult:
    """Validate the files and, only when acceptable, build `out` beside the live file and swap it in.

    Record keys come from `record_key_secret`, or else from the secret file named by
    PHM_RECORD_KEY_FILE (created on first use); the same secret must serve every refresh.

    Errors always refuse the load; warnings refuse it unless `accept_warnings`. On refusal
    or any failure the file at `out` is untouched. Reports go to `<stem>.report.{md,html,json}`
    on success and `<stem>.rejected.{md,html,json}` on refusal.
    """
    started = time.perf_counter()
    unknown = set(files) - set(INPUTS)
    if unknown:
        raise ValueError(f"unknown input file kinds {sorted(unknown)}; use {sorted(INPUTS)}")
    for kind, spec in INPUTS.items():
        if spec.required and kind not in files:
            raise ValueError(f"the {kind} file is required")
    limit = as_at or date.today()
    stem = report_stem or out.with_suffix("")
    findings = Findings([], [])
    rows: dict[str, int] = {}
    imd_source = ""
    build_id = secrets.token_hex(8)

    def refuse(why: str) -> IngestResult:
        try:
            paths = report.write(stem.parent / f"{stem.name}.rejected", _summary(False, why))
        except OSError as error:
            paths, why = [], f"{why} (no report written: {error.strerror or error})"
        return IngestResult(False, findings, paths, time.perf_counter() - started, rows, why)

    quality_rows: list[dict[str, object]] = []

    def _summary(loaded: bool, why: str) -> dict:
        return report.summary(
            files,
            out,
            name or out.stem,
            limit,
            findings,
            loaded,
            why,
            rows,
            imd_source,
            build_id if loaded else "",
            quality_rows if loaded else None,
        )

    try:
        db.ensure_replaceable(out)
    except ValueError as error:
        message = f"{error}; nothing was read or changed"
        findings.add(
            CheckCount("output not writable", ERROR, out.name, None, 1, message),
            [Problem("output not writable", ERROR, out.name, None, None, None, message)],
        )
        return refuse(message)
    secret, created = (record_key_secret, False)
    if not secret:
        secret, created = record_keys.load_secret(_secret_file())
    lsoa, imd_source, area_sources = reference_lsoas(ref_dir, reference_dir)
    paths: list[Path] = []
    try:
        with workfiles.claim(out) as work, db.building(out, work) as con:
            con.execute("ATTACH $path AS stage", {"path": str(work.path(".staging"))})
            con.register("ref_lsoa", lsoa[["lsoa_code"]])
            staged: dict[str, Staged] = {}
            for i, (kind, path) in enumerate(files.items()):
                progress(f"Reading {kind}: {Path(path).name}", 0.05 + 0.3 * i / len(files))
                try:
                    staged[kind] = stage_file(con, INPUTS[kind], Path(path))
                except UnreadableFile as error:
                    findings.add(
                        CheckCount("unreadable file", ERROR, Path(path).name, None, 1, str(error)),
                        [
                            Problem(
                                "unreadable file",
                                ERROR,
                                Path(path).name,
                                None,
                                None,
                                None,
                                str(error),
                            )
                        ],
                    )
            progress("Validating", 0.4)
            findings = _merge(findings, validate(con, staged, limit))
            if created:
                message = (
                    "a new record-key secret was created (PHM_RECORD_KEY_FILE); keep it and use"
                    " it for every refresh, or two refreshes could be differenced"
                )
                findings.add(
                    CheckCount("new record-key secret", NOTE, "(settings)", None, 1, message)
                )
            _missing_file_findings(staged, findings)
            if imd_source != "IoD2019":
                message = (
                    "IMD deciles are simulated for LSOAs without the IoD 2019 file;"
                    " import it with `python -m phm reference --imd FILE` (or --download,"
                    " or give --reference-dir with imd2019/) for real values"
                )
                findings.add(CheckCount("simulated IMD", NOTE, "(reference)", None, 1, message))
            if findings.errors():
                raise _Refused(f"{findings.errors():,} error(s): nothing was loaded")
            if findings.warnings() and not accept_warnings:
                raise _Refused(
                    f"{findings.warnings():,} warning(s): nothing was loaded;"
                    " check them and rerun with --accept-warnings to load anyway"
                )
            progress("Writing tables", 0.6)
            rows = _write_tables(con, staged, lsoa, secret)
            quality_rows = data_quality(con, limit)
            meta = _meta(files, name or out.stem, limit, con, findings, imd_source, area_sources)
            extra = {
                "record_key_fingerprint": record_keys.fingerprint(secret),
                report.BUILD_ID_KEY: build_id,
            }
            meta = pd.concat(
                [meta, pd.DataFrame({"key": list(extra), "value": list(extra.values())})],
                ignore_index=True,
            )
            con.register("new_meta", meta)
            con.execute("INSERT INTO dataset_meta SELECT * FROM new_meta")
            con.execute("DETACH stage")
            # The report is written before the swap and names the build it describes, so a
            # report is never taken for that of another database (phm.ingest.datasets).
            paths = report.write(stem.parent / f"{stem.name}.report", _summary(True, ""))
            progress("Swapping in the new database", 0.95)
    except _Refused as refused:
        return refuse(str(refused))
    progress("Done", 1.0)
    return IngestResult(True, findings, paths, time.perf_counter() - started, rows)


def _secret_file() -> Path:
    """Return the record-key secret file named by the settings, its folder created."""
    path = Path(settings.get("PHM_RECORD_KEY_FILE"))
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


class _Refused(Exception):
    """Raised inside the build to abandon it (the partial file is removed)."""


def _merge(first: Findings, second: Findings) -> Findings:
    """Return the findings of two runs together."""
    return Findings(first.counts + second.counts, first.problems + second.problems)


def _meta(
    files: dict[str, Path],
    name: str,
    limit: date,
    con: duckdb.DuckDBPyConnection,
    findings: Findings,
    imd_source: str,
    area_sources: list[str],
) -> pd.DataFrame:
    """Return the dataset_meta rows of a loaded extract."""
    latest = con.execute("SELECT max(vaccination_date) FROM vaccination").fetchall()[0][0]
    as_at = min(latest, limit) if latest else limit
    sources = [
        f"{kind}: {Path(p).name} (sha256 {_sha256(Path(p))[:16]})" for kind, p in files.items()
    ]
    values = {
        "name": name,
        "kind": "linked extract",
        "as_at": as_at.isoformat(),
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "sources": json.dumps(sources + [f"IMD: {imd_source}"] + area_sources),
        "licence": "Linked pseudonymised extract supplied by the ICS; not for publication."
        + (f" Area data: {ATTRIBUTION}" if area_sources else ""),
        "validation": json.dumps(
            {"errors": findings.errors(), "warnings": findings.warnings(), "accepted": True}
        ),
    }
    return pd.DataFrame({"key": list(values), "value": list(values.values())})
