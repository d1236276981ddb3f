"""Typed tier artefacts: which ones each tier needs at each gate, whether each is in place, how an upload
carries its type and metrics, and a reviewer's rejection."""

from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from core.errors import InvalidTransition
from intake import permissions
from intake.models import UseCase
from reviews import selectors, services
from reviews.models import ArtefactType, EvaluationMetric, Evidence, GateDecision, TierArtefact
from reviews.selectors.artefacts import artefact_criteria, required_artefact_types, upcoming_artefacts
from tests.factories import UseCaseFactory, UserFactory, at_stage

from .conftest import MEDIUM
from .factories import PDF, reviewer, submitted_use_case, upload
from .gate_world import governance_admin, pilot_ready, rollout_ready

ACCURACY = {"name": "accuracy", "threshold": "0.95", "result": "0.97", "higher_is_better": True}


def add(use_case, actor, key, name="artefact.pdf", metrics=None, **kwargs):
    return services.evidence_add(use_case=use_case, actor=actor, upload=upload(name, PDF), artefact_type=key,
                                 metrics=metrics, **kwargs)


def keys(use_case, stage):
    return [row.artefact_type.key for row in required_artefact_types(use_case, stage)]


# ---------------------------------------------------------------- which artefacts, per tier and gate

HIGH_ROLLOUT = ["evaluation_report", "red_team_report", "monitoring_plan", "rollback_plan", "human_oversight_design",
                "model_card"]


@pytest.mark.parametrize(("tier", "eu_category", "stage", "expected"), [
    ("low", "minimal", "pilot", []),
    ("low", "high_risk", "controlled_rollout", []),
    ("medium", "minimal", "pilot", ["impact_assessment"]),
    ("medium", "high_risk", "pilot", ["impact_assessment"]),
    ("medium", "minimal", "controlled_rollout", ["monitoring_plan"]),
    ("medium", "minimal", "scaled", []),
    ("high", "minimal", "pilot", ["impact_assessment"]),
    ("high", "transparency", "pilot", ["impact_assessment"]),
    ("high", "high_risk", "pilot", ["impact_assessment", "fundamental_rights_impact_assessment"]),
    ("high", "minimal", "controlled_rollout", HIGH_ROLLOUT),
    ("high", "high_risk", "controlled_rollout", HIGH_ROLLOUT),
    ("high", "high_risk", "scaled", []),
    ("prohibited", "prohibited", "pilot", []),
    ("", None, "pilot", []),
])
def test_each_tier_requires_its_artefacts_at_each_gate(db, tier, eu_category, stage, expected):
    use_case = UseCaseFactory(risk_tier=tier, eu_ai_act_category=eu_category)
    assert keys(use_case, stage) == expected


def test_the_requirements_are_reference_data(db):
    use_case = UseCaseFactory(risk_tier="low")
    TierArtefact.objects.create(tier="low", gate_stage="scaled",
                                artefact_type=ArtefactType.objects.get(key="model_card"))
    assert keys(use_case, "scaled") == ["model_card"]


# ---------------------------------------------------------------- the criterion


@pytest.fixture
def medium(ava, custops, owner):
    return submitted_use_case(created_by=ava, business_unit=custops, business_owner=owner, **MEDIUM)


def criterion(use_case, stage="pilot"):
    [found] = artefact_criteria(use_case, stage)
    return found


def test_no_criterion_when_the_tier_needs_nothing(low_case):
    assert artefact_criteria(low_case, "pilot") == []


def test_a_missing_artefact_is_named_with_a_link_to_upload_it(medium):
    found = criterion(medium)
    assert (found.key, found.met) == ("required_artefacts", False)
    assert found.label == "Every artefact its tier requires is uploaded"
    assert found.detail == "Missing: Impact assessment."
    assert found.link == f"/reviews/use-cases/{medium.reference}/evidence/"


def test_an_uploaded_artefact_meets_it(medium, ava):
    add(medium, ava, "impact_assessment")
    found = criterion(medium)
    assert (found.met, found.detail) == (True, "")


