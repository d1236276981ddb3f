"""Reads: expired approvals show as such, and detail pages load in a fixed number of queries."""

import datetime

from django.utils import timezone

from tests.vendors.conftest import approve
from tests.vendors.factories import AIModelFactory, CertificationFactory, VendorContactFactory, VendorFactory
from vendors import selectors


def test_expired_approval_shows_as_approval_expired_everywhere(vendor, pat):
    approve(vendor, pat)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    type(vendor).objects.filter(pk=vendor.pk).update(approval_expires=yesterday)
    vendor.refresh_from_db()
    assert vendor.status == "approved"  # the stored decision is kept; only its meaning today changes
    assert vendor.effective_status() == "approval_expired"
    assert vendor.effective_status_label() == "Approval expired"
    assert vendor.is_approved() is False
    assert vendor.effective_status(yesterday) == "approved"
    listed = selectors.vendor_list().get(pk=vendor.pk)
    assert listed.effective_status_value == "approval_expired"
    assert selectors.vendor_list(today=yesterday).get(pk=vendor.pk).effective_status_value == "approved"


def test_a_vendor_is_named_with_its_status_as_it_stands(vendor, pat, django_assert_num_queries):
    approve(vendor, pat)
    vendor.refresh_from_db()
    conditional = VendorFactory(name="Acme", status="approved_with_conditions",
                                approval_expires=timezone.localdate() - datetime.timedelta(days=1))
    prospect = VendorFactory(name="Brightline", status="prospect")
    with django_assert_num_queries(0):  # from the row itself: free for a prefetched list
        named = [v.name_with_status() for v in (vendor, conditional, prospect)]
    assert named == ["Northwind AI (approved)", "Acme (approval expired)", "Brightline (prospect)"]
    assert conditional.name_with_status(today=conditional.approval_expires) == "Acme (approved with conditions)"


def test_vendor_detail_prefetches_everything_the_page_shows(vendor, pat, django_assert_num_queries):
    VendorContactFactory.create_batch(2, vendor=vendor)
    CertificationFactory.create_batch(2, vendor=vendor)
    AIModelFactory.create_batch(2, provider=vendor)
    approve(vendor, pat)
    with django_assert_num_queries(6):
        detail = selectors.vendor_detail(vendor.pk)
        assessment = detail.assessments.all()[0]
        shown = (
            [c.name for c in detail.contacts.all()], [c.display_name for c in detail.certifications.all()],
            [str(m) for m in detail.ai_models.all()], assessment.assessor.username,
            [r.area.name for r in assessment.ratings.all()],
        )
    assert [len(x) for x in shown] == [2, 2, 2, len(pat.username), 12]


def test_certifications_expiring_within_30_days(vendor):
    today = timezone.localdate()
    soon = CertificationFactory(vendor=vendor, expires_on=today + datetime.timedelta(days=20))
    CertificationFactory(vendor=vendor, expires_on=today + datetime.timedelta(days=45))
    CertificationFactory(vendor=vendor, expires_on=today - datetime.timedelta(days=1))
    assert list(selectors.certifications_expiring()) == [soon]


def test_model_registry_lists_by_provider(db):
    b = AIModelFactory(provider=VendorFactory(name="B vendor"), name="Zeta")
    a = AIModelFactory(provider=VendorFactory(name="A vendor"), name="Omega")
    assert list(selectors.model_registry()) == [a, b]
    assert str(a) == f"A vendor Omega {a.version}"
