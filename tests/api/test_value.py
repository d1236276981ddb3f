"""GET /api/v1/use-cases/{reference}/value/ and the KPI fields of value: the figures agree with the
dashboard's and the board pack's, because all three read reviews.selectors.value."""

import datetime
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from intake.models import UseCase
from reports import selectors as report_selectors
from reports.models import BoardPack
from reviews.models import CostEntry, KPIActual
from tests.factories import KPIFactory, UseCaseFactory, UserFactory

from .conftest import client_for


def today() -> datetime.date:
    """The local day the test runs on: under a zone far from UTC it is not the UTC day."""
    return timezone.localdate()


def value_url(use_case) -> str:
    return f"/api/v1/use-cases/{use_case.reference}/value/"


@pytest.fixture
def valued(ava, custops, owner):
    """ava's use case in pilot: a KPI worth 250 a unit, 8 units better than its baseline; 1,500 spent."""
    use_case = UseCaseFactory(created_by=ava, business_unit=custops, business_owner=owner, status="approved",
                              stage="pilot")
    kim = UserFactory(username="kim.kpi")
    kpi = KPIFactory(use_case=use_case, baseline=Decimal("20"), target=Decimal("10"), direction="decrease",
                     cadence="weekly", owner=kim, value_type="speed", unit_value=Decimal("250"))
    KPIActual.objects.create(kpi=kpi, measured_on=today() - datetime.timedelta(days=3), value=Decimal("12"),
                             recorded_by=owner)
    for category, actual in (("infrastructure", "1000"), ("change", "500")):
        CostEntry.objects.create(use_case=use_case, period_start=datetime.date(2026, 5, 1), category=category,
                                 budget=Decimal("800"), actual=Decimal(actual), recorded_by=owner)
    return use_case


def test_the_value_resource_returns_exactly_the_contract(ava_api, valued):
    response = ava_api.get(value_url(valued))
    assert response.status_code == 200
    assert response.json() == {"realised_value": "2000.00", "spend": "1500.00", "roi": "0.3333", "currency": "EUR",
                               "as_of": today().isoformat()}


def test_roi_is_null_without_spend(ava_api, ava, custops):
    use_case = UseCaseFactory(created_by=ava, business_unit=custops, status="approved", stage="pilot")
    assert ava_api.get(value_url(use_case)).json() == {
        "realised_value": "0.00", "spend": "0.00", "roi": None, "currency": "EUR", "as_of": today().isoformat()}


def test_a_use_case_the_caller_cannot_see_is_404(ben_api, anon, valued):
    assert ben_api.get(value_url(valued)).status_code == 404
    assert ben_api.get("/api/v1/use-cases/UC-NOPE/value/").status_code == 404
    assert anon.get(value_url(valued)).status_code == 401


def test_the_api_the_dashboard_and_the_pack_agree(gov_api, valued, ava, custops):
    # A second use case under another outcome, so the totals are more than one use case's.
    other = UseCaseFactory(created_by=ava, business_unit=custops, status="approved", stage="scaled")
    CostEntry.objects.create(use_case=other, period_start=datetime.date(2026, 4, 1), category="data",
                             budget=Decimal("0"), actual=Decimal("500"), recorded_by=ava)
    api = gov_api.get(value_url(valued)).json()
    dashboard = report_selectors.portfolio_overview()["value"]
    pack = BoardPack(audience="executive_monthly", period_start=today() - datetime.timedelta(days=29),
                     period_end=today())
    pack_value = report_selectors.board_pack_data(pack)["value"]
    assert pack_value["roi"] == dashboard
    row = next(row for row in pack_value["rows"] if row["use_case"].pk == valued.pk)
    assert (str(row["value"].realised_value), str(row["value"].spend), str(row["value"].roi)) == (
        api["realised_value"], api["spend"], api["roi"])
    by_outcome = {group["label"]: group["figures"] for group in dashboard["by_outcome"]}
    mine = by_outcome[valued.strategic_outcome.name]
    assert (str(mine.realised_value), str(mine.spend), str(mine.roi)) == (api["realised_value"], api["spend"],
                                                                           api["roi"])
    assert (dashboard["total"].realised_value, dashboard["total"].spend) == (Decimal("2000.00"), Decimal("2000.00"))
    assert dashboard["total"].roi == Decimal("0.0000")
    [bucket] = dashboard["by_bucket"]
    assert bucket["figures"] == dashboard["total"]


def test_the_dashboard_and_the_pack_show_roi_by_outcome(client, gov, valued):
    client.force_login(gov)
    html = client.get(reverse("reports:portfolio")).content.decode()
    assert 'id="portfolio-value"' in html and "33.3%" in html and valued.strategic_outcome.name in html
    pack = BoardPack(audience="board_quarterly", period_start=today() - datetime.timedelta(days=89),
                     period_end=today())
    section = render_to_string("reports/pdf/sections/value.html", report_selectors.board_pack_data(pack))
    assert 'id="value-roi"' in section and "33.3%" in section and valued.strategic_outcome.name in section


def test_kpis_carry_cadence_owner_value_type_and_unit_value(ava_api, valued):
    kpi = valued.kpis.get()
    listed = ava_api.get(f"/api/v1/kpis/{kpi.pk}/").json()
    assert {key: listed[key] for key in ("cadence", "owner", "value_type", "unit_value")} == {
        "cadence": "weekly", "owner": "kim.kpi", "value_type": "speed", "unit_value": "250.0000"}
    [inside] = ava_api.get(f"/api/v1/use-cases/{valued.reference}/").json()["kpis"]
    assert (inside["cadence"], inside["owner"], inside["unit_value"]) == ("weekly", "kim.kpi", "250.0000")


def test_a_kpi_without_settings_reads_null(ava_api, ava, custops):
    kpi = KPIFactory(use_case=UseCaseFactory(created_by=ava, business_unit=custops))
    body = ava_api.get(f"/api/v1/kpis/{kpi.pk}/").json()
    assert [body[key] for key in ("cadence", "owner", "value_type", "unit_value")] == [None, None, None, None]


def test_the_value_resource_reads_a_fixed_number_of_queries(ava, django_assert_max_num_queries, valued):
    api = client_for(ava)
    api.get(value_url(valued))  # warm the per-process caches
    with django_assert_max_num_queries(12):
        assert api.get(value_url(valued)).status_code == 200
    assert UseCase.objects.filter(pk=valued.pk).exists()
