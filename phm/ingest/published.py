"""Import NHS England's published COVID-19 vaccinations by MSOA and age band, with NIMS populations.

The layout is recognised from the header row, never from the file name:
- one column per dose and band (`1st dose Under 25`, ..., `2nd dose 80+`): doses as named;
- bands only (`Under 60`, `60-64`, ..., `80+`) with an `LTLA Code` column: first doses
  (the early weekly files, which do not name the dose);
- bands only with total columns (`16+`, `18+`) and no LTLA: NIMS population denominators.
Counts such as `" 1,499 "` are parsed; cells that cannot be read (`#VALUE!`, `12.5`, `-3`) are
reported by file, row and column and stored as missing, never as zero.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd

from phm import db, geo, schema
from phm.ingest import report
from phm.ingest.validate import NOTE, WARNING, CheckCount, Findings, Problem

DOSE_COLUMN = re.compile(r"^(1st|2nd|3rd|booster)\s+dose\s+(.+)$", re.IGNORECASE)
BAND = re.compile(r"^(under\s+\d+|\d+\s*-\s*\d+|\d+\s*\+)$", re.IGNORECASE)
DOSE_CODES = {"1st": "1", "2nd": "2", "3rd": "3", "booster": "3"}
TOTAL_BANDS = ("16+", "18+")
FIRST_ELIGIBLE_AGE = 16
DATE_IN_NAME = re.compile(r"(20\d{2})(\d{2})(\d{2})")
DAYS_FROM_DATA_TO_PUBLICATION = 4  # weekly files published on Thursday, counts to the Sunday


@dataclass
class ParsedFile:
    """One published file in long form: one row per area, band (and dose) with its count."""

    path: Path
    layout: str  # "vaccinations" or "population"
    frame: pd.DataFrame  # msoa_code, msoa_name, lad_code, lad_name, age_band, dose, value
    findings: Findings = field(default_factory=lambda: Findings([], []))


@dataclass
class PublishedResult:
    """What an import wrote."""

    out: Path
    rows: int
    as_at: list[str]
    findings: Findings
    report_paths: list[Path]

    def lines(self) -> list[str]:
        """Return a short printed summary."""
        text = [
            f"Wrote {self.out}: {self.rows:,} published_uptake rows, as at {', '.join(self.as_at)}"
        ]
        text += [
            f"  {c.severity:7} {c.check}: {c.count:,} ({c.file}) - {c.message}"
            for c in self.findings.counts
        ]
        text.append("Report: " + ", ".join(str(p) for p in self.report_paths))
        return text


def normalise_band(text: str) -> str:
    """Return an age band label in one spelling: 'Under 60', '60-64', '80+'."""
    t = re.sub(r"\s+", " ", text.strip())
    if t.lower().startswith("under"):
        return "Under " + t.split()[-1]
    return t.replace(" ", "")


def band_range(band: str) -> tuple[int, int | None]:
    """Return the ages (lowest, highest or None) of a band; 'Under N' starts at 16."""
    if band.startswith("Under "):
        return FIRST_ELIGIBLE_AGE, int(band.split()[1]) - 1
    if band.endswith("+"):
        return int(band[:-1]), None
    low, high = band.split("-")
    return int(low), int(high)


def parse_count(text: str | None) -> tuple[int | None, str | None]:
    """Return (count, None) for a readable cell, or (None, reason) when it is empty or unreadable."""
    if text is None or not text.strip():
        return None, "empty cell"
    cleaned = text.strip().replace(",", "")
    if re.fullmatch(r"-?\d+", cleaned):
        value = int(cleaned)
        return (value, None) if value >= 0 else (None, "negative count")
    return None, "unreadable cell"


def _read_rows(path: Path) -> list[list[str]]:
    """Read a CSV file as rows of text; raise ValueError naming the problem."""
    if not path.is_file():
        raise ValueError(f"{path}: no such file")
    raw = path.read_bytes()
    if not raw.strip():
        raise ValueError(f"{path.name}: the file is empty")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(
            f"{path.name}: not UTF-8 text (byte {error.start}); save it as CSV UTF-8"
        ) from None
    return list(csv.reader(text.splitlines()))


def _header_index(rows: list[list[str]], path: Path) -> int:
    """Return the index of the header row: the first with an 'MSOA Code' cell."""
    for i, row in enumerate(rows[:20]):
        if any(cell.strip().lower() == "msoa code" for cell in row):
            return i
    first = ", ".join(c.strip() for c in (rows[0] if rows else []) if c.strip())[:200]
    raise ValueError(
        f"{path.name}: no 'MSOA Code' column in the first 20 rows, so this is not an NHS England"
        f" MSOA file (header: {first})"
    )


def parse_file(path: Path) -> ParsedFile:
    """Parse one published file into long form, recognising its layout from the header."""
    rows = _read_rows(path)
    h = _header_index(rows, path)
    header = [cell.strip() for cell in rows[h]]
    lower = [c.lower() for c in header]
    index = {
        name: lower.index(name)
        for name in ("msoa code", "msoa name", "ltla code", "ltla name")
        if name in lower
    }
    columns: list[tuple[int, str, str]] = []  # position, band, dose
    for i, name in enumerate(header):
        match = DOSE_COLUMN.match(name)
        if match:
            columns.append((i, normalise_band(match.group(2)), DOSE_CODES[match.group(1).lower()]))
    if columns:
        layout = "vaccinations"
    else:
        bands = [(i, normalise_band(n)) for i, n in enumerate(header) if BAND.match(n)]
        if not bands:
            raise ValueError(
                f"{path.name}: no age-band columns in the header ({', '.join(header)[:200]})"
            )
        if "ltla code" in index:
            layout = "vaccinations"
            columns = [(i, band, "1") for i, band in bands]
        elif any(band in TOTAL_BANDS for _, band in bands):
            layout = "population"
            columns = [(i, band, "") for i, band in bands]
        else:
            raise ValueError(
                f"{path.name}: age-band columns without doses, LTLA columns or 16+/18+ totals;"
                " cannot tell vaccinations from population"
            )
    parsed = ParsedFile(path, layout, pd.DataFrame())
    records = []
    counts: dict[str, int] = {}
    for r, row in enumerate(rows[h + 1 :], start=1):
        cells = [c.strip() for c in row]
        code = cells[index["msoa code"]] if index["msoa code"] < len(cells) else ""
        if not code:
            continue  # blank or footnote lines
        for position, band, dose in columns:
            text = row[position] if position < len(row) else None
            value, problem = parse_count(text)
            if problem:
                counts[problem] = counts.get(problem, 0) + 1
                parsed.findings.problems.append(
                    Problem(
                        problem, WARNING, path.name, r, header[position], text, "stored as missing"
                    )
                )
            records.append(
                {
                    "msoa_code": code,
                    "msoa_name": cells[index["msoa name"]] if "msoa name" in index else code,
                    "lad_code": cells[index["ltla code"]] if "ltla code" in index else None,
                    "lad_name": cells[index["ltla name"]] if "ltla name" in index else None,
                    "age_band": band,
                    "dose": dose,
                    "value": value,
                }
            )
    for problem, n in counts.items():
        parsed.findings.counts.append(
            CheckCount(
                problem,
                WARNING,
                path.name,
                None,
                n,
                f"{problem}s are stored as missing, never as zero",
            )
        )
    parsed.frame = pd.DataFrame.from_records(
        records,
        columns=["msoa_code", "msoa_name", "lad_code", "lad_name", "age_band", "dose", "value"],
    )
    parsed.frame["value"] = parsed.frame["value"].astype("Int64")
    return parsed


def population_for(band: str, nims: dict[str, int | None]) -> int | None:
    """Return the NIMS population of a band, summing whole NIMS bands; None when it can't be made.

    'Under N' is 16 to N-1: the NIMS 16+ total minus the NIMS bands from N up.
    """
    if band in nims:
        return nims[band]
    low, high = band_range(band)
    parts = {b: band_range(b) for b in nims if b not in TOTAL_BANDS and not b.startswith("Under")}
    if band.startswith("Under ") and "16+" in nims:
        older = [b for b, (lo, _) in parts.items() if lo >= high + 1]
        values = [nims[b] for b in older]
        if nims["16+"] is None or any(v is None for v in values):
            return None
        return nims["16+"] - sum(values)  # type: ignore[operator]
    inside = [
        b
        for b, (lo, hi) in parts.items()
        if lo >= low and (high is None or (hi is not None and hi <= high))
    ]
    covered = sum(
        ((hi if hi is not None else 200) - lo + 1) for lo, hi in (parts[b] for b in inside)
    )
    if not inside or covered != ((high if high is not None else 200) - low + 1):
        return None
    values = [nims[b] for b in inside]
    return None if any(v is None for v in values) else sum(values)  # type: ignore[arg-type]


def as_at_of(path: Path, given: date | None, findings: Findings) -> date:
    """Return the date a file's counts run to: given, or the Sunday before its publication date."""
    if given is not None:
        return given
    match = DATE_IN_NAME.search(path.name)
    if not match:
        raise ValueError(f"{path.name}: give --as-at (the date the counts run to)")
    published = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    as_at = published - timedelta(days=DAYS_FROM_DATA_TO_PUBLICATION)
    message = (
        f"as_at {as_at} inferred as 4 days before the publication date {published} in the name"
    )
    findings.counts.append(CheckCount("as_at inferred", NOTE, path.name, None, 1, message))
    return as_at


