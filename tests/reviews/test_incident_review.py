"""After an incident: an owner, a due date for the post-incident review, the review and its actions, a closure
that needs the review at severity 1 and 2, and reminders of actions and overdue reviews, each sent once.

olga (the business owner) records the use case's evidence; the security reviewer sees it and owns actions;
ben, of another business unit, sees none of it.
"""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.errors import InvalidTransition
from reviews import services as evidence_services
from reviews.models import Incident, IncidentAction, IncidentActionReminderLog, PostIncidentReview
from reviews.selectors.incidents import incident_panel, incident_reviews_overdue_count
from reviews.services import incidents
from reviews.services.incident_reminders import incident_reminders_due
from reviews.tasks import send_review_reminders

from .factories import submitted_use_case

REFUSAL = "A severity-{n} incident closes only after its post-incident review with at least one action."
REVIEW = {"cause": "A stale index.", "impact": "31 customers misinformed.", "lessons": "Index on every publish."}


@pytest.fixture
def case(ava, custops, owner):
    return submitted_use_case(created_by=ava, business_unit=custops, business_owner=owner)


@pytest.fixture
def doer(sec):
    """Owns actions: the security reviewer sees the use case but does not record its evidence."""
    return sec


def report(case, owner, *, severity=2, days_ago=1, **extra):
    return evidence_services.incident_report(use_case=case, actor=owner, data={
        "severity": severity, "title": "Answers quoted a withdrawn policy", "what_happened": "Wrong window quoted.",
        "occurred_at": timezone.now() - datetime.timedelta(days=days_ago), **extra})


def add_action(incident, owner, person, *, due_in=10):
    return incidents.incident_action_add(incident=incident, actor=owner, description="Alert on withdrawn policies.",
                                         owner=person, due_date=timezone.localdate() + datetime.timedelta(days=due_in))


# -- the review's due date ----------------------------------------------------------------------------


@pytest.mark.parametrize(("severity", "days"), [(1, 14), (2, 14), (3, 30), (4, 30)])
def test_the_review_is_due_14_days_after_a_severe_incident_and_30_after_a_minor_one(case, owner, severity, days):
    incident = report(case, owner, severity=severity, days_ago=0)
    assert incident.review_due == timezone.localdate() + datetime.timedelta(days=days)


def test_a_default_due_date_follows_the_severity_and_a_set_one_stays(case, owner):
    incident = report(case, owner, severity=4, days_ago=0)
    evidence_services.incident_update(incident=incident, actor=owner, data={"severity": 2})
    incident.refresh_from_db()
    assert incident.review_due == timezone.localdate() + datetime.timedelta(days=14)
    chosen = timezone.localdate() + datetime.timedelta(days=5)
    incidents.incident_assign(incident=incident, actor=owner, review_due=chosen)
    evidence_services.incident_update(incident=incident, actor=owner, data={"severity": 4})
    incident.refresh_from_db()
    assert incident.review_due == chosen


# -- closure ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("severity", "review", "action", "closes"), [
    (1, False, False, False), (1, True, False, False), (1, False, True, False), (1, True, True, True),
    (2, False, False, False), (2, True, False, False), (2, True, True, True),
    (3, False, False, True), (4, False, False, True),
])
def test_closing_needs_the_review_with_an_action_at_severity_1_and_2(case, owner, doer, severity, review, action,
                                                                    closes):
    incident = report(case, owner, severity=severity)
    if review:
        incidents.incident_review_record(incident=incident, actor=owner, **REVIEW)
    if action:
        add_action(incident, owner, doer)
    for close in (lambda: incidents.incident_close(incident=incident, actor=owner),
                  lambda: evidence_services.incident_update(incident=incident, actor=owner,
                                                            data={"status": "closed", "title": "Renamed"})):
        if closes:
            close()
            break
        with pytest.raises(ValidationError) as refused:
            close()
        assert refused.value.message_dict["status"][0].startswith(REFUSAL.format(n=severity))
    incident.refresh_from_db()
    assert incident.status == ("closed" if closes else "open")
    assert incident.title == "Answers quoted a withdrawn policy"  # a refused update writes nothing


def test_a_severe_incident_cannot_be_reported_already_closed(case, owner):
    with pytest.raises(ValidationError) as refused:
        report(case, owner, severity=1, status="closed")
    assert refused.value.message_dict["status"] == [REFUSAL.format(n=1) + " Record the review first."]
    assert not Incident.objects.exists() and mail.outbox == []


@pytest.mark.parametrize(("start", "target", "allowed"), [
    ("open", "investigating", True), ("resolved", "closed", True), ("closed", "investigating", True),
    ("closed", "open", False), ("closed", "resolved", False), ("resolved", "open", False),
])
def test_the_status_moves_only_along_the_table(case, owner, start, target, allowed):
    incident = report(case, owner, severity=3, status=start)
    change = lambda: evidence_services.incident_update(incident=incident, actor=owner,  # noqa: E731
                                                       data={"status": target})
    if allowed:
        change()
    else:
        with pytest.raises(InvalidTransition):
            change()
    incident.refresh_from_db()
    assert incident.status == (target if allowed else start)


