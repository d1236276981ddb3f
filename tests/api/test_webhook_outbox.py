"""Webhook events are recorded with the change that caused them and delivered once each, whatever
happens to their Celery messages.

A pending delivery (``WebhookOutbox``) is written in the change's transaction. Its message can be
lost (the broker down: ``broker_down`` publishes to a closed port) or sent twice (a redelivery, the
sweep); the receiver, a real HTTP server on 127.0.0.1, still gets each attempt once.
"""

import contextlib
import datetime
import logging
import threading
import time
import uuid

import pytest
from celery.signals import before_task_publish
from django.conf import settings
from django.db import connection, transaction
from django_celery_beat.models import PeriodicTask

from api import delivery, tasks
from api.models import WebhookDelivery, WebhookOutbox
from api.webhooks import publish
from tests.celery_support import broker_down, celery_conf, drop_broker_connections, real_worker

from .test_webhooks import Receiver, _submit, subscribe

pytestmark = pytest.mark.django_db

MINUTE = datetime.timedelta(seconds=61)  # past the sweep's one minute of grace


@pytest.fixture(autouse=True)
def _local_receivers_allowed(settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@contextlib.contextmanager
def published():
    """Celery publishes to an in-memory broker (not run in-process); yields (task, args, kwargs) of each message."""
    sent = []

    def record(sender=None, body=None, **kwargs):
        args, task_kwargs, _embed = body
        sent.append((sender, tuple(args), task_kwargs))

    before_task_publish.connect(record, weak=False)
    drop_broker_connections()
    try:
        with celery_conf(task_always_eager=False, broker_url="memory://") as app:
            try:
                yield sent
            finally:
                app.control.purge()  # nobody consumes them
    finally:
        before_task_publish.disconnect(record)
        drop_broker_connections()


def _pending(subscription, n: int) -> list[WebhookOutbox]:
    """``n`` deliveries to ``subscription`` left overdue by a lost message, the oldest first."""
    due = datetime.datetime(2026, 6, 10, 10, 0, tzinfo=datetime.UTC)
    return WebhookOutbox.objects.bulk_create([
        WebhookOutbox(subscription=subscription, delivery_id=uuid.uuid4(), event="gate.decided",
                      payload={"id": str(uuid.uuid4()), "event": "gate.decided", "occurred_at": "", "data": {"n": i}},
                      due_at=due + datetime.timedelta(seconds=i))
        for i in range(n)
    ])


def test_an_event_recorded_while_the_broker_is_down_is_delivered_once_by_the_sweep(
        receiver, ava, custops, owner, clock, caplog, django_capture_on_commit_callbacks):
    subscribe(receiver.url)
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        use_case = _submit(ava, custops, owner)  # the submission succeeds; its message is not queued
    assert "api.tasks.deliver_webhook" in caplog.text and "not queued" in caplog.text
    pending = WebhookOutbox.objects.get()
    assert (pending.event, pending.attempt, pending.payload["data"]["reference"]) == \
        ("use_case.submitted", 1, use_case.reference)
    assert receiver.requests == [] and not WebhookDelivery.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.requeue_webhooks() == 0  # within a minute its message may still be on its way
    clock.shift(MINUTE)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.requeue_webhooks() == 1
    [request] = receiver.requests
    assert request["headers"]["X-Stagegate-Delivery"] == str(pending.delivery_id)
    assert request["headers"]["X-Stagegate-Attempt"] == "1"
    assert not WebhookOutbox.objects.exists()
    assert WebhookDelivery.objects.get().outcome == "delivered"

    clock.shift(MINUTE)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.requeue_webhooks() == 0
    assert len(receiver.requests) == 1


def test_two_messages_for_one_delivery_post_once(receiver, django_capture_on_commit_callbacks):
    subscription = subscribe(receiver.url, events=["gate.decided"])
    with django_capture_on_commit_callbacks(execute=False):
        publish("gate.decided", {"gate": 1})
    pending = WebhookOutbox.objects.get()
    assert tasks.deliver_webhook(pending.pk) == 200
    assert tasks.deliver_webhook(pending.pk) is None  # redelivered, or also queued by the sweep
    assert len(receiver.requests) == 1
    assert WebhookDelivery.objects.get().subscription == subscription


# transaction=True: each worker thread has its own connection and transaction, as two workers do.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_given_the_same_delivery_at_once_post_once(clock):
    server = Receiver(delay=0.5)  # the first is still waiting for the receiver when the second starts
    try:
        pending = _pending(subscribe(server.url, events=["gate.decided"]), 1)[0]
        answers, errors = [], []

        def worker():
            try:
                answers.append(tasks.deliver_webhook(pending.pk))
            except Exception as exc:  # reported by the assertion below
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        server.close()
    assert errors == []
    assert sorted(answers, key=str) == [200, None]
    assert len(server.requests) == 1
    assert WebhookDelivery.objects.count() == 1 and not WebhookOutbox.objects.exists()


def test_a_failing_receiver_keeps_the_delivery_pending_until_its_last_attempt(
        settings, clock, django_capture_on_commit_callbacks):
    settings.WEBHOOK_BACKOFF_SECONDS, settings.WEBHOOK_MAX_ATTEMPTS = 30, 3
    server = Receiver(statuses=[500] * 10)
    try:
        subscribe(server.url, events=["gate.decided"])
        with django_capture_on_commit_callbacks(execute=False):
            publish("gate.decided", {"gate": 1})
        pending = WebhookOutbox.objects.get()
        with django_capture_on_commit_callbacks(execute=False) as retry:
            assert tasks.deliver_webhook(pending.pk) == 500
        assert len(retry) == 1  # the next attempt, queued with its countdown once this commits
        pending.refresh_from_db()
        assert pending.attempt == 2
        assert clock.now < pending.due_at <= clock.now + datetime.timedelta(seconds=30)

        # The first attempt's message again, and a sweep before the retry is due: nothing is sent.
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.deliver_webhook(pending.pk) is None
            assert tasks.requeue_webhooks() == 0
        assert len(server.requests) == 1

        # The retry's message was lost: the sweep makes attempt 2, whose retry makes attempt 3 (in-process here).
        clock.shift(datetime.timedelta(seconds=30) + MINUTE)
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.requeue_webhooks() == 1
    finally:
        server.close()
    assert [r["headers"]["X-Stagegate-Attempt"] for r in server.requests] == ["1", "2", "3"]
    assert not WebhookOutbox.objects.exists()
    assert list(WebhookDelivery.objects.order_by("attempt").values_list("attempt", "outcome", "status_code",
                                                                       "retry_in")) == \
        [(1, "failed", 500, 30), (2, "failed", 500, 60), (3, "failed", 500, None)]


def test_a_refused_address_is_dropped_after_one_logged_attempt(settings, clock, django_capture_on_commit_callbacks):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    subscribe("http://127.0.0.1:9/hooks", events=["gate.decided"])
    with django_capture_on_commit_callbacks(execute=True):
        publish("gate.decided", {"gate": 1})
    assert not WebhookOutbox.objects.exists()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.attempt, delivery.outcome, delivery.reason, delivery.retry_in) == \
        (1, "refused", "address 127.0.0.1 is loopback", None)
    clock.shift(MINUTE)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.requeue_webhooks() == 0
    assert WebhookDelivery.objects.count() == 1


