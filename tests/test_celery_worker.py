"""A real Celery worker, started by the test suite, runs the scheduled work end to end.

Only in the PostgreSQL + Redis run (.ci/run): it needs a broker. The worker
runs in a thread of this process, so it shares the test database settings
and Django's locmem ``mail.outbox``; it consumes a queue of its own, so
messages left in Redis by anything else never reach it (nor ours another
worker).
"""

import datetime
import io
import time

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone
from pypdf import PdfReader

from config.celery import app
from reports import services as reports_services
from reports.models import BoardPack
from reports.selectors import SECTIONS
from reviews.models import ReminderLog, Review
from reviews.tasks import send_review_reminders
from tests.celery_support import real_worker
from tests.reports.builders import add_use_cases
from tests.reports.conftest import member
from tests.reviews.factories import reviewer, submitted_use_case

pytestmark = [
    pytest.mark.redis,
    # With pytest-xdist, these and the browser journey (the tests that start a real worker on the
    # shared broker) run one after another on one process.
    pytest.mark.xdist_group("real-worker"),
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (REDIS_URL)"),
]


def wait_for(predicate, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


def mailed(address: str) -> bool:
    return any(address in message.to for message in mail.outbox)


# transaction=True: the worker's own connection must see the committed rows.
# serialized_rollback: the flush afterwards would otherwise delete the seeded
# reference data (and beat schedules) later tests rely on.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_runs_the_reminder_sweep_end_to_end(ava, custops):
    sec = reviewer("security", "sec.reviewer")
    use_case = submitted_use_case(created_by=ava, business_unit=custops, title="Ticket summaries")
    review = use_case.reviews.get(function="security")
    Review.objects.filter(pk=review.pk).update(due_date=timezone.localdate() - datetime.timedelta(days=2))
    mail.outbox.clear()

    with real_worker():
        # The sweep only queues; the worker then runs one task per reminder.
        assert send_review_reminders.delay().get(timeout=30) == 2
        assert wait_for(lambda: ReminderLog.objects.filter(review=review).count() == 2), "reminders not sent"

    today = timezone.localdate()
    logs = ReminderLog.objects.filter(review=review).order_by("kind").values_list("kind", "for_date")
    assert list(logs) == [("escalation", today), ("overdue", today)]
    # The worker thread's locmem backend wrote to this process's outbox.
    assert len(mail.outbox) == 2
    assert mailed(sec.email) and mailed(use_case.executive_sponsor.email)
    assert app.conf.task_always_eager is settings.CELERY_TASK_ALWAYS_EAGER  # restored for later tests


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_generates_a_board_pack_end_to_end(ava, custops, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # the worker thread shares this process's settings
    pat = member("pmo", "pat.pmo")
    risky = add_use_cases(2, business_unit=custops, created_by=ava)
    today = timezone.localdate()

    with real_worker():
        # As the board packs page does: the request commits, then its task goes to the broker.
        pack = reports_services.board_pack_request(
            actor=pat, audience="executive_monthly", period_start=today - datetime.timedelta(days=29),
            period_end=today, decisions_required="Fund the copilot.")
        assert wait_for(lambda: BoardPack.objects.get(pk=pack.pk).status in ("ready", "failed"), timeout=120), (
            "pack not rendered")

    pack.refresh_from_db()
    assert (pack.status, pack.error) == ("ready", "")
    assert pack.generated_at is not None and pack.file.name.endswith(".pdf")
    with pack.file.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert SECTIONS["portfolio"] in text and SECTIONS["risks"] in text
    assert all(use_case.reference in text for use_case in risky)  # their 5x5 risks top the risk table
    assert app.conf.task_always_eager is settings.CELERY_TASK_ALWAYS_EAGER  # restored for later tests
