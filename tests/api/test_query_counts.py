"""Every list runs the same number of queries whatever the page size."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.models import Tombstone
from reports.models import BoardPack
from reviews.models import GateDecision, Incident, Risk
from tests.factories import BusinessUnitFactory, KPIFactory, StrategicOutcomeFactory, UseCaseFactory, UserFactory
from tests.reviews.factories import ConditionFactory, ReviewFactory
from vendors.models import AIModel, Vendor, VendorAssessment

from .conftest import client_for

N = 12


@pytest.fixture
def world(ava, custops, gov):
    cases = [UseCaseFactory(created_by=ava, business_unit=custops) for _ in range(N)]
    use_case = cases[0]
    for cycle in range(1, N + 1):
        review = ReviewFactory(use_case=use_case, cycle=cycle, assignee=UserFactory())
        ConditionFactory(review=review)
    for _ in range(N):
        GateDecision.objects.create(use_case=use_case, outcome="pause", from_stage="exploration", to_stage="paused",
                                    rationale="Waiting for the budget.", decided_by=gov)
        Risk.objects.create(use_case=use_case, area="data_privacy", description="x", likelihood=2, impact=3,
                            owner=UserFactory())
        KPIFactory(use_case=use_case)
        Incident.objects.create(use_case=use_case, severity=3, title="t", what_happened="w",
                                occurred_at=timezone.now(), reported_by=ava)
        BusinessUnitFactory()
        StrategicOutcomeFactory()
        Tombstone.objects.create(resource="risks", object_id="1", use_case_id=use_case.pk)
        BoardPack.objects.create(audience="executive_monthly", period_start=datetime.date(2026, 1, 1),
                                 period_end=datetime.date(2026, 1, 31), requested_by=gov)
    for n in range(N):
        vendor = Vendor.objects.create(name=f"Vendor {n}")
        VendorAssessment.objects.create(vendor=vendor, status="completed", assessor=gov, completed_by=gov)
        AIModel.objects.create(provider=vendor, name="m", version=str(n), hosting="vendor_api",
                               max_data_classification="internal", max_tier="low")
    return cases


LISTS = ["use-cases", "reviews", "gate-decisions", "risks", "kpis", "incidents", "vendors", "vendor-assessments",
         "models", "business-units", "outcomes", "deletions", "board-packs"]


def _count(api, url, size) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = api.get(url, {"page_size": size})
    assert response.status_code == 200, response.json()
    assert len(response.json()["results"]) == min(size, N) or url.endswith(("business-units/", "outcomes/"))
    return len(queries.captured_queries)


@pytest.mark.parametrize("name", LISTS)
def test_list_queries_do_not_grow_with_the_page(world, gov, name):
    api = client_for(gov)
    url = f"/api/v1/{name}/"
    _count(api, url, 5)  # warm the per-process caches (content types, permissions)
    small, large = _count(api, url, 5), _count(api, url, 50)
    assert small == large
    assert large <= 6


def test_a_submitters_use_case_list_is_constant_too(world, ava):
    api = client_for(ava)
    _count(api, "/api/v1/use-cases/", 5)
    assert _count(api, "/api/v1/use-cases/", 5) == _count(api, "/api/v1/use-cases/", 50) <= 6


@pytest.mark.parametrize("name", ["reviews", "gate-decisions", "risks", "kpis", "incidents", "deletions"])
def test_a_submitters_use_case_records_are_constant_too(world, ava, name):
    """Filtered by the permission subquery (ava is no global viewer): still one query per list."""
    api = client_for(ava)
    url = f"/api/v1/{name}/"
    _count(api, url, 5)
    small, large = _count(api, url, 5), _count(api, url, 50)
    assert small == large <= 6


@pytest.mark.parametrize(("group", "name"), [("procurement", "vendor-assessments"), ("pmo", "board-packs")])
def test_lists_behind_a_group_permission_are_constant_too(world, group, name):
    user = UserFactory(username=f"{group}.member")
    user.groups.add(Group.objects.get(name=group))
    api = client_for(user)
    url = f"/api/v1/{name}/"
    _count(api, url, 5)
    small, large = _count(api, url, 5), _count(api, url, 50)
    assert small == large <= 6


def test_a_use_case_detail_is_seven_queries_however_much_it_holds(world, gov):
    """Token and user, permissions, the use case, its KPIs, its vendor ids, its model ids and its dependency
    flags."""
    full, bare = world[0], world[1]
    full.vendors.set(Vendor.objects.all()[:3])
    full.ai_models.set(AIModel.objects.all()[:3])
    api = client_for(gov)
    counts = []
    for use_case in (full, bare, full):
        with CaptureQueriesContext(connection) as queries:
            body = api.get(f"/api/v1/use-cases/{use_case.reference}/").json()
        counts.append(len(queries.captured_queries))
        assert len(body["vendors"]) == len(body["ai_models"]) == (3 if use_case == full else 0)
    assert counts[1:] == [7, 7]
