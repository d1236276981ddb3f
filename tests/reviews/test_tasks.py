"""The review tasks: thin, queued after the commit, safe to run twice, retried on mail failures.

Celery runs eagerly here (the ``eager`` fixture, also in the PostgreSQL +
Redis run); tests/test_celery_worker.py runs a real worker.
"""

import datetime
import importlib
import threading
from smtplib import SMTPException

import pytest
from celery.exceptions import Retry
from django.apps import apps
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, PeriodicTask
from kombu.exceptions import OperationalError

from config.celery import app
from config.tasks import MAIL_RETRY, enqueue_on_commit
from intake.models import TierPolicy, TierRequirement, UseCase, UseCaseEvent
from reviews import services, tasks
from reviews.models import ReminderLog, Review
from tests.celery_support import broker_down, celery_conf, eager, smtp_down  # noqa: F401 - fixtures

from .conftest import review_of

TASK_NAMES = ["reviews.tasks.send_review_reminders", "reviews.tasks.send_review_reminder",
              "reviews.tasks.schedule_rereviews", "reviews.tasks.send_risk_acceptance_notice"]
RATIONALE = "Reviewed the data flows in full."


@pytest.fixture
def review(low_case, sec):
    return review_of(low_case, "security")


def due_in(review, days: int) -> None:
    Review.objects.filter(pk=review.pk).update(due_date=timezone.localdate() + datetime.timedelta(days=days))


def today_iso() -> str:
    return timezone.localdate().isoformat()


# -- the task objects ------------------------------------------------------------


def test_tasks_are_registered_under_their_contract_names():
    assert set(TASK_NAMES) <= set(app.tasks)
    assert tasks.send_review_reminders.name == TASK_NAMES[0]
    assert tasks.send_review_reminder.name == TASK_NAMES[1]
    assert tasks.schedule_rereviews.name == TASK_NAMES[2]


@pytest.mark.parametrize("name", TASK_NAMES)
def test_tasks_ack_late_and_are_requeued_when_a_worker_is_lost(name, settings):
    task = app.tasks[name]
    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_TASK_REJECT_ON_WORKER_LOST
    assert (task.acks_late, task.reject_on_worker_lost) == (True, True)
    assert (task.soft_time_limit, task.time_limit) == (settings.CELERY_TASK_SOFT_TIME_LIMIT,
                                                       settings.CELERY_TASK_TIME_LIMIT)


def test_the_reminder_retries_only_mail_and_network_errors_with_backoff():
    task = app.tasks["reviews.tasks.send_review_reminder"]
    assert set(task.autoretry_for) == {SMTPException, ConnectionError, OSError}
    assert (task.retry_backoff, task.retry_backoff_max, task.max_retries, task.retry_jitter) == (True, 600, 5, True)


def test_retry_backoff_stays_inside_the_redis_visibility_timeout(settings):
    """A retry waits as an unacknowledged ETA message: past the visibility timeout Redis hands it to a second worker."""
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    task = app.tasks["reviews.tasks.send_review_reminder"]
    # The longest wait plus the longest run, with room to spare for a busy queue and clock skew.
    assert 2 * (task.retry_backoff_max + task.time_limit) < visibility
    assert MAIL_RETRY["retry_backoff_max"] == task.retry_backoff_max
    assert settings.CELERY_TASK_SOFT_TIME_LIMIT < settings.CELERY_TASK_TIME_LIMIT


# -- the sweep ---------------------------------------------------------------------


def test_the_sweep_queues_one_task_per_reminder_after_the_commit(review, eager, django_capture_on_commit_callbacks):  # noqa: F811
    due_in(review, -2)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert tasks.send_review_reminders.delay().get() == 2

    assert len(callbacks) == 2  # one per reminder (and one per risk-acceptance notice due, none here)
    assert sorted(ReminderLog.objects.values_list("kind", flat=True)) == ["escalation", "overdue"]
    assert len(mail.outbox) == 2


