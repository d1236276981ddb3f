"""The portfolio's compliance page and its CSV: whoever sees the portfolio dashboard (pat the PMO, sue a
sponsor, gail and gov the governance admins) sees them, with the numbers of
``compliance.portfolio.portfolio_compliance`` that every other screen shows; ava and ben get the
dashboard's 404."""

import csv
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from compliance import services as compliance_services
from compliance.models import Obligation, Requirement
from compliance.portfolio import portfolio_compliance
from compliance.selectors import coverage, suggested_records, use_case_register
from reviews.models import Review
from tests.factories import at_stage
from tests.reviews.factories import submitted_use_case

pytestmark = pytest.mark.django_db

PAGE = reverse("reports:compliance")
CSV = reverse("reports:compliance_csv")
DASHBOARD = reverse("reports:portfolio")


# ---------------------------------------------------------------- set-up


def high_risk(ava, custops, **answers):
    """A submitted employment use case that ava provides: EU AI Act high-risk, register open."""
    return submitted_use_case(created_by=ava, business_unit=custops, regulated_area="employment",
                              ai_act_role="provider", **answers)


def obligation(use_case, identifier: str) -> Obligation:
    return Obligation.objects.get(use_case=use_case, requirement__identifier=identifier,
                                  requirement__framework__key="eu-ai-act")


def meet(ob: Obligation, actor) -> None:
    """Through the services: link the review the crosswalk suggests, approved (set straight in the table,
    the reviews' own tests cover approving), then mark the obligation met."""
    suggestion = next(s for s in suggested_records(ob) if s.record_type == "reviews.review")
    Review.objects.filter(pk=suggestion.record.pk).update(status="approved", decision="approve")
    compliance_services.obligation_link(obligation=ob, actor=actor, record_type=suggestion.record_type,
                                        record_id=suggestion.record.pk)
    compliance_services.obligation_set_status(obligation=ob, actor=actor, status="met")


def satisfy(use_case, count: int) -> None:
    """Set-up only: the first ``count`` obligations of the register satisfied, straight in the table."""
    ids = [o.pk for o in use_case_register(use_case)[:count]]
    Obligation.objects.filter(pk__in=ids).update(status="met")


def numbers(frameworks) -> list[tuple]:
    return [(row.framework.key, row.applicable, row.met, row.percent) for row in frameworks]


def summed(use_cases) -> list[tuple]:
    """The per-use-case counts (``coverage``) added up framework by framework."""
    totals: dict[str, list[int]] = {}
    for uc in use_cases:
        for row in coverage(uc):
            applicable_met = totals.setdefault(row.framework.key, [0, 0])
            applicable_met[0] += row.applicable
            applicable_met[1] += row.met
    return [(key, a, m, round(100 * m / a) if a else 100) for key, (a, m) in sorted(totals.items())]


def page_numbers(html: str) -> list[tuple]:
    """The coverage table as shown: (key, applicable, met, percent) per framework row."""
    table = html[html.index('id="framework-coverage"'):]
    table = table[:table.index("</table>")]
    rows = re.findall(r'data-framework="([^"]+)">.*?<td class="num">(\d+)</td>\s*<td class="num">(\d+)</td>\s*'
                      r'<td class="num">(\d+)%</td>', table, re.S)
    return [(key, int(applicable), int(met), int(pct)) for key, met, applicable, pct in rows]


