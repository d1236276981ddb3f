"""Procurement in Django admin: the assessment queue, actions through services, constant queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.vendors.conftest import all_ratings, approve, start
from tests.vendors.factories import AIModelFactory, CertificationFactory, VendorFactory
from vendors import services
from vendors.models import Vendor, VendorAssessment

QUEUE = reverse("admin:vendors_vendorassessment_changelist")
VENDORS = reverse("admin:vendors_vendor_changelist")
def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def queue_names(client, **params) -> list[str]:
    response = client.get(QUEUE, params)
    assert response.status_code == 200
    return [a.vendor.name for a in response.context["cl"].result_list]


def test_queue_lists_open_first_then_oldest_due(gov_client, pat):
    done = VendorFactory(name="Done")
    approve(done, pat)
    busy = start(VendorFactory(name="Busy, due first"), pat)
    services.vendor_assessment_assign(assessment=busy, actor=pat, assessor=pat)
    VendorAssessment.objects.filter(pk=busy.pk).update(due_on=days(1))
    for name, due in [("Open, due later", days(20)), ("Open, no due date", None), ("Open, due sooner", days(5))]:
        services.vendor_assessment_start(vendor=VendorFactory(name=name), actor=pat, due_on=due)
    assert queue_names(gov_client) == [
        "Open, due sooner", "Open, due later", "Open, no due date", "Busy, due first", "Done",
    ]


def test_queue_filters_and_search(gov_client, pat):
    start(VendorFactory(name="Critical Co", criticality="high"), pat)
    start(VendorFactory(name="Minor Co", criticality="low"), pat)
    approve(VendorFactory(name="Finished Co", criticality="high"), pat)
    assert queue_names(gov_client, vendor__criticality="high") == ["Critical Co", "Finished Co"]
    assert queue_names(gov_client, status__exact="completed") == ["Finished Co"]
    assert queue_names(gov_client, q="minor") == ["Minor Co"]


def test_overdue_assessments_are_marked(gov_client, vendor, pat):
    assessment = start(vendor, pat)
    VendorAssessment.objects.filter(pk=assessment.pk).update(due_on=days(-3))
    html = gov_client.get(QUEUE).content.decode()
    assert f"{days(-3).isoformat()} (overdue)" in html


def count_queries(client, url) -> int:
    client.get(url)  # warm caches (content types, session) out of the measurement
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def add_assessments(n, pat):
    for _ in range(n):
        assessment = start(VendorFactory(), pat)
        services.vendor_assessment_assign(assessment=assessment, actor=pat, assessor=pat)


def add_vendors(n, pat):
    for i in range(n):
        vendor = VendorFactory()
        CertificationFactory(vendor=vendor)
        if i % 2:
            approve(vendor, pat)
            Vendor.objects.filter(pk=vendor.pk).update(approval_expires=days(-1))


def add_models(n, pat):
    AIModelFactory.create_batch(n, provider=VendorFactory())


@pytest.mark.parametrize(("url", "add"), [
    (QUEUE, add_assessments),
    (VENDORS, add_vendors),
    (reverse("admin:vendors_aimodel_changelist"), add_models),
    (reverse("admin:vendors_certification_changelist"), lambda n, pat: CertificationFactory.create_batch(n)),
    (reverse("admin:vendors_assessmentrating_changelist"), add_assessments),
])
def test_changelists_run_a_constant_number_of_queries(gov_client, pat, django_assert_num_queries, url, add):
    add(2, pat)
    few = count_queries(gov_client, url)
    add(10, pat)
    with django_assert_num_queries(few):
        gov_client.get(url)


def test_vendor_list_shows_approval_expired_and_filters_on_it(gov_client, pat):
    fresh, stale = VendorFactory(name="Fresh"), VendorFactory(name="Stale")
    approve(fresh, pat)
    approve(stale, pat)
    Vendor.objects.filter(pk=stale.pk).update(approval_expires=days(-1))
    response = gov_client.get(VENDORS, {"effective_status": "approval_expired"})
    assert [v.name for v in response.context["cl"].result_list] == ["Stale"]
    assert "Approval expired" in response.content.decode()


def test_vendor_change_page_shows_status_contacts_and_certifications(gov_client, vendor, pat):
    approve(vendor, pat)
    CertificationFactory(vendor=vendor, kind="iso42001")
    html = gov_client.get(reverse("admin:vendors_vendor_change", args=[vendor.pk])).content.decode()
    assert "Approved" in html and "contacts-TOTAL_FORMS" in html and "certifications-TOTAL_FORMS" in html


def test_status_is_not_editable_in_the_vendor_form(gov_client, vendor):
    response = gov_client.post(reverse("admin:vendors_vendor_change", args=[vendor.pk]), {
        "name": vendor.name, "criticality": "high", "status": "approved", "approval_expires": "2099-01-01",
        "contacts-TOTAL_FORMS": 0, "contacts-INITIAL_FORMS": 0,
        "certifications-TOTAL_FORMS": 0, "certifications-INITIAL_FORMS": 0,
        "ai_models-TOTAL_FORMS": 0, "ai_models-INITIAL_FORMS": 0,
    })
    assert response.status_code == 302
    vendor.refresh_from_db()
    assert (vendor.status, vendor.approval_expires) == ("prospect", None)


def act(client, url, action, objects, **extra):
    data = {"action": action, "_selected_action": [o.pk for o in objects], **extra}
    return client.post(url, data, follow=True)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_start_assessment_action(gov_client, vendor):
    response = act(gov_client, VENDORS, "start_assessment", [vendor], index=0)
    assert "Assessments started: 1." in messages_of(response)
    assert VendorAssessment.objects.get(vendor=vendor).ratings.count() == 12


def test_assign_to_me_action(gov_client, gov, vendor, pat):
    assessment = start(vendor, pat)
    act(gov_client, QUEUE, "assign_to_me", [assessment], index=0)
    assessment.refresh_from_db()
    assert (assessment.assessor, assessment.status) == (gov, "in_progress")


def test_complete_action_reports_refusals_without_a_server_error(gov_client, vendor, pat):
    assessment = start(vendor, pat, rating="meets", security_posture="does_not_meet")
    response = act(gov_client, QUEUE, "complete_approved", [assessment], index=0)
    assert response.status_code == 200
    [message] = messages_of(response)
    assert "Cannot approve" in message and "Security posture" in message
    assessment.refresh_from_db()
    assert assessment.status == "in_progress"


def test_complete_as_rejected_action(gov_client, vendor, pat):
    assessment = start(vendor, pat, rating="meets", security_posture="does_not_meet")
    response = act(gov_client, QUEUE, "complete_rejected", [assessment], index=0)
    assert "Assessments completed: 1." in messages_of(response)
    vendor.refresh_from_db()
    assert vendor.status == "rejected"


def test_approve_with_conditions_asks_for_the_conditions_first(gov_client, vendor, pat):
    assessment = start(vendor, pat, rating="meets")
    confirm = act(gov_client, QUEUE, "complete_approved_with_conditions", [assessment], index=0)
    assert confirm.templates[0].name == "admin/vendors/confirm_action.html"
    assert "Conditions of the approval" in confirm.content.decode()
    empty = act(gov_client, QUEUE, "complete_approved_with_conditions", [assessment], apply="yes", text="")
    assert "This field is required" in empty.content.decode()
    done = act(gov_client, QUEUE, "complete_approved_with_conditions", [assessment], apply="yes",
               text="Enable audit logging before go-live.")
    assert "Assessments completed: 1." in messages_of(done)
    assessment.refresh_from_db()
    assert (assessment.outcome, assessment.conditions) == (
        "approved_with_conditions", "Enable audit logging before go-live.")


def test_offboard_action_asks_for_the_reason(gov_client, vendor, pat):
    approve(vendor, pat)
    confirm = act(gov_client, VENDORS, "offboard", [vendor], index=0)
    assert "Reason for offboarding" in confirm.content.decode()
    act(gov_client, VENDORS, "offboard", [vendor], apply="yes", text="Contract ended.")
    vendor.refresh_from_db()
    assert (vendor.status, vendor.offboarding_reason) == ("offboarded", "Contract ended.")


def rating_form(assessment, changes: dict[str, str], **main) -> dict:
    """The change-form POST of an assessment: main fields plus the ratings inline."""
    rows = list(assessment.ratings.select_related("area").order_by("area__order"))
    data = {"assessor": "", "due_on": "", "notes": "", **main,
            "ratings-TOTAL_FORMS": len(rows), "ratings-INITIAL_FORMS": len(rows),
            "ratings-MIN_NUM_FORMS": 0, "ratings-MAX_NUM_FORMS": 1000}
    for i, row in enumerate(rows):
        data |= {f"ratings-{i}-id": row.pk, f"ratings-{i}-assessment": assessment.pk,
                 f"ratings-{i}-rating": changes.get(row.area.key, row.rating),
                 f"ratings-{i}-evidence_notes": row.evidence_notes}
    return data


def test_ratings_inline_records_through_the_service(gov_client, gov, vendor, pat):
    assessment = start(vendor, pat)
    url = reverse("admin:vendors_vendorassessment_change", args=[assessment.pk])
    assert gov_client.get(url).status_code == 200
    response = gov_client.post(url, rating_form(assessment, {"data_handling": "partly"}, assessor=gov.pk,
                                                notes="Call booked."))
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert (assessment.status, assessment.assessor, assessment.notes) == ("in_progress", gov, "Call booked.")
    row = assessment.ratings.get(area__key="data_handling")
    assert (row.rating, row.history.first().history_user) == ("partly", gov)


def test_completed_assessment_is_read_only_in_admin(gov_client, vendor, pat):
    assessment = approve(vendor, pat)
    url = reverse("admin:vendors_vendorassessment_change", args=[assessment.pk])
    html = gov_client.get(url).content.decode()
    assert 'name="_save"' not in html
    gov_client.post(url, rating_form(assessment, {"data_handling": "does_not_meet"}))
    assert assessment.ratings.get(area__key="data_handling").rating == "meets"


def test_every_vendor_model_is_in_the_admin(gov_client):
    for name in ("vendor", "vendorcontact", "certification", "checklistarea", "approvalpolicy",
                 "vendorassessment", "assessmentrating", "aimodel"):
        assert gov_client.get(reverse(f"admin:vendors_{name}_changelist")).status_code == 200


def test_all_ratings_helper_covers_every_area(db):
    assert len(all_ratings()) == 12


def test_procurement_reviewer_works_the_assessment_queue(client, db):
    from django.contrib.auth.models import Group
    from django.urls import reverse

    from tests.factories import UserFactory

    procurement = UserFactory(is_staff=True)
    procurement.groups.add(Group.objects.get(name="procurement"))
    client.force_login(procurement)
    assert client.get(reverse("admin:vendors_vendorassessment_changelist")).status_code == 200
    assert client.get(reverse("admin:vendors_vendor_changelist")).status_code == 200


def test_a_reviewer_may_look_the_registry_up_but_not_change_it(client, db):
    from django.contrib.auth.models import Group
    from django.urls import reverse

    from tests.factories import UserFactory

    architect = UserFactory(is_staff=True)
    architect.groups.add(Group.objects.get(name="architecture"))
    client.force_login(architect)
    assert client.get(reverse("admin:vendors_aimodel_changelist")).status_code == 200
    assert client.get(reverse("admin:vendors_aimodel_add")).status_code == 403


@pytest.mark.parametrize("page", ["vendor", "aimodel"])
def test_change_pages_run_a_constant_number_of_queries(gov_client, page):
    from tests.vendors.factories import VendorContactFactory

    def change_url(vendor):
        target = vendor if page == "vendor" else AIModelFactory(provider=vendor)
        return reverse(f"admin:vendors_{page}_change", args=[target.pk])

    small = VendorFactory()
    CertificationFactory(vendor=small)
    big = VendorFactory()
    CertificationFactory.create_batch(5, vendor=big)
    VendorContactFactory.create_batch(4, vendor=big)
    AIModelFactory.create_batch(3, provider=big)
    small_url, big_url = change_url(small), change_url(big)
    gov_client.get(small_url)  # warm caches (content types, permissions)
    with CaptureQueriesContext(connection) as few:
        assert gov_client.get(small_url).status_code == 200
    with CaptureQueriesContext(connection) as many:
        assert gov_client.get(big_url).status_code == 200
    assert len(many) == len(few)
