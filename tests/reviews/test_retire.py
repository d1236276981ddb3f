"""Retiring a system: a gate outcome of its own (the go / no-go A, with a rationale), reached from pilot
on, after which nothing moves the use case; the page, the service and the API agree."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.errors import InvalidTransition
from intake.choices import Stage
from intake.models import UseCase
from reviews import services
from reviews.choices import UNDECIDED_STATUSES
from reviews.models import GateDecision, Review
from tests.api.conftest import client_for

from .gate_world import pilot_ready

pytestmark = pytest.mark.django_db
RATIONALE = "Replaced by the new platform; switched off."


def gate_api(use_case) -> str:
    return f"/api/v1/use-cases/{use_case.reference}/gate-decisions/"


@pytest.mark.parametrize("stage", [Stage.PILOT, Stage.CONTROLLED_ROLLOUT, Stage.SCALED, Stage.PAUSED])
def test_the_sponsor_retires_from_pilot_on_through_the_api(ava, custops, stage):
    use_case, _owner, sponsor = pilot_ready(ava, custops, stage=stage)
    response = client_for(sponsor).post(gate_api(use_case), {"outcome": "retire", "rationale": RATIONALE},
                                        format="json")
    assert response.status_code == 201, response.json()
    assert (response.json()["outcome"], response.json()["to_stage"]) == ("retire", "retired")
    use_case.refresh_from_db()
    assert use_case.stage == Stage.RETIRED
    assert use_case.events.filter(kind="stage_changed", actor=sponsor, note__contains="Retired").exists()


def test_retire_needs_a_rationale_of_ten_characters(ava, custops):
    use_case, _owner, sponsor = pilot_ready(ava, custops)
    response = client_for(sponsor).post(gate_api(use_case), {"outcome": "retire", "rationale": "Old."},
                                        format="json")
    assert response.status_code == 400 and "rationale" in response.json()
    assert UseCase.objects.get(pk=use_case.pk).stage == Stage.PILOT


def test_nothing_is_retired_from_exploration(ava, custops):
    use_case, _owner, sponsor = pilot_ready(ava, custops, stage=Stage.EXPLORATION)
    response = client_for(sponsor).post(gate_api(use_case), {"outcome": "retire", "rationale": RATIONALE},
                                        format="json")
    assert response.status_code == 409
    assert response.json() == {"code": "invalid_transition",
                               "detail": f"{use_case.reference} is in exploration: there is no retire gate "
                                         "from there."}
    assert not GateDecision.objects.exists()


def test_a_retired_use_case_takes_no_more_gates_and_no_submission(ava, custops):
    use_case, _owner, sponsor = pilot_ready(ava, custops, stage=Stage.SCALED)
    services.gate_decide(use_case=use_case, actor=sponsor, outcome="retire", rationale=RATIONALE)
    api = client_for(sponsor)
    for outcome in ("pivot", "pause", "kill", "retire"):
        response = api.post(gate_api(use_case), {"outcome": outcome, "rationale": RATIONALE, "to_stage": "pilot",
                                                 "redesign_note": "Bring it back as a pilot."}, format="json")
        assert response.status_code == 409
        assert response.json() == {"code": "invalid_transition",
                                   "detail": f"{use_case.reference} is retired: it is closed and nothing moves it."}
    response = client_for(ava).post(f"/api/v1/use-cases/{use_case.reference}/submit/", format="json")
    assert response.status_code == 409 and response.json()["code"] == "invalid_transition"
    assert GateDecision.objects.filter(use_case=use_case).count() == 1


def test_retiring_withdraws_the_reviews_nobody_decided(ava, custops):
    use_case, _owner, sponsor = pilot_ready(ava, custops, stage=Stage.SCALED)
    open_review = Review.objects.create(use_case=use_case, function="legal", stage=Stage.SCALED, cycle=2,
                                        due_date="2026-06-20")
    services.gate_decide(use_case=use_case, actor=sponsor, outcome="retire", rationale=RATIONALE)
    assert not Review.objects.filter(pk=open_review.pk).exists()
    assert not Review.objects.filter(use_case=use_case, status__in=UNDECIDED_STATUSES).exists()
    assert use_case.events.filter(kind="reviews_withdrawn", note__contains="Legal review withdrawn").exists()
    with pytest.raises(InvalidTransition):
        services.gate_decide(use_case=UseCase.objects.get(pk=use_case.pk), actor=sponsor, outcome="kill",
                             rationale=RATIONALE)


def test_the_gate_page_offers_retire_and_records_it(client, ava, custops):
    use_case, _owner, sponsor = pilot_ready(ava, custops, stage=Stage.SCALED)
    client.force_login(sponsor)
    page = client.get(reverse("intake:detail", args=[use_case.reference]))
    assert "Retire: take it out of service for good" in page.content.decode()
    response = client.post(reverse("reviews:gate", args=[use_case.reference]),
                           {"outcome": "retire", "rationale": RATIONALE}, follow=True)
    assert "moved from Scaled to Retired" in response.content.decode()
    assert UseCase.objects.get(pk=use_case.pk).stage == Stage.RETIRED
