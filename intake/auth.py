"""Authentication backend for pages and sessions: people only.

Service accounts (``intake.models.ServiceAccount``) call the API with a
token. Refusing them here covers both the login form (``authenticate``) and
every request carrying a session (``get_user``), so a service account can
never use the pages or admin, even with a session made some other way.

Brute force: ``LoginLockoutBackend`` (django-axes, first of the backends)
refuses a username+IP pair after ``AXES_FAILURE_LIMIT`` failures until the
cool-off passes; ``lockout_response`` is what a locked-out login then gets.
"""

from __future__ import annotations

import functools
import ipaddress
import math

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

LOCKOUT_TEMPLATE = "registration/locked_out.html"


def is_service_account(user) -> bool:
    # hasattr queries once unless get_user below already joined the row in.
    return user is not None and getattr(user, "pk", None) is not None and hasattr(user, "service_account")


class HumanOnlyModelBackend(ModelBackend):
    def user_can_authenticate(self, user) -> bool:
        return super().user_can_authenticate(user) and not is_service_account(user)

    def get_user(self, user_id):
        # One query per request, as ModelBackend's: the service-account flag comes in the same join.
        try:
            user = get_user_model()._default_manager.select_related("service_account").get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None) -> set[str]:
        # ModelBackend's rule (own and group permissions; all for a superuser; none when inactive or for an
        # object) in one statement; cached on the user as ModelBackend caches its own.
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, PERMISSIONS_CACHE):
            setattr(user_obj, PERMISSIONS_CACHE, _all_permissions(user_obj))
        return getattr(user_obj, PERMISSIONS_CACHE)


PERMISSIONS_CACHE = "_all_permissions_cache"


def _all_permissions(user) -> set[str]:
    if user.is_superuser:
        rows = Permission.objects.values_list("content_type__app_label", "codename")
    else:
        with connection.cursor() as cursor:
            cursor.execute(permissions_sql(), [user.pk, user.pk])
            rows = cursor.fetchall()
    return {f"{app_label}.{codename}" for app_label, codename in rows}


@functools.cache
def permissions_sql() -> str:
    """A person's own and group permissions (app label, codename) in one statement.

    Written out: every API request reads them, and it stays while it saves at least 15% of the API
    use-case list against ModelBackend's two ORM queries (docs/benchmarks.md, "REST API use-case list").
    Names come from the models' metadata; tests/intake/test_auth_backend.py holds the answers to
    ModelBackend's.
    """
    quote = connection.ops.quote_name
    user_model = get_user_model()
    own, grouped, member = user_model.user_permissions.through, Group.permissions.through, user_model.groups.through

    def table(model) -> str:
        return quote(model._meta.db_table)

    def col(model, name: str) -> str:
        return quote(model._meta.get_field(name).column)

    pk = quote(Permission._meta.pk.column)
    # Names from the models' metadata, never from input; the ids are parameters.
    return (
        f"SELECT ct.{col(ContentType, 'app_label')}, p.{col(Permission, 'codename')} FROM {table(Permission)} p "  # noqa: S608 # nosec B608
        f"INNER JOIN {table(ContentType)} ct ON ct.{quote(ContentType._meta.pk.column)} = "
        f"p.{col(Permission, 'content_type')} WHERE p.{pk} IN ("
        f"SELECT o.{col(own, 'permission')} FROM {table(own)} o WHERE o.{col(own, 'user')} = %s UNION ALL "
        f"SELECT g.{col(grouped, 'permission')} FROM {table(grouped)} g INNER JOIN {table(member)} m "
        f"ON m.{col(member, 'group')} = g.{col(grouped, 'group')} WHERE m.{col(member, 'user')} = %s)"
    )


class LoginLockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check, first of the backends: a locked-out username+IP is refused
    before any password is checked. Logs nobody in itself.

    Every login from the network (the login page, the admin login, the API token endpoint)
    passes its request. A call without one (a management command, the shell, a test checking
    a password) is not a login attempt anyone could repeat from outside: there is nothing to
    count, so it is left to the backends below instead of failing as axes' own would.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def client_ip(request: HttpRequest) -> str | None:
    """The address lockouts count against (settings.AXES_CLIENT_IP_CALLABLE).

    With TRUSTED_PROXY_COUNT = N > 0, each of our N proxies appended the address it saw to
    X-Forwarded-For, so the client is the Nth entry from the right; entries further left are
    whatever the client sent and are never trusted.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < count:
        return remote  # not through our proxies: the connection's own address
    try:
        return str(ipaddress.ip_address(forwarded[-count]))
    except ValueError:
        return remote  # a proxy wrote something that is not an address: do not store it


def lockout_message(request: HttpRequest | None = None) -> str:
    cool_off = get_cool_off(request)
    minutes = max(1, math.ceil(cool_off.total_seconds() / 60)) if cool_off else None
    wait = f"Try again in {minutes} minute{'s' if minutes != 1 else ''}" if minutes else "Try again later"
    return (f"Too many failed log-in attempts from your network. {wait}, "
            "or ask a governance admin to unlock the account.")


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """What a locked-out login gets (settings.AXES_LOCKOUT_CALLABLE), 429 with Retry-After.

    The API answers like every other API error, {"detail": ...}; people get the lockout page.
    """
    status = settings.AXES_HTTP_RESPONSE_CODE
    message = lockout_message(request)
    match = getattr(request, "resolver_match", None)
    if match is not None and match.app_name == "api":
        response = JsonResponse({"detail": message}, status=status)
    else:
        response = render(request, LOCKOUT_TEMPLATE, {"message": message}, status=status)
    cool_off = get_cool_off(request)
    if cool_off:
        response["Retry-After"] = str(math.ceil(cool_off.total_seconds()))
    response["Cache-Control"] = "no-store"
    return response
