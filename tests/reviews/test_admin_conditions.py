"""A reviewer marks a condition of a conditional approval met from the review page.

Without this, a conditional approval blocked the next stage gate for good:
nothing in the pages (or the API) could mark a condition met.
"""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from reviews import services
from reviews.choices import Decision
from tests.vendors.factories import VendorFactory

from .conftest import MEDIUM, review_of
from .factories import submitted_use_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def conditional(medium_case, sec, owner):
    """medium_case's security review approved with one condition, owned by the business owner."""
    review = services.review_decide(
        review=review_of(medium_case, "security"), actor=sec, decision=Decision.APPROVE_WITH_CONDITIONS,
        rationale="Approved once audit logging is on.",
        conditions=[{"text": "Turn on audit logging", "owner": owner,
                     "due_date": timezone.localdate() + datetime.timedelta(days=14)}],
    )
    return review.conditions.get()


def met_url(review, condition):
    return reverse("admin:reviews_review_condition_met", args=[review.pk, condition.pk])


def change_url(review):
    return reverse("admin:reviews_review_change", args=[review.pk])


def test_a_reviewer_of_the_function_marks_it_met(client, sec, conditional):
    review = conditional.review
    client.force_login(sec)
    assert "Mark met" in client.get(change_url(review)).content.decode()

    response = client.post(met_url(review, conditional))

    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        f"{review.use_case.reference} Security review: condition met."]
    conditional.refresh_from_db()
    assert conditional.met and conditional.met_by == sec
    assert "Mark met" not in client.get(change_url(review)).content.decode()


def test_another_function_may_not(client, priv, conditional, medium_case):
    privacy_review = review_of(medium_case, "privacy")
    client.force_login(priv)
    assert "Mark met" not in client.get(change_url(privacy_review)).content.decode()

    response = client.post(met_url(privacy_review, conditional))

    assert response.status_code == 302
    (refusal,) = (str(m) for m in get_messages(response.wsgi_request))
    assert refusal == f"{medium_case.reference} Security review: You do not have permission to do that."
    conditional.refresh_from_db()
    assert not conditional.met


def test_only_by_post(client, sec, conditional):
    client.force_login(sec)
    assert client.get(met_url(conditional.review, conditional)).status_code == 405


def test_review_page_names_the_vendors(client, sec, ava, custops, owner):
    use_case = submitted_use_case(created_by=ava, business_unit=custops, business_owner=owner, **MEDIUM)
    use_case.vendors.add(VendorFactory(name="Northwind AI"))
    client.force_login(sec)

    page = client.get(change_url(review_of(use_case, "security"))).content.decode()

    assert "Northwind AI" in page
    assert "vendors.Vendor.None" not in page
    assert "vendors.AIModel.None" not in page
