"""The board pack's risk section lists the risk acceptances (expired ones first, flagged), and its gate screen
agrees with the gate that a live risk over its threshold blocks unless an acceptance is in force."""

import datetime

import pytest
from django.utils import timezone

from intake.models import UseCase
from reports import selectors
from reviews import selectors as review_selectors
from reviews.models import RiskAcceptance
from tests.factories import UserFactory
from tests.reviews.gate_world import pilot_ready

from .builders import add_use_cases, risk
from .test_board_pack_data import pack, queries

pytestmark = pytest.mark.django_db


def _accept(row, days: int, by=None) -> RiskAcceptance:
    return RiskAcceptance.objects.create(
        risk=row, rationale="Worth it for the rollout.", compensating_controls="Weekly sampling by privacy.",
        expires_on=timezone.localdate() + datetime.timedelta(days=days), accepted_by=by or UserFactory())


def test_the_risk_section_lists_acceptances_expired_first(ava, custops):
    [first, second, *_] = add_use_cases(3, business_unit=custops, created_by=ava)
    soon = _accept(risk(first, 5, 5), 20)
    lapsed = _accept(risk(second, 4, 4), -1)
    replaced = risk(second, 5, 4, area="cost_creep")
    _accept(replaced, -30)
    renewed = _accept(replaced, 90)
    _accept(risk(second, 5, 5, mitigation_status="closed"), 10)  # not a live risk: not listed
    acceptances = selectors.board_pack_data(pack())["risks"]["acceptances"]
    assert acceptances["total"] == 3
    assert [a.pk for a in acceptances["rows"]] == [lapsed.pk, soon.pk, renewed.pk]
    assert [a.expired for a in acceptances["rows"]] == [True, False, False]


def test_the_risk_section_renders_the_acceptances_without_queries(pat, ava, custops):
    from django.template.loader import render_to_string

    from reports import pdf
    from reports.models import BoardPack

    [first, *_] = add_use_cases(2, business_unit=custops, created_by=ava)
    _accept(risk(first, 5, 5), -2)
    saved = pack()
    saved.requested_by = pat
    saved.save()
    data = selectors.board_pack_data(BoardPack.objects.get(pk=saved.pk))
    html = []
    assert queries(lambda: html.append(render_to_string(pdf.TEMPLATE, pdf.board_pack_context(data)))) == 0
    assert "Risk acceptances" in html[0] and "Expired" in html[0] and "Weekly sampling by privacy." in html[0]


@pytest.mark.parametrize(("stage", "accepted_for", "ready"), [
    ("pilot", None, False), ("pilot", 30, True), ("pilot", 0, False),
    ("controlled_rollout", None, False), ("controlled_rollout", 5, True), ("controlled_rollout", -1, False),
])
def test_the_gate_screen_agrees_with_the_gate_on_risks_over_threshold(ava, custops, stage, accepted_for, ready):
    from tests.reviews.gate_world import meet_kpis, score_readiness

    use_case, owner, _sponsor = pilot_ready(ava, custops, stage=stage)
    if stage == "controlled_rollout":
        meet_kpis(use_case, owner)
        score_readiness(use_case, owner, score=5)
    before = _screened(use_case)  # every other criterion as the screen sees it
    over = risk(use_case, 5, 5)
    if accepted_for is not None:
        _accept(over, accepted_for)
    fresh = UseCase.objects.get(pk=use_case.pk)
    assert all(c.met for c in review_selectors.gate_criteria(fresh)) is ready
    assert _screened(use_case) is (before and ready)


def _screened(use_case) -> bool:
    screened, _waiting = selectors.gate_ready(selectors.portfolio(), today=timezone.localdate())
    return use_case.pk in {uc.pk for uc in screened}
