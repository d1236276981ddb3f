"""Sign-in pages: the login page (password and/or the provider's button), logout, the OIDC flow.

Every way the provider's answer can go wrong (a stale or forged state, no code, the provider
down, a token that does not verify, a refused account) ends on the login page with a message.
"""

from __future__ import annotations

import logging

import jwt
import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import View
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from identity import oidc

log = logging.getLogger(__name__)

NOT_VERIFIED = "{provider} answered, but its answer could not be verified. Start the sign-in again."
UNREACHABLE = "{provider} cannot be reached just now. Try again in a few minutes."
# The discovery document could not be read or is not the configured issuer's.
NOT_AVAILABLE = ("Sign-in with {provider} is not available just now. Try again in a few minutes; "
                 "if it persists, tell whoever runs Stagegate.")


def _provider() -> str:
    return settings.OIDC_PROVIDER_NAME


class LoginView(auth_views.LoginView):
    """Django's login page; with LOCAL_LOGIN=false only the provider's button, and passwords refused."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(oidc_enabled=settings.OIDC_ENABLED, oidc_provider_name=_provider(),
                       local_login=settings.LOCAL_LOGIN)
        return context

    def post(self, request, *args, **kwargs):
        if settings.LOCAL_LOGIN:
            return super().post(request, *args, **kwargs)
        # Never reaches a password check (NoPasswordBackend refuses it there too, for every other form).
        context = self.get_context_data(form=self.form_class(request), password_refused=True)
        return self.render_to_response(context, status=403)


class LogoutView(auth_views.LogoutView):
    """Django's logout, then the provider's end-session endpoint for a session signed in there."""

    def post(self, request, *args, **kwargs):
        provider_url = oidc.end_session_url(request) if request.user.is_authenticated else None
        response = super().post(request, *args, **kwargs)
        return HttpResponseRedirect(provider_url) if provider_url else response


class OidcStartView(OIDCAuthenticationRequestView):
    """Sends the browser to the provider (state, nonce and PKCE kept in the session)."""

    def __init__(self, **kwargs):
        View.__init__(self, **kwargs)  # endpoints are read per request, not at start-up

    def get(self, request):
        if not settings.OIDC_ENABLED:
            raise Http404("Single sign-on is not configured.")
        try:
            self.OIDC_OP_AUTH_ENDPOINT = oidc.endpoint("authorization_endpoint")
        except oidc.ProviderError as exc:
            log.warning("OIDC sign-in not started: %s", exc)
            messages.error(request, NOT_AVAILABLE.format(provider=_provider()))
            return redirect("login")
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        return super().get(request)


class OidcCallbackView(OIDCAuthenticationCallbackView):
    """Where the provider sends the browser back with a code; mozilla-django-oidc checks state and nonce."""

    @property
    def failure_url(self):
        return reverse("login")

    def get(self, request):
        if not settings.OIDC_ENABLED:
            raise Http404("Single sign-on is not configured.")
        reason = self._early_failure(request)
        if reason:
            setattr(request, oidc.FAILURE_ATTRIBUTE, reason)
        try:
            return super().get(request)
        except oidc.ProviderError as exc:
            log.warning("OIDC sign-in failed: %s", exc)
            return self._fail(NOT_AVAILABLE.format(provider=_provider()))
        except requests.HTTPError as exc:
            log.warning("OIDC sign-in failed at the token endpoint: %s", exc)
            return self._fail(f"{_provider()} did not accept this sign-in (it may have taken too long, "
                              "or the link was used twice). Start the sign-in again.")
        except requests.RequestException as exc:
            log.warning("OIDC sign-in failed: %s", exc)
            return self._fail(UNREACHABLE.format(provider=_provider()))
        except (SuspiciousOperation, jwt.PyJWTError, KeyError, TypeError, ValueError) as exc:
            log.warning("OIDC sign-in refused: %s: %s", type(exc).__name__, exc)
            return self._fail(NOT_VERIFIED.format(provider=_provider()))

    @staticmethod
    def _early_failure(request) -> str:
        """What is wrong with the callback's own parameters, before anything is sent to the provider."""
        params = request.GET
        if params.get("error"):
            detail = params.get("error_description") or params["error"]
            return f"{_provider()} did not sign you in: {detail[:200]}"
        if not params.get("code") or not params.get("state"):
            return "The sign-in answer was incomplete (no code or state). Start the sign-in again."
        if params["state"] not in request.session.get("oidc_states", {}):
            return ("This sign-in answer does not belong to a sign-in started in this browser, or it was "
                    "already used. Start the sign-in again.")
        return ""

    def _fail(self, message: str):
        # What _early_failure found (a stale state, say) explains it better than what it then caused.
        setattr(self.request, oidc.FAILURE_ATTRIBUTE, getattr(self.request, oidc.FAILURE_ATTRIBUTE, "") or message)
        return self.login_failure()

    def login_failure(self):
        message = getattr(self.request, oidc.FAILURE_ATTRIBUTE, "") or NOT_VERIFIED.format(provider=_provider())
        messages.error(self.request, message)
        return HttpResponseRedirect(self.failure_url)