def test_a_file_of_another_type_or_without_one_does_not(medium, ava):
    add(medium, ava, "monitoring_plan")
    services.evidence_add(use_case=medium, actor=ava, upload=upload("impact assessment.pdf", PDF))
    assert criterion(medium).detail == "Missing: Impact assessment."


def test_a_rejected_artefact_is_named_with_the_reason(medium, ava, sec):
    evidence = add(medium, ava, "impact_assessment")
    services.evidence_reject(evidence=evidence, actor=sec, reason="No assessment of the harm to minors.")
    found = criterion(medium)
    assert not found.met
    assert found.detail == "Rejected by a reviewer: Impact assessment (No assessment of the harm to minors)."


def test_a_new_upload_after_a_rejection_meets_it_again(medium, ava, sec):
    evidence = add(medium, ava, "impact_assessment")
    services.evidence_reject(evidence=evidence, actor=sec, reason="No assessment of the harm to minors.")
    add(medium, ava, "impact_assessment", name="impact v2.pdf")
    assert criterion(medium).met


def test_rejecting_the_newest_file_blocks_even_with_an_older_one_standing(medium, ava, sec):
    add(medium, ava, "impact_assessment")
    newest = add(medium, ava, "impact_assessment", name="impact v2.pdf")
    services.evidence_reject(evidence=newest, actor=sec, reason="v2 drops the assessment of the harm to minors.")
    found = criterion(medium)
    assert not found.met
    assert found.detail == ("Rejected by a reviewer: Impact assessment "
                            "(v2 drops the assessment of the harm to minors).")
    [gate] = [g for g in upcoming_artefacts(medium) if g.stage == "pilot"]
    assert [(s.state, s.evidence) for s in gate.artefacts] == [("rejected", newest)]
    add(medium, ava, "impact_assessment", name="impact v3.pdf")
    assert criterion(medium).met


def metric(name="accuracy", threshold="0.95", result="0.97", higher_is_better=True):
    return {"name": name, "threshold": threshold, "result": result, "higher_is_better": higher_is_better}


@pytest.fixture
def high_rollout(ava, custops, owner):
    use_case = submitted_use_case(created_by=ava, business_unit=custops, business_owner=owner,
                                  regulated_area="employment")
    assert use_case.risk_tier == "high"
    at_stage(use_case, "pilot")
    for key in HIGH_ROLLOUT[1:]:
        add(use_case, ava, key)
    return use_case


@pytest.mark.parametrize(("metrics", "met", "words"), [
    ([metric()], True, ""),
    ([metric(result="0.95")], True, ""),  # at the threshold
    ([metric(result="0.91")], False, "accuracy 0.91 against a threshold of 0.95"),
    ([metric(name="false positive rate", threshold="0.05", result="0.05", higher_is_better=False)], True, ""),
    ([metric(name="false positive rate", threshold="0.05", result="0.02", higher_is_better=False)], True, ""),
    ([metric(name="false positive rate", threshold="0.05", result="0.08", higher_is_better=False)], False,
     "false positive rate 0.08 against a maximum of 0.05"),
    ([metric(), metric(name="recall", threshold="0.9", result="0.85")], False,
     "recall 0.85 against a threshold of 0.9"),
    ([metric(result="0.5"), metric(name="latency ms", threshold="800", result="950", higher_is_better=False)], False,
     "accuracy 0.5 against a threshold of 0.95; latency ms 950 against a maximum of 800"),
])
def test_an_evaluation_report_meets_it_only_when_every_metric_does(high_rollout, ava, metrics, met, words):
    add(high_rollout, ava, "evaluation_report", metrics=metrics)
    found = criterion(high_rollout, "controlled_rollout")
    assert found.met is met
    assert found.detail == (f"Evaluation report below threshold: {words}." if words else "")


def test_the_latest_evaluation_report_counts(high_rollout, ava):
    add(high_rollout, ava, "evaluation_report", metrics=[metric()])
    add(high_rollout, ava, "evaluation_report", metrics=[metric(result="0.91")])
    assert not criterion(high_rollout, "controlled_rollout").met


