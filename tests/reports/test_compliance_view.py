"""The portfolio's compliance page and its CSVs (by requirement, by use case): whoever sees the portfolio
dashboard (pat the PMO, sue a sponsor, gail and gov the governance admins) sees them, with the numbers of
``compliance.portfolio`` (``framework_totals``' count) that every other screen shows; ava and ben get the
dashboard's 404.

The clock stands at 10 Jun 2026: the EU AI Act's high-risk duties (Art. 9 and the rest) apply from
2 Dec 2027, more than a year ahead, and the transparency duties of Art. 50 from 2 Aug 2026."""

import csv
import datetime
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from compliance import services as compliance_services
from compliance.models import Obligation, Requirement
from compliance.portfolio import BEHIND_LIMIT, organisation_coverage, portfolio_compliance
from compliance.selectors import coverage, framework_totals, suggested_records, use_case_register
from reviews.models import Review
from tests.factories import at_stage
from tests.reviews.factories import submitted_use_case

pytestmark = pytest.mark.django_db

PAGE = reverse("reports:compliance")
CSV = reverse("reports:compliance_csv")
USE_CASE_CSV = reverse("reports:compliance_use_cases_csv")
DASHBOARD = reverse("reports:portfolio")


# ---------------------------------------------------------------- set-up


def high_risk(ava, custops, **answers):
    """A submitted employment use case that ava provides: EU AI Act high-risk, register open."""
    return submitted_use_case(created_by=ava, business_unit=custops, regulated_area="employment",
                              ai_act_role="provider", **answers)


def transparent(ava, custops, **answers):
    """A submitted use case ava provides that talks to people and generates content: EU AI Act
    Art. 50(1) and 50(2) apply to it (from 2 Aug 2026), both needed before the pilot gate."""
    return submitted_use_case(created_by=ava, business_unit=custops, ai_act_role="provider",
                              interacts_with_people=True, generates_content=True, **answers)


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


def gate_missing(use_case) -> int:
    """The obligations a gate needs that the use case's own coverage says are missing."""
    return sum(1 for row in coverage(use_case) for o in row.missing if o.requirement.required_before)


@pytest.fixture
def crowded(ava, ben, custops, fin):
    """Eleven low-tier minimal-risk use cases at 0 of 1, a high-risk one at 3 of 85 (about 3%) and a
    transparency one at 1 of 3 with its two Art. 50 obligations (needed before the pilot gate) missing."""
    plain = [submitted_use_case(created_by=ben, business_unit=fin) for _ in range(BEHIND_LIMIT + 1)]
    high = high_risk(ava, custops)
    satisfy(high, 3)
    talking = transparent(ava, custops)
    Obligation.objects.filter(use_case=talking, requirement__identifier="Art. 5").update(status="met")
    return {"plain": plain, "high": high, "talking": talking}


def test_high_risk_and_gate_gaps_come_before_a_lower_share(client, pat, crowded):
    high, talking, plain = crowded["high"], crowded["talking"], crowded["plain"]
    client.force_login(pat)
    response = client.get(PAGE)

    data = response.context["data"]
    assert data.behind_total == len(plain) + 2
    assert len(data.behind) == BEHIND_LIMIT
    assert [row.use_case for row in data.behind][:2] == [high, talking]
    assert [row.use_case for row in data.behind][2:] == plain[:BEHIND_LIMIT - 2]  # same share: in id order
    first = data.behind[0]
    assert (first.high_risk, first.met, first.applicable, first.percent) == (True, 3, 85, 4)
    assert first.gate_missing == gate_missing(high) > 0
    assert (data.behind[1].high_risk, data.behind[1].gate_missing) == (False, gate_missing(talking)) == (False, 2)
    assert [(row.met, row.applicable, row.gate_missing) for row in data.behind[2:]] == [(0, 1, 0)] * 8
    # The order is the rank the page states, whatever the use cases.
    ranks = [(not row.high_risk, not row.gate_missing, row.met / row.applicable, -row.applicable)
             for row in data.behind]
    assert ranks == sorted(ranks)
    page = response.content.decode()
    assert re.findall(r'<tr data-reference="([^"]+)">', page) == [row.use_case.reference for row in data.behind]
    assert f"{BEHIND_LIMIT} of {len(plain) + 2} use cases with an obligation not satisfied" in page
    assert 'href="?behind=all#furthest-behind"' in page and f"Show all {len(plain) + 2}" in page
    row = page[page.index(f'data-reference="{high.reference}"'):]
    row = row[:row.index("</tr>")]
    assert "High-risk" in row and "3 / 85" in row and "(4%)" in row
    assert f'<td class="num">{first.gate_missing}</td>' in row


