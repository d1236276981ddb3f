"""Test settings: the same stack, faster password hashing."""

import os
from urllib.parse import urlsplit

from .base import *  # noqa: F403
from .env import env_str

SECRET_KEY = env_str("SECRET_KEY", "test-insecure-key")
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# pytest-xdist runs the suite in several processes at once: each keeps its own files and cache keys
# (each also gets its own test database from pytest-django).
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
MEDIA_ROOT = BASE_DIR / "var" / f"test-media-{XDIST_WORKER}"  # noqa: F405
if REDIS_URL and XDIST_WORKER.startswith("gw"):  # noqa: F405
    # A Redis cache's clear() flushes its whole database: each worker's cache gets a database of its
    # own (1, 2, ...), away from the broker's, so one worker's clear() never drops another's keys or
    # the messages of a real Celery worker.
    CACHES["default"]["LOCATION"] = urlsplit(REDIS_URL)._replace(path=f"/{1 + int(XDIST_WORKER[2:]) % 15}").geturl()  # noqa: F405

# An on-disk SQLite test database, so WAL and locking behave as in production
# (the in-memory default would hide "database is locked").
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    (BASE_DIR / "var").mkdir(exist_ok=True)  # noqa: F405
    # One file per test process: two runs at once (a developer's and CI's, or two sessions') never
    # share, and so never delete, each other's database. pytest-django removes it at the end.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / f"test-db-{os.getpid()}.sqlite3")}  # noqa: F405
    # WAL and its locking as in production, without waiting for the disk at each commit: a test
    # database need not survive a power cut.
    DATABASES["default"]["OPTIONS"]["init_command"] = "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;"  # noqa: F405
