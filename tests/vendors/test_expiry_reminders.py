"""Procurement hears of vendor approvals and certifications expiring within 30 days, and of expired ones.

Pat and Quinn are procurement (the "procurement" group); each approval or
certification is reminded once when it comes within 30 days and once when
it lapses, whatever the number of sweeps.
"""

import datetime
import logging

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from config.celery import app
from tests.celery_support import celery_conf, eager, smtp_down  # noqa: F401 - fixtures
from tests.factories import UserFactory
from tests.vendors.factories import CertificationFactory, VendorFactory
from vendors import reminders, tasks
from vendors.models import VendorReminderLog


@pytest.fixture
def procurement(pat):
    quinn, gone = UserFactory(username="quinn.procurement"), UserFactory(username="gone", is_active=False)
    Group.objects.get(name="procurement").user_set.add(pat, quinn, gone)
    return sorted([pat.email, quinn.email])


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def approved_vendor(expires_in: int, **kwargs):
    return VendorFactory(status="approved", approval_expires=days(expires_in), **kwargs)


def sweep(today=None):
    """What the daily task does, in-process: find what is due, send each."""
    today = today or timezone.localdate()
    due = reminders.vendor_expiry_reminders_due(today=today)
    for target, pk, kind in due:
        reminders.send_expiry_reminder(target=target, target_id=pk, kind=kind, for_date=today)
    return due


# -- what is due -----------------------------------------------------------------

APPROVALS = [(31, None), (30, "expiring"), (7, "expiring"), (0, "expiring"), (-1, "expired"), (-400, "expired")]


@pytest.mark.parametrize(("expires_in", "kind"), APPROVALS, ids=[f"expires_in_{d}" for d, _ in APPROVALS])
def test_vendor_approvals_within_30_days_or_expired_are_reminded(procurement, expires_in, kind):
    vendor = approved_vendor(expires_in)

    assert sweep() == ([("vendor", vendor.pk, kind)] if kind else [])
    assert [sorted(m.to) for m in mail.outbox] == ([procurement] if kind else [])


@pytest.mark.parametrize(("expires_in", "kind"), APPROVALS, ids=[f"expires_in_{d}" for d, _ in APPROVALS])
def test_certifications_within_30_days_or_expired_are_reminded(procurement, expires_in, kind):
    certification = CertificationFactory(vendor=approved_vendor(365), expires_on=days(expires_in))

    assert sweep() == ([("certification", certification.pk, kind)] if kind else [])
    assert len(mail.outbox) == (1 if kind else 0)


def test_far_future_and_open_ended_ones_are_not_reminded(procurement):
    VendorFactory(status="approved", approval_expires=None)
    approved_vendor(200)
    CertificationFactory(vendor=approved_vendor(365), expires_on=None)
    CertificationFactory(vendor=approved_vendor(365), expires_on=days(90))

    assert sweep() == []
    assert mail.outbox == []


@pytest.mark.parametrize("status", ["prospect", "under_assessment", "rejected", "offboarded"])
def test_only_approvals_that_stand_are_reminded(procurement, status):
    VendorFactory(status=status, approval_expires=days(5))

    assert sweep() == []


@pytest.mark.parametrize("status", ["rejected", "offboarded"])
def test_certifications_of_a_vendor_that_is_gone_are_not_reminded(procurement, status):
    CertificationFactory(vendor=VendorFactory(status=status), expires_on=days(5))

    assert sweep() == []


def test_a_renewed_certification_is_not_reminded(procurement):
    vendor = approved_vendor(365)
    CertificationFactory(vendor=vendor, kind="iso27001", expires_on=days(-10))
    CertificationFactory(vendor=vendor, kind="iso27001", expires_on=days(10))
    renewal = CertificationFactory(vendor=vendor, kind="iso27001", expires_on=days(700))
    other = CertificationFactory(vendor=vendor, kind="soc2_type2", expires_on=days(10))

    assert sweep() == [("certification", other.pk, "expiring")]
    assert renewal.pk  # the one that lasts is the one that counts


