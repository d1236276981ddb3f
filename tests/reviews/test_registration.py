"""Registration: an existing system placed at its real stage by a governance admin, with the gate evidence it
lacks as a remediation list (owners, dates) on the use-case page and in the board pack.

gov (a governance admin) registers; ava submitted the use case and olga.owner owns it, so neither may;
ben works elsewhere and does not even see it.
"""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.errors import InvalidTransition
from intake.models import RaciActivity, RaciAssignment, ServiceAccount, UseCase
from intake.services import grants_recompute
from intake.views import usecases as use_case_pages
from reports import pdf
from reports import selectors as report_selectors
from reports.models import BoardPack
from reviews import panels, selectors, services
from reviews.models import GateDecision, RemediationItem
from reviews.services import MissingCriterion
from tests.factories import UserFactory, at_stage

from .factories import submitted_use_case
from .gate_world import governance_admin

pytestmark = pytest.mark.django_db

RATIONALE = "Live since 2024 in three regions; its evaluation and monitoring reports were examined."


@pytest.fixture
def case(ava, custops, owner):
    return submitted_use_case(created_by=ava, business_unit=custops, business_owner=owner, title="Claims triage")


def on_raci(use_case, user, letter="I"):
    """``user`` on the use case's RACI (Informed on its outcome unless told): sees it, decides nothing."""
    RaciAssignment.objects.create(use_case=use_case, activity=RaciActivity.objects.get(key="outcome"),
                                  letter=letter, user=user, source=RaciAssignment.Source.MANUAL)
    grants_recompute(use_case=use_case)
    return user


@pytest.fixture
def fixer(case):
    """Closes gaps: on the RACI of ``case``, so the items given to her are hers to see and close."""
    return on_raci(case, UserFactory(username="fay.fixer", first_name="Fay", last_name="Fixer"))


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def keys(use_case, to_stage="scaled") -> list[str]:
    return [key for key, _label in selectors.registration_criteria(use_case, to_stage)]


def two_missing(use_case, fixer, owner) -> list[MissingCriterion]:
    """One criterion of the gate into controlled rollout, one of the gate into scaled."""
    return [MissingCriterion(key="controlled_rollout:readiness", owner=fixer, due=in_days(30)),
            MissingCriterion(key="scaled:value_evidenced", owner=owner, due=in_days(60))]


def register(use_case, actor, **overrides):
    kwargs = {"to_stage": "scaled", "rationale": RATIONALE, "missing": []} | overrides
    return services.use_case_register(use_case=use_case, actor=actor, **kwargs)


def nothing_stored(use_case) -> None:
    assert UseCase.objects.get(pk=use_case.pk).stage == "exploration"
    assert not GateDecision.objects.filter(use_case=use_case).exists()
    assert not RemediationItem.objects.exists()


def detail(use_case) -> str:
    return reverse("intake:detail", args=[use_case.reference])


def register_url(use_case, to_stage: str = "") -> str:
    url = reverse("reviews:register", args=[use_case.reference])
    return f"{url}?to_stage={to_stage}" if to_stage else url


def login(client, user):
    client.force_login(user)
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# ---------------------------------------------------------------- the criteria a registration attests


def test_the_criteria_are_those_of_every_gate_up_to_the_stage_each_keyed_by_its_gate(case):
    pilot, rollout, scaled = keys(case, "pilot"), keys(case, "controlled_rollout"), keys(case, "scaled")
    assert pilot and all(k.startswith("pilot:") for k in pilot)
    assert rollout[:len(pilot)] == pilot and scaled[:len(rollout)] == rollout
    assert {"pilot:kpis", "controlled_rollout:readiness", "scaled:value_evidenced"} <= set(scaled)
    # The same criterion at two gates is attested at each.
    assert {"controlled_rollout:conditions_met", "scaled:conditions_met"} <= set(scaled)
    assert len(scaled) == len(set(scaled))
    labels = dict(selectors.registration_criteria(case, "scaled"))
    assert labels["scaled:value_evidenced"].startswith("Scaled gate: Value is evidenced")
    assert selectors.registration_criteria(case, "paused") == []


# ---------------------------------------------------------------- registering