def test_rolled_back_work_records_and_sends_nothing(receiver, django_capture_on_commit_callbacks):
    subscribe(receiver.url, events=["gate.decided"])
    with (django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError),
          transaction.atomic()):
        publish("gate.decided", {"gate": 1})
        assert WebhookOutbox.objects.count() == 1
        raise RuntimeError("the change failed after the event")
    assert callbacks == [] and receiver.requests == []
    assert not WebhookOutbox.objects.exists()


def test_a_deactivated_subscription_gets_nothing_pending(receiver, django_capture_on_commit_callbacks):
    subscription = subscribe(receiver.url, events=["gate.decided"])
    with django_capture_on_commit_callbacks(execute=False):
        publish("gate.decided", {"gate": 1})
    subscription.active = False
    subscription.save()
    pending = WebhookOutbox.objects.get()
    assert tasks.deliver_webhook(pending.pk) is None
    assert receiver.requests == [] and not WebhookDelivery.objects.exists()
    assert not WebhookOutbox.objects.exists()


def test_the_sweep_queues_the_oldest_overdue_deliveries_in_a_constant_number_of_queries(
        receiver, monkeypatch, django_assert_num_queries):
    subscription = subscribe(receiver.url, events=["gate.decided"])
    for n in (1, 20):
        WebhookOutbox.objects.all().delete()
        rows = _pending(subscription, n)
        with published() as sent, django_assert_num_queries(1):
            assert tasks.requeue_webhooks() == n
        assert sent == [("api.tasks.deliver_webhook", (row.pk,), {"attempt": 1}) for row in rows]
    monkeypatch.setattr(delivery, "REQUEUE_BATCH", 5)
    with published() as sent:
        assert tasks.requeue_webhooks() == 5
    assert [args[0] for _task, args, _kwargs in sent] == [row.pk for row in rows[:5]]
    assert receiver.requests == []  # queued, not run


