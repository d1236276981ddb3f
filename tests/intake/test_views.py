"""The submitter-facing intake pages, as ava, ben and gov use them."""

import re

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from intake import services
from intake.choices import Status
from intake.models import KPI, PILOT_CRITERIA, PilotSelection, ReferenceCounter, UseCase
from reviews import services as workflow
from tests.factories import KPIFactory, StrategicOutcomeFactory, UseCaseFactory, UserFactory, bucket

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- helpers


def management(total=3, initial=0, prefix="kpis"):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "50",
    }


def kpi_row(index=0, **overrides):
    row = {
        "name": "Handling time",
        "category": "process_efficiency",
        "unit": "minutes",
        "baseline": "12",
        "target": "8",
        "direction": "decrease",
    }
    row.update(overrides)
    return {f"kpis-{index}-{key}": value for key, value in row.items()}


@pytest.fixture
def people(db):
    sponsor = UserFactory(username="sam.sponsor", first_name="Sam", last_name="Sponsor")
    sponsor.groups.add(Group.objects.get(name="executive_sponsors"))  # only they may sponsor (decide gates)
    return {
        "owner": UserFactory(username="olivia.owner", first_name="Olivia", last_name="Owner"),
        "delivery": UserFactory(username="dan.delivery", first_name="Dan", last_name="Delivery"),
        "sponsor": sponsor,
    }


@pytest.fixture
def full_answers(custops, people):
    outcome = StrategicOutcomeFactory(name="Faster customer service")
    return {
        "title": "Ticket summaries for agents",
        "summary": "Summarise ticket history for support agents.",
        "problem_statement": "Agents spend 12 minutes reading history per ticket.",
        "strategic_outcome": str(outcome.pk),
        "portfolio_bucket": str(bucket().pk),
        "outcome_baseline": "12 minutes per ticket",
        "outcome_target": "cut to 8 minutes",
        "outcome_time_horizon": "6 months",
        "outcome_constraints": "Keep answer quality",
        "business_unit": str(custops.pk),
        "business_owner": str(people["owner"].pk),
        "delivery_owner": str(people["delivery"].pk),
        "executive_sponsor": str(people["sponsor"].pk),
        "data_sources": "Ticketing system",
        "data_classification": "internal",
        "personal_data": "none",
        "exposure": "internal_small",
        "expected_users": "40",
        "integrations": "Ticketing",
        "target_release": "2027-06-30",
        "ai_pattern": "copilot",
        "autonomy": "assists",
        "decision_impact": "none",
        "regulated_area": "",
        "prohibited_practice": "",
    }


@pytest.fixture
def full_post(full_answers):
    return {**full_answers, **management(3), **kpi_row(0)}


@pytest.fixture
def draft(ava, custops):
    use_case = UseCaseFactory(business_unit=custops, created_by=ava, title="Ava's draft")
    KPIFactory(use_case=use_case)
    return use_case


@pytest.fixture
def submitted(draft, ava):
    return workflow.use_case_submit(use_case=draft, actor=ava)


@pytest.fixture
def gov_client(client, gov):
    client.force_login(gov)
    return client


def url(name, use_case=None):
    return reverse(f"intake:{name}", args=[use_case.reference] if use_case else [])


# ---------------------------------------------------------------- login and layout


def test_anonymous_is_sent_to_login(client, draft):
    for target in (url("list"), url("new"), url("detail", draft), url("edit", draft)):
        response = client.get(target)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login") + "?next=")
    response = client.post(url("submit", draft))
    assert response.status_code == 302
    assert UseCase.objects.get(pk=draft.pk).status == Status.DRAFT


def test_login_page_renders_and_logs_in(client, ava):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b"Stagegate" in response.content
    response = client.post(reverse("login"), {"username": ava.username, "password": "stagegate-test"})
    assert response.status_code == 302
    assert response["Location"] == url("list")


def test_layout_has_nav_and_post_logout(ava_client):
    html = ava_client.get(url("list")).content.decode()
    assert "My use cases" in html and "New use case" in html
    assert re.search(r'<form method="post" action="/accounts/logout/"', html)
    assert "/static/css/stagegate.css" in html
    assert reverse("admin:index") not in html


def test_admin_link_for_staff_only(gov_client):
    assert reverse("admin:index") in gov_client.get(url("list")).content.decode()


def test_logout_is_post(ava_client):
    response = ava_client.post(reverse("logout"))
    assert response.status_code == 302
    assert ava_client.get(url("list")).status_code == 302


