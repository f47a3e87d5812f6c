"""Table definitions (one source of truth, with caveats beside each column)."""

from __future__ import annotations

from dataclasses import dataclass

from phm import codes


@dataclass(frozen=True)
class Column:
    """One column: name, DuckDB type, and what it means (and what can be wrong with it)."""

    name: str
    type: str
    description: str
    nullable: bool = False
    # The share of people (per cent) whose record should hold a usable value: the contract's
    # expectation, checked in each load's data-quality section and on the Data quality page.
    expected_complete_pct: float | None = None


FLAG_COLUMNS = tuple(
    Column(
        name,
        "BOOLEAN",
        f"{label}; recorded in the GP record at the programme start (assumed static)",
    )
    for name, label in codes.FLAGS.items()
)

TABLES: dict[str, tuple[Column, ...]] = {
    "lsoa": (
        Column("lsoa_code", "VARCHAR PRIMARY KEY", "ONS LSOA 2011 code"),
        Column("lsoa_name", "VARCHAR", "ONS LSOA 2011 name"),
        Column("msoa_code", "VARCHAR", "ONS MSOA 2011 code (from the ONS postcode lookup)"),
        Column("msoa_name", "VARCHAR", "ONS MSOA 2011 name"),
        Column("lad_code", "VARCHAR", "Local authority district (borough) code"),
        Column("lad_name", "VARCHAR", "Local authority district (borough) name"),
        Column("icb_code", "VARCHAR", "Sub-ICB location code"),
        Column("icb_name", "VARCHAR", "ICB name"),
        Column("centroid_lon", "DOUBLE", "Centroid longitude (WGS84)"),
        Column("centroid_lat", "DOUBLE", "Centroid latitude (WGS84)"),
        Column("area_km2", "DOUBLE", "Area in km², from the generalised boundary"),
        Column("imd_decile", "TINYINT", "IMD 2019 decile, 1 = most deprived 10% in England"),
        Column("imd_rank", "INTEGER", "IMD 2019 rank (1 = most deprived of 32,844)"),
        Column("imd_source", "VARCHAR", "'IoD2019' when real, 'synthetic' when simulated"),
        Column("geometry", "BLOB", "Boundary as WKB (EPSG:4326), simplified for web maps"),
    ),
    "practice": (
        Column("practice_code", "VARCHAR PRIMARY KEY", "GP practice code"),
        Column("practice_name", "VARCHAR", "GP practice name"),
        Column("pcn_code", "VARCHAR", "Primary care network code"),
        Column("pcn_name", "VARCHAR", "Primary care network name"),
        Column("lad_code", "VARCHAR", "Borough the practice stands in"),
        Column("lon", "DOUBLE", "Longitude (WGS84)"),
        Column("lat", "DOUBLE", "Latitude (WGS84)"),
    ),
    "person": (
        Column("person_id", "BIGINT PRIMARY KEY", "Pseudonymous person identifier"),
        Column(
            "record_key",
            "UTINYINT",
            "Secret record key 0-255 for the cell key method (phm.record_keys): a keyed hash of"
            " person_id, the same in every refresh; never shown",
        ),
        Column("practice_code", "VARCHAR", "Practice of registration"),
        Column("lsoa_code", "VARCHAR", "LSOA of residence (2011)"),
        Column("birth_date", "DATE", "Date of birth, truncated to the first of the month"),
        Column("sex", "VARCHAR", "F or M as recorded by the practice"),
        Column(
            "ethnicity_code",
            "VARCHAR",
            "NHS ethnic category from the most recent GP code; Z (not stated) is a valid answer,"
            " 99 (not known) means no usable record",
            expected_complete_pct=95.0,
        ),
        Column(
            "ethnicity_source",
            "VARCHAR",
            "Where the ethnicity came from: 'gp' (the GP record), 'hospital' (a linked record"
            " filled a gap in the GP record) or 'none' (no usable record, code 99)",
        ),
        Column(
            "main_language",
            "VARCHAR",
            f"First language spoken, as recorded; '{codes.LANGUAGE_NOT_RECORDED}' when none (never"
            " English by default)",
            expected_complete_pct=90.0,
        ),
        *FLAG_COLUMNS,
        Column("ltc_count", "TINYINT", "Number of the seven at-risk long-term conditions"),
        Column("jcvi_cohort", "TINYINT", "JCVI priority cohort 1-12; 0 for under 18"),
        Column("registered_from", "DATE", "Start of registration with the practice"),
        Column("registered_to", "DATE", "End of registration (moved away or died)", True),
        Column("registration_end_reason", "VARCHAR", "'moved' or 'died' when ended", True),
        Column(
            "first_dose_date",
            "DATE",
            "Derived from vaccination when the database is built: earliest first dose",
            True,
        ),
        Column("second_dose_date", "DATE", "Derived from vaccination: earliest second dose", True),
        Column("booster_date", "DATE", "Derived from vaccination: earliest booster", True),
    ),
    # Identifiable details for direct care, held apart from the pseudonymised analysis data:
    # only phm.queries.worklist reads this table, only for a practice principal's own
    # practice (phm.directcare); nothing population-level selects from it (test_layers).
    "identity": (
        Column("person_id", "BIGINT PRIMARY KEY", "Pseudonymous person identifier (as in person)"),
        Column(
            "practice_code",
            "VARCHAR",
            "Practice of registration, repeated from person so one practice's rows are read"
            " together (the table is stored in practice order); must match person",
        ),
        Column(
            "nhs_number",
            "VARCHAR",
            "10-digit NHS number with a valid Modulus 11 check digit; the demo uses only the"
            " range never issued to real patients (900 000 0000 to 999 999 9999, synthetic and test)",
        ),
        Column("given_name", "VARCHAR", "Given name as on the GP record (the demo's are invented)"),
        Column("family_name", "VARCHAR", "Family name as on the GP record"),
        Column(
            "birth_date",
            "DATE",
            "Full date of birth (person.birth_date is truncated to the month for analysis)",
        ),
        Column(
            "mobile",
            "VARCHAR",
            "Mobile number as recorded; the demo uses Ofcom's drama range (07700 900xxx);"
            " empty when none is recorded",
            True,
        ),
        Column("postcode", "VARCHAR", "Postcode of the home address", True),
        Column("contact_method", "VARCHAR", "Preferred contact method: sms, phone or letter"),
        Column(
            "accepts_messages",
            "BOOLEAN",
            "False when the person has declined text messages (kept out of every SMS batch)",
        ),
        Column(
            "is_deceased",
            "BOOLEAN",
            "Recorded as deceased on the Spine; true can precede the end of registration",
        ),
    ),
    "site": (
        Column("site_id", "VARCHAR PRIMARY KEY", "Vaccination site identifier"),
        Column("site_name", "VARCHAR", "Site name"),
        Column("delivery_model", "VARCHAR", "One of the delivery models in phm.codes"),
        Column("postcode", "VARCHAR", "Postcode of the site", True),
        Column("lon", "DOUBLE", "Longitude (WGS84)"),
        Column("lat", "DOUBLE", "Latitude (WGS84)"),
        Column("opened", "DATE", "First day in use"),
        Column("closed", "DATE", "Last day in use", True),
        Column("source", "VARCHAR", "'synthetic' or the published list it came from"),
    ),
    "vaccination": (
        Column("person_id", "BIGINT", "Person vaccinated"),
        Column("programme", "VARCHAR", "Programme code, e.g. covid19"),
        Column("dose", "VARCHAR", "1, 2 or 3 (booster)"),
        Column("vaccination_date", "DATE", "Date the dose was given"),
        Column("site_id", "VARCHAR", "Site where it was given"),
        Column("delivery_model", "VARCHAR", "Delivery model of the site"),
    ),
    "published_uptake": (
        Column("level", "VARCHAR", "msoa or lad"),
        Column("area_code", "VARCHAR", "Area code"),
        Column("area_name", "VARCHAR", "Area name"),
        Column("age_band", "VARCHAR", "Age band as published"),
        Column("dose", "VARCHAR", "1, 2 or 3"),
        Column("as_at", "DATE", "Date the cumulative count runs to"),
        Column(
            "vaccinated", "BIGINT", "People vaccinated; missing when the cell was unreadable", True
        ),
        Column("population", "BIGINT", "NIMS denominator", True),
        Column("source", "VARCHAR", "File the figure came from"),
    ),
    "dataset_meta": (
        Column("key", "VARCHAR PRIMARY KEY", "Setting name"),
        Column("value", "VARCHAR", "Setting value"),
    ),
}

