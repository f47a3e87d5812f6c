"""The data contract of linked extracts: which files and columns a load accepts, generated into docs."""

from __future__ import annotations

from dataclasses import dataclass

from phm import codes, schema

PROGRAMME_START = "2020-12-08"
EARLIEST_BIRTH = "1900-01-01"
MIN_DAYS_DOSE_2 = 19
MIN_DAYS_BOOSTER = 56
MAX_TEXT_LENGTH = 200
ETHNICITY_SOURCES = tuple(codes.ETHNICITY_SOURCES)
END_REASONS = ("moved", "died")
JCVI_CODES = tuple(str(c) for c in sorted(codes.JCVI_COHORTS))


@dataclass(frozen=True)
class Field:
    """One column of an input file: whether it must be present, an example, its allowed codes."""

    name: str
    required: bool
    example: str
    codes: tuple[str, ...] = ()
    default: str | None = None  # SQL literal used when an optional column is absent
    note: str = ""


@dataclass(frozen=True)
class InputFile:
    """One input file of a linked extract and the table it fills."""

    kind: str
    table: str
    required: bool
    description: str
    fields: tuple[Field, ...]

    def field(self, name: str) -> Field:
        """Return one field by name."""
        return next(f for f in self.fields if f.name == name)

    def column(self, name: str) -> schema.Column:
        """Return the schema column behind a field (type and meaning)."""
        return next(c for c in schema.TABLES[self.table] if c.name == name)

    def sql_type(self, name: str) -> str:
        """Return the DuckDB type of a field, without key constraints."""
        return self.column(name).type.replace(" PRIMARY KEY", "")


FLAG_FIELDS = tuple(
    Field(flag, False, "false", default="false", note="true/false or 1/0; absent means no")
    for flag in codes.FLAGS
)

INPUTS: dict[str, InputFile] = {
    "persons": InputFile(
        "persons",
        "person",
        True,
        "One row per person registered with a practice of the ICB at any time in the programme.",
        (
            Field("person_id", True, "10000001", note="whole number, unique in the file"),
            Field("practice_code", True, "F83004", note="should be in the practices file"),
            Field("lsoa_code", True, "E01000907", note="must be an LSOA of the ICB's geography"),
            Field(
                "birth_date",
                True,
                "1957-06-01",
                note=f"YYYY-MM-DD, from {EARLIEST_BIRTH}, not after the as-at date;"
                " a day other than the 1st is truncated with a warning",
            ),
            Field("sex", True, "F", tuple(codes.SEXES)),
            Field("ethnicity_code", True, "A", tuple(codes.ETHNICITY_LABELS)),
            Field(
                "ethnicity_source",
                False,
                "gp",
                ETHNICITY_SOURCES,
                default="NULL",
                note="'none' for code 99; absent or empty means 'gp' for any other code",
            ),
            Field(
                "main_language",
                False,
                "English",
                default="NULL",
                note=f"free text; absent or empty means '{codes.LANGUAGE_NOT_RECORDED}'"
                " (never English)",
            ),
            *FLAG_FIELDS,
            Field(
                "jcvi_cohort",
                False,
                "9",
                JCVI_CODES,
                note="derived from age at 31 March 2021 and the flags when absent",
            ),
            Field("registered_from", True, "2015-04-01", note="YYYY-MM-DD"),
            Field("registered_to", False, "", default="NULL", note="empty while registered"),
            Field("registration_end_reason", False, "", END_REASONS, default="NULL"),
        ),
    ),
    "vaccinations": InputFile(
        "vaccinations",
        "vaccination",
        True,
        "One row per dose given to a person in the persons file.",
        (
            Field("person_id", True, "10000001", note="must be in the persons file"),
            Field("programme", True, "covid19", tuple(codes.PROGRAMMES)),
            Field("dose", True, "1", tuple(codes.DOSES), note="at most one of each per person"),
            Field(
                "vaccination_date",
                True,
                "2021-02-14",
                note=f"YYYY-MM-DD, from {PROGRAMME_START}, not after the as-at date;"
                f" dose 2 at least {MIN_DAYS_DOSE_2} days after dose 1, booster at least"
                f" {MIN_DAYS_BOOSTER} days after dose 2 (else a warning)",
            ),
            Field("site_id", True, "S0001", note="should be in the sites file"),
            Field("delivery_model", True, "gp_pcn_site", tuple(codes.DELIVERY_MODELS)),
        ),
    ),
    "identities": InputFile(
        "identities",
        "identity",
        False,
        "Identifiable details for direct care, one row per person in the persons file, held in"
        " their own table: only a practice's own staff see them, on the Patients to invite page."
        " Without it, that page has no one to list.",
        (
            Field("person_id", True, "10000001", note="must be in the persons file, once"),
            Field(
                "nhs_number",
                True,
                "9434765919",
                note="10 digits (spaces allowed) with a valid Modulus 11 check digit; unique",
            ),
            Field("given_name", True, "Amina"),
            Field("family_name", True, "Yusuf"),
            Field(
                "birth_date",
                True,
                "1957-06-14",
                note="YYYY-MM-DD; in the month of the persons file's birth_date",
            ),
            Field("mobile", False, "07700 900123", default="NULL", note="UK mobile, 07..."),
            Field("postcode", False, "N19 5NF", default="NULL"),
            Field(
                "contact_method",
                False,
                "sms",
                tuple(codes.CONTACT_METHODS),
                default="'letter'",
                note="absent: letter",
            ),
            Field(
                "accepts_messages",
                False,
                "true",
                default="false",
                note="true/false; absent means declined, so no one is texted without it",
            ),
            Field("is_deceased", False, "false", default="false", note="true/false"),
        ),
    ),
    "practices": InputFile(
        "practices",
        "practice",
        False,
        "One row per GP practice. Without it, practices are listed by code only (a warning).",
        (
            Field("practice_code", True, "F83004", note="unique in the file"),
            Field("practice_name", True, "Archway Medical Centre"),
            Field("pcn_code", True, "U12345"),
            Field("pcn_name", True, "Central Islington PCN"),
            Field("lad_code", True, "E09000019"),
            Field("lon", True, "-0.1349"),
            Field("lat", True, "51.5653"),
        ),
    ),
    "sites": InputFile(
        "sites",
        "site",
        False,
        "One row per vaccination site. Without it, sites are listed by id only (a warning).",
        (
            Field("site_id", True, "S0001", note="unique in the file"),
            Field("site_name", True, "Islington Vaccination Centre"),
            Field("delivery_model", True, "vaccination_centre", tuple(codes.DELIVERY_MODELS)),
            Field("postcode", False, "N19 5NF", default="NULL"),
            Field("lon", True, "-0.1168"),
            Field("lat", True, "51.5307"),
            Field("opened", True, "2021-01-11", note="YYYY-MM-DD"),
            Field("closed", False, "", default="NULL", note="empty while open"),
        ),
    ),
}


