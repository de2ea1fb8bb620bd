"""registry.geo against brute force: the haversine formula, bounding boxes, the nearest-centre index.

Pure numpy: no database. The full distance matrices here are the reference, and live only in tests.
"""

import math
import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.geo import (
    EARTH_RADIUS_KM,
    NearestIndex,
    bounding_boxes,
    chord_for_km,
    haversine_km,
    km_for_chord,
    unit_vectors,
)

HALF_CIRCUMFERENCE_KM = math.pi * EARTH_RADIUS_KM

# Coordinates that stress the maths: anywhere, hugging a pole, or straddling the antimeridian.
anywhere = st.tuples(
    st.floats(-90, 90, allow_nan=False),
    st.floats(-180, 180, allow_nan=False),
)
near_pole = st.tuples(
    st.one_of(st.floats(80, 90), st.floats(-90, -80)),
    st.floats(-180, 180, allow_nan=False),
)
near_antimeridian = st.tuples(
    st.floats(-89, 89, allow_nan=False),
    st.one_of(st.floats(175, 180), st.floats(-180, -175)),
)
points = st.one_of(anywhere, near_pole, near_antimeridian)
# A coarse integer grid makes many points equidistant: the tie cases.
on_grid = st.tuples(st.integers(-3, 3).map(float), st.integers(-3, 3).map(float))


def destination(lat: float, lon: float, bearing_deg: float, km: float) -> tuple[float, float]:
    """The point ``km`` from (lat, lon) along ``bearing_deg`` on the sphere (longitude in [-180, 180])."""
    phi1, lam1, theta = math.radians(lat), math.radians(lon), math.radians(bearing_deg)
    delta = km / EARTH_RADIUS_KM
    sin_phi2 = math.sin(phi1) * math.cos(delta) + math.cos(phi1) * math.sin(delta) * math.cos(theta)
    phi2 = math.asin(max(-1.0, min(1.0, sin_phi2)))
    lam2 = lam1 + math.atan2(
        math.sin(theta) * math.sin(delta) * math.cos(phi1), math.cos(delta) - math.sin(phi1) * math.sin(phi2)
    )
    lon2 = (math.degrees(lam2) + 180.0) % 360.0 - 180.0
    return math.degrees(phi2), lon2


def in_some_box(boxes: list[tuple[float, float, float, float]], lat: float, lon: float) -> bool:
    return any(a <= lat <= b and c <= lon <= d for a, b, c, d in boxes)


# --- haversine_km ---------------------------------------------------------------------------


def test_haversine_of_one_degree_along_the_equator_is_a_360th_of_the_circumference():
    assert haversine_km(0.0, 0.0, 0.0, 1.0) == pytest.approx(2 * HALF_CIRCUMFERENCE_KM / 360, rel=1e-12)


def test_haversine_of_a_point_to_itself_is_zero():
    assert haversine_km(-1.2921, 36.8219, -1.2921, 36.8219) == 0.0


def test_haversine_to_the_antipode_is_half_the_circumference():
    # The arcsine form is ill-conditioned at the antipode (asin near 1): good to a metre there.
    assert haversine_km(10.0, 20.0, -10.0, -160.0) == pytest.approx(HALF_CIRCUMFERENCE_KM, abs=1e-3)
    assert haversine_km(90.0, 0.0, -90.0, 0.0) == pytest.approx(HALF_CIRCUMFERENCE_KM, abs=1e-3)


def test_haversine_across_the_antimeridian_takes_the_short_way():
    assert haversine_km(0.0, 179.5, 0.0, -179.5) == pytest.approx(2 * HALF_CIRCUMFERENCE_KM / 360, rel=1e-9)


def test_haversine_between_two_points_at_a_pole_ignores_longitude():
    assert haversine_km(90.0, 0.0, 90.0, 137.0) == pytest.approx(0.0, abs=1e-9)


def test_haversine_returns_a_float64_for_scalars_and_broadcasts_arrays():
    scalar = haversine_km(0, 0, 1, 1)
    assert isinstance(scalar, float)
    assert scalar.dtype == np.float64
    grid = haversine_km(np.zeros((3, 1)), np.zeros((3, 1)), np.arange(4.0), np.arange(4.0))
    assert grid.shape == (3, 4)
    assert grid.dtype == np.float64


def test_haversine_clips_rounding_so_the_antipode_never_gives_nan():
    lat = np.array([0.0, 45.0, -33.3, 89.999999])
    lon = np.array([0.0, 10.0, 151.2, -77.0])
    km = haversine_km(lat, lon, -lat, lon - 180.0)
    assert np.isfinite(km).all()
    assert np.all(km <= HALF_CIRCUMFERENCE_KM * (1 + 1e-15))


