"""Every page that posts to a service, posted by someone who may see the use case but not act on it.

The pages do not check first: the service refuses, the page shows its reason (the permission
module's words) as the only message, goes back where it would have, and nothing is written.
"""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm

from intake import permissions
from intake.models import UseCase
from intake.permissions import Action
from reviews import services
from reviews.models import (
    ChecklistEntry,
    Comment,
    CostEntry,
    Evidence,
    GateDecision,
    Incident,
    KPIActual,
    ReadinessScore,
    Risk,
)
from tests.factories import KPIFactory, UseCaseFactory, UserFactory, at_stage

from .factories import PDF, upload

pytestmark = pytest.mark.django_db

WRITTEN = (ReadinessScore, ChecklistEntry, Risk, KPIActual, CostEntry, Incident, Comment, Evidence, GateDecision)
OCCURRED = "2026-01-05T10:00"


@pytest.fixture
def case(ava, custops, owner):
    use_case = UseCaseFactory(created_by=ava, business_unit=custops, business_owner=owner, title="Ticket summaries")
    KPIFactory(use_case=use_case, baseline=Decimal("12"), target=Decimal("8"), direction="decrease")
    return at_stage(services.use_case_submit(use_case=use_case, actor=ava), "pilot")


@pytest.fixture
def records(case, owner):
    """A risk and an incident to edit, recorded by the owner."""
    risk = services.risk_save(use_case=case, actor=owner, data={"area": "cost_creep", "description": "Tokens.",
                                                               "likelihood": 2, "impact": 2})
    incident = services.incident_report(use_case=case, actor=owner, data={
        "severity": 4, "title": "Slow", "what_happened": "Latency.", "occurred_at": timezone.now()})
    return {"risk": risk.pk, "incident": incident.pk}


@pytest.fixture
def viewer(case):
    """May see the use case (a view grant), nothing more."""
    user = UserFactory(username="vic.viewer")
    assign_perm("view_usecase", user, case)
    return user


def risk_post():
    return {"area": "data_privacy", "description": "Card numbers in tickets.", "likelihood": "3", "impact": "4",
            "owner": "", "controls": "", "mitigation_status": "open", "escalation_threshold": "15"}


def incident_post():
    return {"severity": "3", "title": "Wrong customer", "what_happened": "A cache key clash.", "impact": "",
            "response": "", "corrective_action": "", "status": "open", "occurred_at": OCCURRED}


# page, its URL arguments beyond the reference, what is posted, the action refused, where it goes back to
PAGES = [
    ("readiness", (), lambda case: {"score_ownership": "4"}, Action.MANAGE_EVIDENCE, "readiness"),
    ("checklist", (), lambda case: {"ready_ownership": "on", "evidence_ownership": "Named in the charter."},
     Action.MANAGE_EVIDENCE, "checklist"),
    ("risks", (), lambda case: risk_post(), Action.MANAGE_EVIDENCE, "risks"),
    ("risk_edit", ("risk",), lambda case: risk_post(), Action.MANAGE_EVIDENCE, "risk_edit"),
    ("kpis", (), lambda case: {"form": "measurement", "actual-kpi": case.kpis.get().pk,
                               "actual-measured_on": "2026-01-05", "actual-value": "9"},
     Action.MANAGE_EVIDENCE, "kpis"),
    ("kpis", (), lambda case: {"form": "cost", "cost-period": "2026-01", "cost-budget": "100", "cost-actual": "90"},
     Action.MANAGE_EVIDENCE, "kpis"),
    ("incidents", (), lambda case: incident_post(), Action.MANAGE_EVIDENCE, "incidents"),
    ("incident_edit", ("incident",), lambda case: incident_post(), Action.MANAGE_EVIDENCE, "incident_edit"),
    ("comment", (), lambda case: {"body": "Hello"}, Action.COMMENT, "detail"),
    ("evidence_upload", (), lambda case: {"file": upload("pilot-report.pdf", PDF)}, Action.COMMENT, "detail"),
    ("gate", (), lambda case: {"outcome": "pause", "rationale": "Budget frozen this quarter."},
     Action.DECIDE_GATE, "detail"),
]


def everything_written(case):
    rows = {model.__name__: list(model.objects.order_by("pk").values()) for model in WRITTEN}
    return rows | {"use case": UseCase.objects.filter(pk=case.pk).values("stage", "status", "updated_at").get()}


@pytest.mark.parametrize(("page", "args", "data", "action", "back"), PAGES,
                         ids=[f"{p[0]}-{i}" for i, p in enumerate(PAGES)])
def test_a_viewer_gets_the_services_reason_and_nothing_is_written(client, case, records, viewer, media_root,
                                                                   page, args, data, action, back):
    target = reverse(f"reviews:{page}", args=[case.reference, *(records[a] for a in args)])
    back_url = (reverse("intake:detail", args=[case.reference]) if back == "detail"
                else reverse(f"reviews:{back}", args=[case.reference, *(records[a] for a in args)]))
    reason = permissions.decide(viewer, action, case).reason
    assert reason  # the viewer may see it but not act
    before = everything_written(case)
    stored = sorted(media_root.rglob("*")) if media_root.exists() else []

    client.force_login(viewer)
    response = client.post(target, data(case))

    assert response.status_code == 302 and response["Location"] == back_url
    shown = client.get(response["Location"])
    assert [str(m) for m in shown.context["messages"]] == [reason]
    assert everything_written(case) == before
    assert (sorted(media_root.rglob("*")) if media_root.exists() else []) == stored


def test_the_evidence_refusal_says_who_records(viewer, case):
    # The pages no longer add this themselves: it is the permission module's reason.
    reason = permissions.decide(viewer, Action.MANAGE_EVIDENCE, case).reason
    assert reason.startswith("You do not have permission to do that.")
    assert f"Gate evidence of {case.reference} is recorded by the people responsible or accountable" in reason

