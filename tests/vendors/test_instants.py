"""Vendor approval and certification expiry reminders at the risky instants (tests/instants.py).

The daily sweep runs every hour over the three London days around each
instant: procurement hears of each expiry once when it comes within 30 days
and once when it has lapsed, on the London day the rule says, whether that
day lasts 23, 24 or 25 hours.
"""

import datetime
from collections import Counter

import pytest
from django.contrib.auth.models import Group
from django.core import mail

from tests.factories import UserFactory
from tests.instants import IDS, INSTANTS, ONE_DAY, hourly
from tests.vendors.factories import CertificationFactory, VendorFactory
from vendors import tasks
from vendors.models import VendorReminderLog

EXPIRING, EXPIRED = "expiring", "expired"


@pytest.fixture(autouse=True)
def london(settings):
    settings.TIME_ZONE = "Europe/London"


@pytest.fixture
def procurement(pat):
    Group.objects.get(name="procurement").user_set.add(pat, UserFactory(username="quinn.procurement"))


# (what, expires on relative to the instant's London day D) -> every reminder over D-1, D and D+1.
EXPIRIES = {
    ("approval", 30): {(EXPIRING, 0)},  # comes within 30 days on D
    ("approval", -1): {(EXPIRING, -1), (EXPIRED, 0)},  # its last day is D-1: lapsed on D
    ("certification", 0): {(EXPIRING, -1), (EXPIRED, 1)},  # its last day is D: lapsed on D+1
    ("certification", 31): {(EXPIRING, 1)},
}


@pytest.mark.parametrize("instant", INSTANTS, ids=IDS)
def test_each_expiry_reminder_goes_out_once_on_its_london_day(instant, clock, procurement,
                                                             django_capture_on_commit_callbacks):
    targets = {}
    for what, expires_in in EXPIRIES:
        expires_on = instant.day + datetime.timedelta(days=expires_in)
        if what == "approval":
            vendor = VendorFactory(name=f"Approved {expires_in:+d}", status="approved", approval_expires=expires_on)
            targets[("vendor", vendor.pk)] = (what, expires_in)
        else:
            holder = VendorFactory(name=f"Certified {expires_in:+d}", status="approved", approval_expires=None)
            certification = CertificationFactory(vendor=holder, expires_on=expires_on)
            targets[("certification", certification.pk)] = (what, expires_in)
    mail.outbox.clear()

    sent_on: Counter = Counter()
    last_pk = 0
    for day, first_of_day in hourly(clock, [instant.day - ONE_DAY, instant.day, instant.day + ONE_DAY], instant):
        before = len(mail.outbox)
        with django_capture_on_commit_callbacks(execute=True):
            tasks.send_vendor_expiry_reminders()
        new = list(VendorReminderLog.objects.filter(pk__gt=last_pk).order_by("pk")
                   .values_list("pk", "vendor_id", "certification_id", "kind", "for_date"))
        assert len(mail.outbox) - before == len(new)  # one email per logged reminder
        for pk, vendor_id, certification_id, kind, for_date in new:
            last_pk = pk
            assert (for_date, first_of_day) == (day, True)  # by the first sweep of its London day
            target = ("vendor", vendor_id) if vendor_id else ("certification", certification_id)
            sent_on[(targets[target], kind, (day - instant.day).days)] += 1

    expected = Counter((target, kind, offset) for target, kinds in EXPIRIES.items() for kind, offset in kinds)
    assert sent_on == expected  # each exactly once: none twice in a 25-hour day, none skipped in a 23-hour one
