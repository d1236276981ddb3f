"""Every role over every action, table-driven; the same table is docs/permissions.md.

The use case is medium tier (security, privacy and architecture must review;
legal, compliance, procurement, data governance and model risk need not) with
changes requested, so editing is possible for those allowed to edit.
"""

from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.http import Http404

from intake import permissions, services
from intake.choices import ReviewFunction, Status
from intake.models import UseCase
from intake.permissions import Action
from reviews import services as workflow
from tests.factories import BusinessUnitFactory, KPIFactory, UseCaseFactory, UserFactory

ACTIONS = ["view", "edit", "comment", "decide_review", "decide_gate", "manage_raci", "withdraw", "edit_submitted"]
Y, N = "allow", "deny"
# role: (view, edit, comment, decide review of own function, decide gate, manage RACI, withdraw,
#        edit once submitted)
EXPECTED = {
    "submitter of the business unit (not on the RACI)": (N, N, N, N, N, N, N, N),
    "submitter of another business unit": (N, N, N, N, N, N, N, N),
    "R on outcome (the submitter)": (Y, Y, Y, N, N, N, N, N),
    "A on outcome (business owner)": (Y, Y, Y, N, N, Y, Y, N),
    "R on delivery (delivery owner)": (Y, Y, Y, N, N, N, N, N),
    "C on an activity": (Y, N, Y, N, N, N, N, N),
    "I on an activity": (Y, N, N, N, N, N, N, N),
    "security group (required review)": (Y, N, Y, Y, N, N, N, N),
    "privacy group (required review)": (Y, N, Y, Y, N, N, N, N),
    "architecture group (required review)": (Y, N, Y, Y, N, N, N, N),
    "legal group (review not required)": (N, N, N, N, N, N, N, N),
    "compliance group (review not required)": (N, N, N, N, N, N, N, N),
    "procurement group (review not required)": (N, N, N, N, N, N, N, N),
    "data_governance group (review not required)": (N, N, N, N, N, N, N, N),
    "model_risk group (review not required)": (N, N, N, N, N, N, N, N),
    "pmo": (Y, N, Y, N, N, N, N, N),
    "executive sponsor (A on go_no_go)": (Y, N, Y, N, Y, N, N, N),
    "executive_sponsors member not on the RACI": (N, N, N, N, N, N, N, N),
    "governance admin": (Y, Y, Y, Y, Y, Y, Y, Y),
}
# All eight review groups, each deciding its own function's review.
GROUP_ROLE = {
    "security": "security group (required review)",
    "privacy": "privacy group (required review)",
    "architecture": "architecture group (required review)",
    "legal": "legal group (review not required)",
    "compliance": "compliance group (review not required)",
    "procurement": "procurement group (review not required)",
    "data_governance": "data_governance group (review not required)",
    "model_risk": "model_risk group (review not required)",
}
FUNCTION_OF = {role: name for name, role in GROUP_ROLE.items()}


def _member(group_name):
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def world(ava, ben, custops):
    owner, delivery, sponsor = UserFactory(), UserFactory(), _member("executive_sponsors")
    use_case = UseCaseFactory(business_unit=custops, created_by=ava, business_owner=owner,
                              delivery_owner=delivery, executive_sponsor=sponsor,
                              data_classification="confidential", exposure="external")
    KPIFactory(use_case=use_case)
    workflow.use_case_submit(use_case=use_case, actor=ava)
    consulted, informed = UserFactory(), UserFactory()
    rows = [_row(a) for a in use_case.raci.all()] + [
        {"activity": "go_no_go", "letter": "C", "user_id": consulted.id},
        {"activity": "monitoring", "letter": "I", "user_id": informed.id},
    ]
    admin = _member("governance_admins")
    # Once submitted, only a governance admin may change the go / no-go rows.
    services.raci_set(use_case=use_case, actor=admin, rows=rows)
    UseCase.objects.filter(pk=use_case.pk).update(status=Status.CHANGES_REQUESTED)
    services.grants_recompute(use_case=UseCase.objects.get(pk=use_case.pk))
    colleague = UserFactory()
    custops.members.add(colleague)
    sponsors_member = _member("executive_sponsors")
    people = {
        "submitter of the business unit (not on the RACI)": colleague,
        "submitter of another business unit": ben,
        "R on outcome (the submitter)": ava,
        "A on outcome (business owner)": owner,
        "R on delivery (delivery owner)": delivery,
        "C on an activity": consulted,
        "I on an activity": informed,
        **{role: _member(name) for name, role in GROUP_ROLE.items()},
        "pmo": _member("pmo"),
        "executive sponsor (A on go_no_go)": sponsor,
        "executive_sponsors member not on the RACI": sponsors_member,
        "governance admin": admin,
    }
    return UseCase.objects.get(pk=use_case.pk), people