# ---------------------------------------------------------------- list


def test_list_shows_only_own_business_units(ava_client, ava, ben, custops, fin):
    mine = UseCaseFactory(business_unit=custops, created_by=ava, title="Ava visible idea")
    theirs = UseCaseFactory(business_unit=fin, created_by=ben, title="Ben hidden idea")
    html = ava_client.get(url("list")).content.decode()
    assert mine.reference in html and "Ava visible idea" in html
    assert theirs.reference not in html and "Ben hidden idea" not in html


def test_list_tier_is_dash_before_submission_and_badge_after(ava_client, draft, submitted, custops, ava):
    other = UseCaseFactory(business_unit=custops, created_by=ava)
    html = ava_client.get(url("list")).content.decode()
    row = re.search(rf"{other.reference}.*?</tr>", html, re.S).group(0)
    assert "—" in row
    row = re.search(rf"{submitted.reference}.*?</tr>", html, re.S).group(0)
    assert "badge-tier-low" in row and "In review" in row


def test_list_paginates_25(ava_client, ava, custops):
    UseCaseFactory.create_batch(27, business_unit=custops, created_by=ava)
    first = ava_client.get(url("list"))
    assert len(first.context["use_cases"]) == 25
    assert "Page 1 of 2" in first.content.decode()
    second = ava_client.get(url("list") + "?page=2")
    assert len(second.context["use_cases"]) == 2
    assert ava_client.get(url("list") + "?page=abc").status_code == 200


def test_list_query_count_is_constant(ava_client, ava, custops, django_assert_num_queries, warm_caches):
    UseCaseFactory.create_batch(3, business_unit=custops, created_by=ava)
    with CaptureQueriesContext(connection) as few:
        ava_client.get(url("list"))
    assert len(few) <= 6
    UseCaseFactory.create_batch(27, business_unit=custops, created_by=ava)
    with django_assert_num_queries(len(few)):
        response = ava_client.get(url("list"))
    assert len(response.context["use_cases"]) == 25


# ---------------------------------------------------------------- visibility


def test_ben_gets_404_on_avas_use_case(client, ben, draft):
    client.force_login(ben)
    assert client.get(url("detail", draft)).status_code == 404
    assert client.get(url("edit", draft)).status_code == 404
    assert client.post(url("edit", draft), {"title": "hijack", "action": "save"}).status_code == 404
    assert client.post(url("submit", draft)).status_code == 404
    assert client.post(url("override_tier", draft), {"tier": "low"}).status_code == 404
    assert client.get(url("pilot_selection", draft)).status_code == 404
    draft.refresh_from_db()
    assert draft.title == "Ava's draft" and draft.status == Status.DRAFT


def test_unknown_reference_is_404(ava_client):
    assert ava_client.get("/intake/UC-9999/").status_code == 404


# ---------------------------------------------------------------- new: save draft


def test_new_form_renders_sections_and_three_kpi_rows(ava_client, custops):
    response = ava_client.get(url("new"))
    assert response.status_code == 200
    html = response.content.decode()
    for title in (
        "Problem and outcome",
        "Ownership",
        "Data",
        "Users and integrations",
        "AI pattern and oversight",
        "KPIs",
    ):
        assert title in html
    assert response.context["formset"].total_form_count() >= 3
    assert 'name="action" value="save"' in html and 'name="action" value="submit"' in html
    assert 'type="date"' in html
    assert "None of these" in html
    # The only unit ava belongs to is preselected.
    assert response.context["form"]["business_unit"].value() == custops.pk


def test_save_draft_with_only_a_title(ava_client, ava, custops):
    response = ava_client.post(
        url("new"), {"title": "Just an idea", "business_unit": custops.pk, "action": "save", **management(3)}
    )
    use_case = UseCase.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("detail", use_case)
    assert re.fullmatch(r"UC-\d{4}", use_case.reference)
    assert use_case.status == Status.DRAFT and use_case.risk_tier is None
    assert use_case.created_by == ava and use_case.business_unit == custops
    assert use_case.events.get().kind == "created"
    follow = ava_client.get(response["Location"])
    assert "Draft saved" in follow.content.decode()


