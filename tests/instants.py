"""The risky instants the date rules are checked at, as Europe/London wall times.

Half an hour before a local midnight, the nights the clocks change (spring:
01:00 GMT becomes 02:00 BST, a 23-hour day; autumn: 02:00 BST becomes 01:00
GMT, so 01:00-02:00 happens twice in a 25-hour day), the last day of February
and the last evening of the year. Test modules that use them pin
``settings.TIME_ZONE`` to Europe/London (the instants are London wall times)
and parametrize with ``INSTANTS`` and ``IDS``.

``python -m tests.instants`` prints each instant (ISO 8601 with its offset, one a
line) and ``--tests`` the test files of the date rules that CI runs starting at
each of them (``STAGEGATE_TEST_INSTANT``, tests/conftest.py).

Arithmetic on an aware London datetime is on its wall time (``+ 1 hour`` on the
autumn night does not move), so ``hourly`` steps in UTC.
"""

from __future__ import annotations

import datetime
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
UTC = datetime.UTC
ONE_DAY = datetime.timedelta(days=1)
ONE_HOUR = datetime.timedelta(hours=1)


def local(day: datetime.date, hour: int, minute: int = 0, *, fold: int = 0) -> datetime.datetime:
    """A London wall time; ``fold=1`` is the second of two equal wall times (the autumn night)."""
    return datetime.datetime.combine(day, datetime.time(hour, minute, fold=fold), tzinfo=LONDON)


def london_day(when: datetime.datetime) -> datetime.date:
    """The London calendar day of an aware instant, worked out here (not by the code under test)."""
    return when.astimezone(LONDON).date()


@dataclass(frozen=True)
class Instant:
    name: str
    at: datetime.datetime  # aware, Europe/London

    @property
    def day(self) -> datetime.date:
        """Its London calendar day."""
        return london_day(self.at)

    @property
    def utc(self) -> datetime.datetime:
        return self.at.astimezone(UTC)

    def __str__(self) -> str:
        return f"{self.name} ({self.at.isoformat()})"


LATE_EVENING = Instant("23:30 local", local(datetime.date(2026, 11, 18), 23, 30))  # an ordinary Wednesday
SPRING_FORWARD = Instant("spring-forward night", local(datetime.date(2026, 3, 29), 0, 30))  # clocks jump at 01:00
AUTUMN_FIRST = Instant("autumn fall-back night (first 01:30)", local(datetime.date(2026, 10, 25), 1, 30))  # BST
AUTUMN_SECOND = Instant("autumn fall-back night (second 01:30)",
                        local(datetime.date(2026, 10, 25), 1, 30, fold=1))  # GMT, an hour later
FEBRUARY_END = Instant("last day of February", local(datetime.date(2027, 2, 28), 23, 30))  # a Sunday
LEAP_DAY = Instant("last day of February (leap year)", local(datetime.date(2028, 2, 29), 23, 30))  # a Tuesday
YEAR_END = Instant("31 December", local(datetime.date(2026, 12, 31), 23, 30))  # a Thursday

INSTANTS = [LATE_EVENING, SPRING_FORWARD, AUTUMN_FIRST, AUTUMN_SECOND, FEBRUARY_END, LEAP_DAY, YEAR_END]
IDS = [instant.name for instant in INSTANTS]
# The date rules' own tests, which start at the test clock's instant and move from there.
RULE_TESTS = [
    "tests/reviews/test_reminders.py",
    "tests/reviews/test_tasks.py",
    "tests/vendors/test_expiry_reminders.py",
    "tests/reports/test_board_pack_data.py",
    "tests/reports/test_tasks.py",
    "tests/api/test_sync.py",
]

# The table is what it says: these assertions fail if an instant is mistyped.
assert SPRING_FORWARD.at.utcoffset() == datetime.timedelta(0)
assert (SPRING_FORWARD.utc + ONE_HOUR).astimezone(LONDON).hour == 2  # 01:30 does not exist that night
assert AUTUMN_SECOND.utc - AUTUMN_FIRST.utc == ONE_HOUR and AUTUMN_FIRST.day == AUTUMN_SECOND.day
assert AUTUMN_FIRST.at.utcoffset() == ONE_HOUR and AUTUMN_SECOND.at.utcoffset() == datetime.timedelta(0)



def hourly(clock, days: list[datetime.date], around: Instant) -> Iterator[tuple[datetime.date, bool]]:
    """Stop the clock at every whole hour from ``around`` (its minute) that falls on one of ``days``
    (consecutive London days), earliest first; yields the London day of each stop and whether it is
    that day's first stop.

    A 23-hour day gets 23 stops and a 25-hour day 25, as an hourly beat would see them. A daily
    rule should act at the first stop of its day: later ones catch up only what failed.
    """
    first, last = days[0], days[-1]
    start = around.utc
    while london_day(start - ONE_HOUR) >= first:
        start -= ONE_HOUR
    when, previous = start, None
    while london_day(when) <= last:
        day = london_day(when)
        clock.move_to(when, tick=False)
        yield day, day != previous
        when, previous = when + ONE_HOUR, day


def main(argv: list[str]) -> None:
    lines = RULE_TESTS if "--tests" in argv else [instant.at.isoformat() for instant in INSTANTS]
    print("\n".join(lines))


if __name__ == "__main__":
    main(sys.argv[1:])
