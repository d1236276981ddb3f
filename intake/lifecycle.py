"""The use case's lifecycle: every move of its status and of its stage, as two tables.

``intake.steps.move_status`` and ``move_stage`` are the only code that changes either field, and they
ask ``check_status``/``check_stage`` first. The services call them after their own permission checks,
under the use case's row lock; a move the tables do not list raises ``InvalidTransition`` with the
reason in words (409 ``invalid_transition`` in the API, a message on the page). Each move is a
timeline event: who, when, and why.
docs/architecture.md shows these tables (tests/intake/test_lifecycle.py holds the two to each other).
"""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import InvalidTransition
from intake.choices import Stage, Status
from intake.models import UseCase

S, G = Status, Stage


@dataclass(frozen=True)
class Move:
    name: str  # what the move is called, as the timeline and the docs say it
    sources: tuple[str, ...]
    target: str
    by: str  # which service makes it


STATUS_MOVES: tuple[Move, ...] = (
    Move("submit", (S.DRAFT,), S.SUBMITTED, "use_case_submit"),
    Move("resubmit", (S.CHANGES_REQUESTED,), S.SUBMITTED, "use_case_submit"),
    Move("reviews open", (S.SUBMITTED, S.APPROVED), S.IN_REVIEW,
         "the review workflow (and periodic re-review, and a dependency flag's re-review)"),
    Move("approve", (S.SUBMITTED, S.IN_REVIEW), S.APPROVED, "review_decide: every required review approved"),
    Move("request changes", (S.SUBMITTED, S.IN_REVIEW, S.APPROVED), S.CHANGES_REQUESTED,
         "review_decide: request changes"),
    Move("reject", (S.SUBMITTED, S.IN_REVIEW, S.CHANGES_REQUESTED, S.APPROVED), S.REJECTED,
         "review_decide: stop; use_case_override_tier: prohibited"),
    Move("withdraw", (S.DRAFT, S.SUBMITTED, S.IN_REVIEW, S.CHANGES_REQUESTED, S.APPROVED), S.WITHDRAWN,
         "use_case_withdraw"),
)

WORKING = (G.EXPLORATION, G.PILOT, G.CONTROLLED_ROLLOUT, G.SCALED)
# Stage moves are gate outcomes (reviews.services.gate_decide; register: reviews.services.use_case_register):
# (outcome, from, to).
STAGE_MOVES: tuple[Move, ...] = (
    Move("scale", (G.EXPLORATION,), G.PILOT, "gate_decide"),
    Move("scale", (G.PILOT,), G.CONTROLLED_ROLLOUT, "gate_decide"),
    Move("scale", (G.CONTROLLED_ROLLOUT,), G.SCALED, "gate_decide"),
    Move("pivot", (G.PILOT, G.CONTROLLED_ROLLOUT, G.SCALED, G.PAUSED), G.EXPLORATION, "gate_decide"),
    Move("pivot", (G.CONTROLLED_ROLLOUT, G.SCALED, G.PAUSED), G.PILOT, "gate_decide"),
    Move("pivot", (G.SCALED, G.PAUSED), G.CONTROLLED_ROLLOUT, "gate_decide"),
    Move("pause", WORKING, G.PAUSED, "gate_decide"),
    Move("kill", (*WORKING, G.PAUSED), G.STOPPED, "gate_decide"),
    Move("retire", (G.PILOT, G.CONTROLLED_ROLLOUT, G.SCALED, G.PAUSED), G.RETIRED, "gate_decide"),
    # An existing system placed at its real stage, once, with what is missing as a remediation list.
    Move("register", (G.EXPLORATION,), G.PILOT, "use_case_register"),
    Move("register", (G.EXPLORATION,), G.CONTROLLED_ROLLOUT, "use_case_register"),
    Move("register", (G.EXPLORATION,), G.SCALED, "use_case_register"),
)
# Stages nothing leaves: no gate, no status move (a stopped or retired system is history).
FINAL_STAGES = (G.STOPPED, G.RETIRED)
# Statuses nothing leaves.
FINAL_STATUSES = (S.REJECTED, S.WITHDRAWN)


def status_move(current: str, target: str) -> Move | None:
    return next((m for m in STATUS_MOVES if current in m.sources and m.target == target), None)


def stage_move(current: str, target: str, outcome: str) -> Move | None:
    return next((m for m in STAGE_MOVES if m.name == outcome and current in m.sources and m.target == target), None)


def stage_targets(current: str, outcome: str) -> list[str]:
    """Where ``outcome`` may take a use case in stage ``current``, in stage order."""
    targets = {m.target for m in STAGE_MOVES if m.name == outcome and current in m.sources}
    return [stage for stage in Stage.values if stage in targets]


def _status_label(use_case: UseCase) -> str:
    return use_case.get_status_display().lower()


def final_reason(use_case: UseCase) -> str:
    """Why nothing may move on this use case any more; "" while it is open."""
    if use_case.stage in FINAL_STAGES:
        return f"{use_case.reference} is {use_case.get_stage_display().lower()}: it is closed and nothing moves it."
    return ""


def allows_status(use_case: UseCase, target: str) -> bool:
    """Whether the use case may move to status ``target`` now (to offer the action on a page)."""
    return not final_reason(use_case) and status_move(use_case.status, target) is not None


def check_status(use_case: UseCase, target: str, *, action: str) -> Move:
    """The status move ``action`` needs, or InvalidTransition saying why it is not possible now."""
    reason = final_reason(use_case)
    move = None if reason else status_move(use_case.status, target)
    if move is None:
        raise InvalidTransition(reason or f"{use_case.reference} is {_status_label(use_case)}, so it cannot "
                                          f"be {action} now.")
    return move


def check_stage(use_case: UseCase, target: str, *, outcome: str) -> Move:
    reason = final_reason(use_case)
    move = None if reason else stage_move(use_case.stage, target, outcome)
    if move is None:
        stage = use_case.get_stage_display().lower()
        raise InvalidTransition(reason or f"{use_case.reference} is in {stage}: there is no {outcome} "
                                          f"to {Stage(target).label.lower()} from there.")
    return move


def status_table() -> list[tuple[str, str, str, str]]:
    """(move, from, to, made by) rows with labels, for the docs."""
    return [(m.name, ", ".join(Status(s).label for s in m.sources), Status(m.target).label, m.by)
            for m in STATUS_MOVES]


def stage_table() -> list[tuple[str, str, str]]:
    return [(m.name, ", ".join(Stage(s).label for s in m.sources), Stage(m.target).label) for m in STAGE_MOVES]
