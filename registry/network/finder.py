"""The public finder: active, public service centres near a point or by name (DESIGN.md §6).

Distances are decided by ``registry.geo.haversine_km`` (arcsine form, float64). The database
only proposes candidates: a prefilter on the indexed latitude/longitude columns with the boxes
of ``registry.geo.bounding_boxes``, which split at the antimeridian and span every longitude
near a pole, so no centre within the radius is ever missed.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from django.db import connections
from django.db.models import Q, QuerySet
from django.utils import timezone as django_timezone
from opening_hours import InvalidCoordinatesError, OpeningHours, ParserError, State, UnknownCountryError

from registry.geo import EARTH_RADIUS_KM, Box, bounding_boxes, haversine_km
from registry.network.models import ServiceCentre, ServiceCentreQuerySet

START_RADIUS_KM = 25.0
"""First search radius of a nearest-N query; it grows by ``RADIUS_GROWTH`` until enough is found."""

RADIUS_GROWTH = 4.0

HALF_CIRCUMFERENCE_KM = math.pi * EARTH_RADIUS_KM
"""No two points are further apart: a circle of this radius holds the whole sphere."""

_WHOLE_SPHERE: Box = (-90.0, 90.0, -180.0, 180.0)

_SUN_EVENTS = ("sunrise", "sunset", "dawn", "dusk")


@dataclass(frozen=True, slots=True)
class PublicBrand:
    slug: str
    name: str


@dataclass(frozen=True, slots=True)
class PublicCentre:
    """What the public may see of a service centre (DESIGN.md §6), named as on the model.

    Read as plain values rather than model instances: nothing internal (code, status,
    technicians, bays) can reach a public page by accident, and a request stays cheap.
    """

    id: int
    brand: PublicBrand
    market_id: str
    name: str
    kind: str
    address: str
    city: str
    postal_code: str
    latitude: float
    longitude: float
    location_precision: str
    phone: str
    email: str
    website: str
    opening_hours: str
    timezone: str
    capabilities: list[str]
    updated_at: datetime


_PUBLIC_COLUMNS = (
    "id", "brand__slug", "brand__name", "market_id", "name", "kind", "address", "city", "postal_code",
    "latitude", "longitude", "location_precision", "phone", "email", "website", "opening_hours", "timezone",
    "capabilities", "updated_at",
)  # fmt: skip


# Built once: putting 19 columns and a join together is a large share of a request's work.
_PUBLIC_ROWS = ServiceCentre.objects.public().order_by().values_list(*_PUBLIC_COLUMNS)


def _public_centre(row: tuple) -> PublicCentre:
    pk, slug, brand_name, *rest = row
    return PublicCentre(pk, PublicBrand(slug, brand_name), *rest)


@dataclass(frozen=True, slots=True)
class FoundCentre:
    """One answer of the finder: the centre and what was worked out about it for this question."""

    centre: PublicCentre
    distance_km: float | None
    """Exact haversine distance from the query point; ``None`` without a point."""
    open_now: bool | None
    """Open at the query moment in the centre's own time zone; ``None`` when its hours are unknown."""
    verified: bool
    """Whether an official has verified the centre (always false until CentreVerification exists)."""


