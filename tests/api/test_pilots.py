"""Pilots in the API: the use case's pilot dates and overrun flag, and GET /api/v1/pilots/ for the PMO,
fewest days left first, with only the use cases the caller may see."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from intake.models import UseCase
from tests.factories import UseCaseFactory, UserFactory

from .conftest import client_for, list_queries_stay_flat

LIST = "/api/v1/pilots/"


def day(offset: int) -> datetime.date:
    """``offset`` days from the local day the test runs on (not the UTC day)."""
    return timezone.localdate() + datetime.timedelta(days=offset)


def iso(offset: int) -> str:
    return day(offset).isoformat()


def a_pilot(*, end_in: int, stage: str = "pilot", **answers) -> UseCase:
    use_case = UseCaseFactory(**answers)
    UseCase.objects.filter(pk=use_case.pk).update(
        stage=stage, status="approved", pilot_start=day(-70), pilot_end=day(end_in))
    use_case.refresh_from_db()
    return use_case


@pytest.fixture
def pmo_api(db):
    user = UserFactory(username="pam.pmo")
    user.groups.add(Group.objects.get(name="pmo"))
    return client_for(user)


@pytest.mark.parametrize(("end_in", "overrun"), [(14, False), (0, False), (-1, True)])
def test_the_use_case_detail_carries_its_pilot(pmo_api, end_in, overrun):
    use_case = a_pilot(end_in=end_in)
    body = pmo_api.get(f"/api/v1/use-cases/{use_case.reference}/").json()
    assert (body["pilot_start"], body["pilot_end"], body["pilot_overrun"]) == (iso(-70), iso(end_in), overrun)


def test_a_use_case_without_a_pilot_reads_null_dates(pmo_api):
    use_case = UseCaseFactory()
    body = pmo_api.get(f"/api/v1/use-cases/{use_case.reference}/").json()
    assert (body["pilot_start"], body["pilot_end"], body["pilot_overrun"]) == (None, None, False)


def test_pilots_are_listed_by_days_left_overrun_first(pmo_api, custops):
    soon = a_pilot(end_in=3, business_unit=custops, title="Soon")
    late = a_pilot(end_in=-4, business_unit=custops, title="Late")
    later = a_pilot(end_in=40, business_unit=custops)
    a_pilot(end_in=-9, stage="controlled_rollout")  # past its pilot: not listed
    body = pmo_api.get(LIST).json()
    assert [row["reference"] for row in body["results"]] == [late.reference, soon.reference, later.reference]
    assert body["results"][0] == {
        "reference": late.reference, "title": "Late", "business_unit": "CUSTOPS", "pilot_start": iso(-70),
        "pilot_end": iso(-4), "days_left": -4, "pilot_overrun": True}
    assert (body["results"][1]["days_left"], body["results"][1]["pilot_overrun"]) == (3, False)


def test_pages_follow_the_days_left(pmo_api):
    made = [a_pilot(end_in=end_in) for end_in in (5, -2, 5, 9, 0)]
    seen, url = [], LIST + "?page_size=2"
    while url:
        body = pmo_api.get(url).json()
        seen += [row["reference"] for row in body["results"]]
        url = body["next"]
    by_end = sorted(made, key=lambda uc: (uc.pilot_end, uc.pk))
    assert seen == [uc.reference for uc in by_end]
    back = pmo_api.get(body["previous"]).json()
    assert [row["reference"] for row in back["results"]] == [uc.reference for uc in by_end[2:4]]


def test_a_bad_cursor_is_a_field_error(pmo_api):
    response = pmo_api.get(LIST, {"cursor": "not-a-cursor"})
    assert response.status_code == 400
    assert "cursor" in str(response.json())


def test_only_the_pilots_the_caller_may_see(ava, ben, custops):
    mine = a_pilot(end_in=5, created_by=ava, business_unit=custops)
    assert [row["reference"] for row in client_for(ava).get(LIST).json()["results"]] == [mine.reference]
    assert client_for(ben).get(LIST).json()["results"] == []
    assert client_for(ben).get(f"/api/v1/use-cases/{mine.reference}/").status_code == 404


def test_the_list_needs_a_signed_in_caller(anon):
    assert anon.get(LIST).status_code == 401


@pytest.mark.parametrize("who", ["pmo", "ava"])
def test_list_queries_do_not_grow_with_the_rows(request, ava, custops, pmo_api, who):
    api = pmo_api if who == "pmo" else client_for(ava)
    list_queries_stay_flat(api, LIST, lambda n: [a_pilot(end_in=n + i, created_by=ava, business_unit=custops)
                                                 for i in range(n)], ceiling=6)
