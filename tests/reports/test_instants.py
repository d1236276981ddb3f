"""Board packs at the risky instants (tests/instants.py): stalls, period windows, the monthly run.

A pack's period is whole London days: from local midnight of its first day
to local midnight after its last, however many hours the days between have.
A use case is stalled once it has been idle for more than 30 London days,
counted on the calendar, not in 24-hour blocks.
"""

import datetime

import pytest

from reports import selectors, tasks
from reports.models import BoardPack
from reviews.models import GateDecision, Review
from tests.factories import UseCaseFactory
from tests.instants import (
    AUTUMN_FIRST,
    AUTUMN_SECOND,
    FEBRUARY_END,
    IDS,
    INSTANTS,
    LATE_EVENING,
    LEAP_DAY,
    ONE_DAY,
    SPRING_FORWARD,
    UTC,
    YEAR_END,
    hourly,
    local,
    london_day,
)

pytestmark = pytest.mark.django_db

STALL_DAYS = selectors.STALL_DAYS


@pytest.fixture(autouse=True)
def london(settings):
    settings.TIME_ZONE = "Europe/London"


def _pack(start: datetime.date, end: datetime.date) -> BoardPack:
    return BoardPack(audience="executive_monthly", period_start=start, period_end=end)


def _idle_since(ava, custops, when: datetime.datetime):
    """A use case in flight whose last activity (its submission) was at ``when``."""
    return UseCaseFactory(created_by=ava, business_unit=custops, status="in_review", stage="exploration",
                          submitted_at=when, title=f"Idle since {when.isoformat()}")


def _stalls_on(clock, as_at: datetime.date) -> dict[int, int]:
    """The pack built at 07:00 on ``as_at`` (when the beat runs): stalled use case -> idle days it shows."""
    clock.move_to(local(as_at, 7), tick=False)
    stalls = selectors.board_pack_data(_pack(as_at - 29 * ONE_DAY, as_at))["progress"]["stalls"]
    assert stalls["total"] == len(stalls["rows"])
    return {uc.pk: uc.idle_days for uc in stalls["rows"]}


# -- stalls --------------------------------------------------------------------------------

# Last activity (London days before the pack's day, hour, minute).
BEFORE_THE_PACK = [(STALL_DAYS + 1, 0, 30), (STALL_DAYS + 1, 23, 30), (STALL_DAYS, 0, 30), (STALL_DAYS, 23, 30)]


@pytest.mark.parametrize("instant", INSTANTS, ids=IDS)
def test_a_pack_built_at_the_instant_shows_as_stalled_what_has_been_idle_over_30_london_days(
        instant, clock, ava, custops):
    idle = {}
    for days, hour, minute in BEFORE_THE_PACK:
        use_case = _idle_since(ava, custops, local(instant.day - datetime.timedelta(days=days), hour, minute))
        idle[use_case.pk] = days
    clock.move_to(instant.at, tick=False)

    stalls = selectors.board_pack_data(_pack(instant.day - 29 * ONE_DAY, instant.day))["progress"]["stalls"]

    # 31 idle days from either end of the day, never 30: the cutoff is a London midnight, not 30 x 24 hours ago.
    assert {uc.pk: uc.idle_days for uc in stalls["rows"]} == {pk: d for pk, d in idle.items() if d > STALL_DAYS}


@pytest.mark.parametrize("instant", INSTANTS, ids=IDS)
def test_idle_days_count_london_days_from_the_instant_however_long_they_were(instant, clock, ava, custops):
    # The evening before the instant's London day, just after its midnight, and the instant itself.
    last_activity = [local(instant.day - ONE_DAY, 23, 30), local(instant.day, 0, 30), instant.at]
    idle_from = {_idle_since(ava, custops, when).pk: london_day(when) for when in last_activity}

    for later in (STALL_DAYS, STALL_DAYS + 1):
        as_at = instant.day + datetime.timedelta(days=later)
        expected = {pk: (as_at - day).days for pk, day in idle_from.items() if (as_at - day).days > STALL_DAYS}
        assert _stalls_on(clock, as_at) == expected, f"built on {as_at}"


# -- period windows --------------------------------------------------------------------------


