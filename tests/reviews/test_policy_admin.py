"""The governance policy in admin: "add" starts from the version in force and publishes a new one;
a number out of order is refused at its field with nothing written; written versions are read-only."""

import pytest
from django.urls import reverse

from reviews import selectors, services
from reviews.models import GovernancePolicy, ReadinessArea
from tests.factories import UserFactory

from .gate_world import governance_admin

ADD = reverse("admin:reviews_governancepolicy_add")


def _form(**changes):
    current = selectors.policy_in_force()
    data = {name: getattr(current, name) for name in services.POLICY_FIELDS}
    data["critical_areas"] = [area.pk for area in current.critical_areas.all()]
    data["note"] = "Raised the scale bar."
    return data | changes


@pytest.fixture
def admin_client(client, db):
    client.force_login(governance_admin())
    return client


def test_the_add_form_starts_from_the_version_in_force(admin_client):
    page = admin_client.get(ADD)
    assert page.status_code == 200
    assert page.context["adminform"].form.initial["scale_min_total"] == 75


def test_saving_publishes_a_new_version(admin_client):
    response = admin_client.post(ADD, _form(scale_min_total=80))
    assert response.status_code == 302
    policy = selectors.policy_in_force()
    assert (policy.version, policy.scale_min_total, policy.note) == (2, 80, "Raised the scale bar.")
    assert set(policy.critical_areas.all()) == set(GovernancePolicy.objects.get(version=1).critical_areas.all())


def test_a_band_out_of_order_is_refused_at_its_field_and_nothing_is_written(admin_client):
    response = admin_client.post(ADD, _form(moderate_min_total=80))
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["moderate_min_total"] == ["The moderate band must start below the strong band (75)."]
    assert form["moderate_min_total"].value() == "80"  # what was typed stays
    assert GovernancePolicy.objects.count() == 1


def test_a_written_version_is_read_only_and_never_deleted(admin_client):
    policy = GovernancePolicy.objects.get(version=1)
    change = admin_client.get(reverse("admin:reviews_governancepolicy_change", args=[policy.pk]))
    assert change.status_code == 200 and b'name="scale_min_total"' not in change.content
    delete = admin_client.post(reverse("admin:reviews_governancepolicy_delete", args=[policy.pk]), {"post": "yes"})
    assert delete.status_code == 403 and GovernancePolicy.objects.filter(pk=policy.pk).exists()


def test_staff_who_are_not_governance_admins_read_but_cannot_add(client, db):
    client.force_login(UserFactory(is_staff=True))
    assert client.get(reverse("admin:reviews_governancepolicy_changelist")).status_code == 200
    assert client.get(ADD).status_code == 403
    assert client.post(ADD, _form(scale_min_total=60)).status_code == 403
    assert GovernancePolicy.objects.count() == 1
    assert ReadinessArea.objects.exists()
