"""The use case's lifecycle: the two transition tables, the refusals, and the docs that show them."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from core.errors import InvalidTransition
from intake import lifecycle, steps
from intake.choices import Stage, Status
from intake.models import UseCase
from tests.factories import UseCaseFactory

ALLOWED_STATUS = {
    (Status.DRAFT, Status.SUBMITTED), (Status.CHANGES_REQUESTED, Status.SUBMITTED),
    (Status.SUBMITTED, Status.IN_REVIEW), (Status.APPROVED, Status.IN_REVIEW),
    (Status.SUBMITTED, Status.APPROVED), (Status.IN_REVIEW, Status.APPROVED),
    (Status.SUBMITTED, Status.CHANGES_REQUESTED), (Status.IN_REVIEW, Status.CHANGES_REQUESTED),
    (Status.APPROVED, Status.CHANGES_REQUESTED),
    *[(s, Status.REJECTED) for s in (Status.SUBMITTED, Status.IN_REVIEW, Status.CHANGES_REQUESTED, Status.APPROVED)],
    *[(s, Status.WITHDRAWN) for s in (Status.DRAFT, Status.SUBMITTED, Status.IN_REVIEW, Status.CHANGES_REQUESTED,
                                      Status.APPROVED)],
}
PAIRS = [(a, b) for a, b in itertools.product(Status.values, repeat=2) if a != b]


@pytest.mark.parametrize(("current", "target"), PAIRS)
def test_the_status_table(current, target):
    assert (lifecycle.status_move(current, target) is not None) == ((current, target) in ALLOWED_STATUS)


def test_rejected_and_withdrawn_are_final():
    for final in lifecycle.FINAL_STATUSES:
        assert not [m for m in lifecycle.STATUS_MOVES if final in m.sources]


@pytest.mark.parametrize(("outcome", "current", "targets"), [
    ("scale", Stage.EXPLORATION, [Stage.PILOT]),
    ("scale", Stage.CONTROLLED_ROLLOUT, [Stage.SCALED]),
    ("scale", Stage.SCALED, []),
    ("pivot", Stage.EXPLORATION, []),
    ("pivot", Stage.SCALED, [Stage.EXPLORATION, Stage.PILOT, Stage.CONTROLLED_ROLLOUT]),
    ("pivot", Stage.PAUSED, [Stage.EXPLORATION, Stage.PILOT, Stage.CONTROLLED_ROLLOUT]),
    ("pause", Stage.PAUSED, []),
    ("pause", Stage.PILOT, [Stage.PAUSED]),
    ("kill", Stage.PAUSED, [Stage.STOPPED]),
    ("retire", Stage.EXPLORATION, []),
    *[("retire", s, [Stage.RETIRED]) for s in (Stage.PILOT, Stage.CONTROLLED_ROLLOUT, Stage.SCALED, Stage.PAUSED)],
    # An existing system placed at its real stage (reviews.services.use_case_register): once, from exploration.
    ("register", Stage.EXPLORATION, [Stage.PILOT, Stage.CONTROLLED_ROLLOUT, Stage.SCALED]),
    *[("register", s, []) for s in (Stage.PILOT, Stage.CONTROLLED_ROLLOUT, Stage.SCALED, Stage.PAUSED)],
    *[(o, s, []) for o in ("scale", "pivot", "pause", "kill", "retire", "register")
      for s in (Stage.STOPPED, Stage.RETIRED)],
])
def test_the_stage_table(outcome, current, targets):
    assert lifecycle.stage_targets(current, outcome) == targets


def test_nothing_moves_a_retired_use_case(db, ava, custops):
    use_case = UseCaseFactory(created_by=ava, business_unit=custops, status=Status.APPROVED, stage=Stage.RETIRED)
    with pytest.raises(InvalidTransition, match="is retired: it is closed and nothing moves it"):
        steps.move_status(use_case, to=Status.WITHDRAWN, actor=ava)
    with pytest.raises(InvalidTransition, match="is retired"):
        steps.move_stage(use_case, to=Stage.PILOT, outcome="pivot", actor=ava)
    assert UseCase.objects.filter(pk=use_case.pk, status=Status.APPROVED, stage=Stage.RETIRED).exists()


def test_an_illegal_status_move_says_why_and_writes_nothing(db, ava, custops):
    use_case = UseCaseFactory(created_by=ava, business_unit=custops)
    with pytest.raises(InvalidTransition, match="is draft, so it cannot be moved to approved now"):
        steps.move_status(use_case, to=Status.APPROVED, actor=ava)
    assert not use_case.events.exists()
    assert UseCase.objects.get(pk=use_case.pk).status == Status.DRAFT


def test_every_move_is_on_the_timeline_with_who_and_why(db, ava, custops):
    use_case = UseCaseFactory(created_by=ava, business_unit=custops)
    steps.move_status(use_case, to=Status.WITHDRAWN, actor=ava, note="Superseded.")
    event = use_case.events.get()
    assert (event.kind, event.from_status, event.to_status, event.actor, event.note) == (
        "status_withdrawn", Status.DRAFT, Status.WITHDRAWN, ava, "Superseded.")


def _markdown(rows, header) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join([*lines, *("| " + " | ".join(row) + " |" for row in rows)])


def test_docs_show_the_tables_as_the_code_has_them():
    text = (Path(__file__).resolve().parents[2] / "docs" / "architecture.md").read_text()
    assert _markdown(lifecycle.status_table(), ("Move", "From", "To", "Made by")) in text
    assert _markdown(lifecycle.stage_table(), ("Gate outcome", "From", "To")) in text