def public_service_centres(
    *,
    lat: float | None,
    lon: float | None,
    radius_km: float | None,
    brand: str | None,
    market: str | None,
    capability: str | None,
    q: str | None,
    open_now: bool,
    limit: int,
    now: datetime | None = None,
) -> list[FoundCentre]:
    """The centres the public may see that match every filter, at most ``limit`` of them.

    Guarantees:

    - Only ``active`` and ``is_public`` centres, qualifying for coverage or not.
    - Every filter (``brand`` slug, ``market`` code, ``capability``, ``q`` as a case-insensitive
      part of the name or city, ``radius_km``, ``open_now``) applies before the limit.
    - With a point (``lat`` and ``lon``): the nearest centres, ordered by exact haversine
      distance and then by id, each carrying that distance. With ``radius_km`` only centres at
      distance ≤ ``radius_km``. The answer equals a full scan's, across the antimeridian and at
      the poles, but reads only the centres in a circle that grows from ``START_RADIUS_KM`` until
      it holds ``limit`` matching centres (or reaches ``radius_km``, or covers the sphere).
    - Without a point: ordered by market code, city, name, then id.
    - ``open_now``: each result says whether it is open at ``now`` (default: the current time)
      in its own ``timezone``, reading ``opening_hours`` with the OpenStreetMap syntax (public
      holidays of its market and sun times at its position included). Empty, unparseable or
      "unknown" hours, or an unknown time zone, give ``None``; with ``open_now=True`` only centres
      that are open now are returned (so never those).
    - ``verified`` is always ``False`` for now: there is no verification record yet. It will come
      with the CentreVerification model of the licensing work.
    - SQL queries never grow with the number of centres or results: without a point one; with
      a point one per search radius tried (usually one, at most six) plus one that loads the
      chosen centres' public columns.
    """
    if limit < 1:
        return []
    if (lat is None) != (lon is None):
        raise ValueError("lat and lon go together")
    if radius_km is not None and lat is None:
        raise ValueError("radius_km needs a point")
    moment = now or django_timezone.now()
    candidates = _filtered(brand=brand, market=market, capability=capability, q=q)
    if lat is None or lon is None:
        return _by_name(candidates, open_now=open_now, limit=limit, now=moment)
    return _nearest(candidates, lat=lat, lon=lon, radius_km=radius_km, open_now=open_now, limit=limit, now=moment)


def centre_open_now(
    *, opening_hours: str, timezone: str, market: str, latitude: float, longitude: float, now: datetime
) -> bool | None:
    """Is a centre with these hours open at ``now`` (aware) in its own time zone?

    ``None`` when that cannot be told: no hours, hours the parser does not read, an unknown
    time zone, or hours that say "unknown" for this moment.
    """
    if not opening_hours or not opening_hours.strip():
        return None
    zone = _zone(timezone)
    if zone is None:
        return None
    # The position only matters to sun times; leaving it out elsewhere lets centres share a parse.
    position = (latitude, longitude) if any(event in opening_hours for event in _SUN_EVENTS) else None
    hours = _parse_hours(opening_hours, timezone, market, position)
    if hours is None:
        return None
    # The parser reads a naive time as local time where the place is.
    state, _comment = hours.state(now.astimezone(zone).replace(tzinfo=None))
    if state == State.UNKNOWN:
        return None
    return state == State.OPEN


@functools.cache
def _zone(name: str) -> ZoneInfo | None:
    # ZoneInfo keeps only the last few zones alive; the finder meets the whole world's, and
    # reading one from disk again costs more than the rest of "open now".
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


@functools.lru_cache(maxsize=4096)
def _parse_hours(text: str, timezone: str, market: str, position: tuple[float, float] | None) -> OpeningHours | None:
    # The market's country makes "PH off" right, the position "sunrise-sunset". The parser's
    # guessing of the country from coordinates costs milliseconds, so it is switched off; its
    # time-zone guessing must stay on (with it off, the position is ignored for sun times), and
    # costs nothing when the zone is given.
    options = {"timezone": _zone(timezone), "auto_country": False}
    where = {"coords": position} if position is not None else {}
    for extra in ({"country": market, **where}, where, {}):
        try:
            return OpeningHours(text, **options, **extra)
        except (UnknownCountryError, InvalidCoordinatesError):
            continue  # no holiday calendar for this market, or odd coordinates: do without
        except (ParserError, ValueError, TypeError):
            return None
    return None


def _filtered(*, brand: str | None, market: str | None, capability: str | None, q: str | None) -> ServiceCentreQuerySet:
    centres = ServiceCentre.objects.public()
    if brand:
        centres = centres.filter(brand__slug=brand)
    if market:
        centres = centres.filter(market_id=market)
    if capability:
        centres = centres.filter(capabilities__has_element=capability)
    if q and q.strip():
        text = q.strip()
        centres = centres.filter(Q(name__icontains=text) | Q(city__icontains=text))
    return centres


def _open_flag(centre: PublicCentre, now: datetime) -> bool | None:
    return centre_open_now(
        opening_hours=centre.opening_hours,
        timezone=centre.timezone,
        market=centre.market_id,
        latitude=centre.latitude,
        longitude=centre.longitude,
        now=now,
    )


