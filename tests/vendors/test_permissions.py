"""Who may run due diligence: every vendors write service asks ``vendors.permissions`` first.

pat works procurement's queue; sam (security) and lee (legal) rate beside it; archie (architecture)
only looks the registry up; gail is a governance admin by group. The admin offers each action to
whoever may take it, and shows the service's reason when it refuses.
"""

import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.urls import reverse

from tests.vendors.conftest import approve, member, start
from tests.vendors.factories import CertificationFactory, VendorFactory
from vendors import permissions, services
from vendors.models import AssessmentRating, Vendor, VendorAssessment
from vendors.permissions import Action

START = "Only procurement and governance admins start vendor assessments."
ASSIGN = "Only procurement, the assessors (security, legal) and governance admins assign vendor assessments."
RATE = "Only procurement, the assessors (security, legal) and governance admins rate vendor assessments."
COMPLETE = "Only procurement and governance admins complete vendor assessments."
OFFBOARD = "Only procurement and governance admins offboard vendors."


@pytest.fixture
def sam(db):
    return member("security", "sam.security", is_staff=True)


@pytest.fixture
def lee(db):
    return member("legal", "lee.legal", is_staff=True)


@pytest.fixture
def archie(db):
    return member("architecture", "archie.architect", is_staff=True)


@pytest.fixture
def gail(db):
    return member("governance_admins", "gail.gov", is_staff=True)


def refused(call, reason: str) -> None:
    with pytest.raises(PermissionDenied) as err:
        call()
    assert str(err.value) == reason


# ---------------------------------------------------------------- the services


def test_only_procurement_and_governance_admins_start_an_assessment(vendor, pat, gail, sam, archie, ava):
    for outsider in (sam, archie, ava):
        refused(lambda u=outsider: services.vendor_assessment_start(vendor=vendor, actor=u), START)
    assert not VendorAssessment.objects.exists()
    assert services.vendor_assessment_start(vendor=vendor, actor=pat).vendor == vendor
    other = VendorFactory()
    assert services.vendor_assessment_start(vendor=other, actor=gail).vendor == other


def test_the_assessors_assign_and_rate_but_the_read_only_roles_do_not(vendor, pat, sam, lee, archie):
    assessment = start(vendor, pat)
    refused(lambda: services.vendor_assessment_assign(assessment=assessment, actor=archie, assessor=archie), ASSIGN)
    refused(lambda: services.vendor_assessment_rate(assessment=assessment, actor=archie,
                                                    ratings={"data_handling": {"rating": "meets"}}), RATE)
    assessment.refresh_from_db()
    assert (assessment.assessor, assessment.status) == (None, "open")

    assigned = services.vendor_assessment_assign(assessment=assessment, actor=sam, assessor=sam)
    assert (assigned.assessor, assigned.status) == (sam, "in_progress")
    services.vendor_assessment_rate(assessment=assessment, actor=lee, ratings={"data_handling": {"rating": "meets"}})
    assert assessment.ratings.get(area__key="data_handling").rating == "meets"


def test_only_procurement_and_governance_admins_complete_an_assessment(vendor, pat, gail, sam, archie):
    assessment = start(vendor, pat, rating="meets")
    for outsider in (sam, archie):
        refused(lambda u=outsider: services.vendor_assessment_complete(
            assessment=assessment, actor=u, outcome="approved"), COMPLETE)
    vendor.refresh_from_db()
    assert vendor.status == "under_assessment"
    done = services.vendor_assessment_complete(assessment=assessment, actor=gail, outcome="approved")
    assert (done.status, done.completed_by) == ("completed", gail)


def test_only_procurement_and_governance_admins_offboard_a_vendor(vendor, pat, sam, archie):
    approve(vendor, pat)
    for outsider in (sam, archie):
        refused(lambda u=outsider: services.vendor_offboard(vendor=vendor, actor=u, reason="Contract ended."),
                OFFBOARD)
    vendor.refresh_from_db()
    assert vendor.status == "approved"
    assert services.vendor_offboard(vendor=vendor, actor=pat, reason="Contract ended.").status == "offboarded"


