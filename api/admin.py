"""Admin for integrations: service accounts and their tokens, webhook subscriptions, the deliveries
still pending and the log of every delivery attempt."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from api import permissions, services
from api.models import IdempotencyKey, Tombstone, WebhookDelivery, WebhookEvent, WebhookOutbox, WebhookSubscription
from api.permissions import Action
from core.edges import REFUSALS, attach, report
from intake.models import ServiceAccount


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ServiceAccountCreationForm(forms.ModelForm):
    """Adding a service account creates its user; nobody ever sets a password for it."""

    username = forms.CharField(max_length=150, help_text="E.g. svc.grc-sync. Letters, digits and @ . + - _ only.")

    class Meta:
        model = ServiceAccount
        fields = ("read_only", "description")

    def clean(self):
        # Shows at the field what service_account_create would refuse.
        cleaned = super().clean()
        if "username" in cleaned:
            problems = services.service_account_problems(username=cleaned["username"],
                                                         description=cleaned.get("description", ""))
            if problems:
                attach(self, ValidationError(problems))
        return cleaned


def _show_token_once(modeladmin, request, account: ServiceAccount, key: str) -> None:
    modeladmin.message_user(
        request,
        f"API token of {account.user.get_username()}: {key} (shown only now: copy it into the "
        "calling system's secret store). Send it as the header 'Authorization: Token <key>'.",
        messages.WARNING,
    )


@admin.register(ServiceAccount)
class ServiceAccountAdmin(admin.ModelAdmin):
    """Non-human API identities, created and given new tokens through ``api.services``. The token is
    shown once, when created or rotated."""

    list_display = ("user", "read_only", "description", "created_at")
    list_filter = ("read_only",)
    list_select_related = ("user",)
    search_fields = ("user__username", "description")
    readonly_fields = ("user", "created_at")
    actions = ["rotate_token"]

    def has_view_permission(self, request, obj=None):
        return permissions.can(request.user, Action.SERVICE_ACCOUNT_VIEW)

    def has_add_permission(self, request):
        return permissions.can(request.user, Action.SERVICE_ACCOUNT_CREATE)

    def has_rotate_permission(self, request) -> bool:
        return permissions.can(request.user, Action.SERVICE_ACCOUNT_ROTATE)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ServiceAccountCreationForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return ("username", "read_only", "description") if obj is None else ("user", "read_only", "description",
                                                                           "created_at")

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        account, key = services.service_account_create(
            actor=request.user, username=form.cleaned_data["username"],
            description=form.cleaned_data["description"], read_only=form.cleaned_data["read_only"])
        obj.pk = account.pk
        obj.refresh_from_db()
        _show_token_once(self, request, obj, key)

    def log_addition(self, request, obj, message):
        # service_account_create has written this entry, as it does for the command.
        return None

    @admin.action(description="Rotate the API token of the selected service accounts (old tokens stop working)",
                  permissions=["rotate"])
    def rotate_token(self, request, queryset):
        for account in queryset.select_related("user"):
            try:
                key = services.service_account_token_rotate(actor=request.user, service_account=account)
            except REFUSALS as exc:
                report(request, exc, prefix=str(account))
            else:
                _show_token_once(self, request, account, key)


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


@admin.register(WebhookOutbox)
class WebhookOutboxAdmin(ReadOnlyAdmin):
    """Events recorded and not yet delivered: waiting for a worker, or for their next attempt."""

    list_display = ("created_at", "subscription", "event", "attempt", "due_at")
    list_filter = ("event",)
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
