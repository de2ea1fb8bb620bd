"""Celery tasks: thin wrappers that call services and selectors (STYLE.md).

A task takes and returns JSON-serialisable values only (ids, codes, plain dicts), looks its
objects up again inside the worker, and leaves the work itself to a service, so the same code
path runs eagerly in the embedded default and in a worker in production. Add new tasks below,
one section per area, in the same shape.
"""

import os
from typing import Any

from celery import Task, shared_task
from django.db import connection

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
