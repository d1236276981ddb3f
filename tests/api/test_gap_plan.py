"""The gap-closure plan: the readiness areas below 4 with their action, owner and date, read and written
on the use case (ETag, If-Match), and its actions listed like risks (delta sync, visible use cases only)."""

import datetime

import pytest
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from guardian.shortcuts import assign_perm

from reviews import services
from reviews.models import GapClosureAction, ReadinessArea
from tests.factories import UseCaseFactory, UserFactory

from .conftest import client_for, list_queries_stay_flat

GAPS = {"value_case": 3, "ownership": 2, "data_readiness": 3}  # 15 x 4 + 8 = 68: Moderate (55-74)
LIST = "/api/v1/gap-closure-actions/"


def _url(use_case) -> str:
    return f"/api/v1/use-cases/{use_case.reference}/gap-closure-plan/"


def _due(days: int = 30) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def _item(action="Run a value workshop with finance.", owner="olga.owner", due_on=None) -> dict:
    return {"action": action, "owner": owner, "due_on": due_on or _due()}


def _put(api, use_case, items, **headers):
    return api.put(_url(use_case), {"items": items}, format="json", **headers)


def _written(use_case) -> list[dict]:
    return list(GapClosureAction.objects.filter(use_case=use_case).order_by("pk").values())


@pytest.fixture
def moderate(low_case, owner):
    """low_case scored into the Moderate band: three areas below 4."""
    scores = {area.key: GAPS.get(area.key, 4) for area in ReadinessArea.objects.all()}
    services.readiness_record(use_case=low_case, actor=owner, scores=scores)
    return low_case


@pytest.fixture
def owner_api(owner):
    return client_for(owner)  # A on the outcome: records evidence


def test_the_plan_lists_the_areas_below_4_in_scorecard_order(owner_api, moderate):
    response = owner_api.get(_url(moderate))
    assert response.status_code == 200 and response["ETag"]
    body = response.json()
    assert body["band"] == "moderate" and body["required"] is True
    assert [gap["area"] for gap in body["gaps"]] == ["value_case", "ownership", "data_readiness"]
    assert body["gaps"][1] == {"area": "ownership", "area_name": ReadinessArea.objects.get(key="ownership").name,
                               "score": 2, "action": None, "owner": None, "due_on": None}
    assert body["missing"] == ["value_case", "ownership", "data_readiness"]


def test_an_unscored_use_case_has_no_band_and_no_plan_to_make(owner_api, low_case):
    assert owner_api.get(_url(low_case)).json() == {"band": None, "required": False, "gaps": [], "missing": []}


def test_a_plan_for_every_gap_empties_missing_and_the_list_shows_it(owner_api, ava_api, owner, moderate):
    start = timezone.now()
    items = {key: _item(f"Close the {key} gap.", due_on=_due(14)) for key in GAPS}
    response = _put(owner_api, moderate, items)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["missing"] == [] and body["required"] is True
    assert body["gaps"][0] == {"area": "value_case", "area_name": ReadinessArea.objects.get(key="value_case").name,
                               "score": 3, "action": "Close the value_case gap.", "owner": "olga.owner",
                               "due_on": _due(14)}
    fresh = owner_api.get(_url(moderate))
    assert fresh.json() == body and fresh["ETag"] == response["ETag"]

    listed = ava_api.get(LIST, {"use_case": moderate.reference})  # anyone who sees the use case reads them
    assert listed.status_code == 200
    rows = listed.json()["results"]
    assert {row["area"] for row in rows} == set(GAPS)
    row = next(row for row in rows if row["area"] == "ownership")
    assert row == {**row, "use_case": moderate.reference, "action": "Close the ownership gap.",
                   "owner": "olga.owner", "due_on": _due(14), "recorded_by": "olga.owner",
                   "area_name": ReadinessArea.objects.get(key="ownership").name}
    assert set(row) == {"id", "use_case", "area", "area_name", "action", "owner", "due_on", "recorded_by",
                        "updated_at"}
    assert row["updated_at"].endswith("Z")
    one = ava_api.get(f"{LIST}{row['id']}/")
    assert one.status_code == 200 and one.json() == row and one["ETag"]

    since = ava_api.get(LIST, {"updated_since": start.isoformat()}).json()["results"]
    assert {r["id"] for r in since} == {r["id"] for r in rows}
    later = (timezone.now() + datetime.timedelta(seconds=1)).isoformat()
    assert ava_api.get(LIST, {"updated_since": later}).json()["results"] == []
    descending = ava_api.get(LIST, {"ordering": "-updated_at"}).json()["results"]
    assert [r["id"] for r in descending] == [r["id"] for r in since][::-1]


def test_an_empty_action_removes_it(owner_api, moderate):
    _put(owner_api, moderate, {key: _item() for key in GAPS})
    response = _put(owner_api, moderate, {"ownership": {"action": ""}})
    assert response.status_code == 200, response.json()
    assert response.json()["missing"] == ["ownership"]
    assert response.json()["gaps"][1]["action"] is None
    assert set(GapClosureAction.objects.filter(use_case=moderate).values_list("area__key", flat=True)) == {
        "value_case", "data_readiness"}
    assert {row["area"] for row in owner_api.get(LIST).json()["results"]} == {"value_case", "data_readiness"}


