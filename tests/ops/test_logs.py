"""Log lines are JSON carrying the request id and the user id, also in the tasks a request queued."""

import contextlib
import datetime
import json
import logging
import time
import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from config.celery import app
from ops.logs import formatter
from reports.models import BoardPack
from tests.celery_support import celery_conf, root_logging_kept, worker_receivers_dropped
from tests.reports.conftest import member


@pytest.fixture
def log_lines(caplog):
    """Every line logged during the test as the production formatter writes it, parsed back."""
    caplog.handler.setFormatter(formatter("json"))

    def lines() -> list[dict]:
        return [json.loads(line) for line in caplog.text.splitlines() if line.startswith("{")]

    return lines


def request_board_pack(client, request_id: str):
    today = timezone.localdate()
    return client.post(reverse("reports:list"), {
        "audience": "executive_monthly", "period_start": (today - datetime.timedelta(days=29)).isoformat(),
        "period_end": today.isoformat(), "decisions_required": "", "resourcing_notes": "",
        "next_period_priorities": ""}, HTTP_X_REQUEST_ID=request_id)


@pytest.mark.django_db
def test_a_request_is_logged_as_one_json_line_with_its_id_user_and_address(ava_client, ava, log_lines):
    ava_client.get("/intake/", HTTP_X_REQUEST_ID="req-ava-1", REMOTE_ADDR="192.0.2.10")

    [line] = [line for line in log_lines() if line["event"] == "request_finished"]
    assert line["request_id"] == "req-ava-1"
    assert line["user_id"] == ava.pk
    assert line["ip"] == "192.0.2.10"
    assert (line["code"], line["request"], line["level"]) == (200, "GET /intake/", "info")
    assert datetime.datetime.fromisoformat(line["timestamp"])


@pytest.mark.django_db
def test_the_logged_address_is_the_one_our_proxy_saw_not_what_the_client_wrote(client, log_lines, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    client.get("/healthz/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.66, 198.51.100.7")

    [line] = [line for line in log_lines() if line["event"] == "request_finished"]
    assert line["ip"] == "198.51.100.7"


@pytest.mark.django_db
def test_djangos_own_lines_and_an_unsafe_id_stay_one_parseable_line_each(client, log_lines):
    response = client.get("/no-such-page/", HTTP_X_REQUEST_ID='x"}\n{"forged": true')
    request_id = response["X-Request-ID"]

    lines = log_lines()
    assert not any("forged" in line for line in lines)
    not_found = [line for line in lines if line["logger"] == "django.request"]
    assert [(line["event"], line["request_id"]) for line in not_found] == [("Not Found: /no-such-page/", request_id)]


# transaction=True: the pack is queued when the request's transaction commits, as in production.
# serialized_rollback: the flush afterwards would otherwise delete the seeded groups later tests rely on.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_task_run_in_process_logs_the_id_of_the_request_that_queued_it(client, log_lines, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    pat = member("pmo", "pat.pmo")
    client.force_login(pat)

    assert request_board_pack(client, "pack-req-1").status_code == 302

    assert BoardPack.objects.get().status == "ready"
    [task] = [line for line in log_lines() if line["event"] == "task_finished"]
    assert task["task"] == "reports.tasks.generate_board_pack"
    assert (task["state"], task["request_id"], task["user_id"]) == ("success", "pack-req-1", pat.pk)


@contextlib.contextmanager
def worker_on_private_queue(capture: logging.Handler):
    """A solo worker thread consuming a queue of its own, every task routed there (none run eagerly).

    Starting it runs django.setup() again, which applies LOGGING afresh: pytest's capture handler is put
    handler (``capture``) is put back on the root logger once it runs, and the root logger restored after.
    """
    queue = f"stagegate-test-{uuid.uuid4().hex[:12]}"
    root = logging.getLogger()
    with (
        root_logging_kept(),
        celery_conf(task_always_eager=False, task_default_queue=queue, task_routes={"*": {"queue": queue}}),
    ):
        app.__dict__.pop("amqp", None)  # rebuilt with the routes above
        try:
            with start_worker(app, pool="solo", perform_ping_check=False, queues=[queue],
                              shutdown_timeout=30) as worker:
                root.addHandler(capture)
                try:
                    yield
                finally:
                    worker_receivers_dropped(worker)
        finally:
            app.__dict__.pop("amqp", None)


@pytest.mark.redis
@pytest.mark.xdist_group("real-worker")
@pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (REDIS_URL)")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_logs_the_id_of_the_request_that_queued_its_task(client, caplog, log_lines, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # the worker thread shares this process's settings
    pat = member("pmo", "pat.pmo")
    client.force_login(pat)

    with worker_on_private_queue(caplog.handler):
        assert request_board_pack(client, "pack-req-2").status_code == 302
        pack = BoardPack.objects.get()
        for _ in range(150):
            pack.refresh_from_db()
            if pack.status == "ready":
                break
            time.sleep(0.2)

    assert pack.status == "ready"
    worker_lines = [line for line in log_lines() if line["event"] in {"task_started", "task_succeeded"}]
    assert [line["event"] for line in worker_lines] == ["task_started", "task_succeeded"]
    for line in worker_lines:
        assert (line["request_id"], line["user_id"]) == ("pack-req-2", pat.pk)
        assert line["task_id"]
