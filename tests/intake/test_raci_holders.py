"""Who may hold a deciding RACI role, who may change those rows and when, and who may sponsor.

The rules are the services' (``raci_set``, ``use_case_create`` / ``use_case_update``), table-driven
here with their edges; docs/permissions.md states them.

The world: ava created a Customer Operations use case and owns its outcome; dora is its delivery
owner (and, to test the edge, a member of security and executive_sponsors); eve sponsors it. sid is
a security reviewer, sue another executive sponsor, ben a Finance submitter, whose team group
fin_team is.
"""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from intake import permissions, services
from intake.models import UseCaseEvent
from intake.permissions import Action
from reviews import services as workflow
from tests.factories import KPIFactory, UseCaseFactory, UserFactory


def member(username, *groups, **kwargs):
    user = UserFactory(username=username, **kwargs)
    user.groups.add(*Group.objects.filter(name__in=groups))
    return user


@pytest.fixture
def people(ava, ben):
    fin_team = Group.objects.create(name="fin_team")
    ben.groups.add(fin_team)
    return {
        "ava": ava, "ben": ben,
        "dora": member("dora.delivery", "security", "executive_sponsors"),
        "eve": member("eve.sponsor", "executive_sponsors"),
        "sue": member("sue.sponsor", "executive_sponsors"),
        "sid": member("sid.security", "security"),
        "admin": member("gia.admin", "governance_admins", is_staff=True),
        "security": Group.objects.get(name="security"),
        "executive_sponsors": Group.objects.get(name="executive_sponsors"),
        "fin_team": fin_team,
    }


@pytest.fixture
def draft(custops, people):
    return UseCaseFactory(business_unit=custops, created_by=people["ava"], delivery_owner=people["dora"],
                          executive_sponsor=people["eve"])


@pytest.fixture
def submitted(draft, people):
    KPIFactory(use_case=draft)
    return workflow.use_case_submit(use_case=draft, actor=people["ava"])


def rows_of(use_case):
    return [{"activity": a.activity.key, "letter": a.letter,
             **({"user_id": a.user_id} if a.user_id else {"group_id": a.group_id})}
            for a in use_case.raci.select_related("activity")]


def party(people, name):
    value = people[name]
    return {"group_id": value.pk} if isinstance(value, Group) else {"user_id": value.pk}


def snapshot(use_case):
    return sorted((a.activity.key, a.letter, a.user_id, a.group_id) for a in use_case.raci.select_related("activity"))


def replace(rows, activity, letter, new_party):
    """The rows with ``activity``'s ``letter`` given to ``new_party`` (added when it had none), last.

    A review activity a draft does not have yet gets its group as A first: each activity needs one A.
    """
    kept = [r for r in rows if not (r["activity"] == activity and r["letter"] == letter)]
    if letter != "A" and not any(r["activity"] == activity and r["letter"] == "A" for r in kept):
        kept.append({"activity": activity, "letter": "A", "group_id": Group.objects.get(name=activity).pk})
    return [*kept, {"activity": activity, "letter": letter, **new_party}]


# (case, status, actor, activity, letter, party, refusal or None). The row replaces the activity's letter.
RULES = [
    # Drafts: the outcome's A (ava) may change any row, but the deciding letters only to who may hold them.
    ("review R/A: its group", "draft", "ava", "security", "R", "security", None),
    ("review R/A: another group", "draft", "ava", "security", "R", "fin_team",
     "Only the security group may be Responsible for the security review"),
    ("review R/A: a person, by a non-admin", "draft", "ava", "security", "A", "sid",
     "Only a governance admin may name a person Accountable for the security review"),
    ("review R/A: a friend, by a non-admin", "draft", "ava", "security", "A", "ben",
     "Only a governance admin may name a person"),
    ("review C: anyone", "draft", "ava", "security", "C", "ben", None),
    ("go/no-go A: a sponsor", "draft", "ava", "go_no_go", "A", "sue", None),
    ("go/no-go A: a friend", "draft", "ava", "go_no_go", "A", "ben",
     "ben.submitter is not in executive_sponsors, so may not be Accountable for the go / no-go decision"),
    ("go/no-go A: a group", "draft", "ava", "go_no_go", "A", "executive_sponsors",
     "is a person from executive_sponsors, not the executive_sponsors group"),
    ("go/no-go A: a sponsor who owns its delivery", "draft", "ava", "go_no_go", "A", "dora",
     "dora.delivery is its delivery owner and is Responsible for its delivery: separation of duties"),
    ("go/no-go R: anyone", "draft", "ava", "go_no_go", "R", "ben", None),
    # Submitted: governance admins may name a reviewer, only from the function's group, never an owner.
    ("admin names a reviewer", "submitted", "admin", "security", "R", "sid", None),
    ("admin names a non-member", "submitted", "admin", "security", "A", "ben",
     "ben.submitter is not in the security group, so may not be Accountable for the security review"),
    ("admin names the delivery owner", "submitted", "admin", "security", "R", "dora",
     "dora.delivery is its delivery owner"),
    ("admin names the creator", "submitted", "admin", "go_no_go", "A", "ava",
     "ava.submitter is not in executive_sponsors"),
    ("admin changes the sponsor's row", "submitted", "admin", "go_no_go", "A", "sue", None),
    # Submitted: the outcome's A may no longer touch the review and go / no-go rows, other rows still.
    ("owner touches a review row", "submitted", "ava", "security", "C", "ben",
     "has been submitted: only governance admins may change who is on its security review"),
    ("owner touches go/no-go", "submitted", "ava", "go_no_go", "A", "sue",
     "has been submitted: only governance admins may change who is on its go / no-go decision"),
    ("owner adds a consultant to delivery", "submitted", "ava", "delivery", "C", "ben", None),
]


