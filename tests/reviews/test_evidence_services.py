"""Recording gate evidence: readiness bands and gate rule, checklist, risks, KPIs, incidents."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from reviews import selectors, services
from reviews.models import ReadinessArea, ReadinessScore, Risk
from tests.factories import UserFactory

from .factories import reviewer, submitted_use_case
from .gate_world import score_readiness


@pytest.fixture
def case(ava, custops, owner):
    return submitted_use_case(created_by=ava, business_unit=custops, business_owner=owner,
                              executive_sponsor=UserFactory(username="sponsor.sue"))


def scores_summing_to(total):
    """18 scores (each 1-5) adding up to ``total``, none of them 1 unless needed."""
    scores, remaining = [], total
    for left in range(18, 0, -1):
        value = max(2 if remaining - 2 >= (left - 1) * 1 else 1, min(5, remaining - (left - 1) * 2))
        value = max(1, min(5, value))
        scores.append(value)
        remaining -= value
    assert sum(scores) == total
    keys = list(ReadinessArea.objects.order_by("order").values_list("key", flat=True))
    return dict(zip(keys, scores, strict=True))


@pytest.mark.parametrize(
    ("total", "band"),
    [(90, "strong"), (75, "strong"), (74, "moderate"), (55, "moderate"), (54, "weak"), (35, "weak"), (34, "low"),
     (18, "low")],
)
def test_readiness_bands_at_their_edges(case, owner, total, band):
    services.readiness_record(use_case=case, actor=owner, scores=scores_summing_to(total))
    summary = selectors.readiness_summary(case)
    assert (summary.total, summary.band.key) == (total, band)


@pytest.mark.parametrize("area", ["ownership", "success_criteria", "security_readiness",
                                  "privacy_legal_readiness", "production_readiness"])
def test_gate_rule_blocks_on_each_critical_area_below_3(case, owner, area):
    score_readiness(case, owner, score=5, **{area: 2})
    summary = selectors.readiness_summary(case)
    assert summary.total == 87 and summary.band.key == "strong"
    assert summary.gate_blocked and len(summary.blocking_areas) == 1
    assert not summary.passes


def test_a_non_critical_area_below_3_does_not_block(case, owner):
    score_readiness(case, owner, score=5, value_case=2)
    assert not selectors.readiness_summary(case).gate_blocked


def test_an_area_scored_1_needs_an_independent_review(case, owner):
    score_readiness(case, owner, score=5, vendor_readiness=1)
    assert selectors.readiness_summary(case).unreviewed_ones == ["Vendor readiness"]
    # The use case's own people may write the review down; it is not independent.
    services.readiness_record(use_case=case, actor=owner, scores={"vendor_readiness": 1},
                              explicit_reviews={"vendor_readiness": "CFO accepted the gap until Q2."})
    row = ReadinessScore.objects.get(use_case=case, area__key="vendor_readiness")
    assert (row.explicit_review_by, row.explicit_review_independent) == (owner, False)
    assert selectors.readiness_summary(case).unreviewed_ones == ["Vendor readiness"]
    security = reviewer("security")
    services.readiness_signoff(use_case=case, actor=security, area="vendor_readiness",
                               review="Checked the exit plan with procurement: acceptable until Q2.")
    row.refresh_from_db()
    assert (row.explicit_review_by, row.explicit_review_independent) == (security, True)
    assert row.explicit_reviewed_at is not None
    assert selectors.readiness_summary(case).unreviewed_ones == []


def test_a_new_score_needs_its_own_independent_review(case, owner):
    score_readiness(case, owner, score=5, vendor_readiness=1)
    services.readiness_signoff(use_case=case, actor=reviewer("security"), area="vendor_readiness",
                               review="Reviewed the vendor's exit terms; acceptable for the pilot.")
    services.readiness_record(use_case=case, actor=owner, scores={"vendor_readiness": 2})
    services.readiness_record(use_case=case, actor=owner, scores={"vendor_readiness": 1})
    assert selectors.readiness_summary(case).unreviewed_ones == ["Vendor readiness"]


@pytest.mark.parametrize(("who", "words"), [
    ("owner", "Only a member of a review function"),  # not a reviewer at all
    ("own_reviewer", "Separation of duties"),  # a reviewer, but its business owner
])
def test_only_someone_independent_signs_off(case, owner, who, words):
    score_readiness(case, owner, score=5, vendor_readiness=1)
    actor = owner
    if who == "own_reviewer":
        actor = case.business_owner
        actor.groups.add(*reviewer("legal").groups.all())
    with pytest.raises(PermissionDenied, match=words):
        services.readiness_signoff(use_case=case, actor=actor, area="vendor_readiness",
                                   review="Looks fine to me, honestly.")
    assert selectors.readiness_summary(case).unreviewed_ones == ["Vendor readiness"]


@pytest.mark.parametrize(("area", "review", "field"), [
    ("ownership", "Reviewed and accepted for now.", "area"),  # scored 5: nothing to sign off
    ("vendor_readiness", "ok", "review"),  # too short to say what was reviewed
])
def test_a_signoff_is_refused_at_its_field(case, owner, area, review, field):
    score_readiness(case, owner, score=5, vendor_readiness=1)
    with pytest.raises(ValidationError) as refused:
        services.readiness_signoff(use_case=case, actor=reviewer("security"), area=area, review=review)
    assert list(refused.value.message_dict) == [field]


def test_an_incomplete_scorecard_has_no_band(case, owner):
    services.readiness_record(use_case=case, actor=owner, scores={"ownership": 5})
    summary = selectors.readiness_summary(case)
    assert (summary.complete, summary.band, summary.passes) == (False, None, False)


@pytest.mark.parametrize("bad", [0, 6, "3", 2.5, True, None])
def test_readiness_scores_must_be_1_to_5(case, owner, bad):
    with pytest.raises(ValidationError) as err:
        services.readiness_record(use_case=case, actor=owner, scores={"ownership": bad, "value_case": 4})
    assert list(err.value.message_dict) == ["ownership"]
    assert not ReadinessScore.objects.exists()  # nothing half-saved


def test_unknown_readiness_area_is_refused(case, owner):
    with pytest.raises(ValidationError, match="Unknown readiness area"):
        services.readiness_record(use_case=case, actor=owner, scores={"vibes": 5})


def test_only_evidence_owners_record_evidence(case, sec):
    with pytest.raises(PermissionDenied):
        services.readiness_record(use_case=case, actor=sec, scores={"ownership": 5})


def test_checklist_ready_needs_evidence(case, owner):
    with pytest.raises(ValidationError) as err:
        services.checklist_record(use_case=case, actor=owner, items={"rollback_readiness": {"ready": True}})
    assert "evidence" in err.value.message_dict["rollback_readiness"][0]
    services.checklist_record(use_case=case, actor=owner,
                              items={"rollback_readiness": {"ready": True, "evidence": "Drill run on 3 Nov."},
                                     "support_model": {"ready": False}})
    summary = selectors.checklist_summary(case)
    assert summary.is_ready("rollback_readiness") and not summary.is_ready("support_model")
    # 14 items: 1 ticked, and Privacy & legal review follows reviews this low tier does not require.
    assert len(summary.not_ready) == 12


@pytest.mark.parametrize("bad", [{"ready": "yes"}, "ready", {"ready": True, "evidence": "x" * 2001}])
def test_checklist_rejects_malformed_entries(case, owner, bad):
    with pytest.raises(ValidationError):
        services.checklist_record(use_case=case, actor=owner, items={"support_model": bad})


def test_risk_score_escalation_and_heat_map(case, owner):
    high = services.risk_save(use_case=case, actor=owner, data={
        "area": "bias_fairness", "description": "Ranking favours one region.", "likelihood": 4, "impact": 5,
        "owner": owner, "escalation_threshold": 15})
    services.risk_save(use_case=case, actor=owner, data={
        "area": "cost_creep", "description": "Token spend grows.", "likelihood": 2, "impact": 2})
    assert (high.score, high.needs_escalation) == (20, True)
    grid = selectors.risk_heatmap(list(selectors.risks_for(case)))
    assert grid[5 - 4][5 - 1] == 1 and grid[5 - 2][2 - 1] == 1 and sum(map(sum, grid)) == 2
    services.risk_save(use_case=case, actor=owner, risk=high, data={"mitigation_status": "mitigated"})
    assert not Risk.objects.get(pk=high.pk).needs_escalation


@pytest.mark.parametrize(("field", "value"), [("likelihood", 6), ("impact", 0), ("area", "aliens"),
                                              ("mitigation_status", "ignored")])
def test_risk_values_are_validated(case, owner, field, value):
    data = {"area": "reputation", "description": "Press coverage.", "likelihood": 3, "impact": 3, field: value}
    with pytest.raises(ValidationError) as err:
        services.risk_save(use_case=case, actor=owner, data=data)
    assert field in err.value.message_dict


def test_kpi_actual_met_by_direction_and_corrected_same_day(case, owner):
    kpi = case.kpis.get()  # handling time: baseline 12, target 8, lower is better
    day = datetime.date(2026, 10, 1)
    services.kpi_actual_record(kpi=kpi, actor=owner, measured_on=day, value="9.5")
    progress = selectors.kpi_progress(case)[0]
    assert (progress.met, progress.progress_pct) == (False, 63)
    services.kpi_actual_record(kpi=kpi, actor=owner, measured_on=day, value=Decimal("7.9"))
    progress = selectors.kpi_progress(case)[0]
    assert progress.met and len(progress.actuals) == 1


@pytest.mark.parametrize("bad", ["abc", "NaN", "1e20", None])
def test_kpi_actual_value_must_be_a_number(case, owner, bad):
    with pytest.raises(ValidationError):
        services.kpi_actual_record(kpi=case.kpis.get(), actor=owner, measured_on=datetime.date(2026, 10, 1),
                                   value=bad)


def test_costs_are_per_month(case, owner):
    services.cost_record(use_case=case, actor=owner, period=datetime.date(2026, 10, 17), budget="1000", actual="1200")
    entry = services.cost_record(use_case=case, actor=owner, period=datetime.date(2026, 10, 2), budget="1000",
                                 actual="900")
    assert (entry.period_start, entry.actual, case.costs.count()) == (datetime.date(2026, 10, 1), 900, 1)


def test_severity_one_incident_notifies_sponsor_and_governance_admins(case, owner, django_capture_on_commit_callbacks):
    from .gate_world import governance_admin

    admin = governance_admin()
    data = {"severity": 1, "title": "Wrong refunds issued", "what_happened": "The agent refunded 40 orders.",
            "occurred_at": datetime.datetime(2026, 11, 20, 9, 30, tzinfo=datetime.UTC)}
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_report(use_case=case, actor=owner, data=data)
    assert len(mail.outbox) == 1
    assert set(mail.outbox[0].to) == {case.executive_sponsor.email, admin.email}
    assert "SEVERITY 1" in mail.outbox[0].subject


def test_lesser_incidents_do_not_page_anyone(case, owner, django_capture_on_commit_callbacks):
    data = {"severity": 3, "title": "Slow answers", "what_happened": "Latency doubled for an hour.",
            "occurred_at": datetime.datetime(2026, 11, 20, 9, 30, tzinfo=datetime.UTC)}
    with django_capture_on_commit_callbacks(execute=True):
        incident = services.incident_report(use_case=case, actor=owner, data=data)
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_update(incident=incident, actor=owner, data={"severity": 1})
    assert len(mail.outbox) == 1  # raised to severity 1: page now


def test_incident_severity_out_of_range(case, owner):
    with pytest.raises(ValidationError) as err:
        services.incident_report(use_case=case, actor=owner, data={
            "severity": 5, "title": "x", "what_happened": "y",
            "occurred_at": datetime.datetime(2026, 11, 20, tzinfo=datetime.UTC)})
    assert "severity" in err.value.message_dict


def test_a_changed_note_keeps_someone_elses_signoff(case, owner):
    score_readiness(case, owner, score=5, vendor_readiness=1)
    services.readiness_signoff(use_case=case, actor=reviewer("security"), area="vendor_readiness",
                               review="Checked the exit plan with procurement: acceptable until Q2.")
    services.readiness_record(use_case=case, actor=owner, scores={"vendor_readiness": 1},
                              notes={"vendor_readiness": "Exit plan attached."})
    row = ReadinessScore.objects.get(use_case=case, area__key="vendor_readiness")
    assert row.explicit_review_independent and row.note == "Exit plan attached."
    assert selectors.readiness_summary(case).unreviewed_ones == []
