"""Two ordinary accounts colluding: ava submits for Customer Operations, ben is her friend in Finance.

Every way of handing a decision on ava's use case to ben (or to ava herself), through every route (the
RACI page, the use-case pages, Django admin, the API), is refused, and each refusal leaves nothing changed:
RACI rows, guardian grants, reviews and their decisions, gate decisions, the timeline. Rows written
around the services (straight to the tables) still do not let the use case's own people decide, and no
gate is decided on a draft.

Done when no combination of two non-privileged accounts can review, approve or gate a use case that one
of them submitted or owns.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from intake import selectors
from intake import services as intake_services
from intake.models import (
    RaciActivity,
    RaciAssignment,
    UseCase,
    UseCaseGroupObjectPermission,
    UseCaseUserObjectPermission,
)
from reviews import services as review_services
from reviews.models import GateDecision, Review, ReviewDecision
from tests.factories import KPIFactory, UseCaseFactory, UserFactory

pytestmark = pytest.mark.django_db

RATIONALE = "Reviewed the design, the data flows and the controls."


# ---------------------------------------------------------------- the cast


@pytest.fixture
def fin_team(ben):
    """A group ben is in: handing a role to it hands it to him."""
    team = Group.objects.create(name="fin_team")
    ben.groups.add(team)
    return team


@pytest.fixture
def sue(db):
    """The real executive sponsor."""
    user = UserFactory(username="sue.sponsor", first_name="Sue", last_name="Sponsor")
    user.groups.add(Group.objects.get(name="executive_sponsors"))
    return user


@pytest.fixture
def sec(db):
    """A real security reviewer."""
    user = UserFactory(username="sid.security", is_staff=True)
    user.groups.add(Group.objects.get(name="security"))
    return user


def _use_case(ava, custops, sue, **answers):
    # ava owns its outcome (business owner = creator) and so manages its RACI.
    use_case = UseCaseFactory(business_unit=custops, created_by=ava, business_owner=ava, executive_sponsor=sue,
                              title="Ticket summaries", **answers)
    KPIFactory(use_case=use_case)
    return use_case


@pytest.fixture
def draft(ava, custops, sue):
    return _use_case(ava, custops, sue)


@pytest.fixture
def submitted(ava, custops, sue):
    """Low tier: one security review, open; the security group is R and A on it."""
    return review_services.use_case_submit(use_case=_use_case(ava, custops, sue), actor=ava)


@pytest.fixture(params=["draft", "submitted"])
def any_case(request):
    return request.getfixturevalue(request.param)


def api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def state(use_case) -> dict:
    """Everything a handed-over decision would change."""
    uc = UseCase.objects.get(pk=use_case.pk)
    return {
        "use_case": (uc.status, uc.stage, uc.business_owner_id, uc.delivery_owner_id, uc.executive_sponsor_id,
                     uc.raci_customised, uc.title),
        "raci": sorted((a.activity.key, a.letter, a.user_id, a.group_id, a.source)
                       for a in uc.raci.select_related("activity")),
        "user_grants": sorted(UseCaseUserObjectPermission.objects.filter(content_object=uc)
                              .values_list("user_id", "permission__codename")),
        "group_grants": sorted(UseCaseGroupObjectPermission.objects.filter(content_object=uc)
                               .values_list("group_id", "permission__codename")),
        "reviews": sorted(Review.objects.filter(use_case=uc)
                          .values_list("id", "status", "decision", "decided_by_id", "assignee_id")),
        "review_decisions": ReviewDecision.objects.filter(review__use_case=uc).count(),
        "gate_decisions": GateDecision.objects.filter(use_case=uc).count(),
        "events": list(uc.events.values_list("kind", flat=True)),
    }


def assert_ben_cannot_decide(use_case, ben):
    """Whatever was attempted, ben still may not review, approve or gate it."""
    ref = use_case.reference
    bens = api(ben)
    for review in Review.objects.filter(use_case=use_case):
        response = bens.post(f"/api/v1/reviews/{review.pk}/decide/", {"decision": "approve", "rationale": RATIONALE},
                             format="json")
        assert response.status_code in (403, 404), response.json()
    response = bens.post(f"/api/v1/use-cases/{ref}/gate-decisions/", {"outcome": "pause", "rationale": RATIONALE},
                         format="json")
    assert response.status_code in (403, 404, 409), response.json()


# ---------------------------------------------------------------- 1. the RACI editor (page POST)


def raci_post(use_case, rows) -> dict:
    data = {"raci-TOTAL_FORMS": str(len(rows)), "raci-INITIAL_FORMS": "0", "raci-MIN_NUM_FORMS": "0",
            "raci-MAX_NUM_FORMS": "200"}
    for index, row in enumerate(rows):
        data.update({f"raci-{index}-{key}": value for key, value in row.items()})
    return data


def current_rows(use_case) -> list[dict]:
    return [{"activity": a.activity.key, "letter": a.letter,
             "party": f"user:{a.user_id}" if a.user_id else f"group:{a.group_id}"}
            for a in selectors.raci_for(use_case)]


def handed(use_case, activity, letter, party) -> list[dict]:
    """The RACI with ``activity``'s ``letter`` handed to ``party`` (the handed row last)."""
    rows = [r for r in current_rows(use_case) if not (r["activity"] == activity and r["letter"] == letter)]
    if activity == "security" and letter == "R" and not any(r["activity"] == "security" for r in rows):
        rows.append({"activity": "security", "letter": "A", "party": f"group:{Group.objects.get(name='security').pk}"})
    return [*rows, {"activity": activity, "letter": letter, "party": party}]


