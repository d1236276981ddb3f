"""OIDC is configured by OIDC_* environment variables alone, off when they are unset, loud when wrong."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import json, sys, config.settings.base as s; "
    "print(json.dumps({'enabled': s.OIDC_ENABLED, 'backends': s.AUTHENTICATION_BACKENDS, "
    "'discovery': s.OIDC_DISCOVERY_URL, 'local_login': s.LOCAL_LOGIN, 'scopes': s.OIDC_RP_SCOPES, "
    "'algo': s.OIDC_RP_SIGN_ALGO, 'fetched': 'identity.oidc' in sys.modules, "
    "'form_action': s.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action']}))"
)
CONFIGURED = {"OIDC_RP_CLIENT_ID": "stagegate", "OIDC_RP_CLIENT_SECRET": "s3cret",
              "OIDC_ISSUER": "https://idp.example/realms/corp/"}


def _settings(**environ: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OIDC_") and k != "LOCAL_LOGIN"}
    return subprocess.run(  # noqa: S603 - fixed interpreter and arguments
        [sys.executable, "-c", PROBE], cwd=ROOT, env={**clean, **environ},
        capture_output=True, text=True, timeout=60, check=False,
    )


def test_unset_means_off_and_the_password_login_as_before():
    result = json.loads(_settings().stdout)
    assert result["enabled"] is False and result["local_login"] is True
    assert not any(backend.startswith("identity.") for backend in result["backends"])
    assert result["form_action"] == ["'self'"]


def test_configured_adds_the_backend_and_reads_the_provider_only_when_asked():
    result = json.loads(_settings(**CONFIGURED, LOCAL_LOGIN="false").stdout)
    assert result["enabled"] is True
    assert result["discovery"] == "https://idp.example/realms/corp/.well-known/openid-configuration"
    assert result["backends"][1] == "identity.oidc.NoPasswordBackend"
    assert result["backends"][-1] == "identity.oidc.OidcBackend"
    assert (result["scopes"], result["algo"], result["local_login"]) == ("openid email profile groups", "RS256", False)
    # Logout's redirect to the provider's end-session endpoint follows a form POST.
    assert result["form_action"] == ["'self'", "https://idp.example"]
    assert result["fetched"] is False  # nothing about the provider is loaded, let alone fetched, at start-up


@pytest.mark.parametrize(("environ", "message"), [
    ({"OIDC_RP_CLIENT_ID": "stagegate", "OIDC_ISSUER": "https://idp.example"}, "set OIDC_RP_CLIENT_SECRET too"),
    ({"OIDC_RP_CLIENT_ID": "stagegate", "OIDC_RP_CLIENT_SECRET": "x"}, "set OIDC_ISSUER or OIDC_DISCOVERY_URL"),
    ({**CONFIGURED, "OIDC_RP_SIGN_ALGO": "none"}, "OIDC_RP_SIGN_ALGO='none': use one of"),
    ({"LOCAL_LOGIN": "false"}, "LOCAL_LOGIN=false needs OIDC sign-in"),
])
def test_a_half_configured_provider_refuses_to_start(environ, message):
    result = _settings(**environ)
    assert result.returncode != 0
    assert message in result.stderr
