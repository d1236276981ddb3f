"""Emails about the risk register at the gates: a risk newly at its threshold tells its owner and the go/no-go
A once per crossing; an acceptance about to end, and one ended, tells whoever accepted it too, once each,
however often the daily sweep runs."""

import datetime
from smtplib import SMTPRecipientsRefused

import pytest
from django.core import mail
from django.utils import timezone

from config.celery import app
from reviews import services, tasks
from reviews.models import RiskAcceptance, RiskNotice
from reviews.selectors.risk_gate import day
from reviews.services import risk_notices
from tests.celery_support import celery_conf, eager, smtp_down  # noqa: F401 - fixtures
from tests.factories import UserFactory

from .factories import RiskFactory
from .gate_world import pilot_ready

TASKS = ["reviews.tasks.send_risk_threshold_notice", "reviews.tasks.send_risk_acceptance_notice"]


@pytest.fixture
def world(ava, custops):
    use_case, owner, sponsor = pilot_ready(ava, custops)
    return use_case, owner, sponsor, UserFactory(username="rita.riskowner")


def _save(world, commit, risk=None, **data):
    use_case, owner, _sponsor, risk_owner = world
    values = {} if risk else {"area": "data_privacy", "description": "Transcripts kept too long.", "likelihood": 3,
                              "impact": 3, "owner": risk_owner}
    with commit(execute=True):
        return services.risk_save(use_case=use_case, actor=owner, data={**values, **data}, risk=risk)


def _latest_history(risk) -> int:
    return risk.history.latest("history_id").history_id


# -- crossing the threshold ----------------------------------------------------------------------------


def test_a_risk_reaching_its_threshold_tells_its_owner_and_the_sponsor_once(
        world, django_capture_on_commit_callbacks):
    use_case, _owner, sponsor, risk_owner = world
    risk = _save(world, django_capture_on_commit_callbacks)
    assert mail.outbox == []  # 9, under 15
    risk = _save(world, django_capture_on_commit_callbacks, risk, likelihood=4, impact=4)
    [message] = mail.outbox
    assert sorted(message.to) == sorted([risk_owner.email, sponsor.email])
    assert message.subject == (f"[Stagegate] {use_case.reference}: a risk reached its escalation threshold "
                               "(Data privacy, 16 against 15)")
    assert "Score: 16 (likelihood 4 x impact 4), against a threshold of 15" in message.body
    assert f"/reviews/use-cases/{use_case.reference}/risks/#risk-{risk.pk}" in message.body
    assert "blocks the next stage gate" in message.body and "accept it" in message.body
    notice = RiskNotice.objects.get()
    assert (notice.kind, notice.key, notice.risk) == ("threshold_crossed", _latest_history(risk), risk)

    # Still over it: a later change tells nobody again; the task run twice sends nothing more.
    _save(world, django_capture_on_commit_callbacks, risk, description="Transcripts kept for a year.")
    assert tasks.send_risk_threshold_notice.apply(args=(risk.pk, notice.key)).get() is False
    assert len(mail.outbox) == 1 and RiskNotice.objects.count() == 1


def test_each_new_crossing_is_told_and_a_risk_created_over_it_too(world, django_capture_on_commit_callbacks):
    risk = _save(world, django_capture_on_commit_callbacks, likelihood=5, impact=3)  # created at 15
    assert len(mail.outbox) == 1
    _save(world, django_capture_on_commit_callbacks, risk, mitigation_status="mitigated")
    _save(world, django_capture_on_commit_callbacks, risk, mitigation_status="open")  # live again
    _save(world, django_capture_on_commit_callbacks, risk, escalation_threshold=10)  # still over: nothing new
    assert len(mail.outbox) == 2 and RiskNotice.objects.count() == 2


