"""API behaviour beyond the matrix: auth, error shape, filters, ETags, constant queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from registry.audit.models import AuditEntry
from tests.factories import PASSWORD, PartFactory, ServiceCentreFactory, StockLevelFactory


def api(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_token_auth(world):
    client = APIClient()
    bad = client.post("/api/v1/auth/token/", {"username": "alpha_admin", "password": "nope"}, format="json")
    assert bad.status_code == 400
    assert bad.json()["detail"] == "The username or password is wrong."
    missing = client.post("/api/v1/auth/token/", {"username": "alpha_admin"}, format="json")
    assert missing.status_code == 400 and "password" in missing.json()["errors"]
    token = client.post("/api/v1/auth/token/", {"username": "alpha_admin", "password": PASSWORD}, format="json").json()[
        "token"
    ]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/service-centres/").json()["count"] == 2
    client.credentials(HTTP_AUTHORIZATION="Token wrong")
    assert client.get("/api/v1/service-centres/").status_code == 401


def test_session_auth_for_the_browser(world, client):
    client.force_login(world.alpha_viewer)
    assert client.get("/api/v1/service-centres/").status_code == 200


def test_markets_are_public(world):
    response = api().get("/api/v1/markets/")
    assert response.status_code == 200
    assert {"count", "next", "previous", "results"} <= set(response.json())
    assert api().get("/api/v1/markets/ke/").json()["name"] == "Kenya"
    missing = api().get("/api/v1/markets/XX/")
    assert missing.status_code == 404 and missing.json() == {"detail": "No such market.", "code": "not_found"}


def test_validation_errors_name_each_field(world):
    response = api(world.alpha_admin).post(
        "/api/v1/service-centres/",
        {
            "brand": "alpha",
            "market": "KE",
            "code": "A-KE-1",
            "name": "Dup",
            "city": "Nairobi",
            "phone": "12",
            "opening_hours": "whenever",
            "capabilities": ["teleportation"],
            "postal_code": "ABC",
        },
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["errors"]) >= {"code", "phone", "opening_hours", "capabilities", "postal_code"}
    assert "teleportation" in body["errors"]["capabilities"][0]
    assert "Kenya" in body["errors"]["postal_code"][0]


def test_centre_outside_its_market_is_refused_with_the_country_named(world):
    response = api(world.alpha_admin).post(
        "/api/v1/service-centres/",
        {"brand": "alpha", "market": "KE", "code": "X1", "name": "Wrong place", "latitude": -6.82, "longitude": 39.27},
        format="json",
    )
    assert response.status_code == 400
    assert "Tanzania" in response.json()["errors"]["latitude"][0]


def test_centre_from_city_only_is_approximate(world):
    response = api(world.alpha_admin).post(
        "/api/v1/service-centres/",
        {"brand": "alpha", "market": "KE", "code": "X2", "name": "Mombasa", "city": "mombasa", "phone": "0722 000 000"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["location_precision"] == "city"
    assert body["timezone"] == "Africa/Nairobi"
    assert body["phone"] == "+254722000000"
    assert (round(body["latitude"], 2), round(body["longitude"], 2)) == (-4.05, 39.66)


def test_put_needs_every_required_field(world):
    centre = world.alpha_ke_centre
    response = api(world.alpha_admin).put(f"/api/v1/service-centres/{centre.pk}/", {"name": "Only name"}, format="json")
    assert response.status_code == 400
    assert {"brand", "market", "code"} <= set(response.json()["errors"])


@pytest.mark.parametrize("path_attr", [("service-centres", "alpha_ke_centre"), ("stock", "alpha_ke_stock")])
def test_stale_if_match_is_412_and_changes_nothing(world, path_attr):
    path, attr = path_attr
    obj = getattr(world, attr)
    client = api(world.alpha_admin)
    first = client.get(f"/api/v1/{path}/{obj.pk}/")
    etag = first["ETag"]
    assert etag and first.json()["etag"] == etag
    change = {"name": "Changed once"} if path == "service-centres" else {"quantity_on_hand": 99}
    ok = client.patch(f"/api/v1/{path}/{obj.pk}/", change, format="json", HTTP_IF_MATCH=etag)
    assert ok.status_code == 200 and ok["ETag"] != etag
    audit_count = AuditEntry.objects.count()
    stale_change = {"name": "Changed twice"} if path == "service-centres" else {"quantity_on_hand": 1}
    stale = client.patch(f"/api/v1/{path}/{obj.pk}/", stale_change, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert stale.json()["code"] == "precondition_failed"
    obj.refresh_from_db()
    assert (obj.name if path == "service-centres" else obj.quantity_on_hand) == (
        "Changed once" if path == "service-centres" else 99
    )
    assert AuditEntry.objects.count() == audit_count
    assert client.delete(f"/api/v1/{path}/{obj.pk}/", HTTP_IF_MATCH=etag).status_code == 412
    assert client.delete(f"/api/v1/{path}/{obj.pk}/", HTTP_IF_MATCH=ok["ETag"]).status_code == 204


def test_filters(world):
    client = api(world.official)
    ServiceCentreFactory(
        brand=world.alpha, market=world.ke, code="A-KE-2", name="Body shop", capabilities=["body_repair"]
    )
    centres = lambda **q: sorted(r["code"] for r in client.get("/api/v1/service-centres/", q).json()["results"])  # noqa: E731
    assert centres(brand="alpha") == ["A-KE-1", "A-KE-2", "A-TZ-1"]
    assert centres(brand="alpha", market="TZ") == ["A-TZ-1"]
    assert centres(capability="body_repair") == ["A-KE-2"]
    assert centres(code="B-KE-1") == ["B-KE-1"]
    assert centres(q="body") == ["A-KE-2"]
    assert centres(status="closed") == []
    bad = client.get("/api/v1/service-centres/", {"capability": "flying"})
    assert bad.status_code == 400 and "capability" in bad.json()["errors"]
    parts = client.get("/api/v1/parts/", {"code": "A-BAT-1"}).json()["results"]
    assert [p["part_number"] for p in parts] == ["A-BAT-1"]
    assert client.get("/api/v1/parts/", {"category": "brakes", "brand": "alpha"}).json()["count"] == 1
    assert client.get("/api/v1/stock/", {"market": "TZ"}).json()["count"] == 1
    assert client.get("/api/v1/depots/", {"code": "A-NBO"}).json()["count"] == 1
    assert client.get("/api/v1/vehicle-models/", {"code": "A1"}).json()["count"] == 1
    ordered = client.get("/api/v1/service-centres/", {"ordering": "-code"}).json()["results"]
    assert [r["code"] for r in ordered][:2] == ["B-KE-1", "A-TZ-1"]


LIST_PATHS = ["service-centres", "parts", "depots", "stock", "vehicle-models", "brands", "audit-entries", "markets"]


def _grow(world, n):
    for _ in range(n):
        ServiceCentreFactory(brand=world.alpha, market=world.ke)
        part = PartFactory(brand=world.alpha)
        StockLevelFactory(brand=world.alpha, depot=world.alpha_ke_depot, part=part)
    for _ in range(n):
        AuditEntry.objects.create(
            at="2026-01-01T00:00:00Z", brand=world.alpha, object_type="x", object_id="1", action="create"
        )


@pytest.mark.parametrize("path", LIST_PATHS)
def test_list_queries_do_not_grow_with_rows(world, path):
    def count():
        # A fresh user object per request, as in production (the access grant is cached per user).
        client = api(type(world.alpha_admin).objects.get(pk=world.alpha_admin.pk))
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/api/v1/{path}/").status_code == 200
        return len(ctx.captured_queries)

    _grow(world, 3)
    small = count()
    _grow(world, 30)
    assert count() == small <= 7


def test_audit_trail_visibility(world):
    api(world.alpha_admin).patch(f"/api/v1/service-centres/{world.alpha_ke_centre.pk}/", {"name": "A"}, format="json")
    api(world.beta_admin).patch(f"/api/v1/service-centres/{world.beta_ke_centre.pk}/", {"name": "B"}, format="json")
    alpha = api(world.alpha_viewer).get("/api/v1/audit-entries/").json()["results"]
    assert [e["brand"] for e in alpha] == ["alpha"]
    assert alpha[0]["changes"]["name"] == ["Alpha Nairobi", "A"]
    assert api(world.official).get("/api/v1/audit-entries/").json()["count"] == 2
    assert api(world.outsider).get("/api/v1/audit-entries/").json()["count"] == 0
    entry_id = alpha[0]["id"]
    assert api(world.beta_admin).get(f"/api/v1/audit-entries/{entry_id}/").status_code == 404
    # Read-only: no verb changes it.
    assert api(world.alpha_admin).delete(f"/api/v1/audit-entries/{entry_id}/").status_code == 405
    assert api(world.alpha_admin).patch(f"/api/v1/audit-entries/{entry_id}/", {}, format="json").status_code == 405
    assert api().get("/api/v1/audit-entries/").status_code == 401


def test_protected_centre_is_closed_not_deleted(world, monkeypatch):
    from django.db.models import ProtectedError

    from registry import crud

    def protected(**kwargs):
        raise ProtectedError("named by evidence", set())

    monkeypatch.setattr(crud, "delete", protected)
    response = api(world.alpha_admin).delete(f"/api/v1/service-centres/{world.alpha_ke_centre.pk}/")
    assert response.status_code == 200
    assert response.json()["status"] == "closed"