def test_save_draft_with_kpis_and_partial_answers(ava_client, custops, full_answers):
    data = {
        "title": "With KPIs",
        "business_unit": custops.pk,
        "data_classification": "confidential",
        "action": "save",
        **management(3),
        **kpi_row(0),
        **kpi_row(
            1,
            name="Satisfaction",
            category="adoption_health",
            unit="score",
            baseline="3.5",
            target="4.2",
            direction="increase",
        ),
    }
    response = ava_client.post(url("new"), data)
    assert response.status_code == 302
    use_case = UseCase.objects.get()
    assert use_case.data_classification == "confidential"
    assert list(use_case.kpis.values_list("name", flat=True)) == ["Handling time", "Satisfaction"]


def test_save_draft_needs_title_and_business_unit(ava_client):
    response = ava_client.post(url("new"), {"action": "save", **management(3)})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "title" in errors and "business_unit" in errors
    assert UseCase.objects.count() == 0


def test_incomplete_kpi_row_is_refused_at_the_row(ava_client, custops):
    data = {"title": "T", "business_unit": custops.pk, "action": "save", **management(3), "kpis-0-name": "Only a name"}
    response = ava_client.post(url("new"), data)
    assert response.status_code == 200
    row_errors = response.context["formset"].errors[0]
    assert {"category", "unit", "baseline", "target", "direction"} <= set(row_errors)
    assert UseCase.objects.count() == 0


# ---------------------------------------------------------------- new: submit


def test_submit_with_missing_fields_shows_every_one_and_creates_nothing(ava_client, custops):
    counter_before = list(ReferenceCounter.objects.values_list("name", "last_value"))
    typed = {
        "title": "Half-finished idea",
        "summary": "Typed <b>summary</b> that must survive",
        "outcome_baseline": "5 days per proposal",
        "ai_pattern": "chatbot",
        "expected_users": "250",
    }
    data = {**typed, "business_unit": custops.pk, "action": "submit", **management(3)}
    response = ava_client.post(url("new"), data)

    assert response.status_code == 200
    assert UseCase.objects.count() == 0
    assert KPI.objects.count() == 0
    assert list(ReferenceCounter.objects.values_list("name", "last_value")) == counter_before

    form = response.context["form"]
    expected_missing = set(services.REQUIRED_FOR_SUBMIT) - set(typed)
    assert expected_missing <= set(form.errors)
    for name in expected_missing:
        assert "Required to submit." in form.errors[name]
    assert not set(typed) & set(form.errors)
    assert any("KPI" in str(e) for e in response.context["kpi_errors"])

    html = response.content.decode()
    assert "cannot be submitted yet" in html
    # Summary box names the missing answers by label, linking to each field.
    assert 'href="#field-delivery_owner">Delivery owner</a>' in html
    assert 'href="#kpis">KPIs</a>' in html
    # Every typed value is still in the form, escaped.
    assert 'value="Half-finished idea"' in html
    assert "Typed &lt;b&gt;summary&lt;/b&gt; that must survive" in html
    assert 'value="5 days per proposal"' in html
    assert 'value="250"' in html
    assert re.search(r'value="chatbot"[^>]*checked', html)


def test_full_submit_sets_submitted_and_shows_tier_with_explanation(ava_client, full_post):
    response = ava_client.post(url("new"), {**full_post, "action": "submit"})
    use_case = UseCase.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("detail", use_case)
    # Submission opens the reviews its tier requires, so it is straight in review.
    assert use_case.status == Status.IN_REVIEW
    assert list(use_case.reviews.values_list("function", flat=True)) == ["security"]
    assert use_case.risk_tier == "low"
    assert use_case.kpis.count() == 1

    detail = ava_client.get(response["Location"])
    html = detail.content.decode()
    assert "submitted for review. Risk tier: Low." in html
    assert "badge-tier-low" in html
    assert "Risk matrix v1" in html
    for dimension in ("Data sensitivity", "Decision impact on people", "Autonomy", "Exposure", "Regulated domain"):
        assert dimension in html
    assert "Highest data classification: Internal (1)" in html
    assert "Low from 0" in html and "Medium from 5" in html and "High from 10" in html
    assert "Hard floors applied:</strong> none" in html
    assert "Minimal risk" in html
    assert "Article 95" in html
    # Submitted: no longer editable by its submitter.
    assert url("edit", use_case) not in html
    assert "Submitted" in html


def test_submit_in_regulated_area_shows_floor(ava_client, full_post):
    response = ava_client.post(url("new"), {**full_post, "regulated_area": "employment", "action": "submit"})
    assert response.status_code == 302
    use_case = UseCase.objects.get()
    assert use_case.risk_tier == "high"
    html = ava_client.get(url("detail", use_case)).content.decode()
    assert "Regulated decision area (EU AI Act Annex III) → at least <strong>High</strong>" in html
    assert "High-risk (Annex III)" in html
    assert "2 Dec 2027" in html


