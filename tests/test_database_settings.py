"""Settings that follow from the environment: database options, and manage.py's development default."""

import subprocess
import sys


def _settings(env_extra):
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.DATABASES['default'].get('OPTIONS', {}), default=str))"
    )
    env = {"DJANGO_SETTINGS_MODULE": "config.settings", "SECRET_KEY": "x", "PATH": "/usr/bin:/bin", **env_extra}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)  # noqa: S603
    return out.stdout


def test_postgresql_binds_parameters_on_the_server_by_default():
    assert '"server_side_binding": true' in _settings({"DATABASE_URL": "postgres://u@127.0.0.1:5432/x"})
    off = _settings({"DATABASE_URL": "postgres://u@127.0.0.1:5432/x", "DATABASE_SERVER_SIDE_BINDING": "false"})
    assert '"server_side_binding": false' in off


def test_sqlite_uses_wal_and_waits_for_locks():
    options = _settings({})
    assert "journal_mode=WAL" in options
    assert '"timeout": 20' in options


def test_manage_py_runs_as_development_only_without_any_production_configuration():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    base = {"PATH": "/usr/bin:/bin"}
    dev = subprocess.run([sys.executable, "manage.py", "check"], cwd=root, env=base, capture_output=True, text=True)
    assert dev.returncode == 0, dev.stderr
    refused = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=root, env={**base, "DEBUG": "false"}, capture_output=True, text=True
    )
    assert refused.returncode != 0
    assert "SECRET_KEY is required" in refused.stderr
