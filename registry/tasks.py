"""Celery tasks: thin wrappers that call services and selectors (STYLE.md).

A task takes and returns JSON-serialisable values only (ids, codes, plain dicts), looks its
objects up again inside the worker, and leaves the work itself to a service, so the same code
path runs eagerly in the embedded default and in a worker in production. Add new tasks below,
one section per area, in the same shape.
"""

import os
from typing import Any

from celery import Task, shared_task
from celery.signals import task_postrun, task_prerun
from django.db import InterfaceError, OperationalError, connection

from registry import mail
from registry.audit.context import reset_source, set_source
from registry.coverage.services import coverage_report_compute
from registry.health import health_checks

# --- Operations ---------------------------------------------------------------------------


@shared_task(bind=True)
def healthcheck(self: Task) -> dict[str, Any]:
    """Run the health checks inside whichever process executes the task.

    Through a worker this proves the worker reaches the database, the cache and the broker;
    ``hostname`` (the worker's node name, or the machine's name when run eagerly), ``pid`` and
    ``database_name`` tell which process answered and which database it used.
    """
    checks = health_checks()
    return {
        "hostname": self.request.hostname,
        "pid": os.getpid(),
        "database_name": str(connection.settings_dict["NAME"]),
        "ok": all(check.ok for check in checks),
        "checks": {check.name: check.as_dict() for check in checks},
    }


# --- Audit source ---------------------------------------------------------------------------
# Every write a task makes is audited as coming from that task ("task:<name>:<id>").

_source_tokens: dict[str, Any] = {}


@task_prerun.connect
def _tag_audit_source(task_id: str | None = None, task: Task | None = None, **kwargs: Any) -> None:
    if task_id is not None:
        _source_tokens[task_id] = set_source(f"task:{getattr(task, 'name', '?')}:{task_id}")


@task_postrun.connect
def _untag_audit_source(task_id: str | None = None, **kwargs: Any) -> None:
    token = _source_tokens.pop(task_id, None) if task_id is not None else None
    if token is not None:
        reset_source(token)


# --- Mail -----------------------------------------------------------------------------------

send_email = mail.send_email


# --- Coverage -------------------------------------------------------------------------------


@shared_task(
    name="registry.evaluate_coverage_report",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_backoff_max=60,
    max_retries=5,
)
def evaluate_coverage_report(report_id: int) -> dict[str, Any]:
    """Compute one coverage report. Idempotent (a finished report is left alone), acknowledged
    only once done, and retried on transient database errors."""
    report = coverage_report_compute(report_id=report_id)
    return {"id": report.pk, "status": report.status, "passed": report.passed}
