"""Who may change what the identity provider says about people. Default deny.

Provisioning (SCIM) is the job of a dedicated service account holding ``identity.provision``
(``create_scim_token`` makes one). An OIDC sign-in is the IdP speaking through a signed ID token the
authentication backend has verified: it may change only the person signing in.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from intake.auth import is_service_account

PROVISION = "identity.provision_users"


def may_provision(actor) -> bool:
    return (actor is not None and getattr(actor, "is_authenticated", False) and actor.is_active
            and is_service_account(actor) and actor.has_perm(PROVISION))


def require_provision(actor) -> None:
    if not may_provision(actor):
        raise PermissionDenied("Only the SCIM service account may provision people.")