def test_show_all_lists_every_use_case_behind(client, pat, crowded):
    client.force_login(pat)
    response = client.get(PAGE, {"behind": "all"})

    data = response.context["data"]
    assert data.behind == portfolio_compliance(pat, behind_limit=None).behind
    assert len(data.behind) == data.behind_total == len(crowded["plain"]) + 2
    assert [row.use_case for row in data.behind][:2] == [crowded["high"], crowded["talking"]]
    page = response.content.decode()
    assert len(re.findall(r'<tr data-reference="', page)) == data.behind_total
    assert f"all {data.behind_total} use cases with an obligation not satisfied" in page
    assert "?behind=all" not in page and f"Show the first {BEHIND_LIMIT} only" in page
    # Anything else is the default.
    assert len(client.get(PAGE, {"behind": "everything"}).context["data"].behind) == BEHIND_LIMIT


def test_fully_satisfied_use_cases_are_not_behind(client, pat, ava, custops):
    done = high_risk(ava, custops)
    Obligation.objects.filter(use_case=done).update(status="met")
    late = high_risk(ava, custops)
    client.force_login(pat)
    data = client.get(PAGE).context["data"]
    assert [row.use_case for row in data.behind] == [late] and data.behind_total == 1
    assert "all 1 use case with an obligation not satisfied" in client.get(PAGE).content.decode()


# ---------------------------------------------------------------- the organisation register


def organisation_numbers(html: str) -> list[tuple]:
    table = html[html.index('id="organisation-register"'):]
    table = table[:table.index("</table>")]
    rows = re.findall(r'data-organisation-framework="([^"]+)">.*?<td class="num">(\d+)</td>\s*'
                      r'<td class="num">(\d+)</td>\s*<td class="num">(\d+)%</td>', table, re.S)
    return [(key, int(applicable), int(met), int(pct)) for key, met, applicable, pct in rows]


def test_the_organisation_register_is_shown_by_framework(client, pat, gov, portfolio):
    organisation = Obligation.objects.filter(use_case__isnull=True)
    governed = organisation.filter(requirement__framework__key="nist-ai-rmf", applicable=True,
                                   requirement__deprecated=False).order_by("id")[:3]
    Obligation.objects.filter(pk__in=[o.pk for o in governed]).update(status="met")
    client.force_login(pat)
    response = client.get(PAGE)

    expected = numbers(framework_totals(organisation))
    assert numbers(response.context["data"].organisation) == numbers(organisation_coverage()) == expected
    assert [key for key, *_ in expected] == ["eu-ai-act", "iso-42001", "nist-ai-rmf"]
    assert expected[2][2] == 3
    page = response.content.decode()
    assert organisation_numbers(page) == expected
    assert "Organisation register" in page and reverse("compliance:organisation") in page
    # Counted apart: the use cases' coverage is unchanged by the organisation's register.
    assert page_numbers(page) == summed([*portfolio["high"], portfolio["plain"]])


def test_the_organisation_register_shows_for_an_empty_portfolio(client, sue):
    client.force_login(sue)
    page = client.get(PAGE).content.decode()
    assert organisation_numbers(page) == numbers(organisation_coverage())


def test_application_dates_ahead_are_listed(client, pat, ava, custops, portfolio):
    for _ in range(2):
        transparent(ava, custops)
    client.force_login(pat)
    response = client.get(PAGE)

    upcoming = response.context["data"].upcoming
    assert upcoming == portfolio_compliance(pat).upcoming
    assert [(row.requirement.identifier, str(row.applies_from), row.use_cases) for row in upcoming] == [
        ("Art. 50(1)", "2026-08-02", 2), ("Art. 50(2)", "2026-08-02", 2)]
    # Art. 9 applies from 2 Dec 2027: more than a year from 10 Jun 2026, so not yet ahead.
    assert "Art. 9" not in [row.requirement.identifier for row in upcoming]
    page = response.content.decode()
    section = page[page.index('id="upcoming-title"'):]
    section = section[:section.index("</section>")]
    assert "2 Aug 2026" in section and "Tell people they are interacting with an AI system" in section
    assert "Risk-management system across the lifecycle" not in section


