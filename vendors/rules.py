"""Pure vendor and model-registry rules: no database, no side effects.

Intake calls these to flag use cases that name an unfit model and at the
Pilot -> Controlled rollout gate, so they take plain values and duck-typed
objects and never import intake.
"""

from __future__ import annotations

import datetime
from typing import Protocol

from vendors.choices import (
    APPROVED_STATUSES,
    CLASSIFICATION_ORDER,
    PROHIBITED_TIER,
    TIER_ORDER,
    DataClassification,
    EffectiveStatus,
    ModelStatus,
    RiskTier,
)


class _Model(Protocol):
    status: str
    max_data_classification: str
    max_tier: str


class _Vendor(Protocol):
    status: str
    approval_expires: datetime.date | None


def effective_status(status: str, approval_expires: datetime.date | None, today: datetime.date) -> str:
    """The status as it stands today: an approval past its expiry shows as expired."""
    if status in APPROVED_STATUSES and approval_expires is not None and approval_expires < today:
        return EffectiveStatus.APPROVAL_EXPIRED
    return status


def vendor_is_approved(vendor: _Vendor, today: datetime.date) -> bool:
    """May the vendor be used today: approved (with or without conditions) and not expired."""
    if vendor.status not in APPROVED_STATUSES:
        return False
    return vendor.approval_expires is None or vendor.approval_expires >= today


def model_fit_problems(model: _Model, *, data_classification: str | None, tier: str | None) -> list[str]:
    """Every reason ``model`` may not serve a use case of this classification and tier, as sentences.

    An empty list means the model fits. Unknown or missing answers count as a
    problem: a use case must not pass the check because it was left blank.
    """
    problems: list[str] = []
    if model.status == ModelStatus.BANNED:
        problems.append(f"{model} is banned and may not be used.")
    elif model.status == ModelStatus.DEPRECATED:
        problems.append(f"{model} is deprecated; move to a supported model.")
    problems.extend(_classification_problems(model, data_classification))
    problems.extend(_tier_problems(model, tier))
    return problems


def _classification_problems(model: _Model, data_classification: str | None) -> list[str]:
    if data_classification not in CLASSIFICATION_ORDER:
        return [f"The data classification is not set, so {model} cannot be checked against it."]
    if CLASSIFICATION_ORDER[data_classification] <= CLASSIFICATION_ORDER.get(model.max_data_classification, -1):
        return []
    allowed = _label(DataClassification, model.max_data_classification).lower()
    wanted = DataClassification(data_classification).label.lower()
    return [f"{model} is approved for data up to {allowed}; this use case handles {wanted} data."]


def _tier_problems(model: _Model, tier: str | None) -> list[str]:
    if tier not in TIER_ORDER:
        return [f"The risk tier is not set, so {model} cannot be checked against it."]
    if TIER_ORDER[tier] <= TIER_ORDER.get(model.max_tier, -1):
        return []
    allowed = _label(RiskTier, model.max_tier).lower()
    if tier == PROHIBITED_TIER:
        return [f"{model} is approved for use cases up to {allowed} risk; this use case is prohibited."]
    wanted = RiskTier(tier).label.lower()
    return [f"{model} is approved for use cases up to {allowed} risk; this use case is {wanted} risk."]


def _label(choices, value: str) -> str:
    # A registry row with a value outside the choices fits nothing; show what it holds.
    return choices(value).label if value in choices.values else repr(value)