def build_rows(
    parsed: list[ParsedFile], lsoa: pd.DataFrame, as_at: date | None, findings: Findings
) -> pd.DataFrame:
    """Return published_uptake rows (MSOA and borough) for the ICB's MSOAs."""
    areas = lsoa[["msoa_code", "msoa_name", "lad_code", "lad_name"]].drop_duplicates("msoa_code")
    vaccination_files = [p for p in parsed if p.layout == "vaccinations"]
    if not vaccination_files:
        raise ValueError("no vaccination file among the inputs (only population files)")
    if as_at is not None and len(vaccination_files) > 1:
        raise ValueError(
            "--as-at applies to one vaccination file; import weeks one by one or name them by date"
        )
    population = pd.concat(
        [p.frame for p in parsed if p.layout == "population"] or [pd.DataFrame()]
    )
    nims: dict[str, dict[str, int | None]] = {}
    if not population.empty:
        for code, group in population.groupby("msoa_code"):
            nims[str(code)] = {
                b: (None if pd.isna(v) else int(v))
                for b, v in zip(group["age_band"], group["value"], strict=True)
            }
    frames = []
    for item in vaccination_files:
        when = as_at_of(item.path, as_at, findings)
        frame = item.frame.merge(areas, on="msoa_code", how="inner", suffixes=("_file", ""))
        outside = item.frame["msoa_code"].nunique() - frame["msoa_code"].nunique()
        if outside:
            message = f"{outside:,} MSOAs outside the ICB's geography were left out"
            findings.counts.append(
                CheckCount("outside the ICB", NOTE, item.path.name, None, outside, message)
            )
        absent = sorted(set(areas["msoa_code"]) - set(item.frame["msoa_code"]))
        if absent:
            message = f"MSOAs of the ICB not in the file: {', '.join(absent[:10])}"
            findings.counts.append(
                CheckCount("MSOA not published", NOTE, item.path.name, None, len(absent), message)
            )
        frame["population"] = [
            population_for(b, nims[c]) if c in nims else None
            for c, b in zip(frame["msoa_code"], frame["age_band"], strict=True)
        ]
        frame["as_at"] = when
        frame["source"] = item.path.name + (
            f"; population: {', '.join(p.path.name for p in parsed if p.layout == 'population')}"
            if nims
            else ""
        )
        frames.append(frame)
    msoa = pd.concat(frames, ignore_index=True)
    msoa["population"] = msoa["population"].astype("Int64")
    out_msoa = pd.DataFrame(
        {
            "level": "msoa",
            "area_code": msoa["msoa_code"],
            "area_name": msoa["msoa_name"],
            "age_band": msoa["age_band"],
            "dose": msoa["dose"],
            "as_at": msoa["as_at"],
            "vaccinated": msoa["value"],
            "population": msoa["population"],
            "source": msoa["source"],
        }
    )
    keys = ["lad_code", "lad_name", "age_band", "dose", "as_at", "source"]
    # A borough total is missing when any of its MSOA cells is missing (never a partial sum).
    lad = (
        msoa.groupby(keys, dropna=False)
        .agg(
            vaccinated=("value", lambda s: s.sum() if s.notna().all() else pd.NA),
            population=("population", lambda s: s.sum() if s.notna().all() else pd.NA),
        )
        .reset_index()
    )
    out_lad = pd.DataFrame(
        {
            "level": "lad",
            "area_code": lad["lad_code"],
            "area_name": lad["lad_name"],
            "age_band": lad["age_band"],
            "dose": lad["dose"],
            "as_at": lad["as_at"],
            "vaccinated": lad["vaccinated"].astype("Int64"),
            "population": lad["population"].astype("Int64"),
            "source": lad["source"],
        }
    )
    return pd.concat([out_msoa, out_lad], ignore_index=True)


