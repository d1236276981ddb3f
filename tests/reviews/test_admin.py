"""The review queue and review page in the admin, end to end."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from reviews import services
from reviews.models import Review
from tests.factories import UserFactory

from .conftest import review_of
from .factories import (
    PDF,
    CommentFactory,
    ConditionFactory,
    RiskFactory,
    reviewer,
    submitted_use_case,
    upload,
)

CHANGELIST = "admin:reviews_review_changelist"
RATIONALE = "Threat model reviewed; residual risk acceptable."


def change_url(review):
    return reverse("admin:reviews_review_change", args=[review.pk])


def count_queries(client, url) -> int:
    """Queries of a warm request (caches such as content types already filled)."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def sec_client(client, sec):
    client.force_login(sec)
    return client


class TestQueue:
    def test_each_reviewer_sees_only_their_functions(self, client, medium_case, sec, priv):
        client.force_login(sec)
        response = client.get(reverse(CHANGELIST))
        assert response.status_code == 200
        assert [r.function for r in response.context["cl"].result_list] == ["security"]

        client.force_login(priv)
        response = client.get(reverse(CHANGELIST))
        assert [r.function for r in response.context["cl"].result_list] == ["privacy"]

    def test_columns_and_overdue_marker(self, sec_client, low_case):
        review = review_of(low_case, "security")
        Review.objects.filter(pk=review.pk).update(due_date=timezone.localdate() - datetime.timedelta(days=2))

        html = sec_client.get(reverse(CHANGELIST)).content.decode()

        assert low_case.reference in html and "Ticket summaries" in html
        assert "Low" in html and "Exploration" in html
        assert 'style="color:#ba2121"' in html and "(overdue)" in html

    def test_overdue_filter(self, sec_client, ava, custops):
        late, on_time = (submitted_use_case(created_by=ava, business_unit=custops) for _ in range(2))
        Review.objects.filter(use_case=late).update(due_date=timezone.localdate() - datetime.timedelta(days=1))

        response = sec_client.get(reverse(CHANGELIST), {"overdue": "yes"})
        assert [r.use_case for r in response.context["cl"].result_list] == [late]
        response = sec_client.get(reverse(CHANGELIST), {"overdue": "no"})
        assert [r.use_case for r in response.context["cl"].result_list] == [on_time]

    def test_search_by_reference(self, sec_client, ava, custops):
        wanted, _other = (submitted_use_case(created_by=ava, business_unit=custops) for _ in range(2))
        response = sec_client.get(reverse(CHANGELIST), {"q": wanted.reference})
        assert [r.use_case for r in response.context["cl"].result_list] == [wanted]

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ({"function": "privacy"}, {("Customer chat assistant", "privacy")}),
            ({"status": "approved"}, {("Customer chat assistant", "privacy")}),
            ({"status": "open", "use_case__risk_tier__exact": "medium"},
             {("Customer chat assistant", "security"), ("Customer chat assistant", "architecture")}),
            ({"use_case__risk_tier__exact": "low"}, {("Ticket summaries", "security")}),
            ({"q": "ticket summ"}, {("Ticket summaries", "security")}),
            ({"q": "chat", "function": "architecture"}, {("Customer chat assistant", "architecture")}),
        ],
        ids=["function", "status", "status-and-tier", "tier", "title-search", "title-and-function"],
    )
    def test_filters_and_title_search(self, client, gov, priv, low_case, medium_case, query, expected):
        services.review_decide(review=review_of(medium_case, "privacy"), actor=priv, decision="approve",
                               rationale="Lawful basis documented.")
        client.force_login(gov)  # sees every function, so the filters have something to narrow

        response = client.get(reverse(CHANGELIST), query)

        assert response.status_code == 200
        rows = {(r.use_case.title, r.function) for r in response.context["cl"].result_list}
        assert rows == expected

    def test_the_sidebar_offers_each_filter_with_readable_tiers(self, sec_client, low_case):
        changelist = sec_client.get(reverse(CHANGELIST)).context["cl"]
        filters = {spec.title: spec for spec in changelist.filter_specs}
        assert list(filters) == ["function", "status", "tier", "overdue"]
        tiers = [choice["display"] for choice in filters["tier"].choices(changelist)]
        assert tiers == ["All", "Low", "Medium", "High", "Prohibited"]

    def test_staff_outside_review_groups_have_no_queue(self, client, low_case):
        client.force_login(UserFactory(is_staff=True))
        assert client.get(reverse(CHANGELIST)).status_code == 403

    def test_no_adding_reviews_by_hand(self, sec_client):
        assert sec_client.get(reverse("admin:reviews_review_add")).status_code == 403

    def test_another_functions_review_is_not_found(self, client, medium_case, sec):
        client.force_login(sec)
        response = client.get(change_url(review_of(medium_case, "privacy")))
        assert response.status_code == 302  # the admin's "does not exist" redirect
        assert "doesn’t exist" in messages_of(response)[0]

    def test_history_of_a_review_you_may_not_see_is_404_like_a_missing_one(self, client, medium_case, sec):
        """403 for one and 404 for the other would tell which ids exist."""
        client.force_login(sec)
        hidden = review_of(medium_case, "privacy")
        version = hidden.history.earliest("history_date")
        for url in (reverse("admin:reviews_review_history", args=[hidden.pk]),
                    reverse("admin:reviews_review_simple_history", args=[hidden.pk, version.history_id]),
                    reverse("admin:reviews_review_history", args=[999999]),
                    "/admin/reviews/review/x/history/"):
            assert client.get(url).status_code == 404, url

    def test_history_stays_open_to_who_may_see_the_review(self, client, medium_case, sec, gov):
        own = review_of(medium_case, "security")
        for user in (sec, gov):
            client.force_login(user)
            response = client.get(reverse("admin:reviews_review_history", args=[own.pk]))
            assert response.status_code == 200 and "Created" in response.content.decode()
            version = own.history.earliest("history_date")
            assert client.get(reverse("admin:reviews_review_simple_history",
                                      args=[own.pk, version.history_id])).status_code == 200

    def test_queue_runs_constant_queries(self, sec_client, ava, custops, django_assert_num_queries):
        for _ in range(3):
            submitted_use_case(created_by=ava, business_unit=custops)
        three = count_queries(sec_client, reverse(CHANGELIST))
        for _ in range(12):
            submitted_use_case(created_by=ava, business_unit=custops)

        with django_assert_num_queries(three):
            response = sec_client.get(reverse(CHANGELIST))
        assert len(response.context["cl"].result_list) == 15


