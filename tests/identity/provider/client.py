"""The tests' side of the test OpenID Connect provider: start it, stop it, change people, sign in.

``oidc_provider`` (a session fixture) starts ``serve.py`` once per test process (each xdist worker
its own, on a free port, with its own SQLite database in a temporary directory).
"""

from __future__ import annotations

import copy
import datetime
import json
import os
import re
import secrets
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests
from django.test import override_settings

ROOT = Path(__file__).resolve().parents[3]
PASSWORD = "provider-password"
CLIENT_SECRET = "stagegate-test-secret"
TEST_CALLBACK = "http://testserver/oidc/callback/"
TEST_LOGIN = "http://testserver/accounts/login/"
# Behind the tests' fixed clock (tests/conftest.py): every ID token is issued before any test's
# "now" and expires (10 hours) long after, however long the run.
CLOCK_LEAD = datetime.timedelta(hours=1)


@dataclass
class Provider:
    base_url: str
    control_token: str
    process: subprocess.Popen
    client_id: str = "stagegate"
    client_secret: str = CLIENT_SECRET
    _known: set[str] = field(default_factory=set)

    @property
    def issuer(self) -> str:
        return f"{self.base_url}/o"

    def settings(self, **extra) -> override_settings:
        """Stagegate's settings pointing at this provider, as the OIDC_* environment would set them."""
        from django.conf import settings

        backends = [b for b in settings.AUTHENTICATION_BACKENDS if b != "identity.oidc.OidcBackend"]
        # As the settings do for a configured provider: logout's redirect there is a form-action.
        csp = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
        csp["DIRECTIVES"]["form-action"].append(self.base_url)
        values = {
            "OIDC_ENABLED": True, "OIDC_RP_CLIENT_ID": self.client_id, "OIDC_RP_CLIENT_SECRET": self.client_secret,
            "OIDC_ISSUER": self.issuer, "OIDC_DISCOVERY_URL": f"{self.issuer}/.well-known/openid-configuration",
            "OIDC_PROVIDER_NAME": "Test IdP", "AUTHENTICATION_BACKENDS": [*backends, "identity.oidc.OidcBackend"],
            "CONTENT_SECURITY_POLICY": csp,
        }
        return override_settings(**{**values, **extra})

    def _control(self, path: str, payload: dict) -> dict:
        response = requests.post(f"{self.base_url}/control/{path}/", json=payload, timeout=10,
                                 headers={"X-Control-Token": self.control_token})
        response.raise_for_status()
        return response.json()

    def person(self, username: str, *, groups: list[str] | None = None, email: str | None = None,
               email_verified: bool = True, is_active: bool = True, **names: str) -> str:
        """Create or change a person at the provider; returns their subject (sub)."""
        payload = {"username": username, "email": email or f"{username}@idp.example", "email_verified": email_verified,
                   "is_active": is_active, "password": PASSWORD, **names}
        if groups is not None:
            payload["groups"] = groups
        return self._control("users", payload)["sub"]

    def allow_redirects(self, *, callback: str, after_logout: str) -> None:
        self._control("client", {"redirect_uris": [callback], "post_logout_redirect_uris": [after_logout]})

    def authorize(self, browser: requests.Session, url: str, username: str) -> str:
        """Follow ``url`` (our redirect to the provider) as ``username``; the URL the provider sends back to."""
        response = browser.get(url, allow_redirects=False, timeout=10)
        for _ in range(10):
            if response.is_redirect:
                target = urljoin(response.url, response.headers["Location"])
                if not target.startswith(self.base_url):
                    return target
                response = browser.get(target, allow_redirects=False, timeout=10)
            elif response.status_code == 200 and 'name="password"' in response.text:
                token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text)[1]
                form = {"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD}
                response = browser.post(response.url, data=form, headers={"Referer": response.url},
                                        allow_redirects=False, timeout=10)
            else:
                raise AssertionError(f"The provider answered {response.status_code}: {response.text[:500]}")
        raise AssertionError("The provider kept redirecting.")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_provider(directory: Path, clock: datetime.datetime) -> Provider:
    token = secrets.token_urlsafe(24)
    ignored = {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL"}
    env = {key: value for key, value in os.environ.items() if key not in ignored}
    env.update(PROVIDER_DB=str(directory / "provider.sqlite3"), PROVIDER_CONTROL_TOKEN=token,
               PROVIDER_CLOCK=(clock - CLOCK_LEAD).isoformat(), PROVIDER_CLIENT_SECRET=CLIENT_SECRET,
               PROVIDER_REDIRECT_URIS=TEST_CALLBACK, PROVIDER_LOGOUT_URIS=TEST_LOGIN)
    log = (directory / "provider.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.identity.provider.serve"], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=log, text=True,
    )
    started: dict = {}

    def read_port() -> None:
        line = process.stdout.readline()
        if line:
            started.update(json.loads(line))

    reader = threading.Thread(target=read_port, daemon=True)
    reader.start()
    reader.join(timeout=60)
    if "port" not in started:
        process.kill()
        raise RuntimeError(f"The test OIDC provider did not start: {(directory / 'provider.log').read_text()[-2000:]}")
    return Provider(base_url=f"http://127.0.0.1:{started['port']}", control_token=token, process=process)


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory) -> Provider:
    from tests.conftest import FIXED_INSTANT

    provider = start_provider(tmp_path_factory.mktemp("oidc-provider"), FIXED_INSTANT)
    yield provider
    provider.stop()


def callback_path(url: str) -> str:
    """The provider's redirect back to us, as the Django test client asks for it."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def sign_in_through(client, provider: Provider, browser: requests.Session, username: str, *, next_url: str = ""):
    """The whole round trip: our start URL, the provider (its login form), our callback. Its response."""
    start = client.get("/oidc/authenticate/", {"next": next_url} if next_url else {})
    assert start.status_code == 302, start
    back = provider.authorize(browser, start["Location"], username)
    assert back.startswith(TEST_CALLBACK), back
    return client.get(callback_path(back))
