"""The Django admin: staff search and filter every model; the audit trail stays read-only and
complete, also for edits made here."""

import datetime

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from registry.audit.models import AuditEntry
from registry.audit.services import audit_record, created
from registry.models import Invitation, Market, Membership, VehicleModel
from tests.factories import UserFactory

REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)


def _changelist(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


@pytest.fixture
def superuser(world):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def staff_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def entry(world):
    """One audit entry, as a service would write it."""
    return audit_record(by=world.alpha_admin, change=created(world.alpha_model))


@pytest.fixture
def invitation(world):
    return Invitation.objects.create(
        brand=world.alpha,
        email="new@example.com",
        role="editor",
        token_hash="0" * 64,
        invited_by=world.alpha_admin,
        expires_at=timezone.now() + datetime.timedelta(days=7),
    )


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
def test_staff_open_every_changelist_with_a_search_and_a_filter(staff_client, entry, invitation, model):
    url = _changelist(model)
    model_admin = admin.site._registry[model]
    searched = staff_client.get(url, {"q": "a"})
    assert searched.status_code == 200
    changelist = searched.context["cl"]
    if model._meta.app_label == "registry":
        assert model_admin.search_fields, f"{model.__name__} has no search"
        assert changelist.filter_specs, f"{model.__name__} has no filter"
    # Each filter's first real choice, on top of the search: every one must apply cleanly.
    for spec in changelist.filter_specs:
        choice = next((c for c in spec.choices(changelist) if not c["selected"]), None)
        if choice is None:
            continue
        filtered = staff_client.get(url + choice["query_string"])
        assert filtered.status_code == 200, f"{spec.title}: {choice['query_string']}"
        assert "e=1" not in filtered.request["QUERY_STRING"]


def test_population_centres_are_found_by_geonameid_and_folded_name(staff_client, world):
    url = _changelist(world.ke.population_centres.model)
    by_id = staff_client.get(url, {"q": "184745"})
    assert [p.geonameid for p in by_id.context["cl"].result_list] == [184745]
    by_name = staff_client.get(url, {"q": "NAIROBI"})
    assert [p.name for p in by_name.context["cl"].result_list] == ["Nairobi"]


def test_audit_entry_page_is_read_only(staff_client, entry):
    url = reverse("admin:registry_auditentry_change", args=[entry.pk])
    page = staff_client.get(url)
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    assert b'name="_save"' not in page.content

    refused = staff_client.post(url, {"object_repr": "tampered", "action": "delete"})
    assert refused.status_code == 403
    entry.refresh_from_db()
    assert entry.object_repr != "tampered"


def test_audit_entries_cannot_be_deleted_or_added(staff_client, entry):
    delete_url = reverse("admin:registry_auditentry_delete", args=[entry.pk])
    assert staff_client.get(delete_url).status_code == 403
    assert staff_client.post(delete_url, {"post": "yes"}).status_code == 403
    bulk = staff_client.post(
        _changelist(AuditEntry), {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"}
    )
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
    assert bulk.status_code in (200, 302)
    assert staff_client.get(reverse("admin:registry_auditentry_add")).status_code == 403


def test_invitation_token_hash_is_read_only_and_invitations_are_not_added_here(staff_client, invitation):
    page = staff_client.get(reverse("admin:registry_invitation_change", args=[invitation.pk]))
    assert page.status_code == 200
    assert "token_hash" not in page.context["adminform"].form.fields
    assert staff_client.get(reverse("admin:registry_invitation_add")).status_code == 403


def test_admin_create_and_delete_are_audited(staff_client, superuser, world):
    response = staff_client.post(
        reverse("admin:registry_vehiclemodel_add"),
        {"brand": world.alpha.pk, "code": "A9", "name": "Alpha Nine", "powertrain": "bev"},
    )
    assert response.status_code == 302
    model = VehicleModel.objects.get(brand=world.alpha, code="A9")
    made = AuditEntry.objects.get(object_type="vehiclemodel", object_id=str(model.pk), action="create")
    assert made.actor_username == "root"
    assert made.changes["code"] == [None, "A9"]
    assert made.source.startswith("request:")

    pk = model.pk
    response = staff_client.post(reverse("admin:registry_vehiclemodel_delete", args=[pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not VehicleModel.objects.filter(pk=pk).exists()
    gone = AuditEntry.objects.get(object_type="vehiclemodel", action="delete")
    assert gone.object_id == str(pk)
    assert gone.changes["code"] == ["A9", None]


def test_admin_change_records_only_what_changed_including_markets(staff_client, world):
    membership = Membership.objects.get(user=world.alpha_editor, brand=world.alpha)
    response = staff_client.post(
        reverse("admin:registry_membership_change", args=[membership.pk]),
        {"user": world.alpha_editor.pk, "brand": world.alpha.pk, "role": "viewer", "markets": ["TZ"]},
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(object_type="membership", action="update")
    assert entry.changes == {"role": ["editor", "viewer"], "markets": [[], ["TZ"]]}
    assert entry.brand_id == world.alpha.pk


def test_non_staff_are_sent_to_the_admin_login(client, world):
    client.force_login(world.alpha_admin)
    for url in (reverse("admin:index"), _changelist(Market)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_every_registry_model_has_an_admin():
    from django.apps import apps

    missing = [m.__name__ for m in apps.get_app_config("registry").get_models() if m not in admin.site._registry]
    assert not missing, f"register {', '.join(missing)} in registry/admin.py"


def test_admin_centre_edits_pass_the_same_rules_as_the_api(world, client):
    from tests.factories import UserFactory

    admin_user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    centre = world.alpha_ke_centre
    url = f"/admin/registry/servicecentre/{centre.pk}/change/"
    page = client.get(url)
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(brand=world.alpha.pk, market="KE", capabilities='["ev_high_voltage"]', phone="12", postal_code="ABC")
    response = client.post(url, data)
    assert response.status_code == 200  # the form comes back with errors
    errors = response.context["adminform"].form.errors
    assert "phone" in errors and "postal_code" in errors
    centre.refresh_from_db()
    assert centre.phone == ""
