"""Benchmark (b): the coverage engine alone, checked against brute force.

Times ``registry.coverage.engine.evaluate`` on synthetic, seeded data (default 1,000,000
populated places against 100,000 qualifying centres), then measures a random subsample of places
against every centre with the plain haversine formula and asserts that the engine agrees
EXACTLY on covered/uncovered and on the nearest-centre distance.

    .venv/bin/python bench/coverage_engine.py                 # full size
    .venv/bin/python bench/coverage_engine.py --quick         # small sizes, CI smoke
    .venv/bin/python bench/coverage_engine.py --places 200000 --centres 5000

Pure numpy/scipy: no database, no Django settings.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from registry.coverage.engine import (  # after the path tweak, so it runs from anywhere
    Centres,
    Inputs,
    PartStock,
    Places,
    Policy,
    covered_mask,
    evaluate,
    nearest_centre_km,
)
from registry.geo import haversine_km

POLICY = Policy(
    coverage_radius_km=150.0,
    population_coverage_pct=80.0,
    min_service_centres=1,
    vehicles_per_service_centre=1000,
    critical_parts_fill_rate_pct=90.0,
    required_part_categories=("battery_module", "drive_motor", "power_electronics", "charging", "brakes"),
)


def random_points(rng: np.random.Generator, n: int, towns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """80 % clustered around towns (a few hundred km spread), 20 % uniform on the sphere.

    Clusters make coverage partial and the KD-tree work realistic; the uniform share reaches the
    poles and both sides of the antimeridian.
    """
    n_uniform = n // 5
    z = rng.uniform(-1.0, 1.0, n_uniform)
    lat_u = np.degrees(np.arcsin(z))
    lon_u = rng.uniform(-180.0, 180.0, n_uniform)

    n_clustered = n - n_uniform
    pick = rng.integers(0, len(towns), n_clustered)
    lat_c = towns[pick, 0] + rng.normal(0.0, 1.5, n_clustered)
    lon_c = towns[pick, 1] + rng.normal(0.0, 1.5, n_clustered) / np.maximum(np.cos(np.radians(towns[pick, 0])), 0.2)
    lat_c = np.clip(lat_c, -90.0, 90.0)
    lon_c = (lon_c + 180.0) % 360.0 - 180.0
    lat = np.concatenate([lat_u, lat_c])
    lon = np.concatenate([lon_u, lon_c])
    order = rng.permutation(n)  # no accidental spatial order helping the tree
    return lat[order], lon[order]


def make_inputs(n_places: int, n_centres: int, seed: int) -> Inputs:
    rng = np.random.default_rng(seed)
    towns = np.column_stack([np.degrees(np.arcsin(rng.uniform(-0.85, 0.95, 3000))), rng.uniform(-180, 180, 3000)])
    plat, plon = random_points(rng, n_places, towns)
    clat, clon = random_points(rng, n_centres, towns[: len(towns) // 2])  # half the towns have no network
    population = np.round(rng.lognormal(7.5, 1.6, n_places)).astype(np.int64)
    places = Places(
        geonameid=rng.permutation(np.arange(1, n_places + 1, dtype=np.int64)),
        name=[f"Place {i}" for i in range(n_places)],
        latitude=plat,
        longitude=plon,
        population=population,
    )
    centres = Centres(
        id=np.arange(1, n_centres + 1, dtype=np.int64),
        latitude=clat,
        longitude=clon,
        verified=rng.random(n_centres) < 0.3,
    )
    categories = (*POLICY.required_part_categories, "body", "glass")
    parts = tuple(
        PartStock(
            part_id=i,
            category=categories[i % len(categories)],
            is_critical=i % 3 == 0,
            fresh_quantity=int(rng.integers(0, 5)),
        )
        for i in range(500)
    )
    return Inputs(
        places=places,
        centres=centres,
        parts=parts,
        planned_annual_volume=50_000,
        country_population=8_000_000_000,
        market_name="Benchland",
    )


def brute_force_nearest(lat: np.ndarray, lon: np.ndarray, centres: Centres, chunk: int = 32) -> np.ndarray:
    """Nearest-centre km by measuring every place against every centre (chunked full matrix)."""
    out = np.empty(lat.size, dtype=np.float64)
    for start in range(0, lat.size, chunk):
        stop = start + chunk
        km = haversine_km(lat[start:stop, None], lon[start:stop, None], centres.latitude, centres.longitude)
        out[start:stop] = km.min(axis=1) if centres.latitude.size else np.inf
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--places", type=int, help="populated places (default 1,000,000; --quick 20,000)")
    parser.add_argument("--centres", type=int, help="qualifying centres (default 100,000; --quick 2,000)")
    parser.add_argument("--sample", type=int, help="places checked against brute force (default 2,000; --quick 500)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs; the best is reported")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--quick", action="store_true", help="small default sizes, for a CI smoke")
    args = parser.parse_args()
    defaults = (20_000, 2_000, 500) if args.quick else (1_000_000, 100_000, 2_000)
    for name, default in zip(("places", "centres", "sample"), defaults, strict=True):
        if getattr(args, name) is None:
            setattr(args, name, default)

    print(
        f"coverage engine: {args.places:,} places × {args.centres:,} centres, {os.cpu_count()} CPUs, seed {args.seed}"
    )
    inputs = make_inputs(args.places, args.centres, args.seed)
    load_before = os.getloadavg()[0]

    times, cpu_times = [], []
    result = None
    for _ in range(args.repeat):
        started, cpu_started = time.perf_counter(), time.process_time()
        result = evaluate(inputs, POLICY)
        times.append(time.perf_counter() - started)
        cpu_times.append(time.process_time() - cpu_started)
    assert result is not None
    best = min(times)

    # Memory in a separate run: tracemalloc slows allocation-heavy code down.
    tracemalloc.start()
    evaluate(inputs, POLICY)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    max_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux

    m = result.metrics
    print(f"evaluate: best of {args.repeat} {best:.3f} s  (runs: {', '.join(f'{t:.3f}' for t in times)})")
    # CPU seconds over all threads: a fair figure when other work shares the machine.
    print(f"  CPU time {min(cpu_times):.3f} s (all threads); load average before: {load_before:.2f}")
    print(f"  {best / args.places * 1e9:.0f} ns per place")
    print(f"  peak traced allocations during evaluate: {traced_peak / 2**20:.1f} MiB (tracemalloc; numpy arrays)")
    print(f"  process max RSS (data generation included): {max_rss_mb:.0f} MiB")
    print(
        f"  covered {m['population_covered']:,} of {m['population_total']:,} people "
        f"({m['population_coverage_pct']} %), {len(result.gaps)} gaps listed, passed={result.passed}"
    )

    # Exact agreement with brute force on a random subsample.
    rng = np.random.default_rng(args.seed + 1)
    sample = np.sort(rng.choice(args.places, size=min(args.sample, args.places), replace=False))
    places = inputs.places
    engine_km = nearest_centre_km(places, inputs.centres)[sample]
    engine_covered = covered_mask(engine_km, POLICY.coverage_radius_km)
    started = time.perf_counter()
    brute_km = brute_force_nearest(places.latitude[sample], places.longitude[sample], inputs.centres)
    brute_seconds = time.perf_counter() - started
    brute_covered = brute_km <= POLICY.coverage_radius_km

    assert np.array_equal(engine_covered, brute_covered), "covered/uncovered differs from brute force"
    assert np.array_equal(engine_km, brute_km), "nearest-centre distance differs from brute force"
    for gap in result.gaps:  # the gaps evaluate() reported, re-measured by brute force
        i = np.flatnonzero(places.geonameid == gap["geonameid"])
        expected = brute_force_nearest(places.latitude[i], places.longitude[i], inputs.centres)[0]
        assert expected > POLICY.coverage_radius_km
        assert gap["nearest_centre_km"] == (round(float(expected), 1) if len(inputs.centres) else None)

    per_place_engine = best / args.places
    per_place_brute = brute_seconds / sample.size
    print(
        f"brute force: {sample.size:,} places × {args.centres:,} centres in {brute_seconds:.3f} s "
        f"({per_place_brute * 1e6:.1f} µs per place)"
    )
    print(
        f"  agrees exactly on covered/uncovered ({int(engine_covered.sum()):,} covered) and on nearest km; "
        f"engine is {per_place_brute / per_place_engine:,.0f}× faster per place"
    )


if __name__ == "__main__":
    main()