# How person and identity are stored: one practice's people together, so a practice's worklist
# reads a few row groups instead of the whole table (benchmarks/bench_worklist.py); within a
# practice by LSOA, so places stay close together for area cohorts too.
PERSON_ORDER = "p.practice_code, p.lsoa_code, p.person_id"
IDENTITY_ORDER = "practice_code, person_id"

DOSE_DATE_COLUMNS: dict[str, str] = {
    "1": "first_dose_date",
    "2": "second_dose_date",
    "3": "booster_date",
}
META_KEYS = (
    "name",
    "kind",
    "as_at",
    "built_at",
    "seed",
    "scale",
    "icb",
    "sources",
    "licence",
    "record_key_fingerprint",
)


def create_table_sql(table: str) -> str:
    """Return the CREATE TABLE statement for one table of the schema."""
    columns = TABLES[table]
    body = ",\n  ".join(
        f"{c.name} {c.type}{'' if c.nullable or 'PRIMARY KEY' in c.type else ' NOT NULL'}"
        for c in columns
    )
    return f"CREATE TABLE {table} (\n  {body}\n)"


def column_names(table: str) -> list[str]:
    """Return the column names of one table, in order."""
    return [c.name for c in TABLES[table]]


def expected_completeness(table: str, column: str) -> float | None:
    """Return the contract's expected completeness (per cent) of a column, if it has one."""
    return next(c.expected_complete_pct for c in TABLES[table] if c.name == column)