@settings(deadline=None)
@given(a=points, b=points)
def test_haversine_matches_the_arcsine_formula_written_out_and_is_symmetric(a, b):
    (lat1, lon1), (lat2, lon2) = a, b
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    h = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    expected = 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, max(0.0, h))))
    got = float(haversine_km(lat1, lon1, lat2, lon2))
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-6)
    assert got == float(haversine_km(lat2, lon2, lat1, lon1))
    assert 0.0 <= got <= HALF_CIRCUMFERENCE_KM * (1 + 1e-15)


# --- unit vectors and chords ----------------------------------------------------------------


def test_unit_vectors_have_shape_n_by_3_and_length_one():
    vectors = unit_vectors([0.0, 90.0, -90.0, 12.5], [0.0, 0.0, 45.0, -179.0])
    assert vectors.shape == (4, 3)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(vectors[0], [1.0, 0.0, 0.0], atol=1e-15)
    np.testing.assert_allclose(vectors[1], [0.0, 0.0, 1.0], atol=1e-15)


def test_unit_vectors_accept_scalars():
    assert unit_vectors(0.0, 90.0).shape == (1, 3)


def test_unit_vectors_refuse_mismatched_lengths():
    with pytest.raises(ValueError, match="same length"):
        unit_vectors([0.0, 1.0], [0.0])


@settings(deadline=None)
@given(a=points, b=points)
def test_chord_between_unit_vectors_maps_to_the_haversine_distance(a, b):
    u = unit_vectors([a[0], b[0]], [a[1], b[1]])
    chord = float(np.linalg.norm(u[0] - u[1]))
    assert float(km_for_chord(chord)) == pytest.approx(float(haversine_km(*a, *b)), rel=1e-7, abs=1e-4)


def test_chord_for_km_and_km_for_chord_are_inverse():
    km = np.array([0.0, 0.001, 1.0, 150.0, 5000.0, 19_000.0])
    np.testing.assert_allclose(km_for_chord(chord_for_km(km)), km, rtol=1e-12, atol=1e-9)


def test_chord_grows_with_distance_and_is_two_at_the_antipode():
    km = np.linspace(0.0, HALF_CIRCUMFERENCE_KM, 1001)
    assert np.all(np.diff(chord_for_km(km)) > 0)
    assert float(chord_for_km(HALF_CIRCUMFERENCE_KM)) == pytest.approx(2.0)
    assert float(chord_for_km(HALF_CIRCUMFERENCE_KM * 3)) == pytest.approx(2.0)  # capped


# --- bounding_boxes -------------------------------------------------------------------------


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    centre=points,
    radius_km=st.one_of(st.floats(0, 500), st.floats(0, 21_000)),
    bearings=st.lists(st.floats(0, 360), min_size=1, max_size=24),
    fractions=st.lists(st.floats(0, 1), min_size=1, max_size=24),
)
def test_bounding_boxes_never_miss_a_point_within_the_radius(centre, radius_km, bearings, fractions):
    lat, lon = centre
    boxes = bounding_boxes(lat, lon, radius_km)
    candidates = []
    for bearing in bearings:
        for fraction in (*fractions, 1.0):  # 1.0: exactly on the circle, the hardest case
            candidates.append(destination(lat, lon, bearing, radius_km * fraction))
    for plat, plon in candidates:
        for stored_lon in {plon, 180.0 if plon == -180.0 else plon, -180.0 if plon == 180.0 else plon}:
            if haversine_km(lat, lon, plat, stored_lon) <= radius_km:
                assert in_some_box(boxes, plat, stored_lon), (boxes, plat, stored_lon)


@settings(max_examples=300, deadline=None)
@given(centre=points, other=points, radius_km=st.floats(0, 21_000))
def test_bounding_boxes_hold_any_point_the_formula_puts_within_the_radius(centre, other, radius_km):
    if haversine_km(*centre, *other) <= radius_km:
        assert in_some_box(bounding_boxes(*centre, radius_km), *other)


@settings(deadline=None)
@given(centre=points, radius_km=st.floats(0, 25_000))
def test_bounding_boxes_are_well_formed(centre, radius_km):
    boxes = bounding_boxes(*centre, radius_km)
    assert 1 <= len(boxes) <= 2
    for lat_min, lat_max, lon_min, lon_max in boxes:
        assert -90.0 <= lat_min <= lat_max <= 90.0
        assert -180.0 <= lon_min <= lon_max <= 180.0


