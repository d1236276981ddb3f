"""The readiness checks behind /readyz/: django-health-check's where it has one, ours where it has none.

Each check is a ``health_check.HealthCheck``: the library runs them side by side, each within its
timeout, and turns any exception into an error we translate into a short, fixed reason (so nothing a
driver or client library says, such as an address or a password in a URL, reaches the response).
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from health_check import Cache, Database, HealthCheck, Storage
from health_check.base import HealthCheckResult
from health_check.contrib.redis import Redis
from health_check.exceptions import HealthCheckException, ServiceUnavailable
from redis.asyncio import Redis as AsyncRedis

from ops.heartbeat import SOCKET_TIMEOUT_SECONDS, is_redis_url, live_workers

OK = "ok"

# The checks' own threads, never asyncio's default pool: leaving a request must not wait for a thread
# still stuck on a dead dependency (its client timeouts end it later).
_executor = ThreadPoolExecutor(max_workers=8, thread_name_prefix="readyz")


@dataclasses.dataclass
class Migrations(HealthCheck):
    """Every migration on disk is applied to the database."""

    alias: str = DEFAULT_DB_ALIAS

    def run(self) -> None:
        connection = connections[self.alias]
        try:
            with connection.temporary_connection():
                executor = MigrationExecutor(connection)
                plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except Exception as error:
            raise ServiceUnavailable("database unreachable") from error
        if plan:
            raise ServiceUnavailable(f"{len(plan)} unapplied migration{'s' if len(plan) != 1 else ''}")


@dataclasses.dataclass
class Workers(HealthCheck):
    """At least one Celery worker has written its heartbeat (ops.heartbeat) within its time to live."""

    url: str = dataclasses.field(default="", repr=False)

    def run(self) -> None:
        try:
            workers = live_workers(self.url, limit=1)
        except Exception as error:
            raise ServiceUnavailable("Redis unreachable") from error
        if not workers:
            raise ServiceUnavailable(f"no worker heartbeat in {settings.WORKER_HEARTBEAT_MAX_AGE} s")


# What a failure of each check says: generic on purpose (see the module docstring).
FAILURE_REASONS = {
    "database": "unreachable",
    "cache": "unreachable",
    "broker": "unreachable",
    "storage": "not writable",
}
# Our own checks raise with a message that is safe to show (counts and durations only).
OWN_MESSAGES = {"migrations", "workers"}


def _broker_client() -> AsyncRedis:
    return AsyncRedis.from_url(settings.CELERY_BROKER_URL, socket_timeout=SOCKET_TIMEOUT_SECONDS,
                               socket_connect_timeout=SOCKET_TIMEOUT_SECONDS)


def readiness_checks() -> tuple[dict[str, HealthCheck], dict[str, str]]:
    """The checks to run by name, and the ones skipped with why."""
    timeout = datetime.timedelta(seconds=settings.READINESS_CHECK_TIMEOUT)
    checks: dict[str, HealthCheck] = {
        "database": Database(),
        "migrations": Migrations(),
        "cache": Cache(timeout=timeout),
        "storage": Storage(),
    }
    skipped: dict[str, str] = {}
    if is_redis_url(settings.CELERY_BROKER_URL):
        checks["broker"] = Redis(client_factory=_broker_client)
        checks["workers"] = Workers(url=settings.CELERY_BROKER_URL)
    else:
        skipped["broker"] = skipped["workers"] = "no REDIS_URL: tasks run in the web process"
    for check in checks.values():
        check.timeout = timeout
    return checks, skipped


def _describe(name: str, result: HealthCheckResult, timeout: datetime.timedelta) -> str:
    if result.error is None:
        return OK
    message = result.error.message if isinstance(result.error, HealthCheckException) else ""
    if str(message).startswith("Timed out"):
        return f"fail: timed out after {timeout.total_seconds():g} s"
    if name in OWN_MESSAGES and message and result.error.__class__ is ServiceUnavailable:
        return f"fail: {message}"
    return f"fail: {FAILURE_REASONS.get(name, 'unavailable')}"


async def _run_all(checks: dict[str, HealthCheck]) -> list[HealthCheckResult]:
    return await asyncio.gather(*(check.get_result(_executor) for check in checks.values()))


def run_readiness_checks() -> dict[str, str]:
    """Each check's outcome in a fixed order: "ok", "fail: <reason>" or "skipped: <reason>"."""
    checks, skipped = readiness_checks()
    results = dict(zip(checks, asyncio.run(_run_all(checks)), strict=True))
    timeout = datetime.timedelta(seconds=settings.READINESS_CHECK_TIMEOUT)
    outcomes = {name: _describe(name, result, timeout) for name, result in results.items()}
    outcomes |= {name: f"skipped: {reason}" for name, reason in skipped.items()}
    order = ("database", "migrations", "cache", "broker", "workers", "storage")
    return {name: outcomes[name] for name in order}