def test_running_the_sweep_twice_in_a_row_sends_each_reminder_once(review, eager,  # noqa: F811
                                                                    django_capture_on_commit_callbacks):
    due_in(review, -1)

    with django_capture_on_commit_callbacks(execute=True):
        first = tasks.send_review_reminders.delay().get()
    with django_capture_on_commit_callbacks(execute=True):
        second = tasks.send_review_reminders.delay().get()

    assert (first, second) == (1, 0)
    assert len(mail.outbox) == 1


def test_a_reminder_task_run_twice_sends_once(review, eager):  # noqa: F811
    due_in(review, -1)

    results = [tasks.send_review_reminder.delay(review.pk, "overdue", today_iso()).get() for _ in range(2)]

    assert results == [True, False]
    assert len(mail.outbox) == 1


# serialized_rollback restores the seeded reference data (and beat schedules) the flush would remove.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_sweeps_at_once_send_each_reminder_once(review, eager):  # noqa: F811
    """Two beats by mistake: the unique log row and the row lock let only one send."""
    due_in(review, -2)
    barrier, errors = threading.Barrier(2), []

    def sweep():
        try:
            barrier.wait(timeout=10)
            tasks.send_review_reminders.delay()  # eager: runs (and raises) here
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sorted(m.subject.startswith("[Stagegate] ESCALATION") for m in mail.outbox) == [False, True]
    assert ReminderLog.objects.count() == 2


# -- after the commit only ------------------------------------------------------------


def test_a_task_queued_in_a_rolled_back_transaction_never_runs(review, eager, django_capture_on_commit_callbacks):  # noqa: F811
    due_in(review, -1)

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        enqueue_on_commit(tasks.send_review_reminder, review.pk, "overdue", today_iso())
        raise RuntimeError("the write failed after queueing")

    assert callbacks == []
    assert mail.outbox == []
    assert not ReminderLog.objects.exists()


def test_a_task_queued_in_a_committed_transaction_runs_after_the_commit(review, eager,  # noqa: F811
                                                                         django_capture_on_commit_callbacks):
    due_in(review, -1)

    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        enqueue_on_commit(tasks.send_review_reminder, review.pk, "overdue", today_iso())
        assert mail.outbox == []  # not before the commit

    assert len(callbacks) == 1
    assert len(mail.outbox) == 1


def test_with_the_broker_down_a_write_still_succeeds(review, sec, gov, django_capture_on_commit_callbacks, caplog,
                                                      eager):  # noqa: F811
    due_in(review, -1)

    with broker_down():
        with pytest.raises(OperationalError):  # the broker really is unreachable
            tasks.send_review_reminder.delay(review.pk, "overdue", today_iso())
        with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
            services.review_assign(review=review, actor=gov, assignee=sec)
            enqueue_on_commit(tasks.send_review_reminder, review.pk, "overdue", today_iso())

    assert len(callbacks) == 2  # the assignment email, and the queueing that failed quietly
    review.refresh_from_db()
    assert review.assignee == sec
    assert "Broker unavailable" in caplog.text
    assert not ReminderLog.objects.exists()

    # Back up: the daily sweep finds the reminder from the database.
    with django_capture_on_commit_callbacks(execute=True):
        tasks.send_review_reminders.delay().get()
    assert ReminderLog.objects.filter(review=review, kind="overdue").exists()


# -- mail failures --------------------------------------------------------------------


def test_a_mail_failure_asks_celery_for_a_retry_with_backoff(review, smtp_down, monkeypatch):  # noqa: F811
    due_in(review, -1)
    task, retries = app.tasks["reviews.tasks.send_review_reminder"], []

    def retry(**kwargs):
        retries.append(kwargs)
        raise Retry("retrying", kwargs["exc"], when=kwargs["countdown"])

    monkeypatch.setattr(task, "retry", retry)
    with pytest.raises(Retry):
        task(review.pk, "overdue", today_iso())

    assert isinstance(retries[0]["exc"], SMTPException)
    assert 0 <= retries[0]["countdown"] <= task.retry_backoff_max
    assert not ReminderLog.objects.exists()


