"""Who may do what in the vendors app: one ``require`` for every write service, ``can`` for what an edge shows.

The rule is the vendor permissions the org groups hold (migration vendors/0005, editable in admin):
procurement runs due diligence (every vendor permission but delete), security and legal rate
assessments beside it (change on assessments and their ratings), every other role only looks the
registry up. Governance admins (``core.roles``) may do everything.
"""

from __future__ import annotations

from enum import StrEnum

from django.core.exceptions import PermissionDenied

from core.roles import is_governance_admin


class Action(StrEnum):
    START = "start"  # open a due-diligence assessment of a vendor
    ASSIGN = "assign"  # give an assessment to an assessor
    RATE = "rate"  # record checklist ratings
    COMPLETE = "complete"  # decide the assessment; the outcome lands on the vendor
    OFFBOARD = "offboard"
    SET_STATUS = "set_status"  # withdraw or restore a vendor's approval
    SET_MODEL_STATUS = "set_model_status"  # approve, restrict, deprecate or ban a registry model
    VIEW_ASSESSMENTS = "view_assessments"  # due diligence: notes, conditions, assessor
    VIEW_EVIDENCE = "view_evidence"  # a certification's evidence or a rating's attachment (obj)


# Every permission of a tuple is needed; completing also changes the vendor (its status, expiry).
_NEEDS: dict[Action, tuple[str, ...]] = {
    Action.START: ("vendors.add_vendorassessment",),
    Action.ASSIGN: ("vendors.change_vendorassessment",),
    Action.RATE: ("vendors.change_assessmentrating",),
    Action.COMPLETE: ("vendors.change_vendorassessment", "vendors.change_vendor"),
    Action.OFFBOARD: ("vendors.change_vendor",),
    Action.SET_STATUS: ("vendors.change_vendor",),
}
# Governance admins only: a model's status flags every live use case that calls it.
_ADMIN_ONLY = (Action.SET_MODEL_STATUS,)
# Any one permission of a tuple will do: what the admin shows a record to (view or change).
_ANY: dict[Action, tuple[str, ...]] = {
    Action.VIEW_ASSESSMENTS: ("vendors.view_vendorassessment", "vendors.change_vendorassessment"),
}
# The models whose files are evidence: a certification's, a rating's attachment.
_EVIDENCE_OWNERS = ("vendors.certification", "vendors.assessmentrating")

_ASSESSORS = "procurement, the assessors (security, legal) and governance admins"
REASONS: dict[Action, str] = {
    Action.START: "Only procurement and governance admins start vendor assessments.",
    Action.ASSIGN: f"Only {_ASSESSORS} assign vendor assessments.",
    Action.RATE: f"Only {_ASSESSORS} rate vendor assessments.",
    Action.COMPLETE: "Only procurement and governance admins complete vendor assessments.",
    Action.OFFBOARD: "Only procurement and governance admins offboard vendors.",
    Action.SET_STATUS: "Only procurement and governance admins change a vendor's status.",
    Action.SET_MODEL_STATUS: "Only governance admins change the status of a model in the registry.",
    Action.VIEW_ASSESSMENTS: ("Vendor assessments are shown only to the org roles (procurement, the review "
                              "functions, the PMO, executive sponsors) and governance admins."),
    Action.VIEW_EVIDENCE: "Only those who may see this vendor record in admin download its evidence.",
}


def can(user, action: Action, obj=None) -> bool:
    """Whether ``user`` may take ``action`` (on ``obj``, for evidence)."""
    if not (getattr(user, "is_authenticated", False) and user.is_active):
        return False
    if is_governance_admin(user):
        return True
    if action in _ADMIN_ONLY:
        return False
    if action == Action.VIEW_EVIDENCE:
        if obj is None or obj._meta.label_lower not in _EVIDENCE_OWNERS:
            return False
        name = obj._meta.model_name
        return user.has_perm(f"vendors.view_{name}") or user.has_perm(f"vendors.change_{name}")
    if action in _ANY:
        return any(user.has_perm(perm) for perm in _ANY[action])
    return user.has_perms(_NEEDS[action])


def require(user, action: Action, obj=None) -> None:
    """The first call of every vendors write service: PermissionDenied, with why, unless ``can``."""
    if not can(user, action, obj):
        raise PermissionDenied(REASONS[action])
