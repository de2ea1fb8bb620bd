"""The offline geocoder, nearest-place search and a centre's location rules (DESIGN.md §3).

Real GeoNames data (the 15000 list) for East Africa, the DR Congo (two time zones) and the two
countries a swapped Kenyan point lands near (Spain, Algeria) is loaded once for the module.
"""

import pytest
from django.core.exceptions import ValidationError

from registry.geo import haversine_km
from registry.geography.models import Market, PopulationCentre
from registry.geography.selectors import fold_name, geocode_city, nearest_place
from registry.geography.services import geodata_load
from registry.network.location import Location, resolve_location

LOADED = {"KE", "TZ", "UG", "CD", "ES", "DZ"}
NAIROBI = (-1.28333, 36.81667)
DAR_ES_SALAAM = (-6.82349, 39.26951)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module", autouse=True)
def geodata(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        geodata_load(countries=LOADED, min_population=15000)
    yield
    with django_db_blocker.unblock():
        PopulationCentre.objects.all().delete()
        Market.objects.all().delete()


def market(code):
    return Market.objects.get(code=code)


def place(market_code, name, *, geonameid, population, alternate_names=(), lat=-0.5, lon=37.5):
    return PopulationCentre.objects.create(
        geonameid=geonameid,
        market_id=market_code,
        name=name,
        alternate_names=list(alternate_names),
        name_key=fold_name(name),
        alternate_keys="|" + "|".join(sorted({fold_name(n) for n in [*alternate_names, name]})) + "|",
        latitude=lat,
        longitude=lon,
        population=population,
        timezone="Africa/Nairobi",
    )


# --- Geocoding ----------------------------------------------------------------------------


@pytest.mark.parametrize("city", ["Nairobi", "nairobi", "  NAIROBI ", "Nairóbi", "NAIRÒBI"])
def test_geocode_ignores_case_and_accents(city):
    assert geocode_city(market_code="KE", city=city).name == "Nairobi"


@pytest.mark.parametrize(("city", "name"), [("naïvaša", "Naivasha"), ("MOMBAÇA", "Mombasa"), ("Mombása", "Mombasa")])
def test_geocode_finds_alternate_names(city, name):
    assert geocode_city(market_code="KE", city=city).name == name


def test_geocode_stays_in_the_market():
    assert geocode_city(market_code="KE", city="Dar es Salaam") is None
    assert geocode_city(market_code="TZ", city="Dar es Salaam").market_id == "TZ"
    assert geocode_city(market_code="KE", city="") is None


def test_geocode_most_populous_match_wins():
    place("KE", "Zzyzx Junction", geonameid=91_000_001, population=500)
    place("KE", "Zzyzx Halt", geonameid=91_000_002, population=800, alternate_names=["Zzyzx Junction"])

    assert geocode_city(market_code="KE", city="zzyzx junction").geonameid == 91_000_002


def test_geocode_tie_goes_to_the_lowest_geonameid():
    place("KE", "Quuxville", geonameid=91_000_012, population=700)
    place("KE", "Quuxville", geonameid=91_000_011, population=700)

    assert geocode_city(market_code="KE", city="QUUXVILLE").geonameid == 91_000_011


def test_geocode_matches_whole_names_only():
    place("KE", "Quuxville North", geonameid=91_000_021, population=900)

    assert geocode_city(market_code="KE", city="Quuxville") is None
    assert geocode_city(market_code="KE", city="North") is None


# --- Nearest place ------------------------------------------------------------------------


def test_nearest_place_is_the_closest_loaded_place():
    found, km = nearest_place(latitude=NAIROBI[0] + 0.01, longitude=NAIROBI[1])

    assert found.name == "Nairobi"
    assert km == pytest.approx(float(haversine_km(NAIROBI[0] + 0.01, NAIROBI[1], *NAIROBI)))


def test_nearest_place_agrees_with_brute_force():
    places = list(PopulationCentre.objects.values_list("geonameid", "latitude", "longitude"))
    for lat, lon in [(-3.0, 38.0), (4.0, 20.0), (40.0, -4.0), (-30.0, 60.0), (60.0, -150.0)]:
        km, gid = min((float(haversine_km(lat, lon, plat, plon)), pgid) for pgid, plat, plon in places)
        found, found_km = nearest_place(latitude=lat, longitude=lon)
        assert (found.geonameid, found_km) == (gid, pytest.approx(km))


def test_nearest_place_of_a_market_and_within_a_radius():
    found, _ = nearest_place(latitude=DAR_ES_SALAAM[0], longitude=DAR_ES_SALAAM[1], market_code="KE")
    assert found.market_id == "KE"
    assert nearest_place(latitude=0.0, longitude=-30.0, within_km=500) is None
    assert nearest_place(latitude=0.0, longitude=0.0, market_code="FR") is None


def test_nearest_place_tie_goes_to_the_lowest_geonameid():
    place("KE", "Twin B", geonameid=91_000_032, population=10, lat=3.9, lon=41.0)
    place("KE", "Twin A", geonameid=91_000_031, population=10, lat=3.9, lon=41.0)

    assert nearest_place(latitude=3.9, longitude=41.0)[0].geonameid == 91_000_031


def test_nearest_place_looks_across_the_antimeridian():
    place("FJ", "Eastmost", geonameid=91_000_041, population=10, lat=-17.0, lon=179.95)

    found, km = nearest_place(latitude=-17.0, longitude=-179.95)

    assert found.geonameid == 91_000_041
    assert km < 15


# --- Resolving a centre's location --------------------------------------------------------


def test_coordinates_give_an_exact_location():
    location = resolve_location(market=market("KE"), latitude=-1.2921, longitude=36.8219, city="Anything")

    assert location == Location(
        latitude=-1.2921,
        longitude=36.8219,
        precision="exact",
        timezone="Africa/Nairobi",
        place=PopulationCentre.objects.get(name="Nairobi"),
    )


def test_a_city_alone_is_geocoded_with_city_precision():
    location = resolve_location(market=market("KE"), latitude=None, longitude=None, city="mombása")

    mombasa = PopulationCentre.objects.get(name="Mombasa")
    assert location.precision == "city"
    assert (location.latitude, location.longitude) == (mombasa.latitude, mombasa.longitude)
    assert location.place == mombasa
    assert location.timezone == "Africa/Nairobi"


def test_unknown_city_names_the_market():
    with pytest.raises(ValidationError) as error:
        resolve_location(market=market("KE"), latitude=None, longitude=None, city="Atlantis")

    assert error.value.message_dict == {
        "city": ["No populated place called “Atlantis” is loaded for Kenya; give coordinates instead."]
    }


@pytest.mark.parametrize("city", ["", "   "])
def test_neither_coordinates_nor_city_is_refused(city):
    with pytest.raises(ValidationError) as error:
        resolve_location(market=market("KE"), latitude=None, longitude=None, city=city)

    assert error.value.message_dict == {"city": ["Give the coordinates, or at least the city."]}


@pytest.mark.parametrize(("latitude", "longitude", "missing"), [(-1.29, None, "longitude"), (None, 36.82, "latitude")])
def test_one_coordinate_alone_is_an_error_on_the_other(latitude, longitude, missing):
    with pytest.raises(ValidationError) as error:
        resolve_location(market=market("KE"), latitude=latitude, longitude=longitude, city="Nairobi")

    assert list(error.value.message_dict) == [missing]
    assert f"Give the {missing} too" in error.value.message_dict[missing][0]


@pytest.mark.parametrize(
    ("latitude", "longitude", "fields"),
    [
        (90.5, 36.8, ["latitude"]),
        (-1.3, 180.01, ["longitude"]),
        (-91, -181, ["latitude", "longitude"]),
        (float("nan"), 36.8, ["latitude"]),
        (-1.3, float("inf"), ["longitude"]),
    ],
)
def test_coordinates_out_of_range_are_field_errors(latitude, longitude, fields):
    with pytest.raises(ValidationError) as error:
        resolve_location(market=market("KE"), latitude=latitude, longitude=longitude, city="")

    assert sorted(error.value.message_dict) == fields


def test_coordinates_in_another_country_name_it():
    with pytest.raises(ValidationError) as error:
        resolve_location(market=market("KE"), latitude=DAR_ES_SALAAM[0], longitude=DAR_ES_SALAAM[1], city="")

    assert error.value.message_dict == {"latitude": ["These coordinates are in Tanzania, not Kenya."]}


def test_swapped_coordinates_are_suggested():
    with pytest.raises(ValidationError) as error:
        resolve_location(market=market("KE"), latitude=NAIROBI[1], longitude=NAIROBI[0], city="")

    (message,) = error.value.message_dict["latitude"]
    assert message.endswith(", not Kenya. Did you swap latitude and longitude?")
    assert message.startswith(("These coordinates are in Spain", "These coordinates are in Algeria"))


def test_swapped_coordinates_out_of_range_are_suggested_too():
    place("FJ", "Eastmost", geonameid=91_000_041, population=10, lat=-17.0, lon=179.95)

    with pytest.raises(ValidationError) as error:
        resolve_location(market=market("FJ"), latitude=179.9, longitude=-17.01, city="")
    assert error.value.message_dict == {
        "latitude": ["The latitude must be a number between -90 and 90. Did you swap latitude and longitude?"]
    }

    with pytest.raises(ValidationError) as error:
        resolve_location(market=market("KE"), latitude=-95.0, longitude=-4.33, city="")
    assert error.value.message_dict == {"latitude": ["The latitude must be a number between -90 and 90."]}


def test_near_the_border_within_50_km_of_the_market_is_accepted():
    # Namanga border crossing: Kenyan places lie within 50 km although Arusha is not far.
    location = resolve_location(market=market("KE"), latitude=-2.55, longitude=36.79, city="")

    assert location.precision == "exact"


def test_far_from_the_markets_places_but_nearest_to_them_is_accepted():
    # Northern Kenya: no loaded Kenyan place within 50 km, yet the nearest loaded place is Kenyan.
    lat, lon = 3.2, 38.2
    assert nearest_place(latitude=lat, longitude=lon, market_code="KE", within_km=50) is None
    assert nearest_place(latitude=lat, longitude=lon)[0].market_id == "KE"

    location = resolve_location(market=market("KE"), latitude=lat, longitude=lon, city="")

    assert location.place.market_id == "KE"


def test_a_market_without_loaded_places_accepts_coordinates_and_uses_its_usual_zone():
    location = resolve_location(market=market("FR"), latitude=48.8566, longitude=2.3522, city="")

    assert location.place is None
    assert location.timezone == "Europe/Paris"


@pytest.mark.parametrize(
    ("latitude", "longitude", "zone"),
    [(-4.33, 15.32, "Africa/Kinshasa"), (-11.66, 27.48, "Africa/Lubumbashi"), (0.5, 25.2, "Africa/Lubumbashi")],
)
def test_time_zone_is_that_of_the_nearest_place_of_the_market(latitude, longitude, zone):
    location = resolve_location(market=market("CD"), latitude=latitude, longitude=longitude, city="")

    nearest, _ = nearest_place(latitude=latitude, longitude=longitude, market_code="CD")
    assert location.place == nearest
    assert location.timezone == nearest.timezone == zone


def test_time_zone_of_a_geocoded_city_is_that_of_the_place():
    location = resolve_location(market=market("CD"), latitude=None, longitude=None, city="lubumbashi")

    assert location.timezone == "Africa/Lubumbashi"


def test_time_zone_falls_back_to_utc_when_nothing_is_known():
    # Bouvet Island: no loaded place, and the tz database names no zone for it.
    location = resolve_location(market=market("BV"), latitude=-54.42, longitude=3.36, city="")

    assert location.place is None
    assert location.timezone == "UTC"
