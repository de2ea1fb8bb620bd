"""Tasks reach the worker, and the worker reaches the database, the cache and the broker."""

import os
import socket

import pytest
from celery.result import EagerResult
from django.conf import settings

from registry.tasks import healthcheck


@pytest.mark.worker
def test_healthcheck_runs_in_a_real_worker_that_reaches_the_test_database(
    celery_worker_process: str, celery_not_eager: None, transactional_db: None
) -> None:
    result = healthcheck.apply_async(queue=celery_worker_process)

    report = result.get(timeout=30)

    assert not isinstance(result, EagerResult)
    assert report["pid"] != os.getpid()
    assert report["hostname"] != socket.gethostname()
    assert report["hostname"].startswith(f"{celery_worker_process}@")
    assert report["database_name"] == settings.DATABASES["default"]["NAME"]
    assert report["checks"]["database"]["status"] == "ok"
    assert report["checks"]["cache"]["status"] == "ok"
    assert report["checks"]["broker"]["status"] == "ok"


@pytest.mark.django_db
def test_healthcheck_runs_in_the_test_process_when_eager() -> None:
    result = healthcheck.delay()

    report = result.get()

    assert isinstance(result, EagerResult)
    assert report["pid"] == os.getpid()
    assert report["hostname"] == socket.gethostname()
    assert report["ok"] is True
    assert report["checks"]["database"]["status"] == "ok"
    assert report["checks"]["cache"]["status"] == "ok"