def action_post(client, action, reviews, **extra):
    data = {"action": action, "_selected_action": [r.pk for r in reviews], **extra}
    return client.post(reverse(CHANGELIST), data)


class TestDecideAction:
    def test_approve_goes_through_an_intermediate_page(self, sec_client, low_case):
        review = review_of(low_case, "security")

        page = action_post(sec_client, "approve", [review], index=0)
        assert page.status_code == 200
        assert "admin/reviews/review/decide.html" in [t.name for t in page.templates]
        assert 'name="rationale"' in page.content.decode()
        review.refresh_from_db()
        assert review.status == "open"  # nothing decided yet

        done = action_post(sec_client, "approve", [review], confirm="yes", rationale=RATIONALE)
        assert done.status_code == 302
        review.refresh_from_db()
        assert (review.status, review.rationale) == ("approved", RATIONALE)
        assert messages_of(done) == [f"{low_case.reference} Security review: approved."]

    def test_approve_with_conditions_takes_condition_rows(self, sec_client, low_case, owner):
        review = review_of(low_case, "security")
        due = (timezone.localdate() + datetime.timedelta(days=14)).isoformat()
        form = {
            "confirm": "yes", "rationale": RATIONALE,
            "conditions-TOTAL_FORMS": "3", "conditions-INITIAL_FORMS": "0",
            "conditions-MIN_NUM_FORMS": "1", "conditions-MAX_NUM_FORMS": "20",
            "conditions-0-text": "Turn on audit logging", "conditions-0-owner": owner.username,
            "conditions-0-due_date": due,
        }

        page = action_post(sec_client, "approve_with_conditions", [review], index=0)
        assert 'name="conditions-0-owner"' in page.content.decode()
        done = action_post(sec_client, "approve_with_conditions", [review], **form)

        assert done.status_code == 302
        review.refresh_from_db()
        assert review.status == "approved_with_conditions"
        assert list(review.conditions.values_list("text", "owner")) == [("Turn on audit logging", owner.pk)]

    def test_an_unknown_condition_owner_redisplays_the_page(self, sec_client, low_case):
        review = review_of(low_case, "security")
        form = {
            "confirm": "yes", "rationale": RATIONALE,
            "conditions-TOTAL_FORMS": "1", "conditions-INITIAL_FORMS": "0",
            "conditions-0-text": "Something", "conditions-0-owner": "nobody",
            "conditions-0-due_date": timezone.localdate().isoformat(),
        }
        page = action_post(sec_client, "approve_with_conditions", [review], **form)

        assert page.status_code == 200
        assert "No active user" in page.content.decode()
        review.refresh_from_db()
        assert review.status == "open"

    def test_a_short_rationale_redisplays_the_page(self, sec_client, low_case):
        review = review_of(low_case, "security")
        page = action_post(sec_client, "stop", [review], confirm="yes", rationale="no")

        assert page.status_code == 200
        assert page.context["form"].errors["rationale"]
        review.refresh_from_db()
        assert review.status == "open"

    def test_a_refused_decision_is_an_error_message_not_a_500(self, client, ava, custops):
        owner_reviewer = reviewer("security", "sec.owner")
        use_case = submitted_use_case(created_by=ava, business_unit=custops, business_owner=owner_reviewer)
        review = review_of(use_case, "security")
        client.force_login(owner_reviewer)

        done = action_post(client, "approve", [review], confirm="yes", rationale=RATIONALE)

        assert done.status_code == 302
        [message] = messages_of(done)
        assert "Separation of duties" in message
        review.refresh_from_db()
        assert review.status == "open"

    def test_a_decision_the_lifecycle_forbids_is_its_reason_not_a_500(self, client, medium_case, sec, priv):
        services.review_decide(review=review_of(medium_case, "security"), actor=sec, decision="stop",
                               rationale=RATIONALE)
        review = review_of(medium_case, "privacy")
        before = review.status
        client.force_login(priv)

        done = action_post(client, "approve", [review], confirm="yes", rationale=RATIONALE)

        assert done.status_code == 302
        assert messages_of(done) == [f"{medium_case.reference} Privacy review: {medium_case.reference} is "
                                     "rejected; its reviews can no longer be decided."]
        review.refresh_from_db()
        assert review.status == before

    def test_each_review_gets_its_own_result(self, sec_client, sec_lead, ava, custops):
        first, second = (review_of(submitted_use_case(created_by=ava, business_unit=custops), "security")
                         for _ in range(2))
        services.review_decide(review=second, actor=sec_lead, decision="approve", rationale=RATIONALE)

        done = action_post(sec_client, "request_changes", [first, second], confirm="yes", rationale=RATIONALE)

        results = messages_of(done)
        assert len(results) == 2
        assert any(m.endswith("Security review: changes requested.") for m in results)
        assert any("already decided by Lee Lead" in m for m in results)

    def test_assign_to_me(self, sec_client, sec, low_case):
        review = review_of(low_case, "security")
        action_post(sec_client, "assign_to_me", [review], index=0)
        review.refresh_from_db()
        assert (review.assignee, review.status) == (sec, "in_progress")


