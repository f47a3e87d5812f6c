"""Benchmark: load a big linked extract (default 10 million people, 25 million doses) with
`python -m phm ingest`, time and peak memory, against plain DuckDB copying the same files.

    .venv/bin/python benchmarks/bench_ingest.py [--scale 6.25] [--doses 25000000] [--dir /tmp/phm-bench-ingest]

The extract is made by the demo generator (phm.synth.build.generate), written as Parquet and
CSV, then topped up with extra valid doses to reach --doses. Files are deleted at the end
unless --keep.
"""

from __future__ import annotations

import argparse
import gc
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from phm import geo  # noqa: E402

TOP_UP_SQL = """
COPY (
  WITH doses AS (
    SELECT person_id, min(vaccination_date) FILTER (WHERE dose = '1') AS d1,
           min(vaccination_date) FILTER (WHERE dose = '2') AS d2,
           min(vaccination_date) FILTER (WHERE dose = '3') AS d3
    FROM read_parquet($raw) GROUP BY person_id),
  site AS (SELECT site_id, delivery_model FROM read_parquet($sites) ORDER BY site_id LIMIT 1),
  plan AS (
    SELECT p.person_id, d.d1, d.d2, d.d3,
      coalesce(d.d1, CAST(DATE '2021-06-01' + to_days(CAST(p.person_id % 90 AS INTEGER)) AS DATE)) AS n1
    FROM read_parquet($persons) p LEFT JOIN doses d USING (person_id)
    WHERE p.birth_date < DATE '2015-01-01'),
  plan2 AS (SELECT *, coalesce(d2, CAST(n1 + INTERVAL 70 DAY AS DATE)) AS n2 FROM plan),
  plan3 AS (SELECT *, coalesce(d3, CAST(n2 + INTERVAL 100 DAY AS DATE)) AS n3 FROM plan2),
  extra AS (
    SELECT person_id, '1' AS dose, n1 AS vaccination_date FROM plan3 WHERE d1 IS NULL
    UNION ALL SELECT person_id, '2', n2 FROM plan3 WHERE d2 IS NULL AND n2 <= DATE '2022-03-31'
    UNION ALL SELECT person_id, '3', n3 FROM plan3 WHERE d3 IS NULL AND n3 <= DATE '2022-03-31'),
  chosen AS (
    SELECT e.person_id, e.dose, e.vaccination_date FROM extra e
    JOIN (SELECT DISTINCT person_id FROM (
            SELECT person_id, sum(n) OVER (ORDER BY hash(person_id), person_id) AS running
            FROM (SELECT person_id, count(*) AS n FROM extra GROUP BY person_id))
          WHERE running <= $needed) c USING (person_id))
  SELECT * FROM read_parquet($raw)
  UNION ALL
  SELECT c.person_id, 'covid19', c.dose, c.vaccination_date, s.site_id, s.delivery_model
  FROM chosen c, site s
) TO '{out}' (FORMAT {fmt})
"""


def prepare(folder: Path, scale: float, doses: int) -> dict[str, int]:
    """Generate the extract files; return row counts."""
    from phm.synth.build import generate

    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    tables = generate(geo.REFERENCE_ROOT / "north-central-london", scale, 2020, None)
    person = tables["person"].drop(columns=["lsoa_index", "age", "ltc_count"], errors="ignore")
    person.to_parquet(folder / "persons.parquet", index=False)
    tables["vaccination"].to_parquet(folder / "vaccinations_raw.parquet", index=False)
    tables["practice"].to_parquet(folder / "practices.parquet", index=False)
    tables["site"].drop(columns=["source"]).to_parquet(folder / "sites.parquet", index=False)
    n_persons, n_raw = len(person), len(tables["vaccination"])
    del tables, person
    gc.collect()
    print(
        f"generated {n_persons:,} persons, {n_raw:,} doses in {time.perf_counter() - started:.0f} s"
    )
    con = duckdb.connect()
    params = {
        "raw": str(folder / "vaccinations_raw.parquet"),
        "persons": str(folder / "persons.parquet"),
        "sites": str(folder / "sites.parquet"),
        "needed": doses - n_raw,
    }
    for name, fmt in (("vaccinations.parquet", "parquet"), ("vaccinations.csv", "csv")):
        sql = TOP_UP_SQL.replace("{out}", str(folder / name)).replace("{fmt}", fmt)
        con.execute(sql, params)
    con.execute(
        "COPY (SELECT * FROM read_parquet($p)) TO '"
        + str(folder / "persons.csv")
        + "' (FORMAT csv)",
        {"p": params["persons"]},
    )
    n_doses = con.execute(
        "SELECT count(*) FROM read_parquet($p)", {"p": str(folder / "vaccinations.parquet")}
    ).fetchall()[0][0]
    (folder / "vaccinations_raw.parquet").unlink()
    print(
        f"topped up to {n_doses:,} doses; files: "
        + ", ".join(f"{p.name} {p.stat().st_size / 1e6:,.0f} MB" for p in sorted(folder.iterdir()))
    )
    return {"persons": n_persons, "doses": n_doses}