def test_the_permission_is_asked_before_anything_else(vendor, archie):
    # An outsider learns nothing about the record's state: the refusal is the same whatever it is.
    VendorFactory(name="Offboarded Co", status="offboarded")
    refused(lambda: services.vendor_offboard(vendor=Vendor.objects.get(name="Offboarded Co"), actor=archie,
                                             reason=""), OFFBOARD)


def test_a_deactivated_procurement_member_may_do_nothing(vendor, pat):
    pat.is_active = False
    pat.save()
    refused(lambda: services.vendor_assessment_start(vendor=vendor, actor=pat), START)


def test_the_rule_is_the_groups_model_permissions(pat, sam, archie, gail, gov, ava):
    rows = {
        user.username: [permissions.can(user, action) for action in (
            Action.START, Action.ASSIGN, Action.RATE, Action.COMPLETE, Action.OFFBOARD, Action.VIEW_ASSESSMENTS)]
        for user in (pat, sam, archie, gail, gov, ava)
    }
    assert rows == {
        "pat.procurement": [True, True, True, True, True, True],
        "sam.security": [False, True, True, False, False, True],
        "archie.architect": [False, False, False, False, False, True],
        "gail.gov": [True, True, True, True, True, True],
        "gov.admin": [True, True, True, True, True, True],
        "ava.submitter": [False, False, False, False, False, False],
    }


def test_evidence_follows_what_the_admin_shows_its_owner_to(vendor, pat, archie, ava):
    certification = CertificationFactory(vendor=vendor)
    rating = AssessmentRating.objects.filter(assessment=start(vendor, pat)).first()
    for owner in (certification, rating):
        assert permissions.can(archie, Action.VIEW_EVIDENCE, owner)
        assert not permissions.can(ava, Action.VIEW_EVIDENCE, owner)


# ---------------------------------------------------------------- the admin


def action_names(client, user, url) -> set[str]:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    form = response.context["action_form"]  # None when no action is offered
    return {name for name, _label in form.fields["action"].choices if name} if form else set()


def test_the_admin_offers_each_action_to_whoever_may_take_it(client, vendor, pat, sam, archie):
    start(vendor, pat)
    queue, vendors = reverse("admin:vendors_vendorassessment_changelist"), reverse("admin:vendors_vendor_changelist")
    completes = {"complete_approved", "complete_approved_with_conditions", "complete_rejected"}
    assert action_names(client, pat, queue) >= {"assign_to_me", *completes}
    assert action_names(client, pat, vendors) >= {"start_assessment", "offboard"}
    assert action_names(client, sam, queue) & ({"assign_to_me"} | completes) == {"assign_to_me"}
    assert not action_names(client, sam, vendors) & {"start_assessment", "offboard"}
    assert not action_names(client, archie, queue) & ({"assign_to_me"} | completes)
    assert not action_names(client, archie, vendors) & {"start_assessment", "offboard"}


def admin_request(user):
    request = RequestFactory().post("/admin/")
    request.user = user
    SessionMiddleware(lambda r: None).process_request(request)
    MessageMiddleware(lambda r: None).process_request(request)
    return request


def test_an_admin_action_shows_the_services_reason(vendor, pat, archie):
    assessment = start(vendor, pat, rating="meets")
    model_admin = admin.site.get_model_admin(VendorAssessment)
    action = next(a for a in model_admin.actions if getattr(a, "__name__", "") == "complete_approved")
    request = admin_request(archie)
    # Called directly: the changelist would not offer the action to archie at all.
    action(model_admin, request, VendorAssessment.objects.filter(pk=assessment.pk))
    assert [str(m) for m in get_messages(request)] == [f"{assessment}: {COMPLETE}"]
    assessment.refresh_from_db()
    assert assessment.status == "in_progress"


def test_a_security_assessor_rates_in_the_admin_through_the_service(client, vendor, pat, sam):
    from tests.vendors.test_admin import rating_form

    assessment = start(vendor, pat)
    client.force_login(sam)
    url = reverse("admin:vendors_vendorassessment_change", args=[assessment.pk])
    response = client.post(url, rating_form(assessment, {"data_handling": "partly"}, assessor=sam.pk))
    assert response.status_code == 302
    row = assessment.ratings.get(area__key="data_handling")
    assert (row.rating, row.history.first().history_user) == ("partly", sam)
