"""Every public write service refuses, by itself, a user who may not act.

The services, not the pages, admin or API in front of them, hold the permission check. This walks
every public function of every app's services that takes an ``actor``, calls it as two ordinary
accounts (an outsider who sees nothing, and a colleague who may see the record but is not on it),
and expects the refusal (Http404 for what they may not see, PermissionDenied with a reason
otherwise) with nothing written. A new service must be added to ``CALLS`` (or to ``NOT_ACTIONS``
with the reason it needs no check), so no entry point can forget its check.
"""

from __future__ import annotations

import datetime
import importlib
import inspect
from collections.abc import Callable
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404

from compliance.models import Obligation, ObligationEvidence
from identity.models import ExternalIdentity, IdpGroup
from identity.provisioning import PersonAttributes
from intake.models import PILOT_CRITERIA, RaciActivity, RaciAssignment, UseCase
from intake.services import grants_recompute
from reports.models import BoardPack
from reviews.models import GovernancePolicy, Incident, IncidentAction, Review, Risk
from tests.conftest import FIXED_INSTANT
from tests.factories import BusinessUnitFactory, KPIFactory, UseCaseFactory, UserFactory
from tests.reviews.factories import ConditionFactory, ReviewFactory, submitted_use_case, upload
from vendors.models import AIModel, Vendor, VendorAssessment

SERVICE_MODULES = ("intake.services", "reviews.services", "compliance.services", "vendors.services",
                   "reports.services", "reports.dossiers", "identity.provisioning", "inventory.services",
                   "api.services")

# Public functions with an actor that are not actions a person takes, and why they check nothing.
NOT_ACTIONS = {
    "intake.services.use_case_owner_problems": "reads only: what use_case_create/update would refuse",
    "intake.services.raci_sync_defaults": "a step of the use-case services, after their own check",
    "compliance.services.obligations_sync": "a step of the use-case services (their signal), after their check",
    "compliance.services.obligations_open": "a step of use_case_create (its use_cases_created signal), after its check",
    "inventory.services.require_importer": "the check itself, which the import services ask first",
    "reports.dossiers.dossier_request": "whoever sees a use case may have its dossier built: require(VIEW) is its "
                                        "check, refused as 404 to others (tests/reports/test_dossier.py)",
}


def write_services() -> dict[str, Callable]:
    found = {}
    for name in SERVICE_MODULES:
        module = importlib.import_module(name)
        public = getattr(module, "__all__", None) or [n for n in vars(module) if not n.startswith("_")]
        for attr in public:
            func = getattr(module, attr)
            if not inspect.isfunction(func) or (not hasattr(module, "__all__") and func.__module__ != name):
                continue
            if "actor" in inspect.signature(func).parameters and f"{name}.{attr}" not in NOT_ACTIONS:
                found[f"{name}.{attr}"] = func
    return found


class World:
    """One of everything the services act on, made by people who may, and two who may not."""

    def __init__(self):
        custops = BusinessUnitFactory(code="CUSTOPS", name="Customer Operations")
        ava = UserFactory(username="ava.submitter")
        custops.members.add(ava)
        self.unit = custops
        self.use_case = submitted_use_case(created_by=ava, business_unit=custops)
        self.draft = UseCaseFactory(created_by=ava, business_unit=custops)
        KPIFactory(use_case=self.draft)
        self.kpi = self.use_case.kpis.first()
        self.review = Review.objects.filter(use_case=self.use_case).first() or ReviewFactory(use_case=self.use_case)
        self.condition = ConditionFactory(review=self.review, owner=ava)
        self.incident = Incident.objects.create(use_case=self.use_case, title="Wrong answers", severity=2,
                                                what_happened="Seen twice.", reported_by=ava,
                                                occurred_at=datetime.datetime(2026, 6, 9, 9, tzinfo=datetime.UTC))
        self.risk = Risk.objects.create(use_case=self.use_case, area="data_privacy", description="Kept too long.",
                                        likelihood=5, impact=5)
        self.incident_action = IncidentAction.objects.create(
            incident=self.incident, description="Re-index nightly.", owner=ava, created_by=ava,
            due_date=datetime.date(2026, 6, 30))
        self.vendor = Vendor.objects.create(name="Acme Models")
        self.model = AIModel.objects.create(provider=self.vendor, name="Acme One", version="1", hosting="vendor_api",
                                            max_data_classification="confidential", max_tier="high")
        self.assessment = VendorAssessment.objects.create(vendor=self.vendor)
        self.pack = BoardPack.objects.create(audience="executive_monthly", period_start="2026-05-01",
                                             period_end="2026-05-31", status="failed")
        admin = UserFactory(username="walk.admin")
        admin.groups.add(Group.objects.get(name="governance_admins"))
        from api import services as api_services
        self.account, _key = api_services.service_account_create(actor=admin, username="walk-bot",
                                                                  description="Nightly sync")
        self.obligation = Obligation.objects.filter(use_case=self.use_case).first()
        self.evidence = ObligationEvidence.objects.create(obligation=self.obligation, kind="upload",
                                                          label="Screening.pdf", added_by=ava)
        self.scim_person = UserFactory(username="scim.person")
        ExternalIdentity.objects.create(user=self.scim_person)
        self.idp_group = IdpGroup.objects.create(name="stagegate-security")
        self.outsider = _outsider()
        self.informed = _informed(self)


