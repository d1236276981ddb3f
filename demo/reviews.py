"""Each new demo use case taken to the status its spec asks for through the services:
submission, tier override, pilot selection, review decisions and the risk register, so timelines,
grants and history are what production would have. The stage is ``demo.gates``'s.
"""

from __future__ import annotations

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from intake import services as intake_services
from intake.choices import Stage, Status
from intake.models import PILOT_CRITERIA, UseCase
from reviews import selectors, services
from reviews.models import Review

from . import gates, governance
from .people import GOVERNANCE_ADMIN, PMO, REVIEWERS, Users
from .usecases import Spec

RISKS = [
    ("output_reliability", "Answers can be wrong or out of date and be acted on.", 3, 4,
     "Human review before anything reaches a customer; weekly QA sample.", "mitigating"),
    ("data_privacy", "Personal data could reach the model provider beyond what the DPA allows.", 2, 5,
     "Zero-retention endpoint; PII redaction before prompts.", "mitigated"),
    ("low_adoption", "Staff keep their old workflow and the value case is not realised.", 3, 3,
     "Champions in each team; adoption KPI reviewed monthly.", "open"),
    ("vendor_dependency", "Pricing or terms change at renewal with no easy exit.", 2, 3,
     "Exportable prompts and evaluation set; second provider assessed.", "open"),
]


def advance(use_case: UseCase, spec: Spec, users: Users, submitter: AbstractBaseUser) -> UseCase:
    """Take a freshly created draft to the status and stage of its spec."""
    if spec["status"] == Status.DRAFT:
        return use_case
    use_case = services.use_case_submit(use_case=use_case, actor=submitter)
    if "override" in spec:
        tier, justification = spec["override"]
        use_case = services.use_case_override_tier(use_case=use_case, actor=users[GOVERNANCE_ADMIN], tier=tier,
                                                   justification=justification)
        if use_case.status == Status.REJECTED:  # overridden to prohibited: nothing more to decide
            return use_case
    if "pilot" in spec:
        scores, note = spec["pilot"]
        intake_services.pilot_selection_record(use_case=use_case, actor=users[PMO], note=note,
                                               scores=dict(zip(PILOT_CRITERIA, scores, strict=True)))
    if spec["stage"] == Stage.STOPPED:
        # A kill closes the use case: no review is decided after it.
        use_case = gates.close(use_case, Stage.STOPPED, users)
    else:
        use_case = _decide_reviews(use_case, spec["status"], users, submitter)
    if use_case.status in (Status.IN_REVIEW, Status.APPROVED):
        _add_risks(use_case)
    use_case = gates.walk(use_case, spec["stage"], users)
    return governance.hold_at_gate(use_case, spec["hold"], users) if "hold" in spec else use_case


def _decide(use_case: UseCase, function: str, decision: str, users: Users, rationale: str,
            conditions: tuple | list = ()) -> None:
    """The function's reviewer decides its review of the current cycle."""
    review = selectors.reviews_in_cycle(use_case).get(function=function)
    services.review_decide(review=review, actor=users[REVIEWERS[function]], decision=decision,
                           rationale=rationale, conditions=conditions)


def _decide_reviews(use_case: UseCase, status: str, users: Users, submitter: AbstractBaseUser) -> UseCase:
    reviews = list(selectors.reviews_in_cycle(use_case).order_by("function"))
    if status == Status.IN_REVIEW:
        reviewer = users[REVIEWERS[reviews[0].function]]
        services.review_assign(review=reviews[0], actor=reviewer, assignee=reviewer)
    elif status == Status.CHANGES_REQUESTED:
        _decide(use_case, reviews[0].function, "request_changes", users,
               "Name the data retention period and who may see the routing decisions.")
    elif status == Status.WITHDRAWN:
        # The outcome's A withdraws it: the business owner (the submitter when there is none).
        intake_services.use_case_withdraw(use_case=use_case, actor=use_case.business_owner or submitter,
                                          reason="Superseded by the supplier-risk feature of our GRC platform.")
    elif status == Status.APPROVED:
        _approve_all(use_case, reviews, users)
    return UseCase.objects.get(pk=use_case.pk)


def _approve_all(use_case: UseCase, reviews: list[Review], users: Users) -> None:
    """Every review approves; with more than one, the first sets a condition for the rollout gate."""
    for index, review in enumerate(reviews):
        if index == 0 and len(reviews) > 1:
            owner = use_case.delivery_owner or use_case.business_owner
            condition = {"text": "Run a rollback drill before widening access.", "owner": owner,
                         "due_date": timezone.localdate() + datetime.timedelta(days=30)}
            _decide(use_case, review.function, "approve_with_conditions", users,
                   "Controls are adequate provided the rollback path is proven.", conditions=[condition])
        else:
            _decide(use_case, review.function, "approve", users, "Design, data flows and controls reviewed; fine.")


def _add_risks(use_case: UseCase) -> None:
    """Two to four risks, recorded by the business owner (who keeps the gate evidence)."""
    owner = use_case.business_owner
    for area, description, likelihood, impact, controls, status in RISKS[: 2 + use_case.pk % 3]:
        services.risk_save(use_case=use_case, actor=owner, data={
            "area": area, "description": description, "likelihood": likelihood, "impact": impact,
            "owner": use_case.delivery_owner or owner, "controls": controls, "mitigation_status": status})
