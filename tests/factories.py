"""factory-boy factories for every model. They write rows directly (no services, no audit),
to set the scene; tests exercise the services themselves."""

import datetime
import functools

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.utils import timezone

from registry.models import (
    AuditEntry,
    Brand,
    CoveragePolicy,
    CoverageReport,
    Invitation,
    Market,
    Membership,
    Part,
    PartsDepot,
    PopulationCentre,
    ServiceCentre,
    StockLevel,
    VehicleModel,
)
from registry.tenancy.access import OFFICIALS_GROUP

PASSWORD = "correct horse battery staple"


@functools.cache
def _password_hash() -> str:
    return make_password(PASSWORD)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    # Hashed once per run: hashing per user would dominate the suite's time.
    password = factory.LazyFunction(lambda: _password_hash())

    @factory.post_generation
    def official(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(Group.objects.get_or_create(name=OFFICIALS_GROUP)[0])
        if create:
            self.save()


class MarketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Market
        django_get_or_create = ("code",)

    code = "KE"
    name = factory.LazyAttribute(lambda m: {"KE": "Kenya", "TZ": "Tanzania", "UG": "Uganda"}.get(m.code, m.code))
    population = 1_000_000
    postal_code_regex = ""
    phone_prefix = ""


class PopulationCentreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PopulationCentre

    geonameid = factory.Sequence(lambda n: 9_000_000 + n)
    market = factory.SubFactory(MarketFactory)
    name = factory.Sequence(lambda n: f"Place {n}")
    name_key = factory.LazyAttribute(lambda p: p.name.casefold())
    alternate_keys = factory.LazyAttribute(lambda p: f"|{p.name.casefold()}|")
    latitude = -1.28
    longitude = 36.82
    population = 1000
    timezone = "Africa/Nairobi"


class BrandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Brand
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Brand {n}")
    slug = factory.Sequence(lambda n: f"brand-{n}")
    annual_export_volume = 500
    own_brand = True
    wmi_codes = factory.LazyFunction(lambda: ["LB1"])


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    brand = factory.SubFactory(BrandFactory)
    role = "admin"

    @factory.post_generation
    def markets(self, create, extracted, **kwargs):
        if create and extracted:
            self.markets.set([MarketFactory(code=c) if isinstance(c, str) else c for c in extracted])


class VehicleModelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VehicleModel

    brand = factory.SubFactory(BrandFactory)
    code = factory.Sequence(lambda n: f"M{n}")
    name = factory.Sequence(lambda n: f"Model {n}")
    powertrain = "bev"


class ServiceCentreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceCentre

    brand = factory.SubFactory(BrandFactory)
    market = factory.SubFactory(MarketFactory)
    code = factory.Sequence(lambda n: f"SC-{n}")
    name = factory.Sequence(lambda n: f"Service centre {n}")
    kind = "authorized_partner"
    status = "active"
    city = "Nairobi"
    latitude = -1.2833
    longitude = 36.8167
    location_precision = "exact"
    timezone = "Africa/Nairobi"
    capabilities = factory.LazyFunction(lambda: ["ev_high_voltage", "diagnostics"])
    service_bays = 4
    ev_technicians = 2
    is_public = True


class PartFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Part

    brand = factory.SubFactory(BrandFactory)
    part_number = factory.Sequence(lambda n: f"P-{n:05d}")
    name = factory.Sequence(lambda n: f"Part {n}")
    category = "battery_module"
    is_critical = True
    fits_models = factory.LazyFunction(list)


class PartsDepotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartsDepot

    brand = factory.SubFactory(BrandFactory)
    market = factory.SubFactory(MarketFactory)
    code = factory.Sequence(lambda n: f"D-{n}")
    name = factory.Sequence(lambda n: f"Depot {n}")
    city = "Nairobi"
    latitude = -1.3
    longitude = 36.8


class StockLevelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StockLevel

    brand = factory.SubFactory(BrandFactory)
    depot = factory.SubFactory(PartsDepotFactory, brand=factory.SelfAttribute("..brand"))
    part = factory.SubFactory(PartFactory, brand=factory.SelfAttribute("..brand"))
    quantity_on_hand = 10
    updated_at = factory.LazyFunction(timezone.now)


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    brand = factory.SubFactory(BrandFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.com")
    role = "viewer"
    token_hash = factory.Sequence(lambda n: f"{n:064x}")
    expires_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=7))


class CoveragePolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CoveragePolicy

    market = factory.SubFactory(MarketFactory)
    version = factory.Sequence(lambda n: n + 1)
    effective_from = factory.LazyFunction(timezone.now)


class CoverageReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CoverageReport

    brand = factory.SubFactory(BrandFactory)
    market = factory.SubFactory(MarketFactory)
    planned_annual_volume = 1000


class AuditEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuditEntry

    at = factory.LazyFunction(timezone.now)
    brand = factory.SubFactory(BrandFactory)
    object_type = "servicecentre"
    object_id = "1"
    action = "update"
    changes = factory.LazyFunction(lambda: {"name": ["Old", "New"]})