def measure(command: list[str]) -> tuple[float, float, str]:
    """Run a command under /usr/bin/time; return seconds, peak resident MB and its output."""
    started = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-f", "PEAK_KB %M", *command], capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    peak = [line for line in done.stderr.splitlines() if line.startswith("PEAK_KB")]
    if done.returncode != 0:
        print(done.stdout[-2000:], done.stderr[-2000:])
        raise SystemExit(f"command failed: {' '.join(command)}")
    return seconds, int(peak[-1].split()[1]) / 1024, done.stdout


BASELINE = """
import duckdb, sys
con = duckdb.connect(sys.argv[1])
con.execute("CREATE TABLE person AS SELECT * FROM " + sys.argv[2])
con.execute("CREATE TABLE vaccination AS SELECT * FROM " + sys.argv[3])
con.close()
"""


def main() -> None:
    """Prepare the files, then time plain copies and validated loads of Parquet and CSV."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=6.25)
    parser.add_argument("--doses", type=int, default=25_000_000)
    parser.add_argument("--dir", default="/tmp/phm-bench-ingest")
    parser.add_argument("--formats", default="parquet,csv")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    folder = Path(args.dir)
    try:
        if not (folder / "vaccinations.parquet").exists():
            prepare(folder, args.scale, args.doses)
        python = sys.executable
        rows = []
        for fmt in args.formats.split(","):
            persons, vaccinations = folder / f"persons.{fmt}", folder / f"vaccinations.{fmt}"
            reader = "read_parquet" if fmt == "parquet" else "read_csv"
            out = folder / f"baseline-{fmt}.duckdb"
            out.unlink(missing_ok=True)
            base_s, base_mb, _ = measure(
                [
                    python,
                    "-c",
                    BASELINE,
                    str(out),
                    f"{reader}('{persons}')",
                    f"{reader}('{vaccinations}')",
                ]
            )
            out.unlink(missing_ok=True)
            target = folder / f"extract-{fmt}.duckdb"
            ingest_s, ingest_mb, output = measure(
                [
                    python,
                    "-m",
                    "phm",
                    "ingest",
                    "--persons",
                    str(persons),
                    "--vaccinations",
                    str(vaccinations),
                    "--practices",
                    str(folder / "practices.parquet"),
                    "--sites",
                    str(folder / "sites.parquet"),
                    "--out",
                    str(target),
                    "--as-at",
                    "2022-03-31",
                ]
            )
            print(output.strip().splitlines()[-1])
            target.unlink(missing_ok=True)
            rows.append((fmt, base_s, base_mb, ingest_s, ingest_mb))
        print("\nformat   | plain DuckDB copy   | validated ingest    | time ratio")
        for fmt, base_s, base_mb, ingest_s, ingest_mb in rows:
            print(
                f"{fmt:8} | {base_s:6.1f} s {base_mb:6.0f} MB | {ingest_s:6.1f} s {ingest_mb:6.0f} MB"
                f" | {ingest_s / base_s:4.1f} x"
            )
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
