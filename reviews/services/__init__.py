"""Writes of the reviews app. Admin, pages and API all call these."""

from reviews.snapshots import APPROVAL_FIELDS, approval_snapshot, snapshot_diff

from .artefacts import evidence_reject
from .discussion import EVIDENCE_MAX_BYTES, EVIDENCE_TYPES, comment_add, evidence_add
from .evidence import (
    checklist_record,
    cost_record,
    incident_report,
    incident_update,
    kpi_actual_record,
    readiness_record,
    readiness_signoff,
    risk_save,
)
from .gaps import gap_plan_record
from .gate_reviews import gate_reviews_request
from .gates import GateClosed, GateRefused, gate_decide
from .incidents import (
    incident_action_add,
    incident_action_complete,
    incident_assign,
    incident_close,
    incident_review_record,
)
from .pilots import pilot_dates_set
from .policy import POLICY_FIELDS, policy_publish
from .registration import (
    REGISTER_STATUSES,
    MissingCriterion,
    may_complete,
    registration_closed_reason,
    remediation_complete,
    use_case_register,
)
from .reminders import reminder_kinds, reminder_recipients, review_reminders_due, send_review_reminder
from .rereviews import rereview_due_on, rereviews_open_due
from .risk_acceptance import risk_accept
from .value import kpi_value_set
from .workflow import (
    MAX_CONDITION_TEXT,
    MAX_TEXT,
    MIN_RATIONALE,
    assignee_problem,
    condition_mark_met,
    review_assign,
    review_decide,
    use_case_override_tier,
    use_case_submit,
    use_case_update,
)

__all__ = [
    "APPROVAL_FIELDS",
    "EVIDENCE_MAX_BYTES",
    "EVIDENCE_TYPES",
    "MAX_CONDITION_TEXT",
    "MAX_TEXT",
    "MIN_RATIONALE",
    "POLICY_FIELDS",
    "REGISTER_STATUSES",
    "GateClosed",
    "GateRefused",
    "MissingCriterion",
    "approval_snapshot",
    "assignee_problem",
    "checklist_record",
    "comment_add",
    "condition_mark_met",
    "cost_record",
    "evidence_add",
    "evidence_reject",
    "gap_plan_record",
    "gate_decide",
    "gate_reviews_request",
    "incident_action_add",
    "incident_action_complete",
    "incident_assign",
    "incident_close",
    "incident_report",
    "incident_review_record",
    "incident_update",
    "kpi_actual_record",
    "kpi_value_set",
    "may_complete",
    "pilot_dates_set",
    "policy_publish",
    "readiness_record",
    "readiness_signoff",
    "registration_closed_reason",
    "remediation_complete",
    "reminder_kinds",
    "reminder_recipients",
    "rereview_due_on",
    "rereviews_open_due",
    "review_assign",
    "review_decide",
    "review_reminders_due",
    "risk_accept",
    "risk_save",
    "send_review_reminder",
    "snapshot_diff",
    "use_case_override_tier",
    "use_case_register",
    "use_case_submit",
    "use_case_update",
]
