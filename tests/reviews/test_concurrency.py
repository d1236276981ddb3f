"""Two reviewers deciding the same review at the same moment: one wins, nothing is lost.

Needs real row locks, so it runs on PostgreSQL only (SQLite serialises
every write transaction anyway).
"""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from reviews import services
from reviews.models import Review, ReviewDecision

from .conftest import review_of
from .factories import submitted_use_case

pytestmark = [
    pytest.mark.postgres,
    # serialized_rollback restores the seeded reference data the flush removes.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")


def test_concurrent_decisions_one_succeeds_the_other_is_told_already_decided(ava, custops, sec, sec_lead):
    review = review_of(submitted_use_case(created_by=ava, business_unit=custops), "security")
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def decide(actor, decision):
        try:
            mine = Review.objects.select_related("use_case").get(pk=review.pk)
            barrier.wait(timeout=10)
            services.review_decide(review=mine, actor=actor, decision=decision,
                                   rationale=f"{decision} decided under contention.")
            outcomes[actor.username] = "decided"
        except ValidationError as exc:
            outcomes[actor.username] = " ".join(exc.messages)
        finally:
            connections.close_all()  # each thread has its own connection

    threads = [threading.Thread(target=decide, args=(sec, "approve")),
               threading.Thread(target=decide, args=(sec_lead, "stop"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["sec.lead", "sec.reviewer"]
    winners = [name for name, outcome in outcomes.items() if outcome == "decided"]
    assert len(winners) == 1
    [loser_message] = [outcome for outcome in outcomes.values() if outcome != "decided"]
    assert loser_message.startswith("This review was already decided by ")
    review.refresh_from_db()
    assert review.decided_by.username == winners[0]
    assert ReviewDecision.objects.filter(review=review).count() == 1
