"""The RACI on the use-case page: the grid for everyone who may see it, the editor for its outcome's A and admins."""

import re

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from intake import permissions, selectors, services
from intake.models import GovernanceAdminAction, RaciAssignment
from intake.permissions import Action
from reviews import services as workflow
from tests.factories import KPIFactory, UseCaseFactory, UserFactory

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- fixtures and helpers


@pytest.fixture
def owner(db):
    return UserFactory(username="olivia.owner", first_name="Olivia", last_name="Owner")


@pytest.fixture
def use_case(ava, custops, owner):
    """Submitted (low tier): ava is R on outcome, olivia A; the security group is R and A on its review."""
    draft = UseCaseFactory(business_unit=custops, created_by=ava, business_owner=owner, title="Ticket summaries")
    KPIFactory(use_case=draft)
    return workflow.use_case_submit(use_case=draft, actor=ava)


@pytest.fixture
def admin(db):
    user = UserFactory(username="greta.admin", first_name="Greta", last_name="Admin")
    user.groups.add(Group.objects.get(name="governance_admins"))
    return user


@pytest.fixture
def pmo_member(db):
    user = UserFactory(username="pia.pmo")
    user.groups.add(Group.objects.get(name="pmo"))
    return user


def login(client, user):
    client.force_login(user)
    return client


def raci_url(use_case):
    return reverse("intake:raci", args=[use_case.reference])


def detail_url(use_case):
    return reverse("intake:detail", args=[use_case.reference])


def snapshot(use_case):
    """The RACI as comparable tuples (source included: a refused save must not even re-create rows)."""
    return sorted(
        (a.activity.key, a.letter, a.user_id, a.group_id, a.source) for a in use_case.raci.select_related("activity")
    )


def editor_rows(use_case):
    """The current RACI as the editor shows it, in order."""
    return [
        {"activity": a.activity.key, "letter": a.letter,
         "party": f"user:{a.user_id}" if a.user_id else f"group:{a.group_id}"}
        for a in selectors.raci_for(use_case)
    ]


def post_data(rows, *, initial, extra_blank=0):
    data = {
        "raci-TOTAL_FORMS": str(len(rows) + extra_blank),
        "raci-INITIAL_FORMS": str(initial),
        "raci-MIN_NUM_FORMS": "0",
        "raci-MAX_NUM_FORMS": "200",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"raci-{i}-{key}"] = value
    for i in range(len(rows), len(rows) + extra_blank):
        data.update({f"raci-{i}-activity": "", f"raci-{i}-letter": "", f"raci-{i}-party": ""})
    return data


def edit(client, use_case, change=None, add=()):
    """POST the current rows, changed by ``change(rows)``, plus ``add`` as new rows and one blank row."""
    rows = editor_rows(use_case)
    initial = len(rows)
    if change:
        change(rows)
    return client.post(raci_url(use_case), post_data([*rows, *add], initial=initial, extra_blank=1))


def cell(response, activity_key, party):
    raci = response.context["raci"]
    # Users show as "Full name (username)", groups as "name (group)".
    column = next(i for i, label in enumerate(raci["parties"]) if label == party or label.startswith(f"{party} ("))
    row = next(r for r in raci["rows"] if r["activity"].key == activity_key)
    return "".join(letter for letter, _name in row["cells"][column])


# ---------------------------------------------------------------- the grid


def test_detail_page_shows_the_grid_with_names_and_letters(client, ava, owner, use_case):
    response = login(client, ava).get(detail_url(use_case))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="raci"' in html
    for text in ("Olivia Owner", "security (group)", "pmo (group)", "Business outcome", "Security review",
                 "Responsible", "Accountable", "Consulted", "Informed"):
        assert text in html, text
    assert cell(response, "outcome", "Olivia Owner") == "A"
    assert cell(response, "outcome", ava.get_full_name()) == "R"
    assert cell(response, "security", "security (group)") == "RA"
    assert cell(response, "outcome", "pmo (group)") == "I"
    assert 'title="Accountable">A</abbr>' in html


