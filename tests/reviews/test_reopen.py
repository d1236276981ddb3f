"""An approval is for the answers it saw: changing them reopens it, with a diff."""

import pytest
from django.urls import reverse

from reviews import selectors, services
from reviews.models import ReviewDecision
from reviews.snapshots import APPROVAL_FIELDS
from tests.vendors.factories import AIModelFactory, VendorFactory

from .conftest import MEDIUM, review_of

RATIONALE = "Reviewed the data flows; fine as described."


def approve(review, actor):
    return services.review_decide(review=review, actor=actor, decision="approve", rationale=RATIONALE)


def test_the_snapshot_holds_every_approval_field_and_the_tier(low_case, sec):
    review = approve(review_of(low_case, "security"), sec)

    assert set(review.approved_snapshot) == {*APPROVAL_FIELDS, "risk_tier"}
    assert "data_sources" in APPROVAL_FIELDS and "generates_content" in APPROVAL_FIELDS


def test_snapshot_diff_names_changed_answers_with_labels(low_case, sec):
    review = approve(review_of(low_case, "security"), sec)
    low_case.data_classification = "restricted"
    low_case.risk_tier = "medium"

    changes = services.snapshot_diff(review.approved_snapshot, low_case)

    assert changes == [
        {"field": "data_classification", "label": "Highest data classification", "approved": "Internal",
         "now": "Restricted"},
        {"field": "risk_tier", "label": "Risk tier", "approved": "Low", "now": "Medium"},
    ]


def test_a_tier_driving_change_reopens_the_approval(low_case, sec, gov):
    approve(review_of(low_case, "security"), sec)
    low_case.refresh_from_db()
    assert low_case.status == "approved"

    updated = services.use_case_update(use_case=low_case, actor=gov, answers=MEDIUM)

    security = review_of(updated, "security")
    assert (security.status, security.decision, security.decided_by) == ("open", "", None)
    assert updated.status == "in_review"
    log = list(ReviewDecision.objects.filter(review=security).values_list("decision", "rationale"))
    assert log[0] == ("approve", RATIONALE)
    assert log[1][0] == "reopened"
    assert log[1][1] == ("reopened: answers changed: Highest data classification: Internal -> Confidential; "
                         "Exposure: Internal, small group -> External-facing (customers or public); "
                         "Risk tier: Low -> Medium")
    # The reopened review still knows what it approved: the page shows the diff.
    page = selectors.review_page(security)
    assert [c["field"] for c in page["changes"]] == ["data_classification", "exposure", "risk_tier"]


@pytest.mark.parametrize("answers", [{"title": "A new name"}, {"summary": "Reworded."}])
def test_other_edits_leave_approvals_alone(low_case, sec, gov, answers):
    approve(review_of(low_case, "security"), sec)

    updated = services.use_case_update(use_case=low_case, actor=gov, answers=answers)

    assert review_of(updated, "security").status == "approved"
    assert updated.status == "approved"


def test_data_sources_is_an_approval_field(low_case, sec, gov):
    approve(review_of(low_case, "security"), sec)

    services.use_case_update(use_case=low_case, actor=gov, answers={"data_sources": "Ticketing\nHR records"})

    assert review_of(low_case, "security").status == "open"


def vendor(name):
    return VendorFactory(name=name)


def model(name):
    return AIModelFactory(provider=VendorFactory(name="Northwind AI"), name=name, version="1.0")


# Each dependency the approval relied on: (answer, label in the diff, builder of a registry entry, its words).
DEPENDENCIES = [
    pytest.param("vendors", "Vendors", vendor, "{}", id="vendors"),
    pytest.param("ai_models", "AI models", model, "Northwind AI {} 1.0", id="ai_models"),
]