def test_the_sweep_stops_at_the_first_failure_while_the_broker_is_down(receiver, caplog):
    _pending(subscribe(receiver.url, events=["gate.decided"]), 3)
    caplog.set_level(logging.INFO, logger="api.delivery")
    with broker_down():
        assert tasks.requeue_webhooks() == 0
    # Records, not caplog.text: a JSON formatter may repeat the message in a line.
    messages = [record.getMessage() for record in caplog.records]
    assert sum("not queued" in message for message in messages) == 1
    assert "Queued 0 of 3 overdue webhook deliveries again" in messages
    assert WebhookOutbox.objects.count() == 3


def test_a_message_queued_before_the_outbox_is_delivered_once(receiver):
    """(subscription id, payload, attempt): a message still in the broker when the outbox was deployed."""
    subscription = subscribe(receiver.url, events=["gate.decided"])
    payload = {"id": str(uuid.uuid4()), "event": "gate.decided", "occurred_at": "", "data": {"gate": 1}}
    assert tasks.deliver_webhook(subscription.pk, payload, 2) == 200
    assert tasks.deliver_webhook(subscription.pk, payload, 2) is None  # redelivered
    assert tasks.deliver_webhook(subscription.pk, payload, 1) is None  # an earlier attempt's, late
    [request] = receiver.requests
    assert (request["headers"]["X-Stagegate-Delivery"], request["headers"]["X-Stagegate-Attempt"]) == \
        (payload["id"], "2")
    assert not WebhookOutbox.objects.exists()


def test_pending_deliveries_are_listed_read_only_in_admin(client, gov, receiver, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        subscribe(receiver.url, events=["gate.decided"])
        publish("gate.decided", {"gate": 1})
    pending = WebhookOutbox.objects.get()
    client.force_login(gov)
    page = client.get("/admin/api/webhookoutbox/").content.decode()
    assert "Pending webhook deliveries" in page and "gate.decided" in page
    assert client.get("/admin/api/webhookoutbox/add/").status_code == 403
    change = client.get(f"/admin/api/webhookoutbox/{pending.pk}/change/").content.decode()
    assert str(pending.delivery_id) in change and 'name="_save"' not in change


def test_the_sweep_runs_every_minute(db):
    task = PeriodicTask.objects.get(task="api.tasks.requeue_webhooks")
    assert task.enabled and (task.crontab.minute, task.crontab.hour) == ("*", "*")


# A real worker on the shared broker: one at a time, with the suite's other real-worker tests.
@pytest.mark.redis
@pytest.mark.xdist_group("real-worker")
@pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (REDIS_URL)")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_delivers_an_event_once_its_change_commits(receiver):
    subscribe(receiver.url, events=["gate.decided"])
    with real_worker(pdf=False):
        with transaction.atomic():
            publish("gate.decided", {"gate": 1})
        for _ in range(100):
            if not WebhookOutbox.objects.exists():
                break
            time.sleep(0.1)
    [request] = receiver.requests
    assert request["headers"]["X-Stagegate-Attempt"] == "1"
    assert WebhookDelivery.objects.get().outcome == "delivered"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_no_transaction_is_open_while_the_receiver_answers(receiver, monkeypatch):
    """On SQLite a transaction holds the database's write lock: a slow receiver must never hold it."""
    seen = []
    post = delivery._post

    def watching(*args, **kwargs):
        seen.append(connection.in_atomic_block)
        return post(*args, **kwargs)

    monkeypatch.setattr(delivery, "_post", watching)
    pending = _pending(subscribe(receiver.url, events=["gate.decided"]), 1)[0]
    tasks.deliver_webhook(pending.pk)
    assert (seen, len(receiver.requests)) == ([False], 1)
    assert not WebhookOutbox.objects.exists()


def test_a_worker_that_dies_after_the_post_has_used_its_attempt(receiver, monkeypatch, settings):
    """The attempt is claimed before the POST: the sweep's message after a crash is the next attempt, and
    none is made past the last one."""
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    pending = _pending(subscribe(receiver.url, events=["gate.decided"]), 1)[0]

    def killed(*args, **kwargs):
        raise SystemExit("worker killed")

    monkeypatch.setattr(delivery, "_attempt", killed)
    for attempt in (1, 2):
        with pytest.raises(SystemExit):
            tasks.deliver_webhook(pending.pk, attempt=attempt)
        pending.refresh_from_db()
        assert pending.attempt == attempt + 1
    monkeypatch.undo()
    assert tasks.deliver_webhook(pending.pk, attempt=3) is None  # past the last attempt: dropped, not sent
    assert not WebhookOutbox.objects.filter(pk=pending.pk).exists()
    assert receiver.requests == []