HAND_OVERS = [
    ("security A to ben", "security", "A", "ben"),
    ("security R to ben", "security", "R", "ben"),
    ("security A to a group ben is in", "security", "A", "fin_team"),
    ("security R to a group ben is in", "security", "R", "fin_team"),
    ("security A to ava herself", "security", "A", "ava"),
    ("go / no-go A to ben", "go_no_go", "A", "ben"),
    ("go / no-go A to a group ben is in", "go_no_go", "A", "fin_team"),
    ("go / no-go A to ava herself", "go_no_go", "A", "ava"),
]


@pytest.mark.parametrize(("case", "activity", "letter", "who"), HAND_OVERS, ids=[h[0] for h in HAND_OVERS])
def test_the_raci_page_refuses_to_hand_a_decision_to_a_friend(client, any_case, ava, ben, fin_team, case,
                                                               activity, letter, who):
    party = f"group:{fin_team.pk}" if who == "fin_team" else f"user:{(ben if who == 'ben' else ava).pk}"
    before = state(any_case)
    client.force_login(ava)
    rows = handed(any_case, activity, letter, party)
    response = client.post(reverse("intake:raci", args=[any_case.reference]), raci_post(any_case, rows))
    assert response.status_code == 200
    refused = response.context["formset"].forms[len(rows) - 1]
    # The service's reason (not a form's "invalid choice"), at the row handed over.
    [reason] = refused.errors["party"]
    assert "valid choice" not in reason and reason in response.content.decode().replace("&#x27;", "'"), case
    assert state(any_case) == before
    assert_ben_cannot_decide(any_case, ben)


def test_ben_cannot_post_to_the_raci_page_of_avas_use_case(client, submitted, ben):
    before = state(submitted)
    client.force_login(ben)
    rows = handed(submitted, "security", "A", f"user:{ben.pk}")
    response = client.post(reverse("intake:raci", args=[submitted.reference]), raci_post(submitted, rows))
    assert response.status_code == 404
    assert state(submitted) == before