def _decided_at(clock, ava, custops, moments: list[tuple[datetime.datetime, bool]]) -> dict[int, bool]:
    """A gate decision and a review decision at each moment, in time order; gate decision -> meant to be inside."""
    use_case = UseCaseFactory(created_by=ava, business_unit=custops, status="in_review", stage="pilot")
    decisions = {}
    for cycle, (when, inside) in enumerate(sorted(moments, key=lambda m: m[0].astimezone(UTC)), 1):
        clock.move_to(when, tick=False)
        decision = GateDecision.objects.create(use_case=use_case, outcome="scale", from_stage="exploration",
                                               to_stage="pilot", rationale=f"At {when.isoformat()}", decided_by=ava)
        Review.objects.create(use_case=use_case, function="security", stage="pilot", cycle=cycle,
                              status="approved", due_date=london_day(when), decided_at=when)
        decisions[decision.pk] = inside
    return decisions


def _in_pack(pack: BoardPack) -> tuple[set[int], int]:
    """The gate decisions the pack counts as moves of its period, and how many review decisions it counts."""
    data = selectors.board_pack_data(pack)
    moves = data["progress"]["moves"]
    assert moves["total"] == len(moves["rows"])
    return {m.pk for m in moves["rows"]}, data["resourcing"]["decided"]


def _edges(first: datetime.date, last: datetime.date) -> list[tuple[datetime.datetime, bool]]:
    """The first and last minute of a period (inside) and the minute before it and the midnight after (outside)."""
    return [(local(first - ONE_DAY, 23, 59), False), (local(first, 0, 0), True),
            (local(last, 23, 59), True), (local(last + ONE_DAY, 0, 0), False)]


@pytest.mark.parametrize("instant", INSTANTS, ids=IDS)
def test_a_one_day_pack_covers_exactly_that_london_day(instant, clock, ava, custops):
    # Every instant on that day is inside it: both 01:30s on the autumn night.
    moments = [*_edges(instant.day, instant.day), *[(i.at, True) for i in INSTANTS if i.day == instant.day]]
    decisions = _decided_at(clock, ava, custops, moments)
    clock.move_to(local(instant.day + ONE_DAY, 7), tick=False)

    moves, reviews_decided = _in_pack(_pack(instant.day, instant.day))

    inside = {pk for pk, is_inside in decisions.items() if is_inside}
    assert moves == inside
    assert reviews_decided == len(inside)


# The first working day after each instant and the month the pack built on it covers.
MONTHLY = {
    LATE_EVENING.name: (datetime.date(2026, 12, 1), datetime.date(2026, 11, 1), datetime.date(2026, 11, 30)),
    SPRING_FORWARD.name: (datetime.date(2026, 4, 1), datetime.date(2026, 3, 1), datetime.date(2026, 3, 31)),
    # 1 November 2026 is a Sunday.
    AUTUMN_FIRST.name: (datetime.date(2026, 11, 2), datetime.date(2026, 10, 1), datetime.date(2026, 10, 31)),
    AUTUMN_SECOND.name: (datetime.date(2026, 11, 2), datetime.date(2026, 10, 1), datetime.date(2026, 10, 31)),
    FEBRUARY_END.name: (datetime.date(2027, 3, 1), datetime.date(2027, 2, 1), datetime.date(2027, 2, 28)),
    LEAP_DAY.name: (datetime.date(2028, 3, 1), datetime.date(2028, 2, 1), datetime.date(2028, 2, 29)),
    YEAR_END.name: (datetime.date(2027, 1, 1), datetime.date(2026, 12, 1), datetime.date(2026, 12, 31)),
}


@pytest.mark.parametrize("instant", INSTANTS, ids=IDS)
def test_the_monthly_pack_is_built_once_on_the_next_first_working_day_for_the_month_just_ended(
        instant, clock, ava, custops):
    build_day, start, end = MONTHLY[instant.name]
    decisions = _decided_at(clock, ava, custops, _edges(start, end))
    days = [instant.day + datetime.timedelta(days=n) for n in range((build_day - instant.day).days + 3)]

    built = []
    for day, first_of_day in hourly(clock, days, instant):  # the beat fires on days 1-3; here every hour
        pack_id = tasks.build_monthly_executive_pack()
        if pack_id is not None:
            built.append((pack_id, day, first_of_day))

    pack = BoardPack.objects.get()
    assert built == [(pack.pk, build_day, True)]
    assert (pack.scheduled, pack.period_start, pack.period_end) == (True, start, end)
    moves, reviews_decided = _in_pack(pack)
    assert moves == {pk for pk, is_inside in decisions.items() if is_inside}
    assert reviews_decided == 2