TODAY = datetime.date(2026, 6, 10)
CALLS: dict[str, Callable[[World], dict]] = {
    "intake.services.matrix_publish": lambda w: {"note": "x"},
    "intake.services.pilot_selection_record": lambda w: {"use_case": w.use_case,
                                                         "scores": dict.fromkeys(PILOT_CRITERIA, 3)},
    "intake.services.raci_set": lambda w: {"use_case": w.use_case, "rows": []},
    "intake.services.use_case_create": lambda w: {"business_unit": w.unit, "answers": {"title": "Mine now"}},
    "intake.services.use_case_withdraw": lambda w: {"use_case": w.use_case, "reason": "Not worth it any more."},
    "reviews.services.checklist_record": lambda w: {"use_case": w.use_case, "items": {}},
    "reviews.services.comment_add": lambda w: {"use_case": w.use_case, "body": "Looks fine to me."},
    "reviews.services.condition_mark_met": lambda w: {"condition": w.condition},
    "reviews.services.cost_record": lambda w: {"use_case": w.use_case, "period": TODAY, "budget": Decimal("10"),
                                               "actual": Decimal("5")},
    "reviews.services.evidence_add": lambda w: {"use_case": w.use_case,
                                                "upload": upload("note.txt", b"plain text", "text/plain")},
    "reviews.services.evidence_reject": lambda w: {"evidence": _artefact(w), "reason": "Not what the tier asks for."},
    "reviews.services.gap_plan_record": lambda w: {"use_case": w.use_case, "items": {}},
    "reviews.services.gate_decide": lambda w: {"use_case": w.use_case, "outcome": "kill",
                                               "rationale": "Stopping this for good."},
    "reviews.services.gate_reviews_request": lambda w: {"use_case": w.use_case},
    "reviews.services.incident_report": lambda w: {"use_case": w.use_case, "data": {"title": "x"}},
    "reviews.services.incident_update": lambda w: {"incident": w.incident, "data": {"status": "closed"}},
    "reviews.services.kpi_actual_record": lambda w: {"kpi": w.kpi, "measured_on": TODAY, "value": Decimal("1")},
    "reviews.services.policy_publish": lambda w: {"changes": {"scale_min_total": 60}},
    "reviews.services.readiness_signoff": lambda w: {"use_case": w.use_case, "area": "ownership",
                                                     "review": "Reviewed the gap and accepted it."},
    "reviews.services.readiness_record": lambda w: {"use_case": w.use_case, "scores": {}},
    "reviews.services.review_assign": lambda w: {"review": w.review, "assignee": None},
    "reviews.services.review_decide": lambda w: {"review": w.review, "decision": "approve",
                                                 "rationale": "All good, approved."},
    "reviews.services.risk_accept": lambda w: {"risk": w.risk, "rationale": "Worth it for the rollout.",
                                               "compensating_controls": "Weekly sampling.",
                                               "expires_on": TODAY + datetime.timedelta(days=30)},
    "reviews.services.risk_save": lambda w: {"use_case": w.use_case, "data": {"title": "x"}},
    "reviews.services.use_case_override_tier": lambda w: {"use_case": w.use_case, "tier": "high",
                                                          "justification": "Because it touches customers."},
    "reviews.services.use_case_submit": lambda w: {"use_case": w.draft},
    "reviews.services.use_case_register": lambda w: {"use_case": w.use_case, "to_stage": "pilot",
                                                     "rationale": "Live since 2024; reports examined.", "missing": []},
    "reviews.services.remediation_complete": lambda w: {"item": _remediation_item(w), "note": "Closed."},
    "reviews.services.use_case_update": lambda w: {"use_case": w.draft, "answers": {"title": "Taken over"}},
    "vendors.services.vendor_assessment_assign": lambda w: {"assessment": w.assessment, "assessor": None},
    "vendors.services.vendor_assessment_complete": lambda w: {"assessment": w.assessment, "outcome": "approved",
                                                              "conditions": ""},
    "vendors.services.vendor_assessment_rate": lambda w: {"assessment": w.assessment, "ratings": {}},
    "vendors.services.vendor_assessment_start": lambda w: {"vendor": w.vendor, "due_on": TODAY},
    "vendors.services.vendor_offboard": lambda w: {"vendor": w.vendor, "reason": "Contract ended early."},
    "vendors.services.vendor_status_set": lambda w: {"vendor": w.vendor, "status": "rejected",
                                                     "note": "Approval withdrawn."},
    "vendors.services.ai_model_status_set": lambda w: {"model": w.model, "status": "banned", "note": "Withdrawn."},
    "reviews.services.pilot_dates_set": lambda w: {"use_case": w.use_case, "start": TODAY,
                                                   "end": TODAY + datetime.timedelta(days=30)},
    "reviews.services.kpi_value_set": lambda w: {"kpi": w.kpi, "data": {"cadence": "weekly"}},
    "reviews.services.incident_assign": lambda w: {"incident": w.incident, "review_due": TODAY},
    "reviews.services.incident_close": lambda w: {"incident": w.incident},
    "reviews.services.incident_review_record": lambda w: {"incident": w.incident, "cause": "A stale index.",
                                                          "impact": "Two wrong answers.", "lessons": "Test it."},
    "reviews.services.incident_action_add": lambda w: {"incident": w.incident, "description": "Add a check.",
                                                       "owner": w.use_case.created_by, "due_date": TODAY},
    "reviews.services.incident_action_complete": lambda w: {"action": w.incident_action},
    "reports.services.board_pack_request": lambda w: {"audience": "executive_monthly",
                                                      "period_start": datetime.date(2026, 5, 1),
                                                      "period_end": datetime.date(2026, 5, 31)},
    "reports.services.board_pack_retry": lambda w: {"pack": w.pack},
    "compliance.services.framework_load": lambda w: {"text": "{}"},
    "compliance.services.requirement_save": lambda w: {"requirement": w.obligation.requirement},
    "compliance.services.obligation_set_status": lambda w: {"obligation": w.obligation, "status": "in_progress"},
    "compliance.services.obligation_update": lambda w: {"obligation": w.obligation, "status": "in_progress"},
    "compliance.services.obligation_link": lambda w: {"obligation": w.obligation, "record_type": "reviews.review",
                                                      "record_id": w.review.pk},
    "compliance.services.obligation_upload": lambda w: {"obligation": w.obligation,
                                                        "upload": upload("note.txt", b"plain text", "text/plain")},
    "compliance.services.obligation_unlink": lambda w: {"evidence": w.evidence},
    "compliance.services.obligation_assign": lambda w: {"obligation": w.obligation, "owner": None},
    "identity.provisioning.scim_user_create": lambda w: {"attributes": PersonAttributes(user_name="made.up")},
    "identity.provisioning.scim_user_update": lambda w: {"user": w.scim_person,
                                                         "attributes": PersonAttributes(user_name="renamed")},
    "identity.provisioning.scim_user_set_active": lambda w: {"user": w.scim_person, "active": False},
    "identity.provisioning.scim_user_delete": lambda w: {"user": w.scim_person},
    "identity.provisioning.scim_group_create": lambda w: {"display_name": "stagegate-new"},
    "identity.provisioning.scim_group_update": lambda w: {"group": w.idp_group, "display_name": "renamed"},
    "identity.provisioning.scim_group_delete": lambda w: {"group": w.idp_group},
    "inventory.services.use_case_import": lambda w: {"use_case": None, "business_unit": w.unit,
                                                     "answers": {"title": "Slipped in"}, "kpis": None},
    "inventory.services.vendor_save": lambda w: {"vendor": None, "values": {"name": "Sneaky Models"}},
    "inventory.services.ai_model_save": lambda w: {"model": None, "values": {"provider": "x", "name": "y"}},
    "inventory.services.assessment_import": lambda w: {"assessment": None, "vendor": w.vendor, "values": {},
                                                       "changed": []},
    "api.services.service_account_create": lambda w: {"username": "sneaky-bot", "description": "x"},
    "api.services.service_account_token_rotate": lambda w: {"service_account": w.account},
}