def test_bounding_boxes_split_at_the_antimeridian():
    boxes = bounding_boxes(-17.7, 179.5, 150.0)  # Fiji
    assert len(boxes) == 2
    assert any(box[3] == 180.0 for box in boxes)
    assert any(box[2] == -180.0 for box in boxes)
    assert in_some_box(boxes, -17.7, -179.5)
    assert in_some_box(boxes, -17.7, 179.9)


@pytest.mark.parametrize("centre_lon", [179.9, -179.9, 180.0, -180.0])
def test_bounding_boxes_find_a_point_stored_at_minus_180_and_at_180(centre_lon):
    boxes = bounding_boxes(0.0, centre_lon, 50.0)
    assert in_some_box(boxes, 0.0, 180.0)
    assert in_some_box(boxes, 0.0, -180.0)


def test_bounding_boxes_span_all_longitudes_when_the_circle_holds_a_pole():
    [box] = bounding_boxes(89.0, 20.0, 150.0)
    assert box == (pytest.approx(89.0 - math.degrees(150.001 / EARTH_RADIUS_KM)), 90.0, -180.0, 180.0)
    assert in_some_box([box], 89.5, -160.0)  # across the pole
    [south] = bounding_boxes(-89.9, -100.0, 20.0)
    assert south[0] == -90.0
    assert south[2:] == (-180.0, 180.0)


def test_bounding_boxes_cover_the_whole_sphere_for_a_half_circumference():
    assert bounding_boxes(12.0, 34.0, HALF_CIRCUMFERENCE_KM) == [(-90.0, 90.0, -180.0, 180.0)]


def test_bounding_box_for_150_km_at_the_equator_is_about_1_35_degrees_each_way():
    [(lat_min, lat_max, _, lon_max)] = bounding_boxes(0.0, 0.0, 150.0)
    expected = math.degrees(150.0 / EARTH_RADIUS_KM)
    assert lat_max == pytest.approx(expected, abs=1e-4)
    assert lat_min == pytest.approx(-expected, abs=1e-4)
    assert lon_max == pytest.approx(expected, abs=1e-4)


def test_bounding_box_widens_in_longitude_away_from_the_equator():
    [(_, _, _, lon_max)] = bounding_boxes(60.0, 10.0, 150.0)
    assert lon_max - 10.0 == pytest.approx(math.degrees(math.asin(math.sin(150.001 / EARTH_RADIUS_KM) / 0.5)))


def test_bounding_boxes_refuse_a_negative_or_non_finite_radius():
    with pytest.raises(ValueError, match="negative"):
        bounding_boxes(0.0, 0.0, -1.0)
    with pytest.raises(ValueError, match="finite"):
        bounding_boxes(0.0, 0.0, math.inf)


def test_bounding_boxes_normalise_a_centre_longitude_outside_minus_180_to_180():
    assert in_some_box(bounding_boxes(0.0, 359.0, 10.0), 0.0, -1.0)


# --- NearestIndex ---------------------------------------------------------------------------


def brute_force(qlat, qlon, clat, clon):
    matrix = haversine_km(np.asarray(qlat)[:, None], np.asarray(qlon)[:, None], clat, clon)
    return matrix.argmin(axis=1), matrix.min(axis=1), matrix


def assert_matches_brute_force(index, qlat, qlon, clat, clon):
    idx, km = index.query(qlat, qlon)
    ref_idx, ref_km, matrix = brute_force(qlat, qlon, clat, clon)
    assert idx.dtype == np.int64
    assert km.dtype == np.float64
    np.testing.assert_array_equal(km, ref_km)  # exactly: the same formula decides
    np.testing.assert_array_equal(idx, ref_idx)  # argmin: the lowest index among exact ties
    np.testing.assert_array_equal(matrix[np.arange(len(qlat)), idx], km)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    centres=st.one_of(st.lists(points, min_size=1, max_size=60), st.lists(on_grid, min_size=1, max_size=60)),
    queries=st.one_of(st.lists(points, min_size=1, max_size=60), st.lists(on_grid, min_size=1, max_size=30)),
    duplicate=st.booleans(),
)
def test_nearest_index_agrees_exactly_with_brute_force(centres, queries, duplicate):
    if duplicate:  # exact duplicates and queries sitting on a centre are the tie cases
        centres = [*centres, centres[0], centres[-1]]
        queries = [*queries, centres[0]]
    clat, clon = (np.array(column) for column in zip(*centres, strict=True))
    qlat, qlon = (np.array(column) for column in zip(*queries, strict=True))
    assert_matches_brute_force(NearestIndex(clat, clon), qlat, qlon, clat, clon)


