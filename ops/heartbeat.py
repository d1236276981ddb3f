"""Worker heartbeats that /readyz/ reads from the web processes.

Each Celery worker writes ``stagegate:worker-heartbeat:<hostname>`` into the broker's Redis every
WORKER_HEARTBEAT_INTERVAL seconds, with WORKER_HEARTBEAT_MAX_AGE as its time to live, and deletes it
when it stops. A key present therefore means "a worker wrote within the last WORKER_HEARTBEAT_MAX_AGE
seconds", by Redis's clock alone (no clock comparison between machines). A worker killed outright
leaves its key to expire.

The broker's Redis rather than the Django cache: the heartbeat says that a worker is connected to
the broker, and it must not vanish with a cache flush. Imported by config/celery.py before Django's
apps load, so nothing here imports a model.
"""

from __future__ import annotations

import logging
import threading
import time

import redis
from celery import Celery, bootsteps

logger = logging.getLogger(__name__)

KEY_PREFIX = "stagegate:worker-heartbeat:"
# Connecting and each command: a Redis that stops answering never holds a worker thread or a probe.
SOCKET_TIMEOUT_SECONDS = 2


def heartbeat_key(hostname: str) -> str:
    return f"{KEY_PREFIX}{hostname}"


def redis_client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=SOCKET_TIMEOUT_SECONDS,
                                socket_connect_timeout=SOCKET_TIMEOUT_SECONDS)


def is_redis_url(url: str | None) -> bool:
    return bool(url) and str(url).startswith(("redis://", "rediss://", "unix://"))


class _Beat(threading.Thread):
    """Writes the heartbeat until told to stop; a thread, so a long task in the pool never delays it."""

    def __init__(self, client: redis.Redis, key: str, interval: int, max_age: int) -> None:
        super().__init__(name="stagegate-heartbeat", daemon=True)
        self.client, self.key, self.interval, self.max_age = client, key, interval, max_age
        self.stopped = threading.Event()

    def write(self) -> None:
        try:
            self.client.set(self.key, f"{time.time():.0f}", ex=self.max_age)
        except redis.RedisError:
            # The broker is down: the worker cannot take tasks either, and the key expires on its own.
            logger.warning("worker heartbeat not written: Redis unreachable")

    def run(self) -> None:
        while not self.stopped.is_set():
            self.write()
            self.stopped.wait(self.interval)

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=SOCKET_TIMEOUT_SECONDS * 2)
        try:
            self.client.delete(self.key)
        except redis.RedisError:
            logger.warning("worker heartbeat not deleted: Redis unreachable (it expires on its own)")
        self.client.close()


class HeartbeatStep(bootsteps.StartStopStep):
    """A consumer step: runs while the worker is connected to the broker (stopped on a lost connection)."""

    requires = {"celery.worker.consumer.tasks:Tasks"}

    def __init__(self, parent, **kwargs) -> None:
        super().__init__(parent, **kwargs)
        self.beat: _Beat | None = None

    def start(self, parent) -> None:
        from django.conf import settings  # the worker has loaded them by now

        url = parent.app.conf.broker_url
        if not is_redis_url(url):
            return  # the in-memory broker of the embedded default: no worker to report
        self.beat = _Beat(redis_client(url), heartbeat_key(parent.hostname),
                          settings.WORKER_HEARTBEAT_INTERVAL, settings.WORKER_HEARTBEAT_MAX_AGE)
        self.beat.start()

    def stop(self, parent) -> None:
        if self.beat is not None:
            self.beat.stop()
            self.beat = None

    shutdown = stop


def install_heartbeat(app: Celery) -> None:
    """Every worker of ``app`` keeps a heartbeat in Redis while it is connected to the broker."""
    app.steps["consumer"].add(HeartbeatStep)


def live_workers(url: str, *, limit: int = 100) -> list[str]:
    """Hostnames of the workers with a heartbeat younger than WORKER_HEARTBEAT_MAX_AGE (at most ``limit``)."""
    client = redis_client(url)
    try:
        keys = []
        for key in client.scan_iter(match=f"{KEY_PREFIX}*", count=100):
            keys.append(key.decode()[len(KEY_PREFIX):])
            if len(keys) >= limit:
                break
        return keys
    finally:
        client.close()
