"""GET /metrics as a Prometheus scraper sees it: hidden without the token, then the figures an operator
watches (requests, queries, tasks, queues, reviews, use cases, packs)."""

import datetime
import os
import subprocess
import sys
import uuid

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from ops import task_metrics
from reports import tasks as report_tasks
from reports.models import BoardPack
from tests.celery_support import celery_conf
from tests.factories import UseCaseFactory
from tests.reviews.factories import ReviewFactory

pytestmark = pytest.mark.django_db

TOKEN = "scrape-token-0123456789abcdef"


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


def scrape(client: Client | None = None, **headers) -> dict[tuple[str, tuple], float]:
    """{(sample name, sorted labels): value} of one scrape with the token."""
    response = (client or Client()).get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}", **headers)
    assert response.status_code == 200, response.status_code
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.content.decode())
            for sample in family.samples}


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


# ---------------------------------------------------------------- who may scrape


def test_without_a_configured_token_metrics_do_not_exist(client, settings):
    settings.METRICS_TOKEN = ""

    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer anything").status_code == 404


@pytest.mark.parametrize("authorization", [
    None,
    "",
    "Bearer",
    "Bearer wrong-token-0123456789abc",
    f"Token {TOKEN}",
    f"Basic {TOKEN}",
    f"Bearer {TOKEN}x",
    f"Bearer {TOKEN[:-1]}",
    "Bearer tökén-ünïcode",
])
def test_a_wrong_or_missing_token_gets_the_same_404(client, token, authorization):
    headers = {} if authorization is None else {"HTTP_AUTHORIZATION": authorization}

    assert client.get("/metrics", **headers).status_code == 404


