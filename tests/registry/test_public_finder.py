"""The public finder, ``GET /api/v1/public/service-centres/`` (DESIGN.md §6): its answer, its
parameters and their 400s, exact nearest-first order against brute force (across the
antimeridian and at the poles), "open now" in each centre's own time zone, throttling, and a
query count that does not grow with the data."""

import math
import random
from datetime import UTC, datetime

import numpy as np
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework import serializers

from registry.api import public
from registry.geo import haversine_km
from registry.network import finder
from registry.network.finder import centre_open_now, public_service_centres
from registry.network.models import ServiceCentre
from tests.factories import BrandFactory, MarketFactory, ServiceCentreFactory

URL = "/api/v1/public/service-centres/"
NAIROBI = (-1.2921, 36.8219)
# Monday 6 January 2025, 07:30 UTC: 10:30 in Nairobi, 02:30 in New York, 16:30 in Tokyo.
NOW = datetime(2025, 1, 6, 7, 30, tzinfo=UTC)
WEEKDAYS = "Mo-Fr 08:00-18:00"

RESULT_FIELDS = {
    "id", "brand", "name", "kind", "market", "address", "city", "postal_code", "latitude", "longitude",
    "location_precision", "phone", "email", "website", "opening_hours", "timezone", "open_now",
    "capabilities", "verified", "updated_at", "distance_km",
}  # fmt: skip

pytestmark = pytest.mark.django_db


@pytest.fixture
def ke():
    return MarketFactory(code="KE", name="Kenya")


@pytest.fixture
def alpha():
    return BrandFactory(slug="alpha", name="Alpha Motors")


@pytest.fixture
def beta():
    return BrandFactory(slug="beta", name="Beta Cars")


def centre(**fields):
    """A centre; ``market`` may be given as a code."""
    if isinstance(fields.get("market"), str):
        fields["market"] = MarketFactory(code=fields["market"])
    fields.setdefault("market", MarketFactory(code="KE"))
    return ServiceCentreFactory(**fields)


def find(**kwargs):
    params = {
        "lat": None,
        "lon": None,
        "radius_km": None,
        "brand": None,
        "market": None,
        "capability": None,
        "q": None,
        "open_now": False,
        "limit": 20,
        "now": NOW,
    }
    params.update(kwargs)
    return public_service_centres(**params)


def ids(found):
    return [f.centre.id for f in found]


