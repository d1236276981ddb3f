"""Liveness and readiness probes for load balancers and orchestrators: JSON, no session, never cached.

/healthz/ says only that this process answers (restart it if not). /readyz/ says whether it can serve
work (send it traffic if so): the checks are in ops.checks, and docs/decisions/readiness-checks.md says
what each one means.
"""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from ops.checks import run_readiness_checks


@login_not_required
@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@login_not_required
@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    checks = run_readiness_checks()
    ready = not any(outcome.startswith("fail") for outcome in checks.values())
    return JsonResponse({"status": "ok" if ready else "fail", "checks": checks}, status=200 if ready else 503)
