"""The demo vendors: every status on show, created through the services, safe to run twice."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from demo.vendors import seed_vendors
from tests.factories import UserFactory
from vendors import selectors
from vendors.models import AIModel, AssessmentRating, Certification, Vendor, VendorAssessment, VendorContact


@pytest.fixture
def seeded(db):
    # The demo's procurement reviewer: the procurement group (from migrations) runs vendor assessments.
    actor = UserFactory(username="procurement.reviewer")
    actor.groups.add(Group.objects.get(name="procurement"))
    return actor, seed_vendors(actor=actor)


def test_seed_is_idempotent(seeded):
    actor, first = seeded
    models = (Vendor, VendorContact, Certification, VendorAssessment, AssessmentRating, AIModel)
    before = {m: m.objects.count() for m in models}
    second = seed_vendors(actor=actor)
    assert {m: m.objects.count() for m in models} == before
    assert all(c["created"] == 0 for c in second.values())
    assert {k: c["total"] for k, c in second.items()} == {k: c["total"] for k, c in first.items()}
    assert first["vendors"]["created"] >= 8


def test_every_vendor_status_is_shown_including_an_expired_approval(seeded):
    shown = set(selectors.vendor_list().values_list("effective_status_value", flat=True))
    assert shown == {"prospect", "under_assessment", "approved", "approved_with_conditions",
                     "approval_expired", "rejected", "offboarded"}


def test_decided_vendors_went_through_the_services(seeded):
    actor, _ = seeded
    for vendor in Vendor.objects.filter(status__in=["approved", "approved_with_conditions", "rejected"]):
        assessment = vendor.assessments.get(status="completed")
        assert assessment.outcome == vendor.status
        assert not assessment.ratings.filter(rating="").exists()
        assert assessment.completed_by == actor
    assert Vendor.objects.get(status="approved_with_conditions").assessments.get().conditions


def test_queue_has_open_and_in_progress_work(seeded):
    assert {"open", "in_progress", "completed"} <= set(selectors.assessment_queue().values_list("status", flat=True))


def test_certifications_include_one_expiring_soon_and_one_expired(seeded):
    today = timezone.localdate()
    assert selectors.certifications_expiring(within_days=30).exists()
    assert Certification.objects.filter(expires_on__lt=today).exists()
    assert Certification.objects.filter(expires_on__gt=today + datetime.timedelta(days=30)).exists()


def test_model_registry_has_every_status_and_hosting(seeded):
    assert set(AIModel.objects.values_list("status", flat=True)) == {"approved", "restricted", "deprecated", "banned"}
    assert set(AIModel.objects.values_list("hosting", flat=True)) == {"vendor_api", "self_hosted"}