@pytest.mark.parametrize(("case", "status", "actor", "activity", "letter", "who", "refusal"), RULES,
                         ids=[rule[0] for rule in RULES])
def test_who_may_hold_a_deciding_role(request, people, case, status, actor, activity, letter, who, refusal):
    use_case = request.getfixturevalue(status)
    rows = replace(rows_of(use_case), activity, letter, party(people, who))
    before = snapshot(use_case)
    if refusal is None:
        services.raci_set(use_case=use_case, actor=people[actor], rows=rows)
        assert snapshot(use_case) != before
        return
    with pytest.raises(services.RaciRefused) as refused:
        services.raci_set(use_case=use_case, actor=people[actor], rows=rows)
    # The reason names the row at fault (the last: the one just added).
    assert list(refused.value.row_errors) == [len(rows) - 1]
    assert refusal in refused.value.row_errors[len(rows) - 1][0]
    assert snapshot(use_case) == before


def test_after_submission_only_governance_admins_remove_review_or_gate_rows(submitted, people):
    pmo = Group.objects.get(name="pmo")
    rows = [r for r in rows_of(submitted) if r.get("group_id") != pmo.pk or r["activity"] != "go_no_go"]
    before = snapshot(submitted)
    with pytest.raises(services.RaciRefused) as refused:
        services.raci_set(use_case=submitted, actor=people["ava"], rows=rows)
    assert refused.value.general == [f"{submitted.reference} has been submitted: only governance admins may "
                                     "remove anyone from its go / no-go decision."]
    assert snapshot(submitted) == before
    services.raci_set(use_case=submitted, actor=people["admin"], rows=rows)
    assert not submitted.raci.filter(activity__key="go_no_go", group=pmo).exists()


def test_unchanged_rows_are_not_judged_again(custops, people):
    """A sponsor named before the rules (or since left executive_sponsors) does not lock the RACI."""
    legacy = UseCaseFactory(business_unit=custops, created_by=people["ava"], executive_sponsor=people["ben"])
    rows = [*rows_of(legacy), {"activity": "delivery", "letter": "C", "user_id": people["sid"].pk}]
    services.raci_set(use_case=legacy, actor=people["ava"], rows=rows)
    assert legacy.raci.filter(activity__key="delivery", letter="C", user=people["sid"]).exists()


def test_someone_who_decides_may_not_be_put_on_the_outcome_or_delivery(submitted, people):
    with_sid = replace(rows_of(submitted), "security", "R", party(people, "sid"))
    services.raci_set(use_case=submitted, actor=people["admin"], rows=with_sid)
    before = snapshot(submitted)
    for who in ({"user_id": people["sid"].pk}, {"group_id": people["security"].pk}):
        rows = [*rows_of(submitted), {"activity": "delivery", "letter": "R", **who}]
        with pytest.raises(services.RaciRefused) as refused:
            services.raci_set(use_case=submitted, actor=people["admin"], rows=rows)
        assert "decides on its security review: separation of duties" in refused.value.row_errors[len(rows) - 1][0]
    assert snapshot(submitted) == before


def test_only_those_who_manage_the_raci_may_change_it(submitted, people, custops):
    before = snapshot(submitted)
    with pytest.raises(PermissionDenied):  # dora sees it (delivery owner) but does not manage its RACI
        services.raci_set(use_case=submitted, actor=people["dora"], rows=rows_of(submitted))
    with pytest.raises(Http404):  # ben does not even see it
        services.raci_set(use_case=submitted, actor=people["ben"], rows=rows_of(submitted))
    assert snapshot(submitted) == before


def test_changes_after_submission_are_on_the_timeline(submitted, draft, people):
    events = UseCaseEvent.objects.filter(use_case=submitted, kind="raci_changed")
    services.raci_set(use_case=submitted, actor=people["admin"],
                      rows=replace(rows_of(submitted), "security", "A", party(people, "sid")))
    [event] = events
    assert event.actor == people["admin"] and event.to_status == submitted.status
    assert event.note == ("Added: Security review A sid.security. Removed: Security review A security group.")
    services.raci_set(use_case=submitted, actor=people["admin"], rows=rows_of(submitted))  # no change
    assert events.count() == 1
    # The change is in each row's history too, with who made it.
    row = submitted.raci.get(activity__key="security", letter="A")
    assert row.history.get().history_user == people["admin"]


