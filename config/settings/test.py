"""Test settings: the same stack, faster password hashing."""

import os

from .base import *  # noqa: F403
from .env import env_str

SECRET_KEY = env_str("SECRET_KEY", "test-insecure-key")
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = BASE_DIR / "var" / "test-media"  # noqa: F405

# An on-disk SQLite test database, so WAL and locking behave as in production
# (the in-memory default would hide "database is locked").
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    (BASE_DIR / "var").mkdir(exist_ok=True)  # noqa: F405
    # One file per test process: two runs at once (a developer's and CI's, or two sessions') never
    # share, and so never delete, each other's database. pytest-django removes it at the end.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / f"test-db-{os.getpid()}.sqlite3")}  # noqa: F405
