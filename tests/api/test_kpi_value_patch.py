"""PATCH /api/v1/kpis/{id}/: how a KPI is measured and what a unit of it is worth, through kpi_value_set (the
KPI page's service); bad values refused at their field with nothing saved, 404 for whoever cannot see it."""

from decimal import Decimal

import pytest

from intake.models import KPI
from tests.factories import KPIFactory, UseCaseFactory, UserFactory


@pytest.fixture
def kpi(ava, custops):
    use_case = UseCaseFactory(created_by=ava, business_unit=custops, status="approved", stage="pilot")
    return KPIFactory(use_case=use_case)


def url(kpi) -> str:
    return f"/api/v1/kpis/{kpi.pk}/"


def test_the_submitter_sets_cadence_owner_value_type_and_unit_value(ava_api, kpi):
    UserFactory(username="kim.kpi")
    response = ava_api.patch(url(kpi), {"cadence": "monthly", "owner": "kim.kpi", "value_type": "revenue",
                                        "unit_value": "42.50"}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["cadence"], body["owner"], body["value_type"], body["unit_value"]) == (
        "monthly", "kim.kpi", "revenue", "42.5000")
    kpi.refresh_from_db()
    assert (kpi.cadence, kpi.owner.username, kpi.unit_value) == ("monthly", "kim.kpi", Decimal("42.50"))


def test_only_the_fields_given_change(ava_api, kpi):
    ava_api.patch(url(kpi), {"cadence": "weekly", "unit_value": "10"}, format="json")
    response = ava_api.patch(url(kpi), {"value_type": "cost"}, format="json")
    assert response.status_code == 200
    assert (response.json()["cadence"], response.json()["unit_value"]) == ("weekly", "10.0000")


@pytest.mark.parametrize(("data", "field"), [
    ({"cadence": "0"}, "cadence"),
    ({"cadence": "daily"}, "cadence"),
    ({"unit_value": "-5"}, "unit_value"),
    ({"value_type": "happiness"}, "value_type"),
    ({"owner": "nobody.here"}, "owner"),
    ({"colour": "red"}, "colour"),
])
def test_bad_values_are_refused_at_their_field_and_nothing_is_saved(ava_api, kpi, data, field):
    response = ava_api.patch(url(kpi), {"cadence": "monthly", **data}, format="json")
    assert response.status_code == 400 and field in response.json(), response.json()
    assert KPI.objects.get(pk=kpi.pk).cadence == kpi.cadence  # the valid cadence beside it is not saved either


def test_a_kpi_the_caller_cannot_see_is_404(ben_api, kpi):
    assert ben_api.patch(url(kpi), {"cadence": "weekly"}, format="json").status_code == 404
    assert KPI.objects.get(pk=kpi.pk).cadence == kpi.cadence


def test_null_puts_the_policy_cadence_and_no_value_type_back(ava_api, kpi):
    ava_api.patch(url(kpi), {"cadence": "monthly", "value_type": "cost"}, format="json")
    response = ava_api.patch(url(kpi), {"cadence": None, "value_type": None}, format="json")
    assert response.status_code == 200
    assert (response.json()["cadence"], response.json()["value_type"]) == (None, None)
    assert KPI.objects.filter(pk=kpi.pk, cadence="", value_type="").exists()
