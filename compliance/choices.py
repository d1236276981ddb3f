"""The closed vocabularies of the framework layer."""

from django.db import models


class Scope(models.TextChoices):
    SYSTEM = "system", "AI system (one register per use case)"
    ORGANISATION = "organisation", "Organisation (one register)"


class ControlKind(models.TextChoices):
    """The playbook's own controls a crosswalk entry may name, each by the key of its reference record."""

    REVIEW_FUNCTION = "review_function", "Review function's approval"
    READINESS_AREA = "readiness_area", "Readiness area score"
    CHECKLIST_ITEM = "checklist_item", "Rollout checklist item"
    RISK_AREA = "risk_area", "Risk area in the register"
    VENDOR_AREA = "vendor_area", "Vendor due-diligence area"
    ARTEFACT_TYPE = "artefact_type", "Artefact"


class ObligationStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    MET = "met", "Met"
    NOT_APPLICABLE = "not_applicable", "Not applicable"
    RISK_ACCEPTED = "risk_accepted", "Accepted risk"


# Statuses a gate counts as satisfied (an accepted risk only until it expires).
SATISFIED = (ObligationStatus.MET, ObligationStatus.NOT_APPLICABLE, ObligationStatus.RISK_ACCEPTED)


class EvidenceKind(models.TextChoices):
    RECORD = "record", "Link to a Stagegate record"
    UPLOAD = "upload", "Uploaded file"
