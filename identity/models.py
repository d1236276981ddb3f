"""Who people are at the organisation's identity provider, and what that makes them here.

The IdP says which of its groups a person is in: at each OIDC sign-in (a claim) and whenever it
provisions through SCIM (Group resources and their members). Both land in ``IdpGroup`` membership;
``IdpGroupMapping`` (admin-editable) turns IdP groups into Stagegate groups and business units, and
``identity.services.idp_groups_apply`` makes a person's memberships follow it. ``MembershipSync``
records every change that made.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from intake.models import BusinessUnit


class IdpGroup(models.Model):
    """A group as the identity provider names it (the OIDC groups claim, a SCIM Group's displayName)."""

    name = models.CharField(max_length=200, unique=True, help_text="The group's name at the identity provider.")
    scim_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    external_id = models.CharField(max_length=200, blank=True, help_text="The IdP's own id for the group (SCIM).")
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="idp_groups")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(m2m_fields=[members])

    class Meta:
        ordering = ["name"]
        verbose_name = "IdP group"

    def __str__(self) -> str:
        return self.name


class IdpGroupMapping(models.Model):
    """One IdP group grants a Stagegate group, a business unit, admin access, or several of these.

    A Stagegate group or business unit named by any mapping is *managed*: membership in it follows
    the IdP at every sign-in and SCIM change (added when a mapped IdP group says so, removed when
    none does). Groups and business units no mapping names are left as they are set in admin.
    Admin access (``is_staff``) follows the mapping for people who sign in through the IdP; a
    superuser's is never taken away.
    """

    idp_group = models.CharField(max_length=200, db_index=True,
                                 help_text="The IdP group's name exactly as the groups claim or SCIM sends it.")
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                              help_text="The Stagegate group it grants: a review function, pmo, "
                                        "executive sponsors, governance admins.")
    business_unit = models.ForeignKey(BusinessUnit, null=True, blank=True, on_delete=models.CASCADE,
                                      related_name="+", help_text="The business unit it makes the person a member of.")
    admin_access = models.BooleanField(
        default=False, help_text="Members may open the Django admin (reviewers work their queues there).")
    history = HistoricalRecords()

    class Meta:
        ordering = ["idp_group", "id"]
        verbose_name = "IdP group mapping"
        constraints = [
            models.CheckConstraint(condition=Q(group__isnull=False) | Q(business_unit__isnull=False)
                                   | Q(admin_access=True),
                                   name="identity_mapping_grants_something"),
            models.UniqueConstraint(fields=["idp_group", "group"], condition=Q(group__isnull=False),
                                    name="identity_mapping_unique_group"),
            models.UniqueConstraint(fields=["idp_group", "business_unit"], condition=Q(business_unit__isnull=False),
                                    name="identity_mapping_unique_business_unit"),
        ]

    def __str__(self) -> str:
        grants = " and ".join(str(x) for x in (self.group, self.business_unit) if x is not None)
        return f"{self.idp_group} -> {grants}"


class ExternalIdentity(models.Model):
    """A person's identity at the IdP: the OIDC subject they sign in as, their SCIM resource."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="external_identity")
    oidc_issuer = models.CharField(max_length=300, blank=True)
    oidc_subject = models.CharField(max_length=255, blank=True)
    scim_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    scim_external_id = models.CharField(max_length=255, blank=True)
    last_sign_in_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["user__username"]
        verbose_name_plural = "external identities"
        permissions = [("provision_users", "Provision people and groups through SCIM")]
        constraints = [
            models.UniqueConstraint(fields=["oidc_issuer", "oidc_subject"], condition=~Q(oidc_subject=""),
                                    name="identity_unique_oidc_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.user} at {self.oidc_issuer or 'SCIM'}"


class SyncSource(models.TextChoices):
    OIDC = "oidc", "OIDC sign-in"
    SCIM = "scim", "SCIM provisioning"
    ADMIN = "admin", "Mapping changed in admin"


class MembershipSync(models.Model):
    """What one application of the mapping changed for one person: the audit of the IdP's say."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership_syncs")
    source = models.CharField(max_length=10, choices=SyncSource.choices)
    idp_groups = models.JSONField(default=list, help_text="The person's IdP groups as the IdP said.")
    groups_added = models.JSONField(default=list)
    groups_removed = models.JSONField(default=list)
    business_units_added = models.JSONField(default=list)
    business_units_removed = models.JSONField(default=list)
    admin_access = models.BooleanField(null=True, blank=True,
                                       help_text="Admin access granted (yes) or taken away (no); empty: unchanged.")
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_source_display()}, {self.at:%Y-%m-%d %H:%M})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Membership syncs are a record; they are never edited.")
        super().save(*args, **kwargs)
