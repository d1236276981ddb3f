"""Delta sync at the risky instants (tests/instants.py), through the real API.

``updated_since`` means "changed strictly after this instant", whatever
offset the cursor is written with (README, "Delta sync"): the London wall
time with its offset and the same instant in UTC are one cursor, the two
01:30s of the autumn night are two, and the newest ``updated_at`` received,
used as the next cursor, returns nothing that has not changed since.
"""

import datetime

import pytest

from tests.factories import UseCaseFactory
from tests.instants import AUTUMN_FIRST, AUTUMN_SECOND, IDS, INSTANTS, UTC, local

from .conftest import client_for

LIST = "/api/v1/use-cases/"
SECOND = datetime.timedelta(seconds=1)


@pytest.fixture(autouse=True)
def london(settings):
    settings.TIME_ZONE = "Europe/London"


def _changed_at(clock, ava, custops, moments: dict[str, datetime.datetime]) -> dict[str, str]:
    """A use case last changed at each moment (in time order); its reference -> the moment's name."""
    references = {}
    for name, when in sorted(moments.items(), key=lambda item: item[1].astimezone(UTC)):
        clock.move_to(when, tick=False)
        references[UseCaseFactory(created_by=ava, business_unit=custops, title=f"Changed {name}").reference] = name
    return references


def _z(when: datetime.datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sync(api, since: str, page_size: int = 50) -> list[dict]:
    """Every row changed after ``since``, following next links."""
    response = api.get(LIST, {"updated_since": since, "page_size": page_size})
    rows = []
    while True:
        assert response.status_code == 200, response.json()
        body = response.json()
        rows += body["results"]
        if body["next"] is None:
            return rows
        response = api.get(body["next"])


@pytest.mark.parametrize("instant", INSTANTS, ids=IDS)
def test_a_delta_sync_from_the_instant_returns_only_what_changed_after_it(instant, clock, ava, custops):
    names = _changed_at(clock, ava, custops, {"before": instant.utc - SECOND, "at": instant.utc,
                                              "after": instant.utc + SECOND})
    clock.move_to(instant.utc + datetime.timedelta(hours=1), tick=False)
    ava_api = client_for(ava)  # a token issued now: tokens expire, and the instants are months apart

    for cursor in (instant.at.isoformat(), _z(instant.at)):  # e.g. ...T01:30:00+01:00 and ...T00:30:00Z
        rows = _sync(ava_api, cursor)
        assert [names[row["reference"]] for row in rows] == ["after"], cursor
        assert rows[0]["updated_at"] == _z(instant.utc + SECOND)  # answered in UTC
        assert _sync(ava_api, rows[-1]["updated_at"]) == []  # the newest received, as the next cursor

    walked = _sync(ava_api, _z(instant.utc - 2 * SECOND), page_size=1)  # one row a page, across the instant
    assert [names[row["reference"]] for row in walked] == ["before", "at", "after"]


def test_the_two_0130s_of_the_autumn_night_are_two_cursors(clock, ava, custops):
    day = AUTUMN_FIRST.day
    names = _changed_at(clock, ava, custops, {
        "first 01:30 (BST)": AUTUMN_FIRST.at,
        "01:00 again (GMT)": local(day, 1, 0, fold=1),  # between the two 01:30s, though its wall time is earlier
        "second 01:30 (GMT)": AUTUMN_SECOND.at,
        "01:45 (GMT)": local(day, 1, 45, fold=1),
    })
    clock.move_to(local(day, 3, 0), tick=False)
    ava_api = client_for(ava)

    def synced(cursor: str, page_size: int = 50) -> list[str]:
        return [names[row["reference"]] for row in _sync(ava_api, cursor, page_size)]

    assert AUTUMN_FIRST.at.isoformat() == "2026-10-25T01:30:00+01:00"
    assert synced("2026-10-25T01:30:00+01:00") == ["01:00 again (GMT)", "second 01:30 (GMT)", "01:45 (GMT)"]
    assert synced("2026-10-25T01:30:00+00:00") == ["01:45 (GMT)"]
    # In the order things happened (UTC), not by London wall time, one row a page.
    assert synced("2026-10-25T00:00:00+01:00", page_size=1) == [
        "first 01:30 (BST)", "01:00 again (GMT)", "second 01:30 (GMT)", "01:45 (GMT)"]
