"""The demo's obligation registers: the CV screening assistant (high-risk, deployer) fully covered, the
credit-limit scoring (high-risk, provider and deployer) partly, through the compliance services."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from compliance import services
from compliance.models import CrosswalkEntry, Obligation
from compliance.selectors import is_satisfied, register_suggestions, required_by, use_case_register
from intake.models import UseCase
from reviews import services as review_services
from reviews.models import ArtefactType, Evidence

FULLY_COVERED = "CV screening assistant"
PARTLY_COVERED = "Credit-limit scoring for sole-trader customers"
# (identifier, status, evidence note) on the partly covered one.
PARTIAL = (
    ("Art. 5", "met", "Prohibited-practice screening signed by legal at intake."),
    ("Art. 10", "in_progress", ""),
    ("Art. 27", "in_progress", ""),
)


def _note(obligation: Obligation, text: str) -> SimpleUploadedFile:
    body = f"{obligation.requirement.framework.name} {obligation.requirement.identifier}: {text}\n"
    return SimpleUploadedFile(f"{obligation.requirement.identifier.replace(' ', '-')}.txt", body.encode(),
                              content_type="text/plain")


def _upload_expected_artefacts(use_case: UseCase) -> None:
    """Every artefact type the crosswalk expects as evidence, uploaded once, so that its obligations are met on
    a real artefact rather than a note."""
    from .governance import METRICS  # the evaluation report's metrics the gates judge

    wanted = set(CrosswalkEntry.objects.filter(control="artefact_type").values_list("key", flat=True))
    have = set(Evidence.objects.filter(use_case=use_case, artefact_type__key__in=wanted)
               .values_list("artefact_type__key", flat=True))
    for kind in ArtefactType.objects.filter(key__in=wanted - have).order_by("key"):
        upload = SimpleUploadedFile(f"{kind.key.replace('_', '-')}.txt",
                                    f"{kind.name} for {use_case.title}.\n".encode(), content_type="text/plain")
        review_services.evidence_add(use_case=use_case, actor=use_case.business_owner, upload=upload,
                                     artefact_type=kind, metrics=METRICS if kind.has_metrics else None)


def _cover(use_case: UseCase, to_stage: str = "") -> None:
    """Evidence and "met" for every open obligation (those the gate into ``to_stage`` needs, when given):
    the good records the crosswalk suggests, else a short evidence note."""
    owner = use_case.business_owner
    register = [o for o in use_case_register(use_case) if not to_stage or (
        required_by(o.requirement.required_before, to_stage) and not is_satisfied(o))]
    suggestions = register_suggestions(use_case, register)
    for obligation in register:
        if obligation.status == "met":
            continue
        good = [s for s in suggestions[obligation.pk] if s.good and not s.linked]
        for suggestion in good:
            services.obligation_link(obligation=obligation, actor=owner, record_type=suggestion.record_type,
                                     record_id=suggestion.record.pk)
        if not good and not obligation.evidence.all():
            services.obligation_upload(obligation=obligation, actor=owner, upload=_note(
                obligation, obligation.requirement.expected_evidence or "Evidence kept in the HR controls binder."))
        services.obligation_set_status(obligation=obligation, actor=owner, status="met")


def _partly(use_case: UseCase) -> None:
    owner = use_case.business_owner
    for identifier, status, note in PARTIAL:
        obligation = Obligation.objects.filter(use_case=use_case, requirement__identifier=identifier,
                                               requirement__framework__key="eu-ai-act", applicable=True).first()
        if obligation is None or obligation.status == status:
            continue
        if note and not obligation.evidence.exists():
            services.obligation_upload(obligation=obligation, actor=owner, upload=_note(obligation, note))
        services.obligation_set_status(obligation=obligation, actor=owner, status=status)


def meet_gate_obligations(use_case: UseCase, to_stage: str) -> None:
    """What the frameworks need at the gate into ``to_stage``, recorded by the business owner."""
    _cover(use_case, to_stage)


def seed_obligations() -> None:
    for title, fill in ((FULLY_COVERED, _cover), (PARTLY_COVERED, _partly)):
        use_case = UseCase.objects.filter(title=title).select_related("business_owner").first()
        if use_case is None:
            continue
        if fill is _cover:
            _upload_expected_artefacts(use_case)
        fill(use_case)
