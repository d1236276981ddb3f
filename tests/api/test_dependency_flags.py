"""PATCH /api/v1/models/{id}/ and /api/v1/vendors/{id}/ run the same status services as admin: governance
admins (and procurement for vendors) change a status and the live use cases that depend on it are flagged,
which the use-case detail shows as ``dependency_flags``. Anyone else is refused and nothing changes."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core import mail

from reviews.models import DependencyFlag, Review
from tests.factories import UserFactory, at_stage
from tests.reviews.factories import submitted_use_case
from tests.reviews.gate_world import approve_all_reviews, governance_admin
from tests.vendors.factories import AIModelFactory, VendorFactory

from .conftest import client_for


@pytest.fixture
def admin_api(db):
    return client_for(governance_admin())


def live_use_case(ava, custops, *, models=(), vendors=()):
    use_case = submitted_use_case(created_by=ava, business_unit=custops)
    approve_all_reviews(use_case)
    use_case.ai_models.add(*models)
    use_case.vendors.add(*vendors)
    return at_stage(use_case, "controlled_rollout")


def test_a_governance_admin_bans_a_model_and_the_use_case_shows_the_flag(
        ava, custops, admin_api, django_capture_on_commit_callbacks):
    model = AIModelFactory(name="Atlas", version="3")
    use_case = live_use_case(ava, custops, models=[model])
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_api.patch(f"/api/v1/models/{model.pk}/", {"status": "banned", "note": "EOL"},
                                   format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "banned"
    assert len(mail.outbox) == 1
    detail = client_for(ava).get(f"/api/v1/use-cases/{use_case.reference}/").json()
    [flag] = detail["dependency_flags"]
    assert set(flag) == {"kind", "name", "status", "since"}
    assert (flag["kind"], flag["name"], flag["status"]) == ("model", str(model), "banned")
    assert flag["since"].endswith("Z")

    again = admin_api.patch(f"/api/v1/models/{model.pk}/", {"status": "banned"}, format="json")
    assert again.status_code == 200
    assert DependencyFlag.objects.count() == 1 and len(mail.outbox) == 1


def test_an_attacker_with_two_ordinary_accounts_cannot_change_a_status(ava, ben, custops):
    model = AIModelFactory()
    vendor = VendorFactory(status="approved", approval_expires=datetime.date(2027, 1, 1))
    use_case = live_use_case(ava, custops, models=[model], vendors=[vendor])
    reviews = Review.objects.count()

    for user in (ava, ben):
        api = client_for(user)
        for url, status in ((f"/api/v1/models/{model.pk}/", "banned"), (f"/api/v1/vendors/{vendor.pk}/", "rejected")):
            response = api.patch(url, {"status": status}, format="json")
            assert response.status_code == 403, response.json()
            assert "detail" in response.json()

    model.refresh_from_db()
    vendor.refresh_from_db()
    assert (model.status, vendor.status) == ("approved", "approved")
    assert not DependencyFlag.objects.exists() and Review.objects.count() == reviews
    assert client_for(ava).get(f"/api/v1/use-cases/{use_case.reference}/").json()["dependency_flags"] == []


def test_procurement_withdraws_a_vendor_approval(ava, custops, django_capture_on_commit_callbacks):
    buyer = UserFactory()
    buyer.groups.add(Group.objects.get(name="procurement"))
    vendor = VendorFactory(status="approved", approval_expires=datetime.date(2027, 1, 1))
    use_case = live_use_case(ava, custops, vendors=[vendor])

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(buyer).patch(f"/api/v1/vendors/{vendor.pk}/", {"status": "rejected"}, format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["effective_status"] == "rejected"
    functions = set(Review.objects.filter(use_case=use_case, status="open").values_list("function", flat=True))
    assert functions == {"architecture", "security", "procurement"}


@pytest.mark.parametrize(("url", "body", "code", "field"), [
    ("models", {"status": "sunset"}, 400, "status"),
    ("vendors", {"status": "sunset"}, 400, "status"),
    ("models", {}, 400, "status"),
    ("models", {"status": "banned", "colour": "red"}, 400, "colour"),
    ("vendors", {"status": "offboarded"}, 409, None),  # offboarding asks for a reason: admin or its own service
])
def test_bad_input_is_refused_at_the_field(admin_api, url, body, code, field):
    obj = AIModelFactory() if url == "models" else VendorFactory(status="approved")
    response = admin_api.patch(f"/api/v1/{url}/{obj.pk}/", body, format="json")
    assert response.status_code == code, response.json()
    if field:
        assert field in response.json()


def test_an_unknown_id_is_404(admin_api, db):
    assert admin_api.patch("/api/v1/models/999999/", {"status": "banned"}, format="json").status_code == 404
    assert admin_api.patch("/api/v1/vendors/999999/", {"status": "rejected"}, format="json").status_code == 404


def test_put_and_delete_are_not_offered(admin_api, db):
    model = AIModelFactory()
    assert admin_api.put(f"/api/v1/models/{model.pk}/", {"status": "banned"}, format="json").status_code == 405
    assert admin_api.delete(f"/api/v1/models/{model.pk}/").status_code == 405
