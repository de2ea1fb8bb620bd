"""Coverage reports computed by a real Celery worker process against Redis."""

import pytest

from registry.coverage.models import CoverageReport
from registry.tasks import evaluate_coverage_report
from tests.world import build_world


@pytest.mark.worker
def test_a_real_worker_evaluates_the_report_once(celery_worker_process, celery_not_eager, transactional_db):
    world = build_world()
    report = CoverageReport.objects.create(brand=world.alpha, market=world.ke, planned_annual_volume=1200)

    outcome = evaluate_coverage_report.apply_async(args=[report.pk], queue=celery_worker_process).get(timeout=60)

    report.refresh_from_db()
    assert outcome == {"id": report.pk, "status": "done", "passed": False}
    assert report.status == "done"
    assert report.metrics["required_service_centres"] == 2
    assert report.metrics["qualifying_service_centres"] == 1
    assert len(report.fingerprint) == 64
    first_computed_at = report.computed_at

    # Redelivery (acks_late) must not compute or store anything twice.
    evaluate_coverage_report.apply_async(args=[report.pk], queue=celery_worker_process).get(timeout=60)
    report.refresh_from_db()
    assert report.computed_at == first_computed_at


def test_the_task_is_acknowledged_late_and_retries_transient_errors():
    from django.db import InterfaceError, OperationalError

    assert evaluate_coverage_report.acks_late is True
    assert evaluate_coverage_report.reject_on_worker_lost is True
    assert set(evaluate_coverage_report.autoretry_for) == {OperationalError, InterfaceError}


@pytest.mark.django_db
def test_a_transient_database_error_is_retried(monkeypatch, world):
    from django.db import OperationalError

    from registry.coverage import services

    calls = {"n": 0}
    real = services.coverage_inputs

    def flaky(**kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(**kwargs)

    monkeypatch.setattr(services, "coverage_inputs", flaky)
    report = CoverageReport.objects.create(brand=world.alpha, market=world.ke, planned_annual_volume=10)
    evaluate_coverage_report.apply(args=[report.pk], throw=False)
    report.refresh_from_db()
    assert calls["n"] == 2
    assert report.status == "done"
