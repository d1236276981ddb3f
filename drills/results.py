"""What a drill reports: a name, passed or not, and the figures it found."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Result:
    name: str
    figures: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.problems

    def note(self, figure: str) -> None:
        self.figures.append(figure)
        print(f"    {figure}")

    def expect(self, condition: bool, problem: str) -> bool:
        if not condition:
            self.problems.append(problem)
            print(f"    FAIL: {problem}")
        return condition


def wait_for(condition: Callable[[], bool], timeout: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()