@pytest.mark.parametrize("who", ["owner", "admin"])
def test_outcome_a_and_governance_admin_get_the_editor(client, use_case, who, request):
    user = request.getfixturevalue(who)
    login(client, user)
    assert f'href="{raci_url(use_case)}">Edit RACI</a>' in client.get(detail_url(use_case)).content.decode()

    response = client.get(raci_url(use_case))
    assert response.status_code == 200
    formset = response.context["formset"]
    assignments = list(selectors.raci_for(use_case))
    assert len(formset.forms) == len(assignments) + 3
    assert [f.initial for f in formset.forms[: len(assignments)]] == editor_rows(use_case)
    html = response.content.decode()
    assert 'name="raci-TOTAL_FORMS"' in html and "Save RACI" in html
    owner = use_case.business_owner
    security = Group.objects.get(name="security")
    assert f'<option value="user:{owner.id}">Olivia Owner (olivia.owner)</option>' in html
    assert f'<option value="group:{security.id}">security (group)</option>' in html
    assert "exactly one Accountable (A)" in html and "Separation of duties" in html


@pytest.mark.parametrize("who", ["ava", "pmo_member"])
def test_others_who_can_view_see_the_grid_but_cannot_edit(client, use_case, who, request):
    login(client, request.getfixturevalue(who))
    detail = client.get(detail_url(use_case)).content.decode()
    assert "Olivia Owner" in detail and "Edit RACI" not in detail

    response = client.get(raci_url(use_case))
    assert response.status_code == 200
    assert response.context["formset"] is None
    html = response.content.decode()
    assert "Olivia Owner" in html and 'name="raci-TOTAL_FORMS"' not in html
    assert "Only the Accountable for the business outcome and governance admins" in html

    before = snapshot(use_case)
    stranger = UserFactory()
    response = edit(client, use_case, add=[{"activity": "delivery", "letter": "C", "party": f"user:{stranger.id}"}])
    assert response.status_code == 302 and response["Location"] == raci_url(use_case)
    assert snapshot(use_case) == before
    # raci_set refused, with the permission module's reason; the page says who may.
    reason = permissions.decide(request.getfixturevalue(who), Action.MANAGE_RACI, use_case).reason
    page = client.get(response["Location"])
    assert [str(m) for m in page.context["messages"]] == [reason]
    assert "Only the Accountable for the business outcome and governance admins" in page.content.decode()


def test_someone_outside_the_raci_gets_404(client, ben, use_case):
    login(client, ben)
    before = snapshot(use_case)
    assert client.get(raci_url(use_case)).status_code == 404
    response = client.post(raci_url(use_case), post_data(editor_rows(use_case), initial=0))
    assert response.status_code == 404
    assert client.get(reverse("intake:raci", args=["UC-9999"])).status_code == 404
    assert snapshot(use_case) == before


def test_anonymous_is_sent_to_login(client, use_case):
    response = client.get(raci_url(use_case))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# ---------------------------------------------------------------- editing


def test_adding_a_consulted_user_lets_them_view_the_use_case(client, owner, use_case):
    consultant = UserFactory(username="cora.consultant", first_name="Cora", last_name="Consultant")
    assert login(client, consultant).get(detail_url(use_case)).status_code == 404

    login(client, owner)
    response = edit(client, use_case, add=[{"activity": "delivery", "letter": "C", "party": f"user:{consultant.id}"}])
    assert response.status_code == 302 and response["Location"] == raci_url(use_case)
    page = client.get(response["Location"])
    assert "RACI updated" in page.content.decode()
    assert cell(page, "delivery", "Cora Consultant") == "C"
    added = RaciAssignment.objects.get(use_case=use_case, user=consultant)
    assert (added.activity.key, added.letter, added.source) == ("delivery", "C", "manual")

    assert login(client, consultant).get(detail_url(use_case)).status_code == 200


def test_governance_admin_edit_is_saved_and_audited(client, admin, use_case):
    login(client, admin)
    pmo = Group.objects.get(name="pmo")

    def drop_pmo(rows):
        for row in rows:
            if row["party"] == f"group:{pmo.id}":
                row["DELETE"] = "on"

    response = edit(client, use_case, drop_pmo)
    assert response.status_code == 302
    assert not use_case.raci.filter(group=pmo).exists()
    assert GovernanceAdminAction.objects.filter(user=admin, path=raci_url(use_case)).exists()


