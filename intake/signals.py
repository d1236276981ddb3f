"""Signals that let a higher layer follow a use case without the lower one importing it."""

from django.dispatch import Signal

# Sent by the write services after a use case's answers, tier or stage changed, inside their transaction,
# with ``use_case`` (locked), ``actor`` and ``reason`` ("submitted", "answers_changed", "tier_overridden").
# The compliance layer re-evaluates which obligations apply.
use_case_changed = Signal()

# Sent once new use cases have their RACI and grants (``intake.batch``: one page's use case, or an import
# file's), inside the creating transaction, with ``use_cases`` (a list) and ``actor``. The compliance layer
# opens their obligation registers.
use_cases_created = Signal()
