"""The tests' control of the provider: people, their groups, the client's redirect URIs.

Answers only requests carrying the token the test run started the provider with.
"""

import json
import os
import secrets

from django.contrib.auth.models import Group, User
from django.http import HttpResponseForbidden, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.models import Application

from tests.identity.provider.models import Profile

CLIENT_ID = "stagegate"


def _allowed(request) -> bool:
    return secrets.compare_digest(request.headers.get("X-Control-Token", ""), os.environ["PROVIDER_CONTROL_TOKEN"])


@csrf_exempt
def user_set(request):
    """Create or change a person: {username, password?, email, email_verified, groups, is_active, ...}."""
    if request.method != "POST" or not _allowed(request):
        return HttpResponseForbidden()
    data = json.loads(request.body)
    user, _ = User.objects.get_or_create(username=data["username"])
    for field in ("email", "first_name", "last_name", "is_active"):
        if field in data:
            setattr(user, field, data[field])
    if "password" in data:
        user.set_password(data["password"])
    user.save()
    Profile.objects.update_or_create(user=user, defaults={"email_verified": data.get("email_verified", True)})
    if "groups" in data:
        user.groups.set([Group.objects.get_or_create(name=name)[0] for name in data["groups"]])
    return JsonResponse({"sub": str(user.pk)})


@csrf_exempt
def client_set(request):
    """Add redirect URIs (after sign-in and after logout) to the Stagegate client."""
    if request.method != "POST" or not _allowed(request):
        return HttpResponseForbidden()
    data = json.loads(request.body)
    app = Application.objects.get(client_id=CLIENT_ID)
    for field in ("redirect_uris", "post_logout_redirect_uris"):
        known = getattr(app, field).split()
        setattr(app, field, " ".join(dict.fromkeys([*known, *data.get(field, [])])))
    app.save()
    return JsonResponse({"ok": True})
