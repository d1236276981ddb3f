"""The artefact pages: upload with a type (and metrics) from the page, refusals that keep what was typed, a
reviewer's rejection, and what each upcoming gate still needs on the use-case page."""

from decimal import Decimal

import pytest
from django.urls import reverse

from reviews import services
from reviews.models import Evidence

from .conftest import MEDIUM
from .factories import PDF, reviewer, submitted_use_case, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def medium(ava, custops, owner):
    return submitted_use_case(created_by=ava, business_unit=custops, business_owner=owner, **MEDIUM)


def page(use_case):
    return reverse("reviews:evidence_upload", args=[use_case.reference])


def reject_url(evidence):
    return reverse("reviews:evidence_reject", args=[evidence.use_case.reference, evidence.pk])


def detail(use_case):
    return reverse("intake:detail", args=[use_case.reference])


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def typed(use_case, actor, key="impact_assessment", **kwargs):
    return services.evidence_add(use_case=use_case, actor=actor, upload=upload("assessment.pdf", PDF),
                                 artefact_type=key, **kwargs)


def test_the_use_case_page_lists_what_each_upcoming_gate_needs(client, ava, medium):
    client.force_login(ava)
    html = client.get(detail(medium)).content.decode()
    assert "What each upcoming gate still needs" in html
    assert 'id="need-pilot-impact_assessment"' in html and 'id="need-controlled_rollout-monitoring_plan"' in html
    assert f"{page(medium)}?artefact_type=impact_assessment" in html

    typed(medium, ava)
    html = client.get(detail(medium)).content.decode()
    assert 'id="need-pilot-impact_assessment"' not in html
    assert "Every artefact it needs is uploaded." in html


def test_a_low_tier_use_case_shows_no_such_section(client, ava, low_case):
    client.force_login(ava)
    assert "What each upcoming gate still needs" not in client.get(detail(low_case)).content.decode()


def test_the_upload_link_preselects_the_type(client, ava, medium):
    client.force_login(ava)
    response = client.get(f"{page(medium)}?artefact_type=monitoring_plan")
    assert response.status_code == 200
    assert response.context["form"]["artefact_type"].value() == "monitoring_plan"
    assert '<option value="monitoring_plan" selected>Monitoring plan</option>' in response.content.decode()


def test_upload_with_a_type_and_metrics_from_the_page(client, ava, medium):
    client.force_login(ava)
    response = client.post(page(medium), {
        "file": upload("eval.pdf", PDF), "artefact_type": "evaluation_report",
        "metrics": "accuracy, 0.95, 0.97\nfalse positive rate, 0.05, 0.03, lower\n",
    }, follow=True)
    assert "eval.pdf uploaded as the evaluation report." in messages_of(response)
    evidence = Evidence.objects.get()
    assert evidence.artefact_type.key == "evaluation_report"
    assert {(m.name, m.threshold, m.result, m.higher_is_better) for m in evidence.metrics.all()} == {
        ("accuracy", Decimal("0.95"), Decimal("0.97"), True),
        ("false positive rate", Decimal("0.05"), Decimal("0.03"), False)}
    html = client.get(page(medium)).content.decode()
    assert "accuracy: 0.97 (at least 0.95)" in html and "false positive rate: 0.03 (at most 0.05)" in html


@pytest.mark.parametrize(("data", "field", "words"), [
    ({"artefact_type": "evaluation_report", "metrics": "accuracy 0.97"}, "metrics",
     'Line 1: write "name, threshold, result".'),
    ({"artefact_type": "evaluation_report", "metrics": "accuracy, high, 0.97"}, "metrics",
     "Metric 1: give the threshold as a number"),
    ({"artefact_type": "evaluation_report", "metrics": ""}, "metrics", "give each metric's name"),
    ({"artefact_type": "monitoring_plan", "metrics": "accuracy, 0.95, 0.97"}, "metrics",
     "Monitoring plan carries no metrics"),
    ({"artefact_type": "forged", "metrics": ""}, "artefact_type", "Unknown artefact type"),
])
def test_a_refusal_keeps_what_was_typed(client, ava, medium, data, field, words):
    client.force_login(ava)
    response = client.post(page(medium), {"file": upload("eval.pdf", PDF), **data})
    assert response.status_code == 200
    form = response.context["form"]
    assert any(words in error for error in form.errors[field]), form.errors
    assert form["artefact_type"].value() == data["artefact_type"]
    assert form["metrics"].value() == data["metrics"]
    assert any("Nothing was uploaded." in m for m in messages_of(response))
    assert not Evidence.objects.exists()


def test_a_reviewer_rejects_from_the_page_and_everyone_sees_why(client, ava, medium, sec):
    evidence = typed(medium, ava)
    client.force_login(sec)
    assert "Reject assessment.pdf" in client.get(page(medium)).content.decode()
    response = client.post(reject_url(evidence), {"reason": "No assessment of the harm to minors."}, follow=True)
    assert "assessment.pdf rejected: the team is asked to upload it again." in messages_of(response)
    evidence.refresh_from_db()
    assert (evidence.rejected_by, evidence.rejection_reason) == (sec, "No assessment of the harm to minors.")

    client.force_login(ava)
    html = client.get(detail(medium)).content.decode()
    assert "Rejected by" in html and "No assessment of the harm to minors." in html
    assert "rejected by a reviewer" in html  # the upcoming-gates section: needed again
    assert "Reject assessment.pdf" not in client.get(page(medium)).content.decode()