def get(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == len(body["results"])
    return body


def result_ids(body):
    return [r["id"] for r in body["results"]]


def brute_force(*, lat, lon, radius_km=None, limit=20):
    """Every public centre measured; the nearest ``limit`` by (distance, id)."""
    rows = list(ServiceCentre.objects.public().values_list("id", "latitude", "longitude"))
    if not rows:
        return []
    pk = np.array([r[0] for r in rows])
    km = haversine_km(lat, lon, np.array([r[1] for r in rows]), np.array([r[2] for r in rows]))
    order = np.lexsort((pk, km))
    pairs = [(int(pk[i]), float(km[i])) for i in order]
    if radius_km is not None:
        pairs = [(p, d) for p, d in pairs if d <= radius_km]
    return pairs[:limit]


# --- The answer ---------------------------------------------------------------------------


def test_answer_carries_every_public_field_and_nothing_internal(ke, alpha):
    sc = centre(
        brand=alpha,
        market=ke,
        name="Alpha Nairobi West",
        kind="brand_owned",
        address="Mombasa Road 12",
        city="Nairobi",
        postal_code="00100",
        latitude=-1.3192,
        longitude=36.8473,
        phone="+254712345678",
        email="service@example.com",
        website="https://example.com/nbo",
        opening_hours=WEEKDAYS,
        capabilities=["ev_high_voltage", "battery_repair"],
        service_bays=7,
        ev_technicians=3,
    )

    body = get(Client(), lat=NAIROBI[0], lon=NAIROBI[1])

    assert body["count"] == 1
    (result,) = body["results"]
    assert set(result) == RESULT_FIELDS
    expected_km = float(haversine_km(*NAIROBI, sc.latitude, sc.longitude))
    assert result == {
        "id": sc.id,
        "brand": {"slug": "alpha", "name": "Alpha Motors"},
        "name": "Alpha Nairobi West",
        "kind": "brand_owned",
        "market": "KE",
        "address": "Mombasa Road 12",
        "city": "Nairobi",
        "postal_code": "00100",
        "latitude": -1.3192,
        "longitude": 36.8473,
        "location_precision": "exact",
        "phone": "+254712345678",
        "email": "service@example.com",
        "website": "https://example.com/nbo",
        "opening_hours": WEEKDAYS,
        "timezone": "Africa/Nairobi",
        "open_now": result["open_now"],  # depends on the real clock here; pinned below
        "capabilities": ["ev_high_voltage", "battery_repair"],
        "verified": False,
        "updated_at": result["updated_at"],
        "distance_km": round(expected_km, 3),
    }
    assert isinstance(result["open_now"], bool)
    assert datetime.fromisoformat(result["updated_at"]) == sc.updated_at


@pytest.mark.parametrize("point", [True, False])
def test_the_written_out_rendering_matches_the_declared_fields(ke, alpha, point):
    centre(brand=alpha, market=ke, opening_hours=WEEKDAYS, phone="+254712345678", address="Road 1", postal_code="00100")
    centre(brand=alpha, market=ke, opening_hours="", capabilities=[])
    where = {"lat": NAIROBI[0], "lon": NAIROBI[1]} if point else {}
    serializer = public.PublicServiceCentreSerializer()

    for found in find(**where):
        generic = serializers.Serializer.to_representation(serializer, found)
        fast = serializer.to_representation(found)
        assert fast == generic
        assert list(fast) == list(generic)


def test_without_a_point_results_are_ordered_by_market_city_name_and_carry_no_distance(alpha):
    c1 = centre(brand=alpha, market="TZ", city="Arusha", name="B")
    c2 = centre(brand=alpha, market="KE", city="Nairobi", name="Z")
    c3 = centre(brand=alpha, market="KE", city="Mombasa", name="A")
    c4 = centre(brand=alpha, market="KE", city="Nairobi", name="A")
    c5 = centre(brand=alpha, market="KE", city="Nairobi", name="A")

    body = get(Client())

    assert result_ids(body) == [c3.id, c4.id, c5.id, c2.id, c1.id]
    assert all(r["distance_km"] is None for r in body["results"])


def test_anonymous_access_needs_no_credentials_and_ignores_a_bad_token(ke):
    centre(market=ke)

    plain = Client().get(URL)
    with_bad_token = Client().get(URL, HTTP_AUTHORIZATION="Token not-a-real-token")

    assert plain.status_code == 200
    assert with_bad_token.status_code == 200
    assert plain.json()["count"] == 1


def test_default_limit_is_20_and_100_is_allowed(ke):
    for i in range(105):
        centre(market=ke, latitude=-1.0 - i / 1000, longitude=36.8)

    assert get(Client())["count"] == 20
    assert get(Client(), limit=100)["count"] == 100
    assert get(Client(), lat=-1.0, lon=36.8)["count"] == 20
    assert get(Client(), lat=-1.0, lon=36.8, limit=100)["count"] == 100


# --- Nearest first, exactly -------------------------------------------------------------


def test_nearest_first_with_exact_haversine_distances(ke):
    near = centre(market=ke, latitude=-1.30, longitude=36.82)
    far = centre(market=ke, latitude=-4.05, longitude=39.66)  # Mombasa
    middle = centre(market=ke, latitude=-0.10, longitude=34.76)  # Kisumu

    found = find(lat=NAIROBI[0], lon=NAIROBI[1])

    assert ids(found) == [near.id, middle.id, far.id]
    for f in found:
        assert f.distance_km == float(haversine_km(*NAIROBI, f.centre.latitude, f.centre.longitude))


def test_centres_at_the_same_distance_are_ordered_by_id(ke):
    same = [centre(market=ke, latitude=-1.5, longitude=36.9) for _ in range(4)]

    assert ids(find(lat=NAIROBI[0], lon=NAIROBI[1], limit=3)) == [c.id for c in same[:3]]


def test_nearest_matches_brute_force_on_random_centres_worldwide(alpha, beta):
    """Seeded property test: random centres (uniform, clustered, on both sides of the
    antimeridian, around both poles, some sharing a position) and random questions; every
    answer equals a full scan's, ids and distances."""
    rng = random.Random(20260101)
    markets = [MarketFactory(code=c) for c in ("KE", "FJ", "AQ", "NO", "RU")]

    def sphere_point():
        return math.degrees(math.asin(rng.uniform(-1, 1))), rng.uniform(-180, 180)

    def antimeridian_point():
        return rng.uniform(-70, 70), rng.choice([180.0, -180.0, 179.99, -179.99]) - rng.uniform(-2, 2) * 0.5

    def polar_point():
        return rng.choice([1, -1]) * rng.uniform(84.0, 90.0), rng.uniform(-180, 180)

    def cluster_point():
        return NAIROBI[0] + rng.gauss(0, 0.2), NAIROBI[1] + rng.gauss(0, 0.2)

    makers = [sphere_point, antimeridian_point, polar_point, cluster_point]
    points = []
    for maker in makers:
        points += [maker() for _ in range(70)]
    points += rng.sample(points, 15)  # shared positions: ties broken by id
    points = [(max(-90.0, min(90.0, la)), max(-180.0, min(180.0, lo))) for la, lo in points]
    rng.shuffle(points)
    objs = [
        ServiceCentre(
            brand=rng.choice([alpha, beta]),
            market=rng.choice(markets),
            code=f"R-{i}",
            name=f"Random {i}",
            latitude=la,
            longitude=lo,
            location_precision="exact",
            timezone="UTC",
            status=rng.choice(["active"] * 8 + ["closed"]),
            is_public=rng.random() > 0.1,
        )
        for i, (la, lo) in enumerate(points)
    ]
    ServiceCentre.objects.bulk_create(objs)

    for _ in range(150):
        lat, lon = rng.choice(makers)()
        lat, lon = max(-90.0, min(90.0, lat)), max(-180.0, min(180.0, lon))
        limit = rng.choice([1, 2, 5, 20, 50, 100])
        radius = rng.choice([None, None, rng.uniform(0.5, 2000)])

        found = find(lat=lat, lon=lon, radius_km=radius, limit=limit)

        expected = brute_force(lat=lat, lon=lon, radius_km=radius, limit=limit)
        assert [(f.centre.id, f.distance_km) for f in found] == expected, (lat, lon, radius, limit)


def test_api_distances_are_the_exact_ones_rounded_to_metres(ke):
    rng = random.Random(7)
    for _ in range(30):
        centre(market=ke, latitude=NAIROBI[0] + rng.uniform(-2, 2), longitude=NAIROBI[1] + rng.uniform(-2, 2))

    body = get(Client(), lat=-1.0, lon=37.0, limit=10)

    expected = brute_force(lat=-1.0, lon=37.0, limit=10)
    assert [(r["id"], r["distance_km"]) for r in body["results"]] == [(pk, round(km, 3)) for pk, km in expected]


def test_a_centre_across_the_antimeridian_is_found_first():
    east = centre(market="FJ", latitude=-17.0, longitude=179.95)
    west = centre(market="FJ", latitude=-17.0, longitude=-179.9)
    centre(market="FJ", latitude=-17.0, longitude=178.0)

    body = get(Client(), lat=-17.0, lon=179.9, radius_km=50)

    assert result_ids(body) == [east.id, west.id]
    assert body["results"][1]["distance_km"] == pytest.approx(21.3, abs=0.1)


def test_a_centre_stored_at_longitude_minus_180_is_found_from_plus_180():
    edge = centre(market="FJ", latitude=10.0, longitude=-180.0)

    assert ids(find(lat=10.0, lon=180.0, radius_km=1)) == [edge.id]
    assert find(lat=10.0, lon=180.0, radius_km=1)[0].distance_km == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize("pole", [90.0, -90.0])
def test_centres_around_a_pole_are_found_on_every_meridian(pole):
    sign = 1 if pole > 0 else -1
    across = centre(market="AQ", latitude=sign * 89.9, longitude=180.0)
    beside = centre(market="AQ", latitude=sign * 89.7, longitude=0.0)
    centre(market="AQ", latitude=sign * 80.0, longitude=90.0)

    body = get(Client(), lat=sign * 89.95, lon=0.0, radius_km=100)

    assert result_ids(body) == [across.id, beside.id]
    assert ids(find(lat=pole, lon=123.0, limit=2)) == [across.id, beside.id]


# --- Radius --------------------------------------------------------------------------------


def test_radius_keeps_a_centre_exactly_on_the_boundary_and_drops_one_just_beyond(ke):
    sc = centre(market=ke, latitude=-1.9, longitude=37.3)
    exact = float(haversine_km(*NAIROBI, sc.latitude, sc.longitude))
    just_below = math.nextafter(exact, 0.0)

    assert ids(find(lat=NAIROBI[0], lon=NAIROBI[1], radius_km=exact)) == [sc.id]
    assert find(lat=NAIROBI[0], lon=NAIROBI[1], radius_km=just_below) == []
    # repr() of a float reads back to the same float, so the API sees the same boundary.
    assert result_ids(get(Client(), lat=NAIROBI[0], lon=NAIROBI[1], radius_km=repr(exact))) == [sc.id]
    assert get(Client(), lat=NAIROBI[0], lon=NAIROBI[1], radius_km=repr(just_below))["count"] == 0


def test_radius_returns_only_centres_inside_it(ke):
    inside = centre(market=ke, latitude=-1.35, longitude=36.85)
    centre(market=ke, latitude=-4.05, longitude=39.66)

    assert result_ids(get(Client(), lat=NAIROBI[0], lon=NAIROBI[1], radius_km=50)) == [inside.id]


def test_nearest_search_widens_the_circle_only_as_far_as_needed(ke, monkeypatch):
    for i in range(25):
        centre(market=ke, latitude=NAIROBI[0] + i / 1000, longitude=NAIROBI[1])
    lonely = centre(market="FJ", latitude=-17.0, longitude=179.0)
    radii = []
    real = finder.bounding_boxes

    def spy(lat, lon, radius_km):
        radii.append(radius_km)
        return real(lat, lon, radius_km)

    monkeypatch.setattr(finder, "bounding_boxes", spy)

    assert len(find(lat=NAIROBI[0], lon=NAIROBI[1], limit=20)) == 20
    assert radii == [25.0]  # 25 centres within 25 km: one box, no scan

    radii.clear()
    assert ids(find(lat=NAIROBI[0], lon=NAIROBI[1], market="FJ")) == [lonely.id]
    assert radii == [25.0, 100.0, 400.0, 1600.0, 6400.0, 25600.0]  # grows ×4 until the sphere is covered

    radii.clear()
    find(lat=NAIROBI[0], lon=NAIROBI[1], market="FJ", radius_km=500)
    assert radii == [25.0, 100.0, 400.0, 500.0]  # never beyond the radius asked for


def test_a_centre_in_the_box_corner_is_not_taken_for_the_nearest(ke):
    # Within the first 25 km box but outside its circle: a centre just outside the box, straight
    # north, is nearer and must win.
    corner = centre(market=ke, latitude=NAIROBI[0] + 0.2, longitude=NAIROBI[1] + 0.2)  # ≈ 31.4 km
    north = centre(market=ke, latitude=NAIROBI[0] + 0.26, longitude=NAIROBI[1])  # ≈ 28.9 km

    assert ids(find(lat=NAIROBI[0], lon=NAIROBI[1], limit=1)) == [north.id]
    assert ids(find(lat=NAIROBI[0], lon=NAIROBI[1], limit=2)) == [north.id, corner.id]


# --- Filters, before the limit --------------------------------------------------------------


def test_only_active_public_centres_are_found_with_or_without_a_point(ke):
    shown = centre(market=ke, status="active", is_public=True)
    shown_non_qualifying = centre(market=ke, status="active", ev_technicians=0, capabilities=[])
    for status in ("planned", "suspended", "closed"):
        centre(market=ke, status=status)
    centre(market=ke, is_public=False)

    expected = sorted([shown.id, shown_non_qualifying.id])
    assert sorted(result_ids(get(Client()))) == expected
    assert sorted(result_ids(get(Client(), lat=NAIROBI[0], lon=NAIROBI[1]))) == expected
    assert sorted(result_ids(get(Client(), lat=NAIROBI[0], lon=NAIROBI[1], radius_km=10))) == expected


def test_filters_apply_before_the_limit(ke, alpha, beta):
    for i in range(5):
        centre(brand=beta, market=ke, latitude=NAIROBI[0] + i / 100, longitude=NAIROBI[1], city="Nairobi")
    far_alpha = centre(
        brand=alpha,
        market="TZ",
        latitude=-6.8,
        longitude=39.3,
        city="Dar es Salaam",
        name="Harbour works",
        capabilities=["body_repair"],
        opening_hours="24/7",
    )
    point = {"lat": NAIROBI[0], "lon": NAIROBI[1], "limit": 1}

    assert result_ids(get(Client(), **point, brand="alpha")) == [far_alpha.id]
    assert result_ids(get(Client(), **point, market="TZ")) == [far_alpha.id]
    assert result_ids(get(Client(), **point, capability="body_repair")) == [far_alpha.id]
    assert result_ids(get(Client(), **point, q="harbour")) == [far_alpha.id]
    assert result_ids(get(Client(), **point, q="dar es")) == [far_alpha.id]
    assert ids(find(lat=NAIROBI[0], lon=NAIROBI[1], limit=1, open_now=True)) == [far_alpha.id]
    assert result_ids(get(Client(), brand="alpha", limit=1)) == [far_alpha.id]
    assert ids(find(limit=1, open_now=True)) == [far_alpha.id]


def test_each_filter_narrows_the_answer(ke, alpha, beta):
    a = centre(brand=alpha, market=ke, name="Alpha Westlands", city="Nairobi", capabilities=["diagnostics"])
    b = centre(brand=beta, market=ke, name="Beta Coast", city="Mombasa", capabilities=["ev_high_voltage"])
    c = centre(brand=alpha, market="UG", name="Alpha Kampala", city="Kampala", capabilities=["ev_high_voltage"])
    client = Client()

    assert sorted(result_ids(get(client, brand="alpha"))) == sorted([a.id, c.id])
    assert sorted(result_ids(get(client, market="ke"))) == sorted([a.id, b.id])  # codes in any case
    assert sorted(result_ids(get(client, capability="ev_high_voltage"))) == sorted([b.id, c.id])
    assert result_ids(get(client, q="WESTLANDS")) == [a.id]  # name, any case
    assert result_ids(get(client, q="mombasa")) == [b.id]  # city
    assert result_ids(get(client, brand="alpha", capability="ev_high_voltage")) == [c.id]
    assert result_ids(get(client, brand="alpha", market="KE", capability="ev_high_voltage")) == []
    assert get(client, q="nowhere")["count"] == 0


def test_an_empty_parameter_counts_as_not_given(ke):
    sc = centre(market=ke)

    assert result_ids(get(Client(), brand="", market="", q=" ", lat="", lon="", open_now="")) == [sc.id]


# --- Open now, in the centre's own time zone ---------------------------------------------------


@pytest.fixture
def clocked(monkeypatch):
    monkeypatch.setattr(public, "clock", lambda: NOW)


def test_open_now_is_judged_in_each_centres_own_time_zone(clocked):
    nairobi = centre(market="KE", timezone="Africa/Nairobi", opening_hours=WEEKDAYS)  # 10:30 there
    new_york = centre(market="US", timezone="America/New_York", opening_hours=WEEKDAYS)  # 02:30 there
    tokyo = centre(market="JP", timezone="Asia/Tokyo", opening_hours=WEEKDAYS)  # 16:30 there
    tokyo_mornings = centre(market="JP", timezone="Asia/Tokyo", opening_hours="Mo-Fr 08:00-12:00")
    unknown = centre(market="KE", timezone="Africa/Nairobi", opening_hours="")

    flags = {r["id"]: r["open_now"] for r in get(Client())["results"]}
    open_ids = sorted(result_ids(get(Client(), open_now="true")))

    assert flags == {nairobi.id: True, new_york.id: False, tokyo.id: True, tokyo_mornings.id: False, unknown.id: None}
    assert open_ids == sorted([nairobi.id, tokyo.id])
    assert get(Client(), open_now="false")["count"] == 5
    assert sorted(ids(find(open_now=True))) == open_ids


def test_open_now_follows_the_moment_asked_about():
    new_york = centre(market="US", timezone="America/New_York", opening_hours=WEEKDAYS)

    assert find(open_now=True, now=NOW) == []
    assert ids(find(open_now=True, now=datetime(2025, 1, 6, 14, 0, tzinfo=UTC))) == [new_york.id]  # 09:00 there


def test_open_now_with_a_point_keeps_looking_past_closed_centres(ke, clocked):
    for i in range(30):
        centre(market=ke, latitude=NAIROBI[0] + i / 1000, longitude=NAIROBI[1], opening_hours="Sa-Su 10:00-12:00")
    open_far = centre(market=ke, latitude=-4.05, longitude=39.66, opening_hours=WEEKDAYS)

    body = get(Client(), lat=NAIROBI[0], lon=NAIROBI[1], open_now="true")

    assert result_ids(body) == [open_far.id]
    assert body["results"][0]["open_now"] is True


def test_unknown_unparseable_or_unknown_state_hours_give_null_and_never_match(clocked):
    broken = centre(market="KE", opening_hours="whenever we feel like it")
    bad_zone = centre(market="KE", opening_hours=WEEKDAYS, timezone="Mars/Olympus_Mons")
    unknown_state = centre(market="KE", opening_hours="Mo-Fr 08:00-18:00 unknown")

    flags = {r["id"]: r["open_now"] for r in get(Client())["results"]}

    assert flags == {broken.id: None, bad_zone.id: None, unknown_state.id: None}
    assert get(Client(), open_now="true")["count"] == 0


def test_public_holidays_of_the_centres_market_close_it():
    # 12 December 2025, a Friday, is Jamhuri Day in Kenya.
    at_ten_in_nairobi = datetime(2025, 12, 12, 7, 0, tzinfo=UTC)
    args = {"timezone": "Africa/Nairobi", "latitude": -1.29, "longitude": 36.82, "now": at_ten_in_nairobi}

    assert centre_open_now(opening_hours=WEEKDAYS, market="KE", **args) is True
    assert centre_open_now(opening_hours=f"{WEEKDAYS}; PH off", market="KE", **args) is False
    # A market the parser has no holiday calendar for still gets an answer, without holidays.
    assert centre_open_now(opening_hours=f"{WEEKDAYS}; PH off", market="XK", **args) is True


def test_sun_times_are_those_of_the_centres_position():
    # Oslo, 6 January: the sun is up from about 09:14 to 15:30 local time (UTC+1).
    args = {"opening_hours": "sunrise-sunset", "timezone": "Europe/Oslo", "market": "NO"}
    oslo = {"latitude": 59.91, "longitude": 10.75}

    assert centre_open_now(**args, **oslo, now=datetime(2025, 1, 6, 7, 30, tzinfo=UTC)) is False  # 08:30 there
    assert centre_open_now(**args, **oslo, now=datetime(2025, 1, 6, 11, 0, tzinfo=UTC)) is True
    assert centre_open_now(**args, **oslo, now=datetime(2025, 1, 6, 15, 0, tzinfo=UTC)) is False  # 16:00 there


# --- Bad parameters: 400 naming the parameter ---------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"lat": "91", "lon": "0"}, "lat"),
        ({"lat": "-90.0001", "lon": "0"}, "lat"),
        ({"lat": "0", "lon": "180.5"}, "lon"),
        ({"lat": "0", "lon": "-181"}, "lon"),
        ({"lat": "north", "lon": "0"}, "lat"),
        ({"lat": "0", "lon": "1e"}, "lon"),
        ({"lat": "nan", "lon": "0"}, "lat"),
        ({"lat": "0", "lon": "inf"}, "lon"),
        ({"lat": "1.5"}, "lon"),
        ({"lon": "1.5"}, "lat"),
        ({"radius_km": "10"}, "radius_km"),
        ({"lat": "0", "lon": "0", "radius_km": "0"}, "radius_km"),
        ({"lat": "0", "lon": "0", "radius_km": "-5"}, "radius_km"),
        ({"lat": "0", "lon": "0", "radius_km": "2000.001"}, "radius_km"),
        ({"lat": "0", "lon": "0", "radius_km": "far"}, "radius_km"),
        ({"brand": "no-such-brand"}, "brand"),
        ({"brand": "not a slug!"}, "brand"),
        ({"market": "XX"}, "market"),
        ({"market": "Kenya"}, "market"),
        ({"capability": "flying"}, "capability"),
        ({"open_now": "maybe"}, "open_now"),
        ({"open_now": "1"}, "open_now"),
        ({"limit": "101"}, "limit"),
        ({"limit": "0"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"q": "x" * 101}, "q"),
    ],
)
def test_a_bad_parameter_answers_400_naming_it(ke, alpha, params, field):
    response = Client().get(URL, params)

    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"detail", "code", "errors"}
    assert body["code"] == "invalid"
    assert list(body["errors"]) == [field]
    assert body["errors"][field]
    assert field in body["detail"]