def _row(assignment):
    party = {"user_id": assignment.user_id} if assignment.user_id else {"group_id": assignment.group_id}
    return {"activity": assignment.activity.key, "letter": assignment.letter, **party}


def _outcomes(user, use_case, role):
    visible = permissions.visible_use_cases(user).filter(pk=use_case.pk).exists()
    # Both shapes of the filter (ids hashed once, grants probed row by row) say the same.
    assert visible == permissions.visible_use_cases_page(user).filter(pk=use_case.pk).exists()
    facts = permissions.permission_facts(user, [use_case])[use_case.id]
    results = [Y if visible else N]
    for action in ACTIONS[1:-1]:
        function = FUNCTION_OF.get(role, "security")
        allowed = visible and permissions.can(user, Action(action), use_case, function=function, facts=facts)
        results.append(Y if allowed else N)
    # The same people once it is approved: its answers are frozen but for governance admins.
    frozen = UseCase.objects.get(pk=use_case.pk)
    frozen.status = Status.APPROVED
    results.append(Y if visible and permissions.can(user, Action.EDIT, frozen, facts=facts) else N)
    return tuple(results)


@pytest.mark.parametrize("role", list(EXPECTED))
def test_role_over_every_action(world, role):
    use_case, people = world
    assert _outcomes(people[role], use_case, role) == EXPECTED[role]


def test_every_review_group_has_its_row():
    assert set(GROUP_ROLE) == set(ReviewFunction.values)
    assert set(GROUP_ROLE.values()) <= set(EXPECTED)


def test_docs_permissions_table_is_this_table():
    text = (Path(__file__).resolve().parents[2] / "docs" / "permissions.md").read_text()
    documented = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 9 and cells[0] in EXPECTED:
            documented[cells[0]] = tuple(Y if c == "allow" else N for c in cells[1:])
    assert documented == EXPECTED


def test_invisible_use_case_is_404_never_403(world):
    use_case, people = world
    with pytest.raises(Http404):
        permissions.use_case_for(people["submitter of another business unit"], use_case.reference)
    with pytest.raises(Http404):
        permissions.require(people["legal group (review not required)"], Action.COMMENT, use_case)


def test_visible_but_not_allowed_is_permission_denied_with_reason(world):
    use_case, people = world
    with pytest.raises(PermissionDenied, match="permission"):
        permissions.require(people["pmo"], Action.DECIDE_GATE, use_case)


def test_governance_admin_is_the_role_not_a_permission_held_globally(db):
    holder = UserFactory()  # every intake permission, granted one by one, but not in the group
    holder.user_permissions.add(*Permission.objects.filter(content_type__app_label="intake"))
    assert not permissions.is_governance_admin(holder)
    assert permissions.is_governance_admin(UserFactory(is_superuser=True))
    with pytest.raises(PermissionDenied):
        permissions.require(holder, Action.PUBLISH_MATRIX)
    stranger_unit = BusinessUnitFactory()
    with pytest.raises(PermissionDenied, match="business units you belong to"):
        permissions.require(holder, Action.CREATE, stranger_unit)


def test_anonymous_user_sees_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    assert not permissions.visible_use_cases(AnonymousUser()).exists()


def test_inactive_user_sees_nothing(world):
    _use_case, people = world
    owner = people["A on outcome (business owner)"]
    owner.is_active = False
    owner.save()
    assert not permissions.visible_use_cases(owner).exists()


def test_reference_guessing_gets_the_same_404_as_a_missing_one(world):
    _, people = world
    ben = people["submitter of another business unit"]
    for reference in ("UC-0001", "UC-9999", "../admin", "UC-0001' OR 1=1"):
        with pytest.raises(Http404, match="No such use case"):
            permissions.use_case_for(ben, reference)
