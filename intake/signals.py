"""Signals that let a higher layer follow a use case without the lower one importing it."""

from django.dispatch import Signal

# Sent by the write services after a use case's answers, tier or stage changed, inside their transaction,
# with ``use_case`` (locked), ``actor`` and ``reason`` ("created", "submitted", "answers_changed",
# "tier_overridden"). The compliance layer re-evaluates which obligations apply.
use_case_changed = Signal()
