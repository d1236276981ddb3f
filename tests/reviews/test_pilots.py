"""Pilots that end: the Exploration -> Pilot gate sets the time-box, the clock says days left and overrun,
the sweep reminds before the end and escalates an overrun once, and the gate warns above the range.

ava submits; her use case's executive sponsor is its go / no-go Accountable; pam is in the PMO.
"""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.errors import InvalidTransition
from intake.models import UseCase, UseCaseEvent
from reviews import selectors, services
from reviews.models import GateDecision, PilotReminderLog
from reviews.selectors import pilots as pilot_selectors
from reviews.services import pilots
from tests.factories import UseCaseFactory, UserFactory, at_stage

from .gate_world import governance_admin, pilot_ready

ENDS_SOON, OVERRUN = "ends_soon", "overrun"


def today() -> datetime.date:
    """The local day the test runs on: under a zone far from UTC it is not the UTC day."""
    return timezone.localdate()


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


@pytest.fixture
def pam(db):
    user = UserFactory(username="pam.pmo")
    user.groups.add(Group.objects.get(name="pmo"))
    return user


def a_pilot(*, end_in: int, unit=None, start_ago: int = 60, **answers) -> UseCase:
    """A use case in Pilot ending ``end_in`` days from today (its gates passed as fixture set-up)."""
    use_case = UseCaseFactory(**({"business_unit": unit} if unit else {}), **answers)
    UseCase.objects.filter(pk=use_case.pk).update(
        stage="pilot", status="approved", pilot_start=today() - days(start_ago), pilot_end=today() + days(end_in))
    use_case.refresh_from_db()
    return use_case


def go(use_case, actor, **dates):
    return services.gate_decide(use_case=use_case, actor=actor, outcome="scale",
                                rationale="Evidence reviewed at the monthly gate.", **dates)


# -- the gate sets the time-box -------------------------------------------------------------------


def test_a_go_into_pilot_starts_a_twelve_week_time_box_on_the_decision_day(ava, custops):
    use_case, _owner, sponsor = pilot_ready(ava, custops, stage="exploration")
    go(use_case, sponsor)
    use_case.refresh_from_db()
    assert (use_case.stage, use_case.pilot_start, use_case.pilot_end) == ("pilot", today(), today() + days(84))
    assert use_case.history.first().pilot_end == today() + days(84)  # audited with the stage


def test_the_decider_may_give_the_pilot_dates(ava, custops):
    use_case, _owner, sponsor = pilot_ready(ava, custops, stage="exploration")
    go(use_case, sponsor, pilot_start=today() + days(7), pilot_end=today() + days(63))
    use_case.refresh_from_db()
    assert (use_case.pilot_start, use_case.pilot_end) == (today() + days(7), today() + days(63))


def test_a_pilot_ending_before_it_starts_is_refused_at_the_end_and_nothing_is_decided(ava, custops):
    use_case, _owner, sponsor = pilot_ready(ava, custops, stage="exploration")
    with pytest.raises(ValidationError) as refused:
        go(use_case, sponsor, pilot_start=today(), pilot_end=today() - days(1))
    assert "before it starts" in refused.value.message_dict["pilot_end"][0]
    use_case.refresh_from_db()
    assert (use_case.stage, use_case.pilot_end) == ("exploration", None)
    assert not GateDecision.objects.exists()


def test_a_later_gate_keeps_the_pilot_dates(ava, custops):
    use_case = a_pilot(end_in=-3)
    admin = governance_admin()
    services.gate_decide(use_case=use_case, actor=admin, outcome="pause", rationale="Waiting for the vendor.")
    use_case.refresh_from_db()
    assert (use_case.stage, use_case.pilot_end) == ("paused", today() - days(3))
    assert not pilot_selectors.pilot_clock(use_case).overrun  # no longer in Pilot


# -- the clock at its edges -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("end_in", "days_left", "ends_soon", "overrun"),
    [
        (15, 15, False, False),
        (14, 14, True, False),   # the reminder lead: 14 days before the end
        (1, 1, True, False),
        (0, 0, True, False),     # the end day is still inside the time-box
        (-1, -1, False, True),   # the day after: overrun
        (-30, -30, False, True),
    ],
)
def test_the_pilot_clock(db, end_in, days_left, ends_soon, overrun):
    clock = pilot_selectors.pilot_clock(a_pilot(end_in=end_in))
    assert (clock.days_left, clock.ends_soon, clock.overrun) == (days_left, ends_soon, overrun)


