"""Typed environment helpers that fail loudly.

A malformed value is a deployment mistake; we refuse to start rather than
guess, in the spirit of healthchecks' ``hc/settings.py``.
"""

from __future__ import annotations

import os
import re
import warnings
from urllib.parse import parse_qs, urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"Environment variable {name} is required.")
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    lowered = raw.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use true/false).")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_database(name: str, default: str) -> dict:
    url = env_str(name, default)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            config = environ.Env.db_url_config(url)
    except Exception as exc:  # django-environ raises several types
        raise ImproperlyConfigured(f"{name} is not a database URL: {exc}") from exc
    if not config.get("ENGINE"):
        raise ImproperlyConfigured(f"{name}={url!r} names no database engine we know (sqlite://, postgres://).")
    return config


def env_email(name: str, default: str) -> dict:
    url = env_str(name, default)
    try:
        return environ.Env.email_url_config(url)
    except Exception as exc:
        raise ImproperlyConfigured(f"{name} is not an email URL: {exc}") from exc


# What STORAGE_URL may carry after "s3://<bucket>[/<prefix>]?", and the S3Storage option each one sets.
_S3_QUERY = {"endpoint_url": "endpoint_url", "region": "region_name", "addressing_style": "addressing_style"}
_S3_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_S3_PREFIX = re.compile(r"[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*")
_S3_REGION = re.compile(r"[a-z0-9-]{1,32}")
# A download is read into memory up to this size, then spooled to a temporary file.
_S3_MEMORY_BYTES = 2 * 1024 * 1024


def env_storage(name: str) -> dict:
    """STORAGES["default"] from ``name``: the local filesystem under MEDIA_ROOT when unset or empty, or a
    private S3-compatible bucket for ``s3://<bucket>[/<prefix>][?endpoint_url=...&region=...&addressing_style=...]``.
    Credentials never ride in the URL: boto3 reads AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or an
    instance role), so the URL can be logged and shown."""
    url = os.environ.get(name, "").strip()
    if not url:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": _s3_options(name, url)}


def _s3_options(name: str, url: str) -> dict:
    shown = re.sub(r"//[^/@?#]*@", "//***@", url)  # a secret put in the URL by mistake is not echoed

    def refuse(why: str) -> ImproperlyConfigured:
        return ImproperlyConfigured(f"{name}={shown!r}: {why} Expected s3://<bucket>[/<prefix>][?endpoint_url=...]")

    try:
        parts = urlsplit(url)
        query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    except ValueError:
        raise refuse("not a URL.") from None
    if parts.scheme != "s3":
        raise refuse("only s3:// is supported (leave it unset for the local filesystem).")
    if "@" in parts.netloc:
        raise refuse("credentials do not belong in the URL; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.")
    if not _S3_BUCKET.fullmatch(parts.netloc):
        raise refuse("the bucket name must be 3-63 lower-case letters, digits, dots or hyphens.")
    prefix = parts.path.strip("/")
    if prefix and (not _S3_PREFIX.fullmatch(prefix) or {".", ".."} & set(prefix.split("/"))):
        raise refuse("the prefix may hold letters, digits, '.', '_', '-' and '/' (no '.' or '..' parts).")
    if unknown := sorted(set(query) - set(_S3_QUERY)):
        raise refuse(f"unknown parameter {', '.join(unknown)} (known: {', '.join(_S3_QUERY)}).")
    if parts.fragment:
        raise refuse("a #fragment means nothing here.")
    if any(len(values) != 1 or not values[0] for values in query.values()):
        raise refuse("give each query parameter once, with a value.")
    settings = {_S3_QUERY[key]: values[0] for key, values in query.items()}
    try:
        endpoint = urlsplit(settings.get("endpoint_url", "https://s3.amazonaws.com"))
        port_ok = endpoint.port is None or endpoint.port > 0
    except ValueError:
        port_ok = False
    if not (port_ok and endpoint.scheme in {"http", "https"} and endpoint.hostname and endpoint.path in {"", "/"}):
        raise refuse("endpoint_url must be http(s)://host[:port].")
    if "region_name" in settings and not _S3_REGION.fullmatch(settings["region_name"]):
        raise refuse("region must look like eu-west-2.")
    if settings.get("addressing_style", "path") not in {"path", "virtual"}:
        raise refuse("addressing_style must be path or virtual.")
    return {
        "bucket_name": parts.netloc,
        "location": prefix,
        **settings,
        # Private objects: no ACL of our own (the bucket's, which must block public access), and any URL
        # the library makes is signed and short-lived; downloads stream through permission-checked views.
        "default_acl": None,
        "querystring_auth": True,
        "querystring_expire": 60,
        # Never replace an object silently: a name already taken gets a suffix, as on the local disk.
        "file_overwrite": False,
        "max_memory_size": _S3_MEMORY_BYTES,
    }

