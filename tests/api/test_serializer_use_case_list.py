"""The use-case list is rendered by hand (api.serializers.usecases.use_case_list_item) for speed: each
row must be exactly what UseCaseSerializer, a plain ModelSerializer, makes of the same use case."""

import datetime

import pytest
from django.utils import timezone

from api.serializers.usecases import UseCaseSerializer, list_columns, use_case_list_item
from intake.models import UseCase
from tests.factories import UseCaseFactory

from .conftest import client_for

FIELDS = UseCaseSerializer.Meta.fields
RELATED = ("business_unit", "business_owner", "delivery_owner", "executive_sponsor")


@pytest.fixture
def mixed(ava, custops):
    """Use cases with every kind of value each field can hold: nulls, blanks, choices, whole and fractional
    seconds."""
    bare = UseCaseFactory(created_by=ava, business_unit=custops, business_owner=None, delivery_owner=None,
                          executive_sponsor=None, ai_pattern="", regulated_area="", eu_ai_act_category=None)
    full = UseCaseFactory(created_by=ava, business_unit=custops, status="in_review", stage="pilot",
                          risk_tier="high", generates_content=True, eu_ai_act_category="high_risk",
                          regulated_area="employment", title="Ünïcode \u2013 \"quoted\" <title>")
    whole_second = datetime.datetime(2026, 3, 29, 0, 59, 59, tzinfo=datetime.UTC)  # before London's clocks change
    UseCase.objects.filter(pk=full.pk).update(
        submitted_at=datetime.datetime(2026, 6, 1, 9, 30, 1, 250000, tzinfo=datetime.UTC), created_at=whole_second)
    return [bare, full]


def _plain(reference: str) -> dict:
    use_case = UseCase.objects.select_related(*RELATED).get(reference=reference)
    return UseCaseSerializer(use_case).data


def _assert_same(row: dict, reference: str) -> None:
    plain = _plain(reference)
    assert list(row) == list(plain) == list(FIELDS)
    for name in FIELDS:
        assert row[name] == plain[name], name
        assert type(row[name]) is type(plain[name]), name


@pytest.mark.parametrize("zone", ["Europe/London", "Pacific/Kiritimati"])
def test_each_row_is_what_the_serializer_makes_of_it(mixed, zone):
    with timezone.override(zone):
        for row in UseCase.objects.filter(pk__in=[u.pk for u in mixed]).values(*list_columns()):
            item = use_case_list_item(row)
            _assert_same(item, item["reference"])


@pytest.mark.parametrize("who", ["gov", "ava"])  # a global viewer, and a caller whose page is filtered
def test_the_list_endpoint_renders_as_the_serializer(mixed, request, who):
    results = client_for(request.getfixturevalue(who)).get("/api/v1/use-cases/", {"page_size": 200}).json()["results"]
    assert {row["reference"] for row in results} == {u.reference for u in mixed}
    for row in results:
        _assert_same(row, row["reference"])


def test_datetimes_are_utc_with_a_z_and_nulls_stay_null(mixed):
    bare, full = (use_case_list_item(row) for row in
                  UseCase.objects.filter(pk__in=[u.pk for u in mixed]).order_by("id").values(*list_columns()))
    assert full["created_at"] == "2026-03-29T00:59:59Z"
    assert full["submitted_at"] == "2026-06-01T09:30:01.250000Z"
    assert bare["submitted_at"] is None and bare["business_owner"] is None and bare["eu_ai_act_category"] is None