# -- bad input at the field ---------------------------------------------------------------------------


def test_an_action_needs_its_description_owner_and_due_date(case, owner):
    incident = report(case, owner)
    with pytest.raises(ValidationError) as refused:
        incidents.incident_action_add(incident=incident, actor=owner, description=" ", owner=None, due_date=None)
    assert set(refused.value.message_dict) == {"description", "owner", "due_date"}
    assert refused.value.message_dict["owner"] == ["Name the action's owner."]
    assert not IncidentAction.objects.exists()


def test_the_review_needs_cause_impact_and_lessons(case, owner):
    incident = report(case, owner)
    with pytest.raises(ValidationError) as refused:
        incidents.incident_review_record(incident=incident, actor=owner, cause="", impact="x" * 5001, lessons=None)
    assert set(refused.value.message_dict) == {"cause", "impact", "lessons"}
    assert not PostIncidentReview.objects.exists()


def test_a_done_action_is_final(case, owner, doer):
    action = add_action(report(case, owner), owner, doer)
    done = incidents.incident_action_complete(action=action, actor=doer)  # its owner may
    assert (done.status, done.done_by) == ("done", doer) and done.done_at
    with pytest.raises(InvalidTransition):
        incidents.incident_action_complete(action=action, actor=owner)


# -- who may ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("call", ["assign", "review", "action", "close", "complete"])
def test_someone_of_another_business_unit_sees_nothing_and_changes_nothing(case, owner, doer, ben, call):
    incident = report(case, owner, severity=3)
    action = add_action(incident, owner, doer)
    calls = {
        "assign": lambda: incidents.incident_assign(incident=incident, actor=ben, owner=owner),
        "review": lambda: incidents.incident_review_record(incident=incident, actor=ben, **REVIEW),
        "action": lambda: add_action(incident, ben, doer),
        "close": lambda: incidents.incident_close(incident=incident, actor=ben),
        "complete": lambda: incidents.incident_action_complete(action=action, actor=ben),
    }
    with pytest.raises(Http404):
        calls[call]()
    incident.refresh_from_db()
    action.refresh_from_db()
    assert (incident.owner, incident.status, action.status) == (None, "open", "open")
    assert not PostIncidentReview.objects.exists() and IncidentAction.objects.count() == 1


def test_an_action_owner_may_mark_it_done_but_not_record_the_review(case, owner, doer):
    incident = report(case, owner)
    with pytest.raises(PermissionDenied):
        incidents.incident_review_record(incident=incident, actor=doer, **REVIEW)


def test_an_owner_who_cannot_see_the_use_case_is_refused_at_the_field(case, owner, ben):
    incident = report(case, owner)
    with pytest.raises(ValidationError) as refused:
        add_action(incident, owner, ben)
    assert refused.value.message_dict["owner"] == [f"ben.submitter cannot see {case.reference}: choose someone "
                                                   "who can."]


# -- reminders ----------------------------------------------------------------------------------------


@pytest.fixture
def follow_up(case, owner, doer):
    """An action due in 2 days, one overdue by 3, and a severity-2 incident whose review is 6 days late."""
    incident = report(case, owner, severity=2, days_ago=20)
    incidents.incident_assign(incident=incident, actor=owner, owner=doer)
    soon, late = add_action(incident, owner, doer, due_in=2), add_action(incident, owner, doer, due_in=-3)
    return incident, soon, late


@pytest.fixture
def sweep(django_capture_on_commit_callbacks):
    """The daily sweep, with the tasks it queues run once its transaction commits."""

    def run() -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return send_review_reminders()

    return run


def _kinds():
    return sorted(IncidentActionReminderLog.objects.values_list("kind", flat=True))


def test_reminders_go_to_their_owners_once_over_two_sweeps(follow_up, clock, doer, sweep):
    assert sweep() >= 3
    assert _kinds() == ["action_due_soon", "action_overdue", "review_overdue"]
    assert all(message.to == [doer.email] for message in mail.outbox)
    sent = len(mail.outbox)
    sweep()  # the same day again: nothing more
    assert len(mail.outbox) == sent and len(_kinds()) == 3
    subjects = " ".join(m.subject for m in mail.outbox)
    assert "post-incident review overdue" in subjects and "an action is overdue" in subjects

    clock.advance(1)  # the next day: overdue ones again, "due soon" never twice
    sweep()
    sweep()
    assert _kinds() == ["action_due_soon", "action_overdue", "action_overdue", "review_overdue", "review_overdue"]


def test_done_actions_recorded_reviews_and_closed_incidents_are_not_reminded(follow_up, owner, doer):
    incident, soon, late = follow_up
    incidents.incident_action_complete(action=soon, actor=doer)
    incidents.incident_review_record(incident=incident, actor=owner, **REVIEW)
    assert [kind for kind, _ in incident_reminders_due(today=timezone.localdate())] == ["action_overdue"]
    incidents.incident_action_complete(action=late, actor=doer)
    incidents.incident_close(incident=incident, actor=owner)
    assert list(incident_reminders_due(today=timezone.localdate())) == []


