"""Signals that let a higher layer follow the registries without vendors importing it.

Sent by ``vendors.services`` inside the writing transaction, after the row is saved:

``model_status_changed``: ``model`` (the AIModel as saved), ``before`` (its previous status), ``actor``
(None for the scheduler) and ``note``.

``vendor_status_changed``: ``vendor``, ``before`` and ``status`` (effective statuses: an approval past its
expiry reads "approval_expired"), ``actor`` and ``note``.

The review layer flags the live use cases that depend on the model or vendor (reviews.receivers).
"""

from django.dispatch import Signal

model_status_changed = Signal()
vendor_status_changed = Signal()
