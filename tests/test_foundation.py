"""The foundation: health endpoint, API schema and docs, settings from the environment, i18n."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from registry import health

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter whose environment holds only PATH and ``env``."""
    clean_env = {"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "config.settings", **env}
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, env=clean_env, capture_output=True, text=True, timeout=60
    )


# --- /healthz ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_healthz_answers_200_with_each_check_while_the_database_is_up(client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    body = response.json()
    assert body["status"] in {"ok", "degraded"}
    for name in ("database", "cache"):
        assert body[name]["status"] == "ok"
        assert isinstance(body[name]["latency_ms"], int | float)
    assert ("broker" in body) == django_settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://"))


@pytest.mark.django_db
def test_healthz_answers_503_when_the_database_check_fails(client, monkeypatch) -> None:
    def database_down() -> None:
        raise ConnectionError("connection refused")

    monkeypatch.setattr(health, "_database", database_down)

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["database"]["status"] == "down"
    assert "connection refused" in body["database"]["error"]


@pytest.mark.django_db
def test_healthz_reports_an_unreachable_broker_without_failing(client, settings) -> None:
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"

    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["broker"]["status"] == "down"
    assert body["broker"]["error"]


# --- API schema and docs -----------------------------------------------------------------


@pytest.mark.django_db
def test_api_schema_is_openapi_3(client) -> None:
    response = client.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    assert json.loads(response.content)["openapi"].startswith("3")


@pytest.mark.django_db
def test_api_docs_load_only_local_assets(client) -> None:
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    references = re.findall(r"<(?:script|link)\b[^>]*?\b(?:src|href)\s*=\s*[\"']([^\"']+)", html, re.IGNORECASE)
    assert references, "the docs page loads no script or stylesheet at all"
    external = [url for url in references if re.match(r"(https?:)?//", url, re.IGNORECASE)]
    assert external == []


# --- Settings from the environment -------------------------------------------------------


def test_settings_refuse_to_load_without_secret_key_when_debug_is_off() -> None:
    result = _run_python("import django; django.setup()")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_settings_load_without_secret_key_when_debug_is_on() -> None:
    result = _run_python("import django; django.setup()", DEBUG="true")

    assert result.returncode == 0, result.stderr


_PRINT_BACKENDS = """
import json, django
django.setup()
from django.conf import settings
from config.celery import app
print(json.dumps({
    "cache": settings.CACHES["default"]["BACKEND"],
    "eager": app.conf.task_always_eager,
    "broker": app.conf.broker_url,
}))
"""


def test_redis_url_switches_cache_and_broker_to_redis() -> None:
    result = _run_python(_PRINT_BACKENDS, SECRET_KEY="test", REDIS_URL="redis://x:6379/0")

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "cache": "django.core.cache.backends.redis.RedisCache",
        "eager": False,
        "broker": "redis://x:6379/0",
    }


def test_without_redis_url_tasks_run_eagerly_and_the_cache_is_local_memory() -> None:
    result = _run_python(_PRINT_BACKENDS, SECRET_KEY="test")

    assert result.returncode == 0, result.stderr
    backends = json.loads(result.stdout)
    assert backends["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert backends["eager"] is True


# --- i18n and time -----------------------------------------------------------------------


def test_the_seven_interface_languages_are_configured() -> None:
    codes = [code for code, _name in django_settings.LANGUAGES]

    assert sorted(codes) == sorted(["en", "zh-hans", "es", "fr", "pt", "ru", "ar"])
    assert django_settings.LANGUAGE_CODE == "en"


def test_time_is_kept_in_utc() -> None:
    assert django_settings.TIME_ZONE == "UTC"
    assert django_settings.USE_TZ is True
