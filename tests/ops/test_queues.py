"""Board packs and dossiers wait on their own queue ("pdf"), so a long rendering never delays reminder mail."""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from config.celery import app
from reports import services as reports_services
from reports.models import BoardPack
from reviews.tasks import send_review_reminders
from tests.celery_support import real_worker
from tests.reports.conftest import member

PDF_TASKS = ["reports.tasks.generate_board_pack", "reports.tasks.build_monthly_executive_pack",
             "reports.tasks.generate_dossier"]
DEFAULT_TASKS = ["reviews.tasks.send_review_reminders", "reviews.tasks.send_review_reminder",
                 "vendors.tasks.send_vendor_expiry_reminder", "api.tasks.deliver_webhook",
                 "reports.tasks.requeue_board_packs", "reports.tasks.requeue_dossiers"]


def queue_of(task_name: str) -> str:
    """The queue Celery publishes ``task_name`` to, by the configured routes."""
    return app.amqp.router.route({}, task_name)["queue"].name


def test_board_packs_and_dossiers_go_to_the_pdf_queue_and_everything_else_to_the_default():
    assert {name: queue_of(name) for name in PDF_TASKS} == dict.fromkeys(PDF_TASKS, "pdf")
    assert {name: queue_of(name) for name in DEFAULT_TASKS} == dict.fromkeys(DEFAULT_TASKS, "celery")


def take_from_queue(queue_name: str, task_name: str, args: list):
    """Remove our message from the broker's queue and return it (others' messages go back)."""
    with app.connection_for_read() as connection:
        queue = connection.SimpleQueue(queue_name)
        try:
            while True:
                message = queue.get(timeout=5)
                if message.headers.get("task") == task_name and list(message.payload[0]) == args:
                    message.ack()
                    return message
                message.requeue()
        except queue.Empty:
            return None
        finally:
            queue.close()


# A real worker on the shared broker: one at a time, with the suite's other real-worker tests.
@pytest.mark.redis
@pytest.mark.xdist_group("real-worker")
@pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (REDIS_URL)")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_on_the_default_queue_sends_reminders_and_leaves_board_packs_to_the_pdf_workers():
    pat = member("pmo", "pat.pmo")
    today = timezone.localdate()
    with real_worker(pdf=False):  # consumes the default queue only, as `worker` in the Procfile does
        pack = reports_services.board_pack_request(
            actor=pat, audience="executive_monthly", period_start=today - datetime.timedelta(days=29),
            period_end=today, decisions_required="")
        # The reminder sweep, queued after the pack, is run at once.
        assert send_review_reminders.delay().get(timeout=30) == 0
        assert BoardPack.objects.get(pk=pack.pk).status == "queued"

    # The pack's task waits on the pdf queue for a `worker-pdf`.
    assert take_from_queue(settings.PDF_QUEUE, "reports.tasks.generate_board_pack", [pack.pk]) is not None
