"""Where a service centre is: coordinates or a geocoded city, checked against its market (DESIGN.md §3)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from registry.geography.models import Market, PopulationCentre
from registry.geography.selectors import geocode_city, market_timezone, nearest_place
from registry.vocabulary import LocationPrecision

# Coordinates count as inside the market when one of its places lies this close.
MARKET_NEIGHBOURHOOD_KM = 50.0


@dataclass(frozen=True)
class Location:
    """A resolved location: finite coordinates in range, how precise they are, an IANA time zone,
    and the place they were taken from or lie nearest to (of the market; ``None`` if it has none
    loaded)."""

    latitude: float
    longitude: float
    precision: str  # LocationPrecision: "exact" or "city"
    timezone: str
    place: PopulationCentre | None


def resolve_location(
    *,
    market: Market,
    latitude: float | None,
    longitude: float | None,
    city: str,
) -> Location:
    """Resolve a centre's location in ``market``.

    - Both coordinates given → ``exact`` at those coordinates (the city is not geocoded). They
      must lie in the market: when no place of the market is within 50 km and the nearest loaded
      place belongs to another country, the location is refused naming that country, with a
      hint when swapping latitude and longitude would put the point in the market. With no
      place loaded to judge by (none at all, or none of this market), coordinates are accepted.
    - Only a city → the market's place of that name (case- and accent-insensitive, alternate
      names too; the most populous wins), ``city`` precision, at the place's coordinates.
    - Time zone: that of the market's place nearest to the location (for a city, the place
      itself), else the market's usual zone, else "UTC".

    Raises ``ValidationError`` keyed by ``latitude``, ``longitude`` or ``city``: only one of the
    two coordinates, a coordinate out of range, an unknown city, coordinates in another country
    (on ``latitude``, one message for the pair), or neither coordinates nor city (on ``city``).
    """
    if latitude is None and longitude is None:
        return _from_city(market=market, city=city)

    errors: dict[str, str] = {}
    if latitude is None:
        errors["latitude"] = "Give the latitude too: coordinates need both latitude and longitude."
    elif not _in_range(latitude, 90):
        errors["latitude"] = "The latitude must be a number between -90 and 90."
    if longitude is None:
        errors["longitude"] = "Give the longitude too: coordinates need both latitude and longitude."
    elif not _in_range(longitude, 180):
        errors["longitude"] = "The longitude must be a number between -180 and 180."
    if errors or latitude is None or longitude is None:
        if (
            set(errors) == {"latitude"}
            and latitude is not None
            and longitude is not None
            and _in_range(latitude, 180)
            and _swapped_fits(market=market, latitude=float(latitude), longitude=float(longitude))
        ):
            errors["latitude"] += " Did you swap latitude and longitude?"
        raise ValidationError(errors)
    latitude, longitude = float(latitude), float(longitude)

    nearest = nearest_place(latitude=latitude, longitude=longitude, market_code=market.code)
    verdict = _market_check(market=market, latitude=latitude, longitude=longitude, nearest_of_market=nearest)
    if isinstance(verdict, PopulationCentre):
        message = f"These coordinates are in {verdict.market.name}, not {market.name}."
        if _swapped_fits(market=market, latitude=latitude, longitude=longitude):
            message += " Did you swap latitude and longitude?"
        # One message for the pair: the fault is in the coordinates together.
        raise ValidationError({"latitude": message})

    place = nearest[0] if nearest is not None else None
    return Location(
        latitude=latitude,
        longitude=longitude,
        precision=LocationPrecision.EXACT.value,
        timezone=_timezone(market=market, place=place),
        place=place,
    )


def _from_city(*, market: Market, city: str) -> Location:
    city = (city or "").strip()
    if not city:
        raise ValidationError({"city": "Give the coordinates, or at least the city."})
    place = geocode_city(market_code=market.code, city=city)
    if place is None:
        raise ValidationError(
            {"city": f"No populated place called “{city}” is loaded for {market.name}; give coordinates instead."}
        )
    return Location(
        latitude=place.latitude,
        longitude=place.longitude,
        precision=LocationPrecision.CITY.value,
        timezone=_timezone(market=market, place=place),
        place=place,
    )


def _in_range(value: float, bound: float) -> bool:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return False
    return math.isfinite(number) and -bound <= number <= bound


def _market_check(
    *,
    market: Market,
    latitude: float,
    longitude: float,
    nearest_of_market: tuple[PopulationCentre, float] | None,
) -> bool | PopulationCentre | None:
    """``True`` when the point lies in the market by the rule of DESIGN.md §3, the other country's
    nearest place when it does not, ``None`` when no loaded place can tell.

    ``nearest_of_market`` is ``nearest_place`` of the point within the market; the caller needs
    it too, so it is searched once.
    """
    if nearest_of_market is None:
        return None  # nothing of this market is loaded: any verdict would be a guess
    if nearest_of_market[1] <= MARKET_NEIGHBOURHOOD_KM:
        return True
    nearest = nearest_place(latitude=latitude, longitude=longitude)
    if nearest is None:
        return None
    place, _ = nearest
    return True if place.market_id == market.code else place


def _swapped_fits(*, market: Market, latitude: float, longitude: float) -> bool:
    """Whether the point with latitude and longitude swapped lies in the market."""
    if not _in_range(longitude, 90):
        return False
    swapped = nearest_place(latitude=longitude, longitude=latitude, market_code=market.code)
    return _market_check(market=market, latitude=longitude, longitude=latitude, nearest_of_market=swapped) is True


def _timezone(*, market: Market, place: PopulationCentre | None) -> str:
    if place is not None and place.timezone:
        return place.timezone
    return market_timezone(market_code=market.code) or "UTC"


def relocation(
    *, market: Market, data: dict, city: str, is_new: bool, stored_city: str = "", stored_is_approximate: bool = True
) -> Location | None:
    """The location a write asks for, or ``None`` when the stored one stays.

    A new row always resolves. Coordinates sent in this write are exact. A changed city alone
    re-geocodes only a row whose stored point is approximate (taken from its city); an exact
    point is not moved by renaming its city. Raises ``ValidationError`` as ``resolve_location``.
    """
    gave_point = data.get("latitude") is not None or data.get("longitude") is not None
    city_changed = "city" in data and data["city"] != stored_city
    if not (is_new or gave_point or (city_changed and stored_is_approximate)):
        return None
    return resolve_location(
        market=market,
        latitude=data.get("latitude") if gave_point else None,
        longitude=data.get("longitude") if gave_point else None,
        city=city,
    )