@pytest.mark.parametrize(("stage", "status"), [("controlled_rollout", "approved"), ("pilot", "withdrawn"),
                                                ("stopped", "approved")])
def test_a_pilot_that_left_pilot_never_overruns(db, stage, status):
    use_case = a_pilot(end_in=-5)
    UseCase.objects.filter(pk=use_case.pk).update(stage=stage, status=status)
    use_case.refresh_from_db()
    assert not pilot_selectors.pilot_clock(use_case).overrun
    assert not pilot_selectors.pilot_overrun(use_case)


def test_the_panel_shows_the_clock_and_the_concurrent_pilots(db, pam, custops, fin):
    use_case = a_pilot(end_in=-2, unit=custops)
    a_pilot(end_in=30, unit=custops)
    a_pilot(end_in=30, unit=fin)
    panel = pilot_selectors.pilot_panel(use_case, user=pam)
    assert (panel["shown"], panel["clock"].overrun, panel["days_overrun"], panel["may_edit"]) == (True, True, 2, True)
    concurrent = panel["concurrent"]
    assert (concurrent["portfolio"].count, concurrent["portfolio"].state) == (3, "within")
    assert [(u.name, u.count, u.state) for u in concurrent["units"]] == [("Customer Operations", 2, "below"),
                                                                         ("Finance", 1, "below")]
    assert not pilot_selectors.pilot_panel(UseCaseFactory())["shown"]


# -- concurrent pilots and the gate's warning ----------------------------------------------------


@pytest.mark.parametrize(("running", "warned"), [(5, False), (6, False), (7, True), (9, True)])
def test_the_gate_into_pilot_warns_above_the_policys_range(ava, custops, running, warned):
    use_case, _owner, sponsor = pilot_ready(ava, custops, stage="exploration")
    for _ in range(running):
        a_pilot(end_in=30)
    warnings = pilot_selectors.pilot_gate_warnings(use_case)
    assert bool(warnings) is warned
    if warned:
        assert f"makes {running + 1}, above the governance policy's range of 3 to 7" in warnings[0]
        go(use_case, sponsor)  # a warning, never a refusal
        assert UseCase.objects.get(pk=use_case.pk).stage == "pilot"


def test_the_gate_page_shows_the_warning(ava, custops, client):
    use_case, _owner, sponsor = pilot_ready(ava, custops, stage="exploration")
    for _ in range(7):
        a_pilot(end_in=30)
    client.force_login(sponsor)
    page = client.get(reverse("intake:detail", args=[use_case.reference])).content.decode()
    assert "above the governance policy&#x27;s range of 3 to 7 concurrent pilots" in page


# -- setting the dates by hand --------------------------------------------------------------------


def test_the_pmo_moves_a_pilots_end_and_it_is_audited(db, pam):
    use_case = a_pilot(end_in=5)
    services_result = pilots.pilot_dates_set(use_case=use_case, actor=pam, start=use_case.pilot_start,
                                             end=today() + days(40))
    assert services_result.pilot_end == today() + days(40)
    event = UseCaseEvent.objects.get(use_case=use_case, kind="pilot_dates")
    assert (event.actor, "-> " in event.note) == (pam, True)
    assert use_case.history.first().history_user == pam


def test_the_go_no_go_accountable_may_set_the_dates(db):
    use_case = a_pilot(end_in=5)
    pilots.pilot_dates_set(use_case=use_case, actor=use_case.executive_sponsor, start=today(), end=today() + days(9))
    assert UseCase.objects.get(pk=use_case.pk).pilot_end == today() + days(9)


def test_the_use_cases_own_people_may_not_set_the_dates(db):
    use_case = a_pilot(end_in=5)
    with pytest.raises(PermissionDenied, match="set by the PMO, governance admins"):
        pilots.pilot_dates_set(use_case=use_case, actor=use_case.delivery_owner, start=today(), end=today() + days(9))


