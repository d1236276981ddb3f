"""Working an obligation register: evidence before "met", a justification for "not applicable", accepted
risks only by the gate's A, applicability following the answers, and the gate refusing what is missing."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from compliance import services
from compliance.models import Obligation, ObligationEvidence
from compliance.selectors import coverage, register_suggestions, suggested_records, use_case_register
from intake.models import UseCaseEvent
from reviews import services as review_services
from reviews.selectors.gates import gate_criteria
from reviews.services.gates import GateRefused, gate_decide
from tests.factories import at_stage
from tests.reviews.factories import submitted_use_case
from tests.reviews.gate_world import approve_all_reviews, governance_admin, pilot_ready

pytestmark = pytest.mark.django_db
EMPLOYMENT = {"regulated_area": "employment", "ai_act_role": "provider"}


@pytest.fixture
def high_case(ava, custops):
    return submitted_use_case(created_by=ava, business_unit=custops, title="CV screening", **EMPLOYMENT)


def obligation(use_case, identifier, framework="eu-ai-act"):
    return Obligation.objects.get(use_case=use_case, requirement__identifier=identifier,
                                  requirement__framework__key=framework)


def link_first_suggestion(item, actor):
    suggestion = next(s for s in suggested_records(item) if s.good)
    return services.obligation_link(obligation=item, actor=actor, record_type=suggestion.record_type,
                                    record_id=suggestion.record.pk)


def test_submission_opens_the_register_with_what_the_answers_select(high_case):
    identifiers = set(Obligation.objects.filter(use_case=high_case, requirement__framework__key="eu-ai-act")
                      .values_list("requirement__identifier", flat=True))
    assert {"Art. 5", "Art. 9", "Art. 14", "Art. 72"} <= identifiers
    assert "Art. 26" not in identifiers  # a provider only
    assert obligation(high_case, "Art. 9").owner == high_case.delivery_owner


def test_met_needs_evidence_and_then_counts(high_case, ava):
    art9 = obligation(high_case, "Art. 9")
    with pytest.raises(ValidationError) as refused:
        services.obligation_set_status(obligation=art9, actor=ava, status="met")
    assert "Link or upload the evidence" in refused.value.message_dict["evidence"][0]
    before = {row.framework.key: row.met for row in coverage(high_case)}["eu-ai-act"]
    approve_all_reviews(high_case)
    link_first_suggestion(art9, ava)
    services.obligation_set_status(obligation=art9, actor=ava, status="met")
    assert {row.framework.key: row.met for row in coverage(high_case)}["eu-ai-act"] == before + 1


def test_not_applicable_needs_a_justification_and_keeps_it(high_case, gov):
    art73 = obligation(high_case, "Art. 73")
    with pytest.raises(ValidationError) as refused:
        services.obligation_set_status(obligation=art73, actor=gov, status="not_applicable", justification="no")
    assert "Say why it does not apply" in refused.value.message_dict["justification"][0]
    services.obligation_set_status(obligation=art73, actor=gov, status="not_applicable",
                                   justification="Placed on the market only through the parent company's entity.")
    art73.refresh_from_db()
    assert art73.status == "not_applicable" and art73.justification.startswith("Placed on the market")
    assert art73.history.first().history_user == gov  # audited


@pytest.mark.parametrize(("start", "target", "allowed"), [
    ("not_started", "in_progress", True), ("met", "not_started", False), ("met", "in_progress", True),
    ("not_applicable", "met", False), ("risk_accepted", "met", True), ("in_progress", "not_started", True),
])
def test_the_status_follows_its_transition_table(high_case, gov, start, target, allowed):
    art10 = obligation(high_case, "Art. 10")
    Obligation.objects.filter(pk=art10.pk).update(status=start)
    art10.refresh_from_db()
    ObligationEvidence.objects.create(obligation=art10, kind="upload", label="Data sheet.pdf", added_by=gov)
    if allowed:
        services.obligation_set_status(obligation=art10, actor=gov, status=target)
    else:
        with pytest.raises(ValidationError, match="mark it in progress first"):
            services.obligation_set_status(obligation=art10, actor=gov, status=target)


def test_only_the_gates_a_accepts_a_risk_and_for_at_most_a_year(ava, custops, clock):
    use_case, owner, sponsor = pilot_ready(ava, custops, **EMPLOYMENT)
    art15 = obligation(use_case, "Art. 15")
    why = "Robustness tests finish next quarter; manual review of every output meanwhile."
    with pytest.raises(PermissionDenied):
        services.obligation_set_status(obligation=art15, actor=owner, status="risk_accepted", justification=why,
                                       accepted_until=clock.today + datetime.timedelta(days=90))
    with pytest.raises(ValidationError) as refused:
        services.obligation_set_status(obligation=art15, actor=sponsor, status="risk_accepted", justification=why,
                                       accepted_until=clock.today + datetime.timedelta(days=400))
    assert "at most 365 days" in refused.value.message_dict["accepted_until"][0]
    services.obligation_set_status(obligation=art15, actor=sponsor, status="risk_accepted", justification=why,
                                   accepted_until=clock.today + datetime.timedelta(days=90))
    assert {row.framework.key: row for row in coverage(use_case)}["eu-ai-act"].missing.count(art15) == 0
    clock.advance(91)  # expired: it counts as missing again
    assert art15 in {row.framework.key: row for row in coverage(use_case)}["eu-ai-act"].missing


def test_only_suggested_records_of_the_same_use_case_can_be_linked(high_case, ava, ben, fin):
    other = submitted_use_case(created_by=ben, business_unit=fin, **EMPLOYMENT)
    approve_all_reviews(other)
    theirs = suggested_records(obligation(other, "Art. 9"))[0]
    with pytest.raises(ValidationError, match="suggested for this requirement"):
        services.obligation_link(obligation=obligation(high_case, "Art. 9"), actor=ava,
                                 record_type=theirs.record_type, record_id=theirs.record.pk)


def test_another_business_unit_can_neither_see_nor_work_the_register(high_case, ben):
    with pytest.raises(Http404):
        services.obligation_set_status(obligation=obligation(high_case, "Art. 9"), actor=ben, status="in_progress")


def test_met_needs_evidence_in_a_state_that_shows_it(high_case, ava):
    art72 = obligation(high_case, "Art. 72")
    security = next(s for s in suggested_records(art72) if s.label == "Security review")
    services.obligation_link(obligation=art72, actor=ava, record_type=security.record_type,
                             record_id=security.record.pk)
    with pytest.raises(ValidationError) as refused:
        services.obligation_set_status(obligation=art72, actor=ava, status="met")
    assert "not yet in a state that shows it: Security review (open)" in refused.value.message_dict["evidence"][0]
    approve_all_reviews(high_case)
    services.obligation_set_status(obligation=art72, actor=ava, status="met")


def test_the_last_evidence_of_a_met_obligation_stays_until_it_is_reopened(high_case, ava):
    approve_all_reviews(high_case)
    art9 = obligation(high_case, "Art. 9")
    evidence = link_first_suggestion(art9, ava)
    services.obligation_set_status(obligation=art9, actor=ava, status="met")
    with pytest.raises(ValidationError, match="mark it in progress"):
        services.obligation_unlink(evidence=evidence, actor=ava)
    services.obligation_set_status(obligation=art9, actor=ava, status="in_progress")
    services.obligation_unlink(evidence=evidence, actor=ava)
    assert not art9.evidence.exists()


def test_changing_an_answer_reevaluates_and_says_what_was_added_and_dropped(ava, custops, gov):
    use_case = submitted_use_case(created_by=ava, business_unit=custops, ai_act_role="deployer",
                                  regulated_area="employment")
    art26 = obligation(use_case, "Art. 26")
    services.obligation_set_status(obligation=art26, actor=gov, status="in_progress")

    review_services.use_case_update(use_case=use_case, actor=gov, answers={"ai_act_role": "provider"})

    event = UseCaseEvent.objects.filter(use_case=use_case, kind=services.CHANGED_EVENT).latest("id")
    assert "Now applies: EU AI Act Art. 9" in event.note
    assert "no longer applies (its answers are kept): EU AI Act Art. 26" in event.note
    art26.refresh_from_db()
    assert not art26.applicable and art26.status == "in_progress"  # kept, not counted
    assert art26 not in [o for row in coverage(use_case) for o in row.missing]


def test_suggestions_for_a_whole_register_take_one_query_per_control_kind(high_case, django_assert_max_num_queries):
    approve_all_reviews(high_case)
    register = use_case_register(high_case)
    assert len(register) > 40
    with django_assert_max_num_queries(14):
        suggestions = register_suggestions(high_case, register)
    assert any(s.label == "Security review" for s in suggestions[obligation(high_case, "Art. 72").pk])


def test_a_high_risk_case_is_refused_at_the_gate_while_an_obligation_lacks_evidence(ava, custops):
    use_case, _owner, sponsor = pilot_ready(ava, custops, **EMPLOYMENT)
    criterion = {c.key: c for c in gate_criteria(use_case)}["obligations_met"]
    assert not criterion.met and "EU AI Act Art. 9 (no evidence)" in criterion.detail
    with pytest.raises(GateRefused) as refused:
        gate_decide(use_case=use_case, actor=sponsor, outcome="scale",
                    rationale="Pilot met its targets; ready for the rollout.")
    assert "obligations_met" in str(refused.value.messages) or "Art. 9" in str(refused.value.messages)
    admin = governance_admin()
    for item in Obligation.objects.filter(use_case=use_case, applicable=True).exclude(requirement__required_before=""):
        services.obligation_set_status(obligation=item, actor=admin, status="not_applicable",
                                       justification="Covered by the group's conformity assessment for this system.")
    assert {c.key: c for c in gate_criteria(use_case)}["obligations_met"].met


def test_a_low_tier_case_at_pilot_has_no_obligation_criterion(ava, custops):
    use_case, _owner, _sponsor = pilot_ready(ava, custops)
    assert "obligations_met" not in {c.key for c in gate_criteria(at_stage(use_case, "pilot"))}


def test_the_use_cases_own_people_cannot_waive_what_a_gate_waits_for(ava, custops):
    use_case, owner, sponsor = pilot_ready(ava, custops, **EMPLOYMENT)
    why = "Covered by the group's conformity assessment for this system."
    with pytest.raises(PermissionDenied, match=r"(?i)own|separation|independent"):
        services.obligation_set_status(obligation=obligation(use_case, "Art. 9"), actor=owner,
                                       status="not_applicable", justification=why)
    # An obligation no gate waits for is theirs to declare.
    services.obligation_set_status(obligation=obligation(use_case, "MAP 1.1", "nist-ai-rmf"), actor=owner,
                                   status="not_applicable", justification=why)
    services.obligation_set_status(obligation=obligation(use_case, "Art. 9"), actor=sponsor,
                                   status="not_applicable", justification=why)


def test_a_rejected_artefact_does_not_show_an_obligation_met(high_case, ava, gov):
    from reviews.services import evidence_add, evidence_reject
    from tests.reviews.factories import upload

    art11 = obligation(high_case, "Art. 11")
    card = evidence_add(use_case=high_case, actor=ava, artefact_type="model_card",
                        upload=upload("model-card.txt", b"Model card.", "text/plain"))
    suggestion = next(s for s in suggested_records(art11) if s.record == card)
    services.obligation_link(obligation=art11, actor=ava, record_type=suggestion.record_type, record_id=card.pk)
    evidence_reject(evidence=card, actor=gov, reason="The card leaves out the training data and its limits.")
    with pytest.raises(ValidationError, match=r"Model or system card: model-card.txt \(rejected\)"):
        services.obligation_set_status(obligation=art11, actor=ava, status="met")


def test_removing_the_evidence_that_shows_it_reopens_nothing_silently(high_case, ava):
    approve_all_reviews(high_case)
    art72 = obligation(high_case, "Art. 72")
    good = link_first_suggestion(art72, ava)
    services.obligation_set_status(obligation=art72, actor=ava, status="met")
    with pytest.raises(ValidationError, match="mark it in progress"):
        services.obligation_unlink(evidence=good, actor=ava)


def test_the_owner_comes_from_the_raci(high_case, ava, ben, gov):
    art9 = obligation(high_case, "Art. 9")
    with pytest.raises(ValidationError) as refused:
        services.obligation_assign(obligation=art9, actor=gov, owner=ben)
    assert "holds a RACI role" in refused.value.message_dict["owner"][0]
    services.obligation_assign(obligation=art9, actor=gov, owner=high_case.business_owner)
    art9.refresh_from_db()
    assert art9.owner == high_case.business_owner and art9.history.first().history_user == gov