@pytest.mark.parametrize(("case", "activity", "letter", "who"), HAND_OVERS, ids=[h[0] for h in HAND_OVERS])
def test_the_service_refuses_what_the_page_would_have_sent(any_case, ava, ben, fin_team, case, activity, letter,
                                                            who):
    """The same hand-overs straight to ``raci_set``, as any other caller would send them."""
    kind, party = ("group", fin_team.pk) if who == "fin_team" else ("user", (ben if who == "ben" else ava).pk)
    rows = [{"activity": r["activity"], "letter": r["letter"],
             f"{r['party'].split(':')[0]}_id": int(r["party"].split(":")[1])}
            for r in handed(any_case, activity, letter, f"{kind}:{party}")]
    before = state(any_case)
    with pytest.raises(intake_services.RaciRefused):
        intake_services.raci_set(use_case=any_case, actor=ava, rows=rows)
    assert state(any_case) == before


# ---------------------------------------------------------------- 2. the sponsor field (pages, admin, API)


def edit_post(client, use_case, **changes) -> dict:
    """The edit page's form as it stands, with ``changes``."""
    page = client.get(reverse("intake:edit", args=[use_case.reference]))
    form, formset = page.context["form"], page.context["formset"]
    data = {}
    for bound in [*form, *(field for kpi in formset.forms for field in kpi)]:
        value = bound.value()
        if value is None or value is False:
            continue
        data[bound.html_name] = [str(v) for v in value] if isinstance(value, list | tuple) else str(value)
    data.update({f"{formset.prefix}-{key}": value for key, value in formset.management_form.initial.items()})
    return {**data, "action": "save", **changes}


def test_the_edit_page_refuses_ben_as_sponsor_at_the_field(client, draft, ava, ben):
    client.force_login(ava)
    page = client.get(reverse("intake:edit", args=[draft.reference]))
    assert ben not in page.context["form"].fields["executive_sponsor"].queryset  # not even offered
    before = state(draft)
    response = client.post(reverse("intake:edit", args=[draft.reference]),
                           edit_post(client, draft, executive_sponsor=str(ben.pk), title="Handed over"))
    assert response.status_code == 200
    [reason] = response.context["form"].errors["executive_sponsor"]
    assert reason.startswith("ben.submitter is not in executive_sponsors")
    assert state(draft) == before
    assert_ben_cannot_decide(draft, ben)


def test_the_edit_page_refuses_the_submitter_as_her_own_sponsor(client, draft, ava):
    ava.groups.add(Group.objects.get(name="executive_sponsors"))  # even were she a sponsor
    client.force_login(ava)
    before = state(draft)
    response = client.post(reverse("intake:edit", args=[draft.reference]),
                           edit_post(client, draft, executive_sponsor=str(ava.pk)))
    assert response.status_code == 200
    assert "ava.submitter created it" in response.context["form"].errors["executive_sponsor"][0]
    assert state(draft) == before


def test_the_new_page_refuses_ben_as_sponsor(client, ava, ben, custops):
    client.force_login(ava)
    response = client.post(reverse("intake:new"), {
        "title": "Another idea", "business_unit": str(custops.pk), "executive_sponsor": str(ben.pk),
        "action": "save", "kpis-TOTAL_FORMS": "0", "kpis-INITIAL_FORMS": "0"})
    assert response.status_code == 200
    assert "executive_sponsor" in response.context["form"].errors
    assert not UseCase.objects.filter(title="Another idea").exists()