def test_removing_the_only_a_is_refused_and_nothing_changes(client, admin, use_case):
    # A governance admin: once submitted, only they may change the go / no-go rows at all.
    before = snapshot(use_case)

    def drop_go_no_go_a(rows):
        for row in rows:
            if row["activity"] == "go_no_go" and row["letter"] == "A":
                row["DELETE"] = "on"

    response = edit(login(client, admin), use_case, drop_go_no_go_a)
    assert response.status_code == 200
    message = "Go / no-go decision needs exactly one Accountable (A); it has 0."
    assert message in response.context["errors"]
    html = response.content.decode()
    assert message in html and "The RACI was not saved" in html
    assert snapshot(use_case) == before
    # The rows come back as typed: the ticked Remove box is still ticked.
    index = next(i for i, row in enumerate(editor_rows(use_case))
                 if row["activity"] == "go_no_go" and row["letter"] == "A")
    assert f'name="raci-{index}-DELETE" id="id_raci-{index}-DELETE" checked' in html


def test_adding_a_second_a_is_refused_and_nothing_changes(client, owner, use_case):
    before = snapshot(use_case)
    second = UserFactory()
    new_row = {"activity": "outcome", "letter": "A", "party": f"user:{second.id}"}
    response = edit(login(client, owner), use_case, add=[new_row])
    assert response.status_code == 200
    assert "Business outcome needs exactly one Accountable (A); it has 2." in response.content.decode()
    assert snapshot(use_case) == before
    # The added row is still there with what was typed.
    typed = response.context["formset"].forms[len(before)]
    assert typed["party"].value() == f"user:{second.id}" and typed["letter"].value() == "A"


def test_the_same_party_and_letter_twice_is_refused(client, owner, use_case):
    before = snapshot(use_case)
    duplicate = {"activity": "outcome", "letter": "R", "party": f"user:{use_case.created_by_id}"}
    response = edit(login(client, owner), use_case, add=[duplicate])
    assert response.status_code == 200
    assert "Business outcome lists the same party and letter twice." in response.context["errors"]
    assert snapshot(use_case) == before


def test_blank_rows_are_ignored_and_an_unchanged_save_keeps_the_raci(client, owner, use_case):
    before = [(key, letter, user, group) for key, letter, user, group, _source in snapshot(use_case)]
    response = edit(login(client, owner), use_case)
    assert response.status_code == 302
    assert [row[:4] for row in snapshot(use_case)] == before


def test_a_draft_without_a_sponsor_saves_unchanged_and_gets_the_sponsor_later(client, ava, custops):
    draft = services.use_case_create(actor=ava, business_unit=custops, answers={"title": "No sponsor yet"})
    response = edit(login(client, ava), draft)
    assert response.status_code == 302 and response["Location"] == raci_url(draft)
    assert "RACI updated" in client.get(response["Location"]).content.decode()
    assert not draft.raci.filter(activity__key="go_no_go").exists()

    sponsor = UserFactory(username="sam.sponsor", first_name="Sam", last_name="Sponsor")
    sponsor.groups.add(Group.objects.get(name="executive_sponsors"))
    workflow.use_case_update(use_case=draft, actor=ava, answers={"executive_sponsor": sponsor})
    page = client.get(raci_url(draft))
    assert cell(page, "go_no_go", "Sam Sponsor") == "A"
    assert cell(page, "go_no_go", "pmo (group)") == "I"


def test_an_inactive_person_on_the_raci_must_be_replaced_or_removed(client, owner, use_case):
    gone = use_case.delivery_owner
    gone.is_active = False
    gone.save()
    login(client, owner)
    html = client.get(raci_url(use_case)).content.decode()
    assert f"({gone.username}), inactive</option>" in html

    before = snapshot(use_case)
    response = edit(client, use_case)
    assert response.status_code == 200
    errors = [e for form in response.context["formset"].forms for e in form.errors.get("party", [])]
    assert any("no longer active" in e for e in errors)
    assert snapshot(use_case) == before

    def drop_gone(rows):
        for row in rows:
            if row["party"] == f"user:{gone.id}":
                row["DELETE"] = "on"

    assert edit(client, use_case, drop_gone).status_code == 302
    assert not use_case.raci.filter(user=gone).exists()


def test_an_editor_who_takes_themselves_off_is_sent_to_the_list(client, owner, use_case):
    successor = UserFactory()

    def hand_over(rows):
        for row in rows:
            if row["party"] == f"user:{owner.id}":
                row["party"] = f"user:{successor.id}"

    response = edit(login(client, owner), use_case, hand_over)
    assert response.status_code == 302 and response["Location"] == reverse("intake:list")
    assert "no longer on it" in client.get(response["Location"]).content.decode()
    assert client.get(raci_url(use_case)).status_code == 404


