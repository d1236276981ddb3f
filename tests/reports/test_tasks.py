"""The board-pack tasks with the broker down: requesting (page, admin retry,
the monthly schedule) still succeeds and leaves the pack queued, and the
requeue sweep picks it up from the database once Redis is back.

The broker is a closed local port (``tests.celery_support.broker_down``), so
Celery publishes for real and fails, as it does with Redis stopped.
"""

import datetime
import importlib

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, PeriodicTask
from kombu.exceptions import OperationalError

from reports import pdf, services, tasks
from reports.models import BoardPack
from tests.celery_support import broker_down, eager  # noqa: F401 - fixtures

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

LIST = reverse("reports:list")
STUB_PDF = b"%PDF-1.7\n% stub\n%%EOF\n"


@pytest.fixture(autouse=True)
def stub_render(monkeypatch):
    monkeypatch.setattr(pdf, "render_pdf", lambda html: STUB_PDF)


def form_data() -> dict:
    today = timezone.localdate()
    return {"audience": "executive_monthly", "period_start": (today - datetime.timedelta(days=29)).isoformat(),
            "period_end": today.isoformat(), "decisions_required": "Fund the copilot.",
            "resourcing_notes": "", "next_period_priorities": ""}


def make_pack(status: str = "queued") -> BoardPack:
    today = timezone.localdate()
    return BoardPack.objects.create(audience="executive_monthly", period_start=today.replace(day=1),
                                    period_end=today, status=status)


def waited(pack: BoardPack, minutes: float) -> None:
    """As if the pack had last changed ``minutes`` ago."""
    BoardPack.objects.filter(pk=pack.pk).update(updated_at=timezone.now() - datetime.timedelta(minutes=minutes))


def requeue_after_minutes() -> float:
    return services.REQUEUE_AFTER.total_seconds() / 60


# ---------------------------------------------------------------- the broker down


def test_requesting_a_pack_with_the_broker_down_succeeds_and_the_sweep_renders_it_later(
    client, pat, eager, caplog, django_capture_on_commit_callbacks  # noqa: F811
):
    client.force_login(pat)
    with broker_down():
        with pytest.raises(OperationalError):  # the broker really is unreachable
            tasks.generate_board_pack.delay(0)
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            response = client.post(LIST, form_data())

    assert len(callbacks) == 1  # the queueing, which failed quietly
    assert response.status_code == 302 and response["Location"] == LIST
    pack = BoardPack.objects.get()
    assert (pack.status, pack.requested_by, pack.error) == ("queued", pat, "")
    assert "Broker unavailable" in caplog.text
    page = client.get(LIST)  # the list shows it waiting, as for any queued pack
    assert page.status_code == 200 and str(pack) in page.content.decode()

    # Redis is back, but nobody asks again: not yet long enough for the sweep ...
    waited(pack, requeue_after_minutes() - 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.requeue_board_packs.delay().get() == []
    pack.refresh_from_db()
    assert pack.status == "queued"

    # ... then the next run finds it from the database and it is rendered.
    waited(pack, requeue_after_minutes() + 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.requeue_board_packs.delay().get() == [pack.pk]
    pack.refresh_from_db()
    assert pack.status == "ready" and pack.file.name
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.requeue_board_packs.delay().get() == []  # nothing left waiting


def test_retrying_in_admin_with_the_broker_down_succeeds_and_leaves_the_pack_queued(
    client, gov, caplog, django_capture_on_commit_callbacks
):
    failed = make_pack(status="failed")
    client.force_login(gov)
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:reports_boardpack_changelist"),
                               {"action": "retry", "_selected_action": [failed.pk]})

    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.status == "queued"
    assert "Broker unavailable" in caplog.text


def test_the_monthly_pack_is_built_with_the_broker_down_and_left_queued(caplog, django_capture_on_commit_callbacks):
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        pack = services.board_pack_build_monthly(today=datetime.date(2026, 6, 1))

    assert pack is not None
    pack.refresh_from_db()
    assert pack.status == "queued" and pack.scheduled
    assert "Broker unavailable" in caplog.text


def test_the_sweep_leaves_alone_packs_running_rendered_failed_or_just_requested(
    eager, django_capture_on_commit_callbacks  # noqa: F811
):
    old = requeue_after_minutes() + 60
    lost = make_pack()
    for status in ("running", "ready", "failed"):
        waited(make_pack(status=status), old)
    waited(lost, old)
    make_pack()  # just requested: its own task is on its way

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert services.board_packs_requeue() == [lost.pk]

    assert len(callbacks) == 1
    assert sorted(BoardPack.objects.values_list("status", flat=True)) == [
        "failed", "queued", "ready", "ready", "running"]


def test_the_sweep_with_the_broker_still_down_fails_quietly_and_keeps_the_pack_queued(
    caplog, django_capture_on_commit_callbacks
):
    pack = make_pack()
    waited(pack, requeue_after_minutes() + 1)

    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        assert services.board_packs_requeue() == [pack.pk]

    pack.refresh_from_db()
    assert pack.status == "queued"
    assert "Broker unavailable" in caplog.text


# ---------------------------------------------------------------- beat


def test_the_task_is_registered_and_acks_late():
    from config.celery import app

    task = app.tasks["reports.tasks.requeue_board_packs"]
    assert task.name == tasks.requeue_board_packs.name
    assert (task.acks_late, task.reject_on_worker_lost) == (True, True)


def test_the_requeue_sweep_is_seeded_every_ten_minutes():
    periodic = PeriodicTask.objects.select_related("crontab").get(task="reports.tasks.requeue_board_packs")

    assert periodic.enabled
    crontab = periodic.crontab
    assert (crontab.minute, crontab.hour, crontab.day_of_month, crontab.month_of_year, crontab.day_of_week) == (
        "*/10", "*", "*", "*", "*")
    # The sweep runs at least as often as a pack becomes due, so none waits much past REQUEUE_AFTER.
    assert requeue_after_minutes() >= 10


def test_seeding_again_creates_nothing_and_keeps_an_admins_change():
    seeding = importlib.import_module("reports.migrations.0004_requeue_schedule")
    periodic = PeriodicTask.objects.get(task="reports.tasks.requeue_board_packs")
    periodic.crontab = CrontabSchedule.objects.create(minute="*/30", hour="*", timezone="Europe/London")
    periodic.save()

    seeding.seed(apps, schema_editor=None)

    assert PeriodicTask.objects.filter(task="reports.tasks.requeue_board_packs").count() == 1
    assert PeriodicTask.objects.get(task="reports.tasks.requeue_board_packs").crontab.minute == "*/30"
