"""Cross-cutting audit: every write a governance admin makes is logged."""

import logging

from intake.models import GovernanceAdminAction
from intake.permissions import is_governance_admin

logger = logging.getLogger("stagegate.audit")
SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}


class GovernanceAdminAuditMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if request.method not in SAFE_METHODS and user is not None and is_governance_admin(user):
            GovernanceAdminAction.objects.create(
                user=user, method=request.method, path=request.path[:500], status_code=response.status_code
            )
            logger.info("governance admin %s %s %s -> %s", user.username, request.method, request.path,
                        response.status_code)
        return response
