"""The framework layer in admin. Frameworks and requirements come from files (``load_framework``):
governance admins adjust a requirement's dates, applicability and gate here (every register follows, every
edit in its history) and maintain the crosswalk. Obligations and their evidence are worked on the
compliance pages and the API, through the services; admin lists them for search and audit."""

from django import forms
from django.apps import apps
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin

from core.admin_access import GovernanceEditsMixin, StaffReadsMixin
from core.roles import is_governance_admin

from . import services
from .controls import control_keys
from .models import CrosswalkEntry, Framework, Obligation, ObligationEvidence, Requirement
from .permissions import visible_obligations


@admin.register(Framework)
class FrameworkAdmin(StaffReadsMixin, SimpleHistoryAdmin):
    list_display = ("name", "key", "version", "publisher", "published", "updated_at")
    readonly_fields = ("key", "name", "version", "publisher", "published", "source", "copyright", "content_hash",
                       "loaded_at", "updated_at")


@admin.register(Requirement)
class RequirementAdmin(StaffReadsMixin, SimpleHistoryAdmin):
    list_display = ("identifier", "title", "framework", "scope", "assessable", "required_before", "applies_from",
                    "deprecated")
    list_filter = ("framework", "scope", "required_before", "deprecated")
    list_select_related = ("framework",)
    search_fields = ("identifier", "title", "guidance")
    readonly_fields = ("framework", "identifier", "parent", "order", "title", "scope", "assessable", "deprecated",
                       "updated_at")
    fields = ("framework", "identifier", "parent", "title", "guidance", "scope", "assessable", "applies_from",
              "applies_from_source", "applies_when", "required_before", "expected_evidence", "deprecated",
              "updated_at")

    def has_change_permission(self, request, obj=None):
        return is_governance_admin(request.user)

    def save_model(self, request, obj, form, change):
        try:
            services.requirement_save(requirement=obj, actor=request.user)
        except PermissionDenied as refusal:
            self.message_user(request, str(refusal), level="error")


class CrosswalkForm(forms.ModelForm):
    class Meta:
        model = CrosswalkEntry
        fields = ("requirement", "control", "key", "rationale", "source")

    def clean(self):
        data = super().clean()
        control, key = data.get("control"), data.get("key")
        if control and key and key not in control_keys(apps.get_model).get(control, set()):
            self.add_error("key", f"No {control.replace('_', ' ')} has the key {key!r}.")
        requirement = data.get("requirement")
        if requirement is not None and not requirement.assessable:
            self.add_error("requirement", "Map to a requirement that carries a status, not a heading.")
        return data


@admin.register(CrosswalkEntry)
class CrosswalkEntryAdmin(GovernanceEditsMixin, SimpleHistoryAdmin):
    form = CrosswalkForm
    list_display = ("requirement", "control", "key", "source")
    list_filter = ("control", "requirement__framework", "source")
    list_select_related = ("requirement__framework",)
    search_fields = ("key", "requirement__identifier", "rationale")
    autocomplete_fields = ("requirement",)


@admin.register(Obligation)
class ObligationAdmin(StaffReadsMixin, SimpleHistoryAdmin):
    list_display = ("requirement", "use_case", "applicable", "status", "owner", "accepted_until", "updated_at")
    list_filter = ("status", "applicable", "requirement__framework")
    list_select_related = ("requirement__framework", "use_case", "owner")
    search_fields = ("use_case__reference", "requirement__identifier", "justification")
    readonly_fields = ("requirement", "use_case", "applicable", "status", "owner", "justification",
                       "accepted_until", "updated_by", "created_at", "updated_at")

    def get_queryset(self, request):
        return visible_obligations(request.user, super().get_queryset(request))


@admin.register(ObligationEvidence)
class ObligationEvidenceAdmin(StaffReadsMixin, SimpleHistoryAdmin):
    list_display = ("label", "obligation", "kind", "control", "added_by", "added_at")
    list_filter = ("kind", "control")
    list_select_related = ("obligation__requirement", "obligation__use_case", "added_by")
    search_fields = ("label", "obligation__use_case__reference", "obligation__requirement__identifier")
    readonly_fields = ("obligation", "kind", "record_type", "record_id", "control", "label", "note",
                       "added_by", "added_at")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(
            obligation__in=visible_obligations(request.user).values("id"))
