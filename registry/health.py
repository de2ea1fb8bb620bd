"""Health checks of the services the registry depends on, each timed."""

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connection


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    latency_ms: float
    error: str = ""

    def as_dict(self) -> dict:
        data = {"status": "ok" if self.ok else "down", "latency_ms": round(self.latency_ms, 2)}
        if self.error:
            data["error"] = self.error
        return data


def _timed(name: str, probe) -> Check:  # noqa: ANN001
    started = time.perf_counter()
    try:
        probe()
    except Exception as exc:  # noqa: BLE001 — any failure means the service is down
        return Check(name, False, (time.perf_counter() - started) * 1000, f"{type(exc).__name__}: {exc}"[:300])
    return Check(name, True, (time.perf_counter() - started) * 1000)


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _cache() -> None:
    cache.set("healthz", "1", 10)
    if cache.get("healthz") != "1":
        raise RuntimeError("the cache did not return what was written")


def _broker() -> None:
    import redis

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    finally:
        client.close()


def health_checks() -> list[Check]:
    """The database, the cache and, when Celery has a real broker, the broker."""
    checks = [_timed("database", _database), _timed("cache", _cache)]
    if settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        checks.append(_timed("broker", _broker))
    return checks