def import_published(
    files: list[Path],
    out: Path,
    ref_dir: Path,
    *,
    as_at: date | None = None,
    name: str | None = None,
) -> PublishedResult:
    """Build an aggregate dataset from published files and swap it in over `out` atomically."""
    from phm.ingest.load import reference_lsoas

    findings = Findings([], [])
    parsed = []
    for path in files:
        item = parse_file(Path(path))
        parsed.append(item)
        findings.counts.extend(item.findings.counts)
        findings.problems.extend(item.findings.problems)
    lsoa, imd_source, area_sources = reference_lsoas(ref_dir, None)
    rows = build_rows(parsed, lsoa, as_at, findings)
    latest = max(rows["as_at"])
    meta_values = {
        "name": name or f"NHS England published uptake by MSOA ({latest})",
        "kind": "published aggregate",
        "as_at": latest.isoformat(),
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "sources": json.dumps(
            [f"NHS England published statistics: {p.name}" for p in files] + area_sources
        ),
        "licence": "NHS England COVID-19 Vaccinations, Open Government Licence v3.0."
        " Contains public sector information licensed under the Open Government Licence v3.0.",
    }
    meta = pd.DataFrame({"key": list(meta_values), "value": list(meta_values.values())})
    with db.building(out) as con:
        for table in schema.TABLES:
            con.execute(schema.create_table_sql(table))
        con.register("new_lsoa", lsoa)
        con.execute("INSERT INTO lsoa BY NAME SELECT * EXCLUDE (uptake_effect) FROM new_lsoa")
        con.register("new_rows", rows)
        con.execute("INSERT INTO published_uptake BY NAME SELECT * FROM new_rows")
        con.register("new_meta", meta)
        con.execute("INSERT INTO dataset_meta SELECT * FROM new_meta")
    data = report.summary(
        {f"published {i + 1}": Path(p) for i, p in enumerate(files)},
        out,
        meta_values["name"],
        latest,
        findings,
        True,
        "",
        {"published_uptake": len(rows)},
        imd_source,
    )
    paths = report.write(out.with_suffix("").with_name(out.stem + ".report"), data)
    return PublishedResult(
        out, len(rows), sorted({d.isoformat() for d in rows["as_at"]}), findings, paths
    )


__all__ = ["geo", "import_published", "parse_count", "parse_file", "population_for"]
