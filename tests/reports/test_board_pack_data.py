"""What a board pack says, from ``reports.selectors.board_pack_data``: a fixed
number of queries whatever the portfolio, and a gate screen that agrees with
the gate itself."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from intake.models import UseCase
from reports import selectors
from reports.models import BoardPack
from reviews import selectors as review_selectors
from reviews.models import GateDecision, Review
from tests.factories import UseCaseFactory
from tests.reviews.factories import ConditionFactory
from tests.reviews.gate_world import meet_kpis, pilot_ready, score_readiness, tick_checklist
from tests.vendors.factories import AIModelFactory, VendorFactory

from .builders import add_use_cases, risk

pytestmark = pytest.mark.django_db


def pack(audience="executive_monthly", days=30) -> BoardPack:
    today = timezone.localdate()
    return BoardPack(audience=audience, period_start=today - datetime.timedelta(days=days - 1), period_end=today)


def days_ago_at_noon(days: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(timezone.localdate() - datetime.timedelta(days=days),
                                                         datetime.time(12)))


def queries(fn) -> int:
    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured.captured_queries)


@pytest.mark.parametrize("audience", ["executive_monthly", "board_quarterly"])
def test_board_pack_data_runs_a_fixed_number_of_queries(ava, custops, audience):
    add_use_cases(3, business_unit=custops, created_by=ava)
    few = queries(lambda: selectors.board_pack_data(pack(audience)))
    add_use_cases(9, business_unit=custops, created_by=ava, start=3)
    many = queries(lambda: selectors.board_pack_data(pack(audience)))
    assert few == many
    # 60, up to 5 for the compliance section and 3 for what happens between the gates (overrun pilots,
    # value against spend, post-incident reviews overdue).
    assert many <= 68


def test_every_section_of_the_executive_pack_has_its_data(ava, custops):
    add_use_cases(10, business_unit=custops, created_by=ava)
    data = selectors.board_pack_data(pack())

    assert [s["title"] for s in data["sections"]] == list(selectors.SECTIONS.values())
    assert data["portfolio"]["total"] == 10
    assert {row["value"]: row["n"] for row in data["portfolio"]["by_stage"]}["pilot"] == 2
    assert sum(sum(row) for row in data["risks"]["grid"]) == data["risks"]["totals"]["total"] == 20
    assert len(data["risks"]["top"]) == selectors.TOP_N
    assert [r.rank for r in data["risks"]["top"]] == sorted((r.rank for r in data["risks"]["top"]), reverse=True)
    assert data["progress"]["moves"]["total"] == 10
    assert len(data["progress"]["moves"]["rows"]) == 10
    assert data["decisions"]["escalated"]["total"] == 2
    assert data["decisions"]["paused"]["total"] == 2
    assert data["resourcing"]["open"] == 4  # open and in progress
    assert data["alignment"]["conditions"]["total"] == 10
    assert data["incidents"]["incidents"]["total"] == 10
    assert data["readiness"]["scored"] == 10  # stopped and retired ones would be left out
    assert data["value"]["priority_total"] == 6


def test_the_board_pack_carries_only_its_four_sections(ava, custops):
    data = selectors.board_pack_data(pack("board_quarterly", days=90))
    assert [s["key"] for s in data["sections"]] == ["value", "risks", "resourcing", "decisions"]
    assert "portfolio" not in data and "readiness" not in data


def test_top_risks_leave_out_closed_risks_and_stopped_use_cases(ava, custops):
    live = UseCaseFactory(created_by=ava, business_unit=custops, status="in_review", stage="pilot")
    stopped = UseCaseFactory(created_by=ava, business_unit=custops, status="in_review", stage="stopped")
    draft = UseCaseFactory(created_by=ava, business_unit=custops, status="draft")
    kept = risk(live, 3, 3)
    risk(live, 5, 5, mitigation_status="closed")
    risk(stopped, 5, 5)
    risk(draft, 5, 5)
    escalating = risk(live, 4, 4, mitigation_status="mitigating", escalation_threshold=12)

    data = selectors.board_pack_data(pack())
    assert [r.pk for r in data["risks"]["top"]] == [escalating.pk, kept.pk]
    assert data["risks"]["totals"] == {"total": 2, "escalate": 1, "open": 1}


def test_stage_moves_are_those_of_the_period_and_stalls_those_idle_for_30_days(ava, custops):
    moved = UseCaseFactory(created_by=ava, business_unit=custops, status="in_review", stage="pilot",
                           submitted_at=timezone.now())
    idle = UseCaseFactory(created_by=ava, business_unit=custops, status="in_review", stage="exploration",
                          submitted_at=timezone.now() - datetime.timedelta(days=60))
    busy = UseCaseFactory(created_by=ava, business_unit=custops, status="in_review", stage="exploration",
                          submitted_at=timezone.now() - datetime.timedelta(days=60))
    Review.objects.create(use_case=busy, function="security", stage="exploration", due_date=timezone.localdate())
    old_review = Review.objects.create(use_case=idle, function="security", stage="exploration",
                                       due_date=timezone.localdate())
    # Noon, 45 local days ago: 45 x 24 hours back from late evening can land on the next local day.
    Review.objects.filter(pk=old_review.pk).update(updated_at=days_ago_at_noon(45))
    decision = GateDecision.objects.create(use_case=moved, outcome="scale", from_stage="exploration",
                                           to_stage="pilot", rationale="Clear problem.", decided_by=ava)
    old = GateDecision.objects.create(use_case=moved, outcome="pause", from_stage="pilot", to_stage="paused",
                                      rationale="Budget frozen.", decided_by=ava)
    GateDecision.objects.filter(pk=old.pk).update(decided_at=timezone.now() - datetime.timedelta(days=40))

    progress = selectors.board_pack_data(pack())["progress"]
    assert [m.pk for m in progress["moves"]["rows"]] == [decision.pk]
    assert [uc.pk for uc in progress["stalls"]["rows"]] == [idle.pk]
    assert progress["stalls"]["rows"][0].idle_days == 45


def test_priorities_are_read_one_per_line():
    rows = selectors.parse_priorities("- Scale the copilot | Marta | 2026-07-31\n\n* Hire a reviewer\n")
    assert rows == [{"priority": "Scale the copilot", "owner": "Marta", "date": "2026-07-31"},
                    {"priority": "Hire a reviewer", "owner": "", "date": ""}]


# ---------------------------------------------------------------- the gate screen agrees with the gate


def screened_ready(use_case: UseCase) -> bool:
    ready, _waiting = selectors.gate_ready(selectors.portfolio(), today=timezone.localdate())
    return use_case.pk in {uc.pk for uc in ready}


def gate_says_ready(use_case: UseCase) -> bool:
    use_case = UseCase.objects.get(pk=use_case.pk)
    return all(c.met for c in review_selectors.gate_criteria(use_case))


@pytest.mark.parametrize("breaker", [
    None, "open_review", "unmet_condition", "low_area", "unreviewed_one", "weak_total", "checklist", "vendor",
    "approved_vendor", "banned_model", "expired_vendor",
])
def test_the_pilot_screen_agrees_with_the_gate(ava, custops, breaker):
    use_case, owner, _sponsor = pilot_ready(ava, custops)
    if breaker == "open_review":
        use_case.reviews.update(status="open", decision="")
    elif breaker == "unmet_condition":
        ConditionFactory(review=use_case.reviews.first())
    elif breaker == "low_area":
        score_readiness(use_case, owner, ownership=2)
    elif breaker == "unreviewed_one":
        score_readiness(use_case, owner, workflow_fit=1)
    elif breaker == "weak_total":
        score_readiness(use_case, owner, score=3, problem_clarity=1, value_case=1, workflow_fit=1)
    elif breaker == "checklist":
        tick_checklist(use_case, owner, except_keys=("rollback_readiness",))
    elif breaker == "vendor":
        use_case.vendors.add(VendorFactory(name="Acme Models", status="prospect"))
    elif breaker == "approved_vendor":
        use_case.vendors.add(VendorFactory(name="Good Models", status="approved"))
    elif breaker == "banned_model":  # a flagged model needs architecture review, which was never opened
        use_case.ai_models.add(AIModelFactory(status="banned", provider=VendorFactory(status="approved")))
    elif breaker == "expired_vendor":
        use_case.vendors.add(VendorFactory(name="Old Models", status="approved",
                                           approval_expires=timezone.localdate() - datetime.timedelta(days=1)))
    expected = gate_says_ready(use_case)
    assert expected is (breaker in (None, "approved_vendor"))
    assert screened_ready(use_case) is expected


@pytest.mark.parametrize("breaker", [None, "no_pilot_score", "no_owner"])
def test_the_exploration_screen_agrees_with_the_gate(ava, custops, breaker):
    use_case, _owner, _sponsor = pilot_ready(ava, custops, stage="exploration")
    if breaker == "no_pilot_score":
        use_case.pilot_selection.delete()
    elif breaker == "no_owner":
        UseCase.objects.filter(pk=use_case.pk).update(delivery_owner=None)
    expected = gate_says_ready(use_case)
    assert expected is (breaker is None)
    assert screened_ready(use_case) is expected


@pytest.mark.parametrize("breaker", [None, "support", "kpi_missed", "floor", "total"])
def test_the_controlled_rollout_screen_agrees_with_the_gate(ava, custops, breaker):
    use_case, owner, _sponsor = pilot_ready(ava, custops, stage="controlled_rollout")
    meet_kpis(use_case, owner, miss=[use_case.kpis.first().name] if breaker == "kpi_missed" else ())
    score_readiness(use_case, owner, score=5, **({"production_readiness": 2} if breaker == "floor" else {}))
    if breaker == "total":
        score_readiness(use_case, owner, score=4)  # 72 < 75
    if breaker == "support":
        tick_checklist(use_case, owner, except_keys=("support_model",))
    expected = gate_says_ready(use_case)
    assert expected is (breaker is None)
    assert screened_ready(use_case) is expected


def test_the_pack_templates_run_no_queries(pat, ava, custops):
    from django.template.loader import render_to_string

    from reports import pdf

    add_use_cases(5, business_unit=custops, created_by=ava)
    saved = pack()
    saved.requested_by = pat
    saved.save()
    data = selectors.board_pack_data(BoardPack.objects.get(pk=saved.pk))  # as the task loads it
    assert queries(lambda: render_to_string(pdf.TEMPLATE, pdf.board_pack_context(data))) == 0