def test_the_api_refuses_ben_as_sponsor_with_400_at_the_field(draft, ava, ben):
    before = state(draft)
    response = api(ava).patch(f"/api/v1/use-cases/{draft.reference}/", {"executive_sponsor": "ben.submitter"},
                              format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["executive_sponsor"]
    response = api(ava).post("/api/v1/use-cases/", {"business_unit": "CUSTOPS", "title": "Another idea",
                                                    "executive_sponsor": "ben.submitter"}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["executive_sponsor"]
    assert state(draft) == before
    assert not UseCase.objects.filter(title="Another idea").exists()


def test_once_submitted_the_api_refuses_any_change_with_403(submitted, ava):
    before = state(submitted)
    response = api(ava).patch(f"/api/v1/use-cases/{submitted.reference}/", {"title": "Quietly renamed"},
                              format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == f"{submitted.reference} is in review, so its answers can no longer be changed."
    # Handing the gate to a friend is refused too (his name is checked before the service refuses the edit).
    response = api(ava).patch(f"/api/v1/use-cases/{submitted.reference}/", {"executive_sponsor": "ben.submitter"},
                              format="json")
    assert response.status_code in (400, 403)
    assert state(submitted) == before


def test_ben_as_delivery_owner_may_not_then_be_made_sponsor(draft, ava, ben):
    """Making the friend an owner is allowed (he is then one of its own people), and bars him from deciding."""
    ben.groups.add(Group.objects.get(name="executive_sponsors"))  # even were he a sponsor
    response = api(ava).patch(f"/api/v1/use-cases/{draft.reference}/", {"delivery_owner": "ben.submitter"},
                              format="json")
    assert response.status_code == 200
    before = state(draft)
    response = api(ava).patch(f"/api/v1/use-cases/{draft.reference}/", {"executive_sponsor": "ben.submitter"},
                              format="json")
    assert response.status_code == 400
    assert "ben.submitter is its delivery owner" in response.json()["executive_sponsor"][0]
    rows = handed(draft, "go_no_go", "A", f"user:{ben.pk}")
    with pytest.raises(intake_services.RaciRefused):
        intake_services.raci_set(use_case=draft, actor=ava, rows=[
            {"activity": r["activity"], "letter": r["letter"],
             f"{r['party'].split(':')[0]}_id": int(r["party"].split(":")[1])} for r in rows])
    assert state(draft) == before


# ---------------------------------------------------------------- 3. Django admin


def admin_change_post(client, use_case, **changes) -> dict:
    form = client.get(reverse("admin:intake_usecase_change", args=[use_case.pk])).context["adminform"].form
    data = {name: ("" if form[name].value() is None else form[name].value()) for name in form.fields}
    data.update({"kpis-TOTAL_FORMS": 0, "kpis-INITIAL_FORMS": 0, "raci-TOTAL_FORMS": 0, "raci-INITIAL_FORMS": 0,
                 "events-TOTAL_FORMS": 0, "events-INITIAL_FORMS": 0})
    return {**data, **changes}


def test_ordinary_accounts_do_not_get_into_admin(client, submitted, ava, ben):
    before = state(submitted)
    activity = RaciActivity.objects.get(key="security")
    for user in (ava, ben):
        client.force_login(user)
        for url in (reverse("admin:intake_raciassignment_add"), reverse("admin:intake_usecase_change",
                                                                         args=[submitted.pk]),
                    reverse("admin:reviews_review_changelist")):
            response = client.post(url, {"use_case": submitted.pk, "activity": activity.pk, "letter": "A",
                                         "user": ben.pk, "executive_sponsor": ben.pk})
            assert response.status_code == 302 and reverse("admin:login") in response["Location"]
    assert state(submitted) == before


def test_staff_flag_alone_changes_nothing_in_admin(client, draft, ava, ben):
    """Were ava staff: the RACI is read-only in admin, and the sponsor is refused at the field."""
    ava.is_staff = True
    ava.save()
    client.force_login(ava)
    before = state(draft)
    activity = RaciActivity.objects.get(key="go_no_go")
    response = client.post(reverse("admin:intake_raciassignment_add"),
                           {"use_case": draft.pk, "activity": activity.pk, "letter": "A", "user": ben.pk})
    assert response.status_code == 403
    row = draft.raci.get(activity__key="go_no_go", letter="A")
    response = client.post(reverse("admin:intake_raciassignment_change", args=[row.pk]),
                           {"use_case": draft.pk, "activity": activity.pk, "letter": "A", "user": ben.pk})
    assert response.status_code == 403
    # The use case's change form: the RACI inline is read-only, the sponsor goes through the service.
    data = admin_change_post(client, draft, executive_sponsor=ben.pk, title="Handed over",
                             **{"raci-TOTAL_FORMS": 1, "raci-0-activity": activity.pk, "raci-0-letter": "A",
                                "raci-0-user": ben.pk})
    response = client.post(reverse("admin:intake_usecase_change", args=[draft.pk]), data)
    assert response.status_code == 200
    [reason] = response.context["adminform"].form.errors["executive_sponsor"]
    assert reason.startswith("ben.submitter is not in executive_sponsors")
    assert state(draft) == before


def test_the_admin_review_queue_refuses_a_friend_even_when_assigned(client, submitted, ava, ben):
    # Assigned straight in the table (review_assign refuses him): the queue then shows him the review.
    Review.objects.filter(use_case=submitted).update(assignee=ben)
    for user in (ben, ava):
        user.is_staff = True
        user.save()
        before = state(submitted)
        client.force_login(user)
        review = Review.objects.get(use_case=submitted)
        response = client.post(reverse("admin:reviews_review_changelist"), {
            "action": "approve", "index": 0, "_selected_action": [review.pk], "confirm": "1",
            "rationale": RATIONALE}, follow=True)
        assert response.status_code in (200, 403)
        assert state(submitted) == before


# ---------------------------------------------------------------- 4. deciding: API, pages, admin


def test_ben_cannot_decide_avas_review_or_gate(client, submitted, ben):
    before = state(submitted)
    assert_ben_cannot_decide(submitted, ben)
    client.force_login(ben)
    response = client.post(reverse("reviews:gate", args=[submitted.reference]),
                           {"outcome": "pause", "rationale": RATIONALE})
    assert response.status_code == 404
    assert state(submitted) == before


def test_ava_cannot_decide_her_own_review_or_gate(client, submitted, ava):
    before = state(submitted)
    review = Review.objects.get(use_case=submitted)
    response = api(ava).post(f"/api/v1/reviews/{review.pk}/decide/", {"decision": "approve",
                                                                      "rationale": RATIONALE}, format="json")
    assert response.status_code == 403
    response = api(ava).post(f"/api/v1/use-cases/{submitted.reference}/gate-decisions/",
                             {"outcome": "pause", "rationale": RATIONALE}, format="json")
    assert response.status_code == 403
    client.force_login(ava)
    response = client.post(reverse("reviews:gate", args=[submitted.reference]),
                           {"outcome": "pause", "rationale": RATIONALE}, follow=True)
    assert response.status_code == 200
    assert state(submitted) == before


def force(use_case, *rows) -> None:
    """Rows written straight to the table, around the services (which refuse them), and their grants."""
    activities = RaciActivity.objects.in_bulk(field_name="key")
    for activity, letter, user in rows:
        if letter == "A":  # one A per activity: the forced one replaces it
            RaciAssignment.objects.filter(use_case=use_case, activity=activities[activity], letter="A").delete()
        RaciAssignment.objects.create(use_case=use_case, activity=activities[activity], letter=letter, user=user,
                                      source="manual")
    intake_services.grants_recompute(use_case=use_case)


@pytest.mark.parametrize("who", ["ava (submitter, outcome owner)", "ben (delivery owner)", "ben (business owner)"])
def test_rows_forced_around_the_services_still_do_not_let_its_own_people_decide(client, ava, ben, custops, sue,
                                                                                who):
    if who.startswith("ava"):
        use_case, person = _use_case(ava, custops, sue), ava
    elif "delivery" in who:
        use_case, person = _use_case(ava, custops, sue, delivery_owner=ben), ben
    else:
        use_case = UseCaseFactory(business_unit=custops, created_by=ava, business_owner=ben, executive_sponsor=sue)
        KPIFactory(use_case=use_case)
        person = ben
    use_case = review_services.use_case_submit(use_case=use_case, actor=ava)
    person.groups.add(Group.objects.get(name="security"))  # even inside the review group
    person.is_staff = True
    person.save()
    force(use_case, ("security", "A", person), ("go_no_go", "A", person))
    Review.objects.filter(use_case=use_case).update(assignee=person)
    before = state(use_case)
    review = Review.objects.get(use_case=use_case)

    response = api(person).post(f"/api/v1/reviews/{review.pk}/decide/", {"decision": "approve",
                                                                         "rationale": RATIONALE}, format="json")
    assert response.status_code == 403 and "Separation of duties" in response.json()["detail"]
    response = api(person).post(f"/api/v1/use-cases/{use_case.reference}/gate-decisions/",
                                {"outcome": "pause", "rationale": RATIONALE}, format="json")
    assert response.status_code == 403 and "Separation of duties" in response.json()["detail"]
    client.force_login(person)
    response = client.post(reverse("reviews:gate", args=[use_case.reference]),
                           {"outcome": "kill", "rationale": RATIONALE}, follow=True)
    assert any("Separation of duties" in str(m) for m in response.context["messages"])
    response = client.post(reverse("admin:reviews_review_changelist"), {
        "action": "approve", "index": 0, "_selected_action": [review.pk], "confirm": "1", "rationale": RATIONALE},
        follow=True)
    assert response.status_code == 200
    assert any("Separation of duties" in str(m) for m in response.context["messages"])
    assert state(use_case) == before


@pytest.mark.parametrize("outcome", ["pause", "pivot", "kill"])
def test_no_gate_on_a_draft_even_for_a_forced_sponsor(client, draft, ben, outcome):
    """The issue's step 4: ben as go / no-go A of a Customer Operations draft records pause and pivot."""
    force(draft, ("go_no_go", "A", ben))
    before = state(draft)
    body = {"outcome": outcome, "rationale": RATIONALE, "to_stage": "exploration",
            "redesign_note": "Rework the workflow around the CRM."}
    response = api(ben).post(f"/api/v1/use-cases/{draft.reference}/gate-decisions/", body, format="json")
    assert response.status_code == 409
    assert response.json()["detail"].endswith("is a draft: its stage gates are decided once it has been submitted.")
    client.force_login(ben)
    response = client.post(reverse("reviews:gate", args=[draft.reference]), body)
    assert response.status_code == 200
    assert "is a draft: its stage gates are decided once it has been submitted." in response.content.decode()
    assert state(draft) == before


# ---------------------------------------------------------------- 5. the issue's demo, end to end


def test_the_issue_reproduction_is_refused_and_the_real_reviewers_keep_sight(client, submitted, ava, ben, sec):
    """ava sets the security review's R and A to ben; ben approves; the reviewers lose sight. Not any more."""
    before = state(submitted)
    client.force_login(ava)
    security = [r for r in current_rows(submitted) if r["activity"] != "security"]
    rows = [*security, {"activity": "security", "letter": "R", "party": f"user:{ben.pk}"},
            {"activity": "security", "letter": "A", "party": f"user:{ben.pk}"}]
    response = client.post(reverse("intake:raci", args=[submitted.reference]), raci_post(submitted, rows))
    assert response.status_code == 200
    assert "only governance admins may remove anyone from its security review" in " ".join(
        response.context["errors"])
    assert state(submitted) == before
    assert_ben_cannot_decide(submitted, ben)
    assert UseCase.objects.get(pk=submitted.pk).status == "in_review"
    # The real security reviewers still see it and may decide it.
    assert api(sec).get(f"/api/v1/use-cases/{submitted.reference}/").status_code == 200
    review = Review.objects.get(use_case=submitted)
    response = api(sec).post(f"/api/v1/reviews/{review.pk}/decide/", {"decision": "approve",
                                                                      "rationale": RATIONALE}, format="json")
    assert response.status_code == 200