def test_prohibited_practice_submit_is_refused_with_reason(ava_client, full_post):
    response = ava_client.post(url("new"), {**full_post, "prohibited_practice": "social_scoring", "action": "submit"})
    assert response.status_code == 200
    assert UseCase.objects.count() == 0
    errors = response.context["form"].errors
    assert list(errors) == ["prohibited_practice"]
    assert "Article 5" in errors["prohibited_practice"][0]
    assert "cannot proceed past intake" in response.content.decode()


# ---------------------------------------------------------------- edit and submit existing


def test_edit_updates_answers_and_kpis(ava_client, draft):
    kpi = draft.kpis.get()
    form = ava_client.get(url("edit", draft))
    assert form.status_code == 200
    assert form.context["form"]["business_unit"].field.disabled
    data = {
        "title": "Renamed draft",
        "action": "save",
        **management(3, initial=1),
        "kpis-0-id": kpi.pk,
        "kpis-0-use_case": draft.pk,
        **kpi_row(0, name="Handling time (median)"),
        **kpi_row(1, name="Repeat contacts", category="business_outcome", unit="%", baseline="20", target="15"),
    }
    response = ava_client.post(url("edit", draft), data)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.title == "Renamed draft"
    assert draft.summary == ""  # the form is the whole truth for the answers it shows
    names = list(draft.kpis.order_by("id").values_list("id", "name"))
    assert names[0] == (kpi.pk, "Handling time (median)")
    assert names[1][1] == "Repeat contacts"


def test_edit_can_delete_a_kpi(ava_client, draft):
    kpi = draft.kpis.get()
    data = {
        "title": draft.title,
        "action": "save",
        **management(2, initial=1),
        "kpis-0-id": kpi.pk,
        "kpis-0-use_case": draft.pk,
        **kpi_row(0),
        "kpis-0-DELETE": "on",
    }
    assert ava_client.post(url("edit", draft), data).status_code == 302
    assert not KPI.objects.filter(pk=kpi.pk).exists()


def test_failed_submit_from_edit_rolls_back_the_save(ava_client, draft):
    data = {"title": "Changed but incomplete", "action": "submit", **management(0, initial=0)}
    response = ava_client.post(url("edit", draft), data)
    assert response.status_code == 200
    assert "summary" in response.context["form"].errors
    draft.refresh_from_db()
    assert draft.title == "Ava's draft" and draft.status == Status.DRAFT
    assert draft.kpis.count() == 1


def test_submit_button_on_detail_submits_complete_draft(ava_client, draft):
    html = ava_client.get(url("detail", draft)).content.decode()
    assert url("submit", draft) in html and url("edit", draft) in html
    response = ava_client.post(url("submit", draft))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Status.IN_REVIEW and draft.risk_tier == "low"
    assert "Risk tier: Low" in ava_client.get(response["Location"]).content.decode()


def test_submit_url_for_incomplete_draft_sends_to_edit_with_errors(ava_client, ava, custops):
    use_case = services.use_case_create(actor=ava, business_unit=custops, answers={"title": "Thin"})
    response = ava_client.post(url("submit", use_case))
    assert response.status_code == 302
    assert response["Location"].startswith(url("edit", use_case) + "?check=1")
    page = ava_client.get(response["Location"])
    assert page.status_code == 200
    errors = page.context["form"].errors
    assert "summary" in errors and "executive_sponsor" in errors
    html = page.content.decode()
    assert "cannot be submitted yet" in html and "Required to submit." in html
    use_case.refresh_from_db()
    assert use_case.status == Status.DRAFT


def test_submit_url_refuses_get(ava_client, draft):
    assert ava_client.get(url("submit", draft)).status_code == 405


def test_submitted_use_case_is_read_only_for_its_submitter(ava_client, submitted):
    response = ava_client.get(url("edit", submitted))
    assert response.status_code == 302 and response["Location"] == url("detail", submitted)
    assert (
        "is in review, so its answers can no longer be changed" in ava_client.get(response["Location"]).content.decode()
    )

    response = ava_client.post(url("edit", submitted), {"title": "Sneaky change", "action": "save", **management(0)})
    assert response.status_code == 302
    response = ava_client.post(url("submit", submitted))
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.title == "Ava's draft"
    assert submitted.events.filter(kind="submitted").count() == 1

    html = ava_client.get(url("detail", submitted)).content.decode()
    assert url("edit", submitted) not in html
    assert url("submit", submitted) not in html


