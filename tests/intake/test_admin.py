"""Intake in Django admin: the same permission choke point, matrix versioning, audit."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from intake.models import GovernanceAdminAction, RiskMatrixVersion, TierThreshold
from tests.factories import KPIFactory, UseCaseFactory, UserFactory


@pytest.fixture
def staff_outsider(db):
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name="legal"))
    return user


@pytest.fixture
def admin_user(db):
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name="governance_admins"))
    return user


def test_admin_list_shows_only_permitted_use_cases(client, ava, custops, staff_outsider):
    mine = UseCaseFactory(business_unit=custops, created_by=staff_outsider, title="Visible to me")
    UseCaseFactory(business_unit=custops, created_by=ava, title="Not for my eyes")
    client.force_login(staff_outsider)
    response = client.get(reverse("admin:intake_usecase_changelist"))
    assert response.status_code == 200
    assert mine.title.encode() in response.content
    assert b"Not for my eyes" not in response.content


def test_admin_change_page_of_invisible_use_case_does_not_leak(client, ava, custops, staff_outsider):
    hidden = UseCaseFactory(business_unit=custops, created_by=ava)
    client.force_login(staff_outsider)
    response = client.get(reverse("admin:intake_usecase_change", args=[hidden.pk]), follow=True)
    assert hidden.title.encode() not in response.content
    assert b"doesn\xe2\x80\x99t exist" in response.content or response.status_code == 404


def test_admin_changelist_query_count_is_constant(client, admin_user, custops, ava, django_assert_num_queries):
    client.force_login(admin_user)
    url = reverse("admin:intake_usecase_changelist")
    UseCaseFactory.create_batch(2, business_unit=custops, created_by=ava)
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    UseCaseFactory.create_batch(10, business_unit=custops, created_by=ava)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(url)


def test_editing_the_matrix_in_admin_publishes_a_version(client, admin_user):
    client.force_login(admin_user)
    threshold = TierThreshold.objects.get(tier="high")
    response = client.post(reverse("admin:intake_tierthreshold_change", args=[threshold.pk]),
                           {"tier": "high", "min_score": 12})
    assert response.status_code == 302
    latest = RiskMatrixVersion.objects.order_by("-number").first()
    assert latest.number == 2
    assert {"tier": "high", "min_score": 12} in latest.snapshot["thresholds"]


def test_governance_admin_writes_are_logged(client, admin_user):
    client.force_login(admin_user)
    threshold = TierThreshold.objects.get(tier="medium")
    client.post(reverse("admin:intake_tierthreshold_change", args=[threshold.pk]), {"tier": "medium", "min_score": 6})
    action = GovernanceAdminAction.objects.get()
    assert (action.user, action.method, action.status_code) == (admin_user, "POST", 302)
    assert "tierthreshold" in action.path


def test_other_users_writes_are_not_in_the_governance_log(ava_client, custops):
    ava_client.post(reverse("logout"))
    assert not GovernanceAdminAction.objects.exists()


def test_admin_edit_of_a_tier_answer_retiers_through_the_service(client, admin_user, ava, custops):
    from reviews import services as workflow

    use_case = UseCaseFactory(business_unit=custops, created_by=ava)
    KPIFactory(use_case=use_case)
    workflow.use_case_submit(use_case=use_case, actor=ava)
    client.force_login(admin_user)
    url = reverse("admin:intake_usecase_change", args=[use_case.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {name: ("" if value is None else value) for name, value in data.items()}
    data.update({"regulated_area": "employment", "kpis-TOTAL_FORMS": 0, "kpis-INITIAL_FORMS": 0,
                 "raci-TOTAL_FORMS": 0, "raci-INITIAL_FORMS": 0, "events-TOTAL_FORMS": 0, "events-INITIAL_FORMS": 0})
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    use_case.refresh_from_db()
    assert use_case.risk_tier == "high"
    assert use_case.tier_assessments.first().created_by == admin_user


def test_every_model_of_our_apps_is_in_admin():
    from django.apps import apps
    from django.contrib import admin

    missing = [
        model._meta.label
        for app in ("vendors", "intake", "reviews", "reports")
        for model in apps.get_app_config(app).get_models()
        if not model._meta.label.split(".")[1].startswith("Historical") and model not in admin.site._registry
    ]
    assert missing == []


def _history_urls(use_case):
    """Every admin history page that shows something of ``use_case``."""
    kpi, raci_row = use_case.kpis.get(), use_case.raci.get(activity__key="outcome", letter="A")
    version = use_case.history.earliest("history_date")
    return [
        reverse("admin:intake_usecase_history", args=[use_case.pk]),
        reverse("admin:intake_usecase_simple_history", args=[use_case.pk, version.history_id]),
        reverse("admin:intake_kpi_history", args=[kpi.pk]),
        reverse("admin:intake_raciassignment_history", args=[raci_row.pk]),
        reverse("admin:intake_usecaseevent_history", args=[use_case.events.get().pk]),
    ]


def test_history_of_an_invisible_use_case_is_404_like_a_missing_one(client, ava, custops, staff_outsider):
    from intake import services

    hidden = services.use_case_create(actor=ava, business_unit=custops, answers={"title": "Not for my eyes"})
    KPIFactory(use_case=hidden)
    client.force_login(staff_outsider)
    for url in [*_history_urls(hidden), "/admin/intake/usecase/999999/history/", "/admin/intake/kpi/x/history/"]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"Not for my eyes" not in response.content


def test_history_stays_open_to_those_who_may_see_it(client, ava, custops, admin_user):
    from intake import services

    use_case = services.use_case_create(actor=ava, business_unit=custops, answers={"title": "Open to admins"})
    KPIFactory(use_case=use_case)
    client.force_login(admin_user)
    for url in _history_urls(use_case):
        assert client.get(url).status_code == 200, url
    raci_row = use_case.raci.get(activity__key="outcome", letter="A")
    history = client.get(reverse("admin:intake_raciassignment_history", args=[raci_row.pk])).content.decode()
    assert "Created" in history and ava.username in history  # the generated row's history names who caused it


def test_admin_shows_the_services_refusal_of_a_sponsor_at_the_field(client, admin_user, ava, custops):
    from intake import services

    sponsors = Group.objects.get(name="executive_sponsors")
    sue = UserFactory(username="sue.sponsor")
    sue.groups.add(sponsors)
    use_case = UseCaseFactory(business_unit=custops, created_by=ava, executive_sponsor=sue)
    use_case.delivery_owner.groups.add(sponsors)
    client.force_login(admin_user)
    url = reverse("admin:intake_usecase_change", args=[use_case.pk])
    form = client.get(url).context["adminform"].form
    data = {name: ("" if form[name].value() is None else form[name].value()) for name in form.fields}
    data.update({"kpis-TOTAL_FORMS": 0, "kpis-INITIAL_FORMS": 0, "raci-TOTAL_FORMS": 0, "raci-INITIAL_FORMS": 0,
                 "events-TOTAL_FORMS": 0, "events-INITIAL_FORMS": 0})
    for ineligible in (UserFactory(username="ben.friend"), use_case.delivery_owner):
        response = client.post(url, {**data, "executive_sponsor": ineligible.pk, "title": "Handed over"})
        assert response.status_code == 200
        expected = services.use_case_owner_problems(use_case=use_case, actor=admin_user,
                                                    answers={"executive_sponsor": ineligible})
        assert response.context["adminform"].form.errors["executive_sponsor"] == [expected["executive_sponsor"]]
    use_case.refresh_from_db()
    assert use_case.executive_sponsor == sue and use_case.title != "Handed over"


def test_the_pilot_selection_list_reads_the_policy_once(client, gov, ava, custops, django_assert_max_num_queries):
    from intake import services as intake_services
    from tests.factories import UseCaseFactory

    scores = dict.fromkeys(intake_services.PILOT_CRITERIA, 3)
    for _ in range(6):
        intake_services.pilot_selection_record(use_case=UseCaseFactory(business_unit=custops, created_by=ava),
                                               actor=gov, scores=scores)
    client.force_login(gov)
    url = "/admin/intake/pilotselection/"
    with django_assert_max_num_queries(30) as captured:
        response = client.get(url)
    assert response.status_code == 200 and response.content.decode().count('alt="True"') == 6
    assert sum('FROM "reviews_governancepolicy" ' in q["sql"] for q in captured.captured_queries) == 1
