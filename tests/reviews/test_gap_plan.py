"""The gap-closure plan: a Moderate readiness result goes to controlled rollout only with an action, an owner
and a date for each area below 4; the plan is refused at its area when incomplete, with nothing written."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from api.models import Tombstone
from reviews import selectors, services
from reviews.models import GapClosureAction

from .gate_world import pilot_ready, score_readiness

DUE = datetime.date(2027, 3, 1)


def keys(use_case):
    return {c.key: c.met for c in selectors.gate_criteria(use_case)}


def item(owner, action="Run the adoption clinic with each team.", due=DUE):
    return {"action": action, "owner": owner.username, "due_on": due}


@pytest.mark.parametrize(("overrides", "applies"), [
    ({}, True),  # 72, every area at 4: Moderate, no gap to close (met)
    ({"workflow_fit": 3}, True),  # 71: one gap
    ({"score": 5}, False),  # 90: Strong, no plan asked for
])
def test_the_plan_is_a_criterion_only_for_a_moderate_result(ava, custops, overrides, applies):
    use_case, owner, _sponsor = pilot_ready(ava, custops)
    score = overrides.pop("score", 4)
    score_readiness(use_case, owner, score=score, **overrides)
    assert ("gap_closure_plan" in keys(use_case)) is applies


def test_each_gap_needs_its_action_owner_and_date(ava, custops):
    use_case, owner, sponsor = pilot_ready(ava, custops)
    score_readiness(use_case, owner, workflow_fit=3, data_readiness=2)
    found = next(c for c in selectors.gate_criteria(use_case) if c.key == "gap_closure_plan")
    assert not found.met and found.detail == "No action, owner and date for: Workflow fit, Data readiness."
    services.gap_plan_record(use_case=use_case, actor=owner, items={"workflow_fit": item(owner)})
    assert not keys(use_case)["gap_closure_plan"]
    services.gap_plan_record(use_case=use_case, actor=owner, items={"data_readiness": item(owner)})
    assert keys(use_case)["gap_closure_plan"]
    decision = services.gate_decide(use_case=use_case, actor=sponsor, outcome="scale",
                                    rationale="Gaps are planned; roll out to one region.")
    assert {"key": "gap_closure_plan", "met": True} .items() <= next(
        c for c in decision.criteria if c["key"] == "gap_closure_plan").items()


def test_an_empty_action_removes_it_and_tells_sync_clients(ava, custops):
    use_case, owner, _sponsor = pilot_ready(ava, custops)
    score_readiness(use_case, owner, workflow_fit=3)
    [row] = services.gap_plan_record(use_case=use_case, actor=owner, items={"workflow_fit": item(owner)})
    services.gap_plan_record(use_case=use_case, actor=owner, items={"workflow_fit": item(owner, action="")})
    assert not GapClosureAction.objects.exists()
    assert Tombstone.objects.filter(resource="gap-closure-actions", object_id=str(row.pk)).exists()


@pytest.mark.parametrize(("given", "words"), [
    ({"action": "Fix it", "owner": "nobody.here", "due_on": DUE}, "Name its owner"),
    ({"action": "Fix it", "owner": "olga.owner", "due_on": datetime.date(2020, 1, 1)}, "due date from today"),
    ({"action": "x" * 501, "owner": "olga.owner", "due_on": DUE}, "at most 500 characters"),
    ({"action": "Fix it", "owner": "olga.owner"}, "due date from today"),
])
def test_an_incomplete_action_is_refused_at_its_area_and_nothing_is_written(ava, custops, given, words):
    use_case, owner, _sponsor = pilot_ready(ava, custops)
    score_readiness(use_case, owner, workflow_fit=3, data_readiness=3)
    with pytest.raises(ValidationError) as refused:
        services.gap_plan_record(use_case=use_case, actor=owner,
                                 items={"data_readiness": item(owner), "workflow_fit": given})
    assert list(refused.value.message_dict) == ["workflow_fit"] and words in refused.value.messages[0]
    assert not GapClosureAction.objects.exists()


def test_an_unknown_area_is_refused(ava, custops):
    use_case, owner, _sponsor = pilot_ready(ava, custops)
    with pytest.raises(ValidationError) as refused:
        services.gap_plan_record(use_case=use_case, actor=owner, items={"vibes": item(owner)})
    assert refused.value.message_dict == {"vibes": ["Unknown readiness area."]}


def test_only_who_records_evidence_records_the_plan(ava, custops):
    use_case, owner, sponsor = pilot_ready(ava, custops)
    score_readiness(use_case, owner, workflow_fit=3)
    with pytest.raises(PermissionDenied):
        services.gap_plan_record(use_case=use_case, actor=sponsor, items={"workflow_fit": item(owner)})
    assert not GapClosureAction.objects.exists()


def test_a_saved_action_past_its_date_does_not_block_the_rest_of_the_plan(ava, custops, clock):
    use_case, owner, _sponsor = pilot_ready(ava, custops)
    score_readiness(use_case, owner, workflow_fit=3, data_readiness=3)
    soon = timezone.localdate() + datetime.timedelta(days=2)
    services.gap_plan_record(use_case=use_case, actor=owner, items={"workflow_fit": item(owner, due=soon)})
    clock.shift(datetime.timedelta(days=5))  # its date has passed
    rows = services.gap_plan_record(use_case=use_case, actor=owner, items={
        "workflow_fit": item(owner, due=soon), "data_readiness": item(owner)})
    assert sorted(row.area.key for row in rows) == ["data_readiness", "workflow_fit"]
