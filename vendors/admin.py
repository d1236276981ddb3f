"""Admin for vendors: procurement's assessment queue and the model registry.

Status, approval expiry and outcomes change only through ``vendors.services``
(via the actions below); the forms show them read-only. Each action is offered
to whoever ``vendors.permissions`` lets take it; the service decides, and a
refusal is shown as its message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import models
from django.http import FileResponse, Http404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from config.downloads import attachment
from core.edges import REFUSALS, report
from inventory.admin import InventoryImportExportMixin
from inventory.resources import AIModelResource, VendorAssessmentResource, VendorResource
from vendors import selectors, services
from vendors.choices import AssessmentOutcome, AssessmentStatus, EffectiveStatus, VendorStatus
from vendors.models import (
    AIModel,
    ApprovalPolicy,
    AssessmentRating,
    Certification,
    ChecklistArea,
    Vendor,
    VendorAssessment,
    VendorContact,
    VendorReminderLog,
)
from vendors.permissions import Action, can, require

CONFIRM_TEMPLATE = "admin/vendors/confirm_action.html"


def _run_service(modeladmin: admin.ModelAdmin, request, objects: Iterable, call: Callable, done: str) -> None:
    """Call ``call(obj)`` for each object; report successes and every refusal without failing the page."""
    succeeded = 0
    for obj in objects:
        try:
            call(obj)
        except REFUSALS as exc:
            report(request, exc, prefix=str(obj))
        else:
            succeeded += 1
    if succeeded:
        modeladmin.message_user(request, f"{done}: {succeeded}.", messages.SUCCESS)


class ReasonForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 5, "cols": 80}), max_length=5000)


def _confirm_page(modeladmin, request, queryset, *, action: str, title: str, label: str, form: ReasonForm):
    """An intermediate page that asks for a text (conditions, a reason) and re-posts the action."""
    form.fields["text"].label = label
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "objects": queryset,
        "form": form,
        "action": action,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "opts": modeladmin.model._meta,
    }
    return TemplateResponse(request, CONFIRM_TEMPLATE, context)


def _text_from_confirmation(request) -> ReasonForm | str:
    """The confirmed text, or the form to (re-)show when the page was not yet submitted or is invalid."""
    if "apply" not in request.POST:
        return ReasonForm()
    form = ReasonForm(request.POST)
    return form.cleaned_data["text"] if form.is_valid() else form


def _evidence_owner(request, name: str):
    """The certification or rating that holds the file ``name``, if the user may view it."""
    for model, field in ((Certification, "evidence"), (AssessmentRating, "attachment")):
        owner = model.objects.filter(**{field: name}).first()
        if owner is not None:
            require(request.user, Action.VIEW_EVIDENCE, owner)
            return getattr(owner, field)
    raise Http404("No such evidence.")


def evidence_download(request, name: str) -> FileResponse:
    """Always a download, never rendered inline: an upload must not run in the admin's origin."""
    file = _evidence_owner(request, name)
    return attachment(file, filename=file.name.rsplit("/", 1)[-1])


# -- Vendors ------------------------------------------------------------------


class EffectiveStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "effective_status"

    def lookups(self, request, model_admin):
        return EffectiveStatus.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(effective_status_value=self.value())
        return queryset


class VendorInlineMixin:
    """Each inline row prints its vendor (__str__): fetch it with the rows, not per row."""

    vendor_field = "vendor"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(self.vendor_field)


class VendorContactInline(VendorInlineMixin, admin.TabularInline):
    model = VendorContact
    extra = 1


class CertificationInline(VendorInlineMixin, admin.TabularInline):
    model = Certification
    extra = 1
    fields = ("kind", "name", "issued_on", "expires_on", "evidence")


class AIModelInline(VendorInlineMixin, admin.TabularInline):
    vendor_field = "provider"
    model = AIModel
    extra = 0
    fields = ("name", "version", "hosting", "max_data_classification", "max_tier", "status", "next_review_date")
    readonly_fields = ("status",)  # changed on the model's page, through the service
    show_change_link = True