def test_the_right_token_gets_prometheus_text(client, token):
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    assert response["Cache-Control"] == "no-store"
    body = response.content.decode()
    assert "# TYPE stagegate_open_reviews gauge" in body and "# TYPE stagegate_use_cases gauge" in body
    assert client.post("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 405


def test_an_allowed_network_scrapes_without_a_token(client, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_NETWORKS = ["10.20.0.0/16", "127.0.0.0/8"]

    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.20.3.4").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.21.3.4").status_code == 404


def test_behind_a_proxy_the_address_it_saw_counts_not_one_the_client_wrote(client, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_NETWORKS = ["10.20.0.0/16"]
    settings.TRUSTED_PROXY_COUNT = 1

    from_inside = client.get("/metrics", REMOTE_ADDR="192.168.1.1", HTTP_X_FORWARDED_FOR="10.20.3.4")
    forged = client.get("/metrics", REMOTE_ADDR="192.168.1.1", HTTP_X_FORWARDED_FOR="10.20.3.4, 203.0.113.9")
    proxy_itself = client.get("/metrics", REMOTE_ADDR="10.20.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")

    assert [from_inside.status_code, forged.status_code, proxy_itself.status_code] == [200, 404, 404]


# ---------------------------------------------------------------- business gauges


def test_business_gauges_count_what_is_in_the_database(token, clock):
    today = timezone.localdate()
    in_review = UseCaseFactory(status="in_review", stage="exploration")
    piloting = UseCaseFactory(status="approved", stage="pilot")
    UseCaseFactory(status="approved", stage="pilot")
    draft = UseCaseFactory()  # status draft: not yet in the portfolio
    ReviewFactory(use_case=in_review, function="security")
    ReviewFactory(use_case=piloting, function="security", status="in_progress",
                  due_date=today - datetime.timedelta(days=1))
    ReviewFactory(use_case=in_review, function="privacy", status="approved",
                  due_date=today - datetime.timedelta(days=3))
    ReviewFactory(use_case=draft, function="legal")
    for status in ("queued", "queued", "running", "ready"):
        BoardPack.objects.create(audience="executive_monthly", period_start=today.replace(day=1), period_end=today,
                                 status=status)

    samples = scrape()

    assert value(samples, "stagegate_open_reviews", function="security") == 2.0
    assert value(samples, "stagegate_overdue_reviews", function="security") == 1.0
    assert ("stagegate_open_reviews", (("function", "privacy"),)) in samples  # reported, as 0
    assert value(samples, "stagegate_open_reviews", function="privacy") == 0.0
    assert value(samples, "stagegate_open_reviews", function="legal") == 0.0
    assert value(samples, "stagegate_use_cases", stage="pilot") == 2.0
    assert value(samples, "stagegate_use_cases", stage="exploration") == 1.0
    assert ("stagegate_use_cases", (("stage", "retired"),)) in samples
    assert value(samples, "stagegate_board_packs_queued") == 2.0


def test_a_scrape_runs_the_same_few_queries_however_much_data(token):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            scrape()
        return len(captured)

    UseCaseFactory(status="submitted")
    few = queries()
    for _ in range(5):
        ReviewFactory(use_case=UseCaseFactory(status="in_review"), function="legal")

    assert few <= 3
    assert queries() == few


# ---------------------------------------------------------------- requests and queries


def test_requests_are_counted_and_timed_by_view(ava_client, token):
    before = scrape()
    ava_client.get("/intake/")
    ava_client.get("/intake/")

    after = scrape()
    by_view = "django_http_requests_total_by_view_transport_method_total"
    labels = {"view": "intake:list", "transport": "http", "method": "GET"}
    assert value(after, by_view, **labels) - value(before, by_view, **labels) == 2
    latency = "django_http_requests_latency_seconds_by_view_method_count"
    assert value(after, latency, view="intake:list", method="GET") - value(before, latency, view="intake:list",
                                                                           method="GET") == 2


def test_an_invented_http_method_is_counted_under_one_label(client, token):
    client.generic("BREW", "/healthz/")

    samples = scrape()
    methods = {dict(labels).get("method") for name, labels in samples if name.startswith("django_http")}
    assert "BREW" not in methods and "<invalid method>" in methods


def test_database_queries_of_requests_are_counted(ava_client, token):
    labels = {"alias": "default", "vendor": connection.vendor}
    before = value(scrape(), "stagegate_db_queries_total", **labels)
    with CaptureQueriesContext(connection) as captured:
        ava_client.get("/intake/")
    queries = len(captured)  # read now: the next request empties the connection's query log

    after = value(scrape(), "stagegate_db_queries_total", **labels)
    # At least those: a scrape's own queries are counted too (it is a request like any other).
    assert after - before >= queries > 0


# ---------------------------------------------------------------- Celery tasks


def test_task_runs_outcomes_and_durations_are_counted_by_task(token):
    name = "reports.tasks.build_monthly_executive_pack"
    before = scrape()

    report_tasks.build_monthly_executive_pack.delay((timezone.localdate() + datetime.timedelta(days=3)).isoformat())
    with pytest.raises(ValueError):
        report_tasks.build_monthly_executive_pack.delay("not a date")

    after = scrape()
    for state in ("success", "failure"):
        key = {"task": name, "state": state}
        assert value(after, "stagegate_celery_tasks_total", **key) - value(before, "stagegate_celery_tasks_total",
                                                                           **key) == 1
    count = "stagegate_celery_task_duration_seconds_count"
    assert value(after, count, task=name) - value(before, count, task=name) == 2
    inf = "stagegate_celery_task_duration_seconds_bucket"
    assert value(after, inf, task=name, le="+Inf") == value(after, count, task=name)


def test_task_durations_fall_in_the_right_bucket():
    assert task_metrics.bucket_for(0.05) == 0.1
    assert task_metrics.bucket_for(0.5) == 0.5
    assert task_metrics.bucket_for(7) == 10.0
    assert task_metrics.bucket_for(3600) == float("inf")


@pytest.mark.redis
@pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (REDIS_URL)")
def test_queue_depth_counts_messages_waiting_for_a_worker(token, settings):
    queue = f"stagegate-test-{uuid.uuid4().hex[:12]}"
    settings.METRICS_QUEUES = [queue, "celery"]
    client = task_metrics.redis_client()
    try:
        with celery_conf(task_always_eager=False):
            for priority in (None, None, 5):  # kombu keeps prioritised messages in lists of their own
                report_tasks.requeue_board_packs.apply_async(queue=queue, priority=priority)

        samples = scrape()
    finally:
        client.delete(*[key for key in client.scan_iter(f"{queue}*")])

    assert value(samples, "stagegate_celery_queue_length", queue=queue) == 3.0
    assert ("stagegate_celery_queue_length", (("queue", "celery"),)) in samples
    assert value(samples, "stagegate_broker_up") == 1.0


def test_a_broker_that_does_not_answer_is_reported_not_a_failed_scrape(token, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # a closed port

    samples = scrape()

    assert value(samples, "stagegate_broker_up") == 0.0
    assert value(samples, "stagegate_open_reviews", function="security") == 0.0


def test_without_redis_there_is_no_queue_to_report(token, settings):
    settings.REDIS_URL = ""

    samples = scrape()

    assert not any(name == "stagegate_celery_queue_length" for name, _ in samples)


# ---------------------------------------------------------------- several gunicorn workers

_WEB_PROCESS = """
import django
django.setup()
from django.test import Client
for _ in range({n}):
    assert Client().get("/healthz/").status_code == 200
"""


def test_with_a_multiprocess_directory_a_scrape_sums_every_web_process(tmp_path, monkeypatch, token):
    # Two processes serve requests, as two gunicorn workers would, each writing its counters to the directory.
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    for requests in (2, 3):
        done = subprocess.run([sys.executable, "-W", "ignore", "-c", _WEB_PROCESS.format(n=requests)], env=env,  # noqa: S603 - fixed interpreter and code
                              capture_output=True, text=True, timeout=120, cwd=settings.BASE_DIR)
        assert done.returncode == 0, done.stderr[-2000:]
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))

    samples = scrape()

    healthz = {"method": "GET", "transport": "http", "view": "ops:healthz"}
    assert value(samples, "django_http_requests_total_by_view_transport_method_total", **healthz) == 5.0
    assert ("stagegate_open_reviews", (("function", "security"),)) in samples  # computed here, as always
