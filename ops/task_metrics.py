"""Celery task counts, outcomes and durations, kept where every web process's /metrics can read them.

Workers are other processes (often other machines) than the web processes Prometheus scrapes, so each
finished run is added to counters in Redis (one hash, ``stagegate:metrics:tasks``) and the scrape reads
them back (ops.collectors.TaskCollector). In the embedded default (no REDIS_URL) tasks run inside the web
process, and the counters are kept in its memory. Recording never fails a task.

Imported by config/celery.py (through ops.logs) before Django's apps are loaded: no model imports here.
"""

from __future__ import annotations

import functools
import logging
import math
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import redis
from celery import Celery
from celery.signals import task_postrun, task_prerun
from django.conf import settings

logger = logging.getLogger(__name__)

REDIS_KEY = "stagegate:metrics:tasks"
# Seconds: reminder mails take well under one, board packs and dossiers several; the hard limit is 300.
DURATION_BUCKETS: tuple[float, ...] = (0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, math.inf)
_TIMEOUT_SECONDS = 2  # a scrape or a task waits at most this long for Redis


@dataclass
class TaskStats:
    """What the workers recorded for one task name."""

    states: Counter[str] = field(default_factory=Counter)
    buckets: Counter[float] = field(default_factory=Counter)  # runs per bucket, not cumulative
    duration_sum: float = 0.0
    runs: int = 0


def bucket_for(seconds: float) -> float:
    return next(bound for bound in DURATION_BUCKETS if seconds <= bound)


def _bucket_label(bound: float) -> str:
    return "+Inf" if math.isinf(bound) else repr(bound)


@functools.cache
def _redis(url: str) -> redis.Redis:
    # One pool per process and URL; redis-py opens fresh connections in a forked child.
    return redis.Redis.from_url(url, socket_timeout=_TIMEOUT_SECONDS, socket_connect_timeout=_TIMEOUT_SECONDS)


def redis_client() -> redis.Redis | None:
    """The broker's Redis (settings.REDIS_URL), or None in the embedded default."""
    return _redis(settings.REDIS_URL) if settings.REDIS_URL else None


_memory: dict[str, TaskStats] = {}
_memory_lock = threading.Lock()


def record(task: str, state: str, seconds: float) -> None:
    """Count one finished run of ``task``: its state (success, failure, retry, ...) and its duration."""
    bound = bucket_for(seconds)
    client = redis_client()
    if client is None:
        with _memory_lock:
            stats = _memory.setdefault(task, TaskStats())
            stats.states[state] += 1
            stats.buckets[bound] += 1
            stats.duration_sum += seconds
            stats.runs += 1
        return
    pipe = client.pipeline(transaction=False)
    pipe.hincrby(REDIS_KEY, f"{task}|state|{state}", 1)
    pipe.hincrby(REDIS_KEY, f"{task}|le|{_bucket_label(bound)}", 1)
    pipe.hincrbyfloat(REDIS_KEY, f"{task}|sum", seconds)
    pipe.hincrby(REDIS_KEY, f"{task}|runs", 1)
    pipe.execute()


def read() -> dict[str, TaskStats]:
    """Every task's counters so far (raises redis.RedisError when Redis does not answer)."""
    client = redis_client()
    if client is None:
        with _memory_lock:
            return {task: TaskStats(Counter(s.states), Counter(s.buckets), s.duration_sum, s.runs)
                    for task, s in _memory.items()}
    stats: dict[str, TaskStats] = {}
    for raw_field, raw_value in client.hgetall(REDIS_KEY).items():
        parts = raw_field.decode().split("|")
        task, kind, value = parts[0], parts[1], float(raw_value)
        entry = stats.setdefault(task, TaskStats())
        if kind == "state" and len(parts) == 3:
            entry.states[parts[2]] += int(value)
        elif kind == "le" and len(parts) == 3:
            entry.buckets[float(parts[2])] += int(value)
        elif kind == "sum":
            entry.duration_sum += value
        elif kind == "runs":
            entry.runs += int(value)
    return stats


def outcome(state: str | None) -> str:
    """The state label of a finished run: success, failure, retry, ignored, ...

    A run whose exception went on to its caller (an eager run with CELERY_TASK_EAGER_PROPAGATES) ends
    with no state: it failed.
    """
    return state.lower() if state else "failure"


_started: dict[str, float] = {}


def _task_started(task_id: str | None = None, **kwargs: Any) -> None:
    if task_id:
        _started[task_id] = time.monotonic()


def _task_finished(task_id: str | None = None, task: Any = None, state: str | None = None, **kwargs: Any) -> None:
    started = _started.pop(task_id or "", None)
    if task is None or started is None:
        return
    try:
        record(task.name, outcome(state), time.monotonic() - started)
    except redis.RedisError as exc:
        logger.warning("Task metrics not recorded for %s: %s", task.name, exc)


def install_task_metrics(app: Celery) -> None:
    """Count every task run in this process: a worker's, or an eager one in the embedded default.

    task_postrun comes after every run whatever its end (success, failure, retry), with the state.
    """
    task_prerun.connect(_task_started, dispatch_uid="ops.task_metrics.started", weak=False)
    task_postrun.connect(_task_finished, dispatch_uid="ops.task_metrics.finished", weak=False)