def test_every_problem_is_listed_in_one_detail(high_rollout, ava, sec):
    rejected = Evidence.objects.get(use_case=high_rollout, artefact_type__key="monitoring_plan")
    services.evidence_reject(evidence=rejected, actor=sec, reason="No alert thresholds.")
    Evidence.objects.filter(use_case=high_rollout, artefact_type__key="model_card").delete()
    add(high_rollout, ava, "evaluation_report", metrics=[metric(result="0.91")])
    assert criterion(high_rollout, "controlled_rollout").detail == (
        "Missing: Model or system card. Rejected by a reviewer: Monitoring plan (No alert thresholds). "
        "Evaluation report below threshold: accuracy 0.91 against a threshold of 0.95.")


def test_the_criterion_costs_three_queries(high_rollout, ava, django_assert_num_queries):
    add(high_rollout, ava, "evaluation_report", metrics=[metric(), metric(name="recall")])
    with django_assert_num_queries(3):
        criterion(high_rollout, "controlled_rollout")


# ---------------------------------------------------------------- through the gate


def require_at_low(stage, key):
    TierArtefact.objects.create(tier="low", gate_stage=stage, artefact_type=ArtefactType.objects.get(key=key))


def scale(use_case, actor):
    return services.gate_decide(use_case=use_case, actor=actor, outcome="scale",
                                rationale="Evidence reviewed at the monthly gate.")


@pytest.mark.parametrize(("world", "stage"), [(pilot_ready, "controlled_rollout"), (rollout_ready, "scaled")])
def test_the_gate_refuses_until_the_artefact_is_uploaded(ava, custops, world, stage):
    use_case, owner, sponsor = world(ava, custops)
    require_at_low(stage, "monitoring_plan")
    use_case = UseCase.objects.get(pk=use_case.pk)
    assert [c.key for c in selectors.gate_criteria(use_case) if not c.met] == ["required_artefacts"]
    with pytest.raises(services.GateRefused) as refused:
        scale(use_case, sponsor)
    assert refused.value.unmet == ["Every artefact its tier requires is uploaded: Missing: Monitoring plan."]
    assert not GateDecision.objects.exists()

    add(use_case, owner, "monitoring_plan")
    decision = scale(UseCase.objects.get(pk=use_case.pk), sponsor)
    assert decision.to_stage == stage
    assert {"key": "required_artefacts", "met": True} in [{"key": c["key"], "met": c["met"]}
                                                         for c in decision.criteria]


# ---------------------------------------------------------------- upcoming gates on the use-case page


def test_upcoming_gates_list_each_artefact_with_its_state(ava, custops, owner, sec):
    use_case = submitted_use_case(created_by=ava, business_unit=custops, business_owner=owner,
                                  regulated_area="employment")
    UseCase.objects.filter(pk=use_case.pk).update(eu_ai_act_category="high_risk")
    use_case.refresh_from_db()
    add(use_case, ava, "impact_assessment")
    services.evidence_reject(evidence=add(use_case, ava, "monitoring_plan"), actor=sec, reason="No alert thresholds.")
    add(use_case, ava, "evaluation_report", metrics=[metric(result="0.9")])

    gates = upcoming_artefacts(use_case)

    assert [g.label for g in gates] == ["Pilot", "Controlled rollout"]  # nothing is required to scale
    pilot, rollout = ({a.artefact_type.key: a.state for a in g.artefacts} for g in gates)
    assert pilot == {"impact_assessment": "met", "fundamental_rights_impact_assessment": "missing"}
    assert rollout == {"evaluation_report": "below_threshold", "red_team_report": "missing",
                       "monitoring_plan": "rejected", "rollback_plan": "missing",
                       "human_oversight_design": "missing", "model_card": "missing"}
    assert [a.artefact_type.key for a in gates[0].missing] == ["fundamental_rights_impact_assessment"]


@pytest.mark.parametrize(("stage", "labels"), [
    ("exploration", ["Pilot", "Controlled rollout"]),
    ("pilot", ["Controlled rollout"]),
    ("controlled_rollout", []),
    ("paused", []),
    ("retired", []),
])
def test_upcoming_gates_start_from_the_current_stage(medium, stage, labels):
    at_stage(medium, stage)
    assert [g.label for g in upcoming_artefacts(medium)] == labels


# ---------------------------------------------------------------- upload with a type and metrics


