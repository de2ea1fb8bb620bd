"""Coverage reports end to end through the database: selector → engine → stored report."""

import datetime

import pytest
from django.utils import timezone

from registry.coverage.models import CoverageReport
from registry.coverage.services import coverage_report_compute, coverage_report_request, policy_publish
from registry.errors import Forbidden
from tests.factories import PartFactory, ServiceCentreFactory, StockLevelFactory

REQUIRED = ["battery_module", "drive_motor", "power_electronics", "charging", "brakes"]


@pytest.fixture
def stocked(world):
    """Alpha fully stocked in Kenya: one critical part per required category, all fresh."""
    for category in REQUIRED:
        part = PartFactory(brand=world.alpha, category=category, is_critical=True)
        StockLevelFactory(brand=world.alpha, depot=world.alpha_ke_depot, part=part, quantity_on_hand=5)
    return world


@pytest.fixture
def ask(django_capture_on_commit_callbacks):
    """Request a report for Alpha in Kenya; the task queued on commit runs as the commit would."""

    def ask(world, user=None, volume=500, models=()):
        with django_capture_on_commit_callbacks(execute=True):
            return coverage_report_request(
                by=user or world.alpha_editor,
                brand=world.alpha,
                market=world.ke,
                planned_annual_volume=volume,
                vehicle_models=models,
            )

    return ask


def test_report_is_evaluated_and_stored(stocked, ask):
    world = stocked
    # Mombasa and Kisumu are far from Nairobi: add centres there so Kenya is covered.
    ServiceCentreFactory(brand=world.alpha, market=world.ke, latitude=-4.05, longitude=39.66)
    ServiceCentreFactory(brand=world.alpha, market=world.ke, latitude=-0.10, longitude=34.76)
    report = ask(world)
    report.refresh_from_db()
    assert report.status == "done"
    assert report.passed is True
    assert report.metrics["qualifying_service_centres"] == 3
    assert report.metrics["population_total"] == 2750547 + 799668 + 216479
    assert report.metrics["population_coverage_pct"] == 100.0
    assert report.metrics["critical_parts_total"] == 6  # the world's A-BAT-1 plus five
    assert report.metrics["part_categories_covered"] == 5
    assert [c["code"] for c in report.criteria] == [
        "service_centres",
        "population_coverage",
        "critical_parts",
        "part_categories",
    ]
    assert report.gaps == []
    assert report.policy_version == 0 and report.policy["coverage_radius_km"] == 150.0
    assert len(report.fingerprint) == 64


def test_gaps_and_failing_population(stocked, ask):
    report = ask(stocked)
    report.refresh_from_db()
    assert report.passed is False
    population = next(c for c in report.criteria if c["code"] == "population_coverage")
    assert not population["passed"]
    assert "150 km" in population["explanation"]
    assert [g["name"] for g in report.gaps] == ["Mombasa", "Kisumu"]
    assert report.gaps[0]["nearest_centre_km"] > 150


def test_same_inputs_same_fingerprint_and_a_change_changes_it(stocked, ask):
    first = ask(stocked)
    second = ask(stocked)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.fingerprint == second.fingerprint
    ServiceCentreFactory(brand=stocked.alpha, market=stocked.ke, latitude=-4.05, longitude=39.66)
    third = ask(stocked)
    third.refresh_from_db()
    assert third.fingerprint != first.fingerprint


def test_stale_stock_does_not_count(stocked, ask):
    from registry.parts.models import StockLevel

    StockLevel.objects.filter(brand=stocked.alpha, part__category="brakes").update(
        updated_at=timezone.now() - datetime.timedelta(days=91)
    )
    report = ask(stocked)
    report.refresh_from_db()
    categories = next(c for c in report.criteria if c["code"] == "part_categories")
    assert not categories["passed"]
    assert "brakes" in categories["explanation"]


def test_other_brands_and_markets_do_not_count(stocked, ask):
    world = stocked
    # Beta's centre in Mombasa and Alpha's own centre in Tanzania must not cover Kenya for Alpha.
    ServiceCentreFactory(brand=world.beta, market=world.ke, latitude=-4.05, longitude=39.66)
    report = ask(world)
    report.refresh_from_db()
    assert report.metrics["qualifying_service_centres"] == 1


def test_non_qualifying_centres_do_not_count(stocked, ask):
    world = stocked
    ServiceCentreFactory(
        brand=world.alpha, market=world.ke, latitude=-4.05, longitude=39.66, capabilities=["diagnostics"]
    )
    ServiceCentreFactory(brand=world.alpha, market=world.ke, latitude=-4.05, longitude=39.66, ev_technicians=0)
    ServiceCentreFactory(brand=world.alpha, market=world.ke, latitude=-4.05, longitude=39.66, is_public=False)
    ServiceCentreFactory(brand=world.alpha, market=world.ke, latitude=-4.05, longitude=39.66, status="planned")
    report = ask(world)
    report.refresh_from_db()
    assert report.metrics["qualifying_service_centres"] == 1


def test_report_uses_the_policy_in_force_and_keeps_its_version(stocked, ask):
    policy_publish(by=stocked.official, market=stocked.ke, values={"coverage_radius_km": 800}, partial=True)
    report = ask(stocked)
    report.refresh_from_db()
    assert report.policy_version == 1
    assert report.policy["coverage_radius_km"] == 800.0
    assert report.passed is True  # 800 km reaches Mombasa and Kisumu from Nairobi


def test_compute_is_idempotent(stocked, ask):
    report = ask(stocked)
    report.refresh_from_db()
    computed_at = report.computed_at
    again = coverage_report_compute(report_id=report.pk)
    assert again.computed_at == computed_at


def test_who_may_request(world, ask):
    with pytest.raises(Forbidden):
        ask(world, user=world.alpha_viewer)
    report = ask(world, user=world.official)
    report.refresh_from_db()
    assert report.status == "done"
    from registry.errors import NotFound

    with pytest.raises(NotFound):
        ask(world, user=world.beta_admin)


def test_unknown_vehicle_models_are_named(world, ask):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        ask(world, models=["A1", "ZZ9", "QQ1"])
    assert "QQ1, ZZ9" in exc.value.message_dict["vehicle_models"][0]
    assert not CoverageReport.objects.exists()
