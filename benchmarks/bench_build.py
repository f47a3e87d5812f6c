"""Time the full-scale demo build and compare with writing the same tables alone."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from phm import geo, record_keys
from phm.synth.build import _meta, generate, write_database


def main() -> None:
    """Print build timings for one scale."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=2020)
    args = parser.parse_args()
    ref = geo.REFERENCE_ROOT / "north-central-london"
    with tempfile.TemporaryDirectory() as tmp:
        secret = record_keys.demo_secret(args.seed)
        started = time.perf_counter()
        tables = generate(ref, args.scale, args.seed, None)
        generated = time.perf_counter()
        write_database(
            tables,
            _meta(
                ref,
                args.scale,
                args.seed,
                None,
                len(tables["person"]),
                secret,
                str(tables["interventions"]["json"].iat[0]),
            ),
            Path(tmp) / "a.duckdb",
            secret,
        )
        written = time.perf_counter()
        write_database(
            tables,
            _meta(
                ref,
                args.scale,
                args.seed,
                None,
                len(tables["person"]),
                secret,
                str(tables["interventions"]["json"].iat[0]),
            ),
            Path(tmp) / "b.duckdb",
            secret,
        )
        rewrite = time.perf_counter() - written
    total = written - started
    print(
        f"scale {args.scale}: {len(tables['person']):,} persons, "
        f"{len(tables['vaccination']):,} doses"
    )
    print(f"generate {generated - started:6.1f} s")
    print(f"write    {written - generated:6.1f} s")
    print(f"total    {total:6.1f} s   (budget 90 s: {total / 90:.2f} of budget)")
    print(
        f"baseline: writing the same tables again {rewrite:.1f} s; build / write-only = "
        f"{total / rewrite:.1f}x"
    )


if __name__ == "__main__":
    main()