@pytest.mark.parametrize(("item", "message"), [
    (_item(owner="nobody.here"), "Name its owner by username (an active user)."),
    (_item(owner=None), "Name its owner by username (an active user)."),
    ({"action": "Run a workshop."}, "Name its owner by username (an active user). Give a due date from today on."),
    (_item(due_on="2020-01-01"), "Give a due date from today on."),
    (_item(action="x" * 501), "Write the action in at most 500 characters."),
], ids=["unknown-owner", "no-owner", "no-owner-or-date", "past-date", "action-too-long"])
def test_the_services_refusal_is_400_at_the_area(owner_api, moderate, item, message):
    _put(owner_api, moderate, {"value_case": _item("Kept.")})
    before = _written(moderate)
    response = _put(owner_api, moderate, {"ownership": _item(), "data_readiness": item})
    assert response.status_code == 400
    assert response.json() == {"items": {"data_readiness": [message]}}
    assert _written(moderate) == before  # not even the valid area


def test_an_unknown_area_or_a_malformed_body_is_400(owner_api, moderate):
    unknown = _put(owner_api, moderate, {"vibes": _item()})
    assert unknown.status_code == 400 and unknown.json() == {"items": {"vibes": ["Unknown field."]}}
    empty = _put(owner_api, moderate, {})
    assert empty.status_code == 400 and list(empty.json()) == ["items"]
    bad_date = _put(owner_api, moderate, {"ownership": _item(due_on="next week")})
    assert bad_date.status_code == 400 and list(bad_date.json()["items"]["ownership"]) == ["due_on"]
    extra = _put(owner_api, moderate, {"ownership": {**_item(), "priority": "high"}})
    assert extra.status_code == 400 and extra.json()["items"]["ownership"] == {"priority": ["Unknown field."]}
    assert owner_api.put(_url(moderate), {"items": []}, format="json").status_code == 400
    assert _written(moderate) == []


def test_who_may_not_record_evidence_is_refused_and_nothing_is_written(ben, sec_api, moderate):
    assign_perm("view_usecase", ben, moderate)  # a submitter who sees ava's use case
    ben_api = client_for(ben)
    assert ben_api.get(_url(moderate)).status_code == 200
    for api in (ben_api, sec_api):
        response = _put(api, moderate, {"ownership": _item()})
        assert response.status_code == 403
        assert "Gate evidence of" in response.json()["detail"]
    assert _written(moderate) == []


def test_a_stale_if_match_is_412_and_changes_nothing(owner_api, moderate):
    stale = owner_api.get(_url(moderate))["ETag"]
    mine = _put(owner_api, moderate, {"ownership": _item("Mine.")}, HTTP_IF_MATCH=stale)
    assert mine.status_code == 200 and mine["ETag"] != stale
    theirs = _put(owner_api, moderate, {"ownership": _item("Theirs.")}, HTTP_IF_MATCH=stale)
    assert theirs.status_code == 412
    after = owner_api.get(_url(moderate))
    assert after.json() == mine.json() and after["ETag"] == mine["ETag"]
    assert GapClosureAction.objects.get(use_case=moderate).action == "Mine."
    again = _put(owner_api, moderate, {"ownership": _item("Theirs.")}, HTTP_IF_MATCH=after["ETag"])
    assert again.status_code == 200 and again.json()["gaps"][1]["action"] == "Theirs."


def test_an_unseen_use_case_is_404_everywhere(ben_api, owner_api, moderate):
    _put(owner_api, moderate, {"ownership": _item()})
    row = GapClosureAction.objects.get(use_case=moderate)
    assert ben_api.get(_url(moderate)).status_code == 404
    assert _put(ben_api, moderate, {"ownership": _item("Mine now.")}).status_code == 404
    assert ben_api.get(f"{LIST}{row.pk}/").status_code == 404
    assert ben_api.get(LIST).json()["results"] == []
    assert ben_api.get(LIST, {"use_case": moderate.reference}).json()["results"] == []
    assert GapClosureAction.objects.get(use_case=moderate).action == row.action


def _actions(ava, custops, count: int) -> None:
    areas = list(ReadinessArea.objects.all())
    for n in range(count):
        use_case = UseCaseFactory(created_by=ava, business_unit=custops)
        GapClosureAction.objects.create(use_case=use_case, area=areas[n], action=f"Action {n}", owner=UserFactory(),
                                        due_on=timezone.localdate(), recorded_by=UserFactory())


@pytest.mark.parametrize("who", ["gov", "ava"])
def test_list_queries_do_not_grow_with_the_rows(request, ava, custops, who):
    list_queries_stay_flat(client_for(request.getfixturevalue(who)), LIST,
                           lambda n: _actions(ava, custops, n), ceiling=6)


def test_the_schema_declares_the_etag_and_if_match(db):
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    plan = paths["/api/v1/use-cases/{reference}/gap-closure-plan/"]
    for method in ("get", "put"):
        assert "ETag" in plan[method]["responses"]["200"]["headers"], method
    assert "If-Match" in {p["name"] for p in plan["put"]["parameters"] if p["in"] == "header"}
    assert set(plan["put"]["responses"]) >= {"400", "403", "404", "412"}
    assert "ETag" in paths["/api/v1/gap-closure-actions/{id}/"]["get"]["responses"]["200"]["headers"]