# ---------------------------------------------------------------- tampering


TAMPERED = [
    ("unknown user", "party", "user:999999"),
    ("unknown group", "party", "group:999999"),
    ("unknown kind", "party", "robot:1"),
    ("blank party", "party", ""),
    ("non-numeric id", "party", "user:abc"),
    ("unknown activity", "activity", "world_domination"),
    ("blank activity", "activity", ""),
    ("unknown letter", "letter", "Z"),
    ("lower-case letter", "letter", "a"),
]


@pytest.mark.parametrize(("case", "field", "value"), TAMPERED, ids=[t[0] for t in TAMPERED])
def test_tampered_rows_give_field_errors_and_change_nothing(client, owner, use_case, case, field, value):
    login(client, owner)
    before = snapshot(use_case)

    def tamper(rows):
        rows[0][field] = value

    response = edit(client, use_case, tamper)
    assert response.status_code == 200
    assert field in response.context["formset"].forms[0].errors
    assert "Correct the highlighted rows below." in response.context["errors"]
    assert snapshot(use_case) == before

    # The same value in an added row is caught the same way.
    new_row = {"activity": "delivery", "letter": "C", "party": f"user:{owner.id}", field: value}
    response = edit(client, use_case, add=[new_row])
    assert response.status_code == 200
    assert field in response.context["formset"].forms[len(before)].errors
    assert snapshot(use_case) == before


def test_missing_management_form_is_an_error_not_a_crash(client, owner, use_case):
    login(client, owner)
    before = snapshot(use_case)
    response = client.post(raci_url(use_case), {"raci-0-activity": "outcome", "raci-0-letter": "A"})
    assert response.status_code == 200
    assert any("ManagementForm" in e for e in response.context["errors"])
    assert 'name="raci-TOTAL_FORMS"' in response.content.decode()
    assert len(response.context["formset"].forms) == len(before) + 3
    assert snapshot(use_case) == before


def test_absurd_row_count_is_capped(client, owner, use_case):
    login(client, owner)
    before = snapshot(use_case)
    data = post_data(editor_rows(use_case), initial=len(before))
    data["raci-TOTAL_FORMS"] = "100000"
    response = client.post(raci_url(use_case), data)
    assert response.status_code == 200
    assert response.context["errors"]
    assert snapshot(use_case) == before


def test_raci_url_refuses_other_methods(client, owner, use_case):
    assert login(client, owner).put(raci_url(use_case)).status_code == 405


# ---------------------------------------------------------------- queries


def with_assignments(custops, ava, count):
    """A use case whose RACI has ``count`` rows: its owner A on outcome, others Consulted."""
    use_case = UseCaseFactory(business_unit=custops, created_by=ava)
    rows = [{"activity": "outcome", "letter": "A", "user_id": use_case.business_owner_id}]
    rows += [{"activity": "outcome", "letter": "C", "user_id": UserFactory().id} for _ in range(count - 1)]
    services.raci_set(use_case=use_case, actor=ava, rows=rows)
    assert use_case.raci.count() == count
    return use_case


@pytest.mark.parametrize("page", ["raci", "detail"])
def test_query_count_does_not_grow_with_the_raci(client, admin, ava, custops, page, django_assert_num_queries):
    small, big = with_assignments(custops, ava, 5), with_assignments(custops, ava, 15)
    login(client, admin)
    target = raci_url if page == "raci" else detail_url
    client.get(target(small))  # warm caches (content types, permissions)
    with CaptureQueriesContext(connection) as few:
        response = client.get(target(small))
    assert response.status_code == 200
    with django_assert_num_queries(len(few)):
        response = client.get(target(big))
    assert len(response.context["raci"]["parties"]) == 15


# ---------------------------------------------------------------- who may be offered, and refusals at the row


def party_options(html, index):
    """{optgroup label: [option texts]} of row ``index``'s party select."""
    select = re.search(rf'<select name="raci-{index}-party".*?</select>', html, re.S).group(0)
    groups = {}
    for label, body in re.findall(r'<optgroup label="([^"]*)">(.*?)</optgroup>', select, re.S):
        groups[label] = re.findall(r"<option[^>]*>([^<]*)</option>", body)
    return groups