@pytest.mark.parametrize(
    ("start_in", "end_in", "field", "words"),
    [
        (0, -1, "pilot_end", "cannot end ({end:%d %b %Y}) before it starts ({start:%d %b %Y})"),
        (0, None, "pilot_end", "Give the day the pilot ends."),
        (None, 0, "pilot_start", "Give the day the pilot starts."),
    ],
)
def test_bad_pilot_dates_are_refused_at_the_field(db, pam, start_in, end_in, field, words):
    use_case = a_pilot(end_in=5)
    start, end = (None if n is None else today() + days(n) for n in (start_in, end_in))
    with pytest.raises(ValidationError) as refused:
        pilots.pilot_dates_set(use_case=use_case, actor=pam, start=start, end=end)
    assert words.format(start=start, end=end) in refused.value.message_dict[field][0]
    assert UseCase.objects.get(pk=use_case.pk).pilot_end == today() + days(5)


def test_only_a_running_pilot_has_dates_to_set(db, pam):
    use_case = at_stage(UseCaseFactory(), "exploration")
    with pytest.raises(InvalidTransition, match="only a running pilot"):
        pilots.pilot_dates_set(use_case=use_case, actor=pam, start=today(), end=today() + days(9))


# -- the sweep: reminded once before the end, escalated once when overrun ---------------------------


def sweep(day=None) -> list[tuple[int, str]]:
    """What the daily task does, in-process: find what is due, send each."""
    day = day or today()
    due = pilots.pilot_reminders_due(today=day)
    for use_case_id, kind in due:
        pilots.send_pilot_reminder(use_case_id=use_case_id, kind=kind, for_date=day)
    return due


@pytest.mark.parametrize(("end_in", "kind"), [(15, None), (14, ENDS_SOON), (3, ENDS_SOON), (0, ENDS_SOON),
                                              (-1, OVERRUN), (-20, OVERRUN)])
def test_what_the_sweep_sends(db, pam, end_in, kind):
    use_case = a_pilot(end_in=end_in)
    assert sweep() == ([(use_case.pk, kind)] if kind else [])


def test_ends_soon_goes_to_the_go_no_go_a_and_the_delivery_owner_once(db, clock):
    use_case = a_pilot(end_in=14)
    end = use_case.pilot_end
    sweep()
    sweep()  # the same day: nothing more
    clock.advance(3)
    sweep()  # a later day, still before the end: nothing more
    [message] = mail.outbox
    assert sorted(message.to) == sorted([use_case.executive_sponsor.email, use_case.delivery_owner.email])
    assert message.subject == f"[Stagegate] {use_case.reference}: pilot ends in 14 days"
    assert f"{end.day} {end:%B %Y}" in message.body  # the day the pilot ends
    assert reverse("intake:detail", args=[use_case.reference]) in message.body
    assert PilotReminderLog.objects.get().kind == ENDS_SOON


def test_an_overrun_is_escalated_to_the_pmo_once(db, pam, clock):
    use_case = a_pilot(end_in=0)
    sweep()
    clock.advance(1)
    assert sweep() == [(use_case.pk, OVERRUN)]
    assert sweep() == []
    clock.advance(5)
    assert sweep() == []
    _soon, overrun = mail.outbox
    assert overrun.to == [pam.email]
    assert overrun.subject == f"[Stagegate] ESCALATION {use_case.reference}: pilot overrun by 1 day, no gate decided"
    assert "has overrun its time-box by 1 day, with no gate decided" in overrun.body


def test_a_moved_end_is_reminded_again(db, pam, clock):
    use_case = a_pilot(end_in=10)
    sweep()
    pilots.pilot_dates_set(use_case=use_case, actor=pam, start=use_case.pilot_start, end=today() + days(12))
    sweep()
    assert len(mail.outbox) == 2


def test_a_pilot_decided_before_the_task_runs_is_not_escalated(db, pam):
    use_case = a_pilot(end_in=-2)
    [(use_case_id, kind)] = pilots.pilot_reminders_due(today=today())
    at_stage(use_case, "controlled_rollout")
    assert pilots.send_pilot_reminder(use_case_id=use_case_id, kind=kind, for_date=today()) is None
    assert mail.outbox == []


def test_the_sweep_reads_a_constant_number_of_queries(db):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            pilots.pilot_reminders_due(today=today())
        return len(queries)

    a_pilot(end_in=3)
    few = count()
    for end_in in (-4, -1, 0, 5, 14, 40):
        a_pilot(end_in=end_in)
    assert count() == few


def test_the_daily_task_queues_the_pilot_reminders(db, pam, django_capture_on_commit_callbacks):
    from reviews import tasks

    a_pilot(end_in=-1)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.send_review_reminders()
    assert [m.to for m in mail.outbox] == [[pam.email]]
    assert selectors.policy_in_force().pilot_reminder_days == 14


