"""Submitter-facing intake pages.

Every read goes through ``intake.permissions`` (lists are filtered there,
single use cases 404 when not visible) and every write through
``intake.services``; the views only glue forms to those two.
"""

from .raci import use_case_raci
from .usecases import (
    use_case_detail,
    use_case_edit,
    use_case_list,
    use_case_new,
    use_case_override_tier,
    use_case_pilot_selection,
    use_case_submit,
    use_case_withdraw,
)

__all__ = [
    "use_case_detail",
    "use_case_edit",
    "use_case_list",
    "use_case_new",
    "use_case_override_tier",
    "use_case_pilot_selection",
    "use_case_raci",
    "use_case_submit",
    "use_case_withdraw",
]