def test_changes_requested_is_editable_again(ava_client, submitted):
    UseCase.objects.filter(pk=submitted.pk).update(status=Status.CHANGES_REQUESTED)
    services.grants_recompute(use_case=UseCase.objects.get(pk=submitted.pk))
    assert ava_client.get(url("edit", submitted)).status_code == 200


# ---------------------------------------------------------------- tampered posts


@pytest.fixture
def inactive_user(db):
    return UserFactory(username="gone.user", is_active=False)


TAMPERED = [
    ("unknown choice", {"ai_pattern": "skynet"}, "ai_pattern"),
    ("unknown regulated area", {"regulated_area": "astrology"}, "regulated_area"),
    ("over-long title", {"title": "x" * 201}, "title"),
    ("over-long summary", {"summary": "x" * 2001}, "summary"),
    ("invalid date", {"target_release": "2027-02-30"}, "target_release"),
    ("garbage date", {"target_release": "next tuesday"}, "target_release"),
    ("negative users", {"expected_users": "-5"}, "expected_users"),
    ("too many users", {"expected_users": "100000001"}, "expected_users"),
    ("huge number", {"expected_users": "9" * 60}, "expected_users"),
    ("non-numeric users", {"expected_users": "lots"}, "expected_users"),
    ("unknown outcome", {"strategic_outcome": "999999"}, "strategic_outcome"),
    ("non-numeric owner", {"business_owner": "ava"}, "business_owner"),
    ("not a boolean list", {"data_classification": ["internal", "public"]}, None),
]


@pytest.mark.parametrize("action", ["save", "submit"])
@pytest.mark.parametrize(("case", "changes", "field"), TAMPERED, ids=[t[0] for t in TAMPERED])
def test_tampered_answers_give_field_errors(ava_client, full_post, case, changes, field, action):
    response = ava_client.post(url("new"), {**full_post, **changes, "action": action})
    if field is None:
        # A repeated value: Django takes the last one, which is a valid choice.
        assert response.status_code in (200, 302)
        return
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert f'id="field-{field}"' in response.content.decode()
    assert UseCase.objects.count() == 0


def test_business_unit_user_is_not_in_is_refused(ava_client, full_post, fin):
    response = ava_client.post(url("new"), {**full_post, "business_unit": fin.pk, "action": "save"})
    assert response.status_code == 200
    assert "business_unit" in response.context["form"].errors
    assert UseCase.objects.count() == 0


def test_inactive_person_cannot_be_picked(ava_client, full_post, inactive_user):
    response = ava_client.post(url("new"), {**full_post, "executive_sponsor": inactive_user.pk, "action": "save"})
    assert response.status_code == 200
    assert "executive_sponsor" in response.context["form"].errors


@pytest.mark.parametrize(
    ("changes", "kpi_field"),
    [
        ({"kpis-0-baseline": "twelve"}, "baseline"),
        ({"kpis-0-target": "1" * 20}, "target"),
        ({"kpis-0-baseline": "NaN"}, "baseline"),
        ({"kpis-0-baseline": "1.234"}, "baseline"),
        ({"kpis-0-category": "vibes"}, "category"),
        ({"kpis-0-direction": "sideways"}, "direction"),
        ({"kpis-0-unit": "u" * 41}, "unit"),
    ],
)
def test_tampered_kpi_rows_give_row_errors(ava_client, full_post, changes, kpi_field):
    response = ava_client.post(url("new"), {**full_post, **changes, "action": "submit"})
    assert response.status_code == 200
    assert kpi_field in response.context["formset"].errors[0]
    assert UseCase.objects.count() == 0


def test_missing_management_form_is_an_error_not_a_crash(ava_client, full_answers):
    response = ava_client.post(url("new"), {**full_answers, **kpi_row(0), "action": "save"})
    assert response.status_code == 200
    assert any("ManagementForm" in str(e) or "management" in str(e).lower() for e in response.context["kpi_errors"])
    assert UseCase.objects.count() == 0
    # The re-rendered page has a usable management form again.
    assert 'name="kpis-TOTAL_FORMS"' in response.content.decode()
    assert response.context["formset"].total_form_count() == 3


