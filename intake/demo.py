"""Demo data for Stagegate: people, business units, outcomes and use cases.

``seed_demo`` creates whatever is missing and leaves existing rows alone, so
it is safe to run on every ``make run``: a second run creates nothing and
changes nothing, and edits made while demoing survive. The one thing it
restores is a demo user's membership of their business unit, without which
that login sees no use cases.

Use cases are created and submitted through ``intake.services`` so their
tiers, events and history are real; only the review and gate outcomes are
set directly until those services exist.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from intake import services
from intake.models import (
    KPI,
    BusinessUnit,
    PilotSelection,
    PortfolioBucket,
    StrategicOutcome,
    TierAssessment,
    UseCase,
    UseCaseEvent,
)
from vendors.models import AIModel, Vendor

# Demo-only credentials: printed in the summary on purpose, never used in production.
# Reviewed (bandit B105): the published demo password (README), set only by seed_demo, never in production.
DEMO_PASSWORD = "stagegate-demo"  # noqa: S105 # nosec B105
EMAIL_DOMAIN = "stagegate.example"

BUSINESS_UNITS = [
    ("CUSTOPS", "Customer Operations"),
    ("FIN", "Finance"),
    ("HR", "People"),
    ("ENG", "Engineering"),
]

STRATEGIC_OUTCOMES = [
    ("Faster customer resolution",
     "Resolve customer contacts first time and sooner, across every channel."),
    ("Lower cost to serve",
     "Take manual effort out of high-volume back-office and service work."),
    ("Better employee experience",
     "Give people quicker answers and fewer low-value tasks so they can do their best work."),
    ("Faster software delivery",
     "Shorten the path from idea to safe production change."),
    ("Stronger risk and compliance posture",
     "Find and fix control gaps earlier, and evidence decisions that affect customers and staff."),
]

# The governance model's cast. "unit" makes the user a member of that business unit.
USERS = [
    {"username": "ava.submitter", "first_name": "Ava", "last_name": "Thompson",
     "role": "Submitter, Customer Operations", "unit": "CUSTOPS"},
    {"username": "ben.submitter", "first_name": "Ben", "last_name": "Okafor",
     "role": "Submitter, Finance", "unit": "FIN"},
    {"username": "cx.owner", "first_name": "Marta", "last_name": "Silva",
     "role": "Business owner, Customer Operations", "unit": "CUSTOPS"},
    {"username": "fin.owner", "first_name": "Claire", "last_name": "Bennett",
     "role": "Business owner, Finance", "unit": "FIN"},
    {"username": "hr.owner", "first_name": "Nadia", "last_name": "Karim",
     "role": "Business owner and submitter, People", "unit": "HR"},
    {"username": "eng.owner", "first_name": "Tom", "last_name": "Fischer",
     "role": "Business owner and submitter, Engineering", "unit": "ENG"},
    {"username": "ai.delivery", "first_name": "Omar", "last_name": "Haddad",
     "role": "Delivery owner, AI platform team", "unit": "ENG"},
    {"username": "sec.reviewer", "first_name": "Sofia", "last_name": "Marquez", "role": "Security reviewer"},
    {"username": "privacy.reviewer", "first_name": "Priya", "last_name": "Natarajan", "role": "Privacy reviewer"},
    {"username": "legal.reviewer", "first_name": "Liam", "last_name": "O'Connor", "role": "Legal reviewer"},
    {"username": "compliance.reviewer", "first_name": "Chloe", "last_name": "Dubois",
     "role": "Compliance reviewer"},
    {"username": "procurement.reviewer", "first_name": "Marcus", "last_name": "Webb",
     "role": "Procurement reviewer"},
    {"username": "architecture.reviewer", "first_name": "Hannah", "last_name": "Lindqvist",
     "role": "Architecture reviewer"},
    {"username": "modelrisk.reviewer", "first_name": "Raj", "last_name": "Mehta", "role": "Model-risk reviewer"},
    {"username": "pmo.lead", "first_name": "Grace", "last_name": "Adeyemi", "role": "PMO lead"},
    {"username": "exec.sponsor", "first_name": "Daniel", "last_name": "Hartmann", "role": "Executive sponsor"},
    {"username": "gov.admin", "first_name": "Elena", "last_name": "Rossi", "role": "Governance admin",
     "is_staff": True, "is_superuser": True},
]

# Org roles (groups from migration intake/0004); reviewers and the PMO work in admin.
ROLE_GROUPS = {
    "sec.reviewer": "security", "privacy.reviewer": "privacy", "legal.reviewer": "legal",
    "compliance.reviewer": "compliance", "procurement.reviewer": "procurement",
    "architecture.reviewer": "architecture", "modelrisk.reviewer": "model_risk",
    "pmo.lead": "pmo", "exec.sponsor": "executive_sponsors", "gov.admin": "governance_admins",
}
STAFF = {name for name, group in ROLE_GROUPS.items() if group != "executive_sponsors"}

# Who creates and submits each unit's use cases.
SUBMITTERS = {"CUSTOPS": "ava.submitter", "FIN": "ben.submitter", "HR": "hr.owner", "ENG": "eng.owner"}
GOVERNANCE_ADMIN = "gov.admin"

# Answers every use case gets unless it says otherwise.
ANSWER_DEFAULTS = {"delivery_owner": "ai.delivery", "executive_sponsor": "exec.sponsor"}
USER_ANSWERS = ("business_owner", "delivery_owner", "executive_sponsor")
# Keys of a use-case entry below that are not intake answers.
META_KEYS = frozenset({"unit", "status", "stage", "tier", "kpis", "override", "pilot", "release_in_days"})

# Each use case: intake answers (users by username, outcome by name, bucket by
# code, release as days from today), the workflow position the demo needs,
# the tier matrix v1 computes from the answers ("tier"), KPIs as
# (name, category, unit, baseline, target, direction), an optional tier
# override by the governance admin and an optional pilot-selection score
# (12 scores in PILOT_CRITERIA order, note).
USE_CASES: list[dict[str, Any]] = [
    # --- Customer Operations ---------------------------------------------------------------
    {
        "unit": "CUSTOPS", "status": "approved", "stage": "scaled", "tier": "medium",
        "title": "Customer-support reply copilot",
        "summary": "Drafts replies to customer emails and chats inside the agent desktop; the agent edits and sends.",
        "problem_statement": "Agents write most replies from scratch and re-read long ticket histories, so email "
                             "handling time is high and tone and accuracy vary between agents and shifts.",
        "strategic_outcome": "Faster customer resolution", "portfolio_bucket": "customer_operations",
        "outcome_baseline": "11.5 minutes average handling time per email contact",
        "outcome_target": "Cut to 8 minutes while holding CSAT at 82% or better",
        "outcome_time_horizon": "9 months", "outcome_constraints": "An agent sends every reply; no auto-send.",
        "business_owner": "cx.owner",
        "data_sources": "Zendesk ticket history, knowledge-base articles, order status from the CRM",
        "data_classification": "confidential", "personal_data": "personal",
        "exposure": "external", "expected_users": 420, "integrations": "Zendesk, Salesforce CRM",
        "release_in_days": -240, "ai_pattern": "copilot", "generates_content": True,
        "autonomy": "human_review", "decision_impact": "none",
        "kpis": [
            ("Average handling time (email)", "process_efficiency", "minutes", "11.5", "8", "decrease"),
            ("Customer satisfaction (CSAT)", "business_outcome", "%", "82", "86", "increase"),
            ("Drafts sent with light or no edits", "adoption_health", "%", "40", "65", "increase"),
        ],
        "pilot": ((3, 3, 3, 3, 3, 3, 3, 2, 3, 3, 3, 3), "Strong candidate: clear owner, data ready, agent-in-loop."),
    },
    {
        "unit": "CUSTOPS", "status": "approved", "stage": "controlled_rollout", "tier": "low",
        "title": "Call summarisation for agents",
        "summary": "Transcribes each support call and proposes the CRM wrap-up note for the agent to confirm.",
        "problem_statement": "After-call work takes 3.5 minutes per call and notes are often incomplete, so the "
                             "next agent has to call the customer back to ask again.",
        "strategic_outcome": "Lower cost to serve", "portfolio_bucket": "customer_operations",
        "outcome_baseline": "3.5 minutes after-call work per call", "outcome_target": "Under 1.5 minutes",
        "outcome_time_horizon": "6 months", "outcome_constraints": "Recordings stay in the EU region.",
        "business_owner": "cx.owner",
        "data_sources": "Call recordings from the contact-centre platform, CRM case records",
        "data_classification": "confidential", "personal_data": "personal",
        "exposure": "internal_wide", "expected_users": 380, "integrations": "Genesys Cloud, Salesforce CRM",
        "release_in_days": -30, "ai_pattern": "copilot", "generates_content": True,
        "autonomy": "human_review", "decision_impact": "none",
        "kpis": [
            ("After-call work time", "process_efficiency", "minutes", "3.5", "1.5", "decrease"),
            ("Summary accuracy in QA sample", "model_quality", "%", "85", "95", "increase"),
        ],
        "pilot": ((3, 3, 3, 3, 3, 2, 3, 3, 3, 2, 3, 3), "Strong candidate; transcription quality on accents to watch."),
    },
    {
        "unit": "CUSTOPS", "status": "approved", "stage": "pilot", "tier": "medium",
        "title": "Customer self-service chatbot",
        "summary": "A website and app chatbot that answers order, delivery and returns questions and hands over to "
                   "an agent with the conversation attached.",
        "problem_statement": "Forty per cent of contacts are simple order-status and returns questions that "
                             "customers could resolve themselves outside office hours.",
        "strategic_outcome": "Faster customer resolution", "portfolio_bucket": "customer_operations",
        "outcome_baseline": "12% of contacts resolved without an agent",
        "outcome_target": "35% resolved without an agent, complaints about the bot below 1%",
        "outcome_time_horizon": "12 months",
        "outcome_constraints": "Always offer a human; say clearly that the customer is talking to AI.",
        "business_owner": "cx.owner",
        "data_sources": "Public help-centre content, order and delivery status API",
        "data_classification": "internal", "personal_data": "personal",
        "exposure": "external", "expected_users": 250000, "integrations": "Order API, Zendesk messaging",
        "release_in_days": 60, "ai_pattern": "chatbot", "generates_content": True,
        "autonomy": "human_monitoring", "decision_impact": "none",
        "kpis": [
            ("Contacts resolved without an agent", "business_outcome", "%", "12", "35", "increase"),
            ("Hallucinated answers in weekly sample", "model_quality", "%", "4", "1", "decrease"),
            ("95th percentile response time", "platform_reliability", "seconds", "6", "3", "decrease"),
        ],
        "pilot": ((3, 3, 3, 2, 3, 2, 2, 2, 3, 3, 2, 2), "Good candidate; run the pilot on returns questions first."),
    },
    {
        "unit": "CUSTOPS", "status": "in_review", "stage": "exploration", "tier": "medium",
        "title": "Churn prediction for subscription customers",
        "summary": "Scores subscribers monthly for churn risk so the retention team can call the right customers.",
        "problem_statement": "The retention team calls customers only after they ask to cancel, when most have "
                             "already decided to leave.",
        "strategic_outcome": "Faster customer resolution", "portfolio_bucket": "customer_operations",
        "outcome_baseline": "2.4% monthly churn", "outcome_target": "2.0% monthly churn",
        "outcome_time_horizon": "12 months",
        "outcome_constraints": "Retention offers stay within the approved offer catalogue.",
        "business_owner": "cx.owner",
        "data_sources": "Billing history, product usage events, contact history",
        "data_classification": "confidential", "personal_data": "personal",
        "exposure": "internal_small", "expected_users": 25, "integrations": "Data warehouse, Salesforce CRM",
        "release_in_days": 150, "ai_pattern": "predictive",
        "autonomy": "human_review", "decision_impact": "informs",
        "kpis": [
            ("Monthly churn", "business_outcome", "%", "2.4", "2.0", "decrease"),
            ("AUC on hold-out month", "model_quality", "score", "0.62", "0.78", "increase"),
        ],
    },
    {
        # Prohibited practice (EU AI Act Article 5): stays a draft, cannot be submitted.
        "unit": "CUSTOPS", "status": "draft", "stage": "exploration", "tier": None,
        "title": "Emotion recognition of call-centre staff",
        "summary": "Analyse agents' voices during calls to detect stress, frustration and disengagement.",
        "problem_statement": "Agent attrition is 38% a year and team leads notice burnout too late.",
        "strategic_outcome": "Better employee experience", "portfolio_bucket": "employee_productivity",
        "outcome_baseline": "38% annual agent attrition", "outcome_target": "30% annual agent attrition",
        "outcome_time_horizon": "12 months", "business_owner": "cx.owner",
        "data_sources": "Live call audio, agent roster, performance dashboards",
        "data_classification": "restricted", "personal_data": "special_category",
        "exposure": "internal_wide", "expected_users": 30, "integrations": "Genesys Cloud, Workday",
        "release_in_days": 180, "ai_pattern": "other",
        "autonomy": "human_monitoring", "decision_impact": "determines",
        "regulated_area": "biometrics", "prohibited_practice": "emotion_recognition_workplace",
        "kpis": [("Annual agent attrition", "business_outcome", "%", "38", "30", "decrease")],
    },
    {
        "unit": "CUSTOPS", "status": "changes_requested", "stage": "exploration", "tier": "medium",
        "title": "Complaint triage and routing",
        "summary": "Classifies incoming complaints by topic and severity and routes them to the right queue.",
        "problem_statement": "Complaints are routed by hand from a shared inbox; 18% land in the wrong team and "
                             "the regulatory eight-week clock keeps running while they bounce.",
        "strategic_outcome": "Stronger risk and compliance posture", "portfolio_bucket": "customer_operations",
        "outcome_baseline": "26 hours to first response", "outcome_target": "Under 8 hours",
        "outcome_time_horizon": "6 months",
        "outcome_constraints": "Severe complaints always go to a person within one hour.",
        "business_owner": "cx.owner",
        "data_sources": "Complaint emails and web forms, case outcomes",
        "data_classification": "confidential", "personal_data": "personal",
        "exposure": "internal_small", "expected_users": 40, "integrations": "Zendesk, complaints register",
        "release_in_days": 120, "ai_pattern": "predictive",
        "autonomy": "automated", "decision_impact": "none",
        "kpis": [
            ("Time to first response", "process_efficiency", "hours", "26", "8", "decrease"),
            ("Misrouted complaints", "model_quality", "%", "18", "5", "decrease"),
        ],
    },
    {
        "unit": "CUSTOPS", "status": "draft", "stage": "exploration", "tier": None,
        "title": "Voice-of-customer theme mining",
        "summary": "Cluster survey comments and reviews into themes for the monthly service review.",
        "problem_statement": "Analysts read a sample of 300 comments a month by hand; most feedback is never read.",
        "strategic_outcome": "Faster customer resolution", "portfolio_bucket": "knowledge_retrieval",
        "business_owner": "cx.owner", "delivery_owner": None,
        "data_sources": "Post-contact surveys, app-store reviews",
        "ai_pattern": "other",
    },
    # --- Finance -------------------------------------------------------------------------
    {
        "unit": "FIN", "status": "approved", "stage": "scaled", "tier": "low",
        "title": "Invoice document processing",
        "summary": "Extracts header and line data from supplier invoices and matches them to purchase orders.",
        "problem_statement": "Accounts payable keys 14,000 invoices a month by hand; late keying costs early-payment "
                             "discounts and causes supplier chasers.",
        "strategic_outcome": "Lower cost to serve", "portfolio_bucket": "employee_productivity",
        "outcome_baseline": "EUR 4.20 processing cost per invoice", "outcome_target": "EUR 1.50 per invoice",
        "outcome_time_horizon": "12 months",
        "outcome_constraints": "Any mismatch above EUR 500 goes to a person before posting.",
        "business_owner": "fin.owner",
        "data_sources": "Supplier invoices (PDF and e-invoice), purchase orders, vendor master",
        "data_classification": "confidential", "personal_data": "personal",
        "exposure": "internal_small", "expected_users": 35, "integrations": "SAP S/4HANA, AP inbox",
        "release_in_days": -300, "ai_pattern": "document_processing",
        "autonomy": "human_review", "decision_impact": "none",
        "kpis": [
            ("Cost per invoice", "business_outcome", "EUR", "4.20", "1.50", "decrease"),
            ("Touchless invoices", "process_efficiency", "%", "15", "70", "increase"),
            ("Field extraction accuracy", "model_quality", "%", "91", "98", "increase"),
        ],
        "pilot": ((3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3), "Textbook candidate: volume, data and owner all in place."),
    },
    {
        "unit": "FIN", "status": "in_review", "stage": "exploration", "tier": "high",
        "title": "Credit-limit scoring for sole-trader customers",
        "summary": "Scores trade-credit applications from sole traders and proposes a credit limit.",
        "problem_statement": "Credit decisions take four days and rely on one analyst's judgement; bad-debt "
                             "write-offs rose last year.",
        "strategic_outcome": "Stronger risk and compliance posture",
        "portfolio_bucket": "regulated_decision_support",
        "outcome_baseline": "1.8% of credit written off; 4 days to decide",
        "outcome_target": "1.4% written off; decision within 1 day",
        "outcome_time_horizon": "18 months",
        "outcome_constraints": "A credit analyst confirms every limit; applicants can ask for human review.",
        "business_owner": "fin.owner",
        "data_sources": "Credit bureau data, payment history, application form",
        "data_classification": "confidential", "personal_data": "personal",
        "exposure": "external", "expected_users": 12, "integrations": "Credit bureau API, SAP credit management",
        "release_in_days": 270, "ai_pattern": "predictive",
        "autonomy": "human_review", "decision_impact": "determines", "regulated_area": "essential_services",
        "kpis": [
            ("Bad-debt write-offs", "business_outcome", "% of credit", "1.8", "1.4", "decrease"),
            ("Time to credit decision", "process_efficiency", "days", "4", "1", "decrease"),
            ("Approval-rate gap between groups", "model_quality", "percentage points", "6", "2", "decrease"),
        ],
    },
    {
        "unit": "FIN", "status": "approved", "stage": "controlled_rollout", "tier": "medium",
        "title": "Expense-claim anomaly detection",
        "summary": "Flags unusual expense claims (duplicates, policy breaches, odd patterns) for audit.",
        "problem_statement": "Auditors check a random 25% of claims and still miss repeated small breaches.",
        "strategic_outcome": "Stronger risk and compliance posture",
        "portfolio_bucket": "employee_productivity",
        "outcome_baseline": "25% of claims audited by hand; EUR 40k recovered a quarter",
        "outcome_target": "8% audited; EUR 120k recovered a quarter",
        "outcome_time_horizon": "9 months",
        "outcome_constraints": "A flag is never an accusation; auditors decide and talk to the employee.",
        "business_owner": "fin.owner",
        "data_sources": "Expense system claims and receipts, travel bookings, corporate card feed",
        "data_classification": "confidential", "personal_data": "personal",
        "exposure": "internal_wide", "expected_users": 15, "integrations": "SAP Concur, data warehouse",
        "release_in_days": -20, "ai_pattern": "predictive",
        "autonomy": "human_review", "decision_impact": "informs",
        "kpis": [
            ("Claims audited by hand", "process_efficiency", "%", "25", "8", "decrease"),
            ("Non-compliant spend recovered", "business_outcome", "EUR k per quarter", "40", "120", "increase"),
            ("Precision of flags", "model_quality", "%", "30", "70", "increase"),
        ],
        "pilot": ((3, 3, 2, 3, 2, 3, 3, 2, 3, 3, 2, 3), "Good candidate; agree the works-council briefing first."),
    },
    {
        "unit": "FIN", "status": "approved", "stage": "pilot", "tier": "low",
        "title": "Month-end close variance commentary",
        "summary": "Drafts the variance commentary for the monthly management accounts from ledger movements.",
        "problem_statement": "Controllers spend two days of each close writing variance explanations by hand.",
        "strategic_outcome": "Lower cost to serve", "portfolio_bucket": "employee_productivity",
        "outcome_baseline": "7 working days to close; 60 analyst hours on commentary",
        "outcome_target": "5 working days; 20 analyst hours",
        "outcome_time_horizon": "6 months", "business_owner": "fin.owner", "delivery_owner": "ben.submitter",
        "data_sources": "General ledger, budget and forecast cubes",
        "data_classification": "confidential", "personal_data": "none",
        "exposure": "internal_small", "expected_users": 18, "integrations": "SAP S/4HANA, Anaplan",
        "release_in_days": 45, "ai_pattern": "copilot", "generates_content": True,
        "autonomy": "assists", "decision_impact": "none",
        "kpis": [
            ("Days to close", "business_outcome", "working days", "7", "5", "decrease"),
            ("Analyst hours on commentary", "process_efficiency", "hours per close", "60", "20", "decrease"),
        ],
    },
    {
        "unit": "FIN", "status": "approved", "stage": "paused", "tier": "medium",
        "title": "Collections call prioritisation",
        "summary": "Ranks overdue accounts each morning so collectors call those most likely to pay first.",
        "problem_statement": "Collectors work overdue accounts oldest-first, so recoverable debt ages while "
                             "effort goes to accounts that will not pay.",
        "strategic_outcome": "Lower cost to serve", "portfolio_bucket": "regulated_decision_support",
        "outcome_baseline": "61% of overdue balance recovered within 90 days",
        "outcome_target": "68% recovered within 90 days",
        "outcome_time_horizon": "9 months",
        "outcome_constraints": "Customers flagged as vulnerable are handled by the specialist team only.",
        "business_owner": "fin.owner",
        "data_sources": "Receivables ledger, payment history, contact outcomes",
        "data_classification": "confidential", "personal_data": "personal",
        "exposure": "internal_small", "expected_users": 20, "integrations": "SAP receivables, dialler",
        "release_in_days": -45, "ai_pattern": "predictive",
        "autonomy": "human_review", "decision_impact": "informs",
        "kpis": [
            ("Overdue balance recovered in 90 days", "business_outcome", "%", "61", "68", "increase"),
            ("Complaints from customers in arrears", "adoption_health", "per month", "14", "7", "decrease"),
        ],
        "override": ("high", "The ranking decides who in financial difficulty gets called and when; it may "
                             "deprioritise vulnerable customers. Treat as High until a fairness review is done."),
    },
    {
        "unit": "FIN", "status": "withdrawn", "stage": "exploration", "tier": "low",
        "title": "Supplier-risk news monitoring",
        "summary": "An agent that reads news and filings about key suppliers and raises risk alerts.",
        "problem_statement": "Procurement learns about supplier insolvencies and sanctions from the news, too late "
                             "to switch supply.",
        "strategic_outcome": "Stronger risk and compliance posture", "portfolio_bucket": "knowledge_retrieval",
        "outcome_baseline": "20% of supplier incidents spotted before they hit supply",
        "outcome_target": "60% spotted before impact",
        "outcome_time_horizon": "12 months", "business_owner": "fin.owner",
        "data_sources": "Public news feeds, company registries, sanctions lists",
        "data_classification": "public", "personal_data": "none",
        "exposure": "internal_small", "expected_users": 10, "integrations": "Coupa supplier records",
        "release_in_days": 200, "ai_pattern": "agent",
        "autonomy": "human_monitoring", "decision_impact": "none",
        "kpis": [("Supplier incidents spotted before impact", "business_outcome", "%", "20", "60", "increase")],
    },
    {
        "unit": "FIN", "status": "rejected", "stage": "stopped", "tier": "high",
        "title": "Autonomous payment-run agent",
        "summary": "An agent that prepares, approves and releases the weekly supplier payment run by itself.",
        "problem_statement": "Preparing the weekly payment run takes two people two days and duplicate payments "
                             "still slip through.",
        "strategic_outcome": "Lower cost to serve", "portfolio_bucket": "employee_productivity",
        "outcome_baseline": "16 hours per payment run; 5 duplicate payments a quarter",
        "outcome_target": "2 hours per run; no duplicate payments",
        "outcome_time_horizon": "6 months", "business_owner": "fin.owner",
        "data_sources": "Vendor master with bank details, approved invoices, treasury balances",
        "data_classification": "restricted", "personal_data": "personal",
        "exposure": "internal_small", "expected_users": 4, "integrations": "SAP S/4HANA, banking gateway",
        "release_in_days": 90, "ai_pattern": "agent",
        "autonomy": "automated", "decision_impact": "none",
        "kpis": [
            ("Payment-run preparation time", "process_efficiency", "hours", "16", "2", "decrease"),
            ("Duplicate payments", "business_outcome", "per quarter", "5", "0", "decrease"),
        ],
    },
    {
        "unit": "FIN", "status": "draft", "stage": "exploration", "tier": None,
        "title": "Contract clause extraction for procurement",
        "summary": "Pull renewal dates, liability caps and termination terms out of supplier contracts.",
        "problem_statement": "Renewal dates are missed because contract terms live only in signed PDFs.",
        "strategic_outcome": "Stronger risk and compliance posture", "portfolio_bucket": "knowledge_retrieval",
        "business_owner": "fin.owner",
        "data_sources": "Contract repository (signed PDFs)",
        "data_classification": "confidential", "personal_data": "none",
        "ai_pattern": "document_processing",
    },
    # --- People --------------------------------------------------------------------------
    {
        "unit": "HR", "status": "approved", "stage": "pilot", "tier": "high",
        "title": "CV screening assistant",
        "summary": "Ranks applications against the job's must-have criteria and explains each ranking to the "
                   "recruiter.",
        "problem_statement": "Popular roles get 600 applications; recruiters take twelve days to shortlist and "
                             "good candidates accept other offers.",
        "strategic_outcome": "Better employee experience", "portfolio_bucket": "regulated_decision_support",
        "outcome_baseline": "12 days from closing date to shortlist", "outcome_target": "5 days",
        "outcome_time_horizon": "12 months",
        "outcome_constraints": "A recruiter reviews every application; no automatic rejection; bias tested "
                               "before each role family goes live.",
        "business_owner": "hr.owner",
        "data_sources": "Applicant tracking system: CVs, application answers, job descriptions",
        "data_classification": "confidential", "personal_data": "personal",
        "exposure": "external", "expected_users": 30, "integrations": "Workday Recruiting",
        "release_in_days": 75, "ai_pattern": "predictive",
        "autonomy": "human_review", "decision_impact": "informs", "regulated_area": "employment",
        "kpis": [
            ("Time to shortlist", "process_efficiency", "days", "12", "5", "decrease"),
            ("Adverse-impact ratio across groups", "model_quality", "ratio", "0.80", "0.90", "increase"),
            ("Hiring-manager satisfaction", "adoption_health", "score out of 5", "3.4", "4.2", "increase"),
        ],
        "pilot": ((3, 3, 3, 2, 2, 2, 2, 1, 3, 2, 2, 2), "Moderate: high value, but risk exposure needs the "
                                                          "bias-testing plan before the pilot."),
    },
    {
        "unit": "HR", "status": "approved", "stage": "scaled", "tier": "low",
        "title": "HR policy assistant chatbot",
        "summary": "Answers employees' questions on leave, benefits and policies, citing the policy page.",
        "problem_statement": "The HR service desk gets 1,200 policy questions a month whose answers are already "
                             "on the intranet.",
        "strategic_outcome": "Better employee experience", "portfolio_bucket": "knowledge_retrieval",
        "outcome_baseline": "1,200 policy tickets a month", "outcome_target": "600 a month",
        "outcome_time_horizon": "6 months",
        "outcome_constraints": "Answers only from published policies; personal cases go to HR.",
        "business_owner": "hr.owner",
        "data_sources": "Published HR policies and benefits pages",
        "data_classification": "internal", "personal_data": "none",
        "exposure": "internal_wide", "expected_users": 6500, "integrations": "Microsoft Teams, ServiceNow HR",
        "release_in_days": -210, "ai_pattern": "chatbot", "generates_content": True,
        "autonomy": "assists", "decision_impact": "none",
        "kpis": [
            ("HR policy tickets", "business_outcome", "per month", "1200", "600", "decrease"),
            ("Grounded answers in weekly sample", "model_quality", "%", "88", "97", "increase"),
            ("Monthly active users", "adoption_health", "people", "900", "2500", "increase"),
        ],
        "pilot": ((3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 2, 3), "Strong candidate; low risk, content already curated."),
    },
    {
        "unit": "HR", "status": "submitted", "stage": "exploration", "tier": "high",
        "title": "Attrition-risk prediction",
        "summary": "Predicts which teams and roles are at risk of regretted attrition to target retention work.",
        "problem_statement": "Regretted attrition in engineering and sales is 11% and exit interviews come too "
                             "late to act on.",
        "strategic_outcome": "Better employee experience", "portfolio_bucket": "regulated_decision_support",
        "outcome_baseline": "11% regretted attrition", "outcome_target": "9% regretted attrition",
        "outcome_time_horizon": "18 months",
        "outcome_constraints": "Team-level insight only to managers; no individual scores shown.",
        "business_owner": "hr.owner",
        "data_sources": "HRIS records, engagement survey results, compensation history",
        "data_classification": "confidential", "personal_data": "personal",
        "exposure": "internal_small", "expected_users": 15, "integrations": "Workday, data warehouse",
        "release_in_days": 240, "ai_pattern": "predictive",
        "autonomy": "human_review", "decision_impact": "informs", "regulated_area": "employment",
        "kpis": [("Regretted attrition", "business_outcome", "%", "11", "9", "decrease")],
    },
    {
        # Submitted without naming a prohibited practice; the governance admin finds one (EU AI Act
        # Article 5(1)(f)) and overrides the tier to prohibited, which rejects it.
        "unit": "HR", "status": "rejected", "stage": "exploration", "tier": "high",
        "title": "Agent wellbeing voice analytics",
        "summary": "Scores contact-centre agents' stress and mood from their voices on calls, for team leads.",
        "problem_statement": "Team leads learn of burnout only at exit interviews; attrition costs two months' "
                             "salary per agent.",
        "strategic_outcome": "Better employee experience", "portfolio_bucket": "regulated_decision_support",
        "outcome_baseline": "38% annual agent attrition", "outcome_target": "30% annual agent attrition",
        "outcome_time_horizon": "12 months", "business_owner": "hr.owner",
        "data_sources": "Call audio, agent roster, schedule adherence",
        "data_classification": "restricted", "personal_data": "special_category",
        "exposure": "internal_small", "expected_users": 25, "integrations": "Genesys Cloud, Workday",
        "release_in_days": 200, "ai_pattern": "predictive",
        "autonomy": "human_review", "decision_impact": "informs", "regulated_area": "employment",
        "kpis": [("Annual agent attrition", "business_outcome", "%", "38", "30", "decrease")],
        "override": ("prohibited", "It infers workers' emotions from their voices at work: a practice the EU AI "
                                   "Act prohibits (Article 5(1)(f)), whatever the safeguards."),
    },
    {
        "unit": "HR", "status": "submitted", "stage": "exploration", "tier": "medium",
        "title": "Interview scheduling agent",
        "summary": "Finds slots across interview panels, emails candidates and reschedules on request.",
        "problem_statement": "Recruiting coordinators spend four days on average arranging each interview loop.",
        "strategic_outcome": "Better employee experience", "portfolio_bucket": "employee_productivity",
        "outcome_baseline": "4 days to schedule an interview loop", "outcome_target": "1 day",
        "outcome_time_horizon": "6 months", "business_owner": "hr.owner",
        "data_sources": "Interviewer calendars, candidate contact details",
        "data_classification": "internal", "personal_data": "personal",
        "exposure": "external", "expected_users": 2000, "integrations": "Microsoft 365 calendars, Workday Recruiting",
        "release_in_days": 120, "ai_pattern": "agent", "generates_content": True,
        "autonomy": "human_monitoring", "decision_impact": "none",
        "kpis": [
            ("Time to schedule an interview loop", "process_efficiency", "days", "4", "1", "decrease"),
            ("Candidate satisfaction with scheduling", "adoption_health", "%", "70", "85", "increase"),
        ],
    },
    {
        "unit": "HR", "status": "approved", "stage": "retired", "tier": "low",
        "title": "Onboarding FAQ bot (first generation)",
        "summary": "Rule-based and retrieval FAQ bot for new starters; replaced by the HR policy assistant.",
        "problem_statement": "New starters asked their managers the same first-week questions again and again.",
        "strategic_outcome": "Better employee experience", "portfolio_bucket": "knowledge_retrieval",
        "outcome_baseline": "30% of new-starter questions answered by the bot",
        "outcome_target": "50% answered by the bot",
        "outcome_time_horizon": "6 months", "business_owner": "hr.owner",
        "data_sources": "Onboarding guide and first-week checklist",
        "data_classification": "internal", "personal_data": "none",
        "exposure": "internal_small", "expected_users": 150, "integrations": "Microsoft Teams",
        "release_in_days": -540, "ai_pattern": "chatbot", "generates_content": True,
        "autonomy": "assists", "decision_impact": "none",
        "kpis": [("New-starter questions answered by the bot", "adoption_health", "%", "30", "50", "increase")],
    },
    {
        "unit": "HR", "status": "draft", "stage": "exploration", "tier": None,
        "title": "Personalised learning recommendations",
        "summary": "Suggest courses from the learning catalogue based on role, skills profile and goals.",
        "problem_statement": "Only 20% of staff use their training budget; the catalogue is hard to navigate.",
        "strategic_outcome": "Better employee experience", "portfolio_bucket": "employee_productivity",
        "business_owner": "hr.owner", "delivery_owner": None,
    },
    # --- Engineering ---------------------------------------------------------------------
    {
        "unit": "ENG", "status": "approved", "stage": "scaled", "tier": "low",
        "title": "Code review copilot",
        "summary": "Comments on pull requests with likely bugs, missing tests and security smells; the reviewer "
                   "decides what to act on.",
        "problem_statement": "Pull requests wait 30 hours on average for review and reviewers miss routine "
                             "issues in large diffs.",
        "strategic_outcome": "Faster software delivery", "portfolio_bucket": "software_engineering",
        "outcome_baseline": "30 hours pull-request cycle time", "outcome_target": "18 hours",
        "outcome_time_horizon": "6 months",
        "outcome_constraints": "Source code is not used to train vendor models.",
        "business_owner": "eng.owner",
        "data_sources": "Source repositories, pull-request history, static-analysis results",
        "data_classification": "confidential", "personal_data": "none",
        "exposure": "internal_wide", "expected_users": 650, "integrations": "GitHub Enterprise, SonarQube",
        "release_in_days": -180, "ai_pattern": "copilot", "generates_content": True,
        "autonomy": "assists", "decision_impact": "none",
        "kpis": [
            ("Pull-request cycle time", "process_efficiency", "hours", "30", "18", "decrease"),
            ("Suggestions accepted", "adoption_health", "%", "22", "35", "increase"),
            ("Escaped defects", "business_outcome", "per release", "9", "6", "decrease"),
        ],
        "pilot": ((3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 2), "Strong candidate; confirm vendor data terms at rollout."),
    },
    {
        "unit": "ENG", "status": "approved", "stage": "controlled_rollout", "tier": "low",
        "title": "Internal knowledge-base chatbot",
        "summary": "Answers staff questions from Confluence, SharePoint and engineering runbooks, with sources.",
        "problem_statement": "Staff spend about 15 minutes hunting for each answer across three wikis, and "
                             "runbooks are found too slowly during incidents.",
        "strategic_outcome": "Better employee experience", "portfolio_bucket": "knowledge_retrieval",
        "outcome_baseline": "15 minutes to find an answer", "outcome_target": "Under 3 minutes",
        "outcome_time_horizon": "9 months",
        "outcome_constraints": "Answers respect the source system's access rights.",
        "business_owner": "eng.owner",
        "data_sources": "Confluence, SharePoint intranet, runbooks repository",
        "data_classification": "confidential", "personal_data": "personal",
        "exposure": "internal_wide", "expected_users": 6500, "integrations": "Confluence, SharePoint, Slack",
        "release_in_days": -15, "ai_pattern": "chatbot", "generates_content": True,
        "autonomy": "assists", "decision_impact": "none",
        "kpis": [
            ("Time to find an answer", "process_efficiency", "minutes", "15", "3", "decrease"),
            ("Grounded answers in weekly sample", "model_quality", "%", "85", "95", "increase"),
            ("Weekly active users", "adoption_health", "people", "300", "1500", "increase"),
        ],
        "override": ("medium", "It indexes confidential HR and finance pages for the whole organisation; one "
                               "access-rights bug would leak them widely. Needs privacy and architecture review."),
        "pilot": ((3, 3, 3, 3, 3, 2, 3, 2, 3, 3, 3, 3), "Strong candidate; permission-aware retrieval is the risk."),
    },
    {
        "unit": "ENG", "status": "in_review", "stage": "exploration", "tier": "low",
        "title": "Incident postmortem drafting",
        "summary": "Drafts the postmortem timeline and contributing factors from the incident channel and alerts.",
        "problem_statement": "Postmortems take nine days to publish, so lessons reach other teams after the "
                             "next similar incident.",
        "strategic_outcome": "Faster software delivery", "portfolio_bucket": "software_engineering",
        "outcome_baseline": "9 days to publish a postmortem", "outcome_target": "3 days",
        "outcome_time_horizon": "3 months", "business_owner": "eng.owner",
        "data_sources": "Incident Slack channels, PagerDuty alerts, deployment log",
        "data_classification": "internal", "personal_data": "none",
        "exposure": "internal_small", "expected_users": 80, "integrations": "Slack, PagerDuty, Confluence",
        "release_in_days": 60, "ai_pattern": "copilot", "generates_content": True,
        "autonomy": "assists", "decision_impact": "none",
        "kpis": [("Days to publish a postmortem", "process_efficiency", "days", "9", "3", "decrease")],
    },
    {
        "unit": "ENG", "status": "approved", "stage": "pilot", "tier": "low",
        "title": "Test-case generation agent",
        "summary": "Proposes unit tests for untested code paths as pull requests that engineers review and merge.",
        "problem_statement": "Legacy services sit at 58% unit-test coverage, which slows every change to them.",
        "strategic_outcome": "Faster software delivery", "portfolio_bucket": "software_engineering",
        "outcome_baseline": "58% unit-test coverage on legacy services", "outcome_target": "75% coverage",
        "outcome_time_horizon": "6 months", "business_owner": "eng.owner",
        "data_sources": "Source repositories, coverage reports",
        "data_classification": "confidential", "personal_data": "none",
        "exposure": "internal_small", "expected_users": 60, "integrations": "GitHub Enterprise, CI pipelines",
        "release_in_days": 30, "ai_pattern": "agent",
        "autonomy": "human_review", "decision_impact": "none",
        "kpis": [
            ("Unit-test coverage on legacy services", "business_outcome", "%", "58", "75", "increase"),
            ("Generated tests merged", "adoption_health", "%", "30", "60", "increase"),
        ],
    },
    {
        "unit": "ENG", "status": "approved", "stage": "controlled_rollout", "tier": "medium",
        "title": "Cloud cost anomaly auto-remediation",
        "summary": "Detects idle and runaway cloud resources and shuts them down automatically in non-production.",
        "problem_statement": "Forgotten test environments and runaway jobs waste about EUR 85k of cloud spend a "
                             "month.",
        "strategic_outcome": "Lower cost to serve", "portfolio_bucket": "software_engineering",
        "outcome_baseline": "EUR 85k monthly cloud waste", "outcome_target": "EUR 40k monthly",
        "outcome_time_horizon": "6 months",
        "outcome_constraints": "Only resources tagged auto-remediate; production is out of scope.",
        "business_owner": "eng.owner",
        "data_sources": "Cloud billing export, resource tags, utilisation metrics",
        "data_classification": "internal", "personal_data": "none",
        "exposure": "internal_small", "expected_users": 40, "integrations": "AWS Cost Explorer, Terraform Cloud",
        "release_in_days": -10, "ai_pattern": "agent",
        "autonomy": "automated", "decision_impact": "none",
        "kpis": [
            ("Monthly cloud waste", "business_outcome", "EUR k", "85", "40", "decrease"),
            ("Resources stopped in error", "platform_reliability", "per month", "3", "0", "decrease"),
        ],
        "override": ("low", "Acts only on tagged non-production resources under a spend cap, with no personal data "
                            "and no customer impact; every action can be undone in one click."),
    },
]

# (key, label, model) of what the summary counts.
# Vendors and registry models each demo use case depends on. Use cases past the
# pilot gate only name approved vendors (the gate demands it); a few show the
# flags: a deprecated or under-classified model, a vendor still under assessment.
NORTHWIND_ATLAS = ("Northwind AI", "Northwind Atlas", "4.1")
NORTHWIND_MINI = ("Northwind AI", "Northwind Atlas Mini", "4.1")
KESTREL_70B = ("Kestrel Open Models", "Kestrel Instruct 70B", "2.0")
DEPENDENCIES: dict[str, dict[str, list]] = {
    "Customer-support reply copilot": {"vendors": ["Northwind AI"], "ai_models": [NORTHWIND_ATLAS]},
    "Call summarisation for agents": {"ai_models": [KESTREL_70B]},
    "Customer self-service chatbot": {"vendors": ["Northwind AI"], "ai_models": [NORTHWIND_MINI]},
    "Churn prediction for subscription customers": {
        "vendors": ["Fernleaf Analytics"], "ai_models": [("Fernleaf Analytics", "Fernleaf Forecast", "2025.2")]},
    "Complaint triage and routing": {"ai_models": [("Kestrel Open Models", "Kestrel Instruct 8B", "1.2")]},
    "Invoice document processing": {"ai_models": [KESTREL_70B]},
    "Credit-limit scoring for sole-trader customers": {"vendors": ["Fernleaf Analytics"]},
    "Expense-claim anomaly detection": {
        "vendors": ["Fernleaf Analytics"], "ai_models": [("Fernleaf Analytics", "Fernleaf Forecast", "2025.2")]},
    "Month-end close variance commentary": {"ai_models": [NORTHWIND_MINI]},
    "Collections call prioritisation": {"ai_models": [("Northwind AI", "Northwind Atlas", "3.5")]},
    "Supplier-risk news monitoring": {"vendors": ["Saltmarsh Translate"]},
    "Autonomous payment-run agent": {
        "vendors": ["Cobalt Harbor Labs"], "ai_models": [("Cobalt Harbor Labs", "Harbor Chat", "1.0")]},
    "Contract clause extraction for procurement": {"vendors": ["Quillstone Documents"]},
    "CV screening assistant": {"vendors": ["Harrow Talent AI"]},
    "HR policy assistant chatbot": {"ai_models": [NORTHWIND_MINI]},
    "Interview scheduling agent": {"vendors": ["Brightwater Voice"]},
    "Code review copilot": {"ai_models": [KESTREL_70B]},
    "Internal knowledge-base chatbot": {"vendors": ["Northwind AI"], "ai_models": [NORTHWIND_ATLAS]},
}

COUNTED = [
    ("business_units", "Business units", BusinessUnit),
    ("strategic_outcomes", "Strategic outcomes", StrategicOutcome),
    ("users", "Users", None),
    ("use_cases", "Use cases", UseCase),
    ("kpis", "KPIs", KPI),
    ("tier_assessments", "Tier assessments", TierAssessment),
    ("pilot_selections", "Pilot selections", PilotSelection),
    ("events", "Use-case events", UseCaseEvent),
]


def seed_people() -> dict[str, Any]:
    """Business units, strategic outcomes and the demo logins (with their org roles)."""
    _seed_business_units()
    _seed_strategic_outcomes()
    return _seed_users()


def seed_use_case_drafts(users: dict[str, Any]) -> list[tuple[UseCase, dict[str, Any]]]:
    """Create the missing demo use cases as drafts; returns the new ones with their specs.

    Moving them on (submission, reviews, gates) is the review workflow's job:
    see ``reviews.demo``, called by the ``seed_demo`` command.
    """
    refs = {
        "unit": {u.code: u for u in BusinessUnit.objects.all()},
        "strategic_outcome": {o.name: o for o in StrategicOutcome.objects.all()},
        "portfolio_bucket": {b.code: b for b in PortfolioBucket.objects.all()},
    }
    created = []
    for spec in USE_CASES:
        # Keyed on title: an existing use case is left exactly as it is.
        if not UseCase.objects.filter(title=spec["title"]).exists():
            created.append((_create_use_case(spec, users, refs), spec))
    return created


def _seed_business_units() -> None:
    for code, name in BUSINESS_UNITS:
        BusinessUnit.objects.get_or_create(code=code, defaults={"name": name})


def _seed_strategic_outcomes() -> None:
    for name, description in STRATEGIC_OUTCOMES:
        StrategicOutcome.objects.get_or_create(name=name, defaults={"description": description})


def _seed_users() -> dict[str, Any]:
    return {spec["username"]: _seed_user(spec) for spec in USERS}


def _seed_user(spec: dict[str, Any]):
    """Get or create one demo user; the demo password is set only on creation."""
    defaults = {
        "first_name": spec["first_name"],
        "last_name": spec["last_name"],
        "email": f"{spec['first_name']}.{spec['last_name']}@{EMAIL_DOMAIN}".lower().replace("'", ""),
        "is_staff": spec["username"] in STAFF,
        "is_superuser": spec.get("is_superuser", False),
    }
    user, created = get_user_model().objects.get_or_create(username=spec["username"], defaults=defaults)
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    _join_groups(user, [ROLE_GROUPS[user.username]] if user.username in ROLE_GROUPS else [])
    if spec.get("unit"):
        unit = BusinessUnit.objects.get(code=spec["unit"])
        # Checked first: adding an existing member would still write a history row.
        if not unit.members.filter(pk=user.pk).exists():
            unit.members.add(user)
    return user


def _join_groups(user, names) -> None:
    """Org roles are groups (seeded by migration intake/0004)."""
    missing = Group.objects.filter(name__in=names).exclude(user=user)
    user.groups.add(*missing)


def _answers(spec: dict[str, Any], users: dict[str, Any], refs: dict[str, dict]) -> dict[str, Any]:
    """The intake answers of a USE_CASES entry, with names resolved to rows."""
    answers = {key: value for key, value in {**ANSWER_DEFAULTS, **spec}.items() if key not in META_KEYS}
    for name in USER_ANSWERS:
        if answers.get(name):
            answers[name] = users[answers[name]]
    for name in ("strategic_outcome", "portfolio_bucket"):
        if answers.get(name):
            answers[name] = refs[name][answers[name]]
    if "release_in_days" in spec:
        answers["target_release"] = timezone.localdate() + datetime.timedelta(days=spec["release_in_days"])
    return answers


def _create_use_case(spec: dict[str, Any], users: dict[str, Any], refs: dict[str, dict]) -> UseCase:
    return services.use_case_create(
        actor=submitter_of(spec, users),
        business_unit=refs["unit"][spec["unit"]],
        answers={**_answers(spec, users, refs), **_dependencies(spec["title"])},
        kpis=[dict(zip(services.KPI_FIELDS, row, strict=True)) for row in spec.get("kpis", ())],
    )


def submitter_of(spec: dict[str, Any], users: dict[str, Any]):
    return users[SUBMITTERS[spec["unit"]]]


def _dependencies(title: str) -> dict[str, list]:
    """The registry entries a demo use case names (seeded by vendors.demo first)."""
    wanted = DEPENDENCIES.get(title, {})
    vendors = list(Vendor.objects.filter(name__in=wanted.get("vendors", ())))
    models = [AIModel.objects.get(provider__name=p, name=n, version=v) for p, n, v in wanted.get("ai_models", ())]
    return {"vendors": vendors, "ai_models": models} if wanted else {}
