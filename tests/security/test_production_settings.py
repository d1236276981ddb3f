"""Production settings: secure cookies, HSTS, HTTPS redirect, and `check --deploy` clean."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECRET = "s" * 24 + "-production-test-key-" + "k" * 24
NAMES = ["DEBUG", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE",
         "CSRF_COOKIE_SAMESITE", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
         "SECURE_HSTS_PRELOAD", "SECURE_CONTENT_TYPE_NOSNIFF", "SECURE_REFERRER_POLICY", "X_FRAME_OPTIONS",
         "SECURE_PROXY_SSL_HEADER", "SECURE_CROSS_ORIGIN_OPENER_POLICY", "AUTHENTICATION_BACKENDS", "MIDDLEWARE",
         "AXES_FAILURE_LIMIT", "AXES_COOLOFF_MINUTES", "AXES_IP_FAILURE_LIMIT", "API_TOKEN_TTL_HOURS",
         "PASSWORD_RESET_LIMIT_PER_ADDRESS", "PASSWORD_RESET_LIMIT_PER_IP", "WEBHOOK_ALLOWED_HOSTS"]


def _run(code: str, **environ: str) -> subprocess.CompletedProcess:
    ours = {"SECRET_KEY", "DJANGO_SETTINGS_MODULE", "DEBUG", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
            "TRUSTED_PROXY_COUNT", *NAMES}
    clean = {k: v for k, v in os.environ.items() if k not in ours}
    return subprocess.run(  # noqa: S603 - fixed interpreter and arguments
        [sys.executable, "-c", code], cwd=ROOT, env={**clean, **environ},
        capture_output=True, text=True, timeout=120, check=False,
    )


def production_settings(**environ: str) -> dict:
    code = ("import json\nimport django.conf.global_settings as g\nimport config.settings.production as p\n"
            f"print(json.dumps({{n: getattr(p, n, getattr(g, n, None)) for n in {NAMES!r}}}))")
    result = _run(code, SECRET_KEY=SECRET, **environ)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_cookies_and_transport_are_secure():
    values = production_settings(DEBUG="true")  # DEBUG from the environment is ignored in production
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SESSION_COOKIE_SAMESITE"] == "Lax" and values["CSRF_COOKIE_SAMESITE"] == "Lax"
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True and values["SECURE_HSTS_PRELOAD"] is True
    assert values["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert values["SECURE_REFERRER_POLICY"] == "same-origin"
    assert values["X_FRAME_OPTIONS"] == "DENY"
    assert values["SECURE_CROSS_ORIGIN_OPENER_POLICY"] == "same-origin"


def test_x_forwarded_proto_is_trusted_only_behind_our_proxy():
    """Without a proxy of ours in front, a client could claim HTTPS with the header itself."""
    assert production_settings()["SECURE_PROXY_SSL_HEADER"] is None
    assert production_settings(TRUSTED_PROXY_COUNT="0")["SECURE_PROXY_SSL_HEADER"] is None
    assert production_settings(TRUSTED_PROXY_COUNT="1")["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO",
                                                                                       "https"]


def test_production_keeps_the_lockout_and_the_policy():
    values = production_settings()
    assert values["AUTHENTICATION_BACKENDS"][0] == "intake.auth.LoginLockoutBackend"
    assert "csp.middleware.CSPMiddleware" in values["MIDDLEWARE"]
    assert values["MIDDLEWARE"][-1] == "axes.middleware.AxesMiddleware"
    assert values["AXES_FAILURE_LIMIT"] == 5 and values["AXES_COOLOFF_MINUTES"] == 15


def test_lockout_limits_come_from_the_environment_and_fail_loudly():
    values = production_settings(AXES_FAILURE_LIMIT="3", AXES_COOLOFF_MINUTES="60")
    assert (values["AXES_FAILURE_LIMIT"], values["AXES_COOLOFF_MINUTES"]) == (3, 60)
    for name, value in (("AXES_FAILURE_LIMIT", "many"), ("AXES_FAILURE_LIMIT", "0"), ("AXES_COOLOFF_MINUTES", "-1")):
        result = _run("import config.settings.production", SECRET_KEY=SECRET, **{name: value})
        assert result.returncode != 0 and name in result.stderr, (name, value)


def test_check_deploy_is_clean():
    result = _run("import sys\nfrom django.core.management import execute_from_command_line\n"
                  "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])",
                  SECRET_KEY=SECRET, DJANGO_SETTINGS_MODULE="config.settings.production")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_token_reset_and_webhook_limits_come_from_the_environment_and_fail_loudly():
    values = production_settings()
    assert (values["API_TOKEN_TTL_HOURS"], values["AXES_IP_FAILURE_LIMIT"]) == (720, 20)
    assert (values["PASSWORD_RESET_LIMIT_PER_ADDRESS"], values["PASSWORD_RESET_LIMIT_PER_IP"]) == (3, 10)
    assert values["WEBHOOK_ALLOWED_HOSTS"] == []
    values = production_settings(API_TOKEN_TTL_HOURS="24", AXES_IP_FAILURE_LIMIT="50",
                                 WEBHOOK_ALLOWED_HOSTS="10.0.5.20, 10.1.0.0/16")
    assert (values["API_TOKEN_TTL_HOURS"], values["AXES_IP_FAILURE_LIMIT"]) == (24, 50)
    assert values["WEBHOOK_ALLOWED_HOSTS"] == ["10.0.5.20", "10.1.0.0/16"]
    for name, value in (("API_TOKEN_TTL_HOURS", "0"), ("API_TOKEN_TTL_HOURS", "forever"),
                        ("AXES_IP_FAILURE_LIMIT", "2"), ("PASSWORD_RESET_LIMIT_PER_IP", "0"),
                        ("PASSWORD_RESET_LIMIT_PER_ADDRESS", "-1"), ("WEBHOOK_ALLOWED_HOSTS", "hooks.internal")):
        result = _run("import config.settings.production", SECRET_KEY=SECRET, **{name: value})
        assert result.returncode != 0 and name in result.stderr, (name, value)