def test_the_high_risk_duties_are_ahead_within_a_year_of_2_dec_2027(client, clock, pat, portfolio):
    clock.go_to(datetime.date(2027, 1, 10))
    client.force_login(pat)
    response = client.get(PAGE)

    art9 = next(row for row in response.context["data"].upcoming if row.requirement.identifier == "Art. 9")
    assert str(art9.applies_from) == "2027-12-02" and art9.use_cases == 3  # the three high-risk; not the gone one
    page = response.content.decode()
    assert "2 Dec 2027" in page and "Risk-management system across the lifecycle" in page


def test_an_empty_portfolio_says_so(client, sue):
    client.force_login(sue)
    response = client.get(PAGE)
    assert response.status_code == 200
    assert "No use case you see has an obligation register yet" in response.content.decode()


def test_the_dashboard_links_to_the_page(client, pat):
    client.force_login(pat)
    assert PAGE in client.get(DASHBOARD).content.decode()


# ---------------------------------------------------------------- who may see it


@pytest.mark.parametrize("url", [PAGE, CSV, USE_CASE_CSV])
def test_whoever_may_not_see_the_dashboard_gets_its_refusal(client, ava, ben, url):
    for user in (ava, ben):
        client.force_login(user)
        dashboard = client.get(DASHBOARD)
        response = client.get(url)
        assert dashboard.status_code == response.status_code == 404


@pytest.mark.parametrize("url", [PAGE, CSV, USE_CASE_CSV])
def test_anonymous_visitors_are_sent_to_log_in_as_from_the_dashboard(client, url):
    response = client.get(url)
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert client.get(DASHBOARD)["Location"].split("?")[0] == response["Location"].split("?")[0]


@pytest.mark.parametrize("who", ["pat", "sue", "gail", "gov"])
def test_whoever_sees_the_dashboard_sees_the_page_and_the_csv(client, who, request):
    client.force_login(request.getfixturevalue(who))
    assert client.get(DASHBOARD).status_code == client.get(PAGE).status_code == 200
    assert client.get(CSV).status_code == client.get(USE_CASE_CSV).status_code == 200


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
                             "required_before_label", "applicable_use_cases", "met", "percent"]
    art9 = next(r for r in rows if r["identifier"] == "Art. 9")
    assert art9 == {"framework": "eu-ai-act", "identifier": "Art. 9",
                    "title": "Risk-management system across the lifecycle", "applies_from": "2027-12-02",
                    "required_before": "controlled_rollout", "required_before_label": "Controlled rollout",
                    "applicable_use_cases": "3", "met": "2", "percent": "67"}
    art5 = next(r for r in rows if r["identifier"] == "Art. 5")
    assert (art5["required_before"], art5["required_before_label"]) == ("", "")
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


def test_the_use_case_csv_has_a_row_per_use_case_and_framework(client, pat, ava, custops, portfolio):
    talking = transparent(ava, custops)
    client.force_login(pat)
    response = client.get(USE_CASE_CSV)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith(
        'attachment; filename="stagegate-compliance-use-cases-2026-06-')
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    rows = rows_of(response)
    assert list(rows[0]) == ["reference", "title", "risk_tier", "eu_ai_act_category", "stage", "framework",
                             "applicable", "satisfied", "percent", "missing"]
    active = [*portfolio["high"], portfolio["plain"], talking]
    # Each use case's rows are its own coverage (framework_totals over its register), the missing in order.
    expected = [(uc.reference, row.framework.key, row.applicable, row.met, row.percent,
                 "; ".join(o.requirement.identifier for o in row.missing))
                for uc in sorted(active, key=lambda uc: uc.reference) for row in coverage(uc)]
    assert [(r["reference"], r["framework"], int(r["applicable"]), int(r["satisfied"]), int(r["percent"]),
             r["missing"]) for r in rows] == expected
    assert portfolio["gone"].reference not in {r["reference"] for r in rows}
    first = portfolio["high"][0]
    row = next(r for r in rows if r["reference"] == first.reference and r["framework"] == "eu-ai-act")
    assert (row["title"], row["risk_tier"], row["eu_ai_act_category"], row["stage"]) == (
        first.title, "high", "high_risk", "exploration")
    assert "Art. 9" not in row["missing"].split("; ") and "Art. 10" in row["missing"].split("; ")
    assert next(r for r in rows if r["reference"] == talking.reference)["missing"] == "Art. 5; Art. 50(1); Art. 50(2)"
    # Framework by framework, the rows add up to the page's numbers.
    for total in portfolio_compliance(pat).frameworks:
        mine = [r for r in rows if r["framework"] == total.framework.key]
        assert (sum(int(r["applicable"]) for r in mine), sum(int(r["satisfied"]) for r in mine)) == (
            total.applicable, total.met)