def test_absurd_kpi_form_count_is_capped(ava_client, full_post):
    response = ava_client.post(url("new"), {**full_post, "kpis-TOTAL_FORMS": "100000", "action": "save"})
    assert response.status_code == 200
    assert response.context["kpi_errors"]
    assert UseCase.objects.count() == 0


def test_someone_elses_kpi_id_is_refused(ava_client, draft, ben, fin):
    foreign = KPIFactory(use_case=UseCaseFactory(business_unit=fin, created_by=ben))
    data = {
        "title": draft.title,
        "action": "save",
        **management(1, initial=1),
        "kpis-0-id": foreign.pk,
        "kpis-0-use_case": draft.pk,
        **kpi_row(0, name="Stolen"),
    }
    response = ava_client.post(url("edit", draft), data)
    assert response.status_code == 200
    assert "id" in response.context["formset"].errors[0]
    foreign.refresh_from_db()
    assert foreign.name == "Handling time" and foreign.use_case.business_unit == fin


def test_unknown_action_is_treated_as_save(ava_client, custops):
    response = ava_client.post(
        url("new"), {"title": "x", "business_unit": custops.pk, "action": "approve", **management(0)}
    )
    assert response.status_code == 302
    assert UseCase.objects.get().status == Status.DRAFT


# ---------------------------------------------------------------- detail


def test_detail_shows_answers_kpis_timeline(ava_client, submitted):
    html = ava_client.get(url("detail", submitted)).content.decode()
    for text in (
        "Problem and outcome",
        "Agents spend too long reading ticket history.",
        "12 minutes per ticket",
        "Internal",
        "Human decides (AI assists)",
        "None of these",
        "30 Jun 2027",
        "Handling time",
        "Lower is better",
        "Timeline",
        "Submitted",
        "Draft → Submitted",
        "Not scored yet.",
    ):
        assert text in html, text
    assert "Override tier" not in html
    assert url("pilot_selection", submitted) not in html


def test_detail_escapes_user_text(ava_client, ava, custops):
    use_case = UseCaseFactory(
        business_unit=custops,
        created_by=ava,
        title="<script>alert(1)</script>",
        problem_statement="<img src=x onerror=alert(2)>",
    )
    html = ava_client.get(url("detail", use_case)).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html


def test_detail_query_count_is_constant(ava_client, ava, gov, custops, django_assert_num_queries,
                                       warm_caches):
    small = UseCaseFactory(business_unit=custops, created_by=ava)
    KPIFactory(use_case=small)
    workflow.use_case_submit(use_case=small, actor=ava)
    with CaptureQueriesContext(connection) as few:
        ava_client.get(url("detail", small))
    # A fixed budget for the page, whatever its size: 16 for intake's own parts, plus a fixed
    # 22 for the review workflow's panels (intake.views.usecases.PANELS: gate, reviews, evidence,
    # artefacts, discussion; the governance policy in force with its critical areas; what the tier
    # needs at the next gate: its reviews, artefacts and risk areas), each constant whatever the
    # number of rows; 3 for the compliance layer (the obligations gate criterion, the coverage panel); 1
    # for the remediation list of a registered system; and 1 for the concurrent pilots the Exploration ->
    # Pilot gate warns about.
    assert len(few) <= 43

    big = UseCaseFactory(business_unit=custops, created_by=ava)
    KPIFactory.create_batch(8, use_case=big)
    workflow.use_case_update(use_case=big, actor=ava, answers={"title": "Edited once"})
    big = workflow.use_case_submit(use_case=big, actor=ava)
    for n in range(5):  # more timeline events
        workflow.use_case_update(use_case=big, actor=gov, answers={"summary": f"again {n}"})
    with django_assert_num_queries(len(few)):
        response = ava_client.get(url("detail", big))
    assert len(response.context["kpis"]) == 8


# ---------------------------------------------------------------- tier override


def test_override_tier_with_justification(gov_client, gov, submitted):
    html = gov_client.get(url("detail", submitted)).content.decode()
    assert "Override tier" in html
    justification = "Customer-facing pilot planned next quarter; treat as high now."
    response = gov_client.post(url("override_tier", submitted), {"tier": "high", "justification": justification})
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.risk_tier == "high" and submitted.computed_tier == "low"
    assert submitted.tier_override_by == gov
    html = gov_client.get(url("detail", submitted)).content.decode()
    assert "overridden to" in html and justification in html
    assert "badge-tier-high" in html and "badge-tier-low" in html