def test_a_governance_admin_registers_a_submitted_exploration_case_at_scaled_with_two_missing(
        case, gov, owner, fixer, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        decision = register(case, gov, missing=two_missing(case, fixer, owner))

    case.refresh_from_db()
    assert case.stage == "scaled"
    assert GateDecision.objects.get(use_case=case) == decision
    assert (decision.outcome, decision.from_stage, decision.to_stage, decision.decided_by) == (
        "register", "exploration", "scaled", gov)
    assert decision.get_outcome_display() == "Register (existing system placed at its stage)"
    states = {row["key"]: row for row in decision.criteria}
    assert list(states) == keys(case, "scaled")
    assert states["controlled_rollout:readiness"]["state"] == "missing"
    assert (states["scaled:value_evidenced"]["met"], states["scaled:value_evidenced"]["owner"],
            states["scaled:value_evidenced"]["due"]) == (False, "olga.owner", in_days(60).isoformat())
    others = [row for key, row in states.items() if key not in ("controlled_rollout:readiness",
                                                                 "scaled:value_evidenced")]
    assert others and all(row["met"] and row["state"] in ("met", "attested") for row in others)
    assert states["pilot:kpis"]["state"] == "met"  # Stagegate's own records show it
    assert states["controlled_rollout:checklist"]["state"] in ("met", "attested")

    items = list(RemediationItem.objects.order_by("due_on"))
    assert [(i.criterion_key, i.owner, i.due_on, i.status, i.decision, i.gate_stage) for i in items] == [
        ("controlled_rollout:readiness", fixer, in_days(30), "open", decision, "controlled_rollout"),
        ("scaled:value_evidenced", owner, in_days(60), "open", decision, "scaled")]
    assert items[0].history.get().history_user == gov
    event = case.events.filter(kind="stage_changed").get()
    assert event.actor == gov and "Exploration -> Scaled" in event.note and "2 on the remediation list" in event.note
    assert [m.to for m in mail.outbox] == [[case.created_by.email]]
    assert "Register (existing system placed at its stage)" in mail.outbox[0].body

    html = login(client, owner).get(detail(case)).content.decode()
    assert 'id="remediation"' in html
    assert items[0].criterion_label in html and items[1].criterion_label in html
    assert "Fay Fixer" in html and in_days(30).strftime("%-d %b %Y") in html
    assert "register-link" not in html


def test_with_nothing_missing_every_criterion_is_attested_and_the_list_is_empty(case, gov):
    decision = register(case, gov, to_stage="pilot")
    assert UseCase.objects.get(pk=case.pk).stage == "pilot"
    assert all(row["met"] for row in decision.criteria)
    assert [row["key"] for row in decision.criteria] == keys(case, "pilot")
    assert not RemediationItem.objects.exists()


# ---------------------------------------------------------------- who may


def _colleague(case):
    """Sees the use case (Informed on its outcome) and may do nothing on it."""
    return on_raci(case, UserFactory(username="ivy.informed"))


def _sponsor(case):
    """The go / no-go Accountable: decides its gates, yet registers nothing."""
    return case.executive_sponsor


def _owner_as_admin(case):
    """Its business owner (A on its outcome in the RACI), even as a governance admin."""
    owner = case.business_owner
    owner.groups.add(Group.objects.get(name="governance_admins"))
    return owner


def _submitter_as_superuser(case):
    submitter = case.created_by
    submitter.is_superuser = True
    submitter.save()
    return submitter


def _service_account(case):
    """A governance admin's rights on an account that is not a person."""
    account = governance_admin()
    ServiceAccount.objects.create(user=account, read_only=False)
    return account


def _outsider(case):
    return UserFactory(username="olly.outsider")


@pytest.mark.parametrize(("who", "refusal", "words"), [
    (_colleague, PermissionDenied, "Only a governance admin registers"),
    (_sponsor, PermissionDenied, "Only a governance admin registers"),
    (_owner_as_admin, PermissionDenied, "Separation of duties"),
    (_submitter_as_superuser, PermissionDenied, "Separation of duties"),
    (_service_account, PermissionDenied, "service account"),
    (_outsider, Http404, ""),
])
def test_only_an_independent_governance_admin_in_person_registers(case, fixer, owner, who, refusal, words):
    actor = who(case)
    with pytest.raises(refusal) as refused:
        register(case, actor, missing=two_missing(case, fixer, owner))
    assert words in str(refused.value)
    nothing_stored(case)


# ---------------------------------------------------------------- when


def _draft(case):
    UseCase.objects.filter(pk=case.pk).update(status="draft")


def _changes_requested(case):
    UseCase.objects.filter(pk=case.pk).update(status="changes_requested")


def _withdrawn(case):
    UseCase.objects.filter(pk=case.pk).update(status="withdrawn")


def _in_pilot(case):
    at_stage(case, "pilot")


def _stopped(case):
    at_stage(case, "stopped")


def _approved(case):
    UseCase.objects.filter(pk=case.pk).update(status="approved")


@pytest.mark.parametrize(("state", "words"), [
    (_draft, "is a draft: submit it first"),
    (_changes_requested, "resubmit it first"),
    (_withdrawn, "is withdrawn: it cannot be registered"),
    (_in_pilot, "is in pilot: a registration places an existing system once, from exploration"),
    (_stopped, "is stopped: it is closed"),
])
def test_only_a_submitted_use_case_still_in_exploration_is_registered(case, gov, state, words):
    state(case)
    stage = UseCase.objects.get(pk=case.pk).stage
    with pytest.raises(services.GateClosed, match=words):
        register(UseCase.objects.get(pk=case.pk), gov)
    assert UseCase.objects.get(pk=case.pk).stage == stage
    assert not GateDecision.objects.exists()


def test_an_approved_use_case_is_registered_too(case, gov):
    _approved(case)
    register(UseCase.objects.get(pk=case.pk), gov, to_stage="controlled_rollout")
    assert UseCase.objects.get(pk=case.pk).stage == "controlled_rollout"


def test_a_second_registration_is_refused(case, gov, fixer, owner):
    register(case, gov, to_stage="pilot")
    with pytest.raises(InvalidTransition, match="once, from exploration; its later moves are gate decisions"):
        register(UseCase.objects.get(pk=case.pk), gov, missing=two_missing(case, fixer, owner))
    assert GateDecision.objects.count() == 1 and not RemediationItem.objects.exists()
    assert UseCase.objects.get(pk=case.pk).stage == "pilot"


def test_a_use_case_back_in_exploration_through_a_pivot_is_not_registered_again(case, gov):
    register(case, gov, to_stage="pilot")
    services.gate_decide(use_case=UseCase.objects.get(pk=case.pk), actor=gov, outcome="pivot", rationale=RATIONALE,
                         to_stage="exploration", redesign_note="Redesign the triage rules first.")
    with pytest.raises(services.GateClosed, match="already has stage-gate decisions"):
        register(UseCase.objects.get(pk=case.pk), gov)
    assert UseCase.objects.get(pk=case.pk).stage == "exploration"
    assert GateDecision.objects.filter(outcome="register").count() == 1


def test_the_gate_service_never_registers(case, gov):
    with pytest.raises(ValidationError) as refused:
        services.gate_decide(use_case=case, actor=gov, outcome="register", rationale=RATIONALE)
    assert refused.value.message_dict == {"outcome": ["Choose scale, pivot, pause, kill or retire."]}
    nothing_stored(case)


# ---------------------------------------------------------------- bad input


def _inactive(fixer):
    fixer.is_active = False
    fixer.save()
    return fixer


def _bot(fixer):
    ServiceAccount.objects.create(user=fixer)
    return fixer


@pytest.mark.parametrize(("change", "field", "words"), [
    (lambda fixer: {"to_stage": "paused"}, "to_stage", "Choose the stage it is at: Pilot, Controlled rollout"),
    (lambda fixer: {"to_stage": "exploration"}, "to_stage", "Choose the stage it is at"),
    (lambda fixer: {"to_stage": ""}, "to_stage", "Choose the stage it is at"),
    (lambda fixer: {"rationale": "   "}, "rationale", "Give a rationale of 10 to 5000 characters"),
    (lambda fixer: {"rationale": "Too short"}, "rationale", "Give a rationale of 10 to 5000 characters"),
    (lambda fixer: {"missing": [MissingCriterion("pilot:nonsense", fixer, in_days(5))]}, "missing",
     "'pilot:nonsense' is not a criterion of the gates up to Scaled."),
    (lambda fixer: {"to_stage": "pilot", "missing": [MissingCriterion("scaled:value_evidenced", fixer, in_days(5))]},
     "missing", "'scaled:value_evidenced' is not a criterion of the gates up to Pilot."),
    (lambda fixer: {"missing": [MissingCriterion("pilot:kpis", fixer, in_days(-1))]}, "missing",
     "is in the past: give today or a later date"),
    (lambda fixer: {"missing": [MissingCriterion("pilot:kpis", fixer, None)]}, "missing", "Give a due date for"),
    (lambda fixer: {"missing": [MissingCriterion("pilot:kpis", _inactive(fixer), in_days(5))]}, "missing",
     "Fay Fixer is not active: name an active person to own “Pilot gate: KPIs have a baseline and a target”."),
    (lambda fixer: {"missing": [MissingCriterion("pilot:kpis", _bot(fixer), in_days(5))]}, "missing",
     "fay.fixer is a service account: name a person to own"),
    (lambda fixer: {"missing": [MissingCriterion("pilot:kpis", None, in_days(5))]}, "missing", "Name the person"),
    (lambda fixer: {"missing": [MissingCriterion("pilot:kpis", UserFactory(username="ned.nowhere"), in_days(5))]},
     "missing", "cannot see UC-"),
    (lambda fixer: {"missing": [MissingCriterion("pilot:kpis", fixer, in_days(5))] * 2}, "missing",
     "is listed twice"),
    (lambda fixer: {"missing": ["pilot:kpis"]}, "missing", "Give each missing criterion with its key, owner"),
])
def test_bad_input_is_refused_at_its_field_and_nothing_is_stored(case, gov, fixer, change, field, words):
    with pytest.raises(ValidationError) as refused:
        register(case, gov, **change(fixer))
    assert list(refused.value.message_dict) == [field]
    assert any(words in message for message in refused.value.message_dict[field]), refused.value.message_dict
    nothing_stored(case)


def test_every_problem_is_reported_at_once(case, gov, fixer):
    with pytest.raises(ValidationError) as refused:
        register(case, gov, to_stage="pilot", rationale="", missing=[
            MissingCriterion("pilot:kpis", fixer, in_days(-3)), MissingCriterion("pilot:tier", None, None)])
    errors = refused.value.message_dict
    assert set(errors) == {"rationale", "missing"}
    assert len(errors["missing"]) == 3  # a past date; no owner and no date
    nothing_stored(case)


def test_today_is_a_valid_due_date(case, gov, fixer):
    register(case, gov, to_stage="pilot", missing=[MissingCriterion("pilot:kpis", fixer, timezone.localdate())])
    assert RemediationItem.objects.get().due_on == timezone.localdate()


# ---------------------------------------------------------------- the remediation list


@pytest.fixture
def registered(case, gov, fixer, owner):
    register(case, gov, missing=two_missing(case, fixer, owner))
    case.refresh_from_db()
    return case


def item_for(key: str) -> RemediationItem:
    return RemediationItem.objects.get(criterion_key=key)


def test_its_owner_marks_an_item_done_with_what_closed_it(registered, fixer):
    item = services.remediation_complete(item=item_for("controlled_rollout:readiness"), actor=fixer,
                                         note="Scorecard recorded: 72/90, signed off.")
    item.refresh_from_db()
    assert (item.status, item.done_by, item.note, item.done_at is not None) == (
        "done", fixer, "Scorecard recorded: 72/90, signed off.", True)
    assert item.history.latest().history_user == fixer
    event = registered.events.get(kind="remediation_done")
    assert event.actor == fixer and "Scorecard recorded" in event.note
    with pytest.raises(InvalidTransition, match="is already done"):
        services.remediation_complete(item=item, actor=fixer, note="Again.")


@pytest.mark.parametrize(("who", "allowed"), [
    ("fixer", True),  # its owner
    ("owner", True),  # records the use case's gate evidence (A on its outcome)
    ("gov", True),
    ("colleague", False),
    ("outsider", None),
])
def test_who_marks_an_item_done(registered, fixer, owner, gov, who, allowed):
    actor = {"fixer": fixer, "owner": owner, "gov": gov, "colleague": None, "outsider": None}[who]
    if who == "colleague":
        actor = _colleague(registered)
    elif who == "outsider":
        actor = _outsider(registered)
    item = item_for("controlled_rollout:readiness")
    if allowed:
        services.remediation_complete(item=item, actor=actor, note="Closed.")
        assert item_for("controlled_rollout:readiness").status == "done"
        return
    with pytest.raises(Http404 if allowed is None else PermissionDenied):
        services.remediation_complete(item=item, actor=actor, note="Closed.")
    assert item_for("controlled_rollout:readiness").status == "open"


def test_marking_done_needs_a_note(registered, fixer):
    with pytest.raises(ValidationError) as refused:
        services.remediation_complete(item=item_for("controlled_rollout:readiness"), actor=fixer, note="  ")
    assert list(refused.value.message_dict) == ["note"]
    assert item_for("controlled_rollout:readiness").status == "open"


def test_an_item_past_its_date_is_overdue(registered, clock):
    item = item_for("controlled_rollout:readiness")
    assert not item.overdue
    clock.advance(31)
    assert item.overdue
    assert not item_for("scaled:value_evidenced").overdue


# ---------------------------------------------------------------- the use-case page


def test_the_page_offers_registration_to_an_independent_governance_admin_in_exploration(case, gov, owner, client):
    assert register_url(case) in login(client, gov).get(detail(case)).content.decode()
    for person in (case.created_by, owner):
        html = login(client, person).get(detail(case)).content.decode()
        assert register_url(case) not in html
    register(case, gov, to_stage="pilot")
    assert register_url(case) not in login(client, gov).get(detail(case)).content.decode()


def test_the_panel_marks_overdue_items_and_offers_mark_done_to_those_allowed(registered, fixer, client, clock):
    clock.advance(31)
    readiness, value = item_for("controlled_rollout:readiness"), item_for("scaled:value_evidenced")
    done_url = reverse("reviews:remediation_done", args=[registered.reference, readiness.pk])
    response = login(client, fixer).get(detail(registered))
    ctx = next(p for p in response.context["panels"] if p["template"] == "reviews/panels/remediation.html")["context"]
    assert [(i.pk, i.is_overdue, i.can_complete) for i in ctx["items"]] == [(readiness.pk, True, True),
                                                                            (value.pk, False, False)]
    html = response.content.decode()
    assert "overdue" in html and done_url in html

    response = client.post(done_url, {"note": "Scorecard recorded and signed off."})
    assert response.status_code == 302 and response["Location"].endswith("#remediation")
    assert item_for("controlled_rollout:readiness").status == "done"
    html = client.get(detail(registered)).content.decode()
    assert "Scorecard recorded and signed off." in html and done_url not in html


def test_mark_done_without_a_note_shows_the_error_at_the_field(registered, fixer, client):
    item = item_for("controlled_rollout:readiness")
    response = login(client, fixer).post(
        reverse("reviews:remediation_done", args=[registered.reference, item.pk]), {"note": "   "})
    assert response.status_code == 200
    assert "Say what closed the gap" in response.context["form"].errors["note"][0]
    assert item_for("controlled_rollout:readiness").status == "open"


def test_the_panel_runs_a_constant_number_of_queries(registered, gov, fixer, owner, client, warm_caches):
    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            client.get(detail(registered))
        return len(captured.captured_queries)

    login(client, owner)
    few = count()
    decision = GateDecision.objects.get()
    for n in range(6):
        RemediationItem.objects.create(use_case=registered, decision=decision, criterion_key=f"scaled:extra{n}",
                                       criterion_label=f"Extra {n}", gate_stage="scaled",
                                       owner=UserFactory(), due_on=in_days(n))
    assert count() == few


# ---------------------------------------------------------------- the registration page


def test_the_page_lists_the_criteria_of_the_gates_up_to_the_chosen_stage(case, gov, client):
    response = login(client, gov).get(register_url(case, "pilot"))
    assert response.status_code == 200
    form = response.context["form"]
    assert [c.key for c in form.checks] == keys(case, "pilot")
    assert [g["label"] for g in form.gates()] == ["Pilot"]
    html = response.content.decode()
    assert 'name="missing_pilot__kpis"' in html and 'name="to_stage" value="pilot"' in html
    assert [g["label"] for g in login(client, gov).get(register_url(case)).context["form"].gates()] == [
        "Pilot", "Controlled rollout", "Scaled"]


def test_the_page_registers_and_goes_back_to_the_remediation_list(case, gov, fixer, client):
    response = login(client, gov).post(register_url(case), {
        "to_stage": "scaled", "rationale": RATIONALE,
        "missing_controlled_rollout__readiness": "on", "owner_controlled_rollout__readiness": "fay.fixer",
        "due_controlled_rollout__readiness": in_days(30).isoformat(),
        # Typed on a row not ticked: not missing.
        "owner_scaled__value_evidenced": "fay.fixer",
    })
    assert response.status_code == 302 and response["Location"] == detail(case) + "#remediation"
    assert UseCase.objects.get(pk=case.pk).stage == "scaled"
    assert [(i.criterion_key, i.owner) for i in RemediationItem.objects.all()] == [
        ("controlled_rollout:readiness", fixer)]
    page = client.get(response["Location"])
    assert any("placed at Scaled, with 1 item on its remediation list" in m for m in messages_of(page))


def test_form_errors_keep_everything_typed(case, gov, fixer, client):
    data = {"to_stage": "controlled_rollout", "rationale": "short",
            "missing_pilot__kpis": "on", "owner_pilot__kpis": "nobody.here", "due_pilot__kpis": in_days(9).isoformat(),
            "missing_pilot__tier": "on", "owner_pilot__tier": "fay.fixer", "due_pilot__tier": ""}
    response = login(client, gov).post(register_url(case), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["owner_pilot__kpis"] == ["No one has the username 'nobody.here'."]
    assert form.errors["due_pilot__tier"] == ["Give the date it is due."]
    html = response.content.decode()
    for typed in ('value="nobody.here"', f'value="{in_days(9).isoformat()}"', 'value="fay.fixer"', "short</textarea>",
                  'name="to_stage" value="controlled_rollout"'):
        assert typed in html, typed
    assert 'name="missing_pilot__kpis" id="id_missing_pilot__kpis" checked' in html
    nothing_stored(case)

    # The rows read, the service's own refusals come back at their fields, still as typed.
    data |= {"owner_pilot__kpis": "fay.fixer", "due_pilot__kpis": in_days(-2).isoformat(),
             "due_pilot__tier": in_days(3).isoformat()}
    response = client.post(register_url(case), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "Give a rationale of 10 to 5000 characters" in errors["rationale"][0]
    assert "is in the past" in errors["missing"][0]
    html = response.content.decode()
    assert f'value="{in_days(-2).isoformat()}"' in html and "is in the past" in html
    nothing_stored(case)


def test_a_bad_stage_is_an_error_on_the_page(case, gov, client):
    response = login(client, gov).post(register_url(case), {"to_stage": "paused", "rationale": RATIONALE})
    assert response.status_code == 200
    assert "Choose the stage it is at" in response.context["form"].errors["to_stage"][0]
    nothing_stored(case)


def test_the_unseen_get_a_404_and_others_the_services_refusal(case, ben, ava, client):
    assert login(client, ben).get(register_url(case)).status_code == 404
    assert client.post(register_url(case), {"to_stage": "pilot", "rationale": RATIONALE}).status_code == 404
    response = login(client, ava).post(register_url(case), {"to_stage": "pilot", "rationale": RATIONALE},
                                       follow=True)
    assert response.redirect_chain[-1][0] == detail(case)
    assert any("Only a governance admin registers" in m for m in messages_of(response))
    nothing_stored(case)


def test_a_registered_use_case_is_refused_with_the_reason(case, gov, client):
    register(case, gov, to_stage="pilot")
    html = login(client, gov).get(register_url(case)).content.decode()
    assert "is in pilot: a registration places an existing system once" in html
    response = client.post(register_url(case), {"to_stage": "scaled", "rationale": RATIONALE}, follow=True)
    assert any("once, from exploration" in m for m in messages_of(response))
    assert GateDecision.objects.count() == 1


# ---------------------------------------------------------------- the board pack


def pack() -> BoardPack:
    today = timezone.localdate()
    return BoardPack(audience="executive_monthly", period_start=today - datetime.timedelta(days=29), period_end=today)


def test_the_pack_lists_open_items_by_use_case(registered, fixer, owner, ava, custops, gov, clock):
    other = submitted_use_case(created_by=ava, business_unit=custops, title="Invoice matching")
    on_raci(other, fixer)
    register(other, gov, to_stage="pilot", missing=[MissingCriterion("pilot:pilot_selection", fixer, in_days(10))])
    services.remediation_complete(item=item_for("scaled:value_evidenced"), actor=owner, note="KPIs at target.")
    clock.advance(20)

    data = report_selectors.board_pack_data(pack())
    assert "remediation" in [s["key"] for s in data["sections"]]
    remediation = data["remediation"]
    assert (remediation["total"], remediation["use_case_total"], remediation["overdue"]) == (2, 2, 1)
    assert [(row["use_case"], [i.criterion_key for i in row["items"]]) for row in remediation["rows"]] == [
        (other, ["pilot:pilot_selection"]), (registered, ["controlled_rollout:readiness"])]
    clock.advance(15)
    remediation = report_selectors.board_pack_data(pack())["remediation"]
    assert remediation["overdue"] == 2 and remediation["rows"][0]["overdue"] == 1

    html = render_to_string(pdf.TEMPLATE, pdf.board_pack_context(report_selectors.board_pack_data(pack())))
    section = html[html.index('id="section-remediation"'):]
    section = section[:section.index("</section>")]
    assert "Remediation of registered systems" in section and "2 remediation items open on 2" in section
    assert "Invoice matching" in section and "Fay Fixer" in section and "overdue" in section
    assert "KPIs at target" not in section and item_for("scaled:value_evidenced").criterion_label not in section


def test_the_pack_section_runs_two_queries_whatever_the_items(registered, ava, custops, gov, fixer):
    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            selectors.open_remediation(UseCase.objects.all(), as_at=timezone.localdate(), limit=15)
        return len(captured.captured_queries)

    assert count() == 2
    for n in range(3):
        other = submitted_use_case(created_by=ava, business_unit=custops, title=f"More {n}")
        on_raci(other, fixer)
        register(other, gov, to_stage="pilot", missing=[MissingCriterion("pilot:pilot_selection", fixer, in_days(n))])
    assert count() == 2
    assert len(selectors.open_remediation(UseCase.objects.all(), as_at=timezone.localdate(), limit=2).rows) == 2


def test_the_panel_adds_one_query_to_the_use_case_page(case, ava, client, monkeypatch, warm_caches):
    """For the page's budget (tests/intake/test_views.py, as ava): the remediation list, one query, whatever is on
    it (someone independent of an Exploration use case may cost one more: whether they are a governance admin)."""
    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            client.get(detail(case))
        return len(captured.captured_queries)

    login(client, ava)
    count()  # warm
    with_panel = count()
    monkeypatch.setattr(use_case_pages, "PANELS", tuple(p for p in use_case_pages.PANELS
                                                        if p is not panels.remediation_panel))
    assert with_panel - count() == 1


def test_the_admin_lists_the_items_with_the_overdue_ones(registered, gov, client, clock):
    clock.advance(31)
    url = reverse("admin:reviews_remediationitem_changelist")
    html = login(client, gov).get(url, {"overdue": "yes"}).content.decode()
    assert item_for("controlled_rollout:readiness").criterion_label in html
    assert item_for("scaled:value_evidenced").criterion_label not in html
    item = item_for("scaled:value_evidenced")
    assert client.get(reverse("admin:reviews_remediationitem_change", args=[item.pk])).status_code == 200
