"""``manage.py seed_demo``: a demo world on real places, written through the services, that
passes the default coverage policy in some markets and fails it in others — and is the same
world however often it runs."""

import io
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import override_settings

from registry import demo
from registry.audit.models import AuditEntry
from registry.geography.services import geodata_load
from registry.models import Brand, Membership, PopulationCentre, ServiceCentre
from registry.network.selectors import service_centres_visible
from registry.tenancy.access import OFFICIALS_GROUP
from registry.validation import normalize_phone, validate_opening_hours, validate_postal_code

# Hashing a dozen demo passwords with the production hasher would dominate these tests.
FAST_HASHER = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])


@dataclass
class Seeded:
    first_output: str
    second_output: str
    counts_after_first: dict[str, int]
    counts_after_second: dict[str, int]
    summary: list[demo.SummaryRow]


def _counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


def _run() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The demo seeded twice on the 15000 list of the six markets, once for the module; rolled
    back at the end, so other modules never see it."""
    with django_db_blocker.unblock(), FAST_HASHER, transaction.atomic():
        geodata_load(countries=set(demo.MARKETS), min_population=15000)
        first = _run()
        after_first = _counts()
        second = _run()
        yield Seeded(first, second, after_first, _counts(), demo.coverage_summary())
        transaction.set_rollback(True)


@pytest.fixture
def db_seeded(seeded, db):
    return seeded


def test_a_second_run_creates_nothing(db_seeded):
    assert db_seeded.counts_after_second == db_seeded.counts_after_first
    assert "nothing was created" in db_seeded.second_output


def test_three_brands_in_six_markets_on_six_continents(db_seeded):
    assert sorted(Brand.objects.values_list("slug", flat=True)) == ["aurora", "kestrel", "lumen"]
    markets = ServiceCentre.objects.values_list("market__code", "market__continent").distinct()
    assert len({code for code, _ in markets}) >= 6
    assert len({continent for _, continent in markets}) >= 5


def test_every_role_has_a_demo_user(db_seeded, django_user_model):
    roles = set(Membership.objects.values_list("role", flat=True))
    assert roles == {"admin", "editor", "viewer"}
    assert Membership.objects.filter(role="editor", markets__isnull=False).count() == 3
    officials = Group.objects.get(name=OFFICIALS_GROUP).user_set.values_list("username", flat=True)
    assert set(officials) == set(demo.OFFICIAL_USERNAMES)
    staff = django_user_model.objects.get(username="staff")
    assert staff.is_staff and staff.is_superuser
    assert staff.check_password(demo.demo_password("staff"))
    for user in demo.demo_users():
        assert user.password in db_seeded.first_output


def test_each_brand_passes_somewhere_and_fails_somewhere(db_seeded):
    by_brand = {}
    for row in db_seeded.summary:
        by_brand.setdefault(row.brand, set()).add(row.passed)
    assert by_brand == {"aurora": {True, False}, "kestrel": {True, False}, "lumen": {True, False}}


def test_each_scenario_fails_for_its_own_reason(db_seeded):
    expected = {
        "covered": set(),
        "sparse": {"population_coverage"},
        "missing_category": {"part_categories", "critical_parts"},
        "stale": {"part_categories", "critical_parts"},
    }
    for row in db_seeded.summary:
        assert set(row.failing) == expected[row.scenario], row
        if row.scenario == "sparse":
            assert row.population_coverage_pct < 80


def test_the_summary_table_is_printed(db_seeded):
    for row in db_seeded.summary:
        verdict = "yes" if row.passed else "no"
        assert any(
            line.split()[:2] == [row.brand, row.market] and verdict in line.split()
            for line in db_seeded.first_output.splitlines()
        ), row


def test_every_write_is_audited_as_the_command(db_seeded):
    entries = AuditEntry.objects.filter(source="command:seed_demo")
    assert entries.filter(object_type="servicecentre").count() == ServiceCentre.objects.count()
    assert {"brand", "membership", "part", "partsdepot", "servicecentre", "stocklevel", "vehiclemodel"} <= set(
        entries.values_list("object_type", flat=True)
    )
    assert not AuditEntry.objects.exclude(source="command:seed_demo").exists()


def test_centres_carry_valid_local_details(db_seeded):
    for centre in ServiceCentre.objects.select_related("market"):
        market = centre.market
        assert centre.city and market.population_centres.filter(name=centre.city).exists()
        assert normalize_phone(centre.phone, market=market) == centre.phone
        assert validate_postal_code(centre.postal_code, market=market) == centre.postal_code
        assert validate_opening_hours(centre.opening_hours) == centre.opening_hours
        assert centre.location_precision == "exact"


def test_a_country_editor_sees_only_their_markets_centres(db_seeded, django_user_model):
    editor = django_user_model.objects.get(username="aurora_editor_ke")
    visible = service_centres_visible(user=editor)
    assert visible.exists()
    assert set(visible.values_list("market__code", flat=True)) == {"KE"}
    assert set(visible.values_list("brand__slug", flat=True)) == {"aurora"}


@pytest.mark.django_db
def test_without_geodata_the_command_says_to_load_it():
    PopulationCentre.objects.filter(market_id="AU").delete()  # whether or not the module seeded
    before = _counts()
    with pytest.raises(CommandError, match=r"loaded for [A-Z, ]*AU\..*load_geodata --countries KE,TH,DE,MX,CL,AU"):
        call_command("seed_demo", stdout=io.StringIO())
    assert _counts() == before
