"""Writes of the intake app. Pages, admin and API all call these; each checks its own permission.

Submitting, changing answers and overriding the tier are ``reviews.services`` (they open reviews).
"""

from intake.models import PILOT_CRITERIA
from intake.steps import (
    DEPENDENCY_FIELDS,
    KPI_FIELDS,
    REQUIRED_FOR_SUBMIT,
    TIER_INPUTS,
    tier_answers,
    use_case_missing_fields,
)

from .matrix import matrix_publish
from .raci import OWNER_FIELDS, RaciRefused, grants_recompute, raci_set, raci_sync_defaults
from .usecases import (
    dependency_ids,
    pilot_selection_record,
    use_case_create,
    use_case_owner_problems,
    use_case_withdraw,
)

__all__ = [
    "DEPENDENCY_FIELDS",
    "KPI_FIELDS",
    "OWNER_FIELDS",
    "PILOT_CRITERIA",
    "REQUIRED_FOR_SUBMIT",
    "TIER_INPUTS",
    "RaciRefused",
    "dependency_ids",
    "grants_recompute",
    "matrix_publish",
    "pilot_selection_record",
    "raci_set",
    "raci_sync_defaults",
    "tier_answers",
    "use_case_create",
    "use_case_missing_fields",
    "use_case_owner_problems",
    "use_case_withdraw",
]