def row_index(use_case, activity, letter):
    return next(i for i, row in enumerate(editor_rows(use_case))
                if row["activity"] == activity and row["letter"] == letter)


@pytest.fixture
def cast(db, ben):
    sponsors, security = Group.objects.get(name="executive_sponsors"), Group.objects.get(name="security")
    sue = UserFactory(username="sue.sponsor", first_name="Sue", last_name="Sponsor")
    sue.groups.add(sponsors)
    sid = UserFactory(username="sid.security", first_name="Sid", last_name="Secure")
    sid.groups.add(security)
    return {"sue": sue, "sid": sid, "ben": ben}


def test_the_editor_offers_only_who_may_decide(client, admin, owner, use_case, cast):
    # The owner (olivia) is a sponsor too, and so is the delivery owner: neither is offered, being its own people.
    sponsors = Group.objects.get(name="executive_sponsors")
    owner.groups.add(sponsors)
    use_case.delivery_owner.groups.add(sponsors)
    html = login(client, admin).get(raci_url(use_case)).content.decode()

    gate = party_options(html, row_index(use_case, "go_no_go", "A"))
    assert gate["May decide (A)"] == ["Sue Sponsor (sue.sponsor)"]
    assert "Ben" not in " ".join(gate["May decide (A)"])
    review = party_options(html, row_index(use_case, "security", "A"))
    assert review["May decide (R or A)"] == ["Sid Secure (sid.security)", "security (group)"]
    assert "security (group)" not in review["Groups (C or I only)"]
    assert any("ben.submitter" in text for text in review["People (C or I only)"])


def test_only_governance_admins_are_offered_a_reviewer_by_name(client, ava, custops, cast):
    draft = UseCaseFactory(business_unit=custops, created_by=ava)  # ava owns its outcome
    rows = [{"activity": a.activity.key, "letter": a.letter,
             **({"user_id": a.user_id} if a.user_id else {"group_id": a.group_id})}
            for a in draft.raci.select_related("activity")]
    rows.append({"activity": "security", "letter": "A", "group_id": Group.objects.get(name="security").pk})
    services.raci_set(use_case=draft, actor=ava, rows=rows)
    html = login(client, ava).get(raci_url(draft)).content.decode()
    assert party_options(html, row_index(draft, "security", "A"))["May decide (R or A)"] == ["security (group)"]


def test_after_submission_the_owner_sees_review_and_gate_rows_as_they_are(client, owner, use_case, cast):
    html = login(client, owner).get(raci_url(use_case)).content.decode()
    index = row_index(use_case, "security", "A")
    assert f'<input type="hidden" name="raci-{index}-party"' in html
    assert f'name="raci-{index}-DELETE"' not in html
    assert "Governance admins only" in html
    # The activity select of the rows the owner may still change leaves the locked ones out.
    blank = len(editor_rows(use_case))
    select = re.search(rf'<select name="raci-{blank}-activity".*?</select>', html, re.S).group(0)
    assert 'value="delivery"' in select and 'value="security"' not in select and 'value="go_no_go"' not in select


def test_a_forged_post_handing_the_review_to_a_friend_is_refused_at_the_row(client, owner, use_case, cast):
    before = snapshot(use_case)
    index = row_index(use_case, "security", "A")

    def hand_to_ben(rows):
        rows[index]["party"] = f"user:{cast['ben'].pk}"

    response = edit(login(client, owner), use_case, hand_to_ben)
    assert response.status_code == 200
    form = response.context["formset"].forms[index]
    assert form.errors["party"] == [f"{use_case.reference} has been submitted: only governance admins may change "
                                    "who is on its security review."]
    assert "Correct the highlighted rows below." in response.context["errors"]
    assert snapshot(use_case) == before


def test_a_governance_admins_change_is_on_the_timeline(client, admin, use_case, cast):
    index = row_index(use_case, "security", "R")

    def name_sid(rows):
        rows[index]["party"] = f"user:{cast['sid'].pk}"

    assert edit(login(client, admin), use_case, name_sid).status_code == 302
    html = client.get(detail_url(use_case)).content.decode()
    assert "RACI changed" in html
    assert "Added: Security review R sid.security. Removed: Security review R security group." in html
