"""What the identity provider says about a person, applied here: groups, business units, access.

``idp_groups_set`` records a person's IdP groups (from an OIDC claim) and applies the mapping;
SCIM's Group member lists go through ``identity.provisioning``, which applies it likewise. Every change of a
managed membership is a ``MembershipSync`` row.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from identity.models import ExternalIdentity, IdpGroup, IdpGroupMapping, MembershipSync, SyncSource
from intake.models import BusinessUnit


def _clean_names(names: Iterable[str]) -> list[str]:
    return sorted({str(name).strip() for name in names if str(name).strip()})


@transaction.atomic
def idp_groups_set(*, user, names: Iterable[str], source: str) -> MembershipSync | None:
    """Make ``user`` a member of exactly these IdP groups (creating unknown ones), then apply the mapping.

    Called by the OIDC backend after it verified the ID token of ``user`` signing in, and by SCIM
    services after their own permission check: the caller is the IdP speaking about this person.
    """
    wanted = _clean_names(names)
    existing = {group.name: group for group in IdpGroup.objects.filter(name__in=wanted)}
    missing = [IdpGroup(name=name) for name in wanted if name not in existing]
    for group in missing:
        group.save()  # one by one: history rows for each
    idp_group_memberships_set(user=user, groups=[*existing.values(), *missing])
    return idp_groups_apply(user=user, source=source)


def idp_group_memberships_set(*, user, groups: Iterable[IdpGroup]) -> None:
    """Make ``user`` a member of exactly ``groups`` (the mapping is the caller's to apply).

    Through each group, never ``user.idp_groups``: the members history (simple_history) is the
    group's, and a change made from the user's side would be recorded on the user, which keeps none
    (it fails).
    """
    wanted = {group.pk: group for group in groups}
    have = {group.pk: group for group in user.idp_groups.all()}
    for pk in wanted.keys() - have.keys():
        wanted[pk].members.add(user)
    for pk in have.keys() - wanted.keys():
        have[pk].members.remove(user)


@transaction.atomic
def idp_groups_apply(*, user, source: str) -> MembershipSync | None:
    """Bring the user's managed groups and business units in line with their IdP groups.

    Returns the sync record, or None when nothing changed.
    """
    idp_names = sorted(user.idp_groups.values_list("name", flat=True))
    mappings = list(IdpGroupMapping.objects.all())
    managed_groups = {m.group_id for m in mappings if m.group_id}
    managed_units = {m.business_unit_id for m in mappings if m.business_unit_id}
    granted = [m for m in mappings if m.idp_group in idp_names]
    want_groups = {m.group_id for m in granted if m.group_id}
    want_units = {m.business_unit_id for m in granted if m.business_unit_id}

    have_groups = set(user.groups.filter(pk__in=managed_groups).values_list("pk", flat=True))
    have_units = set(user.business_units.filter(pk__in=managed_units).values_list("pk", flat=True))
    add_groups, drop_groups = want_groups - have_groups, have_groups - want_groups
    add_units, drop_units = want_units - have_units, have_units - want_units
    staff = _admin_access_change(user, granted)
    if not (add_groups or drop_groups or add_units or drop_units) and staff is None:
        return None
    if staff is not None:
        user.is_staff = staff
        user.save(update_fields=["is_staff"])
    user.groups.add(*add_groups)
    user.groups.remove(*drop_groups)
    for unit in BusinessUnit.objects.filter(pk__in=add_units | drop_units):
        # Through the business unit, so its members history (simple_history) records the change.
        (unit.members.add if unit.pk in add_units else unit.members.remove)(user)
    if hasattr(user, "_stagegate_group_names"):
        del user._stagegate_group_names  # core.roles caches group names on the user object
    return MembershipSync.objects.create(
        user=user, source=source, idp_groups=idp_names,
        groups_added=_group_names(add_groups), groups_removed=_group_names(drop_groups),
        business_units_added=_unit_codes(add_units), business_units_removed=_unit_codes(drop_units),
        admin_access=staff,
    )


def _admin_access_change(user, granted: list[IdpGroupMapping]) -> bool | None:
    """The new is_staff, or None to leave it: managed only for people the IdP knows, never a superuser's."""
    if user.is_superuser or not ExternalIdentity.objects.filter(user=user).exists():
        return None
    wanted = any(mapping.admin_access for mapping in granted)
    return wanted if wanted != user.is_staff else None


def idp_group_members_reapply(*, names: Iterable[str], source: str) -> int:
    """Apply the mapping to everyone in these IdP groups (after a mapping changed); how many changed."""
    people = get_user_model()._default_manager.filter(idp_groups__name__in=set(names)).distinct()
    return sum(idp_groups_apply(user=person, source=source) is not None for person in people)


def _group_names(ids: set[int]) -> list[str]:
    return sorted(Group.objects.filter(pk__in=ids).values_list("name", flat=True)) if ids else []


def _unit_codes(ids: set[int]) -> list[str]:
    return sorted(BusinessUnit.objects.filter(pk__in=ids).values_list("code", flat=True)) if ids else []


__all__ = ["SyncSource", "idp_group_members_reapply", "idp_group_memberships_set", "idp_groups_apply",
           "idp_groups_set"]