@pytest.mark.parametrize(("answer", "label", "make", "shown"), DEPENDENCIES)
def test_adding_a_dependency_after_approval_reopens_with_the_diff(low_case, sec, gov, answer, label, make, shown):
    approve(review_of(low_case, "security"), sec)

    services.use_case_update(use_case=low_case, actor=gov, answers={answer: [make("Atlas")]})

    security = review_of(low_case, "security")
    assert (security.status, security.decision) == ("open", "")
    change = {"field": answer, "label": label, "approved": "None", "now": shown.format("Atlas")}
    assert selectors.review_page(security)["changes"] == [change]
    assert security.decisions.last().rationale == f"reopened: answers changed: {label}: None -> {change['now']}"


@pytest.mark.parametrize(("answer", "label", "make", "shown"), DEPENDENCIES)
def test_swapping_a_dependency_after_approval_shows_the_reviewer_both(client, low_case, sec, gov, answer, label,
                                                                     make, shown):
    before, after = make("Atlas"), make("Zephyr")
    services.use_case_update(use_case=low_case, actor=gov, answers={answer: [before]})
    approve(review_of(low_case, "security"), sec)

    services.use_case_update(use_case=low_case, actor=gov, answers={answer: [after]})

    security = review_of(low_case, "security")
    assert security.status == "open"
    client.force_login(sec)
    html = client.get(reverse("admin:reviews_review_change", args=[security.pk])).content.decode()
    changes = html[html.index('id="changes-since-approval"'):html.index("</table>", html.index('id="changes-'))]
    row = f"<td>{label}</td><td>{shown.format('Atlas')}</td><td><strong>{shown.format('Zephyr')}</strong></td>"
    assert row in changes


def test_changing_an_answer_back_reopens_nothing(low_case, sec, gov):
    review = approve(review_of(low_case, "security"), sec)
    services.use_case_update(use_case=low_case, actor=gov, answers={"personal_data": "personal"})
    services.review_decide(review=review, actor=sec, decision="approve", rationale=RATIONALE)

    services.use_case_update(use_case=low_case, actor=gov, answers={"title": "Still the same answers"})

    assert review_of(low_case, "security").status == "approved"


class TestResubmission:
    def test_request_changes_then_resubmit_reopens_those_reviews(self, medium_case, sec, priv, ava):
        approve(review_of(medium_case, "privacy"), priv)
        services.review_decide(review=review_of(medium_case, "security"), actor=sec, decision="request_changes",
                               rationale="Name the retention period for chat logs.")
        medium_case.refresh_from_db()
        assert medium_case.status == "changes_requested"

        services.use_case_update(use_case=medium_case, actor=ava, answers={"data_sources": "Chat logs (30 days)"})
        resubmitted = services.use_case_submit(use_case=medium_case, actor=ava)

        security, privacy = review_of(resubmitted, "security"), review_of(resubmitted, "privacy")
        assert resubmitted.status == "in_review"
        assert (security.status, security.decision) == ("open", "")
        assert list(security.decisions.values_list("decision", flat=True)) == ["request_changes", "reopened"]
        # The privacy approval saw other data sources, so it is reopened too, with the diff.
        assert privacy.status == "open"
        assert "Data sources" in privacy.decisions.last().rationale
        assert resubmitted.events.filter(kind="resubmitted").exists()

    def test_resubmission_keeps_approvals_whose_answers_did_not_change(self, medium_case, sec, priv, ava):
        approve(review_of(medium_case, "privacy"), priv)
        services.review_decide(review=review_of(medium_case, "security"), actor=sec, decision="request_changes",
                               rationale="Attach the threat model please.")

        resubmitted = services.use_case_submit(use_case=medium_case, actor=ava)

        assert review_of(resubmitted, "privacy").status == "approved"
        assert review_of(resubmitted, "security").status == "open"

    def test_once_reapproved_the_use_case_is_approved(self, low_case, sec, ava):
        services.review_decide(review=review_of(low_case, "security"), actor=sec, decision="request_changes",
                               rationale="Attach the threat model please.")
        services.use_case_submit(use_case=low_case, actor=ava)

        approve(review_of(low_case, "security"), sec)

        low_case.refresh_from_db()
        assert low_case.status == "approved"
