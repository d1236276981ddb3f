"""Dossiers in admin: listed only to staff who see their use case, never added or changed there."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from reports.models import Dossier
from tests.factories import UserFactory
from tests.reviews.factories import submitted_use_case

pytestmark = pytest.mark.django_db


def test_staff_see_only_the_dossiers_of_use_cases_they_see(client, ava, custops, gov):
    use_case = submitted_use_case(created_by=ava, business_unit=custops, title="CV screening")
    Dossier.objects.create(use_case=use_case, requested_by=ava, status="failed", error="Renderer ran out of memory")
    outsider = UserFactory(is_staff=True)  # may read dossiers in admin, and sees none of ava's use cases
    outsider.user_permissions.add(Permission.objects.get(codename="view_dossier"))
    url = reverse("admin:reports_dossier_changelist")
    client.force_login(outsider)
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "CV screening" not in page and use_case.reference not in page
    client.force_login(gov)
    assert use_case.reference in client.get(url).content.decode()
