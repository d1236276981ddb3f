"""What the drills do as people and API clients would: a browser session, an API token, a record of answers."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

import requests

from drills.stack import DEMO_PASSWORD

TIMEOUT = 30  # seconds; a request that takes longer counts as hung


@dataclass
class Answers:
    """Every answer the drill got: status codes (0: no answer) and the slowest one."""

    codes: Counter = field(default_factory=Counter)
    slowest: float = 0.0
    failures: list[str] = field(default_factory=list)

    def record(self, what: str, status: int, seconds: float) -> None:
        self.codes[status] += 1
        self.slowest = max(self.slowest, seconds)
        if status == 0 or (status >= 500 and status != 503):
            self.failures.append(f"{what} -> {status or 'no answer'} after {seconds:.1f} s")

    def summary(self) -> str:
        codes = ", ".join(f"{code or 'none'}x{count}" for code, count in sorted(self.codes.items()))
        return f"{sum(self.codes.values())} requests ({codes}), slowest {self.slowest:.2f} s"


class Client:
    """One cookie jar (a browser) or one token (an API client), talking to any of the web processes."""

    def __init__(self, answers: Answers | None = None, token: str | None = None) -> None:
        self.session = requests.Session()
        self.answers = answers if answers is not None else Answers()
        if token:
            self.session.headers["Authorization"] = f"Token {token}"

    def request(self, method: str, url: str, **kwargs) -> requests.Response | None:
        started = time.monotonic()
        try:
            response = self.session.request(method, url, timeout=TIMEOUT, allow_redirects=False, **kwargs)
        except requests.RequestException:
            self.answers.record(f"{method} {url}", 0, time.monotonic() - started)
            return None
        self.answers.record(f"{method} {url}", response.status_code, time.monotonic() - started)
        return response

    def get(self, url: str, **kwargs) -> requests.Response | None:
        return self.request("GET", url, **kwargs)

    def post_form(self, url: str, data: dict) -> requests.Response | None:
        """A form post as a browser sends it: the CSRF token from the cookie, and the Referer."""
        token = self.session.cookies.get("csrftoken", "")
        return self.request("POST", url, data={"csrfmiddlewaretoken": token, **data}, headers={"Referer": url})

    def post_json(self, url: str, data: dict | None = None) -> requests.Response | None:
        return self.request("POST", url, json=data or {})

    def sign_in(self, base: str, username: str) -> bool:
        """GET the login page (for the CSRF cookie) and POST the password, as a browser does."""
        page = self.get(f"{base}/accounts/login/")
        if page is None or page.status_code != 200:
            return False
        answer = self.post_form(f"{base}/accounts/login/", {"username": username, "password": DEMO_PASSWORD,
                                                            "next": ""})
        return answer is not None and answer.status_code == 302 and "/accounts/login/" not in answer.headers.get(
            "Location", "")


def api_token(base: str, username: str) -> str:
    response = requests.post(f"{base}/api/v1/auth/token/", json={"username": username, "password": DEMO_PASSWORD},
                             timeout=TIMEOUT)
    response.raise_for_status()
    return response.json()["token"]