def test_an_evaluation_report_keeps_its_metrics(medium, ava):
    evidence = add(medium, ava, "evaluation_report", metrics=[
        metric(threshold=Decimal("0.95"), result=0.9712),
        metric(name="latency ms", threshold=800, result="640", higher_is_better=False),
    ])
    saved = {(m.name, m.threshold, m.result, m.higher_is_better) for m in evidence.metrics.all()}
    assert saved == {("accuracy", Decimal("0.95"), Decimal("0.9712"), True),
                     ("latency ms", Decimal("800"), Decimal("640"), False)}
    assert evidence.artefact_type.key == "evaluation_report"
    assert evidence.history.first().history_user == ava
    assert all(m.history.first().history_user == ava for m in evidence.metrics.all())


def test_the_type_may_be_given_as_a_row(medium, ava):
    evidence = add(medium, ava, ArtefactType.objects.get(key="rollback_plan"))
    assert evidence.artefact_type.key == "rollback_plan"


@pytest.mark.parametrize(("key", "metrics", "field", "words"), [
    ("no_such_type", None, "artefact_type", "Unknown artefact type"),
    (42, None, "artefact_type", "Unknown artefact type"),
    ("monitoring_plan", [metric()], "metrics", "Monitoring plan carries no metrics"),
    (None, [metric()], "metrics", "A file without an artefact type carries no metrics"),
    ("evaluation_report", None, "metrics", "give each metric's name, acceptance threshold and result"),
    ("evaluation_report", [], "metrics", "give each metric's name, acceptance threshold and result"),
    ("evaluation_report", "accuracy 0.9", "metrics", "Give a list of 1 to 50 metrics."),
    ("evaluation_report", [metric()] * 51, "metrics", "Give a list of 1 to 50 metrics."),
    ("evaluation_report", ["accuracy"], "metrics", "Metric 1: give its name, threshold and result."),
    ("evaluation_report", [metric(threshold="high")], "metrics", "Metric 1: give the threshold as a number"),
    ("evaluation_report", [metric(result="NaN")], "metrics", "give the result as a number"),
    ("evaluation_report", [metric(result="Infinity")], "metrics", "give the result as a number"),
    ("evaluation_report", [metric(result=True)], "metrics", "give the result as a number"),
    ("evaluation_report", [metric(result="0.12345")], "metrics", "at most 4 decimal places"),
    ("evaluation_report", [metric(result="1e12")], "metrics", "give the result as a number"),
    ("evaluation_report", [metric(name=" ")], "metrics", "Metric 1: name it in 1 to 120 characters."),
    ("evaluation_report", [metric(name="x" * 121)], "metrics", "name it in 1 to 120 characters"),
    ("evaluation_report", [metric(higher_is_better="yes")], "metrics", "say whether higher is better"),
    ("evaluation_report", [metric(), metric(name="Accuracy")], "metrics", "Metric 2: Accuracy is named twice."),
])
def test_bad_artefact_input_is_refused_at_its_field_and_nothing_is_saved(medium, ava, key, metrics, field, words):
    with pytest.raises(ValidationError) as refused:
        add(medium, ava, key, metrics=metrics)
    assert list(refused.value.message_dict) == [field]
    assert words in refused.value.message_dict[field][0]
    assert not Evidence.objects.exists() and not EvaluationMetric.objects.exists()


def test_a_bad_file_and_a_bad_type_are_refused_together(medium, ava):
    with pytest.raises(ValidationError) as refused:
        services.evidence_add(use_case=medium, actor=ava, upload=upload("scan.pdf", b"just text"),
                              artefact_type="nope")
    assert set(refused.value.message_dict) == {"file", "artefact_type"}


# ---------------------------------------------------------------- rejection by a reviewer


def test_a_reviewer_rejects_with_a_reason_and_it_is_audited(medium, ava, sec):
    evidence = add(medium, ava, "impact_assessment")
    rejected = services.evidence_reject(evidence=evidence, actor=sec, reason="  No assessment of the harm.  ")
    evidence.refresh_from_db()
    assert (evidence.rejected_by, evidence.rejection_reason) == (sec, "No assessment of the harm.")
    assert evidence.rejected_at is not None and rejected.pk == evidence.pk
    assert evidence.history.first().history_user == sec