def _codes_text(field: Field) -> str:
    """Return the allowed codes of a field for the contract table."""
    if not field.codes:
        return ""
    return ", ".join(f"`{c}`" for c in field.codes)


def render_markdown() -> str:
    """Return docs/data-contract.md, generated from phm.schema and INPUTS."""
    lines = [
        "# Data contract for linked extracts",
        "",
        "<!-- Generated by `python -m phm contract --out docs/data-contract.md` from",
        "phm/schema.py and phm/ingest/contract.py; do not edit by hand. -->",
        "",
        "`python -m phm ingest --persons P --vaccinations V [--identities I] [--practices F]"
        " [--sites S]"
        " --out data/NAME.duckdb` loads a linked, pseudonymised extract. Each file may be CSV"
        " (UTF-8, comma-separated, header row), Parquet or Excel (`.xlsx`: the sheet named after the file kind, e.g. `persons`, or the only sheet; header"
        " in the first row). Column names are matched exactly, in any order; other columns are"
        " ignored with a warning. Dates are `YYYY-MM-DD`.",
        "",
        "Every problem is reported by file, row and column, with counts per problem type, in"
        " a Markdown, HTML and JSON report. **Errors** stop the load; **warnings** stop it too"
        " unless `--accept-warnings` is given. The new database is built beside the live one and"
        " swapped in only when it is complete, so a failed or interrupted load changes nothing.",
        "",
        "Checks: the file's head (a semicolon- or tab-delimited file, a gzip file not named"
        " `.gz` or the reverse, a column named twice, a title row above the header, a row with"
        " more or fewer fields than the header, each named by line); types (whole numbers that"
        " fit a 64-bit integer, ids not negative, booleans `true`/`false`/`1`/`0` in any case,"
        " never `yes`/`Y`); required values; code lists; text longer than"
        f" {MAX_TEXT_LENGTH} characters; text starting with `=`, `+`, `@` or `-` (spreadsheet"
        " formula injection); NUL and other control characters; duplicate ids (person ids as"
        " whole numbers: `0054678998` and `54678998` are one id); dates (none before"
        f" {EARLIEST_BIRTH}, so no BC dates; no vaccination before the programme began on"
        f" {PROGRAMME_START} or after the as-at date, no dose before birth); every vaccination's"
        " person present; at most one dose of each number per person; dose order and intervals;"
        " LSOAs against the reference geography of the ICB; practices and sites against their"
        " files; NHS numbers' check digits (Modulus 11), each NHS number and person once, and each"
        " identity's birth date in its person's birth month. A workbook whose parts expand beyond"
        " 400 MB is refused unread."
        " `python -m phm sample-extract --out DIR` writes a small synthetic extract in this"
        " layout.",
        "",
    ]
    for spec in INPUTS.values():
        need = "required" if spec.required else "optional"
        lines += [
            f"## `--{spec.kind}` ({need}): table `{spec.table}`",
            "",
            spec.description,
            "",
            "| column | type | required | allowed codes | example | meaning | notes |",
            "|---|---|---|---|---|---|---|",
        ]
        for field in spec.fields:
            expected = spec.column(field.name).expected_complete_pct
            note = field.note + (
                f"; expected usable for at least {expected:.0f}% of people (checked in the"
                " report's data-quality section)"
                if expected is not None
                else ""
            )
            lines.append(
                f"| `{field.name}` | {spec.sql_type(field.name)} | "
                f"{'yes' if field.required else 'no'} | {_codes_text(field)} | "
                f"{field.example} | {spec.column(field.name).description} | {note.lstrip('; ')} |"
            )
        lines.append("")
    lines += [
        "## Derived when the database is built",
        "",
        "- `person.ltc_count`: the number of the seven at-risk condition flags that are true.",
        "- `person.first_dose_date`, `second_dose_date`, `booster_date`: from the vaccinations.",
        "- `dataset_meta`: name, kind `linked extract`, as-at date, sources (file names and"
        " SHA-256), and the validation summary.",
        "",
        "## Codes",
        "",
        "| code | ethnic category | broad group |",
        "|---|---|---|",
        *[f"| `{e.code}` | {e.label} | {e.group} |" for e in codes.ETHNICITIES],
        "",
        "| code | delivery model |",
        "|---|---|",
        *[f"| `{k}` | {v} |" for k, v in codes.DELIVERY_MODELS.items()],
        "",
        "| code | JCVI priority cohort |",
        "|---|---|",
        *[f"| `{k}` | {v} |" for k, v in sorted(codes.JCVI_COHORTS.items())],
        "",
    ]
    return "\n".join(lines)
