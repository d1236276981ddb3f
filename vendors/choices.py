"""Enumerations of the vendor domain (governance model, section 8).

Values are a contract: intake compares its own tier and data-classification
strings against these, so they repeat intake's values without importing it
(vendors sits below intake in the dependency order).
"""

from django.db import models


class Criticality(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class VendorStatus(models.TextChoices):
    PROSPECT = "prospect", "Prospect"
    UNDER_ASSESSMENT = "under_assessment", "Under assessment"
    APPROVED = "approved", "Approved"
    APPROVED_WITH_CONDITIONS = "approved_with_conditions", "Approved with conditions"
    REJECTED = "rejected", "Rejected"
    OFFBOARDED = "offboarded", "Offboarded"


# Statuses in which a vendor may be used, as long as the approval has not expired.
APPROVED_STATUSES = (VendorStatus.APPROVED, VendorStatus.APPROVED_WITH_CONDITIONS)


class EffectiveStatus(models.TextChoices):
    """What a vendor's status means today: an approval past its expiry date no longer counts."""

    PROSPECT = "prospect", "Prospect"
    UNDER_ASSESSMENT = "under_assessment", "Under assessment"
    APPROVED = "approved", "Approved"
    APPROVED_WITH_CONDITIONS = "approved_with_conditions", "Approved with conditions"
    APPROVAL_EXPIRED = "approval_expired", "Approval expired"
    REJECTED = "rejected", "Rejected"
    OFFBOARDED = "offboarded", "Offboarded"


class CertificationKind(models.TextChoices):
    SOC2_TYPE2 = "soc2_type2", "SOC 2 Type II"
    ISO27001 = "iso27001", "ISO 27001"
    ISO42001 = "iso42001", "ISO/IEC 42001"
    OTHER = "other", "Other"


class AssessmentStatus(models.TextChoices):
    # Declaration order is the queue order: new work first.
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"


class AssessmentOutcome(models.TextChoices):
    APPROVED = "approved", "Approved"
    APPROVED_WITH_CONDITIONS = "approved_with_conditions", "Approved with conditions"
    REJECTED = "rejected", "Rejected"


APPROVING_OUTCOMES = (AssessmentOutcome.APPROVED, AssessmentOutcome.APPROVED_WITH_CONDITIONS)


class Rating(models.TextChoices):
    MEETS = "meets", "Meets"
    PARTLY = "partly", "Partly meets"
    DOES_NOT_MEET = "does_not_meet", "Does not meet"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


class Hosting(models.TextChoices):
    VENDOR_API = "vendor_api", "Vendor API"
    SELF_HOSTED = "self_hosted", "Self-hosted"


class DataClassification(models.TextChoices):
    PUBLIC = "public", "Public"
    INTERNAL = "internal", "Internal"
    CONFIDENTIAL = "confidential", "Confidential"
    RESTRICTED = "restricted", "Restricted"


class RiskTier(models.TextChoices):
    """The tiers a model may be approved up to; intake's "prohibited" is never approvable."""

    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


PROHIBITED_TIER = "prohibited"

# Sensitivity orders for "at most" comparisons; prohibited sits above every approvable tier.
CLASSIFICATION_ORDER = {
    DataClassification.PUBLIC: 0,
    DataClassification.INTERNAL: 1,
    DataClassification.CONFIDENTIAL: 2,
    DataClassification.RESTRICTED: 3,
}
TIER_ORDER = {RiskTier.LOW: 0, RiskTier.MEDIUM: 1, RiskTier.HIGH: 2, PROHIBITED_TIER: 3}


class ModelStatus(models.TextChoices):
    APPROVED = "approved", "Approved"
    RESTRICTED = "restricted", "Restricted"
    DEPRECATED = "deprecated", "Deprecated"
    BANNED = "banned", "Banned"
