"""The demo portfolio: every demo use case, by business unit, and what each depends on.

Each entry holds intake answers (users by username, outcome by name, bucket by code, release as days
from today: ``release_in_days``) and, apart from them: ``unit`` (business-unit code), the ``status``
and ``stage`` the demo takes it to through the services, the ``tier`` risk-tier matrix v1 computes
from its answers, ``kpis`` as (name, category, unit, baseline, target, direction), an optional
``override`` (tier, justification) by the governance admin, an optional ``pilot`` score
(12 scores in PILOT_CRITERIA order, note) by the PMO, and an optional ``hold`` that leaves it waiting at
its next gate (``gate_reviews``: its gate re-reviews asked for and open; ``expired_acceptance``: a risk
over threshold whose acceptance has run out).
"""

from __future__ import annotations

from typing import Any

from .customer_operations import CUSTOMER_OPERATIONS
from .engineering import ENGINEERING
from .finance import FINANCE
from .hr import HR

USE_CASES: list[dict[str, Any]] = [*CUSTOMER_OPERATIONS, *FINANCE, *HR, *ENGINEERING]
# Keys of an entry that are not intake answers.
META_KEYS = frozenset({"unit", "status", "stage", "tier", "kpis", "override", "pilot", "release_in_days", "hold"})

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
