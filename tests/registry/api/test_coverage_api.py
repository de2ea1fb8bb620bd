"""Coverage policies and reports over the API (DESIGN.md §6)."""

import pytest
from rest_framework.test import APIClient

from registry.audit.models import AuditEntry
from registry.coverage.models import CoveragePolicy, CoverageReport

FULL_POLICY = {
    "coverage_radius_km": 120,
    "population_coverage_pct": 75,
    "min_service_centres": 2,
    "vehicles_per_service_centre": 800,
    "critical_parts_fill_rate_pct": 85,
    "required_part_categories": ["battery_module", "brakes"],
    "stock_max_age_days": 60,
    "grace_days": 14,
}


def api(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_market_shows_the_default_policy_until_one_is_published(world):
    body = api().get("/api/v1/markets/KE/").json()
    assert body["policy"]["version"] == 0
    assert body["policy"]["coverage_radius_km"] == 150.0
    assert body["policy"]["required_part_categories"] == [
        "battery_module",
        "drive_motor",
        "power_electronics",
        "charging",
        "brakes",
    ]
    listed = api().get("/api/v1/markets/").json()["results"]
    assert all(m["policy"]["version"] == 0 for m in listed)


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 401),
        ("alpha_admin", 403),
        ("alpha_viewer", 403),
        ("staff", 403),
        ("outsider", 403),
        ("official", 200),
    ],
)
def test_only_officials_write_policies(world, role, status):
    user = None if role == "anonymous" else world.users()[role]
    response = api(user).patch("/api/v1/markets/KE/policy/", {"coverage_radius_km": 100}, format="json")
    assert response.status_code == status, response.content
    assert CoveragePolicy.objects.count() == (1 if status == 200 else 0)


def test_put_needs_every_field_and_patch_keeps_the_rest(world):
    client = api(world.official)
    missing = client.put("/api/v1/markets/KE/policy/", {"coverage_radius_km": 100}, format="json")
    assert missing.status_code == 400
    assert "grace_days" in missing.json()["errors"]
    put = client.put("/api/v1/markets/KE/policy/", FULL_POLICY, format="json")
    assert put.status_code == 200, put.content
    assert put.json()["version"] == 1 and put.json()["min_service_centres"] == 2
    patched = client.patch("/api/v1/markets/KE/policy/", {"grace_days": 20}, format="json")
    assert patched.json()["version"] == 2
    assert patched.json()["coverage_radius_km"] == 120.0 and patched.json()["grace_days"] == 20
    versions = api().get("/api/v1/markets/KE/policy/versions/").json()
    assert [v["version"] for v in versions["results"]] == [2, 1]
    assert api().get("/api/v1/markets/KE/").json()["policy"]["version"] == 2
    entries = AuditEntry.objects.filter(object_type="coveragepolicy")
    assert entries.count() == 2
    assert entries.first().changes["grace_days"] == [14, 20]


def test_bad_policy_values_are_named(world):
    client = api(world.official)
    response = client.patch(
        "/api/v1/markets/KE/policy/",
        {"population_coverage_pct": 120, "required_part_categories": ["wheels"], "vehicles_per_service_centre": 0},
        format="json",
    )
    assert response.status_code == 400
    assert {"population_coverage_pct", "required_part_categories"} <= set(response.json()["errors"])
    assert not CoveragePolicy.objects.exists()


def test_future_policy_is_not_in_force_yet(world):
    api(world.official).patch(
        "/api/v1/markets/KE/policy/",
        {"coverage_radius_km": 90, "effective_from": "2099-01-01T00:00:00Z"},
        format="json",
    )
    assert api().get("/api/v1/markets/KE/").json()["policy"]["version"] == 0