def test_the_review_overdue_goes_to_the_reporter_when_nobody_owns_the_incident(case, owner, sweep):
    report(case, owner, severity=1, days_ago=30)
    sweep()
    assert [m.to for m in mail.outbox if "review overdue" in m.subject] == [[owner.email]]


def test_the_due_list_costs_the_same_queries_however_many_are_due(case, owner, doer):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            list(incident_reminders_due(today=timezone.localdate()))
        return len(queries.captured_queries)

    incident = report(case, owner, severity=2, days_ago=20)
    add_action(incident, owner, doer, due_in=-1)
    few = count()
    for n in range(5):
        add_action(report(case, owner, severity=1, days_ago=20 + n), owner, doer, due_in=-n)
    assert count() == few <= 2


# -- pages and panel ----------------------------------------------------------------------------------


def test_the_incident_page_keeps_what_was_typed_next_to_the_missing_date(client, case, owner, doer):
    incident = report(case, owner)
    client.force_login(owner)
    url = reverse("reviews:incident_action_add", args=[case.reference, incident.pk])
    response = client.post(url, {"action-description": "Alert the support lead.", "action-owner": doer.pk})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Enter the action&#x27;s due date." in page and "Alert the support lead." in page
    assert not IncidentAction.objects.exists()


def test_closing_on_the_page_is_refused_at_the_status_with_the_input_kept(client, case, owner):
    incident = report(case, owner, severity=1)
    client.force_login(owner)
    url = reverse("reviews:incident_edit", args=[case.reference, incident.pk])
    response = client.post(url, {"severity": "1", "title": "Kept title", "what_happened": "Kept text.",
                                 "occurred_at": timezone.localtime(incident.occurred_at).strftime("%Y-%m-%dT%H:%M"),
                                 "status": "closed"})
    assert response.status_code == 200
    page = response.content.decode()
    assert REFUSAL.format(n=1) in page and "Kept title" in page
    incident.refresh_from_db()
    assert incident.status == "open"


def test_the_page_records_the_review_and_an_action_and_its_owner_marks_it_done(client, case, owner, doer):
    incident = report(case, owner)
    client.force_login(owner)
    base = [case.reference, incident.pk]
    client.post(reverse("reviews:incident_review", args=base), {f"pir-{k}": v for k, v in REVIEW.items()})
    client.post(reverse("reviews:incident_action_add", args=base), {
        "action-description": "Alert on withdrawn policies.", "action-owner": doer.pk,
        "action-due_date": (timezone.localdate() + datetime.timedelta(days=7)).isoformat()})
    action = IncidentAction.objects.get()
    client.force_login(doer)
    page = client.get(reverse("reviews:incident_edit", args=base)).content.decode()
    assert "A stale index." in page and "Mark done" in page
    client.post(reverse("reviews:incident_action_done", args=[*base, action.pk]))
    action.refresh_from_db()
    assert action.status == "done"


def test_someone_of_another_business_unit_gets_404_on_the_incident_pages(client, case, owner, ben):
    incident = report(case, owner)
    client.force_login(ben)
    assert client.post(reverse("reviews:incident_review", args=[case.reference, incident.pk]),
                       {f"pir-{k}": v for k, v in REVIEW.items()}).status_code == 404
    assert not PostIncidentReview.objects.exists()


def test_the_panel_lists_open_actions_and_overdue_reviews_in_constant_queries(follow_up, case,
                                                                              django_assert_num_queries):
    with django_assert_num_queries(2):
        panel = incident_panel(case)
    assert panel["shown"] and len(panel["open_actions"]) == 2 and panel["overdue_actions"] == 1
    assert [row["days_overdue"] for row in panel["reviews_overdue"]] == [6]
    assert incident_reviews_overdue_count(today=timezone.localdate()) == 1


def test_the_demo_gives_its_incident_a_completed_review_and_one_open_action_once(case, owner):
    from demo.between_incidents import seed_incident_review

    incident = report(case, owner, severity=2)
    seed_incident_review()
    seed_incident_review()  # again: nothing more
    incident.refresh_from_db()
    review = PostIncidentReview.objects.get(incident=incident)
    assert review.completed_at and incident.owner == owner
    assert list(IncidentAction.objects.values_list("status", flat=True)) == ["open"]


@pytest.mark.parametrize("model", ["postincidentreview", "incidentaction", "incidentactionreminderlog"])
def test_admin_lists_the_follow_up_read_only(client, gov, follow_up, owner, model):
    incidents.incident_review_record(incident=follow_up[0], actor=owner, **REVIEW)
    client.force_login(gov)
    assert client.get(reverse(f"admin:reviews_{model}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:reviews_{model}_add")).status_code == 403
