"""Review reminders: due soon, overdue and escalated, each sent once.

The security review of ava's low-tier use case is the one reminded about;
sec and sec.lead are the security group, the use case's executive sponsor is
the go/no-go Accountable.
"""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from intake import services as intake_services
from intake.models import RaciAssignment
from reviews import services
from reviews.models import ReminderLog, Review
from tests.celery_support import smtp_down  # noqa: F401 - fixtures
from tests.factories import UserFactory

from .conftest import review_of
from .factories import reviewer

DUE_SOON, OVERDUE, ESCALATION = "due_soon", "overdue", "escalation"


@pytest.fixture
def review(low_case, sec, sec_lead):
    # Both security reviewers exist before the sweep, so "the function group" is them.
    return review_of(low_case, "security")


def due_in(review, days: int) -> Review:
    Review.objects.filter(pk=review.pk).update(due_date=timezone.localdate() + datetime.timedelta(days=days))
    review.refresh_from_db()
    return review


def assign(review, assignee, actor):
    return services.review_assign(review=review, actor=actor, assignee=assignee)


def sweep(today=None) -> list[tuple[int, str]]:
    """What the daily task does, in-process: find what is due, send each."""
    today = today or timezone.localdate()
    due = list(services.review_reminders_due(today=today))
    for review_id, kind in due:
        services.send_review_reminder(review_id=review_id, kind=kind, for_date=today)
    return due


def sent() -> dict[str, list[str]]:
    """Each email's reminder kind and recipients, by kind (one email per kind here)."""
    result = {}
    for message in mail.outbox:
        if "ESCALATION" in message.subject:
            kind = ESCALATION
        else:
            kind = OVERDUE if " overdue by " in message.subject else DUE_SOON
        result[kind] = sorted(message.to)
    return result


def emails(*users) -> list[str]:
    return sorted(u.email for u in users)


# -- timing and recipients ---------------------------------------------------

# days until due -> the reminders a review gets when none has been sent yet.
TIMING = [
    (4, set()),
    (3, {DUE_SOON}),
    (2, {DUE_SOON}),  # catching up a missed day-3 sweep
    (0, {DUE_SOON}),
    (-1, {OVERDUE}),
    (-2, {OVERDUE, ESCALATION}),
    (-3, {OVERDUE, ESCALATION}),  # catching up a missed escalation
]


@pytest.mark.parametrize("assigned", [True, False], ids=["assigned", "unassigned"])
@pytest.mark.parametrize(("days", "kinds"), TIMING, ids=[f"due_in_{d}" for d, _ in TIMING])
def test_reminder_timing_and_recipients(review, low_case, sec, sec_lead, gov, days, kinds, assigned):
    if assigned:
        assign(review, sec, gov)
    due_in(review, days)
    mail.outbox.clear()

    due = sweep()

    assert {kind for _, kind in due} == kinds
    reminded = [sec.email] if assigned else emails(sec, sec_lead)
    expected = {kind: reminded for kind in kinds - {ESCALATION}}
    if ESCALATION in kinds:
        expected[ESCALATION] = sorted([*emails(sec, sec_lead), low_case.executive_sponsor.email])
    assert sent() == expected
    assert set(ReminderLog.objects.filter(review=review).values_list("kind", flat=True)) == kinds


def test_a_review_run_daily_gets_each_reminder_on_its_day(review, sec, gov, clock):
    assign(review, sec, gov)
    due_date = review.due_date
    clock.go_to(due_date - datetime.timedelta(days=5))
    by_day = {}
    while clock.today <= due_date + datetime.timedelta(days=4):
        mail.outbox.clear()
        sweep()
        sweep()  # a second run the same day sends nothing new
        by_day[(due_date - clock.today).days] = sorted(m.subject.split(" review ")[-1] for m in mail.outbox)
        clock.advance()

    assert by_day == {
        5: [], 4: [], 3: ["due in 3 days"], 2: [], 1: [], 0: [],
        -1: ["overdue by 1 day"],
        -2: ["overdue by 2 days", "overdue by 2 days"],  # the reminder and the escalation
        -3: ["overdue by 3 days"], -4: ["overdue by 4 days"],
    }
    assert ReminderLog.objects.filter(review=review, kind=ESCALATION).count() == 1


@pytest.mark.parametrize("decision", ["approve", "request_changes", "stop"])
def test_a_decided_review_gets_no_reminder(review, sec, decision):
    services.review_decide(review=review, actor=sec, decision=decision, rationale="Reviewed the data flows in full.")
    due_in(review, -3)

    assert sweep() == []
    assert mail.outbox == []


def test_no_reminders_once_the_use_case_is_withdrawn(review, low_case, owner):
    due_in(review, -3)
    intake_services.use_case_withdraw(use_case=low_case, actor=owner, reason="No longer needed by the team.")

    assert sweep() == []


def test_inactive_reviewers_are_not_reminded(review, sec, sec_lead):
    sec_lead.is_active = False
    sec_lead.save()
    due_in(review, 3)

    sweep()

    assert sent() == {DUE_SOON: [sec.email]}


def test_an_inactive_assignee_falls_back_to_the_function_group(review, sec, sec_lead, gov):
    assign(review, sec, gov)
    sec.is_active = False
    sec.save()
    due_in(review, -1)
    mail.outbox.clear()

    sweep()

    assert sent() == {OVERDUE: [sec_lead.email]}


