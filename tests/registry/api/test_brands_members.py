"""Brands, members and invitations over the API (DESIGN.md §2, §6)."""

import re

import pytest
from django.core import mail
from rest_framework.test import APIClient

from registry.tenancy.models import Membership
from tests.factories import UserFactory


def api(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.mark.parametrize(
    ("role", "slugs"),
    [
        ("alpha_viewer", ["alpha"]),
        ("alpha_ke_editor", ["alpha"]),
        ("beta_admin", ["beta"]),
        ("official", ["alpha", "beta"]),
        ("staff", ["alpha", "beta"]),
        ("outsider", []),
    ],
)
def test_brand_list_by_role(world, role, slugs):
    response = api(world.users()[role]).get("/api/v1/brands/")
    assert sorted(b["slug"] for b in response.json()["results"]) == slugs


def test_brand_detail_visibility_and_figures(world):
    body = api(world.alpha_viewer).get("/api/v1/brands/alpha/").json()
    assert body["established_markets"] == 2  # qualifying centres in KE and TZ
    assert body["export_authorization_quota"] == 3  # volume 500 ≥ 200 and a network
    assert isinstance(body["export_authorization_quota"], int)
    assert api(world.alpha_viewer).get("/api/v1/brands/beta/").status_code == 404
    assert api().get("/api/v1/brands/alpha/").status_code == 401


def test_only_staff_create_brands(world):
    payload = {"name": "Gamma Cars", "slug": "gamma"}
    assert api(world.alpha_admin).post("/api/v1/brands/", payload, format="json").status_code == 403
    assert api(world.official).post("/api/v1/brands/", payload, format="json").status_code == 403
    created = api(world.staff).post("/api/v1/brands/", payload, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["established_markets"] == 0
    assert api(world.staff).post("/api/v1/brands/", payload, format="json").status_code == 400


def test_brand_patch_by_role(world):
    assert api(world.alpha_admin).patch("/api/v1/brands/alpha/", {"name": "Alpha Co"}, format="json").status_code == 200
    assert api(world.alpha_editor).patch("/api/v1/brands/alpha/", {"name": "X"}, format="json").status_code == 403
    refused = api(world.alpha_admin).patch("/api/v1/brands/alpha/", {"annual_export_volume": 5000}, format="json")
    assert refused.status_code == 403 and "officials" in refused.json()["detail"]
    ok = api(world.official).patch(
        "/api/v1/brands/alpha/", {"annual_export_volume": 5000, "wmi_codes": ["LA7"]}, format="json"
    )
    assert ok.status_code == 200 and ok.json()["annual_export_volume"] == 5000
    bad = api(world.official).patch("/api/v1/brands/alpha/", {"wmi_codes": ["IOQ"]}, format="json")
    assert bad.status_code == 400 and "wmi_codes" in bad.json()["errors"]
    assert api(world.beta_admin).patch("/api/v1/brands/alpha/", {"name": "X"}, format="json").status_code == 404


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("alpha_admin", 200),
        ("staff", 200),
        ("alpha_editor", 403),
        ("alpha_viewer", 403),
        ("official", 403),
        ("beta_admin", 404),
        ("outsider", 404),
        ("anonymous", 401),
    ],
)
def test_member_list_permissions(world, role, status):
    user = None if role == "anonymous" else world.users()[role]
    response = api(user).get("/api/v1/brands/alpha/members/")
    assert response.status_code == status
    if status == 200:
        rows = {m["username"]: m for m in response.json()["results"]}
        assert rows["alpha_ke_editor"]["markets"] == ["KE"]


def test_member_add_change_remove(world):
    newcomer = UserFactory(username="newcomer")
    client = api(world.alpha_admin)
    added = client.post(
        "/api/v1/brands/alpha/members/", {"username": "newcomer", "role": "editor", "markets": ["TZ"]}, format="json"
    )
    assert added.status_code == 201, added.content
    assert added.json() == {**added.json(), "username": "newcomer", "role": "editor", "markets": ["TZ"]}
    unknown = client.post("/api/v1/brands/alpha/members/", {"username": "ghost", "role": "viewer"}, format="json")
    assert unknown.status_code == 400 and "ghost" in unknown.json()["errors"]["username"][0]
    bad_market = client.post(
        "/api/v1/brands/alpha/members/", {"username": "outsider", "role": "viewer", "markets": ["ZZ"]}, format="json"
    )
    assert bad_market.status_code == 400 and "ZZ" in bad_market.json()["errors"]["markets"][0]
    changed = client.patch("/api/v1/brands/alpha/members/newcomer/", {"role": "viewer", "markets": []}, format="json")
    assert changed.status_code == 200 and changed.json()["markets"] == []
    assert client.delete("/api/v1/brands/alpha/members/newcomer/").status_code == 204
    assert not Membership.objects.filter(user=newcomer).exists()
    last_admin = client.delete("/api/v1/brands/alpha/members/alpha_admin/")
    assert last_admin.status_code == 400 and "last admin" in last_admin.json()["detail"]
    demote = client.patch("/api/v1/brands/alpha/members/alpha_admin/", {"role": "editor"}, format="json")
    assert demote.status_code == 400
    official = client.post("/api/v1/brands/alpha/members/", {"username": "official", "role": "viewer"}, format="json")
    assert official.status_code == 400 and "official" in official.json()["detail"]


def test_invitation_by_email_accepted_once_by_choosing_a_password(world, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api(world.alpha_admin).post(
            "/api/v1/brands/alpha/invitations/",
            {"email": "new.manager@example.com", "role": "editor", "markets": ["KE"]},
            format="json",
        )
    assert response.status_code == 201, response.content
    assert response.json()["markets"] == ["KE"]
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/invitations/\S+/)", mail.outbox[0].body).group(1)
    page = client.get(link)
    assert page.status_code == 200 and b"Alpha Motors" in page.content
    accepted = client.post(
        link, {"username": "newmanager", "password1": "a-long enough pass 42", "password2": "a-long enough pass 42"}
    )
    assert accepted.status_code == 302
    membership = Membership.objects.get(user__username="newmanager")
    assert (membership.role, [m.code for m in membership.markets.all()]) == ("editor", ["KE"])
    assert client.get(link).status_code == 404  # single use
    assert (
        api(world.alpha_editor)
        .post("/api/v1/brands/alpha/invitations/", {"email": "x@example.com", "role": "viewer"}, format="json")
        .status_code
        == 403
    )


def test_invitation_expires_after_seven_days(world, client, django_capture_on_commit_callbacks):
    import datetime

    from django.utils import timezone

    from registry.tenancy.models import Invitation

    with django_capture_on_commit_callbacks(execute=True):
        api(world.alpha_admin).post(
            "/api/v1/brands/alpha/invitations/", {"email": "late@example.com", "role": "viewer"}, format="json"
        )
    link = re.search(r"http://testserver(/invitations/\S+/)", mail.outbox[0].body).group(1)
    Invitation.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    response = client.get(link)
    assert response.status_code == 404 and b"expired" in response.content