def test_a_rejection_without_a_reason_keeps_the_form_open(client, ava, medium, sec):
    evidence = typed(medium, ava)
    client.force_login(sec)
    response = client.post(reject_url(evidence), {"reason": "short"})
    assert response.status_code == 200
    [item] = response.context["artefacts"]
    assert "Say why it is rejected" in item.reject_form.errors["reason"][0]
    assert item.reject_form["reason"].value() == "short"
    assert Evidence.objects.get().rejected_at is None


@pytest.mark.parametrize("who", ["ava", "owner"])
def test_the_use_cases_own_people_may_not_reject(client, ava, owner, medium, who):
    evidence = typed(medium, ava)
    client.force_login({"ava": ava, "owner": owner}[who])
    assert "Reject assessment.pdf" not in client.get(page(medium)).content.decode()
    response = client.post(reject_url(evidence), {"reason": "I do not like it after all."}, follow=True)
    assert any("Only the reviewers of" in m for m in messages_of(response)), messages_of(response)
    assert Evidence.objects.get().rejected_at is None


def test_a_stranger_gets_404(client, ava, medium):
    evidence = typed(medium, ava)
    client.force_login(reviewer("legal"))
    assert client.get(page(medium)).status_code == 404
    assert client.post(reject_url(evidence), {"reason": "Not visible to me at all."}).status_code == 404


def test_evidence_of_another_use_case_is_404(client, ava, medium, low_case, sec):
    evidence = typed(medium, ava)
    client.force_login(sec)
    url = reverse("reviews:evidence_reject", args=[low_case.reference, evidence.pk])
    assert client.post(url, {"reason": "Wrong use case entirely."}).status_code == 404


# ---------------------------------------------------------------- admin


def review_change(review):
    return reverse("admin:reviews_review_change", args=[review.pk])


def test_the_review_page_lists_the_artefacts_and_a_reviewer_rejects_there(client, ava, medium, sec):
    services.evidence_add(use_case=medium, actor=ava, upload=upload("eval.pdf", PDF), artefact_type="evaluation_report",
                          metrics=[{"name": "accuracy", "threshold": "0.95", "result": "0.91"}])
    evidence = Evidence.objects.get()
    review = medium.reviews.get(function="security")
    client.force_login(sec)
    html = client.get(review_change(review)).content.decode()
    section = html.split('id="artefacts"', 1)[1].split('id="comments"', 1)[0]
    assert "Evaluation report" in section and "accuracy: 0.91 (at least 0.95)" in section
    assert "below threshold" in section
    assert reverse("reviews:evidence_download", args=[evidence.pk]) in section
    assert "Before Pilot: Impact assessment (missing)" in section

    url = reverse("admin:reviews_review_artefact_reject", args=[review.pk, evidence.pk])
    response = client.post(url, {"reason": "Tested on last year's tickets only."}, follow=True)
    assert any("eval.pdf rejected" in m for m in messages_of(response))
    assert Evidence.objects.get().rejection_reason == "Tested on last year's tickets only."
    assert "Tested on last year&#x27;s tickets only." in client.get(review_change(review)).content.decode()


def test_the_admin_refusal_is_a_message(client, ava, medium, sec):
    evidence = typed(medium, ava)
    review = medium.reviews.get(function="security")
    client.force_login(sec)
    url = reverse("admin:reviews_review_artefact_reject", args=[review.pk, evidence.pk])
    response = client.post(url, {"reason": ""}, follow=True)
    assert any("Say why it is rejected" in m for m in messages_of(response))
    assert Evidence.objects.get().rejected_at is None


def test_governance_admins_edit_the_artefact_reference_data_with_history(client, gov):
    from reviews.models import ArtefactType, TierArtefact

    client.force_login(gov)
    for name in ("artefacttype", "tierartefact", "evaluationmetric", "evidence"):
        assert client.get(reverse(f"admin:reviews_{name}_changelist")).status_code == 200, name
    plan = ArtefactType.objects.get(key="monitoring_plan")
    response = client.post(reverse("admin:reviews_artefacttype_change", args=[plan.pk]), {
        "name": "Monitoring and alerting plan", "key": "monitoring_plan", "description": plan.description,
        "has_metrics": "", "order": plan.order})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.name == "Monitoring and alerting plan" and plan.history.first().history_user == gov
    response = client.post(reverse("admin:reviews_tierartefact_add"), {
        "tier": "low", "gate_stage": "scaled", "artefact_type": plan.pk})
    assert response.status_code == 302
    assert TierArtefact.objects.filter(tier="low", gate_stage="scaled").get().history.first().history_user == gov
