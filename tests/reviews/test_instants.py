"""Review reminders, escalations and re-reviews at the risky instants (tests/instants.py).

The daily tasks run every hour over the three London days around each
instant, as a beat that fires often would run them: each reminder goes out
exactly once, on its London day, however long that day is (23 or 25 hours),
and each re-review opens once, on the day its cadence has passed.
"""

import datetime
from collections import Counter

import pytest
from django.core import mail

from intake.models import TierPolicy, TierRequirement, UseCase
from reviews import services, tasks
from reviews.models import ReminderLog, Review
from tests.instants import IDS, INSTANTS, ONE_DAY, Instant, hourly, local

from .conftest import review_of
from .factories import submitted_use_case

DUE_SOON, OVERDUE, ESCALATION = "due_soon", "overdue", "escalation"
RATIONALE = "Reviewed the data flows in full."


@pytest.fixture(autouse=True)
def london(settings):
    settings.TIME_ZONE = "Europe/London"


def _days_around(instant: Instant) -> list[datetime.date]:
    return [instant.day - ONE_DAY, instant.day, instant.day + ONE_DAY]


def _security_review(ava, custops, owner, title: str) -> Review:
    use_case = submitted_use_case(created_by=ava, business_unit=custops, business_owner=owner, title=title)
    return review_of(use_case, "security")


# -- reminders and escalation --------------------------------------------------------------

# Due day relative to the instant's London day (D) -> every reminder it gets over D-1, D and D+1.
REMINDERS = {
    3: {(DUE_SOON, 0)},  # 3 days before due: on D
    -1: {(DUE_SOON, -1), (OVERDUE, 0), (OVERDUE, 1), (ESCALATION, 1)},  # due D-1: escalated 2 days overdue
    -2: {(OVERDUE, -1), (OVERDUE, 0), (ESCALATION, 0), (OVERDUE, 1)},
}


@pytest.mark.parametrize("instant", INSTANTS, ids=IDS)
def test_each_review_reminder_goes_out_once_on_its_london_day(instant, clock, ava, custops, owner, sec, sec_lead,
                                                            django_capture_on_commit_callbacks):
    reviews = {}
    for due_in in REMINDERS:
        review = _security_review(ava, custops, owner, f"Due {due_in:+d}")
        Review.objects.filter(pk=review.pk).update(due_date=instant.day + datetime.timedelta(days=due_in))
        reviews[review.pk] = due_in
    mail.outbox.clear()

    sent_on: Counter = Counter()
    last_pk = 0
    for day, first_of_day in hourly(clock, _days_around(instant), instant):
        before = len(mail.outbox)
        with django_capture_on_commit_callbacks(execute=True):
            tasks.send_review_reminders()
        new = list(ReminderLog.objects.filter(pk__gt=last_pk).order_by("pk")
                   .values_list("pk", "review_id", "kind", "for_date"))
        assert len(mail.outbox) - before == len(new)  # one email per logged reminder
        for pk, review_id, kind, for_date in new:
            last_pk = pk
            assert (for_date, first_of_day) == (day, True)  # by the first sweep of its London day
            sent_on[(reviews[review_id], kind, (day - instant.day).days)] += 1

    expected = Counter((due_in, kind, offset) for due_in, kinds in REMINDERS.items() for kind, offset in kinds)
    assert sent_on == expected  # each exactly once: none sent twice in a 25-hour day, none skipped in a 23-hour one


@pytest.mark.parametrize("instant", INSTANTS, ids=IDS)
def test_the_reminder_email_counts_days_on_the_london_calendar(instant, clock, ava, custops, owner, sec, sec_lead,
                                                              django_capture_on_commit_callbacks):
    """Swept at the instant itself: the subject counts days from the instant's London day."""
    soon = _security_review(ava, custops, owner, "Soon")
    late = _security_review(ava, custops, owner, "Late")
    Review.objects.filter(pk=soon.pk).update(due_date=instant.day + 3 * ONE_DAY)
    Review.objects.filter(pk=late.pk).update(due_date=instant.day - 2 * ONE_DAY)
    mail.outbox.clear()
    clock.move_to(instant.at, tick=False)

    with django_capture_on_commit_callbacks(execute=True):
        tasks.send_review_reminders()

    subjects = sorted(m.subject.split(" review ")[-1] for m in mail.outbox)
    assert subjects == ["due in 3 days", "overdue by 2 days", "overdue by 2 days"]  # the last one escalates
    assert set(ReminderLog.objects.values_list("for_date", flat=True)) == {instant.day}


# -- re-review cadence ---------------------------------------------------------------------


def _in_operation(ava, custops, owner, sec, title: str) -> UseCase:
    review = _security_review(ava, custops, owner, title)
    services.review_decide(review=review, actor=sec, decision="approve", rationale=RATIONALE)
    UseCase.objects.filter(pk=review.use_case_id).update(stage="scaled")
    return UseCase.objects.get(pk=review.use_case_id)


# Last decision, as (London day relative to D minus the cadence, hour, minute) -> the day (relative to D) it opens.
REREVIEWS = [
    ((0, 0, 30), 0),  # decided just after a London midnight: due D, not the day before
    ((0, 23, 30), 0),  # decided late in the evening: due D, not the day after
    ((1, 0, 30), 1),
]


@pytest.mark.parametrize("instant", INSTANTS, ids=IDS)
def test_a_re_review_opens_once_on_the_london_day_its_cadence_has_passed(instant, clock, ava, custops, owner, sec,
                                                                        django_capture_on_commit_callbacks):
    cadence = TierPolicy.objects.get(tier="low").rereview_days
    sla = TierRequirement.objects.get(tier="low", function="security").sla_days
    use_cases = {}
    for (day, hour, minute), opens in REREVIEWS:
        use_case = _in_operation(ava, custops, owner, sec, f"Decided {day} {hour}:{minute}")
        decided = instant.day + datetime.timedelta(days=day - cadence)
        Review.objects.filter(use_case=use_case).update(decided_at=local(decided, hour, minute))
        use_cases[use_case.pk] = opens

    opened_on: Counter = Counter()
    for day, first_of_day in hourly(clock, _days_around(instant), instant):
        with django_capture_on_commit_callbacks(execute=True):
            for pk in tasks.schedule_rereviews():
                assert first_of_day  # by the first run of its London day
                opened_on[(pk, (day - instant.day).days)] += 1

    assert opened_on == Counter({(pk, opens): 1 for pk, opens in use_cases.items()})
    for pk, opens in use_cases.items():
        rereview = Review.objects.get(use_case_id=pk, cycle=2)  # exactly one new cycle
        assert rereview.due_date == instant.day + datetime.timedelta(days=opens + sla)
