"""Generic tenancy/permission tests, run for every endpoint declared in ``matrix.ENDPOINTS``."""

import pytest
from django.urls import get_resolver
from rest_framework.test import APIClient

from registry.audit.models import AuditEntry
from tests.registry.api.matrix import ENDPOINTS, SPECIAL

ROLES = [
    "anonymous",
    "outsider",
    "beta_admin",
    "staff",
    "official",
    "alpha_viewer",
    "alpha_ke_editor",
    "alpha_editor",
    "alpha_admin",
]
READERS = {"official", "alpha_viewer", "alpha_ke_editor", "alpha_editor", "alpha_admin"}

by_name = pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
# (endpoint, which object) pairs: brand-wide resources have no "other market" object.
_PAIRS = [
    (e, w) for e in ENDPOINTS for w in ("own", "foreign", "other_market") if w != "other_market" or e.other_market
]
by_target = pytest.mark.parametrize(("endpoint", "which"), _PAIRS, ids=[f"{e.name}-{w}" for e, w in _PAIRS])
by_role = pytest.mark.parametrize("role", ROLES)


def client_for(world, role):
    client = APIClient()
    if role != "anonymous":
        client.force_authenticate(world.users()[role])
    return client


def can_read(endpoint, role, which):
    if which == "foreign":  # beta's object: beta's own admin and officials see it
        return role in {"official", "beta_admin"}
    if which == "other_market":
        return role in READERS - {"alpha_ke_editor"}
    return role in READERS


def can_write(endpoint, role, which):
    if which == "foreign":
        return role == "beta_admin"
    if which == "other_market":
        return role in endpoint.writable_by
    if role == "alpha_ke_editor":
        return not endpoint.brand_wide
    return role in endpoint.writable_by


def expected(endpoint, role, which, verb):
    if role == "anonymous":
        return 401
    if not can_read(endpoint, role, which):
        return 404
    if verb == "get":
        return 200
    return 200 if can_write(endpoint, role, which) else 403


def targets(endpoint, world):
    found = {"own": endpoint.own(world), "foreign": endpoint.foreign(world)}
    if endpoint.other_market:
        found["other_market"] = endpoint.other_market(world)
    return found


@by_name
@by_role
def test_list_shows_exactly_what_the_role_may_see(world, endpoint, role):
    response = client_for(world, role).get(f"/api/v1/{endpoint.path}", {"page_size": 200})
    if role == "anonymous":
        assert response.status_code == 401
        assert set(response.json()) >= {"detail", "code"}
        return
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    for which, obj in targets(endpoint, world).items():
        assert (obj.pk in ids) == can_read(endpoint, role, which), which


@by_target
@by_role
def test_detail_read(world, endpoint, role, which):
    obj = targets(endpoint, world)[which]
    response = client_for(world, role).get(endpoint.detail(obj))
    assert response.status_code == expected(endpoint, role, which, "get"), response.content
    if response.status_code >= 400:
        assert set(response.json()) >= {"detail", "code"}


@by_target
@by_role
def test_update(world, endpoint, role, which):
    obj = targets(endpoint, world)[which]
    before = AuditEntry.objects.count()
    response = client_for(world, role).patch(endpoint.detail(obj), endpoint.update, format="json")
    want = expected(endpoint, role, which, "patch")
    assert response.status_code == want, response.content
    obj.refresh_from_db()
    changed = all(getattr(obj, k) == v for k, v in endpoint.update.items())
    assert changed == (want == 200)
    assert AuditEntry.objects.count() == before + (1 if want == 200 else 0)
    if want == 200:
        entry = AuditEntry.objects.first()
        assert (entry.action, entry.object_type, entry.actor_username) == ("update", endpoint.audited_type, role)
        assert set(entry.changes) >= set(endpoint.update)
        assert entry.source.startswith("request:")


@by_target
@by_role
def test_delete(world, endpoint, role, which):
    obj = targets(endpoint, world)[which]
    model = type(obj)
    # Parts with stock are protected; free them so the delete itself is what is tested.
    if endpoint.name == "part":
        from registry.parts.models import StockLevel

        StockLevel.objects.filter(part=obj).delete()
    response = client_for(world, role).delete(endpoint.detail(obj))
    want = expected(endpoint, role, which, "delete")
    assert response.status_code == (204 if want == 200 else want), response.content
    assert model.objects.filter(pk=obj.pk).exists() == (want != 200)


@by_name
@by_role
def test_create(world, endpoint, role):
    payload = endpoint.create(world)
    model = type(endpoint.own(world))
    before = model.objects.count()
    response = client_for(world, role).post(f"/api/v1/{endpoint.path}", payload, format="json")
    if role == "anonymous":
        want = 401
    elif role in {"outsider", "beta_admin", "staff"}:
        want = 400  # the brand (or depot) named belongs to a brand the user cannot see
    elif can_write(endpoint, role, "own"):
        want = 201
    else:
        want = 403
    assert response.status_code == want, response.content
    assert model.objects.count() == before + (1 if want == 201 else 0)
    if want == 400:
        assert response.json()["errors"]


@by_name
def test_create_pointing_into_another_brand_is_400(world, endpoint):
    model = type(endpoint.own(world))
    before = model.objects.count()
    response = client_for(world, "alpha_admin").post(
        f"/api/v1/{endpoint.path}", endpoint.create_foreign(world), format="json"
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid" and body["errors"]
    assert model.objects.count() == before


def test_every_endpoint_joins_the_matrix():
    declared = {f"{e.name}-list" for e in ENDPOINTS} | {f"{e.name}-detail" for e in ENDPOINTS} | set(SPECIAL)
    resolver = get_resolver()
    names = set()

    def walk(patterns, prefix=""):
        for p in patterns:
            route = prefix + str(p.pattern)
            if hasattr(p, "url_patterns"):
                walk(p.url_patterns, route)
            elif route.startswith("api/v1/") and p.name:
                names.add(p.name)

    walk(resolver.url_patterns)
    assert names, "no API routes found"
    missing = sorted(names - declared)
    assert not missing, f"endpoints outside the tenancy matrix: {missing}"
