"""What an approval froze, and what has changed since.

Values are stored raw (choice values, not labels) so a relabelled choice
does not look like a change; labels are looked up when a diff is shown.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.utils.text import capfirst

from intake.models import UseCase
from intake.services import TIER_INPUTS

# Answers whose change invalidates an approval (the vendors and models it
# depends on included); old snapshots without
# a new key are not treated as changed.
APPROVAL_FIELDS: tuple[str, ...] = (*TIER_INPUTS, "data_sources", "vendors", "ai_models")
# Besides the answers, an approval is for a tier.
TIER_FIELD = "risk_tier"
NOT_ANSWERED = "Not answered"


def _raw(use_case: UseCase, name: str) -> Any:
    field = UseCase._meta.get_field(name)
    if field.many_to_many:
        return sorted(str(obj) for obj in getattr(use_case, name).all())
    if field.is_relation:
        related = getattr(use_case, name)
        return None if related is None else str(related)
    value = getattr(use_case, name)
    if isinstance(value, datetime.date | Decimal):
        return str(value)
    return value


def approval_snapshot(use_case: UseCase) -> dict[str, Any]:
    """The approval-relevant answers and tier of ``use_case``, JSON-ready."""
    return {name: _raw(use_case, name) for name in (*APPROVAL_FIELDS, TIER_FIELD)}


def field_label(name: str) -> str:
    return capfirst(UseCase._meta.get_field(name).verbose_name)


def display_value(name: str, value: Any) -> str:
    """A stored raw value as people read it: choice labels, Yes/No, lists."""
    field = UseCase._meta.get_field(name)
    if isinstance(value, list):
        return ", ".join(value) or "None"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if field.choices:
        labels = {str(key): str(label) for key, label in field.flatchoices}
        if value is not None and str(value) in labels:
            return labels[str(value)]
    if value in (None, ""):
        return NOT_ANSWERED
    return str(value)


def snapshot_diff(snapshot: dict[str, Any], use_case: UseCase) -> list[dict[str, str]]:
    """Each approval-relevant field that differs now: field, label, approved, now."""
    now = approval_snapshot(use_case)
    changes = []
    for name, current in now.items():
        if name not in snapshot or snapshot[name] == current:
            continue
        changes.append({
            "field": name,
            "label": field_label(name),
            "approved": display_value(name, snapshot[name]),
            "now": display_value(name, current),
        })
    return changes


def describe_diff(changes: list[dict[str, str]]) -> str:
    """'Data classification: Internal -> Restricted; Risk tier: Low -> Medium'."""
    return "; ".join(f"{c['label']}: {c['approved']} -> {c['now']}" for c in changes)