class TestReviewPage:
    def test_shows_the_use_case_read_only_with_decide_buttons(self, sec_client, medium_case, priv, ava):
        services.review_decide(review=review_of(medium_case, "privacy"), actor=priv, decision="approve",
                               rationale="Lawful basis documented.")
        services.comment_add(use_case=medium_case, actor=ava, body="Retention is 30 days.")
        evidence = services.evidence_add(use_case=medium_case, actor=ava, upload=upload("DPIA.pdf", PDF))
        risk_owner = UserFactory(first_name="Rita", last_name="Risk")
        RiskFactory(use_case=medium_case, area="vendor_dependency", likelihood=2, impact=5, owner=risk_owner,
                    mitigation_status="accepted", escalation_threshold=12)
        review = review_of(medium_case, "security")

        response = sec_client.get(change_url(review))

        html = response.content.decode()
        assert response.status_code == 200
        for text in ("Customer chat assistant", "Confidential", "External-facing (customers or public)",
                     "Data sensitivity", "Handling time", "Lawful basis documented.", "Retention is 30 days.",
                     reverse("reviews:evidence_download", args=[evidence.pk]), 'value="approve_with_conditions"'):
            assert text in html
        # The risk register, read-only: area, likelihood x impact = score, owner, mitigation, threshold.
        start = html.index('id="risks"')
        risks = html[start:html.index('<div class="module"', start)]
        for text in ("Vendor dependency", "2 &times; 5 = 10", "Rita Risk", "Accepted", "<td>12</td>"):
            assert text in risks
        assert "/risks/" not in risks  # nothing to edit from here
        fields = response.context["adminform"].form.fields
        assert list(fields) == ["assignee"]

    def test_a_reopened_review_shows_what_changed_since_approval(self, sec_client, low_case, sec, gov):
        review = review_of(low_case, "security")
        services.review_decide(review=review, actor=sec, decision="approve", rationale=RATIONALE)
        services.use_case_update(use_case=low_case, actor=gov, answers={"personal_data": "personal"})

        html = sec_client.get(change_url(review)).content.decode()

        assert "What changed since your approval" in html
        assert "No personal data" in html and "Personal data" in html
        assert "reopened: answers changed" in html

    def test_a_decided_review_offers_no_decision(self, sec_client, low_case, sec):
        review = review_of(low_case, "security")
        services.review_decide(review=review, actor=sec, decision="approve", rationale=RATIONALE)

        response = sec_client.get(change_url(review))
        assert response.context["decision_actions"] == []
        assert 'value="approve"' not in response.content.decode()

    def test_assigning_from_the_change_form_goes_through_the_service(self, sec_client, low_case, sec_lead,
                                                                     django_capture_on_commit_callbacks):
        review = review_of(low_case, "security")
        with django_capture_on_commit_callbacks(execute=True):
            response = sec_client.post(change_url(review), {"assignee": sec_lead.pk, "_save": "Save"})

        assert response.status_code == 302
        review.refresh_from_db()
        assert (review.assignee, review.status) == (sec_lead, "in_progress")
        assert [m.to for m in mail.outbox] == [[sec_lead.email]]

    def test_an_assignee_who_may_not_decide_is_a_form_error(self, sec_client, ava, custops):
        owner_reviewer = reviewer("security", "sec.owner")
        use_case = submitted_use_case(created_by=ava, business_unit=custops, business_owner=owner_reviewer)
        review = review_of(use_case, "security")

        response = sec_client.post(change_url(review), {"assignee": owner_reviewer.pk, "_save": "Save"})

        assert response.status_code == 200
        assert "Separation of duties" in str(response.context["adminform"].form.errors["assignee"])

    def test_decide_button_leads_to_the_intermediate_page(self, sec_client, low_case):
        review = review_of(low_case, "security")
        page = sec_client.post(reverse(CHANGELIST), {"action": "escalate", "_selected_action": [review.pk]})
        assert page.status_code == 200
        assert "admin/reviews/review/decide.html" in [t.name for t in page.templates]

    def test_comment_form(self, sec_client, low_case, sec):
        review = review_of(low_case, "security")
        response = sec_client.post(reverse("admin:reviews_review_comment", args=[review.pk]),
                                   {"body": "Which model version is used?"})

        assert response.status_code == 302
        comment = low_case.comments.get()
        assert (comment.author, comment.review, comment.body) == (sec, review, "Which model version is used?")

    def test_evidence_upload_form_refuses_a_disguised_file(self, sec_client, low_case):
        review = review_of(low_case, "security")
        response = sec_client.post(reverse("admin:reviews_review_evidence", args=[review.pk]),
                                   {"file": upload("scan.pdf", b"just text")})

        assert response.status_code == 302
        assert "content is not a .pdf file" in messages_of(response)[0]
        assert not low_case.evidence.exists()

    def test_review_page_runs_constant_queries(self, sec_client, low_case, ava, django_assert_num_queries):
        review = review_of(low_case, "security")

        def add_one_of_each():
            CommentFactory(use_case=low_case, author=ava, review=review)
            ConditionFactory(review=review)
            services.evidence_add(use_case=low_case, actor=ava, upload=upload("a.pdf", PDF))
            RiskFactory(use_case=low_case)  # each with its own owner: the owners must come in the same query

        add_one_of_each()
        one = count_queries(sec_client, change_url(review))
        for _ in range(4):
            add_one_of_each()

        with django_assert_num_queries(one):
            response = sec_client.get(change_url(review))
        page = response.context["page"]
        shown = (len(page["comments"]), len(page["conditions"]), len(page["evidence"]), len(page["risks"]))
        assert shown == (5, 5, 5, 5)
        assert response.content.decode().count('id="risk-') == 5
