"""Due diligence through the services: start, rate, complete, offboard (governance model, section 8)."""

import datetime

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.vendors.conftest import CRITICAL_AREAS, all_ratings, approve, start
from tests.vendors.factories import VendorFactory
from vendors import services
from vendors.models import ApprovalPolicy, ChecklistArea, Vendor, VendorAssessment


def test_reference_data_is_seeded_by_migration(db):
    assert ChecklistArea.objects.count() == 12
    assert set(ChecklistArea.objects.filter(critical=True).values_list("key", flat=True)) == set(CRITICAL_AREAS)
    assert dict(ApprovalPolicy.objects.values_list("criticality", "validity_months")) == {
        "high": 12, "medium": 18, "low": 24,
    }


class TestStart:
    def test_creates_one_blank_rating_per_active_area_and_marks_vendor(self, vendor, pat):
        ChecklistArea.objects.filter(key="commercial_model").update(active=False)
        assessment = services.vendor_assessment_start(vendor=vendor, actor=pat, due_on=None)
        ratings = list(assessment.ratings.select_related("area"))
        assert len(ratings) == 11
        assert "commercial_model" not in {r.area.key for r in ratings}
        assert all(r.rating == "" for r in ratings)
        assert assessment.status == "open"
        vendor.refresh_from_db()
        assert vendor.status == "under_assessment"
        assert vendor.history.first().history_user == pat

    def test_only_one_assessment_in_flight_per_vendor(self, vendor, pat):
        start(vendor, pat)
        with pytest.raises(ValidationError, match="already has an assessment in progress"):
            start(vendor, pat)

    def test_due_date_in_the_past_is_refused(self, vendor, pat):
        with pytest.raises(ValidationError) as err:
            services.vendor_assessment_start(vendor=vendor, actor=pat, due_on=datetime.date(2000, 1, 1))
        assert "due_on" in err.value.message_dict


class TestRate:
    def test_records_ratings_and_moves_to_in_progress(self, vendor, pat):
        assessment = start(vendor, pat)
        services.vendor_assessment_rate(assessment=assessment, actor=pat, ratings={
            "data_handling": {"rating": "partly", "evidence_notes": "Retention 90 days."},
        })
        row = assessment.ratings.get(area__key="data_handling")
        assert (row.rating, row.evidence_notes) == ("partly", "Retention 90 days.")
        assessment.refresh_from_db()
        assert assessment.status == "in_progress"

    @pytest.mark.parametrize(("ratings", "named"), [
        ({"no_such_area": {"rating": "meets"}}, "no_such_area"),
        ({"data_handling": {"rating": "great"}}, "rating"),
        ({"data_handling": {"ratng": "meets"}}, "ratng"),
        ({"data_handling": "meets"}, "rating"),
    ])
    def test_unknown_keys_and_bad_values_name_the_field_and_save_nothing(self, vendor, pat, ratings, named):
        assessment = start(vendor, pat)
        good = {"security_posture": {"rating": "meets"}}
        with pytest.raises(ValidationError) as err:
            services.vendor_assessment_rate(assessment=assessment, actor=pat, ratings=good | ratings)
        assert named in str(err.value.message_dict)
        assert not assessment.ratings.exclude(rating="").exists()

    def test_completed_assessment_cannot_be_re_rated(self, vendor, pat):
        assessment = approve(vendor, pat)
        with pytest.raises(ValidationError, match="already completed"):
            services.vendor_assessment_rate(assessment=assessment, actor=pat,
                                            ratings={"data_handling": {"rating": "partly"}})