def test_a_reminder_is_logged_once_a_retry_gets_through(review, smtp_down):  # noqa: F811
    due_in(review, -1)
    smtp_down.failures = 2

    # Eager tasks retry at once (no countdown) when errors are not propagated.
    with celery_conf(task_eager_propagates=False):
        result = tasks.send_review_reminder.apply(args=(review.pk, "overdue", today_iso()))

    assert result.get() is True

    assert smtp_down.attempts == 3
    assert ReminderLog.objects.filter(review=review, kind="overdue").count() == 1
    assert len(mail.outbox) == 1


def test_a_mail_server_that_stays_down_exhausts_the_retries_and_logs_nothing(review, smtp_down):  # noqa: F811
    due_in(review, -1)

    with celery_conf(task_eager_propagates=False):
        result = tasks.send_review_reminder.apply(args=(review.pk, "overdue", today_iso()))

    with pytest.raises(SMTPException):
        result.get()

    assert smtp_down.attempts == 1 + tasks.send_review_reminder.max_retries
    assert not ReminderLog.objects.exists()
    # Tomorrow's sweep (or today's next run) still finds it due.
    assert list(services.review_reminders_due(today=timezone.localdate())) == [(review.pk, "overdue")]


# -- periodic re-reviews ------------------------------------------------------------------


@pytest.fixture
def in_operation(low_case, sec):
    """ava's use case, approved and scaled."""
    services.review_decide(review=review_of(low_case, "security"), actor=sec, decision="approve", rationale=RATIONALE)
    UseCase.objects.filter(pk=low_case.pk).update(stage="scaled")
    low_case.refresh_from_db()
    assert low_case.status == "approved"
    return low_case


def decided_days_ago(use_case, days: int) -> None:
    noon = datetime.datetime.combine(timezone.localdate() - datetime.timedelta(days=days), datetime.time(12))
    Review.objects.filter(use_case=use_case).update(decided_at=timezone.make_aware(noon))


def cadence(tier: str) -> int:
    return TierPolicy.objects.get(tier=tier).rereview_days


def test_a_use_case_past_its_cadence_gets_a_new_review_cycle_once(in_operation, eager):  # noqa: F811
    decided_days_ago(in_operation, cadence("low"))

    first = tasks.schedule_rereviews.delay().get()
    second = tasks.schedule_rereviews.delay().get()

    assert (first, second) == ([in_operation.pk], [])
    in_operation.refresh_from_db()
    assert in_operation.status == "in_review"
    rereview = Review.objects.get(use_case=in_operation, cycle=2)
    assert (rereview.function, rereview.status, rereview.stage) == ("security", "open", "scaled")
    sla = TierRequirement.objects.get(tier="low", function="security").sla_days
    assert rereview.due_date == timezone.localdate() + datetime.timedelta(days=sla)
    assert Review.objects.get(use_case=in_operation, cycle=1).status == "approved"
    event = UseCaseEvent.objects.filter(use_case=in_operation).latest("id")
    assert (event.to_status, event.actor) == ("in_review", None)
    assert "Periodic re-review (cycle 2)" in event.note


@pytest.mark.parametrize(("days_ago", "opened"), [(364, False), (365, True), (400, True)])
def test_the_re_review_falls_due_on_the_day_the_cadence_has_passed(in_operation, days_ago, opened):
    assert cadence("low") == 365
    decided_days_ago(in_operation, days_ago)

    result = services.rereviews_open_due(today=timezone.localdate())

    assert [u.pk for u in result] == ([in_operation.pk] if opened else [])


def test_the_cadence_is_the_tier_policys(in_operation):
    TierPolicy.objects.filter(tier="low").update(rereview_days=30)
    decided_days_ago(in_operation, 30)

    assert [u.pk for u in services.rereviews_open_due(today=timezone.localdate())] == [in_operation.pk]


