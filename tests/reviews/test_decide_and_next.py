"""Deciding from the review page: the queue view (filters, search, order) is kept, "Decide and open next"
goes on through the view, and a refused or bad decision keeps everything typed."""

import datetime
from urllib.parse import urlencode

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from reviews.models import Review

from .conftest import review_of
from .factories import reviewer, submitted_use_case

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:reviews_review_changelist")
RATIONALE = "Threat model reviewed; residual risk acceptable."
VIEW = urlencode({"view": "mine", "q": "Batch"})


def change_url(pk, filters=VIEW):
    return f"{reverse('admin:reviews_review_change', args=[pk])}?{urlencode({'_changelist_filters': filters})}"


def decide(client, review, action="approve", filters=VIEW, **extra):
    data = {"action": action, "_selected_action": [review.pk], "confirm": "yes", "rationale": RATIONALE,
            "_from_review": "1", "_changelist_filters": filters, **extra}
    return client.post(CHANGELIST, data)


@pytest.fixture
def batch(ava, custops):
    """Three security reviews found by the search "Batch", due one after another, and one it does not find."""
    today = timezone.localdate()
    reviews = []
    for n in range(3):
        review = review_of(submitted_use_case(created_by=ava, business_unit=custops, title=f"Batch {n}"), "security")
        Review.objects.filter(pk=review.pk).update(due_date=today + datetime.timedelta(days=n + 1))
        reviews.append(review)
    submitted_use_case(created_by=ava, business_unit=custops, title="Elsewhere")
    return reviews


@pytest.fixture
def sec_client(client, sec):
    client.force_login(sec)
    return client


def test_the_review_page_offers_decide_and_open_next_with_the_view_kept(sec_client, batch):
    html = sec_client.get(change_url(batch[0].pk)).content.decode()
    assert 'value="Decide and open next"' in html
    assert f'name="_changelist_filters" value="{VIEW.replace("&", "&amp;")}"' in html
    assert f'href="{CHANGELIST}?{VIEW.replace("&", "&amp;")}">Back to the queue' in html


def test_decide_and_open_next_walks_the_view_then_returns_to_it(sec_client, batch):
    first = decide(sec_client, batch[0], _next="1")
    assert first.status_code == 302 and first["Location"] == change_url(batch[1].pk)
    second = decide(sec_client, batch[1], _next="1")
    assert second["Location"] == change_url(batch[2].pk)
    last = decide(sec_client, batch[2], _next="1")
    assert last["Location"] == f"{CHANGELIST}?{VIEW}"
    assert "That was the last review in this view." in [str(m) for m in get_messages(last.wsgi_request)]
    assert list(Review.objects.filter(pk__in=[r.pk for r in batch]).values_list("status", flat=True)) == \
        ["approved"] * 3


def test_open_next_follows_the_views_order_after_this_one(sec_client, batch):
    """Sorted by due date, latest first: after the middle review comes the earliest."""
    ordered = urlencode({"view": "mine", "q": "Batch", "o": "-5"})
    response = decide(sec_client, batch[1], filters=ordered, _next="1")
    assert response["Location"] == change_url(batch[0].pk, ordered)


def test_a_plain_decision_returns_to_the_same_view(sec_client, batch):
    response = decide(sec_client, batch[0])
    assert response["Location"] == f"{CHANGELIST}?{VIEW}"
    assert sec_client.get(response["Location"]).context["cl"].query == "Batch"


@pytest.mark.parametrize(("action", "extra", "error"), [
    ("stop", {"rationale": "no"}, "Ensure this value has at least"),
    ("approve_with_conditions", {
        "conditions-TOTAL_FORMS": "1", "conditions-INITIAL_FORMS": "0", "conditions-0-text": "Turn on logging",
        "conditions-0-owner": "nobody", "conditions-0-due_date": "2026-07-01"}, "No active user"),
], ids=["short-rationale", "unknown-condition-owner"])
def test_bad_input_keeps_everything_typed_and_the_view(sec_client, batch, action, extra, error):
    page = decide(sec_client, batch[0], action=action, _next="1", **extra)
    html = page.content.decode()
    assert page.status_code == 200 and error in html
    assert extra.get("rationale", RATIONALE) in html
    if "conditions-0-text" in extra:
        assert "Turn on logging" in html and 'value="nobody"' in html
    assert 'value="Approve with conditions and open next"' in html or 'value="Stop and open next"' in html
    assert f'name="_changelist_filters" value="{VIEW.replace("&", "&amp;")}"' in html
    assert Review.objects.get(pk=batch[0].pk).status == "open"


def test_a_refused_decision_keeps_everything_typed(client, ava, custops):
    owner_reviewer = reviewer("security", "sec.owner")
    use_case = submitted_use_case(created_by=ava, business_unit=custops, business_owner=owner_reviewer)
    review = review_of(use_case, "security")
    client.force_login(owner_reviewer)

    page = decide(client, review, _next="1")

    assert page.status_code == 200
    html = page.content.decode()
    assert "Separation of duties" in html and RATIONALE in html
    assert Review.objects.get(pk=review.pk).status == "open"


def test_assign_to_me_stays_on_the_review_page(sec_client, batch, sec):
    response = sec_client.post(CHANGELIST, {"action": "assign_to_me", "_selected_action": [batch[0].pk],
                                            "_from_review": "1", "_changelist_filters": VIEW})
    assert response["Location"] == change_url(batch[0].pk)
    assert Review.objects.get(pk=batch[0].pk).assignee == sec


def test_a_comment_keeps_the_view(sec_client, batch):
    url = reverse("admin:reviews_review_comment", args=[batch[0].pk])
    response = sec_client.post(f"{url}?{urlencode({'_changelist_filters': VIEW})}", {"body": "Which version?"})
    assert response["Location"] == change_url(batch[0].pk)


def test_a_bulk_decision_from_a_filtered_queue_returns_to_it(sec_client, batch):
    url = f"{CHANGELIST}?{VIEW}"
    page = sec_client.post(url, {"action": "approve", "_selected_action": [batch[0].pk], "index": 0})
    assert f'action="{url.replace("&", "&amp;")}"' in page.content.decode()
    done = sec_client.post(url, {"action": "approve", "_selected_action": [batch[0].pk], "confirm": "yes",
                                 "rationale": RATIONALE})
    assert done["Location"] == url


def test_the_escalation_email_links_straight_to_the_review_page(sec_client, batch, django_capture_on_commit_callbacks):
    from django.core import mail

    with django_capture_on_commit_callbacks(execute=True):
        decide(sec_client, batch[0], action="escalate")
    [sent] = [m for m in mail.outbox if "escalated" in m.subject.lower()]
    assert f"/admin/reviews/review/{batch[0].pk}/change/" in sent.body
