"""Admin for intake. Edits go through the same services as the pages."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db.models import BooleanField, Case, F, Value, When
from django.http import Http404
from rest_framework.authtoken.models import TokenProxy
from simple_history.admin import SimpleHistoryAdmin

from intake import permissions, services
from intake.models import (
    KPI,
    PILOT_CRITERIA,
    BusinessUnit,
    EuAiActObligation,
    FloorCondition,
    GovernanceAdminAction,
    HardFloor,
    PilotSelection,
    PortfolioBucket,
    RaciActivity,
    RaciAssignment,
    ReferenceCounter,
    RiskDimension,
    RiskMatrixVersion,
    RiskOption,
    StrategicOutcome,
    TierAssessment,
    TierPolicy,
    TierRequirement,
    TierThreshold,
    UseCase,
    UseCaseEvent,
    UseCaseGroupObjectPermission,
    UseCaseUserObjectPermission,
)
from intake.permissions import Action
from intake.services import KPI_FIELDS
from inventory.admin import InventoryImportExportMixin
from inventory.resources import UseCaseResource
from reviews import selectors as review_selectors
from reviews import services as workflow


@admin.register(BusinessUnit)
class BusinessUnitAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")
    filter_horizontal = ("members",)


@admin.register(StrategicOutcome)
class StrategicOutcomeAdmin(SimpleHistoryAdmin):
    list_display = ("name", "active")
    list_filter = ("active",)
    search_fields = ("name",)


@admin.register(PortfolioBucket)
class PortfolioBucketAdmin(SimpleHistoryAdmin):
    list_display = ("name", "code", "active")
    list_filter = ("active",)
    search_fields = ("name", "code")


@admin.register(EuAiActObligation)
class EuAiActObligationAdmin(SimpleHistoryAdmin):
    list_display = ("title", "category", "legal_basis", "applies_from")
    list_filter = ("category",)
    search_fields = ("title", "legal_basis")


class PublishesMatrixMixin:
    """Any saved or deleted matrix row publishes a new matrix version."""

    def _publish(self, request, what: str) -> None:
        version = services.matrix_publish(actor=request.user, note=what)
        if version is not None:
            self.message_user(request, f"Published risk-tier matrix v{version.number}.", messages.INFO)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        self._publish(request, f"{'Changed' if change else 'Added'} {form.instance}")

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        self._publish(request, f"Deleted {obj}")

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        self._publish(request, "Deleted matrix rows")


class RiskOptionInline(admin.TabularInline):
    model = RiskOption
    extra = 1


@admin.register(RiskDimension)
class RiskDimensionAdmin(PublishesMatrixMixin, SimpleHistoryAdmin):
    list_display = ("name", "key", "order")
    search_fields = ("name", "key")
    inlines = [RiskOptionInline]


@admin.register(TierThreshold)
class TierThresholdAdmin(PublishesMatrixMixin, SimpleHistoryAdmin):
    list_display = ("tier", "min_score")


class FloorConditionInline(admin.TabularInline):
    model = FloorCondition
    extra = 1


@admin.register(HardFloor)
class HardFloorAdmin(PublishesMatrixMixin, SimpleHistoryAdmin):
    list_display = ("name", "minimum_tier", "active")
    list_filter = ("active", "minimum_tier")
    search_fields = ("name",)
    inlines = [FloorConditionInline]


@admin.register(RiskOption)
class RiskOptionAdmin(PublishesMatrixMixin, SimpleHistoryAdmin):
    list_display = ("dimension", "answer_field", "answer_value", "points")
    list_filter = ("dimension", "answer_field")
    list_select_related = ("dimension",)


@admin.register(FloorCondition)
class FloorConditionAdmin(PublishesMatrixMixin, SimpleHistoryAdmin):
    list_display = ("floor", "answer_field", "operator", "value")
    list_select_related = ("floor",)


@admin.register(RiskMatrixVersion)
class RiskMatrixVersionAdmin(admin.ModelAdmin):
    """Versions are immutable: they are what past tiers were computed with."""

    list_display = ("number", "note", "created_by", "created_at")
    list_select_related = ("created_by",)
    readonly_fields = ("number", "snapshot", "note", "created_by", "created_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class KPIInline(admin.TabularInline):
    model = KPI
    extra = 0
    fields = KPI_FIELDS


class UseCaseEventInline(admin.TabularInline):
    model = UseCaseEvent
    extra = 0
    can_delete = False
    readonly_fields = ("kind", "from_status", "to_status", "note", "actor", "created_at")

    def has_add_permission(self, request, obj=None):
        return False


class HistoryOnlyIfVisibleMixin:
    """History pages (simple-history's list and one past version) answer 404 for an object the user
    may not see, exactly as for one that does not exist: a guessed id never confirms it exists.
    The admin says what "visible" means in ``_404_unless_visible``."""

    def history_view(self, request, object_id, extra_context=None):
        self._404_unless_visible(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple-history's view of one past version; it looks the row up in the history table only.
        self._404_unless_visible(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def _404_unless_visible(self, request, object_id) -> None:
        raise NotImplementedError


class UseCaseScopedMixin(HistoryOnlyIfVisibleMixin):
    """Rows that belong to a use case (its ``use_case_field``) are listed and shown only with it.

    Every object view, history included, answers a row of a use case the user
    may not see exactly as it answers a missing one: 404, never 403, so a
    guessed id never confirms that something exists.
    """

    use_case_field = "use_case_id"

    def get_queryset(self, request):
        return permissions.restrict(super().get_queryset(request), request.user, field=self.use_case_field)

    def _404_unless_visible(self, request, object_id) -> None:
        # Global viewers keep simple-history's view of deleted rows' history.
        if "view_usecase" in permissions.global_perms(request.user):
            return
        try:
            visible = self.get_queryset(request).filter(pk=unquote(object_id)).exists()
        except (ValidationError, ValueError):
            visible = False
        if not visible:
            raise Http404("No such object.")


class UseCasePermissionMixin(UseCaseScopedMixin):
    """Admin views of use cases obey the same choke point as the pages."""

    use_case_field = "id"

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return self.has_module_permission(request)  # the list is filtered
        return permissions.can(request.user, Action.VIEW, obj)

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return self.has_module_permission(request)
        return permissions.can(request.user, Action.EDIT, obj)

    def has_add_permission(self, request):
        return permissions.is_governance_admin(request.user)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


class RaciAssignmentInline(admin.TabularInline):
    """Read-only here: the RACI is edited on the use-case page, through raci_set."""

    model = RaciAssignment
    extra = 0
    can_delete = False
    fields = readonly_fields = ("activity", "letter", "user", "group", "source")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class UseCaseAdminForm(forms.ModelForm):
    """Shows, at the field, what the services would refuse about the owners and sponsor picked."""

    actor = None  # set per request by UseCaseAdmin.get_form

    def clean(self):
        cleaned = super().clean()
        answers = {name: cleaned.get(name) for name in services.OWNER_FIELDS
                   if name in self.changed_data and name not in self.errors}
        if answers:
            problems = services.use_case_owner_problems(
                use_case=self.instance if self.instance.pk else None, actor=self.actor, answers=answers)
            for name, reason in problems.items():
                self.add_error(name if name in self.fields else None, reason)
        return cleaned


@admin.register(UseCase)
class UseCaseAdmin(InventoryImportExportMixin, UseCasePermissionMixin, SimpleHistoryAdmin):
    resource_classes = [UseCaseResource]  # import and export of the inventory (inventory.resources)
    list_display = ("reference", "title", "business_unit", "status", "stage", "risk_tier",
                    "eu_ai_act_category", "updated_at")
    list_filter = ("status", "stage", "risk_tier", "eu_ai_act_category", "business_unit", "ai_pattern")
    list_select_related = ("business_unit",)
    search_fields = ("reference", "title")
    date_hierarchy = "created_at"
    readonly_fields = (
        "reference", "status", "stage", "risk_tier", "computed_tier", "risk_score", "tier_explanation",
        "matrix_version", "tier_override", "tier_override_justification", "tier_override_by",
        "tier_override_at", "eu_ai_act_category", "created_by", "created_at", "updated_at", "submitted_at",
        "pilot_start", "pilot_end",  # changed on the pilot page (reviews.services.pilot_dates_set)
    )
    autocomplete_fields = ("business_owner", "delivery_owner", "executive_sponsor")
    inlines = [KPIInline, RaciAssignmentInline, UseCaseEventInline]
    form = UseCaseAdminForm

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    def save_model(self, request, obj, form, change):
        """Route admin edits through the service so re-tiering and audit apply."""
        answers = {name: form.cleaned_data[name] for name in form.changed_data if name != "business_unit"}
        if change:
            workflow.use_case_update(use_case=obj, actor=request.user, answers=answers)
            obj.refresh_from_db()
        else:
            created = services.use_case_create(
                actor=request.user, business_unit=form.cleaned_data["business_unit"], answers=answers
            )
            obj.pk, obj.reference = created.pk, created.reference
            obj.refresh_from_db()


@admin.register(KPI)
class KPIAdmin(UseCaseScopedMixin, SimpleHistoryAdmin):
    list_display = ("name", "use_case", "category", "unit", "baseline", "target", "direction", "cadence", "owner",
                    "value_type", "unit_value")
    list_filter = ("category", "direction", "cadence", "value_type")
    list_select_related = ("use_case", "owner")
    search_fields = ("name", "use_case__reference", "use_case__title")


@admin.register(TierAssessment)
class TierAssessmentAdmin(UseCaseScopedMixin, admin.ModelAdmin):
    list_display = ("use_case", "reason", "computed_tier", "effective_tier", "score", "matrix_version",
                    "created_by", "created_at")
    list_filter = ("reason", "effective_tier")
    list_select_related = ("use_case", "matrix_version", "created_by")
    search_fields = ("use_case__reference", "use_case__title")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(UseCaseEvent)
class UseCaseEventAdmin(UseCaseScopedMixin, admin.ModelAdmin):
    list_display = ("use_case", "kind", "from_status", "to_status", "actor", "created_at")
    list_filter = ("kind",)
    list_select_related = ("use_case", "actor")
    search_fields = ("use_case__reference",)

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(PilotSelection)
class PilotSelectionAdmin(UseCaseScopedMixin, SimpleHistoryAdmin):
    list_display = ("use_case", "total_score", "strong", "scored_by", "scored_at")
    list_select_related = ("use_case", "scored_by")
    search_fields = ("use_case__reference", "use_case__title")
    readonly_fields = ("scored_by", "scored_at")

    @admin.display(description="total")
    def total_score(self, obj):
        return obj.total

    def get_queryset(self, request):
        # The policy's cut-off read once for the page, not once per row.
        cut_off = review_selectors.policy_in_force().pilot_strong_above
        total = sum((F(key) for key in PILOT_CRITERIA[1:]), F(PILOT_CRITERIA[0]))
        return super().get_queryset(request).annotate(pilot_total=total).annotate(
            strong_candidate=Case(When(pilot_total__gt=cut_off, then=Value(True)), default=Value(False),
                                  output_field=BooleanField()))

    @admin.display(boolean=True, description="strong candidate")
    def strong(self, obj):
        return obj.strong_candidate

    # What the admin offers follows the service's rule (intake.permissions); the service checks again.
    def has_add_permission(self, request):
        return "score_pilot_usecase" in permissions.global_perms(request.user)

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return self.has_add_permission(request)
        return permissions.can(request.user, Action.SCORE_PILOT, obj.use_case)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def save_model(self, request, obj, form, change):
        services.pilot_selection_record(
            use_case=obj.use_case, actor=request.user,
            scores={key: form.cleaned_data[key] for key in PILOT_CRITERIA}, note=obj.note,
        )


@admin.register(TierPolicy)
class TierPolicyAdmin(SimpleHistoryAdmin):
    list_display = ("tier", "rereview_days")


@admin.register(TierRequirement)
class TierRequirementAdmin(SimpleHistoryAdmin):
    list_display = ("tier", "function", "sla_days", "only_with_vendor", "before_pilot", "at_controlled_rollout",
                    "at_scaled")
    list_filter = ("tier", "function", "only_with_vendor", "before_pilot", "at_controlled_rollout", "at_scaled")


@admin.register(RaciActivity)
class RaciActivityAdmin(SimpleHistoryAdmin):
    list_display = ("name", "key", "review_function", "order")
    search_fields = ("name", "key")


@admin.register(RaciAssignment)
class RaciAssignmentAdmin(UseCaseScopedMixin, SimpleHistoryAdmin):
    """An audit view (with each row's history); edits go through the use-case page so the one-A rule holds."""

    list_display = ("use_case", "activity", "letter", "user", "group", "source")
    list_filter = ("letter", "activity", "source")
    list_select_related = ("use_case", "activity", "user", "group")
    search_fields = ("use_case__reference", "user__username", "group__name")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(GovernanceAdminAction)
class GovernanceAdminActionAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user", "method", "path", "status_code")
    list_filter = ("method",)
    list_select_related = ("user",)
    search_fields = ("user__username", "path")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReferenceCounter)
class ReferenceCounterAdmin(ReadOnlyAdmin):
    list_display = ("name", "last_value")


class GrantAdmin(UseCaseScopedMixin, ReadOnlyAdmin):
    """Derived guardian grants, for auditing; recomputed from the RACI, never edited."""

    list_filter = ("permission",)
    search_fields = ("content_object__reference",)
    use_case_field = "content_object_id"


@admin.register(UseCaseUserObjectPermission)
class UseCaseUserObjectPermissionAdmin(GrantAdmin):
    list_display = ("content_object", "user", "permission")
    list_select_related = ("content_object", "user", "permission")


@admin.register(UseCaseGroupObjectPermission)
class UseCaseGroupObjectPermissionAdmin(GrantAdmin):
    list_display = ("content_object", "group", "permission")
    list_select_related = ("content_object", "group", "permission")


# API tokens are secrets: shown once when issued (service accounts: api/admin.py), never listed afterwards.
if admin.site.is_registered(TokenProxy):
    admin.site.unregister(TokenProxy)