@pytest.mark.parametrize("stage", ["exploration", "pilot", "paused", "retired"])
def test_use_cases_not_in_operation_are_not_re_reviewed(in_operation, stage):
    UseCase.objects.filter(pk=in_operation.pk).update(stage=stage)
    decided_days_ago(in_operation, 1000)

    assert services.rereviews_open_due(today=timezone.localdate()) == []


def test_a_use_case_already_in_review_is_not_re_reviewed_again(in_operation):
    decided_days_ago(in_operation, 1000)
    services.rereviews_open_due(today=timezone.localdate())
    decided_days_ago(in_operation, 2000)

    assert services.rereviews_open_due(today=timezone.localdate()) == []
    assert Review.objects.filter(use_case=in_operation).count() == 2


def test_an_approved_re_review_restarts_the_cadence(in_operation, sec):
    decided_days_ago(in_operation, 365)
    services.rereviews_open_due(today=timezone.localdate())
    services.review_decide(review=Review.objects.get(use_case=in_operation, cycle=2), actor=sec,
                           decision="approve", rationale=RATIONALE)
    in_operation.refresh_from_db()

    assert in_operation.status == "approved"
    assert services.rereview_due_on(in_operation) == timezone.localdate() + datetime.timedelta(days=365)
    assert services.rereviews_open_due(today=timezone.localdate()) == []


# -- beat ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "task", "hour", "minute"), [
    ("Send review reminders", "reviews.tasks.send_review_reminders", "6", "0"),
    ("Catch up review reminders", "reviews.tasks.send_review_reminders", "7-20", "30"),
    ("Open periodic re-reviews", "reviews.tasks.schedule_rereviews", "5", "30"),
])
def test_migrations_seed_the_beat_schedules(db, name, task, hour, minute):
    periodic = PeriodicTask.objects.select_related("crontab").get(name=name)
    assert periodic.task == task

    assert periodic.enabled
    crontab = periodic.crontab
    assert (crontab.hour, crontab.minute, crontab.day_of_week, crontab.day_of_month, crontab.month_of_year) == (
        hour, minute, "*", "*", "*")
    assert str(crontab.timezone) == "Europe/London"


def test_seeding_again_creates_nothing_and_keeps_an_admins_change(db):
    seeding = importlib.import_module("reviews.migrations.0005_beat_schedules")
    catch_up = importlib.import_module("reviews.migrations.0018_reminder_catch_up")
    reminders = PeriodicTask.objects.get(name="Send review reminders")
    reminders.crontab = CrontabSchedule.objects.create(hour="7", minute="0", timezone="Europe/London")
    reminders.save()
    PeriodicTask.objects.filter(name="Catch up review reminders").update(enabled=False)

    seeding.seed(apps, schema_editor=None)
    catch_up.seed(apps, schema_editor=None)

    assert PeriodicTask.objects.filter(task__startswith="reviews.tasks.").count() == 3
    assert PeriodicTask.objects.get(name="Send review reminders").crontab.hour == "7"
    assert not PeriodicTask.objects.get(name="Catch up review reminders").enabled


def test_a_catch_up_sweep_later_that_day_sends_what_the_first_could_not_queue_and_nothing_twice(
        review, eager, django_capture_on_commit_callbacks, clock):  # noqa: F811
    """The 06:00 sweep ran while Redis was down: the 07:30 run sends the day's reminders, a third run nothing."""
    today = clock.today
    clock.go_to(today, datetime.time(6))
    due_in(review, -1)
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_review_reminders() == 1  # found, but its message never left
    assert (ReminderLog.objects.count(), len(mail.outbox)) == (0, 0)

    clock.go_to(today, datetime.time(7, 30))  # the catch-up run, the same day
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_review_reminders.delay().get() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_review_reminders.delay().get() == 0

    assert list(ReminderLog.objects.values_list("kind", "for_date")) == [("overdue", timezone.localdate())]
    assert len(mail.outbox) == 1
