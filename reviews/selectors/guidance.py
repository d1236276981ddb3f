"""The playbook's guidance shown beside each score: editable reference data, read for the pages."""

from __future__ import annotations

from reviews.models import RiskAreaGuidance


def risk_area_guidance() -> dict[str, RiskAreaGuidance]:
    """Each risk area's guidance (default owner role, what good control looks like), by area key."""
    return {guidance.area: guidance for guidance in RiskAreaGuidance.objects.all()}
