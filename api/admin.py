"""Admin for integrations: webhook subscriptions and the log of every delivery attempt."""

from django import forms
from django.contrib import admin
from django.core.validators import URLValidator

from api.models import IdempotencyKey, Tombstone, WebhookDelivery, WebhookEvent, WebhookSubscription


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class WebhookSubscriptionForm(forms.ModelForm):
    # http(s) only (a plain URLField also takes ftp://); deliveries refuse any other scheme too. Where it
    # points is checked when each delivery is sent (api.delivery): internal addresses are refused then.
    url = forms.URLField(max_length=500, assume_scheme="https",
                         help_text="Receives a POST of JSON for each event. Only public addresses are sent to "
                                   "(checked at each delivery); internal ones must be in WEBHOOK_ALLOWED_HOSTS. "
                                   "Redirects are not followed.",
                         validators=[URLValidator(schemes=["http", "https"])])
    events = forms.MultipleChoiceField(choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple)
    secret = forms.CharField(max_length=200, min_length=16, widget=forms.PasswordInput(render_value=True),
                             help_text="At least 16 characters; the receiver verifies X-Stagegate-Signature with it.")

    class Meta:
        model = WebhookSubscription
        fields = ("name", "url", "secret", "events", "active")


class DeliveryInline(admin.TabularInline):
    model = WebhookDelivery
    extra = 0
    can_delete = False
    max_num = 0
    fields = readonly_fields = ("created_at", "event", "attempt", "outcome", "status_code", "reason", "duration_ms",
                                "retry_in")
    ordering = ("-created_at", "-id")

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("-created_at", "-id")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    form = WebhookSubscriptionForm
    list_display = ("name", "url", "event_list", "active", "created_at")
    list_filter = ("active",)
    search_fields = ("name", "url")
    inlines = [DeliveryInline]

    @admin.display(description="events")
    def event_list(self, obj):
        return ", ".join(obj.events or [])


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "subscription", "event", "attempt", "outcome", "status_code", "reason",
                    "duration_ms", "retry_in")
    list_filter = ("outcome", "event", "status_code")
    list_select_related = ("subscription",)
    search_fields = ("delivery_id", "subscription__name")
    date_hierarchy = "created_at"


@admin.register(Tombstone)
class TombstoneAdmin(ReadOnlyAdmin):
    list_display = ("deleted_at", "resource", "object_id", "reason")
    list_filter = ("resource", "reason")
    search_fields = ("object_id",)


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "user", "method", "path", "status")
    list_select_related = ("user",)
    search_fields = ("user__username", "key", "path")
