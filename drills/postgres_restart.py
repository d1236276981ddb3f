"""Drill 5: PostgreSQL restarted under load."""

from __future__ import annotations

import threading
import time
from collections import Counter

import requests

from drills.journeys import TIMEOUT, Client, api_token
from drills.packs import _request_pack, _status
from drills.results import Result, wait_for
from drills.stack import Stack

DOWN_SECONDS = 5


class Load:
    """Requests to both web processes, back to back, from a signed-in browser and an API client."""

    def __init__(self, stack: Stack, browser: Client, token: str) -> None:
        self.stack, self.browser, self.token = stack, browser, token
        self.answers: list[tuple[float, int, int, float]] = []  # (sent at, web index, status, seconds)
        self.running = True
        self.threads = [threading.Thread(target=self._run, args=(index,), daemon=True) for index in (0, 1)]
        for thread in self.threads:
            thread.start()

    def _run(self, index: int) -> None:
        api = requests.Session()
        api.headers["Authorization"] = f"Token {self.token}"
        base = self.stack.web(index)
        calls = [lambda: self.browser.session.get(f"{base}/intake/", timeout=TIMEOUT, allow_redirects=False),
                 lambda: api.get(f"{base}/api/v1/use-cases/", timeout=TIMEOUT)]
        n = 0
        while self.running:
            sent = time.monotonic()
            try:
                status = calls[n % 2]().status_code
            except requests.RequestException:
                status = 0
            self.answers.append((sent, index, status, time.monotonic() - sent))
            n += 1
            time.sleep(0.05)

    def stop(self) -> None:
        self.running = False
        for thread in self.threads:
            thread.join(TIMEOUT + 5)

    def between(self, start: float, end: float) -> list[tuple[float, int, int, float]]:
        return [row for row in self.answers if start <= row[0] < end]


def _readyz(stack: Stack) -> tuple[int, dict | None]:
    try:
        response = requests.get(f"{stack.web(0)}/readyz/", timeout=TIMEOUT)
    except requests.RequestException:
        return 0, None
    try:
        return response.status_code, response.json()
    except ValueError:
        return response.status_code, None


def postgres_restart(stack: Stack, shared: dict) -> Result:
    """PostgreSQL restarted: /readyz/ says so, requests answer 503 not 500, service resumes by itself."""
    from django.db import connections

    result = Result("5. PostgreSQL restarted under load")
    browser = Client()
    result.expect(browser.sign_in(stack.web(0), "pmo.lead"), "pmo.lead could not sign in")
    token = api_token(stack.web(1), "pmo.lead")
    status, body = _readyz(stack)
    readiness = bool(body and body.get("checks", {}).get("database"))
    result.note(f"/readyz/ before: {status} {body}" if readiness else
                f"/readyz/ has no database check yet ({status} {body}): its part is skipped")
    web_pids = {name: process.pid for name, process in stack.processes.items() if name.startswith("web")}
    connections.close_all()  # the drill's own connection would break too
    load = Load(stack, browser, token)
    try:
        time.sleep(3)
        stopped = time.monotonic()
        stack.stop_postgres("fast")
        down_at = time.monotonic()
        probe = _readyz(stack)
        time.sleep(DOWN_SECONDS)
        stack.start_postgres()
        back = time.monotonic()
        recovered = {}
        for index in (0, 1):
            wait_for(lambda index=index: any(row[1] == index and row[2] == 200
                                              for row in load.between(back, time.monotonic())), 30, 0.1)
            first = [row for row in load.between(back, time.monotonic()) if row[1] == index and row[2] == 200]
            recovered[index] = first[0][0] + first[0][3] - back if first else None
        time.sleep(3)
    finally:
        load.stop()
        if not stack.pg_running:
            stack.start_postgres()
    during = load.between(stopped, back)
    after = load.between(back + max(v or 30 for v in recovered.values()) + 0.5, time.monotonic())
    codes = Counter(row[2] for row in during)
    slowest = max((row[3] for row in load.answers), default=0)
    result.note(f"PostgreSQL stopped (fast shutdown) for {back - down_at:.1f} s under load on both web processes: "
                f"{len(during)} requests meanwhile, status codes {dict(sorted(codes.items()))}; slowest answer of "
                f"the whole drill {slowest:.2f} s")
    result.expect(not [c for c in codes if c not in (200, 302, 503)],
                  f"answers other than 200/302/503 while it was down: {dict(codes)}")
    result.expect(codes[503] > 0, "no request saw the database down: the drill proves nothing")
    result.expect(slowest < 5, f"a request took {slowest:.1f} s")
    if readiness:
        result.note(f"/readyz/ probed once right after the stop: {probe[0]} {probe[1]}")
        checks = (probe[1] or {}).get("checks", {})
        result.expect(probe[0] == 503 and str(checks.get("database", "")).startswith("fail"),
                      "/readyz/ did not report the database failing at the first probe")
    result.note("first 200 after PostgreSQL was back: " + ", ".join(
        f":{stack.web_ports[i]} after {s:.1f} s" if s is not None else f":{stack.web_ports[i]} never"
        for i, s in recovered.items()))
    result.expect(all(s is not None for s in recovered.values()), "a web process did not recover")
    after_codes = Counter(row[2] for row in after)
    same = web_pids == {name: process.pid for name, process in stack.processes.items() if name.startswith("web")}
    result.note(f"afterwards: {dict(after_codes)}, from the same gunicorn processes "
                f"({'unchanged' if same else 'CHANGED'})")
    result.expect(set(after_codes) <= {200, 302}, f"answers after recovery: {dict(after_codes)}")
    if readiness:
        status, body = _readyz(stack)
        result.note(f"/readyz/ after: {status}")
    # The workers reconnect too: a pack requested now is rendered.
    pack_id = _request_pack(browser, stack.web(1))
    rendered = pack_id is not None and wait_for(lambda: _status(pack_id) == "ready", 90, 0.5)
    result.note(f"a board pack requested after the restart: {_status(pack_id) if pack_id else 'not requested'}")
    result.expect(rendered, "the workers did not render a pack after the restart")
    return result
