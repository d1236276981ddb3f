"""Stage gates: each criterion of section 3 reported when unmet, and only the
go/no-go Accountable (never the use case's own people) decides."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from core.errors import InvalidTransition
from intake import services as intake_services
from intake.models import UseCase
from reviews import selectors, services
from reviews.models import GateDecision, ReadinessScore
from tests.factories import KPIFactory, UseCaseFactory, UserFactory
from tests.vendors.factories import VendorFactory

from .factories import ConditionFactory
from .gate_world import governance_admin, meet_kpis, pilot_ready, rollout_ready, score_readiness, tick_checklist


def unmet_keys(use_case):
    return [c.key for c in selectors.gate_criteria(use_case) if not c.met]


def scale(use_case, actor):
    return services.gate_decide(use_case=use_case, actor=actor, outcome="scale",
                                rationale="Evidence reviewed at the monthly gate.")


def test_everything_in_place_scales_pilot_to_controlled_rollout(ava, custops, django_capture_on_commit_callbacks):
    use_case, _owner, sponsor = pilot_ready(ava, custops)
    assert unmet_keys(use_case) == []
    with django_capture_on_commit_callbacks(execute=True):
        decision = scale(use_case, sponsor)
    use_case.refresh_from_db()
    assert (use_case.stage, decision.from_stage, decision.to_stage) == ("controlled_rollout", "pilot",
                                                                        "controlled_rollout")
    assert all(c["met"] for c in decision.criteria)
    assert [m.to for m in mail.outbox] == [[ava.email]]  # the submitter hears of the decision


def refused_for_only(use_case, sponsor, key, words):
    """Scale is refused listing exactly ``key``, in words naming what is missing, and nothing changes."""
    use_case = UseCase.objects.get(pk=use_case.pk)  # fresh: breakers write around the cached instance
    stage = use_case.stage
    [criterion] = [c for c in selectors.gate_criteria(use_case) if not c.met]
    assert criterion.key == key
    with pytest.raises(services.GateRefused) as refused:
        scale(use_case, sponsor)
    # One line: the criterion in a sponsor's words, then the specifics.
    assert refused.value.unmet == [f"{criterion.label}: {criterion.detail}"]
    assert words in criterion.detail, criterion.detail
    assert UseCase.objects.get(pk=use_case.pk).stage == stage
    assert not GateDecision.objects.exists()


def set_answers(use_case, **values):
    # Straight to the row: just this gap, with no re-tiering, reopening or RACI sync joining in.
    UseCase.objects.filter(pk=use_case.pk).update(**values)


# -- Exploration -> Pilot: each row takes one thing away ---------------------------------------


def no_problem_statement(use_case, owner):
    set_answers(use_case, problem_statement="")


def no_outcome_target(use_case, owner):
    set_answers(use_case, outcome_target="")


def no_delivery_owner(use_case, owner):
    set_answers(use_case, delivery_owner=None)


def no_kpis(use_case, owner):
    use_case.kpis.all().delete()


def not_tiered(use_case, owner):
    set_answers(use_case, risk_tier=None)


def prohibited_tier(use_case, owner):
    # Only the tier: an override to prohibited also rejects it, and a rejected use case has no gates at all
    # (tested below).
    set_answers(use_case, risk_tier="prohibited")


def no_pilot_score(use_case, owner):
    use_case.pilot_selection.delete()


@pytest.mark.parametrize(
    ("breaker", "key", "words"),
    [
        (no_problem_statement, "problem_outcome", "Missing: problem statement."),
        (no_outcome_target, "problem_outcome", "Missing: target."),
        (no_delivery_owner, "owners", "Missing: delivery owner."),
        (no_kpis, "kpis", "No KPI is defined yet."),
        (not_tiered, "tier", "Submit the use case so it is tiered."),
        (prohibited_tier, "tier", "Its tier is Prohibited"),
        (no_pilot_score, "pilot_selection", "has not scored the pilot-selection criteria"),
    ],
    ids=lambda value: value.__name__ if callable(value) else None,
)
def test_each_unmet_exploration_criterion_is_reported_alone(ava, custops, breaker, key, words):
    use_case, owner, sponsor = pilot_ready(ava, custops, stage="exploration")
    assert unmet_keys(use_case) == []
    breaker(use_case, owner)
    refused_for_only(use_case, sponsor, key, words)


# -- Pilot -> Controlled rollout ---------------------------------------------------------------


def open_review(use_case, owner):
    use_case.reviews.filter(function="security").update(status="open", decision="")


def unmet_condition(use_case, owner):
    ConditionFactory(review=use_case.reviews.first(), text="Add rollback drill")


def plan_gap(use_case, owner, area):
    # The band is Moderate: a gap without its plan would be a second unmet criterion.
    services.gap_plan_record(use_case=use_case, actor=owner, items={area: {
        "action": "Close it before rollout.", "owner": owner.username, "due_on": datetime.date(2027, 3, 1)}})


def low_critical_area(use_case, owner):
    score_readiness(use_case, owner, ownership=2)
    plan_gap(use_case, owner, "ownership")


def unreviewed_one(use_case, owner):
    score_readiness(use_case, owner, workflow_fit=1)
    plan_gap(use_case, owner, "workflow_fit")


def moderate_gap_unplanned(use_case, owner):
    score_readiness(use_case, owner, workflow_fit=3)  # 71: moderate, one area below 4


def weak_total(use_case, owner):
    # 41: weak (from 35), every critical area at 3, no area at 1
    critical = ("success_criteria", "ownership", "security_readiness", "privacy_legal_readiness",
                "production_readiness")
    score_readiness(use_case, owner, score=2, **dict.fromkeys(critical, 3))


def rollback_not_ready(use_case, owner):
    tick_checklist(use_case, owner, except_keys=("rollback_readiness",))


def prospect_vendor(use_case, owner):
    use_case.vendors.add(VendorFactory(name="Acme Models", status="prospect"))


@pytest.mark.parametrize(
    ("breaker", "key", "words"),
    [
        (open_review, "reviews_approved", "Not yet approved: Security (open)."),
        (unmet_condition, "conditions_met", "Unmet: Add rollback drill."),
        (low_critical_area, "readiness", "below 3: Ownership"),
        (moderate_gap_unplanned, "gap_closure_plan", "No action, owner and date for: Workflow fit."),
        (unreviewed_one, "independent_signoff", "without a review by a review function or a governance admin: "
                                                "Workflow fit"),
        (weak_total, "readiness", "weak: keep in pilot or redesign"),
        (rollback_not_ready, "checklist", "Not ready: Rollback readiness."),
        (prospect_vendor, "vendors_approved", "Not approved: Acme Models (prospect)."),
    ],
    ids=lambda value: value.__name__ if callable(value) else None,
)
def test_each_unmet_pilot_criterion_is_reported_alone(ava, custops, breaker, key, words):
    use_case, owner, sponsor = pilot_ready(ava, custops)
    assert unmet_keys(use_case) == []
    breaker(use_case, owner)
    refused_for_only(use_case, sponsor, key, words)


# -- Controlled rollout -> Scaled --------------------------------------------------------------


def kpi_below_target(use_case, owner):
    meet_kpis(use_case, owner, miss=["Handling time"])


def kpi_never_measured(use_case, owner):
    KPIFactory(use_case=use_case, name="Agent adoption", unit="%", baseline=0, target=80, direction="increase")


def total_74(use_case, owner):
    score_readiness(use_case, owner, score=4, problem_clarity=5, value_case=5)  # 16 x 4 + 2 x 5


def area_unscored(use_case, owner):
    ReadinessScore.objects.filter(use_case=use_case, area__key="executive_visibility").delete()  # total 85


def critical_area_below_3(use_case, owner):
    score_readiness(use_case, owner, score=5, production_readiness=2)  # total 87


def support_not_ready(use_case, owner):
    tick_checklist(use_case, owner, except_keys=("support_model",))


def unmet_rollout_condition(use_case, owner):
    ConditionFactory(review=use_case.reviews.first(), text="Publish the on-call rota")


@pytest.mark.parametrize(
    ("breaker", "key", "words"),
    [
        (kpi_below_target, "value_evidenced", "Below target or not measured: Handling time."),
        (kpi_never_measured, "value_evidenced", "Below target or not measured: Agent adoption."),
        (total_74, "readiness_total", "Total 74/90."),
        (area_unscored, "readiness_total", "Not every area is scored."),
        (critical_area_below_3, "critical_areas", "Below 3: Production readiness"),
        (support_not_ready, "support_model", "'Support model' is not ready."),
        (unmet_rollout_condition, "conditions_met", "Unmet: Publish the on-call rota."),
    ],
    ids=lambda value: value.__name__ if callable(value) else None,
)
def test_each_unmet_scaling_criterion_is_reported_alone(ava, custops, breaker, key, words):
    use_case, owner, sponsor = rollout_ready(ava, custops)
    assert unmet_keys(use_case) == []
    breaker(use_case, owner)
    refused_for_only(use_case, sponsor, key, words)


def test_a_readiness_total_of_exactly_75_is_enough_to_scale(ava, custops):
    use_case, owner, sponsor = rollout_ready(ava, custops)
    score_readiness(use_case, owner, score=4, problem_clarity=5, value_case=5, workflow_fit=5)
    assert selectors.readiness_summary(use_case).total == 75
    assert scale(use_case, sponsor).to_stage == "scaled"


def test_controlled_rollout_to_scaled_lists_every_unmet_criterion_at_once(ava, custops):
    use_case, owner, sponsor = pilot_ready(ava, custops, stage="controlled_rollout")
    tick_checklist(use_case, owner, except_keys=("support_model",))
    assert unmet_keys(use_case) == ["value_evidenced", "readiness_total", "support_model"]
    with pytest.raises(services.GateRefused) as refused:
        scale(use_case, sponsor)
    assert len(refused.value.unmet) == 3
    meet_kpis(use_case, owner)
    score_readiness(use_case, owner, score=5)  # 90
    tick_checklist(use_case, owner)
    assert scale(use_case, sponsor).to_stage == "scaled"


def test_pivot_goes_back_with_a_redesign_note(ava, custops):
    use_case, _owner, sponsor = pilot_ready(ava, custops)
    with pytest.raises(ValidationError, match="redesign note"):
        services.gate_decide(use_case=use_case, actor=sponsor, outcome="pivot", rationale="Users did not adopt it.",
                             to_stage="exploration")
    with pytest.raises(ValidationError, match="earlier stage"):
        services.gate_decide(use_case=use_case, actor=sponsor, outcome="pivot", rationale="Users did not adopt it.",
                             to_stage="scaled", redesign_note="Rework the workflow around the CRM.")
    decision = services.gate_decide(use_case=use_case, actor=sponsor, outcome="pivot",
                                    rationale="Users did not adopt it.", to_stage="exploration",
                                    redesign_note="Rework the workflow around the CRM.")
    assert (decision.to_stage, UseCase.objects.get(pk=use_case.pk).stage) == ("exploration", "exploration")


@pytest.mark.parametrize(("outcome", "stage"), [("pause", "paused"), ("kill", "stopped")])
def test_pause_and_kill_need_only_a_rationale(ava, custops, outcome, stage):
    use_case, _owner, sponsor = pilot_ready(ava, custops)
    use_case.reviews.update(status="open")  # criteria do not matter for pause or kill
    with pytest.raises(ValidationError, match="rationale"):
        services.gate_decide(use_case=use_case, actor=sponsor, outcome=outcome, rationale="no")
    services.gate_decide(use_case=use_case, actor=sponsor, outcome=outcome, rationale="Budget frozen this quarter.")
    assert UseCase.objects.get(pk=use_case.pk).stage == stage


def test_governance_admin_may_pause(ava, custops):
    use_case, _owner, _sponsor = pilot_ready(ava, custops)
    services.gate_decide(use_case=use_case, actor=governance_admin(), outcome="pause",
                         rationale="Incident under investigation.")
    assert UseCase.objects.get(pk=use_case.pk).stage == "paused"


def test_a_stopped_use_case_has_no_more_gates(ava, custops):
    use_case, _owner, sponsor = pilot_ready(ava, custops)
    services.gate_decide(use_case=use_case, actor=sponsor, outcome="kill", rationale="The value case collapsed.")
    with pytest.raises(InvalidTransition, match="is stopped: it is closed"):
        services.gate_decide(use_case=UseCase.objects.get(pk=use_case.pk), actor=sponsor, outcome="pause",
                             rationale="Trying to revive it.")


def test_separation_of_duties_bars_an_owner_who_is_also_the_sponsor(ava, custops):
    use_case, owner, sponsor = pilot_ready(ava, custops)
    owner.groups.add(Group.objects.get(name="executive_sponsors"))
    # Not even a governance admin may make an owner the sponsor...
    with pytest.raises(ValidationError) as refused:
        services.use_case_update(use_case=use_case, actor=governance_admin(),
                                        answers={"executive_sponsor": owner})
    assert "is its business owner" in refused.value.message_dict["executive_sponsor"][0]
    assert UseCase.objects.get(pk=use_case.pk).executive_sponsor == sponsor
    # ...and one made so around the services still may not decide: separation of duties at the gate.
    UseCase.objects.filter(pk=use_case.pk).update(executive_sponsor=owner)
    intake_services.raci_sync_defaults(use_case=UseCase.objects.get(pk=use_case.pk))
    with pytest.raises(PermissionDenied, match="Separation of duties"):
        scale(UseCase.objects.get(pk=use_case.pk), owner)
    assert UseCase.objects.get(pk=use_case.pk).stage == "pilot"


def test_the_submitter_may_not_decide_gates(ava, custops):
    use_case, _owner, _sponsor = pilot_ready(ava, custops)
    with pytest.raises(PermissionDenied):
        scale(use_case, ava)


def test_someone_else_cannot_decide(ava, custops):
    use_case, _owner, _sponsor = pilot_ready(ava, custops)
    from django.http import Http404

    with pytest.raises(Http404):
        scale(use_case, UserFactory())


def _draft_with_sponsor(ava, custops):
    sponsor = UserFactory()
    sponsor.groups.add(Group.objects.get(name="executive_sponsors"))
    return UseCaseFactory(created_by=ava, business_unit=custops, executive_sponsor=sponsor), sponsor


def _withdrawn(ava, custops):
    use_case, owner, sponsor = pilot_ready(ava, custops)
    intake_services.use_case_withdraw(use_case=use_case, actor=owner, reason="Superseded by another tool.")
    return use_case, sponsor


def _rejected(ava, custops):
    use_case, _owner, sponsor = pilot_ready(ava, custops)
    services.use_case_override_tier(use_case=use_case, actor=governance_admin(), tier="prohibited",
                                    justification="Legal found it infers emotions of employees.")
    return use_case, sponsor


@pytest.mark.parametrize(("make", "words"), [
    (_draft_with_sponsor, "is a draft: its stage gates are decided once it has been submitted."),
    (_withdrawn, "is withdrawn: it has no more stage gates."),
    (_rejected, "is rejected: it has no more stage gates."),
], ids=["draft", "withdrawn", "rejected"])
@pytest.mark.parametrize("outcome", ["scale", "pivot", "pause", "kill"])
def test_no_gate_is_decided_on_a_draft_withdrawn_or_rejected_use_case(ava, custops, make, words, outcome):
    use_case, sponsor = make(ava, custops)
    use_case = UseCase.objects.get(pk=use_case.pk)
    stage, events = use_case.stage, use_case.events.count()
    with pytest.raises(services.GateClosed, match=words):
        services.gate_decide(use_case=use_case, actor=sponsor, outcome=outcome, rationale="Decided at the gate.",
                             to_stage="exploration", redesign_note="Rework the workflow around the CRM.")
    # Governance admins no more than the sponsor.
    with pytest.raises(services.GateClosed):
        services.gate_decide(use_case=use_case, actor=governance_admin(), outcome="pause",
                             rationale="Decided at the gate.")
    assert UseCase.objects.get(pk=use_case.pk).stage == stage
    assert use_case.events.count() == events and not GateDecision.objects.exists()


def test_the_gate_refuses_the_use_cases_own_people_whatever_grants_say(ava, custops):
    from unittest import mock

    from intake import permissions

    use_case, owner, _sponsor = pilot_ready(ava, custops)
    for person in (ava, owner):
        with mock.patch.object(permissions, "require"), pytest.raises(PermissionDenied, match="Separation of duties"):
            services.gate_decide(use_case=use_case, actor=person, outcome="pause", rationale="Budget frozen today.")
    assert UseCase.objects.get(pk=use_case.pk).stage == "pilot" and not GateDecision.objects.exists()


def test_gate_decisions_are_immutable(ava, custops):
    use_case, _owner, sponsor = pilot_ready(ava, custops)
    decision = scale(use_case, sponsor)
    decision.rationale = "rewritten history"
    with pytest.raises(ValueError, match="immutable"):
        decision.save()