def test_draft_changes_stay_off_the_timeline(ava, custops, people):
    draft = services.use_case_create(actor=ava, business_unit=custops, answers={"title": "Idea"})
    services.raci_set(use_case=draft, actor=ava, rows=[*rows_of(draft), {"activity": "delivery", "letter": "C",
                                                                        "user_id": people["ben"].pk}])
    assert not draft.events.filter(kind="raci_changed").exists()


# ---------------------------------------------------------------- the sponsor and the owners


# (case, field, value, refusal or None): each on a draft created by ava with dora delivering, eve sponsoring.
ANSWERS = [
    ("a sponsor", "executive_sponsor", "sue", None),
    ("a friend outside executive_sponsors", "executive_sponsor", "ben",
     "ben.submitter is not in executive_sponsors: the executive sponsor decides the stage gates"),
    ("the delivery owner", "executive_sponsor", "dora", "dora.delivery is its delivery owner"),
    ("the creator, though a sponsor", "executive_sponsor", "ava", "ava.submitter created it"),
    ("the sponsor as delivery owner", "delivery_owner", "eve",
     "eve.sponsor decides on its stage gates, as its executive sponsor"),
    ("the sponsor as business owner", "business_owner", "eve", "eve.sponsor decides on its stage gates"),
    ("someone else as delivery owner", "delivery_owner", "ben", None),
]


@pytest.mark.parametrize(("case", "field", "who", "refusal"), ANSWERS, ids=[a[0] for a in ANSWERS])
def test_who_may_sponsor_and_own(draft, people, case, field, who, refusal):
    people["ava"].groups.add(people["executive_sponsors"])  # so only separation of duties can refuse her
    before = {name: getattr(draft, f"{name}_id") for name in services.OWNER_FIELDS}
    if refusal is None:
        workflow.use_case_update(use_case=draft, actor=people["ava"], answers={field: people[who]})
        draft.refresh_from_db()
        assert getattr(draft, field) == people[who]
        return
    with pytest.raises(ValidationError) as refused:
        workflow.use_case_update(use_case=draft, actor=people["ava"], answers={field: people[who]})
    assert list(refused.value.message_dict) == [field]
    assert refusal in refused.value.message_dict[field][0]
    draft.refresh_from_db()
    assert {name: getattr(draft, f"{name}_id") for name in services.OWNER_FIELDS} == before
    # What a form validating ahead (the admin's) is told is the same.
    problems = services.use_case_owner_problems(use_case=draft, actor=people["ava"], answers={field: people[who]})
    assert problems == {field: refused.value.message_dict[field][0]}


def test_a_new_use_case_may_not_be_sponsored_by_a_friend_or_its_creator(custops, people):
    ava = people["ava"]
    for who in ("ben", "ava"):
        with pytest.raises(ValidationError) as refused:
            services.use_case_create(actor=ava, business_unit=custops,
                                     answers={"title": "Idea", "executive_sponsor": people[who]})
        assert "executive_sponsor" in refused.value.message_dict
    created = services.use_case_create(actor=ava, business_unit=custops,
                                       answers={"title": "Idea", "executive_sponsor": people["sue"]})
    assert created.raci.get(activity__key="go_no_go", letter="A").user == people["sue"]


def test_an_owner_already_deciding_a_review_may_not_be_named(submitted, people):
    services.raci_set(use_case=submitted, actor=people["admin"],
                      rows=replace(rows_of(submitted), "security", "R", party(people, "sid")))
    with pytest.raises(ValidationError) as refused:
        workflow.use_case_update(use_case=submitted, actor=people["admin"], answers={"business_owner": people["sid"]})
    assert refused.value.message_dict["business_owner"] == [
        "sid.security decides on its security review: separation of duties keeps those who decide from owning it."]


def test_a_sponsor_left_in_place_is_not_judged_again(custops, people):
    legacy = UseCaseFactory(business_unit=custops, created_by=people["ava"], executive_sponsor=people["ben"])
    workflow.use_case_update(use_case=legacy, actor=people["ava"],
                             answers={"title": "Renamed", "executive_sponsor": people["ben"]})
    legacy.refresh_from_db()
    assert legacy.title == "Renamed"


# ---------------------------------------------------------------- separation of duties by the use case's fields


def test_owners_by_field_are_barred_though_the_raci_leaves_them_off(submitted, people):
    """A hand-edited RACI without the delivery owner on delivery does not make them independent."""
    dora = people["dora"].pk
    rows = [r for r in rows_of(submitted) if not (r["activity"] == "delivery" and r.get("user_id") == dora)]
    rows = replace(rows, "security", "R", party(people, "sid"))
    services.raci_set(use_case=submitted, actor=people["admin"], rows=rows)
    assert not submitted.raci.filter(activity__key="delivery", user=people["dora"]).exists()
    decision = permissions.decide(people["dora"], Action.DECIDE_REVIEW, submitted, function="security")
    assert not decision
    assert decision.reason.endswith("You are its delivery owner.")
    with pytest.raises(PermissionDenied, match="Separation of duties"):
        permissions.refuse_own_people(people["dora"], Action.DECIDE_GATE, submitted)
    permissions.refuse_own_people(people["sid"], Action.DECIDE_REVIEW, submitted)  # independent: no refusal
