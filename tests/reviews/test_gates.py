"""Stage gates: each criterion of section 3 reported when unmet, and only the
go/no-go Accountable (never the use case's own people) decides."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from intake import services as intake_services
from intake.models import UseCase
from reviews import selectors, services
from reviews.models import GateDecision
from tests.factories import UserFactory
from tests.vendors.factories import VendorFactory

from .factories import ConditionFactory
from .gate_world import governance_admin, meet_kpis, pilot_ready, score_readiness, tick_checklist


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


# Each row takes one piece of evidence away; the refusal must name exactly that criterion.
@pytest.mark.parametrize(
    ("breaker", "key", "words"),
    [
        ("open_review", "reviews_approved", "Security (open)"),
        ("unmet_condition", "conditions_met", "Unmet: Add rollback drill"),
        ("low_area", "readiness", "below 3: Ownership"),
        ("unreviewed_one", "readiness", "scored 1 without an explicit review: Workflow fit"),
        ("weak_total", "readiness", "weak: keep in pilot or redesign"),
        ("checklist", "checklist", "Not ready: Rollback readiness"),
        ("vendor", "vendors_approved", "Not approved: Acme Models (prospect)"),
    ],
)
def test_each_unmet_pilot_criterion_is_reported_and_nothing_changes(ava, custops, breaker, key, words):
    use_case, owner, sponsor = pilot_ready(ava, custops)
    if breaker == "open_review":
        use_case.reviews.update(status="open", decision="")
    elif breaker == "unmet_condition":
        ConditionFactory(review=use_case.reviews.first(), text="Add rollback drill")
    elif breaker == "low_area":
        score_readiness(use_case, owner, ownership=2)
    elif breaker == "unreviewed_one":
        score_readiness(use_case, owner, workflow_fit=1)
    elif breaker == "weak_total":
        score_readiness(use_case, owner, score=3, problem_clarity=1, value_case=1, workflow_fit=1)
    elif breaker == "checklist":
        tick_checklist(use_case, owner, except_keys=("rollback_readiness",))
    elif breaker == "vendor":
        use_case.vendors.add(VendorFactory(name="Acme Models", status="prospect"))
    assert unmet_keys(use_case) == [key]
    with pytest.raises(services.GateRefused) as refused:
        scale(use_case, sponsor)
    assert any(words in line for line in refused.value.unmet), refused.value.unmet
    assert UseCase.objects.get(pk=use_case.pk).stage == "pilot"
    assert not GateDecision.objects.exists()


def test_exploration_to_pilot_needs_the_pilot_selection_score(ava, custops):
    use_case, _owner, sponsor = pilot_ready(ava, custops, stage="exploration")
    use_case.pilot_selection.delete()
    use_case = UseCase.objects.get(pk=use_case.pk)
    assert unmet_keys(use_case) == ["pilot_selection"]
    with pytest.raises(services.GateRefused, match="pilot-selection score is recorded"):
        scale(use_case, sponsor)


def test_controlled_rollout_to_scaled_needs_value_75_and_support(ava, custops):
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


def test_a_kpi_below_target_blocks_scaling(ava, custops):
    use_case, owner, _sponsor = pilot_ready(ava, custops, stage="controlled_rollout")
    score_readiness(use_case, owner, score=5)
    meet_kpis(use_case, owner, miss=[use_case.kpis.first().name])
    assert unmet_keys(use_case) == ["value_evidenced"]


def test_critical_area_below_3_blocks_scaling_whatever_the_total(ava, custops):
    use_case, owner, _sponsor = pilot_ready(ava, custops, stage="controlled_rollout")
    meet_kpis(use_case, owner)
    score_readiness(use_case, owner, score=5, production_readiness=2)  # total 87
    assert unmet_keys(use_case) == ["readiness_floor"]


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
    with pytest.raises(ValidationError, match="stopped"):
        services.gate_decide(use_case=UseCase.objects.get(pk=use_case.pk), actor=sponsor, outcome="pause",
                             rationale="Trying to revive it.")


def test_separation_of_duties_bars_an_owner_who_is_also_the_sponsor(ava, custops):
    use_case, owner, _sponsor = pilot_ready(ava, custops)
    use_case = intake_services.use_case_update(use_case=use_case, actor=governance_admin(),
                                               answers={"executive_sponsor": owner})
    with pytest.raises(PermissionDenied, match="Separation of duties"):
        scale(use_case, owner)
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


def test_gate_decisions_are_immutable(ava, custops):
    use_case, _owner, sponsor = pilot_ready(ava, custops)
    decision = scale(use_case, sponsor)
    decision.rationale = "rewritten history"
    with pytest.raises(ValueError, match="immutable"):
        decision.save()
