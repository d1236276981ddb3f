"""The portfolio dashboard and its CSV export: the PMO, sponsors and governance
admins see them; a cell a spreadsheet would run as a formula is defused."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reports.views import csv_cell
from reviews.models import Review
from tests.factories import UseCaseFactory

from .builders import add_use_cases, risk

pytestmark = pytest.mark.django_db

CSV = reverse("reports:portfolio_csv")
DASHBOARD = reverse("reports:portfolio")


def rows_of(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


@pytest.mark.parametrize("who", ["pat", "sue", "gail"])
def test_the_dashboard_draws_the_charts(client, ava, custops, who, request):
    add_use_cases(5, business_unit=custops, created_by=ava)
    client.force_login(request.getfixturevalue(who))
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("<svg") == 4
    for title in ("Portfolio funnel", "Use cases by stage and risk tier", "Risk heat map",
                  "Review on-time rate by function"):
        assert title in page
    assert CSV in page


def test_the_dashboard_runs_a_fixed_number_of_queries(client, pat, ava, custops):
    client.force_login(pat)
    add_use_cases(3, business_unit=custops, created_by=ava)
    client.get(DASHBOARD)
    with CaptureQueriesContext(connection) as few:
        client.get(DASHBOARD)
    add_use_cases(6, business_unit=custops, created_by=ava, start=3)
    with CaptureQueriesContext(connection) as many:
        client.get(DASHBOARD)
    assert len(few.captured_queries) == len(many.captured_queries)


def test_the_csv_lists_every_use_case_past_intake(client, sue, ava, custops):
    kept = UseCaseFactory(created_by=ava, business_unit=custops, status="in_review", stage="pilot",
                          risk_tier="medium", eu_ai_act_category="transparency", title="Claims assistant")
    withdrawn = UseCaseFactory(created_by=ava, business_unit=custops, status="withdrawn")
    UseCaseFactory(created_by=ava, business_unit=custops, status="draft", title="Private idea")
    risk(kept, 4, 5)
    risk(kept, 2, 2, mitigation_status="closed")
    Review.objects.create(use_case=kept, function="security", stage="pilot", due_date="2030-01-01")

    client.force_login(sue)
    response = client.get(CSV)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="stagegate-portfolio-')
    assert response["X-Content-Type-Options"] == "nosniff"
    rows = rows_of(response)
    assert [r["reference"] for r in rows] == sorted([kept.reference, withdrawn.reference])
    row = next(r for r in rows if r["reference"] == kept.reference)
    assert list(row)[:8] == ["reference", "title", "business_unit", "status", "stage", "risk_tier",
                             "eu_ai_act_category", "portfolio_bucket"]
    assert {key: row[key] for key in ("title", "business_unit", "status", "stage", "risk_tier",
                                      "eu_ai_act_category", "open_reviews", "live_risks", "top_risk_score")} == {
        "title": "Claims assistant", "business_unit": "CUSTOPS", "status": "in_review", "stage": "pilot",
        "risk_tier": "medium", "eu_ai_act_category": "transparency", "open_reviews": "1", "live_risks": "1",
        "top_risk_score": "20"}
    assert row["updated_at"].startswith(str(kept.updated_at.year))


def test_the_csv_defuses_formulas(client, pat, ava, custops):
    titles = ['=HYPERLINK("http://evil.example","Click")', "+44 20 7946 0000", "-1+1", "@SUM(A1:A2)",
              "\tTabbed", "Plain title"]
    for title in titles:
        UseCaseFactory(created_by=ava, business_unit=custops, status="in_review", title=title)
    client.force_login(pat)
    written = {r["title"] for r in rows_of(client.get(CSV))}
    assert written == {'\'=HYPERLINK("http://evil.example","Click")', "'+44 20 7946 0000", "'-1+1", "'@SUM(A1:A2)",
                       "'\tTabbed", "Plain title"}


@pytest.mark.parametrize(("value", "written"), [
    ("=1+2", "'=1+2"), ("+1", "'+1"), ("-1", "'-1"), ("@x", "'@x"), ("a=b", "a=b"), ("", ""), (None, ""),
    (-3, -3), (0, 0),
])
def test_csv_cells(value, written):
    assert csv_cell(value) == written


def test_the_csv_is_one_query_whatever_the_portfolio(client, pat, ava, custops):
    client.force_login(pat)
    add_use_cases(2, business_unit=custops, created_by=ava)
    with CaptureQueriesContext(connection) as few:
        rows_of(client.get(CSV))
    add_use_cases(6, business_unit=custops, created_by=ava, start=2)
    with CaptureQueriesContext(connection) as many:
        assert len(rows_of(client.get(CSV))) == 8
    assert len(few.captured_queries) == len(many.captured_queries)
