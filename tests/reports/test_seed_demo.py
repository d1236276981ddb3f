"""``seed_demo`` builds a demo that covers the whole domain, and a re-run is a no-op."""

from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import authenticate, get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command

from compliance.models import ObligationEvidence
from compliance.selectors import coverage
from demo.people import DEMO_PASSWORD, ROLE_GROUPS
from demo.portfolio import USE_CASES
from intake import permissions
from intake.choices import RiskTier, Stage, Status
from intake.models import (
    KPI,
    BusinessUnit,
    PilotSelection,
    StrategicOutcome,
    TierAssessment,
    UseCase,
    UseCaseEvent,
)
from reviews import services

REQUIRED_USERNAMES = [
    "ava.submitter", "ben.submitter", "sec.reviewer", "privacy.reviewer", "legal.reviewer",
    "compliance.reviewer", "procurement.reviewer", "architecture.reviewer", "modelrisk.reviewer",
    "pmo.lead", "exec.sponsor", "gov.admin",
]


def _snapshot() -> dict:
    counted = [get_user_model(), BusinessUnit, StrategicOutcome, UseCase, KPI, TierAssessment,
               PilotSelection, UseCaseEvent]
    counts = {model.__name__: model.objects.count() for model in counted}
    # Every simple-history table, including the business-unit members one.
    counts.update(
        {model.__name__: model.objects.count() for model in apps.get_models()
         if model.__name__.startswith("Historical")}
    )
    return {
        "counts": counts,
        "use_cases": list(UseCase.objects.order_by("id").values()),
        "users": list(get_user_model().objects.order_by("id").values()),
    }


@pytest.mark.django_db
def test_seed_demo_twice_builds_a_complete_demo_and_the_rerun_is_a_no_op():
    # One test, two runs: seeding takes most of a second, so the checks share it.
    first_out = StringIO()
    call_command("seed_demo", stdout=first_out)
    first = _snapshot()
    second_out = StringIO()
    call_command("seed_demo", stdout=second_out)

    assert _snapshot() == first
    assert "(0 new)" in second_out.getvalue()
    _assert_summary(first_out.getvalue())
    _assert_logins_and_units()
    _assert_coverage()
    _assert_prohibited_draft()
    _assert_tiering()
    _assert_roles_and_raci()
    _assert_workflow()
    _assert_compliance()


def _assert_summary(output: str) -> None:
    assert "Use cases" in output
    assert "demo-only" in output
    for username in REQUIRED_USERNAMES:
        assert username in output
    assert DEMO_PASSWORD in output


def _assert_logins_and_units() -> None:
    for username in REQUIRED_USERNAMES:
        assert authenticate(username=username, password="stagegate-demo") is not None, username
    admin = get_user_model().objects.get(username="gov.admin")
    assert admin.is_superuser and admin.is_staff
    assert BusinessUnit.objects.get(code="CUSTOPS").members.filter(username="ava.submitter").exists()
    assert BusinessUnit.objects.get(code="FIN").members.filter(username="ben.submitter").exists()
    assert set(BusinessUnit.objects.values_list("code", flat=True)) >= {"CUSTOPS", "FIN", "HR", "ENG"}


def _assert_coverage() -> None:
    use_cases = list(UseCase.objects.select_related("business_unit"))
    assert len(use_cases) >= 25
    assert {u.stage for u in use_cases} == set(Stage.values)
    # "submitted" is transient: submission opens the reviews at once (in review).
    assert {u.status for u in use_cases} == set(Status.values) - {Status.SUBMITTED}
    assert {u.risk_tier for u in use_cases} == set(RiskTier.values) | {None}  # None: drafts are not tiered
    prohibited = next(u for u in use_cases if u.risk_tier == RiskTier.PROHIBITED)
    assert (prohibited.status, prohibited.computed_tier) == (Status.REJECTED, RiskTier.HIGH)
    assert {u.business_unit.code for u in use_cases} == {"CUSTOPS", "FIN", "HR", "ENG"}
    for use_case in UseCase.objects.exclude(status=Status.DRAFT):
        assert 1 <= use_case.kpis.count() <= 3, use_case.title
    assert TierAssessment.objects.filter(reason=TierAssessment.Reason.OVERRIDE).count() >= 2
    assert PilotSelection.objects.count() >= 8


