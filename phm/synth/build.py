"""Build the demo database: areas, people, practices, sites, doses, written to DuckDB atomically."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from phm import db, geo, record_keys, schema
from phm.interventions.record import META_KEY, dumps
from phm.synth import assumptions as A
from phm.synth.areas import build_areas, ethnicity_weights, lsoa_weights
from phm.synth.calibration import Calibration, calibration_for
from phm.synth.identities import build_identities
from phm.synth.interventions import plant
from phm.synth.people import build_people
from phm.synth.recording import HIDDEN_COLUMNS, record
from phm.synth.services import assign_practices, build_practices, build_sites
from phm.synth.vaccinations import assign_sites, build_doses

Progress = Callable[[str, float], None]
NCL_LADS = {"E09000003", "E09000007", "E09000010", "E09000014", "E09000019"}


def _silent(_message: str, _fraction: float) -> None:
    """Ignore progress messages."""


def generate(
    ref_dir: Path,
    scale: float,
    seed: int,
    calibration: Calibration | None,
    progress: Progress = _silent,
) -> dict[str, pd.DataFrame]:
    """Return the demo tables as DataFrames, and the interventions' records as JSON ("interventions")."""
    if not 0 < scale <= 10:
        raise ValueError(f"scale must be above 0 and at most 10, got {scale}")
    lsoas = geo.load_lsoas(ref_dir)
    postcodes = geo.load_postcodes(ref_dir) if (ref_dir / "postcode.parquet").exists() else None
    progress("Areas: deprivation, population, ethnic mix", 0.05)
    areas = build_areas(lsoas, seed, calibration)
    weights = lsoa_weights(areas, seed, calibration)
    eth = ethnicity_weights(areas, weights, seed, calibration)
    n = max(100, round(A.PERSONS_AT_SCALE_1 * scale * len(lsoas) / 795))
    progress(f"People: {n:,} persons", 0.15)
    people = build_people(areas, weights, eth, n, seed, calibration)
    progress("Practices, PCNs and vaccination sites", 0.45)
    practices = build_practices(areas, weights, seed)
    people["practice_code"] = assign_practices(
        areas, practices, people["lsoa_index"].to_numpy(), seed
    )
    people = record(people, seed)
    is_ncl = set(lsoas["lad_code"]) <= NCL_LADS
    sites = build_sites(areas, weights, practices, postcodes, seed, is_ncl)
    progress("Vaccinations: dates and sites", 0.6)
    doses = build_doses(people, areas, seed)
    vaccination = assign_sites(doses, people, areas, sites, seed)
    progress("Interventions: the doses they added", 0.65)
    added, own_sites, interventions = plant(people, areas, vaccination, sites, seed)
    vaccination = pd.concat([vaccination, added], ignore_index=True)
    sites = pd.concat([sites, own_sites], ignore_index=True)
    progress("Identifiable details (invented, test ranges)", 0.7)
    identity = build_identities(people, postcodes, seed)
    lsoa = areas.lsoa.copy()
    return {
        "lsoa": lsoa,
        "practice": practices,
        "person": people,
        "identity": identity,
        "site": sites,
        "vaccination": vaccination,
        "interventions": pd.DataFrame({"json": [dumps(interventions)]}),
    }


def _meta(
    ref_dir: Path,
    scale: float,
    seed: int,
    calibration: Calibration | None,
    n: int,
    secret: str,
    interventions: str,
) -> pd.DataFrame:
    """Return the dataset_meta rows of a demo build."""
    ref_meta = geo.load_reference_meta(ref_dir)
    products = ref_meta.get("products") or []
    products = [products] if isinstance(products, str) else list(products)
    sources = ["Synthetic population (phm.synth)", *[str(p) for p in products]]
    if calibration is not None:
        sources += [f"calibrated with {s}" for s in calibration.sources]
    values = {
        "name": f"Synthetic {ref_meta.get('icb_name', ref_dir.name)} demo ({n:,} people)",
        "kind": "synthetic",
        "as_at": A.PROGRAMME_END.isoformat(),
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seed": str(seed),
        "record_key_fingerprint": record_keys.fingerprint(secret),
        "scale": str(scale),
        "icb": str(ref_meta.get("icb_name", ref_dir.name)),
        "sources": json.dumps(sources),
        "licence": " ".join(
            str(ref_meta.get(k, "")) for k in ("attribution", "attribution_code_point")
        ).strip(),
        META_KEY: interventions,
    }
    return pd.DataFrame({"key": list(values), "value": list(values.values())})