def _by_name(centres: ServiceCentreQuerySet, *, open_now: bool, limit: int, now: datetime) -> list[FoundCentre]:
    ordered = centres.order_by("market_id", "city", "name", "id").values_list(*_PUBLIC_COLUMNS)
    if not open_now:
        return [FoundCentre(c, None, _open_flag(c, now), False) for c in map(_public_centre, ordered[:limit])]
    # Opening hours are only understood in Python: read in order until enough are open. One
    # query, fetched in chunks, stopped as soon as the limit is reached.
    found: list[FoundCentre] = []
    for centre in map(_public_centre, ordered.iterator(chunk_size=max(limit * 4, 100))):
        if _open_flag(centre, now):
            found.append(FoundCentre(centre, None, True, False))
            if len(found) == limit:
                break
    return found


def _box_filter(boxes: Sequence[Box]) -> Q | None:
    """Rows inside any of the boxes; ``None`` when a box is the whole sphere."""
    if any(box == _WHOLE_SPHERE for box in boxes):
        return None
    condition = Q()
    for lat_min, lat_max, lon_min, lon_max in boxes:
        condition |= Q(latitude__range=(lat_min, lat_max), longitude__range=(lon_min, lon_max))
    return condition


def _fetch(rows: QuerySet) -> list[tuple]:
    """The rows of a ``values_list`` query, read straight from the cursor.

    In a dense city a search radius holds hundreds of candidates, and the ORM's per-row
    handling costs more than the query; these columns (numbers and plain text) need no
    conversion.
    """
    sql, params = rows.query.sql_with_params()
    with connections[rows.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _radii(cap: float) -> Iterable[float]:
    radius = START_RADIUS_KM
    while radius < cap:
        yield radius
        radius *= RADIUS_GROWTH
    yield cap


def _nearest(
    centres: ServiceCentreQuerySet,
    *,
    lat: float,
    lon: float,
    radius_km: float | None,
    open_now: bool,
    limit: int,
    now: datetime,
) -> list[FoundCentre]:
    columns = ["id", "latitude", "longitude"]
    if open_now:
        columns += ["opening_hours", "timezone", "market_id"]
    # No default ordering: the database would sort every candidate for nothing.
    candidates = centres.order_by().values_list(*columns)
    cap = radius_km if radius_km is not None else HALF_CIRCUMFERENCE_KM * 2  # ×2: past any rounding
    is_open: dict[int, bool | None] = {}
    chosen: list[tuple[int, float]] = []

    for radius in _radii(cap):
        boxes = bounding_boxes(lat, lon, radius)
        condition = _box_filter(boxes)
        rows = _fetch(candidates if condition is None else candidates.filter(condition))
        whole_sphere = condition is None
        last = whole_sphere or radius >= cap
        ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
        lats = np.fromiter((row[1] for row in rows), dtype=np.float64, count=len(rows))
        lons = np.fromiter((row[2] for row in rows), dtype=np.float64, count=len(rows))
        distance = np.asarray(haversine_km(lat, lon, lats, lons), dtype=np.float64)
        # Only a centre inside the circle is sure: one in a box corner may have a nearer rival
        # outside every box. Once everything was read, every centre is sure (inside the radius
        # limit, when there is one).
        everything_read = whole_sphere and radius_km is None
        sure = np.arange(len(rows)) if everything_read else np.flatnonzero(distance <= radius)
        order = sure[np.lexsort((ids[sure], distance[sure]))]

        chosen = []
        for i in order:
            if open_now:
                key = int(ids[i])
                if key not in is_open:
                    _, row_lat, row_lon, hours, zone, market = rows[i]
                    is_open[key] = centre_open_now(
                        opening_hours=hours,
                        timezone=zone,
                        market=market,
                        latitude=row_lat,
                        longitude=row_lon,
                        now=now,
                    )
                if not is_open[key]:
                    continue
            chosen.append((int(ids[i]), float(distance[i])))
            if len(chosen) == limit:
                break
        if len(chosen) == limit or last:
            break

    if not chosen:
        return []
    # Re-checked as public: a centre closed between the two queries is left out, not shown.
    rows = _PUBLIC_ROWS.filter(id__in=[pk for pk, _ in chosen])
    loaded = {centre.id: centre for centre in map(_public_centre, rows)}
    found = []
    for pk, km in chosen:
        centre = loaded.get(pk)
        if centre is None:
            continue
        flag = is_open[pk] if open_now else _open_flag(centre, now)
        found.append(FoundCentre(centre, km, flag, False))
    return found