class TestComplete:
    def test_missing_ratings_are_refused_with_the_area_names(self, vendor, pat):
        assessment = start(vendor, pat)
        ratings = all_ratings()
        del ratings["security_posture"], ratings["vendor_maturity"]
        services.vendor_assessment_rate(assessment=assessment, actor=pat, ratings=ratings)
        with pytest.raises(ValidationError) as err:
            services.vendor_assessment_complete(assessment=assessment, actor=pat, outcome="rejected")
        message = err.value.message_dict["ratings"][0]
        assert "missing any rating cannot be completed" in message
        assert "Security posture" in message and "Vendor maturity" in message
        assert "Data handling" not in message
        assessment.refresh_from_db()
        assert assessment.status == "in_progress"

    @pytest.mark.parametrize("area", CRITICAL_AREAS)
    @pytest.mark.parametrize("outcome", ["approved", "approved_with_conditions"])
    def test_critical_area_that_does_not_meet_blocks_approval(self, vendor, pat, area, outcome):
        assessment = start(vendor, pat, **{area: "does_not_meet"})
        with pytest.raises(ValidationError) as err:
            services.vendor_assessment_complete(assessment=assessment, actor=pat, outcome=outcome,
                                                conditions="Fix it.")
        name = ChecklistArea.objects.get(key=area).name
        assert name in err.value.message_dict["outcome"][0]
        vendor.refresh_from_db()
        assert vendor.status == "under_assessment"

    @pytest.mark.parametrize("area", CRITICAL_AREAS)
    def test_critical_area_that_does_not_meet_may_still_be_rejected(self, vendor, pat, area):
        assessment = start(vendor, pat, **{area: "does_not_meet"})
        services.vendor_assessment_complete(assessment=assessment, actor=pat, outcome="rejected")
        vendor.refresh_from_db()
        assert vendor.status == "rejected"

    def test_refusal_names_every_failing_critical_area(self, vendor, pat):
        assessment = start(vendor, pat, data_handling="does_not_meet", privacy_compliance="does_not_meet")
        with pytest.raises(ValidationError) as err:
            services.vendor_assessment_complete(assessment=assessment, actor=pat, outcome="approved")
        assert "Data handling, Privacy and compliance" in err.value.message_dict["outcome"][0]

    def test_non_critical_area_that_does_not_meet_may_be_approved(self, vendor, pat):
        assessment = start(vendor, pat, commercial_model="does_not_meet", security_posture="partly")
        done = services.vendor_assessment_complete(assessment=assessment, actor=pat, outcome="approved")
        assert (done.status, done.outcome, done.completed_by) == ("completed", "approved", pat)
        vendor.refresh_from_db()
        assert vendor.status == "approved"

    def test_approval_with_conditions_requires_the_conditions(self, vendor, pat):
        assessment = start(vendor, pat, rating="meets")
        with pytest.raises(ValidationError) as err:
            services.vendor_assessment_complete(assessment=assessment, actor=pat,
                                                outcome="approved_with_conditions", conditions="  ")
        assert "conditions" in err.value.message_dict
        done = services.vendor_assessment_complete(assessment=assessment, actor=pat,
                                                   outcome="approved_with_conditions", conditions="Keep logs.")
        vendor.refresh_from_db()
        assert (vendor.status, done.conditions) == ("approved_with_conditions", "Keep logs.")

    def test_unknown_outcome_is_refused(self, vendor, pat):
        assessment = start(vendor, pat, rating="meets")
        with pytest.raises(ValidationError) as err:
            services.vendor_assessment_complete(assessment=assessment, actor=pat, outcome="maybe")
        assert "outcome" in err.value.message_dict

    @pytest.mark.parametrize(("criticality", "months"), [("high", 12), ("medium", 18), ("low", 24)])
    @pytest.mark.parametrize("outcome", ["approved", "approved_with_conditions"])
    def test_approval_expires_after_the_policy_months_for_the_criticality(self, pat, criticality, months, outcome):
        vendor = VendorFactory(criticality=criticality)
        done = approve(vendor, pat, outcome=outcome)
        vendor.refresh_from_db()
        assert vendor.approval_expires == timezone.localdate(done.completed_at) + relativedelta(months=months)

    def test_editing_the_approval_policy_changes_the_expiry(self, pat):
        ApprovalPolicy.objects.filter(criticality="medium").update(validity_months=6)
        vendor = VendorFactory(criticality="medium")
        done = approve(vendor, pat)
        vendor.refresh_from_db()
        assert vendor.approval_expires == timezone.localdate(done.completed_at) + relativedelta(months=6)

    def test_missing_approval_policy_is_a_clear_refusal(self, pat):
        ApprovalPolicy.objects.filter(criticality="low").delete()
        vendor = VendorFactory(criticality="low")
        with pytest.raises(ValidationError, match="No approval policy"):
            approve(vendor, pat)
        assert VendorAssessment.objects.get(vendor=vendor).status == "in_progress"

    def test_rejection_clears_the_expiry(self, vendor, pat):
        approve(vendor, pat)
        assessment = start(vendor, pat, rating="meets", security_posture="does_not_meet")
        services.vendor_assessment_complete(assessment=assessment, actor=pat, outcome="rejected")
        vendor.refresh_from_db()
        assert (vendor.status, vendor.approval_expires) == ("rejected", None)

    def test_second_completion_loses_with_already_completed(self, vendor, pat, gov):
        first_view = start(vendor, pat, rating="meets")
        second_view = VendorAssessment.objects.get(pk=first_view.pk)  # both opened the page before either acted
        services.vendor_assessment_complete(assessment=first_view, actor=pat, outcome="approved")
        with pytest.raises(ValidationError, match="already completed"):
            services.vendor_assessment_complete(assessment=second_view, actor=gov, outcome="rejected")
        vendor.refresh_from_db()
        assert vendor.status == "approved"


class TestAssign:
    def test_assigning_moves_an_open_assessment_to_in_progress(self, vendor, pat):
        assessment = start(vendor, pat)
        assigned = services.vendor_assessment_assign(assessment=assessment, actor=pat, assessor=pat)
        assert (assigned.assessor, assigned.status) == (pat, "in_progress")


class TestOffboard:
    def test_offboarding_keeps_the_reason_and_ends_the_approval(self, vendor, pat):
        approve(vendor, pat)
        services.vendor_offboard(vendor=vendor, actor=pat, reason="Replaced by an in-house tool.")
        vendor.refresh_from_db()
        assert (vendor.status, vendor.approval_expires) == ("offboarded", None)
        assert vendor.offboarding_reason == "Replaced by an in-house tool."
        assert vendor.offboarded_at is not None
        assert vendor.history.first().history_change_reason.startswith("Offboarded")

    def test_reason_is_required(self, vendor, pat):
        with pytest.raises(ValidationError) as err:
            services.vendor_offboard(vendor=vendor, actor=pat, reason=" ")
        assert "reason" in err.value.message_dict

    def test_refused_while_an_assessment_is_in_flight(self, vendor, pat):
        start(vendor, pat)
        with pytest.raises(ValidationError, match="assessment in progress"):
            services.vendor_offboard(vendor=vendor, actor=pat, reason="No longer needed.")
        assert Vendor.objects.get(pk=vendor.pk).status == "under_assessment"

    def test_offboarding_twice_is_refused(self, vendor, pat):
        services.vendor_offboard(vendor=vendor, actor=pat, reason="Not needed.")
        with pytest.raises(ValidationError, match="already offboarded"):
            services.vendor_offboard(vendor=vendor, actor=pat, reason="Not needed.")
