"""The audit trail: every write through the services is recorded, in bulk too."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from registry.audit.context import audit_source
from registry.audit.models import AuditEntry
from registry.network import services as centres
from registry.parts import services as parts
from registry.tenancy import services as tenancy
from tests.factories import PartFactory


def test_create_update_delete_are_recorded_with_fields_from_and_to(world):
    with audit_source("request:abc123"):
        centre = centres.service_centre_create(
            by=world.alpha_editor,
            brand=world.alpha,
            market=world.ke,
            data={"code": "AUD-1", "name": "Audit centre", "latitude": -1.3, "longitude": 36.8},
        )
        centres.service_centre_update(
            by=world.alpha_editor, centre=centre, data={"name": "Renamed", "ev_technicians": 4}
        )
        centre_id = centre.pk
        centres.service_centre_delete(by=world.alpha_admin, centre=centre)
    create, update, delete = AuditEntry.objects.order_by("id")
    assert (create.action, create.actor_username, create.brand_id, create.source) == (
        "create",
        "alpha_editor",
        world.alpha.pk,
        "request:abc123",
    )
    assert create.changes["name"] == [None, "Audit centre"]
    assert update.changes == {"name": ["Audit centre", "Renamed"], "ev_technicians": [0, 4]}
    assert delete.action == "delete" and delete.changes["name"] == ["Renamed", None]
    assert create.object_id == update.object_id == delete.object_id == str(centre_id)
    assert delete.actor_username == "alpha_admin"


def test_an_update_that_changes_nothing_writes_nothing(world):
    centres.service_centre_update(by=world.alpha_admin, centre=world.alpha_ke_centre, data={"name": "Alpha Nairobi"})
    assert not AuditEntry.objects.exists()


def test_memberships_and_brands_are_audited(world):
    tenancy.membership_add(by=world.alpha_admin, brand=world.alpha, user=world.outsider, role="viewer", markets=["TZ"])
    tenancy.brand_update(by=world.official, brand=world.alpha, data={"annual_export_volume": 3000})
    membership_entry, brand_entry = AuditEntry.objects.order_by("id")
    assert membership_entry.object_type == "membership"
    assert membership_entry.changes["markets"] == [None, ["TZ"]]
    assert membership_entry.changes["user"] == [None, "outsider"]
    assert brand_entry.changes == {"annual_export_volume": [500, 3000]}
    assert brand_entry.actor_username == "official"


def test_refused_writes_leave_no_trace(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        centres.service_centre_create(
            by=world.alpha_admin, brand=world.alpha, market=world.ke, data={"code": "", "name": ""}
        )
    assert not AuditEntry.objects.exists()


def test_bulk_stock_path_audits_every_row_without_a_query_per_row(world):
    def run(n):
        extra = [PartFactory(brand=world.alpha, part_number=f"BULK-{n}-{i}") for i in range(n)]
        rows = [parts.StockRow("A-NBO", p.part_number, i) for i, p in enumerate(extra)]
        rows.append(parts.StockRow("A-NBO", "A-BAT-1", 77))  # an existing line: an update
        with CaptureQueriesContext(connection) as ctx, audit_source("command:import"):
            result = parts.stock_bulk_set(by=world.alpha_admin, brand=world.alpha, rows=rows)
        return result, len(ctx.captured_queries)

    (small, small_queries) = run(5)
    before = AuditEntry.objects.count()
    (large, large_queries) = run(400)
    assert small == {"created": 5, "updated": 1}
    assert large == {"created": 400, "updated": 1}
    assert AuditEntry.objects.count() - before == 401
    # Rows go in batched INSERTs (the database's parameter limit sets the batch), never one
    # query per row: 80 times the rows costs a handful more queries.
    assert large_queries <= small_queries + 5
    assert set(AuditEntry.objects.values_list("source", flat=True)) == {"command:import"}


def test_bulk_refuses_the_whole_batch_naming_each_bad_row(world):
    from django.core.exceptions import ValidationError

    rows = [
        parts.StockRow("A-NBO", "A-BAT-1", 5),
        parts.StockRow("NO-DEPOT", "A-BAT-1", 5),
        parts.StockRow("A-NBO", "NO-PART", 5),
        parts.StockRow("B-NBO", "A-BAT-1", 5),  # beta's depot
    ]
    with pytest.raises(ValidationError) as exc:
        parts.stock_bulk_set(by=world.alpha_admin, brand=world.alpha, rows=rows)
    text = " ".join(exc.value.messages)
    assert "row 2" in text and "row 3" in text and "row 4" in text
    world.alpha_ke_stock.refresh_from_db()
    assert world.alpha_ke_stock.quantity_on_hand == 10
    assert not AuditEntry.objects.exists()


def test_bulk_respects_market_scope(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="row 1"):
        parts.stock_bulk_set(by=world.alpha_ke_editor, brand=world.alpha, rows=[parts.StockRow("A-DAR", "A-BAT-1", 5)])


def test_stock_cannot_be_dated_in_the_future(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="future"):
        parts.stock_update(
            by=world.alpha_admin,
            stock=world.alpha_ke_stock,
            data={"quantity_on_hand": 3, "updated_at": timezone.now() + datetime.timedelta(days=2)},
        )


def test_removing_a_member_and_appointing_an_official_are_audited(world):
    from registry.tenancy.models import Membership

    membership = Membership.objects.get(user=world.alpha_viewer)
    membership_id = membership.pk
    tenancy.membership_remove(by=world.alpha_admin, membership=membership)
    tenancy.official_appoint(by=world.staff, user=world.outsider)
    removal, appointment = AuditEntry.objects.order_by("id")
    assert (removal.action, removal.object_id, removal.changes["user"]) == (
        "delete",
        str(membership_id),
        ["alpha_viewer", None],
    )
    assert (appointment.object_type, appointment.object_id, appointment.actor_username) == (
        "user",
        str(world.outsider.pk),
        "staff",
    )
