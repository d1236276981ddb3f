"""Who may call /scim/v2/: the bearer token of the SCIM service account, nothing else.

django-scim2 wraps every SCIM view's dispatch in ``SCIM_SERVICE_PROVIDER["AUTH_CHECK_MIDDLEWARE"]``;
this is ours. It ignores any session (a person signed in to the pages is nobody here) and answers
401 or 403 with a SCIM error body. A module of its own: django-scim2 imports it while its views load,
before ``identity.scim`` (which imports those views) could be.
"""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse

from api.authentication import TOKEN_LENGTH, token_with_user
from api.tokens import has_expired
from identity.permissions import may_provision

SCIM_CONTENT_TYPE = "application/scim+json"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
CHALLENGE = 'Bearer realm="Stagegate SCIM"'


def scim_error(status: int, detail: str, scim_type: str | None = None) -> HttpResponse:
    """A SCIM error response (RFC 7644 3.12): the status is a string in the body."""
    body = {"schemas": [ERROR_SCHEMA], "status": str(status), "detail": detail}
    if scim_type:
        body["scimType"] = scim_type
    return HttpResponse(json.dumps(body), status=status, content_type=SCIM_CONTENT_TYPE)


def _unauthorized(detail: str, *, bad_token: bool) -> HttpResponse:
    response = scim_error(401, detail)
    # RFC 6750 3: say why when a token was sent and refused.
    response["WWW-Authenticate"] = CHALLENGE + (', error="invalid_token"' if bad_token else "")
    return response


def authenticate(request: HttpRequest):
    """The token's user, or the 401/403 response to send instead."""
    scheme, _, key = request.META.get("HTTP_AUTHORIZATION", "").strip().partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not key:
        return None, _unauthorized("Send the SCIM token as 'Authorization: Bearer <token>'.", bad_token=False)
    # A key that cannot be one never reaches the database.
    token = (token_with_user(key) if len(key) == TOKEN_LENGTH and key.isascii() and key.isalnum() else None)
    if token is None or not token.user.is_active or has_expired(token):
        return None, _unauthorized("The token is not valid (unknown, revoked or expired).", bad_token=True)
    if not may_provision(token.user):
        return None, scim_error(403, "This token may not provision people: only the SCIM service account "
                                     "(manage.py create_scim_token) may.")
    return token.user, None


class SCIMTokenAuthCheck:
    """The AUTH_CHECK_MIDDLEWARE: django-scim2 applies it to each SCIM view's dispatch."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        user, refusal = authenticate(request)
        if refusal is not None:
            return refusal
        # The service account, not whoever a session cookie names: history rows record it as the author.
        request.user = user
        return self.get_response(request, *args, **kwargs)
