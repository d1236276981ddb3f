"""Vendor assessments (notes, conditions, assessor) follow the vendors admin: procurement, the
assessors and the org roles granted the view permission see them; anyone else sees none (404)."""

import pytest
from django.contrib.auth.models import Group

from tests.factories import UserFactory
from vendors.models import Vendor, VendorAssessment

from .conftest import client_for

LIST = "/api/v1/vendor-assessments/"


@pytest.fixture
def assessment(gov):
    vendor = Vendor.objects.create(name="Acme AI")
    return VendorAssessment.objects.create(vendor=vendor, assessor=gov, notes="Weak key management.")


def _member(username, group):
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get(name=group))
    return client_for(user)


def test_a_submitter_sees_no_assessment(ava_api, assessment):
    assert ava_api.get(LIST).json() == {"next": None, "previous": None, "next_cursor": None,
                                        "previous_cursor": None, "results": []}
    assert ava_api.get(LIST, {"vendor": assessment.vendor_id}).json()["results"] == []
    assert ava_api.get(f"{LIST}{assessment.pk}/").status_code == 404  # as if it did not exist
    assert ava_api.get("/api/v1/vendors/").json()["results"]  # the registry itself stays readable


@pytest.mark.parametrize("group", ["procurement", "security", "legal", "governance_admins", "pmo"])
def test_those_the_admin_shows_them_to_see_them(assessment, group):
    api = _member(f"{group}.member", group)
    [row] = api.get(LIST).json()["results"]
    assert (row["id"], row["notes"], row["assessor"]) == (assessment.pk, "Weak key management.", "gov.admin")
    assert api.get(f"{LIST}{assessment.pk}/").status_code == 200