def test_certifications_of_kind_other_are_told_apart_by_name(procurement):
    vendor = approved_vendor(365)
    pen_test = CertificationFactory(vendor=vendor, kind="other", name="Pen test", expires_on=days(10))
    CertificationFactory(vendor=vendor, kind="other", name="Cyber Essentials", expires_on=days(700))

    assert sweep() == [("certification", pen_test.pk, "expiring")]


def test_the_email_names_the_vendor_and_the_date(procurement):
    vendor = approved_vendor(-3, name="Northwind AI")
    CertificationFactory(vendor=approved_vendor(365, name="Contoso"), kind="iso42001", expires_on=days(12))

    sweep()

    subjects = sorted(m.subject for m in mail.outbox)
    assert subjects == [
        f"[Stagegate] Contoso ISO/IEC 42001 certification expires {days(12):%d %b %Y}",
        f"[Stagegate] Northwind AI approval expired {days(-3):%d %b %Y}",
    ]
    expired = next(m for m in mail.outbox if "Northwind" in m.subject)
    assert "Start a re-assessment" in expired.body
    assert f"/admin/vendors/vendor/{vendor.pk}/change/" in expired.body


# -- once each ---------------------------------------------------------------------


def test_running_twice_a_day_sends_nothing_new(procurement):
    approved_vendor(10)
    CertificationFactory(vendor=approved_vendor(365), expires_on=days(-2))

    first, second = sweep(), sweep()

    assert (len(first), second) == (2, [])
    assert len(mail.outbox) == 2
    assert VendorReminderLog.objects.count() == 2


def test_each_expiry_is_reminded_once_when_near_and_once_when_past(procurement, clock):
    vendor = approved_vendor(31)
    by_day = []
    for _ in range(34):
        mail.outbox.clear()
        sweep()
        by_day.append(len(mail.outbox))
        clock.advance()

    assert by_day[1] == 1 and by_day[32] == 1  # 30 days before; the day after it expires
    assert sum(by_day) == 2
    assert list(VendorReminderLog.objects.filter(vendor=vendor).values_list("kind", "for_date")) == [
        ("expired", vendor.approval_expires + datetime.timedelta(days=1)),
        ("expiring", vendor.approval_expires - datetime.timedelta(days=30)),
    ]


def test_a_renewed_approval_is_reminded_again(procurement):
    vendor = approved_vendor(10)
    sweep()
    vendor.approval_expires = days(20)  # renewed, but for a short time
    vendor.save()
    mail.outbox.clear()

    sweep()
    assert mail.outbox == []  # one reminder a day per vendor and kind, whatever happens
    assert reminders.vendor_expiry_reminders_due(today=days(1)) == [("vendor", vendor.pk, "expiring")]
    reminders.send_expiry_reminder(target="vendor", target_id=vendor.pk, kind="expiring", for_date=days(1))
    assert [m.subject.split(" expires ")[1] for m in mail.outbox] == [f"{days(20):%d %b %Y}"]


def test_the_database_refuses_a_second_reminder_the_same_day(procurement):
    vendor = approved_vendor(10)
    VendorReminderLog.objects.create(vendor=vendor, kind="expiring", expires_on=days(10), for_date=days(0))

    with pytest.raises(IntegrityError), transaction.atomic():
        VendorReminderLog.objects.create(vendor=vendor, kind="expiring", expires_on=days(20), for_date=days(0))


def test_a_log_row_is_about_exactly_one_thing(procurement):
    vendor = approved_vendor(10)
    certification = CertificationFactory(vendor=vendor, expires_on=days(10))

    with pytest.raises(IntegrityError), transaction.atomic():
        VendorReminderLog.objects.create(vendor=vendor, certification=certification, kind="expiring",
                                         expires_on=days(10), for_date=days(0))