def test_nearest_index_agrees_with_brute_force_on_clustered_data_in_input_order():
    rng = np.random.default_rng(7)
    towns = np.column_stack([rng.uniform(-70, 70, 40), rng.uniform(-180, 180, 40)])
    pick = rng.integers(0, 40, 3000)
    clat = np.clip(towns[pick, 0] + rng.normal(0, 0.5, 3000), -90, 90)
    clon = (towns[pick, 1] + rng.normal(0, 0.5, 3000) + 180) % 360 - 180
    qlat = np.concatenate([rng.uniform(-90, 90, 2000), clat[:500] + 1e-7])
    qlon = np.concatenate([rng.uniform(-180, 180, 2000), clon[:500]])
    assert_matches_brute_force(NearestIndex(clat, clon), qlat, qlon, clat, clon)


def test_nearest_index_with_no_centres_gives_minus_one_and_infinity():
    idx, km = NearestIndex([], []).query([0.0, 10.0], [0.0, 20.0])
    np.testing.assert_array_equal(idx, [-1, -1])
    assert np.isinf(km).all()


def test_nearest_index_with_one_centre_measures_every_query_to_it():
    idx, km = NearestIndex([0.0], [0.0]).query([0.0, 0.0], [1.0, -179.0])
    np.testing.assert_array_equal(idx, [0, 0])
    assert km[0] == haversine_km(0.0, 1.0, 0.0, 0.0)
    assert km[1] == haversine_km(0.0, -179.0, 0.0, 0.0)


def test_nearest_index_with_an_empty_query_returns_empty_arrays():
    idx, km = NearestIndex([1.0], [2.0]).query([], [])
    assert idx.shape == km.shape == (0,)


def test_nearest_index_settles_a_many_way_tie_on_the_lowest_index():
    # Centres geocoded to the same city share coordinates exactly: five-way ties are real.
    clat = [10.0, 5.0, 5.0, 5.0, 5.0, 5.0, -5.0]
    clon = [10.0, 5.0, 5.0, 5.0, 5.0, 5.0, -5.0]
    idx, km = NearestIndex(clat, clon).query([5.0, 4.9], [5.0, 5.1])
    np.testing.assert_array_equal(idx, [1, 1])
    assert km[0] == 0.0


def test_nearest_index_over_one_location_shared_by_every_centre_returns_the_lowest_index():
    idx, km = NearestIndex([1.0, 1.0, 1.0], [2.0, 2.0, 2.0]).query([0.0, 1.0], [0.0, 2.0])
    np.testing.assert_array_equal(idx, [0, 0])
    assert km[1] == 0.0
    assert len(NearestIndex([1.0, 1.0, 1.0], [2.0, 2.0, 2.0])) == 3


def test_nearest_index_breaks_an_exact_tie_towards_the_lower_index():
    for order in ([(0.0, 1.0), (0.0, -1.0)], [(0.0, -1.0), (0.0, 1.0)]):
        clat, clon = zip(*order, strict=True)
        idx, km = NearestIndex(clat, clon).query([0.0], [0.0])
        assert idx[0] == 0
        assert km[0] == haversine_km(0.0, 0.0, 0.0, 1.0)


def test_nearest_index_finds_a_centre_across_the_antimeridian():
    idx, km = NearestIndex([0.0, 0.0], [179.9, 170.0]).query([0.0], [-179.9])
    assert idx[0] == 0
    assert km[0] == pytest.approx(2 * HALF_CIRCUMFERENCE_KM * 0.2 / 360, rel=1e-9)


def test_nearest_index_finds_a_centre_across_the_pole():
    idx, _ = NearestIndex([89.5, 85.0], [180.0, 0.0]).query([89.5], [0.0])
    assert idx[0] == 0  # 1° away over the pole, not 4.5° down the same meridian


def test_nearest_index_refuses_non_finite_coordinates():
    with pytest.raises(ValueError, match="finite"):
        NearestIndex([np.nan], [0.0])
    with pytest.raises(ValueError, match="finite"):
        NearestIndex([0.0], [0.0]).query([0.0], [np.inf])


def test_nearest_index_never_builds_a_distance_matrix():
    rng = np.random.default_rng(3)
    n = 20_000  # a full float64 matrix would take 3.2 GB
    index = NearestIndex(rng.uniform(-90, 90, n), rng.uniform(-180, 180, n))
    qlat, qlon = rng.uniform(-90, 90, n), rng.uniform(-180, 180, n)
    tracemalloc.start()
    try:
        index.query(qlat, qlon)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 32 * 2**20


def test_query_points_are_returned_in_the_order_they_were_given():
    index = NearestIndex([0.0, 50.0, -50.0], [0.0, 100.0, -100.0])
    idx, _ = index.query([-50.0, 50.0, 0.0, -50.0], [-100.0, 100.0, 0.0, -100.0])
    np.testing.assert_array_equal(idx, [2, 1, 0, 2])
