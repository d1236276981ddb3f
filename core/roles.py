"""Organisation roles held by group membership, not by a permission someone could grant one by one.

A governance admin is a superuser or a member of the ``governance_admins`` group: the role that may
override, repair and step in on every record, whatever its RACI says (docs/permissions.md).
"""

from __future__ import annotations

GOVERNANCE_ADMINS = "governance_admins"


def group_names(user) -> frozenset[str]:
    """The names of the user's groups, read once per user object (as Django caches permissions)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_stagegate_group_names", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._stagegate_group_names = cached
    return cached


def is_governance_admin(user) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_superuser or GOVERNANCE_ADMINS in group_names(user)
