"""What each demo gate needs under the tier policy, recorded before the sponsor decides it: the risk
areas its tier requires and the typed artefacts (an evaluation report with its metrics); the gate
re-reviews are ``demo.gates``'s. Then the two use cases that
show a gate holding: one waiting on its gate re-review, one blocked by an expired risk acceptance.
"""

from __future__ import annotations

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from intake.choices import Stage
from intake.models import UseCase
from reviews import services
from reviews.models import Risk, RiskAcceptance
from reviews.selectors.artefacts import required_artefact_types
from reviews.selectors.risk_gate import required_risk_areas

from . import compliance
from .people import REVIEWERS, SPONSOR, Users

METRICS = [{"name": "Accuracy on the held-out set", "threshold": "0.90", "result": "0.93", "higher_is_better": True},
           {"name": "Harmful-answer rate", "threshold": "0.01", "result": "0.004", "higher_is_better": False}]


def prepare_gate(use_case: UseCase, to_stage: str, users: Users) -> None:
    """Record what the tier policy asks for at the gate into ``to_stage``."""
    if to_stage == Stage.PILOT:
        _assess_required_areas(use_case)
    _upload_artefacts(use_case, to_stage)
    compliance.meet_gate_obligations(use_case, to_stage)


def _assess_required_areas(use_case: UseCase) -> None:
    owner = use_case.business_owner
    assessed = set(use_case.risks.values_list("area", flat=True))
    for area in required_risk_areas(use_case.risk_tier):
        if area not in assessed:
            services.risk_save(use_case=use_case, actor=owner, data={
                "area": area, "description": f"Assessed at triage: {Risk(area=area).get_area_display().lower()} "
                                             "is low for this design.",
                "likelihood": 1, "impact": 2, "owner": use_case.delivery_owner or owner,
                "controls": "Covered by the standard controls of the platform.", "mitigation_status": "mitigated"})


def _upload_artefacts(use_case: UseCase, to_stage: str) -> None:
    for requirement in required_artefact_types(use_case, to_stage):
        kind = requirement.artefact_type
        upload = SimpleUploadedFile(f"{kind.key.replace('_', '-')}.txt", f"{kind.name} for {use_case.title}.\n"
                                    .encode(), content_type="text/plain")
        services.evidence_add(use_case=use_case, actor=use_case.business_owner, upload=upload, artefact_type=kind,
                              metrics=METRICS if kind.has_metrics else None)


def hold_at_gate(use_case: UseCase, hold: str, users: Users) -> UseCase:
    """Leave the use case waiting at its next gate: on its gate reviews, or on an expired acceptance."""
    if hold == "gate_reviews":
        [first, *_] = services.gate_reviews_request(use_case=use_case, actor=use_case.business_owner)
        reviewer = users[REVIEWERS[first.function]]
        services.review_assign(review=first, actor=reviewer, assignee=reviewer)
    elif hold == "expired_acceptance":
        _expired_acceptance(use_case, users)
    return UseCase.objects.get(pk=use_case.pk)


def _expired_acceptance(use_case: UseCase, users: Users) -> None:
    owner = use_case.business_owner
    risk = services.risk_save(use_case=use_case, actor=owner, data={
        "area": "bias_fairness", "description": "Flags fall more often on claims from one country's staff.",
        "likelihood": 4, "impact": 4, "owner": use_case.delivery_owner or owner,
        "controls": "Auditor confirms every flag before contacting anyone.", "mitigation_status": "mitigating"})
    acceptance = services.risk_accept(
        risk=risk, actor=users[SPONSOR], expires_on=timezone.localdate() + datetime.timedelta(days=30),
        rationale="Accepted for the rollout in one region while the model is retrained on balanced data.",
        compensating_controls="Every flag is confirmed by an auditor; monthly disparity report to compliance.")
    # The demo shows an acceptance that has run out: accepted 120 days ago for 90 days.
    today = timezone.localdate()
    RiskAcceptance.objects.filter(pk=acceptance.pk).update(
        expires_on=today - datetime.timedelta(days=30),
        accepted_at=timezone.now() - datetime.timedelta(days=120))
