"""Enumerations of the intake domain.

The values of the tier-driving answers are a contract: the API and other
tools depend on them (see the Foundation issue). Labels are ours to phrase.
"""

from django.db import models


class AIPattern(models.TextChoices):
    PREDICTIVE = "predictive", "Predictive model"
    CHATBOT = "chatbot", "Chatbot"
    COPILOT = "copilot", "Copilot (assists a person in their tool)"
    AGENT = "agent", "Agent (acts with tools, multi-step)"
    DOCUMENT_PROCESSING = "document_processing", "Document processing"
    OTHER = "other", "Other"


class DataClassification(models.TextChoices):
    PUBLIC = "public", "Public"
    INTERNAL = "internal", "Internal"
    CONFIDENTIAL = "confidential", "Confidential"
    RESTRICTED = "restricted", "Restricted"


class PersonalData(models.TextChoices):
    NONE = "none", "No personal data"
    PERSONAL = "personal", "Personal data"
    SPECIAL_CATEGORY = "special_category", "Special-category personal data"


class DecisionImpact(models.TextChoices):
    NONE = "none", "Does not touch decisions about people"
    INFORMS = "informs", "Informs decisions about people"
    DETERMINES = "determines", "Determines outcomes for individuals"


class Autonomy(models.TextChoices):
    ASSISTS = "assists", "Human decides (AI assists)"
    HUMAN_REVIEW = "human_review", "Human reviews before action"
    HUMAN_MONITORING = "human_monitoring", "Human monitors after action"
    AUTOMATED = "automated", "Fully automated"


class Exposure(models.TextChoices):
    INTERNAL_SMALL = "internal_small", "Internal, small group"
    INTERNAL_WIDE = "internal_wide", "Internal, organisation-wide"
    EXTERNAL = "external", "External-facing (customers or public)"


class RegulatedArea(models.TextChoices):
    NONE = "", "None of these"
    BIOMETRICS = "biometrics", "Biometrics"
    CRITICAL_INFRASTRUCTURE = "critical_infrastructure", "Critical infrastructure"
    EDUCATION = "education", "Education and vocational training"
    EMPLOYMENT = "employment", "Employment and worker management"
    ESSENTIAL_SERVICES = "essential_services", "Essential private and public services"
    LAW_ENFORCEMENT = "law_enforcement", "Law enforcement"
    MIGRATION = "migration", "Migration, asylum and border control"
    JUSTICE = "justice", "Justice and democratic processes"


class ProhibitedPractice(models.TextChoices):
    NONE = "", "None of these"
    MANIPULATION = "manipulation", "Manipulative or deceptive techniques causing significant harm"
    EXPLOITING_VULNERABILITIES = (
        "exploiting_vulnerabilities",
        "Exploiting vulnerabilities (age, disability, social or economic situation)",
    )
    SOCIAL_SCORING = "social_scoring", "Social scoring"
    CRIME_PREDICTION_PROFILING = "crime_prediction_profiling", "Predicting crime from profiling alone"
    UNTARGETED_FACE_SCRAPING = "untargeted_face_scraping", "Untargeted scraping of face images"
    EMOTION_RECOGNITION_WORKPLACE = "emotion_recognition_workplace", "Emotion recognition at work or in education"
    SENSITIVE_BIOMETRIC_CATEGORISATION = (
        "sensitive_biometric_categorisation",
        "Biometric categorisation inferring sensitive traits",
    )
    REALTIME_REMOTE_BIOMETRIC_ID = (
        "realtime_remote_biometric_id",
        "Real-time remote biometric identification in public spaces",
    )


class AIActRole(models.TextChoices):
    """Who the organisation is for this system under the EU AI Act: it decides which obligations apply."""

    PROVIDER = "provider", "Provider (we build it or put our name on it)"
    DEPLOYER = "deployer", "Deployer (we use a system built by someone else)"
    BOTH = "both", "Both provider and deployer"