def test_request_a_report_and_read_it(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api(world.alpha_editor).post(
            "/api/v1/coverage-reports/",
            {"brand": "alpha", "market": "KE", "planned_annual_volume": 1500, "vehicle_models": ["A1"]},
            format="json",
        )
    assert response.status_code == 202, response.content
    report_id = response.json()["id"]
    body = api(world.alpha_viewer).get(f"/api/v1/coverage-reports/{report_id}/").json()
    assert body["status"] == "done"
    assert set(body["metrics"]) == {
        "qualifying_service_centres",
        "verified_service_centres",
        "required_service_centres",
        "population_total",
        "population_covered",
        "population_coverage_pct",
        "country_population",
        "critical_parts_total",
        "critical_parts_in_stock",
        "critical_parts_fill_rate_pct",
        "part_categories_covered",
    }
    assert body["metrics"]["required_service_centres"] == 2
    assert {c["code"] for c in body["criteria"]} == {
        "service_centres",
        "population_coverage",
        "critical_parts",
        "part_categories",
    }
    assert all(set(c) == {"code", "label", "required", "actual", "passed", "explanation"} for c in body["criteria"])
    assert body["policy"]["version"] == 0 and body["fingerprint"] and body["computed_at"]
    assert body["passed"] is False
    # Tenancy: another brand cannot see it; officials can.
    assert api(world.beta_admin).get(f"/api/v1/coverage-reports/{report_id}/").status_code == 404
    assert api(world.official).get(f"/api/v1/coverage-reports/{report_id}/").status_code == 200
    assert api(world.beta_admin).get("/api/v1/coverage-reports/").json()["count"] == 0
    assert api().get(f"/api/v1/coverage-reports/{report_id}/").status_code == 401


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("alpha_viewer", 403),
        ("beta_admin", 400),
        ("outsider", 400),
        ("official", 202),
        ("alpha_ke_editor", 202),
        ("anonymous", 401),
    ],
)
def test_who_may_request_a_report(world, role, status):
    user = None if role == "anonymous" else world.users()[role]
    response = api(user).post(
        "/api/v1/coverage-reports/", {"brand": "alpha", "market": "KE", "planned_annual_volume": 10}, format="json"
    )
    assert response.status_code == status, response.content


def test_country_manager_cannot_request_other_markets(world):
    response = api(world.alpha_ke_editor).post(
        "/api/v1/coverage-reports/", {"brand": "alpha", "market": "TZ", "planned_annual_volume": 10}, format="json"
    )
    assert response.status_code == 403


def test_unknown_models_are_a_400_naming_them(world):
    response = api(world.alpha_admin).post(
        "/api/v1/coverage-reports/",
        {"brand": "alpha", "market": "KE", "planned_annual_volume": 10, "vehicle_models": ["A1", "NOPE"]},
        format="json",
    )
    assert response.status_code == 400
    assert "NOPE" in response.json()["errors"]["vehicle_models"][0]
    assert not CoverageReport.objects.exists()


def test_home_market_is_refused(world):
    from tests.factories import MarketFactory

    MarketFactory(code="CN", name="China")
    response = api(world.alpha_admin).post(
        "/api/v1/coverage-reports/", {"brand": "alpha", "market": "CN", "planned_annual_volume": 10}, format="json"
    )
    assert response.status_code == 400 and "home market" in response.json()["errors"]["market"][0]


def test_failed_evaluation_says_why(world, monkeypatch, django_capture_on_commit_callbacks):
    from registry.coverage import engine

    def broken(*args, **kwargs):
        raise ValueError("population must be ≥ 0")

    monkeypatch.setattr(engine, "evaluate", broken)
    with django_capture_on_commit_callbacks(execute=True):
        response = api(world.alpha_admin).post(
            "/api/v1/coverage-reports/", {"brand": "alpha", "market": "KE", "planned_annual_volume": 10}, format="json"
        )
    body = api(world.alpha_admin).get(f"/api/v1/coverage-reports/{response.json()['id']}/").json()
    assert body["status"] == "failed"
    assert "population must be" in body["error"]
    assert body["metrics"] is None
