"""Severity-1 incident alerts always go out: titles are one line, subjects can never break the email,
and the alert is a task of its own, retried when the mail server fails, logged once sent.

Django refuses an email subject with a line break, so a multi-line title would drop the alert.
"""

import datetime
import logging
from smtplib import SMTPException

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from config.celery import app
from reviews import notifications, services
from reviews.models import Incident, IncidentAlert
from reviews.notifications import one_line
from reviews.services.evidence import send_incident_alert
from reviews.tasks import send_incident_alert as alert_task
from tests.celery_support import celery_conf, smtp_down  # noqa: F401 - fixtures
from tests.factories import UserFactory

from .conftest import review_of
from .factories import submitted_use_case
from .gate_world import governance_admin

BROKEN_TITLES = ["Wrong refunds\nBcc: everyone@example.com", "Wrong refunds\r\nissued", "Wrong\rrefunds",
                 "Wrong refunds\u2028issued"]


@pytest.fixture
def case(ava, custops, owner):
    return submitted_use_case(created_by=ava, business_unit=custops, business_owner=owner,
                              executive_sponsor=UserFactory(username="sponsor.sue"))


def _data(**overrides):
    return {"severity": 1, "title": "Wrong refunds issued", "what_happened": "The agent refunded 40 orders.",
            "occurred_at": timezone.now() - datetime.timedelta(hours=1), **overrides}


# -- titles are one line, at every door ------------------------------------------------------


@pytest.mark.parametrize("title", BROKEN_TITLES)
def test_the_service_refuses_a_title_with_a_line_break_at_the_field(case, owner, title):
    with pytest.raises(ValidationError) as err:
        services.incident_report(use_case=case, actor=owner, data=_data(title=title, severity=9))
    # Every problem at once, each at its field.
    assert err.value.message_dict["title"] == ["Write this on one line: no line breaks."]
    assert "severity" in err.value.message_dict
    assert not Incident.objects.exists() and mail.outbox == []


def test_the_incident_page_shows_the_line_break_at_the_title(client, case, owner):
    client.force_login(owner)
    occurred = (timezone.localtime() - datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(reverse("reviews:incidents", args=[case.reference]), {
        "severity": "1", "title": "Wrong refunds\r\nBcc: everyone@example.com", "what_happened": "Refunds.",
        "status": "open", "occurred_at": occurred})
    assert response.status_code == 200
    assert response.context["form"].errors["title"] == ["Write this on one line: no line breaks."]
    assert not Incident.objects.exists()


def test_the_api_answers_400_at_the_title(case, owner):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=owner).key}")
    response = api.post("/api/v1/incidents/", {
        "use_case": case.reference, "severity": 1, "title": "Wrong refunds\nBcc: everyone@example.com",
        "what_happened": "Refunds.", "occurred_at": "2026-06-01T10:00:00Z"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"title": ["Write this on one line: no line breaks."]}
    assert not Incident.objects.exists()


def test_other_fields_keep_their_line_breaks(case, owner):
    incident = services.incident_report(use_case=case, actor=owner,
                                        data=_data(severity=3, what_happened="First this.\nThen that."))
    assert incident.what_happened == "First this.\nThen that."


# -- the alert goes out whatever the title ---------------------------------------------------


def test_a_severity_one_incident_with_a_line_break_in_its_title_still_alerts(
        case, owner, django_capture_on_commit_callbacks):
    """A title written before the rule (or straight into the database) still pages everyone."""
    admin = governance_admin()
    incident = Incident.objects.create(use_case=case, reported_by=owner, severity=2, title=BROKEN_TITLES[0],
                                       what_happened="Refunds.", occurred_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_update(incident=incident, actor=owner, data={"severity": 1})
    [message] = mail.outbox
    assert message.subject == f"[Stagegate] SEVERITY 1 incident on {case.reference}: Wrong refunds " \
                              "Bcc: everyone@example.com"
    assert set(message.to) == {case.executive_sponsor.email, admin.email} and not message.bcc
    assert "Wrong refunds" in message.body
    assert IncidentAlert.objects.get().incident == incident


def test_subjects_are_one_line_and_bounded():
    assert one_line("a\r\n b\u2028c\td") == "a b c d"
    assert len(one_line("x" * 500)) == 200


# -- the alert task: retried on mail failures, sent once --------------------------------------


def test_the_alert_task_retries_only_mail_and_network_errors_with_backoff():
    task = app.tasks["reviews.tasks.send_incident_alert"]
    assert set(task.autoretry_for) == {SMTPException, ConnectionError, OSError}
    assert (task.retry_backoff, task.max_retries, task.acks_late) == (True, 5, True)


def _severity_one(case, owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        incident = services.incident_report(use_case=case, actor=owner, data=_data())
    assert len(queued) == 1  # queued for after the commit
    return incident, incident.history.latest("history_id").history_id


def test_a_failed_alert_is_retried_until_it_goes_and_sent_once(case, owner, smtp_down,  # noqa: F811
                                                              django_capture_on_commit_callbacks):
    incident, history_id = _severity_one(case, owner, django_capture_on_commit_callbacks)
    smtp_down.failures = 2
    with celery_conf(task_eager_propagates=False):  # eager tasks retry at once when errors are not propagated
        result = alert_task.apply(args=(incident.pk, history_id))
    assert result.get() is True
    assert smtp_down.attempts == 3 and len(mail.outbox) == 1
    # Safe to run twice: a redelivered task finds the alert logged and sends nothing.
    assert alert_task.apply(args=(incident.pk, history_id)).get() is False
    assert len(mail.outbox) == 1
    assert IncidentAlert.objects.get().recipients == [case.executive_sponsor.email]


def test_a_mail_server_that_stays_down_logs_nothing_sent(case, owner, smtp_down,  # noqa: F811
                                                        django_capture_on_commit_callbacks):
    incident, history_id = _severity_one(case, owner, django_capture_on_commit_callbacks)
    with celery_conf(task_eager_propagates=False):
        result = alert_task.apply(args=(incident.pk, history_id))
    with pytest.raises(SMTPException):
        result.get()
    assert smtp_down.attempts == 1 + alert_task.max_retries
    assert not IncidentAlert.objects.exists()
    smtp_down.failures = 0  # back up: the next attempt goes out
    assert send_incident_alert(incident_id=incident.pk, history_id=history_id) is not None
    assert len(mail.outbox) == 1


def test_a_mail_server_down_never_fails_the_report(client, case, owner, smtp_down, caplog,  # noqa: F811
                                                  django_capture_on_commit_callbacks):
    """Tasks run in-process here (the embedded default): the failure is logged, the incident is saved."""
    client.force_login(owner)
    occurred = (timezone.localtime() - datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    with caplog.at_level(logging.ERROR, logger="reviews.notifications"), \
            django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reviews:incidents", args=[case.reference]), {
            "severity": "1", "title": "Wrong refunds issued", "what_happened": "Refunds.", "status": "open",
            "occurred_at": occurred})
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert f"Severity-1 alert for incident {incident.pk} not sent" in caplog.text
    assert mail.outbox == [] and not IncidentAlert.objects.exists()


def test_other_emails_survive_a_mail_server_failure(low_case, sec, smtp_down, caplog,  # noqa: F811
                                                    django_capture_on_commit_callbacks):
    """Every other notification is sent after the commit too: a failure is logged, never raised."""
    review = review_of(low_case, "security")
    review.assignee = sec
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        notifications.review_assigned(review, actor=sec)
    assert smtp_down.attempts == 1 and mail.outbox == []
    assert "Error calling" in caplog.text and "Connection unexpectedly closed" in caplog.text
