"""Persona fixtures: who is who in the tests, and when.

ava submits for Customer Operations, ben for Finance; gov is a governance
admin. Tests read like the journeys of these people.

Every test runs at a fixed instant (``clock``), never on the wall clock, so a
run at 23:53 or across a daylight-saving change sees the same dates as one at
noon. The instant ticks, so timeouts and ordering by time still work.
"""

import datetime
import os

import pytest
from django.utils import timezone

from tests.factories import BusinessUnitFactory, UserFactory

# A Wednesday in mid-June, noon in London: far from midnight, a month end and a clock change.
# Under TZ=Pacific/Kiritimati (UTC+14, CI's clock-dependency run) it is already 01:00 on Thursday.
# STAGEGATE_TEST_INSTANT (ISO 8601 with an offset) starts every test elsewhere: CI runs the date
# rules' tests at each of the risky instants in tests/instants.py that way.
FIXED_INSTANT = datetime.datetime.fromisoformat(os.environ.get("STAGEGATE_TEST_INSTANT", "2026-06-10T11:00:00+00:00"))


class Clock:
    """The instant a test runs at. ``move_to`` and ``shift`` move it (time-machine underneath).

    Every move is made in UTC: given a ZoneInfo datetime, time-machine would also set the
    process TZ, and restore at the end of the test whatever TZ it saw then (perhaps a zone a
    ``settings`` override had set), leaking one test's zone into the next.
    """

    def __init__(self, machine):
        self._machine = machine

    def move_to(self, when: datetime.datetime, *, tick: bool = True) -> None:
        if timezone.is_naive(when):
            raise ValueError("Give the clock an aware datetime (or use go_to for a local day).")
        self._machine.move_to(when.astimezone(datetime.UTC), tick=tick)

    def shift(self, delta: datetime.timedelta) -> None:
        self._machine.shift(delta)

    def go_to(self, day: datetime.date, at: datetime.time = datetime.time(12)) -> None:
        """The given local day (the current time zone's), at noon unless ``at`` says otherwise."""
        self.move_to(timezone.make_aware(datetime.datetime.combine(day, at)))

    def advance(self, days: int = 1) -> None:
        """The same local time ``days`` local days later: a day with a clock change is 23 or 25 hours."""
        now = timezone.localtime()
        self.go_to(now.date() + datetime.timedelta(days=days), at=now.time().replace(tzinfo=None))

    @property
    def now(self) -> datetime.datetime:
        return timezone.now()

    @property
    def today(self) -> datetime.date:
        return timezone.localdate()


@pytest.fixture(autouse=True)
def clock(time_machine) -> Clock:
    """Every test starts at ``FIXED_INSTANT``; ask for ``clock`` to move it."""
    time_machine.move_to(FIXED_INSTANT.astimezone(datetime.UTC), tick=True)
    return Clock(time_machine)


@pytest.fixture
def custops(db):
    return BusinessUnitFactory(code="CUSTOPS", name="Customer Operations")


@pytest.fixture
def fin(db):
    return BusinessUnitFactory(code="FIN", name="Finance")


@pytest.fixture
def ava(custops):
    user = UserFactory(username="ava.submitter")
    custops.members.add(user)
    return user


@pytest.fixture
def ben(fin):
    user = UserFactory(username="ben.submitter")
    fin.members.add(user)
    return user


@pytest.fixture
def gov(db):
    return UserFactory(username="gov.admin", is_staff=True, is_superuser=True)


@pytest.fixture
def ava_client(client, ava):
    client.force_login(ava)
    return client


@pytest.fixture(autouse=True)
def _tasks_run_in_process(request):
    """Tasks run in-process in every test, also in the PostgreSQL + Redis run
    (where the settings queue them): Celery reads Django settings only once.
    The real-worker test and tests marked ``redis`` manage Celery themselves."""
    if request.node.get_closest_marker("redis") or request.module.__name__.endswith("test_celery_worker"):
        yield
        return
    from tests.celery_support import celery_conf

    with celery_conf(task_always_eager=True, task_eager_propagates=True):
        yield


@pytest.fixture
def warm_caches(db):
    """Fill the per-process caches (content types, permission ids) a long-running process has warm.

    A test comparing the query counts of two requests would otherwise count a cold cache in the
    first one whenever it happens to be the first in its process to need it.
    """
    from django.apps import apps
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    from intake.permissions import permission_id

    ContentType.objects.get_for_models(*apps.get_models())
    for permission in Permission.objects.select_related("content_type"):
        model = permission.content_type.model_class()
        # A proxy's permissions hang off its own content type, which get_for_model does not return.
        if model is not None and ContentType.objects.get_for_model(model) == permission.content_type:
            permission_id(model, permission.codename)
