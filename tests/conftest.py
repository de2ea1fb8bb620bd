"""Fixtures shared by the whole suite. Model factories live in tests/factories.py.

What every test gets without asking:
- an empty cache (throttle counters and cached lookups never leak from one test to the next);
  on Redis the tests use a database number of their own, so clearing it never touches the
  Celery broker's keys;
- Celery tasks run eagerly in the test process, also when ``REDIS_URL`` is set, so the suite
  behaves the same on SQLite and on PostgreSQL + Redis; a test that wants the real worker asks
  for ``celery_worker_process`` and ``celery_not_eager``;
- uploaded files under a temporary MEDIA_ROOT, and plain static-file storage (the manifest
  storage of production needs ``collectstatic`` first).

Browser tests (marked ``browser``) are skipped when no Chromium is found at ``$CHROMIUM`` or
/usr/bin/chromium.
"""

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CHROMIUM = "/usr/bin/chromium"
WORKER_START_TIMEOUT_S = 30
WORKER_STOP_TIMEOUT_S = 15


# --- Browser ------------------------------------------------------------------------------


def chromium_executable() -> str | None:
    """The Chromium binary browser tests drive, or None when there is none."""
    return shutil.which(os.environ.get("CHROMIUM") or DEFAULT_CHROMIUM)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if chromium_executable():
        return
    skip = pytest.mark.skip(reason="Chromium not found: browser tests skipped (apt-get install chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Path of the Chromium binary (for Playwright's ``executable_path``)."""
    path = chromium_executable()
    if path is None:
        pytest.skip("Chromium not found: browser tests skipped (apt-get install chromium)")
    return path


# --- Settings every test runs under -------------------------------------------------------


def _separate_redis_database(location: str) -> str:
    """The same Redis server on a database number the broker does not use."""
    parts = urlsplit(location)
    broker_db = (parts.path or "/0").strip("/") or "0"
    test_db = "14" if broker_db == "15" else "15"
    return urlunsplit(parts._replace(path=f"/{test_db}"))


@pytest.fixture(scope="session", autouse=True)
def _test_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    caches = {alias: dict(config) for alias, config in settings.CACHES.items()}
    for config in caches.values():
        if config["BACKEND"].endswith("RedisCache") and str(config["LOCATION"]).startswith(("redis://", "rediss://")):
            config["LOCATION"] = _separate_redis_database(str(config["LOCATION"]))
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(
        CACHES=caches,
        STORAGES=storages,
        STATIC_ROOT=tmp_path_factory.mktemp("static"),  # quiets WhiteNoise's "no directory" warning
        MEDIA_ROOT=tmp_path_factory.mktemp("media"),
    ):
        yield


@pytest.fixture(autouse=True)
def _empty_cache(_test_settings: None) -> None:
    cache.clear()


@pytest.fixture(autouse=True)
def _celery_runs_eagerly() -> Iterator[None]:
    from config.celery import app

    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


# --- Clients ------------------------------------------------------------------------------


@pytest.fixture
def api_client():
    """An anonymous DRF test client; ``api_client.force_authenticate(user=…)`` to act as someone."""
    from rest_framework.test import APIClient

    return APIClient()


# --- A real Celery worker -----------------------------------------------------------------


@pytest.fixture
def celery_not_eager() -> Iterator[None]:
    """Send tasks to the broker instead of running them in the test process."""
    from config.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = saved


def _worker_database_url() -> str:
    """DATABASE_URL of the test database in use, for a process outside this one."""
    db = settings.DATABASES["default"]
    engine, name = db["ENGINE"], str(db["NAME"])
    if engine == "django.db.backends.sqlite3":
        if name == ":memory:" or "mode=memory" in name:
            pytest.skip(
                "the SQLite test database lives in memory, where a worker process cannot see it: "
                "run with DATABASE_URL=postgres://… for the worker tests"
            )
        return f"sqlite:///{name}"
    if engine == "django.db.backends.postgresql":
        user, password = db.get("USER") or "", db.get("PASSWORD") or ""
        credentials = quote(user, safe="") + (f":{quote(password, safe='')}" if password else "")
        host = quote(db.get("HOST") or "", safe="")  # a socket directory travels percent-encoded
        port = f":{db['PORT']}" if db.get("PORT") else ""
        options = {key: value for key, value in (db.get("OPTIONS") or {}).items() if isinstance(value, str | int)}
        query = f"?{urlencode(options)}" if options else ""
        return f"postgres://{credentials}{'@' if credentials else ''}{host}{port}/{quote(name, safe='')}{query}"
    pytest.skip(f"no worker DATABASE_URL can be built for {engine}")


def _log_tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no worker log)"


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.terminate()  # warm shutdown: finishes the task in hand
    try:
        process.wait(timeout=WORKER_STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real ``celery worker`` subprocess on the test database; yields the queue it consumes.

    The queue name is unique to this test session, so a worker started elsewhere against the
    same Redis never takes the tests' tasks: send with ``task.apply_async(queue=<that name>)``.
    Tests using it also need ``celery_not_eager`` and ``transactional_db`` (the worker sees
    committed data only). The worker's node name is ``<queue>@<host>``.
    """
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url:
        pytest.skip("REDIS_URL not set: a real Celery worker needs Redis as its broker")
    database_url = _worker_database_url()

    import redis

    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=2).ping()
    except redis.RedisError as exc:
        pytest.fail(f"REDIS_URL is set but Redis does not answer: {exc}")

    from config.celery import app

    queue = f"test-{uuid.uuid4().hex[:12]}"
    log_path = tmp_path_factory.mktemp("celery") / "worker.log"
    command = [
        sys.executable, "-m", "celery", "-A", "config", "worker",
        "--pool=solo", "--concurrency=1", "-Q", queue, "--loglevel=INFO",
        f"--hostname={queue}@%h",
        # Nothing to sync with other workers: skipping it saves seconds at start.
        "--without-mingle", "--without-gossip",
    ]  # fmt: skip
    env = {**os.environ, "DATABASE_URL": database_url}
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    try:
        deadline = time.monotonic() + WORKER_START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                pytest.fail(f"the Celery worker exited with {process.returncode}:\n{_log_tail(log_path)}")
            replies = app.control.ping(timeout=0.5)
            if any(node.startswith(f"{queue}@") for reply in replies for node in reply):
                break
            if time.monotonic() > deadline:
                pytest.fail(
                    f"the Celery worker did not answer a ping within {WORKER_START_TIMEOUT_S} s:\n{_log_tail(log_path)}"
                )
        yield queue
    finally:
        _stop(process)
        # The broker keeps a binding per queue; a queue name is never used again, so drop them.
        client = redis.Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=2)
        for key in client.scan_iter(match=f"*{queue}*"):
            client.delete(key)
