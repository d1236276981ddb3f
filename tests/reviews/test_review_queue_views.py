"""The reviewer's queue in the admin: saved views with counts, the default view, the columns that fit."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from reviews import services
from reviews.choices import AWAITING_DECISION, UNDECIDED_STATUSES
from reviews.models import Review
from reviews.selectors import queue

from .conftest import review_of
from .factories import submitted_use_case

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:reviews_review_changelist")
RATIONALE = "Threat model reviewed; residual risk acceptable."


def rows(response):
    return [r.pk for r in response.context["cl"].result_list]


@pytest.fixture
def world(ava, custops, sec, sec_lead):
    """Security reviews in every state a saved view tells apart."""
    today = timezone.localdate()
    cases = [submitted_use_case(created_by=ava, business_unit=custops, title=f"Case {n}") for n in range(7)]
    security = [review_of(case, "security") for case in cases]
    due = {0: 3, 1: -4, 2: 20, 3: 1, 4: 10, 5: 2, 6: 5}
    for index, review in enumerate(security):
        Review.objects.filter(pk=review.pk).update(due_date=today + datetime.timedelta(days=due[index]))
    services.review_assign(review=security[2], actor=sec, assignee=sec)          # mine, assigned
    services.review_assign(review=security[3], actor=sec_lead, assignee=sec_lead)  # someone else's
    services.review_decide(review=security[4], actor=sec, decision="approve", rationale=RATIONALE)
    services.review_decide(review=security[5], actor=sec_lead, decision="escalate", rationale=RATIONALE)
    services.review_decide(review=security[6], actor=sec, decision="escalate", rationale=RATIONALE)
    return {"security": security}


def plain_counts(user) -> dict[str, int]:
    """Each view counted the long way: one plain query per view over the reviewer's reviews."""
    today = timezone.localdate()
    functions = set(user.groups.values_list("name", flat=True))
    reviews = Review.objects.filter(function__in=functions)
    return {
        queue.MINE: sum(1 for r in reviews if r.status in AWAITING_DECISION
                        and (r.assignee_id == user.pk or (r.assignee_id is None and r.function in functions))),
        queue.DUE_THIS_WEEK: reviews.filter(status__in=AWAITING_DECISION, due_date__gte=today,
                                            due_date__lt=today + datetime.timedelta(days=7)).count(),
        queue.OVERDUE: reviews.filter(status__in=UNDECIDED_STATUSES, due_date__lt=today).count(),
        queue.ESCALATED: reviews.filter(status="escalated").exclude(decided_by=user).count(),
        queue.DECIDED: reviews.filter(decided_by=user).exclude(status__in=AWAITING_DECISION).count(),
    }


def test_each_saved_view_count_agrees_with_a_plain_query(world, sec):
    counts = queue.view_counts(sec)
    assert counts == plain_counts(sec)
    assert counts == {"mine": 5, "week": 4, "overdue": 1, "escalated": 1, "decided": 1}


def test_the_counts_are_one_query(world, sec, django_assert_num_queries):
    sec.groups.all()  # the user's functions are read (and cached) before
    queue.reviewer_functions(sec)
    with django_assert_num_queries(1):
        queue.view_counts(sec)


@pytest.mark.parametrize(("view", "indexes"), [
    ("mine", [1, 5, 0, 6, 2]), ("week", [3, 5, 0, 6]), ("overdue", [1]), ("escalated", [5]), ("decided", [4]),
])
def test_each_saved_view_lists_what_its_count_says(client, world, sec, view, indexes):
    client.force_login(sec)
    response = client.get(CHANGELIST, {"view": view})
    expected = [world["security"][i].pk for i in indexes]
    assert rows(response) == expected
    assert f'data-count="{view}">{len(expected)}<' in response.content.decode()


def test_the_bare_queue_opens_my_open_and_links_carry_it(client, world, sec):
    client.force_login(sec)
    response = client.get(CHANGELIST)
    html = response.content.decode()
    assert set(rows(response)) == {world["security"][i].pk for i in (0, 1, 2, 5, 6)}
    assert 'data-view="mine" aria-current="page"' in html
    # The search form and the filters keep the view.
    assert '<input type="hidden" name="view" value="mine">' in html
    assert "?status__exact=open&amp;view=mine" in html or "view=mine&amp;status" in html


def test_a_filtered_or_searched_url_keeps_its_own_view(client, world, sec):
    client.force_login(sec)
    decided = world["security"][4]
    searched = client.get(CHANGELIST, {"q": decided.use_case.reference})  # no view: all the reviewer's reviews
    assert rows(searched) == [decided.pk]
    mine = client.get(CHANGELIST, {"q": decided.use_case.reference, "view": "mine"})
    assert rows(mine) == []


def test_a_governance_admin_outside_review_groups_opens_every_review(client, world, gov):
    client.force_login(gov)
    response = client.get(CHANGELIST)
    assert len(rows(response)) == Review.objects.count()
    assert 'data-view="all" aria-current="page"' in response.content.decode()


def test_default_columns_and_the_wider_set(client, world, sec):
    client.force_login(sec)
    default = client.get(CHANGELIST).context["cl"].list_display
    assert list(default) == ["action_checkbox", "reference", "use_case_title", "tier", "stage", "due", "status",
                             "assignee"]
    wider = client.get(CHANGELIST, {"cols": "more", "view": "mine"})
    assert list(wider.context["cl"].list_display)[-2:] == ["function", "model_names"]
    assert "Fewer columns" in wider.content.decode()


def test_a_long_title_is_truncated_with_the_full_title_on_hover(client, ava, custops, sec):
    title = "A very long use case title that would wrap over three or four lines in the queue table"
    submitted_use_case(created_by=ava, business_unit=custops, title=title)
    client.force_login(sec)
    html = client.get(CHANGELIST).content.decode()
    assert f'<span class="queue-title" title="{title}">{title}</span>' in html
    assert "reviews/review_queue.css" in html


def test_the_queue_with_saved_views_runs_constant_queries(client, ava, custops, sec):
    client.force_login(sec)

    def queries() -> int:
        client.get(CHANGELIST)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(CHANGELIST).status_code == 200
        return len(captured.captured_queries)

    for _ in range(2):
        submitted_use_case(created_by=ava, business_unit=custops)
    few = queries()
    for _ in range(10):
        submitted_use_case(created_by=ava, business_unit=custops)
    assert queries() == few


def test_the_dashboard_shows_my_counts(client, world, sec, ava):
    client.force_login(sec)
    html = client.get(reverse("admin:index")).content.decode()
    block = html.split('id="my-review-counts"', 1)[1].split("</div>", 1)[0]
    assert "Open</a>: <strong data-count=\"1\">5</strong>" in block
    assert "Due this week</a>: <strong data-count=\"2\">4</strong>" in block
    assert "Overdue</a>: <strong data-count=\"3\">1</strong>" in block
