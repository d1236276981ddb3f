"""Writes for the intake app. Pages, admin and API all call these."""

from intake.models import PILOT_CRITERIA

from .matrix import matrix_publish
from .raci import OWNER_FIELDS, RaciRefused, grants_recompute, raci_set, raci_sync_defaults
from .usecases import (
    DEPENDENCY_FIELDS,
    KPI_FIELDS,
    REQUIRED_FOR_SUBMIT,
    TIER_INPUTS,
    dependency_ids,
    pilot_selection_record,
    tier_answers,
    use_case_create,
    use_case_missing_fields,
    use_case_override_tier,
    use_case_owner_problems,
    use_case_set_stage,
    use_case_set_status,
    use_case_submit,
    use_case_update,
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
    "use_case_override_tier",
    "use_case_owner_problems",
    "use_case_set_stage",
    "use_case_set_status",
    "use_case_submit",
    "use_case_update",
    "use_case_withdraw",
]
