"""Settings come from the environment and fail loudly when they are wrong."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from config.settings import env

ROOT = Path(__file__).resolve().parents[2]


def _import_settings(module: str, **environ: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DJANGO_SETTINGS_MODULE"}}
    return subprocess.run(  # noqa: S603 - fixed interpreter and arguments
        [sys.executable, "-c", f"import {module}"],
        cwd=ROOT, env={**clean, **environ}, capture_output=True, text=True, timeout=60, check=False,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = _import_settings("config.settings.production")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_a_dev_key():
    result = _import_settings("config.settings.production", SECRET_KEY="dev-insecure-key-do-not-use-in-production")
    assert "SECRET_KEY must be set" in result.stderr


def test_production_starts_with_a_real_key():
    result = _import_settings("config.settings.production", SECRET_KEY="k" * 64)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("helper", "value"),
    [(env.env_bool, "maybe"), (env.env_int, "ten"), (env.env_database, "nonsense")],
)
def test_malformed_environment_values_fail_loudly(monkeypatch, helper, value):
    monkeypatch.setenv("STAGEGATE_PROBE", value)
    with pytest.raises(ImproperlyConfigured, match="STAGEGATE_PROBE"):
        helper("STAGEGATE_PROBE", "sqlite:///x.db" if helper is env.env_database else 0)


def test_env_list_and_bool_parse(monkeypatch):
    monkeypatch.setenv("STAGEGATE_HOSTS", "a.example, b.example,")
    monkeypatch.setenv("STAGEGATE_FLAG", "Yes")
    assert env.env_list("STAGEGATE_HOSTS", []) == ["a.example", "b.example"]
    assert env.env_bool("STAGEGATE_FLAG", False) is True


def test_sqlite_is_configured_for_concurrent_writers():
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("SQLite only")
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in db["OPTIONS"]["init_command"]
    assert db["OPTIONS"]["timeout"] >= 5


def test_celery_is_eager_exactly_when_redis_is_not_configured():
    assert settings.CELERY_TASK_ALWAYS_EAGER is (not settings.REDIS_URL)