def test_the_escalation_reaches_every_member_of_a_go_no_go_group(review, low_case, sec, sec_lead):
    executives = Group.objects.get(name="executive_sponsors")
    chair, former = UserFactory(username="chair"), UserFactory(username="former", is_active=False)
    executives.user_set.add(chair, former)
    RaciAssignment.objects.filter(use_case=low_case, activity__key="go_no_go", letter="A").update(
        user=None, group=executives)
    due_in(review, -2)

    sweep()

    assert sent()[ESCALATION] == emails(chair, sec, sec_lead)


def test_the_email_says_what_is_due_and_links_the_review(review, low_case, sec, gov):
    assign(review, sec, gov)
    due_in(review, -2)
    mail.outbox.clear()

    sweep()

    overdue = next(m for m in mail.outbox if "ESCALATION" not in m.subject)
    assert overdue.subject == f"[Stagegate] {low_case.reference}: Security review overdue by 2 days"
    assert f"/admin/reviews/review/{review.pk}/change/" in overdue.body
    assert "is overdue by 2 days" in overdue.body
    escalation = next(m for m in mail.outbox if "ESCALATION" in m.subject)
    assert "go / no-go" in escalation.body


def test_nobody_to_remind_logs_nothing(low_case):
    review = review_of(low_case, "security")  # no security reviewer exists
    due_in(review, -1)

    assert sweep() == [(review.pk, OVERDUE)]
    assert not ReminderLog.objects.exists()


# -- idempotency ---------------------------------------------------------------


def test_running_twice_a_day_sends_nothing_new(review):
    due_in(review, -2)

    first, second = sweep(), sweep()

    assert {kind for _, kind in first} == {OVERDUE, ESCALATION}
    assert second == []
    assert len(mail.outbox) == 2
    assert ReminderLog.objects.filter(review=review).count() == 2


def test_a_reminder_handed_out_twice_is_sent_once(review):
    """Two beats, or a redelivered task: both find the same reminder due before either sends."""
    due_in(review, -1)
    today = timezone.localdate()
    due = list(services.review_reminders_due(today=today)) + list(services.review_reminders_due(today=today))

    logs = [services.send_review_reminder(review_id=pk, kind=kind, for_date=today) for pk, kind in due]

    assert len(due) == 2
    assert [log is not None for log in logs] == [True, False]
    assert len(mail.outbox) == 1


def test_the_database_refuses_a_second_log_of_a_reminder(review):
    today = timezone.localdate()
    ReminderLog.objects.create(review=review, kind=OVERDUE, for_date=today)

    with pytest.raises(IntegrityError), transaction.atomic():
        ReminderLog.objects.create(review=review, kind=OVERDUE, for_date=today)


def test_a_reminder_for_a_past_day_is_dropped(review):
    due_in(review, -1)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)

    assert services.send_review_reminder(review_id=review.pk, kind=OVERDUE, for_date=yesterday) is None
    assert mail.outbox == []


def test_a_reminder_no_longer_due_is_not_sent(review, sec):
    due_in(review, -1)
    due = list(services.review_reminders_due(today=timezone.localdate()))
    services.review_decide(review=review, actor=sec, decision="approve", rationale="Reviewed the data flows in full.")
    mail.outbox.clear()

    assert [services.send_review_reminder(review_id=pk, kind=kind, for_date=timezone.localdate())
            for pk, kind in due] == [None]
    assert mail.outbox == []


# -- mail failures -------------------------------------------------------------


def test_a_mail_failure_logs_nothing_and_a_later_send_logs_it(review, smtp_down):  # noqa: F811
    due_in(review, -1)
    today = timezone.localdate()

    with pytest.raises(OSError, match="Connection unexpectedly closed"):
        services.send_review_reminder(review_id=review.pk, kind=OVERDUE, for_date=today)
    assert not ReminderLog.objects.exists()
    assert list(services.review_reminders_due(today=today)) == [(review.pk, OVERDUE)]

    smtp_down.failures = 0
    log = services.send_review_reminder(review_id=review.pk, kind=OVERDUE, for_date=today)

    assert (log.kind, log.for_date) == (OVERDUE, today)
    assert len(mail.outbox) == 1
    assert list(services.review_reminders_due(today=today)) == []


def test_other_functions_reviewers_are_not_reminded(medium_case, sec, priv, arch):
    other = reviewer("privacy", "priv.two")
    for review in medium_case.reviews.all():
        due_in(review, 3)

    sweep()

    recipients = {m.subject.split(": ")[1].split(" review")[0]: sorted(m.to) for m in mail.outbox}
    assert recipients == {"Security": [sec.email], "Privacy": emails(priv, other), "Architecture": [arch.email]}


# -- admin ---------------------------------------------------------------------------


def test_the_reminder_log_is_read_only_in_admin(review, client, gov):
    due_in(review, -1)
    sweep()
    log = ReminderLog.objects.get()
    client.force_login(gov)

    assert client.get("/admin/reviews/reminderlog/").status_code == 200
    page = client.get(f"/admin/reviews/reminderlog/{log.pk}/change/")
    assert page.status_code == 200
    assert b"sec.reviewer@example.test" in page.content
    assert client.get("/admin/reviews/reminderlog/add/").status_code == 403
    assert client.post(f"/admin/reviews/reminderlog/{log.pk}/delete/", {"post": "yes"}).status_code == 403
    assert ReminderLog.objects.filter(pk=log.pk).exists()