def rows_of(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


@pytest.fixture
def portfolio(ava, ben, custops, fin):
    """Three high-risk use cases at different coverage, one minimal-risk one, and one withdrawn (left out)."""
    first, second, third = (high_risk(ava, custops) for _ in range(3))
    meet(obligation(first, "Art. 9"), ava)
    meet(obligation(first, "Art. 11"), ava)
    satisfy(second, 12)
    plain = submitted_use_case(created_by=ben, business_unit=fin)
    satisfy(plain, 2)
    gone = high_risk(ava, custops)
    Obligation.objects.filter(use_case=gone).update(status="met")
    type(gone).objects.filter(pk=gone.pk).update(status="withdrawn")
    return {"high": [first, second, third], "plain": plain, "gone": gone}


# ---------------------------------------------------------------- the page


def test_the_page_shows_the_one_count_by_framework(client, pat, portfolio):
    client.force_login(pat)
    response = client.get(PAGE)

    assert response.status_code == 200
    expected = numbers(portfolio_compliance(pat).frameworks)
    assert [key for key, *_ in expected] == ["eu-ai-act", "iso-42001", "nist-ai-rmf"]
    assert numbers(row["coverage"] for row in response.context["frameworks"]) == expected
    assert page_numbers(response.content.decode()) == expected
    # ...which is each active use case's own coverage added up (the withdrawn one is left out).
    assert expected == summed([*portfolio["high"], portfolio["plain"]])
    eu = expected[0]
    assert 0 < eu[2] < eu[1]


def test_requirements_are_listed_least_covered_first_with_links(client, gail, portfolio):
    client.force_login(gail)
    response = client.get(PAGE)
    data = portfolio_compliance(gail)

    for row in response.context["frameworks"]:
        shares = [req["item"].met / req["item"].applicable for req in row["requirements"]]
        assert shares == sorted(shares)
        assert [req["item"] for req in row["requirements"]] == data.requirements[row["coverage"].framework.pk]
    page = response.content.decode()
    art9 = Requirement.objects.get(framework__key="eu-ai-act", identifier="Art. 9")
    assert reverse("compliance:requirement", args=[art9.pk]) in page
    eu = next(row for row in response.context["frameworks"] if row["coverage"].framework.key == "eu-ai-act")
    item = next(req for req in eu["requirements"] if req["item"].requirement == art9)
    assert (item["item"].applicable, item["item"].met, item["percent"]) == (3, 2, 67)  # first's met, second's


def test_the_use_cases_furthest_behind_come_first(client, pat, portfolio):
    first, second, third = portfolio["high"]
    client.force_login(pat)
    response = client.get(PAGE)

    behind = response.context["data"].behind
    assert [row.use_case for row in behind] == [row.use_case for row in portfolio_compliance(pat).behind]
    # third has nothing satisfied, first two, second twelve (of the same register); plain two of its own.
    assert [row.use_case for row in behind][:3] == [third, first, second]
    shares = [row.met / row.applicable for row in behind]
    assert shares == sorted(shares)
    assert behind[0].met == 0 and behind[0].missing == behind[0].applicable
    assert portfolio["gone"] not in [row.use_case for row in behind]
    page = response.content.decode()
    shown = re.findall(r'<tr data-reference="([^"]+)">', page)
    assert shown == [row.use_case.reference for row in behind]
    for uc in (first, second, third):
        assert reverse("compliance:use_case", args=[uc.reference]) in page
    row = page[page.index(f'data-reference="{first.reference}"'):]
    row = row[:row.index("</tr>")]
    assert first.title in row and "High" in row and "Exploration" in row
    assert f"2 / {behind[1].applicable}" in row and f"<td class=\"num\">{behind[1].applicable - 2}</td>" in row


def test_application_dates_ahead_are_listed(client, pat, portfolio):
    client.force_login(pat)
    response = client.get(PAGE)

    upcoming = response.context["data"].upcoming
    art9 = next(row for row in upcoming if row.requirement.identifier == "Art. 9")
    assert str(art9.applies_from) == "2026-08-02" and art9.use_cases == 3
    page = response.content.decode()
    assert "2 Aug 2026" in page and "Risk-management system across the lifecycle" in page


def test_an_empty_portfolio_says_so(client, sue):
    client.force_login(sue)
    response = client.get(PAGE)
    assert response.status_code == 200
    assert "No use case you see has an obligation register yet" in response.content.decode()


def test_the_dashboard_links_to_the_page(client, pat):
    client.force_login(pat)
    assert PAGE in client.get(DASHBOARD).content.decode()


# ---------------------------------------------------------------- who may see it


@pytest.mark.parametrize("url", [PAGE, CSV])
def test_whoever_may_not_see_the_dashboard_gets_its_refusal(client, ava, ben, url):
    for user in (ava, ben):
        client.force_login(user)
        dashboard = client.get(DASHBOARD)
        response = client.get(url)
        assert dashboard.status_code == response.status_code == 404


@pytest.mark.parametrize("url", [PAGE, CSV])
def test_anonymous_visitors_are_sent_to_log_in_as_from_the_dashboard(client, url):
    response = client.get(url)
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert client.get(DASHBOARD)["Location"].split("?")[0] == response["Location"].split("?")[0]


@pytest.mark.parametrize("who", ["pat", "sue", "gail", "gov"])
def test_whoever_sees_the_dashboard_sees_the_page_and_the_csv(client, who, request):
    client.force_login(request.getfixturevalue(who))
    assert client.get(DASHBOARD).status_code == client.get(PAGE).status_code == client.get(CSV).status_code == 200


def test_a_sponsor_sees_only_the_use_cases_they_see(client, sue, ava, custops):
    mine = high_risk(ava, custops, executive_sponsor=sue)
    high_risk(ava, custops)
    client.force_login(sue)
    response = client.get(PAGE)
    assert response.context["data"].use_case_count == 1
    assert numbers(row["coverage"] for row in response.context["frameworks"]) == summed([mine])


# ---------------------------------------------------------------- the CSV


def test_the_csv_has_a_row_per_framework_requirement(client, sue, pat, portfolio):
    client.force_login(pat)
    response = client.get(CSV)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="stagegate-compliance-2026-06-')
    assert response["X-Content-Type-Options"] == "nosniff"
    rows = rows_of(response)
    assert list(rows[0]) == ["framework", "identifier", "title", "applies_from", "required_before",
                             "applicable_use_cases", "met", "percent"]
    art9 = next(r for r in rows if r["identifier"] == "Art. 9")
    assert art9 == {"framework": "eu-ai-act", "identifier": "Art. 9",
                    "title": "Risk-management system across the lifecycle", "applies_from": "2026-08-02",
                    "required_before": "controlled_rollout", "applicable_use_cases": "3", "met": "2",
                    "percent": "67"}
    data = portfolio_compliance(pat)
    expected = {(item.requirement.framework.key, item.requirement.identifier): (item.applicable, item.met)
                for items in data.requirements.values() for item in items}
    shown = {(r["framework"], r["identifier"]): (int(r["applicable_use_cases"]), int(r["met"])) for r in rows}
    assert shown == expected
    assert len(rows) == len(expected)
    # Framework by framework, the rows add up to the page's numbers.
    for row in data.frameworks:
        mine = [r for r in rows if r["framework"] == row.framework.key]
        assert (sum(int(r["applicable_use_cases"]) for r in mine), sum(int(r["met"]) for r in mine)) == (
            row.applicable, row.met)


def test_the_csv_defuses_formulas(client, pat, ava, custops):
    high_risk(ava, custops)
    Requirement.objects.filter(framework__key="eu-ai-act", identifier="Art. 9").update(
        title='=HYPERLINK("http://evil.example","Click")')
    Requirement.objects.filter(framework__key="eu-ai-act", identifier="Art. 10").update(title="@SUM(A1:A2)")
    client.force_login(pat)
    rows = {r["identifier"]: r for r in rows_of(client.get(CSV))}
    assert rows["Art. 9"]["title"] == '\'=HYPERLINK("http://evil.example","Click")'
    assert rows["Art. 10"]["title"] == "'@SUM(A1:A2)"
    assert rows["Art. 11"]["title"] == "Technical documentation kept up to date"


# ---------------------------------------------------------------- queries


def test_the_page_runs_a_bounded_number_of_queries_whatever_the_portfolio(
    client, pat, ava, custops, django_assert_max_num_queries
):
    client.force_login(pat)
    first = high_risk(ava, custops)
    satisfy(first, 3)
    client.get(PAGE)
    with CaptureQueriesContext(connection) as few:
        assert client.get(PAGE).status_code == 200
    for i in range(4):
        uc = at_stage(high_risk(ava, custops), "pilot")
        satisfy(uc, i)
    with CaptureQueriesContext(connection) as many:
        response = client.get(PAGE)
    assert len(response.context["data"].behind) == 5
    assert len(few.captured_queries) == len(many.captured_queries)
    with django_assert_max_num_queries(20):
        client.get(PAGE)