def _assert_prohibited_draft() -> None:
    prohibited = UseCase.objects.exclude(prohibited_practice="")
    assert prohibited.exists()
    assert all(u.status == Status.DRAFT and u.risk_tier is None for u in prohibited)
    gov = get_user_model().objects.get(username="gov.admin")
    with pytest.raises(ValidationError):
        services.use_case_submit(use_case=prohibited.first(), actor=gov)


def _assert_tiering() -> None:
    """Every submitted use case is tiered, and matrix v1 gives the tier the demo data claims."""
    expected = {spec["title"]: spec["tier"] for spec in USE_CASES}
    for use_case in UseCase.objects.exclude(status=Status.DRAFT):
        assert use_case.risk_tier and use_case.eu_ai_act_category, use_case.title
        assert use_case.matrix_version_id is not None, use_case.title
        assert use_case.computed_tier == expected[use_case.title], use_case.title


def _assert_roles_and_raci() -> None:
    """Every demo use case has its RACI, and each demo login holds its org role."""
    users = get_user_model().objects.in_bulk(field_name="username")
    for username, group in ROLE_GROUPS.items():
        assert users[username].groups.filter(name=group).exists(), username
    for use_case in UseCase.objects.all():
        accountable = use_case.raci.filter(activity__key="outcome", letter="A")
        assert accountable.count() == 1, use_case.title
        if use_case.status != Status.DRAFT:
            reviewers = set(use_case.raci.filter(group__isnull=False, letter="R").values_list("group__name", flat=True))
            assert reviewers >= {"security"}, use_case.title
    sponsor = users["exec.sponsor"]
    assert permissions.visible_use_cases(sponsor).exclude(status=Status.DRAFT).exists()
    assert not permissions.visible_use_cases(users["ben.submitter"]).filter(business_unit__code="CUSTOPS").exists()


def _assert_workflow() -> None:
    """Statuses and stages were reached through reviews and gates, not by assignment."""
    from reviews.models import GateDecision, KPIActual, ReadinessScore, Review, Risk
    from vendors.models import AIModel, Vendor

    assert Vendor.objects.count() >= 8 and AIModel.objects.filter(status="banned").exists()
    for use_case in UseCase.objects.exclude(status=Status.DRAFT):
        # A use case killed while in review keeps no open review: the gate withdrew them.
        assert use_case.reviews.exists() or use_case.events.filter(kind="reviews_withdrawn").exists(), use_case.title
    for use_case in UseCase.objects.filter(status=Status.APPROVED):
        assert not use_case.reviews.exclude(status__in=["approved", "approved_with_conditions"]).exists()
    beyond_pilot = UseCase.objects.filter(stage__in=[Stage.CONTROLLED_ROLLOUT, Stage.SCALED])
    for use_case in beyond_pilot:
        moves = list(GateDecision.objects.filter(use_case=use_case).values_list("to_stage", flat=True))
        assert moves[:2] == [Stage.PILOT, Stage.CONTROLLED_ROLLOUT], use_case.title
        assert ReadinessScore.objects.filter(use_case=use_case).count() == 18
    for use_case in UseCase.objects.filter(stage=Stage.SCALED):
        assert KPIActual.objects.filter(kpi__use_case=use_case).exists()
    for use_case in UseCase.objects.filter(stage__in=[Stage.PAUSED, Stage.STOPPED, Stage.RETIRED]):
        last = GateDecision.objects.filter(use_case=use_case).latest("id")
        assert last.to_stage == use_case.stage, use_case.title
    assert Review.objects.filter(status="changes_requested").exists()
    assert Risk.objects.count() >= 20
    assert UseCase.objects.filter(ai_models__status="deprecated").exists()


def _assert_compliance() -> None:
    """A high-risk system fully covered on real artefacts and approvals, and one only partly."""
    full = UseCase.objects.get(title="CV screening assistant")
    assert full.eu_ai_act_category == "high_risk"
    rows = coverage(full)
    assert {row.framework.key for row in rows} == {"eu-ai-act", "nist-ai-rmf", "iso-42001"}
    assert all(row.met == row.applicable and not row.missing for row in rows)
    assert ObligationEvidence.objects.filter(obligation__use_case=full, kind="record",
                                             control="artefact_type").exists()
    partial = UseCase.objects.get(title="Credit-limit scoring for sole-trader customers")
    eu = {row.framework.key: row for row in coverage(partial)}["eu-ai-act"]
    assert partial.eu_ai_act_category == "high_risk" and 0 < eu.met < eu.applicable
    assert "Art. 27" in {o.requirement.identifier for o in eu.missing}  # a credit-scoring deployer's FRIA
