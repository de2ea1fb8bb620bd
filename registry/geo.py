"""Distance maths shared by the whole product (DESIGN.md §4).

One formula decides every distance the product reports: the haversine formula in its arcsine
form, in float64, on a sphere of radius ``EARTH_RADIUS_KM``. Spatial indexes and bounding
boxes only propose candidates; whatever they propose is then measured with ``haversine_km``.

Pure numpy/scipy, no Django: safe to import anywhere and easy to test against brute force.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

EARTH_RADIUS_KM = 6371.0088
"""Mean Earth radius (IUGG), the sphere every distance in the product is measured on."""

FloatLike = float | npt.ArrayLike
Box = tuple[float, float, float, float]

# Bounding boxes are padded by this much so that float rounding in the haversine formula (well
# under a millimetre, ~0.1 m next to the antipode) can never put a point that the formula
# calls "within the radius" outside every box. One metre costs nothing as a prefilter.
_BOX_PAD_KM = 0.001

# Two candidates whose chord lengths differ by more than this (~6 mm on Earth) are ordered the
# same by the haversine formula: float error in either is many orders of magnitude smaller.
# Only where the two nearest are closer than this is every centre that near measured.
_TIE_CHORD = 1e-9


def haversine_km(lat1: FloatLike, lon1: FloatLike, lat2: FloatLike, lon2: FloatLike) -> np.float64 | np.ndarray:
    """Great-circle distance in km between points given in degrees.

    Haversine in its arcsine form, ``2R·asin(√h)`` with ``h`` clipped to [0, 1] so rounding
    can never take ``asin`` or ``√`` out of their domain. float64 throughout; scalars give a
    numpy float64, arrays broadcast like any numpy operation. This is the formula that decides
    coverage and every reported distance.
    """
    phi1 = np.radians(np.asarray(lat1, dtype=np.float64))
    phi2 = np.radians(np.asarray(lat2, dtype=np.float64))
    dphi = phi2 - phi1
    dlam = np.radians(np.asarray(lon2, dtype=np.float64)) - np.radians(np.asarray(lon1, dtype=np.float64))
    h = np.sin(dphi / 2.0) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlam / 2.0) ** 2
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def unit_vectors(lat_deg: FloatLike, lon_deg: FloatLike) -> np.ndarray:
    """Points in degrees as 3-D unit vectors, shape (n, 3), float64, C-contiguous.

    Chord length between two such vectors grows monotonically with great-circle distance, so
    a Euclidean KD-tree over them finds nearest points on the sphere, with no seam at the
    antimeridian and no distortion near the poles.
    """
    phi = np.radians(np.atleast_1d(np.asarray(lat_deg, dtype=np.float64)).ravel())
    lam = np.radians(np.atleast_1d(np.asarray(lon_deg, dtype=np.float64)).ravel())
    if phi.shape != lam.shape:
        raise ValueError("latitude and longitude must have the same length")
    out = np.empty((phi.size, 3), dtype=np.float64)
    cos_phi = np.cos(phi)
    out[:, 0] = cos_phi * np.cos(lam)
    out[:, 1] = cos_phi * np.sin(lam)
    out[:, 2] = np.sin(phi)
    return out


def chord_for_km(km: FloatLike) -> np.float64 | np.ndarray:
    """Chord length on the unit sphere for a great-circle distance in km (capped at 2, the antipode)."""
    angle = np.clip(np.asarray(km, dtype=np.float64) / EARTH_RADIUS_KM, 0.0, math.pi)
    return 2.0 * np.sin(angle / 2.0)


def km_for_chord(chord: FloatLike) -> np.float64 | np.ndarray:
    """Great-circle distance in km for a chord length on the unit sphere (the inverse of ``chord_for_km``)."""
    half = np.clip(np.asarray(chord, dtype=np.float64) / 2.0, 0.0, 1.0)
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(half)


def bounding_boxes(lat: float, lon: float, radius_km: float) -> list[Box]:
    """Latitude/longitude boxes, in degrees, that together hold every point within ``radius_km``.

    Each box is ``(lat_min, lat_max, lon_min, lon_max)``, bounds inclusive, longitudes in
    [-180, 180]. Guarantee: any point (latitude in [-90, 90], longitude in [-180, 180]) whose
    ``haversine_km`` to (lat, lon) is ≤ ``radius_km`` lies in at least one box. Meant as a
    database prefilter on indexed latitude/longitude columns; the exact distance still decides.

    - A circle crossing the antimeridian gives two boxes, one on each side.
    - A circle containing or touching a pole gives one box spanning all longitudes.
    - A circle covering the whole sphere gives the whole sphere.
    """
    if not (math.isfinite(lat) and math.isfinite(lon) and math.isfinite(radius_km)):
        raise ValueError("latitude, longitude and radius must be finite numbers")
    if radius_km < 0:
        raise ValueError("radius_km must not be negative")
    delta = (radius_km + _BOX_PAD_KM) / EARTH_RADIUS_KM  # angular radius, radians
    if delta >= math.pi:
        return [(-90.0, 90.0, -180.0, 180.0)]

    phi = math.radians(lat)
    lat_min = math.degrees(phi - delta)
    lat_max = math.degrees(phi + delta)
    if lat_max >= 90.0 or lat_min <= -90.0:
        # The circle holds a pole: every meridian passes through it, so all longitudes count.
        return [(max(lat_min, -90.0), min(lat_max, 90.0), -180.0, 180.0)]

    # Widest longitude offset reached by a circle of angular radius delta centred at latitude
    # phi (tangent meridians). Here |phi| + delta < π/2, so the ratio stays below 1.
    dlon = math.degrees(math.asin(math.sin(delta) / math.cos(phi)))
    centre_lon = (lon + 180.0) % 360.0 - 180.0  # into [-180, 180)
    lon_min = centre_lon - dlon
    lon_max = centre_lon + dlon
    # Split at ≤ / ≥ (not < / >): longitude -180 and 180 are the same meridian, and a point
    # stored with either sign must be found.
    if lon_min <= -180.0:
        return [(lat_min, lat_max, lon_min + 360.0, 180.0), (lat_min, lat_max, -180.0, lon_max)]
    if lon_max >= 180.0:
        return [(lat_min, lat_max, lon_min, 180.0), (lat_min, lat_max, -180.0, lon_max - 360.0)]
    return [(lat_min, lat_max, lon_min, lon_max)]


class NearestIndex:
    """Nearest-point search over a fixed set of centres, built once.

    A KD-tree over 3-D unit vectors proposes candidates; the returned distance is always the
    ``haversine_km`` value. Memory stays O(centres + queries): never a full distance matrix.
    """

    def __init__(self, latitude: npt.ArrayLike, longitude: npt.ArrayLike) -> None:
        lat = np.atleast_1d(np.asarray(latitude, dtype=np.float64)).ravel()
        lon = np.atleast_1d(np.asarray(longitude, dtype=np.float64)).ravel()
        if lat.shape != lon.shape:
            raise ValueError("latitude and longitude must have the same length")
        if not (np.isfinite(lat).all() and np.isfinite(lon).all()):
            raise ValueError("centre coordinates must be finite")
        self._size = int(lat.size)
        # Centres geocoded to the same city share coordinates exactly; in the tree each location
        # appears once, standing for its lowest index (all of them are at the same distance from
        # anything). Without this, every query near such a city would be a tie to settle.
        # "+ 0.0" turns -0.0 into 0.0, the same location.
        by_place = np.lexsort((lon + 0.0, lat + 0.0))  # stable: lowest index first in a group
        slat, slon = lat[by_place] + 0.0, lon[by_place] + 0.0
        first = np.ones(lat.size, dtype=bool)
        first[1:] = (slat[1:] != slat[:-1]) | (slon[1:] != slon[:-1])
        self._owner = by_place[first].astype(np.int64)  # tree position → lowest centre index
        self._lat, self._lon = lat[self._owner], lon[self._owner]
        self._tree = cKDTree(unit_vectors(self._lat, self._lon)) if self._owner.size else None

    def __len__(self) -> int:
        return self._size

    def query(
        self, latitude: npt.ArrayLike, longitude: npt.ArrayLike, *, workers: int = -1
    ) -> tuple[np.ndarray, np.ndarray]:
        """For each query point, the index of its nearest centre and the haversine distance in km.

        Returns ``(indices, km)`` as int64 and float64 arrays of the query's length, equal to
        ``argmin`` and ``min`` of the full haversine distance row (the lowest index among
        centres at exactly the same distance). With no centres every index is -1 and every
        distance ``inf``. ``workers`` is passed to scipy (-1: all cores).

        The tree orders by chord, which is monotonic in arc length; it fetches the two nearest
        by chord, and where those two are within float noise of each other every centre that
        close is measured with the haversine formula and the closest kept.
        """
        lat = np.atleast_1d(np.asarray(latitude, dtype=np.float64)).ravel()
        lon = np.atleast_1d(np.asarray(longitude, dtype=np.float64)).ravel()
        if lat.shape != lon.shape:
            raise ValueError("latitude and longitude must have the same length")
        if not (np.isfinite(lat).all() and np.isfinite(lon).all()):
            raise ValueError("query coordinates must be finite")
        if self._tree is None or lat.size == 0:
            return np.full(lat.size, -1, dtype=np.int64), np.full(lat.size, np.inf, dtype=np.float64)

        # Query in spatial order (1° cells, a 16-bit key so numpy radix-sorts it in O(n)):
        # neighbouring queries then walk the same tree nodes while they are in cache, which
        # halves the search time for large unordered inputs. Results are put back in input order.
        lat_cell = np.clip(lat + 90.0, 0.0, 179.0).astype(np.uint16)
        lon_cell = np.clip(lon + 180.0, 0.0, 359.0).astype(np.uint16)
        cell = lat_cell * np.uint16(360) + lon_cell  # < 180·360 = 64,800: fits 16 bits
        order = np.argsort(cell, kind="stable")
        lat, lon = lat[order], lon[order]
        vectors = unit_vectors(lat, lon)

        k = min(2, self._owner.size)
        chord, idx = self._tree.query(vectors, k=k, workers=workers)
        idx = np.asarray(idx, dtype=np.int64).reshape(lat.size, k)
        chord = np.asarray(chord, dtype=np.float64).reshape(lat.size, k)

        best = idx[:, 0].copy()
        km = np.asarray(haversine_km(lat, lon, self._lat[best], self._lon[best]), dtype=np.float64)
        if k == 2:
            # A clear chord lead is a clear haversine lead; only near-ties need measuring.
            tied = np.flatnonzero(chord[:, 1] - chord[:, 0] <= _TIE_CHORD)
            if tied.size:
                best[tied], km[tied] = self._settle_ties(
                    vectors[tied], lat[tied], lon[tied], chord[tied, 0], best[tied], workers
                )

        out_idx = np.empty_like(best)
        out_km = np.empty_like(km)
        out_idx[order] = self._owner[best]
        out_km[order] = km
        return out_idx, out_km

    def _settle_ties(
        self,
        vectors: np.ndarray,
        lat: np.ndarray,
        lon: np.ndarray,
        nearest_chord: np.ndarray,
        nearest: np.ndarray,
        workers: int,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Among all tree points within float noise of each query's nearest, the haversine-closest
        (lowest centre index on equal km). Rare: distinct locations almost never tie."""
        assert self._tree is not None  # only called after a tree query
        found = self._tree.query_ball_point(vectors, r=nearest_chord + _TIE_CHORD, workers=workers, return_sorted=False)
        counts = np.fromiter((len(c) for c in found), dtype=np.int64, count=len(found))
        # The k-NN winner is added to its own candidates, so no group can ever be empty.
        point = np.concatenate([np.fromiter(itertools.chain.from_iterable(found), dtype=np.int64), nearest])
        query = np.concatenate([np.repeat(np.arange(len(found)), counts), np.arange(len(found))])
        km = haversine_km(lat[query], lon[query], self._lat[point], self._lon[point])
        ranked = np.lexsort((self._owner[point], km, query))  # by query, then distance, then centre index
        first = ranked[np.concatenate([[0], np.cumsum(counts + 1)[:-1]])]
        return point[first], km[first]