def test_override_tier_without_justification_shows_error(gov_client, submitted):
    response = gov_client.post(url("override_tier", submitted), {"tier": "high", "justification": "  "})
    assert response.status_code == 200
    assert "at least 20 characters" in response.context["override_form"].errors["justification"][0]
    assert "at least 20 characters" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.risk_tier == "low" and submitted.tier_override == ""


def test_override_tier_unknown_tier_is_a_field_error(gov_client, submitted):
    response = gov_client.post(url("override_tier", submitted), {"tier": "apocalyptic", "justification": "x" * 30})
    assert response.status_code == 200
    assert "tier" in response.context["override_form"].errors


def test_override_tier_before_submission_is_refused(gov_client, draft):
    response = gov_client.post(url("override_tier", draft), {"tier": "high", "justification": "x" * 30})
    assert response.status_code == 200
    assert "submit it first" in response.content.decode()
    draft.refresh_from_db()
    assert draft.risk_tier is None


def test_submitter_cannot_override_tier(ava_client, submitted):
    response = ava_client.post(url("override_tier", submitted), {"tier": "low", "justification": "x" * 30},
                               follow=True)
    assert "You do not have permission to do that." in response.content.decode()
    submitted.refresh_from_db()
    assert not submitted.tier_override
    assert ava_client.get(url("override_tier", submitted)).status_code == 405


# ---------------------------------------------------------------- pilot selection


def test_pilot_selection_record(gov_client, gov, submitted):
    page = gov_client.get(url("pilot_selection", submitted))
    assert page.status_code == 200
    assert len(page.context["form"].criteria()) == 12
    scores = {key: "3" for key in PILOT_CRITERIA}
    response = gov_client.post(url("pilot_selection", submitted), {**scores, "note": "Great fit"})
    assert response.status_code == 302
    selection = PilotSelection.objects.get(use_case=submitted)
    assert selection.total == 36 and selection.scored_by == gov and selection.note == "Great fit"
    html = gov_client.get(url("detail", submitted)).content.decode()
    assert "36</strong>/36" in html and "Strong candidate" in html

    # Re-scoring shows the previous scores and replaces them.
    page = gov_client.get(url("pilot_selection", submitted))
    assert page.context["form"]["business_problem"].value() == 3
    scores["business_problem"] = "1"
    gov_client.post(url("pilot_selection", submitted), scores)
    selection.refresh_from_db()
    assert selection.total == 34


def test_pilot_selection_needs_every_score_in_range(gov_client, submitted):
    scores = {key: "2" for key in PILOT_CRITERIA}
    scores["value_potential"] = "4"
    del scores["ownership"]
    response = gov_client.post(url("pilot_selection", submitted), scores)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"value_potential", "ownership"}
    assert not PilotSelection.objects.exists()


def test_pilot_selection_is_404_for_submitters(ava_client, submitted):
    assert ava_client.get(url("pilot_selection", submitted)).status_code == 404
    scores = {key: "3" for key in PILOT_CRITERIA}
    # A forged post reaches the service, which refuses it with its reason.
    response = ava_client.post(url("pilot_selection", submitted), scores)
    assert "You do not have permission to do that." in response.content.decode()
    assert not PilotSelection.objects.exists()