def test_every_bad_parameter_is_named_at_once(ke):
    response = Client().get(URL, {"lat": "95", "lon": "200", "limit": "500", "capability": "x", "market": "ZZ"})

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"lat", "lon", "limit", "capability", "market"}


def test_capability_error_lists_the_known_ones(ke):
    body = Client().get(URL, {"capability": "flying"}).json()

    assert "ev_high_voltage" in body["errors"]["capability"][0]


def test_the_selector_refuses_half_a_point_or_a_radius_without_one():
    with pytest.raises(ValueError, match="together"):
        find(lat=1.0)
    with pytest.raises(ValueError, match="needs a point"):
        find(radius_km=5.0)


# --- Throttling ---------------------------------------------------------------------------


@pytest.fixture
def tiny_rate(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"public": "3/min"}}


def test_the_fourth_request_in_a_minute_is_throttled_in_the_error_shape(tiny_rate):
    client = Client()
    statuses = [client.get(URL).status_code for _ in range(3)]
    throttled = client.get(URL)

    assert statuses == [200, 200, 200]
    assert throttled.status_code == 429
    body = throttled.json()
    assert set(body) == {"detail", "code"}
    assert body["code"] == "throttled"
    assert "throttled" in body["detail"].lower()
    assert int(throttled["Retry-After"]) > 0


