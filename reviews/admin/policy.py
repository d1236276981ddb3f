"""The governance policy in admin: every version readable, a change is a new version.

"Add" starts from the version in force; saving publishes through ``reviews.services.policy_publish``,
which checks who may (governance admins) and records who did (its history). No version is ever
changed or deleted: past gate decisions name the one they were judged under.
"""

from django import forms
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.roles import is_governance_admin
from reviews import selectors, services
from reviews.models import GovernancePolicy, ReadinessArea


class PolicyForm(forms.ModelForm):
    critical_areas = forms.ModelMultipleChoiceField(
        queryset=ReadinessArea.objects.order_by("order"), widget=forms.CheckboxSelectMultiple, required=False,
        help_text="A gate is blocked while one of these scores below the critical minimum.")

    class Meta:
        model = GovernancePolicy
        fields = (*services.POLICY_FIELDS, "critical_areas", "note")


@admin.register(GovernancePolicy)
class GovernancePolicyAdmin(SimpleHistoryAdmin):
    form = PolicyForm
    list_display = ("__str__", "effective_from", "strong_min_total", "moderate_min_total", "weak_min_total",
                    "critical_minimum", "scale_min_total", "pilot_strong_above", "created_by", "note")
    list_select_related = ("created_by",)
    filter_horizontal = ()

    def get_readonly_fields(self, request, obj=None):
        # A written version is a record: read it, never edit it.
        return [field.name for field in GovernancePolicy._meta.fields if field.name != "id"] + ["critical_areas"] \
            if obj is not None else []

    def get_changeform_initial_data(self, request):
        current = selectors.policy_in_force()
        initial = {name: getattr(current, name) for name in services.POLICY_FIELDS}
        return initial | {"critical_areas": list(selectors.critical_area_ids(current))}

    def has_view_permission(self, request, obj=None):
        return request.user.is_staff and request.user.is_active

    def has_add_permission(self, request):
        return is_governance_admin(request.user)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        published = services.policy_publish(
            actor=request.user, changes={name: data[name] for name in services.POLICY_FIELDS},
            critical_areas=[area.key for area in data["critical_areas"]], note=data.get("note", ""))
        obj.pk, obj.version = published.pk, published.version

    def save_related(self, request, form, formsets, change):
        pass  # the service set the critical areas