def test_nobody_in_procurement_means_nothing_is_logged(db, caplog):
    approved_vendor(10)

    with caplog.at_level(logging.WARNING, logger="vendors.reminders"):
        sweep()

    assert not VendorReminderLog.objects.exists()
    assert "procurement" in caplog.text


# -- the tasks -------------------------------------------------------------------------


def test_task_names_and_delivery_settings():
    sweep_task = app.tasks["vendors.tasks.send_vendor_expiry_reminders"]
    one = app.tasks["vendors.tasks.send_vendor_expiry_reminder"]
    assert tasks.send_vendor_expiry_reminders.name == sweep_task.name
    for task in (sweep_task, one):
        assert (task.acks_late, task.reject_on_worker_lost) == (True, True)
    assert (one.max_retries, one.retry_backoff, one.retry_backoff_max) == (5, True, 600)


def test_the_task_sweep_sends_after_the_commit_and_twice_is_harmless(procurement, eager,  # noqa: F811
                                                                     django_capture_on_commit_callbacks):
    approved_vendor(10)
    CertificationFactory(vendor=approved_vendor(365), expires_on=days(-1))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert tasks.send_vendor_expiry_reminders.delay().get() == 2
        assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_vendor_expiry_reminders.delay().get() == 0

    assert len(callbacks) == 2
    assert len(mail.outbox) == 2


def test_a_sweep_in_a_rolled_back_transaction_sends_nothing(procurement, eager,  # noqa: F811
                                                            django_capture_on_commit_callbacks):
    approved_vendor(10)

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        tasks.send_vendor_expiry_reminders.delay()
        raise RuntimeError("rolled back")

    assert callbacks == []
    assert mail.outbox == []


def test_a_mail_failure_is_retried_and_logged_only_once_sent(procurement, smtp_down):  # noqa: F811
    vendor = approved_vendor(10)
    smtp_down.failures = 2

    with celery_conf(task_eager_propagates=False):
        result = tasks.send_vendor_expiry_reminder.apply(args=("vendor", vendor.pk, "expiring", days(0).isoformat()))

    assert result.get() is True
    assert smtp_down.attempts == 3
    assert VendorReminderLog.objects.filter(vendor=vendor).count() == 1


def test_a_mail_failure_leaves_no_log(procurement, smtp_down):  # noqa: F811
    vendor = approved_vendor(10)

    with pytest.raises(OSError, match="Connection unexpectedly closed"):
        reminders.send_expiry_reminder(target="vendor", target_id=vendor.pk, kind="expiring", for_date=days(0))

    assert not VendorReminderLog.objects.exists()
    assert reminders.vendor_expiry_reminders_due(today=days(0)) == [("vendor", vendor.pk, "expiring")]


@pytest.mark.parametrize(("task", "hour", "minute"), [("vendors.tasks.send_vendor_expiry_reminders", "6", "15")])
def test_migrations_seed_the_daily_beat_schedule(db, task, hour, minute):
    from django_celery_beat.models import PeriodicTask

    periodic = PeriodicTask.objects.select_related("crontab").get(task=task)

    assert periodic.enabled
    assert (periodic.crontab.hour, periodic.crontab.minute) == (hour, minute)
    assert str(periodic.crontab.timezone) == "Europe/London"


def test_the_reminder_log_is_read_only_in_admin(procurement, gov_client):
    approved_vendor(10, name="Northwind AI")
    sweep()
    log = VendorReminderLog.objects.get()

    listing = gov_client.get("/admin/vendors/vendorreminderlog/")
    assert listing.status_code == 200
    assert b"Northwind AI" in listing.content
    assert gov_client.get(f"/admin/vendors/vendorreminderlog/{log.pk}/change/").status_code == 200
    assert gov_client.get("/admin/vendors/vendorreminderlog/add/").status_code == 403
    assert gov_client.post(f"/admin/vendors/vendorreminderlog/{log.pk}/delete/", {"post": "yes"}).status_code == 403
