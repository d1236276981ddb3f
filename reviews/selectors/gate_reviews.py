"""Reviews at the gates (governance model: the tier policy names which functions approve before Pilot and
which re-review at Pilot -> Controlled rollout and Controlled rollout -> Scaled).

Before Pilot the reviews opened at submission count: each named function's latest review must approve.
At the later gates only a review opened at the current stage counts (a cycle asked for at this gate,
``reviews.services.gate_reviews_request``), so an approval given at submission is never taken for one.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import formats, timezone

from intake.choices import ReviewFunction, Stage
from intake.models import TierRequirement, UseCase
from intake.selectors import depends_on_vendor, required_review_functions
from reviews.choices import APPROVED_STATUSES, AWAITING_DECISION
from reviews.models import GateDecision, Review

from .criteria import Criterion

# Which TierRequirement flag names the functions of each gate, by the stage the gate leads to.
GATE_FLAG = {Stage.PILOT: "before_pilot", Stage.CONTROLLED_ROLLOUT: "at_controlled_rollout",
             Stage.SCALED: "at_scaled"}
# The gate from each stage at which re-reviews are asked for.
REREVIEW_GATE = {Stage.PILOT: Stage.CONTROLLED_ROLLOUT, Stage.CONTROLLED_ROLLOUT: Stage.SCALED}
NOT_REQUESTED = "not requested yet"


def gate_review_requirements(use_case: UseCase, to_stage: str) -> dict[str, int]:
    """The functions that must approve at the gate into ``to_stage``, with each one's SLA in days."""
    flag = GATE_FLAG.get(to_stage)
    if flag is None or use_case.risk_tier not in ("low", "medium", "high"):
        return {}
    rows = TierRequirement.objects.filter(tier=use_case.risk_tier, **{flag: True}).order_by("function")
    rows = list(rows.values_list("function", "sla_days", "only_with_vendor"))
    # As required_review_functions: a vendor-only function counts only when there is a vendor.
    has_vendor = any(vendor_only for _f, _sla, vendor_only in rows) and depends_on_vendor(use_case)
    return {function: sla for function, sla, vendor_only in rows if has_vendor or not vendor_only}


def gate_review_functions(use_case: UseCase, to_stage: str) -> list[str]:
    return list(gate_review_requirements(use_case, to_stage))


def latest_reviews(use_case: UseCase, *, stage: str = "") -> dict[str, Review]:
    """Each function's review of the highest cycle (only those opened at ``stage`` when given, since the use case
    last entered it: after a pivot back, the earlier pass's gate reviews do not count again)."""
    reviews = Review.objects.filter(use_case=use_case).select_related("decided_by").order_by("function", "-cycle")
    if stage:
        entries = GateDecision.objects.filter(use_case=OuterRef("use_case"), to_stage=stage)
        entered = Subquery(entries.order_by("-decided_at").values("decided_at")[:1])
        reviews = reviews.filter(Q(created_at__gte=entered) | ~Exists(entries), stage=stage)
    latest: dict[str, Review] = {}
    for review in reviews:
        latest.setdefault(review.function, review)
    return latest


def _label(function: str) -> str:
    return str(ReviewFunction(function).label)


def review_state(review: Review | None) -> str:
    """A review's state in a sponsor's words: "approved by s.lee on 3 Nov 2026", "open", ..."""
    if review is None:
        return "not opened"
    if review.status in APPROVED_STATUSES:
        who = review.decided_by.get_username() if review.decided_by_id else "someone"
        when = formats.date_format(timezone.localtime(review.decided_at), "j M Y") if review.decided_at else ""
        return f"{review.get_status_display().lower()} by {who}" + (f" on {when}" if when else "")
    return review.get_status_display().lower()


def _pending(functions: list[str], latest: dict[str, Review], missing: str) -> list[str]:
    return [f"{_label(f)} ({missing if f not in latest else review_state(latest[f])})"
            for f in functions if f not in latest or latest[f].status not in APPROVED_STATUSES]


def gate_review_criteria(use_case: UseCase, to_stage: str) -> list[Criterion]:
    """The ``gate_reviews`` criterion of the gate into ``to_stage`` (none when its tier names no function)."""
    functions = gate_review_functions(use_case, to_stage)
    # Read whether or not the tier names any function: the page's queries do not depend on the tier.
    latest = latest_reviews(use_case, stage="" if to_stage == Stage.PILOT else use_case.stage)
    if not functions:
        return []
    link = reverse("reviews:reviews", args=[use_case.reference])
    if to_stage == Stage.PILOT:
        pending = _pending(functions, latest, "not opened")
        return [Criterion("gate_reviews", "The reviews required before Pilot have approved", not pending,
                          f"Not yet approved: {', '.join(pending)}." if pending else "", link)]
    pending = _pending(functions, latest, NOT_REQUESTED)
    detail = f"Not yet approved at this gate: {', '.join(pending)}." if pending else ""
    if any(f not in latest for f in functions):
        detail += " Ask for the gate reviews on the use-case page."
        link = reverse("intake:detail", args=[use_case.reference]) + "#gate"
    return [Criterion("gate_reviews", "The gate's reviews have approved", not pending, detail, link)]


def gate_reviews_to_request(use_case: UseCase) -> list[str]:
    """The functions a request for the gate reviews would open now: those of the next gate with no review
    opened at this stage that is approved or still awaits a decision. Empty outside Pilot and Controlled
    rollout."""
    to_stage = REREVIEW_GATE.get(use_case.stage)
    if to_stage is None:
        return []
    latest = latest_reviews(use_case, stage=use_case.stage)
    covered = {f for f, r in latest.items() if r.status in (*APPROVED_STATUSES, *AWAITING_DECISION)}
    return [f for f in gate_review_functions(use_case, to_stage) if f not in covered]


def derived_item_state(functions: list[str], required: set[str], latest: dict[str, Review]) -> tuple[bool, str]:
    """A checklist item that follows review decisions: ready when each of its functions the tier requires
    has its latest review approved; why, in words ("Security review: approved by s.lee on 3 Nov 2026")."""
    needed = [f for f in functions if f in required]
    if not needed:
        return True, "Not required for its tier."
    states = [f"{_label(f)} review: {review_state(latest.get(f))}" for f in needed]
    ready = all(f in latest and latest[f].status in APPROVED_STATUSES for f in needed)
    return ready, "; ".join(states) + "."


def checklist_derivations(use_case: UseCase, items) -> dict[int, tuple[bool, str]]:
    """For each derived item (one with review functions) of ``items``: (ready, why), by item id."""
    derived = [item for item in items if item.review_functions]
    if not derived:
        return {}
    required, latest = set(required_review_functions(use_case)), latest_reviews(use_case)
    return {item.id: derived_item_state(list(item.review_functions), required, latest) for item in derived}