def test_refused_submit_lists_invalid_and_missing_answers_together(ava_client, custops):
    data = {
        "title": "Two problems",
        "business_unit": custops.pk,
        "expected_users": "-3",
        "action": "submit",
        **management(3),
    }
    response = ava_client.post(url("new"), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "greater than or equal to 0" in errors["expected_users"][0]
    assert errors["summary"] == ["Required to submit."]
    assert "Required to submit." not in errors["expected_users"]
    assert response.context["kpi_errors"]
    assert UseCase.objects.count() == 0


def test_governance_admin_editing_a_submitted_use_case_gets_no_submit_button(gov_client, submitted):
    response = gov_client.get(url("edit", submitted))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="submit"' not in html and "Save changes" in html


def test_informed_party_can_view_but_not_edit(client, draft):
    # The executive sponsor is only Accountable for go / no-go: may see, may not change answers.
    client.force_login(draft.executive_sponsor)
    assert client.get(url("detail", draft)).status_code == 200
    response = client.get(url("edit", draft))
    assert response.status_code == 302 and response["Location"] == url("detail", draft)
    response = client.post(url("submit", draft))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_vendors_and_models_are_named_in_the_form_and_flagged_on_the_page(ava_client, ava, custops):
    from tests.vendors.factories import AIModelFactory, VendorFactory

    vendor = VendorFactory(name="Northwind Test", status="approved")
    banned = AIModelFactory(name="Old Chat", status="banned", provider=vendor)
    use_case = UseCaseFactory(business_unit=custops, created_by=ava)
    KPIFactory(use_case=use_case)
    form = ava_client.get(url("edit", use_case)).context["form"]
    data = {name: form[name].value() for name in form.fields if name != "business_unit"}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data.update({"vendors": [vendor.pk], "ai_models": [banned.pk], "action": "submit",
                 "kpis-TOTAL_FORMS": 1, "kpis-INITIAL_FORMS": 1, "kpis-MIN_NUM_FORMS": 0, "kpis-MAX_NUM_FORMS": 50})
    kpi = use_case.kpis.get()
    data.update({f"kpis-0-{name}": getattr(kpi, name) for name in ("name", "category", "unit", "baseline", "target",
                                                                   "direction")} | {"kpis-0-id": kpi.pk})
    response = ava_client.post(url("edit", use_case), data)
    assert response.status_code == 302, response.context and response.context["form"].errors
    use_case.refresh_from_db()
    assert list(use_case.vendors.all()) == [vendor] and list(use_case.ai_models.all()) == [banned]
    assert set(use_case.reviews.values_list("function", flat=True)) == {"security", "architecture"}
    html = ava_client.get(url("detail", use_case)).content.decode()
    assert "Flagged models" in html and "banned" in html


def test_the_vendors_answer_shows_each_vendors_status_with_no_query_per_vendor(ava_client, draft, warm_caches):
    import datetime

    from django.utils import timezone

    from tests.vendors.factories import VendorFactory

    def vendors_answer(response) -> str:
        answers = [answer for section in response.context["sections"] for answer in section["answers"]]
        return next(answer["value"] for answer in answers if answer["name"] == "vendors")

    today = timezone.localdate()
    northwind = VendorFactory(name="Northwind AI", status="approved", approval_expires=today)
    draft.vendors.set([northwind])
    with CaptureQueriesContext(connection) as one:
        response = ava_client.get(url("detail", draft))
    assert vendors_answer(response) == "Northwind AI (approved)"

    # An approval past its expiry reads "approval expired", as on the gate panel and in admin.
    acme = VendorFactory(name="Acme", status="approved", approval_expires=today - datetime.timedelta(days=1))
    draft.vendors.add(acme, VendorFactory(name="Brightline", status="under_assessment"))
    with CaptureQueriesContext(connection) as three:
        response = ava_client.get(url("detail", draft))
    assert vendors_answer(response) == "Acme (approval expired), Brightline (under assessment), Northwind AI (approved)"
    assert "Acme (approval expired)" in response.content.decode()
    assert len(three) == len(one)


def test_a_tampered_vendor_id_is_a_field_error(ava_client, custops):
    response = ava_client.post(reverse("intake:new"), {"title": "Idea", "business_unit": custops.pk,
                                                      "vendors": ["999999"], "action": "save",
                                                      "kpis-TOTAL_FORMS": 0, "kpis-INITIAL_FORMS": 0})
    assert response.status_code == 200
    assert "vendors" in response.context["form"].errors


def test_the_outcome_accountable_withdraws_with_a_reason(client, ava, custops):
    from tests.factories import UserFactory

    owner = UserFactory()
    use_case = UseCaseFactory(business_unit=custops, created_by=ava, business_owner=owner)
    client.force_login(owner)
    assert "Withdraw" in client.get(url("detail", use_case)).content.decode()
    client.post(reverse("intake:withdraw", args=[use_case.reference]), {"reason": "no"})
    use_case.refresh_from_db()
    assert use_case.status == "draft"  # a reason of ten characters at least
    reason = "Replaced by the CRM vendor's feature."
    client.post(reverse("intake:withdraw", args=[use_case.reference]), {"reason": reason})
    use_case.refresh_from_db()
    assert use_case.status == "withdrawn"
    assert use_case.events.last().note == reason


def test_the_submitter_cannot_withdraw(ava_client, ava, custops):
    from tests.factories import UserFactory

    use_case = UseCaseFactory(business_unit=custops, created_by=ava, business_owner=UserFactory())
    assert "Withdraw" not in ava_client.get(url("detail", use_case)).content.decode()
    ava_client.post(reverse("intake:withdraw", args=[use_case.reference]), {"reason": "I changed my mind about it."})
    use_case.refresh_from_db()
    assert use_case.status == "draft"
