"""Database constraints behind every data rule (issue: registry domain, point 1).

Each test writes a bad row directly, past the services, and expects the database itself to
refuse it — on SQLite and on PostgreSQL alike (CI runs the suite on both)."""

import pytest
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from registry.audit.models import AuditEntry
from registry.models import Part, PartsDepot, ServiceCentre, StockLevel
from tests.factories import (
    BrandFactory,
    MarketFactory,
    PartFactory,
    PartsDepotFactory,
    ServiceCentreFactory,
    StockLevelFactory,
    VehicleModelFactory,
)


def refused(write):
    with pytest.raises(IntegrityError), transaction.atomic():
        write()


@pytest.fixture
def brand(db):
    return BrandFactory()


def test_codes_are_unique_per_brand(brand):
    ServiceCentreFactory(brand=brand, code="C1")
    refused(lambda: ServiceCentreFactory(brand=brand, code="C1"))
    ServiceCentreFactory(brand=BrandFactory(), code="C1")  # another brand may reuse it
    PartFactory(brand=brand, part_number="P1")
    refused(lambda: PartFactory(brand=brand, part_number="P1"))
    PartsDepotFactory(brand=brand, code="D1")
    refused(lambda: PartsDepotFactory(brand=brand, code="D1"))
    VehicleModelFactory(brand=brand, code="M1")
    refused(lambda: VehicleModelFactory(brand=brand, code="M1"))


@pytest.mark.parametrize(
    ("field", "value"),
    [("latitude", 90.5), ("latitude", -91), ("longitude", 180.01), ("longitude", -181)],
)
def test_coordinates_in_range(brand, field, value):
    refused(lambda: ServiceCentreFactory(brand=brand, **{field: value}))
    refused(lambda: PartsDepotFactory(brand=brand, **{field: value}))


def test_counts_are_not_negative(brand):
    refused(lambda: ServiceCentreFactory(brand=brand, service_bays=-1))
    refused(lambda: ServiceCentreFactory(brand=brand, ev_technicians=-2))
    refused(lambda: StockLevelFactory(brand=brand, quantity_on_hand=-5))


@pytest.mark.parametrize(
    "capabilities",
    [["ev_high_voltage", "teleportation"], ["EV_HIGH_VOLTAGE"], "ev_high_voltage", {"ev_high_voltage": True}],
)
def test_capabilities_come_from_the_vocabulary(brand, capabilities):
    refused(lambda: ServiceCentreFactory(brand=brand, capabilities=capabilities))
    centre = ServiceCentreFactory(brand=brand, capabilities=["diagnostics"])
    refused(lambda: ServiceCentre.objects.filter(pk=centre.pk).update(capabilities=capabilities))


@pytest.mark.parametrize(("field", "value"), [("kind", "pop_up"), ("status", "open"), ("location_precision", "rough")])
def test_centre_choices(brand, field, value):
    refused(lambda: ServiceCentreFactory(brand=brand, **{field: value}))


def test_part_category_from_the_vocabulary(brand):
    refused(lambda: PartFactory(brand=brand, category="wheels"))


def test_stock_brand_depot_and_part_agree(brand):
    other = BrandFactory()
    depot = PartsDepotFactory(brand=brand)
    part = PartFactory(brand=brand)
    foreign_part = PartFactory(brand=other)
    foreign_depot = PartsDepotFactory(brand=other)
    now = timezone.now()
    refused(
        lambda: StockLevel.objects.create(
            brand=brand, depot=depot, part=foreign_part, quantity_on_hand=1, updated_at=now
        )
    )
    refused(
        lambda: StockLevel.objects.create(
            brand=brand, depot=foreign_depot, part=part, quantity_on_hand=1, updated_at=now
        )
    )
    refused(lambda: StockLevel.objects.create(brand=other, depot=depot, part=part, quantity_on_hand=1, updated_at=now))
    line = StockLevel.objects.create(brand=brand, depot=depot, part=part, quantity_on_hand=1, updated_at=now)
    refused(lambda: StockLevel.objects.filter(pk=line.pk).update(part=foreign_part))
    refused(lambda: StockLevel.objects.create(brand=brand, depot=depot, part=part, quantity_on_hand=2, updated_at=now))


def test_parts_with_stock_are_protected(brand):
    line = StockLevelFactory(brand=brand)
    with pytest.raises(ProtectedError):
        Part.objects.filter(pk=line.part_id).delete()
    PartsDepot.objects.filter(pk=line.depot_id).delete()  # a depot takes its stock lines with it
    assert not StockLevel.objects.filter(pk=line.pk).exists()


def test_no_centre_in_the_home_market(brand):
    china = MarketFactory(code="CN", name="China")
    refused(lambda: ServiceCentreFactory(brand=brand, market=china))


def test_audit_trail_is_append_only_in_the_database(brand):
    entry = AuditEntry.objects.create(at=timezone.now(), object_type="x", object_id="1", action="create")
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    # Even raw SQL past the ORM is refused by the database's trigger.
    from django.db import DatabaseError, connection

    for statement in ("UPDATE registry_auditentry SET action = 'delete'", "DELETE FROM registry_auditentry"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert AuditEntry.objects.get(pk=entry.pk).action == "create"
