"""RACI per use case, and the guardian grants derived from it.

The RACI is the source of truth; guardian rows are a derived index kept in
step by ``intake.services.grants_recompute`` so lists can be filtered by a
subquery instead of per-row checks.
"""

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.db.models import Q
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from intake.choices import RaciLetter, ReviewFunction

from .usecase import UseCase


class RaciActivity(models.Model):
    key = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    review_function = models.CharField(
        max_length=30, blank=True, choices=ReviewFunction.choices,
        help_text="Set for the activity of a review function: its R and A may decide those reviews.",
    )
    order = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "key"]
        verbose_name_plural = "RACI activities"

    def __str__(self) -> str:
        return self.name


class RaciAssignment(models.Model):
    class Source(models.TextChoices):
        DEFAULT = "default", "Generated default"
        MANUAL = "manual", "Set by hand"

    use_case = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="raci")
    activity = models.ForeignKey(RaciActivity, on_delete=models.PROTECT, related_name="assignments")
    letter = models.CharField(max_length=1, choices=RaciLetter.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="raci_assignments")
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.CASCADE, related_name="raci_assignments")
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.DEFAULT)
    history = HistoricalRecords()

    class Meta:
        ordering = ["activity__order", "letter", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, group__isnull=True) | Q(user__isnull=True, group__isnull=False),
                name="raci_party_is_user_or_group",
            ),
            # At most one Accountable per activity; the service ensures at least one.
            models.UniqueConstraint(fields=["use_case", "activity"], condition=Q(letter="A"),
                                    name="raci_one_accountable"),
            models.UniqueConstraint(fields=["use_case", "activity", "letter", "user"],
                                    condition=Q(user__isnull=False), name="raci_unique_user_letter"),
            models.UniqueConstraint(fields=["use_case", "activity", "letter", "group"],
                                    condition=Q(group__isnull=False), name="raci_unique_group_letter"),
        ]

    def __str__(self) -> str:
        return f"{self.use_case_id} {self.activity_id} {self.letter} {self.party}"

    @property
    def party(self):
        return self.user if self.user_id else self.group


class UseCaseUserObjectPermission(UserObjectPermissionBase):
    """guardian's direct foreign-key grant of a use-case permission to a user."""

    content_object = models.ForeignKey(UseCase, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        indexes = [models.Index(fields=["user", "permission", "content_object"], name="uc_userperm_lookup")]


class UseCaseGroupObjectPermission(GroupObjectPermissionBase):
    """guardian's direct foreign-key grant of a use-case permission to a group."""

    content_object = models.ForeignKey(UseCase, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        indexes = [models.Index(fields=["group", "permission", "content_object"], name="uc_groupperm_lookup")]


class GovernanceAdminAction(models.Model):
    """Every write a governance admin makes through the web or API, for the audit trail."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    status_code = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.method} {self.path}"
