"""The probes a load balancer or an orchestrator calls: /healthz/ (alive) and /readyz/ (ready for traffic)."""

import time
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command

from ops.heartbeat import heartbeat_key, redis_client
from tests.celery_support import celery_conf, drop_broker_connections, real_worker

CHECKS = ["database", "migrations", "cache", "broker", "workers", "storage"]
CLOSED_PORT = "redis://127.0.0.1:1/0"
OWN_BROKER_DB = 13  # no other test uses it

needs_redis = pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (REDIS_URL)")


def readiness(client):
    response = client.get("/readyz/")
    body = response.json()
    assert list(body["checks"]) == CHECKS
    assert "no-store" in response["Cache-Control"]
    return response.status_code, body


def test_healthz_answers_without_a_session_and_is_never_cached(client):
    response = client.get("/healthz/")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
@pytest.mark.skipif(bool(settings.REDIS_URL), reason="the embedded default (no REDIS_URL)")
def test_the_embedded_default_is_ready_without_broker_or_workers(client):
    status, body = readiness(client)
    assert status == 200 and body["status"] == "ok"
    assert {name: body["checks"][name] for name in ("database", "migrations", "cache", "storage")} == dict.fromkeys(
        ("database", "migrations", "cache", "storage"), "ok")
    assert body["checks"]["broker"].startswith("skipped: ")
    assert body["checks"]["workers"].startswith("skipped: ")


# transaction=True: the checks run on connections of their own, which must see the migration undone.
# serialized_rollback: undoing it deletes a beat schedule that later tests rely on.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_unapplied_migration_makes_the_process_not_ready(client):
    # The last reports migration seeds a beat schedule: undone, the database is one migration behind the code.
    call_command("migrate", "reports", "0006", verbosity=0)
    try:
        status, body = readiness(client)
    finally:
        call_command("migrate", "reports", verbosity=0)
    assert (status, body["status"]) == (503, "fail")
    assert body["checks"]["migrations"] == "fail: 1 unapplied migration"
    assert body["checks"]["database"] == "ok"

    assert readiness(client)[1]["checks"]["migrations"] == "ok"


@pytest.mark.django_db
def test_storage_that_cannot_be_written_makes_the_process_not_ready(client, settings, tmp_path):
    # A file where the media directory should be: no directory can be made there, not even by root.
    (tmp_path / "mount").write_text("not a directory")
    settings.MEDIA_ROOT = tmp_path / "mount" / "media"
    response = client.get("/readyz/")
    assert (response.status_code, response.json()["status"]) == (503, "fail")
    assert response.json()["checks"]["storage"] == "fail: not writable"
    assert str(tmp_path) not in response.content.decode()


@pytest.mark.django_db
def test_a_dead_broker_and_cache_fail_fast_and_say_nothing_of_where_they_are(client, settings):
    settings.CELERY_BROKER_URL = "redis://:s3cret-password@127.0.0.1:1/0"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CLOSED_PORT}}
    started = time.monotonic()
    response = client.get("/readyz/")
    elapsed = time.monotonic() - started

    body = response.json()
    assert response.status_code == 503 and elapsed < 3
    assert body["checks"]["broker"] == "fail: unreachable"
    assert body["checks"]["cache"] == "fail: unreachable"
    assert body["checks"]["workers"] == "fail: Redis unreachable"
    assert body["checks"]["database"] == "ok"
    text = response.content.decode()
    assert "s3cret" not in text and "127.0.0.1" not in text


@pytest.fixture
def own_broker(settings):
    """The worker and the probe on a Redis database of this test's own: any other worker on the shared
    Redis (another checkout's, one left running) would keep the probe ready after this one stops."""
    url = urlsplit(settings.REDIS_URL)._replace(path=f"/{OWN_BROKER_DB}").geturl()
    settings.CELERY_BROKER_URL = url
    client = redis_client(url)
    for key in client.scan_iter(match=heartbeat_key("*")):  # left by a run killed mid-test
        client.delete(key)
    client.close()
    drop_broker_connections()
    try:
        with celery_conf(broker_url=url):
            yield url
    finally:
        drop_broker_connections()


# A real worker: one at a time, with the suite's other real-worker tests.
@pytest.mark.redis
@pytest.mark.xdist_group("real-worker")
@needs_redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_ready_with_a_worker_and_not_ready_once_it_stops(client, own_broker):
    with real_worker():
        status, body = readiness(client)
        assert (status, body) == (200, {"status": "ok", "checks": dict.fromkeys(CHECKS, "ok")})

    # A worker stopping deletes its heartbeat: the next probe says so.
    status, body = readiness(client)
    assert (status, body["status"]) == (503, "fail")
    assert body["checks"]["workers"] == f"fail: no worker heartbeat in {settings.WORKER_HEARTBEAT_MAX_AGE} s"
    assert body["checks"]["broker"] == "ok"