def test_the_use_case_csv_counts_an_expired_or_open_ended_acceptance_as_missing(client, pat, ava, custops):
    uc = high_risk(ava, custops)
    Obligation.objects.filter(use_case=uc).update(status="met")
    Obligation.objects.filter(pk=obligation(uc, "Art. 9").pk).update(status="risk_accepted", accepted_until=None)
    Obligation.objects.filter(pk=obligation(uc, "Art. 10").pk).update(
        status="risk_accepted", accepted_until=datetime.date(2026, 6, 10))
    Obligation.objects.filter(pk=obligation(uc, "Art. 11").pk).update(
        status="risk_accepted", accepted_until=datetime.date(2026, 7, 1))
    client.force_login(pat)
    row = next(r for r in rows_of(client.get(USE_CASE_CSV)) if r["framework"] == "eu-ai-act")
    eu = next(c for c in coverage(uc) if c.framework.key == "eu-ai-act")
    assert row["missing"] == "Art. 9; Art. 10" == "; ".join(o.requirement.identifier for o in eu.missing)
    assert (int(row["applicable"]), int(row["satisfied"])) == (eu.applicable, eu.met) == (13, 11)


def test_the_use_case_csv_shows_only_the_use_cases_one_sees(client, sue, ava, custops):
    mine = high_risk(ava, custops, executive_sponsor=sue)
    high_risk(ava, custops)
    client.force_login(sue)
    assert {r["reference"] for r in rows_of(client.get(USE_CASE_CSV))} == {mine.reference}


def test_the_use_case_csv_defuses_formulas(client, pat, ava, custops):
    uc = high_risk(ava, custops, title='=HYPERLINK("http://evil.example","Click")')
    type(uc).objects.filter(pk=uc.pk).update(reference="+UC-1")
    client.force_login(pat)
    rows = rows_of(client.get(USE_CASE_CSV))
    assert {r["title"] for r in rows} == {'\'=HYPERLINK("http://evil.example","Click")'}
    assert {r["reference"] for r in rows} == {"'+UC-1"}


def test_the_page_links_to_both_csvs(client, pat):
    client.force_login(pat)
    page = client.get(PAGE).content.decode()
    assert f'href="{CSV}"' in page and f'href="{USE_CASE_CSV}"' in page
    assert USE_CASE_CSV == "/reports/compliance-use-cases.csv"


# ---------------------------------------------------------------- queries


@pytest.mark.parametrize(("url", "query"), [(PAGE, {}), (PAGE, {"behind": "all"}), (USE_CASE_CSV, {}),
                                             (CSV, {})])
def test_a_bounded_number_of_queries_whatever_the_portfolio(
    client, pat, ava, custops, django_assert_max_num_queries, url, query
):
    def fetch():
        response = client.get(url, query)
        if url != PAGE:
            b"".join(response.streaming_content)
        return response

    client.force_login(pat)
    first = transparent(ava, custops)
    satisfy(first, 1)
    fetch()
    with CaptureQueriesContext(connection) as few:
        assert fetch().status_code == 200
    for i in range(BEHIND_LIMIT + 2):
        uc = at_stage(high_risk(ava, custops), "pilot") if i % 2 else transparent(ava, custops)
        satisfy(uc, i if i % 2 else i % 3)  # none fully satisfied: a transparency register holds three
    with CaptureQueriesContext(connection) as many:
        response = fetch()
    if url == PAGE:
        assert len(response.context["data"].behind) == (BEHIND_LIMIT + 3 if query else BEHIND_LIMIT)
    assert len(few.captured_queries) == len(many.captured_queries)
    with django_assert_max_num_queries(16):
        fetch()