def test_a_risk_back_under_its_threshold_before_the_task_runs_is_not_told(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        risk = services.risk_save(use_case=world[0], actor=world[1], data={
            "area": "cost_creep", "description": "Token spend.", "likelihood": 5, "impact": 5})
    assert len(queued) == 1
    _save(world, django_capture_on_commit_callbacks, risk, likelihood=1)
    for callback in queued:
        callback()
    assert mail.outbox == [] and not RiskNotice.objects.exists()


def test_a_mail_failure_leaves_no_notice_and_the_retry_sends_it_once(
        world, smtp_down, django_capture_on_commit_callbacks):  # noqa: F811
    with django_capture_on_commit_callbacks(execute=False):
        risk = services.risk_save(use_case=world[0], actor=world[1], data={
            "area": "cost_creep", "description": "Token spend.", "likelihood": 5, "impact": 5, "owner": world[3]})
    smtp_down.failures = 2
    with celery_conf(task_eager_propagates=False):  # eager tasks retry at once when errors are not propagated
        result = tasks.send_risk_threshold_notice.apply(args=(risk.pk, _latest_history(risk)))
    assert result.get() is True
    assert smtp_down.attempts == 3 and len(mail.outbox) == 1 and RiskNotice.objects.count() == 1


@pytest.mark.parametrize("name", TASKS)
def test_the_tasks_retry_only_mail_and_network_errors(name):
    from smtplib import SMTPException

    task = app.tasks[name]
    assert set(task.autoretry_for) == {SMTPException, ConnectionError, OSError}
    assert (task.retry_backoff, task.max_retries, task.acks_late) == (True, 5, True)


# -- acceptances ending -----------------------------------------------------------------------------------


def _accepted(world, expires_in: int, **risk):
    use_case, _owner, sponsor, risk_owner = world
    row = RiskFactory(**{"use_case": use_case, "owner": risk_owner, "likelihood": 4, "impact": 4,
                         "mitigation_status": "open", **risk})
    return RiskAcceptance.objects.create(
        risk=row, rationale="Worth it for the rollout.", compensating_controls="Weekly sampling.",
        expires_on=timezone.localdate() + datetime.timedelta(days=expires_in), accepted_by=sponsor)


def _sweep(days_from_now: int = 0) -> int:
    """What the daily sweep's tasks do, in-process: send each notice due that day; how many went."""
    today = timezone.localdate() + datetime.timedelta(days=days_from_now)
    return sum(risk_notices.send_acceptance_notice(acceptance_id=pk, kind=kind, today=today) is not None
               for pk, kind in risk_notices.risk_acceptance_notices_due(today=today))


@pytest.mark.parametrize(("expires_in", "kind"), [
    (15, None), (14, "acceptance_expiring"), (1, "acceptance_expiring"), (0, "acceptance_expired"),
    (-40, "acceptance_expired"),
], ids=["15-days-ahead", "14-days-ahead", "tomorrow", "today", "long-ago"])
def test_the_sweep_reminds_before_an_acceptance_ends_and_when_it_has(world, expires_in, kind):
    acceptance = _accepted(world, expires_in)
    sent = _sweep()
    assert sent == (1 if kind else 0)
    assert list(RiskNotice.objects.values_list("kind", "key")) == ([(kind, acceptance.pk)] if kind else [])
    assert _sweep() == 0 and len(mail.outbox) == sent  # run again: nothing more


def test_the_expiring_and_expired_notices_go_to_the_acceptor_the_owner_and_the_sponsor(world):
    use_case, _owner, sponsor, risk_owner = world
    acceptance = _accepted(world, 10)
    assert _sweep() == 1
    [warning] = mail.outbox
    until = day(acceptance.expires_on)
    assert sorted(warning.to) == sorted([sponsor.email, risk_owner.email])  # the sponsor accepted it
    assert warning.subject == (f"[Stagegate] {use_case.reference}: the acceptance of a risk ends on {until} "
                               "(Data privacy)")
    assert f"ends on {until}, in 10 days" in warning.body and "Weekly sampling." in warning.body
    assert _sweep(5) == 0  # once per acceptance, not daily
    assert _sweep(10) == 1
    expired = mail.outbox[1]
    assert expired.subject == f"[Stagegate] {use_case.reference}: the acceptance of a risk has expired (Data privacy)"
    assert f"expired on {until}" in expired.body and "blocks the next stage gate again" in expired.body
    assert _sweep(11) == 0 and len(mail.outbox) == 2


@pytest.mark.parametrize("change", ["accepted_again", "reduced", "closed", "killed"])
def test_an_acceptance_no_longer_needed_is_not_reminded(world, change):
    use_case, _owner, sponsor, _risk_owner = world
    acceptance = _accepted(world, 0)
    risk = acceptance.risk
    if change == "accepted_again":
        RiskAcceptance.objects.create(risk=risk, rationale="Again.", compensating_controls="Sampling.",
                                      expires_on=timezone.localdate() + datetime.timedelta(days=90),
                                      accepted_by=sponsor)
    elif change == "reduced":
        type(risk).objects.filter(pk=risk.pk).update(impact=2)
    elif change == "closed":
        type(risk).objects.filter(pk=risk.pk).update(mitigation_status="closed")
    else:
        services.gate_decide(use_case=use_case, actor=sponsor, outcome="kill", rationale="Stopped by the board.")
    mail.outbox.clear()
    assert _sweep() == 0 and mail.outbox == []


def test_the_daily_review_sweep_queues_one_task_per_acceptance_notice(world, eager,  # noqa: F811
                                                                     django_capture_on_commit_callbacks):
    expiring, expired = _accepted(world, 3), _accepted(world, 0, area="cost_creep")
    with django_capture_on_commit_callbacks(execute=True) as queued:
        assert tasks.send_review_reminders() == 2
    assert len(queued) == 2
    assert sorted(RiskNotice.objects.values_list("kind", "key")) == [
        ("acceptance_expired", expired.pk), ("acceptance_expiring", expiring.pk)]
    # A task delivered twice (a retry, a second beat) sends nothing more: the RiskNotice row is there.
    today = timezone.localdate().isoformat()
    assert tasks.send_risk_acceptance_notice.apply(args=(expiring.pk, "acceptance_expiring", today)).get() is False
    assert len(mail.outbox) == 2


def test_a_mail_failure_leaves_no_notice_and_the_retry_sends_it_once_more(world, smtp_down):  # noqa: F811
    acceptance = _accepted(world, 2)
    smtp_down.failures = 2
    with celery_conf(task_eager_propagates=False):
        result = tasks.send_risk_acceptance_notice.apply(
            args=(acceptance.pk, "acceptance_expiring", timezone.localdate().isoformat()))
    assert result.get() is True
    assert smtp_down.attempts == 3 and len(mail.outbox) == 1 and RiskNotice.objects.count() == 1


def test_an_address_that_keeps_failing_holds_back_no_other_notice(
        world, eager, monkeypatch, django_capture_on_commit_callbacks):  # noqa: F811
    """The first notice's mail is refused every time; the notices queued after it still go."""
    refused = UserFactory(username="gone.owner", email="gone@example.invalid")
    failing = _accepted(world, 2, owner=refused)
    sent = _accepted(world, 3, area="cost_creep")
    real_send = risk_notices.send_mail

    def send_mail(subject, body, sender, recipients, **kwargs):
        if refused.email in recipients:
            raise SMTPRecipientsRefused({refused.email: (550, b"No such user")})
        return real_send(subject, body, sender, recipients, **kwargs)

    monkeypatch.setattr(risk_notices, "send_mail", send_mail)
    with celery_conf(task_eager_propagates=False), django_capture_on_commit_callbacks(execute=True):
        tasks.send_review_reminders()
    assert list(RiskNotice.objects.values_list("key", flat=True)) == [sent.pk]
    assert len(mail.outbox) == 1 and failing.pk < sent.pk  # the failing one was queued first