class RiskTier(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    PROHIBITED = "prohibited", "Prohibited"


# Severity order of tiers, for floors ("at least high") and comparisons.
TIER_ORDER = {RiskTier.LOW: 0, RiskTier.MEDIUM: 1, RiskTier.HIGH: 2, RiskTier.PROHIBITED: 3}


class EUAIActCategory(models.TextChoices):
    PROHIBITED = "prohibited", "Prohibited practice (Article 5)"
    HIGH_RISK = "high_risk", "High-risk (Annex III)"
    TRANSPARENCY = "transparency", "Transparency obligations (Article 50)"
    MINIMAL = "minimal", "Minimal risk"


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    IN_REVIEW = "in_review", "In review"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


# Statuses in which owners may still edit intake answers.
EDITABLE_STATUSES = (Status.DRAFT, Status.CHANGES_REQUESTED)


class Stage(models.TextChoices):
    EXPLORATION = "exploration", "Exploration"
    PILOT = "pilot", "Pilot"
    CONTROLLED_ROLLOUT = "controlled_rollout", "Controlled rollout"
    SCALED = "scaled", "Scaled"
    PAUSED = "paused", "Paused"
    STOPPED = "stopped", "Stopped"
    RETIRED = "retired", "Retired"


class KPICategory(models.TextChoices):
    BUSINESS_OUTCOME = "business_outcome", "Business outcome"
    PROCESS_EFFICIENCY = "process_efficiency", "Process efficiency"
    MODEL_QUALITY = "model_quality", "Model quality"
    PLATFORM_RELIABILITY = "platform_reliability", "Platform reliability"
    ADOPTION_HEALTH = "adoption_health", "Adoption health"


class KPIDirection(models.TextChoices):
    INCREASE = "increase", "Higher is better"
    DECREASE = "decrease", "Lower is better"


class KPICadence(models.TextChoices):
    """How often a KPI is measured; the values match the policy's cadences (reviews.models.Cadence)."""

    WEEKLY = "weekly", "Weekly"
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"


class KPIValueType(models.TextChoices):
    COST = "cost", "Cost"
    SPEED = "speed", "Speed"
    QUALITY = "quality", "Quality"
    REVENUE = "revenue", "Revenue"
    RISK = "risk", "Risk"


class TierDrivingField(models.TextChoices):
    """Use-case answers the risk-tier matrix may score or test in a floor."""

    AI_PATTERN = "ai_pattern", "AI pattern"
    DATA_CLASSIFICATION = "data_classification", "Data classification"
    PERSONAL_DATA = "personal_data", "Personal data"
    DECISION_IMPACT = "decision_impact", "Decision impact on people"
    AUTONOMY = "autonomy", "Autonomy / human oversight"
    EXPOSURE = "exposure", "Exposure"
    REGULATED_AREA = "regulated_area", "Regulated decision area"
    PROHIBITED_PRACTICE = "prohibited_practice", "Prohibited practice"


TIER_DRIVING_CHOICES = {
    TierDrivingField.AI_PATTERN: AIPattern,
    TierDrivingField.DATA_CLASSIFICATION: DataClassification,
    TierDrivingField.PERSONAL_DATA: PersonalData,
    TierDrivingField.DECISION_IMPACT: DecisionImpact,
    TierDrivingField.AUTONOMY: Autonomy,
    TierDrivingField.EXPOSURE: Exposure,
    TierDrivingField.REGULATED_AREA: RegulatedArea,
    TierDrivingField.PROHIBITED_PRACTICE: ProhibitedPractice,
}


class ReviewFunction(models.TextChoices):
    """Cross-functional review functions; each has an org group of the same name."""

    SECURITY = "security", "Security"
    PRIVACY = "privacy", "Privacy"
    LEGAL = "legal", "Legal"
    COMPLIANCE = "compliance", "Compliance"
    PROCUREMENT = "procurement", "Procurement"
    ARCHITECTURE = "architecture", "Architecture"
    DATA_GOVERNANCE = "data_governance", "Data governance"
    MODEL_RISK = "model_risk", "Model risk"


class OrgGroup(models.TextChoices):
    """Organisation roles (Django groups) that are not review functions."""

    PMO = "pmo", "PMO"
    EXECUTIVE_SPONSORS = "executive_sponsors", "Executive sponsors"
    GOVERNANCE_ADMINS = "governance_admins", "Governance admins"


class RaciLetter(models.TextChoices):
    RESPONSIBLE = "R", "Responsible"
    ACCOUNTABLE = "A", "Accountable"
    CONSULTED = "C", "Consulted"
    INFORMED = "I", "Informed"


class Activity(models.TextChoices):
    """Keys of the seeded RACI activities the rules refer to."""

    OUTCOME = "outcome", "Business outcome"
    DELIVERY = "delivery", "Delivery"
    VENDOR_DUE_DILIGENCE = "vendor_due_diligence", "Vendor due diligence"
    GO_NO_GO = "go_no_go", "Go / no-go"
    INCIDENT_RESPONSE = "incident_response", "Incident response"
    MONITORING = "monitoring", "Monitoring"
