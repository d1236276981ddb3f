"""Test support for tasks: eager Celery, a mail server that goes away, a broker that is down.

Import the fixtures into a test module (``from tests.celery_support import eager, smtp_down``).
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from smtplib import SMTPServerDisconnected

import pytest
from celery import signals
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django_structlog.celery.receivers import CeleryReceiver

from config.celery import app

CLOSED_PORT_BROKER = "redis://127.0.0.1:1/0"


class FailingEmailBackend(BaseEmailBackend):
    """Raises SMTPServerDisconnected for the next ``failures`` sends (-1: every send), then delivers to locmem."""

    failures = 0
    attempts = 0

    def send_messages(self, email_messages):
        cls = type(self)
        cls.attempts += 1
        if cls.failures:
            if cls.failures > 0:
                cls.failures -= 1
            raise SMTPServerDisconnected("Connection unexpectedly closed")
        return LocmemBackend().send_messages(email_messages)


@pytest.fixture
def smtp_down(settings):
    """The mail server refuses every send until the test sets ``failures`` to 0 (or to a count)."""
    settings.EMAIL_BACKEND = "tests.celery_support.FailingEmailBackend"
    FailingEmailBackend.failures, FailingEmailBackend.attempts = -1, 0
    yield FailingEmailBackend
    FailingEmailBackend.failures, FailingEmailBackend.attempts = 0, 0


@contextlib.contextmanager
def celery_conf(**overrides):
    """Change the Celery app's configuration for a block; Django settings are read only once."""
    saved = {key: app.conf[key] for key in overrides}
    app.conf.update(overrides)
    try:
        yield app
    finally:
        app.conf.update(saved)


@pytest.fixture
def eager():
    """Tasks run in-process, also in the PostgreSQL + Redis run (where the settings queue them)."""
    with celery_conf(task_always_eager=True, task_eager_propagates=True):
        yield app


def drop_broker_connections() -> None:
    # The app caches its pools for the URL it first saw; the next use builds them for the current one.
    # (Not closed: kombu shares them per URL, so closing would break the next test on that URL.)
    app._pool = None
    app.amqp._producer_pool = None


@contextlib.contextmanager
def broker_down():
    """Celery publishes for real to a broker nobody listens on (a closed port)."""
    drop_broker_connections()
    try:
        with celery_conf(task_always_eager=False, broker_url=CLOSED_PORT_BROKER):
            yield app
    finally:
        drop_broker_connections()



# The signals django-structlog's worker step connects its receivers to (CeleryReceiver.connect_worker_signals).
_STRUCTLOG_SIGNALS = {
    "before_task_publish": signals.before_task_publish, "after_task_publish": signals.after_task_publish,
    "task_prerun": signals.task_prerun, "task_retry": signals.task_retry, "task_success": signals.task_success,
    "task_failure": signals.task_failure, "task_revoked": signals.task_revoked,
    "task_unknown": signals.task_unknown, "task_rejected": signals.task_rejected,
}


def worker_receivers_dropped(worker) -> None:
    """Disconnect the task-signal receivers the stopped ``worker``'s boot steps connected (django-structlog's):
    a worker process has one worker, but the tests start several in one process, and a receiver left
    behind would act on the next worker's tasks, or clear the context of a task run eagerly."""
    for step in worker.blueprint.order:
        receiver = getattr(step, "receiver", None)
        if isinstance(receiver, CeleryReceiver):
            for name, signal in _STRUCTLOG_SIGNALS.items():
                signal.disconnect(getattr(receiver, f"receiver_{name}"))


def _fresh_routing() -> None:
    # app.amqp caches the queues and router built from the configuration it first saw.
    app.__dict__.pop("amqp", None)


@contextlib.contextmanager
def root_logging_kept():
    # Starting a worker sets up Celery logging (the root level among it); later tests expect Django's.
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    try:
        yield
    finally:
        root.setLevel(level)
        root.handlers = handlers


@contextlib.contextmanager
def real_worker(*, pdf: bool = True):
    """A solo-pool worker thread on a private queue, with tasks sent to the broker (not run eagerly).

    With ``pdf`` the tasks routed to the ``pdf`` queue (board packs, dossiers) come to this worker's queue
    too; without, they go to a queue nobody consumes, as with a ``worker`` and no ``worker-pdf``."""
    queue = f"stagegate-test-{uuid.uuid4().hex[:12]}"
    routes = {name: {"queue": queue} for name in settings.CELERY_TASK_ROUTES} if pdf else settings.CELERY_TASK_ROUTES
    with (
        root_logging_kept(),
        celery_conf(task_always_eager=False, task_default_queue=queue, task_routes=routes,
                    worker_hijack_root_logger=False),
    ):
        _fresh_routing()
        try:
            with start_worker(app, pool="solo", perform_ping_check=False, queues=[queue],
                              shutdown_timeout=30) as worker:
                try:
                    yield
                finally:
                    worker_receivers_dropped(worker)
        finally:
            _fresh_routing()