def test_every_write_service_is_walked():
    assert set(write_services()) == set(CALLS), "add the new service to CALLS (or NOT_ACTIONS, with why)"


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module (at the suite's fixed instant), inside a transaction rolled back after its
    last test; each test runs in a savepoint of it, so a refusal that wrote would still be seen."""
    with django_db_blocker.unblock(), time_machine.travel(FIXED_INSTANT, tick=False), transaction.atomic():
        yield World()
        transaction.set_rollback(True)


def _outsider():
    """Active, signed up, in another business unit, on nothing."""
    user = UserFactory(username="olly.outsider")
    BusinessUnitFactory().members.add(user)
    return user


def _informed(world: World):
    """Sees the use cases (Informed on their outcome) and may do nothing on them."""
    user = UserFactory(username="ivy.informed")
    for use_case in (world.use_case, world.draft):
        RaciAssignment.objects.create(use_case=use_case, activity=RaciActivity.objects.get(key="outcome"),
                                      letter="I", user=user)
        grants_recompute(use_case=use_case)
    return user


def _artefact(world: World):
    """An impact assessment on the use case, uploaded by its submitter (in the test's savepoint)."""
    from reviews.models import ArtefactType, Evidence

    return Evidence.objects.create(
        use_case=world.use_case, uploaded_by=world.use_case.created_by, original_name="impact.pdf",
        content_type="application/pdf", size=1, file="evidence/impact.pdf",
        artefact_type=ArtefactType.objects.get(key="impact_assessment"))


def _remediation_item(world: World):
    """An open remediation item of a registration of the use case, owned by its submitter."""
    from reviews.models import GateDecision, RemediationItem

    decision = GateDecision.objects.create(
        use_case=world.use_case, outcome="register", from_stage="exploration", to_stage="pilot",
        rationale="Registered for the walk.", decided_by=world.use_case.created_by)
    return RemediationItem.objects.create(
        use_case=world.use_case, decision=decision, criterion_key="pilot:kpis", criterion_label="KPIs",
        gate_stage="pilot", owner=world.use_case.created_by, due_on=TODAY)


def _counts() -> tuple:
    return (UseCase.objects.count(), Review.objects.filter(decided_at__isnull=False).count(),
            ObligationEvidence.objects.count(), Obligation.objects.exclude(status="not_started").count(),
            VendorAssessment.objects.exclude(status="in_progress").count(), BoardPack.objects.count(),
            GovernancePolicy.objects.count(), IdpGroup.objects.count(), Vendor.objects.count(),
            AIModel.objects.count(), VendorAssessment.objects.count(),
            get_user_model().objects.filter(is_active=True).count())


@pytest.mark.django_db
@pytest.mark.xdist_group("service-walk")
@pytest.mark.parametrize("name", sorted(CALLS))
@pytest.mark.parametrize("who", ["outsider", "informed"])
def test_the_service_refuses_a_user_who_may_not_act(name, who, world):
    actor = getattr(world, who)
    before = _counts()
    with pytest.raises((PermissionDenied, Http404)) as refused:
        write_services()[name](actor=actor, **CALLS[name](world))
    if isinstance(refused.value, PermissionDenied):
        assert str(refused.value), "a refusal says why"
    assert _counts() == before