@admin.register(Vendor)
class VendorAdmin(InventoryImportExportMixin, SimpleHistoryAdmin):
    resource_classes = [VendorResource]  # import and export of the inventory (inventory.resources)
    list_display = ("name", "criticality", "shown_status", "approval_expires", "updated_at")
    list_filter = (EffectiveStatusFilter, "criticality")
    search_fields = ("name", "description")
    readonly_fields = ("shown_status", "status", "approval_expires", "offboarded_at", "offboarding_reason",
                       "created_at", "updated_at")
    fields = ("name", "website", "description", "criticality", *readonly_fields)
    inlines = [VendorContactInline, CertificationInline, AIModelInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    actions = ["start_assessment", "offboard", "withdraw_approval", "restore_approval"]

    def get_queryset(self, request):
        # Annotated with the effective status so the list and its filter need no per-row work.
        return selectors.vendor_list()

    @admin.display(description="status", ordering="effective_status_value")
    def shown_status(self, obj: Vendor) -> str:
        value = getattr(obj, "effective_status_value", None) or obj.effective_status()
        label = EffectiveStatus(value).label
        if value == EffectiveStatus.APPROVAL_EXPIRED:
            return format_html('<strong style="color:#ba2121">{}</strong> (on {})', label, obj.approval_expires)
        return label

    def has_start_assessment_permission(self, request) -> bool:
        return can(request.user, Action.START)

    def has_offboard_permission(self, request) -> bool:
        return can(request.user, Action.OFFBOARD)

    @admin.action(description="Start a due-diligence assessment", permissions=["start_assessment"])
    def start_assessment(self, request, queryset):
        _run_service(self, request, queryset,
                     lambda vendor: services.vendor_assessment_start(vendor=vendor, actor=request.user),
                     "Assessments started")

    def has_set_status_permission(self, request) -> bool:
        return can(request.user, Action.SET_STATUS)

    @admin.action(description="Withdraw the approval (asks why; flags the live use cases)", permissions=["set_status"])
    def withdraw_approval(self, request, queryset):
        text = _text_from_confirmation(request)
        if isinstance(text, ReasonForm):
            return _confirm_page(self, request, queryset, action="withdraw_approval", title="Withdraw approvals",
                                 label="Why the approval lapsed", form=text)
        _run_service(self, request, queryset, lambda vendor: services.vendor_status_set(
            vendor=vendor, actor=request.user, status=VendorStatus.REJECTED, note=text), "Approvals withdrawn")
        return None

    @admin.action(description="Restore the approval (until its expiry date)", permissions=["set_status"])
    def restore_approval(self, request, queryset):
        _run_service(self, request, queryset, lambda vendor: services.vendor_status_set(
            vendor=vendor, actor=request.user, status=VendorStatus.APPROVED, note="Restored in admin."),
            "Approvals restored")

    @admin.action(description="Offboard (asks for the reason)", permissions=["offboard"])
    def offboard(self, request, queryset):
        text = _text_from_confirmation(request)
        if isinstance(text, ReasonForm):
            return _confirm_page(self, request, queryset, action="offboard", title="Offboard vendors",
                                 label="Reason for offboarding", form=text)
        _run_service(self, request, queryset,
                     lambda vendor: services.vendor_offboard(vendor=vendor, actor=request.user, reason=text),
                     "Vendors offboarded")
        return None


@admin.register(VendorContact)
class VendorContactAdmin(SimpleHistoryAdmin):
    list_display = ("name", "email", "role", "vendor")
    list_select_related = ("vendor",)
    search_fields = ("name", "email", "role", "vendor__name")
    autocomplete_fields = ("vendor",)


@admin.register(Certification)
class CertificationAdmin(SimpleHistoryAdmin):
    list_display = ("vendor", "kind", "name", "issued_on", "expiry", "evidence")
    list_filter = ("kind",)
    list_select_related = ("vendor",)
    search_fields = ("vendor__name", "name")
    autocomplete_fields = ("vendor",)
    date_hierarchy = "expires_on"

    def get_urls(self):
        # Every evidence URL (see vendors.storage) lands here, behind the admin login.
        view = self.admin_site.admin_view(evidence_download)
        return [path("evidence/<path:name>", view, name="vendors_evidence_download"), *super().get_urls()]

    @admin.display(description="expires on", ordering="expires_on")
    def expiry(self, obj: Certification):
        if obj.expires_on is None:
            return "-"
        days = (obj.expires_on - timezone.localdate()).days
        if days < 0:
            return format_html('<strong style="color:#ba2121">{} (expired)</strong>', obj.expires_on)
        if days <= 30:
            return format_html("<strong>{} (in {} days)</strong>", obj.expires_on, days)
        return obj.expires_on


# -- Reference data -----------------------------------------------------------


@admin.register(ChecklistArea)
class ChecklistAreaAdmin(SimpleHistoryAdmin):
    list_display = ("name", "key", "critical", "order", "active")
    list_editable = ("critical", "order", "active")
    list_filter = ("critical", "active")
    search_fields = ("name", "key", "description", "questions")
    fields = ("name", "key", "description", "questions", "critical", "order", "active")


@admin.register(ApprovalPolicy)
class ApprovalPolicyAdmin(SimpleHistoryAdmin):
    list_display = ("criticality", "validity_months")


# -- Assessment queue ---------------------------------------------------------


class AssessmentRatingInline(admin.TabularInline):
    model = AssessmentRating
    extra = 0
    can_delete = False
    fields = ("area", "critical", "questions", "rating", "evidence_notes", "attachment")
    readonly_fields = ("area", "critical", "questions")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("area")

    def has_add_permission(self, request, obj=None):
        # Rows are created with the assessment, one per checklist area.
        return False

    def has_change_permission(self, request, obj=None):
        # A decided assessment is a record: its ratings no longer change.
        if obj is not None and obj.status == AssessmentStatus.COMPLETED:
            return False
        return super().has_change_permission(request, obj)

    @admin.display(boolean=True)
    def critical(self, obj: AssessmentRating) -> bool:
        return obj.area.critical

    @admin.display(description="questions to ask the vendor")
    def questions(self, obj: AssessmentRating):
        # The area's questions (reference data, edited on the checklist area), beside the rating they inform.
        lines = [line.strip() for line in obj.area.questions.splitlines() if line.strip()]
        if not lines:
            return "-"
        return format_html('<ul class="vendor-questions">{}</ul>',
                           format_html_join("", "<li>{}</li>", ((line,) for line in lines)))


def _complete_action(outcome: str, description: str, *, ask_conditions: bool = False):
    """An admin action that completes each selected assessment with ``outcome`` through the service."""

    def action(modeladmin, request, queryset):
        conditions = ""
        if ask_conditions:
            text = _text_from_confirmation(request)
            if isinstance(text, ReasonForm):
                return _confirm_page(modeladmin, request, queryset, action=action.__name__,
                                     title=description, label="Conditions of the approval", form=text)
            conditions = text
        _run_service(modeladmin, request, queryset, lambda a: services.vendor_assessment_complete(
            assessment=a, actor=request.user, outcome=outcome, conditions=conditions), "Assessments completed")
        return None

    action.__name__ = f"complete_{outcome}"
    return admin.action(description=description, permissions=["complete"])(action)


@admin.register(VendorAssessment)
class VendorAssessmentAdmin(InventoryImportExportMixin, SimpleHistoryAdmin):
    resource_classes = [VendorAssessmentResource]  # import and export of the inventory (inventory.resources)
    list_display = ("vendor", "criticality", "status", "assessor", "due", "outcome", "started_on")
    list_filter = ("status", "vendor__criticality", "outcome")
    list_select_related = ("vendor", "assessor")
    search_fields = ("vendor__name",)
    readonly_fields = ("vendor", "status", "started_on", "outcome", "conditions", "completed_at", "completed_by")
    fields = ("vendor", "status", "assessor", "started_on", "due_on", "notes", "outcome", "conditions",
              "completed_at", "completed_by")
    autocomplete_fields = ("assessor",)
    inlines = [AssessmentRatingInline]
    actions = [
        "assign_to_me",
        _complete_action(AssessmentOutcome.APPROVED, "Complete as approved"),
        _complete_action(AssessmentOutcome.APPROVED_WITH_CONDITIONS, "Complete as approved with conditions",
                         ask_conditions=True),
        _complete_action(AssessmentOutcome.REJECTED, "Complete as rejected"),
    ]

    def get_queryset(self, request):
        return selectors.assessment_queue()

    def get_ordering(self, request):
        return selectors.ASSESSMENT_QUEUE_ORDER

    def has_add_permission(self, request):
        # Assessments are started from a vendor so the checklist rows exist.
        return False

    @admin.display(description="criticality", ordering="vendor__criticality")
    def criticality(self, obj: VendorAssessment) -> str:
        return obj.vendor.get_criticality_display()

    @admin.display(description="due on", ordering="due_on")
    def due(self, obj: VendorAssessment):
        if obj.is_overdue():
            return format_html('<strong style="color:#ba2121">{} (overdue)</strong>', obj.due_on)
        return obj.due_on or "-"

    def has_assign_permission(self, request) -> bool:
        return can(request.user, Action.ASSIGN)

    def has_complete_permission(self, request) -> bool:
        return can(request.user, Action.COMPLETE)

    @admin.action(description="Assign to me", permissions=["assign"])
    def assign_to_me(self, request, queryset):
        _run_service(self, request, queryset, lambda a: services.vendor_assessment_assign(
            assessment=a, actor=request.user, assessor=request.user), "Assigned to you")

    def has_change_permission(self, request, obj=None):
        # A decided assessment is a record: it is shown, not edited.
        if obj is not None and obj.status == AssessmentStatus.COMPLETED:
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        # Reassigning goes through the service so an open assessment moves to in progress.
        if "assessor" in form.changed_data:
            assigned = services.vendor_assessment_assign(
                assessment=obj, actor=request.user, assessor=form.cleaned_data["assessor"]
            )
            obj.status = assigned.status
        obj._history_user = request.user
        obj.save(update_fields=["due_on", "notes", "updated_at"])

    def save_formset(self, request, form, formset, change):
        """Ratings edited in the inline are recorded by the service, like any other rating."""
        changed = [f for f in formset.forms if f.has_changed()]
        ratings = {
            f.instance.area.key: {name: f.cleaned_data.get(name) for name in f.changed_data
                                  if name in services.RATING_FIELDS}
            for f in changed
        }
        if ratings:
            services.vendor_assessment_rate(assessment=form.instance, actor=request.user, ratings=ratings)
        # The admin's change message reads these, as if the formset had saved itself.
        formset.new_objects, formset.deleted_objects = [], []
        formset.changed_objects = [(f.instance, f.changed_data) for f in changed]


@admin.register(AssessmentRating)
class AssessmentRatingAdmin(SimpleHistoryAdmin):
    """A read-only cross-assessment view; ratings are edited on their assessment."""

    list_display = ("assessment", "area", "rating", "updated_at")
    list_filter = ("rating", "area__critical", "area")
    list_select_related = ("assessment__vendor", "area")
    search_fields = ("assessment__vendor__name", "area__name")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# -- Model registry -----------------------------------------------------------


@admin.register(AIModel)
class AIModelAdmin(InventoryImportExportMixin, SimpleHistoryAdmin):
    resource_classes = [AIModelResource]  # import and export of the inventory (inventory.resources)
    list_display = ("__str__", "hosting", "max_data_classification", "max_tier", "status", "review")
    list_filter = ("status", "hosting", "max_data_classification", "max_tier", "provider")
    list_select_related = ("provider",)
    search_fields = ("name", "version", "provider__name")
    autocomplete_fields = ("provider",)

    def get_queryset(self, request):
        return selectors.model_registry()

    def get_readonly_fields(self, request, obj=None):
        # Only governance admins change a registered model's status, and only through the service.
        if obj is not None and not can(request.user, Action.SET_MODEL_STATUS):
            return (*super().get_readonly_fields(request, obj), "status")
        return super().get_readonly_fields(request, obj)

    def save_model(self, request, obj, form, change):
        """A changed status goes through ``ai_model_status_set``, so the use cases that call it follow."""
        status = obj.status
        moved = change and "status" in form.changed_data
        if moved:
            obj.status = form.initial["status"]
        super().save_model(request, obj, form, change)
        if moved:
            services.ai_model_status_set(model=obj, actor=request.user, status=status, note="Changed in admin.")
            obj.status = status

    @admin.display(description="next review", ordering="next_review_date")
    def review(self, obj: AIModel):
        if obj.next_review_date and obj.next_review_date < timezone.localdate():
            return format_html('<strong style="color:#ba2121">{} (overdue)</strong>', obj.next_review_date)
        return obj.next_review_date or "-"


@admin.register(VendorReminderLog)
class VendorReminderLogAdmin(admin.ModelAdmin):
    """What procurement was told about expiring approvals and certifications; only the reminder task writes it."""

    list_display = ("for_date", "kind", "vendor", "certification", "ai_model", "expires_on", "sent_at")
    list_filter = ("kind",)
    list_select_related = ("vendor", "certification__vendor", "ai_model__provider")
    search_fields = ("vendor__name", "certification__vendor__name")
    date_hierarchy = "for_date"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