# -- the pilot page -------------------------------------------------------------------------------


def test_the_pmo_changes_the_dates_on_the_pilot_page(db, pam, client):
    use_case = a_pilot(end_in=5)
    client.force_login(pam)
    url = reverse("reviews:pilot", args=[use_case.reference])
    page = client.get(url).content.decode()
    assert 'id="pilot-days-left">5 days left' in page and "Save pilot dates" in page
    start, end = today() - days(60), today() + days(51)
    response = client.post(url, {"pilot_start": start.isoformat(), "pilot_end": end.isoformat()})
    assert response.status_code == 302 and response["Location"].endswith("#between-gates")
    assert UseCase.objects.get(pk=use_case.pk).pilot_end == end


def test_an_end_before_the_start_stays_on_the_page_with_the_reason(db, pam, client):
    use_case = a_pilot(end_in=5)
    client.force_login(pam)
    response = client.post(reverse("reviews:pilot", args=[use_case.reference]),
                           {"pilot_start": "2026-06-01", "pilot_end": "2026-05-01"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "before it starts (01 Jun 2026)" in page
    assert 'value="2026-05-01"' in page  # the input is kept
    assert UseCase.objects.get(pk=use_case.pk).pilot_end == today() + days(5)


def test_the_delivery_owner_reads_the_clock_but_gets_no_form(db, client):
    use_case = a_pilot(end_in=-3)
    client.force_login(use_case.delivery_owner)
    url = reverse("reviews:pilot", args=[use_case.reference])
    page = client.get(url).content.decode()
    assert "Overrun by 3 days: no gate decided" in page and "Save pilot dates" not in page
    response = client.post(url, {"pilot_start": "2026-06-01", "pilot_end": "2026-07-01"}, follow=True)
    assert "set by the PMO, governance admins" in response.content.decode()
    assert UseCase.objects.get(pk=use_case.pk).pilot_end == today() - days(3)


# -- the dashboard and the board pack -------------------------------------------------------------


def test_the_dashboard_and_the_pack_show_days_left_and_the_overrun_pilots(db, pam, client):
    from reports import selectors as report_selectors
    from reports.models import BoardPack

    late = a_pilot(end_in=-6)
    on_time = a_pilot(end_in=20)
    client.force_login(pam)
    page = client.get(reverse("reports:portfolio")).content.decode()
    assert 'id="portfolio-pilots"' in page and late.reference in page
    assert "<strong>2</strong> pilots running at once: below the governance policy's range of 3 to 7." in page
    pack = BoardPack(audience="executive_monthly", period_start=today() - days(29), period_end=today())
    progress = report_selectors.board_pack_data(pack)["progress"]
    assert [(uc.reference, uc.days_left, uc.overrun) for uc in progress["pilots"]["running"]["rows"]] == [
        (late.reference, -6, True), (on_time.reference, 20, False)]
    assert (progress["pilots"]["running"]["total"], progress["pilots"]["overrun_total"]) == (2, 1)
    assert "Overrun by 6" in page and f"{on_time.reference}</a>" in page


def test_the_running_pilots_cost_one_query_however_many(db, django_assert_num_queries):
    for end_in in range(-20, 5):
        a_pilot(end_in=end_in)
    with django_assert_num_queries(1):
        overview = pilot_selectors.pilots_overview(today=today(), limit=15, concurrent=False)
    assert (overview["running"]["total"], overview["overrun_total"], len(overview["running"]["rows"])) == (25, 20, 15)
    assert overview["running"]["rows"][0].days_overrun == 20  # longest overrun first


def test_the_admin_shows_the_pilot_dates_and_the_reminder_log(db, gov, client):
    use_case = a_pilot(end_in=-1)
    UserFactory(username="pmo.two").groups.add(Group.objects.get(name="pmo"))
    sweep()
    client.force_login(gov)
    page = client.get(reverse("admin:intake_usecase_change", args=[use_case.pk])).content.decode()
    end = use_case.pilot_end
    assert "<label>Pilot end:</label>" in page and f"{end.day} {end:%b %Y}" in page
    log = client.get(reverse("admin:reviews_pilotreminderlog_changelist")).content.decode()
    assert use_case.reference in log and "Overrun escalation" in log