def test_a_governance_admin_may_reject(medium, ava):
    evidence = add(medium, ava, "impact_assessment")
    services.evidence_reject(evidence=evidence, actor=governance_admin(), reason="Out of date: the 2024 version.")
    assert Evidence.objects.get(pk=evidence.pk).rejected_at is not None


@pytest.mark.parametrize("who", ["creator", "business_owner", "pmo", "legal"])
def test_others_may_not_reject(medium, ava, owner, who):
    evidence = add(medium, ava, "impact_assessment")
    people = {"creator": ava, "business_owner": owner, "pmo": reviewer("pmo"), "legal": reviewer("legal")}
    with pytest.raises((PermissionDenied, Http404)):
        services.evidence_reject(evidence=evidence, actor=people[who], reason="Not good enough for me.")
    assert Evidence.objects.get(pk=evidence.pk).rejected_at is None


def test_a_reviewer_who_is_one_of_its_own_people_may_not_reject(ava, custops, sec):
    use_case = submitted_use_case(created_by=ava, business_unit=custops, business_owner=sec, **MEDIUM)
    evidence = add(use_case, ava, "impact_assessment")
    with pytest.raises(PermissionDenied, match=r"Separation of duties.*reject its artefacts"):
        services.evidence_reject(evidence=evidence, actor=sec, reason="Not good enough for me.")


def test_its_own_people_are_refused_under_the_lock_even_past_the_permission_check(ava, custops, sec):
    use_case = submitted_use_case(created_by=ava, business_unit=custops, business_owner=sec, **MEDIUM)
    evidence = add(use_case, ava, "impact_assessment")
    with mock.patch.object(permissions, "require"), pytest.raises(PermissionDenied, match="Separation of duties"):
        services.evidence_reject(evidence=evidence, actor=sec, reason="Not good enough for me.")
    assert Evidence.objects.get(pk=evidence.pk).rejected_at is None


@pytest.mark.parametrize("change", [{"status": "withdrawn"}, {"stage": "retired"}])
def test_nothing_is_rejected_on_a_use_case_whose_gates_are_closed(medium, ava, sec, change):
    evidence = add(medium, ava, "impact_assessment")
    UseCase.objects.filter(pk=medium.pk).update(**change)
    with pytest.raises(services.GateClosed):
        services.evidence_reject(evidence=Evidence.objects.get(pk=evidence.pk), actor=sec,
                                 reason="No assessment of the harm.")
    assert Evidence.objects.get(pk=evidence.pk).rejected_at is None


def test_a_stranger_sees_nothing(medium, ava):
    evidence = add(medium, ava, "impact_assessment")
    with pytest.raises(Http404):
        services.evidence_reject(evidence=evidence, actor=UserFactory(), reason="Not good enough for me.")


@pytest.mark.parametrize("reason", ["", "   ", "too short", "x" * 2001])
def test_a_reason_is_needed(medium, ava, sec, reason):
    evidence = add(medium, ava, "impact_assessment")
    with pytest.raises(ValidationError) as refused:
        services.evidence_reject(evidence=evidence, actor=sec, reason=reason)
    assert list(refused.value.message_dict) == ["reason"]
    assert Evidence.objects.get(pk=evidence.pk).rejected_at is None


def test_rejecting_twice_or_an_untyped_file_is_refused(medium, ava, sec, sec_lead):
    evidence = add(medium, ava, "impact_assessment")
    services.evidence_reject(evidence=evidence, actor=sec, reason="No assessment of the harm.")
    with pytest.raises(InvalidTransition, match="already rejected"):
        services.evidence_reject(evidence=evidence, actor=sec_lead, reason="Also missing the sign-off.")
    assert Evidence.objects.get(pk=evidence.pk).rejected_by == sec
    plain = services.evidence_add(use_case=medium, actor=ava, upload=upload("notes.pdf", PDF))
    with pytest.raises(InvalidTransition, match="not an artefact"):
        services.evidence_reject(evidence=plain, actor=sec, reason="No assessment of the harm.")
