"""One practice's worklist: server time on practice-ordered tables against unordered ones.

`person` and `identity` are stored in practice order (phm.schema.PERSON_ORDER) so that a
practice's list reads a few row groups. This builds (or takes) a demo, copies its tables into
two more layouts in the same run: unordered (by a hash of the id, as a load with no ORDER BY
could leave them) and the previous LSOA order; then times, on each layout, the worklist query
(phm.queries.worklist.due_patients), the whole read_worklist call (query, nearest sites,
reasons, audit entry) for practices of several sizes, and two population queries that the new
order could slow down (a borough and an MSOA cohort), median of repeated runs.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_worklist.py --db /tmp/full/phm.duckdb
    PYTHONPATH=. .venv/bin/python benchmarks/bench_worklist.py --scale 6.25   # 10 million people
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import duckdb

from phm import geo, queries, schema
from phm.access.demo import DEMO_USERS
from phm.access.roles import Role
from phm.cohort import Cohort
from phm.directcare.worklist import read_worklist
from phm.queries.worklist import due_patients

LAYOUTS = {
    "practice order (new)": (schema.PERSON_ORDER, schema.IDENTITY_ORDER),
    "unordered (hash of id)": ("hash(p.person_id)", "hash(person_id)"),
    "LSOA order (before)": ("p.lsoa_code, p.person_id", "person_id"),
}


def _copy(source: Path, target: Path, person_order: str, identity_order: str) -> None:
    """Write the source database's tables into target with person and identity in a given order."""
    con = duckdb.connect(str(target))
    con.execute("ATTACH $path AS src (READ_ONLY)", {"path": str(source)})
    for table in schema.TABLES:
        con.execute(schema.create_table_sql(table))
        order = {"person": person_order, "identity": identity_order}.get(table)
        alias = " p" if table == "person" else ""
        sql = f"INSERT INTO {table} SELECT * FROM src.{table}{alias}"
        con.execute(sql + (f" ORDER BY {order}" if order else ""))
    con.execute("DETACH src")
    con.close()


def _median_ms(run, repeats: int) -> float:
    """Return the median wall time of `run()` in milliseconds (after one warm-up run)."""
    run()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append(1000 * (time.perf_counter() - started))
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="a demo database (else one is built)")
    parser.add_argument("--scale", type=float, default=1.0, help="demo scale when building")
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-worklist-"))
    source = args.db
    if source is None:
        from phm.synth.build import build_demo  # a build stage: only when asked to build

        source = work / "demo.duckdb"
        started = time.perf_counter()
        build_demo(source, geo.REFERENCE_ROOT / "north-central-london", scale=args.scale)
        print(f"built a demo at scale {args.scale} in {time.perf_counter() - started:.0f} s")
    nurse = next(u.principal for u in DEMO_USERS if u.principal.role is Role.PRACTICE)
    paths = {}
    for name, (person_order, identity_order) in LAYOUTS.items():
        paths[name] = work / f"{name.split()[0]}.duckdb"
        _copy(source, paths[name], person_order, identity_order)
    with duckdb.connect(str(source), read_only=True) as con:
        persons = con.execute("SELECT count(*) FROM person").fetchone()[0]
        sizes = con.execute(
            "SELECT practice_code, count(*) AS n FROM person GROUP BY 1 ORDER BY 2"
        ).fetchall()
        as_at = date.fromisoformat(queries.dataset_meta(con)["as_at"])
        borough = con.execute("SELECT lad_code FROM lsoa LIMIT 1").fetchone()[0]
        msoa = con.execute("SELECT msoa_code FROM lsoa LIMIT 1").fetchone()[0]
    chosen = [sizes[len(sizes) // 10], sizes[len(sizes) // 2], sizes[-1]]
    print(f"{persons:,} persons; practices of {', '.join(f'{n:,}' for _, n in chosen)} people")
    results: dict[str, dict[str, float]] = {name: {} for name in LAYOUTS}
    audit = work / "audit.sqlite"
    for name, path in paths.items():
        con = duckdb.connect(str(path), read_only=True)
        for code, n in chosen:
            cohort = Cohort(as_at=as_at, practices=(code,))
            principal = replace(nurse, org_code=code)
            results[name][f"query, practice of {n:,}"] = _median_ms(
                lambda c=cohort, k=code, db=con: due_patients(db, c, k), args.repeats
            )
            results[name][f"whole list, practice of {n:,}"] = _median_ms(
                lambda c=cohort, p=principal, db=con: read_worklist(db, p, c, audit), args.repeats
            )
        for label, cohort in (
            ("population: one borough", Cohort(as_at=as_at, boroughs=(borough,))),
            ("population: one MSOA", Cohort(as_at=as_at, msoas=(msoa,))),
            ("population: everyone by age band", Cohort(as_at=as_at)),
        ):
            dims = ("age_band",) if "everyone" in label else ()
            results[name][label] = _median_ms(
                lambda c=cohort, d=dims, db=con: queries.uptake_by(db, c, d), args.repeats
            )
        con.close()
    baseline, others = "practice order (new)", [n for n in LAYOUTS if n != "practice order (new)"]
    header = f"{'median server time (ms)':<38}{baseline:>22}" + "".join(
        f"{n:>26}{'ratio':>8}" for n in others
    )
    print(header)
    for measure in results[baseline]:
        line = f"{measure:<38}{results[baseline][measure]:>22.1f}"
        for other in others:
            value = results[other][measure]
            line += f"{value:>26.1f}{value / results[baseline][measure]:>7.2f}x"
        print(line)
    print("ratio = that layout's time / practice order's time (above 1: practice order is faster)")


if __name__ == "__main__":
    main()