def test_throttling_counts_per_client_ip(tiny_rate):
    client = Client()
    for _ in range(3):
        client.get(URL, REMOTE_ADDR="203.0.113.1")

    assert client.get(URL, REMOTE_ADDR="203.0.113.1").status_code == 429
    assert client.get(URL, REMOTE_ADDR="203.0.113.2").status_code == 200


def test_behind_a_proxy_the_forwarded_client_ip_is_throttled(tiny_rate, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    client = Client()
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    for _ in range(3):
        client.get(URL, HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy)

    assert client.get(URL, HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy).status_code == 429
    assert client.get(URL, HTTP_X_FORWARDED_FOR="198.51.100.8", **proxy).status_code == 200


def test_bad_requests_count_towards_the_limit_too(tiny_rate):
    client = Client()
    for _ in range(3):
        assert client.get(URL, {"lat": "999"}).status_code == 400

    assert client.get(URL).status_code == 429


# --- Query count --------------------------------------------------------------------------


def _queries(params):
    with CaptureQueriesContext(connection) as queries:
        get(Client(), **params)
    return len(queries)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, 1),
        ({"open_now": "true"}, 1),
        ({"lat": NAIROBI[0], "lon": NAIROBI[1], "limit": 5}, 2),
        ({"lat": NAIROBI[0], "lon": NAIROBI[1], "radius_km": 20, "open_now": "true"}, 2),
        ({"lat": NAIROBI[0], "lon": NAIROBI[1], "limit": 5, "brand": "alpha", "market": "KE"}, 4),
    ],
)
def test_the_number_of_queries_does_not_grow_with_the_centres(ke, alpha, params, expected):
    def add(n):
        for i in range(n):
            centre(brand=alpha, market=ke, latitude=NAIROBI[0] + i / 1000, longitude=NAIROBI[1], opening_hours="24/7")

    add(5)
    with_5 = _queries(params)
    add(45)
    with_50 = _queries(params)

    assert with_5 == with_50 == expected