def write_database(
    tables: dict[str, pd.DataFrame], meta: pd.DataFrame, out: Path, secret: str
) -> None:
    """Write the tables into a new DuckDB file and swap it in over `out` atomically."""
    with db.building(out) as con:
        for table in schema.TABLES:
            con.execute(schema.create_table_sql(table))
        for table in ("lsoa", "practice", "site", "vaccination", "person", "identity"):
            con.register(f"new_{table}", tables[table])
        con.register("new_meta", meta)
        con.execute("INSERT INTO lsoa BY NAME SELECT * EXCLUDE (uptake_effect) FROM new_lsoa")
        con.execute("INSERT INTO practice BY NAME SELECT * FROM new_practice")
        con.execute("INSERT INTO site BY NAME SELECT * FROM new_site")
        con.execute(
            "INSERT INTO vaccination BY NAME SELECT * FROM new_vaccination ORDER BY person_id, dose"
        )
        # The dose-date columns are derived from vaccination here, once, so that every
        # cohort query is a single scan of person (see docs/architecture.md).
        con.execute(
            "INSERT INTO person BY NAME "
            f"SELECT p.* EXCLUDE (lsoa_index, age, {', '.join(HIDDEN_COLUMNS)}),"
            " d.first_dose_date, d.second_dose_date, "
            f"d.booster_date, {record_keys.RECORD_KEY_SQL} AS record_key "
            "FROM new_person p LEFT JOIN (SELECT person_id, "
            "min(vaccination_date) FILTER (WHERE dose = '1') AS first_dose_date, "
            "min(vaccination_date) FILTER (WHERE dose = '2') AS second_dose_date, "
            "min(vaccination_date) FILTER (WHERE dose = '3') AS booster_date "
            "FROM vaccination GROUP BY person_id) d USING (person_id) "
            f"ORDER BY {schema.PERSON_ORDER}",
            {"record_key_secret": secret},
        )
        con.execute(
            f"INSERT INTO identity BY NAME SELECT * FROM new_identity ORDER BY {schema.IDENTITY_ORDER}"
        )
        con.execute("INSERT INTO dataset_meta SELECT * FROM new_meta")


def build_demo(
    out: Path,
    ref_dir: Path,
    scale: float = 1.0,
    seed: int = 2020,
    reference_dir: Path | None = None,
    progress: Progress = _silent,
) -> dict[str, float]:
    """Build the synthetic demo database at `out`; return timings in seconds per step."""
    started = time.perf_counter()
    calibration = calibration_for(ref_dir, reference_dir)
    tables = generate(ref_dir, scale, seed, calibration, progress)
    generated = time.perf_counter()
    progress("Writing the DuckDB database", 0.8)
    secret = record_keys.demo_secret(seed)
    interventions = str(tables["interventions"]["json"].iat[0])
    meta = _meta(ref_dir, scale, seed, calibration, len(tables["person"]), secret, interventions)
    write_database(tables, meta, out, secret)
    done = time.perf_counter()
    progress("Done", 1.0)
    return {
        "generate_s": generated - started,
        "write_s": done - generated,
        "total_s": done - started,
        "persons": float(len(tables["person"])),
        "doses": float(len(tables["vaccination"])),
    }


__all__ = ["build_demo", "generate", "write_database"]
