"""Each reviewer's queue: their functions only, on use cases they may see."""

import datetime

from django.utils import timezone

from intake import services as intake_services
from reviews import selectors, services
from tests.factories import UseCaseFactory

from .conftest import review_of
from .factories import ReviewFactory, submitted_use_case


def queue(user):
    return list(selectors.review_queue_for(user))


def test_a_reviewer_sees_only_reviews_of_their_function(medium_case, sec, priv):
    assert [r.function for r in queue(sec)] == ["security"]
    assert [r.function for r in queue(priv)] == ["privacy"]


def test_governance_admins_see_every_review(medium_case, gov):
    assert sorted(r.function for r in queue(gov)) == ["architecture", "privacy", "security"]


def test_people_outside_review_groups_see_nothing(medium_case, ava, ben):
    assert queue(ava) == []
    assert queue(ben) == []


def test_a_reviewer_never_sees_reviews_of_use_cases_outside_their_grants(medium_case, sec, ava, custops):
    hidden_draft = UseCaseFactory(created_by=ava, business_unit=custops)
    ReviewFactory(use_case=hidden_draft, function="security")  # no security grant on a draft

    assert [r.use_case for r in queue(sec)] == [medium_case]


def test_losing_the_grant_removes_the_review_from_the_queue(medium_case, sec, gov):
    rows = [
        {"activity": a.activity.key, "letter": a.letter, **({"user_id": a.user_id} if a.user_id else
                                                              {"group_id": a.group_id})}
        for a in medium_case.raci.select_related("activity") if a.activity.key != "security"
    ]
    # Once submitted, only a governance admin may take a review group off the RACI.
    intake_services.raci_set(use_case=medium_case, actor=gov, rows=rows)

    assert queue(sec) == []


def test_undecided_first_then_oldest_due(ava, custops, sec):
    cases = [submitted_use_case(created_by=ava, business_unit=custops, title=f"Case {n}") for n in range(3)]
    reviews = [review_of(c, "security") for c in cases]
    today = timezone.localdate()
    for review, days in zip(reviews, (5, -2, 1), strict=True):
        review.due_date = today + datetime.timedelta(days=days)
        review.save()
    services.review_decide(review=reviews[1], actor=sec, decision="approve", rationale="Looks fine to security.")

    assert [r.pk for r in queue(sec)] == [reviews[2].pk, reviews[0].pk, reviews[1].pk]


def test_unmet_conditions_lists_only_unmet(low_case, sec, owner):
    review = review_of(low_case, "security")
    due = timezone.localdate() + datetime.timedelta(days=7)
    services.review_decide(review=review, actor=sec, decision="approve_with_conditions",
                           rationale="Fine once logging is on.",
                           conditions=[{"text": "Turn on logging", "owner": owner, "due_date": due}])

    assert [c.text for c in selectors.unmet_conditions(low_case)] == ["Turn on logging"]


def test_queue_flags_a_use_case_naming_a_banned_model(client, ava, custops, owner, sec, django_assert_max_num_queries):
    from django.urls import reverse

    from tests.vendors.factories import AIModelFactory

    from .factories import submitted_use_case

    flagged = submitted_use_case(created_by=ava, business_unit=custops, business_owner=owner, title="Flagged one")
    fine = submitted_use_case(created_by=ava, business_unit=custops, business_owner=owner, title="Fine one")
    flagged.ai_models.add(AIModelFactory(status="banned", name="Old Model"))
    fine.ai_models.add(AIModelFactory())
    client.force_login(sec)
    html = client.get(reverse("admin:reviews_review_changelist")).content.decode()
    assert html.count(">flagged</strong>") == 1
    assert "Old Model" in html  # the reason, in the flag's title
